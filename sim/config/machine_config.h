#pragma once
// Configuration of a machine for `snsim run` (issue 6 §2, DECISIONS.md D21): NPUs of dies joined by
// the die-to-die link inside an NPU and by the UB network between NPUs. A machine config is one file
// holding three parts, usually through `include:`:
//   - the keys of a network config (NetConfig: seed, clock, router, topology, ...), e.g.
//     `include: node8-net.yaml`; one endpoint per die, so the topology has npus x dies_per_npu
//     endpoints (an error naming both numbers otherwise);
//   - the keys of a die config (DieConfig: die, core, gm, max_cycles), e.g. `include: die.yaml`;
//     every die of the machine is that die;
//   - the `machine` section (MachineCfg below): the counts, the die-to-die link, the network
//     interfaces and the DMA engines. Its presence is what makes a file a machine config.
// Keys of the first two parts are those of their own schemas (docs/config.md), declared there once.

#include <cstdint>
#include <string>

#include "config/config.h"
#include "config/die_config.h"
#include "config/net_config.h"

namespace snsim {

struct MachineCfg {
  std::uint32_t npus{};
  std::uint32_t dies_per_npu{};
  double d2d_bytes_per_second{};  // per direction
  double d2d_latency_s{};
  std::uint32_t ni_max_outstanding{};
  std::uint32_t ni_response_queue{};
  double ni_command_latency_s{};
  double ni_request_gap_s{};
  std::uint32_t dma_chunk_bytes{};
  std::uint32_t dma_max_outstanding{};
  double dma_startup_s{};

  static void describe(Schema<MachineCfg>& s);
};

// The top level of a machine config as a schema: only its `machine` section is declared here
// (the rest are NetConfig's and DieConfig's keys, see load_machine_config).
struct MachineFileCfg {
  MachineCfg machine;
  static void describe(Schema<MachineFileCfg>& s);
};

struct MachineConfig {
  MachineCfg machine;
  NetConfig net;
  DieConfig die;

  std::uint32_t num_dies() const { return machine.npus * machine.dies_per_npu; }
};

// True if the config file at `path` (with its includes) has a top-level `machine` key.
bool is_machine_config(const std::string& path);

// Reads `path` and its includes once and loads each part with its own schema. A key that belongs
// to none of the three parts, and a topology whose endpoint count is not npus x dies_per_npu, are a
// ConfigError naming the file and line.
MachineConfig load_machine_config(const std::string& path);

}  // namespace snsim
