// End-to-end checks of `snsim mem` as a user runs it: the shipped preset under the checker, a
// trace with a waveform, and bad input refused with the file, line and reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "run_snsim.h"

namespace fs = std::filesystem;

namespace {

using snsim_test::run;
using snsim_test::RunResult;
using snsim_test::temp_dir;

const std::string kPreset = std::string(SNSIM_SOURCE_DIR) + "/configs/hbm2e.yaml";

TEST(SnsimMemCommand, PresetStreamsNearPeakUnderTheChecker) {
  const fs::path dir = temp_dir("mem_preset");
  const RunResult r = run("mem -c " + kPreset + " --check -o " + dir.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("checked, 0 timing violations"), std::string::npos) << r.output;
  std::ifstream f(dir / "mem.json");
  const auto j = nlohmann::json::parse(f);
  EXPECT_GE(j["efficiency"].get<double>(), 0.93);  // D14
  EXPECT_TRUE(fs::exists(dir / "stats.json"));
  EXPECT_TRUE(fs::exists(dir / "stats.txt"));
}

TEST(SnsimMemCommand, TraceWithWaveform) {
  const fs::path dir = temp_dir("mem_trace");
  std::ofstream(dir / "t.trace") << "0 W 0x100 128\n10 R 0x100 128\n";
  const RunResult r = run("mem -c " + kPreset + " --trace " + (dir / "t.trace").string() + " --vcd " +
                          (dir / "b.vcd").string() + " -o " + dir.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("1 reads, 1 writes, 256 B"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir / "b.vcd"));
}

TEST(SnsimMemCommand, BadInputIsRefusedWithFileAndLine) {
  const fs::path dir = temp_dir("mem_bad");
  std::ofstream(dir / "t.trace") << "0 R 0x0 64\n1 R 0x400000000 64\n";
  RunResult r = run("mem -c " + kPreset + " --trace " + (dir / "t.trace").string() + " -o " + dir.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("t.trace:2: address 0x400000000 + 64 B is beyond the stack's capacity"),
            std::string::npos)
      << r.output;
  std::ofstream(dir / "c.yaml") << "include: " << kPreset << "\nhbm:\n  timing:\n    tRRD_L: 3\n";
  r = run("mem -c " + (dir / "c.yaml").string() + " -o " + dir.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("c.yaml:4: hbm.timing.tRRD_L: inconsistent timing: tRRD_L >= tRRD_S"),
            std::string::npos)
      << r.output;
}

}  // namespace
