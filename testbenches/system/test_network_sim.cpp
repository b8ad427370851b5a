// NetworkSim: figures that follow from the wiring (zero-load latency), every packet delivered under
// every path choice, all-to-all accounting, the RTL and the fast model giving the same run, and bad
// network configs refused with the key or the channels at fault.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "config/config.h"
#include "config/net_config.h"
#include "net/network_sim.h"
#include "common/thread_timer.h"

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
  // Where the time went: no rank can send its last flit before the bound, the last tail arrives in
  // the run's last cycle, and the windows' fractions add up to every flit, sent and received, over
  // the 32 endpoint links.
  EXPECT_LE(r.sent_done.first, r.sent_done.median);
  EXPECT_LE(r.sent_done.median, r.sent_done.last);
  EXPECT_GE(r.sent_done.first + 1, r.bound_cycles);
  EXPECT_LE(r.received_done.first, r.received_done.median);
  EXPECT_EQ(r.received_done.last + 1, r.cycles);
  EXPECT_EQ(r.window_cycles, 1024u);
  EXPECT_EQ(r.received_per_window.size(), (r.cycles + 1023) / 1024);
  for (const auto* w : {&r.sent_per_window, &r.received_per_window}) {
    double flits = 0;
    for (double f : *w) {
      EXPECT_GE(f, 0.0);
      EXPECT_LE(f, 1.0);
      flits += f * 32 * 1024;
    }
    EXPECT_NEAR(flits, 16.0 * 15 * 75, 1e-6);
  }
}

// Four endpoints on one switch (1 GHz: 4-cycle links, 5-cycle router, 8 B flits); `traffic` follows.
std::string ring4(const std::string& traffic) {
  return "clock: 1GHz\nrouter:\n  buf_depth: 32\n  payload_bits: 64\n  table_depth: 4\n  impl: fast\n"
         "topology:\n  kind: single_tier\n  endpoints: 4\n  switches: 1\n  link_latency: 4ns\n  router_latency: 5ns\n"
         "traffic:\n  pattern: all_reduce\n  packet_flits: 4\n" + traffic;
}

// The all_reduce of cfg on a fresh network; its statistics land in `stats`.
AllReduceResult run_ring(const NetConfig& cfg, StatsRegistry& stats) {
  Logger log;
  NetworkSim sim(cfg, log);
  return sim.run_all_reduce(stats);
}

TEST(NetworkSim, RingAllReduceAtZeroLoadTakesEachStepsHopAndChunk) {
  // 4 ranks, 6 steps; each rank sends to the next and nothing else shares its links. A step's
  // packets are created the cycle after the previous chunk's tail arrived and take
  // link + router + link + (flits - 1) cycles: one step is 4 + 5 + 4 + flits cycles.
  // 128 B: chunks of 32 B = one 4-flit packet: 6 x 17 = 102 cycles.
  // 256 B: chunks of 64 B = two 4-flit packets back to back: 6 x 21 = 126 cycles.
  for (const auto& [bytes, cycles, flits_per_chunk] : {std::tuple{128u, 102u, 4u}, std::tuple{256u, 126u, 8u}}) {
    SCOPED_TRACE(bytes);
    StatsRegistry stats;
    const AllReduceResult r = run_ring(cfg_of(ring4("  message_bytes: " + std::to_string(bytes) + "\n")), stats);
    EXPECT_EQ(r.ranks, 4u);
    EXPECT_EQ(r.steps, 6u);
    EXPECT_EQ(r.cycles, cycles);
    EXPECT_EQ(r.flits, 6u * 4u * flits_per_chunk);
    EXPECT_EQ(r.packets, 6u * 4u * flits_per_chunk / 4u);
    // nccl-tests: algbw = bytes / time (1 GHz: 1 B per cycle = 1 GB/s); busbw = algbw x 2 (4-1)/4.
    EXPECT_DOUBLE_EQ(r.algbw_gbytes_per_s, static_cast<double>(bytes) / cycles);
    EXPECT_DOUBLE_EQ(r.busbw_gbytes_per_s, 1.5 * bytes / cycles);
    EXPECT_DOUBLE_EQ(r.injection_gbytes_per_s, 8.0);
  }
}

TEST(NetworkSim, RingAllReduceSplitsUnevenBuffersIntoChunksOfEveryByte) {
  // 257 B over 4 ranks: chunk 0 is 65 B (9 flits: 3 packets), chunks 1-3 are 64 B (8 flits: 2
  // packets). Every step sends each chunk once: 6 x (9 + 3 x 8) flits, 6 x 9 packets. Each chunk
  // travels the ring on its own chain (rank r forwards in step k the chunk r - k it received in step
  // k - 1), so the run takes as long as the longest chunk's chain: 6 x (4 + 5 + 4 + 9) = 132 cycles.
  StatsRegistry stats;
  const AllReduceResult r = run_ring(cfg_of(ring4("  message_bytes: 257\n")), stats);
  EXPECT_EQ(r.flits, 6u * 33u);
  EXPECT_EQ(r.packets, 6u * 9u);
  EXPECT_EQ(r.cycles, 132u);
  EXPECT_EQ(stats.to_json()["net"]["all_reduce"]["flits_accepted"]["value"], 6u * 33u);
}

