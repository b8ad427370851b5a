// The assembler and the object disassembler (firmware/asm).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "asm/assembler.h"
#include "isa/config_words.h"
#include "isa_samples.h"

namespace snsim::as {
namespace {

// In-memory files for .include tests.
SourceReader files(std::map<std::string, std::string> contents) {
  return [contents = std::move(contents)](const std::string& path) -> std::optional<std::string> {
    auto it = contents.find(path);
    if (it == contents.end()) return std::nullopt;
    return it->second;
  };
}

Result assemble(std::string_view text, const Options& options = {},
                const SourceReader& reader = read_source_file) {
  return assemble_text(text, "k.s", options, reader);
}

std::vector<std::uint64_t> words(const obj::Object& o) {
  const obj::Section* text = o.section(obj::SectionKind::Text);
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < text->bytes.size(); i += 8) {
    std::uint64_t w = 0;
    for (int k = 0; k < 8; ++k) w |= std::uint64_t{text->bytes[i + static_cast<std::size_t>(k)]} << (8 * k);
    out.push_back(w);
  }
  return out;
}

obj::Object ok(std::string_view text, const Options& options = {},
               const SourceReader& reader = read_source_file) {
  Result r = assemble(text, options, reader);
  EXPECT_TRUE(r.object) << r.format_errors();
  return r.object ? *r.object : obj::Object{};
}

// asm -> obj -> disasm -> asm gives identical bytes, for every instruction of the table.
TEST(AsmRoundTrip, EveryInstructionOfTheTable) {
  for (const isa::OpInfo& info : isa::instruction_table()) {
    std::vector<isa::Instr> samples = isa::test::sample_instructions(info);
    ASSERT_FALSE(samples.empty()) << info.mnemonic;
    std::string source;
    std::vector<std::uint64_t> expect;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      isa::Instr in = samples[i];
      // Keep branch targets inside a plausible program so the text is what a kernel would hold.
      std::uint64_t pc = i * isa::kInstrBytes;
      source += isa::disassemble(in, pc) + "\n";
      expect.push_back(isa::encode(in));
    }
    Result first = assemble(source);
    ASSERT_TRUE(first.object) << info.mnemonic << "\n" << first.format_errors() << source;
    EXPECT_EQ(words(*first.object), expect) << info.mnemonic;
    std::vector<std::uint8_t> bytes = obj::write_object(*first.object);
    std::string listing = disassemble_object(obj::read_object(bytes));
    Result second = assemble(listing);
    ASSERT_TRUE(second.object) << second.format_errors() << listing;
    EXPECT_EQ(obj::write_object(*second.object), bytes) << info.mnemonic;
  }
}

TEST(AsmRoundTrip, WholeProgramWithDataSymbolsAndArguments) {
  const char* text = R"(
.core aic
.arg a
.arg b, f32
.equ N, 3
.rodata
tab: .word 1, 2, N
.data
buf: .space 5, 0xaa
     .align 8
end: .dword -1
.text
.entry main
pad: nop
main:
    li x1, tab
    ld.u32 x2, x1, 4
    mmad.bf16 x1, x2, x3, x4, acc
    bne x2, x0, main
    halt
)";
  obj::Object o = ok(text);
  std::vector<std::uint8_t> bytes = obj::write_object(o);
  std::string listing = disassemble_object(obj::read_object(bytes));
  EXPECT_EQ(obj::write_object(ok(listing)), bytes) << listing;
  EXPECT_EQ(o.entry, 8u);
  EXPECT_EQ(o.core, isa::CoreType::Aic);
  // SDM: two argument slots (16 B), then .rodata, then .data 8-aligned.
  EXPECT_EQ(o.section(obj::SectionKind::Rodata)->addr, 16u);
  EXPECT_EQ(o.section(obj::SectionKind::Data)->addr, 32u);
  EXPECT_EQ(o.section(obj::SectionKind::Data)->bytes,
            (std::vector<std::uint8_t>{0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0, 255, 255, 255, 255, 255, 255,
                                       255, 255}));
  EXPECT_EQ(words(o)[1] >> 16, 16u);  // li x1, tab
}

