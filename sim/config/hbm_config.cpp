#include "config/hbm_config.h"

#include <fmt/format.h>

#include <bit>
#include <stdexcept>

namespace snsim {

std::string_view to_string(MemPattern p) {
  switch (p) {
    case MemPattern::Stream:
      return "stream";
    case MemPattern::Random:
      return "random";
    case MemPattern::Strided:
      return "strided";
    case MemPattern::Trace:
      return "trace";
  }
  return "?";
}

std::string_view to_string(HbmRefresh r) {
  switch (r) {
    case HbmRefresh::PerBank:
      return "per_bank";
    case HbmRefresh::AllBank:
      return "all_bank";
    case HbmRefresh::None:
      return "none";
  }
  return "?";
}

std::string_view to_string(HbmPagePolicy p) {
  switch (p) {
    case HbmPagePolicy::Open:
      return "open";
    case HbmPagePolicy::Closed:
      return "closed";
    case HbmPagePolicy::Adaptive:
      return "adaptive";
  }
  return "?";
}

std::string_view to_string(HbmScheduler s) {
  return s == HbmScheduler::FrFcfs ? "fr-fcfs" : "fcfs";
}

void HbmOrgCfg::describe(Schema<HbmOrgCfg>& s) {
  // Defaults: the HBM2E preset (HBM_TIMING.md section 1), 16 GB 8-high stack.
  s.field("channels", &HbmOrgCfg::channels, 8u).range(1, 64).power_of_two()
      .doc("channels per stack [S10, S11]");
  s.field("pseudo_channels", &HbmOrgCfg::pseudo_channels, 2u).range(1, 2).power_of_two()
      .doc("pseudo-channels per channel; they share the channel's row and column command buses");
  s.field("sids", &HbmOrgCfg::sids, 2u).range(1, 4).power_of_two()
      .doc("stack ids (SIDs) per pseudo-channel; 8-high stacks have 2 [S2, S8]");
  s.field("bank_groups", &HbmOrgCfg::bank_groups, 4u).range(1, 16).power_of_two()
      .doc("bank groups per SID [S2]");
  s.field("banks_per_group", &HbmOrgCfg::banks_per_group, 4u).range(1, 16).power_of_two()
      .doc("banks per bank group [S2]");
  s.field("rows", &HbmOrgCfg::rows, 32768u).range(2, 1u << 20).power_of_two()
      .doc("rows per bank [S2]");
  s.field("columns", &HbmOrgCfg::columns, 32u).unit("bursts").range(2, 1024).power_of_two()
      .doc("column (burst) addresses per row [S2]");
  s.field("burst_bytes", &HbmOrgCfg::burst_bytes, 32u).unit("bytes").range(8, 256).power_of_two()
      .doc("bytes moved by one RD or WR of a pseudo-channel (HBM2 BL4 x 64 b, HBM3 BL8 x 32 b)");
  s.field("burst_cycles", &HbmOrgCfg::burst_cycles, 2u).unit("cycles").range(1, 16)
      .doc("data-bus cycles of one RD or WR (tBURST) [S1, S3, S8]");
}

void HbmTimingCfg::describe(Schema<HbmTimingCfg>& s) {
  // Defaults: the HBM2E preset at 1.6 GHz; configs/hbm2e.yaml repeats each value with its source
  // (HBM_TIMING.md section 3).
  struct Key {
    const char* name;
    std::uint32_t HbmTimingCfg::*member;
    std::uint32_t def;
    const char* doc;
  };
  const Key keys[] = {
      {"act_cycles", &HbmTimingCfg::act_cycles, 2,
       "row-bus cycles of one ACT (HBM2: 2 [S3, S7, S8]); constraints from an ACT count from its "
       "last cycle"},
      {"RL", &HbmTimingCfg::RL, 28, "read latency, RD to first data [S1]"},
      {"WL", &HbmTimingCfg::WL, 12, "write latency, WR to first data [S1]"},
      {"tRCDRD", &HbmTimingCfg::tRCDRD, 23, "ACT to RD, same bank [S4]"},
      {"tRCDWR", &HbmTimingCfg::tRCDWR, 16, "ACT to WR, same bank [S4]"},
      {"tRP", &HbmTimingCfg::tRP, 23, "PRE to ACT or REF, same bank [S1, S4]"},
      {"tRAS", &HbmTimingCfg::tRAS, 53, "ACT to PRE, same bank [S4]"},
      {"tRC", &HbmTimingCfg::tRC, 76, "ACT to ACT, same bank [S4]"},
      {"tCCD_S", &HbmTimingCfg::tCCD_S, 2, "RD to RD or WR to WR, any bank of the pseudo-channel [S1, S4]"},
      {"tCCD_L", &HbmTimingCfg::tCCD_L, 5, "RD to RD or WR to WR, same bank group [S8 formula]"},
      {"tCCDR", &HbmTimingCfg::tCCDR, 3, "RD to RD, different SID [S4]"},
      {"tRRD_S", &HbmTimingCfg::tRRD_S, 7, "ACT to ACT (or REFpb), any bank of the pseudo-channel [S1, S4]"},
      {"tRRD_L", &HbmTimingCfg::tRRD_L, 10, "ACT to ACT (or REFpb), same bank group [S1, S4]"},
      {"tFAW", &HbmTimingCfg::tFAW, 26, "window holding at most four ACT or REFpb per pseudo-channel [S1, S4]"},
      {"tWR", &HbmTimingCfg::tWR, 26, "write recovery: end of write data to PRE [S4]"},
      {"tWTR_S", &HbmTimingCfg::tWTR_S, 7, "end of write data to RD, any bank [S1, S4]"},
      {"tWTR_L", &HbmTimingCfg::tWTR_L, 15, "end of write data to RD, same bank group [S1, S4]"},
      {"tRTP", &HbmTimingCfg::tRTP, 8, "RD to PRE, same bank (tRTP_L) [S4]"},
      {"tRTW", &HbmTimingCfg::tRTW, 25, "RD to WR, any bank [JESD235D formula via S8]"},
      {"tRFC", &HbmTimingCfg::tRFC, 720, "REFab to any ACT or REF [JESD235D T68 via S8]"},
      {"tRFCSB", &HbmTimingCfg::tRFCSB, 320, "REFpb to ACT or REF of the same bank [JESD235D via S8]"},
      {"tREFI", &HbmTimingCfg::tREFI, 6240, "average interval between REFab [JESD235D via S8]"},
      {"tREFISB", &HbmTimingCfg::tREFISB, 195, "average interval between REFpb = tREFI / banks [S8]"},
      {"tRREFD", &HbmTimingCfg::tRREFD, 13, "REFpb to REFpb or ACT of another bank [JESD235D via S8]"},
  };
  for (const Key& k : keys) {
    const bool is_act = std::string_view(k.name) == "act_cycles";
    s.field(k.name, k.member, k.def).unit("cycles").range(is_act ? 1 : 0, 1u << 20).doc(k.doc);
  }
}

void HbmControllerCfg::describe(Schema<HbmControllerCfg>& s) {
  s.field("read_queue", &HbmControllerCfg::read_queue, 64u).unit("bursts").range(1, 4096)
      .doc("read queue entries per pseudo-channel");
  s.field("write_queue", &HbmControllerCfg::write_queue, 64u).unit("bursts").range(1, 4096)
      .doc("write queue entries per pseudo-channel");
  s.field("write_high", &HbmControllerCfg::write_high, 48u).unit("bursts")
      .doc("write draining starts when this many writes are queued (<= write_queue)");
  s.field("write_low", &HbmControllerCfg::write_low, 16u).unit("bursts")
      .doc("write draining stops when this many writes are left (< write_high)");
  s.field("write_max_wait", &HbmControllerCfg::write_max_wait, 4096u).unit("cycles").range(1, 1u << 30)
      .doc("write draining also starts once the oldest queued write has waited this long, so a few "
           "writes among saturating reads are not held forever");
  s.field("conflict_max_wait", &HbmControllerCfg::conflict_max_wait, 1024u).unit("cycles")
      .range(1, 1u << 30)
      .doc("FR-FCFS serves row hits first; once a bank's oldest queued burst (another row) has "
           "waited this long, the bank takes no more hits until its row is closed for it");
  s.choice("scheduler", &HbmControllerCfg::scheduler, HbmScheduler::FrFcfs,
           {{"fr-fcfs", HbmScheduler::FrFcfs}, {"fcfs", HbmScheduler::Fcfs}})
      .doc("fr-fcfs: ready row hits first, then oldest; fcfs: strictly the oldest request");
  s.choice("page_policy", &HbmControllerCfg::page_policy, HbmPagePolicy::Open,
           {{"open", HbmPagePolicy::Open},
            {"closed", HbmPagePolicy::Closed},
            {"adaptive", HbmPagePolicy::Adaptive}})
      .doc("open: close a row only for a conflict; closed: close it when no queued request hits "
           "it; adaptive: close it after adaptive_timeout idle cycles");
  s.field("adaptive_timeout", &HbmControllerCfg::adaptive_timeout, 64u).unit("cycles")
      .range(1, 1u << 20).doc("idle cycles before the adaptive policy closes a row");
  s.choice("refresh", &HbmControllerCfg::refresh, HbmRefresh::PerBank,
           {{"per_bank", HbmRefresh::PerBank},
            {"all_bank", HbmRefresh::AllBank},
            {"none", HbmRefresh::None}})
      .doc("per_bank: REFpb every tREFISB to an idle bank; all_bank: REFab every tREFI; none: "
           "no refresh (tests only)");
  s.field("refresh_postpone", &HbmControllerCfg::refresh_postpone, 4u).unit("commands")
      .range(1, 8).doc("refreshes owed before the controller forces one (JEDEC allows 8)");
  s.field("address_map", &HbmControllerCfg::address_map,
          std::vector<std::string>{"bg:2", "pc:1", "ch:3", "ba:2", "col:5", "sid:1", "row:15"})
      .min_items(1)
      .doc("address bits above the burst offset, from the LSB: field:bits with field in ch, pc, "
           "sid, bg, ba, col, row; each field's bits must add up to log2 of its count");
  s.field("xor_bank_hash", &HbmControllerCfg::xor_bank_hash, false)
      .doc("XOR the low row bits into the bank-group and bank bits (spreads row conflicts)");
  s.check([](const HbmControllerCfg& c, const Checker& k) {
    if (c.write_high > c.write_queue) {
      k.fail("write_high", fmt::format("{} exceeds write_queue ({})", c.write_high, c.write_queue));
    }
    if (c.write_low >= c.write_high) {
      k.fail("write_low", fmt::format("{} must be below write_high ({})", c.write_low, c.write_high));
    }
  });
}

void HbmEnergyCfg::describe(Schema<HbmEnergyCfg>& s) {
  // HBM_TIMING.md section 6: no public IDD values; per-event figures from O'Connor et al. [S13].
  s.field("act_pj", &HbmEnergyCfg::act_pj, 909.0).unit("pJ").min(0)
      .doc("energy of one ACT of a 1 KB row with its PRE [S13 Table 3]");
  s.field("read_pj_per_bit", &HbmEnergyCfg::read_pj_per_bit, 2.68).unit("pJ/bit").min(0)
      .doc("on-die data movement per bit read: pre-GSA 1.51 + post-GSA 1.17 [S13 Table 3]");
  s.field("write_pj_per_bit", &HbmEnergyCfg::write_pj_per_bit, 2.68).unit("pJ/bit").min(0)
      .doc("on-die data movement per bit written (taken equal to reads) [S13 Table 3]");
  s.field("io_pj_per_bit", &HbmEnergyCfg::io_pj_per_bit, 0.80).unit("pJ/bit").min(0)
      .doc("I/O per bit at 50% activity [S13 Table 3]");
  s.field("refpb_pj", &HbmEnergyCfg::refpb_pj, 3636.0).unit("pJ").min(0)
      .doc("one REFpb: rows/(tREFW/tREFI) = 32768/8192 = 4 row activations x act_pj [D]");
  s.field("refab_pj", &HbmEnergyCfg::refab_pj, 116352.0).unit("pJ").min(0)
      .doc("one REFab: banks per pseudo-channel x refpb_pj [D]");
  s.field("background_mw", &HbmEnergyCfg::background_mw, 0.0).unit("mW").min(0)
      .doc("background power per pseudo-channel; no sourced figure exists (HBM_TIMING.md 6), so 0");
}

namespace {

std::int64_t v(std::uint32_t x) { return static_cast<std::int64_t>(x); }

}  // namespace

const std::vector<HbmTimingRelation>& hbm_timing_relations() {
  // The preset checks of D16. Each is a property the controller and the checker rely on; a preset
  // breaking one is inconsistent whatever its source.
  static const std::vector<HbmTimingRelation> relations = {
      {"tRC", "tRC >= tRAS + tRP", [](const HbmCfg& c) { return v(c.timing.tRC); },
       [](const HbmCfg& c) { return v(c.timing.tRAS) + v(c.timing.tRP); }},
      {"tRAS", "tRAS >= tRCDRD", [](const HbmCfg& c) { return v(c.timing.tRAS); },
       [](const HbmCfg& c) { return v(c.timing.tRCDRD); }},
      {"tCCD_S", "tCCD_S >= burst_cycles", [](const HbmCfg& c) { return v(c.timing.tCCD_S); },
       [](const HbmCfg& c) { return v(c.org.burst_cycles); }},
      {"tCCD_L", "tCCD_L >= tCCD_S", [](const HbmCfg& c) { return v(c.timing.tCCD_L); },
       [](const HbmCfg& c) { return v(c.timing.tCCD_S); }},
      {"tCCDR", "tCCDR >= tCCD_S", [](const HbmCfg& c) { return v(c.timing.tCCDR); },
       [](const HbmCfg& c) { return v(c.timing.tCCD_S); }},
      {"tRRD_L", "tRRD_L >= tRRD_S", [](const HbmCfg& c) { return v(c.timing.tRRD_L); },
       [](const HbmCfg& c) { return v(c.timing.tRRD_S); }},
      {"tRRD_S", "tRRD_S >= act_cycles", [](const HbmCfg& c) { return v(c.timing.tRRD_S); },
       [](const HbmCfg& c) { return v(c.timing.act_cycles); }},
      {"tFAW", "tFAW >= tRRD_S", [](const HbmCfg& c) { return v(c.timing.tFAW); },
       [](const HbmCfg& c) { return v(c.timing.tRRD_S); }},
      {"tWTR_L", "tWTR_L >= tWTR_S", [](const HbmCfg& c) { return v(c.timing.tWTR_L); },
       [](const HbmCfg& c) { return v(c.timing.tWTR_S); }},
      {"tRTW", "tRTW >= RL + burst_cycles - WL (read data must leave the bus before write data)",
       [](const HbmCfg& c) { return v(c.timing.tRTW); },
       [](const HbmCfg& c) { return v(c.timing.RL) + v(c.org.burst_cycles) - v(c.timing.WL); }},
      {"tRFC", "tRFC >= tRFCSB", [](const HbmCfg& c) { return v(c.timing.tRFC); },
       [](const HbmCfg& c) { return v(c.timing.tRFCSB); }},
      {"tRFCSB", "tRFCSB >= tRC (a refresh activates and precharges rows)",
       [](const HbmCfg& c) { return v(c.timing.tRFCSB); },
       [](const HbmCfg& c) { return v(c.timing.tRC); }},
      {"tREFI", "tREFI >= 2 x tRFC (refresh may not take half the time)",
       [](const HbmCfg& c) { return v(c.timing.tREFI); },
       [](const HbmCfg& c) { return 2 * v(c.timing.tRFC); }},
      {"tREFISB", "tREFISB x banks per pseudo-channel <= tREFI",
       [](const HbmCfg& c) { return v(c.timing.tREFI); },
       [](const HbmCfg& c) { return v(c.timing.tREFISB) * v(c.org.banks_per_pc()); }},
      {"tREFISB", "tREFISB >= tRREFD", [](const HbmCfg& c) { return v(c.timing.tREFISB); },
       [](const HbmCfg& c) { return v(c.timing.tRREFD); }},
      {"tRREFD", "tRREFD >= 1", [](const HbmCfg& c) { return v(c.timing.tRREFD); },
       [](const HbmCfg&) { return std::int64_t{1}; }},
      {"tRCDRD", "tRCDRD >= 1", [](const HbmCfg& c) { return v(c.timing.tRCDRD); },
       [](const HbmCfg&) { return std::int64_t{1}; }},
      {"tRCDWR", "tRCDWR >= 1", [](const HbmCfg& c) { return v(c.timing.tRCDWR); },
       [](const HbmCfg&) { return std::int64_t{1}; }},
      {"tRP", "tRP >= 1", [](const HbmCfg& c) { return v(c.timing.tRP); },
       [](const HbmCfg&) { return std::int64_t{1}; }},
  };
  return relations;
}

std::vector<HbmMapPiece> parse_address_map(const std::vector<std::string>& items,
                                           const HbmOrgCfg& org) {
  struct FieldName {
    const char* name;
    HbmField field;
    std::uint32_t count;
  };
  const FieldName names[] = {
      {"ch", HbmField::Channel, org.channels},   {"pc", HbmField::PseudoChannel, org.pseudo_channels},
      {"sid", HbmField::Sid, org.sids},          {"bg", HbmField::BankGroup, org.bank_groups},
      {"ba", HbmField::Bank, org.banks_per_group}, {"col", HbmField::Column, org.columns},
      {"row", HbmField::Row, org.rows},
  };
  std::uint32_t have[7] = {};
  std::vector<HbmMapPiece> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string& it = items[i];
    const auto colon = it.find(':');
    const std::string name = it.substr(0, colon);
    const FieldName* f = nullptr;
    for (const FieldName& n : names) {
      if (name == n.name) f = &n;
    }
    if (colon == std::string::npos || f == nullptr) {
      throw std::invalid_argument(fmt::format(
          "[{}]: '{}' is not field:bits with field one of ch, pc, sid, bg, ba, col, row", i, it));
    }
    std::uint32_t bits = 0;
    try {
      std::size_t used = 0;
      const unsigned long b = std::stoul(it.substr(colon + 1), &used);
      if (used != it.size() - colon - 1 || b == 0 || b > 32) throw std::invalid_argument("");
      bits = static_cast<std::uint32_t>(b);
    } catch (const std::exception&) {
      throw std::invalid_argument(fmt::format("[{}]: '{}': bits must be 1..32", i, it));
    }
    have[static_cast<int>(f->field)] += bits;
    out.push_back({f->field, bits});
  }
  for (const FieldName& n : names) {
    const std::uint32_t need = static_cast<std::uint32_t>(std::countr_zero(n.count));
    if (have[static_cast<int>(n.field)] != need) {
      throw std::invalid_argument(fmt::format(
          "field {} has {} bits but the organization needs {} (log2 of {})", n.name,
          have[static_cast<int>(n.field)], need, n.count));
    }
  }
  return out;
}

