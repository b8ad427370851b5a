// The independent timing checker (D16): every constraint of its table fires when its command
// comes one cycle early and stays quiet at exactly the limit; the preset relations are checked;
// and a controller skewed by one cycle on a timing value is caught.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common/stats.h"
#include "config/hbm_config.h"
#include "hbm/hbm_stack.h"
#include "hbm/timing_checker.h"
#include "hbm/traffic.h"

namespace snsim::hbm {
namespace {

HbmCfg preset(const char* name) {
  return load<MemConfig>(std::string(SNSIM_SOURCE_DIR) + "/configs/" + name).hbm;
}

CmdRecord cmd(Cycle t, Cmd c, std::uint32_t bank = 0, std::uint32_t row = 5, std::uint8_t pc = 0) {
  CmdRecord r;
  r.cycle = t;
  r.cmd = c;
  r.pc = pc;
  r.bank = static_cast<std::uint8_t>(bank);
  r.row = row;
  return r;
}

// Runs the commands; all but the last must pass. Returns the constraints the last one breaks.
std::vector<std::string> broken_by_last(const HbmCfg& cfg, const std::vector<CmdRecord>& cmds) {
  TimingChecker chk(cfg, /*check_refresh=*/true);
  for (std::size_t i = 0; i + 1 < cmds.size(); ++i) {
    try {
      chk.on_command(cmds[i]);
    } catch (const TimingViolation& v) {
      ADD_FAILURE() << "setup command " << i << " was refused: " << v.what();
      return {"<setup>"};
    }
  }
  try {
    chk.on_command(cmds.back());
  } catch (const TimingViolation& v) {
    return v.constraints();
  }
  return {};
}

bool needs_open(Cmd c) { return is_column(c); }

// A script whose last command comes `early` cycles before constraint k allows it (early = 1: one
// cycle early, must fire; early = 0: exactly at the limit, must not fire k).
std::optional<std::vector<CmdRecord>> script(const HbmCfg& cfg, const Constraint& k, int early) {
  const HbmTimingCfg& T = cfg.timing;
  const Cycle t0 = 20000;  // well past the setup, well within the refresh allowance
  const std::uint32_t bpg = cfg.org.banks_per_group, per_sid = cfg.org.bank_groups * bpg;
  std::vector<CmdRecord> s;
  switch (k.kind) {
    case ConstraintKind::Pair: {
      const std::uint32_t a = 0;
      const std::uint32_t b = k.scope == Scope::Bank            ? 0
                              : k.scope == Scope::BankGroup     ? 1
                              : k.scope == Scope::PseudoChannel ? bpg  // next bank group
                                                                : per_sid;  // other SID
      Cycle setup = 1000;
      if (needs_open(k.prev)) s.push_back(cmd(setup, Cmd::ACT, a)), setup += 1000;
      if (needs_open(k.next) && !(b == a && (needs_open(k.prev) || k.prev == Cmd::ACT))) {
        s.push_back(cmd(setup, Cmd::ACT, b));
        setup += 1000;
      }
      s.push_back(cmd(t0, k.prev, a));
      const Cycle eff = t0 + (k.prev == Cmd::ACT ? T.act_cycles - 1 : 0);
      const Cycle at = eff + static_cast<Cycle>(k.distance) - static_cast<Cycle>(early);
      // ACT after ACT to the same bank needs the bank closed in between.
      if (k.prev == Cmd::ACT && b == a && (k.next == Cmd::ACT || k.next == Cmd::REFpb)) {
        s.push_back(cmd(eff + T.tRAS, Cmd::PRE, a));
      }
      s.push_back(cmd(at, k.next, b));
      return s;
    }
    case ConstraintKind::Window: {
      // Four activations (the fourth a REFpb for the REFpb variant) at tRRD_S spacing over the
      // four bank groups, then a fifth ACT tFAW after the first.
      const Cycle sp = T.tRRD_S + T.act_cycles - 1;
      s.push_back(cmd(t0, Cmd::ACT, 0));
      s.push_back(cmd(t0 + sp, Cmd::ACT, bpg));
      s.push_back(cmd(t0 + 2 * sp, Cmd::ACT, 2 * bpg));
      if (k.prev == Cmd::REFpb) {
        s.push_back(cmd(t0 + 3 * sp, Cmd::REFpb, 3 * bpg + 1));
      } else {
        s.push_back(cmd(t0 + 3 * sp, Cmd::ACT, 3 * bpg));
      }
      const Cycle first_eff = t0 + T.act_cycles - 1;
      const Cycle at = first_eff + T.tFAW - static_cast<Cycle>(early);
      if (at <= t0 + 3 * sp) return std::nullopt;  // the window cannot fill: tFAW > 4 tRRD_S case
      s.push_back(cmd(at, Cmd::ACT, 1));
      return s;
    }
    case ConstraintKind::RowBus:
      s.push_back(cmd(t0, Cmd::ACT, 0, 5, 0));
      s.push_back(cmd(t0 + (early ? 0 : T.act_cycles), Cmd::PRE, 0, 5, 1));
      return s;
    case ConstraintKind::Act2Cycle:
      s.push_back(cmd(t0, Cmd::ACT, 0, 5, 0));
      s.push_back(cmd(t0 + T.act_cycles - static_cast<Cycle>(early), Cmd::PRE, 0, 5, 1));
      return s;
    case ConstraintKind::ColumnBus:
      s.push_back(cmd(1000, Cmd::ACT, 0, 5, 0));
      s.push_back(cmd(2000, Cmd::ACT, 0, 5, 1));
      s.push_back(cmd(t0, Cmd::RD, 0, 5, 0));
      s.push_back(cmd(t0 + 1 - static_cast<Cycle>(early), Cmd::RD, 0, 5, 1));
      return s;
    case ConstraintKind::RefreshInterval: {
      // No refresh at all: the allowance of 8 tREFI runs out at 9 tREFI.
      s.push_back(cmd(static_cast<Cycle>(k.distance + 1) * T.tREFI - 1 + static_cast<Cycle>(early),
                      Cmd::ACT, 0));
      return s;
    }
    case ConstraintKind::State: {
      // Early = 1 puts the bank in the wrong state; early = 0 in the right one.
      const Cmd c = k.next;
      if (c == Cmd::ACT || c == Cmd::REFpb || c == Cmd::REFab) {
        s.push_back(cmd(1000, Cmd::ACT, 3));
        if (!early) s.push_back(cmd(2000, Cmd::PRE, 3));
        s.push_back(cmd(t0, c, 3));
      } else {
        if (!early) s.push_back(cmd(1000, Cmd::ACT, 3, 7));
        s.push_back(cmd(t0, c, 3, 7));
      }
      return s;
    }
  }
  return std::nullopt;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class CheckerPreset : public ::testing::TestWithParam<const char*> {};

TEST_P(CheckerPreset, EveryConstraintFiresOneCycleEarlyAndNotAtItsLimit) {
  const HbmCfg cfg = preset(GetParam());
  const TimingChecker chk(cfg, true);
  ASSERT_GE(chk.constraints().size(), 40u);
  std::vector<std::string> no_case;
  for (const Constraint& k : chk.constraints()) {
    const auto bad = script(cfg, k, 1), good = script(cfg, k, 0);
    if (!bad || !good) {
      no_case.push_back(k.name);
      continue;
    }
    const auto fired = broken_by_last(cfg, *bad);
    EXPECT_TRUE(contains(fired, k.name)) << k.name << ": one cycle early did not fire";
    const auto quiet = broken_by_last(cfg, *good);
    EXPECT_FALSE(contains(quiet, k.name)) << k.name << ": fired at its limit";
  }
  EXPECT_TRUE(no_case.empty()) << "constraints without a firing case: " << ::testing::PrintToString(no_case);
}

INSTANTIATE_TEST_SUITE_P(Presets, CheckerPreset, ::testing::Values("hbm2e.yaml", "hbm3.yaml"));

TEST(TimingChecker, CoversTheConstraintsD16Names) {
  const TimingChecker chk(preset("hbm2e.yaml"), true);
  std::vector<std::string> names;
  for (const Constraint& k : chk.constraints()) names.push_back(k.name);
  for (const char* n : {"tRCDRD", "tRCDWR", "tRP", "tRAS", "tRC", "tCCD_S (RD to RD)", "tCCD_L (RD to RD)",
                        "tCCDR", "tRRD_S", "tRRD_L", "tFAW", "tFAW (REFpb counted)", "tWR", "tWTR_S",
                        "tWTR_L", "tRTP", "tRTW", "tRFC (REFab to ACT)", "tRFCSB (REFpb to ACT)",
                        "tRREFD (REFpb to REFpb)", "tREFI", "row command bus", "column command bus",
                        "2-cycle ACT"}) {
    EXPECT_TRUE(contains(names, n)) << n;
  }
}

TEST(TimingChecker, ViolationReportsTheBankHistory) {
  const HbmCfg cfg = preset("hbm2e.yaml");
  TimingChecker chk(cfg, true);
  chk.on_command(cmd(100, Cmd::ACT, 2, 9));
  try {
    chk.on_command(cmd(110, Cmd::RD, 2, 9));
    FAIL() << "RD 9 cycles after ACT passed";
  } catch (const TimingViolation& v) {
    const std::string m = v.what();
    EXPECT_NE(m.find("breaks tRCDRD"), std::string::npos) << m;
    EXPECT_NE(m.find("cycle 100: ACT ch0 pc0 bank 2 row 9"), std::string::npos) << m;
    EXPECT_NE(m.find("cycle 110: RD ch0 pc0 bank 2 row 9"), std::string::npos) << m;
  }
}

TEST(TimingChecker, RefusesAnInconsistentPreset) {
  HbmCfg cfg = preset("hbm2e.yaml");
  cfg.timing.tRC = cfg.timing.tRAS + cfg.timing.tRP - 1;
  cfg.timing.tCCD_L = 1;
  try {
    TimingChecker chk(cfg, true);
    FAIL() << "accepted tRC < tRAS + tRP";
  } catch (const PresetError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("tRC >= tRAS + tRP"), std::string::npos) << m;
    EXPECT_NE(m.find("tCCD_L >= tCCD_S"), std::string::npos) << m;
  }
  EXPECT_TRUE(TimingChecker::validate_preset(preset("hbm2e.yaml")).empty());
  EXPECT_TRUE(TimingChecker::validate_preset(preset("hbm3.yaml")).empty());
}

TEST(TimingChecker, RefreshDebtAtTheEndOfARun) {
  const HbmCfg cfg = preset("hbm2e.yaml");
  TimingChecker chk(cfg, true);
  EXPECT_NO_THROW(chk.finish(9 * Cycle{cfg.timing.tREFI} - 1));
  EXPECT_THROW(chk.finish(9 * Cycle{cfg.timing.tREFI}), TimingViolation);
  TimingChecker off(cfg, false);
  EXPECT_NO_THROW(off.finish(100 * Cycle{cfg.timing.tREFI}));
}

// The controller runs with one timing value a cycle shorter than the checker's: the checker must
// catch it under ordinary traffic. This ties the checker to the commands the controller really
// issues, not only to hand-written scripts.
struct Skew {
  const char* name;
  std::uint32_t HbmTimingCfg::*member;
  MemPattern pattern;
  double read_fraction;
  HbmPagePolicy policy;
};

class SkewedController : public ::testing::TestWithParam<Skew> {};

TEST_P(SkewedController, IsCaught) {
  const Skew k = GetParam();
  HbmCfg good = preset("hbm2e.yaml");
  good.controller.page_policy = k.policy;
  HbmCfg bad = good;
  bad.timing.*(k.member) -= 1;
  StatsRegistry stats;
  HbmStack stack(bad, stats);
  TimingChecker chk(good, true);
  stack.add_observer(&chk);
  MemTrafficCfg t = config_defaults<MemTrafficCfg>();
  t.pattern = k.pattern;
  t.read_fraction = k.read_fraction;
  t.requests = 20000;
  Generator gen(t, good.org.stack_bytes(), 7);
  try {
    drive(stack, [&](TraceEntry& e) { return gen.next(e); });
    FAIL() << k.name << " one cycle short was not caught";
  } catch (const TimingViolation& v) {
    EXPECT_TRUE(contains(v.constraints(), k.name)) << v.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Timing, SkewedController,
    ::testing::Values(Skew{"tRCDRD", &HbmTimingCfg::tRCDRD, MemPattern::Random, 1.0, HbmPagePolicy::Open},
                      Skew{"tRP", &HbmTimingCfg::tRP, MemPattern::Random, 1.0, HbmPagePolicy::Open},
                      Skew{"tRRD_S", &HbmTimingCfg::tRRD_S, MemPattern::Random, 1.0, HbmPagePolicy::Closed},
                      Skew{"tCCD_L (RD to RD)", &HbmTimingCfg::tCCD_L, MemPattern::Strided, 1.0, HbmPagePolicy::Open},
                      Skew{"tRTW", &HbmTimingCfg::tRTW, MemPattern::Random, 0.5, HbmPagePolicy::Open},
                      Skew{"tRAS", &HbmTimingCfg::tRAS, MemPattern::Random, 1.0, HbmPagePolicy::Closed}),
    [](const auto& info) { return std::string(info.param.name).substr(0, std::string(info.param.name).find(' ')); });

}  // namespace
}  // namespace snsim::hbm
