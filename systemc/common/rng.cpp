#include "common/rng.h"

#include <stdexcept>

namespace snsim {

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Rng::Rng(std::uint64_t seed) {
  std::uint64_t sm = seed;
  for (auto& word : s_) word = splitmix64(sm);
}

Rng Rng::derive(std::uint64_t seed, std::string_view stream_name) {
  std::uint64_t sm = seed;
  return Rng(splitmix64(sm) ^ fnv1a64(stream_name));
}

std::uint64_t Rng::uniform(std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("Rng::uniform(0): the range [0, 0) is empty");
  __extension__ typedef unsigned __int128 u128;
  u128 m = static_cast<u128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    // Reject the few low products that would over-represent some results; -n % n is 2^64 mod n.
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

}  // namespace snsim
