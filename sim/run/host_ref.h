#pragma once
// Host-side values of workload tensors and the built-in reference ops of `snsim run` (docs/run.md).
// Plain C++ written independently of the core models (systemc/core): values are doubles, element
// conversions use the compiler's _Float16, the float -> bf16 carry trick (guarded so that a double
// is rounded once) and std::nearbyint, and every op computes in double with the textbook formula.
// Results are rounded once to the output's element type by the caller (to_npy).

#include <cstdint>
#include <vector>

#include "run/npy.h"

namespace snsim::run {

std::vector<double> to_values(const NpyArray& a);
// `values` rounded to nearest even in `dtype` (integers saturate); shape's element count must match.
NpyArray to_npy(DType dtype, std::vector<std::uint64_t> shape, const std::vector<double>& values);
// v as `dtype` holds it: to_values(to_npy(dtype, {1}, {v}))[0], without the arrays.
double round_to(DType dtype, double v);

struct MatmulOptions {
  double scale = 1;
  bool transpose_b = false;            // b holds B transposed: N x K, b[n][k] = B[k][n]
  const std::vector<double>* bias = nullptr;  // N values, or none
  bool relu = false;
};
// C[m][n] = relu(scale * sum_k A[m][k] B[k][n] + bias[n]), relu and bias only when asked; A is
// M x K, B is K x N (or N x K with transpose_b), row-major.
std::vector<double> ref_matmul(const std::vector<double>& a, const std::vector<double>& b, std::uint64_t m,
                               std::uint64_t k, std::uint64_t n, const MatmulOptions& o);
std::vector<double> ref_add(const std::vector<double>& x, const std::vector<double>& y);
std::vector<double> ref_mul(const std::vector<double>& x, const std::vector<double>& y);
// Over each row of h elements: exp(x - max) / sum exp(x - max).
std::vector<double> ref_softmax(const std::vector<double>& x, std::uint64_t h);
// Over each row of h elements: x / sqrt(mean(x^2) + eps) * gamma.
std::vector<double> ref_rmsnorm(const std::vector<double>& x, const std::vector<double>& gamma, std::uint64_t h,
                                double eps);

// Largest errors of `out` against `ref` and whether every element passes
// |out - ref| <= atol + rtol |ref| (NaN never passes).
struct Comparison {
  double max_abs = 0;
  double max_rel = 0;  // over elements whose reference is not zero
  std::uint64_t failures = 0;
  std::uint64_t first_failure = 0;  // element index
};
Comparison compare(const std::vector<double>& out, const std::vector<double>& ref, double atol, double rtol);

}  // namespace snsim::run
