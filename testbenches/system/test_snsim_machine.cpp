// End-to-end checks of `snsim run` on a machine (issue 6 §2, docs/machine.md): the workload runs on
// every die of configs/mini4.yaml (2 NPUs x 2 dies on a 4-port switch) with each die's tensors from
// its own seed and each die's output checked against the host reference of its own inputs; die 0
// matches a one-die run; the ring all-reduce against the host's sum over the dies; accesses to
// addresses no die owns; determinism; statistics per die, NI and switch; faults and deadlocks
// reported with the die; a topology of the wrong size refused with file and line. The outputs of
// issue 6 §4 (docs/machine.md "Outputs"): link, switch, die and NPU statistics against each other and
// the NIs' own counts, the trace's NI and link lanes against the statistics, the heat map, the
// summary of a machine above 16 dies, RTL routers' waveforms and their equality with the fast
// model (D10, D12), and every bad option.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_snsim.h"
#include "wave_signals.h"

namespace fs = std::filesystem;

namespace {

using snsim_test::run;
using snsim_test::RunResult;
using snsim_test::json_file;
using snsim_test::slurp;
using snsim_test::temp_dir;

const std::string kSrc = SNSIM_SOURCE_DIR;
const std::string kMini = kSrc + "/configs/mini4.yaml";
const std::string kVecAdd = kSrc + "/workloads/vec_add_mini.yaml";

RunResult run_on(const std::string& config, const std::string& workload, const fs::path& out) {
  return run("run -c " + config + " -w " + workload + " -o " + out.string());
}

TEST(SnsimRunMachine, VecAddOnEveryDieMatchesThatDiesSum) {
  const fs::path dir = temp_dir("machine_vec_add");
  const RunResult r = run_on(kMini, kVecAdd, dir / "m");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("(2 NPUs x 2 dies, each 4 AIC + 8 AIV"), std::string::npos) << r.output;
  const auto stats = json_file(dir / "m" / "stats.json");
  for (unsigned d = 0; d < 4; ++d) {
    SCOPED_TRACE("die " + std::to_string(d));
    EXPECT_NE(r.output.find("check z of die " + std::to_string(d) + " (f32) against add: max abs err 0"),
              std::string::npos);
    EXPECT_EQ(stats["check"]["z"]["die" + std::to_string(d)]["failures"]["value"], 0u);
    // Statistics per die: its cores, L2, memory and network interface.
    const auto& die = stats["die" + std::to_string(d)];
    EXPECT_GT(die["aiv7"]["cycles"]["value"].get<std::uint64_t>(), 0u);
    EXPECT_GT(die["l2"]["misses"]["value"].get<std::uint64_t>(), 0u);
    EXPECT_TRUE(die["ni"].contains("credit_stalls"));
    EXPECT_TRUE(die["gm"].contains("net_accesses"));
    EXPECT_TRUE(fs::exists(dir / "m" / ("z.die" + std::to_string(d) + ".npy")));
  }
  EXPECT_TRUE(stats["noc"].is_object());
  // Each die's inputs come from its own seed: the outputs differ.
  EXPECT_NE(slurp(dir / "m" / "z.die0.npy"), slurp(dir / "m" / "z.die1.npy"));
  // Die 0's tensors are a one-die run's.
  const RunResult one = run_on(kSrc + "/configs/die.yaml", kVecAdd, dir / "one");
  ASSERT_EQ(one.status, 0) << one.output;
  EXPECT_EQ(slurp(dir / "m" / "z.die0.npy"), slurp(dir / "one" / "z.npy"));
}

