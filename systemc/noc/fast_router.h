// FastRouter: a plain C++ cycle-level model of sn_router (rtl/router/sn_router.sv).
//
// Contract. For any legal parameter set (ports 2..128, vcs 1..16, buf_depth a power of two in
// 2..4096, payload 1..512 bits, table_depth a power of two in 2..65536) the model shows, every
// cycle, exactly what the verilated RTL shows at the RouterModel interface for the same inputs:
// out() (valid, VC, flit) and in_credit() (valid, and the VC field even when not valid: 0 then, as
// the RTL registers it). It reproduces the RTL register for register:
// route lookup on arrival, by flow hash or, for an adaptive entry, by the scores of the equal-cost
// set's output VCs in that cycle (credits less the flits this router already holds for them): the
// first port from the destination's within adapt_slack of the best (the port is stored beside the flit; body
// flits take the port of their VC's packet); per-VC FIFOs; eligibility and VC allocation (a head flit
// of input VC v for output o: with VcAlloc::keep, (o, v) has a credit and is not claimed; with
// VcAlloc::any, some VC of o has both, and the head takes the lowest such VC; a body flit: its
// packet's output VC has a credit); the switch allocator's two iterations
// of request-grant-accept (grant arbiters per output over inputs, accept arbiters per input over
// VCs, body flits first, pointers moved only by first-iteration accepts); credit counters that
// expose only the registered
// count; output-VC claims; the registered output and the registered credit upstream. reset()
// empties everything except the forwarding table; write_table() takes one cycle (and applies
// whatever else was staged, as the RTL does). testbenches/models/noc/test_fast_vs_rtl.cpp proves
// the equivalence against every verilated configuration.
//
// Protocol violations by the caller throw std::logic_error naming the RTL assertion they would
// fire (ArrivingVcExists, NoFlitWithoutCredit, HeadRoutable, PacketFraming, NoCreditOverflow)
// before any state changes: the failed step() leaves the router as it was (cycle() included) and
// drops the inputs staged for it. Two checks go beyond the RTL, which silently drops or truncates
// instead: a credit for a VC that does not exist (CreditVcExists) and a table address outside the
// table (TableAddrInRange).
//
// Speed: flat arrays and per-queue records sized at construction, each VC's flits in a ring of
// their own that grows (rarely: only past the most flits the VC ever held) up to the buffer
// depth, and only occupied inputs, requested outputs and changed registers are visited; an idle
// router's step() is a few compares.
// With VcAlloc::keep the requests come from sets of waiting inputs kept per output VC (Scan), so a
// step visits output VCs that have waiters, not every buffered VC.
// The RTL's initial register randomization is not modelled: the constructor resets the router, as
// VerilatedRouter's does, and nothing the RTL leaves unreset (buffer memories) is observable. Table
// entries never written are invalid here (random in the RTL): a head flit addressed to one throws.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/prefetch.h"
#include "noc/router_model.h"

namespace snsim::noc {

class FastRouter final : public RouterModel {
 public:
  // TEST ONLY: one allocation rule changed on purpose, so the differential test can show that it
  // notices a wrong model. Never use anything but None outside tests.
  enum class Mutation {
    None,
    // The output (grant) pointers never move: the lowest requesting input always wins.
    OutputArbiterNoRotate,
    // The input (accept) pointers never move: the lowest granted VC is always accepted.
    AcceptArbiterNoRotate,
    // Matches of later iterations move the pointers too (iSLIP moves them on first-iteration
    // matches only).
    LateMatchesMovePointers,
    // With VcAlloc::any, a head takes the highest free output VC with a credit, not the lowest.
    AnyVcTakesHighest,
  };