TEST(NetworkSim, RingAllReduceWaitsForItsOwnChunkNotForEveryRank) {
  // e0, e1, e2 on switch a; e3 behind a second switch b. One 4-flit packet per chunk: a 1-hop
  // edge (0->1, 1->2) takes 4 + 9 + 3 = 16 cycles to the tail, a 2-hop edge (2->3, 3->0)
  // 4 + 18 + 3 = 25, plus the cycle in which the receiver creates its next packet: 17 and 26.
  // With a per-rank data dependency the run ends with the longest chain of 6 consecutive ring
  // edges, which crosses both 2-hop edges twice: 4 x 26 + 2 x 17 = 138 cycles. A barrier after
  // every step would take 6 x 26 = 156; no dependency at all, about one edge.
  const NetConfig cfg = cfg_of(
      "clock: 1GHz\nrouter:\n  buf_depth: 32\n  payload_bits: 64\n  table_depth: 4\n  impl: fast\n"
      "topology:\n  kind: custom\n  link_latency: 4ns\n  router_latency: 5ns\n  nodes:\n"
      "    - {name: e0, endpoint: true}\n    - {name: e1, endpoint: true}\n    - {name: e2, endpoint: true}\n"
      "    - {name: e3, endpoint: true}\n    - {name: a, ports: 4}\n    - {name: b, ports: 2}\n"
      "  links:\n    - {a: e0.0, b: a.0}\n    - {a: e1.0, b: a.1}\n    - {a: e2.0, b: a.2}\n"
      "    - {a: a.3, b: b.0}\n    - {a: b.1, b: e3.0}\n"
      "traffic:\n  pattern: all_reduce\n  packet_flits: 4\n  message_bytes: 128\n");
  StatsRegistry stats;
  EXPECT_EQ(run_ring(cfg, stats).cycles, 138u);
}

TEST(NetworkSim, HierarchicalAllReduceRingsWithinThenAcrossGroups) {
  // 4 ranks in 2 groups of 2 on the one switch of ring4, 128 B: reduce-scatter in the group (1
  // step, 64 B chunks: 8 flits, 2 packets), all-reduce of the reduced chunk across the groups (2
  // steps of 32 B sub-chunks: 4 flits), all-gather in the group (1 step of 64 B). A step takes
  // 4 + 5 + 4 + its flits: 21 + 17 + 17 + 21 = 76 cycles (the flat ring: 6 x 17 = 102). Flits:
  // 2 x 4 ranks x 8 + 2 x 4 x 4.
  StatsRegistry stats;
  const AllReduceResult r = run_ring(cfg_of(ring4("  message_bytes: 128\n  group: 2\n")), stats);
  EXPECT_EQ(r.group, 2u);
  EXPECT_EQ(r.steps, 4u);
  EXPECT_EQ(r.cycles, 76u);
  EXPECT_EQ(r.flits, 2u * 4u * 8u + 2u * 4u * 4u);
  // Uneven: 130 B = chunks of 65 B (9 flits, 3 packets); across groups 33 + 32 B (5 + 4 flits).
  // The chain through the longer pieces: (13 + 9) + (13 + 5) + (13 + 5) + (13 + 9) = 80 cycles.
  StatsRegistry uneven_stats;
  const AllReduceResult u = run_ring(cfg_of(ring4("  message_bytes: 130\n  group: 2\n")), uneven_stats);
  EXPECT_EQ(u.flits, 2u * 4u * 9u + 4u * (5u + 4u));
  EXPECT_EQ(u.cycles, 80u);
}

TEST(NetworkSim, CollectivesRunOverTheFirstRanksOnly) {
  // Three of the four endpoints: the fourth neither sends nor receives.
  NetConfig cfg = cfg_of(ring4("  message_bytes: 96\n  ranks: 3\n"));
  StatsRegistry ring_stats;
  const AllReduceResult ring = run_ring(cfg, ring_stats);
  EXPECT_EQ(ring.ranks, 3u);
  EXPECT_EQ(ring.steps, 4u);
  EXPECT_EQ(ring.flits, 4u * 3u * 4u);  // 32 B chunks
  EXPECT_EQ(ring.cycles, 4u * 17u);
  cfg.traffic.pattern = TrafficPattern::AllToAll;
  Logger log;
  NetworkSim sim(cfg, log);
  StatsRegistry stats;
  const AllToAllResult r = sim.run_all_to_all(stats);
  EXPECT_EQ(r.ranks, 3u);
  EXPECT_EQ(r.packets, 3u * 2u * 3u);  // 96 B = 12 flits = 3 packets per pair
  EXPECT_EQ(r.bound_cycles, 2u * 12u);
  EXPECT_DOUBLE_EQ(r.algbw_gbytes_per_s, 3.0 * 96 / static_cast<double>(r.cycles));
  EXPECT_DOUBLE_EQ(r.gbytes_per_s_per_endpoint, 2.0 * 96 / static_cast<double>(r.cycles));
}

