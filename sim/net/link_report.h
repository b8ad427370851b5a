#pragma once
// Link reports shared by `snsim net` and `snsim run` on a machine (docs/network.md "Outputs",
// docs/machine.md "Outputs"): the per-router output-port utilization matrix of links.json, the
// mean / max utilization summary, and the heat map drawn by scripts/plot_net.py.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "noc/topology.h"

namespace snsim::net {

// Flits per cycle on every channel: flits[ch] / cycles (0 for no cycles).
std::vector<double> channel_utilization(const std::vector<std::uint64_t>& flits, std::uint64_t cycles);

// Output-port utilization of every router, rows in router order (null for an unwired port): the
// "util" of a links.json point, which the heat map draws.
nlohmann::ordered_json router_port_matrix(const noc::Topology& topo, const std::vector<double>& util);

// Mean and max utilization of router-to-router channels and of endpoint channels (each way):
// switch_links_mean, switch_links_max, endpoint_links_mean, endpoint_links_max.
nlohmann::ordered_json utilization_summary(const noc::Topology& topo, const std::vector<double>& util);

// Runs scripts/plot_net.py on the results directory `out` (net.json and / or links.json there:
// latency.png, links.png). A failure to plot is a warning naming `who` and the command, not fatal.
// Returns whether the script succeeded.
bool plot_links(const std::filesystem::path& out, const std::string& who);

}  // namespace snsim::net
