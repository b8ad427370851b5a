#include "hbm/timing_checker.h"

#include <fmt/format.h>

#include <algorithm>

namespace snsim::hbm {

std::string format_command(const CmdRecord& c) {
  std::string s = fmt::format("cycle {}: {} ch{} pc{}", c.cycle, to_string(c.cmd), c.channel, c.pc);
  if (c.cmd != Cmd::PREA && c.cmd != Cmd::REFab) s += fmt::format(" bank {}", c.bank);
  if (c.cmd == Cmd::ACT || is_column(c.cmd)) s += fmt::format(" row {}", c.row);
  if (is_column(c.cmd)) s += fmt::format(" col {}", c.column);
  return s;
}

std::vector<std::string> TimingChecker::validate_preset(const HbmCfg& cfg) {
  std::vector<std::string> broken;
  for (const HbmTimingRelation& r : hbm_timing_relations()) {
    const std::int64_t l = r.lhs(cfg), rr = r.rhs(cfg);
    if (l < rr) broken.push_back(fmt::format("{}: {} ({} < {})", r.key, r.text, l, rr));
  }
  return broken;
}

TimingChecker::TimingChecker(const HbmCfg& cfg, bool check_refresh)
    : cfg_(cfg),
      check_refresh_(check_refresh),
      bank_groups_(cfg.org.bank_groups),
      banks_per_group_(cfg.org.banks_per_group) {
  const std::vector<std::string> broken = validate_preset(cfg);
  if (!broken.empty()) {
    throw PresetError(fmt::format("inconsistent HBM timing preset: {}", fmt::join(broken, "; ")));
  }
  // 1. The constraint table, from the preset (HBM_TIMING.md sections 3 and 5).
  const HbmTimingCfg& T = cfg.timing;
  const std::int64_t bl = cfg.org.burst_cycles;
  const auto pair = [&](const char* name, Cmd prev, Cmd next, Scope scope, std::int64_t d) {
    table_.push_back(Constraint{name, ConstraintKind::Pair, prev, next, scope, d});
  };
  using enum Cmd;
  pair("tRCDRD", ACT, RD, Scope::Bank, T.tRCDRD);
  pair("tRCDWR", ACT, WR, Scope::Bank, T.tRCDWR);
  pair("tRAS", ACT, PRE, Scope::Bank, T.tRAS);
  pair("tRAS (ACT to PREA)", ACT, PREA, Scope::PseudoChannel, T.tRAS);
  pair("tRC", ACT, ACT, Scope::Bank, T.tRC);
  pair("tRP", PRE, ACT, Scope::Bank, T.tRP);
  pair("tRP (PRE to REFpb)", PRE, REFpb, Scope::Bank, T.tRP);
  pair("tRP (PRE to REFab)", PRE, REFab, Scope::PseudoChannel, T.tRP);
  pair("tRP (PREA to ACT)", PREA, ACT, Scope::PseudoChannel, T.tRP);
  pair("tRP (PREA to REFpb)", PREA, REFpb, Scope::PseudoChannel, T.tRP);
  pair("tRP (PREA to REFab)", PREA, REFab, Scope::PseudoChannel, T.tRP);
  pair("tRRD_S", ACT, ACT, Scope::PseudoChannel, T.tRRD_S);
  pair("tRRD_L", ACT, ACT, Scope::BankGroup, T.tRRD_L);
  pair("tRRD_S (ACT to REFpb)", ACT, REFpb, Scope::PseudoChannel, T.tRRD_S);
  pair("tRRD_L (ACT to REFpb)", ACT, REFpb, Scope::BankGroup, T.tRRD_L);
  pair("tCCD_S (RD to RD)", RD, RD, Scope::PseudoChannel, T.tCCD_S);
  pair("tCCD_L (RD to RD)", RD, RD, Scope::BankGroup, T.tCCD_L);
  pair("tCCD_S (WR to WR)", WR, WR, Scope::PseudoChannel, T.tCCD_S);
  pair("tCCD_L (WR to WR)", WR, WR, Scope::BankGroup, T.tCCD_L);
  pair("tCCDR", RD, RD, Scope::OtherSid, T.tCCDR);
  pair("tWTR_S", WR, RD, Scope::PseudoChannel, T.WL + bl + T.tWTR_S);
  pair("tWTR_L", WR, RD, Scope::BankGroup, T.WL + bl + T.tWTR_L);
  pair("tRTW", RD, WR, Scope::PseudoChannel, T.tRTW);
  pair("tRTP", RD, PRE, Scope::Bank, T.tRTP);
  pair("tRTP (RD to PREA)", RD, PREA, Scope::PseudoChannel, T.tRTP);
  pair("tWR", WR, PRE, Scope::Bank, T.WL + bl + T.tWR);
  pair("tWR (WR to PREA)", WR, PREA, Scope::PseudoChannel, T.WL + bl + T.tWR);
  pair("tRFC (REFab to ACT)", REFab, ACT, Scope::PseudoChannel, T.tRFC);
  pair("tRFC (REFab to REFab)", REFab, REFab, Scope::PseudoChannel, T.tRFC);
  pair("tRFC (REFab to REFpb)", REFab, REFpb, Scope::PseudoChannel, T.tRFC);
  pair("tRFCSB (REFpb to ACT)", REFpb, ACT, Scope::Bank, T.tRFCSB);
  pair("tRFCSB (REFpb to REFpb)", REFpb, REFpb, Scope::Bank, T.tRFCSB);
  pair("tRREFD (REFpb to ACT)", REFpb, ACT, Scope::PseudoChannel, T.tRREFD);
  pair("tRREFD (REFpb to REFpb)", REFpb, REFpb, Scope::PseudoChannel, T.tRREFD);
  table_.push_back(Constraint{"tFAW", ConstraintKind::Window, ACT, ACT, Scope::PseudoChannel, T.tFAW});
  table_.push_back(Constraint{"tFAW (REFpb counted)", ConstraintKind::Window, REFpb, ACT,
                              Scope::PseudoChannel, T.tFAW});
  table_.push_back(Constraint{"row command bus", ConstraintKind::RowBus});
  if (T.act_cycles > 1) table_.push_back(Constraint{"2-cycle ACT", ConstraintKind::Act2Cycle});
  table_.push_back(Constraint{"column command bus", ConstraintKind::ColumnBus});
  if (check_refresh_) {
    // JESD235 lets a controller postpone up to 8 refreshes.
    table_.push_back(Constraint{"tREFI", ConstraintKind::RefreshInterval, REFab, REFab,
                                Scope::PseudoChannel, 8});
  }
  table_.push_back(Constraint{"state: ACT to an open bank", ConstraintKind::State, ACT, ACT});
  table_.push_back(Constraint{"state: RD to a closed bank or another row", ConstraintKind::State, RD, RD});
  table_.push_back(Constraint{"state: WR to a closed bank or another row", ConstraintKind::State, WR, WR});
  table_.push_back(Constraint{"state: REFpb to an open bank", ConstraintKind::State, REFpb, REFpb});
  table_.push_back(Constraint{"state: REFab with a bank open", ConstraintKind::State, REFab, REFab});

  pairs_by_next_.resize(kNumCmds);
  for (const Constraint& c : table_) {
    if (c.kind == ConstraintKind::Pair) pairs_by_next_[static_cast<int>(c.next)].push_back(&c);
  }
  // 2. State: nothing issued yet, every bank closed.
  pcs_.resize(cfg.org.pcs());
  for (PcState& p : pcs_) {
    p.banks.resize(cfg.org.banks_per_pc());
    for (BankState& b : p.banks) std::fill(std::begin(b.last), std::end(b.last), kNone);
    std::array<std::int64_t, kNumCmds> none;
    none.fill(kNone);
    p.group_last.assign(cfg.org.sids * bank_groups_, none);
    p.sid_last.assign(cfg.org.sids, none);
    p.pc_last = none;
  }
  channels_.resize(cfg.org.channels);
}

std::int64_t TimingChecker::effective(const CmdRecord& c) const {
  const auto t = static_cast<std::int64_t>(c.cycle);
  return c.cmd == Cmd::ACT ? t + cfg_.timing.act_cycles - 1 : t;
}

std::int64_t TimingChecker::last_in_scope(const PcState& p, const CmdRecord& c, Cmd prev,
                                          Scope s) const {
  const int k = static_cast<int>(prev);
  const std::uint32_t per_sid = bank_groups_ * banks_per_group_;
  switch (s) {
    case Scope::Bank:
      return p.banks[c.bank].last[k];
    case Scope::BankGroup:
      return p.group_last[c.bank / banks_per_group_][k];
    case Scope::PseudoChannel:
      return p.pc_last[k];
    case Scope::OtherSid: {
      std::int64_t last = kNone;
      for (std::uint32_t sid = 0; sid < p.sid_last.size(); ++sid) {
        if (sid != c.bank / per_sid) last = std::max(last, p.sid_last[sid][k]);
      }
      return last;
    }
  }
  return kNone;
}

void TimingChecker::check_refresh_debt(const PcState& p, std::int64_t t,
                                       std::vector<std::string>& broken) const {
  if (!check_refresh_) return;
  const std::int64_t n = cfg_.org.banks_per_pc();
  const std::int64_t owed = t / cfg_.timing.tREFI;  // REFab-equivalents due by cycle t
  const std::int64_t done = static_cast<std::int64_t>(p.refab) * n + static_cast<std::int64_t>(p.refpb);
  if ((owed - 8) * n > done) broken.push_back("tREFI");
}

void TimingChecker::on_command(const CmdRecord& c) {
  ++checked_;
  if (c.channel >= channels_.size() || c.pc >= cfg_.org.pseudo_channels ||
      c.bank >= cfg_.org.banks_per_pc()) {
    throw std::logic_error("TimingChecker: command outside the organization: " + format_command(c));
  }
  PcState& p = pcs_[c.channel * cfg_.org.pseudo_channels + c.pc];
  ChannelState& ch = channels_[c.channel];
  const auto t = static_cast<std::int64_t>(c.cycle);
  if (t < ch.last_cycle) {
    throw std::logic_error("TimingChecker: commands out of order: " + format_command(c));
  }
  ch.last_cycle = t;
  std::vector<std::string> broken;
  // 1. Pairs: every constraint whose later command is this one.
  for (const Constraint* k : pairs_by_next_[static_cast<int>(c.cmd)]) {
    const std::int64_t last = last_in_scope(p, c, k->prev, k->scope);
    if (last != kNone && t < last + k->distance) broken.push_back(k->name);
  }
  // 2. The four-activation window, counting REFpb.
  if (c.cmd == Cmd::ACT || c.cmd == Cmd::REFpb) {
    if (p.window.size() == 4 && t < p.window.front().first + cfg_.timing.tFAW) {
      const bool refpb = c.cmd == Cmd::REFpb ||
                         std::any_of(p.window.begin(), p.window.end(), [](const auto& w) { return w.second; });
      broken.push_back(refpb ? "tFAW (REFpb counted)" : "tFAW");
    }
  }
  // 3. Command buses shared by the channel's pseudo-channels.
  if (is_column(c.cmd)) {
    if (t == ch.last_col_cycle) broken.push_back("column command bus");
    ch.last_col_cycle = t;
  } else {
    if (t == ch.last_row_cycle) {
      broken.push_back("row command bus");
    } else if (ch.last_row_was_act && t < ch.row_busy_until) {
      broken.push_back("2-cycle ACT");
    }
    ch.last_row_cycle = t;
    ch.last_row_was_act = c.cmd == Cmd::ACT;
    ch.row_busy_until = t + (c.cmd == Cmd::ACT ? cfg_.timing.act_cycles : 1);
  }
  // 4. Bank state.
  BankState& b = p.banks[c.bank];
  switch (c.cmd) {
    case Cmd::ACT:
      if (b.open_row >= 0) broken.push_back("state: ACT to an open bank");
      break;
    case Cmd::RD:
    case Cmd::WR:
      if (b.open_row != static_cast<std::int64_t>(c.row)) {
        broken.push_back(c.cmd == Cmd::RD ? "state: RD to a closed bank or another row"
                                          : "state: WR to a closed bank or another row");
      }
      break;
    case Cmd::REFpb:
      if (b.open_row >= 0) broken.push_back("state: REFpb to an open bank");
      break;
    case Cmd::REFab:
      if (std::any_of(p.banks.begin(), p.banks.end(), [](const BankState& x) { return x.open_row >= 0; })) {
        broken.push_back("state: REFab with a bank open");
      }
      break;
    default:
      break;
  }
  // 5. Refresh owed.
  check_refresh_debt(p, t, broken);
  record(p, c);
  if (!broken.empty()) fail(p, c, std::move(broken));
}

void TimingChecker::push_history(BankState& b, const CmdRecord& c) {
  if (b.history.size() < kHistory) {
    b.history.push_back(c);
  } else {
    b.history[b.history_head] = c;
    b.history_head = (b.history_head + 1) % kHistory;
  }
}

void TimingChecker::record(PcState& p, const CmdRecord& c) {
  const std::int64_t e = effective(c);
  const int k = static_cast<int>(c.cmd);
  p.pc_last[k] = e;
  if (c.cmd == Cmd::PREA || c.cmd == Cmd::REFab) {
    for (BankState& b : p.banks) {
      if (c.cmd == Cmd::PREA) b.open_row = -1;
      push_history(b, c);
    }
    if (c.cmd == Cmd::REFab) ++p.refab;
    return;
  }
  BankState& b = p.banks[c.bank];
  b.last[k] = e;
  p.group_last[c.bank / banks_per_group_][k] = e;
  p.sid_last[c.bank / (banks_per_group_ * bank_groups_)][k] = e;
  push_history(b, c);
  if (c.cmd == Cmd::ACT) b.open_row = c.row;
  if (c.cmd == Cmd::PRE) b.open_row = -1;
  if (c.cmd == Cmd::REFpb) ++p.refpb;
  if (c.cmd == Cmd::ACT || c.cmd == Cmd::REFpb) {
    p.window.emplace_back(e, c.cmd == Cmd::REFpb);
    if (p.window.size() > 4) p.window.erase(p.window.begin());
  }
}

void TimingChecker::fail(const PcState& p, const CmdRecord& c, std::vector<std::string> broken) const {
  const BankState& b = p.banks[c.bank];
  std::string msg = fmt::format("HBM timing violation: {} breaks {}\n  last commands of ch{} pc{} bank {} "
                                "(oldest first, the offending one last):",
                                format_command(c), fmt::join(broken, ", "), c.channel, c.pc, c.bank);
  for (std::size_t i = 0; i < b.history.size(); ++i) {
    msg += "\n    " + format_command(b.history[(b.history_head + i) % b.history.size()]);
  }
  throw TimingViolation(std::move(broken), std::move(msg));
}

void TimingChecker::finish(Cycle end) {
  for (std::size_t i = 0; i < pcs_.size(); ++i) {
    std::vector<std::string> broken;
    check_refresh_debt(pcs_[i], static_cast<std::int64_t>(end), broken);
    if (!broken.empty()) {
      throw TimingViolation(broken, fmt::format("HBM timing violation: at the end (cycle {}) ch{} pc{} "
                                                "owes more than 8 tREFI of refresh",
                                                end, i / cfg_.org.pseudo_channels,
                                                i % cfg_.org.pseudo_channels));
    }
  }
}

}  // namespace snsim::hbm
