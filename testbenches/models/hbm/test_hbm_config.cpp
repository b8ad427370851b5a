// HBM presets and the config errors of bad organization or timing: each names the key.
#include <gtest/gtest.h>

#include <string>

#include "config/hbm_config.h"
#include "hbm/address_map.h"

namespace snsim {
namespace {

const std::string kPresets = std::string(SNSIM_SOURCE_DIR) + "/configs/";

std::string error_of(const std::string& yaml) {
  try {
    load_string<MemConfig>("include: " + kPresets + "hbm2e.yaml\n" + yaml, "bad.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(HbmConfig, PresetsHaveThePeakBandwidthOfTheirStandard) {
  const MemConfig e = load<MemConfig>(kPresets + "hbm2e.yaml");
  EXPECT_NEAR(e.hbm.peak_bytes_per_second() / 1e9, 409.6, 1e-9);  // [S11]
  EXPECT_EQ(e.hbm.org.stack_bytes(), std::uint64_t{16} << 30);
  const MemConfig h3 = load<MemConfig>(kPresets + "hbm3.yaml");
  EXPECT_NEAR(h3.hbm.peak_bytes_per_second() / 1e9, 819.2, 1e-9);  // [S10]
  EXPECT_EQ(h3.hbm.org.stack_bytes(), std::uint64_t{16} << 30);
  EXPECT_EQ(h3.hbm.org.channels, 16u);
}

TEST(HbmConfig, SchemaDefaultsAreTheHbm2ePreset) {
  EXPECT_EQ(config_defaults<MemConfig>().hbm, load<MemConfig>(kPresets + "hbm2e.yaml").hbm);
}

TEST(HbmConfig, InconsistentTimingNamesTheKey) {
  const std::string m = error_of("hbm:\n  timing:\n    tRC: 70\n");
  EXPECT_NE(m.find("hbm.timing.tRC"), std::string::npos) << m;
  EXPECT_NE(m.find("tRC >= tRAS + tRP"), std::string::npos) << m;
  EXPECT_NE(error_of("hbm:\n  timing:\n    tCCD_S: 1\n").find("hbm.timing.tCCD_S"), std::string::npos);
  EXPECT_NE(error_of("hbm:\n  timing:\n    tREFISB: 400\n").find("hbm.timing.tREFISB"), std::string::npos);
}

TEST(HbmConfig, InconsistentOrganizationNamesTheKey) {
  // 16 channels but a map with 3 channel bits.
  std::string m = error_of("hbm:\n  org:\n    channels: 16\n");
  EXPECT_NE(m.find("hbm.controller.address_map"), std::string::npos) << m;
  EXPECT_NE(m.find("field ch has 3 bits but the organization needs 4"), std::string::npos) << m;
  m = error_of("hbm:\n  controller:\n    address_map: [bg:2, pc:1, ch:3, ba:2, colx:5, sid:1, row:15]\n");
  EXPECT_NE(m.find("hbm.controller.address_map[4]"), std::string::npos) << m;
  m = error_of("hbm:\n  org:\n    channels: 6\n");
  EXPECT_NE(m.find("bad.yaml:4: hbm.org.channels"), std::string::npos) << m;
  m = error_of("hbm:\n  controller:\n    write_low: 48\n");
  EXPECT_NE(m.find("hbm.controller.write_low"), std::string::npos) << m;
  m = error_of("hbm:\n  org:\n    banks_per_group: 16\n    sids: 4\n");
  EXPECT_NE(m.find("hbm.org.banks_per_group: 256 banks per pseudo-channel"), std::string::npos) << m;
  m = error_of("traffic:\n  size: 48\n");
  EXPECT_NE(m.find("traffic.size: 48 B is not a multiple of the 32 B burst"), std::string::npos) << m;
  m = error_of("traffic:\n  pattern: trace\n");
  EXPECT_NE(m.find("traffic.trace"), std::string::npos) << m;
}

TEST(HbmAddressMap, AlternatesBankGroupsThenPseudoChannelsThenChannels) {
  const HbmCfg cfg = load<MemConfig>(kPresets + "hbm2e.yaml").hbm;
  const hbm::AddressMap map(cfg);
  for (std::uint32_t i = 0; i < 4; ++i) EXPECT_EQ(map.decode(32 * i).bg, i);
  EXPECT_EQ(map.decode(128).pc, 1u);
  EXPECT_EQ(map.decode(256).channel, 1u);
  EXPECT_EQ(map.decode(2048).ba, 1u);
  EXPECT_EQ(map.decode(8192).column, 1u);
  const hbm::Location top = map.decode(cfg.org.stack_bytes() - 32);
  EXPECT_EQ(top.row, cfg.org.rows - 1);
  EXPECT_EQ(top.sid, 1u);
  // XOR hashing moves rows of one bank into different banks, keeping the row.
  HbmCfg x = cfg;
  x.controller.xor_bank_hash = true;
  const hbm::AddressMap hashed(x);
  const std::uint64_t row1 = std::uint64_t{1} << 19;
  EXPECT_EQ(map.decode(row1).bg, 0u);
  EXPECT_EQ(hashed.decode(row1).bg, 1u);
  EXPECT_EQ(hashed.decode(row1).row, 1u);
}

}  // namespace
}  // namespace snsim
