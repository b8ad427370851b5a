// The flit format lives in rtl/common/sn_flit_pkg.sv and systemc/noc/sn_flit.h; this test proves they
// agree. sn_flit_probe.sv builds flits and table entries from fields with the package's constants,
// splits flits with them and evaluates the package's flow_hash and select_port; the C++ header must
// give the same bits for random fields (a 100-bit payload, so fields straddle 32-bit words).
#include <gtest/gtest.h>

#include <random>

#include "Vsn_tb_flit_probe.h"
#include "noc/sn_flit.h"

namespace snsim::noc {
namespace {

constexpr unsigned kPayloadW = 100;
constexpr unsigned kFlitW = kCtrlW + kPayloadW;
constexpr unsigned kWords = (kFlitW + 31) / 32;

Flit random_flit(std::mt19937_64& rng) {
  Flit f;
  f.head = rng() & 1;
  f.tail = rng() & 1;
  f.src = static_cast<uint16_t>(rng());
  f.dst = static_cast<uint16_t>(rng());
  f.payload[0] = rng();
  f.payload[1] = rng() & ((1ull << (kPayloadW - 64)) - 1);
  return f;
}

TEST(FlitPkgTest, WidthsAgree) {
  VerilatedContext ctx;
  Vsn_tb_flit_probe m(&ctx, "probe");
  m.eval();
  EXPECT_EQ(m.ctrl_w_o, kCtrlW);
  EXPECT_EQ(m.entry_w_o, kEntryW);
  // The entry layout of docs/router.md: valid at bit 16, adaptive at bit 17, 18 bits in all.
  EXPECT_EQ(kEntryW, 18u);
  EXPECT_EQ(pack_entry(TableEntry{0, 1, true, false}), 1u << 16);
  EXPECT_EQ(pack_entry(TableEntry{0, 1, false, true}), 1u << 17);
  static_assert(sizeof(m.flit_o) == kWords * sizeof(uint32_t));
}

TEST(FlitPkgTest, PackFieldsAgree) {
  VerilatedContext ctx;
  Vsn_tb_flit_probe m(&ctx, "probe");
  std::mt19937_64 rng(1);
  for (unsigned i = 0; i < 20000; ++i) {
    const Flit f = random_flit(rng);
    m.head_i = f.head;
    m.tail_i = f.tail;
    m.src_i = f.src;
    m.dst_i = f.dst;
    put_bits(m.payload_i.data(), 0, 64, f.payload[0]);
    put_bits(m.payload_i.data(), 64, kPayloadW - 64, f.payload[1]);
    m.eval();
    uint32_t words[kWords] = {};
    pack_flit(f, kPayloadW, words, 0);
    for (unsigned w = 0; w < kWords; ++w) ASSERT_EQ(m.flit_o[w], words[w]) << "word " << w << " flit " << i;
    // And back: the C++ unpack of the RTL's bits is the flit we started from.
    ASSERT_EQ(unpack_flit(m.flit_o.data(), kPayloadW, 0), f);
  }
}

// The RTL splits a C++-packed flit into the same fields, also at a bit offset inside a wider vector
// (as in the router's flattened ports, where port p's flit starts at p * FlitW).
TEST(FlitPkgTest, UnpackFieldsAgree) {
  VerilatedContext ctx;
  Vsn_tb_flit_probe m(&ctx, "probe");
  std::mt19937_64 rng(2);
  for (unsigned i = 0; i < 20000; ++i) {
    const Flit f = random_flit(rng);
    uint32_t words[kWords] = {};
    pack_flit(f, kPayloadW, words, 0);
    for (unsigned w = 0; w < kWords; ++w) m.flit_i[w] = words[w];
    m.eval();
    ASSERT_EQ(m.head_o, f.head);
    ASSERT_EQ(m.tail_o, f.tail);
    ASSERT_EQ(m.src_o, f.src);
    ASSERT_EQ(m.dst_o, f.dst);
    ASSERT_EQ(get_bits(m.payload_o.data(), 0, 64), f.payload[0]);
    ASSERT_EQ(get_bits(m.payload_o.data(), 64, kPayloadW - 64), f.payload[1]);

    const unsigned off = 1 + i % 200;
    uint32_t wide[16] = {};
    pack_flit(f, kPayloadW, wide, off);
    ASSERT_EQ(unpack_flit(wide, kPayloadW, off), f);
    for (unsigned b = 0; b < kFlitW; ++b) {
      ASSERT_EQ(get_bits(wide, off + b, 1), get_bits(words, b, 1)) << "bit " << b << " at offset " << off;
    }
    ASSERT_EQ(get_bits(wide, 0, off), 0u) << "bits below the flit were touched";
  }
}

TEST(FlitPkgTest, HashPortAndEntryAgree) {
  VerilatedContext ctx;
  Vsn_tb_flit_probe m(&ctx, "probe");
  std::mt19937_64 rng(3);
  for (unsigned i = 0; i < 200000; ++i) {
    const auto src = static_cast<uint16_t>(rng()), dst = static_cast<uint16_t>(rng());
    TableEntry e{static_cast<uint8_t>(rng()), static_cast<uint16_t>(1 + rng() % 256), (rng() & 1) != 0,
                 (rng() & 1) != 0};
    m.src_i = src;
    m.dst_i = dst;
    m.base_i = e.base;
    m.count_m1_i = static_cast<uint8_t>(e.count - 1);
    m.valid_i = e.valid;
    m.adaptive_i = e.adaptive;
    m.eval();
    ASSERT_EQ(m.hash_o, flow_hash(src, dst)) << src << " " << dst;
    ASSERT_EQ(m.spread_o, dest_spread(dst)) << dst;
    ASSERT_EQ(m.port_o, select_port(e, m.hash_o)) << "base " << +e.base << " count " << e.count;
    ASSERT_EQ(m.entry_o, pack_entry(e));
    ASSERT_EQ(unpack_entry(pack_entry(e)), e);
  }
}

}  // namespace
}  // namespace snsim::noc
