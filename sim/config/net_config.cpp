#include "config/net_config.h"

#include <fmt/format.h>

#include <map>

namespace snsim {

std::string_view to_string(RouterImpl impl) {
  switch (impl) {
    case RouterImpl::Rtl:
      return "rtl";
    case RouterImpl::Fast:
      return "fast";
  }
  return "?";
}

std::string_view to_string(TrafficPattern pattern) {
  switch (pattern) {
    case TrafficPattern::Uniform:
      return "uniform";
    case TrafficPattern::Hotspot:
      return "hotspot";
    case TrafficPattern::Permutation:
      return "permutation";
    case TrafficPattern::Transpose:
      return "transpose";
    case TrafficPattern::AllToAll:
      return "all_to_all";
    case TrafficPattern::AllReduce:
      return "all_reduce";
  }
  return "?";
}

std::string_view to_string(TopologyKind kind) {
  switch (kind) {
    case TopologyKind::Switch:
      return "switch";
    case TopologyKind::Mesh:
      return "mesh";
    case TopologyKind::Clos:
      return "clos";
    case TopologyKind::SingleTier:
      return "single_tier";
    case TopologyKind::Custom:
      return "custom";
  }
  return "?";
}

std::string_view to_string(PathChoice choice) {
  switch (choice) {
    case PathChoice::Hash:
      return "hash";
    case PathChoice::Adaptive:
      return "adaptive";
    case PathChoice::RoundRobin:
      return "round_robin";
  }
  return "?";
}

bool glob_match(std::string_view glob, std::string_view name) {
  // Iterative wildcard match with one backtrack point (the last *).
  size_t g = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      mark = n;
    } else if (g < glob.size() && glob[g] == name[n]) {
      ++g;
      ++n;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

RouterImpl router_impl(const NetConfig& cfg, std::string_view name) {
  RouterImpl which = cfg.router.impl;
  for (const ImplOverrideCfg& o : cfg.topology.impl_overrides) {
    if (glob_match(o.routers, name)) which = o.impl;
  }
  return which;
}

void ImplOverrideCfg::describe(Schema<ImplOverrideCfg>& s) {
  s.field("routers", &ImplOverrideCfg::routers, std::string{})
      .required()
      .doc("router names to match, * standing for any characters (\"p0.*\", \"*spine*\")");
  s.choice("impl", &ImplOverrideCfg::impl, RouterImpl::Rtl,
           {{"rtl", RouterImpl::Rtl}, {"fast", RouterImpl::Fast}})
      .doc("model of the matching routers");
}

void CustomNodeCfg::describe(Schema<CustomNodeCfg>& s) {
  s.field("name", &CustomNodeCfg::name, std::string{}).required().doc("unique name, used by links");
  s.field("ports", &CustomNodeCfg::ports, 1u).unit("ports").range(1, 128).doc("ports of the node");
  s.field("endpoint", &CustomNodeCfg::endpoint, false)
      .doc("true: an endpoint (traffic source and sink, ids in list order); false: a router");
}

void CustomLinkCfg::describe(Schema<CustomLinkCfg>& s) {
  s.field("a", &CustomLinkCfg::a, std::string{}).required().doc("one end, \"node.port\"");
  s.field("b", &CustomLinkCfg::b, std::string{}).required().doc("the other end, \"node.port\"");
}

void TopologyCfg::describe(Schema<TopologyCfg>& s) {
  s.choice("kind", &TopologyCfg::kind, TopologyKind::Switch,
           {{"switch", TopologyKind::Switch},
            {"mesh", TopologyKind::Mesh},
            {"clos", TopologyKind::Clos},
            {"single_tier", TopologyKind::SingleTier},
            {"custom", TopologyKind::Custom}})
      .doc("switch: the router section's one switch, endpoint p on port p, no links (issue 2's "
           "switch8); mesh: 2D mesh, dimension-order routing; clos: planes x two-tier Clos "
           "(CloudMatrix384 with the defaults); single_tier: endpoints x switches, every endpoint "
           "linked to every switch (NVL72-like); custom: nodes and links below, shortest-path "
           "tables. docs/network.md has the port numbering");
  s.field("mesh_x", &TopologyCfg::mesh_x, 8u).unit("routers").range(1, 64).doc("mesh: columns");
  s.field("mesh_y", &TopologyCfg::mesh_y, 8u).unit("routers").range(1, 64).doc("mesh: rows");
  s.field("leaves", &TopologyCfg::leaves, 48u)
      .unit("switches")
      .range(1, 128)
      .doc("clos: leaf switches per plane (CM384: one L1 switch per node, 48 nodes)");
  s.field("endpoints_per_leaf", &TopologyCfg::endpoints_per_leaf, 16u)
      .unit("endpoints")
      .range(1, 127)
      .doc("clos: endpoints under each leaf (CM384: the 16 dies of a node, HARDWARE.md §1 [D/U])");
  s.field("spines", &TopologyCfg::spines, 16u)
      .unit("switches")
      .range(1, 127)
      .doc("clos: spine switches per plane; each leaf has one up-link to each (CM384: 16 L2 "
           "chips per sub-plane, HARDWARE.md §1 [P])");
  s.field("planes", &TopologyCfg::planes, 7u)
      .unit("planes")
      .range(1, 64)
      .doc("clos: independent planes; each endpoint has one port per plane (CM384: 7, HARDWARE.md "
           "§1 [P])");
  s.field("endpoints", &TopologyCfg::endpoints, 72u)
      .unit("endpoints")
      .range(2, 128)
      .doc("single_tier: endpoints (NVL72: 72 GPUs, HARDWARE.md §5 [S])");
  s.field("switches", &TopologyCfg::switches, 18u)
      .unit("switches")
      .range(1, 64)
      .doc("single_tier: switches; each endpoint has one link to each (NVL72: 18, HARDWARE.md §5 [S])");
  s.list("nodes", &TopologyCfg::nodes).doc("custom: routers and endpoints");
  s.list("links", &TopologyCfg::links).doc("custom: bidirectional links between node ports");
  s.choice("up_routing", &TopologyCfg::up_routing, PathChoice::Hash,
           {{"hash", PathChoice::Hash}, {"adaptive", PathChoice::Adaptive}})
      .doc("routers' choice among equal-cost ports (clos up-links): hash = flow hash, in order; "
           "adaptive = by the scores of the ports for the packet's VC (credits less held flits): the first "
           "port from the destination's within BufDepth/8 of the best (docs/router.md; DECISIONS.md D5)");
  s.choice("spread", &TopologyCfg::spread, PathChoice::Hash,
           {{"hash", PathChoice::Hash},
            {"adaptive", PathChoice::Adaptive},
            {"round_robin", PathChoice::RoundRobin}})
      .doc("endpoints' choice among their ports (clos planes, single_tier switches): hash = flow "
           "hash, in order; adaptive = the port with the fewest flits queued; round_robin = each "
           "packet on the next port in turn (with all_to_all's interleaved order, the senders to "
           "one endpoint use different ports)");
  s.field("flit_bytes", &TopologyCfg::flit_bytes, 0u)
      .unit("bytes")
      .range(0, 1024)
      .doc("link width: bytes a flit carries per cycle, for bandwidth, packet sizes and the "
           "all-to-all; 0 = router.payload_bits / 8. The routers carry router.payload_bits of "
           "them (the checker needs 64), so a wide link can be simulated with a narrow model");
  s.time("link_latency", &TopologyCfg::link_latency_s, "100ns")
      .doc("wire and SerDes latency of every link, each way; at least one cycle. Default: half of "
           "the official 200 ns switch hop (HARDWARE.md §1 [P Atlas 900 A3]; the split is not "
           "published [U])");
  s.time("router_latency", &TopologyCfg::router_latency_s, "100ns")
      .doc("switch latency from input to output; at least the sn_router's 2-cycle pipeline, the "
           "rest is added as delay on its outputs. Default: the other half of the 200 ns hop [U]");
  s.list("impl_overrides", &TopologyCfg::impl_overrides)
      .doc("per-router (or per-tier, by name pattern) choice of model; later entries win");
}

namespace {

// The wiring of a custom topology: names unique, link ends "node.port" naming existing ports, no
// port wired twice. Reachability and deadlock are the topology builder's checks.
void check_custom(const TopologyCfg& t, const Checker& c) {
  if (t.nodes.empty()) c.fail("topology.nodes", "a custom topology lists its nodes");
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < t.nodes.size(); ++i) {
    const auto [it, fresh] = index.emplace(t.nodes[i].name, i);
    if (!fresh) c.fail(fmt::format("topology.nodes[{}].name", i),
                       fmt::format("'{}' is also nodes[{}]'s name", t.nodes[i].name, it->second));
    if (!t.nodes[i].endpoint && t.nodes[i].ports < 2) {
      c.fail(fmt::format("topology.nodes[{}].ports", i), "a router has 2..128 ports");
    }
    if (t.nodes[i].endpoint && t.nodes[i].ports > 64) {
      c.fail(fmt::format("topology.nodes[{}].ports", i), "an endpoint has 1..64 ports");
    }
  }
  std::map<std::pair<std::size_t, std::uint32_t>, std::string> wired;
  for (std::size_t i = 0; i < t.links.size(); ++i) {
    for (const char* end : {"a", "b"}) {
      const std::string& text = end[0] == 'a' ? t.links[i].a : t.links[i].b;
      const std::string key = fmt::format("topology.links[{}].{}", i, end);
      const auto dot = text.rfind('.');
      const auto node = index.find(text.substr(0, dot == std::string::npos ? text.size() : dot));
      std::uint32_t port = 0;
      const bool number = dot != std::string::npos && dot + 1 < text.size() &&
                          text.find_first_not_of("0123456789", dot + 1) == std::string::npos &&
                          text.size() - dot - 1 <= 3;
      if (number) port = static_cast<std::uint32_t>(std::stoul(text.substr(dot + 1)));
      if (!number || node == index.end()) {
        c.fail(key, fmt::format("'{}' is not \"node.port\" with a node of topology.nodes", text));
      }
      if (port >= t.nodes[node->second].ports) {
        c.fail(key, fmt::format("{} has ports 0..{}", node->first, t.nodes[node->second].ports - 1));
      }
      const auto [it, fresh] = wired.emplace(std::make_pair(node->second, port), key);
      if (!fresh) c.fail(key, fmt::format("port {} is wired twice (also by {})", text, it->second));
    }
  }
}

}  // namespace

void RouteCfg::describe(Schema<RouteCfg>& s) {
  s.field("dst", &RouteCfg::dst, 0u)
      .unit("endpoint")
      .range(0, 65535)
      .required()
      .doc("destination endpoint id; must be < router.table_depth");
  s.field("ports", &RouteCfg::ports, std::vector<std::uint32_t>{})
      .unit("port")
      .range(0, 127)
      .min_items(1)
      .required()
      .doc(
          "equal-cost output ports: a contiguous ascending run base..base+n-1, each < "
          "router.ports");
  s.check([](const RouteCfg& r, const Checker& c) {
    for (std::size_t i = 1; i < r.ports.size(); ++i) {
      if (r.ports[i] != r.ports[0] + i) {
        c.fail(fmt::format("ports[{}]", i),
               fmt::format("ports must be a contiguous ascending run base..base+n-1, got [{}]",
                           fmt::join(r.ports, ", ")));
      }
    }
  });
}

void RouterCfg::describe(Schema<RouterCfg>& s) {
  s.field("ports", &RouterCfg::ports, 8u)
      .unit("ports")
      .range(2, 128)
      .doc("radix: number of input (= output) ports");
  s.field("vcs", &RouterCfg::vcs, 2u).unit("VCs").range(1, 16).doc("virtual channels per port");
  s.field("buf_depth", &RouterCfg::buf_depth, 8u)
      .unit("flits")
      .range(2, 4096)
      .power_of_two()
      .doc("input buffer depth per VC; also the credits each output starts with");
  s.field("payload_bits", &RouterCfg::payload_bits, 256u)
      .unit("bits")
      .range(64, 512)
      .doc("payload bits per flit (the RTL allows 1..512; snsim net's checker names each packet "
           "and flit in the first 64)");
  s.field("table_depth", &RouterCfg::table_depth, 1024u)
      .unit("entries")
      .range(2, 65536)
      .power_of_two()
      .doc("forwarding-table entries = endpoint ids the switch can route; at least ports");
  s.choice("impl", &RouterCfg::impl, RouterImpl::Rtl,
           {{"rtl", RouterImpl::Rtl}, {"fast", RouterImpl::Fast}})
      .doc("router model: rtl = the verilated sn_router (only the configurations built in; "
           "waveforms); fast = the C++ model proven cycle-equal to it (any parameters)");
  s.choice("vc_alloc", &RouterCfg::vc_alloc, VcAllocation::Keep,
           {{"keep", VcAllocation::Keep}, {"any", VcAllocation::Any}})
      .doc("VC allocation: keep = a packet keeps its VC end to end (flows stay in order); any = at "
           "each hop a head flit takes the lowest free output VC with a credit (docs/router.md "
           "\"Allocation\"); snsim net only: the network interfaces of a machine need keep");
  s.list("routes", &RouterCfg::routes)
      .doc("forwarding-table overrides; by default endpoint p is behind port p, for p < ports");

  s.check([](const RouterCfg& r, const Checker& c) {
    std::map<std::uint32_t, std::size_t> first_route_for;
    for (std::size_t i = 0; i < r.routes.size(); ++i) {
      const RouteCfg& route = r.routes[i];
      if (route.dst >= r.table_depth) {
        c.fail(fmt::format("routes[{}].dst", i),
               fmt::format("endpoint {} is beyond the table (router.table_depth is {})", route.dst,
                           r.table_depth));
      }
      const auto [it, fresh] = first_route_for.emplace(route.dst, i);
      if (!fresh) {
        c.fail(fmt::format("routes[{}].dst", i),
               fmt::format("duplicate route for endpoint {} (first in routes[{}])", route.dst,
                           it->second));
      }
      for (std::size_t j = 0; j < route.ports.size(); ++j) {
        if (route.ports[j] >= r.ports) {
          c.fail(
              fmt::format("routes[{}].ports[{}]", i, j),
              fmt::format("port {} does not exist (router.ports is {})", route.ports[j], r.ports));
        }
      }
    }
  });
}

void TrafficCfg::describe(Schema<TrafficCfg>& s) {
  s.choice("pattern", &TrafficCfg::pattern, TrafficPattern::Uniform,
           {{"uniform", TrafficPattern::Uniform},
            {"hotspot", TrafficPattern::Hotspot},
            {"permutation", TrafficPattern::Permutation},
            {"transpose", TrafficPattern::Transpose},
            {"all_to_all", TrafficPattern::AllToAll},
            {"all_reduce", TrafficPattern::AllReduce}})
      .doc(
          "destination choice: uniform over all endpoints, hotspot (a share to one endpoint), a "
          "fixed random permutation, transpose (square meshes: (x,y) sends to (y,x); the "
          "diagonal is silent); or a collective over `ranks` endpoints, run once (loads unused): "
          "all_to_all (every rank sends message_bytes to every other) or all_reduce (a ring "
          "all-reduce of message_bytes per rank: reduce-scatter then all-gather, 2 (ranks - 1) "
          "steps of message_bytes / ranks; docs/network.md)");
  s.field("packet_flits", &TrafficCfg::packet_flits, 4u)
      .unit("flits")
      .range(1, 64)
      .doc("flits per packet, head and tail included");
  s.field("loads", &TrafficCfg::loads,
          std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9})
      .unit("flits/port/cycle")
      .greater_than(0)
      .max(1)
      .min_items(1)
      .doc("offered loads to sweep, one run each");
  s.field("hotspot_port", &TrafficCfg::hotspot_port, 0u)
      .unit("port")
      .range(0, 127)
      .doc("endpoint id receiving the hot traffic (pattern hotspot); must be < the endpoints");
  s.field("hotspot_fraction", &TrafficCfg::hotspot_fraction, 0.2)
      .range(0, 1)
      .doc("share of packets sent to hotspot_port (pattern hotspot)");
  s.field("warmup_cycles", &TrafficCfg::warmup_cycles, 2000u)
      .unit("cycles")
      .doc("cycles simulated before statistics are reset");
  s.field("measure_cycles", &TrafficCfg::measure_cycles, 10000u)
      .unit("cycles")
      .min(1)
      .doc("cycles whose injected packets are measured");
  s.field("drain_cycles", &TrafficCfg::drain_cycles, 20000u)
      .unit("cycles")
      .doc("most cycles after measurement to deliver the measured packets");
  s.field("message_bytes", &TrafficCfg::message_bytes, 7680u)
      .unit("bytes")
      .range(1, 1ull << 32)
      .doc("all_to_all: bytes every rank sends to every other; all_reduce: bytes of each rank's "
           "buffer (the collective's size, as nccl-tests counts it); sent in packets of packet_flits");
  s.field("ranks", &TrafficCfg::ranks, 0u)
      .unit("endpoints")
      .range(0, 65535)
      .doc("all_to_all, all_reduce: the endpoints taking part, ids 0 .. ranks - 1 (ring order for "
           "all_reduce); 0 = every endpoint. At least 2, at most the network's endpoints");
  s.field("group", &TrafficCfg::group, 0u)
      .unit("ranks")
      .range(0, 65535)
      .doc("all_reduce: ranks per group of a hierarchical all-reduce (consecutive ranks, e.g. a "
           "CM384 node's 16 dies): reduce-scatter within each group, all-reduce across groups, "
           "all-gather within each group; 0 = one flat ring. Divides ranks, at least 2 groups");
  s.field("sink_credit_delay", &TrafficCfg::sink_credit_delay, 1u)
      .unit("cycles")
      .range(1, 65535)
      .doc("cycles a sink holds a flit before returning its credit");
}

