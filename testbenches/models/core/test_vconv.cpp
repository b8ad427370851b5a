// vconv: every legal type pair with the rounding modes, against the host's conversions under
// fesetround (float targets), std::floor / ceil / trunc / round / nearbyint with saturation
// (integer targets, s8 included: f16 values beyond +-128 saturate) and truncation arithmetic on the bit pattern (bf16 targets).
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cfenv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "rig.h"

namespace snsim::core::test {
namespace {

using isa::DType;

const char* name(DType t) { return isa::dtype_name(t).data(); }

// Value of an element (exact in double).
double value(const std::uint8_t* p, DType t) {
  std::int32_t i32;
  std::int16_t i16;
  std::int8_t i8;
  std::uint16_t u16;
  float f;
  switch (t) {
    case DType::F32: std::memcpy(&f, p, 4); return f;
    case DType::S32: std::memcpy(&i32, p, 4); return i32;
    case DType::S16: std::memcpy(&i16, p, 2); return i16;
    case DType::S8: std::memcpy(&i8, p, 1); return i8;
    case DType::F16: std::memcpy(&u16, p, 2); return static_cast<double>(std::bit_cast<_Float16>(u16));
    default: std::memcpy(&u16, p, 2); return std::bit_cast<float>(std::uint32_t{u16} << 16);  // bf16
  }
}

int fe_mode(isa::Round r) {
  switch (r) {
    case isa::Round::Floor: return FE_DOWNWARD;
    case isa::Round::Ceil: return FE_UPWARD;
    case isa::Round::Trunc: return FE_TOWARDZERO;
    default: return FE_TONEAREST;
  }
}

// The expected bit pattern of x (a value of the source type) converted to dst with mode r.
std::uint32_t expected(double x, DType dst, isa::Round r) {
  if (dst == DType::S32 || dst == DType::S16 || dst == DType::S8) {
    double v = 0;
    switch (r) {
      case isa::Round::Rint: v = std::nearbyint(x); break;  // default mode: ties to even
      case isa::Round::Floor: v = std::floor(x); break;
      case isa::Round::Ceil: v = std::ceil(x); break;
      case isa::Round::Round: v = std::round(x); break;
      case isa::Round::Trunc: v = std::trunc(x); break;
    }
    const double lo = dst == DType::S32 ? -2147483648.0 : dst == DType::S16 ? -32768.0 : -128.0, hi = -lo - 1;
    const auto i = static_cast<std::int64_t>(std::clamp(v, lo, hi));
    return static_cast<std::uint32_t>(i) & (dst == DType::S32 ? 0xffffffffu : dst == DType::S16 ? 0xffffu : 0xffu);
  }
  if (dst == DType::BF16) {  // from f32: keep the top half, then adjust by the discarded half
    const std::uint32_t b = std::bit_cast<std::uint32_t>(static_cast<float>(x));
    const std::uint32_t low = b & 0xffff, keep = b >> 16;
    const bool neg = b >> 31;
    switch (r) {
      case isa::Round::Rint: return (b + 0x7fff + (keep & 1)) >> 16;
      case isa::Round::Round: return (b + 0x8000) >> 16;
      case isa::Round::Trunc: return keep;
      case isa::Round::Floor: return keep + (neg && low);
      case isa::Round::Ceil: return keep + (!neg && low);
    }
  }
  std::fesetround(fe_mode(r));
  std::uint32_t out;
  if (dst == DType::F32) {
    volatile double in = x;  // converted at run time, under the mode
    out = std::bit_cast<std::uint32_t>(static_cast<float>(in));
  } else {
    volatile float in = static_cast<float>(x);  // exact: every source of an f16 result fits a float
    out = std::bit_cast<std::uint16_t>(static_cast<_Float16>(in));
  }
  std::fesetround(FE_TONEAREST);
  return out;
}

TEST(VectorConvert, EveryPairAndRoundingMode) {
  struct Pair {
    DType dst, src;
  } pairs[] = {{DType::F16, DType::F32}, {DType::F32, DType::F16}, {DType::BF16, DType::F32},
               {DType::F32, DType::BF16}, {DType::S32, DType::F32}, {DType::F32, DType::S32},
               {DType::S32, DType::F16}, {DType::F16, DType::S16}, {DType::S16, DType::F16},
               {DType::S8, DType::F16},  {DType::F16, DType::S8}};
  std::mt19937 rng(42);
  for (const Pair& p : pairs)
    for (isa::Round r : {isa::Round::Rint, isa::Round::Floor, isa::Round::Ceil, isa::Round::Trunc, isa::Round::Round}) {
      // Half-away rounding to a float type is checked on known values in test_fp.cpp only.
      if (r == isa::Round::Round && (p.dst == DType::F32 || p.dst == DType::F16)) continue;
      SCOPED_TRACE(fmt::format("vconv.{}.{} {}", name(p.dst), name(p.src), static_cast<int>(r)));
      const unsigned ds = isa::dtype_bytes(p.dst), ss = isa::dtype_bytes(p.src);
      const unsigned wide = std::max(ds, ss), n = 4 * 256 / wide;
      std::vector<std::uint8_t> src(n * ss);
      for (unsigned i = 0; i < n; ++i) {
        std::uint32_t bits;
        do {
          bits = rng();
          if (p.src == DType::F32) bits = (bits & 0x807fffff) | ((110 + bits % 50) << 23);  // up to 2^33
          std::memcpy(&src[i * ss], &bits, ss);
        } while (std::isnan(value(&src[i * ss], p.src)) || std::isinf(value(&src[i * ss], p.src)));
      }
      // Contiguous: 32-byte blocks for the wider operand, 16-byte ones for the narrower.
      const unsigned drep = ds < wide ? 4 : 8, srep = ss < wide ? 4 : 8;
      Rig rig;
      Core& c = rig.add(assemble(fmt::format("li x1, 0\nli x3, 0x8000\nvec_cfg x4, 4, 1, 1, 1, {}, {}, 8\n"
                                             "vconv.{}.{} x3, x1, x4, {}\nhalt\n",
                                             drep, srep, name(p.dst), name(p.src),
                                             std::array{"rint", "floor", "ceil", "round", "trunc"}[static_cast<int>(r)])));
      std::uint8_t* ub = c.buffer(isa::Buffer::Ub)->data(0);
      std::memcpy(ub, src.data(), src.size());
      const RunResult res = rig.run();
      ASSERT_EQ(res.status, RunResult::Status::Finished) << res.report;
      for (unsigned i = 0; i < n; ++i) {
        std::uint32_t got = 0;
        std::memcpy(&got, ub + 0x8000 + i * ds, ds);
        const double x = value(&src[i * ss], p.src);
        ASSERT_EQ(got, expected(x, p.dst, r)) << i << ": " << x;
      }
    }
}

// f16 to s8 and s16 go through a table of every pattern's result (vector.cpp, int_conv_table):
// every f16 pattern, infinities and NaNs (0) included, in every mode, against the host's rounding.
TEST(VectorConvert, EveryF16PatternToS8AndS16InEveryMode) {
  constexpr unsigned kChunk = 16384;  // patterns per run: 128 repeats of 128 elements
  for (const DType dst : {DType::S8, DType::S16})
    for (isa::Round r : {isa::Round::Rint, isa::Round::Floor, isa::Round::Ceil, isa::Round::Trunc, isa::Round::Round})
      for (std::uint32_t first = 0; first < 0x10000; first += kChunk) {
        SCOPED_TRACE(fmt::format("vconv.{}.f16 {} from {:#x}", name(dst), static_cast<int>(r), first));
        const unsigned ds = isa::dtype_bytes(dst);
        Rig rig;
        Core& c = rig.add(assemble(fmt::format("li x1, 0\nli x3, 0x8000\nvec_cfg x4, {}, 1, 1, 1, {}, 8, 8\n"
                                               "vconv.{}.f16 x3, x1, x4, {}\nhalt\n",
                                               kChunk / 128, ds == 1 ? 4 : 8, name(dst),
                                               std::array{"rint", "floor", "ceil", "round", "trunc"}[static_cast<int>(r)])));
        std::uint8_t* ub = c.buffer(isa::Buffer::Ub)->data(0);
        for (std::uint32_t k = 0; k < kChunk; ++k) {
          const auto h = static_cast<std::uint16_t>(first + k);
          std::memcpy(ub + 2 * k, &h, 2);
        }
        const RunResult res = rig.run();
        ASSERT_EQ(res.status, RunResult::Status::Finished) << res.report;
        for (std::uint32_t k = 0; k < kChunk; ++k) {
          std::uint32_t got = 0;
          std::memcpy(&got, ub + 0x8000 + k * ds, ds);
          const double x = value(ub + 2 * k, DType::F16);
          ASSERT_EQ(got, std::isnan(x) ? 0u : expected(x, dst, r)) << std::hex << first + k << ": " << x;
        }
      }
}

}  // namespace
}  // namespace snsim::core::test
