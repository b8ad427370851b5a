// Software prefetches: start loading memory that the code will read soon, so that its misses
// overlap other work. They change no state and cannot fault.
#pragma once

#include <cstddef>
#include <cstdint>

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

}  // namespace snsim
