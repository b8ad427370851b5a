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

// The value a scalar load of type `t` gives from its little-endian bytes (zero- or sign-extended).
std::uint64_t load_value(isa::DType t, std::span<const std::uint8_t> bytes) {
  std::uint64_t v = 0;
  std::memcpy(&v, bytes.data(), std::min<std::size_t>(bytes.size(), sizeof v));
  const unsigned size = isa::dtype_bytes(t);
  const bool is_signed = t == isa::DType::S8 || t == isa::DType::S16 || t == isa::DType::S32;
  if (is_signed && size < 8) {
    const unsigned shift = 64 - 8 * size;
    v = static_cast<std::uint64_t>(static_cast<std::int64_t>(v << shift) >> shift);
  }
  return v;
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

void Core::load(const obj::Object& object, std::span<const std::uint64_t> args, const Core* like) {
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
  if (like != nullptr && like->loaded_ && like->launch_.type == launch_.type) {
    code_ = like->code_;
    code_pipes_ = like->code_pipes_;
  } else {
    auto code = std::make_shared<std::vector<isa::Instr>>();
    auto pipes = std::make_shared<std::vector<isa::Pipe>>();
    code->reserve(text->bytes.size() / isa::kInstrBytes);
    pipes->reserve(text->bytes.size() / isa::kInstrBytes);
    for (std::size_t off = 0; off + isa::kInstrBytes <= text->bytes.size(); off += isa::kInstrBytes) {
      std::uint64_t word;
      std::memcpy(&word, text->bytes.data() + off, sizeof word);
      std::string why;
      auto in = isa::decode(word, &why);
      if (!in) throw std::invalid_argument(fmt::format("{}: .text+{}: {}", name_, off, why));
      if (in->pipe() != Pipe::All && !isa::pipe_on_core(in->pipe(), launch_.type))
        throw std::invalid_argument(fmt::format("{}: .text+{}: {} needs pipe {}", name_, off,
                                                in->mnemonic(), isa::pipe_name(in->pipe())));
      code->push_back(*in);
      pipes->push_back(in->pipe());
    }
    code_ = std::move(code);
    code_pipes_ = std::move(pipes);
  }
  std::uint64_t extent = 0;
  for (const obj::Section& s : object.sections)
    if (s.kind != obj::SectionKind::Text) extent = std::max<std::uint64_t>(extent, s.addr + s.bytes.size());
  for (std::size_t i = 0; i < args.size(); ++i)
    extent = std::max<std::uint64_t>(extent, object.args[i].offset + sizeof(std::uint64_t));
  sdm_.assign(extent, 0);
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

bool Core::gm_remote(std::uint64_t addr, std::uint64_t len, const char* operand) {
  if (gm_.mapped(addr, len)) return false;
  if (len > 0 && gm_.remote(addr, len)) return true;
  const bool partly_remote = gm_.remote(addr, 1) || (len > 1 && gm_.remote(addr + len - 1, 1));
  fault(fmt::format("{} GM access 0x{:x}+{} is outside mapped memory{}", operand, addr, len,
                    partly_remote ? " (partly in another die's: a GM range lies in one die's memory)" : ""));
}

void Core::check_gm(std::uint64_t addr, std::uint64_t len, const char* operand) {
  if (gm_remote(addr, len, operand))
    fault(fmt::format("{} GM access 0x{:x}+{} is in another die's memory: remote GM is reached by the "
                      "MTE copies, scalar GM instructions and dma only",
                      operand, addr, len));
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

bool Core::finished(Cycle now) const {
  return !loaded_ || (halted_ && async_in_flight_ == 0 && !async_fault_ && pipes_drained(now));
}

void Core::poke(Cycle at) {
  if (gwait_.active) gwait_.poke_at = std::min(gwait_.poke_at, at);
}

void Core::record_cycles(Cycle now) {
  Cycle end = now;
  if (finished(now)) {
    end = std::max(halted_at_, posted_last_);
    for (unsigned i = 1; i < isa::kNumPipes; ++i) end = std::max(end, pipes_[i].done_at);
  }
  cycles_stat_->reset();
  cycles_stat_->add(end);
}

bool Core::step(Cycle now) {
  if (async_fault_ && now >= async_fault_at_) throw *async_fault_;
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
  if (gwait_.active && gwait_.poke_at != kNever) consider(std::max(gwait_.poke_at, now + 1));
  if (async_fault_) consider(std::max(async_fault_at_, now + 1));
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
    case Op::DmaPost:
      // The posted-write budget: wait while this copy's bytes would pass it (a remote copy only;
      // one larger than the budget goes alone).
      if (posted_bytes_ > 0 && posted_bytes_ + copy_bytes(q.cfg) > params_.posted_write_bytes &&
          gm_.remote(q.dst, 1)) {
        block(p, Stall::Memory, now);
        return false;
      }
      cost = execute(q, now);
      break;
    default:
      cost = execute(q, now);
      break;
  }
  const InstrEvent event{this, pipe, q.pc, &(*code_)[q.pc / isa::kInstrBytes], now,
                         std::max<Cycle>(cost.total, 1), p.blocked ? now - p.blocked_since : 0,
                         p.blocked_on, released_by_};
  released_by_ = kNever;
  unblock(p, now);
  if (cost.held) {  // until access_done releases it
    p.held.floor = now + std::max<Cycle>(cost.occupancy, 1);
    p.held.done_before = p.done_at;
    p.held.event = event;
    p.free_at = p.done_at = kNever;
  } else {
    if (observer_) observer_(event);
    p.free_at = now + std::max<Cycle>(cost.occupancy, 1);
    p.done_at = std::max(p.done_at, now + std::max<Cycle>(cost.total, 1));
  }
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
    case Op::DmaPost:
    case Op::Nd2nz: return execute_dma(q, now);
    case Op::Dma: return execute_gm_dma(q, now);
    case Op::Vmask:
      vmask_ = {q.src1, q.src};
      return {1, 1};
    case Op::Load2d: return execute_load2d(q);
    case Op::Mmad: return execute_mmad(q);
    case Op::Fixp: return execute_fixp(q, now);
    default: return execute_vector(q);
  }
}

// MTE2 (dma_in, nd2nz) and MTE3 (dma_out): a copy in bursts between a local buffer and GM.
// 1. Check the parameters and the local side; list the bursts.
// 2. The GM side lies wholly in this die's memory or wholly in others'.
// 3. This die's: copy now; the cost is the port time and the GM model's (bandwidth queue + latency).
// 4. Others': one asynchronous access per burst (write data taken now, read data placed when it
//    arrives); the pipe is held until the last is done, and at least for the port time. A posted
//    write (dma_post) holds it for the port time only: the core counts the bursts until acknowledged.
Core::Cost Core::execute_dma(const Queued& q, Cycle now) {
  std::vector<GmBurst>& bursts = bursts_;
  bursts.clear();
  GmAccess access;
  const bool posted = q.in.op() == Op::DmaPost;
  const bool out = q.in.op() == Op::DmaOut || posted;
  if (q.in.op() == Op::Nd2nz) {
    const auto w = isa::Nd2NzWords::unpack(q.cfg, q.cfg2);
    if (w.n_value > 16384) fault(fmt::format("nd2nz n_value {} > 16384", w.n_value));
    if (w.dst_c0_stride == 0 || w.dst_n_stride == 0) fault("nd2nz dst_c0_stride and dst_n_stride must be >= 1");
    if (w.nd_num == 0 || w.n_value == 0 || w.d_value == 0) return {1, 1};
    const unsigned s = isa::dtype_bytes(q.in.type());
    const std::uint64_t row = std::uint64_t{w.d_value} * s;
    const std::uint64_t blocks = (row + 31) / 32;
    const std::uint64_t block_stride = std::uint64_t{w.dst_c0_stride} * 32;
    for (unsigned i = 0; i < w.nd_num; ++i)
      for (unsigned j = 0; j < w.n_value; ++j) {
        const std::uint64_t src = q.src + (std::uint64_t{i} * w.src_nd_stride + std::uint64_t{j} * w.src_d_value) * s;
        const std::uint64_t dst = q.dst + std::uint64_t{i} * w.dst_nz_stride * s + std::uint64_t{j} * w.dst_n_stride * 32;
        for (std::uint64_t k = 0; k < blocks; ++k) local(Buffer::L1, dst + k * block_stride, 32, "dst");
        bursts.push_back({src, row, {Buffer::L1, dst, block_stride}});
      }
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
    local(buf, local_addr, last * (burst + local_gap * 32) + burst, out ? "src" : "dst");
    for (std::uint64_t i = 0; i <= last; ++i)
      bursts.push_back({gm_addr + i * (burst + gm_gap * 32), burst, {buf, local_addr + i * (burst + local_gap * 32)}});
    access = {.is_write = out, .addr = gm_addr, .burst = burst, .count = last + 1, .stride = burst + gm_gap * 32};
  }
  const char* gm_operand = out ? "dst" : "src";
  bool remote = false;
  for (const GmBurst& b : bursts)
    if (const bool r = gm_remote(b.gm, b.len, gm_operand); &b == &bursts.front())
      remote = r;
    else if (r != remote)
      fault(fmt::format("{} GM bursts 0x{:x}+{} and 0x{:x}+{} lie one in this die's memory, one in another's; "
                        "a copy reaches one or the other", gm_operand, bursts.front().gm, bursts.front().len, b.gm, b.len));
  const std::uint64_t gm_bytes = access.bytes();
  const double rate = out ? params_.mte3_bytes_per_cycle : params_.mte2_bytes_per_cycle;
  pipes_[static_cast<unsigned>(q.in.pipe())].stats.bytes->add(gm_bytes);
  const Cycle port = ceil_cycles(static_cast<double>(gm_bytes) / rate);
  if (!remote) {
    if (params_.numerics)
      for (const GmBurst& b : bursts) {
        LocalBuffer& l = *buffer(b.side.buf);
        if (out) {
          gm_.write(b.gm, {l.data(b.side.addr), b.len});
        } else if (b.side.block == 0) {
          gm_.read(b.gm, {l.data(b.side.addr), b.len});
        } else {
          for (std::uint64_t k = 0; 32 * k < b.len; ++k) {
            std::uint8_t* d = l.data(b.side.addr + k * b.side.block);
            std::memset(d, 0, 32);
            gm_.read(b.gm + 32 * k, {d, std::min<std::uint64_t>(32, b.len - 32 * k)});
          }
        }
      }
    return gm_cost(now, port, access);
  }
  for (const GmBurst& b : bursts) {
    AsyncAccess a{.kind = out ? AsyncKind::write : AsyncKind::read, .addr = b.gm, .len = b.len, .data = {}};
    if (out) {
      a.data.assign(b.len, 0);
      if (params_.numerics) std::memcpy(a.data.data(), buffer(b.side.buf)->data(b.side.addr), b.len);
      if (!posted) {
        start_held(q.in.pipe(), now, std::move(a), nullptr);
        continue;
      }
      a.port = gm_port(launch_);
      gm_.start_async(now, std::move(a),
                      [this, bytes = b.len, pc = q.pc](Cycle complete, std::span<const std::uint8_t>,
                                                       const std::string& error) {
                        posted_done(complete, bytes, pc, error);
                      });
      posted_bytes_ += b.len;
      ++async_in_flight_;
    } else {
      start_held(q.in.pipe(), now, std::move(a), [this, side = b.side](std::span<const std::uint8_t> data) {
        if (params_.numerics) place(side, data);
      });
    }
  }
  if (posted) return {port, port};
  return {port, port, 0, true};
}

std::uint64_t Core::copy_bytes(std::uint64_t cfg) {
  const auto w = isa::CopyWord::unpack(cfg);
  return std::uint64_t{w.block_count} * w.block_len * 32;
}

// 1. Count the burst acknowledged; an error becomes the fault the next step throws, naming the
//    dma_post that started it (its pipe went on long ago).
// 2. Wake the core: a dma_post waiting for the budget, a fence or the finish may go on.
void Core::posted_done(Cycle complete, std::uint64_t bytes, std::uint64_t pc, const std::string& error) {
  posted_bytes_ -= bytes;
  --async_in_flight_;
  posted_last_ = std::max(posted_last_, complete);
  if (!error.empty() && !async_fault_) {
    async_fault_.emplace(name_, pc, describe((*code_)[pc / isa::kInstrBytes], pc), error);
    async_fault_at_ = complete;
  }
  if (waker_) waker_(complete);
}

void Core::place(const LocalSide& side, std::span<const std::uint8_t> data) {
  LocalBuffer& l = *buffer(side.buf);
  if (side.block == 0) {
    std::memcpy(l.data(side.addr), data.data(), data.size());
    return;
  }
  for (std::uint64_t k = 0; 32 * k < data.size(); ++k) {
    std::uint8_t* d = l.data(side.addr + k * side.block);
    std::memset(d, 0, 32);
    std::memcpy(d, data.data() + 32 * k, std::min<std::uint64_t>(32, data.size() - 32 * k));
  }
}

// dma: the die's DMA engine copies GM to GM; mte2 only starts it and is held until it is done.
Core::Cost Core::execute_gm_dma(const Queued& q, Cycle now) {
  if (q.val == 0) return {1, 1};
  gm_remote(q.src, q.val, "src");  // each side wholly in one die's memory
  gm_remote(q.dst, q.val, "dst");
  start_held(Pipe::MTE2, now, {.kind = AsyncKind::copy, .addr = q.dst, .src = q.src, .len = q.val, .data = {}},
             nullptr);
  return {1, 1, 0, true};
}

void Core::start_held(Pipe pipe, Cycle now, AsyncAccess access,
                      std::function<void(std::span<const std::uint8_t>)> arrived) {
  access.port = gm_port(launch_);
  if (access.kind != AsyncKind::read && access.kind != AsyncKind::copy) access.len = access.data.size();
  const std::size_t want = access.kind == AsyncKind::read         ? access.len
                           : access.kind == AsyncKind::atomic_add ? 8
                                                                  : 0;
  gm_.start_async(now, std::move(access),
                  [this, pipe, want, arrived = std::move(arrived)](
                      Cycle complete, std::span<const std::uint8_t> data, const std::string& error) {
                    std::string why = error;
                    if (why.empty() && data.size() != want)
                      why = fmt::format("the memory returned {} bytes for an access of {}", data.size(), want);
                    if (why.empty() && arrived) arrived(data);
                    access_done(pipe, complete, why);
                  });
  ++pipes_[static_cast<unsigned>(pipe)].held.pending;
  ++async_in_flight_;
}

// 1. Count the access done; an error becomes the fault the next step throws.
// 2. After the last access of the held instruction: release its pipe, report it, wake the driver.
void Core::access_done(Pipe pipe, Cycle complete, const std::string& error) {
  PipeState& p = pipes_[static_cast<unsigned>(pipe)];
  Held& h = p.held;
  --h.pending;
  --async_in_flight_;
  h.last = std::max(h.last, complete);
  if (!error.empty() && !async_fault_ && h.event.instr) {
    async_fault_.emplace(name_, h.event.pc, describe(*h.event.instr, h.event.pc), error);
    async_fault_at_ = complete;
    if (waker_) waker_(complete);
  }
  if (h.pending > 0) return;
  const Cycle end = std::max(h.floor, h.last);
  p.stats.stall[static_cast<unsigned>(Stall::Memory)]->add(end - h.floor);
  if (pipe == Pipe::S) {
    scalar_free_at_ = end;
  } else {
    p.free_at = end;
    p.done_at = std::max(h.done_before, end);
  }
  h.last = 0;
  if (observer_) {
    h.event.cycles = end - h.event.start;
    observer_(h.event);
  }
  if (waker_) waker_(end);
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
  if (pc_ % isa::kInstrBytes != 0 || pc_ / isa::kInstrBytes >= code_->size())
    fault(fmt::format("pc 0x{:x} is outside the code ({} instructions) or misaligned", pc_, code_->size()));
  const isa::Instr& in = (*code_)[pc_ / isa::kInstrBytes];
  cur_in_ = &in;
  const Pipe pipe = (*code_pipes_)[pc_ / isa::kInstrBytes];
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
  const InstrEvent event{this, Pipe::S, pc, &in, now, scalar_free_at_ - now,
                         s.blocked ? now - s.blocked_since : 0, s.blocked_on, released_by_};
  if (s.held.pending > 0)
    s.held.event = event;  // reported when its access is done
  else if (observer_)
    observer_(event);
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
    case Op::Trap:
      fault(fmt::format("trap {}: the kernel refused its arguments or the machine (its source lists the codes)",
                        uimm));
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
        case isa::SysReg::Die: set_rd(launch_.die_index); break;
        case isa::SysReg::Dies: set_rd(launch_.num_dies); break;
      }
      break;
    case Op::Ld:
    case Op::St: {
      const isa::DType t = in.type();
      const unsigned size = isa::dtype_bytes(t);
      const std::uint64_t addr = r(Role::Rs1) + uimm;
      if (addr % size != 0) fault(fmt::format("address 0x{:x} is not {}-byte aligned", addr, size));
      if (addr >= obj::kSdmBytes || size > obj::kSdmBytes - addr)
        fault(fmt::format("SDM address 0x{:x} is outside the {} KiB scalar data memory", addr, obj::kSdmBytes / 1024));
      if (in.op() == Op::St) {
        if (addr + size > sdm_.size()) sdm_.resize(addr + size, 0);
        const std::uint64_t v = r(Role::Rs2);
        std::memcpy(sdm_.data() + addr, &v, size);
      } else if (addr + size <= sdm_.size()) {
        set_rd(load_value(t, {sdm_.data() + addr, size}));
      } else {
        // Partly or wholly beyond the highest byte written: those bytes read zero.
        std::array<std::uint8_t, 8> bytes{};
        if (addr < sdm_.size()) std::memcpy(bytes.data(), sdm_.data() + addr, sdm_.size() - addr);
        set_rd(load_value(t, {bytes.data(), size}));
      }
      break;
    }
    case Op::Ldg:
    case Op::Stg:
    case Op::Amoadd:
    case Op::Notify: memory = scalar_gm(in, r(Role::Rs1) + uimm, now); break;
    case Op::Gwait:
      if (!execute_gwait(in, r(Role::Rs1) + uimm, now)) return false;
      memory = gm_.transfer(now, {.port = gm_port(launch_), .addr = gwait_.addr, .burst = 8}).complete - now;
      break;
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
    case Op::Fence:  // as pipe_barrier all, and every posted write acknowledged
      if (!pipes_drained(now) || posted_bytes_ > 0) {
        block(s, Stall::Barrier, now);
        return false;
      }
      cost = params_.sync_cycles;
      break;
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
  if (s.held.pending > 0) {  // a remote access: until access_done releases the scalar unit
    s.held.floor = now + cost;
    scalar_free_at_ = kNever;
  } else {
    s.stats.stall[static_cast<unsigned>(Stall::Memory)]->add(memory);
    scalar_free_at_ = now + cost + memory;
  }
  pc_ = next_pc;
  return true;
}