TEST(AsmRoundTrip, KernelsAssembleAndRoundTrip) {
  struct Kernel {
    const char* file;
    isa::CoreType core;
    std::size_t args;
    bool extensions = false;  // uses an ISA extension (D19): assembled without --strict
  };
  for (const Kernel& k :
       {Kernel{"vec_add.s", isa::CoreType::Aiv, 4}, Kernel{"vec_mul.s", isa::CoreType::Aiv, 4},
        Kernel{"vec_mul_f16.s", isa::CoreType::Aiv, 4}, Kernel{"gemm_bf16.s", isa::CoreType::Aic, 6},
        Kernel{"gemm_f16.s", isa::CoreType::Aic, 6}, Kernel{"gemm_bf16_bf16.s", isa::CoreType::Aic, 6},
        Kernel{"gemm_f16_bf16.s", isa::CoreType::Aic, 6},
        Kernel{"gemm_int8.s", isa::CoreType::Aic, 7, true}, Kernel{"gemm_epilogue_aic.s", isa::CoreType::Aic, 8},
        Kernel{"gemm_epilogue_aiv.s", isa::CoreType::Aiv, 8}, Kernel{"rmsnorm_f32.s", isa::CoreType::Aiv, 7},
        Kernel{"softmax_f32.s", isa::CoreType::Aiv, 4}, Kernel{"allreduce_ring.s", isa::CoreType::Aiv, 5, true},
        Kernel{"reduce_scatter_ring.s", isa::CoreType::Aiv, 5, true},
        Kernel{"allgather_ring.s", isa::CoreType::Aiv, 4, true},
        Kernel{"allreduce_hier.s", isa::CoreType::Aiv, 6, true}, Kernel{"alltoall.s", isa::CoreType::Aiv, 5, true}}) {
    Result r = assemble_file(fmt::format("{}/firmware/kernels/{}", SNSIM_SOURCE_DIR, k.file));
    ASSERT_TRUE(r.object) << k.file << "\n" << r.format_errors();
    std::vector<std::uint8_t> bytes = obj::write_object(*r.object);
    EXPECT_EQ(obj::write_object(ok(disassemble_object(obj::read_object(bytes)))), bytes) << k.file;
    EXPECT_EQ(r.object->args.size(), k.args);
    EXPECT_EQ(r.object->core, k.core);
    EXPECT_EQ(r.object->uses_extensions, k.extensions) << k.file;
  }
}

TEST(AsmExpressions, PrecedenceAndOperatorsFollowC) {
  obj::Object o = ok(R"(
.equ A, 1 + 2 * 3 << 1 | 1
.equ B, (-7 / 2) * 10 + -7 % 2
.equ C, ~0 ^ 0xff & 0b1010
.equ D, 1 << 47 >> 46
.equ E, FWD - 8
    li x1, A
    li x2, B
    li x3, C
    li x4, D
    li x5, E
FWD: li x6, .
)");
  std::vector<std::uint64_t> w = words(o);
  auto imm = [&](int i) { return static_cast<std::int64_t>(w[static_cast<std::size_t>(i)]) >> 16; };
  EXPECT_EQ(imm(0), ((1 + 2 * 3) << 1) | 1);
  EXPECT_EQ(imm(1), -31);
  EXPECT_EQ(imm(2), ~0 ^ (0xff & 0b1010));
  EXPECT_EQ(imm(3), 2);
  EXPECT_EQ(imm(4), 32);
  EXPECT_EQ(imm(5), 40);
}

