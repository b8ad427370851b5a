#pragma once
// The MoE step of firmware/kernels/moe.s on the host (docs/kernels.md "moe"): the checks `snsim run`
// makes of a workload that runs it, before simulating, and the reference ops moe_dispatch (every
// rank's receive buffer, slot by slot) and moe_combine (every rank's output).
//
// Plain C++ written from the kernel's documented numerics, not from the core models: a token's
// scale is the f32 quotient max |x| / 127, q = s8(f16(x / scale)) (f32 division, then round to
// nearest even twice, as the kernel's two conversions do; 0 when max |x| is 0), an expert's output
// bf16(f32(f32(q scale) factor)), and the combine sum over k of w x that output in double, rounded
// once to bf16. The dispatch check is exact (atol 0) slot by slot, in the slot order the kernel's
// cores took (a die's shared counter: timing decides it), each slot matched to its pair by the tag
// in its pad; the combine one differs from the kernel's f32 sum only by the sum's order and
// precision (rtol one bf16 step).

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "run/workload.h"

namespace snsim::run {

// The sizes of one MoE step, as the kernel's arguments give them.
struct MoeDims {
  std::uint64_t tokens, hidden, topk, ranks, epr, capacity;
  std::uint64_t slot_bytes() const { return hidden + 512; }
};

// Checks kernel `k` (named moe, at workload key `key`) against its tensors and every rank's
// routing table: shapes, hidden a multiple of 128 within the vector unit's repeat limit, the UB
// budget, expert ids in range, no rank sending more than `capacity` pairs to one rank. Fails
// through `at` naming the argument's key.
void check_moe_kernel(const Kernel& k, const std::string& key, const Workload& w, const Checker& at);

// Checks a moe_dispatch / moe_combine reference (inputs [x, ids, wts, factor, recv]) against its
// output tensor: recv i8 [ranks, capacity, hidden + 512] for moe_dispatch, out [tokens, hidden].
void check_moe_reference(const Tensor& out, const Workload& w, const std::string& key, const Checker& at);

// The expected values of the moe_dispatch / moe_combine outputs of every die of a run of `dies`
// dies (die d >= ranks: untouched, zeros). Dispatch expectations of every rank are computed at
// construction (they need every rank's tokens); combine ones die by die in values().
class MoeReference {
 public:
  MoeReference(const Workload& w, std::uint32_t dies);
  // Tensor t's expected values on die `die`; w holds that die's initial tensors. `got`, the run's
  // bytes of t there, gives moe_dispatch the kernel's slot order: each source's slots 0 .. n - 1
  // are expected to hold its n pairs in the order their tags name, when they name each pair once
  // (else in token order, which then fails the check).
  std::vector<double> values(const Tensor& t, const Workload& w, std::uint32_t die,
                             std::span<const std::uint8_t> got) const;

 private:
  std::map<std::string, std::vector<std::vector<std::int8_t>>> recv_;  // per tensor, per rank: bytes, token order
  std::map<std::string, std::vector<std::vector<std::uint64_t>>> sent_;  // per tensor, per rank, per source: pairs
  std::vector<std::vector<double>> factors_;                           // per rank: its experts' factors
};

}  // namespace snsim::run
