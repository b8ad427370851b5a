#pragma once
// Plain C++ references for the core tests, written independently of the simulator: a BF16 GEMM in
// the documented cube order (DECISIONS.md D18) and the random inputs it is fed.
#include <bit>
#include <cstdint>
#include <random>
#include <vector>

namespace snsim::core::test {

// Random bf16 values (bit patterns) of moderate range.
inline std::vector<std::uint16_t> random_bf16(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-2, 2);
  std::vector<std::uint16_t> v(n);
  for (auto& x : v) x = static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(d(rng)) >> 16);
  return v;
}

inline float bf16(std::uint16_t b) { return std::bit_cast<float>(std::uint32_t{b} << 16); }

// C = A x B, row-major, in the order of D18: per output, the products of each group of 16
// consecutive k are summed in order in float, and each group's sum is added to the total.
inline std::vector<float> reference_gemm(const std::vector<std::uint16_t>& a, const std::vector<std::uint16_t>& b,
                                         unsigned m, unsigned n, unsigned k) {
  std::vector<float> c(std::size_t{m} * n);
  for (unsigned i = 0; i < m; ++i)
    for (unsigned j = 0; j < n; ++j) {
      float total = 0;
      for (unsigned g = 0; g < k; g += 16) {
        float part = 0;
        for (unsigned p = g; p < g + 16; ++p) part += bf16(a[std::size_t{i} * k + p]) * bf16(b[std::size_t{p} * n + j]);
        total += part;
      }
      c[std::size_t{i} * n + j] = total;
    }
  return c;
}

}  // namespace snsim::core::test
