// `snsim mem` in-process (run_mem): reports that follow from the traffic, traces, waveforms,
// determinism, and bad input (config, trace lines, addresses, sizes) refused with file:line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "mem/mem_cmd.h"

namespace fs = std::filesystem;

namespace {

const std::string kPreset = std::string(SNSIM_SOURCE_DIR) + "/configs/hbm2e.yaml";

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("snsim_mem_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

fs::path write(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
  return p;
}

fs::path small_config(const fs::path& dir, const std::string& traffic) {
  return write(dir / "mem.yaml", "include: " + kPreset + "\ntraffic:\n" + traffic);
}

struct Result {
  int status;
  std::string out, err;
};

Result run(snsim::mem::MemOptions o) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const int st = snsim::mem::run_mem(o);
  Result r{st, testing::internal::GetCapturedStdout(), testing::internal::GetCapturedStderr()};
  return r;
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream f(p);
  return nlohmann::json::parse(f);
}

TEST(SnsimMem, GeneratorRunReportsFiguresThatFollowFromTheTraffic) {
  const fs::path dir = temp_dir("gen");
  snsim::mem::MemOptions o;
  o.config = small_config(dir, "  pattern: stream\n  requests: 20000\n  size: 128\n").string();
  o.out_dir = dir.string();
  o.check = true;
  const Result r = run(o);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(", 0 timing violations"), std::string::npos) << r.out;
  const auto j = read_json(dir / "mem.json");
  EXPECT_EQ(j["reads"].get<std::uint64_t>(), 20000u);
  EXPECT_EQ(j["bytes"].get<std::uint64_t>(), 20000u * 128);
  // Bytes over cycles at 1.6 GHz is the bandwidth; streams run close to the peak.
  const double gbs = 20000.0 * 128 / (j["cycles"].get<double>() / 1.6e9) / 1e9;
  EXPECT_NEAR(j["bandwidth_gbs"].get<double>(), gbs, 1e-6);
  EXPECT_GT(j["efficiency"].get<double>(), 0.85);
  EXPECT_LE(j["efficiency"].get<double>(), 1.0);
  EXPECT_GT(j["row_hit_rate"].get<double>(), 0.9);
  EXPECT_GT(j["pj_per_bit"].get<double>(), 3.48);  // at least the data path and I/O per bit [S13]
  EXPECT_GE(j["read_latency_cycles"]["p99"].get<double>(), j["read_latency_cycles"]["p50"].get<double>());
  const auto s = read_json(dir / "stats.json");
  EXPECT_EQ(s["hbm"]["reads"]["value"].get<std::uint64_t>(), 20000u);
  EXPECT_TRUE(s["hbm"]["ch7"]["pc1"]["bank_act"].contains("b31"));
}

