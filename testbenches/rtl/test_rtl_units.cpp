// The router's building blocks, each verilated on its own (testbenches/rtl/CMakeLists.txt) and
// compared cycle by cycle with a small C++ reference: sn_fifo, sn_rr_arb, sn_credit_counter,
// sn_route_select (hashed and adaptive). Each block's assertions are also broken on purpose here and
// seen to fire, with the same stimulus made legal staying silent.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "Vsn_tb_credit.h"
#include "Vsn_tb_fifo.h"
#include "Vsn_tb_route_select.h"
#include "Vsn_tb_rr_arb.h"
#include "noc/sn_flit.h"

namespace snsim::noc {
namespace {

// Rising edge: inputs stay as set; combinational outputs are read after eval() before the edge.
template <class M>
void tick(M& m) {
  m.clk_i = 1;
  m.eval();
  m.clk_i = 0;
  m.eval();
}

template <class M>
void reset(M& m) {
  m.clk_i = 0;
  m.rst_ni = 0;
  m.eval();
  tick(m);
  m.rst_ni = 1;
  m.eval();
}

// Runs body on a fresh model of type M with assertion failures non-fatal; returns whether an error
// was raised and what was printed.
struct Outcome {
  bool error = false;
  std::string log;
};
template <class M>
Outcome with_model(const std::vector<std::string>& plusargs, const std::function<void(M&)>& body) {
  VerilatedContext ctx;
  ctx.fatalOnError(false);
  std::vector<const char*> argv{"tb"};
  for (const std::string& a : plusargs) argv.push_back(a.c_str());
  ctx.commandArgs(static_cast<int>(argv.size()), argv.data());
  ::testing::internal::CaptureStdout();
  {
    M m(&ctx, "dut");
    reset(m);
    body(m);
    m.final();
  }
  return Outcome{ctx.gotError(), ::testing::internal::GetCapturedStdout()};
}

::testing::AssertionResult fired(const Outcome& o, const std::string& name) {
  if (!o.error) return ::testing::AssertionFailure() << "no assertion fired; expected " << name;
  if (o.log.find("assertion " + name + " failed") == std::string::npos) {
    return ::testing::AssertionFailure() << name << " not named in:\n" << o.log.substr(0, 2000);
  }
  return ::testing::AssertionSuccess();
}
::testing::AssertionResult quiet(const Outcome& o) {
  if (o.error || o.log.find("failed") != std::string::npos) {
    return ::testing::AssertionFailure() << "assertion fired on legal stimulus:\n" << o.log.substr(0, 2000);
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------- sn_fifo (Depth 8, Width 16)
constexpr unsigned kFifoDepth = 8;

// Random push/pop in phases that fill and empty the FIFO, against std::deque: data order, head,
// empty/full/count every cycle. Simultaneous push and pop included.
TEST(FifoTest, MatchesDequeUnderRandomPushPop) {
  VerilatedContext ctx;
  Vsn_tb_fifo m(&ctx, "fifo");
  reset(m);
  std::deque<uint16_t> ref;
  std::mt19937 rng(1);
  unsigned saw_full = 0, saw_empty = 0, both = 0;
  for (unsigned cyc = 0; cyc < 40000; ++cyc) {
    const double p_push = (cyc / 500) % 2 ? 0.8 : 0.25;  // filling and draining phases
    const bool push = ref.size() < kFifoDepth && std::bernoulli_distribution(p_push)(rng);
    const bool pop = !ref.empty() && std::bernoulli_distribution(1.0 - p_push)(rng);
    const auto data = static_cast<uint16_t>(rng());
    m.push_i = push;
    m.pop_i = pop;
    m.data_i = data;
    m.eval();
    ASSERT_EQ(m.empty_o, ref.empty()) << "cycle " << cyc;
    ASSERT_EQ(m.full_o, ref.size() == kFifoDepth) << "cycle " << cyc;
    ASSERT_EQ(m.count_o, ref.size()) << "cycle " << cyc;
    if (!ref.empty()) {
      ASSERT_EQ(m.data_o, ref.front()) << "cycle " << cyc;
    }
    saw_full += ref.size() == kFifoDepth;
    saw_empty += ref.empty();
    both += push && pop;
    tick(m);
    if (pop) ref.pop_front();
    if (push) ref.push_back(data);
  }
  EXPECT_GT(saw_full, 100u);
  EXPECT_GT(saw_empty, 100u);
  EXPECT_GT(both, 1000u);
}

TEST(FifoTest, PushWhenFullFires) {
  auto fill = [](unsigned n) {
    return [n](Vsn_tb_fifo& m) {
      for (unsigned i = 0; i < n; ++i) {
        m.push_i = 1;
        m.data_i = static_cast<uint16_t>(i);
        m.pop_i = 0;
        tick(m);
      }
      m.push_i = 0;
      tick(m);
    };
  };
  EXPECT_TRUE(quiet(with_model<Vsn_tb_fifo>({}, fill(kFifoDepth))));
  EXPECT_TRUE(fired(with_model<Vsn_tb_fifo>({}, fill(kFifoDepth + 1)), "NoPushWhenFull"));
}

TEST(FifoTest, PopWhenEmptyFires) {
  auto pops = [](unsigned pushes, unsigned pops) {
    return [=](Vsn_tb_fifo& m) {
      for (unsigned i = 0; i < pushes + pops; ++i) {
        m.push_i = i < pushes;
        m.pop_i = i >= pushes;
        tick(m);
      }
      m.pop_i = 0;
      tick(m);
    };
  };
  EXPECT_TRUE(quiet(with_model<Vsn_tb_fifo>({}, pops(3, 3))));
  EXPECT_TRUE(fired(with_model<Vsn_tb_fifo>({}, pops(3, 4)), "NoPopWhenEmpty"));
}

// ---------------------------------------------------------------- sn_rr_arb (N = 5)
constexpr unsigned kArbN = 5;

// Reference: the winner is the first requester after the last accepted winner, wrapping. After
// reset the search starts at requester 0, as if N-1 had won last.
struct RefArb {
  unsigned last = kArbN - 1;
  int pick(unsigned req) const {
    for (unsigned k = 1; k <= kArbN; ++k) {
      const unsigned i = (last + k) % kArbN;
      if (req & (1u << i)) return static_cast<int>(i);
    }
    return -1;
  }
};

void arb_eval(Vsn_tb_rr_arb& m, unsigned req, bool update) {
  m.req_i = static_cast<uint8_t>(req);
  m.update_i = update;
  m.eval();
}

// Random requests and updates against the reference: grant one-hot (or zero), idx and valid agree.
TEST(RrArbTest, MatchesRoundRobinReference) {
  VerilatedContext ctx;
  ctx.commandArgs(0, static_cast<const char**>(nullptr));  // the fault-hook build reads plusargs
  Vsn_tb_rr_arb m(&ctx, "arb");
  reset(m);
  RefArb ref;
  std::mt19937 rng(2);
  for (unsigned cyc = 0; cyc < 20000; ++cyc) {
    const unsigned req = rng() % (1u << kArbN);
    const bool update = rng() % 3 != 0;
    arb_eval(m, req, update);
    const int w = ref.pick(req);
    ASSERT_EQ(m.valid_o, req != 0);
    ASSERT_EQ(m.gnt_o, w < 0 ? 0u : 1u << w) << "cycle " << cyc << " req " << req;
    if (w >= 0) {
      ASSERT_EQ(m.idx_o, static_cast<unsigned>(w));
    }
    tick(m);
    if (update && w >= 0) ref.last = static_cast<unsigned>(w);
  }
}

// All N requesting: over 1000 N accepted grants each requester gets exactly 1000, in strict turn.
TEST(RrArbTest, AllRequestingGetExactlyOneNth) {
  VerilatedContext ctx;
  ctx.commandArgs(0, static_cast<const char**>(nullptr));  // the fault-hook build reads plusargs
  Vsn_tb_rr_arb m(&ctx, "arb");
  reset(m);
  std::vector<unsigned> grants(kArbN, 0);
  int prev = -1;
  for (unsigned cyc = 0; cyc < 1000 * kArbN; ++cyc) {
    arb_eval(m, (1u << kArbN) - 1, true);
    const int w = static_cast<int>(m.idx_o);
    ASSERT_EQ(m.gnt_o, 1u << w);
    if (prev >= 0) {
      ASSERT_EQ(w, (prev + 1) % static_cast<int>(kArbN));
    }
    prev = w;
    ++grants[w];
    tick(m);
  }
  for (unsigned i = 0; i < kArbN; ++i) EXPECT_EQ(grants[i], 1000u) << "requester " << i;
}

// A requester that keeps requesting against random competitors is granted within N accepted grants.
TEST(RrArbTest, PersistentRequesterWaitsAtMostNGrants) {
  VerilatedContext ctx;
  ctx.commandArgs(0, static_cast<const char**>(nullptr));  // the fault-hook build reads plusargs
  Vsn_tb_rr_arb m(&ctx, "arb");
  reset(m);
  std::mt19937 rng(3);
  for (unsigned k = 0; k < kArbN; ++k) {
    unsigned since = 0, worst = 0;
    for (unsigned cyc = 0; cyc < 5000; ++cyc) {
      arb_eval(m, (rng() % (1u << kArbN)) | (1u << k), true);
      ++since;
      if (m.gnt_o & (1u << k)) {
        worst = std::max(worst, since);
        since = 0;
      }
      tick(m);
    }
    EXPECT_LE(worst, kArbN) << "requester " << k;
  }
}

// Without update_i the priority stays put: the same request always gets the same grant, whatever
// else was requested in between; the next accepted grant then moves it as usual.
TEST(RrArbTest, PriorityMovesOnlyOnUpdate) {
  VerilatedContext ctx;
  ctx.commandArgs(0, static_cast<const char**>(nullptr));  // the fault-hook build reads plusargs
  Vsn_tb_rr_arb m(&ctx, "arb");
  reset(m);
  arb_eval(m, 0b00100, true);  // winner 2: priority now starts at 3
  tick(m);
  std::mt19937 rng(4);
  std::vector<int> first(1u << kArbN, -2);
  for (unsigned cyc = 0; cyc < 5000; ++cyc) {
    const unsigned req = rng() % (1u << kArbN);
    arb_eval(m, req, false);
    const int g = req ? static_cast<int>(m.idx_o) : -1;
    if (first[req] == -2) first[req] = g;
    ASSERT_EQ(g, first[req]) << "grant for request " << req << " changed without update_i";
    tick(m);
  }
  EXPECT_EQ(first[0b11111], 3);
  EXPECT_EQ(first[0b00101], 0);
}

// Fault hooks of the unit build: granting every candidate (GrantOneHot) and granting the winner's
// neighbour (GrantIsRequest). Two requesters are enough for both; without the plusarg, silence.
TEST(RrArbTest, BrokenGrantsFire) {
  auto body = [](Vsn_tb_rr_arb& m) {
    for (unsigned cyc = 0; cyc < 20; ++cyc) {
      arb_eval(m, 0b01010, true);
      tick(m);
    }
  };
  EXPECT_TRUE(quiet(with_model<Vsn_tb_rr_arb>({}, body)));
  EXPECT_TRUE(fired(with_model<Vsn_tb_rr_arb>({"+sn_fault_arb_multi"}, body), "GrantOneHot"));
  EXPECT_TRUE(fired(with_model<Vsn_tb_rr_arb>({"+sn_fault_arb_rotate"}, body), "GrantIsRequest"));
}

// ---------------------------------------------------------------- sn_credit_counter (MaxCredits 6)
constexpr unsigned kMaxCredits = 6;

// Random legal inc/dec (both at once included) against a plain counter: count_o and avail_o.
TEST(CreditCounterTest, TracksIncDec) {
  VerilatedContext ctx;
  Vsn_tb_credit m(&ctx, "credit");
  reset(m);
  unsigned ref = kMaxCredits;
  ASSERT_EQ(m.count_o, kMaxCredits);
  std::mt19937 rng(5);
  unsigned both = 0, zero = 0;
  for (unsigned cyc = 0; cyc < 20000; ++cyc) {
    const bool drain_phase = (cyc / 200) % 2;
    bool dec = ref > 0 && rng() % 4 < (drain_phase ? 3u : 1u);
    bool inc = rng() % 4 < (drain_phase ? 1u : 3u);
    if (inc && !dec && ref == kMaxCredits) inc = false;  // the downstream cannot over-return
    m.inc_i = inc;
    m.dec_i = dec;
    m.eval();
    ASSERT_EQ(m.count_o, ref) << "cycle " << cyc;
    ASSERT_EQ(m.avail_o, ref > 0) << "cycle " << cyc;
    both += inc && dec;
    zero += ref == 0;
    tick(m);
    ref = ref + inc - dec;
  }
  EXPECT_GT(both, 500u);
  EXPECT_GT(zero, 100u);
}

TEST(CreditCounterTest, SendWithoutCreditFires) {
  auto spend = [](unsigned n) {
    return [n](Vsn_tb_credit& m) {
      for (unsigned i = 0; i < n; ++i) {
        m.dec_i = 1;
        tick(m);
      }
      m.dec_i = 0;
      tick(m);
    };
  };
  EXPECT_TRUE(quiet(with_model<Vsn_tb_credit>({}, spend(kMaxCredits))));
  EXPECT_TRUE(fired(with_model<Vsn_tb_credit>({}, spend(kMaxCredits + 1)), "NoSendWithoutCredit"));
}

TEST(CreditCounterTest, CreditOverflowFires) {
  auto ret = [](bool spend_first) {
    return [spend_first](Vsn_tb_credit& m) {
      m.dec_i = spend_first;
      tick(m);
      m.dec_i = 0;
      m.inc_i = 1;
      tick(m);
      m.inc_i = 0;
      tick(m);
    };
  };
  EXPECT_TRUE(quiet(with_model<Vsn_tb_credit>({}, ret(true))));
  EXPECT_TRUE(fired(with_model<Vsn_tb_credit>({}, ret(false)), "NoCreditOverflow"));
}

// ---------------------------------------------------------------- sn_route_select (NumPorts 5, 3 VCs, 3-bit credits)
constexpr unsigned kSelPorts = 5;
constexpr unsigned kSelVcs = 3;
constexpr unsigned kSelSlack = 2;  // the tb's Slack (testbenches/rtl/CMakeLists.txt)
constexpr unsigned kSelCntW = 3;

// credits[o][v] packed as the router wires them: output o VC v at [(o*NumVcs + v)*CntW +: CntW].
uint64_t pack_credits(const unsigned (&credits)[kSelPorts][kSelVcs]) {
  uint64_t bits = 0;
  for (unsigned o = 0; o < kSelPorts; ++o) {
    for (unsigned v = 0; v < kSelVcs; ++v) bits |= uint64_t{credits[o][v]} << ((o * kSelVcs + v) * kSelCntW);
  }
  return bits;
}

// Random entries and flows: port_o and ok_o equal the C++ select_port(flow_hash) and
// entry_routable; an invalid entry, or a set reaching beyond the radix (5..255 here, also when the
// chosen port itself is inside it, and without wrapping past 255), gives ok_o = 0. The entries are
// hashed ones, so random credits on every VC and a lookup in progress change nothing.
TEST(RouteSelectTest, MatchesCppSelectPort) {
  VerilatedContext ctx;
  Vsn_tb_route_select m(&ctx, "sel");
  std::mt19937 rng(6);
  constexpr unsigned kPorts = kSelPorts;
  unsigned ok = 0, beyond = 0, invalid = 0, inside_but_set_beyond = 0;
  for (unsigned i = 0; i < 200000; ++i) {
    TableEntry e;
    // Half small sets inside the radix, half anything an 8-bit field can say.
    e.base = static_cast<uint8_t>(i % 2 ? rng() % kPorts : rng() % 256);
    e.count = static_cast<uint16_t>(1 + (i % 2 ? rng() % (kPorts - e.base % kPorts) : rng() % 256));
    e.valid = rng() % 8 != 0;
    const auto src = static_cast<uint16_t>(rng()), dst = static_cast<uint16_t>(rng());
    m.entry_i = pack_entry(e);
    m.src_i = src;
    m.dst_i = dst;
    m.lookup_i = rng() & 1;
    m.vc_i = static_cast<uint8_t>(rng() % kSelVcs);
    m.credits_i = rng() & ((uint64_t{1} << (kSelPorts * kSelVcs * kSelCntW)) - 1);
    m.eval();
    const unsigned port = select_port(e, flow_hash(src, dst));
    const bool want_ok = e.valid && e.base + e.count - 1u < kPorts;
    ASSERT_EQ(want_ok, entry_routable(e, kPorts));
    ASSERT_EQ(m.ok_o, want_ok) << "base " << +e.base << " count " << e.count << " valid " << e.valid;
    ASSERT_EQ(m.port_o, port & 7u) << "base " << +e.base << " count " << e.count;
    ok += want_ok;
    beyond += e.valid && port >= kPorts;
    inside_but_set_beyond += e.valid && port < kPorts && !want_ok;
    invalid += !e.valid;
  }
  EXPECT_GT(ok, 10000u);
  EXPECT_GT(beyond, 10000u);
  EXPECT_GT(invalid, 10000u);
  EXPECT_GT(inside_but_set_beyond, 1000u);
}

// Adaptive entries (DECISIONS.md D5), every routable set of the 5 ports, random flows, random scores
// on every output VC and a random VC: during a lookup port_o is the C++ select_port_adaptive over
// that VC's scores with the tb's slack of 2 (the first port within 2 of the set's best, scanning
// from the destination's port upward, wrapping). Scores are drawn from 0..1 half of the time, so
// ties among two to five ports are common, and from 0..7 otherwise. Without a lookup the port is the
// destination's (dest_spread, not the flow hash). Counters show that the scores moved heads off the
// destination's port often, that the slack kept heads on ports below the best, and that the scan
// wrapped (a port below the destination's); the mirror is checked on its own too.
TEST(RouteSelectTest, AdaptiveMatchesCppMirror) {
  VerilatedContext ctx;
  Vsn_tb_route_select m(&ctx, "sel");
  std::mt19937 rng(7);
  unsigned moved = 0, below_best = 0, wrapped = 0, single = 0;
  for (unsigned i = 0; i < 200000; ++i) {
    TableEntry e;
    e.base = static_cast<uint8_t>(rng() % kSelPorts);
    e.count = static_cast<uint16_t>(1 + rng() % (kSelPorts - e.base));
    e.valid = true;
    e.adaptive = true;
    unsigned credits[kSelPorts][kSelVcs];
    const unsigned range = i % 2 ? 2 : 8;
    for (auto& port : credits) {
      for (unsigned& c : port) c = static_cast<unsigned>(rng() % range);
    }
    const auto vc = static_cast<uint8_t>(rng() % kSelVcs);
    const auto src = static_cast<uint16_t>(rng()), dst = static_cast<uint16_t>(rng());
    m.entry_i = pack_entry(e);
    m.src_i = src;
    m.dst_i = dst;
    m.vc_i = vc;
    m.credits_i = pack_credits(credits);
    m.lookup_i = 1;
    m.eval();

    unsigned of_vc[kSelPorts];
    for (unsigned o = 0; o < kSelPorts; ++o) of_vc[o] = credits[o][vc];
    const unsigned first = select_port(e, dest_spread(dst));
    const unsigned want = select_port_adaptive(e, dst, of_vc, kSelSlack);
    ASSERT_TRUE(m.ok_o);
    ASSERT_EQ(m.port_o, want) << "base " << +e.base << " count " << e.count << " vc " << +vc << " first "
                              << first << " scores " << of_vc[0] << " " << of_vc[1] << " " << of_vc[2] << " "
                              << of_vc[3] << " " << of_vc[4];
    // The mirror on its own: its port is in the set and within the slack of the best, it is the
    // destination's port whenever that one is, and no port between the destination's and it (in
    // the scan's order) was within the slack.
    const unsigned best = *std::max_element(of_vc + e.base, of_vc + e.base + e.count);
    ASSERT_GE(want, e.base);
    ASSERT_LT(want, e.base + e.count);
    ASSERT_GE(of_vc[want] + kSelSlack, best);
    if (of_vc[first] + kSelSlack >= best) {
      ASSERT_EQ(want, first);
    }
    for (unsigned p = first; p != want; p = p + 1 == e.base + e.count ? e.base : p + 1) {
      ASSERT_LT(of_vc[p] + kSelSlack, best);
    }
    moved += want != first;
    below_best += of_vc[want] < best;
    wrapped += want < first;
    single += e.count == 1;

    m.lookup_i = 0;
    m.eval();
    ASSERT_EQ(m.port_o, first) << "no lookup: the destination's port";
  }
  // Measured: see the counts printed by a failure; each is far above its floor.
  EXPECT_GT(moved, 5000u);
  EXPECT_GT(below_best, 20000u);
  EXPECT_GT(wrapped, 1000u);
  EXPECT_GT(single, 40000u);
}

}  // namespace
}  // namespace snsim::noc
