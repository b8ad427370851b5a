// The AIC path: gemm_bf16.s from its object file on one and two AICs against a plain C++ GEMM in
// the documented order (DECISIONS.md D18), and FixPipe / mmad cases the kernel does not use.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "core/cube_kernels.h"
#include "core/fp.h"
#include "gemm_launch.h"

namespace snsim::core::test {
namespace {

// Runs the GEMM kernel for (in, out) on `cores` AICs, on a SimpleGm or behind the L2 model, and
// compares every output bit for bit with the reference.
void run_gemm(In in, Out out, unsigned m, unsigned n, unsigned k, unsigned cores, bool l2 = false) {
  Rig rig;
  if (l2) rig.use_l2();
  const GemmLaunch gemm(in, out, m, n, k, cores);
  gemm.setup(rig);
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  gemm.check(rig);
  if (::testing::Test::HasFatalFailure()) return;
  // Each k-step of 64 is two 128 x 128 x 64 mmads, 8 x 8 x 4 = 256 cycles each; a tile has
  // k / 64 steps.
  const std::uint64_t tiles = std::uint64_t{m / 128} * (n / 256);
  std::uint64_t busy = 0, flops = 0;
  for (unsigned i = 0; i < cores; ++i) {
    busy += rig.stat(fmt::format("aic{}.m.busy", i));
    flops += rig.stat(fmt::format("aic{}.m.flops", i));
  }
  // One cycle per sync instruction on m: per step wait_flag mte1->m and set_flag m->mte1; per
  // tile wait_flag fix->m and set_flag m->fix for each L0C half; per core 2 preset set_flags
  // (m->mte1) and 2 drain waits (fix->m).
  EXPECT_EQ(busy, tiles * (k / 64) * (2 * 256 + 2) + tiles * 4 + cores * 4);
  EXPECT_EQ(flops, 2ull * m * n * k);
  if (l2) {
    EXPECT_GT(rig.stat("l2.hits"), 0u);
  }
}

// Two tiles along N on one core, then four tiles (two rows, two columns) on three cores, so that
// one core takes two tiles of different rows and columns.
TEST(CoreCube, GemmBf16OneCoreTwoTiles) { run_gemm(In::Bf16, Out::F32, 128, 512, 1024, 1); }
TEST(CoreCube, GemmBf16ThreeCoresFourTiles) { run_gemm(In::Bf16, Out::F32, 256, 512, 512, 3); }
TEST(CoreCube, GemmBf16BehindTheL2IsBitIdentical) { run_gemm(In::Bf16, Out::F32, 256, 512, 512, 3, true); }
TEST(CoreCube, GemmF16) { run_gemm(In::F16, Out::F32, 256, 512, 512, 3); }
TEST(CoreCube, GemmBf16OutBf16) { run_gemm(In::Bf16, Out::Bf16, 256, 512, 512, 3); }
TEST(CoreCube, GemmF16OutBf16) { run_gemm(In::F16, Out::Bf16, 128, 256, 1024, 2); }

}  // namespace
}  // namespace snsim::core::test
