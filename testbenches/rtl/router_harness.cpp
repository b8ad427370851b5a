// RouterHarness: see router_harness.h for the contract.
#include "router_harness.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace snsim::noc::tb {
namespace {

uint64_t mix64(uint64_t x) {  // splitmix64 finalizer: every input bit reaches every output bit
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Payload word 0: a harness-wide sequence number (bits 63:28), the VC the flit entered on (27:24)
// and a 24-bit checksum over the flit's header fields, that VC and the sequence number; the other
// words are derived from word 0. A corrupted bit anywhere in the flit breaks the checksum. The VC
// travels in the payload because a router reassigning VCs (VcAlloc::any) delivers on another.
constexpr unsigned kVcLsb = 24;
constexpr unsigned kSeqLsb = 28;

uint64_t checksum(const Flit& f, uint8_t vc, uint64_t seq) {
  return mix64((uint64_t{f.src} << 48) ^ (uint64_t{f.dst} << 32) ^ (uint64_t{vc} << 24) ^
               (uint64_t{f.head} << 1) ^ f.tail ^ (seq << 8)) &
         0xffffff;
}

uint64_t fill_word(uint64_t word0, unsigned w) { return mix64(word0 ^ (0x51ed27u * w)); }

uint64_t word_mask(unsigned payload_bits, unsigned w) {
  const unsigned lo = w * 64;
  if (lo >= payload_bits) return 0;
  const unsigned n = std::min(64u, payload_bits - lo);
  return n == 64 ? ~0ull : ((1ull << n) - 1);
}

std::string key_str(const FlowKey& k) { return fmt::format("flow(src {}, dst {}, vc {})", k.src, k.dst, k.vc); }

}  // namespace

RouterHarness::RouterHarness(RouterModel& router, const HarnessOptions& opt)
    : r_(router), opt_(opt), p_(router.params()), rng_(opt.seed), table_(p_.table_depth) {
  clear_state();
}

void RouterHarness::clear_state() {
  src_.assign(p_.ports, Source{});
  for (Source& s : src_) {
    s.queue.assign(p_.vcs, {});
    s.credits.assign(p_.vcs, p_.buf_depth);
  }
  std::vector<Sink> sinks(p_.ports);
  for (unsigned o = 0; o < p_.ports; ++o) {
    Sink& k = sinks[o];
    k.held.assign(p_.vcs, 0);
    k.returned_now.assign(p_.vcs, 0);
    k.returned_prev.assign(p_.vcs, 0);
    k.received = sink_.empty() ? std::vector<uint64_t>(p_.vcs, 0) : sink_[o].received;
    k.withhold.assign(p_.vcs, false);
    k.open.assign(p_.vcs, false);
    k.open_flow.assign(p_.vcs, FlowKey{});
  }
  sink_ = std::move(sinks);
  expect_.clear();
  packet_port_.clear();
  injected_ = delivered_ = 0;
}

void RouterHarness::write_table(uint16_t dst, const TableEntry& e) {
  r_.write_table(dst, e);
  table_.at(dst) = e;
}

void RouterHarness::load_identity_table() {
  for (unsigned d = 0; d < p_.ports; ++d) {
    write_table(static_cast<uint16_t>(d), TableEntry{static_cast<uint8_t>(d), 1, true});
  }
}

unsigned RouterHarness::expected_port(uint16_t src, uint16_t dst) const {
  return select_port(table_.at(dst), flow_hash(src, dst));
}

Flit RouterHarness::make_flit(uint16_t src, uint16_t dst, uint8_t vc, bool head, bool tail) {
  Flit f;
  f.head = head;
  f.tail = tail;
  f.src = src;
  f.dst = dst;
  const uint64_t seq = ++seq_ & ((1ull << (64 - kSeqLsb)) - 1);
  const uint64_t w0 = (seq << kSeqLsb) | (uint64_t{vc} << kVcLsb) | checksum(f, vc, seq);
  for (unsigned w = 0; w < f.payload.size(); ++w) {
    f.payload[w] = (w == 0 ? w0 : fill_word(w0, w)) & word_mask(p_.payload_bits, w);
  }
  return f;
}

bool RouterHarness::payload_ok(const Flit& f, uint8_t vc) const {
  const uint64_t seq = f.payload[0] >> kSeqLsb;
  if ((f.payload[0] & 0xffffff) != checksum(f, vc, seq)) return false;
  for (unsigned w = 1; w < f.payload.size(); ++w) {
    if (f.payload[w] != (fill_word(f.payload[0], w) & word_mask(p_.payload_bits, w))) return false;
  }
  return true;
}

void RouterHarness::enqueue_packet(unsigned in_port, uint16_t src, uint16_t dst, uint8_t vc, unsigned len) {
  for (unsigned i = 0; i < len; ++i) {
    src_.at(in_port).queue.at(vc).push_back(make_flit(src, dst, vc, i == 0, i + 1 == len));
  }
  src_[in_port].backlog += len;
}

void RouterHarness::set_withhold(unsigned out_port, uint8_t vc, bool withhold) {
  sink_.at(out_port).withhold.at(vc) = withhold;
}

void RouterHarness::error(std::string msg) {
  ++error_count_;
  if (errors_.size() < 40) errors_.push_back(fmt::format("cycle {}: {}", r_.cycle(), msg));
}

std::string RouterHarness::error_report() const {
  std::string s = fmt::format("{} harness errors", error_count_);
  for (const std::string& e : errors_) s += "\n  " + e;
  return s;
}

uint64_t RouterHarness::outstanding(const FlowKey& k) const {
  auto it = expect_.find(k);
  return it == expect_.end() ? 0 : it->second.size();
}

uint64_t RouterHarness::queued() const {
  uint64_t n = 0;
  for (const Source& s : src_) n += s.backlog;
  return n;
}

unsigned RouterHarness::outputs_mid_packet() const {
  unsigned n = 0;
  for (const Sink& k : sink_) n += static_cast<unsigned>(std::count(k.open.begin(), k.open.end(), true));
  return n;
}

void RouterHarness::deliver(unsigned port, const LinkFlit& lf, uint64_t now) {
  if (lf.vc >= p_.vcs) {
    error(fmt::format("output {}: flit on VC {} which does not exist", port, lf.vc));
    return;
  }
  // The flow's VC is the one the flit entered on; a router keeping VCs must deliver on it.
  const auto in_vc = static_cast<uint8_t>((lf.flit.payload[0] >> kVcLsb) & 0xf);
  const FlowKey key{lf.flit.src, lf.flit.dst, in_vc};
  if (p_.vc_alloc == VcAlloc::keep && lf.vc != in_vc) {
    error(fmt::format("output {}: flit of {} left on VC {}", port, key_str(key), lf.vc));
  }
  Sink& sink = sink_[port];
  sink.received[lf.vc]++;
  // The router spends one credit per flit; a credit the sink returned in the previous cycle reaches
  // the router's counter too late for a flit leaving now, so it still counts as held here.
  if (++sink.held[lf.vc] + sink.returned_prev[lf.vc] > p_.buf_depth) {
    error(fmt::format("output {} VC {}: {} flits outstanding (+{} credits not yet usable), more than the {} credits",
                      port, lf.vc, sink.held[lf.vc], sink.returned_prev[lf.vc], p_.buf_depth));
  }
  std::uniform_int_distribution<unsigned> delay(opt_.credit_delay_min, opt_.credit_delay_max);
  sink.pending.push_back(PendingCredit{now + delay(rng_), lf.vc});

  if (!payload_ok(lf.flit, in_vc)) error(fmt::format("output {}: corrupted flit of {}", port, key_str(key)));

  // Wormhole: one packet at a time on each output VC.
  if (lf.flit.head) {
    if (sink.open[lf.vc]) {
      error(fmt::format("output {} VC {}: head of {} inside the packet of {}", port, lf.vc, key_str(key),
                        key_str(sink.open_flow[lf.vc])));
    }
    sink.open[lf.vc] = !lf.flit.tail;
    sink.open_flow[lf.vc] = key;
  } else {
    if (!sink.open[lf.vc] || !(sink.open_flow[lf.vc] == key)) {
      error(fmt::format("output {} VC {}: body flit of {} outside its packet", port, lf.vc, key_str(key)));
    }
    if (lf.flit.tail) sink.open[lf.vc] = false;
  }

  auto it = expect_.find(key);
  if (it == expect_.end() || it->second.empty()) {
    error(fmt::format("output {}: unexpected flit of {} (duplicate, stale or misaddressed)", port, key_str(key)));
    return;
  }
  std::deque<Expected>& q = it->second;
  auto match = std::find_if(q.begin(), q.end(), [&](const Expected& e) { return e.flit == lf.flit; });
  if (match == q.end()) {
    error(fmt::format("output {}: flit of {} matches nothing outstanding (corrupted or duplicate)", port,
                      key_str(key)));
    return;
  }
  if (match != q.begin()) {
    error(fmt::format("output {}: {} out of order: {} older flits of the flow are still outstanding", port,
                      key_str(key), match - q.begin()));
  }
  if (port < match->out_lo || port > match->out_hi) {
    error(match->out_lo == match->out_hi
              ? fmt::format("{} left on output {}, the table says {}", key_str(key), port, match->out_lo)
              : fmt::format("{} left on output {}, the table says one of {}..{}", key_str(key), port,
                            match->out_lo, match->out_hi));
  }
  // One port per packet: the head's choice holds for the rest of the packet.
  if (lf.flit.head) {
    if (lf.flit.tail) {
      packet_port_.erase(key);
    } else {
      packet_port_[key] = port;
    }
  } else if (auto pp = packet_port_.find(key); pp != packet_port_.end()) {
    if (pp->second != port) {
      error(fmt::format("{}: packet split, head left on output {}, this flit on {}", key_str(key), pp->second, port));
    }
    if (lf.flit.tail) packet_port_.erase(pp);
  }
  const Delivery d{match->in_port, port, key, lf.flit.head, lf.flit.tail, match->inject_cycle, now};
  q.erase(match);
  ++delivered_;
  if (on_delivery_) on_delivery_(d);
}

void RouterHarness::generate() {
  if (opt_.load <= 0) return;
  const double avg_len = 0.5 * (opt_.min_len + opt_.max_len);
  std::bernoulli_distribution start(std::min(1.0, opt_.load / avg_len));
  std::uniform_int_distribution<unsigned> dst(0, p_.ports - 1), vc(0, p_.vcs - 1),
      len(opt_.min_len, opt_.max_len);
  for (unsigned i = 0; i < p_.ports; ++i) {
    if (src_[i].backlog >= opt_.max_backlog || !start(rng_)) continue;
    enqueue_packet(i, static_cast<uint16_t>(i), static_cast<uint16_t>(dst(rng_)), static_cast<uint8_t>(vc(rng_)),
                   len(rng_));
  }
}

void RouterHarness::run(uint64_t n) {
  for (uint64_t c = 0; c < n; ++c) {
    const uint64_t now = r_.cycle();
    for (Sink& k : sink_) {
      k.returned_prev.swap(k.returned_now);
      std::fill(k.returned_now.begin(), k.returned_now.end(), 0u);
    }
    // 1. What the router shows in this cycle (registered outputs): flits out, credits upstream.
    for (unsigned p = 0; p < p_.ports; ++p) {
      const LinkFlit lf = r_.out(p);
      if (lf.valid) deliver(p, lf, now);
      const LinkCredit lc = r_.in_credit(p);
      if (!lc.valid) continue;
      if (lc.vc >= p_.vcs) {
        error(fmt::format("input {}: credit for VC {} which does not exist", p, lc.vc));
        continue;
      }
      if (++src_[p].credits[lc.vc] > p_.buf_depth) {
        error(fmt::format("input {} VC {}: credit returned beyond the buffer depth", p, lc.vc));
      }
      if (on_in_credit_) on_in_credit_(p, lc.vc, now);
    }
    // 2. Sinks return at most one credit per output per cycle, oldest ready first.
    for (unsigned p = 0; p < p_.ports; ++p) {
      Sink& k = sink_[p];
      if (now < k.stall_until) continue;
      if (opt_.stall_prob > 0 && std::bernoulli_distribution(opt_.stall_prob)(rng_)) {
        k.stall_until = now + 1 + std::uniform_int_distribution<unsigned>(0, opt_.stall_max)(rng_);
        continue;
      }
      auto best = k.pending.end();
      for (auto it = k.pending.begin(); it != k.pending.end(); ++it) {
        if (it->ready <= now && !k.withhold[it->vc] && (best == k.pending.end() || it->ready < best->ready)) best = it;
      }
      if (best == k.pending.end()) continue;
      r_.set_out_credit(p, LinkCredit{true, best->vc});
      k.held[best->vc]--;
      k.returned_now[best->vc]++;
      k.pending.erase(best);
    }
    // 3. Sources: new random packets, then at most one flit per input, only with a credit.
    generate();
    for (unsigned p = 0; p < p_.ports; ++p) {
      Source& s = src_[p];
      if (s.backlog == 0) continue;
      const unsigned first = std::uniform_int_distribution<unsigned>(0, p_.vcs - 1)(rng_);
      for (unsigned k = 0; k < p_.vcs; ++k) {
        const auto vc = static_cast<uint8_t>((first + k) % p_.vcs);
        if (s.queue[vc].empty() || s.credits[vc] == 0) continue;
        const Flit f = s.queue[vc].front();
        s.queue[vc].pop_front();
        s.backlog--;
        if (--s.credits[vc] == 0) ++zero_credit_events_;
        r_.set_in(p, LinkFlit{true, vc, f});
        const TableEntry& e = table_.at(f.dst);
        const unsigned hashed = expected_port(f.src, f.dst);
        const unsigned lo = e.adaptive ? e.base : hashed, hi = e.adaptive ? e.base + e.count - 1u : hashed;
        expect_[FlowKey{f.src, f.dst, vc}].push_back(Expected{f, p, lo, hi, now});
        ++injected_;
        break;
      }
    }
    // 4. The clock edge.
    r_.step();
  }
}

bool RouterHarness::idle() const {
  if (queued() != 0 || outstanding() != 0) return false;
  for (unsigned p = 0; p < p_.ports; ++p) {
    for (unsigned v = 0; v < p_.vcs; ++v) {
      if (src_[p].credits[v] != p_.buf_depth || sink_[p].held[v] != 0) return false;
    }
  }
  return true;
}

bool RouterHarness::drain(uint64_t max_cycles) {
  opt_.load = 0;
  for (uint64_t c = 0; c < max_cycles; ++c) {
    if (idle()) {
      run(16);  // anything that still comes out now is a duplicate (the scoreboard flags it)
      return idle();
    }
    run(1);
  }
  return false;
}

void RouterHarness::reset_all() {
  r_.reset();
  clear_state();
}

RouterPair::RouterPair(RouterModel& a, RouterModel& b, std::function<std::string()> also)
    : a_(a), b_(b), also_(std::move(also)) {
  compare();
}

void RouterPair::reset() {
  a_.reset();
  b_.reset();
  compare();
}

void RouterPair::write_table(uint32_t dst, const TableEntry& e) {
  a_.write_table(dst, e);
  b_.write_table(dst, e);
  compare();
}

void RouterPair::set_in(unsigned port, const LinkFlit& f) {
  a_.set_in(port, f);
  b_.set_in(port, f);
}

void RouterPair::set_out_credit(unsigned port, const LinkCredit& c) {
  a_.set_out_credit(port, c);
  b_.set_out_credit(port, c);
}

void RouterPair::step() {
  a_.step();
  b_.step();
  compare();
}

void RouterPair::compare() {
  if (!mismatch_.empty()) return;
  if (a_.cycle() != b_.cycle()) mismatch_ = fmt::format("cycle counts {} / {}", a_.cycle(), b_.cycle());
  for (unsigned p = 0; p < a_.params().ports && mismatch_.empty(); ++p) {
    const LinkFlit x = a_.out(p), y = b_.out(p);
    if (x.valid != y.valid || (x.valid && (x.vc != y.vc || !(x.flit == y.flit)))) {
      mismatch_ = fmt::format("cycle {}: output {} differs (valid {} / {})", a_.cycle(), p, x.valid, y.valid);
    }
    const LinkCredit c = a_.in_credit(p), d = b_.in_credit(p);
    if (c.valid != d.valid || c.vc != d.vc) {
      mismatch_ = fmt::format("cycle {}: input {} credit differs (valid {} vc {} / valid {} vc {})", a_.cycle(), p,
                              c.valid, c.vc, d.valid, d.vc);
    }
  }
  if (mismatch_.empty() && also_) {
    const std::string what = also_();
    if (!what.empty()) mismatch_ = fmt::format("cycle {}: {}", a_.cycle(), what);
  }
}

}  // namespace snsim::noc::tb
