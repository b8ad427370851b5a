#pragma once
// One HBM channel: two pseudo-channel controllers sharing the row and column command buses
// (HBM_TIMING.md section 5, D16). A plain C++ state machine (D11): step(t) issues at most one row
// command and one column command at cycle t, then computes the next cycle at which anything can
// happen (a command becoming legal, a refresh falling due, a page timeout), so idle cycles are
// skipped. Timing is tracked as "earliest legal cycle" per bank, bank group, SID and
// pseudo-channel, raised when a command issues; the TimingChecker verifies the result
// independently from its own constraint table.

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "config/hbm_config.h"
#include "hbm/command.h"

namespace snsim::hbm {

inline constexpr Cycle kNever = std::numeric_limits<Cycle>::max();

// One queued burst of a request.
struct Burst {
  std::uint64_t seq = 0;  // arrival order within the pseudo-channel
  Cycle arrival = 0;
  std::uint32_t request = 0;  // slot in the stack's request table
  std::uint32_t row = 0;
  std::uint16_t column = 0;
  std::uint8_t bank = 0;
};

// Per pseudo-channel event counts, for statistics and energy.
struct PcCounts {
  std::uint64_t act = 0, pre = 0, prea = 0, rd = 0, wr = 0, refab = 0, refpb = 0;
  std::vector<std::uint64_t> bank_act;
};

class Channel {
 public:
  // burst_done(request slot, cycle the burst's data ends) is called at the column command.
  using BurstDone = std::function<void(std::uint32_t, Cycle)>;

  Channel(const HbmCfg& cfg, std::uint16_t id, BurstDone on_burst_done);

  bool can_accept(std::uint32_t pc, bool write, std::uint32_t bursts) const;
  void enqueue(std::uint32_t pc, bool write, const Burst& b, Cycle now);
  // Issues what is legal at cycle t (t == next_event()) and updates next_event().
  void step(Cycle t);
  Cycle next_event() const { return next_; }

  void set_observer(CommandObserver* o) { observer_ = o; }
  const PcCounts& counts(std::uint32_t pc) const { return pcs_[pc].counts; }
  std::uint64_t queued(std::uint32_t pc, bool write) const {
    return write ? pcs_[pc].wr_count : pcs_[pc].rd_count;
  }

 private:
  // Laid out by use: the open row, column timing and hit counts first, then the front bursts, the
  // queues (read only at a column command or a recount) last. The timing the row pick scans for
  // every bank is in the pseudo-channel's per-bank arrays instead (Pc).
  struct alignas(64) Bank {
    std::int64_t open_row = -1;
    Cycle rd_ok = 0, wr_ok = 0;
    Cycle last_cas = 0;
    // How many queued bursts hit the open row ([0] reads, [1] writes).
    std::uint32_t hits[2] = {0, 0};
    // Kept in the bank so a pick reads no queue storage: the front burst of each queue.
    Burst front[2];
    std::vector<Burst> rd, wr;  // arrival order
  };
  struct Group {
    Cycle act_ok = 0, rd_ok = 0, wr_ok = 0, ref_ok = 0;
  };
  struct Pc {
    std::vector<Bank> banks;
    std::vector<Group> groups;  // sid * bank_groups + bg
    std::vector<Cycle> sid_rd_ok;
    // Per bank (index = flat bank), apart from Bank: the row pick's scans read these for many
    // banks, and a few small arrays stay in the L1 cache where a Bank line per bank does not.
    std::vector<Cycle> bank_act_ok, bank_pre_ok, bank_ref_ok;
    std::vector<std::uint64_t> front_seq[2];  // banks[b].front[w].seq while that queue is not empty
    Cycle act_ok = 0, rd_ok = 0, wr_ok = 0, refpb_ok = 0, refab_ok = 0;
    std::array<Cycle, 4> faw{};  // last four ACT/REFpb (effective cycles), ring
    unsigned faw_n = 0, faw_head = 0;
    std::uint32_t rd_count = 0, wr_count = 0;
    // Bit b: bank b has queued reads / writes / an open row (banks_per_pc <= 64).
    std::uint64_t rd_mask = 0, wr_mask = 0, open_mask = 0;
    std::uint64_t done_mask = 0;  // refreshed in the current per-bank round
    std::uint64_t hit_mask[2] = {0, 0};  // banks with a queued read / write hitting the open row
    std::uint64_t seq = 0;
    bool write_mode = false;
    // Refresh.
    Cycle ref_due = 0;
    std::uint32_t ref_debt = 0;
    std::uint32_t ref_round_left = 0;
    std::int32_t forced_bank = -1;  // per-bank refresh that may no longer wait: no new ACT to it
    bool refab_pending = false;
    // Cached: the earliest cycle the column / row pick can yield a command. Only this
    // pseudo-channel's own events (enqueue, issue, refresh falling due) change its candidates, so
    // a pseudo-channel with nothing ready is not examined again until then (0 = examine).
    Cycle col_wake = 0, row_wake = 0;
    // Set by the row pick: if its command issues, the pick need not be asked before this cycle
    // (0 = next cycle).
    Cycle row_after = 0;
    // Set by the FR-FCFS column pick: the earliest cycle of its candidates other than the one
    // picked (at most t when another was ready; kNever when there is none).
    Cycle col_after = 0;
    PcCounts counts;
  };
  // A command one pseudo-channel proposes for this cycle.
  // (32 bytes: picks return and copy it.)
  struct Candidate {
    std::uint64_t seq = 0;  // the burst served (column) or the oldest burst waiting (row)
    Cycle arrival = 0;
    std::uint32_t bank = 0;
    std::uint32_t row = 0;
    std::uint16_t column = 0;
    Cmd cmd = Cmd::ACT;
    bool valid = false;
    // row: 0 forced refresh, 1 ACT, 2 PRE for a conflict, 3 page policy / refresh
    std::int8_t priority = 0;
  };

