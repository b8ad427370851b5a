#pragma once
// DieGm: the global memory as the cores of one die of a machine see it (issue 6 §1-2,
// docs/machine.md). Addresses are global (core/gm.h: die index << 40 | offset).
//
// Contract:
// - The die's own addresses (die_of(addr) == index) are served synchronously by `local` (the die's
//   L2Gm or SimpleGm) at the offset: mapped / read / write / transfer as in a one-die run.
// - remote(addr, len) is true when the range lies in one other die's store. Such ranges, and DMA
//   copies, go through start_async; its AsyncDone is called from deliver() at the completion cycle,
//   never from inside start_async. Three paths:
//     * another die of the same NPU: the die-to-die link, one resource per direction of
//       bytes_per_cycle (the request's data goes this die -> peer, read data peer -> this die) plus
//       a fixed latency each way; the access is performed on the peer's store when the request
//       arrives, timed by the peer's `local` memory on port kRemotePort;
//     * a die of another NPU: UB commands of at most 512 B through the die's NetworkInterface
//       (socket `ni`), sent in order, one at a time while the NI pushes back (TLM_ACCEPTED until
//       END_REQ); the access completes when its last command's response is back, converted to the
//       first core cycle at or after the response (and after the current cycle);
//     * copy: the die's DMA engine. Each copy starts after dma_startup cycles and moves chunks of
//       dma_chunk_bytes (read from the source, then written to the destination, each part local or
//       remote as above), at most dma_max_outstanding chunks in flight over all copies, in order.
//   notify is ordered: it takes effect after every access this die has already issued to that die
//   (a DMA copy issues each chunk's write when its read returns: chunks not yet issued are not covered).
//   An address in no die's store throws GmError naming it.
// - The NI's requests from other dies reach `target` (bind the NI's memory socket to it): performed
//   on the store at once (b_transport without wait()), the delay being the local memory's timing on
//   port kNetworkPort, one request at a time (the request path is busy for each request's bytes at
//   the net_*_bytes_per_cycle rate plus net_request_gap cycles); on_remote_write is called (cycle, offset, bytes) after each write or atomic add into this die's
//   store that did not come from its cores' own synchronous accesses (the link, the network, and
//   this die's DMA engine writing locally).
// - deliver(now) runs everything due at or before core cycle `now` (completions, arrivals at a
//   peer, DMA steps) in (cycle, order of scheduling); next_event() is the earliest pending one.
//   The driver calls deliver once per core cycle it visits, before stepping the cores, and wakes on
//   the `wake` callback (a network response scheduled something at cycle c).
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "common/stats.h"
#include "core/core.h"
#include "core/gm.h"
#include "noc/ni.h"

namespace snsim::npu {

using core::Cycle;

// The L2 ports (core::gm_port numbering) of the accesses that do not come from a core.
inline constexpr unsigned kRemotePort = 1024;   // die-to-die requests served here
inline constexpr unsigned kNetworkPort = 1025;  // network requests served here
inline constexpr unsigned kDmaPort = 1026;      // this die's DMA engine

struct DieGmParams {
  std::uint32_t dies_per_npu = 2;
  std::uint32_t num_dies = 2;
  double d2d_bytes_per_cycle = 270e9 / 1.85e9;  // HARDWARE.md §2: 270 GB/s each way at 1850 MHz
  Cycle d2d_latency = 185;                      // 100 ns at 1850 MHz (assumed)
  std::uint32_t dma_chunk_bytes = 512;          // HARDWARE.md §1: UB access granularity
  std::uint32_t dma_max_outstanding = 16;       // assumed
  Cycle dma_startup = 925;                      // 500 ns at 1850 MHz (assumed)
  // Requests from the network reach the local memory one at a time over the die's request path,
  // each occupying it for its bytes at the memory port's rate (HARDWARE.md §3: the L2's 110 / 86 B
  // per cycle per port) plus net_request_gap cycles (calibrated: docs/machine.md "Calibration").
  double net_read_bytes_per_cycle = 110;
  double net_write_bytes_per_cycle = 86;
  double net_request_gap = 0;
};

class DieGm : public sc_core::sc_module, public core::GlobalMemory {
 public:
  tlm_utils::simple_initiator_socket<DieGm> ni;      // UB commands to the die's NetworkInterface
  tlm_utils::simple_target_socket<DieGm> target;     // the NI's requests into this die's store

  // `store` holds the die's bytes at their offsets, `local` times them (the L2Gm in front of the
  // store, or the store itself); both outlive the DieGm. `core_period` converts network times.
  DieGm(sc_core::sc_module_name name, std::uint32_t index, const DieGmParams& params, core::SimpleGm& store,
        core::GlobalMemory& local, sc_core::sc_time core_period, StatsRegistry& stats, const std::string& prefix);

  // Every die's memory of the machine, by index (this one included); before the first access.
  void set_dies(std::vector<DieGm*> dies) { dies_ = std::move(dies); }
  void set_wake(std::function<void(Cycle)> wake) { wake_ = std::move(wake); }
  // Called with the cycle and the written range (offset in this die's store, bytes).
  using RemoteWrite = std::function<void(Cycle, std::uint64_t, std::uint64_t)>;
  void set_on_remote_write(RemoteWrite f) { on_remote_write_ = std::move(f); }

  std::uint32_t index() const { return index_; }
  core::SimpleGm& store() { return store_; }