  // What the allocator did, counted since construction (resets do not clear them); the
  // differential test uses them as coverage.
  struct Stats {
    uint64_t flits_in = 0;
    uint64_t flits_out = 0;
    // Output-cycles in which more inputs requested the output than it could grant (one).
    uint64_t alloc_conflicts = 0;
    // VC-cycles in which a buffered flit did not request because its output VC had no credit.
    uint64_t credit_stalls = 0;
    // VC-cycles in which a head flit did not request because its output VC carried another packet.
    uint64_t vc_blocked = 0;
    // Input-cycles in which more than one VC of the input was eligible.
    uint64_t vc_conflicts = 0;
    // Head flits that an adaptive entry sent elsewhere than their destination's port (the scan's
    // start, select_port_adaptive).
    uint64_t adaptive_detours = 0;
    // Head flits that an adaptive entry sent to a port scoring below the set's best, within the
    // slack (adapt_slack): the heads the slack kept on or near their destination's port.
    uint64_t adaptive_slack_kept = 0;
    // Matches made by the allocator's second or later iteration.
    uint64_t late_matches = 0;
    // Head flits that left on another VC than the one they arrived on (VcAlloc::any).
    uint64_t vc_reassigned = 0;
  };

  // How step() finds the requests. With VcAlloc::keep an input VC always sends on the output VC
  // of its own number, so the inputs whose VC v waits for output o form one set, kept as heads
  // arrive and leave (Kept): a step then visits the output VCs that have waiters, OR-ing whole
  // sets of inputs, instead of every buffered VC. Full visits every buffered VC, as VcAlloc::any
  // always does. TEST ONLY: both give the same outputs and Stats; a test requires it.
  enum class Scan { Kept, Full };

  explicit FastRouter(const RouterParams& p, Mutation mutation = Mutation::None, Scan scan = Scan::Kept);

  const RouterParams& params() const override { return p_; }
  void reset() override;
  void write_table(uint32_t dst, const TableEntry& entry) override;
  void set_in(unsigned port, const LinkFlit& flit) override;
  // Inline (below), as in_credit() and set_in_word(): a network calls them once per flit or credit.
  void set_out_credit(unsigned port, const LinkCredit& credit) override;
  void step() override;
  LinkFlit out(unsigned port) const override;
  LinkCredit in_credit(unsigned port) const override;
  uint64_t cycle() const override { return cycle_; }
  // The fast model has no signals to dump: both throw std::runtime_error / do nothing.
  void open_trace(const std::string& path) override;
  void close_trace() override {}

  const Stats& stats() const { return stats_; }
  // Bit sets over ports (bit p of word p / 64): outputs whose register holds a flit, inputs whose
  // credit register is valid. A network reads only these ports' out() / in_credit().
  const std::array<uint64_t, 2>& out_valid_ports() const { return out_valid_; }
  const std::array<uint64_t, 2>& credit_valid_ports() const { return credit_valid_; }
  // Flits held in the input buffers.
  uint64_t buffered() const { return buffered_; }
  // Nothing buffered, registered or staged: step() changes nothing but cycle(), and registers
  // nothing for a network to read.
  bool idle() const {
    auto none = [](const PortSet& s) { return (s[0] | s[1]) == 0; };
    return buffered_ == 0 && out_pending_ == 0 && !staged_tbl_ && none(staged_in_) && none(staged_credit_) &&
           none(credit_valid_) && none(credit_vc_nonzero_);
  }
  // The flit interface without LinkFlit, for a network that carries one payload word: `hdr` holds
  // head, tail, dst and src at sn_flit.h's kHeadBit, kTailBit, kDstLsb and kSrcLsb (nothing else),
  // `word` the first 64 payload bits, the rest being zero. set_in_word(p, vc, hdr, word) stages
  // what set_in(p, f) stages for that flit; out_hdr(), out_word() and out_vc() read the output
  // register of a port in out_valid_ports().
  void set_in_word(unsigned port, unsigned vc, uint64_t hdr, uint64_t word);
  // set_in_flit_words(p, vc, w) and out_flit_words(p) do the same for a whole flit: its header word
  // (as `hdr` above) then its payload words, 1 + ceil(payload_bits / 64) words in all.
  void set_in_flit_words(unsigned port, unsigned vc, const uint64_t* w);
  const uint64_t* out_flit_words(unsigned port) const { return &out_words_[size_t{port} * stride_]; }
  uint64_t out_hdr(unsigned port) const { return out_words_[size_t{port} * stride_]; }
  uint64_t out_word(unsigned port) const { return out_words_[size_t{port} * stride_ + 1]; }
  unsigned out_vc(unsigned port) const { return out_vc_[port]; }
  // Starts loading (prefetches) the state the next step() reads: the records of each occupied
  // input's nonempty queues and of each output VC with waiters, and the per-port VC masks. Changes
  // nothing; a network calls it for the router it steps next, so those loads overlap the current
  // router's work.
  void prefetch_step() const;

