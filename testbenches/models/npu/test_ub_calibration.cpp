// The UB calibration (docs/machine.md "Calibration"): the microbenchmark kernel
// (firmware/kernels/ub_bench.s, as workloads/ub_bench_*.yaml run it) on configs/cm384-2node.yaml
// between die 0 and a die of another NPU of its node (die 2: one switch) and of the other node
// (die 16: L1, L2, L1), and its read / write bandwidth and 512 B latency within 10% of the figures
// of HARDWARE.md §4 [P CM Table 1]. Simulated cycles are deterministic, so the figures are exact
// functions of the parameters: a change of the network's, the NI's or the die's timing that moves
// one out of the band fails here. Only die 0 has cores (the other dies are memory and network).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include <systemc>

#include "config/machine_config.h"
#include "net/network_sim.h"
#include "npu/machine.h"
#include "object/object.h"

using namespace sc_core;

namespace snsim::npu {
namespace {

struct Figures {
  double write_gbps, read_gbps, write_us, read_us;
};

// Runs ub_bench from die 0 to die `dst` with the workloads' parameters: 16 AIV, 64 KiB copies,
// 4 each per bandwidth phase, 16 latency accesses.
Figures run_bench(std::uint32_t dst) {
  sc_set_time_resolution(1, SC_FS);
  const MachineConfig cfg = load_machine_config(std::string(SNSIM_SOURCE_DIR) + "/configs/cm384-2node.yaml");
  StatsRegistry stats;
  Machine m("machine", cfg, net::build_topology(cfg.net), stats);
  constexpr std::uint64_t kBuf = 0x1000'0000, kResult = 0x1001'0000, kBytes = 65536, kReps = 4, kLatReps = 16;
  constexpr unsigned kBlocks = 16;
  m.store(dst).map(kBuf, kBytes);
  m.store(0).map(kResult, 32);
  const obj::Object kernel = obj::read_object_file(std::string(SNSIM_KERNEL_OBJ_DIR) + "/ub_bench.o");
  for (unsigned b = 0; b < kBlocks; ++b) {
    core::Core& c = m.add_core(0, "aiv" + std::to_string(b),
                               core::LaunchInfo{.type = isa::CoreType::Aiv, .core_id = b, .block_id = b,
                                                .block_num = kBlocks, .die_index = 0, .num_dies = m.num_dies()});
    const std::uint64_t args[] = {core::global_addr(0, kBuf), core::global_addr(0, kResult), 0, dst, kBytes, kReps,
                                  kLatReps};
    c.load(kernel, args);
  }
  const core::RunResult r = m.run(10'000'000);
  EXPECT_EQ(r.status, core::RunResult::Status::Finished) << r.report;
  std::int32_t v[8];
  m.store(0).read(kResult, std::span(reinterpret_cast<std::uint8_t*>(v), sizeof v));
  EXPECT_EQ(v[0], static_cast<std::int32_t>(kBlocks * kReps * kBytes));
  EXPECT_EQ(v[5], static_cast<std::int32_t>(kLatReps));
  const double hz = cfg.die.die.clock_hz;
  return {v[0] / (v[1] / hz) / 1e9, v[2] / (v[3] / hz) / 1e9, v[6] / double(kLatReps) / hz * 1e6,
          v[7] / double(kLatReps) / hz * 1e6};
}

void expect_within_10_percent(const Figures& got, const Figures& target) {
  const char* what[] = {"write bandwidth (GB/s)", "read bandwidth (GB/s)", "512 B write latency (us)",
                        "512 B read latency (us)"};
  const double g[] = {got.write_gbps, got.read_gbps, got.write_us, got.read_us};
  const double t[] = {target.write_gbps, target.read_gbps, target.write_us, target.read_us};
  for (unsigned i = 0; i < 4; ++i)
    EXPECT_NEAR(g[i], t[i], 0.1 * t[i]) << what[i] << ": simulated " << g[i] << ", HARDWARE.md §4 " << t[i];
}

// HARDWARE.md §4 [P CM Table 1], intra-node: write 137 GB/s, read 167 GB/s, 512 B write 1.3 us,
// read 1.2 us.
TEST(UbCalibration, WithinANodeTheFiguresAreWithin10PercentOfTable1) {
  expect_within_10_percent(run_bench(2), {137, 167, 1.3, 1.2});
}

// Inter-node: write 135 GB/s, read 164 GB/s, 512 B write 2.1 us, read 1.9 us.
TEST(UbCalibration, BetweenNodesTheFiguresAreWithin10PercentOfTable1) {
  expect_within_10_percent(run_bench(16), {135, 164, 2.1, 1.9});
}

}  // namespace
}  // namespace snsim::npu

int sc_main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