TEST(AsmMacros, ParametersUniqueLabelsNestingAndIncludes) {
  SourceReader reader =
      files({{"lib/m.inc", ".macro twice op, r\n  \\op \\r, \\r, \\r\n  \\op \\r, \\r, \\r\n.endm\n"},
             {"lib/loop.inc",
              ".include \"m.inc\"\n.macro spin n\nl\\@: addi x9, x9, \\n\n  bne x9, x0, l\\@\n.endm\n"}});
  obj::Object o = ok(".include \"lib/loop.inc\"\nstart: twice add, x3\n spin 1\n spin 2\n"
                     ".macro typed op, t\n  \\op\\().\\t x1, x2, x3, x4\n.endm\n typed vadd, f16\n",
                     {}, reader);
  std::vector<std::uint64_t> w = words(o);
  ASSERT_EQ(w.size(), 7u);
  EXPECT_EQ(isa::disassemble(*isa::decode(w[6]), 48), "vadd.f16 x1, x2, x3, x4");
  EXPECT_EQ(isa::disassemble(*isa::decode(w[0]), 0), "add x3, x3, x3");
  EXPECT_EQ(isa::disassemble(*isa::decode(w[3]), 24), "bne x9, x0, 0x10");
  EXPECT_EQ(isa::disassemble(*isa::decode(w[5]), 40), "bne x9, x0, 0x20");
}

// The packers of snsim.inc and config_words.h agree.
TEST(AsmMacros, ConfigWordMacrosMatchTheCppPackers) {
  std::string inc = *read_source_file(SNSIM_SOURCE_DIR "/firmware/kernels/include/snsim.inc");
  SourceReader reader = files({{"snsim.inc", inc}});
  obj::Object o = ok(R"(.include "snsim.inc"
    copy_cfg x1, 4095, 65535, 3, 65535
    vec_cfg x1, 255, 1, 2, 3, 250, 251, 252
    load2d_cfg x1, 65535, 255, 7, 65535, 1
    mmad_cfg x1, 4095, 16, 4095
    fixp_cfg x1, 4095, 65535, 128, 65535
    nd2nz_cfg x1, 1, 16, 23, 0
    nd2nz_cfg2 x1, 32, 16, 1, 65535
    li64 x1, -2
)",
                     {}, reader);
  std::vector<std::uint64_t> w = words(o);
  ASSERT_EQ(w.size(), 16u);
  auto value = [&](int i) {  // li then lhi
    auto lo = static_cast<std::uint64_t>(static_cast<std::int64_t>(w[2 * static_cast<std::size_t>(i)]) >> 16);
    return (lo & 0xffffffffffffull) | (w[2 * static_cast<std::size_t>(i) + 1] >> 48 << 48);
  };
  EXPECT_EQ(value(0), (isa::CopyWord{4095, 65535, 3, 65535}.pack()));
  EXPECT_EQ(value(1), (isa::VecWord{255, 1, 2, 3, 250, 251, 252}.pack()));
  EXPECT_EQ(value(2), (isa::Load2dWord{65535, 255, 7, 65535, 1}.pack()));
  EXPECT_EQ(value(3), (isa::MmadWord{4095, 16, 4095}.pack()));
  EXPECT_EQ(value(4), (isa::FixpWord{4095, 65535, 128, 65535}.pack()));
  EXPECT_EQ(value(5), (isa::Nd2NzWords{1, 16, 23, 0, 32, 16, 1, 65535}.pack_cfg()));
  EXPECT_EQ(value(6), (isa::Nd2NzWords{1, 16, 23, 0, 32, 16, 1, 65535}.pack_cfg2()));
  EXPECT_EQ(value(7), ~1ull);
}

TEST(AsmProfile, StrictRejectsExtensionsAndDefaultMarksThem) {
  const char* text =
      "vadd.bf16 x1, x2, x3, x4\nfixp.bf16.s32 gm, x1, x2, x3, x4, norelu, nd\nvadd.f16 x1, x2, x3, x4\n";
  obj::Object o = ok(text);
  EXPECT_TRUE(o.uses_extensions);
  EXPECT_FALSE(ok("vadd.f16 x1, x2, x3, x4\nvconv.bf16.f32 x1, x2, x3, rint\n").uses_extensions);
  Options strict;
  strict.strict = true;
  Result r = assemble(text, strict);
  ASSERT_EQ(r.errors.size(), 2u) << r.format_errors();
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_EQ(r.errors[1].line, 2);
  EXPECT_NE(r.errors[0].message.find("strict profile"), std::string::npos);
  // The supernode's GM instructions and die registers (issue 6) likewise.
  const char* gm = "amoadd x1, x2, x3, 8\nnotify x2, x3, 0\ngwait x2, x3, 0\ndma x1, x2, x3\ncsrr x1, die\n"
                   "csrr x1, dies\ntrap 7\nldg.u64 x1, x3, 0\n";
  EXPECT_TRUE(ok(gm).uses_extensions);
  r = assemble(gm, strict);
  ASSERT_EQ(r.errors.size(), 7u) << r.format_errors();
  EXPECT_EQ(r.errors[6].line, 7);
}

