// Zero-filled memory of its own mapping (pages.h).
#include "common/pages.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace snsim {

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer checks the bounds of its own allocations only: from calloc, an overrun of a
// buffer is reported instead of landing in the next mapping.
void PageUnmap::operator()(std::uint8_t* p) const noexcept { std::free(p); }

PageBytes map_pages(std::size_t len) {
  if (len == 0) throw std::bad_alloc();
  auto* p = static_cast<std::uint8_t*>(std::calloc(len, 1));
  if (p == nullptr) throw std::bad_alloc();
  return PageBytes(p, PageUnmap{len});
}
#else
void PageUnmap::operator()(std::uint8_t* p) const noexcept { ::munmap(p, len); }

PageBytes map_pages(std::size_t len) {
  if (len == 0) throw std::bad_alloc();
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Only advice: a kernel without transparent huge pages refuses it, and then has none to give.
  (void)::madvise(p, len, MADV_NOHUGEPAGE);
  return PageBytes(static_cast<std::uint8_t*>(p), PageUnmap{len});
}
#endif

}  // namespace snsim
