// gemm_int8.s and the fused gemm_epilogue_aic.s + gemm_epilogue_aiv.s from their object files,
// against plain C++ references: INT8 sums exact and the dequantization to bf16 rounded here in
// integer arithmetic; the fused kernel's GEMM in the D18 order (reference.h), then relu(C + bias).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "reference.h"
#include "rig.h"

namespace snsim::core::test {
namespace {

constexpr std::uint64_t kA = 0x1000'0000, kB = 0x2000'0000, kC = 0x3000'0000, kBias = 0x4000'0000,
                        kWs = 0x5000'0000;

std::vector<std::int8_t> random_s8(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::int8_t> v(n);
  for (auto& x : v) x = static_cast<std::int8_t>(rng());
  return v;
}

// sum x scale rounded to bf16 (nearest even), by integers: scale = sig x 2^exp with a 24-bit sig,
// so sum x sig is an exact int64 for |sum| <= 2^29, rounded to 8 significant bits; beyond the
// largest finite bf16 it saturates (docs/isa.md §4.2). Results below the normal range are not
// handled (the tests' scales do not reach them).
std::uint16_t dequant_bf16(std::int32_t sum, float scale) {
  int exp;
  const double frac = std::frexp(static_cast<double>(scale), &exp);  // scale = frac x 2^exp
  const std::int64_t sig = static_cast<std::int64_t>(std::ldexp(frac, 24));
  exp -= 24;
  const std::int64_t p = sum * sig;
  if (p == 0) return scale < 0 ? 0x8000 : 0;  // IEEE: +0 times a negative scale is -0
  std::uint64_t mag = static_cast<std::uint64_t>(p < 0 ? -p : p);
  const int len = 64 - std::countl_zero(mag);
  if (len > 8) {
    const int shift = len - 8;
    const std::uint64_t rem = mag & ((std::uint64_t{1} << shift) - 1), half = std::uint64_t{1} << (shift - 1);
    mag >>= shift;
    exp += shift;
    if (rem > half || (rem == half && (mag & 1))) ++mag;  // 256 is still exact below
  }
  const std::uint16_t sign = p < 0 ? 0x8000 : 0;
  if (std::ldexp(static_cast<double>(mag), exp) >= 0x1p128) return sign | 0x7f7f;
  const float v = std::ldexp(static_cast<float>(mag), exp);
  return sign | static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(v) >> 16);
}

void run_gemm_int8(unsigned m, unsigned n, unsigned k, unsigned cores, float scale) {
  Rig rig;
  const auto a = random_s8(std::size_t{m} * k, m + k), bt = random_s8(std::size_t{n} * k, n + 3 * k);
  rig.gm.map(kA, a.size());
  rig.gm.map(kB, bt.size());
  rig.gm.map(kC, std::size_t{m} * n * 2);
  rig.gm.write(kA, {reinterpret_cast<const std::uint8_t*>(a.data()), a.size()});
  rig.gm.write(kB, {reinterpret_cast<const std::uint8_t*>(bt.data()), bt.size()});
  const obj::Object kernel = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/gemm_int8.o");
  for (unsigned i = 0; i < cores; ++i)
    rig.add(kernel, {.type = isa::CoreType::Aic, .core_id = i, .block_id = i, .block_num = cores},
            {kA, kB, kC, m, n, k, std::bit_cast<std::uint32_t>(scale)});
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  std::vector<std::uint16_t> c(std::size_t{m} * n);
  rig.gm.read(kC, {reinterpret_cast<std::uint8_t*>(c.data()), c.size() * 2});
  for (unsigned i = 0; i < m; ++i)
    for (unsigned j = 0; j < n; ++j) {
      std::int32_t sum = 0;
      for (unsigned p = 0; p < k; ++p) sum += a[std::size_t{i} * k + p] * bt[std::size_t{j} * k + p];
      ASSERT_EQ(c[std::size_t{i} * n + j], dequant_bf16(sum, scale)) << "C[" << i << "][" << j << "], sum " << sum;
    }
  // Each 128 x 128 x 128 s8 mmad is 8 x 8 x 4 = 256 cycles; m also runs one cycle per sync
  // instruction: per step wait_flag mte1->m and set_flag m->mte1, per tile wait_flag fix->m and
  // set_flag m->fix, per core 2 preset set_flags and 1 drain wait.
  const std::uint64_t tiles = std::uint64_t{m / 128} * (n / 128);
  std::uint64_t busy = 0, flops = 0;
  for (unsigned i = 0; i < cores; ++i) {
    busy += rig.stat(fmt::format("aic{}.m.busy", i));
    flops += rig.stat(fmt::format("aic{}.m.flops", i));
  }
  EXPECT_EQ(busy, tiles * (k / 128) * (256 + 2) + tiles * 2 + cores * 3);
  EXPECT_EQ(flops, 2ull * m * n * k);
}

TEST(KernelGemmInt8, OneCoreOneL1Block) { run_gemm_int8(128, 128, 512, 1, 1.0f / 4096); }
TEST(KernelGemmInt8, ThreeCoresNonSquare) { run_gemm_int8(256, 384, 1024, 3, 0.0123f); }
TEST(KernelGemmInt8, AllAicsWithIdleCoresAndAnOddBlock) { run_gemm_int8(256, 768, 1536, 24, -3.7e-4f); }
// Sums beyond about 3.4e3 overflow bf16 at this scale and saturate; smaller ones stay finite.
TEST(KernelGemmInt8, LargeScaleSaturates) { run_gemm_int8(128, 256, 512, 2, 1e35f); }

TEST(KernelGemmInt8, ReferenceRoundsToNearestEven) {
  // 257 x 1 needs 9 bits: halfway between 256 and 258, even 256; 259 rounds up to 260.
  EXPECT_EQ(dequant_bf16(257, 1.0f), 0x4380);  // 256
  EXPECT_EQ(dequant_bf16(259, 1.0f), 0x4382);  // 260
  EXPECT_EQ(dequant_bf16(-3, 0.5f), 0xbfc0);   // -1.5
  EXPECT_EQ(dequant_bf16(511, 1.0f), 0x4400);  // 512: the carry out of the significand
  EXPECT_EQ(dequant_bf16(0, -1.0f), 0x8000);   // -0
  EXPECT_EQ(dequant_bf16(-2, 0x1p127f), 0xff7f);  // -2^128 saturates to -max
}

// The fused kernel on `groups` AI cores (AIC g with AIVs 2g, 2g + 1), the AIV half from `aiv`.
struct Fused {
  unsigned m, n, k, groups;
  std::vector<std::uint16_t> a, b;
  std::vector<float> bias, out;
  Rig rig;
  RunResult result;

