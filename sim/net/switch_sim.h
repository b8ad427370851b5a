// SwitchSim: one sn_router with a traffic source and a sink on every port, swept over offered loads.
//
// This is the first main job (`snsim net`): it measures accepted throughput and packet latency of one
// switch for each load point of the config, and checks every delivered flit on the way (the port the
// forwarding table names, payload intact, in order per flow, nothing duplicated, nothing lost), so a
// run that reports figures has also shown the switch delivered everything intact. The source and
// sink on port p are endpoint p; destinations are drawn among the endpoints the table routes.
//
// Per load point (the method of Dally and Towles, ch. 23): reset the router; inject for
// warmup_cycles; inject for measure_cycles, tagging the packets created then; keep injecting
// (untagged) until every tagged packet is delivered or drain_cycles pass, so tagged packets see
// the same load to the end; then stop injecting and flush every packet still in flight. A flush in
// which nothing is delivered for kStallLimit cycles while packets remain is an IntegrityError
// (packets lost). A point is saturated when tagged packets remained after the drain or the switch
// accepted under 97% of what was injected. Latency runs from packet creation (source queueing
// included) to the arrival of its tail flit. Offered load is in flits per port per cycle.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/stats.h"
#include "config/net_config.h"
#include "noc/router_model.h"

namespace snsim::net {

struct LoadPoint {
  double offered = 0;       // configured offered load, flits/port/cycle
  double injected = 0;      // flits created per port per cycle during measurement
  double accepted = 0;      // flits delivered per port per cycle during measurement
  std::uint64_t packets = 0;  // tagged packets delivered
  double lat_mean = 0;
  std::uint64_t lat_p50 = 0, lat_p99 = 0, lat_max = 0;
  // Accepted below 97% of injected, or tagged packets still undelivered after drain_cycles.
  bool saturated = false;
  std::uint64_t cycles = 0; // cycles simulated for this point, flush included
};

// Thrown when the switch delivers a flit wrongly (lost, duplicated, corrupted, misrouted, reordered).
struct IntegrityError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SwitchSim {
 public:
  // Cycles without a delivery, while packets are in flight and nothing is injected, after which
  // the flush declares them lost. Far above any legal wait: a hop is 2 cycles, a credit round trip
  // a few more, and a 64-flit packet 64.
  static constexpr std::uint64_t kStallLimit = 2000;

  // Fails with std::runtime_error when no router matching the config's parameters was built.
  SwitchSim(const NetConfig& cfg, Logger& log);
  // With a router built by the caller (tests use a fault-injected one); its parameters must be
  // the config's.
  SwitchSim(const NetConfig& cfg, Logger& log, std::unique_ptr<noc::RouterModel> router);
  ~SwitchSim();

  // Runs one load point (index into cfg.traffic.loads); registers its statistics under
  // "net.point<k>." in stats.
  LoadPoint run_point(std::size_t k, StatsRegistry& stats);

  // Writes an FST of the switch from now on, stopping after max_cycles (0 = until destruction).
  void open_wave(const std::string& path, std::uint64_t max_cycles);

  // Called every simulated cycle with the point index and the cycle within the point (progress).
  void on_cycle(std::function<void(std::size_t, std::uint64_t)> f) { on_cycle_ = std::move(f); }

  std::uint64_t total_cycles() const { return total_cycles_; }

 private:
  const NetConfig& cfg_;
  Logger& log_;
  std::unique_ptr<noc::RouterModel> router_;
  void load_table();

  std::vector<noc::TableEntry> table_;   // as written into the router
  std::vector<std::uint16_t> endpoints_;  // destinations the table routes
  std::function<void(std::size_t, std::uint64_t)> on_cycle_;
  std::uint64_t total_cycles_ = 0;
  std::uint64_t wave_stop_ = 0;
  bool wave_open_ = false;
};

}  // namespace snsim::net
