#pragma once
// Global memory through a TLM-2.0 socket (issue 5 §2): TlmGm is a GlobalMemory that sends every
// call through a tlm_utils::simple_initiator_socket; GmTlmTarget serves those transactions from any
// GlobalMemory (SimpleGm, L2Gm, ...) behind a target socket. Library snsim_core_tlm, so that plain
// C++ users of snsim_core need no SystemC. docs/core.md ("GM through TLM").
//
// Contract (loosely timed, blocking transport only):
// - Time. Core cycle c is simulation time c x period (GmClock; the same period on both sides, the
//   core clock). The initiator's local time is sc_time_stamp() of the calling thread: the cores
//   run ahead of it (run_cores does not wait), and a transfer requested at cycle `now` carries
//   `now` as the annotated delay now x period - sc_time_stamp() (so `now` may not lie before the
//   simulation time: std::logic_error). The target never calls wait(); it reads the request cycle
//   as the first cycle boundary at or after sc_time_stamp() + delay, and returns the completion
//   cycle the same way, as the annotated delay.
// - Three kinds of generic payload, all through b_transport:
//     * data: TLM_READ_COMMAND / TLM_WRITE_COMMAND carrying the bytes, no extension. Untimed: the
//       core model is functional at the start of an instruction, and its time is that of the
//       transfer below; the delay is returned unchanged. Normal rather than debug transport so
//       that the target's response status (and a real target's side effects) apply to the data
//       path the model depends on; transport_dbg is left to debuggers.
//     * transfer: TLM_IGNORE_COMMAND with address = access.addr, length = access.bytes() and a
//       GmTransferExtension holding the GmAccess (port, direction, 2-D bursts); the target answers
//       GlobalMemory::transfer(now, access): complete in the delay, streamed in the extension.
//     * mapped: TLM_IGNORE_COMMAND with the range and no extension (IEEE 1666-2011's command attribute
//       lets a target check an ignore command's address): TLM_OK_RESPONSE if every byte is mapped,
//       TLM_ADDRESS_ERROR_RESPONSE if not. No DMI, so the probe is one more b_transport.
// - Errors. GmTlmTarget answers TLM_ADDRESS_ERROR_RESPONSE for data outside mapped memory,
//   TLM_BYTE_ENABLE_ERROR_RESPONSE for byte enables, TLM_BURST_ERROR_RESPONSE for a streaming
//   width below the length, TLM_COMMAND_ERROR_RESPONSE for a transfer that is not an ignore
//   command. TlmGm turns any error response (other than a probe's address error) into GmError
//   naming the socket, the call, the range and the response; the core reports it as a fault
//   naming core, pc and instruction.
// - D13 (at least one cycle between components): the socket adds no time of its own, so that a
//   launch through it gives the cycles and statistics of the same GlobalMemory called directly;
//   the crossing is part of the memory model's latency (SimpleGm latency, L2 hit/miss latency).
// - Not modelled: nb_transport / approximately-timed phases, DMI, temporal decoupling beyond the
//   initiator running ahead (no quantum keeper), several targets behind one initiator (no router).

#include <cstdint>
#include <span>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "core/gm.h"

namespace snsim::core {

// Core cycles <-> simulation time: cycle c is at c x period.
class GmClock {
 public:
  // Throws std::invalid_argument for a zero period (below the time resolution).
  explicit GmClock(sc_core::sc_time period);
  sc_core::sc_time period() const { return period_; }
  sc_core::sc_time at(Cycle c) const;            // std::overflow_error beyond sc_time's range
  Cycle cycle(const sc_core::sc_time& t) const;  // the first cycle boundary at or after t

 private:
  sc_core::sc_time period_;
};

// The GmAccess of a transfer payload, and the cycle its data has streamed (set by the target).
struct GmTransferExtension : tlm::tlm_extension<GmTransferExtension> {
  GmAccess access;
  Cycle streamed = 0;
  tlm::tlm_extension_base* clone() const override { return new GmTransferExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const GmTransferExtension&>(other);
  }
};

class TlmGm : public sc_core::sc_module, public GlobalMemory {
 public:
  // mutable: GlobalMemory's mapped() and read() are const, and they go out through the socket.
  mutable tlm_utils::simple_initiator_socket<TlmGm> socket;

  TlmGm(sc_core::sc_module_name name, sc_core::sc_time clock_period);

  bool mapped(std::uint64_t addr, std::uint64_t len) const override;
  void read(std::uint64_t addr, std::span<std::uint8_t> out) const override;
  void write(std::uint64_t addr, std::span<const std::uint8_t> in) override;
  Timing transfer(Cycle now, const GmAccess& access) override;

  const GmClock& clock() const { return clock_; }

 private:
  // Sends `p` with `delay`; throws GmError on an error response unless it is `tolerated`.
  void send(tlm::tlm_generic_payload& p, sc_core::sc_time& delay, const char* what,
            tlm::tlm_response_status tolerated = tlm::TLM_OK_RESPONSE) const;

  GmClock clock_;
  // Payloads reused for every call (no memory manager); transfer_ owns its extension.
  mutable tlm::tlm_generic_payload data_, transfer_;
  GmTransferExtension* ext_;
};

class GmTlmTarget : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<GmTlmTarget> socket;

  // `gm` is held by reference and must outlive the target.
  GmTlmTarget(sc_core::sc_module_name name, GlobalMemory& gm, sc_core::sc_time clock_period);

  // Payloads answered OK so far, by kind (a launch through the socket can show it used it).
  struct Served {
    std::uint64_t probes = 0, reads = 0, writes = 0, transfers = 0;
  };
  const Served& served() const { return served_; }
  const GmClock& clock() const { return clock_; }

 private:
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  GlobalMemory& gm_;
  GmClock clock_;
  Served served_;
};

}  // namespace snsim::core
