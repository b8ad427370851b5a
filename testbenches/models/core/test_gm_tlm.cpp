// GM through TLM-2.0 (gm_tlm.h) under the SystemC kernel: the gemm_bf16 kernel on three AICs
// through TlmGm -> GmTlmTarget -> L2Gm (and -> SimpleGm) gives the reference's bits and exactly
// the cycles and statistics of the same launch on the memory called directly; faults and error
// responses through the socket. SystemC elaborates once per process: ctest runs each test in its
// own process (gtest_discover_tests), and sc_main runs the tests (TOOLCHAIN.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <optional>

#include "core/gm_tlm.h"
#include "gemm_launch.h"

using namespace sc_core;
using ::testing::HasSubstr;

namespace snsim::core::test {
namespace {

// The core clock, 1850 MHz (HARDWARE.md §3 [P INI]); not a whole number of picoseconds.
sc_time core_period() { return sc_time(1.0 / 1.85e9, SC_SEC); }

// Runs the rig's cores in one SC_THREAD (D11: at most one per die) and the kernel to the end.
RunResult run_in_systemc(Rig& rig) {
  std::optional<RunResult> result;
  sc_spawn([&] { result = rig.run(); });
  sc_start();
  if (!result) throw std::logic_error("the core thread did not run");
  return *result;
}

// The same GEMM on the memory called directly and through the socket: identical output bits
// (checked against the reference), cycles and statistics (the whole registry, L2 included).
void gemm_through_tlm(bool l2) {
  const GemmLaunch gemm(In::Bf16, Out::F32, 256, 512, 512, 3);
  Rig direct;
  if (l2) direct.use_l2();
  gemm.setup(direct);
  const RunResult d = direct.run();
  ASSERT_EQ(d.status, RunResult::Status::Finished) << d.report;

  Rig rig;
  if (l2) rig.use_l2();
  TlmGm initiator("gm", core_period());
  GmTlmTarget target("gm_target", l2 ? static_cast<GlobalMemory&>(*rig.l2) : rig.gm, core_period());
  initiator.socket.bind(target.socket);
  rig.front = &initiator;
  gemm.setup(rig);
  const RunResult r = run_in_systemc(rig);
  ASSERT_EQ(r.status, RunResult::Status::Finished) << r.report;
  gemm.check(rig);
  EXPECT_EQ(r.cycles, d.cycles);
  EXPECT_EQ(rig.stats.to_json().dump(1), direct.stats.to_json().dump(1));
  // Every access went through the socket: the kernel reads A and B, writes C, and the core
  // probes mapped() before each access.
  const GmTlmTarget::Served& s = target.served();
  EXPECT_GT(s.probes, 0u);
  EXPECT_GT(s.reads, 0u);
  EXPECT_GT(s.writes, 0u);
  EXPECT_GT(s.transfers, 0u);
  if (l2) {
    EXPECT_GT(rig.stat("l2.hits"), 0u);
    EXPECT_GT(rig.stat("l2.misses"), 0u);
  }
}

TEST(GmTlm, GemmBf16ThroughTheSocketAndL2MatchesTheL2Directly) { gemm_through_tlm(true); }
TEST(GmTlm, GemmBf16ThroughTheSocketAndSimpleGmMatchesItDirectly) { gemm_through_tlm(false); }

// The core checks mapped() through the socket before a GM access: an unmapped address still
// faults naming the core, pc and instruction.
TEST(GmTlm, UnmappedAccessFaultsNamingCorePcAndInstruction) {
  Rig rig;
  TlmGm initiator("gm", core_period());
  GmTlmTarget target("gm_target", rig.gm, core_period());
  initiator.socket.bind(target.socket);
  rig.front = &initiator;
  rig.gm.map(0x1000, 0x1000);
  rig.add(assemble("li x1, 0x1000\nldg.u32 x2, x1, 0\nli x1, 0x2000\nldg.u32 x2, x1, 0\nhalt\n"));
  const RunResult r = run_in_systemc(rig);
  ASSERT_EQ(r.status, RunResult::Status::Fault);
  EXPECT_THAT(r.report,
              HasSubstr("aiv0 pc 0x18 `ldg.u32 x2, x1, 0`: scalar GM access 0x2000+4 is outside mapped memory"));
}

// A target that maps everything but fails every data access and transfer.
SC_MODULE(FailingTarget) {
  tlm_utils::simple_target_socket<FailingTarget> socket{"socket"};
  SC_CTOR(FailingTarget) { socket.register_b_transport(this, &FailingTarget::b_transport); }
  void b_transport(tlm::tlm_generic_payload& p, sc_time&) {
    const bool probe = p.get_command() == tlm::TLM_IGNORE_COMMAND && !p.get_extension<GmTransferExtension>();
    p.set_response_status(probe ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
  }
};

TEST(GmTlm, TargetErrorResponseFaultsTheCoreWithTheResponse) {
  Rig rig;
  TlmGm initiator("gm", core_period());
  FailingTarget target("failing");
  initiator.socket.bind(target.socket);
  rig.front = &initiator;
  rig.add(assemble("li x1, 0x2000\nldg.u32 x2, x1, 0\nhalt\n"));
  const RunResult r = run_in_systemc(rig);
  ASSERT_EQ(r.status, RunResult::Status::Fault);
  EXPECT_THAT(r.report, HasSubstr("aiv0 pc 0x8 `ldg.u32 x2, x1, 0`: GM through TLM (gm.socket): "
                                  "transfer (read) 0x2000+4: the target answered TLM_GENERIC_ERROR_RESPONSE"));
}

// GmTlmTarget's answers to bad payloads, and TlmGm's data path and timing on its own: bytes
// round-trip exactly, the transfer's request and completion cycles cross as annotated delays.
TEST(GmTlm, TargetAnswersBadPayloadsAndTimingCrossesAsDelays) {
  SimpleGm gm({.latency = 200, .read_bytes_per_cycle = 32, .write_bytes_per_cycle = 32});
  gm.map(0x1000, 0x100);
  TlmGm initiator("gm", core_period());
  GmTlmTarget target("gm_target", gm, core_period());
  initiator.socket.bind(target.socket);
  sc_start(SC_ZERO_TIME);  // completes the binding; the calls below run outside any process

  EXPECT_TRUE(initiator.mapped(0x1000, 0x100));
  EXPECT_FALSE(initiator.mapped(0x10ff, 2));
  std::vector<std::uint8_t> in(0x40), out(0x40);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint8_t>(i * 37 + 1);
  initiator.write(0x1010, in);
  initiator.read(0x1010, out);
  EXPECT_EQ(out, in);
  EXPECT_THROW(
      {
        try {
          initiator.read(0x10f0, out);
        } catch (const GmError& e) {
          EXPECT_THAT(e.what(), HasSubstr("read 0x10f0+64: the target answered TLM_ADDRESS_ERROR_RESPONSE"));
          throw;
        }
      },
      GmError);

  // 64 B at 32 B per cycle from cycle 1000: streamed at 1002, complete 200 later.
  const GlobalMemory::Timing t = initiator.transfer(1000, {.addr = 0x1000, .burst = 64});
  EXPECT_EQ(t.streamed, 1002u);
  EXPECT_EQ(t.complete, 1202u);
  EXPECT_EQ(target.served().transfers, 1u);
  // With simulation time at cycle 10, a request at cycle 20 is a delay of 10 cycles (a write: its
  // direction is idle), and one at cycle 5 would lie in the past.
  sc_start(core_period() * 10);
  const GlobalMemory::Timing w = initiator.transfer(20, {.is_write = true, .addr = 0x1000, .burst = 64});
  EXPECT_EQ(w.streamed, 22u);
  EXPECT_EQ(w.complete, 222u);
  EXPECT_THROW(initiator.transfer(5, {.addr = 0x1000, .burst = 64}), std::logic_error);

  tlm::tlm_generic_payload p;
  std::uint8_t data[4] = {}, enables[4] = {0xff, 0xff, 0, 0};
  const auto send = [&](tlm::tlm_command cmd, unsigned width, std::uint8_t* be) {
    p.set_command(cmd);
    p.set_address(0x1000);
    p.set_data_ptr(data);
    p.set_data_length(4);
    p.set_streaming_width(width);
    p.set_byte_enable_ptr(be);
    p.set_byte_enable_length(be ? 4 : 0);
    sc_time delay = SC_ZERO_TIME;
    initiator.socket->b_transport(p, delay);
    return p.get_response_status();
  };
  EXPECT_EQ(send(tlm::TLM_READ_COMMAND, 4, nullptr), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(send(tlm::TLM_READ_COMMAND, 4, enables), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  EXPECT_EQ(send(tlm::TLM_WRITE_COMMAND, 2, nullptr), tlm::TLM_BURST_ERROR_RESPONSE);
  auto* ext = new GmTransferExtension;
  p.set_extension(ext);
  EXPECT_EQ(send(tlm::TLM_READ_COMMAND, 4, nullptr), tlm::TLM_COMMAND_ERROR_RESPONSE);
}

}  // namespace
}  // namespace snsim::core::test

int sc_main(int argc, char** argv) {
  sc_set_time_resolution(1, SC_FS);  // the 1850 MHz period is not a whole number of picoseconds
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
