#pragma once
// The die's HBM stacks behind its L2 (gm.l2.backend: hbm; issue 6 §1, docs/core.md "The HBM
// behind the L2"): a core::L2Backend whose fills and write-backs are requests to the cycle-level
// stacks of hbm_stack.h.
//
// Contract:
// - Addresses: a die offset's unit (offset / interleave_bytes) has its low log2(stacks) +
//   log2(channels) bits XORed with each higher group of as many bits; of those folded bits the low
//   ones pick the stack, the others become the low bits of the stack's own unit, which the presets'
//   maps send to the channel; the unit's higher bits follow them. The stack-local address is that
//   unit times interleave_bytes plus the offset within the unit (a bijection). Power-of-two strides
//   thus reach every (stack, channel) pair alike. Offsets beyond the stacks' capacity wrap (the
//   store, not this model, holds the data). Each line is one request.
// - Time: a core cycle c is HBM cycle ceil(c x f_hbm / f_core) and an HBM cycle h is core cycle
//   ceil(h x f_core / f_hbm), both exact in integers (D21: rounded up; D13: no floating point).
// - access() keeps the L2's synchronous contract causally: it submits the access's fills, then its
//   write-backs, each at the later of its issue cycle and its stack's time, then advances every
//   stack holding one of its fills until the last fill's column command has issued, which fixes its
//   data's cycle. The approximation: a stack is then ahead of the core clock, and a later access
//   (even one issued at an earlier core cycle, by another core) reaches it no earlier, so it cannot
//   overtake this one's fills. Write-backs are not waited for.
// - finish(end) advances every stack to the run's end (refresh, queued write-backs) and records
//   its figures (bandwidth, row hits, refreshes, energy) under `<prefix>hbm<i>.`.
// - Same inputs, same results: the stacks are stepped in (cycle, stack) order.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/stats.h"
#include "config/die_config.h"
#include "core/l2.h"
#include "hbm/hbm_stack.h"

namespace snsim::hbm {

struct DieHbmParams {
  HbmCfg hbm;  // every stack
  std::uint32_t stacks = 4;
  std::uint64_t interleave_bytes = 256;
  std::uint32_t line_bytes = 128;
  double core_hz = 1850e6;
  core::Cycle latency = 100;  // core cycles from the fills' data to a missed read's completion
};

class DieHbm : public core::L2Backend {
 public:
  // Throws std::invalid_argument if stacks or interleave_bytes is not a power of two, a line would
  // span stacks, a line is not a whole request of the preset, or a clock is not a whole number of Hz.
  DieHbm(const DieHbmParams& p, StatsRegistry& stats, const std::string& prefix);

  double access(core::Cycle now, std::span<const std::uint64_t> fills,
                std::span<const std::uint64_t> writebacks) override;
  core::Cycle miss_latency() const override { return p_.latency; }
  void finish(core::Cycle end) override;

  // The stack and stack-local address of die offset `offset`.
  std::pair<std::uint32_t, std::uint64_t> locate(std::uint64_t offset) const;
  HbmStack& stack(std::uint32_t i) { return *stacks_[i]; }
  core::Cycle to_hbm(core::Cycle core_cycle) const;
  core::Cycle to_core(Cycle hbm_cycle) const;

 private:
  // Submits `r` to stack s at its time or later, advancing the stack while its queues are full.
  void submit(std::uint32_t s, const MemRequest& r, Cycle at);

  DieHbmParams p_;
  std::vector<std::unique_ptr<HbmStack>> stacks_;
  unsigned stack_bits_, unit_shift_, channel_bits_;
  std::uint64_t capacity_;
  std::uint64_t core_hz_, hbm_hz_;  // reduced by their gcd
  std::uint64_t next_tag_ = 0;
  std::vector<std::uint32_t> fills_left_;  // per stack, fills of the current access not yet scheduled
};

// The memory behind the die's L2 that `die` names (gm.l2.backend): nullptr for `rate` (L2Gm's own
// rate model), a DieHbm for `hbm` with statistics under `prefix` + "hbm<i>." ("die3." in a machine).
std::unique_ptr<core::L2Backend> make_l2_backend(const DieConfig& die, StatsRegistry& stats,
                                                 const std::string& prefix);

}  // namespace snsim::hbm