// 1. The access: its size (ldg / stg: the type; amoadd, notify: 8 bytes), alignment and die.
// 2. This die's memory: performed now, timed by transfer(); returns the memory cycles.
// 3. Another die's: one asynchronous access; the scalar unit waits for it (rd set on arrival).
Cycle Core::scalar_gm(const isa::Instr& in, std::uint64_t addr, Cycle now) {
  const Op op = in.op();
  const isa::DType t = op == Op::Ldg || op == Op::Stg ? in.type() : isa::DType::U64;
  const unsigned size = isa::dtype_bytes(t);
  if (addr % size != 0) fault(fmt::format("address 0x{:x} is not {}-byte aligned", addr, size));
  const unsigned rd = in.info->field(Role::Rd) ? in.reg(Role::Rd) : 0;
  const std::uint64_t value = in.info->field(Role::Rs2) ? regs_[in.reg(Role::Rs2)] : 0;
  std::uint8_t bytes[8] = {};
  std::memcpy(bytes, &value, size);
  if (!gm_remote(addr, size, "scalar")) {
    const bool store = op != Op::Ldg;
    const GlobalMemory::Timing timing =
        gm_.transfer(now, {.port = gm_port(launch_), .is_write = store, .addr = addr, .burst = size});
    std::uint8_t old[8] = {};
    if (op == Op::Ldg || op == Op::Amoadd) gm_.read(addr, {old, size});
    if (op == Op::Amoadd) {
      const std::uint64_t sum = load_value(t, old) + value;
      std::memcpy(bytes, &sum, size);
    }
    if (store) gm_.write(addr, {bytes, size});
    if (rd != 0 && (op == Op::Ldg || op == Op::Amoadd)) regs_[rd] = load_value(t, old);
    return timing.complete - now;
  }
  const AsyncKind kind = op == Op::Ldg      ? AsyncKind::read
                         : op == Op::Stg    ? AsyncKind::write
                         : op == Op::Amoadd ? AsyncKind::atomic_add
                                            : AsyncKind::notify;
  AsyncAccess access{.kind = kind, .addr = addr, .len = size, .data = {}};
  if (kind != AsyncKind::read) access.data.assign(bytes, bytes + size);
  std::function<void(std::span<const std::uint8_t>)> arrived;
  if (rd != 0 && (op == Op::Ldg || op == Op::Amoadd))
    arrived = [this, rd, t](std::span<const std::uint8_t> data) { regs_[rd] = load_value(t, data); };
  start_held(Pipe::S, now, std::move(access), std::move(arrived));
  return 0;
}

