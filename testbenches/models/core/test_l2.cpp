// The L2 model (core/l2.h): hits and misses per line, LRU eviction and write-backs, the cycles
// its port and HBM rates give, each derived by hand in the comments, and a core reaching it.
#include <gtest/gtest.h>

#include <stdexcept>

#include <fmt/format.h>

#include "core/l2.h"
#include "rig.h"

namespace snsim::core::test {
namespace {

struct L2Bench {
  explicit L2Bench(L2Params p = {}) : l2(p, store, stats) { store.map(0, 1 << 20); }
  std::uint64_t stat(const std::string& name) const {
    return stats.to_json()["l2"][name]["value"].get<std::uint64_t>();
  }
  SimpleGm store;
  StatsRegistry stats;
  L2Gm l2;
};

TEST(CoreL2, MissThenHitWithTheirLatencies) {
  L2Bench b;
  // Cold: 2 lines miss. Port 256 / 110 = 2.33 cycles, fills 256 / 864.9 = 0.30: streamed at 3,
  // complete 3 + 300 (miss latency).
  GlobalMemory::Timing t = b.l2.transfer(0, {.addr = 0, .burst = 256});
  EXPECT_EQ(t.streamed, 3u);
  EXPECT_EQ(t.complete, 303u);
  // Again at 1000: both lines hit, 1000 + 3, then + 100 (hit latency).
  t = b.l2.transfer(1000, {.addr = 0, .burst = 256});
  EXPECT_EQ(t.streamed, 1003u);
  EXPECT_EQ(t.complete, 1103u);
  // An unaligned burst touching lines 0 and 1 hits both.
  b.l2.transfer(2000, {.addr = 100, .burst = 60});
  // Four 64 B bursts 256 B apart touch lines 128, 130, 132, 134 (of 0x4000 / 128): 4 misses.
  b.l2.transfer(3000, {.addr = 0x4000, .burst = 64, .count = 4, .stride = 256});
  EXPECT_EQ(b.stat("hits"), 4u);
  EXPECT_EQ(b.stat("misses"), 6u);
  EXPECT_EQ(b.stat("read_bytes"), 256u + 256 + 60 + 256);
  EXPECT_EQ(b.stat("fill_bytes"), 6u * 128);
  EXPECT_TRUE(b.l2.contains(0x4000 + 2 * 128));
  EXPECT_FALSE(b.l2.contains(0x4000 + 128));
}

TEST(CoreL2, PortRatesPerCoreAndDirection) {
  L2Bench b;
  // 11,000 B at 110 B/cycle = 100 cycles (86 fills = 11,008 B at 864.9 take 13, hidden).
  EXPECT_EQ(b.l2.transfer(0, {.port = 0, .addr = 0, .burst = 11000}).streamed, 100u);
  // Another core's port is independent: also 100 (its fills queue behind, 26 < 100).
  EXPECT_EQ(b.l2.transfer(0, {.port = 1, .addr = 0x10000, .burst = 11000}).streamed, 100u);
  // The same port queues: 100 + 100.
  EXPECT_EQ(b.l2.transfer(0, {.port = 0, .addr = 0x20000, .burst = 11000}).streamed, 200u);
  // Writes have their own port: 8,600 B at 86 B/cycle = 100, complete with the hit latency.
  const GlobalMemory::Timing w = b.l2.transfer(0, {.port = 0, .is_write = true, .addr = 0x30000, .burst = 8600});
  EXPECT_EQ(w.streamed, 100u);
  EXPECT_EQ(w.complete, 200u);
  const auto json = b.stats.to_json()["l2"];
  EXPECT_EQ(json["port0"]["read_busy"]["value"].get<std::uint64_t>(), 200u);
  EXPECT_EQ(json["port0"]["write_busy"]["value"].get<std::uint64_t>(), 100u);
  EXPECT_EQ(json["port1"]["read_busy"]["value"].get<std::uint64_t>(), 100u);
  EXPECT_EQ(b.stat("write_bytes"), 8600u);
  EXPECT_EQ(b.stat("fill_bytes"), 3u * 86 * 128);  // a write miss fetches nothing
}

TEST(CoreL2, MissesAreBoundByTheHbmRate) {
  L2Bench b({.read_bytes_per_cycle = 1000, .hbm_bytes_per_cycle = 100});
  // 100 cold lines: port 12.8 cycles, fills 12,800 / 100 = 128: streamed 128, + 300.
  GlobalMemory::Timing t = b.l2.transfer(0, {.addr = 0, .burst = 12800});
  EXPECT_EQ(t.streamed, 128u);
  EXPECT_EQ(t.complete, 428u);
  EXPECT_EQ(b.stat("hbm_busy"), 128u);
  // Warm: the port alone, 500 + 12.8 -> 513, + 100.
  t = b.l2.transfer(500, {.addr = 0, .burst = 12800});
  EXPECT_EQ(t.streamed, 513u);
  EXPECT_EQ(t.complete, 613u);
}

TEST(CoreL2, CapacityEvictsTheLeastRecentlyUsedAndWritesBackDirtyLines) {
  // 1 KiB, 2 ways of 128 B lines: 4 sets; lines 0, 4, 8, 16 (addresses 0, 512, 1024, 2048) share set 0.
  L2Bench b({.capacity_bytes = 1024, .line_bytes = 128, .ways = 2});
  auto read = [&](std::uint64_t addr) { b.l2.transfer(0, {.addr = addr, .burst = 128}); };
  read(0);
  read(512);
  read(1024);  // evicts line 0
  EXPECT_FALSE(b.l2.contains(0));
  EXPECT_TRUE(b.l2.contains(512));
  EXPECT_TRUE(b.l2.contains(1024));
  read(512);  // hit: line 4 becomes the most recent
  read(0);    // evicts line 8, the least recent
  EXPECT_FALSE(b.l2.contains(1024));
  EXPECT_TRUE(b.l2.contains(512));
  EXPECT_EQ(b.stat("hits"), 1u);
  EXPECT_EQ(b.stat("misses"), 4u);
  b.l2.transfer(0, {.is_write = true, .addr = 2048, .burst = 128});  // evicts clean line 4
  read(1024);  // evicts clean line 0
  EXPECT_EQ(b.stat("writeback_bytes"), 0u);
  read(512);  // evicts dirty line 16: one write-back
  EXPECT_EQ(b.stat("writeback_bytes"), 128u);
  EXPECT_FALSE(b.l2.contains(2048));
  // A line in another set is untouched by all this.
  read(128);
  EXPECT_TRUE(b.l2.contains(512));
}

TEST(CoreL2, TagsAreAllocatedOnlyForTheSetsAccessed) {
  // The default 192 MiB L2 has 98,304 sets of 16 ways: 7.5 MiB of tags and LRU ranks if all were
  // allocated up front (16 x 4 B tags + 16 x 1 B ranks = 80 B a set), 5.6 GiB over CM384's 768
  // dies. One line allocates one block of 64 sets (64 x 80 B = 5 KiB); a line 64 sets further on
  // (64 x 128 B = 8 KiB on) a second.
  L2Bench b;
  EXPECT_EQ(b.l2.tag_bytes(), 0u);
  EXPECT_FALSE(b.l2.contains(0));
  b.l2.transfer(0, {.addr = 0, .burst = 128});
  EXPECT_EQ(b.l2.tag_bytes(), 5u << 10);
  b.l2.transfer(0, {.addr = 63 * 128, .burst = 128});
  EXPECT_EQ(b.l2.tag_bytes(), 5u << 10);
  b.l2.transfer(0, {.addr = 64 * 128, .burst = 128});
  EXPECT_EQ(b.l2.tag_bytes(), 10u << 10);
  EXPECT_TRUE(b.l2.contains(64 * 128));
  EXPECT_FALSE(b.l2.contains(65 * 128));
  // 5 ways: 5 tags of 4 B and 5 rank bytes rounded up to 8: 28 B a set.
  L2Bench five({.capacity_bytes = 5 * 128 * 64, .line_bytes = 128, .ways = 5});
  five.l2.transfer(0, {.addr = 0, .burst = 128});
  EXPECT_EQ(five.l2.tag_bytes(), 64u * 28);
}

// The backend's view of the L2: every fill and write-back line, in order.
class RecordingBackend : public L2Backend {
 public:
  explicit RecordingBackend(std::vector<std::uint64_t>& fills, std::vector<std::uint64_t>& writebacks)
      : fills_(fills), writebacks_(writebacks) {}
  double access(Cycle now, std::span<const std::uint64_t> fills, std::span<const std::uint64_t> writebacks) override {
    fills_.insert(fills_.end(), fills.begin(), fills.end());
    writebacks_.insert(writebacks_.end(), writebacks.begin(), writebacks.end());
    return static_cast<double>(now);
  }
  Cycle miss_latency() const override { return 0; }
  void finish(Cycle) override {}

