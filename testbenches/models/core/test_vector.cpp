// Vector numerics against references written here in plain C++ (the compiler's _Float16 for FP16):
// strides and broadcast, the mask, conversions, reductions, compare/select, broadcast, s32.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "rig.h"

namespace snsim::core::test {
namespace {

constexpr std::uint64_t kA = 0x0, kB = 0x4000, kC = 0x8000, kD = 0xc000;

// Runs `body` on one AIV whose UB holds `init` at the given addresses; returns the core.
struct VecRun {
  Rig rig;
  Core* core = nullptr;
  template <class T>
  void put(std::uint64_t addr, const std::vector<T>& v) {
    std::memcpy(core->buffer(isa::Buffer::Ub)->data(addr), v.data(), v.size() * sizeof(T));
  }
  template <class T>
  std::vector<T> get(std::uint64_t addr, std::size_t n) {
    std::vector<T> v(n);
    std::memcpy(v.data(), core->buffer(isa::Buffer::Ub)->data(addr), n * sizeof(T));
    return v;
  }
  void load(const std::string& body) {
    core = &rig.add(assemble("li x1, 0x0\nli x2, 0x4000\nli x3, 0x8000\nli x7, 0xc000\n" + body + "\nhalt\n"));
  }
  void run() {
    const RunResult r = rig.run();
    ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  }
};

std::vector<float> random_floats(std::size_t n, unsigned seed, float lo = -10, float hi = 10) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

std::vector<_Float16> random_halves(std::size_t n, unsigned seed) {
  std::vector<_Float16> v;
  for (float x : random_floats(n, seed)) v.push_back(static_cast<_Float16>(x));
  return v;
}

TEST(Vector, AddF16BroadcastsOneBlockPerRepeatWithStrideZero) {
  // src1 block stride 0, repeat stride 1: repeat i adds block i of src1 to all 8 blocks.
  VecRun t;
  t.load("vec_cfg x4, 2, 1, 1, 0, 8, 8, 1\nvadd.f16 x3, x1, x2, x4");
  const auto a = random_halves(256, 1), b = random_halves(32, 2);
  t.put(kA, a);
  t.put(kB, b);
  t.run();
  const auto c = t.get<_Float16>(kC, 256);
  for (unsigned i = 0; i < 256; ++i) {
    const _Float16 ref = a[i] + b[(i / 128) * 16 + i % 16];
    ASSERT_EQ(std::bit_cast<std::uint16_t>(c[i]), std::bit_cast<std::uint16_t>(ref)) << i;
  }
}

TEST(Vector, MaskLimitsTheElementsWritten) {
  VecRun t;
  t.load("li x5, 0\nli x6, 0x3ff\nvmask x5, x6\nvec_cfg_dense x4, 1\nvmul.f32 x3, x1, x2, x4");
  const auto a = random_floats(64, 3), b = random_floats(64, 4);
  const std::vector<float> sentinel(64, 7.0f);
  t.put(kA, a);
  t.put(kB, b);
  t.put(kC, sentinel);
  t.run();
  const auto c = t.get<float>(kC, 64);
  for (unsigned i = 0; i < 64; ++i) EXPECT_EQ(c[i], i < 10 ? a[i] * b[i] : 7.0f) << i;
}

TEST(Vector, ConvertF32ToF16WithNarrowDestinationBlocks) {
  // f32 -> f16: 64 elements per repeat; contiguous is src (1, 8), dst (1, 4) (docs/isa.md §6).
  VecRun t;
  t.load("vec_cfg x4, 3, 1, 1, 1, 4, 8, 8\nvconv.f16.f32 x3, x1, x4, rint\n"
         "vec_cfg x5, 3, 1, 1, 1, 8, 4, 8\nvconv.s32.f16 x7, x3, x5, floor");
  const auto a = random_floats(192, 5, -1000, 1000);
  t.put(kA, a);
  t.run();
  const auto h = t.get<_Float16>(kC, 192);
  const auto n = t.get<std::int32_t>(kD, 192);
  for (unsigned i = 0; i < 192; ++i) {
    const _Float16 ref = static_cast<_Float16>(a[i]);
    ASSERT_EQ(std::bit_cast<std::uint16_t>(h[i]), std::bit_cast<std::uint16_t>(ref)) << i;
    ASSERT_EQ(n[i], static_cast<std::int32_t>(std::floor(static_cast<float>(ref)))) << i;
  }
}

// Recursive halving: for power-of-two counts the same order as the level-by-level pairwise tree.
float halving_sum(const float* v, unsigned n) {
  return n == 1 ? v[0] : halving_sum(v, n / 2) + halving_sum(v + n / 2, n / 2);
}

TEST(Vector, ReductionsSumAsAPairwiseTreeAndTakeTheMax) {
  VecRun t;
  t.load("vec_cfg x4, 3, 1, 1, 1, 1, 8, 8\nvcadd.f32 x3, x1, x4\n"
         "vec_cfg x5, 3, 1, 1, 1, 1, 8, 8\nvcgmax.f32 x7, x1, x5");
  const auto a = random_floats(192, 6);
  t.put(kA, a);
  t.run();
  const auto sums = t.get<float>(kC, 3);
  const auto maxes = t.get<float>(kD, 24);
  for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(sums[i], halving_sum(&a[i * 64], 64)) << i;
  for (unsigned g = 0; g < 24; ++g)
    EXPECT_EQ(maxes[g], *std::max_element(a.begin() + g * 8, a.begin() + g * 8 + 8)) << g;
}

TEST(Vector, CompareThenSelect) {
  VecRun t;
  t.load("vec_cfg_dense x4, 2\nvcmp.f32 x7, x1, x2, x4, gt\nvsel.f32 x3, x1, x2, x4, x7");
  const auto a = random_floats(128, 7), b = random_floats(128, 8);
  t.put(kA, a);
  t.put(kB, b);
  t.run();
  const auto bits = t.get<std::uint8_t>(kD, 16);
  const auto c = t.get<float>(kC, 128);
  for (unsigned i = 0; i < 128; ++i) {
    EXPECT_EQ((bits[i / 8] >> (i % 8)) & 1, a[i] > b[i] ? 1 : 0) << i;
    EXPECT_EQ(c[i], std::max(a[i], b[i])) << i;
  }
}

TEST(Vector, DupBroadcastAndScalarOps) {
  VecRun t;
  t.load("li x5, 0x40490fdb\nvec_cfg_dense x4, 1\nvdup.f32 x3, x5, x4\n"
         "vbrcb.f32 x7, x1, x4\n"
         "li x6, 0x40000000\nvmuls.f32 x2, x1, x6, x4");
  const auto a = random_floats(64, 9);
  t.put(kA, a);
  t.run();
  const auto dup = t.get<float>(kC, 64), brcb = t.get<float>(kD, 64), muls = t.get<float>(kB, 64);
  for (unsigned i = 0; i < 64; ++i) {
    EXPECT_EQ(dup[i], std::bit_cast<float>(0x40490fdbu));
    EXPECT_EQ(brcb[i], a[i / 8]);  // block j holds element j
    EXPECT_EQ(muls[i], a[i] * 2.0f);
  }
}

TEST(Vector, S32ArithmeticWraps) {
  VecRun t;
  t.load("vec_cfg_dense x4, 1\nvadd.s32 x3, x1, x2, x4\nvmul.s32 x7, x1, x2, x4");
  std::vector<std::int32_t> a(64), b(64);
  std::mt19937 rng(10);
  for (unsigned i = 0; i < 64; ++i) a[i] = static_cast<std::int32_t>(rng()), b[i] = static_cast<std::int32_t>(rng());
  t.put(kA, a);
  t.put(kB, b);
  t.run();
  const auto sum = t.get<std::int32_t>(kC, 64), prod = t.get<std::int32_t>(kD, 64);
  for (unsigned i = 0; i < 64; ++i) {
    EXPECT_EQ(sum[i], static_cast<std::int32_t>(static_cast<std::uint32_t>(a[i]) + static_cast<std::uint32_t>(b[i])));
    EXPECT_EQ(prod[i], static_cast<std::int32_t>(static_cast<std::uint32_t>(a[i]) * static_cast<std::uint32_t>(b[i])));
  }
}

TEST(Vector, TranscendentalsWithinOneUlpOfLibm) {
  VecRun t;
  t.load("vec_cfg_dense x4, 1\nvexp.f32 x3, x1, x4\nvln.f32 x7, x2, x4");
  const auto a = random_floats(64, 11), b = random_floats(64, 12, 0.001f, 1000);
  t.put(kA, a);
  t.put(kB, b);
  t.run();
  const auto e = t.get<float>(kC, 64), l = t.get<float>(kD, 64);
  for (unsigned i = 0; i < 64; ++i) {
    EXPECT_LE(std::abs(e[i] - std::exp(a[i])), std::abs(std::nextafter(e[i], INFINITY) - e[i])) << i;
    EXPECT_LE(std::abs(l[i] - std::log(b[i])), std::abs(std::nextafter(l[i], INFINITY) - l[i])) << i;
  }
}

}  // namespace
}  // namespace snsim::core::test
