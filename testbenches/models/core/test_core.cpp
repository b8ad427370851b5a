// The core model: vec_add.s from its object file against a plain C++ reference, cycle counts that
// follow from the documented costs, flag ordering, the scalar unit, and every run-time fault.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>

#include <unistd.h>

#include "rig.h"

namespace snsim::core::test {
namespace {

using ::testing::HasSubstr;

constexpr std::uint64_t kX = 0x1000'0000, kY = 0x2000'0000, kZ = 0x3000'0000;

TEST(CoreKernel, VecAddFromObjectMatchesReference) {
  constexpr unsigned kCores = 2, kN = kCores * 2 * 4096;  // two tiles per core: both buffers
  Rig rig;
  for (std::uint64_t base : {kX, kY, kZ}) rig.gm.map(base, kN * 4);
  std::vector<float> x(kN), y(kN);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-100, 100);
  for (unsigned i = 0; i < kN; ++i) x[i] = dist(rng), y[i] = dist(rng);
  rig.gm.write(kX, {reinterpret_cast<const std::uint8_t*>(x.data()), kN * 4});
  rig.gm.write(kY, {reinterpret_cast<const std::uint8_t*>(y.data()), kN * 4});
  const obj::Object kernel = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/vec_add.o");
  for (unsigned b = 0; b < kCores; ++b)
    rig.add(kernel, {.type = isa::CoreType::Aiv, .core_id = b, .block_id = b, .block_num = kCores},
            {kX, kY, kZ, kN});
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  std::vector<float> z(kN);
  rig.gm.read(kZ, {reinterpret_cast<std::uint8_t*>(z.data()), kN * 4});
  for (unsigned i = 0; i < kN; ++i) ASSERT_EQ(z[i], x[i] + y[i]) << i;
  // Two vadd.f32 of 64 repeats per core occupy the vector pipe ceil(2.07 * 64) = 133 cycles each;
  // 12 set_flag / wait_flag on v take one cycle each (2 before the loop, 4 per tile, 2 after).
  EXPECT_EQ(rig.stat("aiv0.v.busy"), 2 * 133u + 12);
  EXPECT_EQ(rig.stat("aiv1.v.flops"), kN / kCores);
  EXPECT_EQ(rig.stat("aiv0.mte2.bytes"), 2 * (kN / kCores) * 4u);
  EXPECT_EQ(rig.stat("aiv0.mte3.bytes"), (kN / kCores) * 4u);
  // 4 dma_in, per tile a wait_flag and a set_flag, 2 wait_flag after the loop.
  EXPECT_EQ(rig.stat("aiv0.mte2.instructions"), 4u + 4u + 2u);
  EXPECT_GT(rig.stat("aiv0.v.stall_flag"), 0u);            // the adds waited for their data
  // Each core's cycles: when it finished; the later one ends the run.
  const std::uint64_t c0 = rig.stat("aiv0.cycles"), c1 = rig.stat("aiv1.cycles");
  EXPECT_GT(c0, 0u);
  EXPECT_GT(c1, 0u);
  EXPECT_EQ(std::max(c0, c1), r.cycles);
}

// A kernel with a single vector instruction at instruction index 5 (li, li, li, li64 = 2) issued at
// cycle 5, started at 6: it ends at 6 + ceil(startup + slope * repeats).
RunResult run_single(const std::string& instr, unsigned repeat) {
  Rig rig;
  rig.add(assemble(fmt::format(R"(
    li x1, 0
    li x2, 0x4000
    li x3, 0x8000
    vec_cfg_dense x4, {}
    {}
    halt
  )", repeat, instr)));
  return rig.run();
}

TEST(CoreTiming, VectorCostIsStartupPlusSlopeTimesRepeats) {
  struct Case {
    const char* instr;
    unsigned repeat;
    Cycle cost;
  } cases[] = {
      {"vadd.f32 x3, x1, x2, x4", 64, 139},   // ceil(5.9 + 2.07 * 64) = ceil(138.38)
      {"vadd.f32 x3, x1, x2, x4", 255, 534},  // ceil(5.9 + 2.07 * 255) = ceil(533.75)
      {"vadd.f16 x3, x1, x2, x4", 1, 8},      // ceil(7.97)
      {"vexp.f16 x3, x1, x4", 10, 52},        // 12 + 4 * 10
      {"vexp.f32 x3, x1, x4", 10, 32},        // 12 + 2 * 10
      {"vcadd.f32 x3, x1, x4", 3, 41},        // 20 + 7 * 3
  };
  for (const Case& c : cases) {
    const RunResult r = run_single(c.instr, c.repeat);
    ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
    EXPECT_EQ(r.cycles, 6 + c.cost) << c.instr << " x" << c.repeat;
  }
}

TEST(CoreTiming, IndependentVectorOpsOverlapStartupAndBarrierSerializes) {
  auto run = [](const char* between) {
    Rig rig;
    rig.add(assemble(fmt::format(R"(
      li x1, 0
      li x2, 0x4000
      li x3, 0x8000
      vec_cfg_dense x4, 64
      vadd.f32 x3, x1, x2, x4
      {}
      vadd.f32 x5, x1, x2, x4
      halt
    )", between)));
    return rig.run();
  };
  // The second vadd (queued at 6, ready at 7) starts when the first frees the pipe after its
  // slope part, 6 + ceil(2.07 * 64) = 139, and ends 139 cycles later.
  EXPECT_EQ(run("nop").cycles, 139u + 139u);
  // pipe_barrier v starts when the first vadd has completed (145), takes 1 cycle.
  EXPECT_EQ(run("pipe_barrier v").cycles, 146u + 139u);
  // A core that halts early with nothing queued finishes at its halt.
  Rig rig;
  rig.add(assemble("nop\nnop\nhalt\n"));
  EXPECT_EQ(rig.run().cycles, 3u);
  EXPECT_EQ(rig.stat("aiv0.cycles"), 3u);
}

TEST(CoreTiming, DmaCostIsPortAndMemoryBandwidthPlusLatency) {
  Rig rig({.latency = 100, .read_bytes_per_cycle = 16, .write_bytes_per_cycle = 32});
  rig.gm.map(kX, 1 << 20);
  // 16 KiB: the 32 B/cycle port would take 512 cycles, the 16 B/cycle memory takes 1024.
  rig.add(assemble(R"(
    li x1, 0
    li64 x2, 0x10000000
    copy_cfg x3, 1, 512, 0, 0
    dma_in ub, x1, x2, x3
    halt
  )"));
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  EXPECT_EQ(r.cycles, 6u + 1024 + 100);  // dma_in is instruction 5 (li64 and copy_cfg are 2 each)
  EXPECT_EQ(rig.stat("aiv0.mte2.busy"), 512u);
  EXPECT_EQ(rig.stat("aiv0.mte2.stall_memory"), 512u);
}

TEST(CoreSync, WaitFlagHoldsTheConsumerUntilTheProducerCompletes) {
  auto run = [](bool synced) {
    Rig rig({.latency = 100, .read_bytes_per_cycle = 32, .write_bytes_per_cycle = 32});
    rig.gm.map(kX, 1 << 20);
    rig.add(assemble(fmt::format(R"(
      li x1, 0
      li64 x2, 0x10000000
      copy_cfg x3, 1, 64, 0, 0
      vec_cfg_dense x4, 8
      dma_in ub, x1, x2, x3
      {}
      vadd.f32 x1, x1, x1, x4
      halt
    )", synced ? "set_flag mte2, v, 0\n wait_flag mte2, v, 0" : "nop\nnop")));
    return rig.run();
  };
  // dma_in (instruction 7) starts at 8 and completes after 2048 / 32 + 100 = 164 cycles, at 172;
  // set_flag runs at 172, the event is seen at 173 by wait_flag, the vadd starts at 174 and
  // takes ceil(5.9 + 2.07 * 8) = 23.
  EXPECT_EQ(run(true).cycles, 174u + 23);
  // Without the flags the vadd runs beside the copy, which then ends the run.
  EXPECT_EQ(run(false).cycles, 172u);
}

TEST(CoreSync, FullQueueStallsTheScalarUnit) {
  Rig rig;
  std::string body = "li x1, 0\nvec_cfg_dense x4, 1\n";
  // One repeat occupies v for ceil(2.07) = 3 cycles while the scalar unit issues one per cycle.
  for (int i = 0; i < 100; ++i) body += "vadd.f32 x1, x1, x1, x4\n";
  rig.add(assemble(body + "halt\n"));
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  EXPECT_GT(rig.stat("aiv0.s.stall_queue_full"), 0u);
  EXPECT_EQ(rig.stat("aiv0.v.instructions"), 100u);
}

TEST(CoreScalar, ArithmeticBranchesLoopsAndMemory) {
  Rig rig;
  Core& c = rig.add(assemble(R"(
      li x1, 7
      li x2, -2
      div x3, x1, x0
      divu x4, x1, x0
      rem x5, x1, x2
      li x6, 5
      li x7, 0
  again:
      addi x7, x7, 3
      loop x6, again
      jal x8, func
      beq x0, x0, end
  func:
      addi x9, x0, 42
      jalr x0, x8, 0
  end:
      st.u32 x2, x0, 64
      ld.s32 x10, x0, 64
      ld.u16 x11, x0, 64
      csrr x12, blockid
      sra x13, x2, x1
      sltu x14, x1, x2
      lhi x15, 0x8000
      halt
  )"), {.type = isa::CoreType::Aiv, .core_id = 3, .block_id = 2, .block_num = 4});
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  EXPECT_EQ(c.reg(3), ~0ull);
  EXPECT_EQ(c.reg(4), ~0ull);
  EXPECT_EQ(c.reg(5), 1u);
  EXPECT_EQ(c.reg(7), 15u);
  EXPECT_EQ(c.reg(9), 42u);
  EXPECT_EQ(static_cast<std::int64_t>(c.reg(10)), -2);
  EXPECT_EQ(c.reg(11), 0xfffeu);
  EXPECT_EQ(c.reg(12), 2u);
  EXPECT_EQ(static_cast<std::int64_t>(c.reg(13)), -1);
  EXPECT_EQ(c.reg(14), 1u);
  EXPECT_EQ(c.reg(15), 0x8000'0000'0000'0000ull);
  EXPECT_EQ(c.reg(0), 0u);
}

// The SDM holds only the bytes the object and the stores wrote: the rest of its 64 KiB reads as
// zero, and a store at its top grows it there (the other bytes stay zero).
TEST(CoreScalar, ScalarMemoryBeyondTheWrittenBytesReadsZero) {
  Rig rig;
  Core& c = rig.add(assemble(R"(
      .arg a, u64
      li x1, 65528
      ld.u64 x2, x1, 0
      li x3, -1
      st.u64 x3, x1, 0
      ld.u64 x4, x1, 0
      ld.u64 x5, x1, -8
      ld.u64 x6, x0, a
      halt
  )"), {}, {0x1234});
  ASSERT_EQ(rig.run().status, RunResult::Status::Finished);
  EXPECT_EQ(c.reg(2), 0u);
  EXPECT_EQ(c.reg(4), ~0ull);
  EXPECT_EQ(c.reg(5), 0u);
  EXPECT_EQ(c.reg(6), 0x1234u);
}

// A load that begins inside the written bytes and ends beyond them reads what was written, with
// zeros above: a u32 store then a u64 load of the same address, and a u16 of .data read as u64.
TEST(CoreScalar, ScalarLoadPartlyBeyondTheWrittenBytesKeepsThem) {
  Rig rig;
  Core& c = rig.add(assemble(R"(
      .data
      .align 8
      v: .half 0x7531
      .text
      li x1, 4096
      li x3, 0x89abcdef
      st.u32 x3, x1, 8
      ld.u64 x4, x1, 8
      li x5, v
      ld.u64 x6, x5, 0
      halt
  )"));
  ASSERT_EQ(rig.run().status, RunResult::Status::Finished);
  EXPECT_EQ(c.reg(4), 0x89abcdefull);
  EXPECT_EQ(c.reg(6), 0x7531ull);
}

// Resident pages of this process (/proc/self/statm, second field).
std::uint64_t resident_pages() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident;
}

// A write of the bytes already in the store stores nothing, so a page never written stays unbacked:
// a timing-only CM384 all-to-all writes zeros into 768 dies' 1.5 MiB of y. The other writes still
// land, zeros over other bytes included.
TEST(CoreGm, WritingTheBytesAlreadyThereTakesNoMemory) {
  SimpleGm gm;
  constexpr std::uint64_t kBytes = 64 << 20, kChunk = 64 << 10;
  gm.map(0, kBytes);
  const std::vector<std::uint8_t> zeros(kChunk, 0), ones(kChunk, 1);
  const std::uint64_t before = resident_pages();
  for (std::uint64_t a = 0; a < kBytes; a += kChunk) gm.write(a, zeros);
  const std::uint64_t pages = kBytes / static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  EXPECT_LT(resident_pages() - before, pages / 16);  // stored, they would be all 16,384 pages
  std::vector<std::uint8_t> out(kChunk, 7);
  gm.read(kChunk, out);
  EXPECT_EQ(out, zeros);
  gm.write(kChunk, ones);
  gm.write(kChunk, ones);
  gm.read(kChunk, out);
  EXPECT_EQ(out, ones);
  gm.write(kChunk + 8, std::vector<std::uint8_t>(16, 0));
  gm.read(kChunk, out);
  EXPECT_EQ(out[7], 1);
  EXPECT_EQ(out[8], 0);
  EXPECT_EQ(out[23], 0);
  EXPECT_EQ(out[24], 1);
}

// Cores that load the same object like another share its decoded code and run as each alone:
// their own arguments, block ids and results.
TEST(CoreLoad, CoresOfOneKernelShareItsCode) {
  Rig rig;
  const obj::Object k = assemble(".arg a, u64\nld.u64 x1, x0, a\ncsrr x2, blockid\nadd x3, x1, x2\nhalt\n");
  Core& first = rig.add(k, {.block_num = 2}, {100});
  rig.cores.push_back(std::make_unique<Core>("aiv1", rig.params, LaunchInfo{.core_id = 1, .block_id = 1, .block_num = 2},
                                             rig.memory(), rig.stats, &rig.xflags));
  Core& second = *rig.cores.back();
  second.load(k, std::vector<std::uint64_t>{200}, &first);
  ASSERT_EQ(rig.run().status, RunResult::Status::Finished);
  EXPECT_EQ(first.reg(3), 100u);
  EXPECT_EQ(second.reg(3), 201u);
  EXPECT_EQ(first.instructions(), second.instructions());
}

// Faults: the run stops with a report naming the core, the pc and the instruction.
RunResult run_fault(const std::string& body, Rig& rig) {
  rig.gm.map(kX, 4096);
  rig.add(assemble(body));
  return rig.run();
}

TEST(CoreLoad, RefusesWrongCoreTypeArgumentsAndExtensionsUnderStrict) {
  Rig rig;
  EXPECT_THROW(rig.add(assemble("halt\n", "aic")), std::invalid_argument);
  EXPECT_THROW(rig.add(assemble(".arg p, ptr\nhalt\n"), {.core_id = 1}, {}), std::invalid_argument);
  const obj::Object ext = assemble("li x1, 0\nvec_cfg_dense x4, 1\nvadd.bf16 x1, x1, x1, x4\nhalt\n");
  ASSERT_TRUE(ext.uses_extensions);
  rig.params.strict = true;
  try {
    rig.add(ext, {.core_id = 2});
    FAIL() << "strict profile accepted an extension";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("aiv2: kernel uses ISA extensions"));
  }
  rig.params.strict = false;
  rig.cores.clear();
  rig.add(ext, {.core_id = 3});
  EXPECT_EQ(rig.run().status, RunResult::Status::Finished);
}

TEST(CoreFaults, MisalignedBufferOperand) {
  Rig rig;
  const RunResult r = run_fault("li x1, 16\nvec_cfg_dense x4, 1\nvadd.f32 x1, x0, x0, x4\nhalt\n", rig);
  ASSERT_EQ(r.status, RunResult::Status::Fault);
  EXPECT_THAT(r.report, HasSubstr("aiv0 pc 0x18 `vadd.f32 x1, x0, x0, x4`"));
  EXPECT_THAT(r.report, HasSubstr("dst ub address 0x10 is not 32-byte aligned"));
}

TEST(CoreFaults, BufferAccessOutOfBounds) {
  Rig rig;
  const RunResult r = run_fault(
      "li x1, 196576\nli64 x2, 0x10000000\ncopy_cfg x3, 2, 1, 0, 0\ndma_in ub, x1, x2, x3\nhalt\n", rig);
  ASSERT_EQ(r.status, RunResult::Status::Fault);
  EXPECT_THAT(r.report, HasSubstr("`dma_in ub, x1, x2, x3`"));
  EXPECT_THAT(r.report, HasSubstr("dst ub access 0x2ffe0+64 is beyond the 192 KiB buffer"));
}

TEST(CoreFaults, GmAccessOutsideMappedMemory) {
  Rig rig;
  const RunResult r = run_fault(
      "li x1, 0\nli64 x2, 0x10000fe0\ncopy_cfg x3, 2, 1, 0, 0\ndma_in ub, x1, x2, x3\nhalt\n", rig);
  ASSERT_EQ(r.status, RunResult::Status::Fault);
  EXPECT_THAT(r.report, HasSubstr("src GM access 0x10001000+32 is outside mapped memory"));
  Rig rig2;
  const RunResult s = run_fault("li x1, 0x2000\nldg.u32 x2, x1, 0\nhalt\n", rig2);
  ASSERT_EQ(s.status, RunResult::Status::Fault);
  EXPECT_THAT(s.report, HasSubstr("aiv0 pc 0x8 `ldg.u32 x2, x1, 0`: scalar GM access 0x2000+4"));
}

TEST(CoreFaults, ScalarMemoryAndPc) {
  Rig rig;
  RunResult r = run_fault("li x1, 65536\nld.u64 x2, x1, -4\nhalt\n", rig);
  EXPECT_THAT(r.report, HasSubstr("address 0xfffc is not 8-byte aligned"));
  Rig rig2;
  r = run_fault("li x1, 65536\nst.u32 x2, x1, 0\nhalt\n", rig2);
  EXPECT_THAT(r.report, HasSubstr("SDM address 0x10000 is outside"));
  Rig rig3;
  r = run_fault("li x1, 0x100\njalr x0, x1, 0\n", rig3);
  EXPECT_THAT(r.report, HasSubstr("pc 0x100 is outside the code"));
}

TEST(CoreFaults, EventSetTwiceAndParameterOutOfRange) {
  Rig rig;
  RunResult r = run_fault("set_flag s, v, 3\nset_flag s, v, 3\nhalt\n", rig);
  ASSERT_EQ(r.status, RunResult::Status::Fault);
  EXPECT_THAT(r.report, HasSubstr("pc 0x8 `set_flag s, v, 3`: event is already set"));
  Rig rig2;
  r = run_fault("li x1, 0\ncopy_cfg x3, 5000, 1, 0, 0\ndma_in ub, x1, x1, x3\nhalt\n", rig2);
  EXPECT_THAT(r.report, HasSubstr("block_count 5000 > 4095"));
  Rig rig3;
  r = run_fault("li x1, 0\nvec_cfg x4, 1, 0, 1, 1, 8, 8, 8\nvadd.f32 x1, x1, x1, x4\nhalt\n", rig3);
  EXPECT_THAT(r.report, HasSubstr("dst block stride 0"));
}

TEST(CoreFaults, DeadlockReportsEveryBlockedPipe) {
  Rig rig;
  rig.add(assemble("li x1, 0\nwait_flag mte2, v, 2\nhalt\n"));
  rig.add(assemble("nop\nwait_flag v, s, 1\nhalt\n"), {.core_id = 1, .block_id = 1, .block_num = 2});
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Deadlock) << r.report;
  EXPECT_THAT(r.report, HasSubstr("aiv0 v: pc 0x8 `wait_flag mte2, v, 2` waits for event (mte2, v, 2)"));
  EXPECT_THAT(r.report, HasSubstr("aiv1 s: pc 0x8 `wait_flag v, s, 1` waits for event (v, s, 1)"));
  // A barrier behind the blocked pipe is reported too.
  Rig rig2;
  rig2.add(assemble("wait_flag mte3, v, 0\npipe_barrier all\nhalt\n"));
  const RunResult b = rig2.run();
  ASSERT_EQ(b.status, RunResult::Status::Deadlock);
  EXPECT_THAT(b.report, HasSubstr("aiv0 s: pc 0x8 `pipe_barrier all` waits for every queue to drain"));
}

TEST(CoreFaults, OutputsWrittenBeforeAFaultStayReadable) {
  Rig rig;
  rig.gm.map(kX, 4096);
  Core& c = rig.add(assemble(R"(
    li x1, 0
    li64 x2, 0x10000000
    li x5, 0x3f800000
    stg.u32 x5, x2, 0
    copy_cfg x3, 1, 1, 0, 0
    dma_in ub, x1, x2, x3
    pipe_barrier all
    li x1, 8
    vec_cfg_dense x4, 1
    vadd.f32 x1, x0, x0, x4
    halt
  )"));
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Fault);
  float v;
  std::memcpy(&v, c.buffer(isa::Buffer::Ub)->data(0), 4);
  EXPECT_EQ(v, 1.0f);
}

}  // namespace
}  // namespace snsim::core::test

namespace snsim::core::test {
namespace {

// An AI core of the launch: AIC `g` and AIVs 2g, 2g + 1 (mixed launch of `groups`).
LaunchInfo aic(unsigned g, unsigned groups) {
  return {.type = isa::CoreType::Aic, .core_id = g, .block_id = g, .block_num = groups, .sub_block_num = 2};
}
LaunchInfo aiv(unsigned g, unsigned sub, unsigned groups) {
  return {.type = isa::CoreType::Aiv, .core_id = 2 * g + sub, .block_id = 2 * g + sub,
          .block_num = 2 * groups, .sub_block_id = sub, .sub_block_num = 2};
}

TEST(CoreCrossCore, GroupSetFromTheAicReleasesBothAivs) {
  Rig rig;
  // li at 0, 10 loop iterations at 1..10, xset issued at 11, runs on mte2 at 12, seen at 13.
  rig.add(assemble("li x5, 10\nl:\nloop x5, l\nxset group, mte2, 3\nhalt\n", "aic"), aic(0, 1));
  const obj::Object waiter = assemble("xwait 3\ncsrr x1, cycle\nhalt\n");
  Core& v0 = rig.add(waiter, aiv(0, 0, 1));
  Core& v1 = rig.add(waiter, aiv(0, 1, 1));
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  EXPECT_EQ(v0.reg(1), 14u);
  EXPECT_EQ(v1.reg(1), 14u);
}

TEST(CoreCrossCore, GroupSetFromAivsNeedsBoth) {
  // However often the first AIV sets (twice is still not "both AIVs"), the AIC waits for the second.
  for (const char* first : {"xset group, v, 1\nhalt\n", "xset group, v, 1\nxset group, v, 1\nhalt\n"}) {
    Rig rig;
    Core& c = rig.add(assemble("xwait 1\ncsrr x1, cycle\nhalt\n", "aic"), aic(0, 1));
    rig.add(assemble(first), aiv(0, 0, 1));
    // The second AIV sets at 21 (li, 20 iterations), on v at 22, seen by the AIC at 23.
    rig.add(assemble("li x5, 20\nl:\nloop x5, l\nxset group, v, 1\nhalt\n"), aiv(0, 1, 1));
    const RunResult r = rig.run();
    ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
    EXPECT_EQ(c.reg(1), 24u) << first;
  }
}

TEST(CoreCrossCore, AllModeIsABarrierOfTheCoreType) {
  Rig rig;
  std::vector<Core*> v;
  for (unsigned i = 0; i < 3; ++i)
    v.push_back(&rig.add(assemble(fmt::format("li x5, {}\nl:\nloop x5, l\nxset all, v, 0\n{}xwait 0\ncsrr x1, cycle\nhalt\n",
                                              5 + 10 * i, i == 0 ? "xset all, v, 0\n" : "")),
                         {.core_id = i, .block_id = i, .block_num = 3}));
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  // The last core (25 iterations) issues its set at 26, runs it on v at 27; all see it at 28.
  // The first core's second set does not stand in for it.
  for (Core* c : v) EXPECT_EQ(c->reg(1), 29u);
}

TEST(CoreCrossCore, SixteenthPendingSetFaultsAndAWaitWithoutSetterDeadlocks) {
  Rig rig;
  std::string body;
  for (int i = 0; i < 16; ++i) body += "xset pair, v, 2\n";
  rig.add(assemble(body + "halt\n"), aiv(0, 0, 1));
  rig.add(assemble("halt\n"), aiv(0, 1, 1));
  RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Fault);
  EXPECT_THAT(r.report, HasSubstr("aiv0 pc 0x78 `xset pair, v, 2`: cross-core flag 2 of aiv1 would exceed 15"));
  // The same limit for sets waiting for the other setters of a barrier: one AIV setting group 16
  // times while its partner never sets.
  Rig rig1;
  std::string group;
  for (int i = 0; i < 16; ++i) group += "xset group, v, 3\n";
  rig1.add(assemble("halt\n", "aic"), aic(0, 1));
  rig1.add(assemble(group + "halt\n"), aiv(0, 0, 1));
  rig1.add(assemble("halt\n"), aiv(0, 1, 1));
  r = rig1.run();
  ASSERT_EQ(r.status, RunResult::Status::Fault);
  EXPECT_THAT(r.report, HasSubstr("aiv0 pc 0x78 `xset group, v, 3`: cross-core flag 3: aiv0 would have 16 sets the "
                                  "other setters have not matched (at most 15)"));
  Rig rig2;
  rig2.add(assemble("xwait 5\nhalt\n"), aiv(0, 0, 1));
  r = rig2.run();
  ASSERT_EQ(r.status, RunResult::Status::Deadlock);
  EXPECT_THAT(r.report, HasSubstr("aiv0 s: pc 0x0 `xwait 5` waits for cross-core flag 5 (counter 0)"));
}

}  // namespace
}  // namespace snsim::core::test

namespace snsim::core::test {
namespace {

TEST(CoreObserver, EveryInstructionOnceAndEachWaitPointsAtItsSet) {
  Rig rig;
  rig.gm.map(kX, 8192 * 4);
  rig.gm.map(kY, 8192 * 4);
  rig.gm.map(kZ, 8192 * 4);
  Core& c = rig.add(obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/vec_add.o"), {}, {kX, kY, kZ, 8192});
  std::vector<InstrEvent> events;
  c.set_observer([&](const InstrEvent& e) { events.push_back(e); });
  ASSERT_EQ(rig.run().status, RunResult::Status::Finished);
  EXPECT_EQ(events.size(), c.instructions());
  unsigned waits = 0, vadds = 0;
  for (const InstrEvent& e : events) {
    ASSERT_EQ(e.core, &c);
    ASSERT_EQ(e.pipe, e.instr->pipe());
    if (e.instr->op() == isa::Op::Vadd) {
      ++vadds;
      EXPECT_EQ(e.cycles, 139u);
    }
    if (e.instr->op() != isa::Op::WaitFlag) {
      EXPECT_EQ(e.released_by, kNever);
      continue;
    }
    ++waits;
    ASSERT_LT(e.released_by, e.start);
    const bool found = std::any_of(events.begin(), events.end(), [&](const InstrEvent& s) {
      return s.instr->op() == isa::Op::SetFlag && s.start == e.released_by &&
             s.instr->get(isa::Role::SrcPipe) == e.instr->get(isa::Role::SrcPipe) &&
             s.instr->get(isa::Role::DstPipe) == e.instr->get(isa::Role::DstPipe) &&
             s.instr->get(isa::Role::Event) == e.instr->get(isa::Role::Event);
    });
    EXPECT_TRUE(found) << "wait at pc 0x" << std::hex << e.pc;
    if (e.stalled > 0) {
      EXPECT_EQ(e.stall_reason, Stall::Flag);
    }
  }
  EXPECT_EQ(vadds, 2u);
  EXPECT_EQ(waits, 2u * 4 + 4);  // 4 per tile, 4 to drain
}

}  // namespace
}  // namespace snsim::core::test
