// Writing and validating snsim object files (object.h, docs/object-format.md).
#include "object/object.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

namespace snsim::obj {
namespace {

// Header field offsets (docs/object-format.md, "Header").
constexpr std::uint32_t kOffMagic = 0, kOffVersionMajor = 8, kOffVersionMinor = 10, kOffHeaderSize = 12,
                        kOffCore = 14, kOffFlags = 15, kOffFileSize = 16, kOffEntry = 20,
                        kOffSectionCount = 24, kOffSectionTable = 28, kOffSymbolCount = 32,
                        kOffSymbolTable = 36, kOffArgCount = 40, kOffArgTable = 44, kOffStrtab = 48,
                        kOffStrtabSize = 52, kOffReserved = 56, kOffCrc = 60;
constexpr std::uint8_t kFlagExtensions = 0x1;
constexpr std::uint32_t kMaxSections = 3;

class Writer {
 public:
  std::vector<std::uint8_t> bytes;
  void u8(std::uint32_t at, std::uint8_t v) { bytes.at(at) = v; }
  void u16(std::uint32_t at, std::uint16_t v) { put(at, v, 2); }
  void u32(std::uint32_t at, std::uint32_t v) { put(at, v, 4); }
  void u64(std::uint32_t at, std::uint64_t v) { put(at, v, 8); }
  std::uint32_t grow(std::size_t n, std::size_t align = 8) {
    bytes.resize((bytes.size() + align - 1) / align * align);
    auto at = static_cast<std::uint32_t>(bytes.size());
    bytes.resize(bytes.size() + n);
    return at;
  }

 private:
  void put(std::uint32_t at, std::uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i) bytes.at(at + i) = static_cast<std::uint8_t>(v >> (8 * i));
  }
};

// Bounds-checked little-endian reads; the caller has checked the range, the asserts keep a missed
// check from becoming an out-of-bounds read.
class Reader {
 public:
  Reader(std::span<const std::uint8_t> bytes, std::string_view name) : b_(bytes), name_(name) {}

  std::uint64_t get(std::uint64_t at, unsigned n, std::string_view field) const {
    if (at + n > b_.size()) fail(at, field, fmt::format("needs {} bytes, file ends at {}", n, b_.size()));
    std::uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= std::uint64_t{b_[at + i]} << (8 * i);
    return v;
  }
  std::uint8_t u8(std::uint64_t at, std::string_view f) const {
    return static_cast<std::uint8_t>(get(at, 1, f));
  }
  std::uint16_t u16(std::uint64_t at, std::string_view f) const {
    return static_cast<std::uint16_t>(get(at, 2, f));
  }
  std::uint32_t u32(std::uint64_t at, std::string_view f) const {
    return static_cast<std::uint32_t>(get(at, 4, f));
  }
  std::uint64_t u64(std::uint64_t at, std::string_view f) const { return get(at, 8, f); }

  [[noreturn]] void fail(std::uint64_t at, std::string_view field, std::string_view why) const {
    throw ObjectError(fmt::format("{}: offset {} ({}): {}", name_, at, field, why));
  }
  std::size_t size() const { return b_.size(); }
  std::span<const std::uint8_t> bytes() const { return b_; }

 private:
  std::span<const std::uint8_t> b_;
  std::string_view name_;
};

struct Region {
  std::uint64_t begin, end;
  std::string what;
  std::uint64_t field_offset;
};

}  // namespace

std::string_view section_name(SectionKind kind) {
  switch (kind) {
    case SectionKind::Text:
      return ".text";
    case SectionKind::Rodata:
      return ".rodata";
    case SectionKind::Data:
      return ".data";
  }
  return "?";
}

std::string_view arg_kind_name(ArgKind kind) {
  switch (kind) {
    case ArgKind::Ptr:
      return "ptr";
    case ArgKind::U64:
      return "u64";
    case ArgKind::S64:
      return "s64";
    case ArgKind::F32:
      return "f32";
  }
  return "?";
}

const Section* Object::section(SectionKind kind) const {
  for (const Section& s : sections)
    if (s.kind == kind) return &s;
  return nullptr;
}

