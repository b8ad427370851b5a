// End-to-end checks of `snsim net`: it runs the verilated switch, reports figures that follow from
// the traffic, writes readable outputs, and refuses bad input with a message naming file and line.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "run_snsim.h"

namespace fs = std::filesystem;

namespace {

using snsim_test::run;
using snsim_test::RunResult;
using snsim_test::temp_dir;

// A short sweep of the shipped switch (the default config, with fewer cycles and two loads).
fs::path short_config(const fs::path& dir, const std::string& extra_traffic = "") {
  const fs::path cfg = dir / "short.yaml";
  std::ofstream(cfg) << "include: " << SNSIM_SOURCE_DIR << "/configs/switch8-net.yaml\n"
                     << "traffic:\n  loads: [0.1, 0.95]\n  warmup_cycles: 500\n"
                     << "  measure_cycles: 3000\n  drain_cycles: 3000\n" << extra_traffic;
  return cfg;
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream f(p);
  return nlohmann::json::parse(f);
}

}  // namespace

TEST(SnsimNet, SweepReportsLoadAndLatencyThatFollowFromTheTraffic) {
  const fs::path dir = temp_dir("sweep");
  const RunResult r = run("net -c " + short_config(dir).string() + " -o " + dir.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = read_json(dir / "net.json");
  ASSERT_EQ(j["points"].size(), 2u);
  const auto& low = j["points"][0];
  const auto& high = j["points"][1];
  // Below saturation the switch accepts what is offered (Bernoulli sources: within 10%).
  EXPECT_NEAR(low["accepted_load"].get<double>(), 0.1, 0.01);
  EXPECT_FALSE(low["saturated"].get<bool>());
  // A 4-flit packet needs at least 2 pipeline cycles plus 3 more flits: latency >= 5 cycles.
  EXPECT_GE(low["latency_p50_cycles"].get<double>(), 5.0);
  EXPECT_LT(low["latency_mean_cycles"].get<double>(), 10.0);
  // Uniform traffic into an input-queued switch saturates well below 0.95 (head-of-line blocking).
  EXPECT_TRUE(high["saturated"].get<bool>());
  EXPECT_LT(high["accepted_load"].get<double>(), 0.9);
  EXPECT_GT(high["accepted_load"].get<double>(), 0.5);
  EXPECT_GT(high["latency_mean_cycles"].get<double>(), low["latency_mean_cycles"].get<double>());
  // stats.json holds the per-point and per-port counters; their sum matches the accepted load.
  const nlohmann::json s = read_json(dir / "stats.json");
  std::uint64_t port_sum = 0;
  for (int p = 0; p < 8; ++p) {
    port_sum += s["net"]["point0"]["port" + std::to_string(p)]["flits_out"]["value"].get<std::uint64_t>();
  }
  EXPECT_EQ(port_sum, s["net"]["point0"]["flits_accepted"]["value"].get<std::uint64_t>());
  EXPECT_NEAR(static_cast<double>(port_sum) / (8.0 * 3000.0), low["accepted_load"].get<double>(), 1e-9);
}

TEST(SnsimNet, SameSeedGivesIdenticalResultsAndOtherSeedDiffers) {
  const fs::path dir = temp_dir("seed");
  const fs::path cfg = short_config(dir);
  auto points = [&](const std::string& extra) {
    const RunResult r = run("net -c " + cfg.string() + " -o " + dir.string() + " " + extra);
    EXPECT_EQ(r.status, 0) << r.output;
    return read_json(dir / "net.json")["points"].dump();
  };
  const std::string a = points(""), b = points(""), c = points("--seed 7");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(SnsimNet, HotspotAndPermutationPatternsRun) {
  const fs::path dir = temp_dir("patterns");
  for (const std::string pattern : {"hotspot", "permutation"}) {
    const RunResult r = run("net -c " + short_config(dir, "  pattern: " + pattern + "\n").string() + " -o " + dir.string());
    ASSERT_EQ(r.status, 0) << r.output;
    const nlohmann::json j = read_json(dir / "net.json");
    EXPECT_EQ(j["config"]["traffic"]["pattern"], pattern);
    EXPECT_GT(j["points"][0]["packets"].get<int>(), 100);
  }
}

TEST(SnsimNet, HotspotSaturatesTheHotOutput) {
  // With every source sending 60% of its packets to port 0, port 0 carries 8 * 0.6 * load; at
  // load 0.3 that is 1.44 flits per cycle for a link of 1: the run must report saturation.
  const fs::path dir = temp_dir("hot");
  const fs::path cfg = dir / "hot.yaml";
  std::ofstream(cfg) << "include: " << SNSIM_SOURCE_DIR << "/configs/switch8-net.yaml\n"
                     << "traffic:\n  pattern: hotspot\n  hotspot_fraction: 0.6\n  loads: [0.05, 0.3]\n"
                     << "  warmup_cycles: 500\n  measure_cycles: 3000\n  drain_cycles: 2000\n";
  const RunResult r = run("net -c " + cfg.string() + " -o " + dir.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = read_json(dir / "net.json");
  EXPECT_FALSE(j["points"][0]["saturated"].get<bool>());
  EXPECT_TRUE(j["points"][1]["saturated"].get<bool>());
}

TEST(SnsimNet, WaveWritesAnFstFile) {
  const fs::path dir = temp_dir("wave");
  const RunResult r = run("net -c " + short_config(dir).string() + " -o " + dir.string() + " --wave " +
                    (dir / "w.fst").string() + " --wave-cycles 300");
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream f(dir / "w.fst", std::ios::binary);
  ASSERT_TRUE(f.good());
  EXPECT_GT(fs::file_size(dir / "w.fst"), 1000u);
}

TEST(SnsimNet, BadConfigIsAnErrorNamingFileLineAndKey) {
  const fs::path dir = temp_dir("bad");
  const fs::path cfg = dir / "bad.yaml";
  std::ofstream(cfg) << "seed: 1\nrouter:\n  ports: 200\n";
  const RunResult r = run("net -c " + cfg.string() + " -o " + dir.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find(cfg.string() + ":3: router.ports:"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "net.json"));
}

TEST(SnsimNet, RouteToMissingPortIsRefusedBeforeSimulating) {
  const fs::path dir = temp_dir("route");
  const fs::path cfg = dir / "route.yaml";
  std::ofstream(cfg) << "include: " << SNSIM_SOURCE_DIR << "/configs/switch8-net.yaml\n"
                     << "router:\n  routes:\n    - {dst: 3, ports: [9]}\n";
  const RunResult r = run("net -c " + cfg.string() + " -o " + dir.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find(cfg.string() + ":4:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("router.routes[0]"), std::string::npos) << r.output;
}

TEST(SnsimNet, ParametersWithoutAVerilatedModelAreAClearError) {
  const fs::path dir = temp_dir("nomodel");
  const fs::path cfg = dir / "nomodel.yaml";
  std::ofstream(cfg) << "include: " << SNSIM_SOURCE_DIR << "/configs/switch8-net.yaml\n"
                     << "router:\n  ports: 6\n";
  const RunResult r = run("net -c " + cfg.string() + " -o " + dir.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("no verilated configuration with ports=6"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ports=8 vcs=2 buf_depth=8 payload_bits=256"), std::string::npos) << r.output;
}

TEST(SnsimNet, RouteOverridesAreFollowedAndChecked) {
  // Endpoint 3 moves behind ports 4..5 and endpoint 9 (no port of its own) behind port 2; the
  // checker must accept deliveries where the table sends them, and traffic must reach endpoint 9.
  const fs::path dir = temp_dir("routes");
  const fs::path cfg = dir / "routes.yaml";
  std::ofstream(cfg) << "include: " << SNSIM_SOURCE_DIR << "/configs/switch8-net.yaml\n"
                     << "router:\n  routes:\n    - {dst: 3, ports: [4, 5]}\n    - {dst: 9, ports: [2]}\n"
                     << "traffic:\n  loads: [0.2]\n  warmup_cycles: 200\n  measure_cycles: 2000\n";
  const RunResult r = run("net -c " + cfg.string() + " -o " + dir.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = read_json(dir / "net.json");
  EXPECT_NEAR(j["points"][0]["accepted_load"].get<double>(), 0.2, 0.02);
  // Port 3 has no endpoint behind it any more: nothing leaves there.
  const nlohmann::json s = read_json(dir / "stats.json");
  EXPECT_EQ(s["net"]["point0"]["port3"]["flits_out"]["value"].get<int>(), 0);
  EXPECT_GT(s["net"]["point0"]["port2"]["flits_out"]["value"].get<int>(),
            s["net"]["point0"]["port1"]["flits_out"]["value"].get<int>());
}

TEST(SnsimNet, UnwritableOutputDirectoryIsAClearError) {
  const fs::path dir = temp_dir("unwritable");
  const RunResult r = run("net -c " + short_config(dir).string() + " -o /proc/snsim-no-such-dir");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("cannot create output directory /proc/snsim-no-such-dir"), std::string::npos)
      << r.output;
}

TEST(SnsimNet, NarrowPayloadIsRefusedWithFileAndLine) {
  const fs::path dir = temp_dir("narrow");
  const fs::path cfg = dir / "narrow.yaml";
  std::ofstream(cfg) << "seed: 1\nrouter:\n  vcs: 2\n  payload_bits: 32\n";
  const RunResult r = run("net -c " + cfg.string() + " -o " + dir.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find(cfg.string() + ":4: router.payload_bits:"), std::string::npos) << r.output;
}

TEST(SnsimNet, SummaryTableIsWritten) {
  const fs::path dir = temp_dir("table");
  const RunResult r = run("net -c " + short_config(dir).string() + " -o " + dir.string());
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream f(dir / "stats.txt");
  std::stringstream text;
  text << f.rdbuf();
  EXPECT_NE(text.str().find("net.point0.flits_accepted"), std::string::npos) << text.str();
}

TEST(SnsimNet, FastModelGivesTheSameResultsAsTheRtl) {
  // The fast model is cycle-equal to the RTL, so the whole sweep must match to the last digit.
  const fs::path dir = temp_dir("fast");
  const fs::path rtl = short_config(dir);
  const fs::path fast = dir / "fast.yaml";
  std::ofstream(fast) << "include: " << rtl.string() << "\nrouter:\n  impl: fast\n";
  ASSERT_EQ(run("net -c " + rtl.string() + " -o " + dir.string()).status, 0);
  const std::string a = read_json(dir / "net.json")["points"].dump();
  const RunResult r = run("net -c " + fast.string() + " -o " + dir.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(read_json(dir / "net.json")["points"].dump(), a);
  // Any parameters: a 6-port switch has no verilated build but runs on the fast model.
  const fs::path six = dir / "six.yaml";
  std::ofstream(six) << "include: " << fast.string() << "\nrouter:\n  ports: 6\n";
  EXPECT_EQ(run("net -c " + six.string() + " -o " + dir.string()).status, 0);
}

TEST(SnsimNet, MissingConfigFileIsRefused) {
  const RunResult r = run("net -c /nonexistent/x.yaml");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("/nonexistent/x.yaml"), std::string::npos) << r.output;
}

TEST(SnsimCli, HelpAndVersion) {
  const RunResult h = run("--help");
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.output.find("net"), std::string::npos);
  const RunResult v = run("--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_NE(v.output.find("snsim 0."), std::string::npos);
}

TEST(SnsimNet, ShippedNetworkConfigsRunAndPlot) {
  // node8-net shortened, and the all-to-all of nvl72-net with a small message: outputs exist, the
  // all-to-all accounts for every byte, and --plot draws both figures.
  const fs::path dir = temp_dir("networks");
  const fs::path node8 = dir / "node8.yaml";
  std::ofstream(node8) << "include: " << SNSIM_SOURCE_DIR << "/configs/node8-net.yaml\n"
                       << "traffic:\n  loads: [0.2, 0.95]\n  warmup_cycles: 500\n  measure_cycles: 1500\n";
  RunResult r = run("net -c " + node8.string() + " -o " + dir.string() + " --plot");
  ASSERT_EQ(r.status, 0) << r.output;
  nlohmann::json j = read_json(dir / "net.json");
  EXPECT_EQ(j["network"]["routers"], 7);
  EXPECT_EQ(j["network"]["endpoints"], 16);
  EXPECT_NEAR(j["points"][0]["accepted_load"].get<double>(), 0.2, 0.02);
  EXPECT_TRUE(j["points"][1]["saturated"].get<bool>());
  EXPECT_EQ(read_json(dir / "links.json")["routers"].size(), 7u);
  EXPECT_GT(fs::file_size(dir / "latency.png"), 1000u);
  EXPECT_GT(fs::file_size(dir / "links.png"), 1000u);

  const fs::path nvl = dir / "nvl72.yaml";
  std::ofstream(nvl) << "include: " << SNSIM_SOURCE_DIR << "/configs/nvl72-net.yaml\n"
                     << "traffic:\n  message_bytes: 1024\n";
  r = run("net -c " + nvl.string() + " -o " + dir.string());
  ASSERT_EQ(r.status, 0) << r.output;
  j = read_json(dir / "net.json");
  EXPECT_EQ(j["network"]["routers"], 18);
  const auto& a2a = j["all_to_all"];
  EXPECT_EQ(a2a["packets"], 72 * 71 * 2);  // 1024 B = two 512 B packets per pair
  EXPECT_GT(a2a["fraction_of_bound"].get<double>(), 0.1);
  EXPECT_LE(a2a["fraction_of_bound"].get<double>(), 1.0);
  EXPECT_NE(r.output.find("of the non-blocking bound"), std::string::npos) << r.output;
  // Where the time went (net.json, docs/network.md): the last rank receives its last tail in the
  // run's last cycle and none sends its last flit before the bound; the windows cover the run, and
  // their fractions of the 72 x 18 endpoint links add up to every flit (72 x 71 pairs x 32 flits of
  // 32 B), sent and received.
  const auto cycles = a2a["cycles"].get<std::uint64_t>();
  const auto& sent = a2a["ranks_done_sending"];
  const auto& received = a2a["ranks_done_receiving"];
  EXPECT_LE(sent["first"], sent["median"]);
  EXPECT_LE(sent["median"], sent["last"]);
  EXPECT_GE(sent["first"].get<std::uint64_t>() + 1, a2a["bound_cycles"].get<std::uint64_t>());
  EXPECT_LE(received["first"], received["median"]);
  EXPECT_LE(received["median"], received["last"]);
  EXPECT_EQ(received["last"].get<std::uint64_t>() + 1, cycles);
  EXPECT_LT(sent["last"].get<std::uint64_t>(), received["last"].get<std::uint64_t>());
  EXPECT_EQ(a2a["window_cycles"], 1024);
  EXPECT_EQ(a2a["received_per_window"].size(), (cycles + 1023) / 1024);
  for (const char* key : {"sent_per_window", "received_per_window"}) {
    double flits = 0;
    for (const auto& f : a2a[key]) {
      EXPECT_GE(f.get<double>(), 0.0) << key;
      EXPECT_LE(f.get<double>(), 1.0) << key;
      flits += f.get<double>() * 72 * 18 * 1024;
    }
    EXPECT_NEAR(flits, 72.0 * 71 * 32, 1e-6) << key;
  }
  EXPECT_NE(r.output.find("ranks done sending at cycles"), std::string::npos) << r.output;
}

TEST(SnsimNet, RingAllReduceOnNvl72ReportsTimeAndNcclBandwidths) {
  // 8 of nvl72-net's GPUs, 4 KiB: 512 B chunks, one 16-flit packet each. At 1.5625 GHz a 100 ns
  // link or switch is 157 cycles, so a step takes 157 + 157 + 157 + 16 cycles (the packet's tail,
  // then the next step starts a cycle later): 14 steps x 487 cycles.
  const fs::path dir = temp_dir("allreduce");
  const fs::path cfg = dir / "nvl72.yaml";
  std::ofstream(cfg) << "include: " << SNSIM_SOURCE_DIR << "/configs/nvl72-net.yaml\n"
                     << "traffic:\n  pattern: all_reduce\n  ranks: 8\n  message_bytes: 4096\n";
  const RunResult r = run("net -c " + cfg.string() + " -o " + dir.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = read_json(dir / "net.json");
  EXPECT_EQ(j["network"]["endpoint_links"], 72 * 18);
  EXPECT_DOUBLE_EQ(j["network"]["link_gbytes_per_s"].get<double>(), 50.0);
  const auto& ar = j["all_reduce"];
  EXPECT_EQ(ar["ranks"], 8);
  EXPECT_EQ(ar["steps"], 14);
  EXPECT_EQ(ar["cycles"], 14 * 487);
  EXPECT_EQ(ar["packets"], 14 * 8);
  const double seconds = 14 * 487 / 1.5625e9;
  EXPECT_NEAR(ar["algbw_gbytes_per_s"].get<double>(), 4096 / seconds / 1e9, 1e-9);
  EXPECT_NEAR(ar["busbw_gbytes_per_s"].get<double>(), 4096 / seconds / 1e9 * 14 / 8, 1e-9);
  EXPECT_DOUBLE_EQ(ar["injection_gbytes_per_s"].get<double>(), 900.0);
  EXPECT_NE(r.output.find("ring all-reduce of 4096 B over 8 ranks (14 steps)"), std::string::npos) << r.output;
}

TEST(SnsimNet, NetworkThatCanDeadlockIsRefusedWithItsCycle) {
  const fs::path dir = temp_dir("ring");
  const fs::path cfg = dir / "ring.yaml";
  std::ofstream f(cfg);
  f << "router:\n  table_depth: 4\n  impl: fast\ntopology:\n  kind: custom\n  nodes:\n";
  for (int i = 0; i < 4; ++i) f << "    - {name: e" << i << ", endpoint: true}\n    - {name: r" << i << ", ports: 3}\n";
  f << "  links:\n";
  for (int i = 0; i < 4; ++i) {
    f << "    - {a: e" << i << ".0, b: r" << i << ".0}\n    - {a: r" << i << ".1, b: r" << (i + 1) % 4 << ".2}\n";
  }
  f.close();
  const RunResult r = run("net -c " + cfg.string() + " -o " + dir.string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(cfg.string() + ": topology: the routing tables can deadlock"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("r3.1 -> r0.2"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "net.json"));
}
