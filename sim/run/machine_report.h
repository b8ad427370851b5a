#pragma once
// The reports of `snsim run` on a machine beyond the per-core ones (issue 6 §4, docs/machine.md
// "Outputs"), computed after the run from the statistics already registered and the fabric's
// per-channel flit counts:
// - network_stats registers per link `noc.link.<node>.port<p>.{flits, utilization}` (the channel
//   leaving that router or endpoint port; utilization = flits per network cycle of the run) and per
//   switch `noc.switch.<router>.{flits, utilization_mean, utilization_max}` over its output ports;
// - die_npu_stats registers per die `die<d>.{instructions, cube_flops, vector_flops, gm_bytes}`
//   (sums over its cores; gm_bytes = the mte2, mte3 and fix pipes' bytes) and per NPU
//   `npu<n>.{instructions, cube_flops, vector_flops, gm_bytes, d2d_bytes, ub_commands, ub_bytes_sent}`
//   (sums over its dies; d2d from die<d>.gm.link_bytes, UB from die<d>.ni);
// - die_table is the summary's table: a row per die when the machine has at most kAllDiesRows dies;
//   else a total, a mean and a max row over all dies, then the kTopDies dies that sent the most UB
//   bytes (ties: lower die first), so it stays a screen long for CM384's 768 dies. Then one line on
//   the network's links;
// - links_json is links.json as `snsim net` writes it (routers, one point "run"), with a title;
// - open_waves starts the FST waveform of every RTL router (D10, D12).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/stats.h"
#include "config/machine_config.h"
#include "npu/machine.h"

namespace snsim::run {

inline constexpr std::uint32_t kAllDiesRows = 16;
inline constexpr std::uint32_t kTopDies = 8;

// A die's figures for the summary table.
struct DieFigures {
  std::uint32_t die = 0;
  double cube_flops = 0, vector_flops = 0, gm_bytes = 0, d2d_bytes = 0, ub_commands = 0, ub_bytes = 0;
  double l2_hits = 0, l2_accesses = 0;  // of its L2 (die<d>.l2; none with gm.model simple)
  double ub_latency = 0;   // mean, network cycles (0: no command)
  double ub_link_max = 0;  // the busiest of its links into the network, flits per cycle
};

void network_stats(const noc::NocFabric& fabric, StatsRegistry& reg);
// `stats`: the registry's JSON after the run. Returns every die's figures, in die order.
std::vector<DieFigures> die_npu_stats(const nlohmann::ordered_json& stats, npu::Machine& m,
                                      const MachineConfig& cfg, StatsRegistry& reg);
// `seconds`: the run's simulated time.
std::string die_table(const std::vector<DieFigures>& dies, npu::Machine& m, const MachineConfig& cfg,
                      double seconds);
nlohmann::ordered_json links_json(const noc::NocFabric& fabric, const std::string& title);

// Every RTL router of m's network writes `<out>/<router>.fst` from now on (closed with the fabric),
// and `<out>/<router>.gtkw` is written: the committed save file rtl/router/sn_router.gtkw (of the
// traced p8_v2_d8_w256 configuration; directory SNSIM_RTL or the source tree's rtl/) with its dump
// file, save file and start time set. Returns the FST paths. std::runtime_error when the network has
// no RTL router, a router's configuration was built without tracing, or a file cannot be read or written.
std::vector<std::string> open_waves(npu::Machine& m, const std::filesystem::path& out);

}  // namespace snsim::run
