// The MoE step of firmware/kernels/moe.s through `snsim run` on configs/mini4.yaml (4 dies, 8 AIV
// each; workloads/moe_mini4.yaml): every die's receive buffer (which tokens landed in a source's
// slots, in the order the cores took them, their INT8 values, scale and tags) and output against
// the host reference of sim/run/moe.cpp; the same kernel with one flag wait removed gives wrong
// outputs, and with its slot counter not counting wrong receive buffers; and the workload's bad inputs are
// refused before simulating naming the file and line (or, for ranks beyond the machine, fault
// naming die, core, pc and instruction); a timing-only run, which would route every token by zeros,
// is refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "run_snsim.h"

namespace fs = std::filesystem;

namespace {

using snsim_test::json_file;
using snsim_test::run;
using snsim_test::RunResult;
using snsim_test::slurp;
using snsim_test::temp_dir;

const std::string kSrc = SNSIM_SOURCE_DIR;
const std::string kMini = kSrc + "/configs/mini4.yaml";
const std::string kKernel = kSrc + "/firmware/kernels/moe.s";
const std::string kArgs = "args: [x, ids, wts, factor, recv, flags, comb, out, 16, 256, 4, 4, 2, 64]";

// Replaces the first `from` of `text` by `to` (which must be there).
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// moe.s with `from` replaced by `to`, written to `dir` (its include made absolute); returns its path.
std::string mutated_kernel(const fs::path& dir, const std::string& from, const std::string& to) {
  std::string kernel = replaced(slurp(kKernel), from, to);
  kernel = replaced(kernel, "\"include/snsim.inc\"", "\"" + kSrc + "/firmware/kernels/include/snsim.inc\"");
  std::ofstream(dir / "moe.s") << kernel;
  return (dir / "moe.s").string();
}

// workloads/moe_mini4.yaml in `dir` with `from` replaced by `to`, the kernel `kernel`.
fs::path workload(const fs::path& dir, const std::string& from = "", const std::string& to = "",
                  const std::string& kernel = kKernel) {
  std::string w = replaced(slurp(kSrc + "/workloads/moe_mini4.yaml"), "../firmware/kernels/moe.s", kernel);
  if (!from.empty()) w = replaced(w, from, to);
  std::ofstream(dir / "moe.yaml") << w;
  return dir / "moe.yaml";
}

RunResult run_moe(const fs::path& w, const fs::path& out) {
  return run("run -c " + kMini + " -w " + w.string() + " -o " + out.string());
}

// `dies: N` put in front of workload `w` (line 1), run on mini4.
RunResult run_on_dies(const fs::path& dir, const std::string& dies, const fs::path& w) {
  const std::string text = slurp(w);
  std::ofstream(w) << "dies: " << dies << "\n" << text;
  return run_moe(w, dir / "out");
}

TEST(SnsimRunMoe, DispatchAndCombineOnFourDiesMatchTheHostReference) {
  const fs::path dir = temp_dir("moe");
  const RunResult r = run_moe(workload(dir), dir / "out");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto stats = json_file(dir / "out" / "stats.json");
  for (unsigned d = 0; d < 4; ++d) {
    SCOPED_TRACE("die " + std::to_string(d));
    const std::string die = "die" + std::to_string(d);
    EXPECT_NE(r.output.find("check recv of die " + std::to_string(d) + " (i8) against moe_dispatch: max abs err 0,"),
              std::string::npos) << r.output;
    EXPECT_EQ(stats["check"]["recv"][die]["failures"]["value"], 0u);
    EXPECT_EQ(stats["check"]["out"][die]["failures"]["value"], 0u);
    // Tokens went out over the die-to-die link and the network both.
    EXPECT_GT(stats[die]["gm"]["link_accesses"]["value"].get<std::uint64_t>(), 0u);
    EXPECT_GT(stats[die]["gm"]["net_accesses"]["value"].get<std::uint64_t>(), 0u);
  }
  // The receive buffers hold data: the exact check above compared more than zeros.
  EXPECT_NE(slurp(dir / "out" / "recv.die2.npy").find_first_not_of('\0', 128), std::string::npos);
}

// Three AIV per die for four ranks: each core takes its sources s = b, b + 3, ... from the
// (us mod n)-th on, wrapping round (core 0 has sources 0 and 3, which ranks 1 and 3 take in the
// order 3, 0; cores 1 and 2 one source each): every source's slots still reach their expert and
// every result its home, so each die's receive buffer and output match the host references.
TEST(SnsimRunMoe, ExpertSourcesTakenInARotatedOrderMatchTheHostReference) {
  const fs::path dir = temp_dir("moe_rotated");
  const RunResult r = run_moe(workload(dir, "blocks: 8", "blocks: 3"), dir / "out");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("kernel moe on 3 AIV of each of the 4 dies"), std::string::npos) << r.output;
  const auto stats = json_file(dir / "out" / "stats.json");
  for (unsigned d = 0; d < 4; ++d) {
    const std::string die = "die" + std::to_string(d);
    EXPECT_EQ(stats["check"]["recv"][die]["failures"]["value"], 0u) << die;
    EXPECT_EQ(stats["check"]["out"][die]["failures"]["value"], 0u) << die;
  }
}

