// The flit and forwarding-table formats of the snsim network, in C++.
//
// Mirrors rtl/common/sn_flit_pkg.sv bit for bit (docs/router.md has the layouts). The test
// testbenches/rtl/test_flit_pkg.cpp drives the verilated package functions and these with the same
// fields and requires identical bits, so the two cannot drift apart silently.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace snsim::noc {

inline constexpr unsigned kEpIdW = 16;     // endpoint id bits
inline constexpr unsigned kPortIdW = 8;    // port number bits in a table entry
inline constexpr unsigned kHeadBit = 0;
inline constexpr unsigned kTailBit = 1;
inline constexpr unsigned kDstLsb = 2;
inline constexpr unsigned kSrcLsb = kDstLsb + kEpIdW;
inline constexpr unsigned kPayloadLsb = kSrcLsb + kEpIdW;
inline constexpr unsigned kCtrlW = kPayloadLsb;  // control bits in front of the payload
inline constexpr unsigned kMaxPayloadW = 512;
inline constexpr unsigned kEntBaseLsb = 0;
inline constexpr unsigned kEntCountLsb = kPortIdW;
inline constexpr unsigned kEntValidBit = 2 * kPortIdW;
inline constexpr unsigned kEntAdaptiveBit = 2 * kPortIdW + 1;
inline constexpr unsigned kEntryW = 2 * kPortIdW + 2;

// One flit as the RTL carries it; payload bits above the configured width are ignored.
struct Flit {
  bool head = false;
  bool tail = false;
  uint16_t src = 0;
  uint16_t dst = 0;
  std::array<uint64_t, kMaxPayloadW / 64> payload{};

  friend bool operator==(const Flit&, const Flit&) = default;
};

// A forwarding-table entry: the equal-cost ports base .. base + count - 1. A packet takes the port
// of its flow hash (select_port), or with `adaptive` by the scores of the set's output VCs when the
// head flit arrives, starting from its destination's port (select_port_adaptive; DECISIONS.md D5).
struct TableEntry {
  uint8_t base = 0;
  uint16_t count = 1;  // 1..256
  bool valid = false;
  bool adaptive = false;

  friend bool operator==(const TableEntry&, const TableEntry&) = default;
};

// sn_flit_pkg::flow_hash.
constexpr uint16_t flow_hash(uint16_t src, uint16_t dst) {
  uint16_t h = static_cast<uint16_t>(src ^ static_cast<uint16_t>((dst << 5) | (dst >> 11)) ^ 0x9e37u);
  h = static_cast<uint16_t>(h ^ (h << 7));
  h = static_cast<uint16_t>(h ^ (h >> 9));
  h = static_cast<uint16_t>(h ^ (h << 8));
  h = static_cast<uint16_t>(h ^ (h >> 4));
  return h;
}

// sn_flit_pkg::select_port: base + floor(hash * count / 2^16), modulo 2^kPortIdW as in the RTL.
constexpr unsigned select_port(const TableEntry& e, uint16_t hash) {
  return (e.base + ((static_cast<uint32_t>(hash) * e.count) >> 16)) & ((1u << kPortIdW) - 1);
}

// sn_flit_pkg::dest_spread: dst with its 16 bits reversed, the key an adaptive entry starts its scan
// from (a destination-mod-k port for a set of 2^k ports; see the package).
constexpr uint16_t dest_spread(uint16_t dst) {
  uint16_t r = 0;
  for (unsigned b = 0; b < 16; ++b) r = static_cast<uint16_t>(r | (((dst >> b) & 1u) << (15 - b)));
  return r;
}

// How far below the best score of an adaptive set a port may be and still be taken (sn_router's
// AdaptSlack): an eighth of a VC buffer, in flits. 0 below 8-flit buffers (only the best qualify).
constexpr unsigned adapt_slack(unsigned buf_depth) { return buf_depth / 8; }

// sn_route_select's adaptive choice: among the ports base .. base + count - 1, those whose score
// (credits[p], indexed by absolute port number: the output VC's credits less the flits held for it)
// is within `slack` of the set's best are candidates, and the first candidate in the scan that
// starts at the destination's port select_port(e, dest_spread(dst)) and goes upward, wrapping from
// the last port of the set to base, is taken. So a head keeps its destination's port unless another
// port has more than `slack` more room, and heads that see the same scores still part by
// destination. Requires the whole set to exist (entry_routable); the adaptive bit itself is not
// looked at (the caller decides whether the entry is adaptive: sn_route_select uses this for
// e.adaptive and select_port otherwise).
inline unsigned select_port_adaptive(const TableEntry& e, uint16_t dst, const unsigned* credits, unsigned slack) {
  const unsigned first = select_port(e, dest_spread(dst));
  unsigned best = 0;
  for (unsigned k = 0; k < e.count; ++k) best = std::max(best, credits[e.base + k]);
  for (unsigned k = 0; k < e.count; ++k) {
    const unsigned p = e.base + (first - e.base + k) % e.count;
    if (credits[p] + slack >= best) return p;
  }
  return first;  // not reached: the best port is a candidate
}

// sn_route_select's ok_o: the entry is valid and its whole set base .. base + count - 1 exists
// on a router of `ports` ports (no wrap-around past port 255).
constexpr bool entry_routable(const TableEntry& e, unsigned ports) {
  return e.valid && e.count >= 1 && unsigned{e.base} + e.count - 1 < ports;
}

