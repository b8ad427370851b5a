#pragma once
// The independent timing checker (D16). It sees only the command headers (CmdRecord), keeps its
// own state, and checks each command against a table of constraints built from the preset: pairs
// (a command after another within a scope, at least N cycles later), the tFAW window (ACT and
// REFpb), the shared row and column command buses of a channel, the 2-cycle ACT, the refresh
// interval, and bank state (ACT to an open bank, RD to a closed one). It shares no timing code
// with the controller (Channel). Construction also checks the preset's own relations.
//
// Conventions (as in DRAMSys's HBM2 checker): a constraint counts from the previous command's
// effective cycle (the last cycle of an ACT, the first of anything else) to the next command's
// first cycle. Commands of one channel arrive in non-decreasing cycle order.

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/hbm_config.h"
#include "hbm/command.h"

namespace snsim::hbm {

enum class Scope { Bank, BankGroup, PseudoChannel, OtherSid };
enum class ConstraintKind { Pair, Window, RowBus, Act2Cycle, ColumnBus, RefreshInterval, State };

struct Constraint {
  std::string name;  // unique: "tRCDRD", "tRP (PREA to ACT)", ...
  ConstraintKind kind = ConstraintKind::Pair;
  Cmd prev = Cmd::ACT, next = Cmd::ACT;  // Pair; State: next is the command checked
  Scope scope = Scope::Bank;
  std::int64_t distance = 0;  // Pair, Window: cycles; RefreshInterval: tREFI periods allowed owed
};

// A violation: the constraint(s) broken, the command, and that bank's last commands.
class TimingViolation : public std::runtime_error {
 public:
  TimingViolation(std::vector<std::string> constraints, std::string message)
      : std::runtime_error(std::move(message)), constraints_(std::move(constraints)) {}
  const std::vector<std::string>& constraints() const { return constraints_; }

 private:
  std::vector<std::string> constraints_;
};

// The preset breaks one of hbm_timing_relations(); the message lists every broken relation.
class PresetError : public std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

class TimingChecker : public CommandObserver {
 public:
  static constexpr std::size_t kHistory = 16;  // commands kept per bank for the report

  // Throws PresetError if the preset is inconsistent. check_refresh: enforce the refresh interval
  // (off for runs with refresh disabled).
  TimingChecker(const HbmCfg& cfg, bool check_refresh);

  // Every broken relation of the preset, as "KEY: RELATION (l < r)"; empty if consistent.
  static std::vector<std::string> validate_preset(const HbmCfg& cfg);

  // Throws TimingViolation when c breaks any constraint (all broken ones are named).
  void on_command(const CmdRecord& c) override;
  // Constraints that depend on time passing (the refresh interval), checked at the end of a run.
  void finish(Cycle end);

  const std::vector<Constraint>& constraints() const { return table_; }
  std::uint64_t commands_checked() const { return checked_; }

 private:
  static constexpr std::int64_t kNone = INT64_MIN / 4;
  struct BankState {
    std::int64_t open_row = -1;
    std::int64_t last[kNumCmds];
    std::vector<CmdRecord> history;  // ring of kHistory
    std::size_t history_head = 0;
  };
  struct PcState {
    std::vector<BankState> banks;
    std::vector<std::array<std::int64_t, kNumCmds>> group_last, sid_last;
    std::array<std::int64_t, kNumCmds> pc_last;
    std::vector<std::pair<std::int64_t, bool>> window;  // (effective cycle, is REFpb), last 4
    std::uint64_t refpb = 0, refab = 0;
  };
  struct ChannelState {
    std::int64_t last_row_cycle = kNone, row_busy_until = kNone, last_col_cycle = kNone;
    bool last_row_was_act = false;
    std::int64_t last_cycle = kNone;
  };

  std::int64_t effective(const CmdRecord& c) const;
  std::int64_t last_in_scope(const PcState& p, const CmdRecord& c, Cmd prev, Scope s) const;
  void check_refresh_debt(const PcState& p, std::int64_t t, std::vector<std::string>& broken) const;
  void record(PcState& p, const CmdRecord& c);
  void push_history(BankState& b, const CmdRecord& c);
  [[noreturn]] void fail(const PcState& p, const CmdRecord& c, std::vector<std::string> broken) const;

  HbmCfg cfg_;
  bool check_refresh_;
  std::vector<Constraint> table_;
  std::vector<std::vector<const Constraint*>> pairs_by_next_;
  std::vector<PcState> pcs_;
  std::vector<ChannelState> channels_;
  std::uint32_t bank_groups_, banks_per_group_;
  std::uint64_t checked_ = 0;
};

std::string format_command(const CmdRecord& c);

}  // namespace snsim::hbm
