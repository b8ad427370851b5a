// The HBM stack model: exact latencies, byte-accurate storage, bad requests, zero timing
// violations over 10M commands, and the policy and bandwidth figures of issue 4 section 3.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "common/rng.h"
#include "common/stats.h"
#include "config/hbm_config.h"
#include "hbm/hbm_stack.h"
#include "hbm/timing_checker.h"
#include "hbm/traffic.h"

namespace snsim::hbm {
namespace {

HbmCfg preset(const char* name = "hbm2e.yaml") {
  return load<MemConfig>(std::string(SNSIM_SOURCE_DIR) + "/configs/" + name).hbm;
}

struct RunResult {
  HbmSummary s;
  double read_p99 = 0, read_mean = 0, read_max = 0;
  std::uint64_t checked = 0;
};

// Drives a generator through a stack with the checker attached.
RunResult run(const HbmCfg& cfg, const MemTrafficCfg& t, std::uint64_t seed = 1) {
  StatsRegistry stats;
  HbmStack stack(cfg, stats);
  TimingChecker chk(cfg, cfg.controller.refresh != HbmRefresh::None);
  stack.add_observer(&chk);
  Generator gen(t, cfg.org.stack_bytes(), seed);
  const Cycle end = drive(stack, [&](TraceEntry& e) { return gen.next(e); });
  chk.finish(end);
  RunResult r;
  r.s = stack.summarize(end);
  r.checked = chk.commands_checked();
  const nlohmann::ordered_json j = stats.to_json();
  r.read_p99 = j["hbm"]["read_latency"]["p99"].is_null() ? 0 : j["hbm"]["read_latency"]["p99"].get<double>();
  r.read_mean = j["hbm"]["read_latency"]["mean"].is_null() ? 0 : j["hbm"]["read_latency"]["mean"].get<double>();
  r.read_max = j["hbm"]["read_latency"]["max"].is_null() ? 0 : j["hbm"]["read_latency"]["max"].get<double>();
  return r;
}

MemTrafficCfg traffic(MemPattern p, std::uint64_t n, std::uint32_t size = 64, double reads = 1.0) {
  MemTrafficCfg t = config_defaults<MemTrafficCfg>();
  t.pattern = p;
  t.requests = n;
  t.size = size;
  t.read_fraction = reads;
  return t;
}

// Latency of one read on an idle stack, in cycles, from the submission to its last data beat.
Cycle single_latency(HbmStack& stack, std::uint64_t address, Cycle at, bool write = false) {
  Cycle done = 0;
  std::vector<TraceEntry> one{{at, write, address, 32, 0}};
  std::size_t i = 0;
  drive(stack, [&](TraceEntry& e) { return i < one.size() ? (e = one[i++], true) : false; },
        [&](const Completion& c) { done = c.done - c.arrival; });
  return done;
}

TEST(HbmStack, IdleReadLatencyIsActPlusTrcdPlusRlPlusBurst) {
  const HbmCfg cfg = preset();
  StatsRegistry stats;
  HbmStack stack(cfg, stats);
  const HbmTimingCfg& T = cfg.timing;
  // Closed bank: ACT, then RD tRCDRD after the ACT's last cycle, then RL and the burst.
  EXPECT_EQ(single_latency(stack, 0, 0), T.act_cycles - 1 + T.tRCDRD + T.RL + cfg.org.burst_cycles);
  // The row stays open (open-page policy): a later read of the same row is RL + burst (before
  // the first refresh falls due and may close the idle bank).
  EXPECT_EQ(single_latency(stack, 32 * 4 * 16 * 4, 100), T.RL + cfg.org.burst_cycles);
  // Long idle stretches are skipped, not ticked, and the refresh owed meanwhile is issued.
  const Cycle far = 50'000'000;
  const Cycle lat = single_latency(stack, 0, far);
  EXPECT_GE(lat, T.RL + cfg.org.burst_cycles);
  EXPECT_LT(lat, T.tRFCSB + T.tRC + T.RL + 64);
}

TEST(HbmStack, StoresBytesExactly) {
  const HbmCfg cfg = preset();
  StatsRegistry stats;
  HbmStack stack(cfg, stats);
  std::vector<std::uint8_t> data(512);
  std::iota(data.begin(), data.end(), 1);
  const std::uint64_t top = cfg.org.stack_bytes() - 512;
  ASSERT_TRUE(stack.try_submit(MemRequest{1, top, 512, true}, 0, data.data()));
  ASSERT_TRUE(stack.try_submit(MemRequest{2, 64, 64, true}, 0, data.data() + 100));
  std::vector<std::uint8_t> back(512, 0xee);
  stack.store().read(top, back.data(), 512);
  EXPECT_EQ(back, data);
  stack.store().read(60, back.data(), 72);  // straddles the written range: zeros around it
  EXPECT_EQ(std::vector<std::uint8_t>(back.begin(), back.begin() + 4), std::vector<std::uint8_t>(4, 0));
  EXPECT_EQ(0, std::memcmp(back.data() + 4, data.data() + 100, 64));
  EXPECT_EQ(back[68], 0);
  EXPECT_EQ(stack.store().pages(), 2u);  // 16 GB addressed, two pages held
}

TEST(HbmStack, RefusesBadRequestsWithTheReason) {
  const HbmCfg cfg = preset();
  StatsRegistry stats;
  HbmStack stack(cfg, stats);
  const auto why = [&](std::uint64_t a, std::uint32_t size) -> std::string {
    try {
      stack.try_submit(MemRequest{0, a, size, false}, 0);
    } catch (const BadRequest& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_NE(why(0, 48).find("unsupported size 48 B"), std::string::npos);
  EXPECT_NE(why(0, 1024).find("unsupported size 1024 B"), std::string::npos);
  EXPECT_NE(why(0, 0).find("unsupported size 0 B"), std::string::npos);
  EXPECT_NE(why(16, 64).find("not aligned"), std::string::npos);
  EXPECT_NE(why(cfg.org.stack_bytes(), 64).find("beyond the stack's capacity"), std::string::npos);
  EXPECT_NE(why(cfg.org.stack_bytes() - 32, 64).find("beyond"), std::string::npos);
  EXPECT_EQ(why(cfg.org.stack_bytes() - 64, 64), "accepted");
  EXPECT_EQ(stack.in_flight(), 1u);  // only the good one was taken
}

TEST(HbmStack, BackPressureWhenAQueueIsFull) {
  HbmCfg cfg = preset();
  StatsRegistry stats;
  HbmStack stack(cfg, stats);
  // Every 32 B request at a multiple of 8 KB (the column step of the map) goes to ch0 pc0.
  const std::uint64_t period = std::uint64_t{32} * 4 * 2 * 8 * 4;
  std::uint32_t taken = 0;
  while (stack.try_submit(MemRequest{taken, taken * period, 32, false}, 0)) ++taken;
  EXPECT_EQ(taken, cfg.controller.read_queue);
  EXPECT_FALSE(stack.try_submit(MemRequest{98, 32, 32, false}, 0));  // same pseudo-channel
  EXPECT_TRUE(stack.try_submit(MemRequest{99, 128, 32, false}, 0));  // the other one: room
  EXPECT_TRUE(stack.try_submit(MemRequest{100, 0, 32, true}, 0));    // the write queue: room
  // backpressure counts requests refused at least once, not attempts: the loop's last request
  // and request 98 so far; retrying 98 does not count again, another refused request does.
  const auto refused = [&] {
    return stats.to_json()["hbm"]["backpressure"]["value"].get<std::uint64_t>();
  };
  EXPECT_EQ(refused(), 2u);
  EXPECT_FALSE(stack.try_submit(MemRequest{98, 32, 32, false}, 0));
  EXPECT_FALSE(stack.try_submit(MemRequest{98, 32, 32, false}, 0));
  EXPECT_EQ(refused(), 2u);
  EXPECT_FALSE(stack.try_submit(MemRequest{97, period + 32, 32, false}, 0));
  EXPECT_EQ(refused(), 3u);
}

TEST(HbmStack, SameConfigAndSeedGiveIdenticalStatistics) {
  const HbmCfg cfg = preset();
  const auto once = [&] {
    StatsRegistry stats;
    HbmStack stack(cfg, stats);
    Generator gen(traffic(MemPattern::Random, 20000, 128, 0.7), cfg.org.stack_bytes(), 42);
    const Cycle end = drive(stack, [&](TraceEntry& e) { return gen.next(e); });
    stack.summarize(end);
    return stats.to_json().dump();
  };
  EXPECT_EQ(once(), once());
}

// Mixed traffic of every size, reads and writes, streams and random, under the checker: zero
// violations over at least 10M commands (issue 4 section 3).
TEST(HbmStack, TenMillionMixedCommandsWithoutATimingViolation) {
  const HbmCfg cfg = preset();
  StatsRegistry stats;
  HbmStack stack(cfg, stats);
  TimingChecker chk(cfg, true);
  stack.add_observer(&chk);
  Rng rng = Rng::derive(3, "test.mixed");
  std::uint64_t stream_addr = 0;
  const std::uint64_t cap = cfg.org.stack_bytes();
  std::uint64_t n = 0;
  const auto next = [&](TraceEntry& e) {
    if (chk.commands_checked() >= 10'000'000) return false;
    const std::uint32_t size = 32u << rng.uniform(5);  // 32..512
    e.size = size;
    e.write = rng.bernoulli(0.35);
    // Phases of streaming and of random traffic, 20k requests each.
    if ((n++ / 20000) % 2 == 0) {
      e.address = stream_addr % (cap - 512) / size * size;
      stream_addr += size;
    } else {
      e.address = rng.uniform(cap / size) * size;
    }
    e.cycle = 0;
    return true;
  };
  const Cycle end = drive(stack, next);
  EXPECT_NO_THROW(chk.finish(end));
  EXPECT_GE(chk.commands_checked(), 10'000'000u);
  const HbmSummary s = stack.summarize(end);
  EXPECT_GT(s.reads, 0u);
  EXPECT_GT(s.writes, 0u);
}

TEST(HbmStack, OtherPoliciesAreLegalToo) {
  for (const HbmPagePolicy pol : {HbmPagePolicy::Closed, HbmPagePolicy::Adaptive}) {
    for (const HbmRefresh ref : {HbmRefresh::AllBank, HbmRefresh::PerBank}) {
      for (const HbmScheduler sch : {HbmScheduler::FrFcfs, HbmScheduler::Fcfs}) {
        HbmCfg cfg = preset();
        cfg.controller.page_policy = pol;
        cfg.controller.refresh = ref;
        cfg.controller.scheduler = sch;
        cfg.controller.xor_bank_hash = sch == HbmScheduler::Fcfs;
        const RunResult r = run(cfg, traffic(MemPattern::Random, 30000, 96, 0.6));
        EXPECT_EQ(r.s.reads + r.s.writes, 30000u);
      }
    }
  }
  const RunResult r3 = run(preset("hbm3.yaml"), traffic(MemPattern::Random, 30000, 64, 0.6));
  EXPECT_EQ(r3.s.reads + r3.s.writes, 30000u);
}

// D14: streaming reads on one stack reach 93% of peak with per-bank refresh and the
// bank-group-alternating map; all-bank refresh is bounded by 1 - tRFC/tREFI.
TEST(HbmFigures, StreamingReadsReach93PercentWithPerBankRefresh) {
  const HbmCfg cfg = preset();
  // Long enough (about 40 tREFI) that postponed refreshes do not flatter the figure.
  const RunResult pb = run(cfg, traffic(MemPattern::Stream, 1000000, 64));
  EXPECT_GE(pb.s.efficiency, 0.93) << pb.s.bandwidth_gbs << " GB/s";
  HbmCfg ab = cfg;
  ab.controller.refresh = HbmRefresh::AllBank;
  const RunResult all = run(ab, traffic(MemPattern::Stream, 1000000, 64));
  const double bound = 1.0 - static_cast<double>(cfg.timing.tRFC) / cfg.timing.tREFI;
  EXPECT_LE(all.s.efficiency, bound + 0.005);
  EXPECT_GE(all.s.efficiency, bound - 0.05);
  // Per-bank refresh costs less bandwidth than all-bank refresh.
  EXPECT_GT(pb.s.efficiency, all.s.efficiency + 0.02);
  RecordProperty("stream_per_bank", std::to_string(pb.s.efficiency));
  RecordProperty("stream_all_bank", std::to_string(all.s.efficiency));
}

// The random-read bound (docs/hbm.md), per pseudo-channel: ACTs are spaced by tRRD_S counted
// from the last cycle of the previous ACT (bank groups alternate), at most four per tFAW; an ACT
// holds the channel's shared row bus act_cycles and its PRE one cycle; the data bus carries a burst
// per burst_cycles. A 64 B request under the default map touches two bank groups: two ACTs. With
// per-bank refresh, each REFpb (one per tREFISB) takes an ACT slot and holds the next ACT tRREFD.
double random_bound_requests_per_cycle(const HbmCfg& cfg, std::uint32_t size, bool refresh) {
  const HbmTimingCfg& T = cfg.timing;
  const double bursts = static_cast<double>(size) / cfg.org.burst_bytes;
  const double acts = std::min<double>(bursts, cfg.org.bank_groups);  // bg:2 is the lowest field
  const double act_gap = T.tRRD_S + T.act_cycles - 1.0;
  double act_rate = std::min({1.0 / act_gap, 4.0 / (T.tFAW + T.act_cycles - 1.0),
                              1.0 / (cfg.org.pseudo_channels * (T.act_cycles + 1.0))});
  if (refresh) act_rate *= 1.0 - (T.tRREFD + 0.0) / T.tREFISB;
  const double per_pc = std::min(act_rate / acts, 1.0 / (bursts * cfg.org.burst_cycles));
  return per_pc * cfg.org.pcs();
}

TEST(HbmFigures, Random64BReadsReach90PercentOfTheActivationBound) {
  for (const HbmRefresh ref : {HbmRefresh::PerBank, HbmRefresh::None}) {
    HbmCfg cfg = preset();
    cfg.controller.refresh = ref;
    const RunResult r = run(cfg, traffic(MemPattern::Random, 150000, 64));
    const double rate = static_cast<double>(r.s.reads) / static_cast<double>(r.s.cycles);
    const double bound = random_bound_requests_per_cycle(cfg, 64, ref != HbmRefresh::None);
    EXPECT_GE(rate / bound, 0.90) << to_string(ref) << ": " << rate << " requests/cycle vs bound " << bound;
    EXPECT_LE(rate / bound, 1.0) << to_string(ref);
    RecordProperty(std::string("random64_of_bound_") + std::string(to_string(ref)), std::to_string(rate / bound));
  }
}

// A row-local trace: each 8 KB block is read twice with the two passes interleaved against another
// block in the same bank. FCFS closes and reopens rows in arrival order; FR-FCFS serves the hits.
TEST(HbmPolicies, FrFcfsBeatsFcfsOnARowLocalTrace) {
  const auto cycles = [](HbmScheduler s) {
    HbmCfg cfg = preset();
    cfg.controller.scheduler = s;
    StatsRegistry stats;
    HbmStack stack(cfg, stats);
    // Rows r and r+1 of ch0 pc0 bank 0 alternate, each request 32 B in a row-local column run.
    const std::uint64_t row_stride = std::uint64_t{1} << (5 + 2 + 1 + 3 + 2 + 5 + 1);
    std::vector<TraceEntry> trace;
    for (std::uint32_t i = 0; i < 4000; ++i) {
      const std::uint64_t row = (i % 2) + 2 * (i / 64);
      const std::uint64_t col = (i / 2) % 32;
      trace.push_back({0, false, row * row_stride + col * (32 * 4 * 16 * 4), 32, 0});
    }
    std::size_t k = 0;
    return drive(stack, [&](TraceEntry& e) { return k < trace.size() ? (e = trace[k++], true) : false; });
  };
  const Cycle fr = cycles(HbmScheduler::FrFcfs), fc = cycles(HbmScheduler::Fcfs);
  EXPECT_LT(static_cast<double>(fr), 0.5 * static_cast<double>(fc)) << "fr-fcfs " << fr << " fcfs " << fc;
}

// Writes are drained in batches between the watermarks; reads wait at most one batch. Longer
// batches (a wider watermark gap) make the read tail longer, and a narrow gap keeps it short.
TEST(HbmPolicies, WriteDrainingBoundsReadLatency) {
  const auto tail = [](std::uint32_t high, std::uint32_t low) {
    HbmCfg cfg = preset();
    cfg.controller.write_high = high;
    cfg.controller.write_low = low;
    MemTrafficCfg t = traffic(MemPattern::Random, 60000, 64, 0.5);
    t.rate = 0.5;  // below saturation: latency is queueing behind writes, not overload
    return run(cfg, t);
  };
  const RunResult narrow = tail(24, 16), wide = tail(64, 0);
  EXPECT_LT(narrow.read_p99, wide.read_p99);
  EXPECT_LT(narrow.read_max, wide.read_max);
  // A read waits at most for one batch of (high - low) writes per pseudo-channel, two per write
  // burst of data bus plus turnarounds: a loose bound that a broken drain (never returning to
  // reads) breaks.
  const HbmCfg cfg = preset();
  const double batch = (24 - 16) * 2.0 * cfg.org.burst_cycles + cfg.timing.tRTW + cfg.timing.WL +
                       cfg.timing.tWTR_L + cfg.timing.tRC * 4 + cfg.timing.tRFCSB;
  EXPECT_LT(narrow.read_p99, 4 * batch);
}

// A few writes among saturating reads never reach the high watermark; they are drained once the
// oldest has waited write_max_wait, not left until the reads stop.
TEST(HbmPolicies, FewWritesAmongReadsAreNotHeldForever) {
  HbmCfg cfg = preset();
  const RunResult r = run(cfg, traffic(MemPattern::Random, 60000, 64, 0.995));
  StatsRegistry stats;
  HbmStack stack(cfg, stats);
  Generator gen(traffic(MemPattern::Random, 60000, 64, 0.995), cfg.org.stack_bytes(), 1);
  drive(stack, [&](TraceEntry& e) { return gen.next(e); });
  const auto j = stats.to_json();
  ASSERT_GT(j["hbm"]["writes"]["value"].get<std::uint64_t>(), 100u);
  // A write waits at most write_max_wait plus one drain (tRTW turnaround, ACT, tRCDWR, WL).
  EXPECT_LE(j["hbm"]["write_latency"]["max"].get<double>(),
            cfg.controller.write_max_wait + 2.0 * cfg.timing.tRC + cfg.timing.tRFCSB + 200);
  EXPECT_GT(r.s.reads, 0u);
}

TEST(HbmPolicies, PerBankRefreshCostsLessThanAllBank) {
  const auto go = [](HbmRefresh r) {
    HbmCfg cfg = preset();
    cfg.controller.refresh = r;
    return run(cfg, traffic(MemPattern::Random, 60000, 64));
  };
  const RunResult none = go(HbmRefresh::None), pb = go(HbmRefresh::PerBank), ab = go(HbmRefresh::AllBank);
  EXPECT_GT(pb.s.efficiency, ab.s.efficiency);
  EXPECT_GE(none.s.efficiency, pb.s.efficiency * 0.995);
  // No bank is held back longer than one refresh of it: the read tail grows by at most tRP +
  // tRFCSB (a bank blocked for a forced refresh while others were refreshed used to wait a round).
  const HbmTimingCfg& T = preset().timing;
  EXPECT_LE(pb.read_p99, none.read_p99 + T.tRP + T.tRFCSB);
  EXPECT_LT(pb.read_p99, ab.read_p99);
}

// Row hits to one bank without end: refresh must still close the row and happen (the checker's
// tREFI rule fires otherwise, after 9 tREFI).
TEST(HbmPolicies, RowHitsCannotStarveRefresh) {
  for (const HbmRefresh ref : {HbmRefresh::PerBank, HbmRefresh::AllBank}) {
    HbmCfg cfg = preset();
    cfg.controller.refresh = ref;
    StatsRegistry stats;
    HbmStack stack(cfg, stats);
    TimingChecker chk(cfg, true);
    stack.add_observer(&chk);
    std::uint64_t i = 0;
    const Cycle end = drive(stack, [&](TraceEntry& e) {
      if (i == 30000) return false;
      e = TraceEntry{0, false, (i++ % 32) * 8192, 32, 0};  // the 32 columns of ch0 pc0 bank 0 row 0
      return true;
    });
    EXPECT_GT(end, 12 * Cycle{cfg.timing.tREFI}) << to_string(ref);
    EXPECT_NO_THROW(chk.finish(end)) << to_string(ref);
    const HbmSummary s = stack.summarize(end);
    EXPECT_GT(s.refresh_share, 0.0) << to_string(ref);
  }
}

// FR-FCFS serves row hits first, but a stream of hits does not hold back an older request to
// another row of the same bank past conflict_max_wait.
TEST(HbmPolicies, RowHitsCannotStarveAConflictingRequest) {
  const HbmCfg cfg = preset();
  StatsRegistry stats;
  HbmStack stack(cfg, stats);
  TimingChecker chk(cfg, true);
  stack.add_observer(&chk);
  const std::uint64_t row1 = std::uint64_t{1} << 19;  // row 1 of ch0 pc0 bank 0
  std::uint64_t i = 0;
  Cycle conflict_latency = 0;
  drive(
      stack,
      [&](TraceEntry& e) {
        if (i == 20000) return false;
        // Request 100 wants row 1; all others hit row 0.
        e = TraceEntry{0, false, i == 100 ? row1 : (i % 32) * 8192, 32, 0};
        ++i;
        return true;
      },
      [&](const Completion& c) {
        if (c.tag == 100) conflict_latency = c.done - c.arrival;
      });
  ASSERT_GT(conflict_latency, 0u);
  const HbmTimingCfg& T = cfg.timing;
  EXPECT_LE(conflict_latency, cfg.controller.conflict_max_wait + T.tRTP + T.tRP + T.tRC + T.tRFCSB + T.RL + 64);
}

TEST(HbmPolicies, ClosedPageHelpsRandomAndOpenPageHelpsStreams) {
  const auto eff = [](HbmPagePolicy p, MemPattern pat) {
    HbmCfg cfg = preset();
    cfg.controller.page_policy = p;
    return run(cfg, traffic(pat, 40000, 64)).s;
  };
  const HbmSummary open_rand = eff(HbmPagePolicy::Open, MemPattern::Random);
  const HbmSummary closed_rand = eff(HbmPagePolicy::Closed, MemPattern::Random);
  EXPECT_LT(closed_rand.cycles, open_rand.cycles);
  const HbmSummary open_stream = eff(HbmPagePolicy::Open, MemPattern::Stream);
  EXPECT_GT(open_stream.row_hit_rate, 0.9);
}

TEST(HbmEnergy, CountsEventsWithTheConfiguredEnergies) {
  HbmCfg cfg = preset();
  cfg.controller.refresh = HbmRefresh::None;
  StatsRegistry stats;
  HbmStack stack(cfg, stats);
  // One 64 B read on an idle stack: 2 ACTs (two bank groups), 2 RDs of 32 B.
  single_latency(stack, 0, 0);
  ASSERT_TRUE(stack.try_submit(MemRequest{5, 32, 32, false}, stack.now()));
  drive(stack, [](TraceEntry&) { return false; });
  const HbmSummary s = stack.summarize(stack.now());
  const HbmEnergyCfg& e = cfg.energy;
  const double expect = 2 * e.act_pj + 2 * 256 * (e.read_pj_per_bit + e.io_pj_per_bit);
  EXPECT_NEAR(s.energy_pj, expect, 1e-6);
  EXPECT_NEAR(s.pj_per_bit, expect / 512, 1e-9);
}

}  // namespace
}  // namespace snsim::hbm

namespace snsim::hbm {
namespace {

// Nothing a trace file holds crashes the reader: random lines of plausible and garbage tokens are
// either read or refused with FILE:LINE.
TEST(HbmTrace, GarbageLinesAreReadOrRefusedNeverCrash) {
  const HbmCfg cfg = preset();
  StatsRegistry stats;
  HbmStack stack(cfg, stats);
  Rng rng = Rng::derive(9, "test.garbage");
  const std::vector<std::string> tokens = {"0", "1", "-1", "R", "W", "r", "0x40", "0x", "64", "32", "512",
                                           "1024", "18446744073709551616", "0x3ffffffc0", "1e3", "#",
                                           "\t", "abc", "0xffffffffffffffff", "4294967296", ""};
  const std::string path = testing::TempDir() + "/garbage.trace";
  int read = 0, refused = 0;
  for (int file = 0; file < 300; ++file) {
    {
      std::ofstream f(path);
      const std::uint64_t lines = 1 + rng.uniform(4);
      for (std::uint64_t l = 0; l < lines; ++l) {
        const std::uint64_t n = rng.uniform(6);
        for (std::uint64_t k = 0; k < n; ++k) f << tokens[rng.uniform(tokens.size())] << ' ';
        f << '\n';
      }
    }
    try {
      read_trace(path, stack);
      ++read;
    } catch (const TraceError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(path + ":", 0), 0u) << e.what();
      ++refused;
    }
  }
  EXPECT_GT(read, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace snsim::hbm