// The workload's `dies: 2` on mini4's 4 dies: dies 0-1 hold the tensors and run a 2-rank step (4
// experts each), checked as above; dies 2-3 get no tensors, no cores and no outputs.
TEST(SnsimRunMoe, TheFirstTwoDiesOfFourRunATwoRankStep) {
  const fs::path dir = temp_dir("moe_dies");
  std::string text = slurp(workload(dir, kArgs, "args: [x, ids, wts, factor, recv, flags, comb, out, 16, 256, 4, 2, 4, 64]"));
  text = replaced(text, "{name: factor, shape: [2]", "{name: factor, shape: [4]");
  text = replaced(text, "shape: [4, 64, 768]", "shape: [2, 64, 768]");
  std::ofstream(dir / "moe.yaml") << text;
  const RunResult r = run_on_dies(dir, "2", dir / "moe.yaml");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("kernel moe on 8 AIV of each of the 2 dies 0-1 (of 4)"), std::string::npos) << r.output;
  const auto stats = json_file(dir / "out" / "stats.json");
  for (unsigned d = 0; d < 2; ++d) {
    const std::string die = "die" + std::to_string(d);
    EXPECT_NE(r.output.find("check recv of die " + std::to_string(d) + " (i8) against moe_dispatch: max abs err 0,"),
              std::string::npos) << r.output;
    EXPECT_EQ(stats["check"]["out"][die]["failures"]["value"], 0u) << die;
    EXPECT_GT(stats[die]["gm"]["link_accesses"]["value"].get<std::uint64_t>(), 0u) << die;
    EXPECT_TRUE(stats[die].contains("aiv0")) << die;
  }
  EXPECT_NE(slurp(dir / "out" / "recv.die1.npy").find_first_not_of('\0', 128), std::string::npos);
  EXPECT_EQ(r.output.find("of die 2"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "out" / "out.die2.npy"));
  EXPECT_FALSE(stats["die2"].contains("aiv0"));
}

// Without the wait for the experts' flags, the home rank sums its combine buffer before the
// results are all there. Every token is routed to rank 0's experts, so rank 0 has all the expert
// work and the other ranks reach their combine long before its results (with evenly spread
// experts and posted writes the ranks finish their experts nearly together, and the race hides).
TEST(SnsimRunMoe, RemovingTheCombineFlagWaitGivesWrongOutputs) {
  const std::string from = "range: [0, 7]}     # expert", to = "range: [0, 1]}     # expert";
  const fs::path base = temp_dir("moe_skewed");
  const RunResult ok = run_moe(workload(base, from, to), base / "out");
  EXPECT_EQ(ok.status, 0) << ok.output;  // the kernel as it is: right despite the skew
  const fs::path dir = temp_dir("moe_nowait");
  const std::string kernel = mutated_kernel(dir, "    gwait   x3, x1, 0\n", "    nop\n");
  const RunResult r = run_moe(workload(dir, from, to, kernel), dir / "out");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("against moe_combine"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("elements outside tolerance"), std::string::npos) << r.output;
}

