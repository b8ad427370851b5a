#pragma once
// Host references of the collectives (issue 6 §3, docs/kernels.md): what every die of a machine
// holds after an all-reduce, reduce-scatter, all-gather or all-to-all of a tensor, computed in plain
// C++ from the collectives' definitions, independently of the kernels and of the machine model (no
// ranks, rings, flags or chunk order here: sums are in double, in die order). Die d's input is
// `x(d)`; each function reads every die's input once, so that a reference over 768 dies costs one
// pass. Blocks are the dies-many equal parts of a tensor's elements, in order.
//
// collective_shape_error says, before anything is simulated, why an input and output of the given
// element counts cannot be the op's on `dies` dies (empty when they can); `snsim run` reports it
// with the workload file and line.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/workload_config.h"

namespace snsim::run {

using DieValues = std::function<std::vector<double>(std::uint32_t die)>;

// All-reduce: every die's output is sum_d x(d) (the same for every die).
std::vector<double> ref_die_sum(const DieValues& x, std::uint32_t dies);
// Reduce-scatter: die d's output is block d of sum_j x(j).
std::vector<std::vector<double>> ref_reduce_scatter(const DieValues& x, std::uint32_t dies);
// All-gather: die d's output is x(0), x(1), ..., x(dies - 1) one after the other.
std::vector<std::vector<double>> ref_all_gather(const DieValues& x, std::uint32_t dies);
// All-to-all: block j of die d's output is block d of x(j).
std::vector<std::vector<double>> ref_all_to_all(const DieValues& x, std::uint32_t dies);

std::string collective_shape_error(RefOp op, std::uint64_t in_elements, std::uint64_t out_elements,
                                   std::uint32_t dies);

}  // namespace snsim::run