// The ring all-reduce kernel on the four dies: each die's y is the host's sum of every die's x.
TEST(SnsimRunMachine, RingAllReduceGivesEveryDieTheSumOfAllDies) {
  const fs::path dir = temp_dir("machine_allreduce");
  const RunResult r = run_on(kMini, kSrc + "/workloads/allreduce_ring.yaml", dir);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto stats = json_file(dir / "stats.json");
  for (unsigned d = 0; d < 4; ++d) {
    EXPECT_NE(r.output.find("check y of die " + std::to_string(d) + " (f32) against die_sum"), std::string::npos);
    EXPECT_EQ(stats["check"]["y"]["die" + std::to_string(d)]["failures"]["value"], 0u) << d;
  }
  EXPECT_GT(stats["die1"]["gm"]["net_accesses"]["value"].get<std::uint64_t>(), 0u);  // die 1 -> die 2: network
  EXPECT_GT(stats["die0"]["gm"]["link_accesses"]["value"].get<std::uint64_t>(), 0u);  // die 0 -> die 1: link
}

// Twice the all-reduce (link, network, gwait wake-ups): the same statistics and outputs.
TEST(SnsimRunMachine, SameConfigAndSeedGiveTheSameBytes) {
  const fs::path dir = temp_dir("machine_determinism");
  const std::string w = kSrc + "/workloads/allreduce_ring.yaml";
  ASSERT_EQ(run_on(kMini, w, dir / "a").status, 0);
  ASSERT_EQ(run_on(kMini, w, dir / "b").status, 0);
  EXPECT_EQ(slurp(dir / "a" / "stats.json"), slurp(dir / "b" / "stats.json"));
  EXPECT_EQ(slurp(dir / "a" / "y.die3.npy"), slurp(dir / "b" / "y.die3.npy"));
}

// --threads 2 steps the network's routers and network interfaces on two threads where that pays
// off (NocFabric): the ring all-reduce on node8 (7 switches, so the worker has routers to step)
// gives the same bytes as with one. Which cycles run on two threads depends on the machine's load;
// --no-thread-timer puts every cycle on two, the NIs of the later dies on the worker, whose
// completions, served requests and wakes of the dies must then reach them as on one thread.
TEST(SnsimRunMachine, TwoThreadsGiveTheSameBytesAsOne) {
  const fs::path dir = temp_dir("machine_threads");
  const std::string w = kSrc + "/workloads/allreduce_ring.yaml", node8 = kSrc + "/configs/node8.yaml";
  ASSERT_EQ(run_on(node8, w, dir / "one").status, 0);
  const RunResult two = run("run -c " + node8 + " -w " + w + " -o " + (dir / "two").string() + " --threads 2");
  ASSERT_EQ(two.status, 0) << two.output;
  EXPECT_NE(two.output.find(" cycles on two threads"), std::string::npos) << two.output;
  const RunResult every =
      run("run -c " + node8 + " -w " + w + " -o " + (dir / "every").string() + " --threads 2 --no-thread-timer");
  ASSERT_EQ(every.status, 0) << every.output;
  // "network: N of N cycles on two threads, the network interfaces too in N"
  std::smatch m;
  ASSERT_TRUE(std::regex_search(every.output, m, std::regex(R"(network: (\d+) of (\d+) cycles on two threads, the network interfaces too in (\d+))")))
      << every.output;
  EXPECT_EQ(m[1], m[2]);
  EXPECT_EQ(m[3], m[2]);
  for (const char* f : {"stats.json", "stats.txt", "links.json", "y.die0.npy", "y.die15.npy"}) {
    EXPECT_EQ(slurp(dir / "one" / f), slurp(dir / "two" / f)) << f;
    EXPECT_EQ(slurp(dir / "one" / f), slurp(dir / "every" / f)) << f;
  }
  EXPECT_NE(run("run -c " + node8 + " -w " + w + " --threads 3").status, 0);  // 1 or 2 only
}

