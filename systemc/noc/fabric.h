#pragma once
// NocFabric: the routers and channels of one network under the SystemC kernel (issue 3, D12). It
// owns a RouterModel per router of a Topology (the verilated RTL or the fast model, per router as
// router.impl and topology.impl_overrides of the NetConfig say), the flits and credits in flight
// on every channel, and the network clock; endpoints (network interfaces, noc/ni.h) attach to the
// topology's endpoint ports through FabricEndpoint.
//
// Clock. One sc_clock (the config's `clock`, first rising edge at time 0) and one SC_METHOD on its
// rising edge (D11: no process per router); cycle k is simulation time k x period. Each cycle, in
// this order (D13: same-time events ordered by component id):
//   1. the credits and flits due this cycle are delivered: to routers (staged with set_out_credit /
//      set_in) and to endpoints (on_credit / on_flit), in the order they were put in flight;
//   2. every attached endpoint runs its cycle(), in endpoint id order; what it sends
//      (send_flit / send_credit) is in flight for the channel's latency (>= 1 cycle, D13);
//   3. every router steps, in node order, and what it registered (output flits, input credits) is
//      put on its channels: a flit reaches the next input after 1 + link latency + the router's
//      extra delay (topology.router_latency minus the 2-cycle sn_router pipeline), a credit after
//      1 + link latency.
// This is NetworkSim's channel handling (sim/net/network_sim.cpp: the same timing wheel and the
// same latencies), with the endpoints' traffic sources replaced by attached endpoints; a later step
// may make NetworkSim drive this fabric. One difference: NetworkSim's sources send before the
// deliveries of the cycle, so a credit arriving in cycle c is usable in c + 1 there and in c here.
//
// How (docs/performance.md "The machine's network: NocFabric speed and two threads"), as NetRun
// does it: every port's channel, far end and delay are looked up once (Hop); the wheel keeps the
// deliveries to routers and to endpoints apart, flits as packed words (a header word as sn_flit.h
// lays it out, then the payload) in vectors that keep their capacity, so a cycle allocates
// nothing; a router's deliveries of step 1 are staged just before it steps in step 3 (sorted by
// router), which no endpoint can tell apart, since routers and endpoints exchange nothing within a
// cycle; fast routers are fed and read as words, only their valid outputs and credits are visited,
// and an idle one without arrivals only counts its cycle (FastRouter::idle).
//
// Threads (set_threads): with two, a worker thread steps a second group of the routers (the later
// ones in node order) while this thread delivers to and runs the endpoints and steps the first
// group; each group puts what its routers registered into buffers of its own, which are put on the
// channels after both finished, group by group, so every wheel slot holds its deliveries in the
// order one thread makes them and every result is the same with one thread or two. A ThreadTimer
// decides cycle by cycle whether two threads pay off, and the boundary between the groups follows
// the two threads' processor times. The endpoints stay on this thread unless set_endpoint_threads
// lets the worker run the later ones first (a machine's NIs, which leave their SystemC calls to
// on_main_thread); a fabric with an RTL router steps every router on this thread. With overlap
// (set_overlap; a machine's fabric), the worker's group of a cycle may go on after the tick
// returns, beside the dies and cores, and its outputs go on the channels at the start of the next
// tick: the same order as without.
//
// Measurement. Every flit put on a channel (by an endpoint or a router) counts on that channel
// (channel_flits(), cumulative, indexed like Topology::channels()); an on_cycle callback runs at the
// end of every cycle (a trace samples the counts there).
//
// An endpoint port starts with buf_depth credits on every VC of the router input it feeds, and a
// router output sees buf_depth credits for the endpoint's input: the endpoint must hold that many
// flits per VC and return a credit for each one it takes.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "common/stats.h"
#include "common/thread_timer.h"
#include "config/net_config.h"
#include "noc/fast_router.h"
#include "noc/router_model.h"
#include "noc/topology.h"

namespace snsim::noc {

// What the fabric calls at an attached endpoint.
class FabricEndpoint {
 public:
  virtual ~FabricEndpoint() = default;
  // Step 1: a flit / a credit arriving at the endpoint's port in this cycle.
  virtual void on_flit(unsigned port, const LinkFlit& flit) = 0;
  virtual void on_credit(unsigned port, std::uint8_t vc) = 0;
  // Step 2: the endpoint's work of cycle c.
  virtual void cycle(std::uint64_t c) = 0;
  // Starts loading (prefetches) what cycle(c) will read, and changes nothing. The fabric calls it a
  // few endpoints ahead of the one whose cycle() it runs, so that the misses overlap that work.
  virtual void prefetch_cycle(std::uint64_t c) const { (void)c; }
};

class NocFabric : public sc_core::sc_module {
 public:
  sc_core::sc_clock clock;

