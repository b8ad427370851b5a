#pragma once
// Narrow floating-point formats of the AI core (FP16, BF16) and rounding between formats.
//
// Every conversion is bit-exact and independent of the host's rounding mode: values are handled
// as integer significands and exponents. Narrowing takes a double (every f32, f16, bf16, s32 and
// s16 value is exact in it) and rounds once to the target format with one of the ISA's rounding
// modes (docs/isa.md §4.4, vconv). Widening (f16/bf16 -> f32) is exact.
//
// Arithmetic on f16 / bf16 elements is done in f32 and rounded once to the narrow type: for +, -,
// *, / and sqrt this is the correctly rounded result, because f32's 24-bit significand is at
// least 2p + 2 bits for p = 11 (f16) and p = 8 (bf16) (Figueroa, "When is double rounding
// innocuous?", 1995).

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

inline std::uint16_t f32_to_f16(float x, isa::Round mode = isa::Round::Rint) {
  return static_cast<std::uint16_t>(round_to_format(x, kF16, mode));
}
inline std::uint16_t f32_to_bf16(float x, isa::Round mode = isa::Round::Rint) {
  return static_cast<std::uint16_t>(round_to_format(x, kBF16, mode));
}
float f16_to_f32(std::uint16_t h);
float bf16_to_f32(std::uint16_t b);

// Rounds x to an integer with `mode` and saturates to [lo, hi]; NaN gives 0.
std::int64_t round_to_int(double x, isa::Round mode, std::int64_t lo, std::int64_t hi);

}  // namespace snsim::core
