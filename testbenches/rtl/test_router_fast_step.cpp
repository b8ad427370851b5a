// VerilatedRouter's fast step (verilated_router.h: idle skipping and one eval() per cycle, which
// make_rtl_router turns on) against the plain step (two eval()s per cycle, every cycle evaluated),
// on every verilated router configuration built into this binary. Both models of a pair start from
// the same randomized register values (same seed), get the same inputs every cycle from the
// scoreboard harness and must show the same outputs after every clock edge: out valid (and VC and
// flit when valid), in_credit valid and VC. The traffic alternates idle stretches (so the fast
// model reaches fixed points and skips), light and saturating load, sinks that return credits
// late or withhold a VC, and resets in the middle of packets. The fast model must have skipped
// cycles, or the test proves nothing about skipping.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <random>
#include <string>

#include "Vsn_router_p32_v2_d8_w64.h"
#include "Vsn_router_p32_v2_d8_w64___024root.h"
#include "Vsn_router_p48_v2_d8_w64.h"
#include "Vsn_router_p48_v2_d8_w64___024root.h"
#include "Vsn_router_p5_v2_d4_w64.h"
#include "Vsn_router_p5_v2_d4_w64___024root.h"
#include "Vsn_router_p8_v2_d8_w256.h"
#include "Vsn_router_p8_v2_d8_w256___024root.h"
#ifdef SNSIM_BENCH_ROUTERS
#include "Vsn_router_p5_v2_d8_w64_t64.h"
#include "Vsn_router_p5_v2_d8_w64_t64___024root.h"
#endif
#include "noc/verilated_router.h"
#include "router_harness.h"

namespace snsim::noc {
namespace {

template <class V>
void same_outputs(const RouterParams& p, uint64_t cycles) {
  constexpr uint64_t kSeed = 0x5eed0002;
  VerilatedRouter<V> plain(p, kSeed);
  VerilatedRouter<V> fast(p, kSeed);
  fast.enable_fast_step({sizeof(*fast.model().rootp), &fast.model().rootp->__Vtrigrprev__TOP__clk_i});
  tb::RouterPair pair(plain, fast);
  tb::HarnessOptions o;
  o.seed = 11;
  o.stall_prob = 0.002;
  o.stall_max = 16;
  tb::RouterHarness h(pair, o);
  h.load_identity_table();
  uint64_t delivered = 0;  // over the whole run (the harness's own count restarts at each reset)
  h.on_delivery([&](const tb::Delivery&) { ++delivered; });

  std::mt19937_64 rng(7);
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  const double loads[] = {0.0, 0.0, 0.02, 0.1, 0.5, 1.0};
  uint64_t resets = 0;
  while (pair.cycle() < cycles && pair.mismatch().empty()) {
    h.set_load(loads[pick(0, 5)]);
    const unsigned dmax = static_cast<unsigned>(pick(0, 8));
    h.set_credit_delay(static_cast<unsigned>(pick(0, dmax)), dmax);
    const bool withhold = pick(0, 3) == 0;
    const auto held_port = static_cast<unsigned>(pick(0, p.ports - 1));
    const auto held_vc = static_cast<uint8_t>(pick(0, p.vcs - 1));
    if (withhold) h.set_withhold(held_port, held_vc, true);
    const uint64_t len = pick(50, 3000);
    h.run(len / 2);
    if (withhold) h.set_withhold(held_port, held_vc, false);
    h.run(len - len / 2);
    if (pick(0, 5) == 0) {
      ++resets;
      h.reset_all();
      h.load_identity_table();
    }
  }
  ASSERT_TRUE(pair.mismatch().empty()) << pair.mismatch();
  ASSERT_TRUE(h.drain(20000)) << h.outstanding() << " flits never delivered";
  ASSERT_TRUE(pair.mismatch().empty()) << pair.mismatch();
  EXPECT_TRUE(h.errors().empty()) << h.error_report();
  EXPECT_GT(delivered, cycles / 20);
  EXPECT_GT(resets, 0u);
  // Skipping happened, and not always (the traffic reached the router).
  EXPECT_GT(fast.skipped_steps(), cycles / 20);
  EXPECT_LT(fast.skipped_steps(), pair.cycle() - cycles / 20);
  std::printf("[ p%u ] %llu cycles, %llu flits, %llu resets, %llu cycles skipped\n", p.ports,
              static_cast<unsigned long long>(pair.cycle()), static_cast<unsigned long long>(delivered),
              static_cast<unsigned long long>(resets), static_cast<unsigned long long>(fast.skipped_steps()));
}

TEST(RouterFastStep, SameOutputsP5) { same_outputs<Vsn_router_p5_v2_d4_w64>({5, 2, 4, 64, 1024}, 300000); }
TEST(RouterFastStep, SameOutputsP8W256) { same_outputs<Vsn_router_p8_v2_d8_w256>({8, 2, 8, 256, 1024}, 200000); }
TEST(RouterFastStep, SameOutputsP32) { same_outputs<Vsn_router_p32_v2_d8_w64>({32, 2, 8, 64, 1024}, 60000); }
TEST(RouterFastStep, SameOutputsP48) { same_outputs<Vsn_router_p48_v2_d8_w64>({48, 2, 8, 64, 1024}, 40000); }
#ifdef SNSIM_BENCH_ROUTERS
TEST(RouterFastStep, SameOutputsP5T64) { same_outputs<Vsn_router_p5_v2_d8_w64_t64>({5, 2, 8, 64, 64}, 300000); }
#endif

}  // namespace
}  // namespace snsim::noc
