// The core's asynchronous GM (issue 6): remote MTE copies, scalar GM instructions on another die,
// amoadd / notify / gwait / dma, waking and poking, and every fault of the remote paths, on the
// fake machine memory of remote_rig.h. Results are checked against plain C++ copies of the
// documented semantics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <tuple>

#include "remote_rig.h"

namespace snsim::core::test {
namespace {

using ::testing::HasSubstr;

template <class T>
T far_get(const FakeMachineGm& m, std::uint64_t addr) {
  T v;
  std::memcpy(&v, m.far.data() + (addr - kFar), sizeof v);
  return v;
}
template <class T>
void far_put(FakeMachineGm& m, std::uint64_t addr, T v) {
  std::memcpy(m.far.data() + (addr - kFar), &v, sizeof v);
}

// dma_in from die 1 with gaps, then dma_out of the same UB bytes to die 1 and to die 0: the bytes
// land as a plain strided copy says; the reads complete out of order (scripted latencies), the
// pipe is held until the last one, and set_flag / wait_flag order the store after it.
TEST(CoreRemote, CopiesMatchReferenceAndHoldThePipeUntilTheLastCompletion) {
  RemoteRig rig;
  std::mt19937 rng(7);
  for (auto& b : rig.fake.far) b = static_cast<std::uint8_t>(rng());
  rig.fake.script = {300, 50, 200, 10};  // the four read bursts of dma_in
  rig.add_core(fmt::format(R"(
    li x1, 0
    li64 x2, {}
    copy_cfg x3, 4, 2, 1, 3      # 4 bursts of 64 B; GM gap 32 B, UB gap 96 B
    dma_in ub, x1, x2, x3
    set_flag mte2, mte3, 0
    wait_flag mte2, mte3, 0
    li64 x4, {}
    copy_cfg x5, 4, 2, 3, 0      # the UB bursts back to back in GM
    dma_out x4, x1, x5
    li64 x6, {}
    dma_out x6, x1, x5
    halt
  )", kFar + 0x100, kFar + 0x8000, kLocal));
  const RunResult r = rig.drive();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;

  // Plain reference: burst i of 64 B from far + 0x100 + 96 i, packed.
  std::vector<std::uint8_t> want(256);
  for (unsigned i = 0; i < 4; ++i)
    std::memcpy(want.data() + 64 * i, rig.fake.far.data() + 0x100 + 96 * i, 64);
  EXPECT_TRUE(std::equal(want.begin(), want.end(), rig.fake.far.begin() + 0x8000));
  std::vector<std::uint8_t> local(256);
  rig.gm.read(kLocal, local);
  EXPECT_EQ(local, want);
  // The UB holds the bursts 160 B apart (64 B + a 96 B gap).
  const std::uint8_t* ub = rig.cores[0]->buffer(isa::Buffer::Ub)->data(0);
  for (unsigned i = 0; i < 4; ++i) EXPECT_EQ(std::memcmp(ub + 160 * i, want.data() + 64 * i, 64), 0) << i;

  // Four reads, then four writes whose data was in the access when it started.
  ASSERT_EQ(rig.fake.started.size(), 8u);
  for (unsigned i = 0; i < 4; ++i) {
    const auto& rd = rig.fake.started[i];
    EXPECT_EQ(rd.kind, AsyncKind::read);
    EXPECT_EQ(rd.addr, kFar + 0x100 + 96 * i);
    EXPECT_EQ(rd.len, 64u);
    const auto& wr = rig.fake.started[4 + i];
    EXPECT_EQ(wr.kind, AsyncKind::write);
    EXPECT_EQ(wr.addr, kFar + 0x8000 + 64 * i);
    EXPECT_EQ(wr.data, std::vector<std::uint8_t>(want.begin() + 64 * i, want.begin() + 64 * (i + 1)));
  }
  // dma_in occupies mte2 until its slowest burst (300 cycles), not its port time (8 cycles).
  const InstrEvent& in = rig.event("dma_in");
  EXPECT_EQ(rig.fake.started[0].at, in.start);
  EXPECT_EQ(in.cycles, 300u);
  EXPECT_EQ(rig.event("set_flag").start, in.start + 300);
  EXPECT_GT(rig.event("dma_out").start, in.start + 300);
  EXPECT_EQ(rig.stat("aiv0.mte2.stall_memory"), 300u - 8u);
  EXPECT_EQ(rig.stat("aiv0.mte2.bytes"), 256u);
  // Each released pipe woke the driver at its completion cycle (dma_in, the remote dma_out).
  ASSERT_GE(rig.driver.wakes.size(), 2u);
  EXPECT_EQ(rig.driver.wakes[0], in.start + 300);
  // The run ends after the remote writes completed, not when the core halted.
  const InstrEvent& out = rig.event("dma_out");
  EXPECT_GE(r.cycles, out.start + 100);
}

// Timing only (numerics = false): the same accesses, cycles and statistics, no buffer allocated.
TEST(CoreRemote, TimingOnlyGivesTheSameCyclesAndAccesses) {
  auto run = [](bool numerics) {
    RemoteRig rig;
    rig.params.numerics = numerics;
    rig.fake.script = {90, 30, 250};
    rig.add_core(fmt::format(R"(
      li x1, 0
      li64 x2, {}
      copy_cfg x3, 3, 4, 0, 0
      dma_in ub, x1, x2, x3
      set_flag mte2, mte3, 0
      wait_flag mte2, mte3, 0
      dma_out x2, x1, x3
      halt
    )", kFar));
    const RunResult r = rig.drive();
    EXPECT_EQ(r.status, RunResult::Status::Finished) << r.report;
    EXPECT_EQ(rig.cores[0]->buffer(isa::Buffer::Ub)->allocated(), numerics);
    std::vector<Cycle> starts;
    for (const auto& a : rig.fake.started) starts.push_back(a.at);
    return std::tuple(r.cycles, starts, rig.stat("aiv0.mte2.stall_memory"), rig.stat("aiv0.mte3.busy"));
  };
  EXPECT_EQ(run(true), run(false));
}

// nd2nz from die 1: rows of 20 f16 (40 B) into 32 B L1 blocks, the second of each row zero-padded.
TEST(CoreRemote, Nd2nzFromAnotherDiePlacesFractalsAsTheReference) {
  RemoteRig rig(40);
  for (std::size_t i = 0; i < rig.fake.far.size(); ++i) rig.fake.far[i] = static_cast<std::uint8_t>(i * 7 + 3);
  Core& c = rig.add_core(fmt::format(R"(
    li x1, 0
    li64 x2, {}
    nd2nz_cfg x3, 2, 3, 20, 64    # 2 matrices of 3 rows x 20 columns, 64 elements apart
    nd2nz_cfg2 x4, 24, 3, 1, 256  # rows 24 elements apart; blocks 96 B apart, rows 32 B; matrices 512 B
    nd2nz.f16 x1, x2, x3, x4
    halt
  )", kFar + 64), "aic");
  std::memset(c.buffer(isa::Buffer::L1)->data(0), 0xee, 2048);
  const RunResult r = rig.drive();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  std::vector<std::uint8_t> want(2048, 0xee);
  for (unsigned i = 0; i < 2; ++i)
    for (unsigned j = 0; j < 3; ++j)
      for (unsigned k = 0; k < 2; ++k) {
        const std::uint64_t dst = i * 256 * 2 + j * 32 + k * 96;
        std::memset(want.data() + dst, 0, 32);
        const std::uint64_t src = 64 + (i * 64 + j * 24) * 2 + 32 * k;
        std::memcpy(want.data() + dst, rig.fake.far.data() + src, k == 0 ? 32 : 8);
      }
  EXPECT_EQ(std::memcmp(c.buffer(isa::Buffer::L1)->data(0), want.data(), want.size()), 0);
  EXPECT_EQ(rig.fake.started.size(), 6u);  // one read per row
}

// ldg / stg / amoadd / notify on die 1: values as a plain model of the memory says, each blocking
// the scalar unit until its completion.
TEST(CoreRemote, ScalarGmInstructionsOnAnotherDie) {
  RemoteRig rig(50);
  far_put<std::int32_t>(rig.fake, kFar + 0, -5);
  far_put<std::uint64_t>(rig.fake, kFar + 16, 100);
  Core& c = rig.add_core(fmt::format(R"(
    li64 x1, {}
    ldg.s32 x2, x1, 0
    stg.u16 x2, x1, 8
    li x3, 7
    amoadd x4, x3, x1, 16
    notify x3, x1, 24
    csrr x5, cycle
    halt
  )", kFar));
  const RunResult r = rig.drive();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  EXPECT_EQ(c.reg(2), static_cast<std::uint64_t>(-5));  // sign-extended
  EXPECT_EQ(far_get<std::uint16_t>(rig.fake, kFar + 8), 0xfffb);
  EXPECT_EQ(c.reg(4), 100u);  // the old value
  EXPECT_EQ(far_get<std::uint64_t>(rig.fake, kFar + 16), 107u);
  EXPECT_EQ(far_get<std::uint64_t>(rig.fake, kFar + 24), 7u);
  ASSERT_EQ(rig.fake.started.size(), 4u);
  const AsyncKind kinds[] = {AsyncKind::read, AsyncKind::write, AsyncKind::atomic_add, AsyncKind::notify};
  const std::uint64_t lens[] = {4, 2, 8, 8};
  for (unsigned i = 0; i < 4; ++i) {
    EXPECT_EQ(rig.fake.started[i].kind, kinds[i]);
    EXPECT_EQ(rig.fake.started[i].len, lens[i]);
    if (i > 0) {
      EXPECT_GE(rig.fake.started[i].at, rig.fake.started[i - 1].at + 50);  // one at a time
    }
  }
  EXPECT_GE(c.reg(5), rig.fake.started[3].at + 50);
  EXPECT_EQ(rig.event("ldg").cycles, 50u);
  EXPECT_EQ(rig.stat("aiv0.s.stall_memory"), 4 * (50u - 1));
}

// Two cores add to one far counter: the old values are the counter before each add, in some order.
TEST(CoreRemote, AmoaddFromTwoCoresReturnsEachOldValue) {
  RemoteRig rig(30);
  far_put<std::uint64_t>(rig.fake, kFar + 64, 1000);
  const std::string body = fmt::format("li64 x1, {}\nli x3, {{}}\namoadd x4, x3, x1, 64\nhalt\n", kFar);
  Core& a = rig.add_core(fmt::format(fmt::runtime(body), 3), "aiv", {.core_id = 0});
  Core& b = rig.add_core(fmt::format(fmt::runtime(body), 5), "aiv", {.core_id = 1});
  const RunResult r = rig.drive();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  EXPECT_EQ(far_get<std::uint64_t>(rig.fake, kFar + 64), 1008u);
  const bool a_first = a.reg(4) == 1000;
  EXPECT_EQ(a.reg(4), a_first ? 1000u : 1005u);
  EXPECT_EQ(b.reg(4), a_first ? 1003u : 1000u);
}

// On this die's memory the same instructions act at once (SimpleGm, run_cores).
TEST(CoreRemote, AmoaddAndNotifyOnLocalMemory) {
  Rig rig;
  rig.gm.map(kLocal, 4096);
  std::uint64_t v = 40;
  rig.gm.write(kLocal, {reinterpret_cast<const std::uint8_t*>(&v), 8});
  Core& c = rig.add(assemble(fmt::format(R"(
    li64 x1, {}
    li x3, 2
    amoadd x4, x3, x1, 0
    amoadd x5, x3, x1, 0
    notify x3, x1, 8
    halt
  )", kLocal)));
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  EXPECT_EQ(c.reg(4), 40u);
  EXPECT_EQ(c.reg(5), 42u);
  std::uint64_t got[2];
  rig.gm.read(kLocal, {reinterpret_cast<std::uint8_t*>(got), 16});
  EXPECT_EQ(got[0], 44u);
  EXPECT_EQ(got[1], 2u);
}

// dma copies die 1 -> die 0 and die 0 -> die 1 through the DMA engine; mte2 is held until each is
// done, so the set_flag to s after it waits for the copy.
TEST(CoreRemote, DmaCopiesThroughTheDieEngine) {
  RemoteRig rig(120);
  for (std::size_t i = 0; i < 100; ++i) rig.fake.far[i] = static_cast<std::uint8_t>(i + 1);
  Core& c = rig.add_core(fmt::format(R"(
    li64 x1, {}
    li64 x2, {}
    li x3, 100
    dma x1, x2, x3
    li64 x4, {}
    dma x4, x1, x3
    set_flag mte2, s, 0
    wait_flag mte2, s, 0
    ldg.u8 x5, x1, 99
    halt
  )", kLocal, kFar, kFar + 0x1000));
  const RunResult r = rig.drive();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  std::vector<std::uint8_t> local(100);
  rig.gm.read(kLocal, local);
  for (std::size_t i = 0; i < 100; ++i) ASSERT_EQ(local[i], i + 1) << i;
  EXPECT_TRUE(std::equal(local.begin(), local.end(), rig.fake.far.begin() + 0x1000));
  EXPECT_EQ(c.reg(5), 100u);
  ASSERT_EQ(rig.fake.started.size(), 2u);
  EXPECT_EQ(rig.fake.started[0].kind, AsyncKind::copy);
  EXPECT_EQ(rig.fake.started[0].src, kFar);
  EXPECT_EQ(rig.fake.started[0].addr, kLocal);
  // The second dma starts when the first released mte2; set_flag when the second completed.
  EXPECT_EQ(rig.fake.started[1].at, rig.fake.started[0].at + 120);
  EXPECT_EQ(rig.event("set_flag").start, rig.fake.started[1].at + 120);
}

// A halted core whose writes are still in flight has not finished.
TEST(CoreRemote, ACoreWithAccessesInFlightIsNotFinished) {
  RemoteRig rig(200);
  Core& c = rig.add_core(fmt::format("li x1, 0\nli64 x2, {}\ncopy_cfg x3, 3, 1, 0, 0\ndma_out x2, x1, x3\nhalt\n", kFar));
  unsigned most = 0;
  bool seen_halted_in_flight = false;
  rig.driver.hook = [&](Cycle now) {
    most = std::max(most, c.async_in_flight());
    if (c.async_in_flight() > 0 && c.pc() == 7 * isa::kInstrBytes) {  // past halt
      seen_halted_in_flight = true;
      EXPECT_FALSE(c.finished(now));
    }
    return false;
  };
  const RunResult r = rig.drive();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  EXPECT_EQ(most, 3u);
  EXPECT_TRUE(seen_halted_in_flight);
  EXPECT_EQ(c.async_in_flight(), 0u);
  EXPECT_GE(r.cycles, rig.fake.started[0].at + 200);
}

TEST(CoreRemote, CsrrReadsDieAndDies) {
  RemoteRig rig;
  Core& c = rig.add_core("csrr x1, die\ncsrr x2, dies\nhalt\n", "aiv", {.die_index = 5, .num_dies = 16});
  ASSERT_EQ(rig.drive().status, RunResult::Status::Finished);
  EXPECT_EQ(c.reg(1), 5u);
  EXPECT_EQ(c.reg(2), 16u);
}

// gwait: a store into the watched word wakes it only with a poke; without one the core stays
// blocked (no polling) and the deadlock report names the address and the value awaited.
std::string gwait_kernel() {
  return fmt::format("li64 x1, {}\nli x2, 5\ngwait x2, x1, 8\ncsrr x3, cycle\nhalt\n", kLocal);
}

TEST(CoreGwait, WokenByPokeAfterAStore) {
  RemoteRig rig;
  Core& c = rig.add_core(gwait_kernel());
  rig.driver.poke_on_progress = false;
  rig.driver.alarms = {60, 100};
  bool waited = false;
  rig.driver.hook = [&](Cycle now) {
    if (now == 60) waited = c.waiting_on_memory();
    if (now != 100) return false;
    const std::uint64_t v = 5;
    rig.gm.write(kLocal + 8, {reinterpret_cast<const std::uint8_t*>(&v), 8});
    c.poke(now + 1);
    return false;  // only the poke brings the core back
  };
  const RunResult r = rig.drive();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  EXPECT_TRUE(waited);
  EXPECT_FALSE(c.waiting_on_memory());
  // Re-read at 101, then the read's latency (SimpleGm: 200 cycles + 1 for 8 B at 32 B/cycle).
  EXPECT_EQ(c.reg(3), 101u + 1 + 200 + 1);
  EXPECT_EQ(rig.event("gwait").start, 101u);
  EXPECT_EQ(rig.event("gwait").stalled, 101u - 3);
  EXPECT_EQ(rig.stat("aiv0.s.stall_flag"), 101u - 3);
}

TEST(CoreGwait, StoreWithoutPokeLeavesItBlockedAndTheReportSaysWhy) {
  RemoteRig rig;
  Core& c = rig.add_core(gwait_kernel());
  rig.driver.poke_on_progress = false;
  rig.driver.alarms = {10};
  rig.driver.hook = [&](Cycle now) {
    if (now == 10) {
      const std::uint64_t v = 4;
      rig.gm.write(kLocal + 8, {reinterpret_cast<const std::uint8_t*>(&v), 8});
      return true;
    }
    return false;
  };
  const RunResult r = rig.drive();
  ASSERT_EQ(r.status, RunResult::Status::Deadlock) << r.report;
  EXPECT_TRUE(c.waiting_on_memory());
  EXPECT_THAT(r.report, HasSubstr(fmt::format("aiv0 s: pc 0x18 `gwait x2, x1, 8` waits for GM[0x{:x}] (u64) >= 5, it holds 4",
                                              kLocal + 8)));
}

// Under run_cores a gwait is satisfied by another core's stg: run_cores pokes it the next cycle.
TEST(CoreGwait, AnotherCoresStoreUnderRunCores) {
  Rig rig;
  rig.gm.map(kLocal, 4096);
  Core& waiter = rig.add(assemble(gwait_kernel()), {.core_id = 0});
  Core& setter = rig.add(assemble(fmt::format(R"(
    li x4, 40
  spin:
    loop x4, spin
    li64 x1, {}
    li x2, 9
    csrr x3, cycle
    stg.u64 x2, x1, 8
    halt
  )", kLocal)), {.core_id = 1});
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  // The store executes at cycle x3 + 1; the waiter re-reads the cycle after and then pays the read.
  EXPECT_EQ(waiter.reg(3), setter.reg(3) + 2 + 1 + 200 + 1);
}

TEST(CoreGwait, DeadlockUnderRunCoresNamesTheWait) {
  Rig rig;
  rig.gm.map(kLocal, 4096);
  rig.add(assemble(gwait_kernel()));
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Deadlock) << r.report;
  EXPECT_THAT(r.report, HasSubstr(fmt::format("`gwait x2, x1, 8` waits for GM[0x{:x}] (u64) >= 5, it holds 0", kLocal + 8)));
}

// Faults of the remote paths.
RunResult run_remote_fault(const std::string& body, const std::string& type = "aiv", Cycle latency = 100,
                           std::string fail = {}) {
  RemoteRig rig(latency);
  rig.fake.fail = std::move(fail);
  rig.add_core(body, type);
  return rig.drive();
}

TEST(CoreRemoteFaults, RangeSpanningTwoDiesOrNone) {
  // One burst from the last 32 B of die 0 into die 1.
  RunResult r = run_remote_fault(
      fmt::format("li x1, 0\nli64 x2, {}\ncopy_cfg x3, 1, 2, 0, 0\ndma_in ub, x1, x2, x3\nhalt\n", kFar - 32));
  ASSERT_EQ(r.status, RunResult::Status::Fault) << r.report;
  EXPECT_THAT(r.report, HasSubstr(fmt::format("src GM access 0x{:x}+64 is outside mapped memory (partly in another die's", kFar - 32)));
  // Past the end of die 1's memory.
  r = run_remote_fault(
      fmt::format("li x1, 0\nli64 x2, {}\ncopy_cfg x3, 1, 2, 0, 0\ndma_in ub, x1, x2, x3\nhalt\n", kFar + kFarBytes - 32));
  EXPECT_THAT(r.report, HasSubstr(fmt::format("src GM access 0x{:x}+64 is outside mapped memory (partly", kFar + kFarBytes - 32)));
  // Two bursts, one on each die.
  r = run_remote_fault(
      fmt::format("li x1, 0\nli64 x2, {}\ncopy_cfg x3, 2, 1, 0, 0\ndma_out x2, x1, x3\nhalt\n", kFar - 32));
  ASSERT_EQ(r.status, RunResult::Status::Fault) << r.report;
  EXPECT_THAT(r.report, HasSubstr("`dma_out x2, x1, x3`: dst GM bursts"));
  EXPECT_THAT(r.report, HasSubstr("lie one in this die's memory, one in another's"));
  // A scalar access and a dma range in no die's memory.
  r = run_remote_fault("li64 x1, 0x500000000000\nldg.u32 x2, x1, 0\nhalt\n");
  EXPECT_THAT(r.report, HasSubstr("`ldg.u32 x2, x1, 0`: scalar GM access 0x500000000000+4 is outside mapped memory"));
  r = run_remote_fault(fmt::format("li64 x1, {}\nli64 x2, {}\nli x3, 64\ndma x1, x2, x3\nhalt\n", kLocal, kFar + kFarBytes));
  EXPECT_THAT(r.report, HasSubstr(fmt::format("src GM access 0x{:x}+64 is outside mapped memory", kFar + kFarBytes)));
}

TEST(CoreRemoteFaults, FixpipeAndGwaitReachOnlyThisDie) {
  RunResult r = run_remote_fault(fmt::format(R"(
    li64 x1, {}
    li x2, 0
    fixp_cfg x3, 16, 16, 16, 16
    fixp.f32.f32 gm, x1, x2, x3, x0, norelu, nd
    halt
  )", kFar), "aic");
  ASSERT_EQ(r.status, RunResult::Status::Fault) << r.report;
  EXPECT_THAT(r.report, HasSubstr(fmt::format("dst GM access 0x{:x}+64 is in another die's memory: remote GM is "
                                              "reached by the MTE copies, scalar GM instructions and dma only", kFar)));
  r = run_remote_fault(fmt::format("li64 x1, {}\nli x2, 1\ngwait x2, x1, 0\nhalt\n", kFar));
  ASSERT_EQ(r.status, RunResult::Status::Fault) << r.report;
  EXPECT_THAT(r.report, HasSubstr(fmt::format("`gwait x2, x1, 0`: gwait waits on this die's memory only; GM 0x{:x} is in another die's", kFar)));
  r = run_remote_fault(fmt::format("li64 x1, {}\nli x2, 1\namoadd x3, x2, x1, 4\nhalt\n", kFar));
  EXPECT_THAT(r.report, HasSubstr(fmt::format("`amoadd x3, x2, x1, 4`: address 0x{:x} is not 8-byte aligned", kFar + 4)));
}

TEST(CoreRemoteFaults, AnErrorFromTheMemoryFaultsTheInstruction) {
  RunResult r = run_remote_fault(
      fmt::format("li x1, 0\nli64 x2, {}\ncopy_cfg x3, 2, 1, 0, 0\ndma_in ub, x1, x2, x3\nhalt\n", kFar), "aiv", 100,
      "die 1 unreachable");
  ASSERT_EQ(r.status, RunResult::Status::Fault) << r.report;
  EXPECT_THAT(r.report, HasSubstr("aiv0 pc 0x28 `dma_in ub, x1, x2, x3`: die 1 unreachable"));
  r = run_remote_fault(fmt::format("li64 x1, {}\nldg.u64 x2, x1, 0\nhalt\n", kFar), "aiv", 100, "link down");
  ASSERT_EQ(r.status, RunResult::Status::Fault) << r.report;
  EXPECT_THAT(r.report, HasSubstr("aiv0 pc 0x10 `ldg.u64 x2, x1, 0`: link down"));
  EXPECT_EQ(r.cycles, 0x10 / 8 + 100u);  // at the completion
}

// A one-die memory has no DMA engine and no other dies: start_async throws, the core faults.
TEST(CoreRemoteFaults, DmaOnAOneDieMemory) {
  Rig rig;
  rig.gm.map(kLocal, 4096);
  rig.add(assemble(fmt::format("li64 x1, {}\nli x2, 64\ndma x1, x1, x2\nhalt\n", kLocal + 1024)));
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Fault) << r.report;
  EXPECT_THAT(r.report, HasSubstr("`dma x1, x1, x2`: this global memory has no other dies and no DMA engine"));
}

// run_cores cannot complete accesses of an asynchronous memory: its deadlock report lists them.
TEST(CoreRemoteFaults, DeadlockReportListsAccessesInFlight) {
  RemoteRig rig;
  rig.add_core(fmt::format("li x1, 0\nli64 x2, {}\ncopy_cfg x3, 3, 1, 0, 0\ndma_in ub, x1, x2, x3\nhalt\n", kFar));
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Deadlock) << r.report;
  EXPECT_THAT(r.report, HasSubstr("aiv0 mte2: pc 0x28 `dma_in ub, x1, x2, x3` waits for 3 GM accesses in flight (since cycle 6)"));
}

}  // namespace
}  // namespace snsim::core::test
