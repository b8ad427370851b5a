#pragma once
// The network lanes of a machine's Perfetto trace (`snsim run --trace` on a machine, docs/machine.md
// "Trace"), next to the cores' lanes of run/instr_trace.h:
// - per traced die, a process `die<d>.ni` with one thread per command slot of its network interface
//   (`slot <k>`): every UB command is a complete ('X') slice from acceptance to completion named by
//   its kind ("remote write", "remote read", "atomic add", "notify"), with dst, bytes, ordered,
//   cycles (network cycles) and error in args. A slot holds one command at a time, so the slices of a
//   lane never overlap; there are at most ni_max_outstanding lanes per die. The same process has a
//   counter track `port<k> flits/cycle` per link from the die into the network;
// - per traced router, a process `switch <name>` with a counter track `port<p> flits/cycle` per
//   wired output port.
// A counter gives the flits of each window of kWindowCycles network cycles divided by the window,
// emitted only when it changes (and 0 at the end), so an idle link costs nothing and a trace has at
// most (cycles / kWindowCycles + 1) values per traced link. Times are simulated microseconds
// computed from whole picoseconds (the network clock), as the cores' lanes.
//
// What is traced is chosen by the caller: parse_die_list reads `--trace-dies` ("all", or ids and
// ranges "0,2-5"), routers by a glob over names (`--trace-links`, "none" for none).
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "npu/machine.h"

namespace snsim::run {

// The dies that `spec` names, as a mask over `dies` dies. std::invalid_argument naming the part
// that is not a die id, an empty or reversed range, or a die the machine does not have.
std::vector<bool> parse_die_list(const std::string& spec, std::uint32_t dies);

class NetTrace {
 public:
  static constexpr std::uint64_t kWindowCycles = 256;

  // Starts recording the dies of `dies` (a mask) and the routers whose names match `router_glob`
  // (none for "none"); std::invalid_argument when a glob other than "none" matches no router.
  // Process ids: die d's NI is `die_pid(d)`, the traced routers follow from `first_router_pid`.
  NetTrace(npu::Machine& m, const std::vector<bool>& dies, const std::string& router_glob,
           const std::function<unsigned(std::uint32_t)>& die_pid, unsigned first_router_pid);

  // The recorded events (JSON objects), the last windows flushed up to the fabric's current cycle.
  std::vector<std::string> events();
  std::size_t routers_traced() const { return routers_; }

 private:
  struct Track {
    std::uint32_t channel;
    unsigned pid;
    std::string name;
    std::uint64_t last_flits = 0;
    double last_value = 0;
  };
  void sample(std::uint64_t end_cycle);  // the window ending at end_cycle (exclusive)
  std::uint64_t picos(std::uint64_t cycle) const;  // simulated time of network cycle `cycle`
  std::string micros(std::uint64_t cycle) const;

  npu::Machine& m_;
  double net_hz_;
  std::vector<std::string> events_;
  std::vector<Track> tracks_;
  std::uint64_t window_start_ = 0;
  std::size_t routers_ = 0;
};

}  // namespace snsim::run
