// Zero-filled memory of its own mapping (pages.h).
#include "common/pages.h"

#include <sys/mman.h>

#include <new>

namespace snsim {

void PageUnmap::operator()(std::uint8_t* p) const noexcept { ::munmap(p, len); }

PageBytes map_pages(std::size_t len) {
  if (len == 0) throw std::bad_alloc();
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Only advice: a kernel without transparent huge pages refuses it, and then has none to give.
  (void)::madvise(p, len, MADV_NOHUGEPAGE);
  return PageBytes(static_cast<std::uint8_t*>(p), PageUnmap{len});
}

}  // namespace snsim
