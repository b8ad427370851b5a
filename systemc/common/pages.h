#pragma once
// Zero-filled memory of its own mapping, on small pages: for the models' large arrays that are
// written sparsely or in part (global memory regions, local buffers).

#include <cstddef>
#include <cstdint>
#include <memory>

namespace snsim {

// Unmaps what map_pages() mapped.
struct PageUnmap {
  std::size_t len = 0;
  void operator()(std::uint8_t* p) const noexcept;
};
using PageBytes = std::unique_ptr<std::uint8_t[], PageUnmap>;

// `len` zero bytes (len > 0) in an anonymous mapping of their own, advised against transparent
// huge pages: a page takes memory only once it is written, 4 KiB at a time. Throws std::bad_alloc
// if the mapping fails. Why not the allocator's pages: jemalloc, with sim/malloc_conf.cpp's
// options, advises huge pages for everything it maps, which pays for the simulator's small, hot
// objects, but there a byte written takes the 2 MiB around it, and a buffer the allocator
// zero-fills takes all its pages at once (docs/performance.md "Large arrays on small pages").
// Adjacent mappings with the same advice merge into one of the kernel's memory maps (D11 counts on
// at most 65,530 per process). Under AddressSanitizer the bytes come from calloc instead, so that
// it checks their bounds.
PageBytes map_pages(std::size_t len);

}  // namespace snsim