  Cycle faw_ok(const Pc& p) const;
  // The pseudo-channel-wide part of the earliest ACT / REFpb (tRRD_S, tRREFD, tFAW), computed once
  // per pick and passed to the per-bank part.
  Cycle pc_act_ok(const Pc& p) const;
  Cycle pc_refpb_ok(const Pc& p) const;
  Cycle earliest_act(const Pc& p, std::uint32_t b, Cycle gate) const;
  Cycle earliest_refpb(const Pc& p, std::uint32_t b, Cycle gate) const;
  Cycle earliest_prea(const Pc& p) const;
  Cycle earliest_refab(const Pc& p) const;
  // Bank to group and SID by table: a division by a run-time count costs more than the lookup.
  Group& group(Pc& p, std::uint32_t b) { return p.groups[group_of_[b]]; }
  const Group& group(const Pc& p, std::uint32_t b) const { return p.groups[group_of_[b]]; }
  std::uint32_t sid_of(std::uint32_t b) const { return sid_of_[b]; }

  // The arrival number of the oldest queued read (or write) burst, for FCFS.
  std::uint64_t oldest_seq(const Pc& p, bool write) const;
  // The read/write mode at cycle t (true: writes) as update_mode would set it; `aging` gets the
  // cycle at which the oldest write's wait would switch the mode (kNever if none).
  bool mode_at(const Pc& p, Cycle t, Cycle& aging) const;
  // Read/write mode at cycle t; returns mode_at's `aging`.
  Cycle update_mode(Pc& p, Cycle t);
  // The bank's oldest queued burst (of this direction) wants another row and has waited
  // conflict_max_wait: the bank takes no more row hits until it is closed.
  bool starved(const Bank& bank, bool write, Cycle t) const;
  // Recounts bank b's queued bursts that hit its open row (after an ACT or a PRE).
  void recount_hits(Pc& p, std::uint32_t b);
  void update_refresh(Pc& p, Cycle t);
  Candidate pick_column(Pc& p, Cycle t, Cycle& wake);
  Candidate pick_row(Pc& p, Cycle t, Cycle& wake);
  // FCFS's step 2 of pick_row: only the oldest burst's bank.
  void pick_row_fcfs(Pc& p, Cycle t, Cycle& wake, Candidate& best, Cycle act_gate);
  Candidate pick_refresh(Pc& p, Cycle t, Cycle& wake, bool forced_only);
  void offer(Candidate& best, const Candidate& c, Cycle e, Cycle t, Cycle& wake) const;
  void issue(std::uint32_t pc, const Candidate& c, Cycle t);
  void push_faw(Pc& p, Cycle eff);

  const HbmCfg& cfg_;
  const HbmTimingCfg& tm_;
  std::uint16_t id_;
  BurstDone on_burst_done_;
  std::uint64_t all_banks_;
  std::uint32_t bank_groups_, banks_per_group_, banks_;
  std::uint32_t ref_interval_;  // tREFI (all-bank) or tREFISB (per-bank)
  std::array<std::uint8_t, 64> group_of_{}, sid_of_{};  // per flat bank (banks_per_pc <= 64)
  std::vector<Pc> pcs_;
  Cycle row_free_ = 0, col_free_ = 0;
  Cycle next_ = kNever;
  CommandObserver* observer_ = nullptr;
};

}  // namespace snsim::hbm
