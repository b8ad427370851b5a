// FastRouter: see fast_router.h for the contract. Each step() is the RTL's rising edge: everything
// that decides what happens (eligibility, both arbiters, the assertions) reads only registered state
// and this cycle's staged inputs, and the commit that follows writes the new registers, in the
// order the RTL's always_comb / always_ff split implies.
#include "noc/fast_router.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "common/prefetch.h"

namespace snsim::noc {
namespace {

unsigned clog2(unsigned n) {
  unsigned b = 0;
  while ((1u << b) < n) ++b;
  return b;
}

bool pow2(unsigned n) { return n != 0 && (n & (n - 1)) == 0; }

// Port sets are two words (up to 128 ports), but a router of at most 64 ports never sets a bit
// of the second. The helpers take W, the words that can be nonzero: step() picks W once per call
// (1 for every shipped network's routers), so each set operation of the step is a single word
// with constant indices instead of a loop over two words and an index computed from the port.

// Calls f(i) for every set bit i of the first W words of a port set, lowest first.
template <unsigned W, class Set, class F>
void for_each_bit(const Set& s, F&& f) {
  for (unsigned w = 0; w < W; ++w) {
    for (uint64_t bits = s[w]; bits != 0; bits &= bits - 1) {
      f(w * 64 + static_cast<unsigned>(std::countr_zero(bits)));
    }
  }
}

template <unsigned W, class Set>
bool any(const Set& s) {
  if constexpr (W == 1) {
    return s[0] != 0;
  } else {
    return (s[0] | s[1]) != 0;
  }
}

// More than one bit set (no popcount: not in the baseline ISA).
template <unsigned W, class Set>
bool several(const Set& r) {
  if constexpr (W == 1) {
    return (r[0] & (r[0] - 1)) != 0;
  } else {
    return (r[0] & (r[0] - 1)) != 0 || (r[1] & (r[1] - 1)) != 0 || (r[0] != 0 && r[1] != 0);
  }
}

// Bit i's word: with W == 1, i < 64 and the word is the first.
template <unsigned W>
unsigned word_of(unsigned i) {
  return W == 1 ? 0u : i / 64;
}

template <unsigned W, class Set>
void set_bit(Set& s, unsigned i) {
  s[word_of<W>(i)] |= uint64_t{1} << (i % 64);
}
template <unsigned W, class Set>
void clear_bit(Set& s, unsigned i) {
  s[word_of<W>(i)] &= ~(uint64_t{1} << (i % 64));
}
template <unsigned W, class Set>
bool test_bit(const Set& s, unsigned i) {
  return (s[word_of<W>(i)] >> (i % 64)) & 1u;
}

// Starts loading every cache line of a vector's elements.
template <class T>
void prefetch_array(const std::vector<T>& a) {
  prefetch_bytes(a.data(), a.size() * sizeof(T));
}

[[noreturn]] void fail(const char* assertion, const std::string& what) {
  throw std::logic_error(fmt::format("sn_router (fast model): assertion {} failed: {}", assertion, what));
}

}  // namespace

FastRouter::FastRouter(const RouterParams& p, Mutation mutation, Scan scan)
    : p_(p), mutation_(mutation), kept_(scan == Scan::Kept && p.vc_alloc == VcAlloc::keep) {
  // The RTL's elaboration checks (SN_ASSERT_INIT in sn_router).
  if (p.ports < 2 || p.ports > 128) throw std::invalid_argument("FastRouter: ports must be 2..128 (RadixInRange)");
  if (p.vcs < 1 || p.vcs > 16) throw std::invalid_argument("FastRouter: vcs must be 1..16 (VcsInRange)");
  if (p.buf_depth < 2 || p.buf_depth > 4096 || !pow2(p.buf_depth)) {
    throw std::invalid_argument("FastRouter: buf_depth must be a power of two in 2..4096 (DepthPow2)");
  }
  if (p.payload_bits < 1 || p.payload_bits > kMaxPayloadW) {
    throw std::invalid_argument("FastRouter: payload_bits must be 1..512 (PayloadInRange)");
  }
  if (p.table_depth < 2 || p.table_depth > 65536 || !pow2(p.table_depth)) {
    throw std::invalid_argument("FastRouter: table_depth must be a power of two in 2..65536 (TablePow2)");
  }
  port_w_ = clog2(p.ports);
  tbl_addr_w_ = clog2(p.table_depth);
  payload_words_ = (p.payload_bits + 63) / 64;
  stride_ = 1 + payload_words_;
  const unsigned top_bits = p.payload_bits - 64 * (payload_words_ - 1);
  top_mask_ = top_bits == 64 ? ~uint64_t{0} : ((uint64_t{1} << top_bits) - 1);

  const size_t queues = size_t{p.ports} * p.vcs;
  table_.assign(p.table_depth, Entry{});
  in_.resize(queues);  // rings are allocated by their first flit
  nonempty_.assign(p.ports, 0);
  vc_mask_.assign(p.ports, 0);
  credit_vc_.assign(p.ports, 0);
  out_vcs_.assign(p.ports, OutVcs{});
  out_vc_state_.resize(queues);
  out_ptr_.assign(p.ports, 0);
  out_vc_.assign(p.ports, 0);
  out_words_.assign(size_t{p.ports} * stride_, 0);
  staged_vc_.assign(p.ports, 0);
  staged_port_.assign(p.ports, 0);
  staged_words_.assign(size_t{p.ports} * stride_, 0);
  staged_credit_vc_.assign(p.ports, 0);
  out_req_.assign(p.ports, PortSet{});
  out_req_body_.assign(p.ports, PortSet{});

  touched_.assign(p.ports, 0);
  req_vc_.assign(p.ports, 0);
  elig_.assign(p.ports, 0);
  acc_req_.assign(p.ports, 0);
  acc_body_.assign(p.ports, 0);
  grant_out_.assign(p.ports, 0);
  req_vcs_.assign(p.ports, 0);
  req_body_vcs_.assign(p.ports, 0);
  granted_.assign(p.ports, 0);
  out_matched_.assign(p.ports, 0);
  match_out_.assign(p.ports, 0);
  match_in_.assign(p.ports, 0);
  match_ovc_.assign(p.ports, 0);
  port_credits_.assign(p.ports, 0);
  // As VerilatedRouter's constructor: one reset cycle, so cycle() is 1 and state is defined.
  reset();
}

void FastRouter::reset() {
  // Everything with a reset in the RTL; the table and the buffer memories have none (the memories'
  // contents are unreachable once the pointers are cleared).
  for (InQueue& iq : in_) {
    iq.rd = iq.count = iq.cur_port = iq.in_pkt = iq.ovc = 0;
  }
  std::fill(nonempty_.begin(), nonempty_.end(), 0);
  std::fill(vc_mask_.begin(), vc_mask_.end(), 0);
  active_in_ = {};
  buffered_ = 0;
  credit_valid_ = {};
  credit_vc_nonzero_ = {};
  std::fill(credit_vc_.begin(), credit_vc_.end(), 0);
  for (OutVcState& ov : out_vc_state_) ov = OutVcState{.credits = static_cast<uint16_t>(p_.buf_depth)};
  // Every counter full, nothing claimed, nobody waiting.
  std::fill(out_vcs_.begin(), out_vcs_.end(), OutVcs{(uint32_t{1} << p_.vcs) - 1, 0, 0});
  waited_ = {};
  // sn_rr_arb resets its mask to zero, which grants like "all positions >= ports".
  std::fill(out_ptr_.begin(), out_ptr_.end(), static_cast<uint16_t>(p_.ports));
  out_valid_ = {};
  out_pending_ = 0;
  std::fill(out_vc_.begin(), out_vc_.end(), 0);
  std::fill(out_words_.begin(), out_words_.end(), 0);
  // The reset edge swallows whatever was staged for it (a staged table write would still land in
  // the RTL, but write_table() never leaves one staged).
  clear_staged();
  ++cycle_;
}

void FastRouter::clear_staged() {
  staged_in_ = {};
  staged_credit_ = {};
  staged_tbl_ = false;
}

void FastRouter::write_table(uint32_t dst, const TableEntry& entry) {
  if (dst >= p_.table_depth) {
    fail("TableAddrInRange", fmt::format("table address {} outside a {}-entry table", dst, p_.table_depth));
  }
  // Through the wire format, so a count of 256 or more wraps exactly as in the RTL.
  const TableEntry e = unpack_entry(pack_entry(entry));
  staged_tbl_ = true;
  staged_tbl_addr_ = dst;
  staged_tbl_entry_ = Entry{e.base, static_cast<uint8_t>(e.count - 1), e.valid, e.adaptive};
  step();
}

void FastRouter::set_in(unsigned port, const LinkFlit& f) {
  if (port >= p_.ports) throw std::out_of_range(fmt::format("FastRouter::set_in: no input {}", port));
  if (!f.valid) {
    clear_bit<kSetWords>(staged_in_, port);
    return;
  }
  set_bit<kSetWords>(staged_in_, port);
  staged_vc_[port] = f.vc;
  uint64_t* w = &staged_words_[size_t{port} * stride_];
  w[0] = uint64_t{f.flit.head} | (uint64_t{f.flit.tail} << kTailBit) | (uint64_t{f.flit.dst} << kDstLsb) |
         (uint64_t{f.flit.src} << kSrcLsb);
  for (unsigned k = 0; k < payload_words_; ++k) w[1 + k] = f.flit.payload[k];
  w[payload_words_] &= top_mask_;  // the link carries payload_bits bits only
}

void FastRouter::no_port(const char* what, unsigned port) const {
  throw std::out_of_range(fmt::format("FastRouter::{}: no port {} of {}", what, port, p_.ports));
}

unsigned FastRouter::route(uint64_t hdr, unsigned vc, bool* ok) {
  const auto dst = static_cast<uint16_t>(hdr >> kDstLsb);
  const auto src = static_cast<uint16_t>(hdr >> kSrcLsb);
  const Entry& e = table_[dst & (p_.table_depth - 1)];
  const TableEntry te{e.base, static_cast<uint16_t>(e.count_m1 + 1u), e.valid, e.adaptive};
  *ok = e.valid && unsigned{e.base} + e.count_m1 < p_.ports && (dst >> tbl_addr_w_) == 0;
  unsigned port = select_port(te, flow_hash(src, dst));
  if (e.adaptive && *ok) {
    // The scores as registered before this edge (check_inputs() runs before any commit): credits
    // plus ports * buf_depth less the flits buffered here for the output VC, as sn_router's.
    const unsigned max_held = p_.ports * p_.buf_depth;
    unsigned best = 0;
    for (unsigned o = e.base; o <= unsigned{e.base} + e.count_m1; ++o) {
      const OutVcState& ov = out_vc_state_[qi(o, vc)];
      port_credits_[o] = ov.credits + max_held - ov.held;
      best = std::max(best, port_credits_[o]);
    }
    port = select_port_adaptive(te, dst, port_credits_.data(), adapt_slack(p_.buf_depth));
    step_detours_ += port != select_port(te, dest_spread(dst));
    step_slack_kept_ += port_credits_[port] < best;
  }
  return port & ((1u << port_w_) - 1);
}

template <unsigned W>
void FastRouter::check_inputs() {
  for_each_bit<W>(staged_in_, [&](unsigned i) {
    const unsigned v = staged_vc_[i];
    if (v >= p_.vcs) fail("ArrivingVcExists", fmt::format("input {}: flit on VC {} of {}", i, v, p_.vcs));
    const unsigned q = qi(i, v);
    InQueue& iq = in_[q];
    if (iq.count == p_.buf_depth) {
      fail("NoFlitWithoutCredit", fmt::format("input {} VC {}: flit into a full buffer", i, v));
    }
    // Step 8 writes the flit in the slot after the queue's last, whatever leaves before, or in
    // slot 0 if the queue's one flit leaves first (an empty queue's ring starts at slot 0).
    if (iq.count < iq.cap) __builtin_prefetch(slot_words(q, (iq.rd + iq.count) & (iq.cap - 1)), 1);
    if (iq.count == 1 && iq.rd + 1 != iq.cap) __builtin_prefetch(slot_words(q, 0), 1);
    const uint64_t hdr = staged_words_[size_t{i} * stride_];
    const bool head = (hdr >> kHeadBit) & 1u;
    if (head) {
      bool ok = false;
      staged_port_[i] = static_cast<uint16_t>(route(hdr, v, &ok));
      if (!ok) {
        fail("HeadRoutable", fmt::format("input {}: no valid route to endpoint {}", i,
                                         static_cast<uint16_t>(hdr >> kDstLsb)));
      }
    }
    if (head == (iq.in_pkt != 0)) {
      fail("PacketFraming", fmt::format("input {} VC {}: {} flit {} a packet", i, v, head ? "head" : "body",
                                        head ? "inside" : "outside"));
    }
  });
  for_each_bit<W>(staged_credit_, [&](unsigned o) {
    if (staged_credit_vc_[o] >= p_.vcs) {
      fail("CreditVcExists", fmt::format("output {}: credit for VC {} of {}", o, staged_credit_vc_[o], p_.vcs));
    }
  });
}

void FastRouter::grow_ring(unsigned q) {
  InQueue& iq = in_[q];
  const unsigned cap = iq.cap;
  const unsigned new_cap = std::min(cap == 0 ? kRingMin : 2 * cap, p_.buf_depth);
  // Not value-initialized: only slots that flits reach are written.
  std::unique_ptr<uint64_t[]> ring(new uint64_t[size_t{new_cap} * stride_]);
  for (unsigned k = 0; k < iq.count; ++k) {
    std::copy_n(slot_words(q, (iq.rd + k) & (cap - 1)), stride_, &ring[size_t{k} * stride_]);
  }
  iq.ring = std::move(ring);
  iq.cap = static_cast<uint16_t>(new_cap);
  iq.rd = 0;
}

template <unsigned W>
unsigned FastRouter::pick_output_winner(unsigned o, const PortSet& req) const {
  // sn_rr_arb: the lowest requester at or above the pointer, else the lowest requester.
  const unsigned k = out_ptr_[o];
  for (unsigned w = k / 64; w < W; ++w) {
    const uint64_t bits = req[w] & (w == k / 64 ? ~uint64_t{0} << (k % 64) : ~uint64_t{0});
    if (bits != 0) return w * 64 + static_cast<unsigned>(std::countr_zero(bits));
  }
  for (unsigned w = 0; w < W; ++w) {
    if (req[w] != 0) return w * 64 + static_cast<unsigned>(std::countr_zero(req[w]));
  }
  return 0;  // unreachable: only requested outputs are arbitrated
}

uint32_t FastRouter::free_vcs(unsigned o) const {
  return ~out_vcs_[o].busy & ((uint32_t{1} << p_.vcs) - 1);
}

uint32_t FastRouter::open_vcs(unsigned o) const { return out_vcs_[o].credit & ~out_vcs_[o].busy; }

template <unsigned W>
void FastRouter::wait_add(unsigned i, unsigned v, unsigned o) {
  const unsigned oq = qi(o, v);
  set_bit<W>(out_vc_state_[oq].waiters, i);
  ++out_vc_state_[oq].n_waiters;
  out_vcs_[o].waiting |= 1u << v;
  set_bit<W>(waited_, o);
}

template <unsigned W>
void FastRouter::wait_remove(unsigned i, unsigned v, unsigned o) {
  const unsigned oq = qi(o, v);
  clear_bit<W>(out_vc_state_[oq].waiters, i);
  if (--out_vc_state_[oq].n_waiters != 0) return;
  out_vcs_[o].waiting &= ~(1u << v);
  if (out_vcs_[o].waiting == 0) clear_bit<W>(waited_, o);
}

template <unsigned W>
void FastRouter::requests_full(StepCounts& c) {
  // Every occupied input requests every output that one of its eligible VCs heads for (eligible: the
  // head has a credit at its output VC and, if it is a head flit, finds that VC free; with
  // VcAlloc::any a head flit's output VC is any of its port's).
  const bool any_vc = p_.vc_alloc == VcAlloc::any;
  for_each_bit<W>(active_in_, [&](unsigned i) {
    uint32_t elig = 0;
    for (uint32_t vs = nonempty_[i]; vs != 0; vs &= vs - 1) {
      const auto v = static_cast<unsigned>(std::countr_zero(vs));
      const unsigned q = qi(i, v);
      const uint64_t hdr = in_[q].head_hdr;
      const auto o = static_cast<unsigned>((hdr >> kHdrPortLsb) & 0xff);
      const auto head = static_cast<unsigned>(hdr & 1u);
      const unsigned u = head != 0 ? v : in_[q].ovc;
      // Branch-free: under random traffic these conditions are coin flips the CPU cannot predict.
      unsigned credit = (out_vcs_[o].credit >> u) & 1u;
      unsigned blocked = head & ((out_vcs_[o].busy >> u) & 1u);
      if (any_vc && head != 0) {
        // Blocked when every VC of o is claimed; stalled for credits when the free ones have none.
        const uint32_t free = free_vcs(o);
        blocked = free == 0;
        credit = blocked | (open_vcs(o) != 0);
      }
      const unsigned ok = credit & (blocked ^ 1u);
      elig |= ok << v;
      c.credit_stalls += credit ^ 1u;
      c.vc_blocked += credit & blocked;
      if (ok != 0) {
        if (!any<W>(out_req_[o])) touched_[n_touched_++] = static_cast<uint16_t>(o);
        set_bit<W>(out_req_[o], i);
        if (!(hdr & 1u)) set_bit<W>(out_req_body_[o], i);
      }
    }
    elig_[i] = elig;
    c.vc_conflicts += (elig & (elig - 1)) != 0;
  });
  for (unsigned k = 0; k < n_touched_; ++k) c.alloc_conflicts += several<W>(out_req_[touched_[k]]);
}

template <unsigned W>
void FastRouter::requests_kept(StepCounts& c) {
  // With VcAlloc::keep, input VC v's head flit for output o is eligible when (o, v) has a credit
  // and is free, a body flit when (o, v) has a credit (its packet claimed it). So for each output
  // VC with waiters: no credit, all of them stall; a credit and free, all of them request (every
  // waiter holds a head flit: a body flit's packet would have claimed it); a credit and claimed,
  // only the claiming input's body flit requests, if it is here, and the other waiters are blocked.
  // The inputs with two or more eligible VCs (vc_conflicts) are counted bit-parallel: `twice`
  // collects the inputs seen in `once` before.
  PortSet once{}, twice{};
  auto count_input_vcs = [&](const PortSet& s) {
    for (unsigned w = 0; w < W; ++w) {
      twice[w] |= once[w] & s[w];
      once[w] |= s[w];
    }
  };
  for_each_bit<W>(waited_, [&](unsigned o) {
    const OutVcs ov = out_vcs_[o];
    const unsigned base = o * p_.vcs;
    for (uint32_t vs = ov.waiting & ~ov.credit; vs != 0; vs &= vs - 1) {
      c.credit_stalls += out_vc_state_[base + static_cast<unsigned>(std::countr_zero(vs))].n_waiters;
    }
    PortSet req{}, body{};
    const uint32_t open = ov.waiting & ov.credit & ~ov.busy;
    for (uint32_t vs = open; vs != 0; vs &= vs - 1) {
      const PortSet& w = out_vc_state_[base + static_cast<unsigned>(std::countr_zero(vs))].waiters;
      count_input_vcs(w);
      for (unsigned k = 0; k < W; ++k) req[k] |= w[k];
    }
    uint32_t body_vcs = 0;
    for (uint32_t vs = ov.waiting & ov.credit & ov.busy; vs != 0; vs &= vs - 1) {
      const auto v = static_cast<unsigned>(std::countr_zero(vs));
      const unsigned oq = base + v;
      const unsigned owner = out_vc_state_[oq].owner;
      const unsigned here = test_bit<W>(out_vc_state_[oq].waiters, owner) ? 1u : 0u;
      c.vc_blocked += out_vc_state_[oq].n_waiters - here;
      if (here != 0) {
        PortSet bit{};
        set_bit<W>(bit, owner);
        count_input_vcs(bit);
        set_bit<W>(body, owner);
        body_vcs |= 1u << v;
      }
    }
    if (!any<W>(req) && !any<W>(body)) return;
    for (unsigned k = 0; k < W; ++k) req[k] |= body[k];
    touched_[n_touched_++] = static_cast<uint16_t>(o);
    c.alloc_conflicts += several<W>(req);
    out_req_[o] = req;
    out_req_body_[o] = body;
    req_vcs_[o] = open | body_vcs;
    req_body_vcs_[o] = body_vcs;
  });
  for (unsigned w = 0; w < W; ++w) c.vc_conflicts += static_cast<unsigned>(std::popcount(twice[w]));
}

void FastRouter::step() {
  // 0. Idle: nothing buffered, arriving or registered, so no register changes.
  if (idle()) {
    ++cycle_;
    return;
  }
  if (p_.ports <= 64) {
    step_words<1>();
  } else {
    step_words<2>();
  }
}

template <unsigned W>
void FastRouter::step_words() {
  // 1. The caller's side of the protocol, on the registered state. A violation throws before
  //    anything changes and drops what was staged, so the caller may go on with the next cycle.
  step_detours_ = step_slack_kept_ = 0;
  try {
    check_inputs<W>();
  } catch (...) {
    clear_staged();
    throw;
  }

  // 2. Requests: each occupied input requests every output that one of its eligible VCs heads for.
  const bool any_vc = p_.vc_alloc == VcAlloc::any;
  n_touched_ = 0;
  StepCounts counts;
  if (kept_) {
    requests_kept<W>(counts);
  } else {
    requests_full<W>(counts);
  }

  // 3. Matching, kAllocIters iterations of request-grant-accept (sn_switch_alloc): each unmatched
  //    output grants one unmatched requesting input, round robin; each input granted by some outputs
  //    accepts one of its eligible VCs that head for them, round robin over VCs; both prefer body
  //    flits (packets holding an output VC). Matches accumulate; only those of the first iteration
  //    will move the pointers.
  n_match_ = 0;
  n_first_ = 0;
  PortSet in_matched{};
  for (unsigned it = 0; it < kAllocIters; ++it) {
    unsigned n_granted = 0;
    for (unsigned k = 0; k < n_touched_; ++k) {
      const unsigned o = touched_[k];
      if (out_matched_[o] != 0) continue;
      PortSet req = out_req_[o];
      for (unsigned w = 0; w < W; ++w) req[w] &= ~in_matched[w];
      if (!any<W>(req)) continue;
      // The high class first: inputs whose VC for o holds a body flit.
      PortSet body = out_req_body_[o];
      for (unsigned w = 0; w < W; ++w) body[w] &= req[w];
      if (any<W>(body)) req = body;
      const unsigned i = pick_output_winner<W>(o, req);
      // The accept below needs the output of the VC it picks: the granting output, unless several
      // granted the input (then the VC's head says).
      if (acc_req_[i] == 0) {
        granted_[n_granted++] = static_cast<uint16_t>(i);
        grant_out_[i] = static_cast<uint16_t>(o);
      } else {
        grant_out_[i] = kSeveral;
      }
      // The VCs of input i that this grant serves, and which of them hold a body flit.
      if (kept_) {
        const unsigned base = o * p_.vcs;
        for (uint32_t vs = req_vcs_[o] & ~req_body_vcs_[o]; vs != 0; vs &= vs - 1) {
          const auto v = static_cast<unsigned>(std::countr_zero(vs));
          acc_req_[i] |= static_cast<uint32_t>(test_bit<W>(out_vc_state_[base + v].waiters, i)) << v;
        }
        for (uint32_t vs = req_body_vcs_[o]; vs != 0; vs &= vs - 1) {
          const auto v = static_cast<unsigned>(std::countr_zero(vs));
          const uint32_t mine = static_cast<uint32_t>(out_vc_state_[base + v].owner == i) << v;
          acc_req_[i] |= mine;
          acc_body_[i] |= mine;
        }
      } else {
        for (uint32_t vs = elig_[i]; vs != 0; vs &= vs - 1) {
          const auto v = static_cast<unsigned>(std::countr_zero(vs));
          const uint64_t hdr = in_[qi(i, v)].head_hdr;
          if (((hdr >> kHdrPortLsb) & 0xff) != o) continue;
          acc_req_[i] |= 1u << v;
          acc_body_[i] |= static_cast<uint32_t>((hdr & 1u) ^ 1u) << v;
        }
      }
    }
    if (n_granted == 0) break;  // nothing changed: later iterations would grant nothing either
    for (unsigned k = 0; k < n_granted; ++k) {
      const unsigned i = granted_[k];
      uint32_t a = acc_req_[i];
      // The high class first: VCs whose head is a body flit.
      if (acc_body_[i] != 0) a = acc_body_[i];
      acc_req_[i] = 0;
      acc_body_[i] = 0;
      const uint32_t masked = a & vc_mask_[i];
      const auto v = static_cast<unsigned>(std::countr_zero(masked != 0 ? masked : a));
      const unsigned o = grant_out_[i] != kSeveral ? grant_out_[i]
                                                   : static_cast<unsigned>((in_[qi(i, v)].head_hdr >> kHdrPortLsb) & 0xff);
      req_vc_[i] = static_cast<uint16_t>(v);
      set_bit<W>(in_matched, i);
      out_matched_[o] = 1;
      match_out_[n_match_] = static_cast<uint16_t>(o);
      match_in_[n_match_++] = static_cast<uint16_t>(i);
    }
    if (it == 0) n_first_ = n_match_;
  }
  for (unsigned k = 0; k < n_touched_; ++k) {
    out_req_[touched_[k]] = PortSet{};
    out_req_body_[touched_[k]] = PortSet{};
    out_matched_[touched_[k]] = 0;
  }
  // The output VC of each match: a head flit's own VC, or with VcAlloc::any the lowest VC of its
  // output that is free and has a credit (one match per output, so no two heads take one VC); a
  // body flit's packet's, which with VcAlloc::keep is its own VC too.
  for (unsigned k = 0; k < n_match_; ++k) {
    const unsigned i = match_in_[k];
    const unsigned v = req_vc_[i];
    const unsigned q = qi(i, v);
    unsigned u = v;
    if (any_vc) {
      u = in_[q].ovc;
      if (in_[q].head_hdr & 1u) {
        const uint32_t open = open_vcs(match_out_[k]);
        u = mutation_ == Mutation::AnyVcTakesHighest ? 31u - static_cast<unsigned>(std::countl_zero(open))
                                                     : static_cast<unsigned>(std::countr_zero(open));
      }
    }
    match_ovc_[k] = static_cast<uint16_t>(u);
  }
  // Step 6 reads the leaving flits, which have usually left the cache while they waited: start all
  // their loads now, so that the misses overlap.
  for (unsigned k = 0; k < n_match_; ++k) {
    const unsigned q = qi(match_in_[k], req_vc_[match_in_[k]]);
    __builtin_prefetch(slot_words(q, in_[q].rd));
  }

  // 4. NoCreditOverflow needs this cycle's sends: a credit may arrive at a full counter only while a
  //    flit of that VC leaves (the RTL's counter then stays full).
  for_each_bit<W>(staged_credit_, [&](unsigned o) {
    const unsigned v = staged_credit_vc_[o];
    if (out_vc_state_[qi(o, v)].credits != p_.buf_depth) return;
    for (unsigned k = 0; k < n_match_; ++k) {
      if (match_out_[k] == o && match_ovc_[k] == v) return;
    }
    clear_staged();
    fail("NoCreditOverflow", fmt::format("output {} VC {}: credit returned to a full counter", o, v));
  });

  // From here on the step commits.
  stats_.credit_stalls += counts.credit_stalls;
  stats_.vc_blocked += counts.vc_blocked;
  stats_.vc_conflicts += counts.vc_conflicts;
  stats_.alloc_conflicts += counts.alloc_conflicts;
  stats_.adaptive_detours += step_detours_;
  stats_.adaptive_slack_kept += step_slack_kept_;
  stats_.late_matches += n_match_ - n_first_;

  // 5. Credit registers upstream: valid for a matched input, with its VC (0 when not matched).
  for_each_bit<W>(credit_vc_nonzero_, [&](unsigned i) { credit_vc_[i] = 0; });
  credit_vc_nonzero_ = {};
  credit_valid_ = {};

  // 6. Switch traversal: each matched input's flit goes into its output register, claims or releases
  //    the output VC, spends a credit and leaves its buffer. A first-iteration match moves the
  //    output's grant pointer past the input and the input's accept pointer past the VC.
  out_valid_ = {};
  out_pending_ = n_match_;
  buffered_ -= n_match_;
  stats_.flits_out += n_match_;
  // Loop invariants kept in locals: the compiler would reload members after every store through
  // the uint32_t and uint64_t arrays below, which it must assume may alias them.
  const unsigned stride = stride_;
  const uint32_t all_vcs = (uint32_t{1} << p_.vcs) - 1;
  const bool late_moves = mutation_ == Mutation::LateMatchesMovePointers;
  const bool rotate_accept = mutation_ != Mutation::AcceptArbiterNoRotate;
  const bool rotate_output = mutation_ != Mutation::OutputArbiterNoRotate;
  uint64_t reassigned = 0;
  for (unsigned k = 0; k < n_match_; ++k) {
    const unsigned o = match_out_[k];
    const unsigned i = match_in_[k];
    const unsigned v = req_vc_[i];
    const unsigned q = qi(i, v);
    InQueue& iq = in_[q];
    const uint64_t* src = slot_words(q, iq.rd);
    uint64_t* dst = &out_words_[size_t{o} * stride];
    dst[0] = src[0] & ((uint64_t{1} << kHdrPortLsb) - 1);
    dst[1] = src[1];  // every flit has a payload word
    for (unsigned w = 2; w < stride; ++w) dst[w] = src[w];
    set_bit<W>(out_valid_, o);
    const unsigned u = match_ovc_[k];
    out_vc_[o] = static_cast<uint16_t>(u);

    // The claiming input (the RTL's owner_q, which only its BodyFollowsOwner assertion reads) tells
    // requests_kept() which waiter holds the packet's body flits. Credits count per output VC, held
    // flits per the VC they arrived on (the adaptive score's terms).
    const unsigned oq = qi(o, u);
    const bool tail = (src[0] >> kTailBit) & 1u;
    OutVcs& ovcs = out_vcs_[o];
    ovcs.busy = (ovcs.busy & ~(1u << u)) | (static_cast<uint32_t>(!tail) << u);
    if (--out_vc_state_[oq].credits == 0) ovcs.credit &= ~(1u << u);
    --out_vc_state_[qi(o, v)].held;
    if (src[0] & 1u) {
      iq.ovc = static_cast<uint16_t>(u);
      out_vc_state_[oq].owner = static_cast<uint16_t>(i);
      reassigned += u != v;
    }

    // An emptied ring starts again at slot 0: a queue that flits pass through one or two at a
    // time then reuses its first cache line, which stays warm, instead of walking the whole ring.
    iq.rd = iq.count > 1 ? static_cast<uint16_t>((iq.rd + 1) & (iq.cap - 1)) : 0;
    if (iq.count > 1) iq.head_hdr = slot_words(q, iq.rd)[0];
    if (--iq.count == 0) {
      nonempty_[i] &= ~(1u << v);
      if (nonempty_[i] == 0) clear_bit<W>(active_in_, i);
      wait_remove<W>(i, v, o);
    } else if (tail) {
      // The next packet's head moves up; a body flit follows its head's port.
      const auto next = static_cast<unsigned>((iq.head_hdr >> kHdrPortLsb) & 0xff);
      if (next != o) {
        wait_remove<W>(i, v, o);
        wait_add<W>(i, v, next);
      }
    }

    set_bit<W>(credit_valid_, i);
    credit_vc_[i] = static_cast<uint16_t>(v);
    if (v != 0) set_bit<W>(credit_vc_nonzero_, i);
    const bool move = k < n_first_ || late_moves;
    if (move && rotate_accept) vc_mask_[i] = (~uint32_t{0} << (v + 1)) & all_vcs;
    if (move && rotate_output) out_ptr_[o] = static_cast<uint16_t>(i + 1);
  }
  stats_.vc_reassigned += reassigned;

  // 7. Credits from downstream (spendable from the next cycle: eligibility read the old count).
  for_each_bit<W>(staged_credit_, [&](unsigned o) {
    const unsigned v = staged_credit_vc_[o];
    if (out_vc_state_[qi(o, v)].credits++ == 0) out_vcs_[o].credit |= 1u << v;
  });

  // 8. Arrivals: a head flit takes the table's port (the table as it was before this edge's write),
  //    a body flit its packet's; the port is stored beside the flit.
  unsigned arrivals = 0;
  for_each_bit<W>(staged_in_, [&](unsigned i) {
    const unsigned v = staged_vc_[i];
    const unsigned q = qi(i, v);
    const uint64_t* w = &staged_words_[size_t{i} * stride];
    InQueue& iq = in_[q];
    unsigned port;
    if (w[0] & 1u) {
      port = staged_port_[i];  // looked up by check_inputs()
      iq.cur_port = static_cast<uint16_t>(port);
    } else {
      port = iq.cur_port;
    }
    iq.in_pkt = !((w[0] >> kTailBit) & 1u);
    ++out_vc_state_[qi(port, v)].held;
    if (iq.count == iq.cap) grow_ring(q);  // below buf_depth: check_inputs() refused a full buffer
    uint64_t* d = slot_words(q, (iq.rd + iq.count) & (iq.cap - 1));
    d[0] = w[0] | (uint64_t{port} << kHdrPortLsb);
    if (iq.count == 0) {
      iq.head_hdr = d[0];
      wait_add<W>(i, v, port);
    }
    d[1] = w[1];
    for (unsigned k = 2; k < stride; ++k) d[k] = w[k];
    ++iq.count;
    nonempty_[i] |= 1u << v;
    set_bit<W>(active_in_, i);
    ++arrivals;
  });
  buffered_ += arrivals;
  stats_.flits_in += arrivals;

  // 9. Table write, visible from the next cycle's lookups.
  if (staged_tbl_) table_[staged_tbl_addr_] = staged_tbl_entry_;

  clear_staged();
  ++cycle_;
}

void FastRouter::prefetch_step() const {
  if (buffered_ == 0) return;
  // The records that the requests, the departures and most arrivals read and write: most have
  // left the cache since the router's last step, and each would otherwise miss after the
  // allocation, when nothing else can overlap. First the per-port masks that say which...
  prefetch_array(nonempty_);
  prefetch_array(out_vcs_);
  // ... then each occupied input's nonempty queues (one line holds two neighbouring VCs'
  // records) and every output VC with waiters (its waiters, claimant, credits and held flits).
  for_each_bit<kSetWords>(active_in_, [&](unsigned i) {
    for (uint32_t vs = nonempty_[i]; vs != 0; vs &= vs - 1) {
      __builtin_prefetch(&in_[qi(i, static_cast<unsigned>(std::countr_zero(vs)))]);
    }
  });
  for_each_bit<kSetWords>(waited_, [&](unsigned o) {
    for (uint32_t vs = out_vcs_[o].waiting; vs != 0; vs &= vs - 1) {
      __builtin_prefetch(&out_vc_state_[qi(o, static_cast<unsigned>(std::countr_zero(vs)))]);
    }
  });
}

LinkFlit FastRouter::out(unsigned port) const {
  LinkFlit f;
  if (!test_bit<kSetWords>(out_valid_, port)) return f;
  f.valid = true;
  f.vc = static_cast<uint8_t>(out_vc_[port]);
  const uint64_t* w = &out_words_[size_t{port} * stride_];
  f.flit.head = (w[0] >> kHeadBit) & 1u;
  f.flit.tail = (w[0] >> kTailBit) & 1u;
  f.flit.dst = static_cast<uint16_t>(w[0] >> kDstLsb);
  f.flit.src = static_cast<uint16_t>(w[0] >> kSrcLsb);
  for (unsigned k = 0; k < payload_words_; ++k) f.flit.payload[k] = w[1 + k];
  return f;
}

void FastRouter::open_trace(const std::string& path) {
  throw std::runtime_error("the fast router model has no waveforms; cannot write " + path +
                           " (use the RTL implementation)");
}

}  // namespace snsim::noc
