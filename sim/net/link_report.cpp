#include "net/link_report.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace snsim::net {

std::vector<double> channel_utilization(const std::vector<std::uint64_t>& flits, std::uint64_t cycles) {
  std::vector<double> util(flits.size(), 0.0);
  if (cycles == 0) return util;
  for (std::size_t c = 0; c < flits.size(); ++c) util[c] = static_cast<double>(flits[c]) / static_cast<double>(cycles);
  return util;
}

nlohmann::ordered_json router_port_matrix(const noc::Topology& topo, const std::vector<double>& util) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (std::uint32_t r : topo.routers()) {
    nlohmann::ordered_json row = nlohmann::ordered_json::array();
    for (std::uint32_t p = 0; p < topo.nodes()[r].ports; ++p) {
      const std::uint32_t ch = topo.out_channel({r, p});
      row.push_back(ch == noc::kNoChannel ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(util[ch]));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

nlohmann::ordered_json utilization_summary(const noc::Topology& topo, const std::vector<double>& util) {
  double sum[2] = {0, 0}, max[2] = {0, 0};
  std::uint64_t n[2] = {0, 0};
  for (std::uint32_t ch = 0; ch < topo.channels().size(); ++ch) {
    const noc::Channel& c = topo.channels()[ch];
    const bool inner = topo.nodes()[c.from.node].kind == noc::TopoNode::Kind::Router &&
                       topo.nodes()[c.to.node].kind == noc::TopoNode::Kind::Router;
    sum[inner] += util[ch];
    max[inner] = std::max(max[inner], util[ch]);
    ++n[inner];
  }
  nlohmann::ordered_json j;
  j["switch_links_mean"] = n[1] ? sum[1] / static_cast<double>(n[1]) : 0.0;
  j["switch_links_max"] = max[1];
  j["endpoint_links_mean"] = n[0] ? sum[0] / static_cast<double>(n[0]) : 0.0;
  j["endpoint_links_max"] = max[0];
  return j;
}

bool plot_links(const std::filesystem::path& out, const std::string& who) {
  const char* env = std::getenv("SNSIM_SCRIPTS");
  const std::filesystem::path script = std::filesystem::path(env ? env : SNSIM_SCRIPTS_DIR) / "plot_net.py";
  // Debian's interpreter, which has python3-matplotlib (scripts/install-deps.sh), before any other on PATH.
  const char* python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  const std::string cmd = fmt::format("{} '{}' '{}'", python, script.string(), out.string());
  std::fflush(stdout);
  if (std::system(cmd.c_str()) != 0) {
    fmt::print(stderr, "{}: warning: plotting failed ({}); the results are written\n", who, cmd);
    return false;
  }
  return true;
}

}  // namespace snsim::net
