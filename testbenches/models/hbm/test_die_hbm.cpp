// The die's HBM stacks behind the L2 (hbm/die_hbm.h): a stream of misses through the L2 reaches the
// stack model's own bandwidth (not the L2's old rate), hits never reach the stacks, write-backs are
// counted there, the interleave and the clock conversion, determinism, and the statistics per stack.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "common/stats.h"
#include "config/hbm_config.h"
#include "core/l2.h"
#include "hbm/die_hbm.h"
#include "hbm/traffic.h"

namespace snsim::hbm {
namespace {

HbmCfg preset() { return load<MemConfig>(std::string(SNSIM_SOURCE_DIR) + "/configs/hbm2e.yaml").hbm; }

DieHbmParams params(std::uint32_t stacks) {
  return {.hbm = preset(), .stacks = stacks, .interleave_bytes = 256, .line_bytes = 128, .core_hz = 1850e6,
          .latency = 100};
}

// An L2 (ports fast enough never to limit it) with `stacks` stacks behind it.
struct Rig {
  explicit Rig(std::uint32_t stacks, core::L2Params l2 = {.read_bytes_per_cycle = 1e6, .write_bytes_per_cycle = 1e6})
      : hbm(new DieHbm(params(stacks), stats, "")),
        l2(l2, gm, stats, "l2", std::unique_ptr<core::L2Backend>(hbm)) {
    gm.map(0, 16 << 20);
  }
  double stat(const std::string& stack, const std::string& name) const {
    return stats.to_json()[stack][name]["value"].get<double>();
  }
  core::SimpleGm gm;
  StatsRegistry stats;
  DieHbm* hbm;  // owned by l2
  core::L2Gm l2;
};

// Reads `bytes` from 0 in accesses of `chunk` bytes, each issued when the one before has streamed
// (one core streaming with nothing else to wait for); returns the core cycle the last one streamed.
core::Cycle stream(Rig& r, std::uint64_t bytes, std::uint64_t chunk) {
  core::Cycle now = 0;
  for (std::uint64_t a = 0; a < bytes; a += chunk) now = r.l2.transfer(now, {.addr = a, .burst = chunk}).streamed;
  return now;
}

// The stack model alone on the same requests (128 B reads at consecutive addresses, saturating):
// bytes per HBM cycle.
double model_bandwidth(std::uint64_t bytes) {
  StatsRegistry stats;
  HbmStack stack(preset(), stats);
  std::uint64_t a = 0;
  const Cycle end = drive(stack, [&](TraceEntry& e) {
    if (a >= bytes) return false;
    e = TraceEntry{.cycle = 0, .write = false, .address = a, .size = 128};
    a += 128;
    return true;
  });
  return static_cast<double>(bytes) / static_cast<double>(end);
}

// The share of the stack model's rate a stream keeps when one core issues each access once the one
// before has streamed: per access each pseudo-channel idles for the read latency of the last fill
// (RL + burst_cycles), then may restart from a closed row (tRP + tRCDRD); add one line (4 bursts) of
// imbalance between pseudo-channels and 2 cycles of clock rounding. With T the data time of a
// stack's share of an access at the model's rate, at least T / (T + B) is kept.
double kept(double stack_bytes_per_access, double model) {
  const HbmCfg cfg = preset();
  const double b = cfg.timing.RL + cfg.org.burst_cycles + cfg.timing.tRP + cfg.timing.tRCDRD +
                   4.0 * cfg.org.burst_cycles + 2;
  const double t = stack_bytes_per_access / model;
  return t / (t + b);
}

TEST(DieHbm, StreamOfMissesReachesTheStackModelsBandwidth) {
  // One stack: die offsets are its addresses, so the L2's fills are exactly model_bandwidth's stream.
  const std::uint64_t bytes = 8 << 20, chunk = 256 << 10;
  Rig r(1);
  const core::Cycle end = stream(r, bytes, chunk);
  const double through_l2 = static_cast<double>(bytes) / static_cast<double>(r.hbm->to_hbm(end));  // B per HBM cycle
  const double model = model_bandwidth(bytes);
  EXPECT_GE(through_l2, model * kept(chunk, model)) << through_l2 << " vs " << model;
  EXPECT_LE(through_l2, model);  // and cannot beat the model
  // Not the old rate: 1.6 TB/s is 1000 B per HBM cycle, one HBM2E stack's peak 256.
  const double old_rate = core::L2Params{}.hbm_bytes_per_cycle * 1850.0 / 1600.0;
  EXPECT_LT(through_l2, 0.3 * old_rate);
  EXPECT_EQ(r.stat("hbm0", "read_bytes"), static_cast<double>(bytes));
}

TEST(DieHbm, FourStacksShareAStreamEvenly) {
  const std::uint64_t bytes = 8 << 20, chunk = 256 << 10;
  Rig r(4);
  const core::Cycle end = stream(r, bytes, chunk);
  r.l2.finish(end);
  const double through_l2 = static_cast<double>(bytes) / static_cast<double>(r.hbm->to_hbm(end));
  // Each stack has a quarter of every access: four times one stack's rate, less the restarts.
  const double model = model_bandwidth(bytes / 4);
  EXPECT_GE(through_l2, 4 * model * kept(chunk / 4, model)) << through_l2 << " vs 4 x " << model;
  EXPECT_LE(through_l2, 4 * model);
  for (int s = 0; s < 4; ++s) {
    const std::string name = "hbm" + std::to_string(s);
    EXPECT_EQ(r.stat(name, "read_bytes"), static_cast<double>(bytes / 4)) << name;
    EXPECT_GT(r.stat(name, "row_hit_rate"), 0.5) << name;
    EXPECT_GT(r.stat(name, "refreshes"), 0) << name;
    EXPECT_GT(r.stats.to_json()[name]["energy"]["total"]["value"].get<double>(), 0) << name;
    EXPECT_GT(r.stat(name, "bandwidth"), 0) << name;
  }
}

TEST(DieHbm, HitsNeverReachTheStacks) {
  Rig r(4);
  const core::GlobalMemory::Timing miss = r.l2.transfer(0, {.addr = 0, .burst = 64 << 10});
  // A missed read completes the L2's hit latency after its fills' data.
  EXPECT_EQ(miss.complete, miss.streamed + 100);
  Cycle now[4];
  double reads[4];
  for (std::uint32_t s = 0; s < 4; ++s) {
    now[s] = r.hbm->stack(s).now();
    reads[s] = r.stat("hbm" + std::to_string(s), "reads");
  }
  const core::GlobalMemory::Timing hit = r.l2.transfer(10000, {.addr = 0, .burst = 64 << 10});
  EXPECT_EQ(hit.complete, hit.streamed + 100);
  EXPECT_EQ(hit.streamed, 10001u);  // the port alone (64 KiB at 1e6 B per cycle)
  for (std::uint32_t s = 0; s < 4; ++s) {
    EXPECT_EQ(r.hbm->stack(s).now(), now[s]);
    EXPECT_EQ(r.stat("hbm" + std::to_string(s), "reads"), reads[s]);
  }
}

TEST(DieHbm, WriteBacksAreCountedAtTheStacks) {
  // 64 KiB of L2: writing 128 KiB, then reading another 128 KiB evicts every dirty line once.
  Rig r(4, {.capacity_bytes = 64 << 10, .ways = 4, .read_bytes_per_cycle = 1e6, .write_bytes_per_cycle = 1e6});
  core::Cycle now = 0;
  for (std::uint64_t a = 0; a < (128 << 10); a += 4096)
    now = r.l2.transfer(now, {.is_write = true, .addr = a, .burst = 4096}).complete;
  for (std::uint64_t a = 0; a < (128 << 10); a += 4096)
    now = r.l2.transfer(now, {.addr = (1 << 20) + a, .burst = 4096}).complete;
  r.l2.finish(now + 100000);  // the stacks drain their write queues
  const double wb = r.stats.to_json()["l2"]["writeback_bytes"]["value"].get<double>();
  EXPECT_EQ(wb, 128 << 10);
  double written = 0, writes = 0;
  for (int s = 0; s < 4; ++s) {
    written += r.stat("hbm" + std::to_string(s), "write_bytes");
    writes += r.stat("hbm" + std::to_string(s), "writes");
  }
  EXPECT_EQ(written, wb);
  EXPECT_EQ(writes, wb / 128);
}

TEST(DieHbm, SameRunSameStatistics) {
  const auto run = [] {
    Rig r(4, {.capacity_bytes = 1 << 20, .read_bytes_per_cycle = 110, .write_bytes_per_cycle = 86});
    core::Cycle now = 0;
    for (unsigned i = 0; i < 64; ++i) {
      const unsigned port = i % 8;
      const auto t = r.l2.transfer(now, {.port = port, .is_write = i % 3 == 0, .addr = (i * 40960ull) % (3 << 20),
                                         .burst = 512, .count = 16, .stride = 8192});
      now += 50 + t.streamed % 7;
    }
    r.l2.finish(now + 1000);
    return r.stats.to_json().dump();
  };
  EXPECT_EQ(run(), run());
}

TEST(DieHbm, InterleaveIsABijectionThatSpreadsStridesOverStacksAndChannels) {
  StatsRegistry stats;
  DieHbm hbm(params(4), stats, "");
  std::set<std::pair<std::uint32_t, std::uint64_t>> seen;
  for (std::uint64_t off = 0; off < (1 << 20); off += 128) EXPECT_TRUE(seen.insert(hbm.locate(off)).second) << off;
  // Consecutive 256 B units rotate over the 4 stacks; so do 8 KiB strides (a 4096-wide bf16 matrix's
  // rows), which a plain modulo would send to one stack.
  for (std::uint64_t stride : {256ull, 8192ull, 1ull << 20}) {
    unsigned per_stack[4] = {};
    for (std::uint64_t i = 0; i < 64; ++i) ++per_stack[hbm.locate(i * stride).first];
    for (unsigned n : per_stack) EXPECT_EQ(n, 16u) << "stride " << stride;
  }
  // Inside each stack the preset's map then sends them to every channel: 256 rows 8 KiB apart land
  // 8 on each of the 4 x 8 (stack, channel) pairs (with separate folds for stack and channel, which
  // share the parity of the row number, on 16 of them, 16 each).
  std::map<std::pair<std::uint32_t, std::uint32_t>, unsigned> per_channel;
  for (std::uint64_t i = 0; i < 256; ++i) {
    const auto [s, local] = hbm.locate(i * 8192);
    ++per_channel[{s, hbm.stack(s).address_map().decode(local).channel}];
  }
  EXPECT_EQ(per_channel.size(), 32u);
  for (const auto& [where, n] : per_channel) EXPECT_EQ(n, 8u) << where.first << " " << where.second;
  // Within a unit the offset is kept: 128 B lines of a unit are consecutive in their stack.
  EXPECT_EQ(hbm.locate(128).second, hbm.locate(0).second + 128);
  EXPECT_EQ(hbm.locate(128).first, hbm.locate(0).first);
}

TEST(DieHbm, ClockConversionRoundsUpExactly) {
  StatsRegistry stats;
  const DieHbm hbm(params(1), stats, "");
  // 1850 MHz : 1600 MHz = 37 : 32.
  EXPECT_EQ(hbm.to_hbm(37), 32u);
  EXPECT_EQ(hbm.to_core(32), 37u);
  EXPECT_EQ(hbm.to_hbm(1), 1u);   // 0.86 HBM cycles, up
  EXPECT_EQ(hbm.to_core(1), 2u);  // 1.16 core cycles, up
  EXPECT_EQ(hbm.to_hbm(37'000'000'000ull), 32'000'000'000ull);
  for (core::Cycle c = 0; c < 1000; ++c) EXPECT_GE(hbm.to_core(hbm.to_hbm(c)), c);
}

TEST(DieHbm, BadGeometryIsRefused) {
  StatsRegistry stats;
  DieHbmParams p = params(3);
  EXPECT_THROW(DieHbm(p, stats, "a"), std::invalid_argument);
  p = params(4);
  p.interleave_bytes = 64;  // below a line
  EXPECT_THROW(DieHbm(p, stats, "b"), std::invalid_argument);
  p = params(4);
  p.line_bytes = 1024;  // more than one request
  p.interleave_bytes = 1024;
  EXPECT_THROW(DieHbm(p, stats, "c"), std::invalid_argument);
}

}  // namespace
}  // namespace snsim::hbm