  // GlobalMemory.
  bool mapped(std::uint64_t addr, std::uint64_t len) const override;
  void read(std::uint64_t addr, std::span<std::uint8_t> out) const override;
  void write(std::uint64_t addr, std::span<const std::uint8_t> in) override;
  Timing transfer(Cycle now, const core::GmAccess& access) override;
  bool remote(std::uint64_t addr, std::uint64_t len) const override;
  void start_async(Cycle now, core::AsyncAccess access, core::AsyncDone done) override;

  void deliver(Cycle now);
  Cycle next_event() const { return events_.empty() ? core::kNever : events_.begin()->first; }
  // Accesses started and not completed (network, link, DMA, scheduled completions).
  bool in_flight() const { return !events_.empty() || !commands_.empty() || ops_in_flight_ > 0 || !dma_.empty(); }
  // Accesses waiting for the network (a driver with nothing scheduled waits for the wake then).
  bool waiting_on_network() const { return !commands_.empty(); }

 private:
  // What an internal access reports at its completion cycle: the data (read, atomic add) or an error.
  using Callback = std::function<void(Cycle, std::vector<std::uint8_t>, std::string)>;
  struct Op;  // one access of the network path, split into commands
  // One UB command of at most 512 B and the access it belongs to.
  struct Command {
    tlm::tlm_generic_payload gp;
    std::vector<std::uint8_t> buf;
    std::shared_ptr<Op> op;
    std::uint64_t at = 0;  // offset of its bytes in the access
  };
  struct CopyJob {
    std::uint64_t dst, src, len;
    std::uint64_t issued = 0, done = 0;
    Cycle ready = 0;
    std::string error;
    bool complete = false;
    core::AsyncDone finish;
  };
  struct Op {
    core::AsyncKind kind;
    std::vector<std::uint8_t> data;  // read / atomic add: what came back
    std::uint64_t remaining = 0;     // commands not answered
    std::string error;
    Callback cb;
  };

  bool local_range(std::uint64_t addr, std::uint64_t len) const;
  DieGm* owner(std::uint64_t addr, std::uint64_t len) const;  // the die whose store maps it, or nullptr
  void check_owned(std::uint64_t addr, std::uint64_t len, const char* what) const;
  void schedule(Cycle at, std::function<void(Cycle)> f);
  // Routes one access (read: len bytes; others: data) by address: local, link or network.
  void issue(Cycle now, core::AsyncKind kind, std::uint64_t addr, std::uint64_t len, std::vector<std::uint8_t> data,
             Callback cb);
  void issue_local(Cycle now, core::AsyncKind kind, std::uint64_t addr, std::uint64_t len,
                   std::vector<std::uint8_t> data, Callback cb);
  void issue_link(Cycle now, core::AsyncKind kind, std::uint64_t addr, std::uint64_t len,
                  std::vector<std::uint8_t> data, Callback cb);
  void issue_network(Cycle now, core::AsyncKind kind, std::uint64_t addr, std::uint64_t len,
                     std::vector<std::uint8_t> data, Callback cb);
  // Performs `kind` on this die's store at `offset`: returns the data read (read, atomic add).
  std::vector<std::uint8_t> perform(core::AsyncKind kind, std::uint64_t offset, std::uint64_t len,
                                    const std::vector<std::uint8_t>& data);
  void finish_command(tlm::tlm_generic_payload& gp, const sc_core::sc_time& at);
  void chunk_done(CopyJob& job, std::uint64_t bytes, Cycle now, const std::string& error);
  void pump();  // SC_METHOD: sends queued commands to the NI while it takes them
  void dma_step(Cycle now);
  Cycle core_cycle(const sc_core::sc_time& t) const;
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

  const std::uint32_t index_;
  const DieGmParams params_;
  core::SimpleGm& store_;
  core::GlobalMemory& local_;
  const sc_core::sc_time core_period_;
  std::vector<DieGm*> dies_;
  std::function<void(Cycle)> wake_;
  RemoteWrite on_remote_write_;

  Cycle now_ = 0;  // the last cycle delivered
  std::multimap<Cycle, std::function<void(Cycle)>> events_;  // equal cycles keep scheduling order
  std::uint64_t ops_in_flight_ = 0;                           // link and network accesses not completed
  double link_free_ = 0;                                      // this die -> peer direction of the link
  std::deque<Command*> queue_;                                // commands not yet taken by the NI
  std::unordered_map<const tlm::tlm_generic_payload*, std::unique_ptr<Command>> commands_;  // sent or queued
  std::vector<std::unique_ptr<Command>> retired_;  // answered; spare at the next deliver (the NI may still hold them)
  // Answered commands kept for reuse, payload and UbExtension with them: a command's allocations
  // (the payload's extension array, the extension, the buffer) were a good part of the per-packet
  // malloc and free of a loaded machine run.
  std::vector<std::unique_ptr<Command>> spare_;
  bool end_req_pending_ = false;
  double net_free_ = 0;  // when the network's next request may start on the local memory
  sc_core::sc_event kick_;
  std::deque<CopyJob> dma_;
  std::uint32_t dma_outstanding_ = 0;

  Counter& st_link_ops_;
  Counter& st_link_bytes_;
  Counter& st_net_ops_;
  Counter& st_net_commands_;
  Counter& st_net_bytes_;
  Counter& st_ni_stalls_;
  Counter& st_served_;
  Counter& st_dma_copies_;
  Counter& st_dma_bytes_;
  Scalar& st_dma_peak_;  // most chunks in flight at once
  Histogram& st_latency_;
};

}  // namespace snsim::npu
