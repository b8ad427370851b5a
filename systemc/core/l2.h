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
//     * the HBM behind the L2 (hbm_bytes_per_cycle, shared by the die), busy for the lines a
//       read misses (fills) and for dirty lines evicted (write-backs).
//   The data has streamed when both its port and its fills are done; the access completes
//   hit_latency later if every line hit or the access is a write (posted), miss_latency later if
//   a read missed. Write-backs occupy the HBM but delay nobody directly.
// - Ports are independent; HARDWARE.md gives no aggregate L2 bandwidth, so slices are not
//   modelled and the only shared resource is the HBM. Same inputs give the same timing.
// docs/core.md ("The L2") gives the parameters and their sources.

#include <cstdint>
#include <memory>
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

class L2Gm : public GlobalMemory {
 public:
  // Statistics go under `name` + "." in `stats`; `store` holds the data and must outlive the L2.
  // Throws std::invalid_argument for a geometry that does not divide (capacity a multiple of
  // line_bytes x ways, line_bytes a power of two) or a rate that is not positive.
  L2Gm(L2Params params, SimpleGm& store, StatsRegistry& stats, const std::string& name = "l2");

  bool mapped(std::uint64_t addr, std::uint64_t len) const override { return store_.mapped(addr, len); }
  void read(std::uint64_t addr, std::span<std::uint8_t> out) const override { store_.read(addr, out); }
  void write(std::uint64_t addr, std::span<const std::uint8_t> in) override { store_.write(addr, in); }
  Timing transfer(Cycle now, const GmAccess& access) override;

  // True if the line holding `addr` is in the cache (no state changes).
  bool contains(std::uint64_t addr) const;
  // Bytes of tag and age storage allocated so far (sets are allocated in blocks on first access).
  std::uint64_t tag_bytes() const;
  const L2Params& params() const { return params_; }

 private:
  struct Port {
    double read_free = 0, write_free = 0;  // cycle (fractional) each direction is free
    Counter* read_busy = nullptr;
    Counter* write_busy = nullptr;
  };
  // Looks line `line` up, allocating it on a miss; counts a dirty victim in `writebacks`.
  bool access_line(std::uint64_t line, bool is_write, std::uint64_t& writebacks);
  Port& port(unsigned id);

  L2Params params_;
  SimpleGm& store_;
  StatsRegistry& stats_;
  std::string name_;
  std::uint64_t sets_;
  unsigned line_shift_;
  // Per set, its ways' tags then their ages (2 x ways words). A tag is the line number + 1
  // (0: invalid) with kDirty set for a dirty line; an age is the access count at the way's last use
  // (0: never). Tags and ages are apart so that a hit scans 16 x 8 B of tags. Sets are allocated in
  // blocks of kSetsPerBlock on a block's first access (D11): all of a 192 MiB L2's 98,304 sets are
  // 24 MiB, and CM384 has 768 dies, while a die's accesses usually touch few of them.
  static constexpr std::uint64_t kDirty = 1ull << 63;
  static constexpr std::uint64_t kSetsPerBlock = 64;
  std::uint64_t* set_words(std::uint64_t set);             // allocating
  const std::uint64_t* find_set_words(std::uint64_t set) const;  // nullptr if never accessed
  std::vector<std::unique_ptr<std::uint64_t[]>> blocks_;
  std::uint64_t use_clock_ = 0;
  double hbm_free_ = 0;
  std::vector<Port> ports_;
  Counter *hits_, *misses_, *read_bytes_, *write_bytes_, *fill_bytes_, *writeback_bytes_, *hbm_busy_;
};

}  // namespace snsim::core
