// sn_router through the RouterModel interface, checked by the scoreboard harness (router_harness.h):
// zero-load latency on every input/output pair, back-pressure, long random traffic on every
// verilated configuration, VC isolation, equal-cost multipath (hashed and adaptive), reset in the
// middle of packets, and no starvation at a hotspot. Every test ends by requiring an empty error
// list from the harness.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>

#include "Vsn_router_p8_v4_d4_w64_faults.h"
#include "noc/verilated_router.h"
#include "router_harness.h"

namespace snsim::noc::tb {
namespace {

// The five verilated configurations (rtl/CMakeLists.txt). p8_v4 is the fault-injection build; with
// no plusargs it is the plain RTL, and it is the only one with four VCs.
struct Config {
  const char* name;
  RouterParams params;
};
void PrintTo(const Config& c, std::ostream* os) { *os << c.name; }  // readable test names
const Config kConfigs[] = {
    {"p5_v2_d4_w64", {5, 2, 4, 64, 1024}},
    {"p8_v2_d8_w256", {8, 2, 8, 256, 1024}},
    {"p8_v4_d4_w64", {8, 4, 4, 64, 1024}},
    {"p32_v2_d8_w64", {32, 2, 8, 64, 1024}},
    {"p48_v2_d8_w64", {48, 2, 8, 64, 1024}},
};

std::unique_ptr<RouterModel> make_router(const Config& c, uint64_t seed) {
  if (c.params.vcs == 4) {
    return std::make_unique<VerilatedRouter<Vsn_router_p8_v4_d4_w64_faults>>(c.params, seed);
  }
  auto r = make_rtl_router(c.params, seed);
  if (!r) throw std::runtime_error(std::string("no verilated router ") + c.name);
  return r;
}

const Config& config(const std::string& name) {
  for (const Config& c : kConfigs) {
    if (name == c.name) return c;
  }
  throw std::runtime_error("unknown config " + name);
}

class RouterConfigTest : public ::testing::TestWithParam<Config> {};

std::string config_name(const ::testing::TestParamInfo<Config>& info) { return info.param.name; }

// Zero load, one packet in the router at a time, from every input to every output on every VC:
// each flit leaves exactly 2 cycles after it was presented (docs/router.md) on the table's port,
// and its credit comes back upstream exactly 2 cycles after it was presented (dequeued in the
// next cycle, credit registered). A packet longer than twice the buffer depth still moves at one
// flit per cycle, which needs credits to round-trip on time on both sides.
TEST_P(RouterConfigTest, EveryInputToEveryOutputAtZeroLoad) {
  const Config& c = GetParam();
  auto router = make_router(c, 11);
  RouterHarness h(*router, HarnessOptions{});
  h.load_identity_table();
  const RouterParams& p = c.params;

  // Delivery and credit of a flit presented in cycle t are both due in cycle t + 2; the harness
  // may see them in either order within the cycle, so both sides are collected and compared.
  std::multiset<uint64_t> due, credited;
  uint64_t flits = 0, bad_latency = 0, bad_credit = 0;
  h.on_delivery([&](const Delivery& d) {
    ++flits;
    if (d.deliver_cycle - d.inject_cycle != 2) ++bad_latency;
    due.insert(d.inject_cycle + 2);
  });
  unsigned expect_credit_port = 0;
  uint8_t expect_credit_vc = 0;
  h.on_in_credit([&](unsigned port, uint8_t vc, uint64_t cycle) {
    if (port != expect_credit_port || vc != expect_credit_vc) ++bad_credit;
    credited.insert(cycle);
  });

  const unsigned long_len = 2 * p.buf_depth + 1;
  uint64_t sent = 0;
  for (unsigned in = 0; in < p.ports; ++in) {
    for (unsigned out = 0; out < p.ports; ++out) {
      for (unsigned vc = 0; vc < p.vcs; ++vc) {
        // Single flit on every VC, a long packet on one VC per pair (keeps p48 quick).
        const bool long_too = vc == (in + out) % p.vcs;
        for (unsigned len : {1u, long_too ? long_len : 0u}) {
          if (len == 0) continue;
          expect_credit_port = in;
          expect_credit_vc = static_cast<uint8_t>(vc);
          h.enqueue_packet(in, static_cast<uint16_t>(in), static_cast<uint16_t>(out), static_cast<uint8_t>(vc), len);
          // The last flit is presented len-1 cycles after the first and leaves 2 later; its credit
          // is seen in that same cycle.
          h.run(len + 2);
          sent += len;
          ASSERT_EQ(h.outstanding(), 0u) << "in " << in << " out " << out << " vc " << vc << " len " << len;
        }
      }
    }
  }
  EXPECT_EQ(flits, sent);
  EXPECT_EQ(bad_latency, 0u) << "flits whose hop latency was not exactly 2 cycles";
  EXPECT_EQ(bad_credit, 0u) << "credits on the wrong port or VC";
  EXPECT_TRUE(due == credited) << "credits not exactly 2 cycles after their flits were presented";
  EXPECT_TRUE(h.drain(100));
  EXPECT_TRUE(h.errors().empty()) << h.error_report();
}

// Uniform random traffic, packets of 1..17 flits on random VCs, for 100k cycles, then a drain: no
// loss, duplicate, corruption or reordering per flow, every flit on its table port, credits
// respected both ways with the documented timing. Two regimes: offered load above saturation with
// quick credits, and heavy back-pressure (slow credits and frequent sink stalls).
void random_traffic(const Config& c, const HarnessOptions& opt, uint64_t seed, double min_rate) {
  auto router = make_router(c, seed);
  RouterHarness h(*router, opt);
  h.load_identity_table();

  const uint64_t kCycles = 100000;
  const auto t0 = std::chrono::steady_clock::now();
  h.run(kCycles);
  const uint64_t delivered_in_window = h.delivered();
  ASSERT_TRUE(h.drain(20000)) << h.outstanding() << " flits never delivered; " << h.error_report();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  EXPECT_TRUE(h.errors().empty()) << h.error_report();
  EXPECT_EQ(h.delivered(), h.injected());
  // Throughput floor, so that a router that stalls or serializes fails even if it loses nothing.
  const double rate = static_cast<double>(delivered_in_window) / static_cast<double>(kCycles * c.params.ports);
  EXPECT_GT(rate, min_rate) << "flits per port per cycle";
  // Back-pressure reached the sources (credit exhaustion was exercised, not just free flow).
  EXPECT_GT(h.zero_credit_events(), 100u);
  std::printf("[ %s ] %llu flits, %.3f flits/port/cycle, %.1f s\n", c.name,
              static_cast<unsigned long long>(h.delivered()), rate, secs);
}

TEST_P(RouterConfigTest, RandomTrafficAboveSaturation100kCycles) {
  HarnessOptions opt;
  opt.seed = 7;
  opt.load = 0.9;  // above saturation for uniform traffic through a wormhole switch: sources back up
  opt.credit_delay_max = 6;
  opt.stall_prob = 0.002;
  opt.stall_max = 24;
  // Measured 0.59..0.63 flits/port/cycle on the five configurations.
  random_traffic(GetParam(), opt, 2024, 0.45);
}

TEST_P(RouterConfigTest, RandomTrafficHeavyBackPressure100kCycles) {
  HarnessOptions opt;
  opt.seed = 8;
  opt.load = 0.7;
  opt.credit_delay_min = 2;
  opt.credit_delay_max = 20;
  opt.stall_prob = 0.01;
  opt.stall_max = 40;
  random_traffic(GetParam(), opt, 2025, 0.2);  // measured 0.30 (p5) .. 0.47
}

INSTANTIATE_TEST_SUITE_P(AllConfigs, RouterConfigTest, ::testing::ValuesIn(kConfigs), config_name);

// A sink that stops returning credits: the router sends exactly BufDepth flits per VC on that output
// and then nothing, the input buffers fill and the sources run out of credits, other outputs keep
// flowing, and once credits return everything arrives.
void back_pressure(const Config& c) {
  auto router = make_router(c, 3);
  RouterHarness h(*router, HarnessOptions{});
  h.load_identity_table();
  const RouterParams& p = c.params;
  const unsigned blocked = 1;
  for (unsigned v = 0; v < p.vcs; ++v) h.set_withhold(blocked, static_cast<uint8_t>(v), true);
  // Inputs 0 and 2 to the blocked output on every VC: more than the output credits plus the input
  // buffers hold. Input 3 to output 4, untouched by the block.
  for (unsigned v = 0; v < p.vcs; ++v) {
    for (unsigned k = 0; k < 4; ++k) {
      h.enqueue_packet(0, 0, blocked, static_cast<uint8_t>(v), p.buf_depth);
      h.enqueue_packet(2, 2, blocked, static_cast<uint8_t>(v), 3);
    }
  }
  for (unsigned k = 0; k < 40; ++k) h.enqueue_packet(3, 3, 4, 0, 5);
  h.run(300);
  for (unsigned v = 0; v < p.vcs; ++v) {
    EXPECT_EQ(h.delivered_on(blocked, static_cast<uint8_t>(v)), p.buf_depth) << "vc " << v;
    EXPECT_EQ(h.sink_held(blocked, static_cast<uint8_t>(v)), p.buf_depth) << "vc " << v;
    EXPECT_EQ(h.source_credits(0, static_cast<uint8_t>(v)), 0u) << "input 0 buffer not full, vc " << v;
  }
  EXPECT_EQ(h.outstanding(FlowKey{3, 4, 0}), 0u) << "traffic to a free output was held up";
  // Still stopped much later: the router does not leak flits past zero credits.
  const uint64_t before = h.delivered_on(blocked, 0);
  h.run(200);
  EXPECT_EQ(h.delivered_on(blocked, 0), before);
  // Release: everything resumes and arrives.
  for (unsigned v = 0; v < p.vcs; ++v) h.set_withhold(blocked, static_cast<uint8_t>(v), false);
  EXPECT_TRUE(h.drain(2000)) << h.outstanding() << " flits lost";
  EXPECT_GT(h.delivered_on(blocked, 0), before);
  EXPECT_TRUE(h.errors().empty()) << h.error_report();
}
TEST(RouterTest, BackPressureStopsAtZeroCreditsP5) { back_pressure(config("p5_v2_d4_w64")); }
TEST(RouterTest, BackPressureStopsAtZeroCreditsP8V4) { back_pressure(config("p8_v4_d4_w64")); }

// VC 0 of an output is blocked for good (its sink never returns a credit); VC 1.. traffic from the
// same inputs to the same output keeps flowing: a VC without credits does not block the others.
void vc_isolation(const Config& c) {
  auto router = make_router(c, 5);
  RouterHarness h(*router, HarnessOptions{});
  h.load_identity_table();
  const RouterParams& p = c.params;
  const unsigned out = 1;
  h.set_withhold(out, 0, true);
  for (unsigned in : {0u, 2u}) {
    for (unsigned k = 0; k < 6; ++k) h.enqueue_packet(in, static_cast<uint16_t>(in), out, 0, 5);
    for (unsigned v = 1; v < p.vcs; ++v) {
      for (unsigned k = 0; k < 30; ++k) h.enqueue_packet(in, static_cast<uint16_t>(in), out, static_cast<uint8_t>(v), 3);
    }
  }
  h.run(1500);
  EXPECT_EQ(h.delivered_on(out, 0), p.buf_depth) << "blocked VC sent more than its credits";
  for (unsigned in : {0u, 2u}) {
    EXPECT_GT(h.outstanding(FlowKey{static_cast<uint16_t>(in), out, 0}), 0u);
    for (unsigned v = 1; v < p.vcs; ++v) {
      EXPECT_EQ(h.outstanding(FlowKey{static_cast<uint16_t>(in), out, static_cast<uint8_t>(v)}), 0u)
          << "input " << in << " VC " << v << " was blocked by VC 0";
      EXPECT_EQ(h.delivered_on(out, static_cast<uint8_t>(v)), 2u * 30 * 3);
    }
  }
  h.set_withhold(out, 0, false);
  EXPECT_TRUE(h.drain(2000));
  EXPECT_TRUE(h.errors().empty()) << h.error_report();
}
TEST(RouterTest, VcIsolationP5) { vc_isolation(config("p5_v2_d4_w64")); }
TEST(RouterTest, VcIsolationP8V4) { vc_isolation(config("p8_v4_d4_w64")); }

// An entry with four equal-cost ports: 256 flows to one destination spread over all four (each gets a
// fair share), every flow uses exactly one port, and that port is the C++ select_port(flow_hash)
// (the scoreboard checks each flit against it).
TEST(RouterTest, EqualCostMultipathSpreadsFlowsAndKeepsEachOnOnePort) {
  const Config& c = config("p8_v2_d8_w256");
  auto router = make_router(c, 9);
  RouterHarness h(*router, HarnessOptions{});
  const uint16_t dst = 100;
  h.write_table(dst, TableEntry{2, 4, true});  // ports 2..5
  std::map<uint16_t, std::set<unsigned>> ports_of_flow;
  std::map<unsigned, unsigned> flows_per_port;
  h.on_delivery([&](const Delivery& d) { ports_of_flow[d.flow.src].insert(d.out_port); });
  const unsigned kFlows = 256;
  for (unsigned round = 0; round < 3; ++round) {
    for (unsigned s = 0; s < kFlows; ++s) {
      h.enqueue_packet(s % c.params.ports, static_cast<uint16_t>(1000 + s), dst, static_cast<uint8_t>(s % 2), 1 + s % 4);
    }
    h.run(200);
  }
  ASSERT_TRUE(h.drain(20000)) << h.outstanding() << " flits lost";
  EXPECT_TRUE(h.errors().empty()) << h.error_report();
  ASSERT_EQ(ports_of_flow.size(), kFlows);
  for (const auto& [src, ports] : ports_of_flow) {
    EXPECT_EQ(ports.size(), 1u) << "flow from " << src << " used several ports";
    ++flows_per_port[*ports.begin()];
  }
  ASSERT_EQ(flows_per_port.size(), 4u);
  for (const auto& [port, n] : flows_per_port) {
    EXPECT_GE(port, 2u);
    EXPECT_LE(port, 5u);
    EXPECT_GT(n, kFlows / 8) << "port " << port << " got " << n << " of " << kFlows << " flows";
  }
}

// Adaptive entry (DECISIONS.md D5) over ports 1..4 of the 5-port router while the sink of port 2
// withholds VC 0's credits and a packet has used them all up: port 2 holds 0 credits on VC 0, the
// other ports of the set at most BufDepth. 65 new flows to four adaptive destinations on VC 0
// (destinations 100..103, whose own ports are 1, 3, 2 and 4: dest_spread) all avoid port 2 and are
// delivered, each on one port. The same flows through the same set as a hashed
// entry are sent to port 2 where their hash says so (about a quarter of them) and stay stuck there
// until the sink returns credits.
TEST(RouterTest, AdaptiveEntryAvoidsAPortWithoutCredits) {
  const Config& c = config("p5_v2_d4_w64");
  auto router = make_router(c, 23);
  RouterHarness h(*router, HarnessOptions{});
  h.load_identity_table();
  auto dst_of = [](unsigned s) { return static_cast<uint16_t>(100 + s % 4); };
  const TableEntry adaptive{1, 4, true, true}, hashed{1, 4, true, false};
  const unsigned blocked = 2;
  h.set_withhold(blocked, 0, true);
  h.enqueue_packet(0, 0, static_cast<uint16_t>(blocked), 0, c.params.buf_depth);
  h.run(20);
  ASSERT_EQ(h.sink_held(blocked, 0), c.params.buf_depth) << "port 2 VC 0 did not run out of credits";

  std::map<uint16_t, std::set<unsigned>> ports_of_flow;
  std::map<unsigned, unsigned> flows_per_port;
  h.on_delivery([&](const Delivery& d) {
    if (d.flow.dst >= 100 && d.flow.dst < 104) ports_of_flow[d.flow.src].insert(d.out_port);
  });
  // Flows arrive five at a time (one per input), spaced so that the other ports' credits recover.
  auto send_flows = [&](const TableEntry& e) {
    for (unsigned s = 0; s < 4; ++s) h.write_table(dst_of(s), e);
    for (unsigned s = 0; s < 65; ++s) {
      h.enqueue_packet(s % c.params.ports, static_cast<uint16_t>(1000 + s), dst_of(s), 0, 1 + s % 3);
      if (s % c.params.ports == c.params.ports - 1) h.run(12);
    }
    h.run(100);
  };
  send_flows(adaptive);
  EXPECT_EQ(h.delivered_on(blocked, 0), c.params.buf_depth) << "an adaptive flow took the port without credits";
  ASSERT_EQ(ports_of_flow.size(), 65u) << "adaptive flows not delivered";
  for (const auto& [src, ports] : ports_of_flow) {
    ASSERT_EQ(ports.size(), 1u) << "flow from " << src << " used several ports";
    EXPECT_NE(*ports.begin(), blocked);
    ++flows_per_port[*ports.begin()];
  }
  EXPECT_EQ(flows_per_port.size(), 3u) << "ports 1, 3 and 4 should all carry flows";
  EXPECT_TRUE(h.errors().empty()) << h.error_report();

  // The hashed entry: the flows whose hash names port 2 wait there.
  unsigned to_blocked = 0;
  for (unsigned s = 0; s < 65; ++s) {
    to_blocked += select_port(hashed, flow_hash(static_cast<uint16_t>(1000 + s), dst_of(s))) == blocked;
  }
  ASSERT_GT(to_blocked, 8u) << "the test needs flows that hash to port 2";
  ports_of_flow.clear();
  send_flows(hashed);
  for (unsigned s = 0; s < 65; ++s) {
    const auto src = static_cast<uint16_t>(1000 + s);
    if (select_port(hashed, flow_hash(src, dst_of(s))) == blocked) {
      EXPECT_EQ(ports_of_flow.count(src), 0u) << "flow from " << src << " hashes to port 2 and got through";
    }
  }
  EXPECT_EQ(h.delivered_on(blocked, 0), c.params.buf_depth);
  h.set_withhold(blocked, 0, false);
  ASSERT_TRUE(h.drain(5000)) << h.outstanding() << " flits lost";
  unsigned on_blocked = 0;
  for (const auto& [src, ports] : ports_of_flow) on_blocked += ports == std::set<unsigned>{blocked};
  EXPECT_EQ(on_blocked, to_blocked) << "hashed flows that left on port 2 once it had credits again";
  EXPECT_EQ(ports_of_flow.size(), 65u);
  EXPECT_TRUE(h.errors().empty()) << h.error_report();
}

// When an adaptive head counts credits and held flits (docs/router.md, port choice): in the cycle
// it is presented, with the registered counts; a port scores its credits less the flits the router
// holds for it. Ports 1 and 2 form the set, and the destination's port is 1 (4-flit buffers: no
// slack, the best port is taken). A one-flit packet
// presented in cycle 0 is held for port 1 in cycle 1, leaves on it in cycle 2 having taken one of
// its credits; a credit for it may come back in cycle 4. A head presented in cycle 0 does not see it
// yet (a tie: port 1); in cycle 1 it sees it held (port 2), in cycle 2 it sees 3 < 4 credits (port
// 2); with the credit returned in cycle 4 a head of cycle 4 still sees 3 (port 2) and one of cycle 5
// sees 4 again (port 1).
TEST(RouterTest, AdaptiveChoiceUsesTheCountsOfItsArrivalCycle) {
  const Config& c = config("p5_v2_d4_w64");
  auto r = make_router(c, 37);
  const uint16_t dst = 100;
  const TableEntry e{1, 2, true, true};
  r->write_table(1, TableEntry{1, 1, true});
  r->write_table(dst, e);
  ASSERT_EQ(select_port(e, dest_spread(dst)), 1u);
  ASSERT_EQ(adapt_slack(c.params.buf_depth), 0u);
  const uint16_t src = 3;
  auto flit = [](uint16_t from, uint16_t to) {
    Flit f;
    f.head = f.tail = true;
    f.src = from;
    f.dst = to;
    return f;
  };
  // Returns the output on which the adaptive head left (-1: none).
  auto probe = [&](unsigned head_cycle, int credit_cycle) {
    r->reset();
    int port = -1;
    for (unsigned t = 0; t < 12; ++t) {
      if (t == 0) r->set_in(0, LinkFlit{true, 0, flit(7, 1)});
      if (t == head_cycle) r->set_in(3, LinkFlit{true, 0, flit(src, dst)});
      if (static_cast<int>(t) == credit_cycle) r->set_out_credit(1, LinkCredit{true, 0});
      r->step();
      for (unsigned o = 0; o < c.params.ports; ++o) {
        if (r->out(o).valid && r->out(o).flit.dst == dst) port = static_cast<int>(o);
      }
    }
    return port;
  };
  EXPECT_EQ(probe(0, -1), 1) << "a flit arriving in the same cycle counted";
  EXPECT_EQ(probe(1, -1), 2) << "a flit held for the port not counted";
  EXPECT_EQ(probe(2, -1), 2) << "the flit that left in this cycle not counted";
  EXPECT_EQ(probe(4, 4), 2) << "a credit counted in the cycle it arrives";
  EXPECT_EQ(probe(5, 4), 1) << "a credit not counted the cycle after it arrived";
}

// Adaptive entries over ports 2..5 at zero load: every head sees all four ports with the same
// score, so it keeps its destination's port (dest_spread: for 4 ports, the destination's low two bits
// reversed), and 256 flows to 256 consecutive destinations, from any source, spread exactly evenly
// over the set, 64 on each port, as d-mod-k routing does; not all on the lowest port, and not by the
// flow hash (the flows' sources are chosen so that their hashes would pile onto one port).
TEST(RouterTest, AdaptiveEntryAtEqualScoresSpreadsByDestination) {
  const Config& c = config("p8_v2_d8_w256");
  auto router = make_router(c, 29);
  RouterHarness h(*router, HarnessOptions{});
  const TableEntry e{2, 4, true, true};
  std::map<unsigned, unsigned> flows_per_port;
  unsigned not_dest = 0, hash_elsewhere = 0;
  h.on_delivery([&](const Delivery& d) {
    if (!d.head) return;
    ++flows_per_port[d.out_port];
    not_dest += d.out_port != select_port(e, dest_spread(d.flow.dst));
    hash_elsewhere += d.out_port != select_port(e, flow_hash(d.flow.src, d.flow.dst));
  });
  const unsigned kFlows = 256;
  for (unsigned s = 0; s < kFlows; ++s) {
    const auto dst = static_cast<uint16_t>(256 + s);
    h.write_table(dst, e);
    auto src = static_cast<uint16_t>(1000 + s);
    while (select_port(e, flow_hash(src, dst)) != 2) ++src;  // every flow would hash to port 2
    const unsigned len = 1 + s % 4;
    h.enqueue_packet(s % c.params.ports, src, dst, static_cast<uint8_t>(s % 2), len);
    h.run(len + 6);
    ASSERT_EQ(h.outstanding(), 0u) << "flow " << s;
  }
  EXPECT_TRUE(h.errors().empty()) << h.error_report();
  EXPECT_EQ(not_dest, 0u) << "heads that saw equal scores left on another port than their destination's";
  EXPECT_GT(hash_elsewhere, kFlows / 2) << "the flow hash, not the destination, chose the ports";
  ASSERT_EQ(flows_per_port.size(), 4u);
  for (const auto& [port, n] : flows_per_port) {
    EXPECT_GE(port, 2u);
    EXPECT_LE(port, 5u);
    EXPECT_EQ(n, kFlows / 4) << "port " << port << " got " << n << " of " << kFlows << " flows";
  }
}

// Random traffic above saturation with sink stalls, every destination adaptive over four ports
// (0..3 or 4..7): the scoreboard accepts any port of the set but requires each packet on one port,
// flows in order, nothing lost or corrupted. Under load the scores differ by more than the slack, so
// many heads leave on another port than their destination's; all eight ports carry traffic.
TEST(RouterTest, AdaptiveEntriesUnderRandomTraffic) {
  const Config& c = config("p8_v2_d8_w256");
  auto router = make_router(c, 31);
  HarnessOptions opt;
  opt.seed = 12;
  opt.load = 0.9;
  opt.credit_delay_max = 8;
  opt.stall_prob = 0.005;
  opt.stall_max = 30;
  RouterHarness h(*router, opt);
  for (unsigned d = 0; d < c.params.ports; ++d) {
    h.write_table(static_cast<uint16_t>(d), TableEntry{static_cast<uint8_t>(d / 4 * 4), 4, true, true});
  }
  std::vector<uint64_t> heads(c.params.ports, 0);
  uint64_t not_dest = 0;
  h.on_delivery([&](const Delivery& d) {
    if (!d.head) return;
    ++heads[d.out_port];
    const TableEntry e{static_cast<uint8_t>(d.flow.dst / 4 * 4), 4, true, true};
    not_dest += d.out_port != select_port(e, dest_spread(d.flow.dst));
  });
  h.run(20000);
  ASSERT_TRUE(h.drain(20000)) << h.outstanding() << " flits never delivered; " << h.error_report();
  EXPECT_TRUE(h.errors().empty()) << h.error_report();
  EXPECT_EQ(h.delivered(), h.injected());
  uint64_t all = 0;
  for (uint64_t n : heads) all += n;
  for (unsigned o = 0; o < c.params.ports; ++o) EXPECT_GT(heads[o], all / 32) << "output " << o;
  EXPECT_GT(not_dest, all / 10) << "the scores never changed a choice";
}

// Reset while packets are cut in half on the outputs and the buffers hold flits. Afterwards nothing
// stale comes out and no stale credit comes back, every output VC is free with BufDepth credits
// (exactly BufDepth flits leave per VC towards sinks that return nothing), every input buffer is
// empty (2 x BufDepth flits per VC are accepted without an overflow assertion), and new traffic is
// delivered correctly.
void reset_mid_traffic(const Config& c) {
  auto router = make_router(c, 13);
  HarnessOptions opt;
  opt.seed = 99;
  opt.load = 0.8;
  opt.credit_delay_max = 4;
  RouterHarness h(*router, opt);
  h.load_identity_table();
  const RouterParams& p = c.params;
  h.run(3000);
  unsigned tries = 0;
  while (h.outputs_mid_packet() < 2 && tries++ < 1000) h.run(1);
  ASSERT_GE(h.outputs_mid_packet(), 2u) << "no packet in flight to cut";
  ASSERT_GT(h.outstanding(), 0u);
  ASSERT_TRUE(h.errors().empty()) << h.error_report();

  h.reset_all();
  h.set_load(0);
  h.run(20);
  EXPECT_EQ(h.delivered(), 0u);
  EXPECT_TRUE(h.errors().empty()) << "stale flits or credits after reset: " << h.error_report();

  for (unsigned o = 0; o < p.ports; ++o) {
    for (unsigned v = 0; v < p.vcs; ++v) h.set_withhold(o, static_cast<uint8_t>(v), true);
  }
  std::vector<uint64_t> before(p.ports * p.vcs);
  for (unsigned o = 0; o < p.ports; ++o) {
    for (unsigned v = 0; v < p.vcs; ++v) before[o * p.vcs + v] = h.delivered_on(o, static_cast<uint8_t>(v));
  }
  for (unsigned in = 0; in < p.ports; ++in) {
    for (unsigned v = 0; v < p.vcs; ++v) {
      for (unsigned k = 0; k < 3 * p.buf_depth; ++k) {
        h.enqueue_packet(in, static_cast<uint16_t>(in), static_cast<uint16_t>((in + 1) % p.ports), static_cast<uint8_t>(v), 1);
      }
    }
  }
  h.run(200);
  for (unsigned o = 0; o < p.ports; ++o) {
    for (unsigned v = 0; v < p.vcs; ++v) {
      EXPECT_EQ(h.delivered_on(o, static_cast<uint8_t>(v)) - before[o * p.vcs + v], p.buf_depth)
          << "output " << o << " VC " << v << ": credits or VC state not restored by reset";
      EXPECT_EQ(h.source_credits(o, static_cast<uint8_t>(v)), 0u) << "input buffer did not take BufDepth flits";
    }
  }
  for (unsigned o = 0; o < p.ports; ++o) {
    for (unsigned v = 0; v < p.vcs; ++v) h.set_withhold(o, static_cast<uint8_t>(v), false);
  }
  ASSERT_TRUE(h.drain(5000));
  h.set_load(0.8);
  h.run(5000);
  EXPECT_TRUE(h.drain(5000)) << h.outstanding() << " flits lost after reset";
  EXPECT_GT(h.delivered(), 1000u);
  EXPECT_TRUE(h.errors().empty()) << h.error_report();
}
TEST(RouterTest, ResetMidTrafficP5) { reset_mid_traffic(config("p5_v2_d4_w64")); }
TEST(RouterTest, ResetMidTrafficP8V4) { reset_mid_traffic(config("p8_v4_d4_w64")); }

// Hotspot: every input floods output 0 on every VC. With single-flit packets each input is served
// within NumVcs x NumPorts grants of the output (docs/router.md, Allocation) and gets 1/NumPorts of
// the output; with 1..17-flit packets every input still gets at least half its fair share.
void hotspot(const Config& c, unsigned max_len) {
  auto router = make_router(c, 17);
  RouterHarness h(*router, HarnessOptions{});
  h.load_identity_table();
  const RouterParams& p = c.params;
  std::vector<uint64_t> per_input(p.ports, 0), last_grant(p.ports, 0);
  uint64_t grants = 0, worst_gap = 0;
  h.on_delivery([&](const Delivery& d) {
    ++grants;
    if (last_grant[d.in_port] != 0) worst_gap = std::max(worst_gap, grants - last_grant[d.in_port]);
    last_grant[d.in_port] = grants;
    ++per_input[d.in_port];
  });
  std::mt19937 rng(5);
  const uint64_t kCycles = 20000;
  for (uint64_t t = 0; t < kCycles; t += 50) {
    // Keep every input backlogged on every VC (far more than 50 cycles of its fair share).
    for (unsigned in = 0; in < p.ports; ++in) {
      while (h.queued(in) < 40 * p.vcs) {
        for (unsigned v = 0; v < p.vcs; ++v) {
          h.enqueue_packet(in, static_cast<uint16_t>(in), 0, static_cast<uint8_t>(v), 1 + rng() % max_len);
        }
      }
    }
    h.run(50);
  }
  EXPECT_GT(grants, kCycles * 9 / 10) << "the hotspot output was not kept busy";
  for (unsigned in = 0; in < p.ports; ++in) {
    const double share = static_cast<double>(per_input[in]) / static_cast<double>(grants);
    if (max_len == 1) {
      EXPECT_NEAR(share, 1.0 / p.ports, 0.1 / p.ports) << "input " << in;
    } else {
      EXPECT_GT(share, 0.5 / p.ports) << "input " << in;
    }
  }
  if (max_len == 1) {
    EXPECT_LE(worst_gap, uint64_t{p.vcs} * p.ports);
  }
  EXPECT_TRUE(h.drain(100000));
  EXPECT_TRUE(h.errors().empty()) << h.error_report();
}
TEST(RouterTest, HotspotSingleFlitRoundRobinP5) { hotspot(config("p5_v2_d4_w64"), 1); }
TEST(RouterTest, HotspotSingleFlitRoundRobinP8V4) { hotspot(config("p8_v4_d4_w64"), 1); }
TEST(RouterTest, HotspotLongPacketsNoStarvationP8V4) { hotspot(config("p8_v4_d4_w64"), 17); }

// The scoreboard itself can fail: the same random traffic through the router with one allocation
// rule broken (SN_FAULT_INJECT hooks of the p8_v4 build) must produce harness errors of the kind
// that fault causes. Assertion messages are captured, not fatal: the harness has to see the damage
// on the pins by itself.
struct Breakage {
  const char* plusarg;
  const char* harness_message;  // what the scoreboard must report
};
void PrintTo(const Breakage& b, std::ostream* os) { *os << b.plusarg; }
class ScoreboardCatchesTest : public ::testing::TestWithParam<Breakage> {};

TEST_P(ScoreboardCatchesTest, BrokenRouter) {
  const Breakage& b = GetParam();
  ::testing::internal::CaptureStdout();
  std::string report;
  bool drained = false;
  {
    VerilatedRouter<Vsn_router_p8_v4_d4_w64_faults> router(config("p8_v4_d4_w64").params, 21,
                                                           {std::string("+") + b.plusarg});
    router.context().fatalOnError(false);
    HarnessOptions opt;
    opt.seed = 3;
    opt.load = 0.9;
    opt.credit_delay_max = 3;
    RouterHarness h(router, opt);
    h.load_identity_table();
    h.run(3000);
    drained = h.drain(3000);
    report = h.error_report();
    EXPECT_FALSE(h.errors().empty() && drained) << "+" << b.plusarg << " went unnoticed";
  }
  ::testing::internal::GetCapturedStdout();
  EXPECT_NE(report.find(b.harness_message), std::string::npos) << "+" << b.plusarg << ": " << report;
}

const Breakage kBreakages[] = {
    {"sn_fault_sa_drop", "matches nothing outstanding"},       // output sends, input keeps the flit
    {"sn_fault_sa_misroute", "the table says"},                // flit leaves on the wrong port
    {"sn_fault_ignore_busy", "inside the packet of"},          // two packets interleave on one VC
    {"sn_fault_ignore_credit", "more than the 4 credits"},     // a credit spent before it arrived
    {"sn_fault_sa_phantom", "credit returned beyond"},         // credit for a flit never dequeued
    {"sn_fault_arb_multi", "out of order"},                    // several flits popped, one sent
};
INSTANTIATE_TEST_SUITE_P(Faults, ScoreboardCatchesTest, ::testing::ValuesIn(kBreakages),
                         [](const ::testing::TestParamInfo<Breakage>& i) { return std::string(i.param.plusarg); });

}  // namespace
}  // namespace snsim::noc::tb
