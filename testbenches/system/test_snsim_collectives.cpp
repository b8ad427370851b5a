// End-to-end checks of the collective kernels of firmware/kernels (issue 6 §3, docs/kernels.md)
// through `snsim run` on a machine: the ring reduce-scatter, all-gather and all-reduce, the
// hierarchical all-reduce and the all-to-all on the 4 dies of configs/mini4.yaml, and the
// all-reduce and all-to-all on the 16 of node8.yaml, each die's output checked against the host
// references of sim/run/collective_ref.cpp (plain C++); and bad input: a size that does not split
// over the dies, a node size that does not divide the machine, a scratch buffer too small, an output
// shaped for another die count.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

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

// `workload` on `config` passes its checks on every one of `dies` dies, against reference `op`.
void expect_every_die_checked(const std::string& name, const std::string& config, const std::string& workload,
                              unsigned dies, const std::string& tensor, const std::string& op) {
  const fs::path dir = temp_dir("coll_" + name);
  const RunResult r = run_on(config, kSrc + "/workloads/" + workload, dir);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto stats = json_file(dir / "stats.json");
  for (unsigned d = 0; d < dies; ++d) {
    const std::string die = "die" + std::to_string(d);
    EXPECT_NE(r.output.find("check " + tensor + " of die " + std::to_string(d) + " (f32) against " + op + ":"),
              std::string::npos)
        << r.output;
    EXPECT_EQ(stats["check"][tensor][die]["failures"]["value"], 0u) << die;
    // Every die wrote into another's memory: over the die-to-die link or the network.
    EXPECT_GT(stats[die]["gm"]["link_accesses"]["value"].get<std::uint64_t>() +
                  stats[die]["gm"]["net_accesses"]["value"].get<std::uint64_t>(),
              0u)
        << die;
  }
}

TEST(Collectives, RingReduceScatterOnFourDies) {
  expect_every_die_checked("rs4", kMini, "reduce_scatter_ring_mini.yaml", 4, "y", "die_reduce_scatter");
}

TEST(Collectives, RingAllGatherOnFourDies) {
  expect_every_die_checked("ag4", kMini, "allgather_ring_mini.yaml", 4, "y", "die_all_gather");
}

TEST(Collectives, RingAllReduceOnFourDies) {
  expect_every_die_checked("ar4", kMini, "allreduce_ring.yaml", 4, "y", "die_sum");
}

TEST(Collectives, HierarchicalAllReduceOnTwoNodesOfTwoDies) {
  expect_every_die_checked("hier4", kMini, "allreduce_hier_mini.yaml", 4, "y", "die_sum");
}

TEST(Collectives, AllToAllOnFourDies) {
  expect_every_die_checked("a2a4", kMini, "alltoall.yaml", 4, "y", "die_all_to_all");
}

TEST(Collectives, HierarchicalAllReduceOnNode8) {
  expect_every_die_checked("hier16", kNode8, "allreduce.yaml", 16, "y", "die_sum");
}

TEST(Collectives, AllToAllOnNode8) {
  expect_every_die_checked("a2a16", kNode8, "alltoall.yaml", 16, "y", "die_all_to_all");
}

TEST(Collectives, ReduceScatterOnNode8) {
  expect_every_die_checked("rs16", kNode8, "reduce_scatter_ring.yaml", 16, "y", "die_reduce_scatter");
}

// A copy of shipped workload `from` with `edits` (text -> replacement) applied, run on mini4.
RunResult run_edited(const std::string& name, const std::string& from,
                     const std::vector<std::pair<std::string, std::string>>& edits, fs::path* out_dir = nullptr) {
  const fs::path dir = temp_dir("coll_bad_" + name);
  std::string text = snsim_test::slurp(kSrc + "/workloads/" + from);
  for (const auto& [old_text, new_text] : edits) {
    const std::size_t at = text.find(old_text);
    EXPECT_NE(at, std::string::npos) << old_text;
    if (at != std::string::npos) text.replace(at, old_text.size(), new_text);
  }
  // The kernel path is relative to the workload file: point it at the repository's kernels.
  for (std::size_t at; (at = text.find("../firmware/")) != std::string::npos;)
    text.replace(at, 12, kSrc + "/firmware/");
  std::ofstream(dir / "w.yaml") << text;
  if (out_dir) *out_dir = dir / "out";
  return run_on(kMini, (dir / "w.yaml").string(), dir / "out");
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
  const RunResult r = run_edited("block", "alltoall.yaml",
                                 {{"122880]", "491520]"}, {"[30720]", "[122880]"}, {"[30720]", "[122880]"}});
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
