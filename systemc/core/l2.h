#pragma once
// The die's L2 cache in front of HBM, as the die harness's GlobalMemory (DECISIONS.md D17).
//
// Contract:
// - Data lives in the backing store (a SimpleGm's mapped regions); the L2 holds tags only
//   (D11). read/write/mapped go straight to the store, so numerics cannot depend on the cache.
// - transfer() looks up every line the access touches, in address order, updates the tags
//   (LRU within a set; write-back, write-allocate without fetching the line: the L2 keeps no data,
//   an assumption: most core writes are whole 32 B blocks, scalar stores and FixPipe rows need
//   not be) and times the access on two resources:
//     * the requesting core's port, one per direction (read_bytes_per_cycle / write_bytes_per_cycle),
//       busy for bytes / rate; every byte of an access crosses it, hit or miss;
//     * the memory behind the L2 (an L2Backend, shared by the die), given the lines a read misses
//       (fills) and the dirty lines evicted (write-backs): by default one rate
//       (hbm_bytes_per_cycle, busy bytes / rate), or the die's HBM stacks (hbm/die_hbm.h,
//       gm.l2.backend: hbm).
//   The data has streamed when both its port and its fills are done; the access completes
//   hit_latency later if every line hit or the access is a write (posted), the backend's
//   miss_latency() later if a read missed. Write-backs occupy the HBM but delay nobody directly.
// - Ports are independent; HARDWARE.md gives no aggregate L2 bandwidth, so slices are not
//   modelled and the only shared resource is the memory behind. Same inputs give the same timing.
// docs/core.md ("The L2") gives the parameters and their sources.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/stats.h"
#include "core/gm.h"

namespace snsim::core {

struct L2Params {
  std::uint64_t capacity_bytes = 192ull << 20;  // per die (HARDWARE.md §2 [P CM 3.3.1])
  unsigned line_bytes = 128;                    // assumed: GM requests are 128/256/512 B [HWC2201]
  unsigned ways = 16;                           // assumed
  double read_bytes_per_cycle = 110;            // per core port (HARDWARE.md §3 [P INI])
  double write_bytes_per_cycle = 86;            // per core port (HARDWARE.md §3 [P INI])
  // 1.6 TB/s over the die's 4 stacks (HARDWARE.md §2) at the 1850 MHz core clock [P INI]:
  // 1.6e12 / 1.85e9 = 864.9 B per cycle.
  double hbm_bytes_per_cycle = 1.6e12 / 1.85e9;
  Cycle hit_latency = 100;   // core cycles, request to data (assumed; no public figure)
  Cycle miss_latency = 300;  // core cycles (assumed: hit + ~100 ns of HBM access at 1.85 GHz)
};

// The memory behind the L2: it reads the lines of read misses (fills) and takes the dirty lines the
// L2 evicts (write-backs). L2Gm calls access() once per access that has either, in the order the
// accesses reach the L2.
class L2Backend {
 public:
  virtual ~L2Backend() = default;
  // The line numbers (address / line_bytes, die offsets) of one access's fills and write-backs, at
  // core cycle `now`, each list in address order. Returns the core cycle (fractional for a rate)
  // by which the fills' data is in the L2 (meaningless without fills).
  virtual double access(Cycle now, std::span<const std::uint64_t> fills,
                        std::span<const std::uint64_t> writebacks) = 0;
  // Core cycles from the fills' data to a missed read's completion.
  virtual Cycle miss_latency() const = 0;
  // The run ended at core cycle `end`: statistics are brought up to it.
  virtual void finish(Cycle end) = 0;
};

// The largest tag an L2 of `sets` sets of `line_bytes` lines needs for the offsets of a die's
// memory (below 1 << kDieShift, core/gm.h): the last line's number / sets, + 1 (0 marks an invalid
// way). L2Gm keeps 32-bit tags, so it refuses a geometry for which this is above kL2MaxTag.
inline constexpr std::uint64_t l2_max_tag(std::uint64_t sets, std::uint64_t line_bytes) {
  return (kDieOffsetMask / line_bytes) / sets + 1;
}
inline constexpr std::uint64_t kL2MaxTag = 0xffff'ffff;

class L2Gm : public GlobalMemory {
 public:
  // Statistics go under `name` + "." in `stats`; `store` holds the data and must outlive the L2.
  // `backend` times the memory behind the L2; without one, a rate of params.hbm_bytes_per_cycle
  // whose misses take params.miss_latency. Throws std::invalid_argument for a geometry that does
  // not divide (capacity a multiple of line_bytes x ways, line_bytes a power of two), more than 128
  // ways, ways too small for 32-bit tags (l2_max_tag) or a rate that is not positive. transfer()
  // throws GmError for an access beyond a die's offsets (1 << kDieShift).
  L2Gm(L2Params params, SimpleGm& store, StatsRegistry& stats, const std::string& name = "l2",
       std::unique_ptr<L2Backend> backend = nullptr);

