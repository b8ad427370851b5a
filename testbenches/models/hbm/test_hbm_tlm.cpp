// The TLM-2.0 target of a stack (SystemC): data round trip, exact idle latency, queueing and
// back-pressure across initiator threads, out-of-order completion, and error responses. SystemC
// elaborates once per process: ctest runs each test in its own process (gtest_discover_tests).
#include <gtest/gtest.h>

#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <numeric>
#include <string>
#include <vector>

#include "common/stats.h"
#include "config/hbm_config.h"
#include "hbm/tlm_target.h"

using namespace sc_core;

namespace {

snsim::HbmCfg preset() {
  return snsim::load<snsim::MemConfig>(std::string(SNSIM_SOURCE_DIR) + "/configs/hbm2e.yaml").hbm;
}

// An initiator with a few threads, each running a list of accesses and recording when each ended.
struct Access {
  sc_time start;
  bool write;
  std::uint64_t address;
  std::uint32_t size;
  std::uint8_t fill;  // write data byte / expected read byte
  sc_time end;
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
  bool data_ok = false;
};

SC_MODULE(Initiator) {
  std::vector<tlm_utils::simple_initiator_socket<Initiator>*> sockets;
  std::vector<std::vector<Access>> lists;

  Initiator(sc_module_name n, std::vector<std::vector<Access>> l) : sc_module(n), lists(std::move(l)) {
    for (std::size_t i = 0; i < lists.size(); ++i) {
      sockets.push_back(new tlm_utils::simple_initiator_socket<Initiator>(("s" + std::to_string(i)).c_str()));
      sc_spawn([this, i] { thread(i); });
    }
  }
  ~Initiator() override {
    for (auto* s : sockets) delete s;
  }

  void thread(std::size_t i) {
    for (Access& a : lists[i]) {
      if (sc_time_stamp() < a.start) wait(a.start - sc_time_stamp());
      std::vector<std::uint8_t> data(a.size, a.write ? a.fill : 0);
      tlm::tlm_generic_payload p;
      p.set_command(a.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
      p.set_address(a.address);
      p.set_data_ptr(data.data());
      p.set_data_length(a.size);
      p.set_streaming_width(a.size);
      sc_time delay = SC_ZERO_TIME;
      (*sockets[i])->b_transport(p, delay);
      a.end = sc_time_stamp();
      a.status = p.get_response_status();
      a.data_ok = std::all_of(data.begin(), data.end(), [&](std::uint8_t b) { return b == a.fill; });
    }
  }
};

TEST(HbmTlm, RoundTripLatencyBackPressureAndOutOfOrder) {
  const snsim::HbmCfg cfg = preset();
  snsim::StatsRegistry stats;
  snsim::HbmCfg small = cfg;
  small.controller.read_queue = 4;  // back-pressure after four bursts per pseudo-channel
  small.controller.refresh = snsim::HbmRefresh::None;
  snsim::hbm::HbmTlmTarget target("hbm", small, stats);
  const sc_time tck = target.clock_period();
  const auto at = [&](double cycles) { return tck * cycles; };
  // Bank 0 of ch0 pc0: row 0 at 0, row 1 at 1 << 19 (bits above col and sid).
  const std::uint64_t row1 = std::uint64_t{1} << 19;
  std::vector<std::vector<Access>> lists(9);
  // Thread 0: a write, then a read of the same bytes, then an isolated read of a closed bank, then
  // a read that opens row 0 of bank 0.
  lists[0] = {{at(0), true, 0x1000, 64, 0x5a, {}}, {at(200), false, 0x1000, 64, 0x5a, {}},
              {at(1000), false, 0x40000, 32, 0, {}}, {at(1990), false, 0x0, 32, 0, {}}};
  // Thread 1: a row miss (row 1 of bank 0) issued next, while row 0 must stay open for tRAS ...
  lists[1] = {{at(2000), false, row1, 32, 0, {}}};
  // Thread 2: ... and a hit on row 0 of bank 0 just after: it overtakes the miss.
  lists[2] = {{at(2001), false, 0x2000, 32, 0, {}}};
  // Errors.
  lists[2].push_back({at(5000), false, small.org.stack_bytes(), 64, 0, {}});
  lists[2].push_back({at(5000), false, 0, 48, 0, {}});
  // Threads 3-8: six reads at once to one pseudo-channel with a four-entry queue.
  for (int k = 0; k < 6; ++k) lists[3 + k] = {{at(3000), false, std::uint64_t(k + 2) * 0x2000, 32, 0, {}}};
  Initiator init("init", lists);
  for (auto* s : init.sockets) s->bind(target.socket);
  sc_start(at(20000));

  const auto& l0 = init.lists[0];
  for (const Access& a : l0) EXPECT_EQ(a.status, tlm::TLM_OK_RESPONSE);
  EXPECT_TRUE(l0[1].data_ok) << "read did not return the written bytes";
  // Idle closed bank: ACT, tRCDRD after its last cycle, RL, the burst.
  const double idle = (l0[2].end - l0[2].start) / tck;
  EXPECT_EQ(idle, small.timing.act_cycles - 1 + small.timing.tRCDRD + small.timing.RL + small.org.burst_cycles);
  // Out of order: the later row hit ends before the earlier row miss.
  const Access& miss = init.lists[1][0];
  const Access& hit = init.lists[2][0];
  EXPECT_EQ(miss.status, tlm::TLM_OK_RESPONSE);
  EXPECT_LT(hit.end, miss.end);
  EXPECT_LT(hit.end - hit.start, miss.end - miss.start);
  // Back-pressure: six reads through a four-entry queue all complete; two waited for room (each
  // counted once however often its thread retried).
  for (int k = 3; k < 9; ++k) EXPECT_EQ(init.lists[k][0].status, tlm::TLM_OK_RESPONSE) << k;
  EXPECT_EQ(stats.to_json()["hbm"]["reads"]["value"].get<std::uint64_t>(), 11u);
  EXPECT_EQ(stats.to_json()["hbm"]["backpressure"]["value"].get<std::uint64_t>(), 6u - 4u);
  EXPECT_EQ(init.lists[2][1].status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(init.lists[2][2].status, tlm::TLM_BURST_ERROR_RESPONSE);
}

}  // namespace

int sc_main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
