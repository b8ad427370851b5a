// The topology builders and the checks that refuse a network before it is simulated: wiring,
// tables, reachability and the channel dependency graph (deadlock).
#include <gtest/gtest.h>

#include <bit>
#include <string>

#include "noc/topology.h"

namespace snsim::noc {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const TopologyError& e) {
    return e.what();
  }
  return "";
}

unsigned wired_ports(const Topology& t, uint32_t node) {
  unsigned n = 0;
  for (unsigned p = 0; p < t.nodes()[node].ports; ++p) n += t.out_channel({node, p}) != kNoChannel;
  return n;
}

TEST(Topology, MeshTablesAreDimensionOrder) {
  const Topology t = build_mesh(4, 3, 1);
  ASSERT_EQ(t.num_endpoints(), 12u);
  ASSERT_EQ(t.routers().size(), 12u);
  // 4x3 mesh: 12 endpoint links, 3*3 x-links, 4*2 y-links; two channels each.
  EXPECT_EQ(t.channels().size(), 2u * (12 + 9 + 8));
  t.check();
  // Router (1,1) is node r of index 1*4+1; endpoint (3,0) is east first, (1,2) north, (0,0) west.
  const uint32_t r11 = t.routers()[5];
  EXPECT_EQ(t.nodes()[r11].name, "r1_1");
  EXPECT_EQ(t.table(r11)[3].base, 1);   // (3,0): x first, east
  EXPECT_EQ(t.table(r11)[9].base, 3);   // (1,2): north
  EXPECT_EQ(t.table(r11)[1].base, 4);   // (1,0): south
  EXPECT_EQ(t.table(r11)[4].base, 2);   // (0,1): west
  EXPECT_EQ(t.table(r11)[5].base, 0);   // itself: the local port
  EXPECT_EQ(t.table(r11)[3].count, 1);
  // A corner router has its two outward ports unwired.
  EXPECT_EQ(wired_ports(t, t.routers()[0]), 3u);
  EXPECT_EQ(t.inject_mask(0, 11), 1u);
}

TEST(Topology, ClosUpLinksAreOneEqualCostSet) {
  for (bool adaptive : {false, true}) {
    const Topology t = build_clos(4, 3, 2, adaptive, 5);
    ASSERT_EQ(t.num_endpoints(), 12u);
    ASSERT_EQ(t.routers().size(), 6u);  // 4 leaves then 2 spines
    t.check();
    const uint32_t leaf0 = t.routers()[0], spine1 = t.routers()[5];
    EXPECT_EQ(t.nodes()[leaf0].ports, 5u);
    EXPECT_EQ(t.nodes()[spine1].ports, 4u);
    // Leaf 0: its own endpoints 0..2 straight down, the others up over both spines (ports 3, 4).
    EXPECT_EQ(t.table(leaf0)[2].base, 2);
    EXPECT_EQ(t.table(leaf0)[2].count, 1);
    EXPECT_EQ(t.table(leaf0)[7].base, 3);
    EXPECT_EQ(t.table(leaf0)[7].count, 2);
    EXPECT_EQ(t.table(leaf0)[7].adaptive, adaptive);
    EXPECT_FALSE(t.table(leaf0)[2].adaptive);
    // Spine 1: endpoint 7 sits under leaf 2.
    EXPECT_EQ(t.table(spine1)[7].base, 2);
    EXPECT_EQ(t.channels()[0].latency, 5u);
  }
}

TEST(Topology, Cm384HasTheShapeOfHardwareMd) {
  const Topology t = build_cm384(Cm384Shape{}, true, 88);
  EXPECT_EQ(t.num_endpoints(), 768u);
  EXPECT_EQ(t.routers().size(), 448u);  // 7 planes x (48 leaves + 16 spines)
  // 768 dies x 7 links + 7 planes x 48 leaves x 16 up-links (5,376 L1-L2 links, HARDWARE.md §1).
  EXPECT_EQ(t.channels().size(), 2u * (768 * 7 + 5376));
  t.check();
  for (uint32_t r : t.routers()) {
    const bool leaf = t.nodes()[r].name.find("leaf") != std::string::npos;
    EXPECT_EQ(t.nodes()[r].ports, leaf ? 32u : 48u) << t.nodes()[r].name;
    EXPECT_EQ(wired_ports(t, r), t.nodes()[r].ports) << t.nodes()[r].name;
  }
  // A die reaches any other die through all 7 planes.
  EXPECT_EQ(t.inject_mask(0, 767), 0x7fu);
  EXPECT_EQ(t.inject_mask(0, 1), 0x7fu);
}

TEST(Topology, OneNodeHasLeavesOnly) {
  const Topology t = build_cm384(Cm384Shape{1, 16, 7, 16}, false, 88);
  EXPECT_EQ(t.routers().size(), 7u);
  EXPECT_EQ(t.nodes()[t.routers()[0]].ports, 16u);
  t.check();
}

TEST(Topology, SingleTierLinksEveryEndpointToEverySwitch) {
  const Topology t = build_single_tier(72, 18, 4);
  EXPECT_EQ(t.routers().size(), 18u);
  EXPECT_EQ(t.nodes()[t.routers()[0]].ports, 72u);
  t.check();
  EXPECT_EQ(std::popcount(t.inject_mask(5, 70)), 18);
  EXPECT_EQ(t.table(t.routers()[17])[70].base, 70);
}

