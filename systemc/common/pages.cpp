// Zero-filled memory for the models' large arrays (pages.h).
#include "common/pages.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace snsim {
namespace {

// AddressSanitizer checks the bounds of its own allocations only: from calloc, an overrun of a
// buffer is reported instead of landing in the next mapping.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMap = false;
#else
constexpr bool kMap = true;
#endif

bool mapped(std::size_t len) { return kMap && len >= kOwnMapBytes; }

}  // namespace

void ZeroedFree::operator()(std::uint8_t* p) const noexcept {
  if (mapped(len))
    ::munmap(p, len);
  else
    std::free(p);
}

ZeroedBytes zeroed_bytes(std::size_t len) {
  if (len == 0) throw std::bad_alloc();
  if (!mapped(len)) {
    auto* p = static_cast<std::uint8_t*>(std::calloc(len, 1));
    if (p == nullptr) throw std::bad_alloc();
    return ZeroedBytes(p, ZeroedFree{len});
  }
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Only advice: a kernel without transparent huge pages refuses it, and then has none to give.
  (void)::madvise(p, len, MADV_NOHUGEPAGE);
  return ZeroedBytes(static_cast<std::uint8_t*>(p), ZeroedFree{len});
}

}  // namespace snsim