 private:
  std::vector<std::uint64_t>& fills_;
  std::vector<std::uint64_t>& writebacks_;
};

// The replacement the L2 had before its 7-bit ranks, kept here as the reference: every access
// stamps its way with a global count; the victim is the first way of least stamp (an invalid way's
// stamp is 0). Returns whether `line` hit; a dirty victim's line goes to `writebacks`.
struct StampLru {
  struct Way {
    std::uint64_t line = 0, stamp = 0;
    bool valid = false, dirty = false;
  };
  StampLru(std::uint64_t sets, unsigned ways) : sets(sets), set_ways(sets, std::vector<Way>(ways)) {}
  bool access(std::uint64_t line, bool write, std::vector<std::uint64_t>& writebacks) {
    std::vector<Way>& s = set_ways[line % sets];
    ++clock;
    for (Way& w : s)
      if (w.valid && w.line == line) {
        w.stamp = clock;
        w.dirty = w.dirty || write;
        return true;
      }
    Way* victim = &s[0];
    for (Way& w : s)
      if (w.stamp < victim->stamp) victim = &w;
    if (victim->valid && victim->dirty) writebacks.push_back(victim->line);
    *victim = {line, clock, true, write};
    return false;
  }
  bool contains(std::uint64_t line) const {
    for (const Way& w : set_ways[line % sets])
      if (w.valid && w.line == line) return true;
    return false;
  }
  std::uint64_t sets, clock = 0;
  std::vector<std::vector<Way>> set_ways;
};

TEST(CoreL2, VictimsAreThoseOfTheAccessCountersLru) {
  // Random reads and writes of bursts of 1-3 lines over twice as many lines as the cache holds, for
  // ways 1, 2, 5, 16 and 128: every fill, every write-back (hence every victim of a dirty line) and,
  // every 50 accesses, every line's presence are the reference's.
  for (const unsigned ways : {1u, 2u, 5u, 16u, 128u}) {
    const std::uint64_t sets = ways == 128 ? 1 : 4;
    SimpleGm store;
    StatsRegistry stats;
    std::vector<std::uint64_t> fills, writebacks, ref_fills, ref_writebacks;
    L2Gm l2({.capacity_bytes = sets * ways * 512, .line_bytes = 512, .ways = ways}, store, stats, "l2",
            std::make_unique<RecordingBackend>(fills, writebacks));
    StampLru ref(sets, ways);
    const std::uint64_t lines = 2 * sets * ways;
    std::uint64_t rng = 12345;
    auto next = [&] {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      return rng >> 33;
    };
    for (int i = 0; i < 20000; ++i) {
      const std::uint64_t first = next() % lines, count = 1 + next() % 3;
      const bool write = next() % 3 == 0;
      l2.transfer(0, {.is_write = write, .addr = first * 512, .burst = count * 512});
      for (std::uint64_t line = first; line < first + count; ++line)
        if (!ref.access(line, write, ref_writebacks) && !write) ref_fills.push_back(line);
      for (std::uint64_t line = 0; i % 50 == 0 && line < lines + 3; ++line)
        ASSERT_EQ(l2.contains(line * 512), ref.contains(line)) << "ways " << ways << ", access " << i << ", line " << line;
    }
    EXPECT_EQ(fills, ref_fills) << "ways " << ways;
    EXPECT_EQ(writebacks, ref_writebacks) << "ways " << ways;
    EXPECT_GT(writebacks.size(), 1000u) << "ways " << ways;  // the test evicted dirty lines
  }
}

TEST(CoreL2, TagsCoverEveryOffsetOfADie) {
  // 3 sets of 128 B lines, one way: a die's 2^33 lines need tags up to (2^33 - 1) / 3 + 1 =
  // 2,863,311,531, above 2^31. The last line (set 1) and the line 3 x 2^31 below it (same set,
  // tag 2^31 less) are told apart: a 31-bit tag would alias them.
  L2Bench b({.capacity_bytes = 3 * 128, .line_bytes = 128, .ways = 1});
  EXPECT_EQ(l2_max_tag(3, 128), 2'863'311'531u);
  const std::uint64_t top = (std::uint64_t{1} << 40) - 128, alias = top - (std::uint64_t{3} << 31) * 128;
  b.l2.transfer(0, {.addr = top, .burst = 128});
  EXPECT_TRUE(b.l2.contains(top));
  EXPECT_FALSE(b.l2.contains(alias));
  b.l2.transfer(0, {.addr = alias, .burst = 128});  // evicts the top line: the same set
  EXPECT_TRUE(b.l2.contains(alias));
  EXPECT_FALSE(b.l2.contains(top));
  EXPECT_EQ(b.stat("misses"), 2u);
  // An access reaching past the die's 1 TiB is refused before it changes a tag.
  EXPECT_THROW(b.l2.transfer(0, {.addr = top, .burst = 256}), GmError);
  EXPECT_THROW(b.l2.transfer(0, {.addr = 0, .burst = 128, .count = 2, .stride = std::uint64_t{1} << 40}), GmError);
  EXPECT_TRUE(b.l2.contains(alias));
  EXPECT_FALSE(b.l2.contains(0));
  EXPECT_EQ(b.stat("misses"), 2u);
  EXPECT_FALSE(b.l2.contains(std::uint64_t{1} << 40));
}

TEST(CoreL2, DataGoesToTheBackingStore) {
  L2Bench b;
  const std::uint8_t in[4] = {1, 2, 3, 4};
  b.l2.write(0x100, in);
  std::uint8_t out[4] = {};
  b.store.read(0x100, out);
  EXPECT_EQ(std::vector<std::uint8_t>(out, out + 4), std::vector<std::uint8_t>(in, in + 4));
  EXPECT_TRUE(b.l2.mapped(0, 1 << 20));
  EXPECT_FALSE(b.l2.mapped(1 << 20, 1));
}

TEST(CoreL2, ACoreUsesItsOwnPortAndTheAddressesOfItsBursts) {
  Rig rig;
  rig.use_l2();
  rig.gm.map(0x1000'0000, 4096);
  // Twice: 4 bursts of 128 B, 128 B apart (lines 0, 2, 4, 6 of the region), into UB.
  rig.add(assemble(R"(
    li x1, 0
    li64 x2, 0x10000000
    copy_cfg x3, 4, 4, 4, 0
    dma_in ub, x1, x2, x3
    set_flag mte2, mte3, 0
    wait_flag mte2, mte3, 0
    dma_in ub, x1, x2, x3
    set_flag mte2, mte3, 0
    wait_flag mte2, mte3, 0
  )" "halt\n"), {.core_id = 5});
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  EXPECT_EQ(rig.stat("l2.misses"), 4u);
  EXPECT_EQ(rig.stat("l2.hits"), 4u);
  EXPECT_TRUE(rig.l2->contains(0x1000'0000 + 6 * 128));
  EXPECT_FALSE(rig.l2->contains(0x1000'0000 + 128));  // the gaps are not fetched
  // 512 B at 110 B/cycle: 4.65 cycles, twice, on the port of AIV 5 (AIV ports follow the AICs').
  EXPECT_EQ(gm_port({.type = isa::CoreType::Aiv, .core_id = 5}), kAivGmPortBase + 5);
  EXPECT_EQ(gm_port({.type = isa::CoreType::Aic, .core_id = 5}), 5u);
  EXPECT_EQ(rig.stat(fmt::format("l2.port{}.read_busy", kAivGmPortBase + 5)), 10u);
  // Each dma_in occupies MTE2 for 512 / 32 = 16 cycles (the core's port); its set_flag then
  // waits for completion: 300 cycles (miss latency) the first time, 100 (hit) the second.
  EXPECT_EQ(rig.stat("aiv5.mte2.stall_barrier"), 400u);
}

TEST(CoreL2, BadGeometryOrRateIsRefused) {
  SimpleGm store;
  StatsRegistry stats;
  EXPECT_THROW(L2Gm({.capacity_bytes = 1000}, store, stats, "a"), std::invalid_argument);
  EXPECT_THROW(L2Gm({.line_bytes = 96}, store, stats, "b"), std::invalid_argument);
  EXPECT_THROW(L2Gm({.ways = 0}, store, stats, "c"), std::invalid_argument);
  EXPECT_THROW(L2Gm({.hbm_bytes_per_cycle = 0}, store, stats, "d"), std::invalid_argument);
  // A way's rank has 7 bits: 128 ways at most.
  EXPECT_NO_THROW(L2Gm({.capacity_bytes = 128 * 512, .line_bytes = 512, .ways = 128}, store, stats, "e"));
  EXPECT_THROW(L2Gm({.capacity_bytes = 129 * 512, .line_bytes = 512, .ways = 129}, store, stats, "f"),
               std::invalid_argument);
  // 32-bit tags: 2 sets of 128 B lines need tags up to 2^32 + 1 for a die's 2^33 lines; 3 sets fit
  // (TagsCoverEveryOffsetOfADie).
  EXPECT_EQ(l2_max_tag(2, 128), (std::uint64_t{1} << 32));
  try {
    L2Gm({.capacity_bytes = 2 * 128 * 4, .line_bytes = 128, .ways = 4}, store, stats, "g");
    ADD_FAILURE() << "2 sets of 128 B lines accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "g: 2 sets of 128 B lines need tags up to 4294967296 for a die's 1 TiB of offsets, above the 32-bit "
              "tags' 4294967295: a way (capacity / ways = 256 B) must be larger");
  }
  EXPECT_NO_THROW(L2Gm({.capacity_bytes = 3 * 128 * 4, .line_bytes = 128, .ways = 4}, store, stats, "h"));
}

}  // namespace
}  // namespace snsim::core::test