TEST(Topology, PortWiredTwiceIsRefusedNamingBothEnds) {
  Topology t;
  const uint32_t a = t.add_endpoint("a", 1), b = t.add_endpoint("b", 1), r = t.add_router("r", 2);
  t.connect({a, 0}, {r, 0}, 1);
  const std::string e = error_of([&] { t.connect({b, 0}, {r, 0}, 1); });
  EXPECT_NE(e.find("r.0 is wired twice"), std::string::npos) << e;
  EXPECT_NE(e.find("a.0"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { t.connect({b, 0}, {r, 2}, 1); }).find("port 2 of r, which has 2 ports"), std::string::npos);
  EXPECT_NE(error_of([&] { t.connect({b, 0}, {r, 1}, 0); }).find("at least 1 cycle"), std::string::npos);
  EXPECT_NE(error_of([&] { t.add_router("big", 129); }).find("2..128"), std::string::npos);
}

TEST(Topology, UnwiredOrUnreachableEndpointsAreRefused) {
  {
    Topology t;
    const uint32_t a = t.add_endpoint("a", 1), r = t.add_router("r", 2);
    t.add_endpoint("lonely", 1);
    t.connect({a, 0}, {r, 0}, 1);
    t.route_shortest_paths(false);
    const std::string e = error_of([&] { t.check(); });
    EXPECT_NE(e.find("endpoint lonely is not wired to anything"), std::string::npos) << e;
  }
  {
    // Two islands: a-r1 and b-r2 with no link between the routers.
    Topology t;
    const uint32_t a = t.add_endpoint("a", 1), b = t.add_endpoint("b", 1);
    const uint32_t r1 = t.add_router("r1", 2), r2 = t.add_router("r2", 2);
    t.connect({a, 0}, {r1, 0}, 1);
    t.connect({b, 0}, {r2, 0}, 1);
    t.route_shortest_paths(false);
    const std::string e = error_of([&] { t.check(); });
    EXPECT_NE(e.find("endpoint b cannot reach endpoint a: no path joins them"), std::string::npos) << e;
  }
}

TEST(Topology, TablesThatRouteNowhereOrElsewhereAreRefused) {
  Topology t = build_mesh(2, 1, 1);
  const uint32_t r0 = t.routers()[0];
  Topology bad = t;
  bad.set_entry(r0, 1, TableEntry{3, 1, true, false});  // port 3 (north) is not wired
  std::string e = error_of([&] { bad.check(); });
  EXPECT_NE(e.find("router r0_0 routes endpoint ep1_0 (id 1) to port 3, which is not wired"), std::string::npos) << e;
  bad = t;
  bad.set_entry(r0, 1, TableEntry{0, 1, false, false});
  e = error_of([&] { bad.check(); });
  EXPECT_NE(e.find("router r0_0 has no route to endpoint ep1_0"), std::string::npos) << e;
  bad = t;
  bad.set_entry(r0, 1, TableEntry{0, 1, true, false});  // back to its own endpoint
  e = error_of([&] { bad.check(); });
  EXPECT_NE(e.find("delivered to endpoint ep0_0"), std::string::npos) << e;
}

// n routers in a ring (port 1 to the next one's port 2), one endpoint on port 0 of each, tables
// from shortest paths.
Topology ring(int n) {
  Topology t;
  std::vector<uint32_t> r;
  for (int i = 0; i < n; ++i) {
    const uint32_t ep = t.add_endpoint("e" + std::to_string(i), 1);
    r.push_back(t.add_router("r" + std::to_string(i), 3));
    t.connect({ep, 0}, {r.back(), 0}, 1);
  }
  for (int i = 0; i < n; ++i) t.connect({r[i], 1}, {r[(i + 1) % n], 2}, 1);
  t.route_shortest_paths(false);
  return t;
}

TEST(Topology, RingWithShortestPathsDeadlocksAndTheCycleIsNamed) {
  // Four routers: two-hop routes close a cycle of dependencies.
  const Topology t = ring(4);
  const std::string e = error_of([&] { t.check(); });
  EXPECT_NE(e.find("can deadlock"), std::string::npos) << e;
  EXPECT_NE(e.find("cycle of 4 channels"), std::string::npos) << e;
  // Every router-to-router channel of one direction is in it.
  for (int i = 0; i < 4; ++i) {
    EXPECT_NE(e.find("r" + std::to_string(i) + ".1 -> r" + std::to_string((i + 1) % 4) + ".2"), std::string::npos) << e;
  }
  // Three routers have one-hop routes only: no dependency between ring channels.
  const Topology small = ring(3);
  EXPECT_EQ(error_of([&] { small.check(); }), "");
}

TEST(Topology, ShallowChannelsAreTheOnesBelowTheCreditRoundTrip) {
  const Topology t = build_mesh(2, 1, 10);  // round trip 2 * 10 + 2 + 2 = 24 flits
  EXPECT_EQ(t.shallow_channels(24, 2).size(), 0u);
  const auto shallow = t.shallow_channels(16, 2);
  EXPECT_EQ(shallow.size(), t.channels().size());
  EXPECT_NE(shallow.front().find("(needs 24)"), std::string::npos) << shallow.front();
}

}  // namespace
}  // namespace snsim::noc
