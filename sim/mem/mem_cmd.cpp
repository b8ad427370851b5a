#include "mem/mem_cmd.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/stats.h"
#include "config/config.h"
#include "config/hbm_config.h"
#include "hbm/hbm_stack.h"
#include "hbm/timing_checker.h"
#include "hbm/traffic.h"
#include "hbm/vcd_writer.h"

namespace snsim::mem {

namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  write_file_atomic(path.string(), text);
}

}  // namespace

int run_mem(const MemOptions& opt) {
  // 1. Configuration and input: every error names the file and line.
  MemConfig cfg;
  try {
    cfg = load<MemConfig>(opt.config);
  } catch (const ConfigError& e) {
    fmt::print(stderr, "snsim mem: error: {}\n", e.what());
    return 2;
  }
  if (opt.seed) cfg.seed = *opt.seed;
  if (!opt.trace.empty()) {
    cfg.traffic.pattern = MemPattern::Trace;
    cfg.traffic.trace = opt.trace;
  }
  const std::filesystem::path out(opt.out_dir);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec || !std::filesystem::is_directory(out)) {
    fmt::print(stderr, "snsim mem: error: cannot create output directory {}: {}\n", out.string(),
               ec ? ec.message() : "not a directory");
    return 2;
  }
  StatsRegistry stats;
  hbm::HbmStack stack(cfg.hbm, stats);
  std::vector<hbm::TraceEntry> trace;
  if (cfg.traffic.pattern == MemPattern::Trace) {
    try {
      trace = hbm::read_trace(cfg.traffic.trace, stack);
    } catch (const hbm::TraceError& e) {
      fmt::print(stderr, "snsim mem: error: {}\n", e.what());
      return 2;
    }
  }
  std::unique_ptr<hbm::TimingChecker> checker;
  std::unique_ptr<hbm::VcdWriter> vcd;
  try {
    if (opt.check) {
      checker = std::make_unique<hbm::TimingChecker>(cfg.hbm, cfg.hbm.controller.refresh != HbmRefresh::None);
      stack.add_observer(checker.get());
    }
    if (!opt.vcd.empty()) {
      vcd = std::make_unique<hbm::VcdWriter>(opt.vcd, cfg.hbm, opt.vcd_cycles);
      stack.add_observer(vcd.get());
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "snsim mem: error: {}\n", e.what());
    return 2;
  }

  // 2. The run.
  const MemTrafficCfg& t = cfg.traffic;
  fmt::print("snsim mem: {} ({} stack, {} channels x {} pseudo-channels, {:.1f} GB/s peak; {} {}; "
             "{} refresh, {} page, {}; seed {}{})\n",
             opt.config, cfg.hbm.standard, cfg.hbm.org.channels, cfg.hbm.org.pseudo_channels,
             cfg.hbm.peak_bytes_per_second() / 1e9,
             t.pattern == MemPattern::Trace ? "trace" : to_string(t.pattern),
             t.pattern == MemPattern::Trace ? t.trace
                                            : fmt::format("{} x {} B, {:.0f}% reads, {}", t.requests, t.size,
                                                          100 * t.read_fraction,
                                                          t.rate > 0 ? fmt::format("{} requests/cycle", t.rate)
                                                                     : std::string("saturating")),
             to_string(cfg.hbm.controller.refresh), to_string(cfg.hbm.controller.page_policy),
             to_string(cfg.hbm.controller.scheduler), cfg.seed, opt.check ? ", timing checked" : "");
  hbm::Generator gen(t, cfg.hbm.org.stack_bytes(), cfg.seed);
  std::size_t next_trace = 0;
  const auto source = [&](hbm::TraceEntry& e) {
    if (t.pattern != MemPattern::Trace) return gen.next(e);
    if (next_trace >= trace.size()) return false;
    e = trace[next_trace++];
    return true;
  };
  const auto wall0 = std::chrono::steady_clock::now();
  hbm::Cycle end = 0;
  try {
    end = hbm::drive(stack, source);
    if (checker) checker->finish(end);
  } catch (const hbm::TimingViolation& v) {
    fmt::print(stderr, "snsim mem: {}\n", v.what());
    stats.write_json((out / "stats.json").string());
    return 1;
  }
  if (vcd) vcd->finish(end);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

  // 3. Report.
  const hbm::HbmSummary s = stack.summarize(end);
  const nlohmann::ordered_json j = stats.to_json();
  const double ns = 1e9 / cfg.hbm.clock_hz;
  const auto lat = [&](const char* name, const char* field) {
    const auto& v = j["hbm"][name][field];
    return v.is_null() ? 0.0 : v.get<double>();
  };
  // Per-bank activity: ACTs per bank over the stack.
  std::uint64_t act_min = UINT64_MAX, act_max = 0, act_sum = 0, nbanks = 0;
  for (const auto& [chk, chv] : j["hbm"].items()) {
    if (!chk.starts_with("ch")) continue;
    for (const auto& [pck, pcv] : chv.items()) {
      for (const auto& [bk, bv] : pcv["bank_act"].items()) {
        const auto a = bv["value"].get<std::uint64_t>();
        act_min = std::min(act_min, a);
        act_max = std::max(act_max, a);
        act_sum += a;
        ++nbanks;
      }
    }
  }
  const std::string report = fmt::format(
      "requests       {} reads, {} writes, {} B in {} cycles ({:.3f} us)\n"
      "bandwidth      {:.1f} GB/s = {:.1f}% of {:.1f} GB/s peak\n"
      "read latency   mean {:.1f}, p50 {:.0f}, p99 {:.0f} cycles (mean {:.1f} ns)\n"
      "write latency  mean {:.1f}, p50 {:.0f}, p99 {:.0f} cycles (mean {:.1f} ns)\n"
      "row hit rate   {:.1f}%\n"
      "refresh share  {:.2f}% of bank time\n"
      "bank activity  ACTs per bank: min {}, mean {:.1f}, max {} over {} banks\n"
      "energy         {:.3f} uJ, {:.2f} pJ/bit\n"
      "commands       {}{}\n",
      s.reads, s.writes, s.bytes, s.cycles, static_cast<double>(s.cycles) * ns / 1e3, s.bandwidth_gbs,
      100 * s.efficiency, s.peak_gbs, lat("read_latency", "mean"), lat("read_latency", "p50"),
      lat("read_latency", "p99"), lat("read_latency", "mean") * ns, lat("write_latency", "mean"),
      lat("write_latency", "p50"), lat("write_latency", "p99"), lat("write_latency", "mean") * ns,
      100 * s.row_hit_rate, 100 * s.refresh_share, nbanks ? act_min : 0,
      nbanks ? static_cast<double>(act_sum) / static_cast<double>(nbanks) : 0.0, act_max, nbanks,
      s.energy_pj / 1e6, s.pj_per_bit, s.commands,
      checker ? fmt::format(", {} checked, 0 timing violations", checker->commands_checked()) : "");
  fmt::print("{}", report);

  nlohmann::ordered_json result;
  result["command"] = "mem";
  result["config_file"] = opt.config;
  result["config"] = to_json(cfg);
  result["cycles"] = s.cycles;
  result["reads"] = s.reads;
  result["writes"] = s.writes;
  result["bytes"] = s.bytes;
  result["bandwidth_gbs"] = s.bandwidth_gbs;
  result["peak_gbs"] = s.peak_gbs;
  result["efficiency"] = s.efficiency;
  for (const char* name : {"read_latency", "write_latency"}) {
    result[std::string(name) + "_cycles"] = {
        {"mean", lat(name, "mean")}, {"p50", lat(name, "p50")}, {"p99", lat(name, "p99")}};
  }
  result["row_hit_rate"] = s.row_hit_rate;
  result["refresh_share"] = s.refresh_share;
  result["energy_pj"] = s.energy_pj;
  result["pj_per_bit"] = s.pj_per_bit;
  result["commands"] = s.commands;
  result["timing_checked"] = opt.check;
  write_file(out / "mem.json", result.dump(2) + "\n");
  stats.write_json((out / "stats.json").string());
  write_file(out / "stats.txt", stats.summary_table());
  fmt::print("{:.2f} s wall; results in {}/mem.json, stats.json and stats.txt{}\n", wall, out.string(),
             opt.vcd.empty() ? "" : fmt::format("; waveform in {}", opt.vcd));
  return 0;
}

}  // namespace snsim::mem
