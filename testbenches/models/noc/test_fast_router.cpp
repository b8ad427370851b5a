// The fast router model on its own: the scoreboard harness on parameter sets that no verilated
// build covers (the model is claimed for any legal parameters; test_fast_vs_rtl.cpp proves it equal
// to the RTL where a build exists), each caller protocol check firing under the RTL assertion's
// name, and the implementation factory.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <random>
#include <vector>
#include <ostream>
#include <stdexcept>
#include <string>

#include "noc/fast_router.h"
#include "router_harness.h"

namespace snsim::noc {
namespace {

struct Case {
  const char* name;
  RouterParams params;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// Extremes of every parameter: two ports, one VC and the smallest table, a non-power-of-two radix
// and VC count (port and VC codes that name nothing), odd payloads and the 512-bit one, the largest
// radix and VC count, and buffers deep enough that a VC's ring of slots grows (from 16 slots, with
// its flits wrapped around) while it holds flits. The harness keeps a checksum in the first 64
// payload bits, so payloads are at least that wide here; NarrowPayloadIsTruncated covers narrower
// ones.
const Case kCases[] = {
    {"p2_v1_d2_w64_t2", {2, 1, 2, 64, 2}},
    {"p3_v3_d4_w100_t16", {3, 3, 4, 100, 16}},
    {"p17_v5_d16_w65_t64", {17, 5, 16, 65, 64}},
    {"p5_v2_d256_w64_t16", {5, 2, 256, 64, 16}},
    {"p72_v4_d8_w256_t1024", {72, 4, 8, 256, 1024}},
    {"p128_v16_d4_w512_t256", {128, 16, 4, 512, 256}},
};

class FastRouterParamsTest : public ::testing::TestWithParam<Case> {};

// Random traffic at a load above saturation with slow, stalling sinks, then a drain: no loss,
// duplicate, corruption or reordering, every flit on its table port, credits respected both ways.
TEST_P(FastRouterParamsTest, ScoreboardCleanUnderRandomTraffic) {
  const RouterParams& p = GetParam().params;
  FastRouter r(p);
  tb::HarnessOptions opt;
  opt.seed = 5;
  opt.load = 0.9;
  opt.credit_delay_max = 5;
  opt.stall_prob = 0.005;
  opt.stall_max = 16;
  tb::RouterHarness h(r, opt);
  h.load_identity_table();
  h.run(p.ports >= 64 ? 5000 : 30000);
  h.reset_all();  // mid-traffic: nothing of before may come out afterwards
  h.load_identity_table();
  h.run(p.ports >= 64 ? 5000 : 30000);
  ASSERT_TRUE(h.drain(50000)) << h.outstanding() << " flits never delivered";
  EXPECT_TRUE(h.errors().empty()) << h.error_report();
  EXPECT_GT(h.delivered(), 1000u);
  EXPECT_EQ(r.buffered(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Params, FastRouterParamsTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// Runs f and requires a std::logic_error that names the assertion.
void expect_assertion(const std::function<void()>& f, const std::string& name) {
  try {
    f();
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    return;
  }
  ADD_FAILURE() << "no " << name;
}

LinkFlit flit(uint8_t vc, bool head, bool tail, uint16_t dst) {
  LinkFlit f;
  f.valid = true;
  f.vc = vc;
  f.flit.head = head;
  f.flit.tail = tail;
  f.flit.dst = dst;
  return f;
}

class FastRouterProtocolTest : public ::testing::Test {
 protected:
  FastRouterProtocolTest() : r_(RouterParams{5, 2, 4, 64, 16}) { r_.write_table(1, TableEntry{1, 1, true}); }
  FastRouter r_;
};

TEST_F(FastRouterProtocolTest, FlitIntoFullBufferIsNoFlitWithoutCredit) {
  // Nobody returns credits downstream: 4 flits leave, 4 fill the buffer, the next one overflows.
  expect_assertion([&] {
    r_.set_in(0, flit(0, true, false, 1));
    r_.step();
    for (int k = 0; k < 20; ++k) {
      r_.set_in(0, flit(0, false, false, 1));
      r_.step();
    }
  }, "NoFlitWithoutCredit");
  EXPECT_EQ(r_.buffered(), 4u);  // the failed step changed nothing
}

TEST_F(FastRouterProtocolTest, BodyWithoutHeadIsPacketFraming) {
  expect_assertion([&] {
    r_.set_in(2, flit(1, false, true, 1));
    r_.step();
  }, "PacketFraming");
}

TEST_F(FastRouterProtocolTest, HeadInsidePacketIsPacketFraming) {
  r_.set_in(2, flit(1, true, false, 1));
  r_.step();
  expect_assertion([&] {
    r_.set_in(2, flit(1, true, true, 1));
    r_.step();
  }, "PacketFraming");
}

TEST_F(FastRouterProtocolTest, UnroutableHeadIsHeadRoutable) {
  expect_assertion([&] {
    r_.set_in(0, flit(0, true, true, 2));  // entry 2 never written
    r_.step();
  }, "HeadRoutable");
  expect_assertion([&] {
    r_.set_in(0, flit(0, true, true, 17));  // beyond the 16-entry table
    r_.step();
  }, "HeadRoutable");
  r_.write_table(3, TableEntry{4, 2, true});  // ports 4..5 of a 5-port router
  expect_assertion([&] {
    r_.set_in(0, flit(0, true, true, 3));
    r_.step();
  }, "HeadRoutable");
}

TEST_F(FastRouterProtocolTest, CreditToFullCounterIsNoCreditOverflow) {
  expect_assertion([&] {
    r_.set_out_credit(3, LinkCredit{true, 1});
    r_.step();
  }, "NoCreditOverflow");
}

TEST_F(FastRouterProtocolTest, MissingVcsAreRejected) {
  expect_assertion([&] {
    r_.set_in(0, flit(2, true, true, 1));
    r_.step();
  }, "ArrivingVcExists");
  expect_assertion([&] {
    r_.set_out_credit(0, LinkCredit{true, 3});
    r_.step();
  }, "CreditVcExists");
}

TEST_F(FastRouterProtocolTest, FailedStepChangesNothing) {
  r_.set_in(0, flit(0, true, false, 1));
  r_.step();
  const uint64_t before = r_.cycle();
  r_.set_in(1, flit(0, false, false, 1));
  EXPECT_THROW(r_.step(), std::logic_error);
  EXPECT_EQ(r_.cycle(), before);
  r_.step();  // the bad flit was dropped with the failed step; the head goes on
  EXPECT_TRUE(r_.out(1).valid);
  EXPECT_TRUE(r_.out(1).flit.head);
}

// Payload bits above payload_bits do not exist on the link: a 1-bit and a 65-bit router carry only
// theirs.
TEST(FastRouterTest, NarrowPayloadIsTruncated) {
  for (unsigned bits : {1u, 65u}) {
    FastRouter r(RouterParams{2, 1, 2, bits, 2});
    r.write_table(1, TableEntry{1, 1, true});
    LinkFlit f = flit(0, true, true, 1);
    f.flit.payload.fill(~uint64_t{0});
    r.set_in(0, f);
    r.step();
    r.step();
    const LinkFlit o = r.out(1);
    ASSERT_TRUE(o.valid);
    EXPECT_EQ(o.flit.payload[0], bits == 1 ? 1u : ~uint64_t{0});
    EXPECT_EQ(o.flit.payload[1], bits == 1 ? 0u : 1u);
    EXPECT_EQ(o.flit.payload[2], 0u);
  }
}

// set_in_word() stages what set_in() stages and out_hdr() / out_word() / out_vc() read what out()
// reads: two routers, one driven each way with the same random one-flit packets (payloads
// narrower than, as wide as and wider than a word), show the same outputs and credits every cycle.
TEST(FastRouterTest, WordInterfaceMatchesLinkFlits) {
  for (unsigned bits : {40u, 64u, 100u}) {
    SCOPED_TRACE(bits);
    const RouterParams p{5, 2, 4, bits, 16};
    FastRouter a(p), b(p);
    for (uint32_t d = 0; d < p.ports; ++d) {
      a.write_table(d, TableEntry{static_cast<uint8_t>(d), 1, true});
      b.write_table(d, TableEntry{static_cast<uint8_t>(d), 1, true});
    }
    std::mt19937_64 rng(bits);
    std::vector<std::array<unsigned, 2>> credits(p.ports, {p.buf_depth, p.buf_depth});
    uint64_t delivered = 0;
    for (int cycle = 0; cycle < 4000; ++cycle) {
      for (unsigned i = 0; i < p.ports; ++i) {
        const unsigned vc = rng() % 2;
        if (rng() % 3 == 0 || credits[i][vc] == 0) continue;
        --credits[i][vc];
        LinkFlit f = flit(static_cast<uint8_t>(vc), true, true, static_cast<uint16_t>(rng() % p.ports));
        f.flit.src = static_cast<uint16_t>(rng());
        f.flit.payload[0] = rng();
        a.set_in(i, f);
        const uint64_t hdr = (uint64_t{1} << kHeadBit) | (uint64_t{1} << kTailBit) | (uint64_t{f.flit.dst} << kDstLsb) |
                             (uint64_t{f.flit.src} << kSrcLsb);
        b.set_in_word(i, vc, hdr, f.flit.payload[0]);
      }
      a.step();
      b.step();
      ASSERT_EQ(a.out_valid_ports(), b.out_valid_ports());
      for (unsigned o = 0; o < p.ports; ++o) {
        const LinkFlit fa = a.out(o), fb = b.out(o);
        ASSERT_EQ(fa.valid, fb.valid);
        if (fa.valid) {
          ++delivered;
          ASSERT_EQ(fb.vc, fa.vc);
          ASSERT_EQ(fb.flit.payload, fa.flit.payload);
          ASSERT_EQ(b.out_vc(o), fa.vc);
          ASSERT_EQ(b.out_word(o), fa.flit.payload[0]);
          const uint64_t hdr = (uint64_t{fa.flit.head} << kHeadBit) | (uint64_t{fa.flit.tail} << kTailBit) |
                               (uint64_t{fa.flit.dst} << kDstLsb) | (uint64_t{fa.flit.src} << kSrcLsb);
          ASSERT_EQ(b.out_hdr(o), hdr);
          a.set_out_credit(o, LinkCredit{true, fa.vc});  // the sinks return every credit at once
          b.set_out_credit(o, LinkCredit{true, fa.vc});
        }
      }
      for (unsigned i = 0; i < p.ports; ++i) {
        const LinkCredit ca = a.in_credit(i), cb = b.in_credit(i);
        ASSERT_EQ(ca.valid, cb.valid);
        ASSERT_EQ(ca.vc, cb.vc);
        if (ca.valid) ++credits[i][ca.vc];
      }
    }
    EXPECT_GT(delivered, 5000u);
  }
}

// With VcAlloc::keep, step() builds its requests from waiting sets kept per output VC
// (FastRouter::Scan::Kept); the full scan of every buffered VC (Scan::Full, what VcAlloc::any uses)
// is the reference. Under saturating random traffic with stalling sinks and resets in the middle of
// packets, both must show the same outputs, credits and Stats (stalls, VC blocking, inputs with
// several eligible VCs) every cycle, including a radix above 64 (two-word port sets).
TEST(FastRouterTest, KeptRequestsEqualTheFullScan) {
  for (const RouterParams p : {RouterParams{5, 2, 4, 64, 16}, RouterParams{48, 8, 16, 64, 64},
                               RouterParams{72, 4, 8, 64, 128}}) {
    SCOPED_TRACE(p.ports);
    FastRouter kept(p), full(p, FastRouter::Mutation::None, FastRouter::Scan::Full);
    tb::RouterPair twin(kept, full, [&]() -> std::string {
      const FastRouter::Stats &a = kept.stats(), &b = full.stats();
      if (a.flits_out != b.flits_out || a.alloc_conflicts != b.alloc_conflicts || a.credit_stalls != b.credit_stalls ||
          a.vc_blocked != b.vc_blocked || a.vc_conflicts != b.vc_conflicts || a.late_matches != b.late_matches) {
        return "Stats differ";
      }
      return {};
    });
    tb::HarnessOptions opt;
    opt.seed = 11;
    opt.load = 0.9;
    opt.credit_delay_max = 6;
    opt.stall_prob = 0.01;
    opt.stall_max = 24;
    tb::RouterHarness h(twin, opt);
    h.load_identity_table();
    h.run(4000);
    h.reset_all();  // mid-packet: the waiting sets must be emptied with the buffers
    h.load_identity_table();
    h.run(4000);
    ASSERT_TRUE(h.drain(50000)) << h.outstanding() << " flits never delivered";
    EXPECT_TRUE(twin.mismatch().empty()) << twin.mismatch();
    EXPECT_TRUE(h.errors().empty()) << h.error_report();
    const FastRouter::Stats& s = kept.stats();
    EXPECT_GT(s.credit_stalls, 0u);
    EXPECT_GT(s.vc_blocked, 0u);
    EXPECT_GT(s.vc_conflicts, 0u);
    EXPECT_GT(s.alloc_conflicts, 0u);
    EXPECT_GT(s.late_matches, 0u);
  }
}

// An adaptive entry sends a head to the port of its set with the most credits for its VC, as they
// stand when it arrives (4-flit buffers: no slack); on equal credits it keeps its destination's port.
TEST(FastRouterTest, AdaptiveEntryPrefersTheMostCredits) {
  FastRouter r(RouterParams{4, 2, 4, 64, 16});
  ASSERT_EQ(adapt_slack(4), 0u);
  r.write_table(0, TableEntry{1, 1, true, false});  // endpoint 0: port 1 only
  r.write_table(2, TableEntry{1, 2, true, true});   // endpoint 2: ports 1..2, adaptive
  ASSERT_EQ(select_port(TableEntry{1, 2, true, true}, dest_spread(2)), 1u);  // endpoint 2's port: 1
  const uint16_t src = 5;
  // One flit to port 1 on VC 0, whose credit never comes back: port 1 VC 0 now holds 3, port 2 holds 4.
  r.set_in(0, flit(0, true, true, 0));
  r.step();
  r.step();
  ASSERT_TRUE(r.out(1).valid);
  LinkFlit f = flit(0, true, true, 2);
  f.flit.src = src;
  r.set_in(3, f);
  r.step();
  r.step();
  EXPECT_TRUE(r.out(2).valid) << "the adaptive head did not avoid the port with fewer credits";
  EXPECT_EQ(r.stats().adaptive_detours, 1u);
  // On VC 1 both ports hold 4 credits: the tie goes to the destination's port.
  f.vc = 1;
  r.set_in(3, f);
  r.step();
  r.step();
  EXPECT_TRUE(r.out(1).valid);
}

TEST(FastRouterTest, IllegalParametersAreRejected) {
  EXPECT_THROW(FastRouter(RouterParams{1, 2, 8, 64, 16}), std::invalid_argument);
  EXPECT_THROW(FastRouter(RouterParams{129, 2, 8, 64, 16}), std::invalid_argument);
  EXPECT_THROW(FastRouter(RouterParams{5, 17, 8, 64, 16}), std::invalid_argument);
  EXPECT_THROW(FastRouter(RouterParams{5, 2, 6, 64, 16}), std::invalid_argument);
  EXPECT_THROW(FastRouter(RouterParams{5, 2, 8, 513, 16}), std::invalid_argument);
  EXPECT_THROW(FastRouter(RouterParams{5, 2, 8, 64, 12}), std::invalid_argument);
}

TEST(FastRouterTest, FactoryBuildsBothImplementations) {
  const RouterParams built{5, 2, 4, 64, 1024};
  EXPECT_NE(make_router(built, Impl::rtl, 1), nullptr);
  EXPECT_NE(dynamic_cast<FastRouter*>(make_router(built, Impl::fast, 1).get()), nullptr);
  const RouterParams unbuilt{6, 2, 4, 64, 1024};
  EXPECT_NE(dynamic_cast<FastRouter*>(make_router(unbuilt, Impl::fast, 1).get()), nullptr);
  EXPECT_THROW(make_router(unbuilt, Impl::rtl, 1), std::invalid_argument);
}

}  // namespace
}  // namespace snsim::noc
