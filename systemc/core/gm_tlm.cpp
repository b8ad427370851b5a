#include "core/gm_tlm.h"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

namespace snsim::core {

using sc_core::sc_time;

GmClock::GmClock(sc_time period) : period_(period) {
  if (period_.value() == 0)
    throw std::invalid_argument("GM clock period is zero at the current time resolution");
}

sc_time GmClock::at(Cycle c) const {
  if (c > std::numeric_limits<sc_time::value_type>::max() / period_.value())
    throw std::overflow_error(fmt::format("cycle {} is beyond the simulation time range", c));
  return sc_time::from_value(c * period_.value());
}

Cycle GmClock::cycle(const sc_time& t) const {
  return (t.value() + period_.value() - 1) / period_.value();
}

TlmGm::TlmGm(sc_core::sc_module_name name, sc_time clock_period)
    : sc_module(name), socket("socket"), clock_(clock_period), ext_(new GmTransferExtension) {
  transfer_.set_extension(ext_);
}

void TlmGm::send(tlm::tlm_generic_payload& p, sc_time& delay, const char* what,
                 tlm::tlm_response_status tolerated) const {
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  socket->b_transport(p, delay);
  const tlm::tlm_response_status status = p.get_response_status();
  if (status != tlm::TLM_OK_RESPONSE && status != tolerated)
    throw GmError(fmt::format("GM through TLM ({}): {} 0x{:x}+{}: the target answered {}", socket.name(),
                              what, p.get_address(), p.get_data_length(), p.get_response_string()));
}

bool TlmGm::mapped(std::uint64_t addr, std::uint64_t len) const {
  if (len > std::numeric_limits<unsigned>::max()) return false;  // no payload describes the range
  data_.set_command(tlm::TLM_IGNORE_COMMAND);
  data_.set_address(addr);
  data_.set_data_ptr(nullptr);
  data_.set_data_length(static_cast<unsigned>(len));
  data_.set_streaming_width(static_cast<unsigned>(len));
  sc_time delay = sc_core::SC_ZERO_TIME;
  send(data_, delay, "mapped", tlm::TLM_ADDRESS_ERROR_RESPONSE);
  return data_.get_response_status() == tlm::TLM_OK_RESPONSE;
}

void TlmGm::read(std::uint64_t addr, std::span<std::uint8_t> out) const {
  data_.set_command(tlm::TLM_READ_COMMAND);
  data_.set_address(addr);
  data_.set_data_ptr(out.data());
  data_.set_data_length(static_cast<unsigned>(out.size()));
  data_.set_streaming_width(static_cast<unsigned>(out.size()));
  sc_time delay = sc_core::SC_ZERO_TIME;
  send(data_, delay, "read");
}

void TlmGm::write(std::uint64_t addr, std::span<const std::uint8_t> in) {
  data_.set_command(tlm::TLM_WRITE_COMMAND);
  data_.set_address(addr);
  // The target does not modify the data of a write (IEEE 1666-2011 generic payload rules).
  data_.set_data_ptr(const_cast<std::uint8_t*>(in.data()));
  data_.set_data_length(static_cast<unsigned>(in.size()));
  data_.set_streaming_width(static_cast<unsigned>(in.size()));
  sc_time delay = sc_core::SC_ZERO_TIME;
  send(data_, delay, "write");
}

GlobalMemory::Timing TlmGm::transfer(Cycle now, const GmAccess& access) {
  const sc_time local = sc_core::sc_time_stamp();
  const sc_time request = clock_.at(now);
  if (request < local)
    throw std::logic_error(fmt::format("{}: transfer at cycle {} ({}) lies before the simulation time {}",
                                       name(), now, request.to_string(), local.to_string()));
  transfer_.set_command(tlm::TLM_IGNORE_COMMAND);
  transfer_.set_address(access.addr);
  transfer_.set_data_ptr(nullptr);
  transfer_.set_data_length(static_cast<unsigned>(access.bytes()));
  transfer_.set_streaming_width(static_cast<unsigned>(access.bytes()));
  ext_->access = access;
  ext_->streamed = 0;
  sc_time delay = request - local;
  send(transfer_, delay, access.is_write ? "transfer (write)" : "transfer (read)");
  return {ext_->streamed, clock_.cycle(local + delay)};
}

GmTlmTarget::GmTlmTarget(sc_core::sc_module_name name, GlobalMemory& gm, sc_time clock_period)
    : sc_module(name), socket("socket"), gm_(gm), clock_(clock_period) {
  socket.register_b_transport(this, &GmTlmTarget::b_transport);
}

void GmTlmTarget::b_transport(int /*id*/, tlm::tlm_generic_payload& trans, sc_time& delay) {
  const tlm::tlm_command cmd = trans.get_command();
  const std::uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  if (auto* ext = trans.get_extension<GmTransferExtension>()) {
    if (cmd != tlm::TLM_IGNORE_COMMAND) {
      trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    const sc_time local = sc_core::sc_time_stamp();
    const GlobalMemory::Timing t = gm_.transfer(clock_.cycle(local + delay), ext->access);
    ext->streamed = t.streamed;
    delay = clock_.at(t.complete) - local;
    ++served_.transfers;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (trans.get_byte_enable_ptr() != nullptr) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (trans.get_streaming_width() < len) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (!gm_.mapped(addr, len)) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  switch (cmd) {
    case tlm::TLM_READ_COMMAND:
      gm_.read(addr, {trans.get_data_ptr(), len});
      ++served_.reads;
      break;
    case tlm::TLM_WRITE_COMMAND:
      gm_.write(addr, {trans.get_data_ptr(), len});
      ++served_.writes;
      break;
    case tlm::TLM_IGNORE_COMMAND:
      ++served_.probes;
      break;
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace snsim::core
