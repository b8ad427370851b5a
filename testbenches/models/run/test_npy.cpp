// The .npy reader and writer of `snsim run` and the host element conversions: every dtype round
// trips; truncated, malformed and unsupported files are refused naming the file and the problem.
#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>

#include "run/host_ref.h"
#include "run/npy.h"

namespace snsim::run {
namespace {

using ::testing::HasSubstr;

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// A version 1.0 file with this header text (padded) and `data` bytes.
std::vector<std::uint8_t> npy_with(std::string header, std::size_t data) {
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string f = std::string("\x93NUMPY\x01", 7) + '\0' + static_cast<char>(header.size() & 0xff) +
                  static_cast<char>(header.size() >> 8) + header + std::string(data, '\0');
  return bytes_of(f);
}

std::string error_of(const std::vector<std::uint8_t>& b) {
  try {
    parse_npy(b, "t.npy");
  } catch (const NpyError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Npy, EveryDtypeRoundTripsBitForBit) {
  for (DType t : {DType::F16, DType::Bf16, DType::F32, DType::I8, DType::I32}) {
    for (const std::vector<std::uint64_t>& shape :
         std::vector<std::vector<std::uint64_t>>{{}, {5}, {3, 4}, {2, 3, 7}}) {
      NpyArray a{t, shape, {}};
      a.data.resize(a.elements() * dtype_bytes(t));
      for (std::size_t i = 0; i < a.data.size(); ++i) a.data[i] = static_cast<std::uint8_t>(i * 37 + 11);
      const std::vector<std::uint8_t> f = encode_npy(a);
      EXPECT_EQ((f.size() - a.data.size()) % 64, 0u) << "data starts 64-byte aligned";
      const NpyArray b = parse_npy(f, "t.npy");
      EXPECT_EQ(b.dtype, t);
      EXPECT_EQ(b.shape, shape);
      EXPECT_EQ(b.data, a.data);
    }
  }
}

TEST(Npy, HeaderIsWhatNumpyWrites) {
  const NpyArray a{DType::F32, {3, 4}, std::vector<std::uint8_t>(48)};
  const std::vector<std::uint8_t> f = encode_npy(a);
  const std::string text(f.begin() + 10, f.begin() + 128);
  EXPECT_EQ(f[6], 1);
  EXPECT_EQ(f[7], 0);
  EXPECT_THAT(text, HasSubstr("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"));
  const NpyArray v{DType::Bf16, {5}, std::vector<std::uint8_t>(10)};
  const std::vector<std::uint8_t> g = encode_npy(v);
  EXPECT_THAT(std::string(g.begin(), g.end()), HasSubstr("'descr': '<u2', 'fortran_order': False, 'shape': (5,), }"));
}

TEST(Npy, LongHeaderUsesVersionTwo) {
  NpyArray a{DType::I8, std::vector<std::uint64_t>(30000, 1), {7}};
  const std::vector<std::uint8_t> f = encode_npy(a);
  EXPECT_EQ(f[6], 2);
  const NpyArray b = parse_npy(f, "t.npy");
  EXPECT_EQ(b.shape.size(), 30000u);
  EXPECT_EQ(b.data, a.data);
}

TEST(Npy, ReadsHeadersNumpyMayWriteDifferently) {
  // Keys in another order, double quotes, no trailing comma, '<i1' for int8.
  const NpyArray a = parse_npy(npy_with("{\"shape\": (2,3), 'fortran_order': False, 'descr': '<i1'}", 6), "t.npy");
  EXPECT_EQ(a.dtype, DType::I8);
  EXPECT_EQ(a.shape, (std::vector<std::uint64_t>{2, 3}));
}

TEST(Npy, MalformedAndTruncatedFilesAreRefused) {
  const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }";
  EXPECT_EQ(error_of(bytes_of("PK\x03\x04 not numpy")), "t.npy: not an .npy file (no \\x93NUMPY magic)");
  std::vector<std::uint8_t> v3 = npy_with(ok, 16);
  v3[6] = 3;
  EXPECT_EQ(error_of(v3), "t.npy: unsupported .npy format version 3.0 (1.0 and 2.0 are read)");
  std::vector<std::uint8_t> cut = npy_with(ok, 16);
  cut.resize(40);
  EXPECT_THAT(error_of(cut), HasSubstr("t.npy: truncated header: it declares 118 bytes, the file has 30"));
  cut.resize(9);
  EXPECT_EQ(error_of(cut), "t.npy: truncated header");
  EXPECT_EQ(error_of(npy_with(ok, 12)), "t.npy: truncated data: shape [4] of <f4 needs 16 bytes, the file has 12");
  EXPECT_EQ(error_of(npy_with(ok, 20)), "t.npy: too much data: shape [4] of <f4 needs 16 bytes, the file has 20");
  EXPECT_EQ(error_of(npy_with("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", 16)),
            "t.npy: unsupported dtype '>f4' (supported: '<f2' f16, '<u2' bf16 bits, '<f4' f32, '|i1' i8, '<i4' i32; "
            "little-endian only)");
  EXPECT_EQ(error_of(npy_with("{'descr': '<f4', 'fortran_order': True, 'shape': (4,), }", 16)),
            "t.npy: Fortran-order arrays are not supported (save in C order)");
  EXPECT_EQ(error_of(npy_with("{'descr': '<f4', 'shape': (4,), }", 16)),
            "t.npy: header lacks 'descr', 'fortran_order' or 'shape'");
  EXPECT_EQ(error_of(npy_with("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}", 16)),
            "t.npy: unknown header key 'x'");
  EXPECT_EQ(error_of(npy_with("{'descr': '<f4', 'fortran_order': False, 'shape': (4,a), }", 16)),
            "t.npy: expected a dimension in the shape");
  EXPECT_EQ(error_of(npy_with("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (4,), }", 16)),
            "t.npy: expected True or False in the header");
  EXPECT_EQ(error_of(npy_with("{'descr': '<f4, 'fortran_order': False, 'shape': (4,), }", 16)),
            "t.npy: expected ',' or '}' in the header");
}

TEST(HostValues, ConversionsRoundToNearestEvenAndSaturate) {
  // round_to, which the MoE reference uses per element, gives what the arrays' round trip gives.
  const auto round_trip = [](DType t, double v) {
    const double r = to_values(to_npy(t, {1}, {v}))[0];
    EXPECT_EQ(std::bit_cast<std::uint64_t>(round_to(t, v)), std::bit_cast<std::uint64_t>(r)) << v;
    return r;
  };
  // bf16 keeps 8 significant bits: 1 + 2^-8 is a tie, to even (1); 1 + 3 * 2^-8 rounds up to 1 + 2^-6.
  EXPECT_EQ(round_trip(DType::Bf16, 1 + 0x1p-8), 1.0);
  EXPECT_EQ(round_trip(DType::Bf16, 1 + 3 * 0x1p-8), 1 + 0x1p-6);
  EXPECT_EQ(round_trip(DType::Bf16, -3.0), -3.0);
  // Rounded once from the double: 1 + 2^-8 + 2^-30 is above the tie (through float it would be one).
  EXPECT_EQ(round_trip(DType::Bf16, 1 + 0x1p-8 + 0x1p-30), 1 + 0x1p-7);
  EXPECT_EQ(round_trip(DType::Bf16, -(1 + 0x1p-8 + 0x1p-30)), -(1 + 0x1p-7));
  EXPECT_EQ(round_trip(DType::Bf16, 1 + 3 * 0x1p-8 - 0x1p-30), 1 + 0x1p-7);
  // f16 keeps 11: 1 + 2^-11 ties to 1; 65520 overflows to infinity.
  EXPECT_EQ(round_trip(DType::F16, 1 + 0x1p-11), 1.0);
  EXPECT_EQ(round_trip(DType::F16, 1 + 3 * 0x1p-11), 1 + 0x1p-9);
  EXPECT_TRUE(std::isinf(round_trip(DType::F16, 65520.0)));
  EXPECT_EQ(round_trip(DType::F32, 0.1), static_cast<double>(0.1f));
  EXPECT_EQ(round_trip(DType::I8, 300.0), 127.0);
  EXPECT_EQ(round_trip(DType::I8, -2.5), -2.0);
  EXPECT_EQ(round_trip(DType::I32, 3.5), 4.0);
  EXPECT_EQ(round_trip(DType::I32, -1e12), -2147483648.0);
  EXPECT_TRUE(std::isnan(round_trip(DType::Bf16, std::nan(""))));
  EXPECT_EQ(round_trip(DType::I8, std::nan("")), 0.0);
}

TEST(HostReferences, OpsOnKnownValues) {
  // [1 2; 3 4] x [5 6; 7 8] = [19 22; 43 50].
  EXPECT_EQ(ref_matmul({1, 2, 3, 4}, {5, 6, 7, 8}, 2, 2, 2, {}), (std::vector<double>{19, 22, 43, 50}));
  EXPECT_EQ(ref_matmul({1, 2, 3}, {1, 1, 1}, 1, 3, 1, {.scale = 0.5}), (std::vector<double>{3}));
  EXPECT_EQ(ref_add({1, 2}, {3, 4}), (std::vector<double>{4, 6}));
  EXPECT_EQ(ref_mul({1, 2}, {3, 4}), (std::vector<double>{3, 8}));
  const std::vector<double> s = ref_softmax({0, std::log(3.0), 5, 5}, 2);
  EXPECT_DOUBLE_EQ(s[0], 0.25);
  EXPECT_DOUBLE_EQ(s[1], 0.75);
  EXPECT_DOUBLE_EQ(s[2], 0.5);
  // Row [3, 4]: mean square 12.5; gamma [1, 2].
  const std::vector<double> r = ref_rmsnorm({3, 4}, {1, 2}, 2, 0);
  EXPECT_DOUBLE_EQ(r[0], 3 / std::sqrt(12.5));
  EXPECT_DOUBLE_EQ(r[1], 8 / std::sqrt(12.5));
}

TEST(HostReferences, MatmulTransposedBBiasAndRelu) {
  // A = [1 2; 3 4], B = [5 6; 7 8] given transposed as bt = [5 7; 6 8]: A B = [19 22; 43 50].
  const std::vector<double> a{1, 2, 3, 4}, bt{5, 7, 6, 8};
  EXPECT_EQ(ref_matmul(a, bt, 2, 2, 2, {.transpose_b = true}), (std::vector<double>{19, 22, 43, 50}));
  // A 1 x 3 times B 3 x 2 (bt 2 x 3): a non-square case where reading b untransposed gives other values.
  EXPECT_EQ(ref_matmul({1, 2, 3}, {1, 0, -1, 2, 1, 0}, 1, 3, 2, {.transpose_b = true}), (std::vector<double>{-2, 4}));
  // Bias per column, after scale: 0.5 x [19 22; 43 50] + [-10 -30] = [-0.5 -19; 11.5 -5].
  const std::vector<double> bias{-10, -30};
  EXPECT_EQ(ref_matmul(a, {5, 6, 7, 8}, 2, 2, 2, {.scale = 0.5, .bias = &bias}),
            (std::vector<double>{-0.5, -19, 11.5, -5}));
  // relu last: negatives become 0.
  EXPECT_EQ(ref_matmul(a, bt, 2, 2, 2, {.scale = 0.5, .transpose_b = true, .bias = &bias, .relu = true}),
            (std::vector<double>{0, 0, 11.5, 0}));
  EXPECT_EQ(ref_matmul({-1}, {2}, 1, 1, 1, {.relu = true}), (std::vector<double>{0}));
  const std::vector<double> short_bias{1};
  EXPECT_THROW(ref_matmul(a, bt, 2, 2, 2, {.bias = &short_bias}), std::invalid_argument);
}

TEST(HostReferences, CompareIsAllcloseAndReportsTheLargestErrors) {
  Comparison c = compare({1.0, 2.1, 0.0}, {1.0, 2.0, 0.0}, 0.05, 0.01);
  EXPECT_EQ(c.failures, 1u);
  EXPECT_EQ(c.first_failure, 1u);
  EXPECT_NEAR(c.max_abs, 0.1, 1e-12);
  EXPECT_NEAR(c.max_rel, 0.05, 1e-12);
  c = compare({1.0, 2.1}, {1.0, 2.0}, 0.05, 0.03);
  EXPECT_EQ(c.failures, 0u);
  c = compare({std::nan("")}, {1.0}, 1e9, 1e9);
  EXPECT_EQ(c.failures, 1u);
  EXPECT_TRUE(std::isnan(c.max_abs));
}

}  // namespace
}  // namespace snsim::run
