// The object format (firmware/object): writing, reading back, and refusing every malformed file
// with a message naming the field and its offset.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "object/object.h"

namespace snsim::obj {
namespace {

std::uint64_t word(std::string_view mnemonic,
                   std::initializer_list<std::pair<isa::Role, std::int64_t>> values) {
  isa::Instr in{.info = isa::find_mnemonic(mnemonic)};
  for (auto [role, v] : values) in.set(role, v);
  return isa::encode(in);
}

void append(std::vector<std::uint8_t>& bytes, std::uint64_t w) {
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<std::uint8_t>(w >> (8 * i)));
}

Object sample_object() {
  Object o;
  o.core = isa::CoreType::Aiv;
  Section text{SectionKind::Text, 0, {}};
  append(text.bytes, word("li", {{isa::Role::Rd, 1}, {isa::Role::Imm, 42}}));
  append(text.bytes,
         word("vadd", {{isa::Role::Type, static_cast<int>(isa::DType::F32)}, {isa::Role::Cfg, 3}}));
  append(text.bytes, word("halt", {}));
  o.sections.push_back(text);
  o.sections.push_back({SectionKind::Rodata, 16, {1, 2, 3, 4, 5}});
  o.sections.push_back({SectionKind::Data, 24, {9, 9, 9}});
  o.symbols = {{"start", SymbolKind::Label, 1, 0},
               {"table", SymbolKind::Label, 2, 16},
               {"N", SymbolKind::Constant, 0, -7},
               {"x", SymbolKind::Arg, 0, 0}};
  o.args = {{"x", ArgKind::Ptr, 0}, {"n", ArgKind::U64, 8}};
  o.entry = 8;
  return o;
}

std::string error_of(const std::vector<std::uint8_t>& bytes) {
  try {
    read_object(bytes, "t.o");
  } catch (const ObjectError& e) {
    return e.what();
  }
  return "";
}

// Rewrites a field and fixes the checksum, so the structural check (not the CRC) must catch it.
std::vector<std::uint8_t> patched(std::vector<std::uint8_t> bytes, std::size_t at, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i)
    bytes[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
  std::fill_n(bytes.begin() + 60, 4, 0);
  std::uint32_t crc = crc32(bytes);
  for (int i = 0; i < 4; ++i)
    bytes[60 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
  return bytes;
}

TEST(ObjectFormat, WriteThenReadGivesTheSameObject) {
  Object o = sample_object();
  std::vector<std::uint8_t> bytes = write_object(o);
  Object back = read_object(bytes);
  EXPECT_EQ(back.core, o.core);
  EXPECT_EQ(back.entry, o.entry);
  ASSERT_EQ(back.sections.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back.sections[i].kind, o.sections[i].kind);
    EXPECT_EQ(back.sections[i].addr, o.sections[i].addr);
    EXPECT_EQ(back.sections[i].bytes, o.sections[i].bytes);
  }
  ASSERT_EQ(back.symbols.size(), o.symbols.size());
  for (std::size_t i = 0; i < o.symbols.size(); ++i) {
    EXPECT_EQ(back.symbols[i].name, o.symbols[i].name);
    EXPECT_EQ(back.symbols[i].kind, o.symbols[i].kind);
    EXPECT_EQ(back.symbols[i].section, o.symbols[i].section);
    EXPECT_EQ(back.symbols[i].value, o.symbols[i].value);
  }
  ASSERT_EQ(back.args.size(), 2u);
  EXPECT_EQ(back.args[1].name, "n");
  EXPECT_EQ(back.args[1].kind, ArgKind::U64);
  EXPECT_EQ(write_object(back), bytes);
}

TEST(ObjectFormat, Crc32IsTheStandardOne) {
  const char* text = "123456789";
  EXPECT_EQ(crc32({reinterpret_cast<const std::uint8_t*>(text), 9}), 0xcbf43926u);
}

TEST(ObjectFormat, EveryTruncationIsRejectedWithAMessage) {
  std::vector<std::uint8_t> bytes = write_object(sample_object());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    std::string e = error_of(cut);
    ASSERT_FALSE(e.empty()) << "length " << n;
    if (n < kHeaderBytes)
      EXPECT_NE(e.find("shorter than the 64-byte header"), std::string::npos) << e;
    else
      EXPECT_NE(e.find("header.file_size"), std::string::npos) << e;
  }
}

TEST(ObjectFormat, EveryFlippedByteIsRejected) {
  std::vector<std::uint8_t> bytes = write_object(sample_object());
  for (std::size_t i = 0; i < bytes.size(); ++i)
    for (std::uint8_t flip : {0x01, 0x80, 0xff}) {
      std::vector<std::uint8_t> bad = bytes;
      bad[i] ^= flip;
      EXPECT_NE(error_of(bad), "") << "byte " << i << " ^ " << int(flip);
    }
}

std::uint32_t u32_at(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  std::uint32_t v;
  std::memcpy(&v, bytes.data() + at, 4);
  return v;
}

// A field rewritten to `value` and the text the error must contain.
struct Patch {
  std::size_t at;
  int size;
  std::uint64_t value;
  std::string text;
};

