#pragma once
// One AI core (AIC or AIV, HARDWARE.md §3) executing the microkernel ISA (docs/isa.md), as a plain
// C++ state machine (DECISIONS.md D11: no SystemC process per core or pipe). docs/core.md describes
// the model, its costs and their sources.
//
// Contract:
// - step(now) advances the core by one cycle at `now`: every pipe first tries to start the
//   instruction at the head of its queue, then the scalar unit executes or issues one instruction.
//   An instruction queued at cycle t can start at t + 1 at the earliest; an event set at t is seen
//   at t + 1. Nothing depends on the order in which cores are stepped within a cycle.
// - next_event(now) is the next cycle after `now` at which the core can change state on its own
//   (a pipe or the scalar unit becomes free); kNever if it is finished or waits only on others.
//   The runner (run_cores) skips the cycles in between, so idle cycles cost nothing.
// - A pipe instruction computes its result when it starts (functional at start) and occupies its
//   pipe for its cost; set_flag and pipe_barrier wait until every earlier instruction of the pipe
//   has completed.
// - Any fault (docs/isa.md §9) throws CoreFault naming the core, the pc and the instruction. The
//   core's memories keep what was written before the fault. A GmError from the GlobalMemory (a
//   failed access behind it) becomes such a fault too.
// - GM in another die (GlobalMemory::remote) and the DMA engine are reached by asynchronous
//   accesses (start_async). The instruction that started them holds its pipe (the scalar unit, for
//   ldg / stg / amoadd / notify) until the last completed: its occupancy ends at the later of that
//   completion and its port time. Read data lands in the local buffer or register when its
//   AsyncDone arrives; write data is taken when the instruction starts. From inside an AsyncDone
//   that frees a pipe the core calls its waker with the cycle at which it can next change state,
//   since next_event cannot foresee completions. An AsyncDone with an error makes the next step()
//   at or after its cycle throw the CoreFault. The core must outlive the accesses it started.
// - gwait blocks the scalar unit until a u64 of this die's GM reaches a value; it re-reads memory
//   only when poked (poke), never by polling. run_cores pokes after every cycle in which a core
//   changed state; a die model pokes also when the network writes into the die's memory.

#include <array>
#include <cmath>
#include <cstdint>
#include <algorithm>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/pages.h"
#include "common/stats.h"
#include "core/gm.h"
#include "isa/isa.h"
#include "object/object.h"