 private:
  // sn_router's AllocIters, as every verilated configuration and the synthesis wrapper leave it.
  static constexpr unsigned kAllocIters = 2;
  // Bit sets over ports (up to 128), as two words.
  static constexpr unsigned kSetWords = 2;
  using PortSet = std::array<uint64_t, kSetWords>;

  // A table entry as the RTL stores it (sn_flit_pkg::EntryW bits), unpacked.
  struct Entry {
    uint8_t base = 0;
    uint8_t count_m1 = 0;
    bool valid = false;
    bool adaptive = false;
  };

  // Buffered flit header word: head, tail, dst, src as in the flit, and the stored output port.
  static constexpr unsigned kHdrPortLsb = 40;

  unsigned qi(unsigned port, unsigned vc) const { return port * p_.vcs + vc; }
  uint64_t* slot_words(unsigned q, unsigned slot) { return &in_[q].ring[size_t{slot} * stride_]; }
  // Makes room for one more flit in queue q's full ring (count == cap < buf_depth).
  void grow_ring(unsigned q);
  // The route a head flit arriving on VC vc takes (sn_route_select, on the registered credits), and
  // whether the RTL accepts it (HeadRoutable).
  unsigned route(uint64_t hdr, unsigned vc, bool* ok);
  // The step after the idle test, on the first W words of the port sets (W = 1 for at most 64
  // ports: see fast_router.cpp's set helpers).
  template <unsigned W>
  void step_words();
  template <unsigned W>
  unsigned pick_output_winner(unsigned o, const PortSet& req) const;
  // Output o's VCs as bits: not claimed (free_vcs), and not claimed with a credit (open_vcs).
  uint32_t free_vcs(unsigned o) const;
  uint32_t open_vcs(unsigned o) const;
  // Checks the staged inputs and looks up the routes of staged head flits (into staged_port_).
  template <unsigned W>
  void check_inputs();
  void clear_staged();
  [[noreturn]] void no_port(const char* what, unsigned port) const;  // throws std::out_of_range
  // Step 2, the requests, two ways (see Scan): by visiting every buffered VC, or (VcAlloc::keep) the
  // output VCs with waiters. Both fill out_req_, out_req_body_ and touched_ and add the step's stall
  // and conflict counts.
  struct StepCounts {
    uint64_t credit_stalls = 0, vc_blocked = 0, vc_conflicts = 0, alloc_conflicts = 0;
  };
  template <unsigned W>
  void requests_full(StepCounts& c);
  template <unsigned W>
  void requests_kept(StepCounts& c);
  // Input i's VC v now heads for output o (its head flit arrived or moved up), or no longer does.
  template <unsigned W>
  void wait_add(unsigned i, unsigned v, unsigned o);
  template <unsigned W>
  void wait_remove(unsigned i, unsigned v, unsigned o);

  RouterParams p_;
  Mutation mutation_;
  bool kept_;  // requests_kept() builds the requests (Scan::Kept and VcAlloc::keep)
  unsigned port_w_;         // bits of a port number inside the router (clog2(ports))
  unsigned tbl_addr_w_;     // table address bits (clog2(table_depth))
  unsigned payload_words_;  // 64-bit words per payload
  unsigned stride_;         // words per buffered flit: header + payload
  uint64_t top_mask_;       // valid bits of the last payload word

  std::vector<Entry> table_;