  // Makes and resets every router and writes its table. From cfg it takes clock, seed, router (but
  // ports, which are the topology's), topology.router_latency and topology.impl_overrides; the
  // wiring and link latencies are `topo`'s. Throws std::runtime_error naming the router when it asks
  // for an RTL configuration this binary lacks, or when topology.router_latency is below the
  // 2-cycle pipeline. Statistics under `stats_prefix`.
  NocFabric(sc_core::sc_module_name name, const NetConfig& cfg, Topology topo, StatsRegistry& stats,
            const std::string& stats_prefix = "noc");
  ~NocFabric() override;

  // Attaches the endpoint of id `endpoint`; each endpoint once (std::logic_error otherwise).
  void attach(std::uint32_t endpoint, FabricEndpoint& ep);
  // From an endpoint's cycle(): a flit / a credit leaving `port` of endpoint `endpoint`; it arrives
  // at the other end of the port's channel after the channel latency.
  void send_flit(std::uint32_t endpoint, unsigned port, const LinkFlit& flit);
  void send_credit(std::uint32_t endpoint, unsigned port, std::uint8_t vc);

  const Topology& topology() const { return topo_; }
  const RouterParams& router_params() const { return params_; }
  sc_core::sc_time period() const { return clock.period(); }
  // The cycle of the first rising edge at or after t.
  std::uint64_t cycle_at(const sc_core::sc_time& t) const;
  // Routers using the RTL, and their node names in node order.
  unsigned rtl_routers() const { return rtl_count_; }
  std::vector<std::string> rtl_router_names() const;
  // Flits put on each channel so far (index: Topology::channels()), and network cycles run.
  const std::vector<std::uint64_t>& channel_flits() const { return ch_flits_; }
  std::uint64_t cycles() const { return cycle_; }
  // Called at the end of every cycle c with c (after the routers' outputs are on the channels;
  // cycles() is then c + 1). With overlap, at the start of the next tick or at settle().
  void on_cycle(std::function<void(std::uint64_t)> f) { on_cycle_ = std::move(f); }
  // From now on router `router` (its node name) dumps every cycle to the FST file `path`, closed
  // when the fabric is destroyed. std::runtime_error when no router has that name, or it is the
  // fast model (only the RTL has waveforms), or the file cannot be written.
  void open_wave(const std::string& router, const std::string& path);
  // Threads stepping the routers: 1 or 2 (std::invalid_argument otherwise). With 2, a worker steps
  // part of the fast routers in the cycles where `timed` is false or the ThreadTimer finds that
  // two threads pay off; with an RTL router every router stays on this thread. Outputs are the
  // same either way. Call before the simulation starts.
  void set_threads(unsigned n, bool timed = true);
  // Cycles whose routers ran on two threads.
  std::uint64_t parallel_cycles() const { return parallel_cycles_; }
  // With overlap on, a two-thread cycle's tick returns while the worker still steps its routers;
  // what they registered goes on the channels at the start of the next tick, or at settle(). So
  // the worker's routers run beside whatever the SystemC kernel runs between two network edges (a
  // machine's dies and cores), which touches none of them: the dies reach the network only through
  // endpoints, whose cycle() runs within a tick. Outputs are the same either way. Whoever reads the
  // network's results between ticks (channel_flits(), the statistics, an on_cycle callback's
  // effects) calls settle() first; npu::Machine::run does after its simulation.
  void set_overlap(bool on) { overlap_ = on; }
  // With two threads, the worker may also run a share of the endpoints in its cycles: their
  // deliveries and cycle(), for a later block of the endpoints in id order (balanced by their
  // traffic and the threads' processor times), while this thread runs the earlier ones; what they
  // send is put on the channels in endpoint order, before the routers' outputs, as one thread
  // does. Only for endpoints that may run off the SystemC thread: whatever they call must leave
  // event notifications to on_main_thread (common/thread_timer.h), as npu::Machine's network
  // interfaces, their dies' memories and the Machine do, and touch nothing another endpoint
  // touches. Off by default; outputs are the same either way.
  void set_endpoint_threads(bool on) { endpoint_threads_ = on; }
  // Cycles whose endpoints ran on two threads.
  std::uint64_t endpoint_parallel_cycles() const { return endpoint_parallel_cycles_; }
  // Processor seconds of those cycles by part, summed over the balance windows finished so far
  // (every 512 two-thread cycles): this thread's endpoints, its routers, its spinning while it
  // waits for the worker's endpoints (a wait that sleeps takes none), and the rest until the next tick (a machine's dies and cores); the worker's
  // endpoints and routers. What the balance works from; not in any result file (they vary).
  struct ThreadTimes {
    double main_endpoints = 0, main_routers = 0, main_wait = 0, main_rest = 0;
    double worker_endpoints = 0, worker_routers = 0;
  };
  const ThreadTimes& thread_times() const { return thread_times_; }
  // Finishes the cycle whose routers the worker may still be stepping (nothing to do otherwise):
  // waits for it, puts its routers' outputs on the channels, counts the cycle and calls on_cycle.
  // Rethrows what stopped the worker's routers.
  void settle();

