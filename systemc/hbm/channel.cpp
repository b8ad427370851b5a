#include "hbm/channel.h"

#include <algorithm>
#include <bit>
#include <cstdint>

namespace snsim::hbm {

namespace {

void raise(Cycle& slot, Cycle v) { slot = std::max(slot, v); }

// Calls f(b) for each set bit b of m, lowest first.
template <class F>
void for_each_bit(std::uint64_t m, F&& f) {
  while (m != 0) {
    f(static_cast<std::uint32_t>(std::countr_zero(m)));
    m &= m - 1;
  }
}

std::uint64_t bit(std::uint32_t b) { return std::uint64_t{1} << b; }

}  // namespace

Channel::Channel(const HbmCfg& cfg, std::uint16_t id, BurstDone on_burst_done)
    : cfg_(cfg),
      tm_(cfg.timing),
      id_(id),
      on_burst_done_(std::move(on_burst_done)),
      all_banks_(cfg.org.banks_per_pc() == 64 ? ~std::uint64_t{0}
                                              : (std::uint64_t{1} << cfg.org.banks_per_pc()) - 1),
      bank_groups_(cfg.org.bank_groups),
      banks_per_group_(cfg.org.banks_per_group),
      banks_(cfg.org.banks_per_pc()),
      ref_interval_(cfg.controller.refresh == HbmRefresh::AllBank ? cfg.timing.tREFI
                                                                  : cfg.timing.tREFISB),
      pcs_(cfg.org.pseudo_channels) {
  for (std::uint32_t b = 0; b < banks_; ++b) {
    group_of_[b] = static_cast<std::uint8_t>(b / banks_per_group_);
    sid_of_[b] = static_cast<std::uint8_t>(b / (banks_per_group_ * bank_groups_));
  }
  const HbmControllerCfg& c = cfg.controller;
  for (std::uint32_t i = 0; i < pcs_.size(); ++i) {
    Pc& p = pcs_[i];
    p.banks.resize(banks_);
    p.bank_act_ok.assign(banks_, 0);
    p.bank_pre_ok.assign(banks_, 0);
    p.bank_ref_ok.assign(banks_, 0);
    p.front_seq[0].assign(banks_, 0);
    p.front_seq[1].assign(banks_, 0);
    p.groups.resize(cfg.org.sids * bank_groups_);
    p.sid_rd_ok.assign(cfg.org.sids, 0);
    p.counts.bank_act.assign(banks_, 0);
    p.ref_round_left = banks_;
    // All pseudo-channels fall due together: staggered all-bank refreshes would stall an in-order
    // initiator once per pseudo-channel instead of once per tREFI.
    p.ref_due = c.refresh == HbmRefresh::None ? kNever : ref_interval_;
    next_ = std::min(next_, p.ref_due);  // an idle channel still wakes to refresh
  }
}

bool Channel::can_accept(std::uint32_t pc, bool write, std::uint32_t bursts) const {
  const Pc& p = pcs_[pc];
  return write ? p.wr_count + bursts <= cfg_.controller.write_queue
               : p.rd_count + bursts <= cfg_.controller.read_queue;
}

void Channel::enqueue(std::uint32_t pc, bool write, const Burst& b, Cycle now) {
  Pc& p = pcs_[pc];
  Burst q = b;
  q.seq = p.seq++;
  q.arrival = now;
  Bank& bank = p.banks[b.bank];
  auto& list = write ? bank.wr : bank.rd;
  if (list.empty()) {
    bank.front[write] = q;
    p.front_seq[write][b.bank] = q.seq;
  }
  list.push_back(q);
  ++(write ? p.wr_count : p.rd_count);
  (write ? p.wr_mask : p.rd_mask) |= bit(b.bank);
  if (bank.open_row == static_cast<std::int64_t>(b.row)) {
    ++bank.hits[write];
    p.hit_mask[write] |= bit(b.bank);
  }
  p.col_wake = p.row_wake = 0;
  next_ = std::min(next_, now);
}

Cycle Channel::faw_ok(const Pc& p) const {
  if (p.faw_n < 4) return 0;
  return p.faw[p.faw_head] + tm_.tFAW;  // the oldest of the last four
}

void Channel::push_faw(Pc& p, Cycle eff) {
  if (p.faw_n < 4) {
    p.faw[(p.faw_head + p.faw_n) % 4] = eff;
    ++p.faw_n;
  } else {
    p.faw[p.faw_head] = eff;
    p.faw_head = (p.faw_head + 1) % 4;
  }
}

Cycle Channel::pc_act_ok(const Pc& p) const { return std::max(p.act_ok, faw_ok(p)); }

Cycle Channel::pc_refpb_ok(const Pc& p) const { return std::max(p.refpb_ok, faw_ok(p)); }

Cycle Channel::earliest_act(const Pc& p, std::uint32_t b, Cycle gate) const {
  return std::max({p.bank_act_ok[b], group(p, b).act_ok, gate});
}

Cycle Channel::earliest_refpb(const Pc& p, std::uint32_t b, Cycle gate) const {
  return std::max({p.bank_ref_ok[b], group(p, b).ref_ok, gate});
}

Cycle Channel::earliest_prea(const Pc& p) const {
  Cycle e = 0;
  for_each_bit(p.open_mask, [&](std::uint32_t b) { e = std::max(e, p.bank_pre_ok[b]); });
  return e;
}

Cycle Channel::earliest_refab(const Pc& p) const {
  Cycle e = p.refab_ok;
  for (const Cycle r : p.bank_ref_ok) e = std::max(e, r);
  return e;
}

bool Channel::mode_at(const Pc& p, Cycle t, Cycle& aging) const {
  const HbmControllerCfg& c = cfg_.controller;
  // A write that has waited write_max_wait is drained whatever the watermarks say, so a few
  // writes among saturating reads are not held forever.
  Cycle oldest = kNever;
  if (p.wr_count > 0) {
    for_each_bit(p.wr_mask, [&](std::uint32_t b) { oldest = std::min(oldest, p.banks[b].front[1].arrival); });
  }
  const bool aged = oldest != kNever && t >= oldest + c.write_max_wait;
  aging = oldest != kNever && !aged ? oldest + c.write_max_wait : kNever;
  if (!p.write_mode) {
    // Drain writes in a batch once they pile up, or when there is nothing to read.
    return p.wr_count >= c.write_high || (p.rd_count == 0 && p.wr_count > 0) || aged;
  }
  return !(p.wr_count == 0 || (p.wr_count <= c.write_low && p.rd_count > 0 && !aged));
}

Cycle Channel::update_mode(Pc& p, Cycle t) {
  Cycle aging;
  p.write_mode = mode_at(p, t, aging);
  return aging;
}

void Channel::update_refresh(Pc& p, Cycle t) {
  while (t >= p.ref_due) {
    ++p.ref_debt;
    p.ref_due += ref_interval_;
    p.row_wake = 0;
  }
}

void Channel::offer(Candidate& best, const Candidate& c, Cycle e, Cycle t, Cycle& wake) const {
  if (e > t) {
    wake = std::min(wake, e);
    return;
  }
  if (!best.valid || c.priority < best.priority ||
      (c.priority == best.priority && c.seq < best.seq)) {
    best = c;
    best.valid = true;
  }
}

std::uint64_t Channel::oldest_seq(const Pc& p, bool write) const {
  std::uint64_t oldest = kNever;
  for_each_bit(write ? p.wr_mask : p.rd_mask,
               [&](std::uint32_t b) { oldest = std::min(oldest, p.front_seq[write][b]); });
  return oldest;
}

void Channel::recount_hits(Pc& p, std::uint32_t b) {
  Bank& bank = p.banks[b];
  for (int w = 0; w < 2; ++w) {
    const auto& q = w ? bank.wr : bank.rd;
    bank.hits[w] = bank.open_row < 0
                       ? 0
                       : static_cast<std::uint32_t>(std::count_if(q.begin(), q.end(), [&](const Burst& x) {
                           return x.row == static_cast<std::uint32_t>(bank.open_row);
                         }));
    p.hit_mask[w] = bank.hits[w] > 0 ? p.hit_mask[w] | bit(b) : p.hit_mask[w] & ~bit(b);
  }
}

bool Channel::starved(const Bank& bank, bool write, Cycle t) const {
  const Burst& f = bank.front[write];
  return static_cast<std::int64_t>(f.row) != bank.open_row &&
         t >= f.arrival + cfg_.controller.conflict_max_wait;
}

Channel::Candidate Channel::pick_column(Pc& p, Cycle t, Cycle& wake) {
  Candidate best;
  const bool w = p.write_mode;
  if ((w ? p.wr_count : p.rd_count) == 0) return best;
  // No column command of this direction before the pseudo-channel-wide limit (tCCD_S, tWTR_S,
  // tRTW): waking then is early enough, and skips looking at every bank.
  // A refresh that may no longer wait closes its bank(s): row hits would keep pushing the PRE
  // back (tRTP, tWR) and starve the refresh.
  if (p.refab_pending) return best;
  const Cycle gate = w ? p.wr_ok : p.rd_ok;
  if (gate > t) {
    wake = std::min(wake, gate);
    return best;
  }
  const bool fcfs = cfg_.controller.scheduler == HbmScheduler::Fcfs;
  const std::uint64_t oldest = fcfs ? oldest_seq(p, w) : kNever;
  const std::uint64_t blocked = p.forced_bank < 0 ? 0 : bit(static_cast<std::uint32_t>(p.forced_bank));
  int ready = 0;
  for_each_bit(p.hit_mask[w] & ~blocked, [&](std::uint32_t b) {
    const Bank& bank = p.banks[b];
    const auto open_row = static_cast<std::uint32_t>(bank.open_row);
    // FR-FCFS: the oldest burst of this bank that hits the open row; FCFS: only the oldest of all.
    const Burst* x = &bank.front[w];
    if (x->row != open_row) {
      // FCFS: the bank's oldest burst is no hit. FR-FCFS: unless it has waited too long and needs
      // the row closed, the oldest hit behind it (the hit mask says there is one).
      if (fcfs || starved(bank, w, t)) return;
      const auto& q = w ? bank.wr : bank.rd;
      x = &*std::find_if(q.begin() + 1, q.end(), [&](const Burst& y) { return y.row == open_row; });
    } else if (fcfs && x->seq != oldest) {
      return;
    }
    // The pseudo-channel-wide limit (rd_ok / wr_ok) has passed: only the bank's, group's and SID's.
    const Group& g = group(p, b);
    const Cycle e = w ? std::max(bank.wr_ok, g.wr_ok)
                      : std::max({bank.rd_ok, g.rd_ok, p.sid_rd_ok[sid_of(b)]});
    if (e > t) {
      wake = std::min(wake, e);
      return;
    }
    ++ready;
    Candidate c;
    c.cmd = w ? Cmd::WR : Cmd::RD;
    c.bank = b;
    c.row = x->row;
    c.column = x->column;
    c.seq = x->seq;
    c.arrival = x->arrival;
    offer(best, c, e, t, wake);
  });
  // The other candidates, for issue(): their cycles only rise until something adds a candidate
  // (an enqueue, an ACT, a mode switch, which re-ask), or a held bank is released (not cached).
  p.col_after = fcfs || blocked != 0 ? 0 : ready > 1 ? t : wake;
  return best;
}

Channel::Candidate Channel::pick_refresh(Pc& p, Cycle t, Cycle& wake, bool forced_only) {
  Candidate best;
  const HbmControllerCfg& c = cfg_.controller;
  if (c.refresh == HbmRefresh::None) return best;
  const bool forced = p.ref_debt >= c.refresh_postpone;
  if (c.refresh == HbmRefresh::AllBank) {
    if (!p.refab_pending && p.ref_debt > 0 && (forced || p.rd_count + p.wr_count == 0)) {
      p.refab_pending = true;  // no new ACT until the refresh
    }
    if (!p.refab_pending) return best;
    Candidate r;
    r.priority = 0;
    const bool any_open = p.open_mask != 0;
    r.cmd = any_open ? Cmd::PREA : Cmd::REFab;
    offer(best, r, any_open ? earliest_prea(p) : earliest_refab(p), t, wake);
    return best;
  }
  if (p.ref_debt == 0 || (forced_only && !forced)) return best;
  // Per-bank: refresh a bank of this round that nothing is waiting for; when forced and none is
  // idle, block the first bank of the round and refresh it anyway.
  const Cycle gate = pc_refpb_ok(p);
  // The candidates share one priority and rank by bank index, the scan's order: the first ready
  // one is the pick, and the wake matters only when none is. No closed bank's REFpb comes before
  // `gate`: once one comes at it, the other closed banks cannot lower the wake.
  for (std::uint64_t m = ~(p.done_mask | p.rd_mask | p.wr_mask) & all_banks_; m != 0;) {
    const auto b = static_cast<std::uint32_t>(std::countr_zero(m));
    m &= m - 1;
    const bool open = (p.open_mask & bit(b)) != 0;
    const Cycle e = open ? p.bank_pre_ok[b] : earliest_refpb(p, b, gate);
    if (!open && e == gate) m &= p.open_mask;  // only the open banks' PREs can come sooner
    Candidate r;
    r.priority = forced ? 0 : 3;
    r.bank = b;
    r.cmd = open ? Cmd::PRE : Cmd::REFpb;
    r.seq = b;
    offer(best, r, e, t, wake);
    if (best.valid) break;
  }
  if (forced && !best.valid) {
    if (p.forced_bank < 0) {
      // No idle bank is left in this round: take the one with the fewest bursts waiting.
      std::size_t fewest = SIZE_MAX;
      for (std::uint32_t b = 0; b < banks_; ++b) {
        const Bank& bank = p.banks[b];
        if (!(p.done_mask & bit(b)) && bank.rd.size() + bank.wr.size() < fewest) {
          fewest = bank.rd.size() + bank.wr.size();
          p.forced_bank = static_cast<std::int32_t>(b);
        }
      }
    }
    const auto b = static_cast<std::uint32_t>(p.forced_bank);
    const bool open = (p.open_mask & bit(b)) != 0;
    Candidate r;
    r.priority = 0;
    r.bank = b;
    r.cmd = open ? Cmd::PRE : Cmd::REFpb;
    offer(best, r, open ? p.bank_pre_ok[b] : earliest_refpb(p, b, gate), t, wake);
  }
  return best;
}

void Channel::pick_row_fcfs(Pc& p, Cycle t, Cycle& wake, Candidate& best, Cycle act_gate) {
  const bool w = p.write_mode;
  const std::uint64_t oldest = oldest_seq(p, w);
  bool act_gated = false;
  for_each_bit(w ? p.wr_mask : p.rd_mask, [&](std::uint32_t b) {
    const Bank& bank = p.banks[b];
    const Burst& front = bank.front[w];
    if (front.seq != oldest) return;
    Candidate r;
    r.bank = b;
    r.seq = front.seq;
    r.arrival = front.arrival;
    if (bank.open_row < 0) {
      if (static_cast<std::int32_t>(b) == p.forced_bank || p.refab_pending) return;
      if (act_gate > t) {
        act_gated = true;
        return;
      }
      r.cmd = Cmd::ACT;
      r.priority = 1;
      r.row = front.row;
      offer(best, r, earliest_act(p, b, act_gate), t, wake);
    } else {
      if (front.row == static_cast<std::uint32_t>(bank.open_row)) return;
      r.cmd = Cmd::PRE;
      r.priority = 2;
      offer(best, r, p.bank_pre_ok[b], t, wake);
    }
  });
  if (act_gated) wake = std::min(wake, act_gate);
}

Channel::Candidate Channel::pick_row(Pc& p, Cycle t, Cycle& wake) {
  // 1. A forced refresh goes first. (A per-bank refresh that is not forced has nothing to say
  //    yet; the all-bank one may have to stop new ACTs.)
  const HbmControllerCfg& c = cfg_.controller;
  Candidate best;
  p.row_after = 0;
  int ready = 0;  // ready candidates seen by the FR-FCFS PRE and page-policy scans
  if (c.refresh == HbmRefresh::AllBank || p.ref_debt >= c.refresh_postpone) {
    best = pick_refresh(p, t, wake, /*forced_only=*/true);
    if (best.valid && best.priority == 0) return best;
  }
  const bool w = p.write_mode;
  const bool fcfs = c.scheduler == HbmScheduler::Fcfs;
  // 2. ACT or PRE for queued requests (oldest first).
  if ((w ? p.wr_count : p.rd_count) > 0) {
    // No ACT before the pseudo-channel-wide limit (tRRD_S, tFAW, tRREFD): skip the ACT candidates
    // and wake then (early enough; the exact cycle is found when they are looked at).
    const Cycle act_gate = pc_act_ok(p);
    if (fcfs) {
      pick_row_fcfs(p, t, wake, best, act_gate);
    } else {
      // FR-FCFS, by bank state from the masks (the candidates do not depend on the order in which
      // they are offered: each bank's oldest burst has its own arrival number).
      const std::uint64_t queued = w ? p.wr_mask : p.rd_mask;
      // Closed banks: an ACT for the oldest burst, unless an all-bank refresh waits or the bank
      // is held for a forced per-bank refresh.
      std::uint64_t closed = p.refab_pending ? 0 : queued & ~p.open_mask;
      if (p.forced_bank >= 0) closed &= ~bit(static_cast<std::uint32_t>(p.forced_bank));
      if (closed != 0) {
        if (act_gate > t) {
          wake = std::min(wake, act_gate);
        } else {
          // The ready ACT of the oldest front burst, else the wake of the earliest, from the
          // per-bank arrays; the Bank is read for the one picked.
          std::uint64_t oldest = kNever;
          std::uint32_t pick = 0;
          for_each_bit(closed, [&](std::uint32_t b) {
            const Cycle e = earliest_act(p, b, act_gate);
            if (e > t) {
              wake = std::min(wake, e);
            } else if (p.front_seq[w][b] < oldest) {
              oldest = p.front_seq[w][b];
              pick = b;
            }
          });
          // A ready ACT outranks every PRE and the opportunistic refresh, and the wake matters
          // only when nothing is ready.
          if (oldest != kNever) {
            const Burst& front = p.banks[pick].front[w];
            best.valid = true;
            best.bank = pick;
            best.seq = front.seq;
            best.arrival = front.arrival;
            best.cmd = Cmd::ACT;
            best.priority = 1;  // ACTs first: their spacing (tRRD, tFAW) binds random traffic
            best.row = front.row;
            return best;
          }
        }
      }
      // Open banks: FR-FCFS keeps a row open while a queued burst still hits it, but not past
      // conflict_max_wait of the bank's oldest burst; otherwise a PRE for the conflict.
      const std::uint64_t open = queued & p.open_mask;
      const std::uint64_t hit = p.hit_mask[w];
      for_each_bit(open, [&](std::uint32_t b) {
        const Bank& bank = p.banks[b];
        if ((hit & bit(b)) != 0 && !starved(bank, w, t)) {
          const Burst& front = bank.front[w];
          if (static_cast<std::int64_t>(front.row) != bank.open_row) {
            wake = std::min(wake, front.arrival + c.conflict_max_wait);
          }
          return;
        }
        const Cycle pre_ok = p.bank_pre_ok[b];
        if (pre_ok > t) {  // as offer() would: only the wake
          wake = std::min(wake, pre_ok);
          return;
        }
        const Burst& front = bank.front[w];
        Candidate r;
        r.bank = b;
        r.seq = front.seq;
        r.arrival = front.arrival;
        r.cmd = Cmd::PRE;
        r.priority = 2;
        ++ready;
        offer(best, r, pre_ok, t, wake);
      });
    }
  }
  // 3. Page policy: close idle rows.
  if (c.page_policy != HbmPagePolicy::Open) {
    for_each_bit(p.open_mask & ~(p.rd_mask | p.wr_mask), [&](std::uint32_t b) {
      const Bank& bank = p.banks[b];
      Candidate r;
      r.priority = 3;
      r.cmd = Cmd::PRE;
      r.bank = b;
      r.seq = kNever - 1;
      const Cycle idle_ok = c.page_policy == HbmPagePolicy::Adaptive
                                ? bank.last_cas + c.adaptive_timeout
                                : 0;
      const Cycle e = std::max(p.bank_pre_ok[b], idle_ok);
      ready += e <= t;
      offer(best, r, e, t, wake);
    });
  }
  // 4. Opportunistic refresh of idle banks.
  //    (None owed: pick_refresh has nothing to offer and changes nothing.)
  if (!best.valid && p.ref_debt > 0) best = pick_refresh(p, t, wake, /*forced_only=*/false);
  // 5. A PRE that was the only ready candidate, with no refresh candidate ready either: `wake` is
  //    then every other candidate's earliest cycle (see issue()). Step 4 did not look at refresh;
  //    a per-bank refresh that is owed but not forced is looked at here (that pick changes
  //    nothing), one that may change the pseudo-channel's state (forced, all-bank) is not.
  if (ready == 1 && best.valid && best.cmd == Cmd::PRE) {
    Cycle refresh_wake = kNever;
    const bool no_refresh =
        c.refresh == HbmRefresh::None || p.ref_debt == 0 ||
        (c.refresh == HbmRefresh::PerBank && p.ref_debt < c.refresh_postpone &&
         !pick_refresh(p, t, refresh_wake, /*forced_only=*/false).valid);
    if (no_refresh) p.row_after = std::min(wake, refresh_wake);
  }
  return best;
}

void Channel::issue(std::uint32_t pc, const Candidate& c, Cycle t) {
  Pc& p = pcs_[pc];
  const HbmTimingCfg& T = tm_;
  const Cycle wr_end = t + T.WL + cfg_.org.burst_cycles;  // end of write data
  if (observer_ != nullptr) {
    CmdRecord rec;
    rec.cycle = t;
    rec.cmd = c.cmd;
    rec.channel = id_;
    rec.pc = static_cast<std::uint8_t>(pc);
    rec.bank = static_cast<std::uint8_t>(c.bank);
    rec.row = c.row;
    rec.column = c.column;
    observer_->on_command(rec);
  }

  // 1. What this command can make possible on the other bus, and how soon: an ACT opens column
  //    commands to its bank no sooner than tRCD; a RD or WR makes a PRE of its bank (conflict,
  //    page policy, refresh) possible no sooner than tRTP or the write recovery. Other candidates
  //    only got later, so the cached wake of that bus stays valid down to that bound. The bus
  //    that issued is asked again next cycle; FCFS (whose one candidate changes) re-asks both.
  if (cfg_.controller.scheduler == HbmScheduler::Fcfs) {
    p.col_wake = p.row_wake = 0;
  } else if (c.cmd == Cmd::ACT) {
    p.col_wake = std::min(p.col_wake, t + T.act_cycles - 1 + std::min(T.tRCDRD, T.tRCDWR));
    p.row_wake = 0;
  } else if (is_column(c.cmd)) {
    p.row_wake = std::min(p.row_wake, std::min(t + T.tRTP, wr_end + T.tWR));
  } else if (c.cmd == Cmd::PRE && p.row_after != 0) {
    // The pick found every other row candidate waiting until row_after; the PRE adds only an ACT
    // and a refresh of its bank, both no sooner than tRP.
    p.row_wake = std::min(p.row_after, t + T.tRP);
  } else {
    p.row_wake = 0;
  }
  Bank& bank = p.banks[c.bank];
  switch (c.cmd) {
    case Cmd::ACT: {
      const Cycle te = t + T.act_cycles - 1;  // the bank opens on the last ACT cycle
      bank.open_row = c.row;
      p.open_mask |= bit(c.bank);
      recount_hits(p, c.bank);
      raise(bank.rd_ok, te + T.tRCDRD);
      raise(bank.wr_ok, te + T.tRCDWR);
      raise(p.bank_pre_ok[c.bank], te + T.tRAS);
      raise(p.bank_act_ok[c.bank], te + T.tRC);
      Group& g = group(p, c.bank);
      raise(g.act_ok, te + T.tRRD_L);
      raise(g.ref_ok, te + T.tRRD_L);
      raise(p.act_ok, te + T.tRRD_S);
      raise(p.refpb_ok, te + T.tRRD_S);
      push_faw(p, te);
      ++p.counts.act;
      ++p.counts.bank_act[c.bank];
      row_free_ = t + T.act_cycles;
      break;
    }
    case Cmd::PRE:
      bank.open_row = -1;
      p.open_mask &= ~bit(c.bank);
      recount_hits(p, c.bank);
      raise(p.bank_act_ok[c.bank], t + T.tRP);
      raise(p.bank_ref_ok[c.bank], t + T.tRP);
      raise(p.refab_ok, t + T.tRP);
      ++p.counts.pre;
      row_free_ = t + 1;
      break;
    case Cmd::PREA:
      for (std::uint32_t b = 0; b < banks_; ++b) {
        p.banks[b].open_row = -1;
        raise(p.bank_act_ok[b], t + T.tRP);
        p.banks[b].hits[0] = p.banks[b].hits[1] = 0;
        raise(p.bank_ref_ok[b], t + T.tRP);
      }
      raise(p.refab_ok, t + T.tRP);
      p.open_mask = p.hit_mask[0] = p.hit_mask[1] = 0;
      ++p.counts.prea;
      row_free_ = t + 1;
      break;
    case Cmd::RD:
    case Cmd::WR: {
      const bool w = c.cmd == Cmd::WR;
      Group& g = group(p, c.bank);
      if (w) {
        raise(p.bank_pre_ok[c.bank], wr_end + T.tWR);
        raise(g.wr_ok, t + T.tCCD_L);
        raise(g.rd_ok, wr_end + T.tWTR_L);
        raise(p.wr_ok, t + T.tCCD_S);
        raise(p.rd_ok, wr_end + T.tWTR_S);
        ++p.counts.wr;
      } else {
        raise(p.bank_pre_ok[c.bank], t + T.tRTP);
        raise(g.rd_ok, t + T.tCCD_L);
        raise(p.rd_ok, t + T.tCCD_S);
        const std::uint32_t s = sid_of(c.bank);
        for (std::uint32_t o = 0; o < p.sid_rd_ok.size(); ++o) {
          if (o != s) raise(p.sid_rd_ok[o], t + T.tCCDR);
        }
        raise(p.wr_ok, t + T.tRTW);
        ++p.counts.rd;
      }
      bank.last_cas = t;
      auto& q = w ? bank.wr : bank.rd;
      const auto it = std::find_if(q.begin(), q.end(), [&](const Burst& x) { return x.seq == c.seq; });
      const std::uint32_t request = it->request;
      const bool was_front = it == q.begin();
      q.erase(it);
      if (q.empty()) {
        (w ? p.wr_mask : p.rd_mask) &= ~bit(c.bank);
      } else if (was_front) {
        bank.front[w] = q.front();
        p.front_seq[w][c.bank] = bank.front[w].seq;
      }
      if (--bank.hits[w] == 0) p.hit_mask[w] &= ~bit(c.bank);  // the burst served was a hit
      --(w ? p.wr_count : p.rd_count);
      // This pseudo-channel's next column command, in either direction, waits for tCCD_S, tWTR_S
      // or tRTW: its column pick is not asked before then (it would only answer that wake),
      // unless the next step switches its direction. (FCFS re-asks both buses above.)
      // No write queued and not draining: the mode stays read (as in step). Nor before the
      // other candidates the pick saw or this bank's next hit can go.
      if (cfg_.controller.scheduler != HbmScheduler::Fcfs) {
        Cycle aging;
        const bool switches = (p.wr_count > 0 || p.write_mode) && mode_at(p, t + 1, aging) != p.write_mode;
        Cycle others = p.col_after;
        if (bank.hits[w] > 0) {
          others = std::min(others, w ? std::max(bank.wr_ok, g.wr_ok)
                                      : std::max({bank.rd_ok, g.rd_ok, p.sid_rd_ok[sid_of(c.bank)]}));
        }
        p.col_wake = switches ? 0 : std::max(std::min(p.rd_ok, p.wr_ok), others);
      }
      col_free_ = t + 1;
      on_burst_done_(request, (w ? t + T.WL : t + T.RL) + cfg_.org.burst_cycles);
      break;
    }
    case Cmd::REFab:
      for (std::uint32_t b = 0; b < banks_; ++b) {
        raise(p.bank_act_ok[b], t + T.tRFC);
        raise(p.bank_ref_ok[b], t + T.tRFC);
      }
      raise(p.refab_ok, t + T.tRFC);
      raise(p.refpb_ok, t + T.tRFC);
      ++p.counts.refab;
      if (--p.ref_debt == 0 || (p.ref_debt < cfg_.controller.refresh_postpone &&
                                p.rd_count + p.wr_count > 0)) {
        p.refab_pending = false;
      }
      row_free_ = t + 1;
      break;
    case Cmd::REFpb:
      raise(p.bank_act_ok[c.bank], t + T.tRFCSB);
      raise(p.bank_ref_ok[c.bank], t + T.tRFCSB);
      raise(p.act_ok, t + T.tRREFD);
      raise(p.refpb_ok, t + T.tRREFD);
      push_faw(p, t);
      ++p.counts.refpb;
      --p.ref_debt;
      p.done_mask |= bit(c.bank);
      // Once refresh is no longer forced, no bank stays blocked: a bank held back while idle banks
      // were refreshed instead would starve its requests for up to a whole round.
      if (p.forced_bank == static_cast<std::int32_t>(c.bank) ||
          p.ref_debt < cfg_.controller.refresh_postpone) {
        p.forced_bank = -1;
      }
      if (--p.ref_round_left == 0) {
        p.done_mask = 0;
        p.ref_round_left = banks_;
      }
      row_free_ = t + 1;
      break;
  }
}

void Channel::step(Cycle t) {
  Cycle wake = kNever;
  for (Pc& p : pcs_) {
    update_refresh(p, t);
    // No write queued and not draining: the mode stays read (write_high >= 1 is validated).
    if (p.wr_count > 0 || p.write_mode) {
      const bool mode = p.write_mode;
      wake = std::min(wake, update_mode(p, t));
      if (mode != p.write_mode) p.col_wake = p.row_wake = 0;
    }
    wake = std::min(wake, p.ref_due);
  }
  const std::uint32_t n = static_cast<std::uint32_t>(pcs_.size());
  // The pseudo-channels take turns at priority on equal footing (rotating by cycle).
  // (t % n without a division when n is a power of two: 2 in HBM2E and HBM3.)
  const auto first = static_cast<std::uint32_t>((n & (n - 1)) == 0 ? t & (n - 1) : t % n);
  // One bus: ask each pseudo-channel whose cached wake has come, issue the best ready command.
  const auto bus = [&](const Cycle& free, Cycle Pc::*cached, auto pick, auto better) {
    if (t < free) {
      for (const Pc& p : pcs_) wake = std::min(wake, std::max(free, p.*cached));
      return;
    }
    Candidate best;
    std::uint32_t best_pc = 0;
    for (std::uint32_t k = 0; k < n; ++k) {
      const std::uint32_t pc = first + k < n ? first + k : first + k - n;  // (first + k) % n
      Pc& p = pcs_[pc];
      if (p.*cached > t) continue;
      Cycle w = kNever;
      const Candidate c = pick(p, t, w);
      p.*cached = c.valid ? t : w;  // a ready command that loses the bus is asked again
      if (c.valid && (!best.valid || better(c, best))) {
        best = c;
        best_pc = pc;
      }
    }
    if (best.valid) issue(best_pc, best, t);
    // Not before the bus is free again (an ACT holds it for act_cycles): a step while it is busy
    // would ask no pseudo-channel.
    const Cycle from = std::max(free, t + 1);
    for (const Pc& p : pcs_) wake = std::min(wake, std::max(p.*cached, from));
  };
  // 1. Column bus: the oldest ready row hit of either pseudo-channel.
  bus(col_free_, &Pc::col_wake,
      [this](Pc& p, Cycle at, Cycle& w) { return pick_column(p, at, w); },
      [](const Candidate& a, const Candidate& b) { return a.arrival < b.arrival; });
  // 2. Row bus: forced refresh, ACT, PRE for conflicts, page policy, opportunistic refresh.
  bus(row_free_, &Pc::row_wake, [this](Pc& p, Cycle at, Cycle& w) { return pick_row(p, at, w); },
      [](const Candidate& a, const Candidate& b) {
    return a.priority < b.priority || (a.priority == b.priority && a.arrival < b.arrival);
  });
  next_ = std::max(wake, t + 1);
}

}  // namespace snsim::hbm
