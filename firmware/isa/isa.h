#pragma once
// The snsim microkernel ISA (docs/isa.md): one table of instructions from which the encoder, the
// decoder, the disassembler and the assembler's operand parser all derive.
//
// Every instruction is one 64-bit little-endian word. Bits [7:0] are the opcode; each opcode owns a
// list of operand fields (bit position, width, legal values). Bits that no field of the opcode
// covers are reserved and must be zero: a word with a set reserved bit, an unknown opcode or an
// out-of-range field value is an illegal encoding, and decode() says which.
//
// A decoded instruction (Instr) names its operands by role (Rd, Rs1, Type, SrcPipe, ...), not by
// position, so the core models read `in.reg(Role::Rs1)` whatever the instruction's layout.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace snsim::isa {

inline constexpr unsigned kInstrBytes = 8;
inline constexpr unsigned kNumRegs = 32;

// Execution pipes (HARDWARE.md §3). All is only an operand of pipe_barrier.
enum class Pipe : std::uint8_t { S = 0, V = 1, M = 2, MTE1 = 3, MTE2 = 4, MTE3 = 5, FIX = 6, All = 7 };
inline constexpr unsigned kNumPipes = 7;  // S .. FIX

// Every opcode: enumerator, encoding, mnemonic. The table in isa.cpp has one row per entry (a test
// checks both ways), so the core models can switch on Op while the table stays the one definition
// of operands.
#define SNSIM_ISA_OPCODES(X) \
  X(Nop, 0x01, "nop") \
  X(Halt, 0x02, "halt") \
  X(Trap, 0x03, "trap") \
  X(Add, 0x10, "add") \
  X(Sub, 0x11, "sub") \
  X(Mul, 0x12, "mul") \
  X(Div, 0x13, "div") \
  X(Divu, 0x14, "divu") \
  X(Rem, 0x15, "rem") \
  X(Remu, 0x16, "remu") \
  X(And, 0x17, "and") \
  X(Or, 0x18, "or") \
  X(Xor, 0x19, "xor") \
  X(Sll, 0x1a, "sll") \
  X(Srl, 0x1b, "srl") \
  X(Sra, 0x1c, "sra") \
  X(Slt, 0x1d, "slt") \
  X(Sltu, 0x1e, "sltu") \
  X(Min, 0x1f, "min") \
  X(Max, 0x20, "max") \
  X(Addi, 0x28, "addi") \
  X(Muli, 0x29, "muli") \
  X(Andi, 0x2a, "andi") \
  X(Ori, 0x2b, "ori") \
  X(Xori, 0x2c, "xori") \
  X(Slli, 0x2d, "slli") \
  X(Srli, 0x2e, "srli") \
  X(Srai, 0x2f, "srai") \
  X(Slti, 0x30, "slti") \
  X(Sltiu, 0x31, "sltiu") \
  X(Li, 0x38, "li") \
  X(Lhi, 0x39, "lhi") \
  X(Csrr, 0x3a, "csrr") \
  X(Amoadd, 0x3b, "amoadd") \
  X(Ld, 0x3c, "ld") \
  X(St, 0x3d, "st") \
  X(Ldg, 0x3e, "ldg") \
  X(Stg, 0x3f, "stg") \
  X(Beq, 0x40, "beq") \
  X(Bne, 0x41, "bne") \
  X(Blt, 0x42, "blt") \
  X(Bge, 0x43, "bge") \
  X(Bltu, 0x44, "bltu") \
  X(Bgeu, 0x45, "bgeu") \
  X(Jal, 0x46, "jal") \
  X(Jalr, 0x47, "jalr") \
  X(Loop, 0x48, "loop") \
  X(SetFlag, 0x50, "set_flag") \
  X(WaitFlag, 0x51, "wait_flag") \
  X(PipeBarrier, 0x52, "pipe_barrier") \
  X(Xset, 0x53, "xset") \
  X(Xwait, 0x54, "xwait") \
  X(Notify, 0x55, "notify") \
  X(Gwait, 0x56, "gwait") \
  X(Fence, 0x57, "fence") \
  X(DmaIn, 0x60, "dma_in") \
  X(Nd2nz, 0x61, "nd2nz") \
  X(DmaOut, 0x62, "dma_out") \
  X(Load2d, 0x63, "load2d") \
  X(Fixp, 0x64, "fixp") \
  X(Dma, 0x65, "dma") \
  X(DmaPost, 0x66, "dma_post") \
  X(Mmad, 0x70, "mmad") \
  X(Vadd, 0x80, "vadd") \
  X(Vsub, 0x81, "vsub") \
  X(Vmul, 0x82, "vmul") \
  X(Vdiv, 0x83, "vdiv") \
  X(Vmax, 0x84, "vmax") \
  X(Vmin, 0x85, "vmin") \
  X(Vadds, 0x88, "vadds") \
  X(Vmuls, 0x89, "vmuls") \
  X(Vmaxs, 0x8a, "vmaxs") \
  X(Vmins, 0x8b, "vmins") \
  X(Vexp, 0x90, "vexp") \
  X(Vln, 0x91, "vln") \
  X(Vsqrt, 0x92, "vsqrt") \
  X(Vrsqrt, 0x93, "vrsqrt") \
  X(Vrec, 0x94, "vrec") \
  X(Vabs, 0x95, "vabs") \
  X(Vrelu, 0x96, "vrelu") \
  X(Vconv, 0x98, "vconv") \
  X(Vcmp, 0x99, "vcmp") \
  X(Vsel, 0x9a, "vsel") \
  X(Vdup, 0x9b, "vdup") \
  X(Vbrcb, 0x9c, "vbrcb") \
  X(Vcadd, 0xa0, "vcadd") \
  X(Vcmax, 0xa1, "vcmax") \
  X(Vcgadd, 0xa2, "vcgadd") \
  X(Vcgmax, 0xa3, "vcgmax") \
  X(Vmask, 0xa8, "vmask")

