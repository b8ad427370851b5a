#include "net/net_cmd.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/stats.h"
#include "config/config.h"
#include "config/net_config.h"
#include "net/switch_sim.h"
#include "version.h"

namespace snsim::net {

namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  write_file_atomic(path.string(), text);
}

nlohmann::ordered_json point_json(const LoadPoint& r) {
  nlohmann::ordered_json j;
  j["offered_load"] = r.offered;
  j["injected_load"] = r.injected;
  j["accepted_load"] = r.accepted;
  j["packets"] = r.packets;
  j["latency_mean_cycles"] = r.lat_mean;
  j["latency_p50_cycles"] = r.lat_p50;
  j["latency_p99_cycles"] = r.lat_p99;
  j["latency_max_cycles"] = r.lat_max;
  j["saturated"] = r.saturated;
  j["cycles"] = r.cycles;
  return j;
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
