// Speed of the HBM model (make bench): simulated requests per processor second on one stack under a
// saturating generator (default: random 64 B reads, the issue 4 figure), with the achieved
// bandwidth. Prints figures; asserts nothing.
#include <cstdio>
#include <ctime>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "common/stats.h"
#include "config/hbm_config.h"
#include "hbm/hbm_stack.h"
#include "hbm/timing_checker.h"
#include "hbm/traffic.h"

int main(int argc, char** argv) {
  CLI::App app{"HBM model speed: simulated requests per second on one stack"};
  std::string config = "configs/hbm2e.yaml", pattern = "random", page, refresh;
  std::uint64_t requests = 1'000'000;
  std::uint32_t size = 64;
  double reads = 1.0;
  bool check = false;
  app.add_option("-c,--config", config, "HBM config")->capture_default_str();
  app.add_option("--pattern", pattern, "stream, random or strided")->capture_default_str();
  app.add_option("--requests", requests, "requests to simulate")->capture_default_str();
  app.add_option("--size", size, "bytes per request")->capture_default_str();
  app.add_option("--read-fraction", reads, "share of reads")->capture_default_str();
  app.add_option("--page", page, "override the page policy (open, closed, adaptive)");
  app.add_option("--refresh", refresh, "override the refresh mode (per_bank, all_bank, none)");
  app.add_flag("--check", check, "attach the timing checker");
  CLI11_PARSE(app, argc, argv);

  snsim::MemConfig cfg;
  try {
    cfg = snsim::load<snsim::MemConfig>(config);
  } catch (const snsim::ConfigError& e) {  // e.g. the default config path, run from elsewhere
    std::fprintf(stderr, "snsim-bench-hbm: error: %s\n", e.what());
    return 2;
  }
  snsim::HbmControllerCfg& c = cfg.hbm.controller;
  if (page == "closed") c.page_policy = snsim::HbmPagePolicy::Closed;
  if (page == "open") c.page_policy = snsim::HbmPagePolicy::Open;
  if (page == "adaptive") c.page_policy = snsim::HbmPagePolicy::Adaptive;
  if (refresh == "all_bank") c.refresh = snsim::HbmRefresh::AllBank;
  if (refresh == "per_bank") c.refresh = snsim::HbmRefresh::PerBank;
  if (refresh == "none") c.refresh = snsim::HbmRefresh::None;
  cfg.traffic.pattern = pattern == "stream"    ? snsim::MemPattern::Stream
                        : pattern == "strided" ? snsim::MemPattern::Strided
                                               : snsim::MemPattern::Random;
  cfg.traffic.requests = requests;
  cfg.traffic.size = size;
  cfg.traffic.read_fraction = reads;
  cfg.traffic.rate = 0;

  snsim::StatsRegistry stats;
  snsim::hbm::HbmStack stack(cfg.hbm, stats);
  snsim::hbm::TimingChecker checker(cfg.hbm, c.refresh != snsim::HbmRefresh::None);
  if (check) stack.add_observer(&checker);
  snsim::hbm::Generator gen(cfg.traffic, cfg.hbm.org.stack_bytes(), cfg.seed);
  // Processor time, not wall time: the machine is shared, and a descheduled run is not slower.
  const std::clock_t t0 = std::clock();
  const snsim::hbm::Cycle end =
      snsim::hbm::drive(stack, [&](snsim::hbm::TraceEntry& e) { return gen.next(e); });
  const double wall = static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC;
  const snsim::hbm::HbmSummary s = stack.summarize(end);
  fmt::print("hbm {} {} {} B x {} ({}, {}, {}{}): {:.0f} simulated requests/s ({:.2f} s CPU), "
             "{:.1f} GB/s = {:.1f}% of peak, {:.2f} requests/cycle, row hits {:.1f}%, {:.2f} pJ/bit\n",
             cfg.hbm.standard, pattern, size, requests, snsim::to_string(c.page_policy),
             snsim::to_string(c.refresh), snsim::to_string(c.scheduler), check ? ", checked" : "",
             static_cast<double>(requests) / wall, wall, s.bandwidth_gbs, 100 * s.efficiency,
             static_cast<double>(requests) / static_cast<double>(end), 100 * s.row_hit_rate,
             s.pj_per_bit);
  return 0;
}