enum class Op : std::uint8_t {
#define SNSIM_ISA_OP_ENUM(name, code, mnemonic) name = code,
  SNSIM_ISA_OPCODES(SNSIM_ISA_OP_ENUM)
#undef SNSIM_ISA_OP_ENUM
};

// Values of enum operands, numbered as they are encoded.
enum class Cmp : std::uint8_t { Lt = 0, Gt = 1, Ge = 2, Eq = 3, Ne = 4, Le = 5 };
enum class Round : std::uint8_t { Rint = 0, Floor = 1, Ceil = 2, Round = 3, Trunc = 4 };
enum class SysReg : std::uint8_t { CoreId = 0, BlockId = 1, BlockNum = 2, SubBlockId = 3, SubBlockNum = 4, Cycle = 5,
                                   Die = 6, Dies = 7 };
enum class XMode : std::uint8_t { All = 0, Pair = 1, Group = 2 };
// Memories an instruction names; Instr::buffer() resolves the per-opcode `buf` operand to one.
enum class Buffer : std::uint8_t { Gm, L1, L0A, L0B, L0C, Ub };

// Element types. The numbering is the 4-bit encoding of type fields.
enum class DType : std::uint8_t {
  U8 = 0, S8 = 1, U16 = 2, S16 = 3, U32 = 4, S32 = 5, U64 = 6, S64 = 7, F16 = 8, BF16 = 9, F32 = 10
};
inline constexpr unsigned kNumDTypes = 11;
unsigned dtype_bytes(DType t);

// Which core types have a pipe: AIC = S, MTE1, MTE2, M, FIX; AIV = S, MTE2, MTE3, V.
enum class CoreType : std::uint8_t { Any = 0, Aic = 1, Aiv = 2 };
bool pipe_on_core(Pipe pipe, CoreType core);

// The meaning of an operand. A decoded instruction holds one value per role it uses.
enum class Role : std::uint8_t {
  Rd, Rs1, Rs2,            // scalar destination and sources, x0..x31 (x0 reads as zero)
  Dst, Src, Src1,          // registers holding buffer or GM byte addresses of a pipe instruction
  Cfg, Cfg2,               // registers holding a packed parameter word (config_words.h)
  Val,                     // register holding a scalar operand, a scale or a mask address
  Imm,                     // immediate (signed or unsigned, see the field)
  Target,                  // branch offset in instructions, relative to this instruction
  Type, Type2,             // element types: Type is the destination / main type, Type2 the source
  Buf,                     // which local buffer (meaning per opcode: l1/ub, l0a/l0b, gm/l1)
  SrcPipe, DstPipe,        // pipes of set_flag / wait_flag
  PipeArg,                 // pipe of pipe_barrier and of a cross-core set
  Event,                   // intra-core event id 0-7
  Flag,                    // cross-core flag id 0-15
  XMode,                   // cross-core mode
  Round, Cmp, Relu, Layout, Trans, Acc, SysReg,
  Count_
};
inline constexpr unsigned kNumRoles = static_cast<unsigned>(Role::Count_);
std::string_view role_name(Role role);