namespace snsim::core {

inline constexpr Cycle kNever = std::numeric_limits<Cycle>::max();

// Whole cycles covering a fractional cost; a cost within 1e-9 above an integer (decimal rates
// such as 2.07 x 100) counts as that integer.
inline Cycle ceil_cycles(double x) { return static_cast<Cycle>(std::ceil(x - 1e-9)); }

// Cost of a vector instruction: start-up + slope x repeats cycles (ASCEND_ISA_NOTES.md §9).
struct VecCost {
  double startup = 0;
  double slope = 1;
};
// Costs for 16-bit and for 32-bit element types (the PTO cost model gives both where they differ).
struct VecCostPair {
  VecCost b16, b32;
};
std::map<isa::Op, VecCostPair> default_vector_costs();

// Timing parameters of a core. docs/core.md gives the source of each default.
struct CoreParams {
  bool strict = false;                 // refuse kernels using ISA extensions (D19, isa.md §8)
  // false: timing only. No data is moved or computed and no buffer is allocated; every check,
  // cost and statistic is the same (issue 5 §4).
  bool numerics = true;
  unsigned queue_depth = 32;           // per-pipe instruction queue (MTE1/MMAD: 32 [HWC2201])
  Cycle scalar_cycles = 1;             // scalar ALU, branch, SDM ld/st, issue (assumed)
  Cycle sync_cycles = 1;               // set_flag / wait_flag / pipe_barrier once unblocked (assumed)
  double mte2_bytes_per_cycle = 32;    // MTE2 GM -> L1 / UB port (HARDWARE.md §3: HBM 32 read)
  double mte3_bytes_per_cycle = 64;    // MTE3 UB -> GM port (HARDWARE.md §3: UB->HBM 64)
  // Bytes of posted remote writes (dma_post) a core may have unacknowledged; a dma_post that would
  // pass it waits on mte3 (unless none is outstanding). Assumed: no public figure; 64 KiB lets 8
  // AIVs of a die cover its UB bandwidth-delay product, 196 GB/s x 2.1 us = 412 KB (HARDWARE.md §1
  // and §4: 7 x 28 GB/s per die, 2.1 us inter-node 512 B write latency), docs/core.md.
  std::uint64_t posted_write_bytes = 64 * 1024;
  // MTE1 L1 -> L0A / L0B: the Ascend C guide's load_data_perf figures (ASCEND_ISA_NOTES.md §9);
  // HARDWARE.md §3 (INI) gives twice these, 512 / 256 B per cycle.
  double mte1_l0a_bytes_per_cycle = 256;
  double mte1_l0b_bytes_per_cycle = 128;
  Cycle mte1_latency = 28;
  // Cube: one 16 x k0 x 16 fractal per cycle, k0 = 32 (s8), 16 (f16, bf16), 4 (f32) [PERF] mmad_perf.
  // FixPipe: 64 output elements per cycle, latency 20 [PERF] fixpipe_perf.
  double fix_elements_per_cycle = 64;
  Cycle fix_latency = 20;
  std::map<isa::Op, VecCostPair> vector_costs = default_vector_costs();
};

// Where a core sits in a launch (docs/isa.md §2, system registers).
struct LaunchInfo {
  isa::CoreType type = isa::CoreType::Aiv;
  unsigned core_id = 0;
  unsigned block_id = 0;
  unsigned block_num = 1;
  unsigned sub_block_id = 0;
  unsigned sub_block_num = 1;
  unsigned die_index = 0;  // the die of the machine running this core (core::global_addr)
  unsigned num_dies = 1;   // dies of the machine running the kernel
};

// The core's port into GM (its own port of the L2, core::L2Gm): an AIC's is its core id, an
// AIV's kAivGmPortBase + its core id, so the AIC and AIV halves of a mixed launch, whose core ids
// both count from 0, never share one.
inline constexpr unsigned kAivGmPortBase = 256;
inline unsigned gm_port(const LaunchInfo& launch) {
  return launch.type == isa::CoreType::Aiv ? kAivGmPortBase + launch.core_id : launch.core_id;
}

// A run-time fault: "<core> pc 0x<pc> `<instruction>`: <reason>".
struct CoreFault : std::runtime_error {
  CoreFault(std::string core, std::uint64_t pc, std::string instr, std::string reason);
  std::string core;
  std::uint64_t pc;
  std::string instr;
  std::string reason;
};

// A local buffer (L1, L0A, L0B, L0C, UB) holding real bytes, allocated on first touch (D11), on
// small pages of its own (common/pages.h): a kernel often uses part of a buffer only, and the pages
// it never writes take no memory.
class LocalBuffer {
 public:
  LocalBuffer(std::string name, std::uint64_t size, unsigned align)
      : name_(std::move(name)), size_(size), align_(align) {}
  const std::string& name() const { return name_; }
  std::uint64_t size() const { return size_; }
  unsigned align() const { return align_; }
  bool allocated() const { return bytes_ != nullptr; }
  // Pointer to [addr, addr + len); the caller has checked the range.
  std::uint8_t* data(std::uint64_t addr) {
    if (!bytes_) bytes_ = zeroed_bytes(size_);
    return bytes_.get() + addr;
  }

 private:
  std::string name_;
  std::uint64_t size_;
  unsigned align_;
  ZeroedBytes bytes_;
};

class Core;

// The cross-core flags of one launch (docs/isa.md §7, xset / xwait): 16 counters per core, set
// in modes all (barrier of every core of the setter's type), pair (the other AIV of the AI core)
// and group (AIC -> both AIVs; both AIVs -> the AIC). The AI core of a core is its block id on an
// AIC and block id / sub-block count on an AIV. Increments become visible one cycle after the set.
class CrossCoreFlags {
 public:
  static constexpr unsigned kFlags = 16;
  static constexpr unsigned kMaxCount = 15;  // a set that would make a counter 16 is a fault (D19)

  void attach(Core& core) { cores_.push_back(&core); }
  void detach(const Core& core) { std::erase(cores_, &core); }
  // Signals flag `id` from `from` at `now`; returns why it is illegal, or an empty string.
  std::string set(const Core& from, isa::XMode mode, unsigned id, Cycle now);
  // How many sets have signalled cores so far: a driver that caches its cores' next_event sees
  // from a change that some core has a new cross-core increment coming.
  std::uint64_t signals() const { return signals_; }

