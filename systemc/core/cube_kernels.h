#pragma once
// The cube's inner loop (DECISIONS.md D18), in a portable build and, on x86-64 with GCC, an AVX2
// build of the same source chosen at run time. Each output element keeps the documented order:
// the loops run across outputs, so vectorization only puts independent outputs in lanes, and with
// -ffp-contract=off every lane is the same sequence of separately rounded f32 multiplies and adds.
// A test checks that the two builds agree bit for bit.

#include <cstdint>

namespace snsim::core::detail {

// sum[j] += sum over the K fractals (k0 values each) of the fractal's products a[i] * b[i][j]
// summed in i order, for j < n; b is k x n, row-major; part is scratch of n floats.
void mmad_row_f32_portable(float* sum, float* part, const float* a, const float* b, unsigned n,
                           unsigned k, unsigned k0);
// The AVX2 build; false if this host or compiler has none (then it did nothing).
bool mmad_row_f32_avx2(float* sum, float* part, const float* a, const float* b, unsigned n,
                       unsigned k, unsigned k0);
// The fastest build this host runs.
void mmad_row_f32(float* sum, float* part, const float* a, const float* b, unsigned n, unsigned k,
                  unsigned k0);

}  // namespace snsim::core::detail
