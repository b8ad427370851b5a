#include "run/host_ref.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace snsim::run {

namespace {

double bf16_value(std::uint16_t bits) { return std::bit_cast<float>(std::uint32_t{bits} << 16); }

std::uint16_t bf16_bits(double v) {
  const float fv = static_cast<float>(v);
  std::uint32_t f = std::bit_cast<std::uint32_t>(fv);
  if (std::isnan(v)) return static_cast<std::uint16_t>((f >> 16) | 0x40);
  // The double -> float rounding must not make a bf16 tie of a value that is not one: move such an
  // f one float ulp towards v, so that v is rounded once (bits are sign and magnitude).
  if ((f & 0xffff) == 0x8000 && static_cast<double>(fv) != v) f += std::abs(v) > std::abs(fv) ? 1 : -1;
  return static_cast<std::uint16_t>((f + 0x7fff + ((f >> 16) & 1)) >> 16);  // round to nearest even
}

template <class I>
I saturate(double v) {
  if (std::isnan(v)) return 0;
  const double r = std::nearbyint(v);
  if (r <= std::numeric_limits<I>::min()) return std::numeric_limits<I>::min();
  if (r >= std::numeric_limits<I>::max()) return std::numeric_limits<I>::max();
  return static_cast<I>(r);
}

template <class T>
T load(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class T>
void put(std::uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

std::vector<double> elementwise(const std::vector<double>& x, const std::vector<double>& y, bool mul) {
  if (x.size() != y.size()) throw std::invalid_argument("element-wise reference: operand sizes differ");
  std::vector<double> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = mul ? x[i] * y[i] : x[i] + y[i];
  return out;
}

// One element of `dtype` at p, as a double.
double load_value(DType dtype, const std::uint8_t* p) {
  switch (dtype) {
    case DType::F16: return static_cast<double>(load<_Float16>(p));
    case DType::Bf16: return bf16_value(load<std::uint16_t>(p));
    case DType::F32: return load<float>(p);
    case DType::I8: return load<std::int8_t>(p);
    case DType::I32: return load<std::int32_t>(p);
  }
  return 0;
}

// v rounded to nearest even in `dtype` (integers saturate), stored at p.
void store_value(DType dtype, std::uint8_t* p, double v) {
  switch (dtype) {
    case DType::F16: put(p, static_cast<_Float16>(v)); break;
    case DType::Bf16: put(p, bf16_bits(v)); break;
    case DType::F32: put(p, static_cast<float>(v)); break;
    case DType::I8: put(p, saturate<std::int8_t>(v)); break;
    case DType::I32: put(p, saturate<std::int32_t>(v)); break;
  }
}

}  // namespace

std::vector<double> to_values(const NpyArray& a) {
  const std::size_t n = a.elements(), s = dtype_bytes(a.dtype);
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = load_value(a.dtype, a.data.data() + i * s);
  return out;
}

NpyArray to_npy(DType dtype, std::vector<std::uint64_t> shape, const std::vector<double>& values) {
  NpyArray a{dtype, std::move(shape), {}};
  if (a.elements() != values.size()) throw std::invalid_argument("to_npy: value count does not match the shape");
  const std::size_t s = dtype_bytes(dtype);
  a.data.resize(values.size() * s);
  for (std::size_t i = 0; i < values.size(); ++i) store_value(dtype, a.data.data() + i * s, values[i]);
  return a;
}

double round_to(DType dtype, double v) {
  std::uint8_t b[8];
  store_value(dtype, b, v);
  return load_value(dtype, b);
}

std::vector<double> ref_matmul(const std::vector<double>& a, const std::vector<double>& b, std::uint64_t m,
                               std::uint64_t k, std::uint64_t n, const MatmulOptions& o) {
  if (a.size() != m * k || b.size() != k * n || (o.bias && o.bias->size() != n))
    throw std::invalid_argument("matmul reference: operand sizes");
  std::vector<double> c(m * n, 0.0);
  for (std::uint64_t i = 0; i < m; ++i) {
    double* row = &c[i * n];
    if (o.transpose_b) {
      for (std::uint64_t j = 0; j < n; ++j) {
        for (std::uint64_t kk = 0; kk < k; ++kk) row[j] += a[i * k + kk] * b[j * k + kk];
      }
    } else {
      for (std::uint64_t kk = 0; kk < k; ++kk) {
        const double av = a[i * k + kk];
        const double* brow = &b[kk * n];
        for (std::uint64_t j = 0; j < n; ++j) row[j] += av * brow[j];
      }
    }
    for (std::uint64_t j = 0; j < n; ++j) {
      double v = row[j] * o.scale + (o.bias ? (*o.bias)[j] : 0.0);
      if (o.relu) v = std::max(v, 0.0);
      row[j] = v;
    }
  }
  return c;
}

std::vector<double> ref_add(const std::vector<double>& x, const std::vector<double>& y) {
  return elementwise(x, y, false);
}

std::vector<double> ref_mul(const std::vector<double>& x, const std::vector<double>& y) {
  return elementwise(x, y, true);
}

std::vector<double> ref_softmax(const std::vector<double>& x, std::uint64_t h) {
  std::vector<double> y(x.size());
  for (std::size_t r = 0; r + h <= x.size(); r += h) {
    const double m = *std::max_element(x.begin() + static_cast<std::ptrdiff_t>(r),
                                       x.begin() + static_cast<std::ptrdiff_t>(r + h));
    double sum = 0;
    for (std::size_t i = r; i < r + h; ++i) sum += std::exp(x[i] - m);
    for (std::size_t i = r; i < r + h; ++i) y[i] = std::exp(x[i] - m) / sum;
  }
  return y;
}

std::vector<double> ref_rmsnorm(const std::vector<double>& x, const std::vector<double>& gamma, std::uint64_t h,
                                double eps) {
  if (gamma.size() != h) throw std::invalid_argument("rmsnorm reference: gamma size");
  std::vector<double> y(x.size());
  for (std::size_t r = 0; r + h <= x.size(); r += h) {
    double ss = 0;
    for (std::size_t i = r; i < r + h; ++i) ss += x[i] * x[i];
    const double rstd = 1.0 / std::sqrt(ss / static_cast<double>(h) + eps);
    for (std::size_t i = r; i < r + h; ++i) y[i] = x[i] * rstd * gamma[i - r];
  }
  return y;
}

Comparison compare(const std::vector<double>& out, const std::vector<double>& ref, double atol, double rtol) {
  Comparison c;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double err = std::abs(out[i] - ref[i]);
    const bool ok = err <= atol + rtol * std::abs(ref[i]);  // false for NaN
    if (std::isnan(err)) {
      c.max_abs = std::numeric_limits<double>::quiet_NaN();
    } else {
      c.max_abs = std::max(c.max_abs, err);
      if (ref[i] != 0) c.max_rel = std::max(c.max_rel, err / std::abs(ref[i]));
    }
    if (!ok && c.failures++ == 0) c.first_failure = i;
  }
  return c;
}

}  // namespace snsim::run
