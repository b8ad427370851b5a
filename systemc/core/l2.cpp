// The die's L2 cache model (l2.h).
#include "core/l2.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace snsim::core {

L2Gm::L2Gm(L2Params params, SimpleGm& store, StatsRegistry& stats, const std::string& name)
    : params_(params), store_(store), stats_(stats), name_(name) {
  const std::uint64_t set_bytes = std::uint64_t{params_.line_bytes} * params_.ways;
  if (!std::has_single_bit(params_.line_bytes) || params_.ways == 0 || params_.capacity_bytes == 0 ||
      params_.capacity_bytes % set_bytes != 0)
    throw std::invalid_argument(fmt::format(
        "{}: capacity {} B is not a multiple of {} ways x {} B lines (a power of two)", name_,
        params_.capacity_bytes, params_.ways, params_.line_bytes));
  if (!(params_.read_bytes_per_cycle > 0 && params_.write_bytes_per_cycle > 0 && params_.hbm_bytes_per_cycle > 0))
    throw std::invalid_argument(fmt::format("{}: bandwidths must be positive", name_));
  sets_ = params_.capacity_bytes / set_bytes;
  line_shift_ = static_cast<unsigned>(std::countr_zero(params_.line_bytes));
  const std::string p = name_ + ".";
  hits_ = &stats.counter(p + "hits", "lines", "lines found in the cache");
  misses_ = &stats.counter(p + "misses", "lines", "lines not in the cache (allocated)");
  read_bytes_ = &stats.counter(p + "read_bytes", "bytes", "bytes read by the cores");
  write_bytes_ = &stats.counter(p + "write_bytes", "bytes", "bytes written by the cores");
  fill_bytes_ = &stats.counter(p + "fill_bytes", "bytes", "bytes read from HBM for read misses");
  writeback_bytes_ = &stats.counter(p + "writeback_bytes", "bytes", "dirty bytes evicted to HBM");
  hbm_busy_ = &stats.counter(p + "hbm_busy", "cycles", "cycles the HBM behind the L2 was transferring");
}

L2Gm::Port& L2Gm::port(unsigned id) {
  if (id >= ports_.size()) ports_.resize(id + 1);
  Port& p = ports_[id];
  if (!p.read_busy) {
    const std::string prefix = fmt::format("{}.port{}.", name_, id);
    p.read_busy = &stats_.counter(prefix + "read_busy", "cycles", "cycles the core's read port was transferring");
    p.write_busy = &stats_.counter(prefix + "write_busy", "cycles", "cycles the core's write port was transferring");
  }
  return p;
}

std::uint64_t* L2Gm::set_words(std::uint64_t set) {
  const std::uint64_t words = 2ull * params_.ways;
  if (blocks_.empty()) blocks_.resize((sets_ + kSetsPerBlock - 1) / kSetsPerBlock);
  auto& block = blocks_[set / kSetsPerBlock];
  if (!block) block = std::make_unique<std::uint64_t[]>(kSetsPerBlock * words);  // zeroed: invalid
  return &block[(set % kSetsPerBlock) * words];
}

const std::uint64_t* L2Gm::find_set_words(std::uint64_t set) const {
  if (blocks_.empty() || !blocks_[set / kSetsPerBlock]) return nullptr;
  return &blocks_[set / kSetsPerBlock][(set % kSetsPerBlock) * 2ull * params_.ways];
}

std::uint64_t L2Gm::tag_bytes() const {
  const auto allocated = std::count_if(blocks_.begin(), blocks_.end(), [](const auto& b) { return b != nullptr; });
  return static_cast<std::uint64_t>(allocated) * kSetsPerBlock * 2 * params_.ways * sizeof(std::uint64_t);
}

bool L2Gm::access_line(std::uint64_t line, bool is_write, std::uint64_t& writebacks) {
  std::uint64_t* tags = set_words(line % sets_);
  std::uint64_t* uses = tags + params_.ways;
  ++use_clock_;
  for (unsigned w = 0; w < params_.ways; ++w)
    if ((tags[w] & ~kDirty) == line + 1) {
      uses[w] = use_clock_;
      if (is_write) tags[w] |= kDirty;
      return true;
    }
  // An invalid way (last use 0) is taken before any valid one; then the least recently used.
  const auto victim = static_cast<unsigned>(std::min_element(uses, uses + params_.ways) - uses);
  if (tags[victim] & kDirty) ++writebacks;
  tags[victim] = (line + 1) | (is_write ? kDirty : 0);
  uses[victim] = use_clock_;
  return false;
}

bool L2Gm::contains(std::uint64_t addr) const {
  const std::uint64_t line = addr >> line_shift_;
  const std::uint64_t* tags = find_set_words(line % sets_);
  return tags && std::any_of(tags, tags + params_.ways, [&](std::uint64_t t) { return (t & ~kDirty) == line + 1; });
}

GlobalMemory::Timing L2Gm::transfer(Cycle now, const GmAccess& access) {
  // 1. Tags: every line the access touches, in address order.
  std::uint64_t hits = 0, misses = 0, writebacks = 0;
  access.for_each_burst([&](std::uint64_t addr, std::uint64_t bytes) {
    if (bytes == 0) return;
    for (std::uint64_t line = addr >> line_shift_; line <= (addr + bytes - 1) >> line_shift_; ++line)
      ++(access_line(line, access.is_write, writebacks) ? hits : misses);
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
  (access.is_write ? p.write_busy : p.read_busy)->add(static_cast<Cycle>(std::ceil(free)) -
                                                      static_cast<Cycle>(std::ceil(start)));
  double streamed = free;

  // 3. The HBM: fills for read misses (the data waits for them), then dirty write-backs.
  const std::uint64_t fills = access.is_write ? 0 : misses * params_.line_bytes;
  const std::uint64_t hbm_bytes = fills + writebacks * params_.line_bytes;
  if (hbm_bytes > 0) {
    const double hbm_start = std::max(hbm_free_, static_cast<double>(now));
    const double filled = hbm_start + static_cast<double>(fills) / params_.hbm_bytes_per_cycle;
    hbm_free_ = hbm_start + static_cast<double>(hbm_bytes) / params_.hbm_bytes_per_cycle;
    hbm_busy_->add(static_cast<Cycle>(std::ceil(hbm_free_)) - static_cast<Cycle>(std::ceil(hbm_start)));
    fill_bytes_->add(fills);
    writeback_bytes_->add(writebacks * params_.line_bytes);
    if (fills > 0) streamed = std::max(streamed, filled);
  }
  const auto done = static_cast<Cycle>(std::ceil(streamed));
  return {done, done + (fills > 0 ? params_.miss_latency : params_.hit_latency)};
}

}  // namespace snsim::core
