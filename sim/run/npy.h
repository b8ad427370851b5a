#pragma once
// NumPy .npy files (format versions 1.0 and 2.0; numpy/lib/format.py documents the layout):
// little-endian, C order, the element types of run::DType. bf16 is not a NumPy dtype: it is stored
// as '<u2' holding the bf16 bit patterns (the upper half of the f32 bits); with NumPy,
// `(np.load(f).astype(np.uint32) << 16).view(np.float32)` gives the values. Reading a bf16 tensor
// accepts '<u2' only, so a file of another type is never reinterpreted silently.

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "run/dtype.h"

namespace snsim::run {

struct NpyArray {
  DType dtype = DType::F32;
  std::vector<std::uint64_t> shape;  // () is a scalar of one element
  std::vector<std::uint8_t> data;    // little-endian elements, C order

  std::uint64_t elements() const;
};

// Malformed or unsupported input: "<name>: <why>".
struct NpyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The descr of each type: '<f2', '<u2' (bf16), '<f4', '|i1', '<i4'.
std::string_view npy_descr(DType t);

NpyArray parse_npy(std::span<const std::uint8_t> bytes, std::string_view name);
NpyArray read_npy(const std::string& path);
// Format 1.0 unless the header needs 2.0 (over 65535 bytes). Throws std::invalid_argument if the
// data size does not match the shape.
std::vector<std::uint8_t> encode_npy(const NpyArray& array);
// Written atomically (write_file_atomic).
void write_npy(const std::string& path, const NpyArray& array);

std::string shape_text(std::span<const std::uint64_t> shape);  // "[3, 4]"

}  // namespace snsim::run
