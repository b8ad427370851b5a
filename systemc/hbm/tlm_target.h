#pragma once
// The TLM-2.0 target of one HBM stack: a thin adapter over HbmStack (the C++ request/completion
// model). b_transport blocks the calling initiator thread with waits: it waits out the annotated
// delay, then offers the request to the stack every cycle the stack makes progress until a queue
// has room (back-pressure), then waits for that request's completion. Requests of different
// initiator threads queue in the controllers and complete out of order (row hits first, other
// pseudo-channels, ...). One SC_METHOD (D11) runs the stack from event to event, skipping idle
// cycles. Data is functional at acceptance: a write updates the backing store when the stack
// accepts it, a read copies the store then (single order of acceptance).
//
// A request crossing into the stack takes effect at the next cycle boundary at or after the call
// (D13: at least one cycle between components). Errors: an address beyond the stack or a
// misaligned one is TLM_ADDRESS_ERROR_RESPONSE; an unsupported length (not 32..512 B in bursts)
// or byte enables are TLM_BURST_ERROR_RESPONSE / TLM_BYTE_ENABLE_ERROR_RESPONSE.

#include <cstdint>
#include <map>
#include <memory>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "common/stats.h"
#include "config/hbm_config.h"
#include "hbm/hbm_stack.h"

namespace snsim::hbm {

class HbmTlmTarget : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<HbmTlmTarget> socket;

  HbmTlmTarget(sc_core::sc_module_name name, const HbmCfg& cfg, StatsRegistry& stats,
               const std::string& stats_prefix = "hbm");

  HbmStack& stack() { return stack_; }
  sc_core::sc_time clock_period() const { return tck_; }

 private:
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void run();  // SC_METHOD: advance the stack through the current cycle, deliver completions
  Cycle cycle_now() const;

  HbmStack stack_;
  sc_core::sc_time tck_;
  sc_core::sc_event wake_, progress_;
  std::uint64_t next_tag_ = 0;
  std::map<std::uint64_t, std::unique_ptr<sc_core::sc_event>> waiting_;
};

}  // namespace snsim::hbm