 private:
  // Sets not yet matched, per setter: a barrier completes when each of `needed` setters has one
  // pending, so a core that sets twice counts once per completion (HARDWARE.md §3: both AIVs
  // must set to release the AIC).
  using Arrivals = std::map<const Core*, unsigned>;
  static bool arrive(Arrivals& pending, const Core& from, std::size_t needed);
  static bool pending_full(const Arrivals& pending, const Core& from);  // 15 sets of `from` pending
  static std::string unmatched(const Core& from, unsigned id);           // the fault of a 16th

  std::vector<Core*> cores_;
  std::uint64_t signals_ = 0;
  std::map<std::pair<unsigned, unsigned>, Arrivals> all_arrivals_;    // (core type, id)
  std::map<std::pair<unsigned, unsigned>, Arrivals> group_arrivals_;  // (AI core, id)
};

unsigned ai_core_of(const LaunchInfo& launch);

enum class Stall : std::uint8_t { Flag, Barrier, QueueFull, Memory };
inline constexpr unsigned kNumStalls = 4;

// One instruction as it started, for traces and per-instruction tables (issue 5 §3). Pipe-s
// instructions are reported when the scalar unit executes them, the others when they start in
// their pipe (their issue by the scalar unit is not an event).
struct InstrEvent {
  const Core* core;
  isa::Pipe pipe;
  std::uint64_t pc;
  const isa::Instr* instr;  // valid while the core keeps its kernel loaded
  Cycle start;
  Cycle cycles;        // until the instruction completed (its pipe may start the next earlier)
  Cycle stalled;       // cycles it waited, ready, for a flag, earlier work or queue space
  Stall stall_reason;  // meaningful when stalled > 0
  Cycle released_by;   // wait_flag: the cycle of the set_flag it consumed; else kNever
};
using InstrObserver = std::function<void(const InstrEvent&)>;

class Core {
 public:
  // Statistics are registered under "<name>." in `stats`; `name` is unique per registry. `params`,
  // `gm`, `stats` and `xflags` are held by reference and must outlive the core.
  // `xflags` may be null: then xset / xwait fault.
  Core(std::string name, const CoreParams& params, const LaunchInfo& launch, GlobalMemory& gm,
       StatsRegistry& stats, CrossCoreFlags* xflags = nullptr);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Loads a kernel (object-format.md, "Loading"): code, SDM data, arguments; pc = entry.
  // Throws std::invalid_argument if the object is for the other core type, the arguments do not
  // match, or it uses ISA extensions under the strict profile. `like`: a core of the same type
  // that has loaded the same object, whose decoded code this one then shares (a machine's cores
  // would otherwise each hold a copy: 59 KB for a 180-instruction kernel, 2.2 GB over CM384's
  // 36,864 AIVs).
  void load(const obj::Object& object, std::span<const std::uint64_t> args, const Core* like = nullptr);

  bool step(Cycle now);  // true if anything changed state
  Cycle next_event(Cycle now) const;
  // Finished: halted, every pipe drained and no access it started still in flight.
  bool finished(Cycle now) const;

  // Called from inside an AsyncDone that lets the core change state, with the cycle at which it
  // next can (see the contract above).
  void set_waker(std::function<void(Cycle)> waker) { waker_ = std::move(waker); }
  // Memory this core may wait on changed: a gwait blocked now re-reads it at `at` (at the next
  // cycle if `at` has passed). Ignored unless the core is blocked in gwait.
  void poke(Cycle at);
  bool waiting_on_memory() const { return gwait_.active; }
  // Blocked in gwait on a word overlapping bytes [offset, offset + len) of its die's memory.
  bool waiting_on(std::uint64_t offset, std::uint64_t len) const {
    const std::uint64_t at = gwait_.addr & kDieOffsetMask;
    return gwait_.active && at < offset + len && offset < at + 8;
  }
  // Asynchronous accesses started and not yet done.
  unsigned async_in_flight() const { return async_in_flight_; }
  // Sets the `cycles` statistic: when the core finished, or `now` if it has not (run_cores calls it).
  void record_cycles(Cycle now);
  // What the scalar unit and each non-empty pipe wait for, one line each (deadlock report).
  std::string blocked_report(Cycle now) const;

  const std::string& name() const { return name_; }
  const LaunchInfo& launch() const { return launch_; }
  std::uint64_t reg(unsigned i) const { return regs_[i]; }
  std::uint64_t pc() const { return pc_; }
  // The buffer, or nullptr if this core type has none (GM is not a local buffer).
  LocalBuffer* buffer(isa::Buffer which);
  std::uint64_t instructions() const { return instructions_; }

