// DieConfig (`snsim run -c`): the shipped die presets, the mapping onto core::CoreParams,
// core::SimpleGmParams and core::L2Params, the derived cube peak, and its cross-field rules.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "config/die_config.h"

namespace snsim {
namespace {

TEST(DieConfig, ShippedPresetIsThe910CDie) {
  const DieConfig d = load<DieConfig>(std::string(SNSIM_SOURCE_DIR) + "/configs/die.yaml");
  EXPECT_EQ(d.die.aic, 24u);
  EXPECT_EQ(d.die.aiv, 48u);
  EXPECT_EQ(d.die.clock_hz, 1850e6);
  // The preset restates CoreParams's defaults, each with its source beside it.
  const core::CoreParams p = d.core.params(true), def;
  EXPECT_EQ(p.queue_depth, def.queue_depth);
  EXPECT_EQ(p.mte1_latency, def.mte1_latency);
  EXPECT_EQ(p.fix_latency, def.fix_latency);
  // The die reads through its L2 (D17): MTE2 ports at the L2's per-core rate, the L2 at
  // L2Params's defaults, HBM behind it at 1.6 TB/s.
  const core::L2Params l2 = d.gm.l2_params(), l2_def;
  EXPECT_EQ(d.gm.model, GmModel::L2);
  EXPECT_EQ(p.mte2_bytes_per_cycle, l2_def.read_bytes_per_cycle);
  EXPECT_EQ(l2.capacity_bytes, l2_def.capacity_bytes);
  EXPECT_EQ(l2.line_bytes, l2_def.line_bytes);
  EXPECT_EQ(l2.ways, l2_def.ways);
  EXPECT_EQ(l2.read_bytes_per_cycle, l2_def.read_bytes_per_cycle);
  EXPECT_EQ(l2.write_bytes_per_cycle, l2_def.write_bytes_per_cycle);
  EXPECT_EQ(l2.hit_latency, l2_def.hit_latency);
  EXPECT_EQ(l2.miss_latency, l2_def.miss_latency);
  EXPECT_EQ(l2.hbm_bytes_per_cycle, 865);
  // Behind it the rate (docs/core.md gives the measured cost of the other backend), and the 4 HBM2E
  // stacks of the hbm backend: the preset it names is configs/hbm2e.yaml, whose values are also the
  // hbm schema's defaults.
  EXPECT_EQ(d.gm.l2.backend, L2BackendKind::Rate);
  EXPECT_EQ(d.gm.hbm.stacks, 4u);
  EXPECT_EQ(d.gm.hbm.interleave_bytes, 256u);
  EXPECT_EQ(d.gm.hbm.preset.file, "hbm2e.yaml");
  const HbmCfg hbm2e = load<MemConfig>(std::string(SNSIM_SOURCE_DIR) + "/configs/hbm2e.yaml").hbm;
  EXPECT_EQ(d.gm.hbm.preset.hbm, hbm2e);
  EXPECT_EQ(config_defaults<HbmCfg>(), hbm2e);
  // 24 AIC x 4096 MAC x 2 FLOP x 1.85 GHz.
  EXPECT_DOUBLE_EQ(d.cube_peak_flops(), 24.0 * 4096 * 2 * 1.85e9);
}

TEST(DieConfig, HbmOnlyPresetIsTheDieWithoutItsL2) {
  const DieConfig d = load<DieConfig>(std::string(SNSIM_SOURCE_DIR) + "/configs/die-hbm.yaml");
  EXPECT_EQ(d.die.aic, 24u);
  EXPECT_EQ(d.gm.model, GmModel::Simple);
  EXPECT_EQ(d.core.params(true).mte2_bytes_per_cycle, core::CoreParams{}.mte2_bytes_per_cycle);  // HBM's 32
  EXPECT_EQ(d.gm.simple_params().read_bytes_per_cycle, 865);
}

TEST(DieConfig, EveryCoreKeyReachesCoreParams) {
  const DieConfig d = load_string<DieConfig>(
      "core:\n  strict: true\n  queue_depth: 7\n  scalar_cycles: 2\n  sync_cycles: 3\n  mte2_bytes_per_cycle: 110\n"
      "  mte3_bytes_per_cycle: 65\n  mte1_l0a_bytes_per_cycle: 512\n  mte1_l0b_bytes_per_cycle: 257\n"
      "  mte1_latency: 29\n  fix_elements_per_cycle: 33\n  fix_latency: 21\n"
      "gm: {latency: 99, read_bytes_per_cycle: 110, write_bytes_per_cycle: 86, l2: {capacity_bytes: 65536,\n"
      "     line_bytes: 64, ways: 4, read_bytes_per_cycle: 120, write_bytes_per_cycle: 90, hit_latency: 7,\n"
      "     miss_latency: 70}}\n");
  const core::CoreParams p = d.core.params(false);
  EXPECT_TRUE(p.strict);
  EXPECT_FALSE(p.numerics);
  EXPECT_EQ(p.queue_depth, 7u);
  EXPECT_EQ(p.scalar_cycles, 2u);
  EXPECT_EQ(p.sync_cycles, 3u);
  EXPECT_EQ(p.mte2_bytes_per_cycle, 110);
  EXPECT_EQ(p.mte3_bytes_per_cycle, 65);
  EXPECT_EQ(p.mte1_l0a_bytes_per_cycle, 512);
  EXPECT_EQ(p.mte1_l0b_bytes_per_cycle, 257);
  EXPECT_EQ(p.mte1_latency, 29u);
  EXPECT_EQ(p.fix_elements_per_cycle, 33);
  EXPECT_EQ(p.fix_latency, 21u);
  const core::SimpleGmParams g = d.gm.simple_params();
  EXPECT_EQ(g.latency, 99u);
  EXPECT_EQ(g.read_bytes_per_cycle, 110);
  EXPECT_EQ(g.write_bytes_per_cycle, 86);
  const core::L2Params l2 = d.gm.l2_params();
  EXPECT_EQ(l2.capacity_bytes, 65536u);
  EXPECT_EQ(l2.line_bytes, 64u);
  EXPECT_EQ(l2.ways, 4u);
  EXPECT_EQ(l2.read_bytes_per_cycle, 120);
  EXPECT_EQ(l2.write_bytes_per_cycle, 90);
  EXPECT_EQ(l2.hit_latency, 7u);
  EXPECT_EQ(l2.miss_latency, 70u);
  EXPECT_EQ(l2.hbm_bytes_per_cycle, 110);  // the HBM behind the L2 is gm's read rate
}

TEST(DieConfig, HbmBackendNamesAPresetRelativeToItsFile) {
  const std::string dir = std::string(SNSIM_SOURCE_DIR) + "/configs";
  const DieConfig d = load_string<DieConfig>(
      "gm:\n  l2:\n    backend: hbm\n  hbm:\n    preset: hbm3.yaml\n    stacks: 2\n    interleave_bytes: 4096\n",
      dir + "/inline.yaml");
  EXPECT_EQ(d.gm.l2.backend, L2BackendKind::Hbm);
  EXPECT_EQ(d.gm.hbm.stacks, 2u);
  EXPECT_EQ(d.gm.hbm.interleave_bytes, 4096u);
  EXPECT_EQ(d.gm.hbm.preset.hbm, load<MemConfig>(dir + "/hbm3.yaml").hbm);
  EXPECT_EQ(d.gm.hbm.preset.hbm.standard, "HBM3");
}

std::string error_of(const std::string& yaml, const std::string& name = "d.yaml") {
  try {
    load_string<DieConfig>(yaml, name);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(DieConfig, BadValuesNameFileLineAndKey) {
  // AIV L2 ports start at 256 (core::gm_port): more AICs would share them.
  EXPECT_EQ(error_of("die:\n  aic: 257\n  aiv: 514\n"), "d.yaml:2: die.aic: 257 is out of range [1, 256]");
  EXPECT_EQ(error_of("die:\n  aic: 24\n  aiv: 40\n"),
            "d.yaml:3: die.aiv: an AI core is 1 AIC + 2 AIV, so aiv must be 2 x aic = 48");
  EXPECT_EQ(error_of("gm:\n  model: l3\n"), "d.yaml:2: gm.model: 'l3' is not one of simple, l2 (did you mean 'l2'?)");
  EXPECT_EQ(error_of("gm:\n  l2:\n    line_bytes: 96\n"), "d.yaml:3: gm.l2.line_bytes: 96 is not a power of two");
  EXPECT_EQ(error_of("gm:\n  l2:\n    capacity_bytes: 1000000\n"),
            "d.yaml:3: gm.l2.capacity_bytes: 1000000 is not a multiple of line_bytes x ways = 2048");
  // The L2's 32-bit tags (core::l2_max_tag): 2 sets of 128 B lines are too few for a die's 1 TiB.
  EXPECT_EQ(error_of("gm:\n  l2:\n    capacity_bytes: 4096\n"),
            "d.yaml:3: gm.l2.capacity_bytes: 4096 B in 16 ways leaves 2 sets of 128 B lines: a die's 1 TiB of "
            "addresses needs tags up to 4294967296, above the L2's 32-bit tags; make each way (capacity / ways) at "
            "least 512 B");
  EXPECT_EQ(error_of("gm:\n  l2:\n    capacity_bytes: 8192\n"), "no error");
  EXPECT_EQ(error_of("core:\n  mte2_bytes_per_cycle: 0\n"),
            "d.yaml:2: core.mte2_bytes_per_cycle: 0 is out of range > 0");
}

TEST(DieConfig, BadHbmBackendNamesFileLineAndKey) {
  EXPECT_EQ(error_of("gm:\n  l2:\n    backend: dram\n"),
            "d.yaml:3: gm.l2.backend: 'dram' is not one of rate, hbm");
  EXPECT_EQ(error_of("gm:\n  hbm:\n    stacks: 0\n"), "d.yaml:3: gm.hbm.stacks: 0 is out of range [1, 16]");
  EXPECT_EQ(error_of("gm:\n  hbm:\n    stacks: 3\n"), "d.yaml:3: gm.hbm.stacks: 3 is not a power of two");
  EXPECT_EQ(error_of("gm:\n  hbm:\n    interleave_bytes: 64\n"),
            "d.yaml:3: gm.hbm.interleave_bytes: 64 is below l2.line_bytes (128): a line would span stacks");
  EXPECT_EQ(error_of("gm:\n  l2:\n    backend: hbm\n    line_bytes: 1024\n  hbm:\n    interleave_bytes: 1024\n"),
            "d.yaml:4: gm.l2.line_bytes: 1024 B is not one HBM request: a multiple of the preset's 32 B burst, at "
            "most 512 B");
  // An unknown preset: the die config's file and line; the path is relative to that file.
  const std::string dir = std::string(SNSIM_SOURCE_DIR) + "/configs";
  EXPECT_EQ(error_of("gm:\n  hbm:\n    preset: hbm9.yaml\n", dir + "/d.yaml"),
            dir + "/d.yaml:3: gm.hbm.preset: HBM preset '" + dir + "/hbm9.yaml': cannot open: No such file or directory");
  // A bad preset: its own file and line, and where it was named.
  const std::filesystem::path tmp =
      std::filesystem::temp_directory_path() / ("snsim_test_die_config_" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  std::ofstream((tmp / "bad.yaml").string()) << "hbm:\n  org:\n    channels: 3\n";
  EXPECT_EQ(error_of("gm:\n  hbm:\n    preset: bad.yaml\n", (tmp / "d.yaml").string()),
            (tmp / "bad.yaml").string() + ":3: hbm.org.channels: 3 is not a power of two (in the HBM preset named at " +
                (tmp / "d.yaml").string() + ":3)");
  std::filesystem::remove_all(tmp);
}

}  // namespace
}  // namespace snsim