// The MoE dispatch and combine on node8 (posted writes, atomic slot counters, notifies and flag
// waits across the NIs) on two threads in every network cycle: the same bytes as on one.
TEST(SnsimRunMachine, MoeOnTwoThreadsInEveryCycleGivesTheSameBytesAsOne) {
  const fs::path dir = temp_dir("machine_threads_moe");
  const std::string w = kSrc + "/workloads/moe_node8.yaml", node8 = kSrc + "/configs/node8.yaml";
  ASSERT_EQ(run_on(node8, w, dir / "one").status, 0);
  const RunResult every =
      run("run -c " + node8 + " -w " + w + " -o " + (dir / "every").string() + " --threads 2 --no-thread-timer");
  ASSERT_EQ(every.status, 0) << every.output;
  EXPECT_NE(every.output.find("the network interfaces too in"), std::string::npos) << every.output;
  std::size_t compared = 0;
  for (const auto& e : fs::directory_iterator(dir / "one")) {
    const std::string f = e.path().filename().string();
    if (f.ends_with(".npy") || f == "stats.json" || f == "stats.txt" || f == "links.json") {
      EXPECT_EQ(slurp(e.path()), slurp(dir / "every" / f)) << f;
      ++compared;
    }
  }
  EXPECT_GE(compared, 3u);
}

// A kernel `body` (one AIV kernel of 2 blocks on every die): exit 1 with each of `reports` in the output.
void expect_failed_run(const std::string& name, const std::string& body, const std::vector<std::string>& reports) {
  const fs::path dir = temp_dir("machine_" + name);
  std::ofstream(dir / "k.s") << ".core aiv\n.arg x, ptr\nstart:\n" << body << "    halt\n.entry start\n";
  std::ofstream(dir / "w.yaml") << "kernels:\n  - {file: k.s, blocks: 2, args: [x]}\ntensors:\n"
                                   "  - {name: x, shape: [8], output: true}\n";
  const RunResult r = run_on(kMini, (dir / "w.yaml").string(), dir / "out");
  EXPECT_EQ(r.status, 1) << r.output;
  for (const std::string& report : reports) EXPECT_NE(r.output.find(report), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir / "out" / "stats.json"));
}

TEST(SnsimRunMachine, FaultNamesDieCorePcAndInstruction) {
  expect_failed_run("fault", "    li x2, 0x2000\n    ldg.u32 x3, x2, 0\n",
                    {"on die 0: die0.aiv0 pc 0x8 `ldg.u32 x3, x2, 0`: scalar GM access 0x2000+4"});
}

// Firmware writing to an address no die owns (die 9 of 4), or copying from one with the DMA engine:
// a fault naming the die, core, pc, instruction and address.
TEST(SnsimRunMachine, AccessToAnAddressNoDieOwnsFaults) {
  expect_failed_run("unowned_stg", "    li x2, 0x90000001000\n    li x3, 5\n    stg.u64 x3, x2, 0\n",
                    {"on die 0: die0.aiv0 pc 0x10 `stg.u64 x3, x2, 0`: scalar GM access 0x90000001000+8 is outside "
                     "mapped memory"});
  expect_failed_run("unowned_dma", "    li x2, 0x30020000000\n    li x3, 64\n    li x4, 0x10000000\n    dma x4, x2, x3\n",
                    {"on die 0: die0.aiv0 pc 0x18 `dma x4, x2, x3`: src GM access 0x30020000000+64 is outside mapped "
                     "memory"});
}

TEST(SnsimRunMachine, DeadlockReportsEveryBlockedCoreOfEveryDie) {
  expect_failed_run("deadlock", "    wait_flag mte2, v, 2\n",
                    {"deadlock at cycle 2: every pipe of every core is blocked and no access is in flight",
                     "  die0.aiv1 v: pc 0x0 `wait_flag mte2, v, 2` waits for event (mte2, v, 2)",
                     "  die3.aiv0 v: pc 0x0 `wait_flag mte2, v, 2` waits for event (mte2, v, 2)"});
}

TEST(SnsimRunMachine, NetworkOfOtherSizeIsRefusedNamingBothCounts) {
  const fs::path dir = temp_dir("machine_bad_size");
  std::ofstream(dir / "m.yaml") << "include: " << kMini << "\nmachine:\n  npus: 4\n";
  const RunResult r = run_on((dir / "m.yaml").string(), kVecAdd, dir / "out");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("m.yaml:3: machine.npus: 4 NPUs x 2 dies = 8 dies, but the network's topology has 4 "
                          "endpoints"),
            std::string::npos)
      << r.output;
}

