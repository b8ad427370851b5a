#pragma once
// One HBM stack as a plain C++ model: request splitting into bursts, per pseudo-channel
// controllers (Channel), a sparse backing store, statistics and energy. The fast path of
// `snsim mem` and the benchmark; the TLM target (tlm_target.h) wraps it for SystemC initiators.
//
// Time: advance_to(t) processes every cycle < t; try_submit(r, t) then enqueues r as arriving at
// cycle t (t >= the last advance_to argument). Back-pressure: try_submit returns false when a
// target queue lacks room, and the caller retries later with the same tag (the statistic
// `backpressure` counts a refused tag once until it is accepted: requests that had to wait, not
// attempts). Requests complete out of order, each when the data of its last burst has left the
// data bus.

#include <cstdint>
#include <memory>
#include <queue>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/stats.h"
#include "config/hbm_config.h"
#include "hbm/address_map.h"
#include "hbm/backing_store.h"
#include "hbm/channel.h"
#include "hbm/command.h"

namespace snsim::hbm {

struct MemRequest {
  std::uint64_t tag = 0;  // the caller's id, echoed in the completion
  std::uint64_t address = 0;
  std::uint32_t size = 0;
  bool write = false;
};

struct Completion {
  std::uint64_t tag = 0;
  Cycle arrival = 0;
  Cycle done = 0;
  bool write = false;
};

// A request the model cannot take: outside the stack, an unsupported size, misaligned.
class BadRequest : public std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Figures of a run, from the statistics (see summarize()).
struct HbmSummary {
  Cycle cycles = 0;
  std::uint64_t reads = 0, writes = 0, bytes = 0;
  double bandwidth_gbs = 0, peak_gbs = 0, efficiency = 0;
  double row_hit_rate = 0, refresh_share = 0;
  std::uint64_t refreshes = 0;  // REFab + REFpb commands
  double energy_pj = 0, pj_per_bit = 0;
  std::uint64_t commands = 0;
};

class HbmStack {
 public:
  HbmStack(const HbmCfg& cfg, StatsRegistry& stats, const std::string& prefix = "hbm");

  // Throws BadRequest naming the problem.
  void validate(const MemRequest& r) const;
  // Validates, then enqueues the request's bursts if every target queue has room. Writes with
  // `data` update the backing store at acceptance (single-initiator order).
  bool try_submit(const MemRequest& r, Cycle now, const std::uint8_t* data = nullptr);
  void advance_to(Cycle t);
  // The earliest cycle at which the model has something to do (kNever if idle).
  Cycle next_event() const;
  // Requests finished by the last advance_to, in (done, tag) order; the caller clears it.
  std::vector<Completion>& completions() { return done_; }
  // Requests accepted and not yet delivered through completions().
  std::uint64_t in_flight() const { return live_ + pending_.size(); }
  // After track_scheduled(true): the requests whose last column command has issued, with the
  // cycle their data will have left the bus (done may lie beyond now()), for a caller that must
  // know a completion as soon as it is decided (the L2 in front, die_hbm.h); the caller clears it.
  void track_scheduled(bool on) { track_scheduled_ = on; }
  std::vector<Completion>& scheduled() { return scheduled_; }

  void add_observer(CommandObserver* o);
  BackingStore& store() { return store_; }
  const AddressMap& address_map() const { return map_; }
  const HbmCfg& config() const { return cfg_; }
  Cycle now() const { return now_; }

  // Computes the run's figures over [0, end) and records them as statistics, with the command
  // counts of every pseudo-channel and bank unless `per_pc` is false.
  HbmSummary summarize(Cycle end, bool per_pc = true);

 private:
  struct Slot {
    MemRequest req;
    Cycle arrival = 0;
    Cycle done = 0;
    std::uint32_t bursts_left = 0;
  };
  struct Fanout : CommandObserver {
    std::vector<CommandObserver*> targets;
    void on_command(const CmdRecord& c) override {
      for (CommandObserver* o : targets) o->on_command(c);
    }
  };
  struct Later {
    bool operator()(const Completion& a, const Completion& b) const {
      return a.done != b.done ? a.done > b.done : a.tag > b.tag;
    }
  };

  void burst_done(std::uint32_t slot, Cycle end);

  HbmCfg cfg_;
  AddressMap map_;
  BackingStore store_;
  std::vector<std::unique_ptr<Channel>> channels_;
  // channels_[c]->next_event(), kept in step with every enqueue and step: the event loop scans
  // one array instead of every channel object.
  std::vector<Cycle> channel_next_;
  Cycle earliest_ = kNever;  // the smallest of channel_next_
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::priority_queue<Completion, std::vector<Completion>, Later> pending_;
  std::vector<Completion> done_;
  std::vector<Completion> scheduled_;
  bool track_scheduled_ = false;
  Fanout fanout_;
  Cycle now_ = 0;
  std::uint64_t live_ = 0;
  std::vector<std::uint32_t> scratch_;  // bursts per pseudo-channel of one request
  std::vector<Location> locations_;     // its bursts, decoded once
  struct UsedPc {
    std::uint32_t flat, channel, pc;
  };
  std::vector<UsedPc> used_pcs_;  // the pseudo-channels with scratch_ > 0, ascending
  bool decoded_ = false;                 // scratch_, locations_ and used_pcs_ are of this request:
  std::uint64_t decoded_address_ = 0;
  std::uint32_t decoded_size_ = 0;
  std::vector<std::uint64_t> refused_;  // tags refused and not yet accepted (one per blocked caller)

  StatsRegistry& stats_;
  std::string prefix_;
  Counter &reads_, &writes_, &read_bytes_, &write_bytes_, &rejected_;
  Histogram &read_latency_, &write_latency_;
};

}  // namespace snsim::hbm
