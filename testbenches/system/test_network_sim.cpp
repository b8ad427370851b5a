// NetworkSim: figures that follow from the wiring (zero-load latency), every packet delivered under
// every path choice, all-to-all accounting, the RTL and the fast model giving the same run, and bad
// network configs refused with the key or the channels at fault.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/net_config.h"
#include "net/network_sim.h"

namespace snsim::net {
namespace {

NetConfig cfg_of(const std::string& yaml) { return load_string<NetConfig>(yaml, "test.yaml"); }

std::string config_error(const std::string& yaml) {
  try {
    cfg_of(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// A 2-plane Clos of 4 leaves x 4 endpoints and 2 spines; `extra` adds keys at the end.
std::string small_clos(const std::string& topo_extra, const std::string& traffic) {
  return "clock: 1GHz\nrouter:\n  vcs: 2\n  buf_depth: 32\n  payload_bits: 64\n  table_depth: 16\n  impl: fast\n"
         "topology:\n  kind: clos\n  leaves: 4\n  endpoints_per_leaf: 4\n  spines: 2\n  planes: 2\n"
         "  link_latency: 3ns\n  router_latency: 4ns\n" +
         topo_extra + "traffic:\n" + traffic;
}

TEST(NetworkSim, ZeroLoadLatencyIsFirstLinkPlusEachRouterAndItsLink) {
  // Two routers in a line, each endpoint sending 1-flit packets to the other: every packet crosses
  // the source link (4 cycles) and two routers of 5 cycles (2 pipeline + 3 added) each followed
  // by a 4-cycle link: 4 + 2 * (5 + 4) = 22 cycles, with no contention at this load.
  const NetConfig cfg = cfg_of(
      "clock: 1GHz\nrouter:\n  buf_depth: 32\n  payload_bits: 64\n  table_depth: 2\n  impl: fast\n"
      "topology:\n  kind: mesh\n  mesh_x: 2\n  mesh_y: 1\n  link_latency: 4ns\n  router_latency: 5ns\n"
      "traffic:\n  pattern: permutation\n  packet_flits: 1\n  loads: [0.01]\n  warmup_cycles: 100\n"
      "  measure_cycles: 5000\n");
  Logger log;
  NetworkSim sim(cfg, log);
  StatsRegistry stats;
  const LoadPoint r = sim.run_point(0, stats);
  ASSERT_GT(r.packets, 50u);
  EXPECT_EQ(r.lat_p50, 22u);
  EXPECT_EQ(r.lat_max, 22u);
  EXPECT_DOUBLE_EQ(r.lat_mean, 22.0);
  EXPECT_FALSE(r.saturated);
}

TEST(NetworkSim, EveryPathChoiceDeliversEverythingAndRepeatsBitForBit) {
  for (const char* up : {"hash", "adaptive"}) {
    for (const char* spread : {"hash", "adaptive", "round_robin"}) {
      SCOPED_TRACE(std::string(up) + " / " + spread);
      const NetConfig cfg = cfg_of(small_clos(std::string("  up_routing: ") + up + "\n  spread: " + spread + "\n",
                                              "  pattern: uniform\n  packet_flits: 4\n  loads: [0.2, 0.6]\n"
                                              "  warmup_cycles: 500\n  measure_cycles: 3000\n"));
      std::string first;
      for (int run = 0; run < 2; ++run) {
        Logger log;
        NetworkSim sim(cfg, log);
        StatsRegistry stats;
        const LoadPoint low = sim.run_point(0, stats);
        const LoadPoint high = sim.run_point(1, stats);
        // Below saturation the network takes what is offered; every packet passed the checker.
        EXPECT_NEAR(low.accepted, 0.2, 0.02);
        EXPECT_FALSE(low.saturated);
        EXPECT_GT(high.accepted, low.accepted);
        const std::string json = stats.to_json().dump();
        if (run == 0) first = json;
        else EXPECT_EQ(json, first);
      }
    }
  }
}

TEST(NetworkSim, AllToAllSendsEveryMessageAndReportsItsBound) {
  // 600 B per pair in 4-flit packets of 8 B flits: 19 packets per pair (the last of 3 flits).
  const NetConfig cfg = cfg_of(small_clos("  spread: round_robin\n",
                                          "  pattern: all_to_all\n  packet_flits: 4\n  message_bytes: 600\n"));
  Logger log;
  NetworkSim sim(cfg, log);
  StatsRegistry stats;
  const AllToAllResult r = sim.run_all_to_all(stats);
  EXPECT_EQ(r.packets, 16u * 15u * 19u);
  // 75 flits per pair, 15 pairs, 2 ports per endpoint: 563 cycles at best.
  EXPECT_EQ(r.bound_cycles, (75u * 15u + 1) / 2);
  EXPECT_GT(r.cycles, r.bound_cycles);
  EXPECT_GT(r.fraction_of_bound, 0.2);
  EXPECT_LT(r.fraction_of_bound, 1.0);
  EXPECT_EQ(stats.to_json()["net"]["all_to_all"]["flits_accepted"]["value"], 16u * 15u * 75u);
  double sum = 0;
  for (double u : sim.channel_utilization()) sum += u;
  EXPECT_GT(sum, 0);
}

TEST(NetworkSim, TwoThreadsGiveTheSameRunsAsOne) {
  // The small Clos (12 routers: the worker steps 8 of them) under an all-to-all and two loads,
  // and a 3x3 mesh with RTL routers in both groups: statistics (latency histograms included),
  // results and channel utilizations must be the same with two threads as with one.
  const NetConfig a2a = cfg_of(small_clos("  up_routing: adaptive\n  spread: adaptive\n",
                                          "  pattern: all_to_all\n  packet_flits: 4\n  message_bytes: 400\n"));
  const NetConfig sweep = cfg_of(small_clos("", "  pattern: uniform\n  packet_flits: 4\n  loads: [0.3, 0.9]\n"
                                                "  warmup_cycles: 300\n  measure_cycles: 2000\n"));
  NetConfig mesh = cfg_of(
      "clock: 1GHz\nrouter:\n  vcs: 2\n  buf_depth: 4\n  payload_bits: 64\n  table_depth: 1024\n"
      "topology:\n  kind: mesh\n  mesh_x: 3\n  mesh_y: 3\n  link_latency: 1ns\n  router_latency: 2ns\n"
      "traffic:\n  pattern: uniform\n  packet_flits: 3\n  loads: [0.5]\n  warmup_cycles: 300\n"
      "  measure_cycles: 2000\n");
  mesh.topology.impl_overrides = {{"r0_*", RouterImpl::Rtl}, {"r2_*", RouterImpl::Rtl}};
  for (const NetConfig* cfg : {&a2a, &sweep, static_cast<const NetConfig*>(&mesh)}) {
    std::string want;
    std::vector<double> want_util;
    for (unsigned threads : {1u, 2u}) {
      SCOPED_TRACE(threads);
      Logger log;
      NetworkSim sim(*cfg, log);
      sim.set_threads(threads, /*timed=*/false);  // two threads every cycle, whatever the machine's load
      StatsRegistry stats;
      if (cfg == &a2a) {
        sim.run_all_to_all(stats);
      } else {
        for (std::size_t k = 0; k < cfg->traffic.loads.size(); ++k) sim.run_point(k, stats);
      }
      const std::string json = stats.to_json().dump();
      if (threads == 1) {
        want = json;
        want_util = sim.channel_utilization();
      } else {
        EXPECT_EQ(json, want);
        EXPECT_EQ(sim.channel_utilization(), want_util);
        EXPECT_EQ(sim.parallel_cycles(), sim.total_cycles());
      }
    }
  }
}

TEST(NetworkSim, ThreadCountOutsideOneOrTwoIsRefused) {
  Logger log;
  const NetConfig cfg = cfg_of(small_clos("", "  pattern: uniform\n  loads: [0.1]\n"));
  NetworkSim sim(cfg, log);
  EXPECT_THROW(sim.set_threads(0), std::invalid_argument);
  EXPECT_THROW(sim.set_threads(3), std::invalid_argument);
}

TEST(NetworkSim, RtlAndFastRoutersGiveTheSameRun) {
  // A 3x3 mesh in the configuration of the built p5 router; half the routers RTL in the mixed run.
  const std::string base =
      "clock: 1GHz\nrouter:\n  vcs: 2\n  buf_depth: 4\n  payload_bits: 64\n  table_depth: 1024\n"
      "topology:\n  kind: mesh\n  mesh_x: 3\n  mesh_y: 3\n  link_latency: 1ns\n  router_latency: 2ns\n";
  const std::string traffic =
      "traffic:\n  pattern: uniform\n  packet_flits: 3\n  loads: [0.3, 0.7]\n  warmup_cycles: 300\n"
      "  measure_cycles: 3000\n";
  std::string want;
  for (int variant = 0; variant < 3; ++variant) {
    SCOPED_TRACE(variant);
    NetConfig cfg = cfg_of(base + traffic);
    cfg.router.impl = variant == 1 ? RouterImpl::Rtl : RouterImpl::Fast;
    if (variant == 2) cfg.topology.impl_overrides = {{"r1_*", RouterImpl::Rtl}};
    Logger log;
    NetworkSim sim(cfg, log);
    EXPECT_EQ(sim.rtl_routers(), variant == 0 ? 0u : variant == 1 ? 9u : 3u);
    StatsRegistry stats;
    sim.run_point(0, stats);
    sim.run_point(1, stats);
    const std::string json = stats.to_json().dump();
    if (want.empty()) want = json;
    else EXPECT_EQ(json, want);
  }
}

TEST(NetworkSim, BadNetworkConfigsNameTheKey) {
  const std::string custom =
      "topology:\n  kind: custom\n  nodes:\n    - {name: a, endpoint: true}\n    - {name: b, endpoint: true}\n"
      "    - {name: r, ports: 2}\n  links:\n    - {a: a.0, b: r.0}\n    - {a: b.0, b: r.0}\n";
  std::string e = config_error(custom);
  EXPECT_NE(e.find("test.yaml:9: topology.links[1].b: port r.0 is wired twice (also by topology.links[0].b)"),
            std::string::npos) << e;
  e = config_error("topology:\n  kind: custom\n  nodes:\n    - {name: a, endpoint: true}\n  links:\n    - {a: a.0, b: x.1}\n");
  EXPECT_NE(e.find("topology.links[0].b: 'x.1' is not \"node.port\""), std::string::npos) << e;
  e = config_error("topology:\n  kind: mesh\n  mesh_x: 4\n  mesh_y: 2\nrouter:\n  table_depth: 64\ntraffic:\n  pattern: transpose\n");
  EXPECT_NE(e.find("traffic.pattern: transpose needs a square mesh"), std::string::npos) << e;
  e = config_error("traffic:\n  pattern: all_to_all\n");
  EXPECT_NE(e.find("all_to_all needs a network topology"), std::string::npos) << e;
  e = config_error("topology:\n  kind: mesh\nrouter:\n  table_depth: 64\ntraffic:\n  packet_flits: 17\n");
  EXPECT_NE(e.find("traffic.packet_flits: 17 flits of 32 B carry 544 B"), std::string::npos) << e;
  e = config_error("topology:\n  kind: mesh\n  mesh_x: 64\n  mesh_y: 64\nrouter:\n  table_depth: 1024\n");
  EXPECT_NE(e.find("cannot route the network's 4096 endpoints"), std::string::npos) << e;
}

TEST(NetworkSim, NetworksThatCannotWorkAreRefusedBeforeSimulating) {
  Logger log;
  // Latencies below what the router and the links can have.
  NetConfig cfg = cfg_of(small_clos("", "  pattern: uniform\n"));
  cfg.topology.router_latency_s = 1e-9;
  try {
    NetworkSim sim(cfg, log);
    ADD_FAILURE() << "a 1-cycle router was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("topology.router_latency: 1 cycles is below the sn_router pipeline"),
              std::string::npos) << e.what();
  }
  // A link longer than the timing wheel allows.
  cfg = cfg_of(small_clos("", "  pattern: uniform\n"));
  cfg.topology.link_latency_s = 2e-3;
  try {
    NetworkSim sim(cfg, log);
    ADD_FAILURE() << "a 2 ms link was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("topology.link_latency: 2000000 cycles at the network clock; must be "
                                         "1..1000000"),
              std::string::npos) << e.what();
  }
  // An RTL router in a configuration that is not built names the built ones.
  cfg = cfg_of(small_clos("", "  pattern: uniform\n"));
  cfg.router.impl = RouterImpl::Rtl;
  try {
    NetworkSim sim(cfg, log);
    ADD_FAILURE() << "an unbuilt RTL configuration was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("router p0.leaf0: no verilated configuration with ports=6"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("Built:"), std::string::npos) << e.what();
  }
  // A ring of four routers with shortest-path tables can deadlock: refused with the cycle.
  std::string ring = "clock: 1GHz\nrouter:\n  table_depth: 4\n  impl: fast\ntopology:\n  kind: custom\n  nodes:\n";
  for (int i = 0; i < 4; ++i) {
    ring += "    - {name: e" + std::to_string(i) + ", endpoint: true}\n    - {name: r" + std::to_string(i) + ", ports: 3}\n";
  }
  ring += "  links:\n";
  for (int i = 0; i < 4; ++i) {
    ring += "    - {a: e" + std::to_string(i) + ".0, b: r" + std::to_string(i) + ".0}\n";
    ring += "    - {a: r" + std::to_string(i) + ".1, b: r" + std::to_string((i + 1) % 4) + ".2}\n";
  }
  try {
    build_topology(cfg_of(ring));
    ADD_FAILURE() << "a ring that can deadlock was accepted";
  } catch (const noc::TopologyError& e) {
    EXPECT_NE(std::string(e.what()).find("can deadlock"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("r0.1 -> r1.2"), std::string::npos) << e.what();
  }
}

TEST(NetworkSim, WaveOfTheFirstRtlRouterIsWritten) {
  // Two 8-port routers back to back (the traced p8 configuration), one endpoint on each.
  NetConfig cfg = cfg_of(
      "clock: 1GHz\nrouter:\n  vcs: 2\n  buf_depth: 8\n  payload_bits: 256\n  table_depth: 1024\n  impl: fast\n"
      "topology:\n  kind: custom\n  link_latency: 1ns\n  router_latency: 2ns\n"
      "  impl_overrides: [{routers: r1, impl: rtl}]\n  nodes:\n"
      "    - {name: a, endpoint: true}\n    - {name: b, endpoint: true}\n"
      "    - {name: r0, ports: 8}\n    - {name: r1, ports: 8}\n"
      "  links: [{a: a.0, b: r0.0}, {a: r0.1, b: r1.1}, {a: r1.0, b: b.0}]\n"
      "traffic:\n  packet_flits: 2\n  loads: [0.2]\n  warmup_cycles: 100\n  measure_cycles: 500\n");
  const std::string path = ::testing::TempDir() + "/network_wave.fst";
  std::remove(path.c_str());
  {
    Logger log;
    NetworkSim sim(cfg, log);
    EXPECT_EQ(sim.rtl_routers(), 1u);
    sim.open_wave(path, 300);
    StatsRegistry stats;
    EXPECT_GT(sim.run_point(0, stats).packets, 10u);
  }
  FILE* f = std::fopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr) << path;
  std::fseek(f, 0, SEEK_END);
  EXPECT_GT(std::ftell(f), 1000);
  std::fclose(f);
  // Without an RTL router there is nothing to dump, and the error says how to get one.
  cfg.topology.impl_overrides.clear();
  Logger log;
  NetworkSim sim(cfg, log);
  try {
    sim.open_wave(path, 0);
    ADD_FAILURE() << "a wave of a network without RTL routers was opened";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--wave needs a router using the RTL"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace snsim::net
