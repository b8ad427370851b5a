// NetConfig: the shipped config, its cross-field rules, and docs/config.md.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config/net_config.h"
#include "config/reference.h"

namespace snsim {
namespace {

const std::string kData = SNSIM_TEST_DATA_DIR;

std::string error_of(const std::string& file) {
  const std::string path = kData + "/" + file;
  try {
    load<NetConfig>(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for " << path;
  return "";
}

TEST(NetConfig, ShippedSwitch8ConfigEqualsTheDefaults) {
  const NetConfig cfg =
      load<NetConfig>(std::string(SNSIM_SOURCE_DIR) + "/configs/switch8-net.yaml");
  EXPECT_EQ(cfg, config_defaults<NetConfig>());
  EXPECT_EQ(cfg.seed, 1u);
  EXPECT_EQ(cfg.clock_hz, 875e6);
  EXPECT_EQ(cfg.router.ports, 8u);
  EXPECT_EQ(cfg.router.vcs, 2u);
  EXPECT_EQ(cfg.router.buf_depth, 8u);
  EXPECT_EQ(cfg.router.payload_bits, 256u);
  EXPECT_EQ(cfg.router.table_depth, 1024u);
  EXPECT_EQ(cfg.router.impl, RouterImpl::Rtl);
  EXPECT_TRUE(cfg.router.routes.empty());
  EXPECT_EQ(cfg.traffic.pattern, TrafficPattern::Uniform);
  EXPECT_EQ(cfg.traffic.packet_flits, 4u);
  EXPECT_EQ(cfg.traffic.loads.size(), 9u);
  EXPECT_EQ(cfg.traffic.loads.back(), 0.9);
  EXPECT_EQ(cfg.traffic.hotspot_fraction, 0.2);
  EXPECT_EQ(cfg.traffic.warmup_cycles, 2000u);
  EXPECT_EQ(cfg.traffic.measure_cycles, 10000u);
  EXPECT_EQ(cfg.traffic.drain_cycles, 20000u);
  EXPECT_EQ(cfg.traffic.sink_credit_delay, 1u);
  EXPECT_EQ(cfg.log_level, LogLevel::Warn);
}

TEST(NetConfig, EchoRoundTrips) {
  const NetConfig cfg = load<NetConfig>(kData + "/net_routes_ok.yaml");
  const auto j = to_json(cfg);
  EXPECT_EQ(j["clock"], "875MHz");
  EXPECT_EQ(j["traffic"]["pattern"], "hotspot");
  EXPECT_EQ(load_string<NetConfig>(j.dump()), cfg);
}

TEST(NetConfig, RoutesOverrideTheDefaultTable) {
  const NetConfig cfg = load<NetConfig>(kData + "/net_routes_ok.yaml");
  const auto table = build_route_table(cfg.router);
  ASSERT_EQ(table.size(), 16u);
  EXPECT_EQ(table[0], (RouteEntry{0, 1}));
  EXPECT_EQ(table[3], (RouteEntry{4, 2}));  // overridden
  EXPECT_EQ(table[7], (RouteEntry{7, 1}));
  EXPECT_EQ(table[12], (RouteEntry{0, 4}));  // extra endpoint
  EXPECT_EQ(table[13], (RouteEntry{}));      // no route
}

TEST(NetConfig, UnknownKeySuggests) {
  EXPECT_EQ(error_of("net_unknown_key.yaml"),
            kData + "/net_unknown_key.yaml:4: router.portz: unknown key (did you mean 'ports'?)");
}

TEST(NetConfig, WrongType) {
  EXPECT_EQ(error_of("net_wrong_type.yaml"),
            kData + "/net_wrong_type.yaml:3: traffic.loads[2]: expected a number, got 'abc'");
}

TEST(NetConfig, OutOfRange) {
  EXPECT_EQ(error_of("net_out_of_range.yaml"),
            kData + "/net_out_of_range.yaml:7: router.ports: 200 is out of range [2, 128]");
}

TEST(NetConfig, BadEnumValue) {
  EXPECT_EQ(error_of("net_bad_enum.yaml"),
            kData +
                "/net_bad_enum.yaml:2: traffic.pattern: 'unifrom' is not one of uniform, "
                "hotspot, permutation, transpose, all_to_all, all_reduce (did you mean 'uniform'?)");
}

TEST(NetConfig, NonPowerOfTwo) {
  EXPECT_EQ(error_of("net_not_pow2.yaml"),
            kData + "/net_not_pow2.yaml:3: router.buf_depth: 12 is not a power of two");
}

TEST(NetConfig, RouteToNonexistentPort) {
  EXPECT_EQ(error_of("net_route_bad_port.yaml"),
            kData +
                "/net_route_bad_port.yaml:5: router.routes[0].ports[1]: port 8 does not exist "
                "(router.ports is 8)");
}

TEST(NetConfig, RouteWithNonContiguousPorts) {
  EXPECT_EQ(error_of("net_route_gap.yaml"),
            kData +
                "/net_route_gap.yaml:6: router.routes[1].ports[1]: ports must be a contiguous "
                "ascending run base..base+n-1, got [1, 3]");
}

TEST(NetConfig, DuplicateRouteDestination) {
  EXPECT_EQ(error_of("net_route_dup.yaml"),
            kData +
                "/net_route_dup.yaml:8: router.routes[2].dst: duplicate route for endpoint 5 "
                "(first in routes[0])");
}

TEST(NetConfig, RouteBeyondTheTable) {
  EXPECT_EQ(error_of("net_route_dst_range.yaml"),
            kData +
                "/net_route_dst_range.yaml:4: router.routes[0].dst: endpoint 64 is beyond the "
                "table (router.table_depth is 64)");
}

TEST(NetConfig, RouteWithoutDestination) {
  EXPECT_EQ(error_of("net_route_no_dst.yaml"),
            kData + "/net_route_no_dst.yaml:3: router.routes[0].dst: missing required key");
}

TEST(NetConfig, TableTooSmallForTheDefaultEndpoints) {
  EXPECT_EQ(error_of("net_table_small.yaml"),
            kData +
                "/net_table_small.yaml:3: router.table_depth: 4 entries cannot route the 8 "
                "endpoints behind the ports (need table_depth >= ports)");
}

TEST(NetConfig, HotspotPortBeyondTheRadix) {
  EXPECT_EQ(error_of("net_hotspot_port.yaml"),
            kData +
                "/net_hotspot_port.yaml:5: traffic.hotspot_port: endpoint 9 does not exist "
                "(the network has 8)");
}

TEST(NetConfig, ErrorInIncludedFileCitesIt) {
  EXPECT_EQ(error_of("net_include_bad.yaml"),
            kData + "/inc/net_bad_router.yaml:3: router.vcs: 0 is out of range [1, 16]");
}

TEST(NetConfig, IncludeOverride) {
  const NetConfig cfg = load<NetConfig>(kData + "/net_include_override.yaml");
  EXPECT_EQ(cfg.router.ports, 16u);  // from the including file
  EXPECT_EQ(cfg.router.vcs, 4u);     // from the included file, not overridden
  EXPECT_EQ(cfg.traffic.loads, (std::vector<double>{0.5}));
  EXPECT_EQ(cfg.seed, 1u);
}

TEST(NetConfig, IncludeCycle) {
  EXPECT_EQ(error_of("cycle_a.yaml"), kData + "/cycle_b.yaml:2: include: include cycle: " + kData +
                                          "/cycle_a.yaml -> " + kData + "/cycle_b.yaml -> " +
                                          kData + "/cycle_a.yaml");
}

TEST(ConfigReference, DocsConfigMdIsUpToDate) {
  const std::string path = std::string(SNSIM_SOURCE_DIR) + "/docs/config.md";
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_TRUE(ss.str() == config_reference_markdown())
      << "docs/config.md differs from the config schemas; regenerate it with:\n"
         "  cmake --build build --target config-doc";
}

}  // namespace
}  // namespace snsim
