// The stand-in global memory (gm.h).
#include "core/gm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
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
  r.bytes = zeroed_bytes(size);
  r.base = base;
  r.size = size;
  const auto first = reinterpret_cast<std::uintptr_t>(r.bytes.get());
  r.first_page = first >> kPageBits;
  const std::uintptr_t pages = ((first + size - 1) >> kPageBits) - r.first_page + 1;
  r.written.assign((pages + 63) / 64, 0);
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

namespace {

// Calls f(chunk_begin, chunk_len, page) for the pieces of [p, p + len) within one page each.
template <typename F>
void by_page(const std::uint8_t* p, std::size_t len, unsigned page_bits, F&& f) {
  const std::uintptr_t page_size = std::uintptr_t{1} << page_bits;
  std::size_t at = 0;
  while (at < len) {
    const auto a = reinterpret_cast<std::uintptr_t>(p + at);
    const std::size_t chunk = std::min<std::size_t>(len - at, page_size - (a & (page_size - 1)));
    f(at, chunk, a >> page_bits);
    at += chunk;
  }
}

bool all_zero(const std::uint8_t* p, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w != 0) return false;
  }
  for (; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

}  // namespace

void SimpleGm::read(std::uint64_t addr, std::span<std::uint8_t> out) const {
  std::uint64_t off;
  const auto* r = region(addr, out.size(), &off);
  if (!r) throw std::out_of_range(fmt::format("gm: read of unmapped 0x{:x}+{}", addr, out.size()));
  // A page never written holds zeros; reading it would map the kernel's zero page, and a later
  // write there would fault again and flush that mapping on every processor (map()).
  const std::uint8_t* src = r->bytes.get() + off;
  by_page(src, out.size(), kPageBits, [&](std::size_t at, std::size_t n, std::uintptr_t page) {
    if (r->is_written(page)) {
      std::memcpy(out.data() + at, src + at, n);
    } else {
      std::memset(out.data() + at, 0, n);
    }
  });
}

void SimpleGm::write(std::uint64_t addr, std::span<const std::uint8_t> in) {
  std::uint64_t off;
  Region* r = region(addr, in.size(), &off);
  if (!r) throw std::out_of_range(fmt::format("gm: write of unmapped 0x{:x}+{}", addr, in.size()));
  // Zeros for a page never written are not stored: it holds zeros already, and stays untouched, so
  // a timing-only run's zero-filled remote writes (CM384's all-to-all: 1.5 MiB of y on each of 768
  // dies) take no memory.
  std::uint8_t* dst = r->bytes.get() + off;
  by_page(dst, in.size(), kPageBits, [&](std::size_t at, std::size_t n, std::uintptr_t page) {
    if (!r->is_written(page)) {
      if (all_zero(in.data() + at, n)) return;
      const std::uintptr_t i = page - r->first_page;
      r->written[i >> 6] |= std::uint64_t{1} << (i & 63);
    }
    std::memcpy(dst + at, in.data() + at, n);
  });
}

GlobalMemory::Timing SimpleGm::transfer(Cycle now, const GmAccess& access) {
  double& free = access.is_write ? write_free_ : read_free_;
  const double rate = access.is_write ? params_.write_bytes_per_cycle : params_.read_bytes_per_cycle;
  free = std::max(free, static_cast<double>(now)) + static_cast<double>(access.bytes()) / rate;
  const auto streamed = static_cast<Cycle>(std::ceil(free));
  return {streamed, streamed + params_.latency};
}

}  // namespace snsim::core