// gwait: reads this die's u64 at `addr` when it first executes and again only when poked; blocks
// the scalar unit (Stall::Flag) while it is below rs2.
bool Core::execute_gwait(const isa::Instr& in, std::uint64_t addr, Cycle now) {
  if (addr % 8 != 0) fault(fmt::format("address 0x{:x} is not 8-byte aligned", addr));
  if (gm_.remote(addr, 8))
    fault(fmt::format("gwait waits on this die's memory only; GM 0x{:x} is in another die's", addr));
  check_gm(addr, 8, "gwait");
  if (gwait_.active && now < gwait_.poke_at) return false;  // nothing it waits on has changed
  std::uint64_t value = 0;
  gm_.read(addr, {reinterpret_cast<std::uint8_t*>(&value), sizeof value});
  const std::uint64_t want = regs_[in.reg(Role::Rs2)];
  if (value < want) {
    gwait_ = {true, addr, want, kNever};
    block(pipes_[static_cast<unsigned>(Pipe::S)], Stall::Flag, now);
    return false;
  }
  gwait_ = {false, addr, want, kNever};
  return true;
}

std::string Core::blocked_report(Cycle now) const {
  std::string out;
  auto waits_for = [&](const isa::Instr& in, Pipe pipe, bool blocked, Stall why) -> std::string {
    if (in.op() == Op::WaitFlag)
      return fmt::format("event ({}, {}, {})", isa::pipe_name(in.as<Pipe>(Role::SrcPipe)),
                         isa::pipe_name(pipe), in.get(Role::Event));
    if (in.op() == Op::PipeBarrier) return "every queue to drain";
    if (in.op() == Op::Fence)
      return fmt::format("every queue to drain and {} bytes of posted writes to be acknowledged", posted_bytes_);
    if (in.op() == Op::DmaPost && blocked && why == Stall::Memory)
      return fmt::format("the posted-write budget ({} of {} bytes unacknowledged)", posted_bytes_,
                         params_.posted_write_bytes);
    if (in.op() == Op::Xwait)
      return fmt::format("cross-core flag {} (counter 0)", in.get(Role::Flag));
    if (in.op() == Op::Xset) return "earlier work of the pipe";
    if (in.op() == Op::Gwait && gwait_.active) {
      std::uint64_t value = 0;
      gm_.read(gwait_.addr, {reinterpret_cast<std::uint8_t*>(&value), sizeof value});
      return fmt::format("GM[0x{:x}] (u64) >= {}, it holds {}", gwait_.addr, gwait_.value, value);
    }
    if (pipes_[static_cast<unsigned>(pipe)].held.pending > 0) return "the instruction ahead to complete";
    if (blocked && why == Stall::QueueFull) return "queue space";
    return "nothing (ready)";
  };
  auto held = [&](Pipe pipe) {
    const Held& h = pipes_[static_cast<unsigned>(pipe)].held;
    if (h.pending == 0) return;
    out += fmt::format("  {} {}: pc 0x{:x} `{}` waits for {} GM access{} in flight (since cycle {})\n", name_,
                       isa::pipe_name(pipe), h.event.pc, describe(*h.event.instr, h.event.pc), h.pending,
                       h.pending == 1 ? "" : "es", h.event.start);
  };
  held(Pipe::S);
  if (posted_bytes_ > 0)
    out += fmt::format("  {} mte3: {} bytes of posted writes wait for their acknowledgement\n", name_, posted_bytes_);
  if (!halted_ && loaded_ && pipes_[0].held.pending == 0 && pc_ / isa::kInstrBytes < code_->size()) {
    const isa::Instr& in = (*code_)[pc_ / isa::kInstrBytes];
    const PipeState& s = pipes_[0];
    std::string what = waits_for(in, Pipe::S, s.blocked, s.blocked_on);
    if (in.pipe() != Pipe::S && in.pipe() != Pipe::All)
      what = fmt::format("space in the {} queue", isa::pipe_name(in.pipe()));
    if (in.op() == Op::PipeBarrier) what = "every queue to drain (pipe_barrier all)";
    out += fmt::format("  {} s: pc 0x{:x} `{}` waits for {}\n", name_, pc_, describe(in, pc_), what);
  }
  for (unsigned i = 1; i < isa::kNumPipes; ++i) {
    const PipeState& p = pipes_[i];
    held(static_cast<Pipe>(i));
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
  ++signals_;
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
    if (progress) {  // a store may have satisfied a gwait: it re-reads memory next cycle
      for (Core* c : cores)
        if (c->waiting_on_memory()) c->poke(now + 1);
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
