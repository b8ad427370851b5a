#include "common/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "common/units.h"

namespace snsim {

void Histogram::record(std::uint64_t value, std::uint64_t times) {
  if (times == 0) return;
  if (value < kDense) {
    if (value >= dense_.size()) dense_.resize(std::min(kDense, std::max(value + 1, 2 * dense_.size())));
    dense_[value] += times;
  } else if (value < kPaged) {
    const std::uint64_t page = value / kPage;
    if (page >= pages_.size()) pages_.resize(page + 1);
    if (!pages_[page]) pages_[page] = std::make_unique<Page>();
    (*pages_[page])[value % kPage] += times;
  } else {
    large_[value] += times;
  }
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = count_ == 0 ? value : std::max(max_, value);
  count_ += times;
  sum_ += static_cast<unsigned __int128>(value) * times;
}

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(static_cast<long double>(sum_) / static_cast<long double>(count_));
}

std::uint64_t Histogram::percentile(double p) const {
  if (!(p >= 0.0 && p <= 100.0)) {
    throw std::invalid_argument(fmt::format("percentile {} is outside [0, 100]", p));
  }
  if (count_ == 0) return 0;
  // Integral p (the usual 50, 99) takes exact integer arithmetic; a fractional p such as 99.9 is
  // not a binary fraction, and ceil_tolerant absorbs its rounding.
  double rank;
  if (p == std::floor(p)) {
    __extension__ typedef unsigned __int128 u128;
    const u128 product = static_cast<u128>(static_cast<std::uint64_t>(p)) * count_;
    rank = static_cast<double>(static_cast<std::uint64_t>((product + 99) / 100));
  } else {
    rank = ceil_tolerant(p * static_cast<double>(count_) / 100.0);
  }
  if (rank < 1.0) rank = 1.0;
  std::uint64_t seen = 0;
  for (std::uint64_t value = 0; value < dense_.size(); ++value) {
    seen += dense_[value];
    if (static_cast<double>(seen) >= rank) return value;
  }
  for (std::uint64_t page = 0; page < pages_.size(); ++page) {
    if (!pages_[page]) continue;
    for (std::uint64_t k = 0; k < kPage; ++k) {
      seen += (*pages_[page])[k];
      if (static_cast<double>(seen) >= rank) return page * kPage + k;
    }
  }
  for (const auto& [value, n] : large_) {
    seen += n;
    if (static_cast<double>(seen) >= rank) return value;
  }
  return max_;
}

void Histogram::reset() {
  dense_.clear();
  pages_.clear();
  large_.clear();
  count_ = min_ = max_ = 0;
  sum_ = 0;
}

StatsRegistry::Entry& StatsRegistry::add(std::string name, std::string unit, std::string desc,
                                         Kind kind) {
  if (name.empty() || name.front() == '.' || name.back() == '.' ||
      name.find("..") != std::string::npos) {
    throw std::logic_error(
        fmt::format("statistic name '{}' must be dotted non-empty components", name));
  }
  if (index_.count(name) != 0) {
    throw std::logic_error(fmt::format("statistic '{}' is registered twice", name));
  }
  if (interior_.count(name) != 0) {
    throw std::logic_error(
        fmt::format("statistic '{}' is also the prefix of other statistics ('{}.*')", name, name));
  }
  for (std::size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
    const std::string prefix = name.substr(0, dot);
    if (index_.count(prefix) != 0) {
      throw std::logic_error(fmt::format(
          "statistic '{}' would nest under statistic '{}', which holds a value", name, prefix));
    }
  }
  for (std::size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
    interior_.insert(name.substr(0, dot));
  }
  index_.emplace(name, entries_.size());
  Entry& e = entries_.emplace_back();
  e.name = std::move(name);
  e.unit = std::move(unit);
  e.desc = std::move(desc);
  e.kind = kind;
  return e;
}

Counter& StatsRegistry::counter(std::string name, std::string unit, std::string desc) {
  Entry& e = add(std::move(name), std::move(unit), std::move(desc), Kind::Counter);
  e.counter = std::make_unique<Counter>();
  return *e.counter;
}

