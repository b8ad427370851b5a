// snsim: the command line. Each subcommand is one main job; `snsim <cmd> --help` documents it.
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "config/reference.h"
#include "mem/mem_cmd.h"
#include "net/net_cmd.h"
#include "run/run_cmd.h"
#include "version.h"

// The executable allocates through jemalloc with the options of sim/malloc_conf.cpp, linked in
// when CMake found jemalloc.

namespace {

int snsim_main(int argc, char** argv) {
  CLI::App app{"snsim: cycle-level simulator of an AI supernode (CloudMatrix384 class)"};
  app.set_version_flag("--version", std::string("snsim ") + snsim::kVersion);
  app.require_subcommand(1);

  snsim::net::NetOptions net;
  CLI::App* net_cmd = app.add_subcommand(
      "net", "Load sweep or all-to-all on one switch or a network (mesh, Clos, CM384, NVL72-like) with traffic "
             "sources and sinks on every endpoint");
  net_cmd->add_option("-c,--config", net.config, "Network config (YAML), e.g. configs/switch8-net.yaml")
      ->required()
      ->check(CLI::ExistingFile);
  net_cmd->add_option("-o,--out", net.out_dir, "Directory for net.json and stats.json")
      ->capture_default_str();
  net_cmd->add_option("--wave", net.wave, "Write an FST waveform of the switch (or of the first RTL router of a network) to this file");
  net_cmd->add_option("--wave-cycles", net.wave_cycles,
                      "Stop the waveform after this many cycles (0: whole run)")
      ->capture_default_str();
  net_cmd->add_flag("--plot", net.plot,
                    "Also write latency.png (latency vs load) and links.png (link-utilization heat map)");
  net_cmd->add_option("--threads", net.threads,
                      "Threads stepping a network's routers, 1 or 2 (the results are the same with either)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 2u));
  net_cmd->add_option("--seed", net.seed, "Override the config's seed");
  net_cmd->add_option("--log-level", net.log_level, "error, warn, info, debug or trace (default: config)")
      ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace"}));

  snsim::mem::MemOptions mem;
  CLI::App* mem_cmd = app.add_subcommand(
      "mem", "One HBM stack under a trace or a traffic generator: bandwidth, latency, energy");
  mem_cmd->add_option("-c,--config", mem.config, "HBM config (YAML), e.g. configs/hbm2e.yaml")
      ->required()
      ->check(CLI::ExistingFile);
  mem_cmd->add_option("--trace", mem.trace, "Trace file: lines 'cycle R|W address size'")
      ->check(CLI::ExistingFile);
  mem_cmd->add_flag("--check", mem.check, "Check every command with the timing checker");
  mem_cmd->add_option("-o,--out", mem.out_dir, "Directory for mem.json and stats.json")
      ->capture_default_str();
  mem_cmd->add_option("--vcd", mem.vcd, "Write a VCD of the command and data buses to this file");
  mem_cmd->add_option("--vcd-cycles", mem.vcd_cycles, "Stop the VCD after this many cycles (0: whole run)")
      ->capture_default_str();
  mem_cmd->add_option("--seed", mem.seed, "Override the config's seed");

  snsim::run::RunOptions run;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Kernels of a workload on one die of AI cores (AIC, AIV): cycles, utilization, TFLOPS, outputs "
             "checked against host references");
  run_cmd->add_option("-c,--config", run.config, "Die config (YAML), e.g. configs/die.yaml")
      ->required()
      ->check(CLI::ExistingFile);
  run_cmd->add_option("-w,--workload", run.workload, "Workload (YAML), e.g. workloads/gemm_bf16.yaml")
      ->required()
      ->check(CLI::ExistingFile);
  run_cmd->add_option("-o,--out", run.out_dir, "Directory for stats.json, stats.txt and the output tensors (.npy)")
      ->capture_default_str();
  run_cmd->add_option("--trace", run.trace,
                      "Write a Chrome / Perfetto JSON trace to this file: a process per core, a lane per pipe, "
                      "flow arrows from set_flag to wait_flag");
  run_cmd->add_option("--instr-csv", run.instr_csv,
                      "Write one CSV line per instruction to this file (pc, core, pipe, mnemonic, start, cycles, "
                      "stalled, stall_reason)");
  run_cmd->add_flag("--timing-only", run.timing_only,
                    "No data: the same cycles and statistics, several times faster; outputs are not written or checked");
  run_cmd->add_option("--seed", run.seed, "Override the workload's seed (random tensors)");
  run_cmd->add_flag("--plot", run.plot,
                    "Machine: also draw links.png, the link-utilization heat map of links.json (as snsim net --plot)");
  run_cmd->add_flag("--wave", run.wave,
                    "Machine: every RTL router writes <out>/<router>.fst, with a GTKWave save file <router>.gtkw");
  run_cmd->add_option("--trace-dies", run.trace_dies,
                      "Machine: the dies whose cores and network interface --trace (and --instr-csv) record: all, or "
                      "ids and ranges such as 0,2-5 (default: all up to 16 dies, else 0)");
  run_cmd->add_option("--threads", run.threads,
                      "Machine: threads stepping the network's routers, 1 or 2 (the results are the same with either; "
                      "two are used in the cycles where they pay off, and only for the fast router model), and "
                      "writing and checking the dies' outputs after the run")
      ->capture_default_str()
      ->check(CLI::Range(1u, 2u));
  run_cmd->add_flag("--no-thread-timer", run.no_thread_timer,
                    "Machine: with --threads 2, use both threads in every network cycle, not only where they pay off "
                    "(for tests and timing; the results are the same)");
  run_cmd->add_option("--trace-links", run.trace_links,
                      "Machine: the routers whose output links --trace records as utilization counters: a glob over "
                      "router names such as 'p0.leaf*', or none (default: * up to 16 dies, else none)");

  CLI::App* doc_cmd = app.add_subcommand("config-doc", "Print the configuration reference (docs/config.md)");

  CLI11_PARSE(app, argc, argv);

  // Each command reports its own errors (bad input: exit 2); what escapes is a last resort, said
  // plainly rather than by std::terminate.
  try {
    if (*net_cmd) return snsim::net::run_net(net);
    if (*mem_cmd) return snsim::mem::run_mem(mem);
    if (*run_cmd) return snsim::run::run_run(run);
    if (*doc_cmd) {
      fmt::print("{}", snsim::config_reference_markdown());
      return 0;
    }
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "snsim: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "snsim: internal error: {}\n", e.what());
    return 3;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return snsim_main(argc, argv); }

// libsystemc, which `snsim run` on a machine links (docs/machine.md), defines a main() of its own
// that calls sc_main; the program's main() above takes precedence, but the library still needs the
// symbol. Should the library's main() run instead, it is the same program.
extern "C" int sc_main(int argc, char** argv) { return snsim_main(argc, argv); }