// The kernel writes a source's slots in the order its cores take them from the die's counter, and
// the dispatch check follows that order by the tags in the slots' pads; a kernel whose `amoadd`
// adds 0 puts every pair in slot 0, which that check refuses (the pairs are not each there once).
TEST(SnsimRunMoe, SlotsTakenTwiceFailTheDispatchCheck) {
  const fs::path dir = temp_dir("moe_slot0");
  const std::string kernel = mutated_kernel(dir, "    li      x2, 1\n    amoadd", "    li      x2, 0\n    amoadd");
  const RunResult r = run_moe(workload(dir, "", "", kernel), dir / "out");
  EXPECT_EQ(r.status, 1) << r.output;
  for (unsigned d = 0; d < 4; ++d)
    EXPECT_NE(r.output.find("snsim run: recv of die " + std::to_string(d) + ": "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("elements outside tolerance"), std::string::npos) << r.output;
}

// `snsim run --threads 2` writes and checks the dies' outputs on two threads, and reports them in
// die order: a run whose dispatch check fails on every die prints the same check lines and failure
// lines, in die order, and writes the same files, as on one thread.
TEST(SnsimRunMoe, ChecksOnTwoThreadsAreReportedAsOnOne) {
  const fs::path dir = temp_dir("moe_slot0_threads");
  const std::string kernel = mutated_kernel(dir, "    li      x2, 1\n    amoadd", "    li      x2, 0\n    amoadd");
  const fs::path w = workload(dir, "", "", kernel);
  std::map<unsigned, std::string> checks, failures;  // by threads: the lines starting "check " / "snsim run: "
  for (const unsigned threads : {1u, 2u}) {
    const std::string out = (dir / ("out" + std::to_string(threads))).string();
    const RunResult r =
        run("run -c " + kMini + " -w " + w.string() + " -o " + out + " --threads " + std::to_string(threads));
    EXPECT_EQ(r.status, 1) << r.output;
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("check ")) checks[threads] += line + "\n";
      if (line.starts_with("snsim run: ")) failures[threads] += line + "\n";
    }
  }
  EXPECT_EQ(checks[1], checks[2]);
  EXPECT_EQ(failures[1], failures[2]);
  std::size_t at = 0;
  for (unsigned d = 0; d < 4; ++d) {
    const std::string die = std::to_string(d);
    const std::size_t check = checks[2].find("check recv of die " + die + " (i8) against moe_dispatch");
    EXPECT_NE(check, std::string::npos) << checks[2];
    const std::size_t failure = failures[2].find("snsim run: recv of die " + die + ": ");
    ASSERT_NE(failure, std::string::npos) << failures[2];
    EXPECT_GE(failure, at) << failures[2];  // die order
    at = failure;
  }
  for (const std::string f : {"stats.json", "stats.txt", "recv.die3.npy", "out.die1.npy"})
    EXPECT_EQ(slurp(dir / "out1" / f), slurp(dir / "out2" / f)) << f;
}

// A bad workload: exit 2 before simulating, with `report` (file, line, key, why) in the output.
void expect_refused(const std::string& name, const std::string& from, const std::string& to,
                    const std::string& report) {
  const fs::path dir = temp_dir("moe_" + name);
  const RunResult r = run_moe(workload(dir, from, to), dir / "out");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find((dir / "moe.yaml").string() + report), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "out" / "stats.json"));
}

TEST(SnsimRunMoe, HiddenNotAMultipleOfTheVectorWidthIsRefused) {
  expect_refused("hidden", kArgs, "args: [x, ids, wts, factor, recv, flags, comb, out, 16, 200, 4, 4, 2, 64]",
                 ":11: kernels[0].args[9]: hidden 200 must be a multiple of 128");
}

TEST(SnsimRunMoe, TensorsNotMatchingTheArgumentsAreRefused) {
  expect_refused("tokens", kArgs, "args: [x, ids, wts, factor, recv, flags, comb, out, 8, 256, 4, 4, 2, 64]",
                 ":11: kernels[0].args[0]: x must be bf16 [8, 256] for tokens 8, hidden 256, topk 4, epr 2; x is "
                 "bf16 [16, 256]");
}

TEST(SnsimRunMoe, ReferenceInputsOfMismatchedShapesAreRefused) {
  expect_refused("ids_shape", "{name: ids, shape: [16, 4]", "{name: ids, shape: [16, 3]",
                 ":23: tensors[6].reference.inputs: moe_dispatch of recv [4, 64, 768] needs x [tokens, hidden], ids "
                 "and wts [tokens, topk]");
}

