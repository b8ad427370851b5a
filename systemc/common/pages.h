#pragma once
// Zero-filled memory for the models' large arrays that are written sparsely or in part (global
// memory regions, local buffers): from kOwnMapBytes up, on small pages of its own mapping.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace snsim {

// Arrays this large or larger get a mapping of their own: 16 pages, so that rounding a mapping up
// to whole pages wastes at most a sixteenth, while small arrays (a kernel's flags and indices)
// share the allocator's pages.
inline constexpr std::size_t kOwnMapBytes = std::size_t{64} << 10;

// Releases what zeroed_bytes() gave, knowing from its length how it was got.
struct ZeroedFree {
  std::size_t len = 0;
  void operator()(std::uint8_t* p) const noexcept;
};
using ZeroedBytes = std::unique_ptr<std::uint8_t[], ZeroedFree>;

// `len` zero bytes (len > 0); throws std::bad_alloc if they cannot be had. From kOwnMapBytes up, an
// anonymous mapping of their own, advised against transparent huge pages: a page takes memory only
// once it is written, 4 KiB at a time. Smaller ones come from calloc. Why not the allocator's pages
// for large arrays: jemalloc, with sim/malloc_conf.cpp's options, advises huge pages for everything
// it maps, which pays for the simulator's small, hot objects, but there a byte written takes the
// 2 MiB around it, and a buffer the allocator zero-fills takes all its pages at once
// (docs/performance.md "Large arrays on small pages"). Adjacent mappings with the same advice merge
// into one of the kernel's memory maps (D11 counts on at most 65,530 per process). Under
// AddressSanitizer all come from calloc, so that it checks their bounds.
ZeroedBytes zeroed_bytes(std::size_t len);

}  // namespace snsim
