#pragma once
// Plain C++ references for the core tests, written independently of the simulator: the GEMM in
// the documented cube order (DECISIONS.md D18) for bf16 and f16 inputs, and the random inputs it
// is fed.
#include <bit>
#include <cstdint>
#include <random>
#include <vector>

namespace snsim::core::test {

// The element types of the GEMM kernels: inputs bf16 or f16, output f32 or bf16.
enum class In { Bf16, F16 };
enum class Out { F32, Bf16 };

// Random values of moderate range (bit patterns of the input type).
inline std::vector<std::uint16_t> random_inputs(In type, std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-2, 2);
  std::vector<std::uint16_t> v(n);
  for (auto& x : v) {
    const float f = d(rng);
    x = type == In::Bf16 ? static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(f) >> 16)
                         : std::bit_cast<std::uint16_t>(static_cast<_Float16>(f));
  }
  return v;
}

inline float value(In type, std::uint16_t bits) {
  return type == In::Bf16 ? std::bit_cast<float>(std::uint32_t{bits} << 16)
                          : static_cast<float>(std::bit_cast<_Float16>(bits));
}

// f32 -> bf16 bits, round to nearest even (the values here are finite and far from overflow).
inline std::uint16_t round_bf16(float f) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(f);
  return static_cast<std::uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// C = A x B, row-major, in the order of D18: per output, the products of each group of 16
// consecutive k are summed in order in float, and each group's sum is added to the total.
inline std::vector<float> reference_gemm(In type, const std::vector<std::uint16_t>& a, const std::vector<std::uint16_t>& b,
                                  unsigned m, unsigned n, unsigned k) {
  std::vector<float> c(std::size_t{m} * n);
  for (unsigned i = 0; i < m; ++i)
    for (unsigned j = 0; j < n; ++j) {
      float total = 0;
      for (unsigned g = 0; g < k; g += 16) {
        float part = 0;
        for (unsigned p = g; p < g + 16; ++p)
          part += value(type, a[std::size_t{i} * k + p]) * value(type, b[std::size_t{p} * n + j]);
        total += part;
      }
      c[std::size_t{i} * n + j] = total;
    }
  return c;
}

}  // namespace snsim::core::test
