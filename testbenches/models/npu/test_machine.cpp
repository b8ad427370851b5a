// The Machine: the ring all-reduce kernel (firmware/kernels/allreduce_ring.s) on the four dies of
// configs/mini4.yaml, over the die-to-die link and the network, its result checked against the sum
// computed here in plain C++; and at supernode scale (DECISIONS.md D11), configs/cm384.yaml
// elaborates (768 dies, each with its memory and network interface, on the two-tier Clos) with
// fewer than 5,000 SystemC processes. With the HBM stacks behind the L2 (gm.l2.backend: hbm) the
// all-reduce is still exact and every die has its stacks' statistics. A dma copy into a die wakes a
// core of that die blocked in gwait on the copied word. Workloads on a machine are tested end to end
// through `snsim run` (testbenches/system/test_snsim_machine.cpp).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <systemc>

#include "common/rng.h"
#include "config/machine_config.h"
#include "object/object.h"
#include "net/network_sim.h"
#include "npu/machine.h"
#include "rig.h"

using namespace sc_core;

namespace snsim::npu {
namespace {

unsigned count_processes(const std::vector<sc_object*>& objects) {
  unsigned n = 0;
  for (const sc_object* o : objects) {
    const std::string kind = o->kind();
    n += kind == "sc_method_process" || kind == "sc_thread_process" || kind == "sc_cthread_process";
    n += count_processes(o->get_child_objects());
  }
  return n;
}

TEST(Machine, Cm384ElaboratesWithFewerThan5000Processes) {
  sc_set_time_resolution(1, SC_FS);
  const MachineConfig cfg = load_machine_config(std::string(SNSIM_SOURCE_DIR) + "/configs/cm384.yaml");
  StatsRegistry stats;
  Machine m("machine", cfg, net::build_topology(cfg.net), stats);
  EXPECT_EQ(m.num_dies(), 768u);
  const unsigned processes = count_processes(sc_get_top_level_objects());
  EXPECT_GT(processes, 768u);  // at least one per die's memory: the count sees them
  EXPECT_LT(processes, 5000u);
}

std::uint64_t stat(const StatsRegistry& stats, const std::string& die, const char* name) {
  return stats.to_json()[die]["gm"][name]["value"].get<std::uint64_t>();
}

// Runs the ring all-reduce on the four dies of mini4.yaml, with `backend` behind every die's L2, and
// checks every die's result against the plain sum.
void ring_all_reduce(L2BackendKind backend, StatsRegistry& stats) {
  sc_set_time_resolution(1, SC_FS);
  MachineConfig cfg = load_machine_config(std::string(SNSIM_SOURCE_DIR) + "/configs/mini4.yaml");
  cfg.die.gm.l2.backend = backend;
  Machine m("machine", cfg, net::build_topology(cfg.net), stats);
  const std::uint32_t dies = m.num_dies();
  ASSERT_EQ(dies, 4u);
  constexpr std::uint64_t kChunk = 2048, kN = 4 * kChunk;  // f32 elements
  constexpr std::uint64_t kX = 0x1000'0000, kY = kX + 0x10'0000, kRecv = kY + 0x10'0000, kFlags = kRecv + 0x10'0000;
  // Each die's x: integers in [-1000, 1000] as f32, so every order of summation gives the same sum.
  std::vector<std::vector<float>> x(dies, std::vector<float>(kN));
  std::vector<double> sum(kN, 0);
  const obj::Object kernel = obj::read_object_file(std::string(SNSIM_KERNEL_OBJ_DIR) + "/allreduce_ring.o");
  for (std::uint32_t d = 0; d < dies; ++d) {
    Rng rng = Rng::derive(7, "allreduce.x" + std::to_string(d));
    for (std::uint64_t i = 0; i < kN; ++i) {
      x[d][i] = static_cast<float>(static_cast<std::int64_t>(rng.uniform(2001)) - 1000);
      sum[i] += x[d][i];
    }
    core::SimpleGm& store = m.store(d);
    store.map(kX, kN * 4);
    store.map(kY, kN * 4);
    store.map(kRecv, (dies - 1) * kChunk * 4);
    store.map(kFlags, 2 * (dies - 1) * 8);
    store.write(kX, std::span(reinterpret_cast<const std::uint8_t*>(x[d].data()), kN * 4));
    core::Core& c = m.add_core(d, "aiv0", core::LaunchInfo{.type = isa::CoreType::Aiv, .die_index = d, .num_dies = dies});
    const std::uint64_t args[] = {core::global_addr(d, kX), core::global_addr(d, kY), core::global_addr(d, kRecv),
                                  core::global_addr(d, kFlags), kN};
    c.load(kernel, args);
  }
  const core::RunResult r = m.run(50'000'000);
  ASSERT_EQ(r.status, core::RunResult::Status::Finished) << r.report;
  for (std::uint32_t d = 0; d < dies; ++d) {
    std::vector<float> y(kN);
    m.store(d).read(kY, std::span(reinterpret_cast<std::uint8_t*>(y.data()), kN * 4));
    for (std::uint64_t i = 0; i < kN; ++i) ASSERT_EQ(y[i], static_cast<float>(sum[i])) << "die " << d << " element " << i;
  }
}

TEST(Machine, RingAllReduceOnFourDiesMatchesThePlainSum) {
  StatsRegistry stats;
  ASSERT_NO_FATAL_FAILURE(ring_all_reduce(L2BackendKind::Rate, stats));
  // Dies 0 -> 1 and 2 -> 3 are NPU neighbours (link); 1 -> 2 and 3 -> 0 cross the network.
  EXPECT_GT(stat(stats, "die0", "link_accesses"), 0u);
  EXPECT_GT(stat(stats, "die1", "net_accesses"), 0u);
  EXPECT_GT(stat(stats, "die3", "net_accesses"), 0u);
  EXPECT_EQ(stat(stats, "die0", "net_accesses"), 0u);
}

TEST(Machine, BehindHbmStacksEveryDieHasStatisticsPerStack) {
  StatsRegistry stats;
  ASSERT_NO_FATAL_FAILURE(ring_all_reduce(L2BackendKind::Hbm, stats));
  const nlohmann::ordered_json j = stats.to_json();
  for (int d = 0; d < 4; ++d) {
    const auto& die = j.at("die" + std::to_string(d));
    std::uint64_t read = 0;
    for (int s = 0; s < 4; ++s) {
      const auto& st = die.at("hbm" + std::to_string(s));
      read += st.at("read_bytes").at("value").get<std::uint64_t>();
      EXPECT_GT(st.at("refreshes").at("value").get<double>(), 0) << d << " " << s;  // advanced to the run's end
      EXPECT_GT(st.at("bandwidth").at("value").get<double>(), 0) << d << " " << s;
      EXPECT_GT(st.at("energy").at("total").at("value").get<double>(), 0) << d << " " << s;
      EXPECT_TRUE(st.contains("row_hit_rate"));
    }
    EXPECT_EQ(read, die.at("l2").at("fill_bytes").at("value").get<std::uint64_t>()) << "die " << d;  // each fill once
    EXPECT_GT(read, 0u);
  }
}

// On die 0 of mini4, aiv0 copies a u64 of 7 from die 1 (its NPU neighbour) into die 0 with the DMA
// engine, and aiv1 waits for that word to reach 7 with gwait. The engine's write into its own die
// must poke aiv1 (and make the Machine step die 0 again): without the poke aiv1 stays blocked and
// the run ends in deadlock; without the copy's completion waking aiv0 it would not finish either.
TEST(Machine, ADmaCopyIntoItsOwnDieWakesAGwaitOnIt) {
  sc_set_time_resolution(1, SC_FS);
  const MachineConfig cfg = load_machine_config(std::string(SNSIM_SOURCE_DIR) + "/configs/mini4.yaml");
  StatsRegistry stats;
  Machine m("machine", cfg, net::build_topology(cfg.net), stats);
  constexpr std::uint64_t kSrc = 0x1000, kFlag = 0x2000, kSeven = 7;
  m.store(1).map(kSrc, 8);
  m.store(1).write(kSrc, std::span(reinterpret_cast<const std::uint8_t*>(&kSeven), 8));
  m.store(0).map(kFlag, 8);
  const std::uint64_t flag = core::global_addr(0, kFlag);
  const obj::Object copier = core::test::assemble(fmt::format(
      "li64 x1, {}\nli64 x2, {}\nli x3, 8\ndma x1, x2, x3\nhalt\n", flag, core::global_addr(1, kSrc)));
  const obj::Object waiter =
      core::test::assemble(fmt::format("li64 x1, {}\nli x2, 7\ngwait x2, x1, 0\nldg.u64 x3, x1, 0\nhalt\n", flag));
  m.add_core(0, "aiv0", core::LaunchInfo{.type = isa::CoreType::Aiv, .num_dies = 4}).load(copier, {});
  core::Core& w =
      m.add_core(0, "aiv1", core::LaunchInfo{.type = isa::CoreType::Aiv, .core_id = 1, .num_dies = 4});
  w.load(waiter, {});
  const core::RunResult r = m.run(10'000'000);
  ASSERT_EQ(r.status, core::RunResult::Status::Finished) << r.report;
  EXPECT_EQ(w.reg(3), 7u);
  EXPECT_EQ(stat(stats, "die0", "dma_copies"), 1u);
}

// Posted writes (dma_post) and notify: on mini4, aiv0 of die 0 posts 8 KiB to die 1 (its NPU
// neighbour, the link) and 8 KiB to die 2 (another NPU, the network: 16 UB commands that may
// complete in any order), goes on once mte3 has read them out of the UB, and notifies each die. A
// reader on each waits for its flag, then sums the first and last u64 of every 512 B burst: it
// sees every byte written (the posted writes were handed to the die before mte3 went on, and the
// notify is ordered behind them), and the writer finished only after its writes were
// acknowledged. What this does not show: that the ordering bit is needed here. A plain `stg` flag
// passes too (tried: here, and with 64 KiB on node8's seven links per die), since the NI injects
// its commands in acceptance order and nothing overtook; the bit itself is tested in
// test_die_gm.cpp (DieGm.NotifyCompletesAfterTheEarlierWriteToItsDie).
TEST(Machine, ANotifyAfterPostedWritesIsSeenOnlyWithTheirData) {
  sc_set_time_resolution(1, SC_FS);
  const MachineConfig cfg = load_machine_config(std::string(SNSIM_SOURCE_DIR) + "/configs/mini4.yaml");
  StatsRegistry stats;
  Machine m("machine", cfg, net::build_topology(cfg.net), stats);
  constexpr std::uint64_t kSrc = 0x10000, kDst = 0x20000, kFlag = 0x30000, kBytes = 8192;
  std::vector<std::uint64_t> words(kBytes / 8);
  std::uint64_t want = 0;
  for (unsigned i = 0; i < 16; ++i) {
    words[64 * i] = i + 1;
    words[64 * i + 63] = 100 + i;
    want += (i + 1) + (100 + i);
  }
  for (std::uint32_t d = 0; d < 3; ++d) {
    m.store(d).map(kSrc, kBytes);
    m.store(d).map(kDst, kBytes);
    m.store(d).map(kFlag, 8);
  }
  m.store(0).write(kSrc, std::span(reinterpret_cast<const std::uint8_t*>(words.data()), kBytes));
  const obj::Object writer = core::test::assemble(fmt::format(R"(
    li x1, 0
    li64 x2, {}
    copy_cfg x3, 16, 16, 0, 0
    dma_in ub, x1, x2, x3
    set_flag mte2, mte3, 0
    wait_flag mte2, mte3, 0
    li64 x5, {}
    dma_post x5, x1, x3
    li64 x6, {}
    dma_post x6, x1, x3
    set_flag mte3, s, 0
    wait_flag mte3, s, 0
    csrr x9, cycle
    li x7, 1
    li64 x8, {}
    notify x7, x8, 0
    li64 x8, {}
    notify x7, x8, 0
    halt
  )", kSrc, core::global_addr(1, kDst), core::global_addr(2, kDst), core::global_addr(1, kFlag),
      core::global_addr(2, kFlag)));
  auto reader = [&](std::uint32_t d) {  // its own die's addresses are global ones
    return core::test::assemble(fmt::format(R"(
    li64 x1, {}
    li x2, 1
    gwait x2, x1, 0
    li64 x3, {}
    li x4, 16
    li x10, 0
  next:
    ldg.u64 x5, x3, 0
    add x10, x10, x5
    ldg.u64 x5, x3, 504
    add x10, x10, x5
    addi x3, x3, 512
    loop x4, next
    halt
  )", core::global_addr(d, kFlag), core::global_addr(d, kDst)));
  };
  core::Core& w = m.add_core(0, "aiv0", core::LaunchInfo{.type = isa::CoreType::Aiv, .num_dies = 4});
  w.load(writer, {});
  core::Core* readers[2];
  for (std::uint32_t d = 1; d <= 2; ++d) {
    readers[d - 1] = &m.add_core(d, "aiv0", core::LaunchInfo{.type = isa::CoreType::Aiv, .die_index = d, .num_dies = 4});
    readers[d - 1]->load(reader(d), {});
  }
  const core::RunResult r = m.run(10'000'000);
  ASSERT_EQ(r.status, core::RunResult::Status::Finished) << r.report;
  for (const core::Core* c : readers) EXPECT_EQ(c->reg(10), want) << c->name();
  EXPECT_GT(stat(stats, "die0", "link_accesses"), 0u);
  EXPECT_GT(stat(stats, "die0", "net_accesses"), 0u);
  // mte3 went on long before the network's acknowledgements (mini4: a 512 B write takes over a
  // microsecond, HARDWARE.md §4); the writer finished only after them.
  const std::uint64_t cycles = stats.to_json().at("die0").at("aiv0").at("cycles").at("value").get<std::uint64_t>();
  EXPECT_GT(cycles, w.reg(9) + 1000) << "the writer's last acknowledgement came after its mte3 went on";
}

}  // namespace
}  // namespace snsim::npu

int sc_main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