// The value of counter / scalar `path` (dotted) in stats.json.
double value(const nlohmann::json& stats, std::string path, const char* field = "value") {
  std::replace(path.begin(), path.end(), '.', '/');
  return stats.at(nlohmann::json::json_pointer("/" + path + "/" + field)).get<double>();
}

// Width and height from a PNG's IHDR chunk; {0, 0} if the file is not a PNG.
std::pair<unsigned, unsigned> png_size(const fs::path& p) {
  const std::string b = slurp(p);
  if (b.size() < 24 || b.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || b.compare(12, 4, "IHDR") != 0) return {0, 0};
  const auto be32 = [&](std::size_t at) {
    unsigned v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(b[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

// The ring all-reduce on mini4 with every output: the link counts add up to what the NIs injected,
// the switch's to what it routed; NPU and die sums are their parts'; the trace has one NI slice per
// command accepted, lanes that never overlap, spans whose cycles are the NI's latency samples, and
// link counters whose integral over time is each link's flit count; links.png is the heat map.
TEST(SnsimRunMachine, OutputsAgreeWithTheNetworkInterfacesCounts) {
  const fs::path dir = temp_dir("machine_outputs");
  const RunResult r = run("run -c " + kMini + " -w " + kSrc + "/workloads/allreduce_ring.yaml -o " + dir.string() +
                          " --trace " + (dir / "trace.json").string() + " --plot");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto stats = json_file(dir / "stats.json");
  // 1. Links: mini4-net is one switch sw0 and endpoints ep0..ep3 of one port each.
  const double cycles = value(stats, "noc.cycles");
  double injected = 0, from_eps = 0, from_switch = 0;
  for (unsigned d = 0; d < 4; ++d) {
    const std::string ep = "noc.link.ep" + std::to_string(d) + ".port0";
    injected += value(stats, "die" + std::to_string(d) + ".ni.port0.flits_sent");
    from_eps += value(stats, ep + ".flits");
    from_switch += value(stats, "noc.link.sw0.port" + std::to_string(d) + ".flits");
    EXPECT_DOUBLE_EQ(value(stats, ep + ".utilization"), value(stats, ep + ".flits") / cycles);
  }
  // Dies 1 -> 2 and 3 -> 0 cross the switch (0 -> 1 and 2 -> 3 take the die-to-die link): each sends
  // 6 steps x 64 writes of 512 B, a 32 B header flit + 16 data flits each, and gets a 1-flit answer
  // back for each (notifies on top).
  EXPECT_GE(injected, 2 * 6 * 64 * (17 + 1));
  EXPECT_EQ(from_eps, injected);
  EXPECT_EQ(from_switch, injected);  // everything was delivered by the end
  EXPECT_EQ(value(stats, "noc.switch.sw0.flits"), from_switch);
  EXPECT_EQ(value(stats, "noc.flits_routed"), from_switch);
  // 2. NPU n = dies 2n, 2n + 1.
  for (unsigned n = 0; n < 2; ++n) {
    double commands = 0, bytes = 0, vector = 0;
    for (unsigned d = 2 * n; d < 2 * n + 2; ++d) {
      const std::string die = "die" + std::to_string(d);
      for (const char* k : {"writes", "reads", "atomics", "notifies"}) commands += value(stats, die + ".ni." + k);
      bytes += value(stats, die + ".ni.bytes_sent");
      vector += value(stats, die + ".vector_flops");
      EXPECT_EQ(value(stats, die + ".vector_flops"), value(stats, die + ".aiv0.v.flops"));
    }
    const std::string npu = "npu" + std::to_string(n);
    EXPECT_EQ(value(stats, npu + ".ub_commands"), commands);
    EXPECT_EQ(value(stats, npu + ".ub_bytes_sent"), bytes);
    EXPECT_EQ(value(stats, npu + ".vector_flops"), vector);
    EXPECT_GT(commands, 0);
  }
  // 3. The summary's table: a row per die.
  EXPECT_NE(r.output.find("per die "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("die3 (npu1) "), std::string::npos) << r.output;
  // 4. The trace.
  const auto trace = json_file(dir / "trace.json")["traceEvents"];
  std::map<std::string, int> pid_of;
  for (const auto& e : trace)
    if (e["ph"] == "M" && e["name"] == "process_name") pid_of[e["args"]["name"].get<std::string>()] = e["pid"];
  ASSERT_TRUE(pid_of.count("switch sw0")) << "no lane of the switch";
  const double ps_per_cycle = 1e12 / 875e6;  // mini4-net's clock
  for (unsigned d = 0; d < 4; ++d) {
    SCOPED_TRACE("die " + std::to_string(d));
    const std::string die = "die" + std::to_string(d);
    ASSERT_TRUE(pid_of.count(die + ".ni"));
    const int pid = pid_of[die + ".ni"];
    std::map<int, std::vector<std::pair<double, double>>> lanes;
    double spans = 0, span_cycles = 0;
    for (const auto& e : trace) {
      if (e["ph"] != "X" || e["pid"] != pid) continue;
      EXPECT_EQ(e["cat"], "ub");
      ++spans;
      span_cycles += e["args"]["cycles"].get<double>();
      lanes[e["tid"]].push_back({e["ts"].get<double>(), e["ts"].get<double>() + e["dur"].get<double>()});
    }
    double commands = 0;
    for (const char* k : {"writes", "reads", "atomics", "notifies"}) commands += value(stats, die + ".ni." + k);
    EXPECT_EQ(spans, commands);
    EXPECT_EQ(spans, value(stats, die + ".ni.latency", "count"));
    if (spans > 0) {
      EXPECT_NEAR(span_cycles / spans, value(stats, die + ".ni.latency", "mean"), 1e-9);
    }
    for (auto& [tid, slices] : lanes) {
      std::sort(slices.begin(), slices.end());
      for (std::size_t i = 1; i < slices.size(); ++i) EXPECT_LE(slices[i - 1].second, slices[i].first + 1e-6) << tid;
    }
    // The link counter of the die's port: flits per cycle over windows; its integral is the flit count.
    std::vector<std::pair<double, double>> counter;
    for (const auto& e : trace)
      if (e["ph"] == "C" && e["pid"] == pid && e["name"] == "port0 flits/cycle")
        counter.push_back({e["ts"].get<double>(), e["args"]["value"].get<double>()});
    double flits = 0;
    for (std::size_t i = 0; i + 1 < counter.size(); ++i)
      flits += counter[i].second * std::round((counter[i + 1].first - counter[i].first) * 1e6 / ps_per_cycle);
    ASSERT_FALSE(counter.empty());
    EXPECT_EQ(counter.back().second, 0);
    EXPECT_NEAR(flits, value(stats, "noc.link." + ("ep" + std::to_string(d)) + ".port0.flits"), 1e-6);
  }
  // 5. links.json as snsim net writes it, and its heat map: plot_net.py's figure for 1 router of 4
  //    ports is (3 + 4 x 0.2) x (4 + 1 x 0.03) inches at 120 dpi.
  const auto links = json_file(dir / "links.json");
  EXPECT_EQ(links["routers"], nlohmann::json::array({"sw0"}));
  EXPECT_DOUBLE_EQ(links["points"][0]["util"][0][1].get<double>(), value(stats, "noc.link.sw0.port1.utilization"));
  EXPECT_EQ(png_size(dir / "links.png"), (std::pair<unsigned, unsigned>{456, 483}));
}

// A machine above 16 dies (16 NPUs x 2 on one 32-port switch, the ring all-reduce over all 32): the
// summary has a total, mean and max row and the 8 dies that sent the most UB bytes (the odd dies:
// die 2k sends to 2k + 1 over the die-to-die link, 2k + 1 to 2k + 2 over the network), not 32 rows;
// the trace records die 0 and no router by default, and the dies --trace-dies names.
TEST(SnsimRunMachine, BigMachineSummaryHasAggregatesAndTheTopDies) {
  const fs::path dir = temp_dir("machine_big");
  std::ofstream(dir / "m32.yaml") << "include: " << kSrc << "/configs/mini4.yaml\nmachine: {npus: 16}\n"
                                  << "router: {ports: 32, table_depth: 32}\ngm: {model: simple}\n";
  std::ofstream(dir / "w.yaml") << "kernels:\n  - {file: " << kSrc << "/firmware/kernels/allreduce_ring.s, blocks: 1, "
                                << "args: [x, y, recv, flags, 32768]}\ntensors:\n"
                                << "  - {name: x, shape: [32768], dtype: f32, init: random, range: [-100, 100]}\n"
                                << "  - {name: recv, shape: [31744], dtype: f32}\n"
                                << "  - {name: flags, shape: [124], dtype: i32}\n"
                                << "  - {name: y, shape: [32768], dtype: f32, output: true,\n"
                                << "     reference: {op: die_sum, inputs: [x], atol: 1e-3, rtol: 1e-5}}\n";
  const std::string base = "run -c " + (dir / "m32.yaml").string() + " -w " + (dir / "w.yaml").string() + " -o ";
  const RunResult r = run(base + (dir / "a").string() + " --trace " + (dir / "a.json").string());
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* row : {"all 32 dies ", "mean per die ", "max of a die ", "the 8 dies that sent the most UB bytes:"})
    EXPECT_NE(r.output.find(row), std::string::npos) << row << "\n" << r.output;
  const std::size_t top = r.output.find("the 8 dies that sent");
  std::size_t at = top;
  for (unsigned d = 1; d <= 15; d += 2) {
    const std::size_t next = r.output.find("  die" + std::to_string(d) + " (npu" + std::to_string(d / 2) + ")", at);
    EXPECT_NE(next, std::string::npos) << "die " << d << " not next in the top 8:\n" << r.output.substr(top);
    at = next;
  }
  EXPECT_EQ(r.output.find("die0 (npu0)"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("die17 (npu8)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("trace: dies 0, routers none"), std::string::npos) << r.output;
  const auto processes = [](const fs::path& trace) {
    std::vector<std::string> names;
    const auto events = json_file(trace)["traceEvents"];
    for (const auto& e : events)
      if (e["ph"] == "M" && e["name"] == "process_name") names.push_back(e["args"]["name"]);
    return names;
  };
  EXPECT_EQ(processes(dir / "a.json"), (std::vector<std::string>{"die0.aiv0", "die0.ni"}));
  const RunResult some = run(base + (dir / "b").string() + " --trace " + (dir / "b.json").string() +
                             " --trace-dies 3,30-31 --trace-links 'sw*'");
  ASSERT_EQ(some.status, 0) << some.output;
  EXPECT_EQ(processes(dir / "b.json"), (std::vector<std::string>{"die3.aiv0", "die30.aiv0", "die31.aiv0", "die3.ni",
                                                                 "die30.ni", "die31.ni", "switch sw0"}));
}

// configs/mini8-rtl.yaml: the all-reduce through a verilated switch writes its FST, whose signals
// include every one its generated save file names (D10), and gives the statistics of the same run on
// the fast model, byte for byte (D12).
TEST(SnsimRunMachine, RtlRouterWritesItsWaveformAndMatchesTheFastModel) {
  const fs::path dir = temp_dir("machine_wave");
  const std::string rtl = kSrc + "/configs/mini8-rtl.yaml", w = kSrc + "/workloads/allreduce_ring.yaml";
  const RunResult r = run("run -c " + rtl + " -w " + w + " -o " + (dir / "rtl").string() + " --wave");
  ASSERT_EQ(r.status, 0) << r.output;
  const fs::path fst = dir / "rtl" / "sw0.fst", gtkw = dir / "rtl" / "sw0.gtkw", vcd = dir / "sw0.vcd";
  EXPECT_NE(r.output.find("waveform " + fst.string()), std::string::npos) << r.output;
  EXPECT_NE(slurp(gtkw).find("[dumpfile] \"" + fst.string() + "\""), std::string::npos);
  const std::string cmd = "fst2vcd -f '" + fst.string() + "' -o '" + vcd.string() + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::set<std::string> have = snsim_test::vcd_signals(vcd);
  const std::vector<std::string> wanted = snsim_test::gtkw_signals(gtkw);
  ASSERT_GE(wanted.size(), 20u);
  for (const std::string& s : wanted) EXPECT_TRUE(have.count(s)) << s << " is not in the FST";
  std::ofstream(dir / "fast.yaml") << "include: " << rtl << "\nrouter: {impl: fast}\n";
  const RunResult f = run("run -c " + (dir / "fast.yaml").string() + " -w " + w + " -o " + (dir / "fast").string());
  ASSERT_EQ(f.status, 0) << f.output;
  EXPECT_EQ(slurp(dir / "rtl" / "stats.json"), slurp(dir / "fast" / "stats.json"));
}

// A router set to RTL with parameters no verilated build has: exit 2 naming the config and what
// was built, not an internal error.
TEST(SnsimRunMachine, AnRtlRouterWithoutAVerilatedBuildIsRefused) {
  const fs::path dir = temp_dir("machine_no_rtl_build");
  std::ofstream(dir / "p5w256.yaml") << "include: " << kMini << "\nmachine: {npus: 5, dies_per_npu: 1}\n"
                                     << "router: {ports: 5, buf_depth: 4, table_depth: 1024, impl: rtl}\n";
  const RunResult r = run("run -w " + kVecAdd + " -o " + dir.string() + " -c " + (dir / "p5w256.yaml").string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("snsim run: error: " + (dir / "p5w256.yaml").string() +
                          ": machine.noc: router sw0: no verilated router with ports=5 vcs=2 buf_depth=4 "
                          "payload_bits=256"),
            std::string::npos)
      << r.output;
}

// Each bad option: exit 2 and what is wrong, before anything runs.
TEST(SnsimRunMachine, BadOutputOptionsAreRefused) {
  const fs::path dir = temp_dir("machine_bad_options");
  const std::string base = "run -w " + kVecAdd + " -o " + dir.string() + " -c ";
  const std::string trace = " --trace " + (dir / "t.json").string();
  // 5 NPUs of one die on the verilated 5-port switch, which is built without tracing.
  std::ofstream(dir / "p5.yaml") << "include: " << kMini << "\nmachine: {npus: 5, dies_per_npu: 1}\nrouter: {ports: 5, "
                                 << "buf_depth: 4, table_depth: 1024, payload_bits: 64, impl: rtl}\n"
                                 << "topology: {link_latency: 1ns, flit_bytes: 8}\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {kSrc + "/configs/die.yaml --plot", "--plot, --wave, --trace-dies and --trace-links need a machine config"},
      {kMini + " --trace-dies 0", "--trace-dies needs --trace or --instr-csv"},
      {kMini + " --trace-links '*'", "--trace-links needs --trace"},
      {kMini + trace + " --trace-dies 9", "--trace-dies 9: die 9 does not exist (dies 0..3)"},
      {kMini + trace + " --trace-dies 3-1", "--trace-dies 3-1: '3-1' is a reversed range"},
      {kMini + trace + " --trace-dies 1,x", "--trace-dies 1,x: 'x' is not a die id or a range of them"},
      {kMini + trace + " --trace-dies 1,", "--trace-dies 1,: '' is not a die id"},
      {kMini + trace + " --trace-links 'leaf*'", "--trace-links leaf*: no router of the network matches 'leaf*'"},
      {kMini + " --wave", "--wave: the machine's network has no RTL router"},
      {kSrc + "/configs/die.yaml --threads 2", "--threads needs a machine config"},
      {(dir / "p5.yaml").string() + " --wave", "--wave: machine.noc: router sw0: this router configuration was "
                                               "verilated without waveform support"},
  };
  for (const auto& [args, message] : cases) {
    const RunResult r = run(base + args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("snsim run: error: " + message), std::string::npos) << args << "\n" << r.output;
  }
}

}  // namespace
