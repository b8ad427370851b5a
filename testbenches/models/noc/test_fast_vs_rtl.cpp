// The fast router model against the verilated RTL (DECISIONS.md D6): both routers get the same
// inputs every cycle and must show the same outputs every cycle (out valid, and VC and flit of a
// valid flit; in_credit valid and VC), on every verilated configuration: 1M cycles at 5 and 8 ports
// (both 8-port builds) and at 32 ports, 200k at 48, with VCs kept end to end; and again with VCs
// reassigned per hop (VcAlloc::any, the RTL's vc_any_i strap): 1M cycles at 5 ports and the 4-VC
// build, 200k at 8 (256-bit) and 32 ports, 100k at 48.
//
// Stimulus: the scoreboard harness (testbenches/rtl/router_harness.h) drives the RTL's outputs, so
// it stays legal for the RTL (sources hold credits per VC, whole packets of 1..17 flits per VC),
// and checks the RTL besides (no loss, order, table port, wormhole). On top of it, phases of
// uniform traffic at several loads, hotspots onto equal-cost sets (table entries of 2..4 ports, so
// several flows contend for the same outputs; some sets adaptive, choosing by output credits),
// sinks that stall, withhold credits or return them late, and resets in the middle of packets,
// after which the table is reloaded with a new pattern. The RTL starts from register values
// randomized under a fixed seed (VerilatedRouter).
//
// Coverage: allocator conflicts (an output requested by more inputs than it grants), matches made by
// the allocator's second iteration, zero-credit stalls, VC blocking (a head waiting for an output VC
// that carries another packet), adaptive choices that differ from the hashed port, and resets with
// a packet half delivered must each be above zero; so must, with VcAlloc::any, heads that left on
// another VC than they arrived on (none with VcAlloc::keep). A fast model with one allocation rule
// changed (FastRouter::Mutation) must be caught within a few thousand cycles.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>

#include "Vsn_router_p8_v4_d4_w64_faults.h"
#include "noc/fast_router.h"
#include "noc/verilated_router.h"
#include "router_harness.h"

namespace snsim::noc {
namespace {

std::string describe(const LinkFlit& f) {
  if (!f.valid) return "idle";
  return fmt::format("vc {} head {} tail {} src {} dst {} payload[0] {:#x}", f.vc, f.flit.head, f.flit.tail,
                     f.flit.src, f.flit.dst, f.flit.payload[0]);
}

// Lockstep: one RouterModel that is two routers. Every input goes to both; after every clock edge
// (steps, table writes, resets) all outputs of both are compared. Its own outputs are the RTL's,
// so the stimulus around it stays legal for the reference whatever the fast model does. The first
// difference (or a protocol check thrown by the fast model) is recorded and the fast model is not
// stepped any further.
class Lockstep final : public RouterModel {
 public:
  Lockstep(RouterModel& rtl, FastRouter& fast) : rtl_(rtl), fast_(fast) { compare(); }

  const RouterParams& params() const override { return rtl_.params(); }
  void reset() override {
    rtl_.reset();
    if (!mismatch_) fast_.reset();
    compare();
  }
  void write_table(uint32_t dst, const TableEntry& e) override {
    rtl_.write_table(dst, e);
    guarded([&] { fast_.write_table(dst, e); });
    compare();
  }
  void set_in(unsigned port, const LinkFlit& f) override {
    rtl_.set_in(port, f);
    if (!mismatch_) fast_.set_in(port, f);
  }
  void set_out_credit(unsigned port, const LinkCredit& c) override {
    rtl_.set_out_credit(port, c);
    if (!mismatch_) fast_.set_out_credit(port, c);
  }
  void step() override {
    rtl_.step();
    guarded([&] { fast_.step(); });
    compare();
  }
  LinkFlit out(unsigned port) const override { return rtl_.out(port); }
  LinkCredit in_credit(unsigned port) const override { return rtl_.in_credit(port); }
  uint64_t cycle() const override { return rtl_.cycle(); }
  void open_trace(const std::string& path) override { rtl_.open_trace(path); }
  void close_trace() override { rtl_.close_trace(); }

  bool mismatch() const { return mismatch_; }
  uint64_t mismatch_cycle() const { return mismatch_cycle_; }
  const std::string& report() const { return report_; }

