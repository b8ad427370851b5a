#pragma once
// The snsim object file (docs/object-format.md): what the assembler writes and the loader reads.
// A kernel is one object: its code (.text, loaded at instruction address 0), its initialized
// scalar data (.rodata, .data, at their scalar-data-memory addresses), symbols, the kernel
// arguments (one 64-bit slot each at SDM address 8 * index) and the entry point.
//
// read_object() trusts nothing: every offset, count and size is checked against the file before it
// is used, and a malformed file is an ObjectError naming the field, its file offset and why.

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "isa/isa.h"

namespace snsim::obj {

inline constexpr std::uint32_t kSdmBytes = 64 * 1024;  // scalar data memory per core
inline constexpr std::uint32_t kMaxArgs = 64;
inline constexpr std::uint16_t kVersionMajor = 1;
inline constexpr std::uint16_t kVersionMinor = 0;
inline constexpr std::uint32_t kHeaderBytes = 64;
inline constexpr std::uint32_t kSectionEntryBytes = 24;
inline constexpr std::uint32_t kSymbolEntryBytes = 16;
inline constexpr std::uint32_t kArgEntryBytes = 16;
inline constexpr char kMagic[8] = {'S', 'N', 'S', 'I', 'M', 'O', 'B', 'J'};

enum class SectionKind : std::uint32_t { Text = 1, Rodata = 2, Data = 3 };
std::string_view section_name(SectionKind kind);  // ".text", ".rodata", ".data"

struct Section {
  SectionKind kind;
  std::uint32_t addr = 0;  // .text: instruction byte address (0); data: SDM address
  std::vector<std::uint8_t> bytes;
};

enum class SymbolKind : std::uint8_t { Label = 1, Constant = 2, Arg = 3 };

struct Symbol {
  std::string name;
  SymbolKind kind;
  std::uint16_t section = 0;  // 1-based index into Object::sections; 0 = absolute
  std::int64_t value = 0;
};

enum class ArgKind : std::uint32_t { Ptr = 1, U64 = 2, S64 = 3, F32 = 4 };
std::string_view arg_kind_name(ArgKind kind);

struct KernelArg {
  std::string name;
  ArgKind kind;
  std::uint32_t offset = 0;  // SDM address of its 8-byte slot: 8 * index
};

struct Object {
  isa::CoreType core = isa::CoreType::Any;
  bool uses_extensions = false;
  std::uint32_t entry = 0;
  std::vector<Section> sections;
  std::vector<Symbol> symbols;
  std::vector<KernelArg> args;

  const Section* section(SectionKind kind) const;
};

// Malformed input: the message reads "<name>: offset <n> (<field>): <why>".
struct ObjectError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<std::uint8_t> write_object(const Object& object);
Object read_object(std::span<const std::uint8_t> bytes, std::string_view name = "object");
Object read_object_file(const std::string& path);
void write_object_file(const Object& object, const std::string& path);

// CRC-32 (IEEE 802.3, reflected, as zlib's crc32).
std::uint32_t crc32(std::span<const std::uint8_t> bytes);

}  // namespace snsim::obj
