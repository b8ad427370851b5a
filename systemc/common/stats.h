#pragma once
// Named statistics of one simulation. Components register each statistic once, at construction,
// with a dotted name, a unit and one line of description, and keep the returned reference to
// update it; reports (stats.json, the summary table) are produced from the registry.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace snsim {

// A monotonically increasing event count.
class Counter {
 public:
  void inc() { ++value_; }
  void add(std::uint64_t n) { value_ += n; }
  std::uint64_t value() const { return value_; }
  void reset() { value_ = 0; }

 private:
  std::uint64_t value_ = 0;
};

// A value computed by its owner (a rate, an occupancy, an energy).
class Scalar {
 public:
  void set(double v) { value_ = v; }
  double value() const { return value_; }
  void reset() { value_ = 0.0; }

 private:
  double value_ = 0.0;
};

// Exact distribution of unsigned samples (latencies in cycles, sizes in flits): every distinct
// value keeps its own count, so percentiles are exact. Values below kDense are counted in an array
// indexed by value (grown to the largest such value seen: a sample costs one increment); values
// below kPaged in pages of kPage counts, allocated when a value in their range first comes (a
// sample costs an index and an increment; a std::map of each distinct value, as before, cost a
// walk of its tree per sample, a cache miss per level, 3% of a CM384 MoE step's processor time
// for the NIs' latencies of several thousand cycles); larger ones in a map. Memory grows with the
// ranges of the values seen, not with the number of samples.
// Percentiles use the nearest-rank definition: percentile(p) is the smallest recorded value v such
// that at least ceil(p/100 * count) samples are <= v (p = 0 gives min, p = 100 gives max).
// With no samples, mean, min, max and percentile return 0 (JSON shows null).
class Histogram {
 public:
  static constexpr std::uint64_t kDense = 4096;
  static constexpr std::uint64_t kPage = 256;
  static constexpr std::uint64_t kPaged = std::uint64_t{1} << 24;

  void record(std::uint64_t value, std::uint64_t times = 1);
  std::uint64_t count() const { return count_; }
  double mean() const;
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return count_ == 0 ? 0 : max_; }
  // Throws std::invalid_argument unless 0 <= p <= 100.
  std::uint64_t percentile(double p) const;
  void reset();

 private:
  using Page = std::array<std::uint64_t, kPage>;
  std::vector<std::uint64_t> dense_;          // count of value v < kDense at [v]
  std::vector<std::unique_ptr<Page>> pages_;  // count of kDense <= v < kPaged at [v / kPage][v % kPage]
  std::map<std::uint64_t, std::uint64_t> large_;  // values >= kPaged
  std::uint64_t count_ = 0;
  std::uint64_t min_ = 0, max_ = 0;
  // The exact sum of the samples (an integer: a long double's running sum rounded once above
  // 2^64, and cost x87 arithmetic per sample).
  __extension__ unsigned __int128 sum_ = 0;
};

// Contract: one registry per simulation, passed by reference (no globals). Names are dotted paths
// ("net.router0.port3.flits_out") of non-empty components; a name may not be registered twice,
// nor be both a statistic and a prefix of another ("a.b" and "a.b.c"), because the JSON report
// nests by path. Violations throw std::logic_error naming the statistic. References returned by
// counter()/scalar()/histogram() stay valid for the registry's lifetime. Reports list statistics
// in registration order.
class StatsRegistry {
 public:
  Counter& counter(std::string name, std::string unit, std::string desc);
  Scalar& scalar(std::string name, std::string unit, std::string desc);
  Histogram& histogram(std::string name, std::string unit, std::string desc);

  bool contains(std::string_view name) const;
  std::size_t size() const { return entries_.size(); }

  // Nested objects by dotted path. A counter or scalar is {"value": v, "unit": u}; a histogram is
  // {"count", "mean", "min", "max", "p50", "p99", "unit"} (null statistics when empty).
  nlohmann::ordered_json to_json() const;

  // Writes to_json() to path + ".tmp", then renames it over `path`, so readers never see a
  // partial file. Throws std::runtime_error naming the path if any step fails.
  void write_json(const std::string& path) const;

  // Aligned text table (name, value, unit) of the statistics whose name starts with
  // filter_prefix, one per line.
  std::string summary_table(std::string_view filter_prefix = "") const;

  // Zeroes every statistic (after warm-up); registrations stay.
  void reset();

 private:
  enum class Kind { Counter, Scalar, Histogram };
  struct Entry {
    std::string name;
    std::string unit;
    std::string desc;
    Kind kind;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Scalar> scalar;
    std::unique_ptr<Histogram> histogram;
  };

  Entry& add(std::string name, std::string unit, std::string desc, Kind kind);

  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;
  std::unordered_set<std::string> interior_;  // proper dotted prefixes of registered names
};

}  // namespace snsim
