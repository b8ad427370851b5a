// `snsim mem`: one HBM stack under a trace or the built-in generator; reports bandwidth, latency,
// row hits, refresh, per-bank activity and energy; writes mem.json, stats.json and stats.txt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace snsim::mem {

struct MemOptions {
  std::string config;
  std::string trace;  // overrides the config's traffic with this trace file
  bool check = false;  // run the timing checker; a violation stops the run
  std::string out_dir = "results";
  std::string vcd;  // VCD of the command and data buses, empty = none
  std::uint64_t vcd_cycles = 0;  // 0 = the whole run
  std::optional<std::uint64_t> seed;
};

// Returns the exit status: 0 on success, 1 when the run stops on a timing violation or an
// internal error, 2 on bad input (config, trace). Errors name the file and line.
int run_mem(const MemOptions& opt);

}  // namespace snsim::mem