TEST(SnsimRunMoe, ReceiveBufferTooSmallIsRefused) {
  expect_refused("recv_small", "shape: [4, 64, 768]", "shape: [4, 32, 768]",
                 ":11: kernels[0].args[4]: recv (98304 bytes) is too small: ranks 4 x capacity 64 slots");
}

// flags holds the send counters behind the two flag arrays: 2 x ranks u64 is too small.
TEST(SnsimRunMoe, FlagsWithoutTheCountersAreRefused) {
  expect_refused("flags_small", "{name: flags, shape: [24]", "{name: flags, shape: [16]",
                 ":11: kernels[0].args[5]: flags (64 bytes) is too small: 3 x ranks 4 u64 flags and counters need "
                 "96 bytes");
}

TEST(SnsimRunMoe, CapacityBelowARanksTrafficIsRefused) {
  expect_refused("capacity", kArgs, "args: [x, ids, wts, factor, recv, flags, comb, out, 16, 256, 4, 4, 2, 4]",
                 ":11: kernels[0].args[13]: rank 0 sends more than capacity 4 (token, expert) pairs to rank");
}

TEST(SnsimRunMoe, ExpertIdBeyondTheExpertsIsRefused) {
  expect_refused("ids_range", "range: [0, 7]", "range: [0, 9]",
                 ":11: kernels[0].args[1]: rank 0: ids[");
}

TEST(SnsimRunMoe, TimingOnlyIsRefused) {
  const fs::path dir = temp_dir("moe_timing");
  const RunResult r = run("run -c " + kMini + " -w " + workload(dir).string() + " -o " + (dir / "out").string() +
                          " --timing-only");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("moe.yaml:11: kernels[0].args[1]: the kernel routes by the contents of ids"),
            std::string::npos) << r.output;
}

TEST(SnsimRunMoe, MoreDiesThanTheMachineHasAreRefused) {
  const fs::path dir = temp_dir("moe_dies_5");
  const RunResult r = run_on_dies(dir, "5", workload(dir));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find((dir / "moe.yaml").string() + ":1: dies: dies 5 is more than the 4 the config has"),
            std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "out" / "stats.json"));
}

TEST(SnsimRunMoe, NoDiesIsRefused) {
  const fs::path dir = temp_dir("moe_dies_0");
  const RunResult r = run_on_dies(dir, "0", workload(dir));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find((dir / "moe.yaml").string() + ":1: dies:"), std::string::npos) << r.output;
}

// Four ranks on the first two dies (`dies: 2`): the first token sent to rank 2 or 3 is an address
// that die does not map (it holds no tensors).
TEST(SnsimRunMoe, RanksBeyondTheWorkloadsDiesFaultNamingDieCoreAndInstruction) {
  const fs::path dir = temp_dir("moe_dies_ranks");
  const RunResult r = run_on_dies(dir, "2", workload(dir));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("`dma_post x1, x28, x2`: dst GM access 0x"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("is outside mapped memory"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir / "out" / "stats.json"));
}

// More ranks than mini4 has dies: the first token sent to a rank >= 4 is an address no die owns.
TEST(SnsimRunMoe, MoreRanksThanDiesFaultsNamingDieCorePcAndInstruction) {
  const fs::path dir = temp_dir("moe_ranks");
  const fs::path w = workload(dir, kArgs, "args: [x, ids, wts, factor, recv, flags, comb, out, 16, 256, 4, 8, 1, 64]");
  std::string text = replaced(slurp(w), "shape: [4, 64, 768]", "shape: [8, 64, 768]");
  text = replaced(text, "{name: flags, shape: [24]", "{name: flags, shape: [48]");
  text = replaced(text, "{name: factor, shape: [2]", "{name: factor, shape: [1]");
  std::ofstream(w) << text;
  const RunResult r = run_moe(w, dir / "out");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("on die 0: die0.aiv1 pc 0x498 `dma_post x1, x28, x2`: dst GM access 0x4"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("is outside mapped memory"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir / "out" / "stats.json"));
}

}  // namespace
