#pragma once
// Global memory as the core models see it: bytes at 64-bit addresses plus a timing model.
//
// GlobalMemory is the interface the cores use; TlmGm (gm_tlm.h, library snsim_core_tlm) implements
// it with a TLM-2.0 initiator socket, so that the NPU model can put L2, HBM or the network behind
// it. SimpleGm is the store the die harness and the tests use: mapped regions of real bytes and
// one latency plus a bytes-per-cycle rate per direction, shared by every core that uses it
// (transfers queue behind each other). L2Gm (l2.h) puts the die's L2 cache in front of such a store.

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/pages.h"

namespace snsim::core {

using Cycle = std::uint64_t;

// One GM transfer as the core issues it: `outer` groups `outer_stride` bytes apart, each of
// `count` bursts of `burst` bytes `stride` bytes apart, starting at `addr`, through the port of
// core `port` (core::gm_port: an AIC's core id, an AIV's 256 + core id). A scalar access or a contiguous copy is one burst.
struct GmAccess {
  unsigned port = 0;
  bool is_write = false;
  std::uint64_t addr = 0;
  std::uint64_t burst = 0;
  std::uint64_t count = 1;
  std::uint64_t stride = 0;
  std::uint64_t outer = 1;
  std::uint64_t outer_stride = 0;

  std::uint64_t bytes() const { return burst * count * outer; }
  // Calls f(address, bytes) for every burst, in order.
  template <class F>
  void for_each_burst(F&& f) const {
    for (std::uint64_t o = 0; o < outer; ++o)
      for (std::uint64_t i = 0; i < count; ++i) f(addr + o * outer_stride + i * stride, burst);
  }
};

// A GlobalMemory whose backend failed an access (TlmGm: the target's error response). The core
// reports it as a fault naming the core, pc and instruction.
struct GmError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The global address space of a machine (issue 6 §1): a GM address is (die index << 40) | offset,
// the die index counting npu x dies_per_npu + die over the whole machine, the offset below 1 TiB
// within that die's memory. Die 0's addresses are the plain offsets a one-die run uses.
inline constexpr unsigned kDieShift = 40;
inline constexpr std::uint64_t kDieOffsetMask = (std::uint64_t{1} << kDieShift) - 1;
inline constexpr std::uint64_t die_of(std::uint64_t addr) { return addr >> kDieShift; }
inline constexpr std::uint64_t global_addr(std::uint64_t die, std::uint64_t offset) {
  return die << kDieShift | offset;
}

// An access whose completion the memory learns only later (a remote die, through the die-to-die
// link or the network; a DMA copy): started by start_async, finished by one call of its AsyncDone.
enum class AsyncKind : std::uint8_t {
  read,        // `len` bytes at `addr`; done gets the bytes
  write,       // `data` to `addr`
  atomic_add,  // 64-bit little-endian add of `data` (8 bytes) at `addr`; done gets the old value
  notify,      // write of `data` at `addr` after the accesses already issued to that die completed
  copy,        // the die's DMA engine copies `len` bytes from `src` to `addr` (either may be remote)
};
struct AsyncAccess {
  AsyncKind kind = AsyncKind::read;
  unsigned port = 0;        // core::gm_port of the issuer
  std::uint64_t addr = 0;   // global address (copy: the destination)
  std::uint64_t src = 0;    // copy: the source
  std::uint64_t len = 0;    // read, copy: bytes; others: data.size()
  std::vector<std::uint8_t> data;
};
// Called exactly once per start_async, never from inside it: the core cycle at which the access
// completed (at or after the cycle it was started, and after the simulation's current cycle),
// the bytes read (read: len bytes; atomic_add: the 8-byte old value; others: empty) and, for an
// access the memory failed, a message naming it (then the data is empty).
using AsyncDone = std::function<void(Cycle complete, std::span<const std::uint8_t> data, const std::string& error)>;

class GlobalMemory {
 public:
  virtual ~GlobalMemory() = default;
  // True if every byte of [addr, addr + len) is mapped.
  virtual bool mapped(std::uint64_t addr, std::uint64_t len) const = 0;
  // Functional access; the range must be mapped (the caller checks and faults otherwise).
  virtual void read(std::uint64_t addr, std::span<std::uint8_t> out) const = 0;
  virtual void write(std::uint64_t addr, std::span<const std::uint8_t> in) = 0;
  // Timing of a transfer requested at cycle `now`: the cycle by which its data has streamed
  // through memory (bandwidth) and the cycle it is complete (plus latency).
  struct Timing {
    Cycle streamed;
    Cycle complete;
  };
  virtual Timing transfer(Cycle now, const GmAccess& access) = 0;

