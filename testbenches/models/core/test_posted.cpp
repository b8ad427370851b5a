// Posted remote writes (dma_post, issue 6 §2) on the fake machine memory of remote_rig.h: the data
// arrives as a plain copy says; mte3 goes on once the bytes have left the UB, not at the
// acknowledgement (dma_out, the same copy, waits for it); the core's posted-write budget stalls the
// copy that would pass it until an acknowledgement frees room; a halted core with posted writes in
// flight has not finished; `fence` waits for them; a failed posted write faults naming the core
// and the dma_post. That a notify after posted writes is ordered behind them is the die's
// (test_machine.cpp, on mini4's link and network).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "remote_rig.h"

namespace snsim::core::test {
namespace {

using ::testing::HasSubstr;

constexpr Cycle kLatency = 500;

// `count` bursts of `bursts_len` 32-byte blocks from UB 0 to die 1 at kFar with `op`, then
// set_flag mte3 -> s and the cycle after it in x5; pc of the copy: 0x28.
std::string copy_then_flag(std::string_view op, unsigned count, unsigned len) {
  return fmt::format(R"(
    li x1, 0
    li64 x2, {}
    copy_cfg x3, {}, {}, 0, 0
    {} x2, x1, x3
    set_flag mte3, s, 0
    wait_flag mte3, s, 0
    csrr x5, cycle
    halt
  )", kFar, count, len, op);
}

TEST(CorePosted, DataArrivesAndMte3GoesOnBeforeTheAcknowledgement) {
  auto run = [](std::string_view op) {
    RemoteRig rig(kLatency);
    Core& c = rig.add_core(copy_then_flag(op, 4, 2));  // 4 bursts of 64 B: 4 port cycles
    std::uint8_t* ub = c.buffer(isa::Buffer::Ub)->data(0);
    std::iota(ub, ub + 256, std::uint8_t{1});
    const RunResult r = rig.drive();
    EXPECT_EQ(r.status, RunResult::Status::Finished) << r.report;
    EXPECT_TRUE(std::equal(ub, ub + 256, rig.fake.far.begin())) << op;
    EXPECT_EQ(rig.fake.started.size(), 4u);
    const Cycle start = rig.event(op).start;
    EXPECT_EQ(rig.fake.started[0].at, start);
    EXPECT_GE(r.cycles, start + kLatency) << op << ": the run ends after the acknowledgements";
    c.record_cycles(r.cycles);  // as run_cores and the Machine do at the end
    EXPECT_GE(rig.stat("aiv0.cycles"), start + kLatency) << op << ": the core's time ends at its last acknowledgement";
    return c.reg(5) - start;  // cycles from the copy's start to the scalar unit going on
  };
  // dma_post: the port time (256 B at 64 B per cycle) and the flag's two cycles; dma_out: the latency.
  EXPECT_LT(run("dma_post"), 10u);
  EXPECT_GE(run("dma_out"), kLatency);
}

// A budget of 1 KiB holds two 512 B posted writes: the third waits on mte3 until the first is
// acknowledged (its stall counted as memory), the fourth until the second.
TEST(CorePosted, TheCopyPastTheBudgetWaitsForAnAcknowledgement) {
  RemoteRig rig(kLatency);
  rig.params.posted_write_bytes = 1024;
  rig.add_core(fmt::format(R"(
    li x1, 0
    li64 x2, {}
    copy_cfg x3, 1, 16, 0, 0
    dma_post x2, x1, x3
    dma_post x2, x1, x3
    dma_post x2, x1, x3
    dma_post x2, x1, x3
    halt
  )", kFar));
  const RunResult r = rig.drive();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  ASSERT_EQ(rig.fake.started.size(), 4u);
  const Cycle first = rig.fake.started[0].at;
  EXPECT_EQ(rig.fake.started[1].at, first + 8);  // after the first's port time, no wait
  EXPECT_EQ(rig.fake.started[2].at, first + kLatency);
  EXPECT_EQ(rig.fake.started[3].at, rig.fake.started[1].at + kLatency);
  // The third waited from the second's port end; the fourth not at all (the second's acknowledgement
  // came as the third's port time ended).
  EXPECT_EQ(rig.stat("aiv0.mte3.stall_memory"), kLatency - 16);
  // A budget of 4 KiB: no copy waits.
  RemoteRig wide(kLatency);
  wide.params.posted_write_bytes = 4096;
  wide.add_core(fmt::format("li x1, 0\nli64 x2, {}\ncopy_cfg x3, 1, 16, 0, 0\n"
                            "dma_post x2, x1, x3\ndma_post x2, x1, x3\ndma_post x2, x1, x3\nhalt\n", kFar));
  ASSERT_EQ(wide.drive().status, RunResult::Status::Finished);
  EXPECT_EQ(wide.fake.started[2].at, wide.fake.started[0].at + 16);
}

// One copy larger than the whole budget goes alone rather than never.
TEST(CorePosted, ACopyLargerThanTheBudgetGoesWhenNoneIsOutstanding) {
  RemoteRig rig(kLatency);
  rig.params.posted_write_bytes = 512;
  rig.add_core(copy_then_flag("dma_post", 4, 16));  // 2 KiB
  const RunResult r = rig.drive();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  EXPECT_EQ(rig.fake.started.size(), 4u);
}

TEST(CorePosted, AHaltedCoreWithPostedWritesInFlightIsNotFinished) {
  RemoteRig rig(kLatency);
  Core& c = rig.add_core(fmt::format("li x1, 0\nli64 x2, {}\ncopy_cfg x3, 2, 1, 0, 0\ndma_post x2, x1, x3\nhalt\n", kFar));
  bool seen = false;
  rig.driver.hook = [&](Cycle now) {
    if (c.async_in_flight() > 0 && c.pc() == 7 * isa::kInstrBytes) {  // past halt
      seen = true;
      EXPECT_FALSE(c.finished(now));
    }
    return false;
  };
  const RunResult r = rig.drive();
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  EXPECT_TRUE(seen);
  EXPECT_EQ(c.async_in_flight(), 0u);
  EXPECT_GE(r.cycles, rig.fake.started[0].at + kLatency);
}

// fence: the scalar unit goes on only after the acknowledgements (scripted: the second burst's
// comes last), which pipe_barrier all does not wait for.
TEST(CorePosted, FenceWaitsForTheLastAcknowledgement) {
  auto run = [](std::string_view barrier) {
    RemoteRig rig(kLatency);
    rig.fake.script = {300, 700};
    Core& c = rig.add_core(fmt::format(R"(
      li x1, 0
      li64 x2, {}
      copy_cfg x3, 2, 1, 0, 0
      dma_post x2, x1, x3
      {}
      csrr x5, cycle
      halt
    )", kFar, barrier));
    const RunResult r = rig.drive();
    EXPECT_EQ(r.status, RunResult::Status::Finished) << r.report;
    return c.reg(5) - rig.fake.started[1].at;
  };
  EXPECT_GE(run("fence"), 700u);
  EXPECT_LT(run("pipe_barrier all"), 10u);
}

// A fence nobody can satisfy under run_cores (no completions delivered) names what it waits for.
TEST(CorePosted, DeadlockReportNamesTheFenceAndTheBytes) {
  RemoteRig rig(kLatency);
  rig.add_core(fmt::format("li x1, 0\nli64 x2, {}\ncopy_cfg x3, 2, 1, 0, 0\ndma_post x2, x1, x3\nfence\nhalt\n", kFar));
  const RunResult r = rig.run();
  ASSERT_EQ(r.status, RunResult::Status::Deadlock) << r.report;
  EXPECT_THAT(r.report, HasSubstr("aiv0 s: pc 0x30 `fence` waits for every queue to drain and 64 bytes of posted "
                                  "writes to be acknowledged"));
  EXPECT_THAT(r.report, HasSubstr("aiv0 mte3: 64 bytes of posted writes wait for their acknowledgement"));
}

TEST(CorePosted, AFailedPostedWriteFaultsNamingTheCoreAndTheCopy) {
  RemoteRig rig(kLatency);
  rig.fake.fail = "die 1 unreachable";
  rig.add_core(copy_then_flag("dma_post", 2, 1));
  const RunResult r = rig.drive();
  ASSERT_EQ(r.status, RunResult::Status::Fault) << r.report;
  EXPECT_THAT(r.report, HasSubstr("aiv0 pc 0x28 `dma_post x2, x1, x3`: die 1 unreachable"));
  EXPECT_EQ(r.cycles, rig.fake.started[0].at + kLatency);  // at the acknowledgement, long after mte3 went on
  // An address no die owns faults at once.
  RemoteRig bad(kLatency);
  bad.add_core("li x1, 0\nli64 x2, 0x500000000000\ncopy_cfg x3, 1, 1, 0, 0\ndma_post x2, x1, x3\nhalt\n");
  const RunResult b = bad.drive();
  ASSERT_EQ(b.status, RunResult::Status::Fault) << b.report;
  EXPECT_THAT(b.report, HasSubstr("aiv0 pc 0x28 `dma_post x2, x1, x3`: dst GM access 0x500000000000+32 is outside "
                                  "mapped memory"));
}

// On this die's memory dma_post is dma_out: the same cycles and bytes.
TEST(CorePosted, OnThisDiesMemoryItIsDmaOut) {
  auto run = [](std::string_view op) {
    RemoteRig rig;
    Core& c = rig.add_core(fmt::format(R"(
      li x1, 0
      li64 x2, {}
      copy_cfg x3, 3, 2, 0, 0
      {} x2, x1, x3
      set_flag mte3, s, 0
      wait_flag mte3, s, 0
      csrr x5, cycle
      halt
    )", kLocal, op));
    std::uint8_t* ub = c.buffer(isa::Buffer::Ub)->data(0);
    std::iota(ub, ub + 192, std::uint8_t{3});
    EXPECT_EQ(rig.drive().status, RunResult::Status::Finished);
    std::vector<std::uint8_t> got(192);
    rig.gm.read(kLocal, got);
    EXPECT_TRUE(std::equal(got.begin(), got.end(), ub));
    return std::pair(c.reg(5), rig.fake.started.size());
  };
  EXPECT_EQ(run("dma_post"), run("dma_out"));
}

}  // namespace
}  // namespace snsim::core::test
