#pragma once
// Narrow floating-point formats of the AI core (FP16, BF16) and rounding between formats.
//
// Every conversion is bit-exact: values are handled as integer significands and exponents, except
// that round_to_format_fast rounds to f32 in rint mode with the processor's conversion, which is
// IEEE round to nearest even in the default floating-point environment (snsim never changes it)
// and gives the same bits (test_fp.cpp). Narrowing takes a double (every f32, f16, bf16, s32 and
// s16 value is exact in it) and rounds once to the target format with one of the ISA's rounding
// modes (docs/isa.md §4.4, vconv). Widening (f16/bf16 -> f32) is exact.
//
// Arithmetic on f16 / bf16 elements is done in f32 and rounded once to the narrow type: for +, -,
// *, / and sqrt this is the correctly rounded result, because f32's 24-bit significand is at
// least 2p + 2 bits for p = 11 (f16) and p = 8 (bf16) (Figueroa, "When is double rounding
// innocuous?", 1995).

#include <bit>
#include <cmath>
#include <cstdint>

#include "isa/isa.h"

namespace snsim::core {

// An IEEE-754 binary format: significand bits without the hidden one, exponent bits.
struct FloatFormat {
  int mant_bits;
  int exp_bits;
};
inline constexpr FloatFormat kF16{10, 5};
inline constexpr FloatFormat kBF16{7, 8};
inline constexpr FloatFormat kF32{23, 8};

// Rounds x to `fmt` with `mode` and returns the bit pattern (sign in bit mant+exp). Overflow gives
// infinity or the largest finite value as IEEE-754 directs for the mode (rint and round: inf;
// trunc: max finite; floor / ceil: max finite toward zero's side, inf on the other). NaN gives the
// quiet NaN with the sign of x.
std::uint32_t round_to_format(double x, FloatFormat fmt, isa::Round mode = isa::Round::Rint);

// The value of a bit pattern in `fmt` (exact).
double format_to_double(std::uint32_t bits, FloatFormat fmt);

// Rounds x to an integer with `mode` and saturates to [lo, hi]; NaN gives 0.
std::int64_t round_to_int(double x, isa::Round mode, std::int64_t lo, std::int64_t hi);

// The same three conversions with a fast path for the common case, inline: the vector unit
// converts every element through them (a MoE step quantizes each BF16 token to INT8 and back,
// and on CM384 these conversions were a fifth of the machine run's processor time). Each takes the
// general function above for every other case, so the results are bit-identical to it
// (test_fp.cpp compares them over every 16-bit pattern and random and edge values).
//
// Rounding to nearest even of a value whose exponent is in the target's normal range is one add
// on the bit pattern: the exponent and significand fields sit side by side, so adding just under
// half a target quantum (plus the kept lowest bit, for ties to even) and shifting rounds, and a
// carry out of the significand steps the exponent, up to infinity's pattern on overflow, which
// is what rint gives. To f32 in rint mode, a value other than NaN (the general path's quiet NaN
// keeps no payload) takes the processor's conversion, one instruction: overflow to infinity and
// subnormals as IEEE-754 directs, as the general path does.
inline std::uint32_t round_to_format_fast(double x, FloatFormat fmt, isa::Round mode = isa::Round::Rint) {
  if (fmt.mant_bits == kF32.mant_bits && fmt.exp_bits == kF32.exp_bits && mode == isa::Round::Rint && !std::isnan(x))
    return std::bit_cast<std::uint32_t>(static_cast<float>(x));
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  const std::uint64_t mag = bits & ~(std::uint64_t{1} << 63);
  const int bias = (1 << (fmt.exp_bits - 1)) - 1;
  const int e = static_cast<int>(mag >> 52) - 1023;  // x's unbiased exponent (-1023: zero, subnormal)
  if (mode != isa::Round::Rint || e < 1 - bias || e > bias) return round_to_format(x, fmt, mode);
  const int shift = 52 - fmt.mant_bits;
  const std::uint64_t r = (mag + ((std::uint64_t{1} << (shift - 1)) - 1) + ((mag >> shift) & 1)) >> shift;
  const auto sign = static_cast<std::uint32_t>(bits >> 63) << (fmt.mant_bits + fmt.exp_bits);
  return sign | static_cast<std::uint32_t>(r - (static_cast<std::uint64_t>(1023 - bias) << fmt.mant_bits));
}

// A normal value's fields move into a double's unchanged (exponent rebiased); zero, subnormals,
// infinities and NaN take the general path.
inline double format_to_double_fast(std::uint32_t bits, FloatFormat fmt) {
  const int man = fmt.mant_bits;
  const std::uint32_t exp_all = (1u << fmt.exp_bits) - 1;
  const std::uint32_t exp = (bits >> man) & exp_all;
  if (exp == 0 || exp == exp_all) return format_to_double(bits, fmt);
  const int bias = (1 << (fmt.exp_bits - 1)) - 1;
  const std::uint64_t sign = static_cast<std::uint64_t>((bits >> (man + fmt.exp_bits)) & 1) << 63;
  const std::uint64_t frac = bits & ((1u << man) - 1);
  return std::bit_cast<double>(sign | static_cast<std::uint64_t>(exp + 1023 - bias) << 52 | frac << (52 - man));
}

// Rint of |x| < 2^52: the integer part truncates exactly and x minus it is exact, so the tie
// test needs no library call; the result is an exact integer, so comparing it with the bounds as
// integers gives what the general path's comparison in double gives.
inline std::int64_t round_to_int_fast(double x, isa::Round mode, std::int64_t lo, std::int64_t hi) {
  if (mode != isa::Round::Rint || !(std::fabs(x) < 4503599627370496.0)) return round_to_int(x, mode, lo, hi);
  const auto i = static_cast<std::int64_t>(x);
  const double frac = std::fabs(x - static_cast<double>(i));
  const bool away = frac > 0.5 || (frac == 0.5 && (i & 1) != 0);
  const std::int64_t r = away ? i + (x < 0 ? -1 : 1) : i;
  return r <= lo ? lo : r >= hi ? hi : r;
}

inline std::uint16_t f32_to_f16(float x, isa::Round mode = isa::Round::Rint) {
  return static_cast<std::uint16_t>(round_to_format_fast(x, kF16, mode));
}
inline std::uint16_t f32_to_bf16(float x, isa::Round mode = isa::Round::Rint) {
  return static_cast<std::uint16_t>(round_to_format_fast(x, kBF16, mode));
}
inline float f16_to_f32(std::uint16_t h) { return static_cast<float>(format_to_double_fast(h, kF16)); }
inline float bf16_to_f32(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

}  // namespace snsim::core
