// Timing-only mode (CoreParams::numerics = false): the same cycles and statistics as a run with
// data, for every kernel of firmware/kernels, while no data is computed and no buffer allocated.
#include <gtest/gtest.h>

#include <bit>

#include "rig.h"

namespace snsim::core::test {
namespace {

struct KernelCase {
  const char* name;
  isa::CoreType type;
  unsigned cores;
  std::vector<std::uint64_t> args;
  std::uint64_t out_bytes;
};

constexpr std::uint64_t kIn0 = 0x1000'0000, kIn1 = 0x2000'0000, kOut = 0x3000'0000;

struct Outcome {
  RunResult result;
  std::string stats;
  std::vector<std::uint8_t> out;
  bool any_buffer_allocated = false;
};

Outcome run(const KernelCase& k, bool numerics) {
  Rig rig;
  rig.params.numerics = numerics;
  rig.gm.map(kIn0, 1 << 20);
  rig.gm.map(kIn1, 1 << 20);
  rig.gm.map(kOut, 1 << 20);
  std::vector<std::uint8_t> data(1 << 20);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i % 2 ? 0x3f : i * 13);
  rig.gm.write(kIn0, data);
  rig.gm.write(kIn1, data);
  const obj::Object obj = obj::read_object_file(std::string(SNSIM_KERNEL_OBJ_DIR "/") + k.name + ".o");
  for (unsigned i = 0; i < k.cores; ++i)
    rig.add(obj, {.type = k.type, .core_id = i, .block_id = i, .block_num = k.cores}, k.args);
  Outcome o{rig.run(), rig.stats.to_json().dump(), std::vector<std::uint8_t>(k.out_bytes)};
  rig.gm.read(kOut, o.out);
  for (auto& c : rig.cores)
    for (isa::Buffer b : {isa::Buffer::L1, isa::Buffer::L0A, isa::Buffer::L0B, isa::Buffer::L0C, isa::Buffer::Ub})
      if (c->buffer(b) && c->buffer(b)->allocated()) o.any_buffer_allocated = true;
  return o;
}

TEST(CoreTimingOnly, SameCyclesAndStatisticsWithoutData) {
  const float inv_h = 1.0f / 256;
  const KernelCase cases[] = {
      {"vec_add", isa::CoreType::Aiv, 2, {kIn0, kIn1, kOut, 16384}, 16384 * 4},
      {"softmax_f32", isa::CoreType::Aiv, 2, {kIn0, kOut, 6, 256}, 6 * 256 * 4},
      {"rmsnorm_f32", isa::CoreType::Aiv, 3,
       {kIn0, kIn1, kOut, 5, 256, std::bit_cast<std::uint32_t>(inv_h), std::bit_cast<std::uint32_t>(1e-6f)}, 5 * 256 * 4},
      {"gemm_bf16", isa::CoreType::Aic, 2, {kIn0, kIn1, kOut, 256, 256, 512}, 256 * 256 * 4},
      {"vec_mul_f16", isa::CoreType::Aiv, 2, {kIn0, kIn1, kOut, 32768}, 32768 * 2},
      {"gemm_int8", isa::CoreType::Aic, 2, {kIn0, kIn1, kOut, 256, 128, 512, std::bit_cast<std::uint32_t>(0.01f)},
       256 * 128 * 2},
  };
  for (const KernelCase& k : cases) {
    SCOPED_TRACE(k.name);
    const Outcome full = run(k, true), timing = run(k, false);
    ASSERT_EQ(full.result.status, RunResult::Status::Finished) << full.result.report;
    ASSERT_EQ(timing.result.status, RunResult::Status::Finished) << timing.result.report;
    EXPECT_EQ(timing.result.cycles, full.result.cycles);
    EXPECT_EQ(timing.stats, full.stats);
    EXPECT_NE(full.out, std::vector<std::uint8_t>(k.out_bytes));  // the full run wrote results
    EXPECT_EQ(timing.out, std::vector<std::uint8_t>(k.out_bytes));
    EXPECT_TRUE(full.any_buffer_allocated);
    EXPECT_FALSE(timing.any_buffer_allocated);
  }
}

TEST(CoreTimingOnly, FaultsAreStillFound) {
  Rig rig;
  rig.params.numerics = false;
  rig.add(assemble("li x1, 16\nvec_cfg_dense x4, 1\nvadd.f32 x1, x0, x0, x4\nhalt\n"));
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Fault);
  EXPECT_NE(r.report.find("not 32-byte aligned"), std::string::npos);
}

}  // namespace
}  // namespace snsim::core::test
