// The instruction table and the encoder, decoder and disassembler that walk it (isa.h).
#include "isa/isa.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <vector>

namespace snsim::isa {
namespace {

// Operand slots shared by most formats (docs/isa.md, "Formats"). A row may place a field elsewhere;
// the table test checks that no two fields of a row overlap and none touches the opcode byte.
constexpr std::uint8_t kR0 = 8, kR1 = 13, kR2 = 18, kR3 = 23, kR4 = 28;
constexpr std::uint8_t kT0 = 33, kT1 = 37;
constexpr std::uint8_t kE0 = 41, kE1 = 45, kE2 = 49, kE3 = 53;
constexpr std::uint8_t kTs = 24;     // type of scalar loads and stores (beside an imm32)
constexpr std::uint8_t kImm32 = 32;  // imm32 of scalar formats, [63:32]

constexpr std::string_view kDTypeNames[] = {"u8",  "s8",  "u16", "s16", "u32", "s32",
                                            "u64", "s64", "f16", "bf16", "f32"};
constexpr std::string_view kPipeNames[] = {"s", "v", "m", "mte1", "mte2", "mte3", "fix", "all"};
constexpr std::string_view kBufL1Ub[] = {"l1", "ub"};
constexpr std::string_view kBufL0[] = {"l0a", "l0b"};
constexpr std::string_view kBufFix[] = {"gm", "l1"};
constexpr std::string_view kRound[] = {"rint", "floor", "ceil", "round", "trunc"};
constexpr std::string_view kCmp[] = {"lt", "gt", "ge", "eq", "ne", "le"};
constexpr std::string_view kRelu[] = {"norelu", "relu"};
constexpr std::string_view kLayout[] = {"nz", "nd"};
constexpr std::string_view kTrans[] = {"notrans", "trans"};
constexpr std::string_view kAcc[] = {"init", "acc"};
constexpr std::string_view kSysReg[] = {"coreid",      "blockid", "blocknum", "subblockid",
                                        "subblocknum", "cycle",   "die",      "dies"};
constexpr std::string_view kXMode[] = {"all", "pair", "group"};

constexpr std::string_view kRoleNames[] = {
    "rd",    "rs1",   "rs2",  "dst",  "src", "src1",   "cfg",    "cfg2",  "val",
    "imm",   "target", "type", "type2", "buf", "srcpipe", "dstpipe", "pipe", "event",
    "flag",  "xmode", "round", "cmp",  "relu",  "layout", "trans", "acc", "sysreg"};
static_assert(std::size(kRoleNames) == kNumRoles);

template <class... T>
constexpr std::uint32_t set_of(T... v) {
  return ((1u << static_cast<unsigned>(v)) | ... | 0u);
}
constexpr std::uint32_t all_of(std::size_t n) { return (1u << n) - 1; }

using enum Role;
using D = DType;
using P = Pipe;

constexpr Field reg(Role role, std::uint8_t lsb) {
  return {.role = role, .kind = OperandKind::Reg, .lsb = lsb, .width = 5, .min = 0, .max = 31};
}
constexpr Field simm(Role role, std::uint8_t lsb, std::uint8_t width) {
  return {.role = role, .kind = OperandKind::Imm, .lsb = lsb, .width = width, .is_signed = true,
          .min = -(std::int64_t{1} << (width - 1)), .max = (std::int64_t{1} << (width - 1)) - 1};
}
constexpr Field uimm(Role role, std::uint8_t lsb, std::uint8_t width, std::int64_t max) {
  return {.role = role, .kind = OperandKind::Imm, .lsb = lsb, .width = width, .min = 0, .max = max};
}
constexpr Field target(std::uint8_t lsb, std::uint8_t width) {
  Field f = simm(Target, lsb, width);
  f.kind = OperandKind::PcRel;
  return f;
}
constexpr Field enm(Role role, std::uint8_t lsb, std::span<const std::string_view> names,
                    std::uint32_t legal = 0) {
  return {.role = role, .kind = OperandKind::Enum, .lsb = lsb, .width = 4,
          .legal = legal ? legal : all_of(names.size()), .names = names};
}
constexpr Field suffix(Role role, std::uint8_t lsb, std::uint32_t legal, std::uint32_t ext = 0) {
  return {.role = role, .kind = OperandKind::Suffix, .lsb = lsb, .width = 4, .legal = legal,
          .extension = ext, .names = kDTypeNames};
}

// Element-type sets.
constexpr std::uint32_t kLoadTypes = set_of(D::U8, D::S8, D::U16, D::S16, D::U32, D::S32, D::U64);
constexpr std::uint32_t kStoreTypes = set_of(D::U8, D::U16, D::U32, D::U64);
constexpr std::uint32_t kVecFloat = set_of(D::F16, D::F32, D::BF16);
constexpr std::uint32_t kVecArith = set_of(D::F16, D::F32, D::S32, D::BF16);
constexpr std::uint32_t kBf16 = set_of(D::BF16);  // BF16 vector arithmetic is an extension (D19)
constexpr std::uint32_t kMove16_32 = set_of(D::F16, D::BF16, D::F32, D::S32, D::U16, D::U32);
constexpr std::uint32_t kCopyTypes = set_of(D::U8, D::S8, D::F16, D::BF16, D::F32, D::S32);
constexpr std::uint32_t kCubeIn = set_of(D::F16, D::BF16, D::S8, D::F32);
constexpr std::uint32_t kAllPipes = set_of(P::S, P::V, P::M, P::MTE1, P::MTE2, P::MTE3, P::FIX);
constexpr std::uint32_t kXsetPipes = set_of(P::V, P::M, P::MTE1, P::MTE2, P::MTE3, P::FIX);
constexpr std::uint32_t kBarrierPipes =
    set_of(P::V, P::M, P::MTE1, P::MTE2, P::MTE3, P::FIX, P::All);

// Cross-field rules.
struct TypePair {
  DType dst, src;
};
std::string check_pair(const Instr& in, std::initializer_list<TypePair> pairs) {
  for (const TypePair& p : pairs)
    if (in.type(Type) == p.dst && in.type(Type2) == p.src) return {};
  return fmt::format("{} from {} is not a legal conversion", dtype_name(in.type(Type)),
                     dtype_name(in.type(Type2)));
}
std::string check_vconv(const Instr& in) {
  return check_pair(in, {{D::F16, D::F32}, {D::F32, D::F16}, {D::BF16, D::F32}, {D::F32, D::BF16},
                         {D::S32, D::F32}, {D::F32, D::S32}, {D::S32, D::F16}, {D::F16, D::S16},
                         {D::S16, D::F16}, {D::S8, D::F16}, {D::F16, D::S8}});
}
std::string check_fixp(const Instr& in) {
  return check_pair(in, {{D::F32, D::F32}, {D::F16, D::F32}, {D::BF16, D::F32}, {D::S32, D::S32},
                         {D::F16, D::S32}, {D::BF16, D::S32}});
}
bool ext_fixp(const Instr& in) { return in.type(Type) == D::BF16 && in.type(Type2) == D::S32; }
// The supernode's GM instructions (atomics, flags, the DMA engine) are not A2 instructions.
bool ext_always(const Instr&) { return true; }
std::string check_vcmp(const Instr& in) {
  if (in.type() == D::S32 && in.get(Cmp) != 3 && in.get(Cmp) != 4)
    return "s32 compares only eq and ne";
  return {};
}
std::string check_load2d(const Instr& in) {
  if (in.get(Trans) == 1 && dtype_bytes(in.type()) != 2) return "trans moves 16-bit types only";
  return {};
}
// The hardware events of dav-2201 (ASCEND_ISA_NOTES.md §7): no other (src, dst) pair exists.
std::string check_event(const Instr& in) {
  static constexpr std::pair<P, P> kEvents[] = {
      {P::MTE2, P::MTE1}, {P::MTE1, P::MTE2}, {P::MTE1, P::M},    {P::M, P::MTE1},
      {P::MTE2, P::V},    {P::V, P::MTE2},    {P::MTE3, P::V},    {P::V, P::MTE3},
      {P::M, P::V},       {P::V, P::M},       {P::V, P::V},       {P::MTE3, P::MTE1},
      {P::MTE1, P::MTE3}, {P::MTE1, P::V},    {P::MTE2, P::M},    {P::M, P::MTE2},
      {P::V, P::MTE1},    {P::M, P::FIX},     {P::FIX, P::M},     {P::MTE3, P::MTE2},
      {P::MTE2, P::MTE3}, {P::S, P::V},       {P::V, P::S},       {P::S, P::MTE2},
      {P::MTE2, P::S},    {P::S, P::MTE3},    {P::MTE3, P::S},    {P::MTE2, P::FIX},
      {P::FIX, P::MTE2},  {P::FIX, P::S},     {P::M, P::S},       {P::FIX, P::MTE3},
      {P::MTE1, P::FIX},  {P::FIX, P::MTE1},  {P::FIX, P::FIX}};
  auto src = static_cast<P>(in.get(SrcPipe)), dst = static_cast<P>(in.get(DstPipe));
  for (auto [s, d] : kEvents)
    if (s == src && d == dst) return {};
  return fmt::format("there is no hardware event from pipe {} to pipe {}", pipe_name(src),
                     pipe_name(dst));
}

struct Row {
  std::string_view mnemonic;
  Op op;
  std::string_view format;
  PipeSpec pipe;
  std::vector<Field> fields;
  std::string_view summary;
  std::string (*check)(const Instr&) = nullptr;
  bool (*extension)(const Instr&) = nullptr;
  std::string_view extension_note{};
};

constexpr PipeSpec on(Pipe p) { return {.fixed = p}; }
constexpr PipeSpec from(Role r) { return {.from = r}; }

std::vector<OpInfo> build_table() {
  const Field rd = reg(Rd, kR0), rs1 = reg(Rs1, kR1), rs2 = reg(Rs2, kR2);
  const Field imm32 = simm(Imm, kImm32, 32);
  const Field dst = reg(Dst, kR0), src = reg(Src, kR1), src1 = reg(Src1, kR2);
  Field sysreg = enm(SysReg, kE0, kSysReg);
  sysreg.extension = set_of(SysReg::Die, SysReg::Dies);  // the machine's dies (issue 6)
  // Rows that share a layout.
  auto alu = [&](std::string_view mn, Op op, std::string_view summary) {
    return Row{mn, op, "R", on(P::S), {rd, rs1, rs2}, summary};
  };
  auto vbin = [&](std::string_view mn, Op op, std::uint32_t types, std::string_view summary) {
    return Row{mn, op, "VB", on(P::V), {suffix(Type, kT0, types, kBf16), dst, src, src1, reg(Cfg, kR3)}, summary};
  };
  auto vscalar = [&](std::string_view mn, Op op, std::uint32_t types, std::string_view summary) {
    return Row{mn, op, "VS", on(P::V), {suffix(Type, kT0, types, kBf16), dst, src, reg(Val, kR2), reg(Cfg, kR3)}, summary};
  };
  auto vunary = [&](std::string_view mn, Op op, std::uint32_t types, std::string_view summary) {
    return Row{mn, op, "VU", on(P::V), {suffix(Type, kT0, types, kBf16), dst, src, reg(Cfg, kR3)}, summary};
  };
  const std::vector<Row> rows = {
      // System.
      {"nop", Op::Nop, "N", on(P::S), {}, "no operation"},
      {"halt", Op::Halt, "N", on(P::S), {},
       "stop fetching; the core is done once every pipe has drained"},
      {"trap", Op::Trap, "T", on(P::S), {uimm(Imm, kImm32, 32, 0xffffffff)},
       "fault with code imm (a kernel's check of its arguments failed)", nullptr, ext_always, "snsim extension"},
      // Scalar register-register.
      alu("add", Op::Add, "rd = rs1 + rs2"),
      alu("sub", Op::Sub, "rd = rs1 - rs2"),
      alu("mul", Op::Mul, "rd = low 64 bits of rs1 * rs2"),
      alu("div", Op::Div, "rd = rs1 / rs2 signed, toward zero; x/0 = -1"),
      alu("divu", Op::Divu, "rd = rs1 / rs2 unsigned; x/0 = 2^64-1"),
      alu("rem", Op::Rem, "rd = rs1 % rs2 signed; x%0 = x"),
      alu("remu", Op::Remu, "rd = rs1 % rs2 unsigned; x%0 = x"),
      alu("and", Op::And, "rd = rs1 & rs2"),
      alu("or", Op::Or, "rd = rs1 | rs2"),
      alu("xor", Op::Xor, "rd = rs1 ^ rs2"),
      alu("sll", Op::Sll, "rd = rs1 << (rs2 & 63)"),
      alu("srl", Op::Srl, "rd = rs1 >> (rs2 & 63), zero fill"),
      alu("sra", Op::Sra, "rd = rs1 >> (rs2 & 63), sign fill"),
      alu("slt", Op::Slt, "rd = rs1 < rs2 signed ? 1 : 0"),
      alu("sltu", Op::Sltu, "rd = rs1 < rs2 unsigned ? 1 : 0"),
      alu("min", Op::Min, "rd = signed minimum of rs1, rs2"),
      alu("max", Op::Max, "rd = signed maximum of rs1, rs2"),
      // Scalar register-immediate.
      {"addi", Op::Addi, "I", on(P::S), {rd, rs1, imm32}, "rd = rs1 + imm"},
      {"muli", Op::Muli, "I", on(P::S), {rd, rs1, imm32}, "rd = rs1 * imm"},
      {"andi", Op::Andi, "I", on(P::S), {rd, rs1, imm32}, "rd = rs1 & imm (imm sign-extended)"},
      {"ori", Op::Ori, "I", on(P::S), {rd, rs1, imm32}, "rd = rs1 | imm (imm sign-extended)"},
      {"xori", Op::Xori, "I", on(P::S), {rd, rs1, imm32}, "rd = rs1 ^ imm (imm sign-extended)"},
      {"slli", Op::Slli, "I", on(P::S), {rd, rs1, uimm(Imm, kImm32, 32, 63)}, "rd = rs1 << imm"},
      {"srli", Op::Srli, "I", on(P::S), {rd, rs1, uimm(Imm, kImm32, 32, 63)},
       "rd = rs1 >> imm, zero fill"},
      {"srai", Op::Srai, "I", on(P::S), {rd, rs1, uimm(Imm, kImm32, 32, 63)},
       "rd = rs1 >> imm, sign fill"},
      {"slti", Op::Slti, "I", on(P::S), {rd, rs1, imm32}, "rd = rs1 < imm signed ? 1 : 0"},
      {"sltiu", Op::Sltiu, "I", on(P::S), {rd, rs1, imm32},
       "rd = rs1 < imm unsigned (imm sign-extended) ? 1 : 0"},
      {"li", Op::Li, "LI", on(P::S), {rd, simm(Imm, 16, 48)}, "rd = imm, sign-extended from 48 bits"},
      {"lhi", Op::Lhi, "LH", on(P::S), {rd, uimm(Imm, 48, 16, 0xffff)},
       "rd[63:48] = imm, rd[47:0] kept (li then lhi builds any 64-bit value)"},
      {"csrr", Op::Csrr, "CS", on(P::S), {rd, sysreg},
       "rd = system register (core id, block id, block count, sub-block id/count, cycle, die, dies)"},
      // Scalar memory: SDM = scalar data memory, GM = global memory.
      {"ld", Op::Ld, "M", on(P::S), {suffix(Type, kTs, kLoadTypes), rd, rs1, imm32},
       "rd = SDM[rs1 + imm], zero- or sign-extended by the type"},
      {"st", Op::St, "M", on(P::S), {suffix(Type, kTs, kStoreTypes), rs2, rs1, imm32},
       "SDM[rs1 + imm] = low bytes of rs2"},
      {"ldg", Op::Ldg, "M", on(P::S), {suffix(Type, kTs, kLoadTypes), rd, rs1, imm32},
       "rd = GM[rs1 + imm], zero- or sign-extended by the type"},
      {"stg", Op::Stg, "M", on(P::S), {suffix(Type, kTs, kStoreTypes), rs2, rs1, imm32},
       "GM[rs1 + imm] = low bytes of rs2"},
      // GM of any die of the machine (issue 6): snsim extensions.
      {"amoadd", Op::Amoadd, "A", on(P::S), {rd, rs2, rs1, imm32},
       "rd = u64 GM[rs1 + imm]; GM[rs1 + imm] += rs2, atomically (8-byte aligned); waits for the old value",
       nullptr, ext_always, "snsim extension"},
      // Control flow. Targets count instructions from this one.
      {"beq", Op::Beq, "B", on(P::S), {rs1, rs2, target(kImm32, 32)}, "branch if rs1 == rs2"},
      {"bne", Op::Bne, "B", on(P::S), {rs1, rs2, target(kImm32, 32)}, "branch if rs1 != rs2"},
      {"blt", Op::Blt, "B", on(P::S), {rs1, rs2, target(kImm32, 32)}, "branch if rs1 < rs2 signed"},
      {"bge", Op::Bge, "B", on(P::S), {rs1, rs2, target(kImm32, 32)}, "branch if rs1 >= rs2 signed"},
      {"bltu", Op::Bltu, "B", on(P::S), {rs1, rs2, target(kImm32, 32)},
       "branch if rs1 < rs2 unsigned"},
      {"bgeu", Op::Bgeu, "B", on(P::S), {rs1, rs2, target(kImm32, 32)},
       "branch if rs1 >= rs2 unsigned"},
      {"jal", Op::Jal, "J", on(P::S), {rd, target(kImm32, 32)}, "rd = pc + 8; jump to target"},
      {"jalr", Op::Jalr, "I", on(P::S), {rd, rs1, imm32},
       "rd = pc + 8; jump to rs1 + imm (must be 8-byte aligned)"},
      {"loop", Op::Loop, "J", on(P::S), {rd, target(kImm32, 32)},
       "rd = rd - 1; branch if rd != 0 (a counted loop closes with one instruction)"},
      // Synchronization.
      {"set_flag", Op::SetFlag, "SY", from(SrcPipe),
       {enm(SrcPipe, kE0, kPipeNames, kAllPipes), enm(DstPipe, kE1, kPipeNames, kAllPipes),
        uimm(Event, kE2, 4, 7)},
       "on srcpipe, after its earlier work: set event (srcpipe, dstpipe, id)", check_event},
      {"wait_flag", Op::WaitFlag, "SY", from(DstPipe),
       {enm(SrcPipe, kE0, kPipeNames, kAllPipes), enm(DstPipe, kE1, kPipeNames, kAllPipes),
        uimm(Event, kE2, 4, 7)},
       "on dstpipe: wait until event (srcpipe, dstpipe, id) is set, then clear it", check_event},
      {"pipe_barrier", Op::PipeBarrier, "SY", from(PipeArg), {enm(PipeArg, kE0, kPipeNames, kBarrierPipes)},
       "later instructions of pipe (all: every pipe) wait until its earlier ones finished"},
      {"xset", Op::Xset, "SY", from(PipeArg),
       {enm(XMode, kE0, kXMode), enm(PipeArg, kE1, kPipeNames, kXsetPipes), uimm(Flag, kE2, 4, 15)},
       "on pipe, after its earlier work: increment cross-core flag id of the cores of mode"},
      {"xwait", Op::Xwait, "SY", on(P::S), {uimm(Flag, kE0, 4, 15)},
       "block every pipe of this core until flag id is non-zero, then decrement it"},
      {"notify", Op::Notify, "G", on(P::S), {rs2, rs1, imm32},
       "u64 GM[rs1 + imm] = rs2 once this die's earlier accesses to that die completed; waits for the acknowledgement",
       nullptr, ext_always, "snsim extension"},
      {"gwait", Op::Gwait, "G", on(P::S), {rs2, rs1, imm32},
       "wait until u64 GM[rs1 + imm] >= rs2 (unsigned); the address is in this die's memory",
       nullptr, ext_always, "snsim extension"},
      {"fence", Op::Fence, "N", on(P::S), {},
       "issue nothing further until every queue has drained and every posted write of this core is acknowledged",
       nullptr, ext_always, "snsim extension"},
      // Data movement.
      {"dma_in", Op::DmaIn, "DM", on(P::MTE2), {enm(Buf, kE0, kBufL1Ub), dst, src, reg(Cfg, kR2)},
       "MTE2: GM src -> L1/UB dst in bursts (cfg: copy word)"},
      {"nd2nz", Op::Nd2nz, "DM", on(P::MTE2),
       {suffix(Type, kT0, set_of(D::F16, D::BF16, D::F32, D::S8, D::S32)), dst, src,
        reg(Cfg, kR2), reg(Cfg2, kR3)},
       "MTE2: GM ND matrices src -> L1 NZ fractals dst (cfg, cfg2: nd2nz words)"},
      {"dma_out", Op::DmaOut, "DM", on(P::MTE3), {dst, src, reg(Cfg, kR2)},
       "MTE3: UB src -> GM dst in bursts (cfg: copy word)"},
      {"dma_post", Op::DmaPost, "DM", on(P::MTE3), {dst, src, reg(Cfg, kR2)},
       "MTE3: as dma_out, but a write to another die is posted: mte3 goes on once the data has left the UB",
       nullptr, ext_always, "snsim extension"},
      {"load2d", Op::Load2d, "DM", on(P::MTE1),
       {suffix(Type, kT0, kCopyTypes), enm(Buf, kE0, kBufL0), dst, src, reg(Cfg, kR2),
        enm(Trans, kE1, kTrans)},
       "MTE1: L1 fractals src -> L0A/L0B dst, optionally transposed (cfg: load2d word)", check_load2d},
      {"fixp", Op::Fixp, "FX", on(P::FIX),
       {suffix(Type, kT0, set_of(D::F32, D::F16, D::BF16, D::S32)),
        suffix(Type2, kT1, set_of(D::F32, D::S32)), enm(Buf, kE0, kBufFix), dst, src,
        reg(Cfg, kR2), reg(Val, kR3), enm(Relu, kE1, kRelu), enm(Layout, kE2, kLayout)},
       "FixPipe: L0C src (type2) -> GM/L1 dst (type), cast or dequantize by val, ReLU, NZ->ND",
       check_fixp, ext_fixp, "s32 -> bf16 is an extension"},
      {"dma", Op::Dma, "DM", on(P::MTE2), {dst, src, reg(Val, kR2)},
       "the die's DMA engine copies val bytes from GM src to GM dst (either on any die); mte2 waits for it",
       nullptr, ext_always, "snsim extension"},
      // Cube.
      {"mmad", Op::Mmad, "MM", on(P::M),
       {suffix(Type, kT0, kCubeIn), dst, src, src1, reg(Cfg, kR3), enm(Acc, kE0, kAcc)},
       "cube: L0C dst (=|+=) L0A src x L0B src1 (cfg: m, n, k); FP32 acc, INT32 for s8"},
      // Vector: binary, tensor-scalar, unary, reductions, moves.
      vbin("vadd", Op::Vadd, kVecArith, "dst = src + src1"),
      vbin("vsub", Op::Vsub, kVecArith, "dst = src - src1"),
      vbin("vmul", Op::Vmul, kVecArith, "dst = src * src1"),
      vbin("vdiv", Op::Vdiv, kVecFloat, "dst = src / src1"),
      vbin("vmax", Op::Vmax, kVecArith, "dst = max(src, src1)"),
      vbin("vmin", Op::Vmin, kVecArith, "dst = min(src, src1)"),
      vscalar("vadds", Op::Vadds, kVecArith, "dst = src + val"),
      vscalar("vmuls", Op::Vmuls, kVecArith, "dst = src * val"),
      vscalar("vmaxs", Op::Vmaxs, kVecArith, "dst = max(src, val)"),
      vscalar("vmins", Op::Vmins, kVecArith, "dst = min(src, val)"),
      vunary("vexp", Op::Vexp, kVecFloat, "dst = e^src"),
      vunary("vln", Op::Vln, kVecFloat, "dst = ln(src)"),
      vunary("vsqrt", Op::Vsqrt, kVecFloat, "dst = sqrt(src)"),
      vunary("vrsqrt", Op::Vrsqrt, kVecFloat, "dst = 1 / sqrt(src)"),
      vunary("vrec", Op::Vrec, kVecFloat, "dst = 1 / src"),
      vunary("vabs", Op::Vabs, kVecFloat, "dst = |src|"),
      vunary("vrelu", Op::Vrelu, kVecArith, "dst = max(src, 0)"),
      {"vconv", Op::Vconv, "VC", on(P::V),
       {suffix(Type, kT0, set_of(D::F16, D::BF16, D::F32, D::S32, D::S16, D::S8)),
        suffix(Type2, kT1, set_of(D::F16, D::BF16, D::F32, D::S32, D::S16, D::S8)), dst, src,
        reg(Cfg, kR3), enm(Round, kE0, kRound)},
       "dst (type) = src (type2) converted with the rounding mode", check_vconv},
      {"vcmp", Op::Vcmp, "VB", on(P::V),
       {suffix(Type, kT0, set_of(D::F16, D::F32, D::S32, D::BF16), kBf16), dst, src, src1,
        reg(Cfg, kR3), enm(Cmp, kE0, kCmp)},
       "dst bit i = src[i] cmp src1[i] (one bit per element)", check_vcmp},
      {"vsel", Op::Vsel, "VB", on(P::V),
       {suffix(Type, kT0, kMove16_32), dst, src, src1, reg(Cfg, kR3), reg(Val, kR4)},
       "dst[i] = bit i of the mask at UB address val ? src[i] : src1[i]"},
      {"vdup", Op::Vdup, "VS", on(P::V), {suffix(Type, kT0, kMove16_32), dst, reg(Val, kR2),
                                      reg(Cfg, kR3)}, "dst[i] = low bits of val"},
      {"vbrcb", Op::Vbrcb, "VU", on(P::V), {suffix(Type, kT0, kMove16_32), dst, src, reg(Cfg, kR3)},
       "per repeat: read 8 elements of src, fill dst block j with element j"},
      vunary("vcadd", Op::Vcadd, kVecFloat, "per repeat: one element = sum of it"),
      vunary("vcmax", Op::Vcmax, kVecFloat, "per repeat: one element = max of it"),
      vunary("vcgadd", Op::Vcgadd, kVecFloat, "per repeat: 8 elements, sum of each block"),
      vunary("vcgmax", Op::Vcgmax, kVecFloat, "per repeat: 8 elements, max of each block"),
      {"vmask", Op::Vmask, "R", on(P::V), {rs1, rs2},
       "vector mask = rs1:rs2 (high:low 64 bits); bit i enables element i of every repeat"},
  };
  std::vector<OpInfo> table;
  for (const Row& row : rows) {
    OpInfo info{.mnemonic = row.mnemonic, .op = row.op, .format = row.format,
                .pipe = row.pipe, .fields = {}, .num_fields = 0, .summary = row.summary,
                .check = row.check, .extension = row.extension,
                .extension_note = row.extension_note};
    for (const Field& f : row.fields) info.fields[info.num_fields++] = f;
    table.push_back(info);
  }
  std::sort(table.begin(), table.end(),
            [](const OpInfo& a, const OpInfo& b) { return a.op < b.op; });
  return table;
}

std::int64_t sign_extend(std::uint64_t v, unsigned width) {
  if (width == 64) return static_cast<std::int64_t>(v);
  std::uint64_t m = 1ull << (width - 1);
  return static_cast<std::int64_t>((v ^ m) - m);
}

}  // namespace

unsigned dtype_bytes(DType t) {
  switch (t) {
    case D::U8: case D::S8: return 1;
    case D::U16: case D::S16: case D::F16: case D::BF16: return 2;
    case D::U32: case D::S32: case D::F32: return 4;
    case D::U64: case D::S64: return 8;
  }
  return 0;
}

bool pipe_on_core(Pipe pipe, CoreType core) {
  switch (core) {
    case CoreType::Any: return true;
    case CoreType::Aic: return pipe != P::V && pipe != P::MTE3;
    case CoreType::Aiv: return pipe != P::M && pipe != P::MTE1 && pipe != P::FIX;
  }
  return false;
}

std::string_view role_name(Role role) { return kRoleNames[static_cast<unsigned>(role)]; }
std::string_view pipe_name(Pipe pipe) { return kPipeNames[static_cast<unsigned>(pipe)]; }
std::string_view dtype_name(DType type) {
  auto i = static_cast<unsigned>(type);
  return i < kNumDTypes ? kDTypeNames[i] : "?";
}

bool Field::is_legal(std::int64_t v) const {
  switch (kind) {
    case OperandKind::Reg:
    case OperandKind::Imm:
    case OperandKind::PcRel: return v >= min && v <= max;
    case OperandKind::Enum:
    case OperandKind::Suffix: return v >= 0 && v < 32 && ((legal >> v) & 1);
  }
  return false;
}

const Field* OpInfo::field(Role role) const {
  for (const Field& f : operands())
    if (f.role == role) return &f;
  return nullptr;
}

std::uint64_t OpInfo::used_bits() const {
  std::uint64_t bits = 0xff;
  for (const Field& f : operands()) bits |= f.mask();
  return bits;
}

std::span<const OpInfo> instruction_table() {
  static const std::vector<OpInfo> table = build_table();
  return table;
}

const OpInfo* find_opcode(std::uint8_t opcode) {
  static const std::array<const OpInfo*, 256> by_opcode = [] {
    std::array<const OpInfo*, 256> a{};
    for (const OpInfo& info : instruction_table()) a[static_cast<std::uint8_t>(info.op)] = &info;
    return a;
  }();
  return by_opcode[opcode];
}

const OpInfo& info(Op op) { return *find_opcode(static_cast<std::uint8_t>(op)); }

Buffer Instr::buffer() const {
  std::string_view name = info->field(Role::Buf)->names[get(Role::Buf)];
  if (name == "l1") return Buffer::L1;
  if (name == "ub") return Buffer::Ub;
  if (name == "l0a") return Buffer::L0A;
  if (name == "l0b") return Buffer::L0B;
  return Buffer::Gm;
}

const OpInfo* find_mnemonic(std::string_view mnemonic) {
  for (const OpInfo& info : instruction_table())
    if (info.mnemonic == mnemonic) return &info;
  return nullptr;
}

Pipe Instr::pipe() const {
  if (info->pipe.from) return static_cast<Pipe>(get(*info->pipe.from));
  return info->pipe.fixed;
}

bool Instr::is_extension() const {
  for (const Field& f : info->operands())
    if ((f.kind == OperandKind::Enum || f.kind == OperandKind::Suffix) &&
        ((f.extension >> get(f.role)) & 1))
      return true;
  return info->extension && info->extension(*this);
}

std::uint64_t encode(const Instr& in) {
  std::uint64_t word = static_cast<std::uint8_t>(in.info->op);
  for (const Field& f : in.info->operands()) {
    std::int64_t v = in.get(f.role);
    if (!f.is_legal(v)) {
      if (f.kind == OperandKind::Enum || f.kind == OperandKind::Suffix)
        throw EncodeError(fmt::format("{}: {} value {} is not legal", in.mnemonic(),
                                      role_name(f.role), v));
      throw EncodeError(fmt::format("{}: {} value {} is out of range [{}, {}]", in.mnemonic(),
                                    role_name(f.role), v, f.min, f.max));
    }
    word |= (static_cast<std::uint64_t>(v) << f.lsb) & f.mask();
  }
  if (in.info->check) {
    std::string why = in.info->check(in);
    if (!why.empty()) throw EncodeError(fmt::format("{}: {}", in.mnemonic(), why));
  }
  return word;
}

std::optional<Instr> decode(std::uint64_t word, std::string* why) {
  auto fail = [&](std::string text) -> std::optional<Instr> {
    if (why) *why = std::move(text);
    return std::nullopt;
  };
  const OpInfo* info = find_opcode(static_cast<std::uint8_t>(word & 0xff));
  if (!info) return fail(fmt::format("unknown opcode 0x{:02x}", word & 0xff));
  if (std::uint64_t reserved = word & ~info->used_bits())
    return fail(fmt::format("{}: reserved bits set (0x{:016x})", info->mnemonic, reserved));
  Instr in{.info = info};
  for (const Field& f : info->operands()) {
    std::uint64_t raw = (word & f.mask()) >> f.lsb;
    std::int64_t v = f.is_signed ? sign_extend(raw, f.width) : static_cast<std::int64_t>(raw);
    if (!f.is_legal(v))
      return fail(fmt::format("{}: illegal {} value {}", info->mnemonic, role_name(f.role), v));
    in.set(f.role, v);
  }
  if (info->check) {
    if (std::string reason = info->check(in); !reason.empty())
      return fail(fmt::format("{}: {}", info->mnemonic, reason));
  }
  return in;
}

std::string assembly_form(const OpInfo& info) {
  std::string text(info.mnemonic);
  for (const Field& f : info.operands())
    if (f.kind == OperandKind::Suffix) text += fmt::format(".{}", role_name(f.role));
  const char* sep = " ";
  for (const Field& f : info.operands()) {
    if (f.kind == OperandKind::Suffix) continue;
    text += fmt::format("{}{}", sep, role_name(f.role));
    sep = ", ";
  }
  return text;
}

std::string disassemble(const Instr& in, std::uint64_t pc) {
  std::string text(in.mnemonic());
  for (const Field& f : in.info->operands())
    if (f.kind == OperandKind::Suffix) fmt::format_to(std::back_inserter(text), ".{}", f.names[in.get(f.role)]);
  const char* sep = " ";
  for (const Field& f : in.info->operands()) {
    std::int64_t v = in.get(f.role);
    switch (f.kind) {
      case OperandKind::Suffix: continue;
      case OperandKind::Reg: fmt::format_to(std::back_inserter(text), "{}x{}", sep, v); break;
      case OperandKind::Imm: fmt::format_to(std::back_inserter(text), "{}{}", sep, v); break;
      case OperandKind::Enum: fmt::format_to(std::back_inserter(text), "{}{}", sep, f.names[v]); break;
      case OperandKind::PcRel: {
        std::int64_t t = static_cast<std::int64_t>(pc) + v * kInstrBytes;
        if (t < 0)
          fmt::format_to(std::back_inserter(text), "{}-0x{:x}", sep, -static_cast<std::uint64_t>(t));
        else
          fmt::format_to(std::back_inserter(text), "{}0x{:x}", sep, t);
        break;
      }
    }
    sep = ", ";
  }
  return text;
}

}  // namespace snsim::isa
