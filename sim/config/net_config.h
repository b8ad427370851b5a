#pragma once
// Configuration of `snsim net`: one switch with a traffic generator and a sink on every port
// (configs/switch8-net.yaml). Keys, defaults, units and legal values are declared in the
// describe() functions of net_config.cpp and documented in docs/config.md.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "config/config.h"

namespace snsim {

enum class RouterImpl { Rtl, Fast };
enum class TrafficPattern { Uniform, Hotspot, Permutation };

std::string_view to_string(RouterImpl impl);
std::string_view to_string(TrafficPattern pattern);

// A forwarding-table override: endpoint `dst` is reached through output ports
// ports[0] .. ports[0] + ports.size() - 1 (equal-cost, contiguous, ascending).
struct RouteCfg {
  std::uint32_t dst{};
  std::vector<std::uint32_t> ports;

  bool operator==(const RouteCfg&) const = default;
  static void describe(Schema<RouteCfg>& s);
};

struct RouterCfg {
  std::uint32_t ports{};
  std::uint32_t vcs{};
  std::uint32_t buf_depth{};
  std::uint32_t payload_bits{};
  std::uint32_t table_depth{};
  RouterImpl impl{};
  std::vector<RouteCfg> routes;

  bool operator==(const RouterCfg&) const = default;
  static void describe(Schema<RouterCfg>& s);
};

struct TrafficCfg {
  TrafficPattern pattern{};
  std::uint32_t packet_flits{};
  std::vector<double> loads;
  std::uint32_t hotspot_port{};
  double hotspot_fraction{};
  std::uint64_t warmup_cycles{};
  std::uint64_t measure_cycles{};
  std::uint64_t drain_cycles{};
  std::uint32_t sink_credit_delay{};

  bool operator==(const TrafficCfg&) const = default;
  static void describe(Schema<TrafficCfg>& s);
};

// Contract: a NetConfig from load<NetConfig>() has passed every per-key and cross-key check
// (power-of-two depths, routes within the radix and the table, every endpoint reachable).
struct NetConfig {
  std::uint64_t seed{};
  double clock_hz{};
  RouterCfg router;
  TrafficCfg traffic;
  LogLevel log_level{};

  bool operator==(const NetConfig&) const = default;
  static void describe(Schema<NetConfig>& s);
};

// One forwarding-table entry as the router holds it: ports base .. base + count - 1; count 0
// means no route.
struct RouteEntry {
  std::uint32_t base = 0;
  std::uint32_t count = 0;
  bool operator==(const RouteEntry&) const = default;
};

// The table_depth entries of the forwarding table: endpoint p behind port p for p < ports, then
// the routes overrides, in order.
std::vector<RouteEntry> build_route_table(const RouterCfg& router);

}  // namespace snsim
