// End-to-end checks of the collective kernels of firmware/kernels (issue 6 §3, docs/kernels.md)
// through `snsim run` on a machine: the ring reduce-scatter, all-gather and all-reduce, the
// hierarchical all-reduce and the all-to-all on the 4 dies of configs/mini4.yaml, and the
// all-reduce and all-to-all on the 16 of node8.yaml, each die's output checked against the host
// references of sim/run/collective_ref.cpp (plain C++); the all-to-all with its gwait removed,
// whose consumer must then read blocks not yet arrived; and bad input: a size that does not split
// over the dies, a node size that does not divide the machine, a scratch buffer too small, an output
// shaped for another die count.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_snsim.h"

namespace fs = std::filesystem;

namespace {

using snsim_test::json_file;
using snsim_test::run;
using snsim_test::RunResult;
using snsim_test::temp_dir;

const std::string kSrc = SNSIM_SOURCE_DIR;
const std::string kMini = kSrc + "/configs/mini4.yaml";
const std::string kNode8 = kSrc + "/configs/node8.yaml";

RunResult run_on(const std::string& config, const std::string& workload, const fs::path& out) {
  return run("run -c " + config + " -w " + workload + " -o " + out.string());
}

// `workload` on `config` passes its checks of `tensors` on every one of `dies` dies, against
// reference `op`.
void expect_every_die_checked(const std::string& name, const std::string& config, const std::string& workload,
                              unsigned dies, const std::vector<std::string>& tensors, const std::string& op) {
  const fs::path dir = temp_dir("coll_" + name);
  const RunResult r = run_on(config, kSrc + "/workloads/" + workload, dir);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto stats = json_file(dir / "stats.json");
  for (unsigned d = 0; d < dies; ++d) {
    const std::string die = "die" + std::to_string(d);
    for (const std::string& tensor : tensors) {
      EXPECT_NE(r.output.find("check " + tensor + " of die " + std::to_string(d) + " (f32) against " + op + ":"),
                std::string::npos)
          << r.output;
      EXPECT_EQ(stats["check"][tensor][die]["failures"]["value"], 0u) << tensor << " of " << die;
    }
    // Every die wrote into another's memory: over the die-to-die link or the network.
    EXPECT_GT(stats[die]["gm"]["link_accesses"]["value"].get<std::uint64_t>() +
                  stats[die]["gm"]["net_accesses"]["value"].get<std::uint64_t>(),
              0u)
        << die;
  }
}

TEST(Collectives, RingReduceScatterOnFourDies) {
  expect_every_die_checked("rs4", kMini, "reduce_scatter_ring_mini.yaml", 4, {"y"}, "die_reduce_scatter");
}

TEST(Collectives, RingAllGatherOnFourDies) {
  expect_every_die_checked("ag4", kMini, "allgather_ring_mini.yaml", 4, {"y"}, "die_all_gather");
}

TEST(Collectives, RingAllReduceOnFourDies) {
  expect_every_die_checked("ar4", kMini, "allreduce_ring.yaml", 4, {"y"}, "die_sum");
}

TEST(Collectives, HierarchicalAllReduceOnTwoNodesOfTwoDies) {
  expect_every_die_checked("hier4", kMini, "allreduce_hier_mini.yaml", 4, {"y"}, "die_sum");
}

TEST(Collectives, AllToAllOnFourDies) {
  expect_every_die_checked("a2a4", kMini, "alltoall_mini.yaml", 4, {"y", "z"}, "die_all_to_all");
}

TEST(Collectives, HierarchicalAllReduceOnNode8) {
  expect_every_die_checked("hier16", kNode8, "allreduce.yaml", 16, {"y"}, "die_sum");
}

TEST(Collectives, AllToAllOnNode8) {
  expect_every_die_checked("a2a16", kNode8, "alltoall.yaml", 16, {"y"}, "die_all_to_all");
}

TEST(Collectives, ReduceScatterOnNode8) {
  expect_every_die_checked("rs16", kNode8, "reduce_scatter_ring.yaml", 16, {"y"}, "die_reduce_scatter");
}

using Edits = std::vector<std::pair<std::string, std::string>>;

// `text` with `edits` (text -> replacement, each at its first occurrence) applied.
std::string edited(std::string text, const Edits& edits) {
  for (const auto& [old_text, new_text] : edits) {
    const std::size_t at = text.find(old_text);
    EXPECT_NE(at, std::string::npos) << old_text;
    if (at != std::string::npos) text.replace(at, old_text.size(), new_text);
  }
  return text;
}

// A copy of shipped workload `from` with `edits` applied, run on mini4; with `kernel_edits`, its
// kernel is a copy of the shipped one (the workload's first kernel file) with those applied.
RunResult run_edited(const std::string& name, const std::string& from, const Edits& edits,
                     fs::path* out_dir = nullptr, const Edits& kernel_edits = {}) {
  const fs::path dir = temp_dir("coll_bad_" + name);
  std::string text = edited(snsim_test::slurp(kSrc + "/workloads/" + from), edits);
  if (!kernel_edits.empty()) {
    // The copy's includes are relative to it: the shipped ones are copied beside it.
    const std::string kernels = "../firmware/kernels/";
    const std::size_t at = text.find(kernels), end = text.find(".s\n", at) + 2;
    const std::string kernel = text.substr(at + kernels.size(), end - at - kernels.size());
    fs::copy(kSrc + "/firmware/kernels/include", dir / "include", fs::copy_options::recursive);
    std::ofstream(dir / kernel) << edited(snsim_test::slurp(kSrc + "/firmware/kernels/" + kernel), kernel_edits);
    text.replace(at, end - at, (dir / kernel).string());
  }
  // The kernel path is relative to the workload file: point it at the repository's kernels.
  for (std::size_t at; (at = text.find("../firmware/")) != std::string::npos;)
    text.replace(at, 12, kSrc + "/firmware/");
  std::ofstream(dir / "w.yaml") << text;
  if (out_dir) *out_dir = dir / "out";
  return run_on(kMini, (dir / "w.yaml").string(), dir / "out");
}

// The all-to-all on 1 and 3 AIVs per die of mini4: a core then takes several items (every peer
// on one core; 2, 1 and 1 items on three), both UB halves in turn, and the checks still pass.
TEST(Collectives, AllToAllWithSeveralItemsPerCore) {
  for (const std::string blocks : {"1", "3"}) {
    fs::path out;
    const RunResult r = run_edited("items" + blocks, "alltoall_mini.yaml", {{"blocks: 8", "blocks: " + blocks}}, &out);
    ASSERT_EQ(r.status, 0) << r.output;
    const auto stats = json_file(out / "stats.json");
    for (unsigned d = 0; d < 4; ++d)
      for (const char* tensor : {"y", "z"})
        EXPECT_EQ(stats["check"][tensor]["die" + std::to_string(d)]["failures"]["value"], 0u) << tensor << blocks;
  }
}

// Without its gwait the all-to-all's consumer copies y into z before every die's block has
// arrived: z fails its check on some die, while y, complete when the run ends, passes.
TEST(Collectives, AllToAllWithoutItsWaitFailsTheConsumersCheck) {
  fs::path out;
  const RunResult r =
      run_edited("nowait", "alltoall_mini.yaml", {}, &out, {{"    gwait   x10, x3, 0", "    nop"}});
  EXPECT_EQ(r.status, 1) << r.output;
  const auto stats = json_file(out / "stats.json");
  std::uint64_t z_failures = 0;
  for (unsigned d = 0; d < 4; ++d) {
    const std::string die = "die" + std::to_string(d);
    EXPECT_EQ(stats["check"]["y"][die]["failures"]["value"], 0u) << die;
    z_failures += stats["check"]["z"][die]["failures"]["value"].get<std::uint64_t>();
  }
  EXPECT_GT(z_failures, 0u) << r.output;
}

// n = 32832 is a multiple of 64 but not of 4 dies x 64: the kernel's check traps, naming die, core,
// pc and instruction; the statistics up to there are written.
TEST(CollectivesBadInput, SizeNotSplittingOverTheDiesTraps) {
  fs::path out;
  const RunResult r = run_edited("size", "allreduce_ring.yaml",
                                 {{"32768]     #", "32832]     #"}, {"[32768]", "[32832]"}, {"[32768]", "[32832]"}},
                                 &out);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("on die 0: die0.aiv0 pc 0x"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("`trap 1`: trap 1: the kernel refused its arguments"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(out / "stats.json"));
}

// Nodes of 16 dies on a 4-die machine.
TEST(CollectivesBadInput, NodeSizeNotDividingTheDiesTraps) {
  const RunResult r = run_edited("node", "allreduce_hier_mini.yaml", {{"16384, 2]", "16384, 16]"}});
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("`trap 3`: trap 3:"), std::string::npos) << r.output;
}

// Blocks of the all-to-all above half the UB.
TEST(CollectivesBadInput, AllToAllBlockAboveHalfTheUbTraps) {
  const RunResult r = run_edited("block", "alltoall_mini.yaml",
                                 {{"122880, z]", "491520, z]"},
                                  {"[30720]", "[122880]"},
                                  {"[30720]", "[122880]"},
                                  {"[30720]", "[122880]"}});
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("`trap 2`: trap 2:"), std::string::npos) << r.output;
}

// A recv scratch of 2 chunks where the ring needs 3: the write into the successor's third slot
// faults, naming the writing die, core, pc and instruction.
TEST(CollectivesBadInput, ScratchBufferTooSmallFaultsAtTheWrite) {
  const RunResult r = run_edited("recv", "reduce_scatter_ring_mini.yaml", {{"[24576]", "[16384]"}});
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("`dma_out x26, x0, x28`"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("outside mapped memory"), std::string::npos) << r.output;
}

// The node8 reduce-scatter (outputs of n / 16) on 4 dies: refused before simulating, naming the
// workload file and line of the reference.
TEST(CollectivesBadInput, OutputShapedForAnotherDieCountIsRefused) {
  const fs::path dir = temp_dir("coll_bad_shape");
  const RunResult r = run_on(kMini, kSrc + "/workloads/reduce_scatter_ring.yaml", dir);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("reduce_scatter_ring.yaml:19: tensors[3].reference.inputs: die_reduce_scatter of y [2048]: "
                          "x has 32768 elements, the output 2048: on 4 dies a reduce-scatter's x is dies x output = "
                          "8192"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "stats.json"));
}

}  // namespace