  // Called for every instruction as it starts (no cost when unset).
  void set_observer(InstrObserver observer) { observer_ = std::move(observer); }

  // Cross-core counter `id`, counting increments not yet visible; and an increment seen at `at`.
  unsigned xflag_total(unsigned id) const;
  void xflag_increment(unsigned id, Cycle at) { xincoming_.emplace_back(at, id); }

 private:
  struct Queued {
    isa::Instr in;
    std::uint64_t pc;
    Cycle ready_at;
    std::uint64_t dst, src, src1, cfg, cfg2, val;
  };
  struct PipeStats {
    Counter* instructions;
    Counter* busy;
    std::array<Counter*, kNumStalls> stall;
    Counter* bytes;
    Counter* flops;
  };
  // An instruction whose asynchronous accesses are in flight: it holds its pipe until the last is
  // done. One per pipe at most (the scalar unit's is that of pipe s).
  struct Held {
    unsigned pending = 0;   // accesses not yet done
    Cycle floor = 0;        // the pipe is busy until then anyway (port rate, scalar cycle)
    Cycle last = 0;         // the latest completion so far
    Cycle done_before = 0;  // when the pipe's earlier work completes
    InstrEvent event{};     // for the observer, once the last access is done
  };
  struct PipeState {
    std::deque<Queued> queue;
    Cycle free_at = 0;  // the next instruction may start
    Cycle done_at = 0;  // every started instruction has completed
    bool blocked = false;
    Stall blocked_on = Stall::Flag;
    Cycle blocked_since = 0;
    PipeStats stats{};
    Held held{};
  };
  // What a started instruction costs: the pipe is busy for `occupancy` cycles, the instruction
  // completes after `total`, and `memory` of the occupancy is waiting for GM beyond the port rate.
  struct Cost {
    Cycle occupancy;
    Cycle total;
    Cycle memory = 0;
    bool held = false;  // asynchronous accesses started: the pipe is held until they are done
  };
  // The local side of a GM copy burst: the burst's bytes at `addr` of `buf`, contiguous, or
  // (block > 0) in 32-byte blocks `block` bytes apart, the last padded with zeros (nd2nz).
  struct LocalSide {
    isa::Buffer buf;
    std::uint64_t addr;
    std::uint64_t block = 0;
  };
  // One GM burst of an MTE copy and its local side.
  struct GmBurst {
    std::uint64_t gm, len;
    LocalSide side;
  };

  bool step_pipe(isa::Pipe pipe, Cycle now);
  bool step_scalar(Cycle now);
  void block(PipeState& p, Stall why, Cycle now);
  void unblock(PipeState& p, Cycle now);
  Cost execute(const Queued& q, Cycle now);
  Cost execute_dma(const Queued& q, Cycle now);
  Cost execute_gm_dma(const Queued& q, Cycle now);
  Cost execute_vector(const Queued& q);
  Cost execute_load2d(const Queued& q);
  Cost execute_mmad(const Queued& q);
  Cost execute_fixp(const Queued& q, Cycle now);
  // Cost of the GM transfer `access` (its port set here) at `now` through a port needing `port` cycles.
  Cost gm_cost(Cycle now, Cycle port, GmAccess access);
  bool execute_scalar(const isa::Instr& in, Cycle now);  // false if it must wait
  // ldg, stg, amoadd, notify at `addr` (local: at once, timed by transfer(); remote: the scalar
  // unit waits for the access). Returns the memory cycles of a local access.
  Cycle scalar_gm(const isa::Instr& in, std::uint64_t addr, Cycle now);
  bool execute_gwait(const isa::Instr& in, std::uint64_t addr, Cycle now);  // false while waiting
  // Starts an asynchronous access for the instruction held by `pipe`; `arrived` runs when it is
  // done without error, before the pipe is released.
  void start_held(isa::Pipe pipe, Cycle now, AsyncAccess access,
                  std::function<void(std::span<const std::uint8_t>)> arrived);
  void access_done(isa::Pipe pipe, Cycle complete, const std::string& error);
  // A posted write burst of `bytes`, started by the instruction at `pc`, is done (error: it failed).
  void posted_done(Cycle complete, std::uint64_t bytes, std::uint64_t pc, const std::string& error);
  // Bytes of the copy word's bursts (dma_out, dma_post).
  static std::uint64_t copy_bytes(std::uint64_t cfg);
  // Copies `data` into a local buffer as `side` lays it out (a read burst arriving).
  void place(const LocalSide& side, std::span<const std::uint8_t> data);

