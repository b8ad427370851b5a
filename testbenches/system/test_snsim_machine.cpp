// End-to-end checks of `snsim run` on a machine (issue 6 §2, docs/machine.md): the workload runs on
// every die of configs/mini4.yaml (2 NPUs x 2 dies on a 4-port switch) with each die's tensors from
// its own seed and each die's output checked against the host reference of its own inputs; die 0
// matches a one-die run; the ring all-reduce against the host's sum over the dies; accesses to
// addresses no die owns; determinism; statistics per die, NI and switch; faults and deadlocks
// reported with the die; a topology of the wrong size refused with file and line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_snsim.h"

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

}  // namespace
