#include "hbm/hbm_stack.h"

#include <fmt/format.h>

#include <algorithm>

namespace snsim::hbm {

HbmStack::HbmStack(const HbmCfg& cfg, StatsRegistry& stats, const std::string& prefix)
    : cfg_(cfg),
      map_(cfg_),
      stats_(stats),
      prefix_(prefix),
      reads_(stats.counter(prefix + ".reads", "requests", "read requests completed")),
      writes_(stats.counter(prefix + ".writes", "requests", "write requests completed")),
      read_bytes_(stats.counter(prefix + ".read_bytes", "B", "bytes read")),
      write_bytes_(stats.counter(prefix + ".write_bytes", "B", "bytes written")),
      // Requests, not attempts: how often a caller retries a refused request depends on its
      // schedule (drive() retries once per model event), the set of requests that had to wait
      // for room does not.
      rejected_(stats.counter(prefix + ".backpressure", "requests",
                              "requests refused at least once because a queue was full")),
      read_latency_(stats.histogram(prefix + ".read_latency", "cycles",
                                    "arrival to last data beat of a read request")),
      write_latency_(stats.histogram(prefix + ".write_latency", "cycles",
                                     "arrival to last data beat of a write request")) {
  for (std::uint32_t c = 0; c < cfg_.org.channels; ++c) {
    channels_.push_back(std::make_unique<Channel>(
        cfg_, static_cast<std::uint16_t>(c),
        [this](std::uint32_t slot, Cycle end) { burst_done(slot, end); }));
  }
  for (const auto& ch : channels_) channel_next_.push_back(ch->next_event());
  earliest_ = *std::min_element(channel_next_.begin(), channel_next_.end());
  scratch_.assign(cfg_.org.pcs() * 2, 0);
}

void HbmStack::validate(const MemRequest& r) const {
  const std::uint32_t burst = cfg_.org.burst_bytes;
  if (r.size < burst || r.size > 512 || r.size % burst != 0) {
    throw BadRequest(fmt::format("unsupported size {} B: requests are {} B to 512 B in multiples "
                                 "of {} B",
                                 r.size, burst, burst));
  }
  if (r.address % burst != 0) {
    throw BadRequest(fmt::format("address {:#x} is not aligned to the {} B burst", r.address, burst));
  }
  const std::uint64_t cap = cfg_.org.stack_bytes();
  if (r.address >= cap || r.size > cap - r.address) {
    throw BadRequest(fmt::format("address {:#x} + {} B is beyond the stack's capacity of {} B "
                                 "({:#x})",
                                 r.address, r.size, cap, cap));
  }
}

bool HbmStack::try_submit(const MemRequest& r, Cycle now, const std::uint8_t* data) {
  const std::uint32_t burst = cfg_.org.burst_bytes;
  const std::uint32_t n = r.size / burst;
  // 1. Room in every target queue, or nothing is taken. The validation and the decode depend on
  //    the address and size only: a request retried after back-pressure reuses them.
  const bool decoded = decoded_ && r.address == decoded_address_ && r.size == decoded_size_;
  if (!decoded) validate(r);
  if (now < now_) throw std::logic_error("HbmStack::try_submit: time went backwards");
  if (!decoded) {
    std::fill(scratch_.begin(), scratch_.end(), 0);
    locations_.clear();
    used_pcs_.clear();
    for (std::uint32_t i = 0; i < n; ++i) {
      locations_.push_back(map_.decode(r.address + std::uint64_t{i} * burst));
      const Location& l = locations_.back();
      if (scratch_[map_.flat_pc(l)]++ == 0) {
        used_pcs_.push_back(UsedPc{map_.flat_pc(l), l.channel, l.pc});
      }
    }
    // The order of the scan it replaces.
    std::sort(used_pcs_.begin(), used_pcs_.end(),
              [](const UsedPc& a, const UsedPc& b) { return a.flat < b.flat; });
    decoded_ = true;
    decoded_address_ = r.address;
    decoded_size_ = r.size;
  }
  for (const UsedPc& u : used_pcs_) {
    if (!channels_[u.channel]->can_accept(u.pc, r.write, scratch_[u.flat])) {
      if (std::find(refused_.begin(), refused_.end(), r.tag) == refused_.end()) {
        refused_.push_back(r.tag);
        rejected_.inc();
      }
      return false;
    }
  }
  if (!refused_.empty()) {
    const auto it = std::find(refused_.begin(), refused_.end(), r.tag);
    if (it != refused_.end()) {
      *it = refused_.back();
      refused_.pop_back();
    }
  }
  // 2. Take it: a slot, the data, the bursts.
  std::uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  slots_[slot] = Slot{r, now, 0, n};
  ++live_;
  if (r.write && data != nullptr) store_.write(r.address, data, r.size);
  for (const Location& l : locations_) {
    Burst b;
    b.request = slot;
    b.row = l.row;
    b.column = static_cast<std::uint16_t>(l.column);
    b.bank = static_cast<std::uint8_t>(map_.flat_bank(l));
    channels_[l.channel]->enqueue(l.pc, r.write, b, now);
    channel_next_[l.channel] = channels_[l.channel]->next_event();
    earliest_ = std::min(earliest_, channel_next_[l.channel]);  // an enqueue only brings it forward
  }
  return true;
}

void HbmStack::burst_done(std::uint32_t slot, Cycle end) {
  Slot& s = slots_[slot];
  s.done = std::max(s.done, end);
  if (--s.bursts_left > 0) return;
  const Completion c{s.req.tag, s.arrival, s.done, s.req.write};
  pending_.push(c);
  if (track_scheduled_) scheduled_.push_back(c);
  if (s.req.write) {
    writes_.inc();
    write_bytes_.add(s.req.size);
    write_latency_.record(s.done - s.arrival);
  } else {
    reads_.inc();
    read_bytes_.add(s.req.size);
    read_latency_.record(s.done - s.arrival);
  }
  free_slots_.push_back(slot);
  --live_;
}

void HbmStack::advance_to(Cycle t) {
  // Events in (cycle, channel id) order (D13): one pass steps every channel due at the earliest
  // cycle, in id order (a step changes no other channel), and finds the next earliest cycle.
  Cycle at = earliest_;
  while (at < t) {
    Cycle following = kNever;
    for (std::size_t c = 0; c < channel_next_.size(); ++c) {
      if (channel_next_[c] == at) {
        channels_[c]->step(at);
        channel_next_[c] = channels_[c]->next_event();
      }
      following = std::min(following, channel_next_[c]);
    }
    at = following;
  }
  earliest_ = at;
  now_ = std::max(now_, t);
  while (!pending_.empty() && pending_.top().done < t) {
    done_.push_back(pending_.top());
    pending_.pop();
  }
}

Cycle HbmStack::next_event() const {
  Cycle e = kNever;
  // Only refresh is left when no request is queued (a live request has a burst queued until its
  // last column command): report the next completion instead.
  if (live_ > 0) e = earliest_;
  if (!pending_.empty()) e = std::min(e, pending_.top().done);
  return e;
}

void HbmStack::add_observer(CommandObserver* o) {
  // The channels call out only once someone watches: most runs have no observer.
  if (fanout_.targets.empty()) {
    for (const auto& ch : channels_) ch->set_observer(&fanout_);
  }
  fanout_.targets.push_back(o);
}

HbmSummary HbmStack::summarize(Cycle end, bool per_pc) {
  HbmSummary s;
  s.cycles = end;
  s.reads = reads_.value();
  s.writes = writes_.value();
  s.bytes = read_bytes_.value() + write_bytes_.value();
  const double seconds = static_cast<double>(end) / cfg_.clock_hz;
  s.peak_gbs = cfg_.peak_bytes_per_second() / 1e9;
  s.bandwidth_gbs = end == 0 ? 0 : static_cast<double>(s.bytes) / seconds / 1e9;
  s.efficiency = s.peak_gbs > 0 ? s.bandwidth_gbs / s.peak_gbs : 0;
  const HbmEnergyCfg& e = cfg_.energy;
  std::uint64_t act = 0, rd = 0, wr = 0, refab = 0, refpb = 0, cmds = 0;
  for (std::uint32_t c = 0; c < cfg_.org.channels; ++c) {
    for (std::uint32_t p = 0; p < cfg_.org.pseudo_channels; ++p) {
      const PcCounts& k = channels_[c]->counts(p);
      if (per_pc) {
        const std::string base = fmt::format("{}.ch{}.pc{}", prefix_, c, p);
        const auto put = [&](const char* name, std::uint64_t v, const char* desc) {
          const std::string key = base + "." + name;
          if (!stats_.contains(key)) stats_.counter(key, "commands", desc).add(v);
        };
        put("act", k.act, "ACT commands");
        put("pre", k.pre + k.prea, "PRE and PREA commands");
        put("rd", k.rd, "RD commands");
        put("wr", k.wr, "WR commands");
        put("refab", k.refab, "all-bank refreshes");
        put("refpb", k.refpb, "per-bank refreshes");
        for (std::size_t b = 0; b < k.bank_act.size(); ++b) {
          const std::string key = fmt::format("{}.bank_act.b{}", base, b);
          if (!stats_.contains(key)) stats_.counter(key, "commands", "ACTs of this bank").add(k.bank_act[b]);
        }
      }
      act += k.act;
      rd += k.rd;
      wr += k.wr;
      refab += k.refab;
      refpb += k.refpb;
      cmds += k.act + k.pre + k.prea + k.rd + k.wr + k.refab + k.refpb;
    }
  }
  s.commands = cmds;
  s.refreshes = refab + refpb;
  const double cas = static_cast<double>(rd + wr);
  s.row_hit_rate = cas > 0 ? std::max(0.0, (cas - static_cast<double>(act)) / cas) : 0;
  const double bank_cycles = static_cast<double>(end) * cfg_.org.pcs() * cfg_.org.banks_per_pc();
  s.refresh_share = bank_cycles > 0
                        ? (static_cast<double>(refab) * cfg_.timing.tRFC * cfg_.org.banks_per_pc() +
                           static_cast<double>(refpb) * cfg_.timing.tRFCSB) /
                              bank_cycles
                        : 0;
  const double bits_rd = static_cast<double>(rd) * cfg_.org.burst_bytes * 8;
  const double bits_wr = static_cast<double>(wr) * cfg_.org.burst_bytes * 8;
  const double e_act = static_cast<double>(act) * e.act_pj;
  const double e_data = bits_rd * (e.read_pj_per_bit + e.io_pj_per_bit) +
                        bits_wr * (e.write_pj_per_bit + e.io_pj_per_bit);
  const double e_ref = static_cast<double>(refab) * e.refab_pj + static_cast<double>(refpb) * e.refpb_pj;
  const double e_bg = e.background_mw * 1e-3 * seconds * 1e12 * cfg_.org.pcs();
  s.energy_pj = e_act + e_data + e_ref + e_bg;
  s.pj_per_bit = s.bytes > 0 ? s.energy_pj / (static_cast<double>(s.bytes) * 8) : 0;
  struct Row {
    const char* name;
    const char* unit;
    const char* desc;
    double v;
  };
  const Row rows[] = {
      {"cycles", "cycles", "memory cycles of the run", static_cast<double>(end)},
      {"bandwidth", "GB/s", "bytes moved per second", s.bandwidth_gbs},
      {"peak_bandwidth", "GB/s", "data-bus peak of the stack", s.peak_gbs},
      {"efficiency", "fraction", "bandwidth / peak", s.efficiency},
      {"row_hit_rate", "fraction", "(RD + WR - ACT) / (RD + WR)", s.row_hit_rate},
      {"refresh_share", "fraction", "share of bank time spent refreshing", s.refresh_share},
      {"refreshes", "commands", "REFab and REFpb commands", static_cast<double>(s.refreshes)},
      {"energy.act", "pJ", "activation energy", e_act},
      {"energy.data", "pJ", "read/write data path and I/O energy", e_data},
      {"energy.refresh", "pJ", "refresh energy", e_ref},
      {"energy.background", "pJ", "background energy", e_bg},
      {"energy.total", "pJ", "all energy", s.energy_pj},
      {"energy.pj_per_bit", "pJ/bit", "energy per bit moved", s.pj_per_bit},
  };
  for (const Row& r : rows) {
    const std::string key = prefix_ + "." + r.name;
    if (!stats_.contains(key)) stats_.scalar(key, r.unit, r.desc).set(r.v);
  }
  return s;
}

}  // namespace snsim::hbm
