// NetworkSim: a network of sn_routers (verilated RTL or the fast model, chosen per router) and
// endpoints, built from the config's topology, driven by synthetic traffic.
//
// Time. One clock; every cycle: endpoints send (one flit per port with a credit for its VC),
// channel deliveries due this cycle are staged into routers and endpoints, every router steps,
// and what the routers registered at their outputs (flits) and inputs (credits) is put on the
// channels. A flit registered at a router output in cycle u reaches the next input in cycle
// u + link latency + the router's extra delay (router_latency minus the 2-cycle pipeline); a
// credit in cycle u + link latency. Endpoints send straight onto their link. Deliveries are kept
// in a timing wheel, so a cycle costs what is in flight, not the number of channels; a router's
// deliveries are staged just before it steps (sorted by router, in wheel order for each), while
// its state is in cache, and the fast model's next router is prefetched meanwhile.
//
// Traffic. Endpoint sources create packets (Bernoulli per port: load / packet_flits per cycle,
// so a load is a fraction of the endpoint's injection bandwidth) or, for a collective over ranks
// 0 .. R-1, from a lazy cursor that keeps about two packets per port queued: all_to_all sends
// every message (rank s to s+1, s+2, ... in turn); all_reduce is a ring (reduce-scatter, then
// all-gather): in step k of 2(R-1) rank r sends one chunk of the buffer (R chunks of
// message_bytes / R, the first message_bytes mod R one byte longer) to rank r+1, and creates the
// packets of step k+1 only once every packet of rank r-1's step k has arrived (the chunk it
// forwards is the one it received: a data dependency per rank, not a barrier); hierarchical with
// traffic.group (rings within groups, then across them: RingSchedule). A packet goes to
// one of the endpoint's ports on a shortest path (by flow hash or to the shortest queue, per
// topology.spread) and on the VC of that port with the most credits when it starts.
//
// Threads. With two, a worker thread steps the last routers (two thirds at first; the boundary
// then moves to equal the threads' processor times every 512 two-thread cycles) while this thread
// runs the endpoints and the first ones, then both meet at a barrier each cycle. Within a cycle
// the two touch disjoint state (routers, endpoints, channel counters of their own senders), read
// the wheels' current slots and push only into later ones, and the routers' outputs are appended
// after the barrier in router order, so every wheel slot holds the same events in the same order
// as with one thread, and so does everything computed from them. Each period of cycles starts by
// timing windows on one thread, two and one and keeps the faster (ThreadTimer): on a machine
// whose cores are busy, a wait at the barrier can last a scheduler time slice.
//
// Checks. Every delivered flit: at its destination endpoint, of a live packet, in order within
// its packet, head/tail right, payload intact; with hash routing and hash spreading, packets of
// a flow arrive in creation order. A flush with packets in flight and no delivery for
// kStallLimit cycles is an IntegrityError that lists them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/stats.h"
#include "config/net_config.h"
#include "net/switch_sim.h"
#include "noc/router_model.h"
#include "noc/topology.h"

