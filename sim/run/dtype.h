#pragma once
// Element types of the tensors of a workload (`snsim run`, docs/run.md).

#include <cstddef>
#include <string_view>
#include <utility>

namespace snsim::run {

enum class DType { F16, Bf16, F32, I8, I32 };

constexpr std::size_t dtype_bytes(DType t) {
  switch (t) {
    case DType::F16:
    case DType::Bf16:
      return 2;
    case DType::I8:
      return 1;
    case DType::F32:
    case DType::I32:
      return 4;
  }
  return 0;
}

constexpr std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::F16:
      return "f16";
    case DType::Bf16:
      return "bf16";
    case DType::F32:
      return "f32";
    case DType::I8:
      return "i8";
    case DType::I32:
      return "i32";
  }
  return "?";
}

constexpr bool dtype_is_float(DType t) { return t == DType::F16 || t == DType::Bf16 || t == DType::F32; }

// The range of an integer type, as doubles (exact for i8 and i32); {0, 0} for a float type.
constexpr std::pair<double, double> dtype_int_limits(DType t) {
  switch (t) {
    case DType::I8:
      return {-128.0, 127.0};
    case DType::I32:
      return {-2147483648.0, 2147483647.0};
    default:
      return {0.0, 0.0};
  }
}

}  // namespace snsim::run
