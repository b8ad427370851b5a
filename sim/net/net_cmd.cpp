#include "net/net_cmd.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/stats.h"
#include "config/config.h"
#include "config/net_config.h"
#include "net/link_report.h"
#include "net/network_sim.h"
#include "net/switch_sim.h"
#include "noc/topology.h"
#include "version.h"

namespace snsim::net {

namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  write_file_atomic(path.string(), text);
}

// The packet count and latency fields every result has (LoadPoint, AllToAllResult, AllReduceResult).
template <class Result>
void add_latency(nlohmann::ordered_json& j, const Result& r) {
  j["packets"] = r.packets;
  j["latency_mean_cycles"] = r.lat_mean;
  j["latency_p50_cycles"] = r.lat_p50;
  j["latency_p99_cycles"] = r.lat_p99;
  j["latency_max_cycles"] = r.lat_max;
}

nlohmann::ordered_json point_json(const LoadPoint& r) {
  nlohmann::ordered_json j;
  j["offered_load"] = r.offered;
  j["injected_load"] = r.injected;
  j["accepted_load"] = r.accepted;
  add_latency(j, r);
  j["saturated"] = r.saturated;
  j["cycles"] = r.cycles;
  return j;
}


int run_network(const NetOptions& opt, const NetConfig& cfg, Logger& log, const std::filesystem::path& out,
                StatsRegistry& stats, nlohmann::ordered_json& result,
                std::chrono::steady_clock::time_point wall0) {
  const TrafficCfg& t = cfg.traffic;
  nlohmann::ordered_json links;
  try {
    NetworkSim sim(cfg, log);
    sim.set_threads(opt.threads);
    const noc::Topology& topo = sim.topology();
    nlohmann::ordered_json net;
    net["kind"] = std::string(to_string(cfg.topology.kind));
    net["routers"] = topo.routers().size();
    net["rtl_routers"] = sim.rtl_routers();
    net["endpoints"] = topo.num_endpoints();
    net["channels"] = topo.channels().size();
    std::uint64_t endpoint_ports = 0;
    for (std::uint32_t e : topo.endpoints()) endpoint_ports += topo.nodes()[e].ports;
    net["endpoint_links"] = endpoint_ports;  // links from endpoints into the network, all endpoints
    net["link_gbytes_per_s"] = sim.link_bytes_per_s() / 1e9;
    result["network"] = net;
    links["routers"] = nlohmann::ordered_json::array();
    for (std::uint32_t r : topo.routers()) links["routers"].push_back(topo.nodes()[r].name);
    links["points"] = nlohmann::ordered_json::array();
    if (!opt.wave.empty()) sim.open_wave(opt.wave, opt.wave_cycles);
    fmt::print("snsim net: {} ({} network: {} routers ({} RTL), {} endpoints, {} links of {:.1f} GB/s; {} "
               "traffic, {}-flit packets, up-routing {}, spread {}, seed {})\n",
               opt.config, to_string(cfg.topology.kind), topo.routers().size(), sim.rtl_routers(),
               topo.num_endpoints(), topo.channels().size() / 2, sim.link_bytes_per_s() / 1e9, to_string(t.pattern),
               t.packet_flits, to_string(cfg.topology.up_routing), to_string(cfg.topology.spread), cfg.seed);
    std::fflush(stdout);
    auto save = [&] {
      write_file(out / "net.json", result.dump(2) + "\n");
      write_file(out / "links.json", links.dump() + "\n");
      stats.write_json((out / "stats.json").string());
    };
    if (t.pattern == TrafficPattern::AllToAll) {
      const AllToAllResult r = sim.run_all_to_all(stats);
      nlohmann::ordered_json j;
      j["ranks"] = r.ranks;
      j["bytes_per_pair"] = r.bytes_per_pair;
      j["cycles"] = r.cycles;
      j["simulated_seconds"] = r.seconds;
      j["gbytes_per_s_per_endpoint"] = r.gbytes_per_s_per_endpoint;
      j["algbw_gbytes_per_s"] = r.algbw_gbytes_per_s;
      j["busbw_gbytes_per_s"] = r.gbytes_per_s_per_endpoint;
      j["bound_cycles"] = r.bound_cycles;
      j["fraction_of_bound"] = r.fraction_of_bound;
      add_latency(j, r);
      j["utilization"] = utilization_summary(topo, sim.channel_utilization());
      auto spread = [](const AllToAllResult::Spread& s) {
        return nlohmann::ordered_json{{"first", s.first}, {"median", s.median}, {"last", s.last}};
      };
      j["ranks_done_sending"] = spread(r.sent_done);
      j["ranks_done_receiving"] = spread(r.received_done);
      j["window_cycles"] = r.window_cycles;
      j["sent_per_window"] = r.sent_per_window;
      j["received_per_window"] = r.received_per_window;
      result["all_to_all"] = j;
      links["points"].push_back({{"label", "all_to_all"}, {"util", router_port_matrix(topo, sim.channel_utilization())}});
      fmt::print("all-to-all of {} B per pair over {} ranks: {} cycles = {:.2f} us, {:.1f} GB/s per endpoint (busbw), "
                 "{:.1f}% of the non-blocking bound ({} cycles); packet latency mean {:.0f} p99 {} max {} cycles\n",
                 r.bytes_per_pair, r.ranks, r.cycles, r.seconds * 1e6, r.gbytes_per_s_per_endpoint, 100 * r.fraction_of_bound,
                 r.bound_cycles, r.lat_mean, r.lat_p99, r.lat_max);
      fmt::print("ranks done sending at cycles {} / {} / {} (first / median / last), receiving at {} / {} / {}\n",
                 r.sent_done.first, r.sent_done.median, r.sent_done.last, r.received_done.first,
                 r.received_done.median, r.received_done.last);
      save();
    } else if (t.pattern == TrafficPattern::AllReduce) {
      const AllReduceResult r = sim.run_all_reduce(stats);
      nlohmann::ordered_json j;
      j["ranks"] = r.ranks;
      j["group"] = r.group;
      j["bytes"] = r.bytes;
      j["steps"] = r.steps;
      j["cycles"] = r.cycles;
      j["simulated_seconds"] = r.seconds;
      j["algbw_gbytes_per_s"] = r.algbw_gbytes_per_s;
      j["busbw_gbytes_per_s"] = r.busbw_gbytes_per_s;
      j["injection_gbytes_per_s"] = r.injection_gbytes_per_s;
      j["busbw_fraction_of_injection"] = r.busbw_gbytes_per_s / r.injection_gbytes_per_s;
      j["flits"] = r.flits;
      add_latency(j, r);
      j["utilization"] = utilization_summary(topo, sim.channel_utilization());
      result["all_reduce"] = j;
      links["points"].push_back({{"label", "all_reduce"}, {"util", router_port_matrix(topo, sim.channel_utilization())}});
      fmt::print("{} all-reduce of {} B over {} ranks ({} steps): {} cycles = {:.2f} us, algbw {:.1f} GB/s, busbw "
                 "{:.1f} GB/s = {:.1f}% of a rank's {:.1f} GB/s injection; packet latency mean {:.0f} p99 {} max {} "
                 "cycles\n",
                 r.group == r.ranks ? std::string("ring") : fmt::format("hierarchical (groups of {})", r.group),
                 r.bytes, r.ranks, r.steps, r.cycles, r.seconds * 1e6, r.algbw_gbytes_per_s, r.busbw_gbytes_per_s,
                 100 * r.busbw_gbytes_per_s / r.injection_gbytes_per_s, r.injection_gbytes_per_s, r.lat_mean,
                 r.lat_p99, r.lat_max);
      save();
    } else {
      Progress progress((t.warmup_cycles + t.measure_cycles) * t.loads.size(), cfg.clock_hz);
      std::size_t point = 0;
      sim.on_cycle([&](std::uint64_t c) {
        progress.update(point * (t.warmup_cycles + t.measure_cycles) + std::min(c, t.warmup_cycles + t.measure_cycles));
      });
      fmt::print("{:>8} {:>9} {:>9} {:>9} {:>8} {:>6} {:>6} {:>6} {:>8}  {}\n", "offered", "injected", "accepted",
                 "packets", "lat.mean", "p50", "p99", "max", "link.max", "");
      for (std::size_t k = 0; k < t.loads.size(); ++k) {
        point = k;
        const LoadPoint r = sim.run_point(k, stats);
        nlohmann::ordered_json pj = point_json(r);
        pj["utilization"] = utilization_summary(topo, sim.channel_utilization());
        fmt::print("{:>8.3f} {:>9.3f} {:>9.3f} {:>9} {:>8.1f} {:>6} {:>6} {:>6} {:>8.3f}  {}\n", r.offered,
                   r.injected, r.accepted, r.packets, r.lat_mean, r.lat_p50, r.lat_p99, r.lat_max,
                   std::max(pj["utilization"]["switch_links_max"].get<double>(),
                            pj["utilization"]["endpoint_links_max"].get<double>()),
                   r.saturated ? "saturated" : "");
        std::fflush(stdout);
        result["points"].push_back(pj);
        links["points"].push_back(
            {{"label", fmt::format("load {}", r.offered)}, {"util", router_port_matrix(topo, sim.channel_utilization())}});
        save();
      }
      progress.finish();
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    stats.scalar("run.wall_seconds", "s", "wall-clock time of the run").set(wall);
    stats.counter("run.cycles", "cycles", "network cycles simulated, all points").add(sim.total_cycles());
    stats.scalar("run.cycles_per_second", "cycles/s", "simulated network cycles per wall second")
        .set(static_cast<double>(sim.total_cycles()) / wall);
    result["wall_seconds"] = wall;
    save();
    write_file(out / "stats.txt", stats.summary_table());
    // With --threads 2, how many cycles the timer gave to two threads (docs/network.md): the figure
    // that says whether the second core helped, since the choice depends on the machine's load.
    const std::string two_threads =
        opt.threads > 1 ? fmt::format("; {} of them on two threads", sim.parallel_cycles()) : std::string{};
    fmt::print("{} cycles in {:.2f} s ({:.0f} cycles/s{}); results in {}/net.json, links.json, stats.json and "
               "stats.txt{}\n",
               sim.total_cycles(), wall, static_cast<double>(sim.total_cycles()) / wall, two_threads, out.string(),
               opt.wave.empty() ? "" : fmt::format("; waveform in {}", opt.wave));
  } catch (const noc::TopologyError& e) {
    fmt::print(stderr, "snsim net: error: {}: topology: {}\n", opt.config, e.what());
    return 2;
  } catch (const IntegrityError& e) {
    fmt::print(stderr, "snsim net: network integrity error: {}\n", e.what());
    stats.write_json((out / "stats.json").string());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "snsim net: error: {}\n", e.what());
    return 1;
  }
  if (opt.plot) plot_links(out, "snsim net");
  return 0;
}

}  // namespace

