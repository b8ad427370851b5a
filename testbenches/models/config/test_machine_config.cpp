// MachineConfig (`snsim run -c` on a machine): the shipped presets (counts, networks, the NVL72
// dies scaled to B200), the split of one file into its network, die and machine parts, and the
// errors: a topology whose endpoint count is not npus x dies_per_npu, a key of no part.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "config/machine_config.h"

namespace snsim {
namespace {

std::string preset(const char* name) { return std::string(SNSIM_SOURCE_DIR) + "/configs/" + name; }

TEST(MachineConfig, PresetsHaveOneEndpointPerDie) {
  const MachineConfig node8 = load_machine_config(preset("node8.yaml"));
  EXPECT_EQ(node8.machine.npus, 8u);
  EXPECT_EQ(node8.machine.dies_per_npu, 2u);
  EXPECT_EQ(endpoint_count(node8.net), 16u);
  EXPECT_EQ(node8.net.topology.planes, 7u);
  EXPECT_EQ(node8.die.die.aic, 24u);  // die.yaml's die
  EXPECT_EQ(node8.machine.d2d_bytes_per_second, 270e9);
  EXPECT_EQ(node8.machine.dma_chunk_bytes, 512u);

  const MachineConfig cm384 = load_machine_config(preset("cm384.yaml"));
  EXPECT_EQ(cm384.num_dies(), 768u);
  EXPECT_EQ(endpoint_count(cm384.net), 768u);
  EXPECT_EQ(cm384.net.topology.leaves, 48u);

  // NVL72: 72 single-die endpoints scaled to B200 (D23): 2,500 TFLOPS, 8 TB/s.
  const MachineConfig nvl72 = load_machine_config(preset("nvl72.yaml"));
  EXPECT_EQ(nvl72.num_dies(), 72u);
  EXPECT_EQ(endpoint_count(nvl72.net), 72u);
  EXPECT_NEAR(nvl72.die.cube_peak_flops(), 2.5e15, 0.01e15);
  EXPECT_NEAR(nvl72.die.gm.read_bytes_per_cycle * nvl72.die.die.clock_hz, 8e12, 0.01e12);

  const MachineConfig mini = load_machine_config(preset("mini4.yaml"));
  EXPECT_EQ(mini.num_dies(), 4u);
  EXPECT_EQ(mini.die.die.aiv, 8u);

  EXPECT_TRUE(is_machine_config(preset("node8.yaml")));
  EXPECT_FALSE(is_machine_config(preset("die.yaml")));
}

// Writes a config into the test's temporary directory, its first line including mini4's parts.
std::string write_config(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << "include: [" << preset("mini4-net.yaml") << ", " << preset("die.yaml") << "]\n" << text;
  return path;
}

void expect_error(const std::string& name, const std::string& text, const std::string& needle) {
  const std::string path = write_config(name, text);
  try {
    load_machine_config(path);
    ADD_FAILURE() << "no error for " << name;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

TEST(MachineConfig, EndpointCountOtherThanTheDiesIsAnErrorNamingBoth) {
  expect_error("test-machine-endpoints.yaml", "machine:\n  npus: 3\n",
               "test-machine-endpoints.yaml:3: machine.npus: 3 NPUs x 2 dies = 6 dies, but the network's topology "
               "has 4 endpoints");
}

TEST(MachineConfig, FlitsNarrowerThanTheLinkFlitAreAnErrorNamingFileAndLine) {
  // The NIs carry packet bytes in the flits: 64 simulated bits on 32 B links would send four
  // flits for every one the link rate allows.
  expect_error("test-machine-flits.yaml", "machine:\n  npus: 2\nrouter:\n  payload_bits: 64\ntopology:\n  flit_bytes: 32\n",
               "test-machine-flits.yaml:5: router.payload_bits: 64 bits, but the links carry 32 B per flit "
               "(topology.flit_bytes)");
  EXPECT_EQ(load_machine_config(preset("node8.yaml")).net.router.payload_bits, 256u);
  EXPECT_EQ(load_machine_config(preset("cm384.yaml")).net.router.payload_bits, 256u);
}

TEST(MachineConfig, KeyOfNoPartIsAnErrorNamingFileAndLine) {
  expect_error("test-machine-unknown.yaml", "machine:\n  npus: 2\nnpus: 2\n", "test-machine-unknown.yaml:4: npus: unknown key");
  expect_error("test-machine-bad.yaml", "machine:\n  npus: 2\n  dmas: 1\n", "test-machine-bad.yaml:4: machine.dmas: unknown key");
  expect_error("test-machine-die.yaml", "machine:\n  npus: 2\ndie:\n  aiv: 3\n", "test-machine-die.yaml:5: die.aiv");
}

}  // namespace
}  // namespace snsim
