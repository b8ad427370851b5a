// Every arithmetic vector instruction on f32, f16 and bf16 against a reference computed here:
// the operation in double on the widened inputs, rounded to the type by the compiler (float,
// _Float16) or by the BF16 carry trick. Operations that are exact in float before the final
// rounding (add, sub, mul, max, min, abs, relu and their scalar forms) must match bit for bit;
// the others (div, sqrt, rsqrt, rec, exp, ln) within one unit in the last place.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>

#include "rig.h"

namespace snsim::core::test {
namespace {

enum class T { F32, F16, BF16 };

unsigned bytes(T t) { return t == T::F32 ? 4 : 2; }
const char* suffix(T t) { return t == T::F32 ? "f32" : t == T::F16 ? "f16" : "bf16"; }

double widen(const std::uint8_t* p, T t) {
  if (t == T::F32) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  std::uint16_t h;
  std::memcpy(&h, p, 2);
  if (t == T::F16) return static_cast<double>(std::bit_cast<_Float16>(h));
  return std::bit_cast<float>(std::uint32_t{h} << 16);
}

// x rounded to t, as a bit pattern (f32 and f16 by the compiler; bf16 from float by carry).
std::uint32_t narrow(double x, T t) {
  if (t == T::F32) return std::bit_cast<std::uint32_t>(static_cast<float>(x));
  if (t == T::F16) return std::bit_cast<std::uint16_t>(static_cast<_Float16>(x));
  const std::uint32_t b = std::bit_cast<std::uint32_t>(static_cast<float>(x));
  return (b + 0x7fff + ((b >> 16) & 1)) >> 16;
}

// Position of a finite bit pattern on the number line, for ulp distances.
std::int64_t ordinal(std::uint32_t bits, T t) {
  const unsigned sign_bit = t == T::F32 ? 31 : 15;
  const std::int64_t mag = bits & ((1u << sign_bit) - 1);
  return (bits >> sign_bit) & 1 ? -mag : mag;
}

struct OpCase {
  const char* mnemonic;
  enum Kind { Binary, Scalar, Unary } kind;
  std::function<double(double, double)> f;
  bool exact;
  bool positive_inputs;
};

const OpCase kOps[] = {
    {"vadd", OpCase::Binary, [](double a, double b) { return a + b; }, true, false},
    {"vsub", OpCase::Binary, [](double a, double b) { return a - b; }, true, false},
    {"vmul", OpCase::Binary, [](double a, double b) { return a * b; }, true, false},
    {"vdiv", OpCase::Binary, [](double a, double b) { return a / b; }, false, true},
    {"vmax", OpCase::Binary, [](double a, double b) { return std::max(a, b); }, true, false},
    {"vmin", OpCase::Binary, [](double a, double b) { return std::min(a, b); }, true, false},
    {"vadds", OpCase::Scalar, [](double a, double s) { return a + s; }, true, false},
    {"vmuls", OpCase::Scalar, [](double a, double s) { return a * s; }, true, false},
    {"vmaxs", OpCase::Scalar, [](double a, double s) { return std::max(a, s); }, true, false},
    {"vmins", OpCase::Scalar, [](double a, double s) { return std::min(a, s); }, true, false},
    {"vexp", OpCase::Unary, [](double a, double) { return std::exp(a); }, false, false},
    {"vln", OpCase::Unary, [](double a, double) { return std::log(a); }, false, true},
    {"vsqrt", OpCase::Unary, [](double a, double) { return std::sqrt(a); }, false, true},
    {"vrsqrt", OpCase::Unary, [](double a, double) { return 1 / std::sqrt(a); }, false, true},
    {"vrec", OpCase::Unary, [](double a, double) { return 1 / a; }, false, true},
    {"vabs", OpCase::Unary, [](double a, double) { return std::fabs(a); }, true, false},
    {"vrelu", OpCase::Unary, [](double a, double) { return std::max(a, 0.0); }, true, false},
};

TEST(VectorOps, EveryArithmeticOpOnEveryFloatType) {
  constexpr unsigned kRepeats = 2;
  for (const OpCase& op : kOps)
    for (T t : {T::F32, T::F16, T::BF16}) {
      SCOPED_TRACE(fmt::format("{}.{}", op.mnemonic, suffix(t)));
      const unsigned n = kRepeats * 256 / bytes(t);
      std::mt19937 rng(static_cast<unsigned>(n + op.kind));
      std::uniform_real_distribution<float> d(op.positive_inputs ? 0.1f : -6.0f, 6.0f);
      std::vector<std::uint8_t> a(n * bytes(t)), b(n * bytes(t));
      for (unsigned i = 0; i < n; ++i) {
        const std::uint32_t va = narrow(d(rng), t), vb = narrow(d(rng), t);
        std::memcpy(&a[i * bytes(t)], &va, bytes(t));
        std::memcpy(&b[i * bytes(t)], &vb, bytes(t));
      }
      const std::uint32_t scalar_bits = narrow(1.75, t);
      std::string instr;
      switch (op.kind) {
        case OpCase::Binary: instr = fmt::format("{}.{} x3, x1, x2, x4", op.mnemonic, suffix(t)); break;
        case OpCase::Scalar: instr = fmt::format("{}.{} x3, x1, x5, x4", op.mnemonic, suffix(t)); break;
        case OpCase::Unary: instr = fmt::format("{}.{} x3, x1, x4", op.mnemonic, suffix(t)); break;
      }
      Rig rig;
      Core& c = rig.add(assemble(fmt::format("li x1, 0\nli x2, 0x4000\nli x3, 0x8000\nli x5, {}\n"
                                             "vec_cfg_dense x4, {}\n{}\nhalt\n",
                                             scalar_bits, kRepeats, instr)));
      std::uint8_t* ub = c.buffer(isa::Buffer::Ub)->data(0);
      std::memcpy(ub, a.data(), a.size());
      std::memcpy(ub + 0x4000, b.data(), b.size());
      const RunResult r = rig.run();
      ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
      const double s = widen(reinterpret_cast<const std::uint8_t*>(&scalar_bits), t);
      for (unsigned i = 0; i < n; ++i) {
        const double x = widen(&a[i * bytes(t)], t);
        const double y = op.kind == OpCase::Scalar ? s : widen(&b[i * bytes(t)], t);
        const std::uint32_t ref = narrow(op.f(x, y), t);
        std::uint32_t got = 0;
        std::memcpy(&got, ub + 0x8000 + i * bytes(t), bytes(t));
        if (op.exact)
          ASSERT_EQ(got, ref) << i << ": " << x << ", " << y;
        else
          ASSERT_LE(std::abs(ordinal(got, t) - ordinal(ref, t)), 1) << i << ": " << x << ", " << y;
      }
    }
}

}  // namespace
}  // namespace snsim::core::test