Scalar& StatsRegistry::scalar(std::string name, std::string unit, std::string desc) {
  Entry& e = add(std::move(name), std::move(unit), std::move(desc), Kind::Scalar);
  e.scalar = std::make_unique<Scalar>();
  return *e.scalar;
}

Histogram& StatsRegistry::histogram(std::string name, std::string unit, std::string desc) {
  Entry& e = add(std::move(name), std::move(unit), std::move(desc), Kind::Histogram);
  e.histogram = std::make_unique<Histogram>();
  return *e.histogram;
}

bool StatsRegistry::contains(std::string_view name) const {
  return index_.count(std::string(name)) != 0;
}

nlohmann::ordered_json StatsRegistry::to_json() const {
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  for (const Entry& e : entries_) {
    nlohmann::ordered_json* node = &root;
    std::size_t start = 0;
    for (std::size_t dot = e.name.find('.'); dot != std::string::npos;
         dot = e.name.find('.', start)) {
      node = &(*node)[e.name.substr(start, dot - start)];
      start = dot + 1;
    }
    nlohmann::ordered_json leaf = nlohmann::ordered_json::object();
    switch (e.kind) {
      case Kind::Counter:
        leaf["value"] = e.counter->value();
        break;
      case Kind::Scalar:
        leaf["value"] = e.scalar->value();
        break;
      case Kind::Histogram: {
        const Histogram& h = *e.histogram;
        leaf["count"] = h.count();
        if (h.count() == 0) {
          for (const char* k : {"mean", "min", "max", "p50", "p99"}) leaf[k] = nullptr;
        } else {
          leaf["mean"] = h.mean();
          leaf["min"] = h.min();
          leaf["max"] = h.max();
          leaf["p50"] = h.percentile(50);
          leaf["p99"] = h.percentile(99);
        }
        break;
      }
    }
    leaf["unit"] = e.unit;
    (*node)[e.name.substr(start)] = std::move(leaf);
  }
  return root;
}

void StatsRegistry::write_json(const std::string& path) const {
  const std::string text = to_json().dump(2) + "\n";
  const std::string tmp = path + ".tmp";
  auto fail = [&](std::string_view step) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw std::runtime_error(
        fmt::format("cannot write statistics to '{}': {}: {}", path, step, std::strerror(err)));
  };
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) fail(fmt::format("open '{}'", tmp));
  const bool wrote = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !closed) fail(fmt::format("write '{}'", tmp));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(fmt::format("rename '{}'", tmp));
}

std::string StatsRegistry::summary_table(std::string_view filter_prefix) const {
  struct Row {
    std::string name, value, unit;
  };
  std::vector<Row> rows;
  std::size_t name_w = 4, value_w = 5;
  for (const Entry& e : entries_) {
    if (!std::string_view(e.name).starts_with(filter_prefix)) continue;
    std::string value;
    switch (e.kind) {
      case Kind::Counter:
        value = fmt::format("{}", e.counter->value());
        break;
      case Kind::Scalar:
        value = fmt::format("{:.6g}", e.scalar->value());
        break;
      case Kind::Histogram: {
        const Histogram& h = *e.histogram;
        value = h.count() == 0
                    ? std::string("n=0")
                    : fmt::format("n={} mean={:.6g} min={} p50={} p99={} max={}", h.count(),
                                  h.mean(), h.min(), h.percentile(50), h.percentile(99), h.max());
        break;
      }
    }
    name_w = std::max(name_w, e.name.size());
    value_w = std::max(value_w, value.size());
    rows.push_back({e.name, std::move(value), e.unit});
  }
  std::string out = fmt::format("{:<{}}  {:>{}}  {}\n", "name", name_w, "value", value_w, "unit");
  for (const Row& r : rows) {
    out += fmt::format("{:<{}}  {:>{}}  {}\n", r.name, name_w, r.value, value_w, r.unit);
  }
  return out;
}

void StatsRegistry::reset() {
  for (Entry& e : entries_) {
    switch (e.kind) {
      case Kind::Counter:
        e.counter->reset();
        break;
      case Kind::Scalar:
        e.scalar->reset();
        break;
      case Kind::Histogram:
        e.histogram->reset();
        break;
    }
  }
}

}  // namespace snsim
