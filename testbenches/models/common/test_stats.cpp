#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "common/stats.h"

namespace snsim {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(StatsRegistry, RegisteredStatisticsKeepTheirValues) {
  StatsRegistry reg;
  Counter& flits = reg.counter("net.router0.port3.flits_out", "flits", "flits sent");
  Scalar& load = reg.scalar("net.offered_load", "flits/cycle", "offered load");
  flits.inc();
  flits.add(41);
  load.set(0.25);
  EXPECT_EQ(flits.value(), 42u);
  EXPECT_DOUBLE_EQ(load.value(), 0.25);
  EXPECT_EQ(reg.size(), 2u);
  EXPECT_TRUE(reg.contains("net.offered_load"));
  EXPECT_FALSE(reg.contains("net"));
}

TEST(StatsRegistry, DuplicateNameThrowsNamingIt) {
  StatsRegistry reg;
  reg.counter("a.b", "x", "d");
  try {
    reg.histogram("a.b", "x", "d");
    FAIL() << "expected std::logic_error";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("'a.b'"), std::string::npos) << e.what();
  }
}

TEST(StatsRegistry, LeafAndPrefixConflictsThrow) {
  StatsRegistry reg;
  reg.counter("a.b", "x", "d");
  EXPECT_THROW(reg.counter("a.b.c", "x", "d"), std::logic_error);
  reg.counter("p.q.r", "x", "d");
  EXPECT_THROW(reg.counter("p.q", "x", "d"), std::logic_error);
  EXPECT_THROW(reg.counter("bad..name", "x", "d"), std::logic_error);
  EXPECT_THROW(reg.counter("", "x", "d"), std::logic_error);
}

TEST(Histogram, NearestRankPercentilesMatchHandComputedValues) {
  Histogram h;
  // Samples 1..10 (value 5 twice, so 11 samples: 1 2 3 4 5 5 6 7 8 9 10).
  for (std::uint64_t v = 1; v <= 10; ++v) h.record(v);
  h.record(5);
  EXPECT_EQ(h.count(), 11u);
  EXPECT_DOUBLE_EQ(h.mean(), 60.0 / 11.0);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 10u);
  // rank = ceil(p/100 * 11): p50 -> 6th sample = 5, p90 -> 10th = 9, p99 -> 11th = 10,
  // p10 -> 2nd = 2, p0 -> min, p100 -> max, p45.4545 -> ceil(4.99999) = 5th = 5.
  EXPECT_EQ(h.percentile(50), 5u);
  EXPECT_EQ(h.percentile(90), 9u);
  EXPECT_EQ(h.percentile(99), 10u);
  EXPECT_EQ(h.percentile(10), 2u);
  EXPECT_EQ(h.percentile(0), 1u);
  EXPECT_EQ(h.percentile(100), 10u);
  EXPECT_THROW(h.percentile(101), std::invalid_argument);
}

TEST(Histogram, PercentilesSpanTheDenseArrayAndTheMapOfLargeValues) {
  Histogram h;
  constexpr std::uint64_t d = Histogram::kDense;
  // Sorted: 3 3 d-1 d d+5 d+5 d+5 10^12 (8 samples, recorded out of order).
  h.record(d + 5, 3);
  h.record(1'000'000'000'000);
  h.record(d);
  h.record(3, 2);
  h.record(d - 1);
  EXPECT_EQ(h.count(), 8u);
  EXPECT_EQ(h.min(), 3u);
  EXPECT_EQ(h.max(), 1'000'000'000'000u);
  EXPECT_EQ(h.percentile(25), 3u);      // rank 2
  EXPECT_EQ(h.percentile(30), d - 1);   // rank ceil(2.4) = 3, the last dense value
  EXPECT_EQ(h.percentile(50), d);       // rank 4, the first large value
  EXPECT_EQ(h.percentile(75), d + 5);   // rank 6
  EXPECT_EQ(h.percentile(99), 1'000'000'000'000u);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0u);
  h.record(7);
  EXPECT_EQ(h.min(), 7u);
  EXPECT_EQ(h.max(), 7u);
  EXPECT_EQ(h.percentile(50), 7u);
}

