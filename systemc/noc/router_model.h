// The C++ interface of one sn_router, whatever implements it (the verilated RTL or the fast C++
// model), so that networks, testbenches and the differential test drive both alike.
//
// Cycle contract: during cycle t the caller reads the outputs (out(), in_credit()), which depend only
// on registered state, stages this cycle's inputs with set_in() / set_out_credit(), then calls
// step(), which applies the inputs at the rising edge ending cycle t. Staged inputs last one cycle:
// a port not staged before a step() carries no flit and no credit in that cycle.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "noc/sn_flit.h"

namespace snsim::noc {

// VC allocation (docs/router.md "Allocation"; sn_router's vc_any_i): keep, a packet keeps its VC
// end to end; any, a head flit takes the lowest-numbered output VC of its port that is free and has
// a credit, so VCs are reassigned per hop.
enum class VcAlloc : uint8_t { keep, any };

struct RouterParams {
  unsigned ports = 5;
  unsigned vcs = 2;
  unsigned buf_depth = 8;
  unsigned payload_bits = 256;
  unsigned table_depth = 1024;
  VcAlloc vc_alloc = VcAlloc::keep;  // a strap of the RTL, not a verilated parameter

  friend bool operator==(const RouterParams&, const RouterParams&) = default;
};

// A flit on a link in one cycle.
struct LinkFlit {
  bool valid = false;
  uint8_t vc = 0;
  Flit flit;
};

// A credit on a link in one cycle.
struct LinkCredit {
  bool valid = false;
  uint8_t vc = 0;
};

class RouterModel {
 public:
  virtual ~RouterModel() = default;
  virtual const RouterParams& params() const = 0;
  // Holds reset through one rising edge, then releases it: buffers empty, credits full. The
  // forwarding table keeps its contents.
  virtual void reset() = 0;
  // Writes one table entry; takes one clock cycle with no traffic.
  virtual void write_table(uint32_t dst, const TableEntry& entry) = 0;
  virtual void set_in(unsigned port, const LinkFlit& flit) = 0;
  virtual void set_out_credit(unsigned port, const LinkCredit& credit) = 0;
  virtual void step() = 0;
  virtual LinkFlit out(unsigned port) const = 0;
  virtual LinkCredit in_credit(unsigned port) const = 0;
  // Cycles stepped since construction (table writes and resets included).
  virtual uint64_t cycle() const = 0;
  // Waveforms: from open_trace() on, every step() is dumped (FST, one time unit per half cycle)
  // until close_trace(). open_trace throws std::runtime_error when the model cannot trace or the
  // file cannot be written.
  virtual void open_trace(const std::string& path) = 0;
  virtual void close_trace() = 0;
};

// sn_router's pipeline: a flit registered at an input leaves from the output register 2 cycles
// later (docs/router.md); a network adds the rest of a switch's latency on its outputs.
inline constexpr unsigned kPipelineCycles = 2;

// Writes every entry of r's table from `table` (one entry per destination); destinations past its
// end and invalid entries get the RTL's idle entry (port 0, one port, invalid).
inline void write_table(RouterModel& r, const std::vector<TableEntry>& table) {
  for (uint32_t dst = 0; dst < r.params().table_depth; ++dst) {
    const TableEntry e = dst < table.size() && table[dst].valid ? table[dst] : TableEntry{0, 1, false, false};
    r.write_table(dst, e);
  }
}

// Which implementation of sn_router a model is: the verilated RTL (only the configurations built into
// this binary) or the fast C++ model (noc/fast_router.h, any legal parameters), which gives the
// same outputs cycle for cycle.
enum class Impl { rtl, fast };

// A router of either implementation. Throws std::invalid_argument when impl is rtl and no verilated
// configuration matches p (the message lists the built ones) or when p is illegal for the fast
// model. seed sets the RTL's randomized initial register values; the fast model has none to set
// (every register it models is reset at construction, as the RTL adapter's constructor does).
std::unique_ptr<RouterModel> make_router(const RouterParams& p, Impl impl, uint64_t seed);

// The verilated configurations built into this binary (rtl/CMakeLists.txt), by parameter set.
// Returns nullptr when no configuration matches; available_rtl_routers() lists them for errors.
// seed sets the randomized initial register values of the RTL.
std::unique_ptr<RouterModel> make_rtl_router(const RouterParams& p, uint64_t seed);
std::string available_rtl_routers();
std::vector<RouterParams> built_rtl_routers();

}  // namespace snsim::noc
