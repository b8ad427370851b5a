// The Machine at supernode scale (DECISIONS.md D11): configs/cm384.yaml elaborates (768 dies, each
// with its memory and network interface, on the two-tier Clos) with fewer than 5,000 SystemC
// processes. Runs of kernels on a machine are tested end to end (testbenches/system/test_snsim_machine.cpp).
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include <systemc>

#include "config/machine_config.h"
#include "net/network_sim.h"
#include "npu/machine.h"

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

}  // namespace
}  // namespace snsim::npu

int sc_main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
