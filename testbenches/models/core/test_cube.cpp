// The AIC path: gemm_bf16.s from its object file on one and two AICs against a plain C++ GEMM in
// the documented order (DECISIONS.md D18), and FixPipe / mmad cases the kernel does not use.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "core/cube_kernels.h"
#include "core/fp.h"
#include "reference.h"
#include "rig.h"

namespace snsim::core::test {
namespace {

constexpr std::uint64_t kA = 0x1000'0000, kB = 0x2000'0000, kC = 0x3000'0000;

void run_gemm(unsigned m, unsigned n, unsigned k, unsigned cores) {
  Rig rig;
  const auto a = random_bf16(std::size_t{m} * k, m + k), b = random_bf16(std::size_t{k} * n, n + 7 * k);
  rig.gm.map(kA, a.size() * 2);
  rig.gm.map(kB, b.size() * 2);
  rig.gm.map(kC, std::size_t{m} * n * 4);
  rig.gm.write(kA, {reinterpret_cast<const std::uint8_t*>(a.data()), a.size() * 2});
  rig.gm.write(kB, {reinterpret_cast<const std::uint8_t*>(b.data()), b.size() * 2});
  const obj::Object kernel = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/gemm_bf16.o");
  for (unsigned i = 0; i < cores; ++i)
    rig.add(kernel, {.type = isa::CoreType::Aic, .core_id = i, .block_id = i, .block_num = cores},
            {kA, kB, kC, m, n, k});
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  std::vector<float> c(std::size_t{m} * n);
  rig.gm.read(kC, {reinterpret_cast<std::uint8_t*>(c.data()), c.size() * 4});
  const auto ref = reference_gemm(a, b, m, n, k);
  for (std::size_t i = 0; i < c.size(); ++i)
    ASSERT_EQ(std::bit_cast<std::uint32_t>(c[i]), std::bit_cast<std::uint32_t>(ref[i]))
        << "C[" << i / n << "][" << i % n << "] = " << c[i] << ", reference " << ref[i];
  // Each 128 x 128 x 64 mmad takes 8 x 8 x 4 = 256 cycles; a tile has k / 64 of them.
  const std::uint64_t tiles = std::uint64_t{m / 128} * (n / 128);
  std::uint64_t busy = 0, flops = 0;
  for (unsigned i = 0; i < cores; ++i) {
    busy += rig.stat(fmt::format("aic{}.m.busy", i));
    flops += rig.stat(fmt::format("aic{}.m.flops", i));
  }
  // One cycle per sync instruction on m: per step wait_flag mte1->m and set_flag m->mte1; per
  // tile wait_flag fix->m and set_flag m->fix; per core 2 preset set_flags and 1 drain wait.
  EXPECT_EQ(busy, tiles * (k / 64) * (256 + 2) + tiles * 2 + cores * 3);
  EXPECT_EQ(flops, 2ull * m * n * k);
}

// One AIC with operands placed directly in its buffers.
struct AicRun {
  Rig rig;
  Core* core = nullptr;
  std::uint8_t* buf(isa::Buffer b) { return core->buffer(b)->data(0); }
  void load(const std::string& body) {
    rig.gm.map(kC, 1 << 16);
    core = &rig.add(assemble(body + "\nhalt\n", "aic"), {.type = isa::CoreType::Aic});
  }
  RunResult run() { return rig.run(); }
};

TEST(CoreCube, MmadF16PartialFractalsAccumulateThenFixpRounds) {
  constexpr unsigned M = 20, N = 5, K = 40, k0 = 16, M1 = 2, N1 = 1, K1 = 3;
  AicRun t;
  t.load(R"(
    li x1, 0
    mmad_cfg x4, 20, 5, 40
    mmad.f16 x1, x1, x1, x4, acc
    set_flag m, fix, 0
    wait_flag m, fix, 0
    li64 x5, 0x30000000
    fixp_cfg x6, 5, 20, 32, 8
    fixp.f16.f32 gm, x5, x1, x6, x0, relu, nd
  )");
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> d(-4, 4);
  std::vector<_Float16> a(M * K), b(K * N);
  std::vector<float> c0(M * N);
  for (auto& x : a) x = static_cast<_Float16>(d(rng));
  for (auto& x : b) x = static_cast<_Float16>(d(rng));
  for (auto& x : c0) x = d(rng);
  // Zz, Zn and Nz placement as docs/isa.md §4.3 defines them.
  for (unsigned m = 0; m < M; ++m)
    for (unsigned k = 0; k < K; ++k)
      std::memcpy(t.buf(isa::Buffer::L0A) + ((m / 16) * K1 + k / k0) * 512 + ((m % 16) * k0 + k % k0) * 2, &a[m * K + k], 2);
  for (unsigned k = 0; k < K; ++k)
    for (unsigned n = 0; n < N; ++n)
      std::memcpy(t.buf(isa::Buffer::L0B) + ((k / k0) * N1 + n / 16) * 512 + ((n % 16) * k0 + k % k0) * 2, &b[k * N + n], 2);
  for (unsigned m = 0; m < M; ++m)
    for (unsigned n = 0; n < N; ++n)
      std::memcpy(t.buf(isa::Buffer::L0C) + ((n / 16) * M1 + m / 16) * 1024 + ((m % 16) * 16 + n % 16) * 4, &c0[m * N + n], 4);
  const RunResult r = t.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  std::vector<_Float16> out(M * 8);
  t.rig.gm.read(kC, {reinterpret_cast<std::uint8_t*>(out.data()), out.size() * 2});
  for (unsigned m = 0; m < M; ++m)
    for (unsigned n = 0; n < N; ++n) {
      float total = c0[m * N + n];
      for (unsigned g = 0; g < K; g += 16) {
        float part = 0;
        for (unsigned k = g; k < std::min(g + 16, K); ++k) part += static_cast<float>(a[m * K + k]) * static_cast<float>(b[k * N + n]);
        total += part;
      }
      const _Float16 ref = static_cast<_Float16>(std::max(total, 0.0f));
      ASSERT_EQ(std::bit_cast<std::uint16_t>(out[m * 8 + n]), std::bit_cast<std::uint16_t>(ref)) << m << "," << n;
    }
  // The padding columns 5..7 of each 8-element output row are not written.
  for (unsigned m = 0; m < M; ++m) EXPECT_EQ(std::bit_cast<std::uint16_t>(out[m * 8 + 6]), 0u);
}

TEST(CoreCube, MmadS8ExactThenFixpDequantizesToF16InNz) {
  AicRun t;
  t.load(R"(
    li x1, 0
    mmad_cfg x4, 16, 16, 64
    mmad.s8 x1, x1, x1, x4, init
    set_flag m, fix, 0
    wait_flag m, fix, 0
    li64 x5, 0x30000000
    fixp_cfg x6, 16, 16, 16, 16
    fixp.s32.s32 gm, x5, x1, x6, x0, norelu, nd
    li64 x5, 0x30001000
    li x7, 0x3a800000
    fixp.f16.s32 gm, x5, x1, x6, x7, norelu, nz
  )");
  std::mt19937 rng(8);
  std::vector<std::int8_t> a(16 * 64), b(64 * 16);
  for (auto& x : a) x = static_cast<std::int8_t>(rng());
  for (auto& x : b) x = static_cast<std::int8_t>(rng());
  for (unsigned m = 0; m < 16; ++m)
    for (unsigned k = 0; k < 64; ++k) t.buf(isa::Buffer::L0A)[(k / 32) * 512 + m * 32 + k % 32] = static_cast<std::uint8_t>(a[m * 64 + k]);
  for (unsigned k = 0; k < 64; ++k)
    for (unsigned n = 0; n < 16; ++n) t.buf(isa::Buffer::L0B)[(k / 32) * 512 + n * 32 + k % 32] = static_cast<std::uint8_t>(b[k * 16 + n]);
  const RunResult r = t.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  std::vector<std::int32_t> c(256);
  std::vector<_Float16> h(256);
  t.rig.gm.read(kC, {reinterpret_cast<std::uint8_t*>(c.data()), 1024});
  t.rig.gm.read(kC + 0x1000, {reinterpret_cast<std::uint8_t*>(h.data()), 512});
  for (unsigned m = 0; m < 16; ++m)
    for (unsigned n = 0; n < 16; ++n) {
      std::int32_t ref = 0;
      for (unsigned k = 0; k < 64; ++k) ref += a[m * 64 + k] * b[k * 16 + n];
      ASSERT_EQ(c[m * 16 + n], ref);
      // scale 2^-10: exact in double, one rounding to f16 (nz: row m of the one column block).
      ASSERT_EQ(std::bit_cast<std::uint16_t>(h[m * 16 + n]),
                std::bit_cast<std::uint16_t>(static_cast<_Float16>(std::ldexp(static_cast<double>(ref), -10))));
    }
  EXPECT_EQ(t.rig.stat("aic0.m.flops"), 2u * 16 * 16 * 64);
  EXPECT_EQ(t.rig.stat("aic0.m.busy"), 2u + 1u);  // 1 x 1 x 2 fractals at k0 = 32, set_flag
}

TEST(CoreCube, Load2dTransposesFractalsAndFaultsBelowTheBuffer) {
  AicRun t;
  t.load(R"(
    li x1, 0
    li x2, 0
    load2d_cfg x3, 2, 1, 1, 0, 0
    load2d.f16 l0b, x1, x2, x3, trans
    load2d.f16 l0a, x1, x2, x3, notrans
  )");
  std::uint8_t* l1 = t.buf(isa::Buffer::L1);
  for (unsigned i = 0; i < 256; ++i) {
    const std::uint16_t v = static_cast<std::uint16_t>(1000 + i);
    std::memcpy(l1 + 2 * 512 + i * 2, &v, 2);
  }
  ASSERT_EQ(t.run().status, RunResult::Status::Finished);
  for (unsigned r = 0; r < 16; ++r)
    for (unsigned c = 0; c < 16; ++c) {
      std::uint16_t tr, plain;
      std::memcpy(&tr, t.buf(isa::Buffer::L0B) + (r * 16 + c) * 2, 2);
      std::memcpy(&plain, t.buf(isa::Buffer::L0A) + (r * 16 + c) * 2, 2);
      ASSERT_EQ(tr, 1000 + c * 16 + r);
      ASSERT_EQ(plain, 1000 + r * 16 + c);
    }
  // 2 x 512 B at 128 B/cycle into L0B: 8 cycles; at 256 B/cycle into L0A: 2; each + 28 latency.
  EXPECT_EQ(t.rig.stat("aic0.mte1.busy"), 4u + 2u);
  AicRun f;
  f.load("li x1, 0\nload2d_cfg x3, 1, 3, 1, 0, 1\nload2d.f16 l0a, x1, x1, x3, notrans");
  const RunResult r = f.run();
  ASSERT_EQ(r.status, RunResult::Status::Fault);
  EXPECT_NE(r.report.find("load2d source fractal -1 is below the buffer"), std::string::npos) << r.report;
}

TEST(CoreCube, VectorizedInnerLoopIsBitIdenticalToPortable) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> d(-3, 3);
  for (auto [n, k, k0] : {std::array{128u, 64u, 16u}, std::array{100u, 40u, 16u}, std::array{37u, 29u, 8u}}) {
    std::vector<float> a(k), b(std::size_t{k} * n), s1(n), s2(n), p(n);
    for (float& x : a) x = d(rng);
    for (float& x : b) x = d(rng);
    for (unsigned j = 0; j < n; ++j) s1[j] = s2[j] = d(rng);
    detail::mmad_row_f32_portable(s1.data(), p.data(), a.data(), b.data(), n, k, k0);
    if (!detail::mmad_row_f32_avx2(s2.data(), p.data(), a.data(), b.data(), n, k, k0))
      GTEST_SKIP() << "no AVX2 build on this host";
    for (unsigned j = 0; j < n; ++j) ASSERT_EQ(std::bit_cast<std::uint32_t>(s1[j]), std::bit_cast<std::uint32_t>(s2[j])) << j;
  }
}

TEST(CoreCube, GemmBf16OneCoreTwoTiles) { run_gemm(128, 256, 1024, 1); }
TEST(CoreCube, GemmBf16TwoCores) { run_gemm(256, 128, 512, 2); }

}  // namespace
}  // namespace snsim::core::test
