// `snsim run`: kernels of a workload on one die of AI cores (issue 5 §3, docs/run.md). Prints a
// summary (cycles, time, per-unit utilization, instructions, bytes, TFLOPS vs peak, reference
// checks) and writes stats.json, stats.txt and the output tensors (.npy) into the output
// directory, optionally a Perfetto trace and a per-instruction CSV.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace snsim::run {

struct RunOptions {
  std::string config;
  std::string workload;
  std::string out_dir = "results";
  std::string trace;      // Chrome / Perfetto JSON trace, empty = none
  std::string instr_csv;  // per-instruction CSV, empty = none
  bool timing_only = false;  // no data: same cycles and statistics, no outputs or checks
  std::optional<std::uint64_t> seed;
  // A machine only (docs/machine.md "Outputs"): links.png beside links.json; an FST waveform and a
  // GTKWave save file per RTL router; which dies and routers the trace (and CSV) record, empty =
  // every die and router for a machine of up to 16 dies (kAllDiesRows), else die 0 and no router.
  bool plot = false;
  bool wave = false;
  std::string trace_dies;
  std::string trace_links;
  // A machine only: threads stepping the network's routers (NocFabric::set_threads), 1 or 2.
  unsigned threads = 1;
  bool no_thread_timer = false;  // with threads = 2: both in every cycle (NocFabric::set_threads' timed = false)
};

// Returns the exit status: 0 on success; 1 when a core faults, the cores deadlock or time out, or
// an output is outside its reference's tolerance; 2 on bad input (config, workload, kernel), with
// the file and line. After a fault, deadlock or timeout, stats.json, stats.txt, the trace and the
// CSV are still written, up to the cycle the run stopped.
int run_run(const RunOptions& opt);

}  // namespace snsim::run