std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  std::uint32_t crc = 0xffffffffu;
  for (std::uint8_t byte : bytes) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::vector<std::uint8_t> write_object(const Object& o) {
  Writer w;
  w.grow(kHeaderBytes);
  std::string strtab(1, '\0');  // offset 0 is the empty name
  auto intern = [&strtab](const std::string& s) {
    auto at = static_cast<std::uint32_t>(strtab.size());
    strtab += s;
    strtab += '\0';
    return at;
  };
  // 1. Tables, then the string table, then section contents, each 8-byte aligned.
  std::uint32_t sec_table = w.grow(o.sections.size() * kSectionEntryBytes);
  std::uint32_t sym_table = w.grow(o.symbols.size() * kSymbolEntryBytes);
  std::uint32_t arg_table = w.grow(o.args.size() * kArgEntryBytes);
  for (std::size_t i = 0; i < o.symbols.size(); ++i) {
    const Symbol& s = o.symbols[i];
    std::uint32_t at = sym_table + static_cast<std::uint32_t>(i) * kSymbolEntryBytes;
    w.u32(at, intern(s.name));
    w.u8(at + 4, static_cast<std::uint8_t>(s.kind));
    w.u16(at + 6, s.section);
    w.u64(at + 8, static_cast<std::uint64_t>(s.value));
  }
  for (std::size_t i = 0; i < o.args.size(); ++i) {
    const KernelArg& a = o.args[i];
    std::uint32_t at = arg_table + static_cast<std::uint32_t>(i) * kArgEntryBytes;
    w.u32(at, intern(a.name));
    w.u32(at + 4, static_cast<std::uint32_t>(a.kind));
    w.u32(at + 8, a.offset);
    w.u32(at + 12, 8);
  }
  std::uint32_t str_at = w.grow(strtab.size());
  std::memcpy(w.bytes.data() + str_at, strtab.data(), strtab.size());
  for (std::size_t i = 0; i < o.sections.size(); ++i) {
    const Section& s = o.sections[i];
    std::uint32_t data_at = w.grow(s.bytes.size());
    std::copy(s.bytes.begin(), s.bytes.end(), w.bytes.begin() + data_at);
    std::uint32_t at = sec_table + static_cast<std::uint32_t>(i) * kSectionEntryBytes;
    w.u32(at, static_cast<std::uint32_t>(s.kind));
    w.u32(at + 8, s.addr);
    w.u32(at + 12, static_cast<std::uint32_t>(s.bytes.size()));
    w.u32(at + 16, data_at);
  }
  // 2. The header, its checksum last.
  std::memcpy(w.bytes.data() + kOffMagic, kMagic, sizeof kMagic);
  w.u16(kOffVersionMajor, kVersionMajor);
  w.u16(kOffVersionMinor, kVersionMinor);
  w.u16(kOffHeaderSize, kHeaderBytes);
  w.u8(kOffCore, static_cast<std::uint8_t>(o.core));
  w.u8(kOffFlags, o.uses_extensions ? kFlagExtensions : 0);
  w.u32(kOffFileSize, static_cast<std::uint32_t>(w.bytes.size()));
  w.u32(kOffEntry, o.entry);
  w.u32(kOffSectionCount, static_cast<std::uint32_t>(o.sections.size()));
  w.u32(kOffSectionTable, sec_table);
  w.u32(kOffSymbolCount, static_cast<std::uint32_t>(o.symbols.size()));
  w.u32(kOffSymbolTable, sym_table);
  w.u32(kOffArgCount, static_cast<std::uint32_t>(o.args.size()));
  w.u32(kOffArgTable, arg_table);
  w.u32(kOffStrtab, str_at);
  w.u32(kOffStrtabSize, static_cast<std::uint32_t>(strtab.size()));
  w.u32(kOffCrc, crc32(w.bytes));
  return w.bytes;
}

