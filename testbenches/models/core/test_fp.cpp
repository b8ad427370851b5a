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

// The inline fast paths (fp.h) against the general conversions they fall back to: bit-identical
// over every 16-bit pattern, and over values chosen where a fast path's bounds are: both sides of
// each format's normal range, overflow, ties, subnormals, zeros, infinities and NaNs (with payloads
// and signs), and random doubles of every exponent.
std::vector<double> edge_and_random_doubles() {
  std::vector<double> xs;
  const double inf = std::numeric_limits<double>::infinity();
  for (const double v : {0.0, inf, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::signaling_NaN(),
                         std::bit_cast<double>(std::uint64_t{0x7ff0000000000001}),
                         std::bit_cast<double>(std::uint64_t{0x7ff8dead0000beef}), std::numeric_limits<double>::denorm_min(),
                         std::numeric_limits<double>::min(), std::numeric_limits<double>::max(), 65504.0, 65520.0, 65536.0,
                         std::ldexp(1.0, -14), std::ldexp(1.0, -24), std::ldexp(1.0, -25), std::ldexp(1.0, -126),
                         std::ldexp(1.0, -149), std::ldexp(1.0, -150), std::ldexp(1.0, 127), std::ldexp(1.0, 128),
                         static_cast<double>(std::numeric_limits<float>::max()), 3.3895313892515355e38})
    for (const double s : {1.0, -1.0})
      for (const double x : {v * s, std::nextafter(v * s, -inf), std::nextafter(v * s, inf)}) xs.push_back(x);
  // Every f16 / bf16 / f32-representable neighbourhood of a tie: k + 1/2 quanta of each format,
  // exactly and one double ulp either side, at every exponent of the formats' ranges and beyond.
  for (int e = -160; e <= 140; ++e)
    for (const int man : {7, 10, 23})
      for (const std::uint64_t k : {0ull, 1ull, 2ull, 3ull, (1ull << man) - 1, 1ull << man, (2ull << man) - 1}) {
        const double tie = std::ldexp(static_cast<double>(2 * k + 1), e - man - 1);
        for (const double s : {1.0, -1.0})
          for (const double x : {tie, std::nextafter(tie, -inf), std::nextafter(tie, inf)}) xs.push_back(s * x);
      }
  std::mt19937_64 rng(11);
  for (int n = 0; n < 200'000; ++n) {
    std::uint64_t b = rng();
    // Three quarters of the samples within 2^-160..2^160, where the narrow formats round.
    if (n % 4) b = (b & 0x800fffffffffffffull) | ((863 + (b >> 52) % 320) << 52);
    xs.push_back(std::bit_cast<double>(b));
  }
  return xs;
}

TEST(FpFast, FormatToDoubleMatchesTheGeneralForEveryPattern) {
  for (const FloatFormat f : {kF16, kBF16})
    for (std::uint32_t h = 0; h < 0x10000; ++h)
      ASSERT_EQ(std::bit_cast<std::uint64_t>(format_to_double_fast(h, f)),
                std::bit_cast<std::uint64_t>(format_to_double(h, f)))
          << std::hex << h << " mant " << f.mant_bits;
  std::mt19937 rng(3);
  for (int n = 0; n < 2'000'000; ++n) {
    const std::uint32_t b = n < 512 ? (n % 2 ? 0x7f800000u : 0xff800000u) | (n / 2) : rng();
    ASSERT_EQ(std::bit_cast<std::uint64_t>(format_to_double_fast(b, kF32)),
              std::bit_cast<std::uint64_t>(format_to_double(b, kF32)))
        << std::hex << b;
  }
}

TEST(FpFast, RoundToFormatMatchesTheGeneral) {
  const std::vector<double> xs = edge_and_random_doubles();
  for (const FloatFormat f : {kF16, kBF16, kF32})
    for (const Round m : {Round::Rint, Round::Round, Round::Trunc, Round::Floor, Round::Ceil})
      for (const double x : xs)
        ASSERT_EQ(round_to_format_fast(x, f, m), round_to_format(x, f, m))
            << std::hexfloat << x << " mant " << f.mant_bits << " mode " << static_cast<int>(m);
  // Every f16 and bf16 value, and each one's neighbours in double, as a vconv from f32 sees them.
  for (const FloatFormat f : {kF16, kBF16})
    for (std::uint32_t h = 0; h < 0x10000; ++h) {
      const double v = format_to_double(h, f);
      for (const double x : {v, std::nextafter(v, -1e300), std::nextafter(v, 1e300)})
        for (const FloatFormat g : {kF16, kBF16, kF32})
          ASSERT_EQ(round_to_format_fast(x, g), round_to_format(x, g)) << std::hexfloat << x;
    }
}

// Rounding to f32 in rint mode takes the processor's conversion (every mode's edge, tie and random
// doubles are in RoundToFormatMatchesTheGeneral): every 65,537th f32 pattern through the whole
// range, subnormals included, and its neighbours in double give round_to_format's bits.
TEST(FpFast, F32RintIsTheProcessorsConversion) {
  for (std::uint64_t b = 0; b < (std::uint64_t{1} << 32); b += 65537) {
    const double v = std::bit_cast<float>(static_cast<std::uint32_t>(b));
    if (std::isnan(v)) continue;
    for (const double x : {v, std::nextafter(v, -1e300), std::nextafter(v, 1e300), v + std::ldexp(std::abs(v), -24)})
      ASSERT_EQ(round_to_format_fast(x, kF32), round_to_format(x, kF32)) << std::hexfloat << x;
  }
}

TEST(FpFast, RoundToIntMatchesTheGeneral) {
  std::vector<double> xs = edge_and_random_doubles();
  for (std::uint32_t h = 0; h < 0x10000; ++h) {  // every f16 (vconv.s8.f16) and bf16 value
    xs.push_back(format_to_double(h, kF16));
    xs.push_back(format_to_double(h, kBF16));
  }
  for (int k = -1200; k <= 1200; ++k) {  // halves around the s8 and s16 bounds and zero
    for (const double c : {0.0, 128.0, 32768.0, 2147483648.0, 4503599627370496.0}) {
      const double x = c + k / 2.0;
      xs.insert(xs.end(), {x, -x, std::nextafter(x, -1e300), std::nextafter(x, 1e300)});
    }
  }
  const std::int64_t bounds[][2] = {{-128, 127}, {-32768, 32767}, {std::numeric_limits<std::int32_t>::min(),
      std::numeric_limits<std::int32_t>::max()}, {std::numeric_limits<std::int64_t>::min(),
      std::numeric_limits<std::int64_t>::max()}, {-(std::int64_t{1} << 53) - 1, (std::int64_t{1} << 53) + 1}};
  for (const auto& b : bounds)
    for (const Round m : {Round::Rint, Round::Round, Round::Trunc, Round::Floor, Round::Ceil})
      for (const double x : xs)
        ASSERT_EQ(round_to_int_fast(x, m, b[0], b[1]), round_to_int(x, m, b[0], b[1]))
            << std::hexfloat << x << " mode " << static_cast<int>(m) << " bounds " << b[0] << ".." << b[1];
}

}  // namespace
}  // namespace snsim::core
