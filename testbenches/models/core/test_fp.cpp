// FP16 / BF16 conversions (systemc/core/fp.h) against the compiler's _Float16, an independent
// bit-trick for BF16, and known values for the directed rounding modes.
#include "core/fp.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace snsim::core {
namespace {

using isa::Round;

TEST(Fp16, WideningMatchesFloat16ForEveryPattern) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const float ours = f16_to_f32(static_cast<std::uint16_t>(h));
    const float ref = static_cast<float>(std::bit_cast<_Float16>(static_cast<std::uint16_t>(h)));
    if (std::isnan(ref)) {
      EXPECT_TRUE(std::isnan(ours)) << h;
    } else {
      EXPECT_EQ(std::bit_cast<std::uint32_t>(ours), std::bit_cast<std::uint32_t>(ref)) << std::hex << h;
    }
  }
}

TEST(Fp16, NarrowingRoundsToNearestEvenLikeFloat16) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int n = 0; n < 2'000'000; ++n) {
    std::uint32_t b = bits(rng);
    // Half the samples near the f16 range (exponents 100..150) where rounding matters most.
    if (n % 2) b = (b & 0x807fffff) | ((100 + (b >> 23) % 51) << 23);
    const float x = std::bit_cast<float>(b);
    if (std::isnan(x)) continue;
    const auto ref = std::bit_cast<std::uint16_t>(static_cast<_Float16>(x));
    ASSERT_EQ(f32_to_f16(x), ref) << std::hexfloat << x;
  }
}

TEST(Fp16, EveryValueRoundTrips) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const auto v = static_cast<std::uint16_t>(h);
    if (std::isnan(f16_to_f32(v))) continue;
    for (Round m : {Round::Rint, Round::Floor, Round::Ceil, Round::Round, Round::Trunc})
      ASSERT_EQ(f32_to_f16(f16_to_f32(v), m), v) << std::hex << h;
  }
}

TEST(Bf16, NarrowingMatchesTheCarryTrick) {
  // The usual BF16 RNE: add 0x7fff plus the lowest kept bit, truncate.
  auto ref = [](float x) {
    const std::uint32_t b = std::bit_cast<std::uint32_t>(x);
    return static_cast<std::uint16_t>((b + 0x7fff + ((b >> 16) & 1)) >> 16);
  };
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int n = 0; n < 2'000'000; ++n) {
    const float x = std::bit_cast<float>(bits(rng));
    if (std::isnan(x)) continue;
    ASSERT_EQ(f32_to_bf16(x), ref(x)) << std::hexfloat << x;
  }
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const float x = bf16_to_f32(static_cast<std::uint16_t>(h));
    if (!std::isnan(x)) {
      ASSERT_EQ(f32_to_bf16(x), h);
    }
  }
}

TEST(Fp16, DirectedModesOnKnownValues) {
  const float half_ulp_above_one = 1.0f + std::ldexp(1.0f, -11);  // a tie between 1 and 1+2^-10
  EXPECT_EQ(f32_to_f16(half_ulp_above_one, Round::Rint), 0x3c00);
  EXPECT_EQ(f32_to_f16(half_ulp_above_one, Round::Round), 0x3c01);
  EXPECT_EQ(f32_to_f16(half_ulp_above_one, Round::Ceil), 0x3c01);
  EXPECT_EQ(f32_to_f16(half_ulp_above_one, Round::Floor), 0x3c00);
  EXPECT_EQ(f32_to_f16(half_ulp_above_one, Round::Trunc), 0x3c00);
  EXPECT_EQ(f32_to_f16(-half_ulp_above_one, Round::Floor), 0xbc01);
  EXPECT_EQ(f32_to_f16(-half_ulp_above_one, Round::Ceil), 0xbc00);
  // 65520 is the tie between 65504 (max finite) and 65536 (overflow).
  EXPECT_EQ(f32_to_f16(65520.0f, Round::Rint), 0x7c00);
  EXPECT_EQ(f32_to_f16(65520.0f, Round::Trunc), 0x7bff);
  EXPECT_EQ(f32_to_f16(-1e6f, Round::Ceil), 0xfbff);
  EXPECT_EQ(f32_to_f16(-1e6f, Round::Floor), 0xfc00);
  // Subnormals: 2^-25 is half the smallest subnormal.
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25), Round::Rint), 0x0000);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25), Round::Round), 0x0001);
  EXPECT_EQ(f32_to_f16(std::ldexp(3.0f, -25), Round::Rint), 0x0002);
  EXPECT_EQ(f32_to_f16(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(f32_to_f16(-std::numeric_limits<float>::quiet_NaN()) & 0xfe00, 0xfe00);
  // Rounding to f32 from a double (s32 -> f32 with a mode).
  EXPECT_EQ(round_to_format(16777217.0, kF32, Round::Rint), 0x4b800000u);
  EXPECT_EQ(round_to_format(16777217.0, kF32, Round::Ceil), 0x4b800001u);
}

TEST(Fp, RoundToIntModesAndSaturation) {
  constexpr std::int64_t lo = std::numeric_limits<std::int32_t>::min();
  constexpr std::int64_t hi = std::numeric_limits<std::int32_t>::max();
  EXPECT_EQ(round_to_int(2.5, Round::Rint, lo, hi), 2);
  EXPECT_EQ(round_to_int(3.5, Round::Rint, lo, hi), 4);
  EXPECT_EQ(round_to_int(2.5, Round::Round, lo, hi), 3);
  EXPECT_EQ(round_to_int(-2.5, Round::Round, lo, hi), -3);
  EXPECT_EQ(round_to_int(-2.5, Round::Floor, lo, hi), -3);
  EXPECT_EQ(round_to_int(-2.5, Round::Ceil, lo, hi), -2);
  EXPECT_EQ(round_to_int(-2.7, Round::Trunc, lo, hi), -2);
  EXPECT_EQ(round_to_int(1e10, Round::Rint, lo, hi), hi);
  EXPECT_EQ(round_to_int(-1e10, Round::Rint, lo, hi), lo);
  EXPECT_EQ(round_to_int(std::nan(""), Round::Rint, lo, hi), 0);
}

// Rint against the host's nearbyint in its default mode (nearest, ties to even): quarters and
// their neighbours across zero, values around 2^52 and 2^53 (where doubles become integers), and
// random doubles; infinities saturate as every other mode's do.
TEST(Fp, RoundToIntRintIsNearestEvenAndSaturatesInfinities) {
  constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min() / 2;
  constexpr std::int64_t hi = std::numeric_limits<std::int64_t>::max() / 2;
  std::vector<double> xs;
  for (int k = -4000; k <= 4000; ++k) {
    const double x = k / 4.0;
    xs.insert(xs.end(), {x, std::nextafter(x, -1e300), std::nextafter(x, 1e300)});
  }
  for (const double big : {4503599627370496.0, 9007199254740992.0})
    for (int k = -6; k <= 6; ++k) xs.insert(xs.end(), {big + k * 0.5, -(big + k * 0.5), big + k, -(big + k)});
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1e6, 1e6);
  for (int i = 0; i < 100000; ++i) xs.push_back(u(rng));
  for (const double x : xs)
    ASSERT_EQ(round_to_int(x, Round::Rint, lo, hi), static_cast<std::int64_t>(std::nearbyint(x))) << x;
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(round_to_int(inf, Round::Rint, -128, 127), 127);
  EXPECT_EQ(round_to_int(-inf, Round::Rint, -128, 127), -128);
  EXPECT_EQ(round_to_int(inf, Round::Floor, -128, 127), 127);
}

}  // namespace
}  // namespace snsim::core