int run_net(const NetOptions& opt) {
  Logger log;
  // 1. Configuration: every error names file, line and key.
  NetConfig cfg;
  try {
    cfg = load<NetConfig>(opt.config);
  } catch (const ConfigError& e) {
    fmt::print(stderr, "snsim net: error: {}\n", e.what());
    return 2;
  }
  if (opt.seed) cfg.seed = *opt.seed;
  log.set_level(cfg.log_level);
  if (opt.log_level) log.set_level(*opt.log_level);
  const std::filesystem::path out(opt.out_dir);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec || !std::filesystem::is_directory(out)) {
    fmt::print(stderr, "snsim net: error: cannot create output directory {}: {}\n", out.string(),
               ec ? ec.message() : "not a directory");
    return 2;
  }
  const auto wall0 = std::chrono::steady_clock::now();

  StatsRegistry stats;
  nlohmann::ordered_json result;
  result["snsim_version"] = kVersion;
  result["command"] = "net";
  result["config_file"] = opt.config;
  result["config"] = to_json(cfg);
  result["points"] = nlohmann::ordered_json::array();

  if (cfg.topology.kind != TopologyKind::Switch) return run_network(opt, cfg, log, out, stats, result, wall0);

  // 2. The sweep. Results are written after every point, so a run stopped early (or one that hits
  //    an integrity error) leaves the points finished so far readable.
  try {
    SwitchSim sim(cfg, log);
    if (!opt.wave.empty()) sim.open_wave(opt.wave, opt.wave_cycles);
    const TrafficCfg& t = cfg.traffic;
    // A point's length past its measurement window depends on the load; the estimate counts the
    // injection phase of each point, and a draining point holds at its end.
    const std::uint64_t per_point = t.warmup_cycles + t.measure_cycles;
    Progress progress(per_point * t.loads.size(), cfg.clock_hz);
    sim.on_cycle([&](std::size_t k, std::uint64_t c) { progress.update(k * per_point + std::min(c, per_point)); });

    fmt::print("snsim net: {} ({}-port switch, {} VCs x {} flits, {}-bit payload, {} traffic, "
               "{}-flit packets, seed {})\n",
               opt.config, cfg.router.ports, cfg.router.vcs, cfg.router.buf_depth,
               cfg.router.payload_bits, to_string(t.pattern), t.packet_flits, cfg.seed);
    fmt::print("{:>8} {:>9} {:>9} {:>9} {:>8} {:>6} {:>6} {:>6}  {}\n", "offered", "injected",
               "accepted", "packets", "lat.mean", "p50", "p99", "max", "");
    for (std::size_t k = 0; k < t.loads.size(); ++k) {
      const LoadPoint r = sim.run_point(k, stats);
      fmt::print("{:>8.3f} {:>9.3f} {:>9.3f} {:>9} {:>8.1f} {:>6} {:>6} {:>6}  {}\n", r.offered,
                 r.injected, r.accepted, r.packets, r.lat_mean, r.lat_p50, r.lat_p99, r.lat_max,
                 r.saturated ? "saturated" : "");
      std::fflush(stdout);
      result["points"].push_back(point_json(r));
      write_file(out / "net.json", result.dump(2) + "\n");
      stats.write_json((out / "stats.json").string());
    }
    progress.finish();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    stats.scalar("run.wall_seconds", "s", "wall-clock time of the run").set(wall);
    stats.counter("run.cycles", "cycles", "router cycles simulated, all points").add(sim.total_cycles());
    stats.scalar("run.cycles_per_second", "cycles/s", "simulated router cycles per wall second")
        .set(static_cast<double>(sim.total_cycles()) / wall);
    result["wall_seconds"] = wall;
    write_file(out / "net.json", result.dump(2) + "\n");
    stats.write_json((out / "stats.json").string());
    const std::string table = stats.summary_table();
    write_file(out / "stats.txt", table);
    log.info("statistics:\n{}", table);
    fmt::print("{} cycles in {:.2f} s ({:.0f} cycles/s); results in {}/net.json, stats.json and "
               "stats.txt{}\n",
               sim.total_cycles(), wall, static_cast<double>(sim.total_cycles()) / wall, out.string(),
               opt.wave.empty() ? "" : fmt::format("; waveform in {}", opt.wave));
    if (opt.plot) plot_links(out, "snsim net");
  } catch (const IntegrityError& e) {
    // The points finished before the error stay in net.json; stats.json gains the failing point.
    fmt::print(stderr, "snsim net: switch integrity error: {}\n", e.what());
    stats.write_json((out / "stats.json").string());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "snsim net: error: {}\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace snsim::net
