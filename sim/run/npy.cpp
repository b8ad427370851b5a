#include "run/npy.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <optional>

#include <fmt/format.h>

#include "common/atomic_file.h"

namespace snsim::run {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicBytes = 6;
constexpr DType kTypes[] = {DType::F16, DType::Bf16, DType::F32, DType::I8, DType::I32};

// The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
// This reads exactly that subset (string, bool and tuple-of-integers values), keys in any order.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view name) : s_(text), name_(name) {}

  void parse(std::string& descr, bool& fortran, std::vector<std::uint64_t>& shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    expect('{');
    while (true) {
      skip();
      if (peek() == '}') break;
      const std::string key = string();
      expect(':');
      if (key == "descr") {
        descr = string();
        have_descr = true;
      } else if (key == "fortran_order") {
        fortran = boolean();
        have_fortran = true;
      } else if (key == "shape") {
        shape = tuple();
        have_shape = true;
      } else {
        fail("unknown header key '" + key + "'");
      }
      skip();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() != '}') fail("expected ',' or '}' in the header");
    }
    ++i_;
    if (!have_descr || !have_fortran || !have_shape)
      fail("header lacks 'descr', 'fortran_order' or 'shape'");
    skip();
    if (i_ != s_.size()) fail("text after the header dict");
  }

 private:
  [[noreturn]] void fail(const std::string& why) const { throw NpyError(fmt::format("{}: {}", name_, why)); }
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  char peek() {
    skip();
    if (i_ >= s_.size()) fail("header ends early");
    return s_[i_];
  }
  void expect(char c) {
    if (peek() != c) fail(fmt::format("expected '{}' in the header", c));
    ++i_;
  }
  std::string string() {
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string in the header");
    const std::size_t end = s_.find(q, i_ + 1);
    if (end == std::string_view::npos) fail("unterminated string in the header");
    std::string out(s_.substr(i_ + 1, end - i_ - 1));
    i_ = end + 1;
    return out;
  }
  bool boolean() {
    skip();
    for (const auto& [word, v] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (s_.substr(i_).starts_with(word)) {
        i_ += std::string_view(word).size();
        return v;
      }
    }
    fail("expected True or False in the header");
  }
  std::vector<std::uint64_t> tuple() {
    std::vector<std::uint64_t> out;
    expect('(');
    while (peek() != ')') {
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("expected a dimension in the shape");
      std::uint64_t v = 0;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) {
        if (v > (~0ull - 9) / 10) fail("dimension too large");
        v = v * 10 + static_cast<unsigned>(s_[i_++] - '0');
      }
      out.push_back(v);
      if (peek() == ',') ++i_;
      else if (peek() != ')') fail("expected ',' or ')' in the shape");
    }
    ++i_;
    return out;
  }

  std::string_view s_;
  std::string_view name_;
  std::size_t i_ = 0;
};

std::uint64_t le(std::span<const std::uint8_t> b, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{b[i]} << (8 * i);
  return v;
}

}  // namespace

std::uint64_t NpyArray::elements() const {
  std::uint64_t n = 1;
  for (std::uint64_t d : shape) n *= d;
  return n;
}

std::string_view npy_descr(DType t) {
  switch (t) {
    case DType::F16:
      return "<f2";
    case DType::Bf16:
      return "<u2";
    case DType::F32:
      return "<f4";
    case DType::I8:
      return "|i1";
    case DType::I32:
      return "<i4";
  }
  return "?";
}

std::string shape_text(std::span<const std::uint64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

NpyArray parse_npy(std::span<const std::uint8_t> bytes, std::string_view name) {
  const auto fail = [&](const std::string& why) -> NpyError { return NpyError(fmt::format("{}: {}", name, why)); };
  // 1. Preamble: magic, version, header length.
  if (bytes.size() < kMagicBytes + 2 ||
      !std::equal(kMagic, kMagic + kMagicBytes, bytes.begin(),
                  [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; }))
    throw fail("not an .npy file (no \\x93NUMPY magic)");
  const unsigned major = bytes[6], minor = bytes[7];
  if ((major != 1 && major != 2) || minor != 0)
    throw fail(fmt::format("unsupported .npy format version {}.{} (1.0 and 2.0 are read)", major, minor));
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  if (bytes.size() < 8 + len_bytes) throw fail("truncated header");
  const std::uint64_t header_len = le(bytes.subspan(8), len_bytes);
  const std::uint64_t data_offset = 8 + len_bytes + header_len;
  if (bytes.size() < data_offset)
    throw fail(fmt::format("truncated header: it declares {} bytes, the file has {}", header_len,
                           bytes.size() - 8 - len_bytes));
  // 2. The header dict.
  const std::string_view header(reinterpret_cast<const char*>(bytes.data()) + 8 + len_bytes, header_len);
  std::string descr;
  bool fortran = false;
  NpyArray a;
  HeaderParser(header, name).parse(descr, fortran, a.shape);
  if (fortran) throw fail("Fortran-order arrays are not supported (save in C order)");
  std::optional<DType> type;
  for (DType t : kTypes) {
    if (npy_descr(t) == descr || (t == DType::I8 && descr == "<i1")) type = t;
  }
  if (!type) {
    throw fail(fmt::format("unsupported dtype '{}' (supported: '<f2' f16, '<u2' bf16 bits, '<f4' f32, "
                           "'|i1' i8, '<i4' i32; little-endian only)", descr));
  }
  a.dtype = *type;
  // 3. The data: exactly the shape's elements.
  const std::uint64_t want = a.elements() * dtype_bytes(a.dtype);
  const std::uint64_t have = bytes.size() - data_offset;
  if (have != want)
    throw fail(fmt::format("{} data: shape {} of {} needs {} bytes, the file has {}",
                           have < want ? "truncated" : "too much", shape_text(a.shape), descr, want, have));
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_offset), bytes.end());
  return a;
}

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NpyError(fmt::format("{}: cannot open", path));
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_npy(bytes, path);
}

std::vector<std::uint8_t> encode_npy(const NpyArray& a) {
  if (a.data.size() != a.elements() * dtype_bytes(a.dtype))
    throw std::invalid_argument("encode_npy: data size does not match the shape");
  std::string dims;
  for (std::uint64_t d : a.shape) dims += fmt::format("{}, ", d);
  if (a.shape.size() > 1) dims.resize(dims.size() - 2);
  else if (a.shape.size() == 1) dims.pop_back();  // "(5,)"
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}",
                                   npy_descr(a.dtype), dims);
  // Pad with spaces so that the data starts at a multiple of 64, and end with a newline.
  const std::size_t fixed1 = 10, fixed2 = 12;
  const bool v2 = header.size() + 1 + fixed1 > 65535;
  const std::size_t fixed = v2 ? fixed2 : fixed1;
  header.append((64 - (fixed + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::vector<std::uint8_t> out(kMagic, kMagic + kMagicBytes);
  out.push_back(v2 ? 2 : 1);
  out.push_back(0);
  for (std::size_t i = 0; i < (v2 ? 4u : 2u); ++i) out.push_back(static_cast<std::uint8_t>(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), a.data.begin(), a.data.end());
  return out;
}

void write_npy(const std::string& path, const NpyArray& array) {
  const std::vector<std::uint8_t> bytes = encode_npy(array);
  write_file_atomic(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace snsim::run
