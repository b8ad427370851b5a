// Software prefetches: start loading memory that the code will read soon, so that its misses
// overlap other work. They change no state and cannot fault. And an allocator that starts arrays
// on a cache line, so that records laid out to share lines do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace snsim {

// Starts loading every cache line of the n bytes at p (none for n == 0).
inline void prefetch_bytes(const void* p, std::size_t n) {
  constexpr std::uintptr_t kLine = 64;
  const auto first = reinterpret_cast<std::uintptr_t>(p) & ~(kLine - 1);
  for (std::uintptr_t at = first; n != 0 && at < reinterpret_cast<std::uintptr_t>(p) + n; at += kLine) {
    __builtin_prefetch(reinterpret_cast<const void*>(at));
  }
}

// Starts loading every cache line of an object (a router the thread steps next).
template <class T>
void prefetch_object(const T& x) {
  prefetch_bytes(&x, sizeof(T));
}

// std::allocator's storage, starting on a 64-byte cache line (std::allocator aligns to the
// element's alignment only): with 32-byte records, records 2k and 2k + 1 share a line.
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, kAlign); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace snsim
