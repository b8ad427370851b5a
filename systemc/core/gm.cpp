// The stand-in global memory (gm.h).
#include "core/gm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <new>
#include <stdexcept>

namespace snsim::core {

void SimpleGm::map(std::uint64_t base, std::uint64_t size) {
  if (size == 0 || base + size < base)
    throw std::invalid_argument(fmt::format("gm: bad region 0x{:x}+0x{:x}", base, size));
  // The first region at or above base, and the one before it.
  auto next = std::lower_bound(regions_.begin(), regions_.end(), base,
                               [](const Region& r, std::uint64_t b) { return r.base < b; });
  bool overlaps = next != regions_.end() && next->base < base + size;
  if (next != regions_.begin()) {
    auto prev = std::prev(next);
    overlaps = overlaps || prev->base + prev->size > base;
  }
  if (overlaps)
    throw std::invalid_argument(fmt::format("gm: region 0x{:x}+0x{:x} overlaps another", base, size));
  Region r;
  r.bytes.reset(static_cast<std::uint8_t*>(std::calloc(size, 1)));
  if (!r.bytes) throw std::bad_alloc();
  r.base = base;
  r.size = size;
  regions_.insert(next, std::move(r));
}

const SimpleGm::Region* SimpleGm::region(std::uint64_t addr, std::uint64_t len, std::uint64_t* offset) const {
  auto it = std::upper_bound(regions_.begin(), regions_.end(), addr,
                             [](std::uint64_t a, const Region& r) { return a < r.base; });
  if (it == regions_.begin()) return nullptr;
  --it;
  const std::uint64_t off = addr - it->base;
  if (off > it->size || len > it->size - off) return nullptr;
  *offset = off;
  return &*it;
}

bool SimpleGm::mapped(std::uint64_t addr, std::uint64_t len) const {
  std::uint64_t off;
  return region(addr, len, &off) != nullptr;
}

void SimpleGm::read(std::uint64_t addr, std::span<std::uint8_t> out) const {
  std::uint64_t off;
  const auto* r = region(addr, out.size(), &off);
  if (!r) throw std::out_of_range(fmt::format("gm: read of unmapped 0x{:x}+{}", addr, out.size()));
  std::memcpy(out.data(), r->bytes.get() + off, out.size());
}

void SimpleGm::write(std::uint64_t addr, std::span<const std::uint8_t> in) {
  std::uint64_t off;
  const Region* r = region(addr, in.size(), &off);
  if (!r) throw std::out_of_range(fmt::format("gm: write of unmapped 0x{:x}+{}", addr, in.size()));
  // Bytes equal to those there are not stored: a page never written stays the kernel's shared zero
  // page, so a timing-only run's zero-filled remote writes (CM384's all-to-all: 1.5 MiB of y on each
  // of 768 dies) take no memory. Comparing costs a read of what the copy would have written.
  std::uint8_t* dst = r->bytes.get() + off;
  if (std::memcmp(dst, in.data(), in.size()) != 0) std::memcpy(dst, in.data(), in.size());
}

GlobalMemory::Timing SimpleGm::transfer(Cycle now, const GmAccess& access) {
  double& free = access.is_write ? write_free_ : read_free_;
  const double rate = access.is_write ? params_.write_bytes_per_cycle : params_.read_bytes_per_cycle;
  free = std::max(free, static_cast<double>(now)) + static_cast<double>(access.bytes()) / rate;
  const auto streamed = static_cast<Cycle>(std::ceil(free));
  return {streamed, streamed + params_.latency};
}

}  // namespace snsim::core
