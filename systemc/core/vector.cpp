// The vector pipe (docs/isa.md §4.4, §6): addressing by repeats, blocks and strides, the mask,
// element-wise numerics and the cost of each instruction.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <type_traits>
#include <vector>

#include "core/core.h"
#include "core/fp.h"
#include "isa/config_words.h"

namespace snsim::core {

using isa::DType;
using isa::Op;
using isa::Role;

// Fitted start-up + slope x repeats of the PTO cost model (ASCEND_ISA_NOTES.md §9, [PTOCM]
// cce_cycle_profiles.csv), 16-bit / 32-bit. Where the notes give one figure it serves both; where
// they give a range the upper end is taken. vrec has no published figure and takes vdiv's.
std::map<Op, VecCostPair> default_vector_costs() {
  auto both = [](double s, double k) { return VecCostPair{{s, k}, {s, k}}; };
  auto pair = [](double s16, double k16, double s32, double k32) {
    return VecCostPair{{s16, k16}, {s32, k32}};
  };
  return {
      {Op::Vadd, both(5.9, 2.07)},  {Op::Vsub, both(5.9, 2.07)},     {Op::Vmul, both(6.9, 2.13)},
      {Op::Vdiv, pair(13, 8, 13, 4)}, {Op::Vmax, both(4, 2)},        {Op::Vmin, both(4, 2)},
      {Op::Vadds, both(6, 1)},      {Op::Vmuls, both(7, 1)},         {Op::Vmaxs, both(4, 1)},
      {Op::Vmins, both(4, 1)},      {Op::Vexp, pair(12, 4, 12, 2)},  {Op::Vln, pair(14, 4, 14, 2)},
      {Op::Vsqrt, pair(13, 4, 13, 2)}, {Op::Vrsqrt, both(4.8, 1.06)}, {Op::Vrec, pair(13, 8, 13, 4)},
      {Op::Vabs, both(4, 1)},       {Op::Vrelu, both(4, 1)},         {Op::Vconv, both(6, 2)},
      {Op::Vcmp, both(11, 2)},      {Op::Vsel, both(5, 2)},          {Op::Vdup, both(1, 1)},
      {Op::Vbrcb, both(1, 1)},      {Op::Vcadd, pair(23, 7, 20, 7)}, {Op::Vcmax, pair(9, 7, 8, 7)},
      {Op::Vcgadd, pair(15, 7, 12, 1)}, {Op::Vcgmax, pair(6, 7, 5, 1)},
  };
}

namespace {

constexpr bool is_float(DType t) { return t == DType::F16 || t == DType::BF16 || t == DType::F32; }

// The value of an element (exact in a double for every vector type).
template <class T>
T get(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class T>
void put(std::uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

// Loading and storing an element of type T: the value (exact in a double for every vector type),
// and x rounded to T with `mode` (integers saturate). One struct per type lets the element loop
// below be compiled per type pair, without a switch on the type per element.
template <DType T> struct Elem;
template <> struct Elem<DType::F32> {
  static double load(const std::uint8_t* p) { return get<float>(p); }
  static void store(std::uint8_t* p, double x, isa::Round m) { put(p, round_to_format_fast(x, kF32, m)); }
};
template <> struct Elem<DType::F16> {
  static double load(const std::uint8_t* p) { return format_to_double_fast(get<std::uint16_t>(p), kF16); }
  static void store(std::uint8_t* p, double x, isa::Round m) {
    put(p, static_cast<std::uint16_t>(round_to_format_fast(x, kF16, m)));
  }
};
template <> struct Elem<DType::BF16> {
  static double load(const std::uint8_t* p) { return bf16_to_f32(get<std::uint16_t>(p)); }
  static void store(std::uint8_t* p, double x, isa::Round m) {
    put(p, static_cast<std::uint16_t>(round_to_format_fast(x, kBF16, m)));
  }
};
template <class I> struct IntElem {
  static double load(const std::uint8_t* p) { return get<I>(p); }
  static void store(std::uint8_t* p, double x, isa::Round m) {
    put(p, static_cast<I>(round_to_int_fast(x, m, std::numeric_limits<I>::min(), std::numeric_limits<I>::max())));
  }
};
template <> struct Elem<DType::S32> : IntElem<std::int32_t> {};
template <> struct Elem<DType::S16> : IntElem<std::int16_t> {};
template <> struct Elem<DType::S8> : IntElem<std::int8_t> {};
// Loaded, never stored (a vector result of these types is not written).
template <> struct Elem<DType::U32> {
  static double load(const std::uint8_t* p) { return get<std::uint32_t>(p); }
  static void store(std::uint8_t*, double, isa::Round) {}
};
template <> struct Elem<DType::U16> {
  static double load(const std::uint8_t* p) { return get<std::uint16_t>(p); }
  static void store(std::uint8_t*, double, isa::Round) {}
};
// The other types: loaded as 0, never stored.
struct NoElem {
  static double load(const std::uint8_t*) { return 0; }
  static void store(std::uint8_t*, double, isa::Round) {}
};

// Calls f(Elem<t>{}) (NoElem{} for a type without one).
template <class F>
decltype(auto) with_elem(DType t, F&& f) {
  switch (t) {
    case DType::F32: return f(Elem<DType::F32>{});
    case DType::F16: return f(Elem<DType::F16>{});
    case DType::BF16: return f(Elem<DType::BF16>{});
    case DType::S32: return f(Elem<DType::S32>{});
    case DType::S16: return f(Elem<DType::S16>{});
    case DType::S8: return f(Elem<DType::S8>{});
    case DType::U32: return f(Elem<DType::U32>{});
    case DType::U16: return f(Elem<DType::U16>{});
    default: return f(NoElem{});
  }
}

double load_elem(const std::uint8_t* p, DType t) {
  return with_elem(t, [p](auto e) { return e.load(p); });
}

void store_elem(std::uint8_t* p, DType t, double x, isa::Round mode = isa::Round::Rint) {
  with_elem(t, [&](auto e) { e.store(p, x, mode); });
}

// x rounded to t's precision (an operation "in T's precision").
double quantize(double x, DType t) {
  std::uint8_t b[4] = {};
  store_elem(b, t, x);
  return load_elem(b, t);
}

// Wraps an integer result to s32.
double wrap32(std::int64_t v) { return static_cast<std::int32_t>(static_cast<std::uint32_t>(v)); }

double nan_or(double a, double b, double r) {
  return std::isnan(a) || std::isnan(b) ? std::numeric_limits<double>::quiet_NaN() : r;
}

// Whether an element type is a float one: is_float of its DType (NoElem's types are not).
template <class T>
inline constexpr bool kFloatElem = false;
template <DType D>
inline constexpr bool kFloatElem<Elem<D>> = is_float(D);

// Calls f(std::integral_constant<Op, o>{}) with o the operation `op` computes in binary() (vadds
// as vadd, and so on), so that an element loop is compiled per operation, without a switch on
// it per element.
template <class F>
decltype(auto) with_binary_op(Op op, F&& f) {
  switch (op) {
    case Op::Vadd: case Op::Vadds: return f(std::integral_constant<Op, Op::Vadd>{});
    case Op::Vsub: return f(std::integral_constant<Op, Op::Vsub>{});
    case Op::Vmul: case Op::Vmuls: return f(std::integral_constant<Op, Op::Vmul>{});
    case Op::Vdiv: return f(std::integral_constant<Op, Op::Vdiv>{});
    case Op::Vmax: case Op::Vmaxs: return f(std::integral_constant<Op, Op::Vmax>{});
    default: return f(std::integral_constant<Op, Op::Vmin>{});
  }
}

// a op b for elements of a float type (`fl`) or an integer one; op is one with_binary_op passes
// (the scalar forms already folded into their vector ones).
[[gnu::always_inline]] inline double binary(Op op, bool fl, double a, double b) {
  if (!fl) {
    const auto x = static_cast<std::int64_t>(a), y = static_cast<std::int64_t>(b);
    switch (op) {
      case Op::Vadd: return wrap32(x + y);
      case Op::Vsub: return wrap32(x - y);
      case Op::Vmul: return wrap32(x * y);
      case Op::Vmax: return static_cast<double>(std::max(x, y));
      default: return static_cast<double>(std::min(x, y));
    }
  }
  // Exact or correctly rounded in double, then rounded once to t (fp.h).
  switch (op) {
    case Op::Vadd: return a + b;
    case Op::Vsub: return a - b;
    case Op::Vmul: return a * b;
    case Op::Vdiv: return a / b;
    case Op::Vmax: return nan_or(a, b, std::max(a, b));
    default: return nan_or(a, b, std::min(a, b));
  }
}

double unary(Op op, double x) {
  switch (op) {
    case Op::Vexp: return std::exp(x);
    case Op::Vln: return std::log(x);
    case Op::Vsqrt: return std::sqrt(x);
    case Op::Vrsqrt: return 1.0 / std::sqrt(x);
    case Op::Vrec: return 1.0 / x;
    case Op::Vabs: return std::fabs(x);
    default: return std::isnan(x) ? x : std::max(x, 0.0);  // vrelu
  }
}

bool compare(isa::Cmp cmp, double a, double b) {
  switch (cmp) {
    case isa::Cmp::Lt: return a < b;
    case isa::Cmp::Gt: return a > b;
    case isa::Cmp::Ge: return a >= b;
    case isa::Cmp::Eq: return a == b;
    case isa::Cmp::Ne: return a != b;
    case isa::Cmp::Le: return a <= b;
  }
  return false;
}

// Sum of values as a pairwise tree (adjacent pairs, level by level), each step rounded to t.
double tree_sum(std::vector<double> v, DType t) {
  while (v.size() > 1) {
    std::size_t n = 0;
    for (std::size_t i = 0; i + 1 < v.size(); i += 2) v[n++] = quantize(v[i] + v[i + 1], t);
    if (v.size() % 2) v[n++] = v.back();
    v.resize(n);
  }
  return v.empty() ? 0.0 : v[0];
}

double max_of(const std::vector<double>& v) {
  double m = -std::numeric_limits<double>::infinity();
  for (double x : v) m = std::isnan(x) || std::isnan(m) ? std::numeric_limits<double>::quiet_NaN() : std::max(m, x);
  return m;
}

// One operand's addressing: element e of block j of repeat i (docs/isa.md §6).
struct Operand {
  std::uint64_t base;
  unsigned rep, blk;
  unsigned block_bytes;  // E elements of this operand
  unsigned size;
  std::uint64_t at(unsigned i, unsigned j, unsigned e) const {
    return base + std::uint64_t{i} * rep * 32 + std::uint64_t{j} * blk * block_bytes + std::uint64_t{e} * size;
  }
  std::uint64_t extent(unsigned repeat) const { return at(repeat - 1, 7, 0) + block_bytes - base; }
};

// The element-wise instructions that compute, and vconv, for a source type From and destination
// type To: r = f(x, b) per enabled element, x the source's value, b the UB offset of src1's
// element (read only by the operations that have a src1). The loads, stores and f inline (one
// instantiation per type pair and kind of operation), so an element costs its arithmetic, not
// calls and switches on the type. Everything comes by value: stores through the byte pointers may
// alias anything reached through a reference, which the compiler would reload for every element.
template <class From, class To, class F>
void elementwise(std::uint8_t* ub, const Operand dst, const Operand src, const Operand src1, const unsigned rpt,
                 const unsigned e_per_block, const std::array<std::uint64_t, 2> mask, const isa::Round round,
                 const F f) {
  for (unsigned i = 0; i < rpt; ++i)
    for (unsigned j = 0; j < 8; ++j) {
      std::uint8_t* d = ub + dst.at(i, j, 0);
      const std::uint8_t* a = ub + src.at(i, j, 0);
      const std::uint64_t b = src1.at(i, j, 0);
      for (unsigned e = 0; e < e_per_block; ++e) {
        const unsigned idx = j * e_per_block + e;
        if (!((mask[idx / 64] >> (idx % 64)) & 1)) continue;
        const double r = f(From::load(a + std::size_t{e} * src.size), b + std::uint64_t{e} * src1.size);
        To::store(d + std::size_t{e} * dst.size, r, round);
      }
    }
}

// vconv from f16 or bf16 (From) to an integer type I: the result depends on the source's 16 bits
// only, so it is looked up in a table of all 65,536 results per rounding mode, built on first use
// by the same element conversion (From::load, IntElem<I>::store), so identical by construction
// (test_vconv.cpp checks every pattern in every mode). The MoE step quantizes each token this way
// (vconv.s8.f16), and the rounding chain per element was most of its vector time.
template <class From, class I>
const I* int_conv_table(isa::Round mode) {
  static std::once_flag once[5];
  static std::vector<I> tables[5];
  const auto m = static_cast<unsigned>(mode);
  std::call_once(once[m], [m, mode] {
    tables[m].resize(std::size_t{1} << 16);
    for (std::uint32_t h = 0; h < (1u << 16); ++h) {
      const auto bits = static_cast<std::uint16_t>(h);
      std::uint8_t b[2];
      std::memcpy(b, &bits, 2);
      IntElem<I>::store(reinterpret_cast<std::uint8_t*>(&tables[m][h]), From::load(b), mode);
    }
  });
  return tables[m].data();
}

// The element loop of vconv from a 16-bit float to an integer, through int_conv_table.
template <class From, class I>
void convert_by_table(std::uint8_t* ub, const Operand dst, const Operand src, const unsigned rpt,
                      const unsigned e_per_block, const std::array<std::uint64_t, 2> mask, const isa::Round round) {
  const I* table = int_conv_table<From, I>(round);
  for (unsigned i = 0; i < rpt; ++i)
    for (unsigned j = 0; j < 8; ++j) {
      std::uint8_t* d = ub + dst.at(i, j, 0);
      const std::uint8_t* a = ub + src.at(i, j, 0);
      for (unsigned e = 0; e < e_per_block; ++e) {
        const unsigned idx = j * e_per_block + e;
        if (!((mask[idx / 64] >> (idx % 64)) & 1)) continue;
        put(d + std::size_t{e} * sizeof(I), table[get<std::uint16_t>(a + std::size_t{e} * 2)]);
      }
    }
}

}  // namespace

Core::Cost Core::execute_vector(const Queued& q) {
  const Op op = q.in.op();
  const DType t = q.in.type();
  const DType t2 = op == Op::Vconv ? q.in.type(Role::Type2) : t;
  const auto w = isa::VecWord::unpack(q.cfg);
  const unsigned sz = isa::dtype_bytes(t), sz2 = isa::dtype_bytes(t2);
  const unsigned wide = std::max(sz, sz2);
  const unsigned n = 256 / wide;  // elements per repeat
  const unsigned e_per_block = n / 8;
  const auto cost_it = params_.vector_costs.find(op);
  if (cost_it == params_.vector_costs.end()) fault("no cost is configured for this instruction");
  const VecCost c = wide == 2 ? cost_it->second.b16 : cost_it->second.b32;
  const unsigned rpt = w.repeat;
  if (rpt == 0) return {1, 1};

  const bool reduce = op == Op::Vcadd || op == Op::Vcmax || op == Op::Vcgadd || op == Op::Vcgmax;
  const bool bitmask_dst = op == Op::Vcmp;
  if (w.dst_blk == 0 && !reduce && !bitmask_dst) fault("dst block stride 0 (undefined on hardware)");
  const Operand dst{q.dst, w.dst_rep, w.dst_blk, e_per_block * sz, sz};
  const Operand src{q.src, w.src0_rep, w.src0_blk, e_per_block * sz2, sz2};
  const Operand src1{q.src1, w.src1_rep, w.src1_blk, e_per_block * sz, sz};
  auto mask_bit = [&](unsigned idx) { return (vmask_[idx / 64] >> (idx % 64)) & 1; };
  // Checks every operand range before anything is written (a fault leaves UB unchanged).
  std::uint8_t* ub = nullptr;
  auto check = [&](std::uint64_t base, std::uint64_t len, const char* name) {
    local(isa::Buffer::Ub, base, len, name);
    if (params_.numerics) ub = ub_->data(0);
  };
  // One operation per enabled element and repeat, for the instructions that compute.
  const bool computes = op != Op::Vconv && op != Op::Vdup && op != Op::Vsel && op != Op::Vbrcb;
  unsigned enabled = 0;
  for (unsigned idx = 0; idx < n; ++idx) enabled += static_cast<unsigned>(mask_bit(idx));
  pipes_[static_cast<unsigned>(isa::Pipe::V)].stats.flops->add(computes ? std::uint64_t{enabled} * rpt : 0);

  switch (op) {
    case Op::Vadd: case Op::Vsub: case Op::Vmul: case Op::Vdiv: case Op::Vmax: case Op::Vmin:
    case Op::Vadds: case Op::Vmuls: case Op::Vmaxs: case Op::Vmins:
    case Op::Vexp: case Op::Vln: case Op::Vsqrt: case Op::Vrsqrt: case Op::Vrec: case Op::Vabs:
    case Op::Vrelu: case Op::Vconv: case Op::Vdup: case Op::Vsel: {
      const bool two = op <= Op::Vmin || op == Op::Vsel;
      const bool scalar = (op >= Op::Vadds && op <= Op::Vmins) || op == Op::Vdup;
      check(dst.base, dst.extent(rpt), "dst");
      if (op != Op::Vdup) check(src.base, src.extent(rpt), "src");
      if (two) check(src1.base, src1.extent(rpt), "src1");
      if (op == Op::Vsel) check(q.val, std::uint64_t{rpt} * n / 8, "val");
      std::uint8_t sval[8];
      std::memcpy(sval, &q.val, sizeof sval);  // the scalar operand: low sizeof(T) bytes of val
      if (!ub) break;  // timing only
      const double s = scalar ? load_elem(sval, t) : 0.0;
      const auto round = op == Op::Vconv ? q.in.as<isa::Round>(Role::Round) : isa::Round::Rint;
      if (op == Op::Vdup || op == Op::Vsel) {
        for (unsigned i = 0; i < rpt; ++i)
          for (unsigned j = 0; j < 8; ++j)
            for (unsigned e = 0; e < e_per_block; ++e) {
              const unsigned idx = j * e_per_block + e;
              if (!mask_bit(idx)) continue;
              std::uint8_t* d = ub + dst.at(i, j, e);
              if (op == Op::Vdup) {
                std::memcpy(d, sval, sz);
                continue;
              }
              const std::uint8_t bits = ub[q.val + std::uint64_t{i} * n / 8 + idx / 8];
              std::memmove(d, (bits >> (idx % 8)) & 1 ? ub + src.at(i, j, e) : ub + src1.at(i, j, e), sz);
            }
        break;
      }
      // vconv per (source, destination) type pair; the rest per type (src1 and the scalar have
      // the destination's type).
      if (op == Op::Vconv) {
        with_elem(t2, [&](auto from) {
          with_elem(t, [&](auto to) {
            using From = decltype(from);
            using To = decltype(to);
            constexpr bool from16 = std::is_same_v<From, Elem<DType::F16>> || std::is_same_v<From, Elem<DType::BF16>>;
            if constexpr (from16 && std::is_base_of_v<IntElem<std::int8_t>, To>)
              convert_by_table<From, std::int8_t>(ub, dst, src, rpt, e_per_block, vmask_, round);
            else if constexpr (from16 && std::is_base_of_v<IntElem<std::int16_t>, To>)
              convert_by_table<From, std::int16_t>(ub, dst, src, rpt, e_per_block, vmask_, round);
            else
              elementwise<From, To>(ub, dst, src, src1, rpt, e_per_block, vmask_, round,
                                    [](double x, std::uint64_t) { return x; });
          });
        });
        break;
      }
      with_elem(t, [&](auto to) {
        using T = decltype(to);
        auto run = [&](auto f) { elementwise<T, T>(ub, dst, src, src1, rpt, e_per_block, vmask_, round, f); };
        constexpr bool fl = kFloatElem<T>;
        if (two)
          with_binary_op(op, [&](auto o) {
            run([ub](double x, std::uint64_t b) { return binary(decltype(o)::value, fl, x, T::load(ub + b)); });
          });
        else if (scalar)
          with_binary_op(op, [&](auto o) {
            run([s](double x, std::uint64_t) { return binary(decltype(o)::value, fl, x, s); });
          });
        else if (is_float(t))
          run([op](double x, std::uint64_t) { return unary(op, x); });
        else
          run([](double x, std::uint64_t) { return std::max(x, 0.0); });  // vrelu.s32
      });
      break;
    }
    case Op::Vcmp: {
      check(q.dst, std::uint64_t{rpt} * n / 8, "dst");
      check(src.base, src.extent(rpt), "src");
      check(src1.base, src1.extent(rpt), "src1");
      if (!ub) break;
      const auto cmp = q.in.as<isa::Cmp>(Role::Cmp);
      for (unsigned i = 0; i < rpt; ++i) {
        std::uint8_t* out = ub + q.dst + std::uint64_t{i} * n / 8;
        std::memset(out, 0, n / 8);
        for (unsigned idx = 0; idx < n; ++idx) {
          if (!mask_bit(idx)) continue;
          const unsigned j = idx / e_per_block, e = idx % e_per_block;
          if (compare(cmp, load_elem(ub + src.at(i, j, e), t), load_elem(ub + src1.at(i, j, e), t)))
            out[idx / 8] |= static_cast<std::uint8_t>(1u << (idx % 8));
        }
      }
      break;
    }
    case Op::Vbrcb: {
      check(q.src, std::uint64_t{rpt} * 8 * sz, "src");
      check(dst.base, dst.extent(rpt), "dst");
      if (!ub) break;
      for (unsigned i = 0; i < rpt; ++i)
        for (unsigned j = 0; j < 8; ++j) {
          const std::uint8_t* a = ub + q.src + (std::uint64_t{i} * 8 + j) * sz;
          for (unsigned e = 0; e < e_per_block; ++e) std::memmove(ub + dst.at(i, j, e), a, sz);
        }
      break;
    }
    default: {  // reductions
      const bool group = op == Op::Vcgadd || op == Op::Vcgmax;
      const bool sum = op == Op::Vcadd || op == Op::Vcgadd;
      const unsigned results = group ? 8 : 1;
      check(q.dst, (std::uint64_t{rpt - 1} * w.dst_rep * results + results) * sz, "dst");
      check(src.base, src.extent(rpt), "src");
      if (!ub) break;
      std::vector<double> v;
      for (unsigned i = 0; i < rpt; ++i)
        for (unsigned g = 0; g < results; ++g) {
          v.clear();
          for (unsigned idx = g * (n / results); idx < (g + 1) * (n / results); ++idx)
            if (mask_bit(idx)) v.push_back(load_elem(ub + src.at(i, idx / e_per_block, idx % e_per_block), t));
          if (v.empty()) continue;  // nothing enabled: the result is not written
          const double r = sum ? tree_sum(v, t) : max_of(v);
          store_elem(ub + q.dst + (std::uint64_t{i} * w.dst_rep * results + g) * sz, t, r);
        }
      break;
    }
  }
  const double cycles = c.startup + c.slope * rpt;
  return {ceil_cycles(c.slope * rpt), ceil_cycles(cycles)};
}

}  // namespace snsim::core