// Samples in all three stores (the dense array, the pages, the map) and at their bounds, against
// the nearest rank of the sorted samples and their exact mean.
TEST(Histogram, PercentilesAndMeanMatchTheSortedSamplesAcrossEveryStore) {
  Histogram h;
  std::vector<std::uint64_t> all;
  std::mt19937_64 rng(5);
  const std::uint64_t d = Histogram::kDense, pg = Histogram::kPaged, k = Histogram::kPage;
  const std::uint64_t edges[] = {0, 1, d - 1, d, d + 1, d + k - 1, d + k, pg - 1, pg, pg + 1, 1'000'000'000'000};
  for (int n = 0; n < 20000; ++n) {
    std::uint64_t v;
    switch (n % 4) {
      case 0: v = rng() % d; break;
      case 1: v = d + rng() % 30000; break;      // NI latencies of a loaded network
      case 2: v = edges[rng() % std::size(edges)]; break;
      default: v = rng() % (4 * pg); break;
    }
    const std::uint64_t times = 1 + rng() % 3;
    h.record(v, times);
    all.insert(all.end(), times, v);
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(h.count(), all.size());
  EXPECT_EQ(h.min(), all.front());
  EXPECT_EQ(h.max(), all.back());
  for (const double p : {0.0, 1.0, 10.0, 25.0, 33.0, 50.0, 75.0, 90.0, 99.0, 99.9, 100.0}) {
    const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p * all.size() / 100 - 1e-9)));
    EXPECT_EQ(h.percentile(p), all[rank - 1]) << p;
  }
  __extension__ unsigned __int128 sum = 0;
  for (const std::uint64_t v : all) sum += v;
  EXPECT_EQ(h.mean(), static_cast<double>(static_cast<long double>(sum) / all.size()));
}

TEST(Histogram, IntegralPercentileIsExactAtRankBoundaries) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  // 99/100 * 100 is exactly 99 (a naive 0.99 * 100 is 99.00000000000001 and would give 100).
  EXPECT_EQ(h.percentile(99), 99u);
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(1), 1u);
  // Weighted records count as repeated samples.
  Histogram w;
  w.record(7, 3);
  w.record(100, 1);
  EXPECT_EQ(w.count(), 4u);
  EXPECT_EQ(w.percentile(75), 7u);
  EXPECT_EQ(w.percentile(76), 100u);
}

TEST(StatsRegistry, JsonNestsByDottedPath) {
  StatsRegistry reg;
  reg.counter("net.router0.port3.flits_out", "flits", "d").add(12);
  reg.scalar("net.router0.util", "fraction", "d").set(0.5);
  Histogram& lat = reg.histogram("net.latency", "cycles", "d");
  lat.record(10);
  lat.record(20);
  reg.histogram("net.empty", "cycles", "d");

  const auto j = reg.to_json();
  EXPECT_EQ(j["net"]["router0"]["port3"]["flits_out"]["value"], 12);
  EXPECT_EQ(j["net"]["router0"]["port3"]["flits_out"]["unit"], "flits");
  EXPECT_EQ(j["net"]["router0"]["util"]["value"], 0.5);
  const auto& l = j["net"]["latency"];
  EXPECT_EQ(l["count"], 2);
  EXPECT_EQ(l["mean"], 15.0);
  EXPECT_EQ(l["min"], 10);
  EXPECT_EQ(l["max"], 20);
  EXPECT_EQ(l["p50"], 10);
  EXPECT_EQ(l["p99"], 20);
  EXPECT_EQ(l["unit"], "cycles");
  EXPECT_EQ(j["net"]["empty"]["count"], 0);
  EXPECT_TRUE(j["net"]["empty"]["p50"].is_null());
  // Registration order is kept.
  EXPECT_EQ(j["net"].begin().key(), "router0");
}

TEST(StatsRegistry, WriteJsonReplacesTheFileAtomically) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("snsim_stats_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "stats.json").string();
  StatsRegistry reg;
  reg.counter("a.n", "events", "d").add(3);
  reg.write_json(path);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ(nlohmann::json::parse(read_all(path))["a"]["n"]["value"], 3);
  std::filesystem::remove_all(dir);
}

TEST(StatsRegistry, WriteJsonToMissingDirectoryThrowsNamingThePath) {
  StatsRegistry reg;
  reg.counter("a", "x", "d");
  const std::string path = "/nonexistent-snsim-dir/sub/stats.json";
  try {
    reg.write_json(path);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(StatsRegistry, ResetZeroesEveryStatistic) {
  StatsRegistry reg;
  Counter& c = reg.counter("c", "x", "d");
  Scalar& s = reg.scalar("s", "x", "d");
  Histogram& h = reg.histogram("h", "x", "d");
  c.add(5);
  s.set(2.5);
  h.record(9);
  reg.reset();
  EXPECT_EQ(c.value(), 0u);
  EXPECT_EQ(s.value(), 0.0);
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  h.record(4);  // still registered and usable
  EXPECT_EQ(reg.to_json()["h"]["max"], 4);
}

TEST(StatsRegistry, SummaryTableIsAlignedAndFiltered) {
  StatsRegistry reg;
  reg.counter("net.a", "flits", "d").add(7);
  reg.counter("net.longer_name", "packets", "d").add(12345);
  reg.counter("mem.reads", "reads", "d");
  const std::string table = reg.summary_table("net.");
  EXPECT_EQ(table,
            "name             value  unit\n"
            "net.a                7  flits\n"
            "net.longer_name  12345  packets\n");
}

}  // namespace
}  // namespace snsim