// Every error class: where it is reported and what it says.
struct ErrorCase {
  std::string source;
  std::string where;  // "line:col"
  std::string says;
};

TEST(AsmErrors, EachClassIsReportedAtItsLocation) {
  const ErrorCase cases[] = {
      {"  frob x1\n", "1:3", "unknown instruction 'frob'"},
      {"nop\n  .frob 1\n", "2:3", "unknown directive '.frob'"},
      {"add x1, x2\n", "1:1", "takes 3 operands, got 2"},
      {"add x1, x2, y3\n", "1:13", "expected a register x0-x31, got 'y3'"},
      {"add x1, x2, x32\n", "1:13", "expected a register"},
      {"addi x1, x2, 1 << 40\n", "1:14", "imm 1099511627776 is out of range [-2147483648, 2147483647]"},
      {"set_flag v, mte2, 8\n", "1:19", "event 8 is out of range [0, 7]"},
      {"li x1, nowhere\n", "1:8", "undefined symbol 'nowhere'"},
      {"a: nop\na: nop\n", "2:1", "'a' is already defined at k.s:1"},
      {"set_flag v, bogus, 0\n", "1:13", "'bogus' is not a legal dstpipe of 'set_flag' (expected one of:"},
      {"set_flag s, m, 0\n", "1:1", "no hardware event from pipe s to pipe m"},
      {"vadd.u8 x1, x2, x3, x4\n", "1:6", "'u8' is not a legal type of 'vadd'"},
      {"vadd x1, x2, x3, x4\n", "1:1", "takes 1 type suffix (vadd.type dst, src, src1, cfg), got 0"},
      {"vconv.s16.f32 x1, x2, x3, rint\n", "1:1", "s16 from f32 is not a legal conversion"},
      {"li x1, 1 / (2 - 2)\n", "1:10", "division by zero"},
      {"li x1, (1 + 2\n", "1:8", "unbalanced '('"},
      {"li x1, 0x1g\n", "1:8", "invalid digit 'g'"},
      {"li x1, 99999999999999999999\n", "1:8", "does not fit in 64 bits"},
      {"li x1, 1 << 64\n", "1:10", "shift count 64"},
      {".equ A, B\n.equ B, A\nnop\n", "1:9", "defined in terms of itself"},
      {".include \"missing.inc\"\nnop\n", "1:10", "cannot read include file 'missing.inc'"},
      {".include \"k.s\"\n", "1:10", "nested deeper than 16"},
      {".macro m a\nnop\n.endm\nm\n", "4:1", "macro 'm' takes 1 arguments, got 0"},
      {".macro m\nm\n.endm\nm\n", "2:1", "expands deeper than 64"},
      {".endm\nnop\n", "1:1", "'.endm' without '.macro'"},
      {"nop\n.macro m\nnop\n", "2:1", "has no matching '.endm'"},
      {".data\nadd x1, x2, x3\n.text\nnop\n", "2:1", "instructions belong in .text, not .data"},
      {".word 1\n", "1:1", "is data; put it in .rodata or .data"},
      {"nop\n.data\n.byte 256\n", "3:7", ".byte value 256 is out of range"},
      {"beq x1, x2, 4\n", "1:13", "branch target 0x4 is not a multiple of 8"},
      {".entry x\nx: nop\n.data\ny: .byte 0\n.text\n.entry y\n", "6:1", "second .entry"},
      {".entry 16\nnop\n", "1:8", "entry 0x10 is not an instruction of .text"},
      {".core aic\nvadd.f32 x1, x2, x3, x4\n", "2:1", "issues to pipe v, which an aic core does not have"},
      {".core gpu\nnop\n", "1:7", "expected 'aic' or 'aiv'"},
      {".align 12\nnop\n", "1:8", "not a power of two"},
      {".data\n.space 70000\n.text\nnop\n", "2:8", "out of range"},
      {".arg p\n.data\n.space 65536\n.text\nnop\n", "3:1", "the scalar data memory has 65536"},
      {".arg p, int\nnop\n", "1:9", "not an argument kind"},
      {".rodata\n.byte 1\n", "1:1", "no instructions"},
      {"li x1, 3 3\n", "1:10", "unexpected '3'"},
  };
  for (const ErrorCase& c : cases) {
    SourceReader reader = files({{"k.s", c.source}});
    Result r = assemble(c.source, {}, reader);
    ASSERT_FALSE(r.object) << c.source;
    ASSERT_FALSE(r.errors.empty());
    const Diagnostic& d = r.errors.front();
    EXPECT_EQ(fmt::format("{}:{}", d.line, d.col), c.where) << c.source << r.format_errors();
    EXPECT_NE(d.message.find(c.says), std::string::npos) << c.source << r.format_errors();
    EXPECT_EQ(d.file, "k.s");
  }
}

