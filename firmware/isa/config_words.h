#pragma once
// Parameter words that pipe instructions read from a register (Role::Cfg, Role::Cfg2): the real
// intrinsics' parameter structures (DataCopyParams, LoadData2DParams, MmadParams, repeat strides;
// ASCEND_ISA_NOTES.md §2-§6), each packed into 64 bits with its real field widths and units.
// docs/isa.md, "Parameter words", gives the layouts; firmware/kernels/include/snsim.inc builds the
// same words in assembly, and a test checks that the two agree. Each word packs fields of 8 or 16
// bits; pack(unpack(w)) == w for every w.

#include <cstdint>

namespace snsim::isa {

namespace detail {
constexpr std::uint64_t bits(std::uint64_t w, unsigned lsb, unsigned width) {
  return (w >> lsb) & ((1ull << width) - 1);
}
// Halfword i (0-3) of w, and four halfwords packed low to high.
constexpr std::uint16_t half(std::uint64_t w, unsigned i) { return static_cast<std::uint16_t>(bits(w, 16 * i, 16)); }
constexpr std::uint64_t halves(std::uint16_t a, std::uint16_t b, std::uint16_t c, std::uint16_t d) {
  return std::uint64_t{a} | std::uint64_t{b} << 16 | std::uint64_t{c} << 32 | std::uint64_t{d} << 48;
}
}  // namespace detail

// dma_in / dma_out (DataCopyParams): block_count bursts of block_len 32-byte blocks; the gaps are
// in 32-byte blocks from the end of one burst to the start of the next.
struct CopyWord {
  std::uint16_t block_count = 1, block_len = 0, src_gap = 0, dst_gap = 0;

  static constexpr CopyWord unpack(std::uint64_t w) {
    using detail::half;
    return {half(w, 0), half(w, 1), half(w, 2), half(w, 3)};
  }
  constexpr std::uint64_t pack() const { return detail::halves(block_count, block_len, src_gap, dst_gap); }
};

// nd2nz (Nd2NzParams), two words. cfg: nd_num, n_value (rows), d_value (columns, elements),
// src_nd_stride (elements); cfg2: src_d_value (source row pitch, elements), dst_c0_stride
// (32-byte units), dst_n_stride (32-byte units), dst_nz_stride (elements).
struct Nd2NzWords {
  std::uint16_t nd_num = 1, n_value = 0, d_value = 0, src_nd_stride = 0;
  std::uint16_t src_d_value = 1, dst_c0_stride = 1, dst_n_stride = 1, dst_nz_stride = 0;

  static constexpr Nd2NzWords unpack(std::uint64_t cfg, std::uint64_t cfg2) {
    using detail::half;
    return {half(cfg, 0),  half(cfg, 1),  half(cfg, 2),  half(cfg, 3),
            half(cfg2, 0), half(cfg2, 1), half(cfg2, 2), half(cfg2, 3)};
  }
  constexpr std::uint64_t pack_cfg() const { return detail::halves(nd_num, n_value, d_value, src_nd_stride); }
  constexpr std::uint64_t pack_cfg2() const {
    return detail::halves(src_d_value, dst_c0_stride, dst_n_stride, dst_nz_stride);
  }
};

// load2d (LoadData2DParams): repeat fractals of 512 B from start_index, src_stride fractals apart
// (start to start), dst_gap fractals between destinations (end to start); addr_mode 1 walks the
// source downwards.
struct Load2dWord {
  std::uint16_t start_index = 0;
  std::uint8_t repeat = 0;
  std::uint16_t src_stride = 1, dst_gap = 0;
  std::uint8_t addr_mode = 0;

  static constexpr Load2dWord unpack(std::uint64_t w) {
    using detail::bits;
    return {static_cast<std::uint16_t>(bits(w, 0, 16)), static_cast<std::uint8_t>(bits(w, 16, 8)),
            static_cast<std::uint16_t>(bits(w, 24, 16)), static_cast<std::uint16_t>(bits(w, 40, 16)),
            static_cast<std::uint8_t>(bits(w, 56, 8))};
  }
  constexpr std::uint64_t pack() const {
    return std::uint64_t{start_index} | std::uint64_t{repeat} << 16 |
           std::uint64_t{src_stride} << 24 | std::uint64_t{dst_gap} << 40 |
           std::uint64_t{addr_mode} << 56;
  }
};

// mmad: logical M, N, K (each 0-4095; 0 makes the instruction a no-op).
struct MmadWord {
  std::uint16_t m = 0, n = 0, k = 0;

  static constexpr MmadWord unpack(std::uint64_t w) {
    using detail::half;
    return {half(w, 0), half(w, 1), half(w, 2)};
  }
  constexpr std::uint64_t pack() const { return detail::halves(m, n, k, 0); }
};

// fixp (FixpipeParamsV220): n columns, m rows; src_stride = distance between 16-column fractal
// columns of L0C in 64-byte rows of 16 FP32/INT32 values (normally ceil16(M)), as docs/isa.md has
// it; dst_stride = elements per output row (nd layout) or 32-byte units between NZ fractal
// columns (nz layout).
struct FixpWord {
  std::uint16_t n = 0, m = 0, src_stride = 0, dst_stride = 0;

  static constexpr FixpWord unpack(std::uint64_t w) {
    using detail::half;
    return {half(w, 0), half(w, 1), half(w, 2), half(w, 3)};
  }
  constexpr std::uint64_t pack() const { return detail::halves(n, m, src_stride, dst_stride); }
};

// Vector repeat word (BinaryRepeatParams / UnaryRepeatParams): repeat count (0-255; 0 = no-op),
// block strides (start to start of the 8 blocks of one repeat, in 32-byte blocks) and repeat
// strides (start to start of consecutive repeats, in 32-byte blocks). Unary instructions ignore
// the src1 fields. Reductions count dst_rep in results (vcadd, vcmax) or 8-result groups (vcg*).
struct VecWord {
  std::uint8_t repeat = 1;
  std::uint8_t dst_blk = 1, src0_blk = 1, src1_blk = 1;
  std::uint8_t dst_rep = 8, src0_rep = 8, src1_rep = 8;

  static constexpr VecWord unpack(std::uint64_t w) {
    auto b = [w](unsigned i) { return static_cast<std::uint8_t>(detail::bits(w, 8 * i, 8)); };
    return {b(0), b(1), b(2), b(3), b(4), b(5), b(6)};
  }
  constexpr std::uint64_t pack() const {
    return std::uint64_t{repeat} | std::uint64_t{dst_blk} << 8 | std::uint64_t{src0_blk} << 16 |
           std::uint64_t{src1_blk} << 24 | std::uint64_t{dst_rep} << 32 |
           std::uint64_t{src0_rep} << 40 | std::uint64_t{src1_rep} << 48;
  }
};

}  // namespace snsim::isa