void NetConfig::describe(Schema<NetConfig>& s) {
  s.field("seed", &NetConfig::seed, 1u).doc("seed of every random stream of the run");
  s.frequency("clock", &NetConfig::clock_hz, "875MHz").doc("network clock");
  s.section("router", &NetConfig::router)
      .doc("The switch under test (topology switch), or every router of the network.");
  s.section("topology", &NetConfig::topology).doc("The network: shape, wiring, latencies, models.");
  s.section("traffic", &NetConfig::traffic)
      .doc("Traffic generators and sinks, one pair on every port.");
  s.choice("log_level", &NetConfig::log_level, LogLevel::Warn,
           {{"error", LogLevel::Error},
            {"warn", LogLevel::Warn},
            {"info", LogLevel::Info},
            {"debug", LogLevel::Debug},
            {"trace", LogLevel::Trace}})
      .doc("messages at this level and more severe are printed to stderr");

  s.check([](const NetConfig& n, const Checker& c) {
    const TopologyCfg& t = n.topology;
    if (t.kind == TopologyKind::Custom) check_custom(t, c);
    const std::uint32_t eps = endpoint_count(n);
    if (n.traffic.hotspot_port >= eps) {
      c.fail("traffic.hotspot_port", fmt::format("endpoint {} does not exist (the network has {})",
                                                 n.traffic.hotspot_port, eps));
    }
    if (t.kind != TopologyKind::Switch) {
      const std::uint64_t bytes = std::uint64_t{n.traffic.packet_flits} * flit_bytes(n);
      if (bytes > 512) {
        c.fail("traffic.packet_flits",
               fmt::format("{} flits of {} B carry {} B; a packet carries at most 512 B (UB access "
                           "granularity, HARDWARE.md §1)",
                           n.traffic.packet_flits, flit_bytes(n), bytes));
      }
      if (eps > n.router.table_depth) {
        c.fail("router.table_depth", fmt::format("{} entries cannot route the network's {} endpoints",
                                                 n.router.table_depth, eps));
      }
      if (!n.router.routes.empty()) {
        c.fail("router.routes", "table overrides apply to topology kind switch only; other kinds compute "
                                "their tables");
      }
    } else if (n.router.table_depth < n.router.ports) {
      // Every default endpoint needs a table entry, or traffic to it could not be routed.
      c.fail("router.table_depth", fmt::format("{} entries cannot route the {} endpoints behind the "
                                               "ports (need table_depth >= ports)",
                                               n.router.table_depth, n.router.ports));
    } else if (is_collective(n.traffic.pattern)) {
      c.fail("traffic.pattern", fmt::format("{} needs a network topology (kind mesh, clos, single_tier or custom)",
                                            to_string(n.traffic.pattern)));
    }
    if (n.traffic.ranks == 1 || n.traffic.ranks > eps) {
      c.fail("traffic.ranks", fmt::format("{} ranks: a collective needs 2 .. {} (the network's endpoints), or 0 "
                                          "for all of them",
                                          n.traffic.ranks, eps));
    }
    const std::uint32_t group = n.traffic.group;
    if (group != 0 && (group < 2 || rank_count(n) % group != 0 || rank_count(n) / group < 2)) {
      c.fail("traffic.group", fmt::format("groups of {} cannot split {} ranks: a hierarchical all_reduce needs "
                                          "groups of at least 2 ranks, at least 2 of them, dividing the ranks",
                                          group, rank_count(n)));
    }
    if (n.traffic.pattern == TrafficPattern::AllReduce && n.traffic.message_bytes < rank_count(n)) {
      c.fail("traffic.message_bytes", fmt::format("{} B over {} ranks leaves ring chunks of 0 B; all_reduce "
                                                  "needs at least one byte per rank",
                                                  n.traffic.message_bytes, rank_count(n)));
    }
    if (n.traffic.pattern == TrafficPattern::Transpose &&
        (t.kind != TopologyKind::Mesh || t.mesh_x != t.mesh_y)) {
      c.fail("traffic.pattern", "transpose needs a square mesh (topology kind mesh, mesh_x == mesh_y)");
    }
    if (t.kind == TopologyKind::Switch && !t.impl_overrides.empty()) {
      c.fail("topology.impl_overrides", "a single switch takes its model from router.impl");
    }
  });
}