void HbmCfg::describe(Schema<HbmCfg>& s) {
  s.field("standard", &HbmCfg::standard, std::string("HBM2E"))
      .doc("name of the preset, for reports");
  s.frequency("clock", &HbmCfg::clock_hz, "1.6GHz")
      .doc("command clock CK; HBM2E at 3.2 Gb/s per pin has DDR DQ at 1.6 GHz [D from S11]");
  s.section("org", &HbmCfg::org).doc("Organization of one stack.");
  s.section("timing", &HbmCfg::timing).doc("Timing in CK cycles (nCK), each value with its source in the preset file.");
  s.section("controller", &HbmCfg::controller).doc("Per pseudo-channel controller policies.");
  s.section("energy", &HbmCfg::energy).doc("Energy per event (DECISIONS.md D15).");
  s.check([](const HbmCfg& c, const Checker& k) {
    // The controller keeps one bit per bank of a pseudo-channel in a 64-bit mask.
    if (c.org.banks_per_pc() > 64) {
      k.fail("org.banks_per_group", fmt::format("{} banks per pseudo-channel (sids x bank_groups x "
                                                "banks_per_group) exceed the model's 64",
                                                c.org.banks_per_pc()));
    }
    try {
      parse_address_map(c.controller.address_map, c.org);
    } catch (const std::invalid_argument& e) {
      const std::string why = e.what();
      if (why.starts_with("[")) {
        const auto close = why.find(']');
        k.fail("controller.address_map" + why.substr(0, close + 1), why.substr(close + 3));
      }
      k.fail("controller.address_map", why);
    }
    for (const HbmTimingRelation& r : hbm_timing_relations()) {
      const std::int64_t l = r.lhs(c), rr = r.rhs(c);
      if (l < rr) {
        k.fail(std::string("timing.") + r.key,
               fmt::format("inconsistent timing: {} does not hold ({} < {})", r.text, l, rr));
      }
    }
  });
}