enum class OperandKind : std::uint8_t {
  Reg,     // x0..x31
  Imm,     // integer, range [min, max]
  PcRel,   // label or expression giving a byte address; encoded as (target - pc) / 8
  Enum,    // one of a list of names (value = index)
  Suffix,  // element type written as a mnemonic suffix: vadd.f16
};

// One operand field of an instruction word.
struct Field {
  Role role;
  OperandKind kind;
  std::uint8_t lsb;
  std::uint8_t width;
  bool is_signed = false;
  std::int64_t min = 0;  // legal range (Imm, PcRel)
  std::int64_t max = 0;
  std::uint32_t legal = 0;      // Enum / Suffix: bit v set = value v legal
  std::uint32_t extension = 0;  // Enum / Suffix: bit v set = value v is an extension (D19)
  std::span<const std::string_view> names{};  // Enum / Suffix: names by value

  std::uint64_t mask() const { return width == 64 ? ~0ull : ((1ull << width) - 1) << lsb; }
  bool is_legal(std::int64_t value) const;
};

inline constexpr unsigned kMaxFields = 9;

struct Instr;

// Where an instruction issues: a fixed pipe, or the pipe named by one of its operands.
struct PipeSpec {
  Pipe fixed = Pipe::S;
  std::optional<Role> from{};
};

// One row of the instruction table.
struct OpInfo {
  std::string_view mnemonic;
  Op op;
  std::string_view format;  // layout name in docs/isa.md (R, I, LI, B, VB, ...)
  PipeSpec pipe;
  std::array<Field, kMaxFields> fields;
  std::uint8_t num_fields;
  std::string_view summary;  // one line for docs/isa.md and --help
  // Cross-field rule the per-field legality cannot express (e.g. legal cast pairs); returns an
  // empty string when the instruction is legal, otherwise why not.
  std::string (*check)(const Instr&) = nullptr;
  // Extension rule across fields (e.g. FixPipe s32 -> bf16), beside the per-field extension masks;
  // an instruction that is an extension as a whole (the supernode's GM opcodes) always returns true.
  bool (*extension)(const Instr&) = nullptr;
  std::string_view extension_note{};  // what of it is an extension, for docs/isa.md

  std::span<const Field> operands() const { return {fields.data(), num_fields}; }
  // The field with this role, or nullptr.
  const Field* field(Role role) const;
  std::uint64_t used_bits() const;
};

// The instruction table, ordered by opcode.
std::span<const OpInfo> instruction_table();
const OpInfo* find_opcode(std::uint8_t opcode);
const OpInfo& info(Op op);
const OpInfo* find_mnemonic(std::string_view mnemonic);

// A decoded instruction: the table row plus one value per role the row uses.
struct Instr {
  const OpInfo* info = nullptr;
  std::array<std::int64_t, kNumRoles> value{};

  Op op() const { return info->op; }
  template <class E>
  E as(Role role) const { return static_cast<E>(get(role)); }
  // The memory named by the `buf` operand (dma_in: L1 or UB; load2d: L0A or L0B; fixp: GM or L1).
  Buffer buffer() const;
  std::string_view mnemonic() const { return info->mnemonic; }
  std::int64_t get(Role role) const { return value[static_cast<unsigned>(role)]; }
  void set(Role role, std::int64_t v) { value[static_cast<unsigned>(role)] = v; }
  unsigned reg(Role role) const { return static_cast<unsigned>(get(role)); }
  DType type(Role role = Role::Type) const { return static_cast<DType>(get(role)); }
  // The pipe this instruction is queued to.
  Pipe pipe() const;
  // True if any operand takes a value that is an extension beyond the real A2 ISA (D19).
  bool is_extension() const;
};

// Throws EncodeError naming the operand and its legal range if a value does not fit.
struct EncodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
std::uint64_t encode(const Instr& instr);

// Returns the decoded instruction, or nullopt with `why` set (unknown opcode, reserved bit set,
// illegal field value, failed cross-field rule).
std::optional<Instr> decode(std::uint64_t word, std::string* why = nullptr);

// Assembly text that the assembler reads back to the same word. `pc` (byte address of the
// instruction) turns branch offsets into absolute targets printed as hex addresses.
std::string disassemble(const Instr& instr, std::uint64_t pc);

// The assembly form with operand roles for values: "vadd.type dst, src, src1, cfg".
std::string assembly_form(const OpInfo& info);

// Canonical names.
std::string_view pipe_name(Pipe pipe);
std::string_view dtype_name(DType type);

}  // namespace snsim::isa
