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
enum class TrafficPattern { Uniform, Hotspot, Permutation, Transpose, AllToAll, AllReduce };
enum class TopologyKind { Switch, Mesh, Clos, SingleTier, Custom };
// How a choice among equal-cost ports is made: by the flow hash (keeps each flow in order), by
// the most credits / the shortest queue when the packet starts, or (endpoints only) in turn;
// the last two may reorder a flow.
enum class PathChoice { Hash, Adaptive, RoundRobin };
// VC allocation in every router (docs/router.md "Allocation"): a packet keeps its VC end to end, or
// its head takes any free output VC with a credit at each hop.
enum class VcAllocation { Keep, Any };

std::string_view to_string(RouterImpl impl);
std::string_view to_string(TrafficPattern pattern);
std::string_view to_string(TopologyKind kind);
std::string_view to_string(PathChoice choice);

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
  VcAllocation vc_alloc{};
  std::vector<RouteCfg> routes;

  bool operator==(const RouterCfg&) const = default;
  static void describe(Schema<RouterCfg>& s);
};

// topology.impl_overrides: routers whose name matches `routers` (a glob: * matches any run of
// characters) use `impl` instead of router.impl.
struct ImplOverrideCfg {
  std::string routers;
  RouterImpl impl{};

  bool operator==(const ImplOverrideCfg&) const = default;
  static void describe(Schema<ImplOverrideCfg>& s);
};

// topology.nodes and topology.links of a custom topology.
struct CustomNodeCfg {
  std::string name;
  std::uint32_t ports{};
  bool endpoint{};

  bool operator==(const CustomNodeCfg&) const = default;
  static void describe(Schema<CustomNodeCfg>& s);
};

struct CustomLinkCfg {
  std::string a, b;  // "node.port"

  bool operator==(const CustomLinkCfg&) const = default;
  static void describe(Schema<CustomLinkCfg>& s);
};

struct TopologyCfg {
  TopologyKind kind{};
  std::uint32_t mesh_x{}, mesh_y{};
  std::uint32_t leaves{}, endpoints_per_leaf{}, spines{}, planes{};
  std::uint32_t endpoints{}, switches{};
  std::vector<CustomNodeCfg> nodes;
  std::vector<CustomLinkCfg> links;
  PathChoice up_routing{};
  PathChoice spread{};
  std::uint32_t flit_bytes{};
  double link_latency_s{};
  double router_latency_s{};
  std::vector<ImplOverrideCfg> impl_overrides;

  bool operator==(const TopologyCfg&) const = default;
  static void describe(Schema<TopologyCfg>& s);
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
  std::uint64_t message_bytes{};
  std::uint32_t ranks{};
  std::uint32_t group{};

  bool operator==(const TrafficCfg&) const = default;
  static void describe(Schema<TrafficCfg>& s);
};

// Contract: a NetConfig from load<NetConfig>() has passed every per-key and cross-key check
// (power-of-two depths, routes within the radix and the table, every endpoint reachable).
struct NetConfig {
  std::uint64_t seed{};
  double clock_hz{};
  RouterCfg router;
  TopologyCfg topology;
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

// Endpoints of the configured topology.
std::uint32_t endpoint_count(const NetConfig& cfg);

// Ranks of a collective (all_to_all, all_reduce): traffic.ranks, or every endpoint when it is 0.
std::uint32_t rank_count(const NetConfig& cfg);

// True for the patterns that run once as a collective rather than as a load sweep.
bool is_collective(TrafficPattern pattern);

// Bytes a flit carries on a link of the network: topology.flit_bytes, or router.payload_bits / 8.
std::uint32_t flit_bytes(const NetConfig& cfg);

// True when `name` matches `glob`, in which * stands for any run of characters.
bool glob_match(std::string_view glob, std::string_view name);

// The implementation router `name` runs: router.impl, unless topology.impl_overrides names it
// (the last matching override wins).
RouterImpl router_impl(const NetConfig& cfg, std::string_view name);

}  // namespace snsim
