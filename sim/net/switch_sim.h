// SwitchSim: one sn_router with a traffic source and a sink on every port, swept over offered loads.
//
// This is the first main job (`snsim net`): it measures accepted throughput and packet latency of one
// switch for each load point of the config, and checks every delivered flit on the way (right port,
// uncorrupted, in order per flow, nothing lost), so a run that reports figures has also shown the
// switch delivered everything intact. Endpoint p is the source and sink on port p.
//
// Per load point: reset the router, run warmup_cycles, then measure_cycles in which created packets
// are tagged, then drain until every tagged packet is delivered or drain_cycles pass. A point is
// saturated when tagged packets remain after the drain or the switch accepted under 97% of what was
// injected. Latency runs from packet creation (source queueing included) to the arrival of its tail
// flit. Offered load is in flits per port per cycle.
#pragma once

#include <cstdint>
#include <functional>
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
  std::uint64_t cycles = 0; // cycles simulated for this point
};

// Thrown when the switch delivers a flit wrongly (lost, duplicated, corrupted, misrouted, reordered).
struct IntegrityError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SwitchSim {
 public:
  // Fails with std::runtime_error when no router matching the config's parameters was built.
  SwitchSim(const NetConfig& cfg, Logger& log);
  ~SwitchSim();

  // Runs one load point (index into cfg.traffic.loads); registers its statistics under
  // "net.point<k>." in stats.
  LoadPoint run_point(std::size_t k, StatsRegistry& stats);

  // Writes an FST of the switch from now on, stopping after max_cycles (0 = until destruction).
  void open_wave(const std::string& path, std::uint64_t max_cycles);

  // Called every simulated cycle with the cycle count of this run so far (progress display).
  void on_cycle(std::function<void(std::uint64_t)> f) { on_cycle_ = std::move(f); }

  std::uint64_t total_cycles() const { return total_cycles_; }

 private:
  struct Impl;
  const NetConfig& cfg_;
  Logger& log_;
  std::unique_ptr<noc::RouterModel> router_;
  std::function<void(std::uint64_t)> on_cycle_;
  std::uint64_t total_cycles_ = 0;
  std::uint64_t wave_stop_ = 0;
  bool wave_open_ = false;
};

}  // namespace snsim::net
