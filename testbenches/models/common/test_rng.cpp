#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "common/rng.h"

namespace snsim {
namespace {

// Reference algorithms transcribed from the published C sources (prng.di.unimi.it:
// splitmix64.c and xoshiro256starstar.c), independent of the code under test.
struct RefSplitMix64 {
  uint64_t x;
  uint64_t next() {
    uint64_t z = (x += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
};

struct RefXoshiro256ss {
  uint64_t s[4];
  static uint64_t rotl(const uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
};

RefXoshiro256ss reference_seeded(uint64_t seed) {
  RefSplitMix64 sm{seed};
  RefXoshiro256ss x{};
  for (auto& w : x.s) w = sm.next();
  return x;
}

TEST(Rng, MatchesReferenceXoshiroSeededBySplitMix) {
  RefXoshiro256ss ref = reference_seeded(1);
  Rng rng(1);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(rng.next_u64(), ref.next()) << "draw " << i;
}

TEST(Rng, SplitMixFirstOutputsMatchPublishedValues) {
  // The first outputs of SplitMix64 seeded with 0, as listed with the reference C code.
  uint64_t state = 0;
  EXPECT_EQ(splitmix64(state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(splitmix64(state), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(splitmix64(state), 0x06c45d188009454fULL);
}

TEST(Rng, DeriveMixesSeedAndFnv1aOfTheName) {
  // FNV-1a 64 test vectors: "" is the offset basis, "a" is a published value.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  RefSplitMix64 mix{1};
  RefXoshiro256ss ref = reference_seeded(mix.next() ^ fnv1a64("traffic.port0"));
  Rng rng = Rng::derive(1, "traffic.port0");
  for (int i = 0; i < 100; ++i) ASSERT_EQ(rng.next_u64(), ref.next());
}

TEST(Rng, SameSeedAndNameGiveTheSameSequence) {
  Rng a = Rng::derive(42, "sink.3");
  Rng b = Rng::derive(42, "sink.3");
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
}

TEST(Rng, DifferentNamesOrSeedsGiveDifferentSequences) {
  Rng a = Rng::derive(42, "sink.3");
  Rng b = Rng::derive(42, "sink.4");
  Rng c = Rng::derive(43, "sink.3");
  int same_ab = 0, same_ac = 0;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next_u64();
    same_ab += x == b.next_u64();
    same_ac += x == c.next_u64();
  }
  EXPECT_EQ(same_ab, 0);
  EXPECT_EQ(same_ac, 0);
}

TEST(Rng, UniformStaysInRangeAndCoversIt) {
  Rng rng(7);
  std::array<int, 7> hits{};
  for (int i = 0; i < 7000; ++i) {
    const uint64_t v = rng.uniform(7);
    ASSERT_LT(v, 7u);
    ++hits[v];
  }
  for (int h : hits) EXPECT_GT(h, 800);  // expected 1000 each; 800 is > 6 sigma away
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.uniform(1), 0u);
  const uint64_t big = (1ULL << 63) + 12345;
  for (int i = 0; i < 100; ++i) EXPECT_LT(rng.uniform(big), big);
  EXPECT_THROW(rng.uniform(0), std::invalid_argument);
}

TEST(Rng, UniformDoubleAndBernoulli) {
  Rng rng(3);
  int trues = 0;
  for (int i = 0; i < 10000; ++i) {
    const double d = rng.uniform_double();
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
    trues += rng.bernoulli(0.25);
  }
  EXPECT_NEAR(trues, 2500, 250);
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(rng.bernoulli(0.0));
    EXPECT_TRUE(rng.bernoulli(1.0));
  }
}

TEST(Rng, ShuffleIsAPermutationAndDeterministic) {
  std::vector<int> a(16), b(16);
  for (int i = 0; i < 16; ++i) a[i] = b[i] = i;
  Rng r1(5), r2(5);
  r1.shuffle(a.begin(), a.end());
  r2.shuffle(b.begin(), b.end());
  EXPECT_EQ(a, b);
  std::vector<int> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 16; ++i) EXPECT_EQ(sorted[i], i);
}

}  // namespace
}  // namespace snsim
