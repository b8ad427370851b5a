// The AIC's matrix path (docs/isa.md §4.2-4.3): MTE1 load2d (L1 -> L0A / L0B), the cube's mmad
// (L0A x L0B -> L0C in the D18 order) and FixPipe (L0C -> GM / L1 with cast, dequant, ReLU).
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/core.h"
#include "core/cube_kernels.h"
#include "core/fp.h"
#include "isa/config_words.h"

namespace snsim::core {

using isa::Buffer;
using isa::DType;
using isa::Role;

namespace {

constexpr std::uint64_t kFractal = 512;  // L0A / L0B fractal: 16 rows of 32 B

float load_operand(const std::uint8_t* p, DType t) {
  std::uint32_t raw = 0;
  std::memcpy(&raw, p, isa::dtype_bytes(t));
  switch (t) {
    case DType::F16: return f16_to_f32(static_cast<std::uint16_t>(raw));
    case DType::BF16: return bf16_to_f32(static_cast<std::uint16_t>(raw));
    case DType::F32: return std::bit_cast<float>(raw);
    default: return static_cast<float>(static_cast<std::int8_t>(raw));  // s8 (exact)
  }
}

// s8: exact products, wrapping s32 sums.
void mmad_row_s8(std::uint32_t* sum, float a, const float* b, unsigned n) {
  const auto av = static_cast<std::int32_t>(a);
  for (unsigned j = 0; j < n; ++j) sum[j] += static_cast<std::uint32_t>(av * static_cast<std::int32_t>(b[j]));
}

}  // namespace

// Fractal i of the source (start_index +/- i * src_stride) to dst + i * (dst_gap + 1) * 512,
// transposed within the 16 x 16 fractal with `trans`.
Core::Cost Core::execute_load2d(const Queued& q) {
  const auto w = isa::Load2dWord::unpack(q.cfg);
  if (w.repeat == 0) return {1, 1};
  const Buffer dst_buf = q.in.buffer();
  const bool trans = q.in.get(Role::Trans) == 1;
  local(Buffer::L1, q.src, 0, "src");
  for (unsigned i = 0; i < w.repeat; ++i) {
    const std::int64_t f = w.addr_mode ? std::int64_t{w.start_index} - std::int64_t{i} * w.src_stride
                                       : std::int64_t{w.start_index} + std::int64_t{i} * w.src_stride;
    if (f < 0) fault(fmt::format("load2d source fractal {} is below the buffer", f));
    const std::uint8_t* s = local(Buffer::L1, q.src + static_cast<std::uint64_t>(f) * kFractal, kFractal, "src");
    std::uint8_t* d = local(dst_buf, q.dst + std::uint64_t{i} * (w.dst_gap + 1u) * kFractal, kFractal, "dst");
    if (!d) continue;  // timing only
    if (!trans) {
      std::memmove(d, s, kFractal);
      continue;
    }
    std::uint8_t tmp[kFractal];  // 16 x 16 of 16-bit elements: row j of dst = column j of src
    for (unsigned r = 0; r < 16; ++r)
      for (unsigned c = 0; c < 16; ++c) std::memcpy(tmp + (c * 16 + r) * 2, s + (r * 16 + c) * 2, 2);
    std::memcpy(d, tmp, kFractal);
  }
  const std::uint64_t bytes = std::uint64_t{w.repeat} * kFractal;
  pipes_[static_cast<unsigned>(isa::Pipe::MTE1)].stats.bytes->add(bytes);
  const double rate = dst_buf == Buffer::L0A ? params_.mte1_l0a_bytes_per_cycle : params_.mte1_l0b_bytes_per_cycle;
  const Cycle port = ceil_cycles(static_cast<double>(bytes) / rate);
  return {port, port + params_.mte1_latency};
}

// C = / += A x B. Floating point: per output, the products of one K fractal (k0 values) are
// summed in order in f32, and each fractal's sum is added to the running f32 value, every step
// rounded to nearest even (DECISIONS.md D18). s8: exact products, wrapping s32 sums.
Core::Cost Core::execute_mmad(const Queued& q) {
  const auto w = isa::MmadWord::unpack(q.cfg);
  if (w.m > 4095 || w.n > 4095 || w.k > 4095)
    fault(fmt::format("mmad M, N, K ({}, {}, {}) above 4095", w.m, w.n, w.k));
  if (w.m == 0 || w.n == 0 || w.k == 0) return {1, 1};
  const DType t = q.in.type();
  const unsigned s = isa::dtype_bytes(t), k0 = 32 / s;
  const unsigned m1 = (w.m + 15u) / 16, n1 = (w.n + 15u) / 16, kk1 = (w.k + k0 - 1) / k0;
  const std::uint8_t* a = local(Buffer::L0A, q.src, std::uint64_t{m1} * kk1 * kFractal, "src");
  const std::uint8_t* b = local(Buffer::L0B, q.src1, std::uint64_t{kk1} * n1 * kFractal, "src1");
  std::uint8_t* c = local(Buffer::L0C, q.dst, std::uint64_t{n1} * m1 * 1024, "dst");
  pipes_[static_cast<unsigned>(isa::Pipe::M)].stats.flops->add(2ull * w.m * w.n * w.k);
  const unsigned cost_k0 = t == DType::S8 ? 32 : t == DType::F32 ? 4 : 16;
  const Cycle cycles = std::uint64_t{m1} * n1 * ((w.k + cost_k0 - 1) / cost_k0);
  if (!c) return {cycles, cycles};  // timing only
  // Gather A (m x k) and B (k x n) densely; then each row of C in the D18 order.
  std::vector<float> ad(std::size_t{w.m} * w.k), bd(std::size_t{w.k} * w.n);
  for (unsigned m = 0; m < w.m; ++m)
    for (unsigned k = 0; k < w.k; ++k)
      ad[std::size_t{m} * w.k + k] = load_operand(a + ((m / 16) * kk1 + k / k0) * kFractal + ((m % 16) * k0 + k % k0) * s, t);
  for (unsigned k = 0; k < w.k; ++k)
    for (unsigned n = 0; n < w.n; ++n)
      bd[std::size_t{k} * w.n + n] = load_operand(b + ((k / k0) * n1 + n / 16) * kFractal + ((n % 16) * k0 + k % k0) * s, t);
  const bool acc = q.in.get(Role::Acc) == 1;
  std::vector<float> sum(w.n), part(w.n);
  std::vector<std::uint32_t> isum(w.n);
  auto out = [&](unsigned m, unsigned n) { return c + ((n / 16) * m1 + m / 16) * 1024 + ((m % 16) * 16 + n % 16) * 4; };
  for (unsigned m = 0; m < w.m; ++m) {
    const float* ar = &ad[std::size_t{m} * w.k];
    if (t == DType::S8) {
      for (unsigned n = 0; n < w.n; ++n) isum[n] = 0;
      if (acc)
        for (unsigned n = 0; n < w.n; ++n) std::memcpy(&isum[n], out(m, n), 4);
      for (unsigned k = 0; k < w.k; ++k) mmad_row_s8(isum.data(), ar[k], &bd[std::size_t{k} * w.n], w.n);
      for (unsigned n = 0; n < w.n; ++n) std::memcpy(out(m, n), &isum[n], 4);
      continue;
    }
    for (unsigned n = 0; n < w.n; ++n) sum[n] = 0.0f;
    if (acc)
      for (unsigned n = 0; n < w.n; ++n) std::memcpy(&sum[n], out(m, n), 4);
    detail::mmad_row_f32(sum.data(), part.data(), ar, bd.data(), w.n, w.k, k0);
    for (unsigned n = 0; n < w.n; ++n) std::memcpy(out(m, n), &sum[n], 4);
  }
  return {cycles, cycles};
}

// L0C (Nz, f32 or s32) -> GM or L1 as `nd` rows or `nz` column blocks, with dequantization
// (s32 -> float types, by the f32 in val), ReLU and rounding to the destination type.
Core::Cost Core::execute_fixp(const Queued& q, Cycle now) {
  const auto w = isa::FixpWord::unpack(q.cfg);
  if (w.n > 4095) fault(fmt::format("fixp n {} > 4095", w.n));
  if (w.m == 0 || w.n == 0) return {1, 1};
  const DType t = q.in.type(), t2 = q.in.type(Role::Type2);
  const unsigned ds = isa::dtype_bytes(t);
  const bool relu = q.in.get(Role::Relu) == 1, nd = q.in.get(Role::Layout) == 1;
  const bool to_gm = q.in.buffer() == Buffer::Gm;
  const bool dequant = t2 == DType::S32 && t != DType::S32;
  const float scale = std::bit_cast<float>(static_cast<std::uint32_t>(q.val));
  const unsigned col_blocks = (w.n + 15u) / 16;
  for (unsigned cb = 0; cb < col_blocks; ++cb)
    local(Buffer::L0C, q.src + std::uint64_t{cb} * w.src_stride * 64, std::uint64_t{w.m} * 64, "src");
  const std::uint8_t* src = params_.numerics ? buffer(Buffer::L0C)->data(0) : nullptr;
  auto dst_addr = [&](unsigned r, unsigned c) {
    return nd ? q.dst + (std::uint64_t{r} * w.dst_stride + c) * ds
              : q.dst + std::uint64_t{c / 16} * w.dst_stride * 32 + (std::uint64_t{r} * 16 + c % 16) * ds;
  };
  // Check the destination before writing anything: each row (nd) or column block (nz) range.
  if (!to_gm) local(Buffer::L1, q.dst, 0, "dst");
  const unsigned spans = nd ? w.m : col_blocks;
  for (unsigned i = 0; i < spans; ++i) {
    const std::uint64_t first = nd ? dst_addr(i, 0) : dst_addr(0, i * 16);
    const std::uint64_t len = nd ? std::uint64_t{w.n} * ds : (std::uint64_t{w.m - 1u} * 16 + 16) * ds;
    if (to_gm)
      check_gm(first, len, "dst");
    else
      local(Buffer::L1, first, len, "dst", false);
  }
  std::uint8_t* l1 = to_gm || !src ? nullptr : buffer(Buffer::L1)->data(0);
  for (unsigned r = 0; r < (src ? w.m : 0u); ++r)
    for (unsigned c = 0; c < w.n; ++c) {
      const std::uint8_t* p = src + q.src + (std::uint64_t{c / 16} * w.src_stride + r) * 64 + (c % 16) * 4;
      std::uint32_t raw;
      std::memcpy(&raw, p, 4);
      std::uint8_t out[4] = {};
      if (t2 == DType::S32 && t == DType::S32) {
        const std::int32_t v = std::bit_cast<std::int32_t>(raw);
        const std::int32_t o = relu ? std::max(v, 0) : v;
        std::memcpy(out, &o, 4);
      } else {
        double v = dequant ? static_cast<double>(std::bit_cast<std::int32_t>(raw)) * scale
                           : static_cast<double>(std::bit_cast<float>(raw));
        if (relu && v < 0) v = 0;
        std::uint32_t bits;
        if (t == DType::F32) {
          bits = round_to_format_fast(v, kF32);
        } else {
          const FloatFormat f = t == DType::F16 ? kF16 : kBF16;
          bits = round_to_format_fast(v, f);
          // Finite inputs saturate to the largest finite value instead of overflowing.
          const std::uint32_t inf = ((1u << f.exp_bits) - 1) << f.mant_bits;
          if (std::isfinite(v) && (bits & ~(1u << (f.mant_bits + f.exp_bits))) == inf) bits -= 1;
        }
        std::memcpy(out, &bits, ds);
      }
      const std::uint64_t d = dst_addr(r, c);
      if (to_gm)
        gm_.write(d, {out, ds});
      else
        std::memcpy(l1 + d, out, ds);
    }
  const std::uint64_t bytes = std::uint64_t{w.m} * w.n * ds;
  pipes_[static_cast<unsigned>(isa::Pipe::FIX)].stats.bytes->add(bytes);
  const Cycle port = ceil_cycles(static_cast<double>(w.m) * w.n / params_.fix_elements_per_cycle);
  if (!to_gm) return {port, port + params_.fix_latency};
  // The GM side sees rows (nd) or whole 16-column blocks (nz) at the destination pitch.
  const GmAccess access =
      nd ? GmAccess{.is_write = true, .addr = q.dst, .burst = std::uint64_t{w.n} * ds, .count = w.m,
                    .stride = std::uint64_t{w.dst_stride} * ds}
         : GmAccess{.is_write = true, .addr = q.dst, .burst = std::uint64_t{w.m} * 16 * ds, .count = col_blocks,
                    .stride = std::uint64_t{w.dst_stride} * 32};
  Cost cost = gm_cost(now, port, access);
  cost.total += params_.fix_latency;
  return cost;
}

}  // namespace snsim::core