TEST(NetworkSim, CollectivesWithImpossibleRanksOrSizesAreRefused) {
  std::string e = config_error(ring4("  message_bytes: 128\n  ranks: 5\n"));
  EXPECT_NE(e.find("test.yaml:17: traffic.ranks: 5 ranks: a collective needs 2 .. 4 (the network's endpoints)"),
            std::string::npos) << e;
  e = config_error(ring4("  message_bytes: 128\n  ranks: 1\n"));
  EXPECT_NE(e.find("traffic.ranks: 1 ranks: a collective needs 2 .. 4"), std::string::npos) << e;
  e = config_error(ring4("  message_bytes: 0\n"));
  EXPECT_NE(e.find("test.yaml:16: traffic.message_bytes: 0 is out of range [1, "), std::string::npos) << e;
  e = config_error(ring4("  message_bytes: 3\n"));
  EXPECT_NE(e.find("traffic.message_bytes: 3 B over 4 ranks leaves ring chunks of 0 B"), std::string::npos) << e;
  e = config_error(ring4("  message_bytes: 128\n  group: 3\n"));
  EXPECT_NE(e.find("traffic.group: groups of 3 cannot split 4 ranks"), std::string::npos) << e;
  e = config_error(ring4("  message_bytes: 128\n  group: 4\n"));
  EXPECT_NE(e.find("traffic.group: groups of 4 cannot split 4 ranks"), std::string::npos) << e;
  e = config_error("traffic:\n  pattern: all_reduce\n");
  EXPECT_NE(e.find("all_reduce needs a network topology"), std::string::npos) << e;
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

// A clock the ThreadTimer tests advance by hand: each simulated cycle costs what the test says
// for one thread or for two.
struct FakeClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<FakeClock>;
  static constexpr bool is_steady = true;
  static inline time_point t{};
  static time_point now() { return t; }
};

// Runs `cycles` cycles whose cost per cycle is solo(cycle) on one thread and two(cycle) on two;
// returns the cycles the timer gave to two threads, counted from `count_from`.
template <class Solo, class Two>
std::uint64_t timed_cycles(ThreadTimer<FakeClock>& timer, std::uint64_t cycles, std::uint64_t count_from, Solo solo,
                           Two two) {
  std::uint64_t parallel = 0;
  for (std::uint64_t c = 0; c < cycles; ++c) {
    const bool p = timer.parallel();
    parallel += p && c >= count_from;
    FakeClock::t += std::chrono::nanoseconds(p ? two(c) : solo(c));
  }
  return parallel;
}

TEST(ThreadTimer, TwoThreadsWinWhenTheyAreFaster) {
  ThreadTimer<FakeClock> timer;
  const std::uint64_t n = 100000;
  const std::uint64_t two = timed_cycles(timer, n, 0, [](std::uint64_t) { return 1000; },
                                         [](std::uint64_t) { return 600; });
  // All but the one-thread windows of each probe (2 x 256 per 16,384-cycle period, or sooner).
  EXPECT_GT(two, n * 9 / 10);
}

TEST(ThreadTimer, OneThreadStaysWhenTwoAreSlower) {
  ThreadTimer<FakeClock> timer;
  const std::uint64_t n = 200000;
  const std::uint64_t two = timed_cycles(timer, n, 0, [](std::uint64_t) { return 1000; },
                                         [](std::uint64_t) { return 3000; });
  // Each probe's two-thread window stops as soon as it has taken the one-thread window's time.
  EXPECT_LT(two, n / 50);
}

TEST(ThreadTimer, ALossOnAnEmptyNetworkIsProbedAgainOnceCyclesCostMore) {
  // The CM384 all-to-all: the first cycles are cheap and the barrier makes two threads lose; then
  // a cycle costs milliseconds and two threads take 60% of one's time. By cycles alone the first
  // loss would hold for 32,768 cycles; the timer must probe again by time.
  ThreadTimer<FakeClock> timer;
  const auto solo = [](std::uint64_t c) -> std::int64_t { return c < 1000 ? 2000 : 5000000; };
  const auto two = [](std::uint64_t c) -> std::int64_t { return c < 1000 ? 10000 : 3000000; };
  const std::uint64_t n = 30000;
  const std::uint64_t parallel = timed_cycles(timer, n, 2000, solo, two);
  EXPECT_GT(parallel, (n - 2000) * 8 / 10);
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
  // With VCs kept and with VCs reassigned per hop (the RTL's vc_any_i strap).
  for (const VcAllocation alloc : {VcAllocation::Keep, VcAllocation::Any}) {
    std::string want;
    for (int variant = 0; variant < 3; ++variant) {
      SCOPED_TRACE(fmt::format("vc_alloc {}, variant {}", alloc == VcAllocation::Any ? "any" : "keep", variant));
      NetConfig cfg = cfg_of(base + traffic);
      cfg.router.vc_alloc = alloc;
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
