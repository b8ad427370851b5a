// Rounding between floating-point formats with integer arithmetic (fp.h).
#include "core/fp.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace snsim::core {

using isa::Round;

std::uint32_t round_to_format(double x, FloatFormat fmt, Round mode) {
  const int man = fmt.mant_bits;
  const int bias = (1 << (fmt.exp_bits - 1)) - 1;
  const std::uint32_t exp_all = (1u << fmt.exp_bits) - 1;
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  const bool neg = bits >> 63;
  const std::uint32_t sign = static_cast<std::uint32_t>(neg) << (man + fmt.exp_bits);
  const std::uint64_t exp64 = (bits >> 52) & 0x7ff;
  const std::uint64_t frac = bits & ((1ull << 52) - 1);
  if (exp64 == 0x7ff) {
    if (frac != 0) return sign | exp_all << man | 1u << (man - 1);  // quiet NaN
    return sign | exp_all << man;                                   // infinity
  }
  if (exp64 == 0 && frac == 0) return sign;  // signed zero
  // x = m * 2^e exactly, with m a 53-bit (or smaller, subnormal) integer.
  std::uint64_t m = exp64 == 0 ? frac : frac | 1ull << 52;
  int e = exp64 == 0 ? -1074 : static_cast<int>(exp64) - 1075;
  // The target's quantum at x: 2^(top - man) for a normal result, fixed below the normal range.
  const int top = e + 63 - std::countl_zero(m);
  const int emin = 1 - bias;
  const int quantum = std::max(top, emin) - man;
  std::uint64_t q;
  if (quantum <= e) {
    q = m << (e - quantum);  // exact (only when x has few significant bits)
  } else {
    const int shift = quantum - e;
    q = shift >= 64 ? 0 : m >> shift;
    // Compare the discarded part with half a quantum without losing bits.
    const std::uint64_t rem = shift >= 64 ? m : m & ((1ull << shift) - 1);
    const bool inexact = rem != 0;
    int cmp_half;  // -1 below half, 0 exactly half, 1 above
    if (shift > 64) {
      cmp_half = -1;
    } else {
      const std::uint64_t half = 1ull << (shift - 1);
      cmp_half = rem < half ? -1 : rem == half ? 0 : 1;
    }
    bool up = false;
    switch (mode) {
      case Round::Rint: up = cmp_half > 0 || (cmp_half == 0 && (q & 1)); break;
      case Round::Round: up = cmp_half >= 0; break;
      case Round::Trunc: up = false; break;
      case Round::Floor: up = inexact && neg; break;
      case Round::Ceil: up = inexact && !neg; break;
    }
    q += up;
  }
  // q < 2^(man+1) unless rounding carried into a new binade.
  int qexp = quantum;
  if (q >> (man + 1)) {
    q >>= 1;
    ++qexp;
  }
  if (q < (1ull << man)) return sign | static_cast<std::uint32_t>(q);  // subnormal (or zero)
  const std::int64_t biased = qexp + man + bias;
  if (biased >= static_cast<std::int64_t>(exp_all)) {
    const bool to_inf = mode == Round::Rint || mode == Round::Round ||
                        (mode == Round::Floor && neg) || (mode == Round::Ceil && !neg);
    if (to_inf) return sign | exp_all << man;
    return sign | (exp_all - 1) << man | ((1u << man) - 1);
  }
  return sign | static_cast<std::uint32_t>(biased) << man |
         static_cast<std::uint32_t>(q & ((1ull << man) - 1));
}

namespace {

// 2^k for -1022 <= k <= 1023 (a normal double): multiplying by it scales exactly, as std::ldexp
// does, without the library call (the vector unit converts every element of f16 data this way).
double pow2(int k) { return std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52); }

}  // namespace

double format_to_double(std::uint32_t bits, FloatFormat fmt) {
  const int man = fmt.mant_bits;
  const int bias = (1 << (fmt.exp_bits - 1)) - 1;
  const std::uint32_t exp_all = (1u << fmt.exp_bits) - 1;
  const bool neg = (bits >> (man + fmt.exp_bits)) & 1;
  const std::uint32_t exp = (bits >> man) & exp_all;
  const std::uint32_t frac = bits & ((1u << man) - 1);
  double v;
  if (exp == exp_all)
    v = frac ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  else if (exp == 0)
    v = static_cast<double>(frac) * pow2(1 - bias - man);
  else
    v = static_cast<double>(frac | 1u << man) * pow2(static_cast<int>(exp) - bias - man);
  return neg ? -v : v;
}

namespace {

// x rounded to the nearest integer, ties to even, whatever the host's rounding mode: below 2^52 the
// integer part truncates exactly and x minus it is exact; from 2^52 up (and infinities) x is its own
// rounding. (x - std::remainder(x, 1.0) gives the same but costs a slow library call per element,
// and turned infinities into NaN.)
double round_half_even(double x) {
  if (!(std::fabs(x) < 4503599627370496.0)) return x;  // 2^52
  const auto i = static_cast<std::int64_t>(x);
  const double frac = std::fabs(x - static_cast<double>(i));
  const bool away = frac > 0.5 || (frac == 0.5 && (i & 1) != 0);
  return static_cast<double>(away ? i + (x < 0 ? -1 : 1) : i);
}

}  // namespace

std::int64_t round_to_int(double x, Round mode, std::int64_t lo, std::int64_t hi) {
  if (std::isnan(x)) return 0;
  double r = 0;
  switch (mode) {
    case Round::Rint: r = round_half_even(x); break;  // nearest, ties to even
    case Round::Floor: r = std::floor(x); break;
    case Round::Ceil: r = std::ceil(x); break;
    case Round::Round: r = std::round(x); break;
    case Round::Trunc: r = std::trunc(x); break;
  }
  if (r <= static_cast<double>(lo)) return lo;
  if (r >= static_cast<double>(hi)) return hi;
  return static_cast<std::int64_t>(r);
}

}  // namespace snsim::core
