// The cube's inner loop, built twice from one body (cube_kernels.h).
#include "core/cube_kernels.h"

#include <algorithm>
#include <cstddef>

namespace snsim::core::detail {
namespace {

#if defined(__GNUC__)
#define SNSIM_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define SNSIM_ALWAYS_INLINE inline
#endif

SNSIM_ALWAYS_INLINE void row_body(float* sum, float* part, const float* a, const float* b, unsigned n,
                                  unsigned k, unsigned k0) {
  for (unsigned kb = 0; kb < k; kb += k0) {
    for (unsigned j = 0; j < n; ++j) part[j] = 0.0f;
    for (unsigned i = kb; i < std::min(kb + k0, k); ++i) {
      const float av = a[i];
      const float* br = b + std::size_t{i} * n;
      for (unsigned j = 0; j < n; ++j) part[j] += av * br[j];
    }
    for (unsigned j = 0; j < n; ++j) sum[j] += part[j];
  }
}

}  // namespace

void mmad_row_f32_portable(float* sum, float* part, const float* a, const float* b, unsigned n,
                           unsigned k, unsigned k0) {
  row_body(sum, part, a, b, n, k, k0);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target("avx2"))) static void row_avx2(float* sum, float* part, const float* a,
                                                     const float* b, unsigned n, unsigned k,
                                                     unsigned k0) {
  row_body(sum, part, a, b, n, k, k0);
}

bool mmad_row_f32_avx2(float* sum, float* part, const float* a, const float* b, unsigned n,
                       unsigned k, unsigned k0) {
  if (!__builtin_cpu_supports("avx2")) return false;
  row_avx2(sum, part, a, b, n, k, k0);
  return true;
}
#else
bool mmad_row_f32_avx2(float*, float*, const float*, const float*, unsigned, unsigned, unsigned) {
  return false;
}
#endif

void mmad_row_f32(float* sum, float* part, const float* a, const float* b, unsigned n, unsigned k,
                  unsigned k0) {
  if (!mmad_row_f32_avx2(sum, part, a, b, n, k, k0)) mmad_row_f32_portable(sum, part, a, b, n, k, k0);
}

}  // namespace snsim::core::detail
