// The row kernels of firmware/kernels (softmax_f32.s, rmsnorm_f32.s) against references computed
// here in double precision, and vec_mul.s / vec_mul_f16.s against the host's IEEE multiplication,
// each loaded from its object file and run on several AIVs.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>
#include <type_traits>

#include "rig.h"

namespace snsim::core::test {
namespace {

constexpr std::uint64_t kX = 0x1000'0000, kY = 0x2000'0000, kG = 0x3000'0000;

struct Rows {
  unsigned rows, h;
  std::vector<float> x;
};

Rows random_rows(unsigned rows, unsigned h, unsigned seed) {
  Rows r{rows, h, std::vector<float>(std::size_t{rows} * h)};
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-8, 8);
  for (float& v : r.x) v = d(rng);
  return r;
}

std::vector<float> run_rows(const std::string& kernel, const Rows& in, unsigned cores,
                            const std::vector<std::uint64_t>& args, Rig& rig) {
  const std::size_t bytes = in.x.size() * 4;
  rig.gm.map(kX, bytes);
  rig.gm.map(kY, bytes);
  rig.gm.write(kX, {reinterpret_cast<const std::uint8_t*>(in.x.data()), bytes});
  const obj::Object obj = obj::read_object_file(std::string(SNSIM_KERNEL_OBJ_DIR "/") + kernel + ".o");
  for (unsigned b = 0; b < cores; ++b)
    rig.add(obj, {.type = isa::CoreType::Aiv, .core_id = b, .block_id = b, .block_num = cores}, args);
  const RunResult r = rig.run();
  EXPECT_EQ(r.status, RunResult::Status::Finished) << r.report;
  std::vector<float> y(in.x.size());
  rig.gm.read(kY, {reinterpret_cast<std::uint8_t*>(y.data()), bytes});
  return y;
}

std::uint64_t f32_arg(float v) { return std::bit_cast<std::uint32_t>(v); }

TEST(CoreKernels, SoftmaxF32MatchesReference) {
  for (unsigned h : {64u, 256u, 4096u}) {
    const Rows in = random_rows(5, h, h);
    Rig rig;
    const auto y = run_rows("softmax_f32", in, 2, {kX, kY, in.rows, in.h}, rig);
    for (unsigned r = 0; r < in.rows; ++r) {
      const float* x = &in.x[std::size_t{r} * h];
      double m = x[0], sum = 0;
      for (unsigned i = 0; i < h; ++i) m = std::max(m, double{x[i]});
      for (unsigned i = 0; i < h; ++i) sum += std::exp(double{x[i]} - m);
      for (unsigned i = 0; i < h; ++i) {
        const double ref = std::exp(double{x[i]} - m) / sum;
        ASSERT_NEAR(y[std::size_t{r} * h + i], ref, 1e-5 * ref + 1e-30) << "h " << h << " row " << r << " i " << i;
      }
    }
  }
}

TEST(CoreKernels, RmsNormF32MatchesReference) {
  for (unsigned h : {64u, 1024u}) {
    const Rows in = random_rows(7, h, 100 + h);
    std::vector<float> gamma(h);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> d(0.5f, 1.5f);
    for (float& g : gamma) g = d(rng);
    Rig rig;
    rig.gm.map(kG, h * 4);
    rig.gm.write(kG, {reinterpret_cast<const std::uint8_t*>(gamma.data()), h * 4});
    const float eps = 1e-6f;
    const auto y = run_rows("rmsnorm_f32", in, 3,
                            {kX, kG, kY, in.rows, in.h, f32_arg(1.0f / static_cast<float>(h)), f32_arg(eps)}, rig);
    for (unsigned r = 0; r < in.rows; ++r) {
      const float* x = &in.x[std::size_t{r} * h];
      double ss = 0;
      for (unsigned i = 0; i < h; ++i) ss += double{x[i]} * x[i];
      const double rstd = 1.0 / std::sqrt(ss / h + eps);
      for (unsigned i = 0; i < h; ++i) {
        const double ref = x[i] * rstd * gamma[i];
        ASSERT_NEAR(y[std::size_t{r} * h + i], ref, 1e-5 * std::abs(ref) + 1e-6) << "h " << h << " row " << r << " i " << i;
      }
    }
  }
}

// x * y element-wise by `kernel` on `cores` AIVs; T is float or _Float16. The magnitudes span
// 2^-emax..2^emax each, so products overflow to infinity and underflow to subnormals and zero.
template <typename T>
void check_vec_mul(const std::string& kernel, unsigned n, unsigned cores, int emax) {
  Rig rig;
  std::vector<T> x(n), y(n), z(n);
  std::mt19937 rng(n + cores);
  std::uniform_real_distribution<float> sig(1, 2);
  std::uniform_int_distribution<int> e(-emax, emax);
  for (unsigned i = 0; i < n; ++i) {
    x[i] = static_cast<T>(std::ldexp(sig(rng), e(rng)) * (rng() % 2 ? 1 : -1));
    y[i] = static_cast<T>(std::ldexp(sig(rng), e(rng)));
  }
  const std::size_t bytes = std::size_t{n} * sizeof(T);
  for (std::uint64_t base : {kX, kY, kG}) rig.gm.map(base, bytes);
  rig.gm.write(kX, {reinterpret_cast<const std::uint8_t*>(x.data()), bytes});
  rig.gm.write(kY, {reinterpret_cast<const std::uint8_t*>(y.data()), bytes});
  const obj::Object obj = obj::read_object_file(std::string(SNSIM_KERNEL_OBJ_DIR "/") + kernel + ".o");
  for (unsigned b = 0; b < cores; ++b)
    rig.add(obj, {.type = isa::CoreType::Aiv, .core_id = b, .block_id = b, .block_num = cores}, {kX, kY, kG, n});
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  rig.gm.read(kG, {reinterpret_cast<std::uint8_t*>(z.data()), bytes});
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint16_t>;
  for (unsigned i = 0; i < n; ++i) {
    const T ref = x[i] * y[i];
    ASSERT_EQ(std::bit_cast<Bits>(z[i]), std::bit_cast<Bits>(ref))
        << kernel << " " << i << ": " << static_cast<double>(x[i]) << " * " << static_cast<double>(y[i]);
  }
  // One vmul per 16 KiB tile: every element is one flop.
  std::uint64_t flops = 0;
  for (unsigned b = 0; b < cores; ++b) flops += rig.stat(fmt::format("aiv{}.v.flops", b));
  EXPECT_EQ(flops, n);
}

TEST(CoreKernels, VecMulF32IsIeeeMultiplication) {
  check_vec_mul<float>("vec_mul", 4096, 1, 70);       // one tile
  check_vec_mul<float>("vec_mul", 3 * 5 * 4096, 3, 70);  // both buffers, odd tile count
}

TEST(CoreKernels, VecMulF16IsIeeeMultiplication) {
  check_vec_mul<_Float16>("vec_mul_f16", 8192, 1, 10);
  check_vec_mul<_Float16>("vec_mul_f16", 2 * 3 * 8192, 2, 10);
}

}  // namespace
}  // namespace snsim::core::test
