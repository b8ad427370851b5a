// The instruction table, encoder, decoder and disassembler (firmware/isa).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include <fstream>
#include <sstream>

#include "isa/config_words.h"
#include "isa/isa.h"
#include "isa/isa_doc.h"
#include "isa_samples.h"

namespace snsim::isa {
namespace {

TEST(IsaTable, OpcodesAndMnemonicsAreUniqueAndOpcodeZeroIsIllegal) {
  std::set<int> opcodes;
  std::set<std::string_view> mnemonics;
  for (const OpInfo& info : instruction_table()) {
    EXPECT_TRUE(opcodes.insert(static_cast<int>(info.op)).second) << info.mnemonic;
    EXPECT_TRUE(mnemonics.insert(info.mnemonic).second) << info.mnemonic;
    EXPECT_EQ(find_opcode(static_cast<std::uint8_t>(info.op)), &info);
    EXPECT_EQ(find_mnemonic(info.mnemonic), &info);
  }
  EXPECT_EQ(find_opcode(0), nullptr);  // zero-filled memory never decodes
  EXPECT_FALSE(decode(0).has_value());
}

// The Op enumeration and the table describe the same instructions.
TEST(IsaTable, EveryOpHasItsRowAndEveryRowItsOp) {
  struct Entry {
    Op op;
    std::string_view mnemonic;
  };
#define SNSIM_ISA_OP_ENTRY(name, code, mnemonic) Entry{Op::name, mnemonic},
  const Entry entries[] = {SNSIM_ISA_OPCODES(SNSIM_ISA_OP_ENTRY)};
#undef SNSIM_ISA_OP_ENTRY
  EXPECT_EQ(std::size(entries), instruction_table().size());
  for (const Entry& e : entries) {
    const OpInfo* row = find_opcode(static_cast<std::uint8_t>(e.op));
    ASSERT_NE(row, nullptr) << e.mnemonic;
    EXPECT_EQ(row->mnemonic, e.mnemonic);
    EXPECT_EQ(&info(e.op), row);
  }
}

// The C++ enums of operand values name the values the table encodes.
TEST(IsaTable, OperandEnumsMatchTheTableNames) {
  auto name = [](Op op, Role role, auto value) {
    return std::string(info(op).field(role)->names[static_cast<unsigned>(value)]);
  };
  EXPECT_EQ(name(Op::Vcmp, Role::Cmp, Cmp::Lt), "lt");
  EXPECT_EQ(name(Op::Vcmp, Role::Cmp, Cmp::Le), "le");
  EXPECT_EQ(name(Op::Vcmp, Role::Cmp, Cmp::Eq), "eq");
  EXPECT_EQ(name(Op::Vconv, Role::Round, Round::Rint), "rint");
  EXPECT_EQ(name(Op::Vconv, Role::Round, Round::Trunc), "trunc");
  EXPECT_EQ(name(Op::Csrr, Role::SysReg, SysReg::BlockNum), "blocknum");
  EXPECT_EQ(name(Op::Csrr, Role::SysReg, SysReg::Cycle), "cycle");
  EXPECT_EQ(name(Op::Csrr, Role::SysReg, SysReg::Die), "die");
  EXPECT_EQ(name(Op::Csrr, Role::SysReg, SysReg::Dies), "dies");
  EXPECT_EQ(name(Op::Xset, Role::XMode, XMode::Group), "group");
  EXPECT_EQ(name(Op::SetFlag, Role::SrcPipe, Pipe::MTE3), "mte3");
  EXPECT_EQ(name(Op::Vadd, Role::Type, DType::BF16), "bf16");
  Instr load{.info = &info(Op::Load2d)};
  load.set(Role::Buf, 1);
  EXPECT_EQ(load.buffer(), Buffer::L0B);
  Instr fix{.info = &info(Op::Fixp)};
  EXPECT_EQ(fix.buffer(), Buffer::Gm);
  Instr in{.info = &info(Op::DmaIn)};
  in.set(Role::Buf, 1);
  EXPECT_EQ(in.buffer(), Buffer::Ub);
}

TEST(IsaTable, FieldsFitTheWordAndDoNotOverlap) {
  for (const OpInfo& info : instruction_table()) {
    std::uint64_t used = 0xff;
    std::set<Role> roles;
    for (const Field& f : info.operands()) {
      SCOPED_TRACE(fmt::format("{} {}", info.mnemonic, role_name(f.role)));
      EXPECT_LE(f.lsb + f.width, 64);
      EXPECT_EQ(used & f.mask(), 0u) << "overlaps another field or the opcode";
      used |= f.mask();
      EXPECT_TRUE(roles.insert(f.role).second) << "role used twice";
      if (f.kind == OperandKind::Enum || f.kind == OperandKind::Suffix) {
        EXPECT_NE(f.legal, 0u);
        EXPECT_LT(f.legal, 1u << f.names.size()) << "a legal value has no name";
        EXPECT_LT(std::uint64_t{f.legal}, 1ull << (1u << f.width)) << "a legal value does not fit the field";
        EXPECT_EQ(f.extension & ~f.legal, 0u);
      } else {
        EXPECT_LE(f.min, f.max);
        EXPECT_LE(f.max,
                  f.is_signed ? (std::int64_t{1} << (f.width - 1)) - 1 : (std::int64_t{1} << f.width) - 1);
      }
    }
    if (info.pipe.from) {
      EXPECT_NE(info.field(*info.pipe.from), nullptr) << info.mnemonic;
    }
  }
}

TEST(IsaRoundTrip, EveryInstructionEncodesDecodesAndDisassembles) {
  for (const OpInfo& info : instruction_table()) {
    std::vector<Instr> samples = test::sample_instructions(info);
    ASSERT_FALSE(samples.empty()) << info.mnemonic << " has no legal encoding";
    for (const Instr& in : samples) {
      std::uint64_t word = encode(in);
      std::string why;
      std::optional<Instr> back = decode(word, &why);
      ASSERT_TRUE(back) << info.mnemonic << ": " << why;
      EXPECT_EQ(back->info, &info);
      for (const Field& f : info.operands()) EXPECT_EQ(back->get(f.role), in.get(f.role)) << info.mnemonic;
      EXPECT_EQ(encode(*back), word);
      EXPECT_TRUE(disassemble(*back, 0x100).starts_with(info.mnemonic)) << info.mnemonic;
    }
  }
}

TEST(IsaEncode, RejectsEveryOutOfRangeOperand) {
  for (const OpInfo& info : instruction_table()) {
    const Instr good = test::sample_instructions(info).front();
    for (const Field& f : info.operands()) {
      SCOPED_TRACE(fmt::format("{} {}", info.mnemonic, role_name(f.role)));
      std::vector<std::int64_t> bad;
      if (f.kind == OperandKind::Enum || f.kind == OperandKind::Suffix) {
        for (std::int64_t v = -1; v < 32; ++v)
          if (!f.is_legal(v)) bad.push_back(v);
      } else {
        if (f.min > std::numeric_limits<std::int64_t>::min()) bad.push_back(f.min - 1);
        bad.push_back(f.max + 1);
      }
      for (std::int64_t v : bad) {
        Instr in = good;
        in.set(f.role, v);
        EXPECT_THROW(encode(in), EncodeError) << v;
      }
    }
  }
}

TEST(IsaDecode, RejectsUnknownOpcodesReservedBitsAndIllegalFieldValues) {
  for (int op = 0; op < 256; ++op) {
    if (find_opcode(static_cast<std::uint8_t>(op))) continue;
    std::string why;
    EXPECT_FALSE(decode(static_cast<std::uint64_t>(op), &why));
    EXPECT_NE(why.find("unknown opcode"), std::string::npos);
  }
  for (const OpInfo& info : instruction_table()) {
    std::uint64_t word = encode(test::sample_instructions(info).front());
    for (int bit = 8; bit < 64; ++bit) {
      if (info.used_bits() >> bit & 1) continue;
      std::string why;
      EXPECT_FALSE(decode(word | (1ull << bit), &why)) << info.mnemonic << " bit " << bit;
      EXPECT_NE(why.find("reserved bits"), std::string::npos);
    }
    for (const Field& f : info.operands()) {
      if (f.is_signed) continue;
      for (std::uint64_t raw = 0; raw < (1ull << std::min<unsigned>(f.width, 8)); ++raw) {
        if (f.is_legal(static_cast<std::int64_t>(raw))) continue;
        std::string why;
        EXPECT_FALSE(decode((word & ~f.mask()) | (raw << f.lsb), &why)) << info.mnemonic << " " << raw;
        EXPECT_NE(why.find(role_name(f.role)), std::string::npos) << why;
      }
    }
  }
}

Instr make(std::string_view mnemonic, std::initializer_list<std::pair<Role, std::int64_t>> values) {
  Instr in{.info = find_mnemonic(mnemonic)};
  for (auto [role, v] : values) in.set(role, v);
  return in;
}

TEST(IsaDecode, CrossFieldRulesRejectLegalFieldsInIllegalCombinations) {
  // Each field alone is legal; the pair is not.
  std::string why;
  Instr cast = make(
      "vconv", {{Role::Type, static_cast<int>(DType::S16)}, {Role::Type2, static_cast<int>(DType::F32)}});
  EXPECT_THROW(encode(cast), EncodeError);
  std::uint64_t word = encode(make(
      "vconv", {{Role::Type, static_cast<int>(DType::F16)}, {Role::Type2, static_cast<int>(DType::F32)}}));
  const Field& t = *find_mnemonic("vconv")->field(Role::Type);
  word = (word & ~t.mask()) | (std::uint64_t{static_cast<unsigned>(DType::S16)} << t.lsb);
  EXPECT_FALSE(decode(word, &why));
  EXPECT_NE(why.find("not a legal conversion"), std::string::npos) << why;
  Instr event = make(
      "set_flag", {{Role::SrcPipe, static_cast<int>(Pipe::S)}, {Role::DstPipe, static_cast<int>(Pipe::M)}});
  EXPECT_THROW(encode(event), EncodeError);
}

TEST(IsaSemantics, PipesFollowTheOperandsOfSyncInstructions) {
  auto mte2 = static_cast<int>(Pipe::MTE2), v = static_cast<int>(Pipe::V);
  EXPECT_EQ(make("set_flag", {{Role::SrcPipe, mte2}, {Role::DstPipe, v}}).pipe(), Pipe::MTE2);
  EXPECT_EQ(make("wait_flag", {{Role::SrcPipe, mte2}, {Role::DstPipe, v}}).pipe(), Pipe::V);
  EXPECT_EQ(make("pipe_barrier", {{Role::PipeArg, static_cast<int>(Pipe::All)}}).pipe(), Pipe::All);
  EXPECT_EQ(make("mmad", {}).pipe(), Pipe::M);
  EXPECT_EQ(make("fixp", {}).pipe(), Pipe::FIX);
  EXPECT_EQ(make("dma_out", {}).pipe(), Pipe::MTE3);
  EXPECT_TRUE(pipe_on_core(Pipe::V, CoreType::Aiv));
  EXPECT_FALSE(pipe_on_core(Pipe::V, CoreType::Aic));
  EXPECT_FALSE(pipe_on_core(Pipe::M, CoreType::Aiv));
}

TEST(IsaSemantics, ExtensionsAreBf16VectorArithmeticAndInt32ToBf16Dequant) {
  auto type = [](DType t) { return std::pair{Role::Type, static_cast<std::int64_t>(t)}; };
  auto type2 = [](DType t) { return std::pair{Role::Type2, static_cast<std::int64_t>(t)}; };
  EXPECT_TRUE(make("vadd", {type(DType::BF16)}).is_extension());
  EXPECT_TRUE(make("vexp", {type(DType::BF16)}).is_extension());
  EXPECT_FALSE(make("vadd", {type(DType::F16)}).is_extension());
  EXPECT_FALSE(make("vconv", {type(DType::BF16), type2(DType::F32)}).is_extension());  // real on A2
  EXPECT_FALSE(make("mmad", {type(DType::BF16)}).is_extension());
  EXPECT_TRUE(make("fixp", {type(DType::BF16), type2(DType::S32)}).is_extension());
  EXPECT_FALSE(make("fixp", {type(DType::BF16), type2(DType::F32)}).is_extension());
}

// The supernode's GM instructions and the die system registers are not A2 ISA (issue 6).
TEST(IsaSemantics, SupernodeGmInstructionsAndDieRegistersAreExtensions) {
  for (const char* mn : {"amoadd", "notify", "gwait", "dma"}) {
    EXPECT_TRUE(make(mn, {}).is_extension()) << mn;
    EXPECT_FALSE(find_mnemonic(mn)->extension_note.empty()) << mn;
  }
  EXPECT_EQ(make("dma", {}).pipe(), Pipe::MTE2);
  EXPECT_EQ(make("gwait", {}).pipe(), Pipe::S);
  auto sysreg = [](SysReg r) { return std::pair{Role::SysReg, static_cast<std::int64_t>(r)}; };
  EXPECT_TRUE(make("csrr", {sysreg(SysReg::Die)}).is_extension());
  EXPECT_TRUE(make("csrr", {sysreg(SysReg::Dies)}).is_extension());
  EXPECT_FALSE(make("csrr", {sysreg(SysReg::Cycle)}).is_extension());
  EXPECT_FALSE(make("ldg", {}).is_extension());  // remote GM is an address, not an instruction
}

TEST(IsaDisassemble, BranchTargetsAreAbsoluteAddresses) {
  Instr b = make("beq", {{Role::Rs1, 1}, {Role::Rs2, 2}, {Role::Target, -2}});
  EXPECT_EQ(disassemble(b, 0x40), "beq x1, x2, 0x30");
  EXPECT_EQ(disassemble(b, 0x8), "beq x1, x2, -0x8");
  Instr v = make("vadd", {{Role::Type, static_cast<int>(DType::F32)},
                          {Role::Dst, 3},
                          {Role::Src, 4},
                          {Role::Src1, 5},
                          {Role::Cfg, 6}});
  EXPECT_EQ(disassemble(v, 0), "vadd.f32 x3, x4, x5, x6");
}

TEST(ConfigWords, PackAndUnpackAreInverse) {
  for (std::uint64_t w : {0ull, ~0ull, 0x0123456789abcdefull, 0x8000000000000001ull}) {
    EXPECT_EQ(CopyWord::unpack(w).pack(), w);
    EXPECT_EQ(FixpWord::unpack(w).pack(), w);
    EXPECT_EQ(Load2dWord::unpack(w).pack(), w);
    EXPECT_EQ(MmadWord::unpack(w).pack(), w & 0xffffffffffffull);
    EXPECT_EQ(VecWord::unpack(w).pack(), w & 0x00ffffffffffffffull);
    Nd2NzWords nz = Nd2NzWords::unpack(w, ~w);
    EXPECT_EQ(nz.pack_cfg(), w);
    EXPECT_EQ(nz.pack_cfg2(), ~w);
  }
  VecWord v = VecWord::unpack(0x0008070605040302ull);
  EXPECT_EQ(v.repeat, 2);
  EXPECT_EQ(v.dst_blk, 3);
  EXPECT_EQ(v.src1_rep, 8);
}

// docs/isa.md carries the generated tables; a table change without a docs update fails here.
TEST(IsaDocs, GeneratedTablesInDocsMatchTheTable) {
  std::ifstream in(SNSIM_SOURCE_DIR "/docs/isa.md");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  std::string doc = text.str();
  std::size_t begin = doc.find("<!-- BEGIN generated");
  std::size_t end = doc.find("<!-- END generated -->");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  begin = doc.find('\n', begin) + 1;
  EXPECT_EQ(doc.substr(begin, end - begin), instruction_table_markdown())
      << "regenerate: snsim-as --isa-table, between the markers of docs/isa.md";
}

}  // namespace
}  // namespace snsim::isa