  Fused(unsigned m_, unsigned n_, unsigned k_, unsigned groups_, const obj::Object& aiv, bool numerics = true)
      : m(m_), n(n_), k(k_), groups(groups_), a(random_inputs(In::Bf16, std::size_t{m} * k, m + k)),
        b(random_inputs(In::Bf16, std::size_t{k} * n, n + 5 * k)), bias(n), out(std::size_t{m} * n) {
    rig.params.numerics = numerics;
    std::mt19937 rng(n);
    std::uniform_real_distribution<float> d(-20, 20);
    for (float& x : bias) x = d(rng);
    rig.gm.map(kA, a.size() * 2);
    rig.gm.map(kB, b.size() * 2);
    rig.gm.map(kBias, n * 4);
    rig.gm.map(kWs, std::size_t{groups} * 128 * 1024);
    rig.gm.map(kC, out.size() * 4);
    rig.gm.write(kA, {reinterpret_cast<const std::uint8_t*>(a.data()), a.size() * 2});
    rig.gm.write(kB, {reinterpret_cast<const std::uint8_t*>(b.data()), b.size() * 2});
    rig.gm.write(kBias, {reinterpret_cast<const std::uint8_t*>(bias.data()), n * 4});
    const obj::Object aic = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/gemm_epilogue_aic.o");
    const std::vector<std::uint64_t> args{kA, kB, kBias, kWs, kC, m, n, k};
    for (unsigned g = 0; g < groups; ++g) {
      rig.add(aic, {.type = isa::CoreType::Aic, .core_id = g, .block_id = g, .block_num = groups, .sub_block_num = 2},
              args);
      for (unsigned sub = 0; sub < 2; ++sub)
        rig.add(aiv, {.type = isa::CoreType::Aiv, .core_id = 2 * g + sub, .block_id = 2 * g + sub,
                      .block_num = 2 * groups, .sub_block_id = sub, .sub_block_num = 2},
                args);
    }
    result = rig.run();
    rig.gm.read(kC, {reinterpret_cast<std::uint8_t*>(out.data()), out.size() * 4});
  }