namespace snsim::net {

// The result of an all_to_all run. nccl-tests' bandwidths (see AllReduceResult): algbw = bytes
// per pair x ranks / time, busbw = algbw x (R-1)/R = gbytes_per_s_per_endpoint.
struct AllToAllResult {
  std::uint32_t ranks = 0;
  std::uint64_t cycles = 0;           // until the last tail arrived
  double seconds = 0;                 // simulated
  std::uint64_t bytes_per_pair = 0;   // payload bytes each endpoint sent to each other one
  double gbytes_per_s_per_endpoint = 0;  // sent bytes / simulated time, mean over endpoints
  double algbw_gbytes_per_s = 0;
  std::uint64_t bound_cycles = 0;     // non-blocking bound: injection bandwidth of an endpoint
  double fraction_of_bound = 0;       // bound_cycles / cycles
  std::uint64_t packets = 0;
  double lat_mean = 0;
  std::uint64_t lat_p50 = 0, lat_p99 = 0, lat_max = 0;
  // Where the time goes: the cycles by which the ranks had sent their last flit and received their
  // last tail (first, median and last rank), and per window of `window_cycles` the flits the ranks
  // sent and received as a fraction of their links' capacity (1 = every link busy every cycle).
  struct Spread {
    std::uint64_t first = 0, median = 0, last = 0;
  };
  Spread sent_done, received_done;
  std::uint64_t window_cycles = 0;
  std::vector<double> sent_per_window, received_per_window;
};

// The result of an all_reduce run. Bandwidths as nccl-tests defines them (doc/PERFORMANCE.md of
// github.com/NVIDIA/nccl-tests): algbw = message bytes / time; busbw = algbw x 2(R-1)/R, the
// bandwidth each rank's links carry in a ring, comparable with the link rate.
struct AllReduceResult {
  std::uint32_t ranks = 0;
  std::uint64_t bytes = 0;            // message_bytes: each rank's buffer
  std::uint32_t group = 0;            // ranks per group (= ranks: one flat ring)
  std::uint32_t steps = 0;            // 2 (ranks - 1), or 2 (group - 1) + 2 (ranks / group - 1)
  std::uint64_t cycles = 0;           // until the last tail of the last step arrived
  double seconds = 0;                 // simulated
  double algbw_gbytes_per_s = 0;
  double busbw_gbytes_per_s = 0;
  double injection_gbytes_per_s = 0;  // one rank's links together, one way (the smallest rank's)
  std::uint64_t packets = 0, flits = 0;
  double lat_mean = 0;
  std::uint64_t lat_p50 = 0, lat_p99 = 0, lat_max = 0;
};

// Builds the topology of cfg (no routers yet): TopologyError or ConfigError-style
// std::runtime_error for a network that cannot work. Checked (Topology::check) on return.
noc::Topology build_topology(const NetConfig& cfg);

class NetworkSim {
 public:
  static constexpr std::uint64_t kStallLimit = 20000;

  // Builds and checks the network and makes every router (std::runtime_error when a router asks
  // for the RTL in a configuration not built in). Warns through log about channels whose buffers
  // are below the credit round trip.
  NetworkSim(const NetConfig& cfg, Logger& log);
  ~NetworkSim();

  // One load point of the sweep (k indexes traffic.loads); statistics under "net.point<k>.".
  LoadPoint run_point(std::size_t k, StatsRegistry& stats);
  // The all_to_all run; statistics under "net.all_to_all.".
  AllToAllResult run_all_to_all(StatsRegistry& stats);
  // The all_reduce run; statistics under "net.all_reduce.".
  AllReduceResult run_all_reduce(StatsRegistry& stats);

  // Flits per cycle on every channel during the last measurement (all_to_all: the whole run).
  const std::vector<double>& channel_utilization() const { return util_; }
  const noc::Topology& topology() const { return topo_; }
  std::uint64_t total_cycles() const { return total_cycles_; }
  unsigned rtl_routers() const { return rtl_count_; }
  // Link bandwidth in bytes per second (flit_bytes(cfg) per cycle).
  double link_bytes_per_s() const;
  // The first router using the RTL writes an FST from now on for max_cycles (0: to the end).
  void open_wave(const std::string& path, std::uint64_t max_cycles);
  void on_cycle(std::function<void(std::uint64_t)> f) { on_cycle_ = std::move(f); }
  // Routers step on this many threads (1, the default, or 2; more are not used yet; anything
  // else is std::invalid_argument). The results are the same whatever it is: see "Threads" above.
  // With `timed` false, two threads step every cycle instead of only while they are faster (tests).
  void set_threads(unsigned n, bool timed = true);
  // Cycles whose routers were stepped on two threads, since construction.
  std::uint64_t parallel_cycles() const;

  struct Impl;

 private:
  // util_ = flits per cycle on every channel, counted over `cycles`.
  void keep_utilization(std::uint64_t cycles);

  const NetConfig& cfg_;
  Logger& log_;
  noc::Topology topo_;
  std::unique_ptr<Impl> impl_;
  std::vector<double> util_;
  std::uint64_t total_cycles_ = 0;
  unsigned rtl_count_ = 0;
  std::function<void(std::uint64_t)> on_cycle_;
};

}  // namespace snsim::net
