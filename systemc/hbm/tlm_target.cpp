#include "hbm/tlm_target.h"

#include <cmath>

namespace snsim::hbm {

using sc_core::sc_time;

HbmTlmTarget::HbmTlmTarget(sc_core::sc_module_name name, const HbmCfg& cfg, StatsRegistry& stats,
                           const std::string& stats_prefix)
    : sc_module(name),
      socket("socket"),
      stack_(cfg, stats, stats_prefix),
      tck_(1.0 / cfg.clock_hz, sc_core::SC_SEC) {
  socket.register_b_transport(this, &HbmTlmTarget::b_transport);
  SC_HAS_PROCESS(HbmTlmTarget);
  SC_METHOD(run);
  sensitive << wake_;
  dont_initialize();
}

Cycle HbmTlmTarget::cycle_now() const {
  // The first cycle boundary at or after now.
  const double c = sc_core::sc_time_stamp() / tck_;
  return static_cast<Cycle>(std::ceil(c - 1e-9));
}

void HbmTlmTarget::run() {
  // 1. Process the current cycle and hand out what finished.
  const Cycle now = cycle_now();
  stack_.advance_to(now + 1);
  for (const Completion& c : stack_.completions()) {
    const auto it = waiting_.find(c.tag);
    if (it != waiting_.end()) it->second->notify(sc_core::SC_ZERO_TIME);
  }
  stack_.completions().clear();
  progress_.notify(sc_core::SC_ZERO_TIME);
  // 2. Sleep until the stack's next event.
  const Cycle next = stack_.next_event();
  if (next != kNever) wake_.notify(tck_ * static_cast<double>(std::max(next, now + 1) - now));
}

void HbmTlmTarget::b_transport(int /*id*/, tlm::tlm_generic_payload& trans, sc_time& delay) {
  // 1. Synchronize: the request arrives after its annotated delay.
  sc_core::wait(delay);
  delay = sc_core::SC_ZERO_TIME;
  const tlm::tlm_command cmd = trans.get_command();
  if (cmd == tlm::TLM_IGNORE_COMMAND) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (trans.get_byte_enable_ptr() != nullptr) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  MemRequest r{next_tag_++, trans.get_address(), trans.get_data_length(), cmd == tlm::TLM_WRITE_COMMAND};
  try {
    stack_.validate(r);
  } catch (const BadRequest&) {
    const bool size_ok = r.size >= stack_.config().org.burst_bytes && r.size <= 512 &&
                         r.size % stack_.config().org.burst_bytes == 0;
    trans.set_response_status(size_ok ? tlm::TLM_ADDRESS_ERROR_RESPONSE : tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  // 2. Offer it until a queue has room (back-pressure holds the initiator).
  auto& done = waiting_[r.tag];
  done = std::make_unique<sc_core::sc_event>();
  for (;;) {
    const Cycle at = std::max(cycle_now(), stack_.now());
    if (stack_.try_submit(r, at, r.write ? trans.get_data_ptr() : nullptr)) break;
    sc_core::wait(progress_);
  }
  if (!r.write) stack_.store().read(r.address, trans.get_data_ptr(), r.size);
  wake_.notify(sc_core::SC_ZERO_TIME);
  // 3. Wait for its last data beat.
  sc_core::wait(*done);
  waiting_.erase(r.tag);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace snsim::hbm