TEST(SnsimMem, SameConfigAndSeedGiveIdenticalOutputs) {
  const fs::path a = temp_dir("det_a"), b = temp_dir("det_b");
  const std::string traffic = "  pattern: random\n  requests: 5000\n  read_fraction: 0.6\n  size: 256\n";
  snsim::mem::MemOptions o;
  o.config = small_config(a, traffic).string();
  o.out_dir = a.string();
  ASSERT_EQ(run(o).status, 0);
  o.out_dir = b.string();
  ASSERT_EQ(run(o).status, 0);
  const auto slurp = [](const fs::path& p) {
    std::ifstream f(p);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  EXPECT_EQ(slurp(a / "stats.json"), slurp(b / "stats.json"));
  EXPECT_EQ(slurp(a / "mem.json"), slurp(b / "mem.json"));
  o.seed = 2;  // another seed, other addresses
  ASSERT_EQ(run(o).status, 0);
  EXPECT_NE(slurp(a / "stats.json"), slurp(b / "stats.json"));
}

TEST(SnsimMem, TraceRunAndWaveform) {
  const fs::path dir = temp_dir("trace");
  const fs::path trace = write(dir / "t.trace",
                               "# cycle R|W address size\n"
                               "0 W 0x0 64\n"
                               "\n"
                               "100 R 0 64   # same row: a hit\n"
                               "5000 R 0x3fffffe00 512\n");
  snsim::mem::MemOptions o;
  o.config = kPreset;
  o.trace = trace.string();
  o.out_dir = dir.string();
  o.vcd = (dir / "bus.vcd").string();
  o.check = true;
  const Result r = run(o);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = read_json(dir / "mem.json");
  EXPECT_EQ(j["reads"].get<std::uint64_t>(), 2u);
  EXPECT_EQ(j["writes"].get<std::uint64_t>(), 1u);
  std::ifstream v(dir / "bus.vcd");
  const std::string vcd(std::istreambuf_iterator<char>(v), {});
  EXPECT_NE(vcd.find("$var wire 3 ! row_cmd $end"), std::string::npos);
  EXPECT_NE(vcd.find("$enddefinitions"), std::string::npos);
  EXPECT_NE(vcd.find("b001 !"), std::string::npos) << "no ACT on ch0's row bus";  // ACT code 1
  EXPECT_NE(vcd.find("#3125000"), std::string::npos);  // the 5000-cycle request, at 625 ps/cycle
}

struct BadTrace {
  const char* name;
  const char* text;
  const char* expect;  // after "FILE:"
};

class SnsimMemBadTrace : public ::testing::TestWithParam<BadTrace> {};

TEST_P(SnsimMemBadTrace, IsRefusedWithFileLineAndWhy) {
  const BadTrace b = GetParam();
  const fs::path dir = temp_dir(b.name);
  const fs::path trace = write(dir / "bad.trace", std::string("0 R 0 64\n") + b.text);
  snsim::mem::MemOptions o;
  o.config = kPreset;
  o.trace = trace.string();
  o.out_dir = dir.string();
  const Result r = run(o);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(trace.string() + ":" + b.expect), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, SnsimMemBadTrace,
    ::testing::Values(
        BadTrace{"fields", "10 R 0x40\n", "2: expected 'cycle R|W address size', got 3 fields"},
        BadTrace{"kind", "10 X 0x40 64\n", "2: 'X' is neither R nor W"},
        BadTrace{"cycle", "-5 R 0x40 64\n", "2: cycle '-5' is not a non-negative integer"},
        BadTrace{"address", "10 R 0xzz 64\n", "2: address '0xzz' is not a number"},
        BadTrace{"order", "10 R 0 64\n5 R 0 64\n", "3: cycle 5 is before the previous line's 10"},
        BadTrace{"capacity", "10 R 0x400000000 64\n", "2: address 0x400000000 + 64 B is beyond the stack's capacity"},
        BadTrace{"size", "10 W 0x40 100\n", "2: unsupported size 100 B"},
        BadTrace{"toolarge", "10 W 0x40 1024\n", "2: unsupported size 1024 B"},
        BadTrace{"misaligned", "10 W 0x41 64\n", "2: address 0x41 is not aligned"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SnsimMem, BadConfigIsRefusedNamingTheKey) {
  const fs::path dir = temp_dir("badcfg");
  snsim::mem::MemOptions o;
  o.config = write(dir / "bad.yaml", "include: " + kPreset + "\nhbm:\n  timing:\n    tRAS: 80\n").string();
  o.out_dir = dir.string();
  Result r = run(o);
  EXPECT_EQ(r.status, 2);
  // The relation is reported at its first key, where that is written, with the values used.
  EXPECT_NE(r.err.find("hbm2e.yaml:28: hbm.timing.tRC: inconsistent timing: tRC >= tRAS + tRP does not "
                       "hold (76 < 103)"),
            std::string::npos)
      << r.err;
  o.config = write(dir / "bad2.yaml", "include: " + kPreset + "\nhbm:\n  org:\n    bank_groups: 8\n").string();
  r = run(o);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("hbm.controller.address_map: field bg has 2 bits but the organization needs 3"),
            std::string::npos)
      << r.err;
  o.config = write(dir / "bad3.yaml", "include: " + kPreset + "\ntraffic:\n  size: 1024\n").string();
  r = run(o);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad3.yaml:3: traffic.size: 1024 is out of range [32, 512]"), std::string::npos) << r.err;
}

}  // namespace