TEST(AsmErrors, FormatShowsFileLineColumnSourceAndCaret) {
  Result r = assemble("nop\n  add x1, x2, q7  # comment\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].format(),
            "k.s:2:15: error: expected a register x0-x31, got 'q7'\n"
            "    add x1, x2, q7  # comment\n"
            "                ^\n");
}

TEST(AsmErrors, ErrorsInsideMacrosNameTheInvocation) {
  SourceReader reader = files({{"k.s", ""}});
  Result r = assemble(".macro bump r\n  addi \\r, \\r, 1\n.endm\nnop\n  bump x99\n");
  ASSERT_EQ(r.errors.size(), 1u) << r.format_errors();
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_EQ(r.errors[0].source_line, "  addi x99, x99, 1");
  ASSERT_EQ(r.errors[0].notes.size(), 1u);
  EXPECT_EQ(r.errors[0].notes[0], "in expansion of macro 'bump' at k.s:5");
}

TEST(AsmErrors, AllErrorsOfAFileAreReportedAndCapped) {
  Result r = assemble("frob\nadd x1\nli x1, zz\nnop\n.bogus\n");
  ASSERT_EQ(r.errors.size(), 4u) << r.format_errors();
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_EQ(r.errors[3].line, 5);
  std::string many;
  for (int i = 0; i < 200; ++i) many += "frob\n";
  Options options;
  options.max_errors = 10;
  EXPECT_EQ(assemble(many, options).errors.size(), 11u);  // ten and "too many errors"
}

// Damaged sources never crash the assembler or throw: each gives an object or located errors,
// and an object it gives passes the reader's checks.
TEST(AsmRobustness, MutatedSourcesGiveAnObjectOrErrorsNeverACrash) {
  // A kernel whose own text holds many instructions (vec_add.s is now mostly an include).
  std::string source = *read_source_file(SNSIM_SOURCE_DIR "/firmware/kernels/rmsnorm_f32.s");
  const std::string alphabet = "x0123456789,.:()\\\"#;+-*/<>~|&^ \tabcdefz_@\n";
  std::mt19937 rng(5);
  int objects = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string text = source;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = rng() % (text.size() + 1);
      switch (rng() % 4) {
        case 0:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 1:
          if (at < text.size()) text.erase(at, 1 + rng() % 8);
          break;
        case 2:
          text.resize(at);
          break;
        case 3:
          if (!text.empty()) text.insert(at, text.substr(rng() % text.size(), rng() % 64));
          break;
      }
    }
    Result r;
    ASSERT_NO_THROW(r = assemble_text(text, SNSIM_SOURCE_DIR "/firmware/kernels/rmsnorm_f32.s")) << text;
    ASSERT_NE(r.object.has_value(), !r.errors.empty());
    for (const Diagnostic& d : r.errors) ASSERT_FALSE(d.message.empty());
    if (r.object) {
      ++objects;
      ASSERT_NO_THROW(obj::read_object(obj::write_object(*r.object))) << text;
    }
  }
  EXPECT_GT(objects, 0);  // some edits land in comments: the path through the writer is exercised
}

}  // namespace
}  // namespace snsim::as
