#include "run/machine_report.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/units.h"
#include "net/link_report.h"

namespace snsim::run {

namespace {

// The number at dotted statistic path `path` ("die0.ni.latency") and field `field` of the registry's
// JSON, 0 when absent or null (an empty histogram).
double stat(const nlohmann::ordered_json& stats, std::string path, const char* field = "value") {
  std::replace(path.begin(), path.end(), '.', '/');
  const nlohmann::json::json_pointer at("/" + path + "/" + field);
  return stats.contains(at) && stats[at].is_number() ? stats[at].get<double>() : 0.0;
}

constexpr const char* kUbKinds[] = {"writes", "reads", "atomics", "notifies"};

}  // namespace

void network_stats(const noc::NocFabric& fabric, StatsRegistry& reg) {
  const noc::Topology& topo = fabric.topology();
  const std::vector<std::uint64_t>& flits = fabric.channel_flits();
  const std::vector<double> util = net::channel_utilization(flits, fabric.cycles());
  for (std::uint32_t ch = 0; ch < topo.channels().size(); ++ch) {
    const noc::PortRef from = topo.channels()[ch].from;
    const std::string name = fmt::format("noc.link.{}.port{}", topo.nodes()[from.node].name, from.port);
    reg.counter(name + ".flits", "flits",
                fmt::format("flits put on the link to {}", topo.port_name(topo.channels()[ch].to)))
        .add(flits[ch]);
    reg.scalar(name + ".utilization", "flits/cycle", "flits per network cycle of the run").set(util[ch]);
  }
  for (std::uint32_t r : topo.routers()) {
    std::uint64_t sum = 0;
    double mean = 0, max = 0;
    unsigned wired = 0;
    for (unsigned p = 0; p < topo.nodes()[r].ports; ++p) {
      const std::uint32_t ch = topo.out_channel({r, p});
      if (ch == noc::kNoChannel) continue;
      sum += flits[ch];
      mean += util[ch];
      max = std::max(max, util[ch]);
      ++wired;
    }
    const std::string name = "noc.switch." + topo.nodes()[r].name;
    reg.counter(name + ".flits", "flits", "flits leaving the switch's output ports").add(sum);
    reg.scalar(name + ".utilization_mean", "flits/cycle", "mean over its wired output ports")
        .set(wired ? mean / wired : 0.0);
    reg.scalar(name + ".utilization_max", "flits/cycle", "its busiest output port").set(max);
  }
}

std::vector<DieFigures> die_npu_stats(const nlohmann::ordered_json& stats, npu::Machine& m,
                                      const MachineConfig& cfg, StatsRegistry& reg) {
  const noc::NocFabric& fabric = m.fabric();
  const noc::Topology& topo = fabric.topology();
  const std::vector<double> util = net::channel_utilization(fabric.channel_flits(), fabric.cycles());
  const std::uint32_t per_npu = cfg.machine.dies_per_npu;
  std::vector<DieFigures> dies;
  std::vector<std::array<double, 7>> npu(cfg.machine.npus, std::array<double, 7>{});
  for (std::uint32_t d = 0; d < m.num_dies(); ++d) {
    const std::string dn = fmt::format("die{}", d);
    std::uint64_t instructions = 0;
    DieFigures r;
    r.die = d;
    for (const auto& c : m.cores(d)) {
      instructions += c->instructions();
      r.cube_flops += stat(stats, c->name() + ".m.flops");
      r.vector_flops += stat(stats, c->name() + ".v.flops");
      for (const char* pipe : {"mte2", "mte3", "fix"}) r.gm_bytes += stat(stats, c->name() + "." + pipe + ".bytes");
    }
    reg.counter(dn + ".instructions", "instructions", "instructions of the die's cores").add(instructions);
    reg.counter(dn + ".cube_flops", "ops", "cube operations of the die's cores")
        .add(static_cast<std::uint64_t>(r.cube_flops));
    reg.counter(dn + ".vector_flops", "ops", "vector operations of the die's cores")
        .add(static_cast<std::uint64_t>(r.vector_flops));
    reg.counter(dn + ".gm_bytes", "bytes", "bytes the die's cores moved to or from GM (mte2, mte3, fix)")
        .add(static_cast<std::uint64_t>(r.gm_bytes));
    r.l2_hits = stat(stats, dn + ".l2.hits");
    r.l2_accesses = r.l2_hits + stat(stats, dn + ".l2.misses");
    r.d2d_bytes = stat(stats, dn + ".gm.link_bytes");
    for (const char* kind : kUbKinds) r.ub_commands += stat(stats, dn + ".ni." + kind);
    r.ub_bytes = stat(stats, dn + ".ni.bytes_sent");
    r.ub_latency = stat(stats, dn + ".ni.latency", "mean");
    const std::uint32_t ep = topo.endpoints()[d];
    for (unsigned p = 0; p < topo.nodes()[ep].ports; ++p) {
      const std::uint32_t ch = topo.out_channel({ep, p});
      if (ch != noc::kNoChannel) r.ub_link_max = std::max(r.ub_link_max, util[ch]);
    }
    const std::array<double, 7> v{static_cast<double>(instructions), r.cube_flops, r.vector_flops, r.gm_bytes,
                                  r.d2d_bytes, r.ub_commands, r.ub_bytes};
    for (std::size_t i = 0; i < v.size(); ++i) npu[d / per_npu][i] += v[i];
    dies.push_back(r);
  }
  for (std::uint32_t n = 0; n < cfg.machine.npus; ++n) {
    const std::string nn = fmt::format("npu{}", n);
    const auto add = [&](const char* key, const char* unit, const char* desc, double v) {
      reg.counter(nn + "." + key, unit, desc).add(static_cast<std::uint64_t>(v));
    };
    add("instructions", "instructions", "instructions of the NPU's cores", npu[n][0]);
    add("cube_flops", "ops", "cube operations of the NPU's cores", npu[n][1]);
    add("vector_flops", "ops", "vector operations of the NPU's cores", npu[n][2]);
    add("gm_bytes", "bytes", "bytes its cores moved to or from GM", npu[n][3]);
    add("d2d_bytes", "B", "bytes its dies sent or fetched over the die-to-die link", npu[n][4]);
    add("ub_commands", "commands", "UB commands its NIs accepted", npu[n][5]);
    add("ub_bytes_sent", "B", "data bytes its NIs sent into the network", npu[n][6]);
  }
  return dies;
}

std::string die_table(const std::vector<DieFigures>& rows, npu::Machine& m, const MachineConfig& cfg,
                      double seconds) {
  const noc::NocFabric& fabric = m.fabric();
  const noc::Topology& topo = fabric.topology();
  const std::vector<double> util = net::channel_utilization(fabric.channel_flits(), fabric.cycles());
  const double net_ns = 1e9 / cfg.net.clock_hz;
  const double s = std::max(seconds, 1e-30);
  std::string out = fmt::format("{:<16} {:>11} {:>10} {:>8} {:>7} {:>8} {:>8} {:>10} {:>9} {:>8}\n", "per die",
                                "cube TFLOPS", "vec GFLOPS", "GM MB", "L2 hit", "d2d MB", "UB cmds", "UB MB sent",
                                "UB lat ns", "UB link");
  const auto line = [&](const std::string& label, const DieFigures& r) {
    out += fmt::format("{:<16} {:>11.2f} {:>10.2f} {:>8.2f} {:>7} {:>8.3f} {:>8.0f} {:>10.3f} {:>9.0f} {:>7.1f}%\n",
                       label, r.cube_flops / s / 1e12, r.vector_flops / s / 1e9, r.gm_bytes / 1e6,
                       r.l2_accesses > 0 ? fmt::format("{:.1f}%", 100 * r.l2_hits / r.l2_accesses) : "-",
                       r.d2d_bytes / 1e6, r.ub_commands, r.ub_bytes / 1e6, r.ub_latency * net_ns, 100 * r.ub_link_max);
  };
  const std::uint32_t per_npu = cfg.machine.dies_per_npu;
  const auto label = [&](std::uint32_t d) { return fmt::format("die{} (npu{})", d, d / per_npu); };
  if (rows.size() <= kAllDiesRows) {
    for (const DieFigures& r : rows) line(label(r.die), r);
  } else {
    // Sums (latency: over every command, L2: over every access), means and the largest per die.
    constexpr double DieFigures::*kSummed[] = {&DieFigures::cube_flops, &DieFigures::vector_flops,
                                               &DieFigures::gm_bytes,   &DieFigures::l2_hits,
                                               &DieFigures::l2_accesses, &DieFigures::d2d_bytes,
                                               &DieFigures::ub_commands, &DieFigures::ub_bytes};
    DieFigures sum, max;
    double latency_weight = 0, link_sum = 0, max_hit_rate = 0;
    for (const DieFigures& r : rows) {
      for (auto f : kSummed) {
        sum.*f += r.*f;
        max.*f = std::max(max.*f, r.*f);
      }
      max.ub_latency = std::max(max.ub_latency, r.ub_latency);
      max.ub_link_max = std::max(max.ub_link_max, r.ub_link_max);
      if (r.l2_accesses > 0) max_hit_rate = std::max(max_hit_rate, r.l2_hits / r.l2_accesses);
      latency_weight += r.ub_latency * r.ub_commands;
      link_sum += r.ub_link_max;
    }
    max.l2_hits = max_hit_rate * max.l2_accesses;  // shown as the best hit rate of a die
    sum.ub_latency = sum.ub_commands > 0 ? latency_weight / sum.ub_commands : 0;
    sum.ub_link_max = max.ub_link_max;
    DieFigures mean = sum;
    const double n = static_cast<double>(rows.size());
    for (auto f : kSummed) mean.*f /= n;
    mean.ub_link_max = link_sum / n;
    line(fmt::format("all {} dies", rows.size()), sum);
    line("mean per die", mean);
    line("max of a die", max);
    std::vector<DieFigures> top = rows;
    std::stable_sort(top.begin(), top.end(),
                     [](const DieFigures& a, const DieFigures& b) { return a.ub_bytes > b.ub_bytes; });
    out += fmt::format("the {} dies that sent the most UB bytes:\n", kTopDies);
    for (std::size_t i = 0; i < kTopDies && i < top.size(); ++i) line("  " + label(top[i].die), top[i]);
  }
  const nlohmann::ordered_json u = net::utilization_summary(topo, util);
  const bool tiers = std::any_of(topo.channels().begin(), topo.channels().end(), [&](const noc::Channel& c) {
    return topo.nodes()[c.from.node].kind == noc::TopoNode::Kind::Router &&
           topo.nodes()[c.to.node].kind == noc::TopoNode::Kind::Router;
  });
  out += fmt::format("network          {} cycles at {}, {} switch{}, {} links (one way each); flits per cycle: die "
                     "links mean {:.1f}% max {:.1f}%{}\n",
                     fabric.cycles(), format_frequency(cfg.net.clock_hz), topo.routers().size(),
                     topo.routers().size() == 1 ? "" : "es", topo.channels().size(),
                     100 * u["endpoint_links_mean"].get<double>(), 100 * u["endpoint_links_max"].get<double>(),
                     tiers ? fmt::format(", switch-to-switch links mean {:.1f}% max {:.1f}%",
                                         100 * u["switch_links_mean"].get<double>(),
                                         100 * u["switch_links_max"].get<double>())
                           : "");
  return out;
}

nlohmann::ordered_json links_json(const noc::NocFabric& fabric, const std::string& title) {
  const noc::Topology& topo = fabric.topology();
  nlohmann::ordered_json links;
  links["title"] = title;
  links["cycles"] = fabric.cycles();
  links["routers"] = nlohmann::ordered_json::array();
  for (std::uint32_t r : topo.routers()) links["routers"].push_back(topo.nodes()[r].name);
  links["points"] = nlohmann::ordered_json::array();
  links["points"].push_back(
      {{"label", "run"},
       {"util", net::router_port_matrix(topo, net::channel_utilization(fabric.channel_flits(), fabric.cycles()))}});
  return links;
}

std::vector<std::string> open_waves(npu::Machine& m, const std::filesystem::path& out) {
  const std::vector<std::string> routers = m.fabric().rtl_router_names();
  if (routers.empty()) {
    throw std::runtime_error("the machine's network has no RTL router (set router.impl or topology.impl_overrides "
                             "to rtl: docs/machine.md)");
  }
  const char* env = std::getenv("SNSIM_RTL");
  const std::filesystem::path gtkw = std::filesystem::path(env ? env : SNSIM_RTL_DIR) / "router" / "sn_router.gtkw";
  std::ifstream in(gtkw);
  if (!in) throw std::runtime_error(fmt::format("cannot read the GTKWave save file {}", gtkw.string()));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<std::string> files;
  for (const std::string& r : routers) {
    const std::filesystem::path fst = std::filesystem::absolute(out / (r + ".fst"));
    const std::filesystem::path save = std::filesystem::absolute(out / (r + ".gtkw"));
    m.fabric().open_wave(r, fst.string());
    std::string text = fmt::format("[*] router {} of a snsim run --wave, from {}: one time unit is half a network "
                                   "cycle, time 0 the run's start.\n", r, gtkw.string());
    for (const std::string& line : lines) {
      if (line.starts_with("[dumpfile]")) text += fmt::format("[dumpfile] \"{}\"\n", fst.string());
      else if (line.starts_with("[savefile]")) text += fmt::format("[savefile] \"{}\"\n", save.string());
      else if (line.starts_with("[timestart]")) text += "[timestart] 0\n";
      else text += line + "\n";
    }
    write_file_atomic(save.string(), text);
    files.push_back(fst.string());
  }
  return files;
}

}  // namespace snsim::run