Object read_object(std::span<const std::uint8_t> bytes, std::string_view name) {
  Reader r(bytes, name);
  Object o;
  // 1. Fixed header fields.
  if (bytes.size() < kHeaderBytes)
    r.fail(0, "header",
           fmt::format("file is {} bytes, shorter than the {}-byte header (truncated?)", bytes.size(),
                       kHeaderBytes));
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    r.fail(kOffMagic, "header.magic", "not an snsim object (magic is not \"SNSIMOBJ\")");
  if (auto v = r.u16(kOffVersionMajor, "header.version_major"); v != kVersionMajor)
    r.fail(kOffVersionMajor, "header.version_major",
           fmt::format("version {} is not supported (this reader reads {})", v, kVersionMajor));
  if (auto v = r.u16(kOffVersionMinor, "header.version_minor"); v > kVersionMinor)
    r.fail(kOffVersionMinor, "header.version_minor",
           fmt::format("minor version {} is newer than this reader's {}", v, kVersionMinor));
  if (auto v = r.u16(kOffHeaderSize, "header.header_size"); v != kHeaderBytes)
    r.fail(kOffHeaderSize, "header.header_size", fmt::format("is {}, must be {}", v, kHeaderBytes));
  std::uint8_t core = r.u8(kOffCore, "header.core");
  if (core > static_cast<std::uint8_t>(isa::CoreType::Aiv))
    r.fail(kOffCore, "header.core", fmt::format("core type {} is not 0 (any), 1 (aic) or 2 (aiv)", core));
  o.core = static_cast<isa::CoreType>(core);
  std::uint8_t flags = r.u8(kOffFlags, "header.flags");
  if (flags & ~kFlagExtensions)
    r.fail(kOffFlags, "header.flags", fmt::format("unknown flag bits 0x{:02x}", flags & ~kFlagExtensions));
  o.uses_extensions = flags & kFlagExtensions;
  if (auto v = r.u32(kOffFileSize, "header.file_size"); v != bytes.size())
    r.fail(kOffFileSize, "header.file_size",
           fmt::format("says {} bytes, the file has {} (truncated or padded)", v, bytes.size()));
  if (r.u32(kOffReserved, "header.reserved") != 0) r.fail(kOffReserved, "header.reserved", "must be zero");

  // 2. Tables and the string table lie inside the file, after the header, apart from each other.
  std::vector<Region> regions{{0, kHeaderBytes, "header", 0}};
  auto table = [&](std::uint32_t count_off, std::uint32_t table_off, std::uint32_t entry,
                   std::uint32_t max_count, std::string_view what) {
    std::uint32_t count = r.u32(count_off, fmt::format("header.{}_count", what));
    std::uint32_t at = r.u32(table_off, fmt::format("header.{}_table", what));
    if (count > max_count)
      r.fail(count_off, fmt::format("header.{}_count", what),
             fmt::format("{} entries, at most {} allowed", count, max_count));
    std::uint64_t end = std::uint64_t{at} + std::uint64_t{count} * entry;
    if (count && (at < kHeaderBytes || end > bytes.size() || at % 4))
      r.fail(table_off, fmt::format("header.{}_table", what),
             fmt::format("{} entries of {} bytes at {} do not fit in the file of {} bytes after the header "
                         "(or are not 4-byte aligned)",
                         count, entry, at, bytes.size()));
    if (count) regions.push_back({at, end, fmt::format("{} table", what), table_off});
    return std::pair{count, at};
  };
  auto [nsec, sec_at] =
      table(kOffSectionCount, kOffSectionTable, kSectionEntryBytes, kMaxSections, "section");
  auto [nsym, sym_at] = table(kOffSymbolCount, kOffSymbolTable, kSymbolEntryBytes, 1u << 20, "symbol");
  auto [narg, arg_at] = table(kOffArgCount, kOffArgTable, kArgEntryBytes, kMaxArgs, "arg");
  std::uint32_t str_at = r.u32(kOffStrtab, "header.strtab_offset");
  std::uint32_t str_size = r.u32(kOffStrtabSize, "header.strtab_size");
  if (str_size == 0 || str_at < kHeaderBytes || std::uint64_t{str_at} + str_size > bytes.size())
    r.fail(kOffStrtab, "header.strtab_offset",
           fmt::format("string table of {} bytes at {} is empty or outside the file of {} bytes", str_size,
                       str_at, bytes.size()));
  if (bytes[str_at] != 0 || bytes[str_at + str_size - 1] != 0)
    r.fail(str_at, "strtab", "must start and end with a NUL byte");
  regions.push_back({str_at, std::uint64_t{str_at} + str_size, "string table", kOffStrtab});
  auto string_at = [&](std::uint64_t field_at, std::string_view field) {
    std::uint32_t off = r.u32(field_at, field);
    if (off == 0 || off >= str_size)
      r.fail(
          field_at, field,
          fmt::format("name offset {} is not inside the string table of {} bytes (or empty)", off, str_size));
    const char* s = reinterpret_cast<const char*>(bytes.data() + str_at + off);
    return std::string(s);  // NUL-terminated within the table: its last byte is NUL
  };

  // 3. Sections.
  for (std::uint32_t i = 0; i < nsec; ++i) {
    std::uint64_t at = sec_at + std::uint64_t{i} * kSectionEntryBytes;
    std::string field = fmt::format("section[{}]", i);
    std::uint32_t kind = r.u32(at, field + ".kind");
    if (kind < 1 || kind > 3)
      r.fail(at, field + ".kind", fmt::format("kind {} is not 1 (.text), 2 (.rodata) or 3 (.data)", kind));
    Section s{.kind = static_cast<SectionKind>(kind), .addr = 0, .bytes = {}};
    if (o.section(s.kind))
      r.fail(at, field + ".kind", fmt::format("second {} section", section_name(s.kind)));
    if (r.u32(at + 4, field + ".flags") != 0) r.fail(at + 4, field + ".flags", "must be zero");
    if (r.u32(at + 20, field + ".reserved") != 0) r.fail(at + 20, field + ".reserved", "must be zero");
    s.addr = r.u32(at + 8, field + ".addr");
    std::uint32_t size = r.u32(at + 12, field + ".size");
    std::uint32_t data = r.u32(at + 16, field + ".offset");
    if (data < kHeaderBytes || std::uint64_t{data} + size > bytes.size())
      r.fail(at + 16, field + ".offset",
             fmt::format("{} bytes at {} are outside the file of {} bytes (or inside the header)", size, data,
                         bytes.size()));
    if (s.kind == SectionKind::Text) {
      if (s.addr != 0)
        r.fail(at + 8, field + ".addr", fmt::format(".text must be at address 0, not {}", s.addr));
      if (size % isa::kInstrBytes)
        r.fail(at + 12, field + ".size",
               fmt::format(".text size {} is not a multiple of {}", size, isa::kInstrBytes));
    } else if (std::uint64_t{s.addr} + size > kSdmBytes || s.addr < 8 * narg) {
      r.fail(at + 8, field + ".addr",
             fmt::format("{} bytes at SDM address {} fall outside [{}, {}) (after the argument slots)", size,
                         s.addr, 8 * narg, kSdmBytes));
    }
    s.bytes.assign(bytes.begin() + data, bytes.begin() + data + size);
    if (size)
      regions.push_back({data, std::uint64_t{data} + size, std::string(section_name(s.kind)), at + 16});
    o.sections.push_back(std::move(s));
  }
  const Section* ro = o.section(SectionKind::Rodata);
  const Section* rw = o.section(SectionKind::Data);
  if (ro && rw && ro->addr < rw->addr + rw->bytes.size() && rw->addr < ro->addr + ro->bytes.size())
    r.fail(sec_at, "section table", ".rodata and .data overlap in the scalar data memory");
  std::sort(regions.begin(), regions.end(),
            [](const Region& a, const Region& b) { return a.begin < b.begin; });
  for (std::size_t i = 1; i < regions.size(); ++i)
    if (regions[i].begin < regions[i - 1].end)
      r.fail(regions[i].field_offset, regions[i].what,
             fmt::format("bytes [{}, {}) overlap the {} at [{}, {})", regions[i].begin, regions[i].end,
                         regions[i - 1].what, regions[i - 1].begin, regions[i - 1].end));

  // 4. Symbols and kernel arguments.
  for (std::uint32_t i = 0; i < nsym; ++i) {
    std::uint64_t at = sym_at + std::uint64_t{i} * kSymbolEntryBytes;
    std::string field = fmt::format("symbol[{}]", i);
    Symbol s{.name = string_at(at, field + ".name"), .kind = SymbolKind::Label};
    std::uint8_t kind = r.u8(at + 4, field + ".kind");
    if (kind < 1 || kind > 3)
      r.fail(at + 4, field + ".kind", fmt::format("kind {} is not 1 (label), 2 (constant) or 3 (arg)", kind));
    s.kind = static_cast<SymbolKind>(kind);
    if (r.u8(at + 5, field + ".reserved") != 0) r.fail(at + 5, field + ".reserved", "must be zero");
    s.section = r.u16(at + 6, field + ".section");
    if (s.section > nsec)
      r.fail(at + 6, field + ".section",
             fmt::format("section {} does not exist ({} sections)", s.section, nsec));
    if ((s.kind == SymbolKind::Label) != (s.section != 0))
      r.fail(at + 6, field + ".section", "labels, and only labels, belong to a section");
    s.value = static_cast<std::int64_t>(r.u64(at + 8, field + ".value"));
    o.symbols.push_back(std::move(s));
  }
  for (std::uint32_t i = 0; i < narg; ++i) {
    std::uint64_t at = arg_at + std::uint64_t{i} * kArgEntryBytes;
    std::string field = fmt::format("arg[{}]", i);
    KernelArg a{.name = string_at(at, field + ".name"), .kind = ArgKind::Ptr};
    std::uint32_t kind = r.u32(at + 4, field + ".kind");
    if (kind < 1 || kind > 4)
      r.fail(at + 4, field + ".kind",
             fmt::format("kind {} is not 1 (ptr), 2 (u64), 3 (s64) or 4 (f32)", kind));
    a.kind = static_cast<ArgKind>(kind);
    a.offset = r.u32(at + 8, field + ".offset");
    if (a.offset != 8 * i)
      r.fail(at + 8, field + ".offset", fmt::format("is {}, argument {} lives at {}", a.offset, i, 8 * i));
    if (r.u32(at + 12, field + ".size") != 8) r.fail(at + 12, field + ".size", "must be 8");
    o.args.push_back(std::move(a));
  }

  // 5. Code: an entry inside .text, every word a legal instruction of the declared profile.
  const Section* text = o.section(SectionKind::Text);
  if (!text || text->bytes.empty())
    r.fail(kOffSectionCount, "header.section_count", "no .text section or it is empty");
  o.entry = r.u32(kOffEntry, "header.entry");
  if (o.entry % isa::kInstrBytes || o.entry >= text->bytes.size())
    r.fail(kOffEntry, "header.entry",
           fmt::format("entry {} is not an instruction of .text ({} bytes)", o.entry, text->bytes.size()));
  std::uint64_t text_off =
      r.u32(sec_at + std::uint64_t(text - o.sections.data()) * kSectionEntryBytes + 16, "section.offset");
  bool extensions = false;
  for (std::size_t pc = 0; pc < text->bytes.size(); pc += isa::kInstrBytes) {
    std::uint64_t word = r.u64(text_off + pc, ".text");
    std::string why;
    std::optional<isa::Instr> in = isa::decode(word, &why);
    if (!in)
      r.fail(text_off + pc, fmt::format(".text+{}", pc),
             fmt::format("illegal instruction 0x{:016x}: {}", word, why));
    extensions |= in->is_extension();
    if (!isa::pipe_on_core(in->pipe(), o.core))
      r.fail(text_off + pc, fmt::format(".text+{}", pc),
             fmt::format("{} issues to pipe {}, which a {} core does not have", in->mnemonic(),
                         isa::pipe_name(in->pipe()), o.core == isa::CoreType::Aic ? "aic" : "aiv"));
  }
  if (extensions && !o.uses_extensions)
    r.fail(kOffFlags, "header.flags", "code uses ISA extensions but the extensions flag is clear");

  // 6. The checksum covers everything else, so it is checked last: the errors above are sharper.
  std::vector<std::uint8_t> copy(bytes.begin(), bytes.end());
  std::fill_n(copy.begin() + kOffCrc, 4, 0);
  std::uint32_t want = r.u32(kOffCrc, "header.crc32");
  if (std::uint32_t got = crc32(copy); got != want)
    r.fail(kOffCrc, "header.crc32",
           fmt::format("checksum 0x{:08x} does not match the contents (0x{:08x})", want, got));
  return o;
}

Object read_object_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ObjectError(fmt::format("{}: cannot open", path));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return read_object(bytes, path);
}

void write_object_file(const Object& object, const std::string& path) {
  std::vector<std::uint8_t> bytes = write_object(object);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw ObjectError(fmt::format("{}: cannot write", path));
}

}  // namespace snsim::obj
