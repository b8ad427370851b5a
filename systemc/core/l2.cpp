// The die's L2 cache model (l2.h).
#include "core/l2.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "common/thread_timer.h"

namespace snsim::core {

namespace {

// The memory behind the L2 as one rate shared by the die: busy bytes / rate for fills, then
// write-backs, in the order of the accesses; a miss then takes L2Params::miss_latency.
class RateBackend : public L2Backend {
 public:
  RateBackend(const L2Params& p, StatsRegistry& stats, const std::string& name)
      : rate_(p.hbm_bytes_per_cycle),
        line_bytes_(p.line_bytes),
        miss_latency_(p.miss_latency),
        busy_(stats.counter(name + ".hbm_busy", "cycles", "cycles the HBM behind the L2 was transferring")) {}

  double access(Cycle now, std::span<const std::uint64_t> fills, std::span<const std::uint64_t> writebacks) override {
    const double start = std::max(free_, static_cast<double>(now));
    const double filled = start + static_cast<double>(fills.size() * line_bytes_) / rate_;
    free_ = start + static_cast<double>((fills.size() + writebacks.size()) * line_bytes_) / rate_;
    busy_.add(static_cast<Cycle>(std::ceil(free_)) - static_cast<Cycle>(std::ceil(start)));
    return filled;
  }
  Cycle miss_latency() const override { return miss_latency_; }
  void finish(Cycle) override {}