 private:
  template <class F>
  void guarded(F&& f) {
    if (mismatch_) return;
    try {
      f();
    } catch (const std::logic_error& e) {
      record(fmt::format("the fast model threw: {}", e.what()));
    }
  }
  void record(std::string what) {
    mismatch_ = true;
    mismatch_cycle_ = rtl_.cycle();
    report_ = fmt::format("cycle {}: {}", mismatch_cycle_, what);
  }
  void compare() {
    if (mismatch_) return;
    if (rtl_.cycle() != fast_.cycle()) {
      return record(fmt::format("cycle counts differ: rtl {} fast {}", rtl_.cycle(), fast_.cycle()));
    }
    for (unsigned p = 0; p < rtl_.params().ports; ++p) {
      const LinkFlit a = rtl_.out(p), b = fast_.out(p);
      if (a.valid != b.valid || (a.valid && (a.vc != b.vc || !(a.flit == b.flit)))) {
        return record(fmt::format("output {}: rtl {} / fast {}", p, describe(a), describe(b)));
      }
      const LinkCredit c = rtl_.in_credit(p), d = fast_.in_credit(p);
      if (c.valid != d.valid || c.vc != d.vc) {
        return record(fmt::format("input {} credit: rtl valid {} vc {} / fast valid {} vc {}", p, c.valid, c.vc,
                                  d.valid, d.vc));
      }
    }
  }

  RouterModel& rtl_;
  FastRouter& fast_;
  bool mismatch_ = false;
  uint64_t mismatch_cycle_ = 0;
  std::string report_;
};

struct Config {
  const char* name;
  RouterParams params;
  uint64_t cycles;
};
void PrintTo(const Config& c, std::ostream* os) { *os << c.name; }

const Config kConfigs[] = {
    {"p5_v2_d4_w64", {5, 2, 4, 64, 1024}, 1000000},
    {"p8_v2_d8_w256", {8, 2, 8, 256, 1024}, 1000000},
    {"p8_v4_d4_w64_faults", {8, 4, 4, 64, 1024}, 1000000},
    {"p32_v2_d8_w64", {32, 2, 8, 64, 1024}, 1000000},
    {"p48_v2_d8_w64", {48, 2, 8, 64, 1024}, 200000},
#ifdef SNSIM_LARGE_ROUTERS
    {"p72_v2_d8_w64", {72, 2, 8, 64, 1024}, 200000},  // make check-large
#endif
#ifdef SNSIM_BENCH_ROUTERS
    {"p5_v2_d8_w64_t64", {5, 2, 8, 64, 64}, 1000000},  // built for make bench
#endif
    // VCs reassigned per hop: the same builds with vc_any_i set.
    {"p5_v2_d4_w64_any", {5, 2, 4, 64, 1024, VcAlloc::any}, 1000000},
    {"p8_v2_d8_w256_any", {8, 2, 8, 256, 1024, VcAlloc::any}, 200000},
    {"p8_v4_d4_w64_faults_any", {8, 4, 4, 64, 1024, VcAlloc::any}, 1000000},
    {"p32_v2_d8_w64_any", {32, 2, 8, 64, 1024, VcAlloc::any}, 200000},
    {"p48_v2_d8_w64_any", {48, 2, 8, 64, 1024, VcAlloc::any}, 100000},
#ifdef SNSIM_LARGE_ROUTERS
    {"p72_v2_d8_w64_any", {72, 2, 8, 64, 1024, VcAlloc::any}, 100000},
#endif
#ifdef SNSIM_BENCH_ROUTERS
    {"p5_v2_d8_w64_t64_any", {5, 2, 8, 64, 64, VcAlloc::any}, 1000000},
#endif
};

std::unique_ptr<RouterModel> make_rtl(const RouterParams& p, uint64_t seed) {
  // The fault-injection build is the plain RTL when no fault plusarg is given.
  if (p == RouterParams{8, 4, 4, 64, 1024, p.vc_alloc}) {
    return std::make_unique<VerilatedRouter<Vsn_router_p8_v4_d4_w64_faults>>(p, seed);
  }
  return make_router(p, Impl::rtl, seed);
}

struct Coverage {
  uint64_t resets = 0;
  uint64_t resets_mid_packet = 0;  // a packet had left partly when the reset came
  uint64_t hotspot_phases = 0;
};

// Drives a Lockstep pair through random phases until `cycles` have passed or (stop_on_mismatch)
// the models disagree. Everything random comes from `seed`.
class Stimulus {
 public:
  Stimulus(Lockstep& dut, uint64_t seed)
      : dut_(dut), p_(dut.params()), rng_(seed), h_(dut, options(seed)) {
    load_table();
  }

  void run(uint64_t cycles, bool stop_on_mismatch) {
    const uint64_t end = dut_.cycle() + cycles;
    while (dut_.cycle() < end && !(stop_on_mismatch && dut_.mismatch())) {
      const uint64_t len = std::min<uint64_t>(end - dut_.cycle(), pick(500, 6000));
      phase(len);
    }
  }

  tb::RouterHarness& harness() { return h_; }
  const Coverage& coverage() const { return cov_; }