 private:
  // Where what a port sends arrives: the channel (kNoChannel: an unwired port), its far end (a
  // router's index in routers_, or an endpoint's node) and the cycles until it is there.
  struct Hop {
    std::uint32_t ch = kNoChannel;
    std::uint32_t target = 0;
    std::uint32_t port = 0;
    std::uint32_t delay = 0;
    bool to_router = false;
  };
  struct Router {
    std::unique_ptr<RouterModel> model;
    FastRouter* fast = nullptr;  // the model, when it is the fast one
    std::uint32_t node = 0;
    bool rtl = false;
    std::vector<Hop> out_hops;     // per output port: where its flits go
    std::vector<Hop> credit_hops;  // per input port: where its credits go
  };
  // A delivery's target, port and VC in one word: target << 32 | port << 8 | vc.
  static std::uint64_t pack(std::uint32_t target, std::uint32_t port, std::uint8_t vc) {
    return (std::uint64_t{target} << 32) | (std::uint64_t{port} << 8) | vc;  // port: 16 bits
  }
  // A group of routers (routers_[begin .. end - 1]) and what they registered in this cycle.
  struct Group {
    std::uint32_t begin = 0, end = 0;
    std::uint64_t cycle = 0;  // the network cycle it steps (the worker's may outlast the tick)
    bool direct = true;  // this cycle, its outputs go straight into the wheels, else into the buffers
    // Per flit: due cycle, packed target (pack(); bit 31 set for an endpoint), the flit's words
    // (kept_ + 2 words each); per credit: due cycle and packed target.
    std::vector<std::uint64_t> flits, credits;
    std::uint64_t routed = 0;  // flits that left the group's routers
    // This cycle's arrivals at the group's routers, sorted by router (sort_by_router).
    std::vector<std::uint32_t> flit_at, credit_at, flit_order, credit_order, fill;
    std::exception_ptr error;  // what stopped the group this cycle
  };
  static constexpr std::uint64_t kToEndpoint = std::uint64_t{1} << 31;

  void tick();  // SC_METHOD: one cycle (steps 1-3 above)
  // The flit `f` as words: header (head, tail, dst, src as sn_flit.h lays them out) and payload.
  void flit_words(const LinkFlit& f, std::uint64_t* w) const;
  LinkFlit link_flit(const std::uint64_t* w, std::uint8_t vc) const;
  // Room for a flit on its way along hop h, due h.delay cycles from now, on VC vc: its words_ words,
  // for the caller to fill. put_credit puts a credit on its way.
  std::uint64_t* wheel_flit(const Hop& h, std::uint8_t vc);
  void put_credit(const Hop& h, std::uint8_t vc);
  Hop make_hop(std::uint32_t ch, PortRef Channel::*end, std::uint32_t plus) const;
  // Room in g's buffers for a flit along hop h due at g.cycle + h.delay, for the caller to fill.
  std::uint64_t* buffer_flit(Group& g, const Hop& h, std::uint8_t vc);
  void buffer_credit(Group& g, const Hop& h, std::uint8_t vc);
  // Steps 1-2 for the attached endpoints [begin, end) in cycle c; returns what stopped them.
  // `all`: this thread delivers for every endpoint and reports a flit for an unattached one.
  std::exception_ptr run_endpoints(std::uint32_t begin, std::uint32_t end, std::uint64_t c, bool all);
  // How many endpoints ahead run_endpoints() prefetches (FabricEndpoint::prefetch_cycle).
  static constexpr std::uint32_t kPrefetchEndpoints = 2;
  // Puts what g collected in its buffers on the channels (rethrows its error) and empties them.
  void merge(Group& g);
  // Moves the boundaries between the two threads' endpoints and routers (set_endpoint_threads)
  // from the processor times of the last cycles; worker_ns: the worker's.
  void balance_endpoints(std::int64_t worker_ns);
  // Step 3 for a group's routers: stage each one's arrivals, step it, collect what it registered.
  void step_group(Group& g);
  void collect(const Router& r, Group& g);
  // The end of cycle c once every group stepped: clears its slots, puts what the groups collected
  // in their buffers on the channels, group by group, counts the cycle and calls on_cycle.
  void finish_cycle(std::uint64_t c);