  // Inputs, per (port, VC) queue q = port * vcs + vc, each queue's state in one 32-byte record:
  // a step reads or writes all of it for a flit that arrives or leaves, and the records of one
  // input's neighbouring VCs (a machine uses two) share a cache line (the array starts on one),
  // where separate arrays put each field on a line of its own (docs/performance.md, "The routers' queue state in records").
  // Flit storage: each queue is a ring of `cap` slots of stride_ words, its flits in order from
  // slot `rd` (0 whenever the queue is empty), so a flit's successor sits next to it in memory and its header is in cache when
  // the flit leaves. A ring starts empty and doubles (from kRingMin slots, up to buf_depth) only
  // when an arrival finds it full: a deep, mostly empty buffer costs neither cache nor resident
  // memory, and step() allocates only when a queue holds more flits than it ever held before.
  static constexpr unsigned kRingMin = 16;
  struct alignas(32) InQueue {
    std::unique_ptr<uint64_t[]> ring;
    // Header word of the oldest flit (valid while count > 0): the allocator reads only this, so a
    // deep buffer's memory is touched once per flit, not once per cycle a flit waits.
    uint64_t head_hdr = 0;
    uint16_t cap = 0;       // slots of the ring (0 before its first flit)
    uint16_t rd = 0;        // slot of the oldest flit
    uint16_t count = 0;     // flits held
    uint16_t cur_port = 0;  // port of the packet arriving on the VC (body flits inherit it)
    uint16_t in_pkt = 0;    // between a head and its tail (PacketFraming)
    uint16_t ovc = 0;       // output VC claimed by the packet whose head last left the VC
  };
  static_assert(sizeof(InQueue) == 32);
  std::vector<InQueue, CacheLineAllocator<InQueue>> in_;
  std::vector<uint32_t> nonempty_;  // per input: VCs with a flit
  std::vector<uint32_t> vc_mask_;   // per input: sn_rr_arb mask over VCs (positions above the winner)
  PortSet active_in_{};            // inputs holding at least one flit
  uint64_t buffered_ = 0;

  // Credits back upstream (registered), per input.
  PortSet credit_valid_{};
  PortSet credit_vc_nonzero_{};  // inputs whose registered credit VC is not 0
  std::vector<uint16_t> credit_vc_;

  // Outputs, per output VC q = port * vcs + vc, in one record each, as the inputs' queues are.
  struct alignas(32) OutVcState {
    // The inputs whose VC v holds a flit at its head bound for output o (with VcAlloc::keep, for
    // output VC v), and how many. Kept in both modes; only requests_kept() reads them.
    PortSet waiters{};
    uint32_t held = 0;  // flits buffered here for the output VC (adaptive scores)
    uint16_t credits = 0;
    uint16_t owner = 0;  // input whose packet claimed the output VC (valid while claimed)
    uint16_t n_waiters = 0;
  };
  static_assert(sizeof(OutVcState) == 32);
  std::vector<OutVcState, CacheLineAllocator<OutVcState>> out_vc_state_;
  // Per output, its VCs as bits: with a credit (`credits` above zero), claimed by a packet, with waiters.
  struct OutVcs {
    uint32_t credit = 0, busy = 0, waiting = 0;
  };
  std::vector<OutVcs> out_vcs_;
  PortSet waited_{};  // outputs with a waiter
  // Output arbiter: sn_rr_arb's mask is "all positions >= out_ptr_[o]"; the reset mask (zero) is
  // out_ptr_ = ports.
  std::vector<uint16_t> out_ptr_;
  // Output register.
  PortSet out_valid_{};
  std::vector<uint16_t> out_vc_;
  std::vector<uint64_t> out_words_;  // per output: header + payload
  unsigned out_pending_ = 0;         // outputs whose register is valid

  // Staged inputs of the current cycle.
  PortSet staged_in_{};
  std::vector<uint16_t> staged_vc_;
  std::vector<uint16_t> staged_port_;  // route of a staged head flit
  std::vector<uint64_t> staged_words_;
  PortSet staged_credit_{};
  std::vector<uint16_t> staged_credit_vc_;
  bool staged_tbl_ = false;
  uint32_t staged_tbl_addr_ = 0;
  Entry staged_tbl_entry_;