 private:
  double rate_;
  std::uint64_t line_bytes_;
  Cycle miss_latency_;
  Counter& busy_;
  double free_ = 0;  // cycle (fractional) the rate is free
};

}  // namespace

L2Gm::L2Gm(L2Params params, SimpleGm& store, StatsRegistry& stats, const std::string& name,
           std::unique_ptr<L2Backend> backend)
    : params_(params), store_(store), stats_(stats), name_(name), backend_(std::move(backend)) {
  const std::uint64_t set_bytes = std::uint64_t{params_.line_bytes} * params_.ways;
  if (!std::has_single_bit(params_.line_bytes) || params_.ways == 0 || params_.capacity_bytes == 0 ||
      params_.capacity_bytes % set_bytes != 0)
    throw std::invalid_argument(fmt::format(
        "{}: capacity {} B is not a multiple of {} ways x {} B lines (a power of two)", name_,
        params_.capacity_bytes, params_.ways, params_.line_bytes));
  if (!(params_.read_bytes_per_cycle > 0 && params_.write_bytes_per_cycle > 0 && params_.hbm_bytes_per_cycle > 0))
    throw std::invalid_argument(fmt::format("{}: bandwidths must be positive", name_));
  sets_ = params_.capacity_bytes / set_bytes;
  if (params_.ways > kRankMask + 1u)
    throw std::invalid_argument(fmt::format("{}: {} ways: at most {} (a way's LRU rank has 7 bits)", name_,
                                            params_.ways, kRankMask + 1u));
  if (l2_max_tag(sets_, params_.line_bytes) > kL2MaxTag)
    throw std::invalid_argument(fmt::format(
        "{}: {} sets of {} B lines need tags up to {} for a die's 1 TiB of offsets, above the 32-bit tags' {}: "
        "a way (capacity / ways = {} B) must be larger",
        name_, sets_, params_.line_bytes, l2_max_tag(sets_, params_.line_bytes), kL2MaxTag,
        params_.capacity_bytes / params_.ways));
  set_words_ = params_.ways + (params_.ways + 3) / 4;
  line_shift_ = static_cast<unsigned>(std::countr_zero(params_.line_bytes));
  const std::string p = name_ + ".";
  hits_ = &stats.counter(p + "hits", "lines", "lines found in the cache");
  misses_ = &stats.counter(p + "misses", "lines", "lines not in the cache (allocated)");
  read_bytes_ = &stats.counter(p + "read_bytes", "bytes", "bytes read by the cores");
  write_bytes_ = &stats.counter(p + "write_bytes", "bytes", "bytes written by the cores");
  fill_bytes_ = &stats.counter(p + "fill_bytes", "bytes", "bytes read from HBM for read misses");
  writeback_bytes_ = &stats.counter(p + "writeback_bytes", "bytes", "dirty bytes evicted to HBM");
  if (!backend_) backend_ = std::make_unique<RateBackend>(params_, stats, name_);
}

L2Gm::Port& L2Gm::port(unsigned id) {
  if (id >= ports_.size()) ports_.resize(id + 1);
  Port& p = ports_[id];
  if (!p.used) {
    p.used = true;
    // At once on the SystemC thread; from the fabric's worker after its barrier, in the order one
    // thread would register them (the worker's network interfaces come after the others).
    on_main_thread([this, id] { register_port(id); });
  }
  return p;
}

void L2Gm::register_port(unsigned id) {
  Port& p = ports_[id];
  const std::string prefix = fmt::format("{}.port{}.", name_, id);
  p.read_busy = &stats_.counter(prefix + "read_busy", "cycles", "cycles the core's read port was transferring");
  p.write_busy = &stats_.counter(prefix + "write_busy", "cycles", "cycles the core's write port was transferring");
  p.read_busy->add(std::exchange(p.pending_read, 0));
  p.write_busy->add(std::exchange(p.pending_write, 0));
}

std::uint32_t* L2Gm::set_words(std::uint64_t set) {
  if (blocks_.empty()) blocks_.resize((sets_ + kSetsPerBlock - 1) / kSetsPerBlock);
  auto& block = blocks_[set / kSetsPerBlock];
  if (!block) block = std::make_unique<std::uint32_t[]>(kSetsPerBlock * set_words_);  // zeroed: invalid
  return &block[(set % kSetsPerBlock) * set_words_];
}

const std::uint32_t* L2Gm::find_set_words(std::uint64_t set) const {
  if (blocks_.empty() || !blocks_[set / kSetsPerBlock]) return nullptr;
  return &blocks_[set / kSetsPerBlock][(set % kSetsPerBlock) * set_words_];
}

std::uint64_t L2Gm::tag_bytes() const {
  const auto allocated = std::count_if(blocks_.begin(), blocks_.end(), [](const auto& b) { return b != nullptr; });
  return static_cast<std::uint64_t>(allocated) * kSetsPerBlock * set_words_ * sizeof(std::uint32_t);
}

bool L2Gm::access_line(std::uint64_t line, bool is_write) {
  const std::uint64_t set = line % sets_;
  const auto tag = static_cast<std::uint32_t>(line / sets_ + 1);  // fits: the constructor checked l2_max_tag
  std::uint32_t* tags = set_words(set);
  auto* ranks = reinterpret_cast<std::uint8_t*>(tags + params_.ways);
  const unsigned ways = params_.ways;
  // Way w becomes the most recently used: the valid ways used after it (all valid ways if it was
  // invalid) move one rank down. The invalid ways' bytes move too, unread: a way's byte is set when
  // it becomes valid, and the LRU search below runs only when every way is valid. (Not testing
  // validity keeps the loop to bytes, which the compiler vectorizes.)
  auto touch = [&](unsigned w) {
    const unsigned r = tags[w] ? ranks[w] & kRankMask : ways;
    if (r == 0) return;  // already the most recently used
    for (unsigned v = 0; v < ways; ++v) ranks[v] = static_cast<std::uint8_t>(ranks[v] + ((ranks[v] & kRankMask) < r));
    ranks[w] &= kDirty;
  };
  for (unsigned w = 0; w < ways; ++w)
    if (tags[w] == tag) {
      touch(w);
      if (is_write) ranks[w] |= kDirty;
      return true;
    }
  // An invalid way (the lowest-numbered) is taken before any valid one; then the least recently used.
  unsigned victim = 0;
  while (victim < ways && tags[victim] != 0) ++victim;
  if (victim == ways) {
    victim = 0;
    while ((ranks[victim] & kRankMask) != ways - 1) ++victim;
    if (ranks[victim] & kDirty) writebacks_.push_back((tags[victim] - 1) * sets_ + set);
  }
  touch(victim);
  tags[victim] = tag;
  ranks[victim] = is_write ? kDirty : 0;
  return false;
}

bool L2Gm::contains(std::uint64_t addr) const {
  if (addr > kDieOffsetMask) return false;
  const std::uint64_t line = addr >> line_shift_;
  const std::uint32_t* tags = find_set_words(line % sets_);
  const auto tag = static_cast<std::uint32_t>(line / sets_ + 1);
  return tags && std::find(tags, tags + params_.ways, tag) != tags + params_.ways;
}

GlobalMemory::Timing L2Gm::transfer(Cycle now, const GmAccess& access) {
  // 1. Tags: every line the access touches, in address order; a read's misses are its fills.
  std::uint64_t hits = 0, misses = 0;
  fills_.clear();
  writebacks_.clear();
  // 0. The tags cover a die's offsets only (l2_max_tag): refuse the access before any tag changes.
  access.for_each_burst([&](std::uint64_t addr, std::uint64_t bytes) {
    if (bytes != 0 && (addr > kDieOffsetMask || bytes - 1 > kDieOffsetMask - addr))
      throw GmError(fmt::format("{}: {} [0x{:x}, +{}) is beyond a die's 1 TiB of memory (core/gm.h)", name_,
                                access.is_write ? "write" : "read", addr, bytes));
  });
  access.for_each_burst([&](std::uint64_t addr, std::uint64_t bytes) {
    if (bytes == 0) return;
    for (std::uint64_t line = addr >> line_shift_; line <= (addr + bytes - 1) >> line_shift_; ++line) {
      if (access_line(line, access.is_write)) {
        ++hits;
      } else {
        ++misses;
        if (!access.is_write) fills_.push_back(line);
      }
    }
  });
  hits_->add(hits);
  misses_->add(misses);
  const std::uint64_t bytes = access.bytes();
  (access.is_write ? write_bytes_ : read_bytes_)->add(bytes);

  // 2. The core's port: every byte crosses it.
  Port& p = port(access.port);
  double& free = access.is_write ? p.write_free : p.read_free;
  const double rate = access.is_write ? params_.write_bytes_per_cycle : params_.read_bytes_per_cycle;
  const double start = std::max(free, static_cast<double>(now));
  free = start + static_cast<double>(bytes) / rate;
  const Cycle busy = static_cast<Cycle>(std::ceil(free)) - static_cast<Cycle>(std::ceil(start));
  if (Counter* c = access.is_write ? p.write_busy : p.read_busy) {
    c->add(busy);
  } else {
    (access.is_write ? p.pending_write : p.pending_read) += busy;  // registered after the worker's barrier
  }
  double streamed = free;

  // 3. The memory behind: fills for read misses (the data waits for them), dirty write-backs.
  if (!fills_.empty() || !writebacks_.empty()) {
    const double filled = backend_->access(now, fills_, writebacks_);
    fill_bytes_->add(fills_.size() * params_.line_bytes);
    writeback_bytes_->add(writebacks_.size() * params_.line_bytes);
    if (!fills_.empty()) streamed = std::max(streamed, filled);
  }
  const auto done = static_cast<Cycle>(std::ceil(streamed));
  return {done, done + (fills_.empty() ? params_.hit_latency : backend_->miss_latency())};
}

}  // namespace snsim::core