  // Outputs that differ from relu(A x B + bias), bit for bit.
  std::size_t mismatches() const {
    const auto c = reference_gemm(In::Bf16, a, b, m, n, k);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const float sum = c[i] + bias[i % n];
      const float ref = sum > 0 ? sum : 0.0f;
      bad += std::bit_cast<std::uint32_t>(out[i]) != std::bit_cast<std::uint32_t>(ref);
    }
    return bad;
  }
};

obj::Object epilogue_aiv() { return obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/gemm_epilogue_aiv.o"); }

void check_fused(unsigned m, unsigned n, unsigned k, unsigned groups) {
  Fused f(m, n, k, groups, epilogue_aiv());
  ASSERT_EQ(f.result.status, RunResult::Status::Finished) << f.result.report;
  EXPECT_EQ(f.mismatches(), 0u);
  // Every cross-core set was consumed by a wait (the AIC's two leftover XF_FREE included), the
  // AIVs did wait for tiles, and the epilogue ran over every output: a vadd (one of two, each over
  // half of the columns) and a vrelu, 2 flops per output.
  std::uint64_t flops = 0;
  for (const auto& c : f.rig.cores) {
    EXPECT_EQ(c->xflag_total(0), 0u) << c->name();
    EXPECT_EQ(c->xflag_total(1), 0u) << c->name();
    if (c->launch().type == isa::CoreType::Aiv) {
      EXPECT_GT(f.rig.stat(c->name() + ".s.stall_flag"), 0u) << c->name();
      flops += f.rig.stat(c->name() + ".v.flops");
    }
  }
  EXPECT_EQ(flops, 2ull * m * n);
}

TEST(KernelGemmEpilogue, FourGroupsNonSquareOddL1Blocks) { check_fused(512, 384, 768, 4); }
TEST(KernelGemmEpilogue, AllTwentyFourGroups) { check_fused(1024, 768, 256, 24); }

// Without the AIV's wait for XF_READY, the AIVs read the workspace before the AIC has written it:
// the result is wrong (deterministically: data moves when an instruction starts).
TEST(KernelGemmEpilogue, AivWaitForTheTileIsNeeded) {
  const std::string path = SNSIM_KERNEL_SRC_DIR "/gemm_epilogue_aiv.s";
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  const std::string wait = "    xwait   XF_READY\n";
  const std::size_t at = text.find(wait);
  ASSERT_NE(at, std::string::npos);
  text.erase(at, wait.size());
  as::Result r = as::assemble_text(text, path);
  ASSERT_TRUE(r.object) << r.format_errors();
  Fused f(256, 256, 256, 1, *r.object);
  ASSERT_EQ(f.result.status, RunResult::Status::Finished) << f.result.report;
  EXPECT_GT(f.mismatches(), 0u);
}

// A mixed launch without data (numerics off) keeps every cycle and statistic.
TEST(KernelGemmEpilogue, TimingOnlyGivesTheSameCyclesAndStatistics) {
  Fused full(256, 384, 512, 2, epilogue_aiv()), timing(256, 384, 512, 2, epilogue_aiv(), false);
  ASSERT_EQ(full.result.status, RunResult::Status::Finished) << full.result.report;
  ASSERT_EQ(timing.result.status, RunResult::Status::Finished) << timing.result.report;
  EXPECT_EQ(timing.result.cycles, full.result.cycles);
  EXPECT_EQ(timing.rig.stats.to_json().dump(), full.rig.stats.to_json().dump());
  EXPECT_EQ(timing.out, std::vector<float>(timing.out.size()));
}

// The AIV half launched without its AIC: the first xset names the missing partner.
TEST(KernelGemmEpilogue, AivHalfWithoutItsAicFaults) {
  Rig rig;
  const obj::Object aiv = epilogue_aiv();
  for (unsigned sub = 0; sub < 2; ++sub)
    rig.add(aiv, {.type = isa::CoreType::Aiv, .core_id = sub, .block_id = sub, .block_num = 2, .sub_block_id = sub,
                  .sub_block_num = 2},
            {kA, kB, kBias, kWs, kC, 128, 128, 256});
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Fault);
  EXPECT_NE(r.report.find("`xset group, v, 1`: xset: no core of AI core 0 to signal"), std::string::npos) << r.report;
}

}  // namespace
}  // namespace snsim::core::test