  // Scratch of one step(), sized at construction. Small per-port arrays are 16-bit, not 8-bit:
  // stores through a char type may alias anything, which would make the compiler reload every
  // member pointer after each of them in step().
  std::vector<PortSet> out_req_;       // per output: requesting inputs
  std::vector<PortSet> out_req_body_;  // per output: inputs requesting it with a body flit
  std::vector<uint16_t> touched_;     // outputs with at least one request (n_touched_ of them)
  unsigned n_touched_ = 0;
  std::vector<uint32_t> elig_;        // per occupied input: eligible VCs
  std::vector<uint32_t> acc_req_;     // per input: VCs served by this iteration's grants (zero between)
  std::vector<uint32_t> acc_body_;    // per input: those of them whose head is a body flit (zero between)
  std::vector<uint32_t> req_vcs_, req_body_vcs_;  // requests_kept(), per requested output: VCs requesting it, body flits' VCs
  std::vector<uint16_t> granted_;     // inputs granted in the current iteration
  std::vector<uint16_t> grant_out_;   // per granted input: the output that granted it, or kSeveral
  static constexpr uint16_t kSeveral = 0xffff;
  std::vector<uint16_t> out_matched_; // per output: matched in an earlier iteration (zero between steps)
  std::vector<uint16_t> req_vc_;      // per matched input: its accepted VC
  std::vector<uint16_t> match_out_, match_in_;  // the matching, first-iteration matches first
  std::vector<uint16_t> match_ovc_;   // per match: the output VC it sends on
  unsigned n_match_ = 0;
  unsigned n_first_ = 0;              // matches made in the first iteration
  std::vector<unsigned> port_credits_;  // per output: score of one VC, for adaptive entries
  uint64_t step_detours_ = 0;           // adaptive_detours of the step being computed
  uint64_t step_slack_kept_ = 0;        // adaptive_slack_kept of the step being computed

  Stats stats_;
  uint64_t cycle_ = 0;
};

inline void FastRouter::set_in_word(unsigned port, unsigned vc, uint64_t hdr, uint64_t word) {
  if (port >= p_.ports) no_port("set_in_word", port);
  staged_in_[port / 64] |= uint64_t{1} << (port % 64);
  staged_vc_[port] = static_cast<uint16_t>(vc);
  uint64_t* w = &staged_words_[size_t{port} * stride_];
  w[0] = hdr;
  w[1] = word;
  for (unsigned k = 1; k < payload_words_; ++k) w[1 + k] = 0;
  w[payload_words_] &= top_mask_;  // the link carries payload_bits bits only
}

inline void FastRouter::set_in_flit_words(unsigned port, unsigned vc, const uint64_t* w) {
  if (port >= p_.ports) no_port("set_in_flit_words", port);
  staged_in_[port / 64] |= uint64_t{1} << (port % 64);
  staged_vc_[port] = static_cast<uint16_t>(vc);
  uint64_t* d = &staged_words_[size_t{port} * stride_];
  for (unsigned k = 0; k < stride_; ++k) d[k] = w[k];
  d[payload_words_] &= top_mask_;  // the link carries payload_bits bits only
}

inline void FastRouter::set_out_credit(unsigned port, const LinkCredit& c) {
  if (port >= p_.ports) no_port("set_out_credit", port);
  if (!c.valid) {
    staged_credit_[port / 64] &= ~(uint64_t{1} << (port % 64));
    return;
  }
  staged_credit_[port / 64] |= uint64_t{1} << (port % 64);
  staged_credit_vc_[port] = c.vc;
}

inline LinkCredit FastRouter::in_credit(unsigned port) const {
  return LinkCredit{((credit_valid_[port / 64] >> (port % 64)) & 1u) != 0, static_cast<uint8_t>(credit_vc_[port])};
}

}  // namespace snsim::noc