void MemTrafficCfg::describe(Schema<MemTrafficCfg>& s) {
  s.choice("pattern", &MemTrafficCfg::pattern, MemPattern::Stream,
           {{"stream", MemPattern::Stream},
            {"random", MemPattern::Random},
            {"strided", MemPattern::Strided},
            {"trace", MemPattern::Trace}})
      .doc("stream: consecutive addresses; random: uniform aligned addresses; strided: every "
           "stride bytes; trace: the requests of `trace` (or --trace)");
  s.field("size", &MemTrafficCfg::size, 64u).unit("bytes").range(32, 512)
      .doc("bytes per request: a multiple of the burst size, at most 512");
  s.field("stride", &MemTrafficCfg::stride, 4096u).unit("bytes").min(1)
      .doc("address step of the strided pattern");
  s.field("read_fraction", &MemTrafficCfg::read_fraction, 1.0).range(0, 1)
      .doc("share of reads; the rest are writes");
  s.field("rate", &MemTrafficCfg::rate, 0.0).unit("requests/cycle").min(0)
      .doc("offered requests per memory cycle; 0 = saturating (submit whenever accepted)");
  s.field("requests", &MemTrafficCfg::requests, 100000u).min(1)
      .doc("requests the generator issues");
  s.field("region", &MemTrafficCfg::region, 0u).unit("bytes")
      .doc("addresses are drawn from [0, region); 0 = the whole stack");
  s.field("trace", &MemTrafficCfg::trace, std::string(""))
      .doc("trace file (lines 'cycle R|W address size'), relative to the working directory");
}