// Each header field, set to a value that is wrong for it (checksum repaired), is named.
TEST(ObjectFormat, EveryCorruptHeaderFieldIsNamedWithItsOffset) {
  std::vector<std::uint8_t> bytes = write_object(sample_object());
  auto u32 = [&](std::size_t at) { return u32_at(bytes, at); };
  const Patch cases[] = {
      {0, 8, 0x4a424f4d49534e54, "header.magic"},
      {8, 2, 2, "header.version_major"},
      {10, 2, 1, "header.version_minor"},
      {12, 2, 32, "header.header_size"},
      {14, 1, 3, "header.core"},
      {14, 1, 1, ".text+8"},  // an AIC has no vector pipe
      {15, 1, 2, "header.flags"},
      {16, 4, u32(16) + 8, "header.file_size"},
      {20, 4, 4, "header.entry"},
      {20, 4, 24, "header.entry"},
      {24, 4, 4, "header.section_count"},
      {28, 4, 8, "header.section_table"},
      {28, 4, 0xfffffff0, "header.section_table"},
      {32, 4, 0x7fffffff, "header.symbol_count"},
      {36, 4, u32(16), "header.symbol_table"},
      {40, 4, 65, "header.arg_count"},
      {44, 4, 2, "header.arg_table"},
      {48, 4, 0, "header.strtab_offset"},
      {52, 4, 0x10000, "header.strtab_offset"},
      {56, 4, 1, "header.reserved"},
      {60, 4, 0, "header.crc32"},
  };
  for (const Patch& c : cases) {
    std::vector<std::uint8_t> bad = c.text == "header.crc32" ? bytes : patched(bytes, c.at, c.value, c.size);
    if (c.text == "header.crc32") std::fill_n(bad.begin() + 60, 4, 0);
    std::string e = error_of(bad);
    EXPECT_NE(e.find(c.text), std::string::npos) << c.text << " -> " << e;
    EXPECT_NE(e.find("offset"), std::string::npos) << e;
  }
}

TEST(ObjectFormat, CorruptTablesAreNamed) {
  std::vector<std::uint8_t> bytes = write_object(sample_object());
  auto u32 = [&](std::size_t at) { return u32_at(bytes, at); };
  std::size_t sec = u32(28), sym = u32(36), arg = u32(44);
  const Patch cases[] = {
      {sec, 4, 7, "section[0].kind"},
      {sec + 24, 4, 1, "second .text"},
      {sec + 4, 4, 1, "section[0].flags"},
      {sec + 8, 4, 8, "section[0].addr"},
      {sec + 12, 4, 12, "section[0].size"},
      {sec + 16, 4, 0x7fffff00, "section[0].offset"},
      {sec + 16, 4, sym, "overlap"},
      {sec + 24 + 8, 4, 0, "section[1].addr"},  // .rodata over the argument slots
      {sec + 48 + 8, 4, 18, ".rodata and .data overlap"},
      {sec + 48 + 8, 4, 65534, "section[2].addr"},
      {sym, 4, 0, "symbol[0].name"},
      {sym, 4, 1u << 20, "symbol[0].name"},
      {sym + 4, 1, 9, "symbol[0].kind"},
      {sym + 5, 1, 1, "symbol[0].reserved"},
      {sym + 6, 2, 4, "symbol[0].section"},
      {sym + 6, 2, 0, "symbol[0].section"},
      {arg + 4, 4, 5, "arg[0].kind"},
      {arg + 8, 4, 8, "arg[0].offset"},
      {arg + 12, 4, 4, "arg[0].size"},
      {u32(sec + 16), 8, 0, "illegal instruction"},
      {u32(sec + 16) + 8, 8, 0x00000000ff000080ull, "reserved bits"},
  };
  for (const Patch& c : cases) {
    std::string e = error_of(patched(bytes, c.at, c.value, c.size));
    EXPECT_NE(e.find(c.text), std::string::npos) << c.text << " -> " << e;
  }
}

TEST(ObjectFormat, ExtensionCodeNeedsTheExtensionsFlag) {
  Object o = sample_object();
  std::vector<std::uint8_t> text;
  append(text, word("vadd", {{isa::Role::Type, static_cast<int>(isa::DType::BF16)}}));
  o.sections[0].bytes = text;
  o.entry = 0;
  EXPECT_NE(error_of(write_object(o)).find("extensions flag is clear"), std::string::npos);
  o.uses_extensions = true;
  EXPECT_EQ(error_of(write_object(o)), "");
}

// Random values written over random fields, with the checksum repaired so that only the
// structural checks stand between them and the reader: an ObjectError or a valid object, never
// another exception (and, under the sanitizers, never an out-of-bounds read).
TEST(ObjectFormat, RandomFieldsWithARepairedChecksumNeverCrashTheReader) {
  std::vector<std::uint8_t> bytes = write_object(sample_object());
  std::mt19937 rng(7);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<std::uint8_t> bad = bytes;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = rng() % (bad.size() - 3);
      std::uint32_t pick[] = {0,
                              1,
                              8,
                              64,
                              static_cast<std::uint32_t>(bad.size()),
                              0xffffffffu,
                              0x80000000u,
                              static_cast<std::uint32_t>(rng())};
      std::uint32_t v = pick[rng() % 8];
      int n = rng() % 2 ? 4 : 1;
      for (int i = 0; i < n; ++i)
        bad[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
    }
    bad = patched(bad, 60, 0, 0);
    try {
      read_object(bad, "fuzz.o");
      ++accepted;
    } catch (const ObjectError&) {
    }
  }
  EXPECT_LT(accepted, 20000);
}

TEST(ObjectFormat, MissingFileIsAnError) { EXPECT_THROW(read_object_file("/nonexistent/x.o"), ObjectError); }

}  // namespace
}  // namespace snsim::obj
