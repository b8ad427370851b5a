// RouterHarness: traffic sources, credit-returning sinks and a scoreboard around one RouterModel.
//
// Contract. Each input port has a source that holds BufDepth credits per VC and sends a flit only
// with one (so a correct router never sees a protocol violation from it); packets are queued whole
// per (port, VC), so flits of one VC arrive framed. Each output port has a sink that accepts every
// flit, counts the flits it holds per VC (more than BufDepth, counting as still held the credits
// returned one cycle earlier, which the router may not spend yet, means it sent without a credit)
// and returns one credit per cycle after a random delay, or never while a VC is withheld.
// The scoreboard keeps, per flow (src endpoint, dst endpoint, VC it entered on, which the payload
// carries), the flits injected and not yet delivered, and checks every delivered flit: it left on
// the VC it entered on unless the router reassigns VCs (VcAlloc::any), it is the oldest outstanding
// flit of its flow
// (in order, no duplicate, nothing skipped), it is bit-identical to what was sent and its payload
// checksum holds (no corruption), it leaves on the port the forwarding table names (select_port of
// flow_hash, computed in C++; for an adaptive entry, whose choice depends on the credits at the
// head's arrival, any port of the entry's set), every flit of a packet leaves on the port its head
// took, and it does not interleave with another packet on its output VC.
// Violations are collected as messages (errors()), so a test decides what to assert and fault
// tests can run the harness without failing on the harness's own checks. Loss shows as flits
// still outstanding after drain().
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "noc/router_model.h"

namespace snsim::noc::tb {

// One flow: flits of one (src, dst, VC) must leave in the order they entered.
struct FlowKey {
  uint16_t src = 0;
  uint16_t dst = 0;
  uint8_t vc = 0;
  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};
struct FlowKeyHash {
  size_t operator()(const FlowKey& k) const {
    return (size_t{k.src} << 24) ^ (size_t{k.dst} << 4) ^ k.vc;
  }
};

struct HarnessOptions {
  uint64_t seed = 1;
  // Offered load in flits per cycle per input port (random traffic; 0 = only explicit packets).
  double load = 0.0;
  unsigned min_len = 1;
  unsigned max_len = 17;
  // Random traffic stops generating at a port while this many flits wait there (backlogged source).
  unsigned max_backlog = 64;
  // Sink credit return delay, uniform in [min, max] cycles after the flit leaves the router.
  unsigned credit_delay_min = 0;
  unsigned credit_delay_max = 0;
  // Random sink stalls: per cycle and output, a stall of 1..stall_max cycles starts with this
  // probability; no credit is returned during it.
  double stall_prob = 0.0;
  unsigned stall_max = 0;
};

// What the scoreboard learned about one delivered flit.
struct Delivery {
  unsigned in_port = 0;
  unsigned out_port = 0;
  FlowKey flow;
  bool head = false;
  bool tail = false;
  uint64_t inject_cycle = 0;
  uint64_t deliver_cycle = 0;
};

class RouterHarness {
 public:
  RouterHarness(RouterModel& router, const HarnessOptions& opt);

  // Forwarding table: writes the router and the harness's copy (used for the expected port).
  void write_table(uint16_t dst, const TableEntry& e);
  // Endpoint d -> port d for every port: the identity table.
  void load_identity_table();

  // Queues one packet of len flits at input in_port.
  void enqueue_packet(unsigned in_port, uint16_t src, uint16_t dst, uint8_t vc, unsigned len);
  // Runs n cycles (sources, sinks, scoreboard around each router step).
  void run(uint64_t n);
  // Stops random traffic and runs until everything queued was delivered and every credit came home
  // (both directions), then 16 more idle cycles in which nothing may appear. False when that takes
  // more than max_cycles (a lost flit or a deadlock).
  bool drain(uint64_t max_cycles);
  // Resets the router in the middle of whatever it does, then the harness: queues, expectations and
  // packet state are forgotten, credits are full again.
  void reset_all();

  // Traffic and sink controls.
  void set_load(double load) { opt_.load = load; }
  void set_withhold(unsigned out_port, uint8_t vc, bool withhold);
  void set_credit_delay(unsigned lo, unsigned hi) { opt_.credit_delay_min = lo; opt_.credit_delay_max = hi; }
  // Called for every delivered flit that the scoreboard matched.
  void on_delivery(std::function<void(const Delivery&)> f) { on_delivery_ = std::move(f); }
  // Called for every credit the router returns upstream: (input port, vc, cycle).
  void on_in_credit(std::function<void(unsigned, uint8_t, uint64_t)> f) { on_in_credit_ = std::move(f); }

