// MTE2 / MTE3 addressing: bursts with gaps on both sides (dma_in to UB and L1, dma_out) and ND->NZ
// with several matrices and a padded last block, against the address loops of docs/isa.md §4.2
// written out here.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "rig.h"

namespace snsim::core::test {
namespace {

constexpr std::uint64_t kSrc = 0x1000'0000, kDst = 0x2000'0000;

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return v;
}

TEST(CoreDma, BurstsWithGapsInAndOut) {
  Rig rig;
  const auto src = pattern(4096);
  rig.gm.map(kSrc, 4096);
  rig.gm.map(kDst, 4096);
  rig.gm.write(kSrc, src);
  // 3 bursts of 2 blocks; GM source gap 1 block, UB gap 2 blocks; then out again with the UB gap
  // as source gap and a GM gap of 3 blocks.
  Core& c = rig.add(assemble(R"(
    li x1, 64
    li64 x2, 0x10000000
    li64 x5, 0x20000000
    copy_cfg x3, 3, 2, 1, 2
    copy_cfg x4, 3, 2, 2, 3
    dma_in ub, x1, x2, x3
    set_flag mte2, mte3, 0
    wait_flag mte2, mte3, 0
    dma_out x5, x1, x4
  )" "halt\n"));
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  const std::uint8_t* ub = c.buffer(isa::Buffer::Ub)->data(0);
  std::vector<std::uint8_t> out(4096);
  rig.gm.read(kDst, out);
  for (unsigned i = 0; i < 3; ++i)
    for (unsigned b = 0; b < 64; ++b) {
      ASSERT_EQ(ub[64 + i * (2 + 2) * 32 + b], src[i * (2 + 1) * 32 + b]) << i << "," << b;
      ASSERT_EQ(out[i * (2 + 3) * 32 + b], src[i * (2 + 1) * 32 + b]) << i << "," << b;
    }
  EXPECT_EQ(ub[64 + 64], 0);                  // the UB gap is not written
  EXPECT_EQ(out[64], 0);                      // nor the GM gap
  EXPECT_EQ(rig.stat("aiv0.mte2.bytes"), 192u);
  EXPECT_EQ(rig.stat("aiv0.mte3.bytes"), 192u);
}

TEST(CoreDma, DmaInToL1AndNd2NzWithPadding) {
  Rig rig;
  const auto src = pattern(8192);
  rig.gm.map(kSrc, 8192);
  rig.gm.write(kSrc, src);
  // f32, 2 matrices of 3 rows x 10 columns (40 B: one full and one 8-byte block), row pitch 12,
  // matrices 48 elements apart; NZ: column blocks 4 x 32 B apart, rows 1 x 32 B, matrices 256
  // elements (1 KiB) apart; destination at L1 2048. And a plain dma_in of 2 blocks to L1 0.
  Core& c = rig.add(assemble(R"(
    li x1, 2048
    li64 x2, 0x10000000
    nd2nz_cfg x3, 2, 3, 10, 48
    nd2nz_cfg2 x4, 12, 4, 1, 256
    nd2nz.f32 x1, x2, x3, x4
    copy_cfg x5, 1, 2, 0, 0
    dma_in l1, x0, x2, x5
  )" "halt\n", "aic"), {.type = isa::CoreType::Aic});
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  const std::uint8_t* l1 = c.buffer(isa::Buffer::L1)->data(0);
  EXPECT_EQ(std::memcmp(l1, src.data(), 64), 0);
  for (unsigned i = 0; i < 2; ++i)
    for (unsigned j = 0; j < 3; ++j)
      for (unsigned k = 0; k < 2; ++k) {
        const std::uint8_t* d = l1 + 2048 + i * 256 * 4 + j * 32 + k * 4 * 32;
        const std::size_t s = (i * 48 + j * 12) * 4 + 32 * k;
        const unsigned valid = k == 0 ? 32 : 8;
        for (unsigned b = 0; b < 32; ++b)
          ASSERT_EQ(d[b], b < valid ? src[s + b] : 0) << i << "," << j << "," << k << "," << b;
      }
  EXPECT_EQ(rig.stat("aic0.mte2.bytes"), 2u * 3 * 40 + 64);
}

}  // namespace
}  // namespace snsim::core::test