  // Events (set_flag / wait_flag): cycle at which the event becomes visible, kNever if clear.
  Cycle& event(isa::Pipe src, isa::Pipe dst, unsigned id);
  bool pipes_drained(Cycle now) const;

  // Checks an operand range of a buffer (alignment of the base unless !aligned, bounds) and
  // returns its bytes (nullptr in timing-only mode); faults naming `operand` otherwise.
  std::uint8_t* local(isa::Buffer which, std::uint64_t addr, std::uint64_t len, const char* operand,
                      bool aligned = true);
  // Faults unless [addr, addr + len) is in this die's memory (remote GM is reached by the MTE
  // copies, the scalar GM instructions and dma only).
  void check_gm(std::uint64_t addr, std::uint64_t len, const char* operand);
  // True if the range is wholly in another die's memory, false if wholly in this one's; faults
  // naming `operand` if it is in no die's memory or spans two.
  bool gm_remote(std::uint64_t addr, std::uint64_t len, const char* operand);
  [[noreturn]] void fault(std::string reason) const;
  std::string describe(const isa::Instr& in, std::uint64_t pc) const;

  std::string name_;
  const CoreParams& params_;
  LaunchInfo launch_;
  GlobalMemory& gm_;

  // The decoded kernel and each instruction's pipe (step_scalar asks at every step), shared by the
  // cores of one kernel (Core::load's `like`).
  std::shared_ptr<const std::vector<isa::Instr>> code_ = std::make_shared<const std::vector<isa::Instr>>();
  std::shared_ptr<const std::vector<isa::Pipe>> code_pipes_ = std::make_shared<const std::vector<isa::Pipe>>();
  // The SDM's bytes up to the highest one the object or a store wrote; the rest of its
  // obj::kSdmBytes read as zero (64 KiB of zeros per core would be 2.4 GB over CM384's AIVs).
  std::vector<std::uint8_t> sdm_;
  std::array<std::uint64_t, isa::kNumRegs> regs_{};
  std::uint64_t pc_ = 0;
  bool halted_ = false;
  Cycle halted_at_ = 0;
  bool loaded_ = false;
  Cycle scalar_free_at_ = 0;
  std::array<std::uint64_t, 2> vmask_{~0ull, ~0ull};  // low, high
  std::array<PipeState, isa::kNumPipes> pipes_{};
  std::array<Cycle, isa::kNumPipes * isa::kNumPipes * 8> events_{};
  std::uint64_t instructions_ = 0;

  // The instruction being executed, for fault reports.
  const isa::Instr* cur_in_ = nullptr;
  std::uint64_t cur_pc_ = 0;

  InstrObserver observer_;
  Cycle released_by_ = kNever;  // set by a wait_flag for its event
  CrossCoreFlags* xflags_;
  std::array<unsigned, CrossCoreFlags::kFlags> xcount_{};
  std::vector<std::pair<Cycle, unsigned>> xincoming_;  // (visible at, id)

  std::vector<GmBurst> bursts_;  // execute_dma's list, kept to reuse its storage
  std::function<void(Cycle)> waker_;
  unsigned async_in_flight_ = 0;
  std::uint64_t posted_bytes_ = 0;  // posted remote writes started and not yet acknowledged
  Cycle posted_last_ = 0;           // the latest acknowledgement of a posted write so far
  std::optional<CoreFault> async_fault_;  // from an AsyncDone, thrown by step at async_fault_at_
  Cycle async_fault_at_ = kNever;
  struct Gwait {
    bool active = false;  // the scalar unit is blocked in gwait
    std::uint64_t addr = 0;
    std::uint64_t value = 0;  // awaited: u64 at addr >= value
    Cycle poke_at = kNever;   // re-read memory then
  } gwait_;

  std::unique_ptr<LocalBuffer> l1_, l0a_, l0b_, l0c_, ub_;
  Counter* cycles_stat_;
};

// Runs cores until all have finished, one faults, they deadlock or max_cycles pass.
struct RunResult {
  enum class Status { Finished, Fault, Deadlock, Timeout };
  Status status;
  Cycle cycles;        // the cycle at which the run ended
  std::string report;  // the fault or deadlock report; empty when finished
};
RunResult run_cores(std::span<Core* const> cores, Cycle max_cycles = 1'000'000'000);

}  // namespace snsim::core