  // Observations.
  const std::vector<std::string>& errors() const { return errors_; }
  std::string error_report() const;
  uint64_t injected() const { return injected_; }
  uint64_t delivered() const { return delivered_; }
  uint64_t outstanding() const { return injected_ - delivered_; }
  uint64_t outstanding(const FlowKey& k) const;
  uint64_t queued() const;  // flits waiting in sources
  uint64_t queued(unsigned port) const { return src_.at(port).backlog; }
  unsigned source_credits(unsigned port, uint8_t vc) const { return src_[port].credits[vc]; }
  unsigned sink_held(unsigned port, uint8_t vc) const { return sink_[port].held[vc]; }
  // Times a source spent its last credit of a VC: back-pressure reached the inputs.
  uint64_t zero_credit_events() const { return zero_credit_events_; }
  uint64_t delivered_on(unsigned port, uint8_t vc) const { return sink_[port].received[vc]; }
  // Every (output, VC) currently between a head and its tail: a reset now cuts packets.
  unsigned outputs_mid_packet() const;
  // The hashed port of the flow (select_port of flow_hash); for an adaptive entry, the port its
  // packets take when every port of the set holds the same credits.
  unsigned expected_port(uint16_t src, uint16_t dst) const;
  RouterModel& router() { return r_; }

 private:
  struct Expected {
    Flit flit;
    unsigned in_port;
    unsigned out_lo, out_hi;  // the ports it may leave on: one, or an adaptive entry's whole set
    uint64_t inject_cycle;
  };
  struct Source {
    std::vector<std::deque<Flit>> queue;  // per VC, whole packets
    std::vector<unsigned> credits;        // per VC
    unsigned backlog = 0;
  };
  struct PendingCredit {
    uint64_t ready;
    uint8_t vc;
  };
  struct Sink {
    std::vector<unsigned> held;       // per VC: flits received whose credit is not yet returned
    // Per VC: credits returned in this cycle and in the previous one. A credit returned in cycle c
    // may be spent only by a flit that leaves in c + 2 or later (docs/router.md, Timing).
    std::vector<unsigned> returned_now, returned_prev;
    std::vector<uint64_t> received;   // per VC
    std::vector<bool> withhold;       // per VC
    std::vector<PendingCredit> pending;
    uint64_t stall_until = 0;
    // Wormhole check: the flow whose packet is open on each output VC.
    std::vector<bool> open;
    std::vector<FlowKey> open_flow;
  };

  Flit make_flit(uint16_t src, uint16_t dst, uint8_t vc, bool head, bool tail);
  bool payload_ok(const Flit& f, uint8_t vc) const;
  void generate();
  void deliver(unsigned port, const LinkFlit& lf, uint64_t now);
  void error(std::string msg);
  void clear_state();
  bool idle() const;

  RouterModel& r_;
  HarnessOptions opt_;
  RouterParams p_;
  std::mt19937_64 rng_;
  std::vector<TableEntry> table_;
  std::vector<Source> src_;
  std::vector<Sink> sink_;
  std::unordered_map<FlowKey, std::deque<Expected>, FlowKeyHash> expect_;
  // Per flow whose packet has left the router in part: the output port its head took.
  std::unordered_map<FlowKey, unsigned, FlowKeyHash> packet_port_;
  std::function<void(const Delivery&)> on_delivery_;
  std::function<void(unsigned, uint8_t, uint64_t)> on_in_credit_;
  std::vector<std::string> errors_;
  uint64_t error_count_ = 0;
  uint64_t injected_ = 0;
  uint64_t delivered_ = 0;
  uint64_t seq_ = 0;
  uint64_t zero_credit_events_ = 0;
};

// Two routers as one RouterModel: inputs go to both, outputs are the first one's, and after every
// edge (construction, reset, table write, step) the cycle counts and the outputs of both (out
// valid, VC and flit when valid; in_credit valid and VC) are compared, then `also` if given (it
// returns what differs, or nothing); the first difference is kept. Tests use it to prove one model
// equal to another under the harness's traffic.
class RouterPair final : public RouterModel {
 public:
  RouterPair(RouterModel& a, RouterModel& b, std::function<std::string()> also = {});
  const RouterParams& params() const override { return a_.params(); }
  void reset() override;
  void write_table(uint32_t dst, const TableEntry& e) override;
  void set_in(unsigned port, const LinkFlit& f) override;
  void set_out_credit(unsigned port, const LinkCredit& c) override;
  void step() override;
  LinkFlit out(unsigned port) const override { return a_.out(port); }
  LinkCredit in_credit(unsigned port) const override { return a_.in_credit(port); }
  uint64_t cycle() const override { return a_.cycle(); }
  void open_trace(const std::string&) override {}
  void close_trace() override {}

  // Empty while both agree.
  const std::string& mismatch() const { return mismatch_; }

 private:
  void compare();

  RouterModel& a_;
  RouterModel& b_;
  std::function<std::string()> also_;
  std::string mismatch_;
};

}  // namespace snsim::noc::tb
