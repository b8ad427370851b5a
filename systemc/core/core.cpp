// The core model's front end, pipes, synchronization, data movement and run loop (core.h).
// Vector execution is in vector.cpp.
#include "core/core.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "isa/config_words.h"

namespace snsim::core {

using isa::Buffer;
using isa::Op;
using isa::Pipe;
using isa::Role;

namespace {

constexpr std::string_view kStallNames[kNumStalls] = {"flag", "barrier", "queue_full", "memory"};
constexpr std::string_view kStallDesc[kNumStalls] = {
    "cycles the head instruction waited for an event (wait_flag)",
    "cycles set_flag / pipe_barrier waited for earlier work of the pipe",
    "cycles the scalar unit could not issue because a pipe's queue was full (s only)",
    "cycles beyond the port rate spent waiting for global memory"};

std::uint64_t operand(const std::array<std::uint64_t, isa::kNumRegs>& regs, const isa::Instr& in,
                      Role role) {
  return in.info->field(role) ? regs[in.reg(role)] : 0;
}


}  // namespace

CoreFault::CoreFault(std::string core_, std::uint64_t pc_, std::string instr_, std::string reason_)
    : std::runtime_error(fmt::format("{} pc 0x{:x} `{}`: {}", core_, pc_, instr_, reason_)),
      core(std::move(core_)), pc(pc_), instr(std::move(instr_)), reason(std::move(reason_)) {}

Core::Core(std::string name, const CoreParams& params, const LaunchInfo& launch, GlobalMemory& gm,
           StatsRegistry& stats, CrossCoreFlags* xflags)
    : name_(std::move(name)), params_(params), launch_(launch), gm_(gm), xflags_(xflags) {
  if (xflags_) xflags_->attach(*this);
  // Buffer sizes and operand alignment: HARDWARE.md §3, docs/isa.md §2.
  if (launch_.type == isa::CoreType::Aic) {
    l1_ = std::make_unique<LocalBuffer>("l1", 512 * 1024, 32);
    l0a_ = std::make_unique<LocalBuffer>("l0a", 64 * 1024, 512);
    l0b_ = std::make_unique<LocalBuffer>("l0b", 64 * 1024, 512);
    l0c_ = std::make_unique<LocalBuffer>("l0c", 128 * 1024, 64);
  } else if (launch_.type == isa::CoreType::Aiv) {
    ub_ = std::make_unique<LocalBuffer>("ub", 192 * 1024, 32);
  } else {
    throw std::invalid_argument(fmt::format("{}: a core is an aic or an aiv", name_));
  }
  std::fill(events_.begin(), events_.end(), kNever);
  cycles_stat_ = &stats.counter(name_ + ".cycles", "cycles",
                                "cycles until the core finished (or the run ended, if it did not)");
  for (unsigned i = 0; i < isa::kNumPipes; ++i) {
    const auto pipe = static_cast<Pipe>(i);
    if (!isa::pipe_on_core(pipe, launch_.type)) continue;
    const std::string prefix = fmt::format("{}.{}.", name_, isa::pipe_name(pipe));
    PipeStats& s = pipes_[i].stats;
    s.instructions = &stats.counter(prefix + "instructions", "instructions",
                                    "instructions fetched (s) or started (other pipes)");
    s.busy = &stats.counter(prefix + "busy", "cycles", "cycles the pipe was occupied");
    for (unsigned r = 0; r < kNumStalls; ++r)
      s.stall[r] = &stats.counter(prefix + "stall_" + std::string(kStallNames[r]), "cycles",
                                  std::string(kStallDesc[r]));
    if (pipe == Pipe::MTE1 || pipe == Pipe::MTE2 || pipe == Pipe::MTE3 || pipe == Pipe::FIX)
      s.bytes = &stats.counter(prefix + "bytes", "bytes", "bytes moved");
    if (pipe == Pipe::V || pipe == Pipe::M)
      s.flops = &stats.counter(prefix + "flops", "ops", "arithmetic operations on elements");
  }
}

Core::~Core() {
  if (xflags_) xflags_->detach(*this);
}

LocalBuffer* Core::buffer(Buffer which) {
  switch (which) {
    case Buffer::L1: return l1_.get();
    case Buffer::L0A: return l0a_.get();
    case Buffer::L0B: return l0b_.get();
    case Buffer::L0C: return l0c_.get();
    case Buffer::Ub: return ub_.get();
    case Buffer::Gm: return nullptr;
  }
  return nullptr;
}

void Core::load(const obj::Object& object, std::span<const std::uint64_t> args) {
  if (object.core != isa::CoreType::Any && object.core != launch_.type)
    throw std::invalid_argument(fmt::format("{}: kernel is for another core type", name_));
  if (params_.strict && object.uses_extensions)
    throw std::invalid_argument(fmt::format(
        "{}: kernel uses ISA extensions (bf16 vector arithmetic, fixp s32->bf16), refused by the strict profile", name_));
  if (args.size() != object.args.size())
    throw std::invalid_argument(fmt::format("{}: kernel takes {} arguments, {} given", name_,
                                            object.args.size(), args.size()));
  const obj::Section* text = object.section(obj::SectionKind::Text);
  if (!text) throw std::invalid_argument(fmt::format("{}: kernel has no .text", name_));
  code_.clear();
  for (std::size_t off = 0; off + isa::kInstrBytes <= text->bytes.size(); off += isa::kInstrBytes) {
    std::uint64_t word;
    std::memcpy(&word, text->bytes.data() + off, sizeof word);
    std::string why;
    auto in = isa::decode(word, &why);
    if (!in) throw std::invalid_argument(fmt::format("{}: .text+{}: {}", name_, off, why));
    if (in->pipe() != Pipe::All && !isa::pipe_on_core(in->pipe(), launch_.type))
      throw std::invalid_argument(fmt::format("{}: .text+{}: {} needs pipe {}", name_, off,
                                              in->mnemonic(), isa::pipe_name(in->pipe())));
    code_.push_back(*in);
  }
  sdm_.assign(obj::kSdmBytes, 0);
  for (const obj::Section& s : object.sections)
    if (s.kind != obj::SectionKind::Text)
      std::memcpy(sdm_.data() + s.addr, s.bytes.data(), s.bytes.size());
  for (std::size_t i = 0; i < args.size(); ++i)
    std::memcpy(sdm_.data() + object.args[i].offset, &args[i], sizeof(std::uint64_t));
  regs_.fill(0);
  pc_ = object.entry;
  halted_ = false;
  loaded_ = true;
}

std::string Core::describe(const isa::Instr& in, std::uint64_t pc) const {
  return isa::disassemble(in, pc);
}

void Core::fault(std::string reason) const {
  if (!cur_in_) throw CoreFault(name_, cur_pc_, "(fetch)", std::move(reason));
  throw CoreFault(name_, cur_pc_, describe(*cur_in_, cur_pc_), std::move(reason));
}

std::uint8_t* Core::local(Buffer which, std::uint64_t addr, std::uint64_t len, const char* operand,
                          bool aligned) {
  LocalBuffer* b = buffer(which);
  if (!b) fault(fmt::format("{}: this core has no such buffer", operand));
  if (aligned && addr % b->align() != 0)
    fault(fmt::format("{} {} address 0x{:x} is not {}-byte aligned", operand, b->name(), addr,
                      b->align()));
  if (addr > b->size() || len > b->size() - addr)
    fault(fmt::format("{} {} access 0x{:x}+{} is beyond the {} KiB buffer", operand, b->name(),
                      addr, len, b->size() / 1024));
  return params_.numerics ? b->data(addr) : nullptr;
}

void Core::check_gm(std::uint64_t addr, std::uint64_t len, const char* operand) {
  if (!gm_.mapped(addr, len))
    fault(fmt::format("{} GM access 0x{:x}+{} is outside mapped memory", operand, addr, len));
}

Cycle& Core::event(Pipe src, Pipe dst, unsigned id) {
  return events_[(static_cast<unsigned>(src) * isa::kNumPipes + static_cast<unsigned>(dst)) * 8 + id];
}

void Core::block(PipeState& p, Stall why, Cycle now) {
  if (p.blocked) return;
  p.blocked = true;
  p.blocked_on = why;
  p.blocked_since = now;
}

void Core::unblock(PipeState& p, Cycle now) {
  if (!p.blocked) return;
  p.stats.stall[static_cast<unsigned>(p.blocked_on)]->add(now - p.blocked_since);
  p.blocked = false;
}

bool Core::pipes_drained(Cycle now) const {
  for (unsigned i = 1; i < isa::kNumPipes; ++i)
    if (!pipes_[i].queue.empty() || pipes_[i].done_at > now) return false;
  return true;
}

bool Core::finished(Cycle now) const { return !loaded_ || (halted_ && pipes_drained(now)); }

void Core::record_cycles(Cycle now) {
  Cycle end = now;
  if (finished(now)) {
    end = halted_at_;
    for (unsigned i = 1; i < isa::kNumPipes; ++i) end = std::max(end, pipes_[i].done_at);
  }
  cycles_stat_->reset();
  cycles_stat_->add(end);
}

bool Core::step(Cycle now) {
  bool progress = false;
  // Cross-core increments that have become visible.
  std::erase_if(xincoming_, [&](const std::pair<Cycle, unsigned>& inc) {
    if (inc.first > now) return false;
    ++xcount_[inc.second];
    return true;
  });
  try {
    for (unsigned i = 1; i < isa::kNumPipes; ++i) progress |= step_pipe(static_cast<Pipe>(i), now);
    progress |= step_scalar(now);
  } catch (const GmError& e) {
    fault(e.what());  // cur_in_ / cur_pc_ still name the instruction that accessed GM
  }
  return progress;
}

Cycle Core::next_event(Cycle now) const {
  Cycle next = kNever;
  auto consider = [&](Cycle t) {
    if (t > now) next = std::min(next, t);
  };
  if (!halted_) consider(scalar_free_at_);
  for (const auto& inc : xincoming_) consider(inc.first);
  for (unsigned i = 1; i < isa::kNumPipes; ++i) {
    const PipeState& p = pipes_[i];
    consider(p.done_at);
    consider(p.free_at);
    if (!p.queue.empty()) consider(p.queue.front().ready_at);
  }
  return next;
}

// 1. The head of the queue may start once it is ready and the pipe is free.
// 2. Synchronization instructions may block (event not set, earlier work not complete).
// 3. Anything else executes now and occupies the pipe for its cost.
bool Core::step_pipe(Pipe pipe, Cycle now) {
  PipeState& p = pipes_[static_cast<unsigned>(pipe)];
  if (p.queue.empty() || now < p.free_at || p.queue.front().ready_at > now) return false;
  const Queued& q = p.queue.front();
  cur_in_ = &q.in;
  cur_pc_ = q.pc;
  Cost cost{params_.sync_cycles, params_.sync_cycles};
  switch (q.in.op()) {
    case Op::WaitFlag: {
      Cycle& ev = event(q.in.as<Pipe>(Role::SrcPipe), pipe, static_cast<unsigned>(q.in.get(Role::Event)));
      if (ev > now) {
        block(p, Stall::Flag, now);
        return false;
      }
      released_by_ = ev - 1;
      ev = kNever;
      break;
    }
    case Op::SetFlag:
    case Op::PipeBarrier:
    case Op::Xset:
      if (p.done_at > now) {
        block(p, Stall::Barrier, now);
        return false;
      }
      if (q.in.op() == Op::SetFlag) {
        Cycle& ev = event(pipe, q.in.as<Pipe>(Role::DstPipe), static_cast<unsigned>(q.in.get(Role::Event)));
        if (ev != kNever) fault("event is already set (set twice without a wait)");
        ev = now + 1;
      }
      if (q.in.op() == Op::Xset) {
        if (!xflags_) fault("no cross-core flags in this launch");
        const std::string why = xflags_->set(*this, q.in.as<isa::XMode>(Role::XMode),
                                             static_cast<unsigned>(q.in.get(Role::Flag)), now);
        if (!why.empty()) fault(why);
      }
      break;
    default:
      cost = execute(q, now);
      break;
  }
  if (observer_)
    observer_({this, pipe, q.pc, &code_[q.pc / isa::kInstrBytes], now, std::max<Cycle>(cost.total, 1),
               p.blocked ? now - p.blocked_since : 0, p.blocked_on, released_by_});
  released_by_ = kNever;
  unblock(p, now);
  p.free_at = now + std::max<Cycle>(cost.occupancy, 1);
  p.done_at = std::max(p.done_at, now + std::max<Cycle>(cost.total, 1));
  p.stats.instructions->inc();
  p.stats.busy->add(cost.occupancy - cost.memory);
  p.stats.stall[static_cast<unsigned>(Stall::Memory)]->add(cost.memory);
  ++instructions_;
  p.queue.pop_front();
  cur_in_ = nullptr;
  return true;
}

Core::Cost Core::execute(const Queued& q, Cycle now) {
  switch (q.in.op()) {
    case Op::DmaIn:
    case Op::DmaOut:
    case Op::Nd2nz: return execute_dma(q, now);
    case Op::Vmask:
      vmask_ = {q.src1, q.src};
      return {1, 1};
    case Op::Load2d: return execute_load2d(q);
    case Op::Mmad: return execute_mmad(q);
    case Op::Fixp: return execute_fixp(q, now);
    default: return execute_vector(q);
  }
}

// MTE2 (dma_in, nd2nz) and MTE3 (dma_out): functional copy, then the cost of the GM transfer
// through the pipe's port (bytes / port rate) and the GM model (bandwidth queue + latency).
Core::Cost Core::execute_dma(const Queued& q, Cycle now) {
  std::uint64_t gm_bytes = 0;
  GmAccess access;
  const bool out = q.in.op() == Op::DmaOut;
  if (q.in.op() == Op::Nd2nz) {
    const auto w = isa::Nd2NzWords::unpack(q.cfg, q.cfg2);
    if (w.n_value > 16384) fault(fmt::format("nd2nz n_value {} > 16384", w.n_value));
    if (w.dst_c0_stride == 0 || w.dst_n_stride == 0) fault("nd2nz dst_c0_stride and dst_n_stride must be >= 1");
    if (w.nd_num == 0 || w.n_value == 0 || w.d_value == 0) return {1, 1};
    const unsigned s = isa::dtype_bytes(q.in.type());
    const std::uint64_t row = std::uint64_t{w.d_value} * s;
    const std::uint64_t blocks = (row + 31) / 32;
    for (unsigned i = 0; i < w.nd_num; ++i)
      for (unsigned j = 0; j < w.n_value; ++j) {
        const std::uint64_t src = q.src + (std::uint64_t{i} * w.src_nd_stride + std::uint64_t{j} * w.src_d_value) * s;
        check_gm(src, row, "src");
        for (std::uint64_t k = 0; k < blocks; ++k) {
          const std::uint64_t dst = q.dst + std::uint64_t{i} * w.dst_nz_stride * s +
                                    std::uint64_t{j} * w.dst_n_stride * 32 + k * w.dst_c0_stride * 32;
          std::uint8_t* d = local(Buffer::L1, dst, 32, "dst");
          if (!d) continue;  // timing only
          const std::uint64_t n = std::min<std::uint64_t>(32, row - 32 * k);
          std::memset(d, 0, 32);
          gm_.read(src + 32 * k, {d, n});
        }
      }
    gm_bytes = std::uint64_t{w.nd_num} * w.n_value * row;
    access = {.addr = q.src, .burst = row, .count = w.n_value, .stride = std::uint64_t{w.src_d_value} * s,
              .outer = w.nd_num, .outer_stride = std::uint64_t{w.src_nd_stride} * s};
  } else {
    const auto w = isa::CopyWord::unpack(q.cfg);
    if (w.block_count > 4095) fault(fmt::format("copy block_count {} > 4095", w.block_count));
    if (w.block_count == 0 || w.block_len == 0) return {1, 1};
    const std::uint64_t burst = std::uint64_t{w.block_len} * 32;
    const std::uint64_t last = std::uint64_t{w.block_count - 1u};
    const Buffer buf = out ? Buffer::Ub : q.in.buffer();
    const std::uint64_t local_addr = out ? q.src : q.dst;
    const std::uint64_t local_gap = out ? w.src_gap : w.dst_gap;
    const std::uint64_t gm_addr = out ? q.dst : q.src;
    const std::uint64_t gm_gap = out ? w.dst_gap : w.src_gap;
    std::uint8_t* base = local(buf, local_addr, last * (burst + local_gap * 32) + burst, out ? "src" : "dst");
    for (std::uint64_t i = 0; i <= last; ++i) {
      std::uint8_t* l = base + i * (burst + local_gap * 32);
      const std::uint64_t g = gm_addr + i * (burst + gm_gap * 32);
      check_gm(g, burst, out ? "dst" : "src");
      if (!base) continue;  // timing only
      if (out)
        gm_.write(g, {l, burst});
      else
        gm_.read(g, {l, burst});
    }
    gm_bytes = burst * (last + 1);
    access = {.is_write = out, .addr = gm_addr, .burst = burst, .count = last + 1, .stride = burst + gm_gap * 32};
  }
  const double rate = out ? params_.mte3_bytes_per_cycle : params_.mte2_bytes_per_cycle;
  pipes_[static_cast<unsigned>(q.in.pipe())].stats.bytes->add(gm_bytes);
  return gm_cost(now, ceil_cycles(static_cast<double>(gm_bytes) / rate), access);
}

Core::Cost Core::gm_cost(Cycle now, Cycle port, GmAccess access) {
  access.port = gm_port(launch_);
  const GlobalMemory::Timing t = gm_.transfer(now, access);
  const Cycle streamed = std::max(now + port, t.streamed);
  return {streamed - now, streamed + (t.complete - t.streamed) - now, streamed - now - port};
}

// The scalar unit: fetch, then execute a pipe-s instruction or push another into its queue.
bool Core::step_scalar(Cycle now) {
  if (!loaded_ || halted_ || now < scalar_free_at_) return false;
  PipeState& s = pipes_[static_cast<unsigned>(Pipe::S)];
  cur_in_ = nullptr;
  cur_pc_ = pc_;
  if (pc_ % isa::kInstrBytes != 0 || pc_ / isa::kInstrBytes >= code_.size())
    fault(fmt::format("pc 0x{:x} is outside the code ({} instructions) or misaligned", pc_, code_.size()));
  const isa::Instr& in = code_[pc_ / isa::kInstrBytes];
  cur_in_ = &in;
  const Pipe pipe = in.pipe();
  if (pipe != Pipe::S && pipe != Pipe::All) {
    PipeState& target = pipes_[static_cast<unsigned>(pipe)];
    if (target.queue.size() >= params_.queue_depth) {
      block(s, Stall::QueueFull, now);
      return false;
    }
    unblock(s, now);
    Queued q{in, pc_, now + 1, 0, 0, 0, 0, 0, 0};
    q.dst = operand(regs_, in, Role::Dst);
    q.src = in.op() == Op::Vmask ? regs_[in.reg(Role::Rs1)] : operand(regs_, in, Role::Src);
    q.src1 = in.op() == Op::Vmask ? regs_[in.reg(Role::Rs2)] : operand(regs_, in, Role::Src1);
    q.cfg = operand(regs_, in, Role::Cfg);
    q.cfg2 = operand(regs_, in, Role::Cfg2);
    q.val = operand(regs_, in, Role::Val);
    target.queue.push_back(q);
    pc_ += isa::kInstrBytes;
    scalar_free_at_ = now + params_.scalar_cycles;
    s.stats.instructions->inc();
    s.stats.busy->add(params_.scalar_cycles);
    return true;
  }
  const std::uint64_t pc = pc_;
  if (!execute_scalar(in, now)) return false;
  if (observer_)
    observer_({this, Pipe::S, pc, &in, now, scalar_free_at_ - now, s.blocked ? now - s.blocked_since : 0,
               s.blocked_on, released_by_});
  released_by_ = kNever;
  unblock(s, now);
  s.stats.instructions->inc();
  ++instructions_;
  cur_in_ = nullptr;
  return true;
}

// Executes a pipe-s instruction at `now`; false if it must wait (the scalar unit is blocked).
bool Core::execute_scalar(const isa::Instr& in, Cycle now) {
  PipeState& s = pipes_[static_cast<unsigned>(Pipe::S)];
  auto r = [&](Role role) { return regs_[in.reg(role)]; };
  auto sr = [&](Role role) { return static_cast<std::int64_t>(regs_[in.reg(role)]); };
  const std::int64_t imm = in.info->field(Role::Imm) ? in.get(Role::Imm) : 0;
  const auto uimm = static_cast<std::uint64_t>(imm);
  std::uint64_t next_pc = pc_ + isa::kInstrBytes;
  Cycle cost = params_.scalar_cycles;
  Cycle memory = 0;
  auto set_rd = [&](std::uint64_t v) {
    if (in.reg(Role::Rd) != 0) regs_[in.reg(Role::Rd)] = v;
  };
  auto branch = [&](bool taken) {
    if (taken) next_pc = pc_ + static_cast<std::uint64_t>(in.get(Role::Target) * std::int64_t{isa::kInstrBytes});
  };
  auto sdiv = [](std::int64_t a, std::int64_t b) -> std::int64_t {
    if (b == 0) return -1;
    if (a == std::numeric_limits<std::int64_t>::min() && b == -1) return a;
    return a / b;
  };
  auto srem = [](std::int64_t a, std::int64_t b) -> std::int64_t {
    if (b == 0) return a;
    if (a == std::numeric_limits<std::int64_t>::min() && b == -1) return 0;
    return a % b;
  };
  switch (in.op()) {
    case Op::Nop: break;
    case Op::Halt:
      halted_ = true;
      halted_at_ = now + 1;
      break;
    case Op::Add: set_rd(r(Role::Rs1) + r(Role::Rs2)); break;
    case Op::Sub: set_rd(r(Role::Rs1) - r(Role::Rs2)); break;
    case Op::Mul: set_rd(r(Role::Rs1) * r(Role::Rs2)); break;
    case Op::Div: set_rd(static_cast<std::uint64_t>(sdiv(sr(Role::Rs1), sr(Role::Rs2)))); break;
    case Op::Divu: set_rd(r(Role::Rs2) == 0 ? ~0ull : r(Role::Rs1) / r(Role::Rs2)); break;
    case Op::Rem: set_rd(static_cast<std::uint64_t>(srem(sr(Role::Rs1), sr(Role::Rs2)))); break;
    case Op::Remu: set_rd(r(Role::Rs2) == 0 ? r(Role::Rs1) : r(Role::Rs1) % r(Role::Rs2)); break;
    case Op::And: set_rd(r(Role::Rs1) & r(Role::Rs2)); break;
    case Op::Or: set_rd(r(Role::Rs1) | r(Role::Rs2)); break;
    case Op::Xor: set_rd(r(Role::Rs1) ^ r(Role::Rs2)); break;
    case Op::Sll: set_rd(r(Role::Rs1) << (r(Role::Rs2) & 63)); break;
    case Op::Srl: set_rd(r(Role::Rs1) >> (r(Role::Rs2) & 63)); break;
    case Op::Sra: set_rd(static_cast<std::uint64_t>(sr(Role::Rs1) >> (r(Role::Rs2) & 63))); break;
    case Op::Slt: set_rd(sr(Role::Rs1) < sr(Role::Rs2)); break;
    case Op::Sltu: set_rd(r(Role::Rs1) < r(Role::Rs2)); break;
    case Op::Min: set_rd(static_cast<std::uint64_t>(std::min(sr(Role::Rs1), sr(Role::Rs2)))); break;
    case Op::Max: set_rd(static_cast<std::uint64_t>(std::max(sr(Role::Rs1), sr(Role::Rs2)))); break;
    case Op::Addi: set_rd(r(Role::Rs1) + uimm); break;
    case Op::Muli: set_rd(r(Role::Rs1) * uimm); break;
    case Op::Andi: set_rd(r(Role::Rs1) & uimm); break;
    case Op::Ori: set_rd(r(Role::Rs1) | uimm); break;
    case Op::Xori: set_rd(r(Role::Rs1) ^ uimm); break;
    case Op::Slli: set_rd(r(Role::Rs1) << (uimm & 63)); break;
    case Op::Srli: set_rd(r(Role::Rs1) >> (uimm & 63)); break;
    case Op::Srai: set_rd(static_cast<std::uint64_t>(sr(Role::Rs1) >> (uimm & 63))); break;
    case Op::Slti: set_rd(sr(Role::Rs1) < imm); break;
    case Op::Sltiu: set_rd(r(Role::Rs1) < uimm); break;
    case Op::Li: set_rd(uimm); break;
    case Op::Lhi: set_rd((r(Role::Rd) & ((1ull << 48) - 1)) | uimm << 48); break;
    case Op::Csrr:
      switch (in.as<isa::SysReg>(Role::SysReg)) {
        case isa::SysReg::CoreId: set_rd(launch_.core_id); break;
        case isa::SysReg::BlockId: set_rd(launch_.block_id); break;
        case isa::SysReg::BlockNum: set_rd(launch_.block_num); break;
        case isa::SysReg::SubBlockId: set_rd(launch_.sub_block_id); break;
        case isa::SysReg::SubBlockNum: set_rd(launch_.sub_block_num); break;
        case isa::SysReg::Cycle: set_rd(now); break;
      }
      break;
    case Op::Ld:
    case Op::St:
    case Op::Ldg:
    case Op::Stg: {
      const isa::DType t = in.type();
      const unsigned size = isa::dtype_bytes(t);
      const std::uint64_t addr = r(Role::Rs1) + uimm;
      const bool global = in.op() == Op::Ldg || in.op() == Op::Stg;
      const bool store = in.op() == Op::St || in.op() == Op::Stg;
      if (addr % size != 0) fault(fmt::format("address 0x{:x} is not {}-byte aligned", addr, size));
      std::uint8_t bytes[8] = {};
      if (global) {
        check_gm(addr, size, "scalar");
        const GlobalMemory::Timing t =
            gm_.transfer(now, {.port = gm_port(launch_), .is_write = store, .addr = addr, .burst = size});
        memory = t.complete - now;
      } else if (addr >= sdm_.size() || size > sdm_.size() - addr) {
        fault(fmt::format("SDM address 0x{:x} is outside the {} KiB scalar data memory", addr, sdm_.size() / 1024));
      }
      if (store) {
        const std::uint64_t v = r(Role::Rs2);
        std::memcpy(bytes, &v, size);
        if (global)
          gm_.write(addr, {bytes, size});
        else
          std::memcpy(sdm_.data() + addr, bytes, size);
      } else {
        if (global)
          gm_.read(addr, {bytes, size});
        else
          std::memcpy(bytes, sdm_.data() + addr, size);
        std::uint64_t v = 0;
        std::memcpy(&v, bytes, size);
        const bool is_signed = t == isa::DType::S8 || t == isa::DType::S16 || t == isa::DType::S32;
        if (is_signed && size < 8) {
          const unsigned shift = 64 - 8 * size;
          v = static_cast<std::uint64_t>(static_cast<std::int64_t>(v << shift) >> shift);
        }
        set_rd(v);
      }
      break;
    }
    case Op::Beq: branch(r(Role::Rs1) == r(Role::Rs2)); break;
    case Op::Bne: branch(r(Role::Rs1) != r(Role::Rs2)); break;
    case Op::Blt: branch(sr(Role::Rs1) < sr(Role::Rs2)); break;
    case Op::Bge: branch(sr(Role::Rs1) >= sr(Role::Rs2)); break;
    case Op::Bltu: branch(r(Role::Rs1) < r(Role::Rs2)); break;
    case Op::Bgeu: branch(r(Role::Rs1) >= r(Role::Rs2)); break;
    case Op::Jal:
      set_rd(pc_ + isa::kInstrBytes);
      branch(true);
      break;
    case Op::Jalr: {
      const std::uint64_t target = r(Role::Rs1) + uimm;
      if (target % isa::kInstrBytes != 0) fault(fmt::format("jalr target 0x{:x} is not 8-byte aligned", target));
      set_rd(pc_ + isa::kInstrBytes);
      next_pc = target;
      break;
    }
    case Op::Loop: {
      const std::uint64_t left = r(Role::Rd) - 1;
      set_rd(left);
      branch(left != 0);
      break;
    }
    case Op::SetFlag: {  // srcpipe s: the scalar unit's earlier work is always complete
      Cycle& ev = event(Pipe::S, in.as<Pipe>(Role::DstPipe), static_cast<unsigned>(in.get(Role::Event)));
      if (ev != kNever) fault("event is already set (set twice without a wait)");
      ev = now + 1;
      cost = params_.sync_cycles;
      break;
    }
    case Op::WaitFlag: {  // dstpipe s
      Cycle& ev = event(in.as<Pipe>(Role::SrcPipe), Pipe::S, static_cast<unsigned>(in.get(Role::Event)));
      if (ev > now) {
        block(s, Stall::Flag, now);
        return false;
      }
      released_by_ = ev - 1;
      ev = kNever;
      cost = params_.sync_cycles;
      break;
    }
    case Op::PipeBarrier:  // pipe_barrier all
      if (!pipes_drained(now)) {
        block(s, Stall::Barrier, now);
        return false;
      }
      cost = params_.sync_cycles;
      break;
    case Op::Xwait: {
      if (!xflags_) fault("no cross-core flags in this launch");
      unsigned& count = xcount_[static_cast<unsigned>(in.get(Role::Flag))];
      if (count == 0) {
        block(s, Stall::Flag, now);
        return false;
      }
      --count;
      cost = params_.sync_cycles;
      break;
    }
    default:
      fault("not a scalar instruction");
  }
  s.stats.busy->add(cost);
  s.stats.stall[static_cast<unsigned>(Stall::Memory)]->add(memory);
  scalar_free_at_ = now + cost + memory;
  pc_ = next_pc;
  return true;
}

std::string Core::blocked_report(Cycle now) const {
  std::string out;
  auto waits_for = [&](const isa::Instr& in, Pipe pipe, bool blocked, Stall why) -> std::string {
    if (in.op() == Op::WaitFlag)
      return fmt::format("event ({}, {}, {})", isa::pipe_name(in.as<Pipe>(Role::SrcPipe)),
                         isa::pipe_name(pipe), in.get(Role::Event));
    if (in.op() == Op::PipeBarrier) return "every queue to drain";
    if (in.op() == Op::Xwait)
      return fmt::format("cross-core flag {} (counter 0)", in.get(Role::Flag));
    if (in.op() == Op::Xset) return "earlier work of the pipe";
    if (blocked && why == Stall::QueueFull) return "queue space";
    return "nothing (ready)";
  };
  if (!halted_ && loaded_ && pc_ / isa::kInstrBytes < code_.size()) {
    const isa::Instr& in = code_[pc_ / isa::kInstrBytes];
    const PipeState& s = pipes_[0];
    std::string what = waits_for(in, Pipe::S, s.blocked, s.blocked_on);
    if (in.pipe() != Pipe::S && in.pipe() != Pipe::All)
      what = fmt::format("space in the {} queue", isa::pipe_name(in.pipe()));
    if (in.op() == Op::PipeBarrier) what = "every queue to drain (pipe_barrier all)";
    out += fmt::format("  {} s: pc 0x{:x} `{}` waits for {}\n", name_, pc_, describe(in, pc_), what);
  }
  for (unsigned i = 1; i < isa::kNumPipes; ++i) {
    const PipeState& p = pipes_[i];
    if (p.queue.empty()) continue;
    const Queued& q = p.queue.front();
    out += fmt::format("  {} {}: pc 0x{:x} `{}` waits for {} ({} queued, since cycle {})\n", name_,
                       isa::pipe_name(static_cast<Pipe>(i)), q.pc, describe(q.in, q.pc),
                       waits_for(q.in, static_cast<Pipe>(i), p.blocked, p.blocked_on),
                       p.queue.size(), p.blocked ? p.blocked_since : now);
  }
  return out;
}

unsigned Core::xflag_total(unsigned id) const {
  unsigned n = xcount_[id];
  for (const auto& inc : xincoming_) n += inc.second == id;
  return n;
}

unsigned ai_core_of(const LaunchInfo& launch) {
  return launch.type == isa::CoreType::Aic ? launch.block_id
                                           : launch.block_id / std::max(launch.sub_block_num, 1u);
}

// Records a set from `from`; once `needed` distinct setters have one pending, consumes one of each.
// A setter's pending sets count like a flag counter: a 16th is a fault (D19), reported by set().
bool CrossCoreFlags::arrive(Arrivals& pending, const Core& from, std::size_t needed) {
  ++pending[&from];
  if (pending.size() < needed) return false;
  for (auto it = pending.begin(); it != pending.end();) it = --it->second == 0 ? pending.erase(it) : std::next(it);
  return true;
}

// 1. Find the cores the mode addresses (for all and AIV group: only once every setter arrived).
// 2. Refuse if any target's counter would pass 15; otherwise increment each, visible at now + 1.
bool CrossCoreFlags::pending_full(const Arrivals& pending, const Core& from) {
  const auto it = pending.find(&from);
  return it != pending.end() && it->second >= kMaxCount;
}

std::string CrossCoreFlags::unmatched(const Core& from, unsigned id) {
  return fmt::format("cross-core flag {}: {} would have {} sets the other setters have not matched (at most {})", id,
                     from.name(), kMaxCount + 1, kMaxCount);
}

std::string CrossCoreFlags::set(const Core& from, isa::XMode mode, unsigned id, Cycle now) {
  const LaunchInfo& me = from.launch();
  const unsigned group = ai_core_of(me);
  std::vector<Core*> targets;
  switch (mode) {
    case isa::XMode::All: {
      unsigned members = 0;
      for (Core* c : cores_) members += c->launch().type == me.type;
      Arrivals& pending = all_arrivals_[{static_cast<unsigned>(me.type), id}];
      if (pending_full(pending, from)) return unmatched(from, id);
      if (!arrive(pending, from, members)) return {};
      for (Core* c : cores_)
        if (c->launch().type == me.type) targets.push_back(c);
      break;
    }
    case isa::XMode::Pair:
      if (me.type != isa::CoreType::Aiv) return "xset pair is for the two AIVs of an AI core";
      for (Core* c : cores_)
        if (c != &from && c->launch().type == isa::CoreType::Aiv && ai_core_of(c->launch()) == group)
          targets.push_back(c);
      break;
    case isa::XMode::Group:
      if (me.type == isa::CoreType::Aiv) {
        Arrivals& pending = group_arrivals_[{group, id}];
        if (pending_full(pending, from)) return unmatched(from, id);
        if (!arrive(pending, from, me.sub_block_num)) return {};
      }
      for (Core* c : cores_)
        if (c->launch().type != me.type && ai_core_of(c->launch()) == group) targets.push_back(c);
      break;
  }
  if (targets.empty()) return fmt::format("xset: no core of AI core {} to signal", group);
  for (const Core* c : targets)
    if (c->xflag_total(id) >= kMaxCount)
      return fmt::format("cross-core flag {} of {} would exceed {}", id, c->name(), kMaxCount);
  for (Core* c : targets) c->xflag_increment(id, now + 1);
  return {};
}

namespace {

RunResult run_until_end(std::span<Core* const> cores, Cycle max_cycles) {
  Cycle now = 0;
  while (true) {
    bool all_done = true;
    for (const Core* c : cores) all_done = all_done && c->finished(now);
    if (all_done) return {RunResult::Status::Finished, now, {}};
    if (now >= max_cycles)
      return {RunResult::Status::Timeout, now, fmt::format("no finish after {} cycles", max_cycles)};
    bool progress = false;
    try {
      for (Core* c : cores) progress |= c->step(now);
    } catch (const CoreFault& f) {
      return {RunResult::Status::Fault, now, fmt::format("fault at cycle {}: {}", now, f.what())};
    }
    if (progress) {
      ++now;
      continue;
    }
    Cycle next = kNever;
    for (const Core* c : cores) next = std::min(next, c->next_event(now));
    if (next == kNever) {
      std::string report = fmt::format("deadlock at cycle {}: every pipe of every core is blocked\n", now);
      for (const Core* c : cores)
        if (!c->finished(now)) report += c->blocked_report(now);
      return {RunResult::Status::Deadlock, now, report};
    }
    now = next;
  }
}

}  // namespace

RunResult run_cores(std::span<Core* const> cores, Cycle max_cycles) {
  RunResult result = run_until_end(cores, max_cycles);
  for (Core* c : cores) c->record_cycles(result.cycles);
  return result;
}

}  // namespace snsim::core