  bool mapped(std::uint64_t addr, std::uint64_t len) const override { return store_.mapped(addr, len); }
  void read(std::uint64_t addr, std::span<std::uint8_t> out) const override { store_.read(addr, out); }
  void write(std::uint64_t addr, std::span<const std::uint8_t> in) override { store_.write(addr, in); }
  Timing transfer(Cycle now, const GmAccess& access) override;
  // The run ended at core cycle `end` (the backend's statistics).
  void finish(Cycle end) { backend_->finish(end); }

  // True if the line holding `addr` is in the cache (no state changes).
  bool contains(std::uint64_t addr) const;
  // Bytes of tag and LRU storage allocated so far (sets are allocated in blocks on first access).
  std::uint64_t tag_bytes() const;
  const L2Params& params() const { return params_; }

 private:
  struct Port {
    double read_free = 0, write_free = 0;  // cycle (fractional) each direction is free
    bool used = false;
    // Registered on the SystemC thread (register_port): a die's network port is first used by its
    // network interface, which may run on the fabric's worker thread (noc::NocFabric::
    // set_endpoint_threads); its busy cycles wait in `pending` until then.
    Counter* read_busy = nullptr;
    Counter* write_busy = nullptr;
    Cycle pending_read = 0, pending_write = 0;
  };
  // Looks line `line` up, allocating it on a miss; appends a dirty victim to writebacks_.
  bool access_line(std::uint64_t line, bool is_write);
  Port& port(unsigned id);
  void register_port(unsigned id);

  L2Params params_;
  SimpleGm& store_;
  StatsRegistry& stats_;
  std::string name_;
  std::uint64_t sets_;
  unsigned line_shift_;
  // Per set, its ways' tags (32-bit words), then one byte per way: its LRU rank in the low 7 bits
  // (0 = most recently used) and kDirty. A tag is line / sets + 1, the set being line % sets (0: an
  // invalid way); l2_max_tag() bounds it for any die offset and the constructor refuses a geometry
  // whose tags would not fit. The ranks of the valid ways are a permutation of 0 .. valid - 1: a way's
  // rank counts the valid ways used after it, which is the order the access counter of the stamps
  // this replaced gave, so the victims (an invalid way first, the lowest-numbered, then rank ways - 1,
  // the least recently used) are the same; ways never become invalid again. 80 B per set of 16 ways
  // (the stamps took 256). Tags and ranks are apart so that a hit scans 16 x 4 B of tags. Sets are
  // allocated in blocks of kSetsPerBlock on a block's first access (D11): all of a 192 MiB L2's
  // 98,304 sets are 7.5 MiB, and CM384 has 768 dies, while a die's accesses usually touch few of them.
  static constexpr std::uint8_t kDirty = 0x80;
  static constexpr std::uint8_t kRankMask = 0x7f;
  static constexpr std::uint64_t kSetsPerBlock = 64;
  std::uint32_t* set_words(std::uint64_t set);                    // allocating
  const std::uint32_t* find_set_words(std::uint64_t set) const;  // nullptr if never accessed
  std::uint64_t set_words_;  // 32-bit words per set: the tags, then the rank bytes rounded up
  std::vector<std::unique_ptr<std::uint32_t[]>> blocks_;
  std::vector<Port> ports_;
  std::vector<std::uint64_t> fills_, writebacks_;  // lines of the access in transfer()
  Counter *hits_, *misses_, *read_bytes_, *write_bytes_, *fill_bytes_, *writeback_bytes_;
  std::unique_ptr<L2Backend> backend_;
};

}  // namespace snsim::core