std::uint32_t flit_bytes(const NetConfig& n) {
  return n.topology.flit_bytes != 0 ? n.topology.flit_bytes : n.router.payload_bits / 8;
}

std::uint32_t endpoint_count(const NetConfig& n) {
  const TopologyCfg& t = n.topology;
  switch (t.kind) {
    case TopologyKind::Switch:
      return n.router.ports;
    case TopologyKind::Mesh:
      return t.mesh_x * t.mesh_y;
    case TopologyKind::Clos:
      return t.leaves * t.endpoints_per_leaf;
    case TopologyKind::SingleTier:
      return t.endpoints;
    case TopologyKind::Custom: {
      std::uint32_t k = 0;
      for (const CustomNodeCfg& node : t.nodes) k += node.endpoint;
      return k;
    }
  }
  return 0;
}

std::uint32_t rank_count(const NetConfig& n) {
  return n.traffic.ranks != 0 ? n.traffic.ranks : endpoint_count(n);
}

bool is_collective(TrafficPattern pattern) {
  return pattern == TrafficPattern::AllToAll || pattern == TrafficPattern::AllReduce;
}

std::vector<RouteEntry> build_route_table(const RouterCfg& router) {
  std::vector<RouteEntry> table(router.table_depth);
  for (std::uint32_t p = 0; p < router.ports && p < router.table_depth; ++p) table[p] = {p, 1};
  for (const RouteCfg& r : router.routes) {
    table.at(r.dst) = {r.ports.front(), static_cast<std::uint32_t>(r.ports.size())};
  }
  return table;
}

}  // namespace snsim
