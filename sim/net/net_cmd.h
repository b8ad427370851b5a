// `snsim net`: the load sweep of one switch (SwitchSim) or of a network (NetworkSim), or an
// all-to-all on a network; net.json, links.json, stats.json and, with --plot, PNG figures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace snsim::net {

struct NetOptions {
  std::string config;
  std::string out_dir = "results";
  std::string wave;                   // FST path, empty = none
  std::uint64_t wave_cycles = 0;      // 0 = the whole run
  std::optional<std::uint64_t> seed;  // overrides the config's seed
  std::optional<std::string> log_level;
  bool plot = false;                  // latency.png and links.png through scripts/plot_net.py
  unsigned threads = 1;               // NetworkSim::set_threads (the results do not depend on it)
};

// Returns the process exit status: 0 on success, 1 when the simulation found an error, 2 on
// bad input (config). Errors are printed to stderr naming the file, line and key or the cycle.
int run_net(const NetOptions& opt);

}  // namespace snsim::net
