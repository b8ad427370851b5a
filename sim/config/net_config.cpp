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
  }
  return "?";
}

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
  s.list("routes", &RouterCfg::routes)
      .doc("forwarding-table overrides; by default endpoint p is behind port p, for p < ports");

  s.check([](const RouterCfg& r, const Checker& c) {
    // Every default endpoint needs a table entry, or traffic to it could not be routed.
    if (r.table_depth < r.ports) {
      c.fail("table_depth", fmt::format("{} entries cannot route the {} endpoints behind the "
                                        "ports (need table_depth >= ports)",
                                        r.table_depth, r.ports));
    }
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
            {"permutation", TrafficPattern::Permutation}})
      .doc(
          "destination choice: uniform over all ports, hotspot (a share to one port), or a "
          "fixed random permutation");
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
      .doc("destination of the hot traffic; must be < router.ports");
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
  s.field("sink_credit_delay", &TrafficCfg::sink_credit_delay, 1u)
      .unit("cycles")
      .range(1, 65535)
      .doc("cycles a sink holds a flit before returning its credit");
}

void NetConfig::describe(Schema<NetConfig>& s) {
  s.field("seed", &NetConfig::seed, 1u).doc("seed of every random stream of the run");
  s.frequency("clock", &NetConfig::clock_hz, "875MHz").doc("network clock");
  s.section("router", &NetConfig::router).doc("The switch under test.");
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
    if (n.traffic.hotspot_port >= n.router.ports) {
      c.fail("traffic.hotspot_port", fmt::format("port {} does not exist (router.ports is {})",
                                                 n.traffic.hotspot_port, n.router.ports));
    }
  });
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
