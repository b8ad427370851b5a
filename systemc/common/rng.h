#pragma once
// Deterministic random streams. Every stream of a simulation derives from the one config seed and
// a stable stream name, so adding a stream never shifts the numbers another stream draws, and a
// run gives the same numbers on every compiler and standard library (no std::*_distribution).

#include <cstdint>
#include <iterator>
#include <string_view>
#include <utility>

namespace snsim {

// 64-bit FNV-1a of the bytes of `s` (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
std::uint64_t fnv1a64(std::string_view s);

// One SplitMix64 step (Steele, Lea, Flood 2014): advances `state` by the golden gamma and returns
// the mixed output. Used to seed xoshiro and to mix a seed with a stream-name hash.
std::uint64_t splitmix64(std::uint64_t& state);

// xoshiro256** 1.0 (Blackman & Vigna). Contract: the sequence depends only on the seed given to
// the constructor, or on (seed, stream name) given to derive(); the object is a value (copy it to
// fork a stream). Not thread-safe; one instance per consumer.
class Rng {
 public:
  // The four state words are four successive splitmix64 outputs starting from `seed`, as the
  // xoshiro authors recommend; the state is thus never all zero.
  explicit Rng(std::uint64_t seed);

  // Stream `stream_name` of the simulation seeded with `seed`: the constructor seed is
  // splitmix64(seed) XOR fnv1a64(stream_name), where splitmix64 starts from state = seed.
  static Rng derive(std::uint64_t seed, std::string_view stream_name);

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform integer in [0, n), without modulo bias (Lemire 2019, "Fast random integer generation
  // in an interval"). Throws std::invalid_argument if n == 0.
  std::uint64_t uniform(std::uint64_t n);

  // Uniform double in [0, 1) with 53 random bits.
  double uniform_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // True with probability p: p <= 0 is never, p >= 1 is always.
  bool bernoulli(double p) { return uniform_double() < p; }

  // Fisher-Yates with uniform(), so the permutation is the same on every standard library
  // (std::shuffle's algorithm is implementation-defined).
  template <class RandomIt>
  void shuffle(RandomIt first, RandomIt last) {
    const auto n = static_cast<std::uint64_t>(std::distance(first, last));
    for (std::uint64_t i = n; i > 1; --i) {
      using std::swap;
      swap(first[static_cast<std::ptrdiff_t>(i - 1)],
           first[static_cast<std::ptrdiff_t>(uniform(i))]);
    }
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  std::uint64_t s_[4];
};

}  // namespace snsim