 private:
  static tb::HarnessOptions options(uint64_t seed) {
    tb::HarnessOptions o;
    o.seed = seed * 7919 + 1;
    o.min_len = 1;
    o.max_len = 17;
    o.stall_prob = 0.003;  // sinks stall now and then for up to 24 cycles: back-pressure bursts
    o.stall_max = 24;
    return o;
  }
  uint64_t pick(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  // Endpoints 0..ports-1 route to equal-cost sets of 1..4 ports starting at a random port, so
  // different flows (and different sources of one destination) collide on the same outputs; about
  // a third of the sets are adaptive (the port with the most credits, DECISIONS.md D5).
  void load_table() {
    for (unsigned d = 0; d < p_.ports; ++d) {
      const unsigned count = static_cast<unsigned>(std::min<uint64_t>(pick(1, 4), p_.ports));
      const unsigned base = static_cast<unsigned>(pick(0, p_.ports - count));
      const bool adaptive = count > 1 && chance(0.4);
      h_.write_table(static_cast<uint16_t>(d),
                     TableEntry{static_cast<uint8_t>(base), static_cast<uint16_t>(count), true, adaptive});
    }
  }

  // One phase: a traffic pattern and sink behaviour for `len` cycles, then maybe a reset.
  void phase(uint64_t len) {
    const double loads[] = {0.2, 0.5, 0.8, 1.0};
    h_.set_load(loads[pick(0, 3)]);
    const unsigned dmax = static_cast<unsigned>(pick(0, 12));
    h_.set_credit_delay(static_cast<unsigned>(pick(0, dmax)), dmax);
    // Withheld output VCs: their packets stall mid-way and block heads behind them.
    std::vector<std::pair<unsigned, uint8_t>> held;
    if (chance(0.3)) {
      for (uint64_t k = pick(1, 3); k > 0; --k) {
        held.emplace_back(static_cast<unsigned>(pick(0, p_.ports - 1)), static_cast<uint8_t>(pick(0, p_.vcs - 1)));
        h_.set_withhold(held.back().first, held.back().second, true);
      }
    }
    const bool hotspot = chance(0.3);
    cov_.hotspot_phases += hotspot;
    const auto hot = static_cast<uint16_t>(pick(0, p_.ports - 1));
    const uint64_t release = len / 2;  // withheld credits come back halfway, so the phase drains
    for (uint64_t t = 0; t < len; t += 50) {
      if (hotspot) {
        // Every input sends to one destination from many source ids, which the flow hash spreads
        // over that destination's equal-cost set. A source id stays with one input (id mod ports),
        // since the scoreboard expects each flow to enter through one port.
        h_.set_load(0.1);
        for (unsigned i = 0; i < p_.ports; ++i) {
          if (h_.queued(i) < 40 && chance(0.6)) {
            const auto src = static_cast<uint16_t>(pick(0, 65535 / p_.ports - 1) * p_.ports + i);
            h_.enqueue_packet(i, src, hot, static_cast<uint8_t>(pick(0, p_.vcs - 1)),
                              static_cast<unsigned>(pick(1, 17)));
          }
        }
      }
      if (t >= release) {
        for (auto [o, v] : held) h_.set_withhold(o, v, false);
      }
      h_.run(std::min<uint64_t>(50, len - t));
      if (dut_.mismatch()) return;
    }
    for (auto [o, v] : held) h_.set_withhold(o, v, false);
    if (chance(0.35)) {
      // Reset whenever the phase ends, which is usually in the middle of packets on both sides.
      ++cov_.resets;
      cov_.resets_mid_packet += h_.outputs_mid_packet() > 0;
      h_.reset_all();
      if (chance(0.5)) load_table();  // the router is empty now, so the table may change
    }
  }

  Lockstep& dut_;
  RouterParams p_;
  std::mt19937_64 rng_;
  tb::RouterHarness h_;
  Coverage cov_;
};

class FastVsRtlTest : public ::testing::TestWithParam<Config> {};

std::string config_name(const ::testing::TestParamInfo<Config>& info) { return info.param.name; }

TEST_P(FastVsRtlTest, SameOutputsEveryCycle) {
  const Config& c = GetParam();
  auto rtl = make_rtl(c.params, 0x5eed0001);
  FastRouter fast(c.params);
  Lockstep dut(*rtl, fast);
  Stimulus stim(dut, 42);

  const auto t0 = std::chrono::steady_clock::now();
  // In slices, so a difference stops the test at once with its cycle.
  for (uint64_t done = 0; done < c.cycles && !dut.mismatch(); done += 10000) {
    stim.run(std::min<uint64_t>(10000, c.cycles - done), true);
  }
  ASSERT_FALSE(dut.mismatch()) << dut.report();
  ASSERT_TRUE(stim.harness().drain(20000)) << stim.harness().outstanding() << " flits never delivered";
  ASSERT_FALSE(dut.mismatch()) << dut.report();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(stim.harness().errors().empty()) << stim.harness().error_report();

  const FastRouter::Stats& s = fast.stats();
  const Coverage& cov = stim.coverage();
  std::printf("[ %s ] %llu cycles in %.1f s (%.0f cycles/s for both models and the harness): %llu flits; "
              "allocator conflicts %llu, late matches %llu, zero-credit stalls %llu, VC blocking %llu, VC conflicts %llu, "
              "adaptive detours %llu (kept within the slack %llu), VC reassignments %llu, resets %llu (mid-packet %llu), hotspot phases %llu, "
              "source credit exhaustions %llu\n",
              c.name, static_cast<unsigned long long>(dut.cycle()), secs, static_cast<double>(dut.cycle()) / secs,
              static_cast<unsigned long long>(s.flits_out), static_cast<unsigned long long>(s.alloc_conflicts),
              static_cast<unsigned long long>(s.late_matches), static_cast<unsigned long long>(s.credit_stalls), static_cast<unsigned long long>(s.vc_blocked),
              static_cast<unsigned long long>(s.vc_conflicts), static_cast<unsigned long long>(s.adaptive_detours),
              static_cast<unsigned long long>(s.adaptive_slack_kept), static_cast<unsigned long long>(s.vc_reassigned),
              static_cast<unsigned long long>(cov.resets),
              static_cast<unsigned long long>(cov.resets_mid_packet),
              static_cast<unsigned long long>(cov.hotspot_phases),
              static_cast<unsigned long long>(stim.harness().zero_credit_events()));
  EXPECT_GE(dut.cycle(), c.cycles);
  EXPECT_GT(s.alloc_conflicts, 0u);
  EXPECT_GT(s.late_matches, 0u);
  EXPECT_GT(s.credit_stalls, 0u);
  EXPECT_GT(s.vc_blocked, 0u);
  EXPECT_GT(s.adaptive_detours, 0u);
  // With 8-flit or deeper buffers the slack is at least 1: heads were then kept on a port scoring
  // below the best, so the equality with the RTL covers the slack (and a slack broken in one model
  // alone shows as a mismatch); below 8 flits the slack is 0 and only the best is taken.
  if (adapt_slack(c.params.buf_depth) > 0) {
    EXPECT_GT(s.adaptive_slack_kept, 0u);
  } else {
    EXPECT_EQ(s.adaptive_slack_kept, 0u);
  }
  if (c.params.vc_alloc == VcAlloc::any) {
    EXPECT_GT(s.vc_reassigned, 0u);
  } else {
    EXPECT_EQ(s.vc_reassigned, 0u);
  }
  EXPECT_GT(cov.resets_mid_packet, 0u);
  EXPECT_GT(cov.hotspot_phases, 0u);
}

INSTANTIATE_TEST_SUITE_P(Configs, FastVsRtlTest, ::testing::ValuesIn(kConfigs), config_name);

// A fast model with one allocation rule changed must disagree with the RTL soon: the comparison
// is sharp enough to catch a wrong arbiter, not only lost flits.
struct MutationCase {
  const char* name;
  FastRouter::Mutation mutation;
  VcAlloc vc_alloc = VcAlloc::keep;
};
void PrintTo(const MutationCase& m, std::ostream* os) { *os << m.name; }

class BrokenFastModelTest : public ::testing::TestWithParam<MutationCase> {};

TEST_P(BrokenFastModelTest, IsCaughtWithin20kCycles) {
  const RouterParams p{5, 2, 4, 64, 1024, GetParam().vc_alloc};
  auto rtl = make_rtl(p, 0x5eed0001);
  FastRouter fast(p, GetParam().mutation);
  Lockstep dut(*rtl, fast);
  Stimulus stim(dut, 42);
  stim.run(20000, true);
  ASSERT_TRUE(dut.mismatch()) << "a fast model with " << GetParam().name << " matched the RTL for 20k cycles";
  std::printf("[ %s ] caught: %s\n", GetParam().name, dut.report().c_str());
}

const MutationCase kMutations[] = {
    {"OutputArbiterNoRotate", FastRouter::Mutation::OutputArbiterNoRotate},
    {"AcceptArbiterNoRotate", FastRouter::Mutation::AcceptArbiterNoRotate},
    {"LateMatchesMovePointers", FastRouter::Mutation::LateMatchesMovePointers},
    {"AnyVcTakesHighest", FastRouter::Mutation::AnyVcTakesHighest, VcAlloc::any},
};
INSTANTIATE_TEST_SUITE_P(Mutations, BrokenFastModelTest, ::testing::ValuesIn(kMutations),
                         [](const ::testing::TestParamInfo<MutationCase>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace snsim::noc
