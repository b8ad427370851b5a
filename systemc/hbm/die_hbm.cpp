// The die's HBM stacks behind its L2 (die_hbm.h).
#include "hbm/die_hbm.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace snsim::hbm {

namespace {

// `hz` as a whole number of Hz (configs write "1850MHz", "1.6GHz"), so that clock conversions are
// exact integer arithmetic.
std::uint64_t whole_hz(double hz, const char* what) {
  const double r = std::round(hz);
  if (!(r >= 1) || std::abs(hz - r) > 1e-6 * r)
    throw std::invalid_argument(fmt::format("{} clock {} Hz is not a whole number of Hz", what, hz));
  return static_cast<std::uint64_t>(r);
}

// ceil(x * num / den) without overflow for any cycle count of a run.
std::uint64_t scale_up(std::uint64_t x, std::uint64_t num, std::uint64_t den) {
  const unsigned __int128 p = static_cast<unsigned __int128>(x) * num;
  return static_cast<std::uint64_t>((p + den - 1) / den);
}

}  // namespace

DieHbm::DieHbm(const DieHbmParams& p, StatsRegistry& stats, const std::string& prefix) : p_(p) {
  if (!std::has_single_bit(p_.stacks) || !std::has_single_bit(p_.interleave_bytes) ||
      p_.interleave_bytes < p_.line_bytes)
    throw std::invalid_argument(fmt::format("{} stacks interleaved every {} B with {} B lines: the stack count and "
                                            "the interleave must be powers of two, the interleave at least a line",
                                            p_.stacks, p_.interleave_bytes, p_.line_bytes));
  const std::uint32_t burst = p_.hbm.org.burst_bytes;
  if (p_.line_bytes % burst != 0 || p_.line_bytes > 512)
    throw std::invalid_argument(fmt::format("a {} B line is not one request of the HBM preset ({} B bursts, at most "
                                            "512 B)", p_.line_bytes, burst));
  stack_bits_ = static_cast<unsigned>(std::countr_zero(p_.stacks));
  unit_shift_ = static_cast<unsigned>(std::countr_zero(p_.interleave_bytes));
  channel_bits_ = static_cast<unsigned>(std::countr_zero(p_.hbm.org.channels));
  capacity_ = p_.hbm.org.stack_bytes() * p_.stacks;
  const std::uint64_t c = whole_hz(p_.core_hz, "core"), h = whole_hz(p_.hbm.clock_hz, "HBM");
  const std::uint64_t g = std::gcd(c, h);
  core_hz_ = c / g;
  hbm_hz_ = h / g;
  for (std::uint32_t s = 0; s < p_.stacks; ++s) {
    stacks_.push_back(std::make_unique<HbmStack>(p_.hbm, stats, fmt::format("{}hbm{}", prefix, s)));
    stacks_.back()->track_scheduled(true);
  }
  fills_left_.assign(p_.stacks, 0);
}

core::Cycle DieHbm::to_hbm(core::Cycle core_cycle) const { return scale_up(core_cycle, hbm_hz_, core_hz_); }
core::Cycle DieHbm::to_core(Cycle hbm_cycle) const { return scale_up(hbm_cycle, core_hz_, hbm_hz_); }

std::pair<std::uint32_t, std::uint64_t> DieHbm::locate(std::uint64_t offset) const {
  // The unit's low stack + channel bits XOR each higher group of as many bits: one fold for both,
  // so a power-of-two stride (whose unit numbers differ in a run of bits) reaches every (stack,
  // channel) pair alike; the higher bits stay, so it is a bijection.
  const unsigned bits = stack_bits_ + channel_bits_;
  const std::uint64_t off = offset % capacity_;
  const std::uint64_t unit = off >> unit_shift_, mask = (std::uint64_t{1} << bits) - 1;
  std::uint64_t folded = unit & mask;
  if (bits > 0)
    for (std::uint64_t u = unit >> bits; u != 0; u >>= bits) folded ^= u & mask;
  const std::uint64_t stack = folded & (p_.stacks - 1);
  const std::uint64_t local_unit = (unit >> bits) << channel_bits_ | folded >> stack_bits_;
  const std::uint64_t local = local_unit << unit_shift_ | (off & (p_.interleave_bytes - 1));
  return {static_cast<std::uint32_t>(stack), local};
}

void DieHbm::submit(std::uint32_t s, const MemRequest& r, Cycle at) {
  HbmStack& st = *stacks_[s];
  Cycle t = std::max(at, st.now());
  st.advance_to(t);
  while (!st.try_submit(r, t)) {  // a queue is full: on to the stack's next event, which frees room
    t = std::max(t, st.next_event()) + 1;
    st.advance_to(t);
  }
  st.completions().clear();  // delivered completions are not needed: scheduled() told their cycle
}

double DieHbm::access(core::Cycle now, std::span<const std::uint64_t> fills,
                      std::span<const std::uint64_t> writebacks) {
  // 1. One request per line at the stack its address selects: fills, then write-backs.
  const Cycle at = to_hbm(now);
  for (const std::uint64_t line : fills) {
    const auto [s, local] = locate(line * p_.line_bytes);
    submit(s, MemRequest{next_tag_++, local, p_.line_bytes, false}, at);
    ++fills_left_[s];
  }
  for (const std::uint64_t line : writebacks) {
    const auto [s, local] = locate(line * p_.line_bytes);
    submit(s, MemRequest{next_tag_++, local, p_.line_bytes, true}, at);
  }
  // 2. Every stack holding fills, event by event until their last column commands have issued
  //    (earlier accesses' fills were all scheduled before they returned: every read is this one's).
  Cycle done = 0;
  for (std::uint32_t s = 0; s < p_.stacks; ++s) {
    HbmStack& st = *stacks_[s];
    for (;;) {
      for (const Completion& c : st.scheduled()) {
        if (c.write) continue;
        --fills_left_[s];
        done = std::max(done, c.done);
      }
      st.scheduled().clear();
      if (fills_left_[s] == 0) break;
      const Cycle e = st.next_event();
      if (e == kNever) throw std::logic_error("DieHbm: a fill is queued but its stack has nothing to do");
      st.advance_to(std::max(e, st.now()) + 1);
      st.completions().clear();
    }
  }
  // 3. The fills' data in core cycles.
  return fills.empty() ? static_cast<double>(now) : static_cast<double>(to_core(done));
}

void DieHbm::finish(core::Cycle end) {
  for (const auto& st : stacks_) {
    const Cycle t = std::max(to_hbm(end), st->now());
    st->advance_to(t);
    st->completions().clear();
    st->scheduled().clear();
    st->summarize(t, false);
  }
}

std::unique_ptr<core::L2Backend> make_l2_backend(const DieConfig& die, StatsRegistry& stats,
                                                 const std::string& prefix) {
  if (die.gm.l2.backend == L2BackendKind::Rate) return nullptr;
  return std::make_unique<DieHbm>(DieHbmParams{.hbm = die.gm.hbm.preset.hbm,
                                               .stacks = die.gm.hbm.stacks,
                                               .interleave_bytes = die.gm.hbm.interleave_bytes,
                                               .line_bytes = die.gm.l2.line_bytes,
                                               .core_hz = die.die.clock_hz,
                                               .latency = die.gm.l2.hit_latency},
                                  stats, prefix);
}

}  // namespace snsim::hbm