void MemConfig::describe(Schema<MemConfig>& s) {
  s.field("seed", &MemConfig::seed, 1u).doc("seed of every random stream of the run");
  s.section("hbm", &MemConfig::hbm).doc("One HBM stack.");
  s.section("traffic", &MemConfig::traffic).doc("The request generator of `snsim mem`.");
  s.choice("log_level", &MemConfig::log_level, LogLevel::Warn,
           {{"error", LogLevel::Error},
            {"warn", LogLevel::Warn},
            {"info", LogLevel::Info},
            {"debug", LogLevel::Debug},
            {"trace", LogLevel::Trace}})
      .doc("messages at this level and more severe are printed to stderr");
  s.check([](const MemConfig& m, const Checker& k) {
    const auto burst = m.hbm.org.burst_bytes;
    if (m.traffic.size % burst != 0) {
      k.fail("traffic.size", fmt::format("{} B is not a multiple of the {} B burst",
                                         m.traffic.size, burst));
    }
    if (m.traffic.region != 0 && (m.traffic.region > m.hbm.org.stack_bytes() ||
                                  m.traffic.region < m.traffic.size)) {
      k.fail("traffic.region", fmt::format("{} B is not within one request and the stack's {} B",
                                           m.traffic.region, m.hbm.org.stack_bytes()));
    }
    if (m.traffic.pattern == MemPattern::Trace && m.traffic.trace.empty()) {
      k.fail("traffic.trace", "pattern trace needs a trace file");
    }
  });
}

}  // namespace snsim