  // True if [addr, addr + len) lies in another die's memory of the machine: it is then accessed
  // only through start_async (mapped() is false for it). A one-die memory has no such range.
  virtual bool remote(std::uint64_t addr, std::uint64_t len) const {
    (void)addr;
    (void)len;
    return false;
  }
  // Starts `access` at core cycle `now`. A memory without remote ranges or DMA engine throws
  // GmError (the core reports it as a fault naming the instruction).
  virtual void start_async(Cycle now, AsyncAccess access, AsyncDone done) {
    (void)now;
    (void)access;
    (void)done;
    throw GmError("this global memory has no other dies and no DMA engine");
  }
};

struct SimpleGmParams {
  Cycle latency = 200;                // core cycles from request to data (assumed; HBM + NoC)
  double read_bytes_per_cycle = 32;   // per GM model (HARDWARE.md §3: HBM 32 B/cycle per core)
  double write_bytes_per_cycle = 32;
};

// Mapped regions of real bytes (the backing store every GlobalMemory here keeps its data in) and
// a timing model that sees only the byte count of a transfer, not its addresses or port.
class SimpleGm : public GlobalMemory {
 public:
  explicit SimpleGm(SimpleGmParams params = {}) : params_(params) {}

  // Maps [base, base + size), zero-filled. Regions may not overlap (std::invalid_argument). A
  // region of at least kOwnMapBytes (64 KiB) is a mapping of its own on small pages
  // (zeroed_bytes(), common/pages.h; smaller ones come from calloc): its pages that are never
  // written take no memory (a CM384 run maps every tensor on each of 768 dies, most of them barely touched),
  // whatever the allocator does with huge pages or with the zeroing of memory it reuses. With
  // huge pages, the CM384 MoE step's first 150,000 cycles held 10.6 GB instead of 6.2 GB
  // (docs/performance.md "jemalloc and huge pages", "Large arrays on small pages"). The store
  // never touches a page it has not written a nonzero byte to: writing zeros there stores
  // nothing, and reading it fills zeros without loading the page. A page that the process first
  // reads and then writes costs the kernel two faults, the second flushing the zero page's
  // translation on every processor the threads ran on: when write() compared bytes before
  // storing them, the CM384 MoE step took 3.95 M faults instead of 2.76 M (docs/performance.md).
  // The bits of one store are updated by one thread at a time (its die's cores and its network
  // interface never step at once, docs/ni.md "Threads").
  void map(std::uint64_t base, std::uint64_t size);

  bool mapped(std::uint64_t addr, std::uint64_t len) const override;
  void read(std::uint64_t addr, std::span<std::uint8_t> out) const override;
  void write(std::uint64_t addr, std::span<const std::uint8_t> in) override;
  Timing transfer(Cycle now, const GmAccess& access) override;

  const SimpleGmParams& params() const { return params_; }

 private:
  static constexpr unsigned kPageBits = 12;  // 4 KiB, x86-64's page (a larger page: bits finer than needed)
  struct Region {
    ZeroedBytes bytes;
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    std::uintptr_t first_page = 0;       // address of bytes >> kPageBits
    std::vector<std::uint64_t> written;  // a bit per page of bytes: write() stored a nonzero byte in it
    bool is_written(std::uintptr_t page) const {
      const std::uintptr_t i = page - first_page;
      return ((written[i >> 6] >> (i & 63)) & 1) != 0;
    }
  };
  // The region holding [addr, addr + len), or nullptr.
  const Region* region(std::uint64_t addr, std::uint64_t len, std::uint64_t* offset) const;
  Region* region(std::uint64_t addr, std::uint64_t len, std::uint64_t* offset) {
    return const_cast<Region*>(std::as_const(*this).region(addr, len, offset));
  }

  SimpleGmParams params_;
  // By base address, in one array: every core's GM access and every remote write looks its region
  // up (mapped(), read(), write()); a std::map's walk per lookup, on each of CM384's 768 dies, was
  // 2% of a MoE step's processor time. Regions are few (a workload's tensors) and mapped up front.
  std::vector<Region> regions_;
  double read_free_ = 0;   // cycle (fractional) at which each direction's bandwidth is free
  double write_free_ = 0;
};

}  // namespace snsim::core