constexpr uint32_t pack_entry(const TableEntry& e) {
  return (uint32_t{e.base} << kEntBaseLsb) | (uint32_t((e.count - 1) & 0xff) << kEntCountLsb) |
         (uint32_t{e.valid} << kEntValidBit) | (uint32_t{e.adaptive} << kEntAdaptiveBit);
}

constexpr TableEntry unpack_entry(uint32_t bits) {
  return TableEntry{static_cast<uint8_t>(bits >> kEntBaseLsb),
                    static_cast<uint16_t>(((bits >> kEntCountLsb) & 0xff) + 1),
                    ((bits >> kEntValidBit) & 1u) != 0, ((bits >> kEntAdaptiveBit) & 1u) != 0};
}

// Bit access into little-endian arrays of 32-bit words, the layout of Verilator's wide signals.
// A field of 1..64 bits spans at most three words and is moved through one 64-bit window (words
// w, w + 1) and the top of a third, without a loop: the RTL adapter moves every flit of every
// router in every cycle through these. Only the words the field covers are read or written.
inline void put_bits(uint32_t* words, unsigned lsb, unsigned width, uint64_t value) {
  if (width >= 1 && width <= 64) {
    const unsigned w = lsb / 32, off = lsb % 32, span = off + width;  // span: 1 .. 95 bits
    const uint64_t ones = width == 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1);
    const uint64_t mask = ones << off, bits = (value & ones) << off;
    if (span <= 32) {
      words[w] = (words[w] & ~static_cast<uint32_t>(mask)) | static_cast<uint32_t>(bits);
      return;
    }
    const uint64_t cur = (words[w] | (uint64_t{words[w + 1]} << 32)) & ~mask;
    words[w] = static_cast<uint32_t>(cur | bits);
    words[w + 1] = static_cast<uint32_t>((cur | bits) >> 32);
    if (span > 64) {  // then off >= 1: the top span - 64 bits of the field go to word w + 2
      const uint32_t top = (uint32_t{1} << (span - 64)) - 1;
      words[w + 2] = (words[w + 2] & ~top) | (static_cast<uint32_t>((value & ones) >> (64 - off)) & top);
    }
    return;
  }
  for (unsigned done = 0; done < width;) {
    const unsigned bit = lsb + done;
    const unsigned w = bit / 32, off = bit % 32;
    const unsigned n = std::min(32 - off, width - done);
    const uint32_t mask = (n == 32) ? 0xffffffffu : (((1u << n) - 1) << off);
    words[w] = (words[w] & ~mask) | (static_cast<uint32_t>(value >> done << off) & mask);
    done += n;
  }
}

inline uint64_t get_bits(const uint32_t* words, unsigned lsb, unsigned width) {
  if (width >= 1 && width <= 64) {
    const unsigned w = lsb / 32, off = lsb % 32, span = off + width;
    uint64_t v = words[w] >> off;
    if (span > 32) v = (words[w] | (uint64_t{words[w + 1]} << 32)) >> off;
    if (span > 64) v |= uint64_t{words[w + 2]} << (64 - off);
    return width == 64 ? v : v & ((uint64_t{1} << width) - 1);
  }
  uint64_t v = 0;
  for (unsigned done = 0; done < width;) {
    const unsigned bit = lsb + done;
    const unsigned w = bit / 32, off = bit % 32;
    const unsigned n = std::min(32 - off, width - done);
    const uint64_t part = (words[w] >> off) & ((n == 32) ? 0xffffffffu : ((1u << n) - 1));
    v |= part << done;
    done += n;
  }
  return v;
}

// The control fields fill bits 0 .. kCtrlW - 1, so pack_flit and unpack_flit move them as one field
// of at most 64 bits (one put_bits / get_bits instead of four: the RTL adapter does this for every
// flit of every router in every cycle).
static_assert(kHeadBit == 0 && kTailBit == 1 && kDstLsb == 2 && kCtrlW <= 64, "control fields packed from bit 0");

// Writes a flit of kCtrlW + payload_w bits at bit offset lsb.
inline void pack_flit(const Flit& f, unsigned payload_w, uint32_t* words, unsigned lsb) {
  const uint64_t ctrl = (uint64_t{f.head} << kHeadBit) | (uint64_t{f.tail} << kTailBit) |
                        (uint64_t{f.dst} << kDstLsb) | (uint64_t{f.src} << kSrcLsb);
  put_bits(words, lsb, kCtrlW, ctrl);
  for (unsigned b = 0; b < payload_w; b += 64) {
    put_bits(words, lsb + kPayloadLsb + b, std::min(64u, payload_w - b), f.payload[b / 64]);
  }
}

inline Flit unpack_flit(const uint32_t* words, unsigned payload_w, unsigned lsb) {
  // dst and src are cut from the control field by the casts to 16 bits below.
  static_assert(kEpIdW == 16, "unpack_flit takes dst and src as 16-bit casts");
  Flit f;
  const uint64_t ctrl = get_bits(words, lsb, kCtrlW);
  f.head = ((ctrl >> kHeadBit) & 1u) != 0;
  f.tail = ((ctrl >> kTailBit) & 1u) != 0;
  f.dst = static_cast<uint16_t>(ctrl >> kDstLsb);
  f.src = static_cast<uint16_t>(ctrl >> kSrcLsb);
  for (unsigned b = 0; b < payload_w; b += 64) {
    f.payload[b / 64] = get_bits(words, lsb + kPayloadLsb + b, std::min(64u, payload_w - b));
  }
  return f;
}

}  // namespace snsim::noc