  Topology topo_;
  RouterParams params_;
  std::uint32_t extra_ = 0;  // cycles added on every router output
  std::uint32_t words_ = 0;  // words per flit: header and payload
  std::vector<Router> routers_;
  std::vector<std::uint32_t> router_of_node_;    // index into routers_, or ~0u
  std::vector<FabricEndpoint*> endpoint_of_node_;  // attached endpoint, or nullptr
  std::vector<FabricEndpoint*> attached_;          // the attached endpoints, in endpoint id order
  std::vector<std::uint32_t> attached_ids_;        // their endpoint ids
  std::vector<std::uint32_t> index_of_node_;       // an attached endpoint's index in attached_, or ~0u
  std::vector<std::uint32_t> ep_hop_base_;          // per endpoint id: its ports' first index in ep_*_hops_
  std::vector<Hop> ep_out_hops_, ep_credit_hops_;  // per endpoint port: where its flits / credits go
  // Deliveries by due cycle (slot: cycle & wheel_mask_), to routers and to endpoints apart, each in
  // the order they were put in flight: flits as words + 1 words each (packed target, flit words),
  // credits as one packed word.
  std::vector<std::vector<std::uint64_t>> flit_wheel_, ep_flit_wheel_, credit_wheel_, ep_credit_wheel_;
  std::uint64_t wheel_mask_ = 0;
  std::uint64_t cycle_ = 0;
  unsigned rtl_count_ = 0;
  std::vector<std::uint64_t> ch_flits_;
  std::function<void(std::uint64_t)> on_cycle_;
  Counter& st_cycles_;
  Counter& st_flits_;

  // Threads: groups_[0] runs on this thread beside the endpoints, groups_[1] (if any) on worker_
  // when parallel_.
  std::vector<Group> groups_;
  unsigned threads_ = 1;
  bool timed_ = true;
  bool parallel_ = false;
  bool overlap_ = false;
  bool pending_ = false;  // the worker steps the last tick's cycle: settle() finishes it
  std::int64_t main_start_ = 0;  // this thread's processor time when the worker's group started
  // Endpoints on two threads (set_endpoint_threads): in a cycle with split_eps_, the worker runs
  // attached_[eps_split_ ..] first, signals eps_done_ (= eps_runs_), then steps its routers. What
  // those endpoints send goes into eps_buf_, and group 0 then buffers its outputs too, so that both
  // are merged after the worker's endpoints' in endpoint order.
  bool endpoint_threads_ = false;
  bool split_eps_ = false;
  std::uint32_t eps_split_ = 0, eps_split_id_ = 0;  // index into attached_, and its endpoint id
  Group eps_buf_;
  std::exception_ptr eps_error_;
  std::atomic<std::uint32_t> eps_done_{0};
  std::uint32_t eps_runs_ = 0;
  std::vector<std::uint64_t> ep_work_;  // per attached endpoint: flits sent and received since the last balance
  double eps_share_ = 0.5;              // the share of the endpoints' traffic this thread keeps
  // Processor times since the last balance: this thread's endpoints, its routers and the part
  // up to the worker's endpoints' end (both and the wait); the worker's endpoints.
  std::int64_t main_eps_ns_ = 0, main_r0_ns_ = 0, main_barrier_ns_ = 0, worker_eps_ns_ = 0;
  std::uint64_t endpoint_parallel_cycles_ = 0;
  ThreadTimes thread_times_;
  std::uint64_t parallel_cycles_ = 0;
  ThreadTimer<std::chrono::steady_clock> timer_;
  // Processor time of this thread's share (endpoints and group 0) in the two-thread cycles since
  // the last balance; the worker's is worker_.take_ns().
  static constexpr std::uint32_t kBalanceCycles = 512;
  std::uint32_t balance_cycles_ = 0;
  std::int64_t main_ns_ = 0;
  WorkerThread worker_;  // last: stopped before the groups it steps go
};

}  // namespace snsim::noc
