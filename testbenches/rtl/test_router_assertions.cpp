// Every router-level RTL assertion broken on purpose and seen to fire (the building blocks' own
// assertions are broken in test_rtl_units.cpp). Protocol assertions are broken by illegal stimulus;
// internal invariants, which legal stimulus cannot reach, by the SN_FAULT_INJECT hooks of the
// sn_router_p8_v4_d4_w64_faults build, each selected by a plusarg. Every case also runs the same
// stimulus made legal (protocol) or without the plusarg (faults) and requires silence, so a hook or
// stimulus that breaks something else, or an assertion that fires on everything, is caught.
// Assertion failures are made non-fatal (fatalOnError(false)); the test reads gotError() and the
// printed message, which must name the assertion.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "Vsn_router_p8_v4_d4_w64_faults.h"
#include "Vsn_tb_bad_widths.h"
#include "Vsn_tb_input_v3.h"
#include "Vsn_tb_params_derived.h"
#include "Vsn_tb_params_high.h"
#include "Vsn_tb_params_low.h"
#include "noc/verilated_router.h"

namespace snsim::noc {
namespace {

using FaultRouter = VerilatedRouter<Vsn_router_p8_v4_d4_w64_faults>;
const RouterParams kP{8, 4, 4, 64, 1024};

struct Outcome {
  bool error = false;
  std::string log;
};

// Builds a fresh router with the plusargs, loads the identity table (endpoint d -> port d), runs the
// scenario with assertion failures recorded instead of fatal, and returns what happened.
Outcome run(const std::vector<std::string>& plusargs, const std::function<void(FaultRouter&)>& scenario) {
  ::testing::internal::CaptureStdout();
  Outcome o;
  {
    FaultRouter r(kP, 1, plusargs);
    r.context().fatalOnError(false);
    for (unsigned d = 0; d < kP.ports; ++d) r.write_table(d, TableEntry{static_cast<uint8_t>(d), 1, true});
    scenario(r);
    r.step();
    r.step();
    o.error = r.context().gotError();
  }
  o.log = ::testing::internal::GetCapturedStdout();
  return o;
}

::testing::AssertionResult fired(const Outcome& o, const std::string& name) {
  const std::string msg = "assertion " + name + " failed";
  if (!o.error) return ::testing::AssertionFailure() << "no assertion fired; expected " << name;
  if (o.log.find(msg) == std::string::npos) {
    return ::testing::AssertionFailure() << "'" << msg << "' not printed; log:\n" << o.log.substr(0, 3000);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult quiet(const Outcome& o) {
  if (o.error || o.log.find("failed") != std::string::npos) {
    return ::testing::AssertionFailure() << "an assertion fired on legal stimulus:\n" << o.log.substr(0, 3000);
  }
  return ::testing::AssertionSuccess();
}

// One flit presented in one cycle.
void send(FaultRouter& r, unsigned port, uint8_t vc, bool head, bool tail, uint16_t src, uint16_t dst) {
  Flit f;
  f.head = head;
  f.tail = tail;
  f.src = src;
  f.dst = dst;
  f.payload[0] = 0x1234;
  r.set_in(port, LinkFlit{true, vc, f});
  r.step();
}

// A packet of len flits, one per cycle.
void packet(FaultRouter& r, unsigned port, uint8_t vc, uint16_t dst, unsigned len) {
  for (unsigned i = 0; i < len; ++i) send(r, port, vc, i == 0, i + 1 == len, static_cast<uint16_t>(port), dst);
}

void idle(FaultRouter& r, unsigned n) {
  for (unsigned i = 0; i < n; ++i) r.step();
}

// ---- Protocol assertions, by illegal stimulus ----

// Output 1 never returns credits, so its 4 credits and input 0's 4-flit VC buffer hold 8 flits; the
// 9th is sent without a credit into a full buffer (sn_router_input NoFlitWithoutCredit, and the
// buffer's own sn_fifo NoPushWhenFull).
TEST(RouterAssertionTest, FlitWithoutCreditFires) {
  auto flits = [](unsigned n) {
    return [n](FaultRouter& r) {
      for (unsigned k = 0; k < n; ++k) send(r, 0, 0, true, true, 0, 1);
    };
  };
  EXPECT_TRUE(quiet(run({}, flits(2 * kP.buf_depth))));
  const Outcome o = run({}, flits(2 * kP.buf_depth + 1));
  EXPECT_TRUE(fired(o, "NoFlitWithoutCredit"));
  EXPECT_TRUE(fired(o, "NoPushWhenFull"));
}

// A credit returned for a flit that was never sent (sn_credit_counter NoCreditOverflow).
TEST(RouterAssertionTest, CreditOverflowFires) {
  auto scenario = [](bool send_first) {
    return [send_first](FaultRouter& r) {
      if (send_first) send(r, 0, 2, true, true, 0, 1);
      idle(r, 3);
      r.set_out_credit(1, LinkCredit{true, 2});
      r.step();
    };
  };
  EXPECT_TRUE(quiet(run({}, scenario(true))));
  EXPECT_TRUE(fired(run({}, scenario(false)), "NoCreditOverflow"));
}

// Head flits that cannot be routed (sn_router_input HeadRoutable): an invalid entry, a destination
// beyond the table, an entry naming port 9 of an 8-port router.
TEST(RouterAssertionTest, UnroutableHeadFires) {
  auto to = [](uint16_t dst, TableEntry e) {
    return [dst, e](FaultRouter& r) {
      r.write_table(dst % kP.table_depth, e);
      send(r, 3, 1, true, true, 3, dst);
    };
  };
  EXPECT_TRUE(quiet(run({}, to(50, TableEntry{6, 1, true}))));
  EXPECT_TRUE(fired(run({}, to(50, TableEntry{6, 1, false})), "HeadRoutable"));
  EXPECT_TRUE(fired(run({}, to(1024 + 50, TableEntry{6, 1, true})), "HeadRoutable"));
  EXPECT_TRUE(fired(run({}, to(50, TableEntry{9, 1, true})), "HeadRoutable"));
  // An equal-cost set 6..9: a flow that hashes onto port 8 or 9 must be caught.
  uint16_t dst = 50;
  while (select_port(TableEntry{6, 4, true}, flow_hash(3, dst)) < kP.ports) ++dst;
  EXPECT_TRUE(fired(run({}, to(dst, TableEntry{6, 4, true})), "HeadRoutable"));
}

// A body flit with no packet open on its VC, and a head inside an open packet
// (sn_router_input PacketFraming).
TEST(RouterAssertionTest, PacketFramingFires) {
  EXPECT_TRUE(quiet(run({}, [](FaultRouter& r) {
    send(r, 0, 3, true, false, 0, 1);
    send(r, 0, 3, false, false, 0, 1);
    send(r, 0, 3, false, true, 0, 1);
  })));
  EXPECT_TRUE(fired(run({}, [](FaultRouter& r) { send(r, 0, 3, false, true, 0, 1); }), "PacketFraming"));
  EXPECT_TRUE(fired(run({}, [](FaultRouter& r) {
                      send(r, 0, 3, true, false, 0, 1);
                      send(r, 0, 3, true, true, 0, 1);
                    }),
                    "PacketFraming"));
}

// ---- Internal invariants, by fault injection ----

struct FaultCase {
  const char* plusarg;
  std::vector<const char*> assertions;
  std::function<void(FaultRouter&)> scenario;
};

void check_fault(const FaultCase& c) {
  EXPECT_TRUE(quiet(run({}, c.scenario))) << "without +" << c.plusarg;
  const Outcome o = run({std::string("+") + c.plusarg}, c.scenario);
  for (const char* a : c.assertions) EXPECT_TRUE(fired(o, a)) << "with +" << c.plusarg;
}

// The switch grants input 0, which requests nothing (sn_switch_alloc GrantOnlyRequesters,
// sn_router_input GrantOnlyRequest).
TEST(RouterFaultTest, PhantomGrantFires) {
  check_fault({"sn_fault_sa_phantom", {"GrantOnlyRequesters", "GrantOnlyRequest"},
               [](FaultRouter& r) { packet(r, 1, 0, 2, 3); }});
}

// An output sends while the input it took the flit from is not told (sn_switch_alloc
// GrantsMatchOutputs).
TEST(RouterFaultTest, DroppedGrantFires) {
  check_fault({"sn_fault_sa_drop", {"GrantsMatchOutputs"}, [](FaultRouter& r) { packet(r, 0, 0, 1, 2); }});
}

// Each request goes to the next output's arbiter, so an output sends a flit meant for another
// (sn_router NoMisroute).
TEST(RouterFaultTest, MisrouteFires) {
  check_fault({"sn_fault_sa_misroute", {"NoMisroute"}, [](FaultRouter& r) { packet(r, 0, 0, 1, 1); }});
}

// Inputs 0 and 2 start 3-flit packets to the same output VC in the same cycle; input 0 pauses after
// its head (otherwise its body flits, served first, would keep the other head out anyway). Ignoring
// the busy bit lets input 2's head in before input 0's tail (sn_router_output HeadClaimsFreeVc).
TEST(RouterFaultTest, HeadOnBusyVcFires) {
  check_fault({"sn_fault_ignore_busy", {"HeadClaimsFreeVc"}, [](FaultRouter& r) {
                 const auto flit = [&](unsigned in, unsigned i) {
                   Flit f;
                   f.head = i == 0;
                   f.tail = i == 2;
                   f.src = static_cast<uint16_t>(in);
                   f.dst = 1;
                   r.set_in(in, LinkFlit{true, 1, f});
                 };
                 for (unsigned i = 0; i < 3; ++i) {
                   if (i == 0) flit(0, 0);
                   flit(2, i);
                   r.step();
                 }
                 idle(r, 4);
                 for (unsigned i = 1; i < 3; ++i) {
                   flit(0, i);
                   r.step();
                 }
                 idle(r, 8);
               }});
}

// Output 1 never returns credits; six flits (legal for the input buffer) reach it, and the two
// beyond its four credits are sent anyway (sn_credit_counter NoSendWithoutCredit).
TEST(RouterFaultTest, SendWithoutCreditFires) {
  check_fault({"sn_fault_ignore_credit", {"NoSendWithoutCredit"}, [](FaultRouter& r) {
                 for (unsigned k = 0; k < 6; ++k) send(r, 0, 0, true, true, 0, 1);
                 idle(r, 4);
               }});
}

// The output records the wrong owner for the VC its head claimed, so the packet's body flit looks
// like an intruder (sn_router_output BodyFollowsOwner).
TEST(RouterFaultTest, BodyFromNonOwnerFires) {
  check_fault({"sn_fault_owner", {"BodyFollowsOwner"}, [](FaultRouter& r) { packet(r, 4, 2, 6, 3); }});
}

// ---- Assertions that need other verilations ----

// A VC id that names no VC (3 of 3 VCs): with 2 or 4 VCs every code is a VC, hence the 3-VC
// sn_router_input build (sn_router_input ArrivingVcExists).
TEST(RouterAssertionTest, NonexistentVcFires) {
  auto run_input = [](uint8_t vc) {
    VerilatedContext ctx;
    ctx.fatalOnError(false);
    ::testing::internal::CaptureStdout();
    {
      Vsn_tb_input_v3 m(&ctx, "input");
      m.clk_i = 0;
      m.rst_ni = 0;
      m.eval();
      m.clk_i = 1;
      m.eval();
      m.clk_i = 0;
      m.rst_ni = 1;
      m.eval();
      // A 1-flit packet to endpoint 1, which the presented entry routes to port 1.
      m.in_valid_i = 1;
      m.in_vc_i = vc;
      m.in_flit_i = (1ull << kHeadBit) | (1ull << kTailBit) | (1ull << kDstLsb);
      m.tbl_entry_i = pack_entry(TableEntry{1, 1, true});
      m.vc_elig_i = 0;
      m.gnt_i = 0;
      m.eval();
      m.clk_i = 1;
      m.eval();
      m.final();
    }
    return Outcome{ctx.gotError(), ::testing::internal::GetCapturedStdout()};
  };
  EXPECT_TRUE(quiet(run_input(2)));
  EXPECT_TRUE(fired(run_input(3), "ArrivingVcExists"));
}

// ---- Parameter checks (SN_ASSERT_INIT), by verilations with illegal parameters ----

// Elaborates a model (its initial blocks run the parameter checks) with failures recorded instead of
// fatal, and returns every failed check as (instance path, check name), from the printed
// "[<path>] parameter check <name> failed".
template <class M>
std::multimap<std::string, std::string> elaborate(Outcome* out = nullptr) {
  VerilatedContext ctx;
  ctx.fatalOnError(false);
  ctx.commandArgs(0, static_cast<const char**>(nullptr));  // the fault-hook router reads plusargs
  ::testing::internal::CaptureStdout();
  {
    M m(&ctx, "tb");
    m.eval();
    m.final();
  }
  const Outcome o{ctx.gotError(), ::testing::internal::GetCapturedStdout()};
  std::multimap<std::string, std::string> failed;
  const std::regex line(R"(\[(\S*)\] parameter check (\w+) failed)");
  for (std::sregex_iterator it(o.log.begin(), o.log.end(), line), end; it != end; ++it) {
    failed.emplace((*it)[1], (*it)[2]);
  }
  EXPECT_EQ(o.error, !failed.empty()) << o.log;
  if (out != nullptr) *out = o;
  return failed;
}

std::set<std::string> names(const std::multimap<std::string, std::string>& failed) {
  std::set<std::string> n;
  for (const auto& [path, name] : failed) n.insert(name);
  return n;
}

const std::set<std::string> kRangeChecks = {"RadixInRange", "VcsInRange", "DepthPow2", "PayloadInRange",
                                            "TablePow2"};

// sn_router_param_check with every parameter below its range: 1 port, 0 VCs, depth 1, 0-bit
// payload, 1-entry table (1 is a power of two, so only the lower bound is broken). Every range check
// fires; the derived widths are their formulas, so no derived-width check does.
TEST(RouterParamCheckTest, EveryRangeFiresBelow) {
  EXPECT_EQ(names(elaborate<Vsn_tb_params_low>()), kRangeChecks);
}

// The same above every range: 129 ports, 17 VCs, depth 8192, 513-bit payload, 131072-entry table
// (powers of two, so only the upper bound is broken).
TEST(RouterParamCheckTest, EveryRangeFiresAbove) {
  EXPECT_EQ(names(elaborate<Vsn_tb_params_high>()), kRangeChecks);
}

// Inside every range, but depth and table size 12 (not powers of two), and VcW, FlitW, TblAddrW and
// PortW each overridden with a value off their formula.
TEST(RouterParamCheckTest, PowersOfTwoAndDerivedWidthsFire) {
  EXPECT_EQ(names(elaborate<Vsn_tb_params_derived>()),
            (std::set<std::string>{"DepthPow2", "TablePow2", "VcWDerived", "FlitWDerived", "TblAddrWDerived",
                                   "PortWDerived"}));
}

// A legal router (p8_v4, which instantiates sn_router_param_check and every building block) passes
// every parameter check, its own and its blocks'.
TEST(RouterParamCheckTest, LegalRouterPassesEveryCheck) {
  Outcome o;
  EXPECT_TRUE(elaborate<Vsn_router_p8_v4_d4_w64_faults>(&o).empty());
  EXPECT_TRUE(quiet(o));
}

// The building blocks' own checks, one wrapper instance per broken parameter (sn_tb_bad_widths.sv):
// each instance fires exactly its own check, found by instance path and name, and nothing else
// fires. sn_switch_alloc passes its port width to its arbiters, so they fire IdxWDerived as well.
TEST(RouterParamCheckTest, BlockChecksFire) {
  const std::map<std::string, std::set<std::string>> expected = {
      {"u_fifo_depth", {"DepthPow2"}},
      {"u_fifo_addrw", {"AddrWDerived"}},
      {"u_credit_cntw", {"CntWDerived"}},
      {"u_arb_idxw", {"IdxWDerived"}},
      {"u_table_addrw", {"AddrWDerived"}},
      {"u_table_entryw", {"EntryWDerived"}},
      {"u_alloc_portw", {"PortWDerived", "IdxWDerived"}},
      {"u_alloc_iters", {"AllocItersInRange"}},
      {"u_xbar_selw", {"SelWDerived"}},
      {"u_output_vcw", {"VcWDerived"}},
      {"u_output_portw", {"PortWDerived"}},
  };
  Outcome o;
  const auto failed = elaborate<Vsn_tb_bad_widths>(&o);
  std::map<std::string, std::set<std::string>> seen;
  for (const auto& [path, name] : failed) {
    const std::regex inst(R"(\.(u_\w+)\.)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(path, m, inst)) << path;
    seen[m[1]].insert(name);
  }
  EXPECT_EQ(seen, expected) << o.log;
}

// The list of assertions this file and test_rtl_units.cpp break on purpose, against the RTL itself:
// an assertion added to rtl/ without a test that fires it fails here.
TEST(RouterAssertionTest, EveryRtlAssertionHasAFiringTest) {
  const std::set<std::string> covered = {
      // test_rtl_units.cpp
      "NoPushWhenFull", "NoPopWhenEmpty", "GrantOneHot", "GrantIsRequest", "NoSendWithoutCredit",
      "NoCreditOverflow",
      // this file
      "NoFlitWithoutCredit", "HeadRoutable", "PacketFraming", "ArrivingVcExists", "GrantOnlyRequest",
      "GrantOnlyRequesters", "GrantsMatchOutputs", "NoMisroute", "HeadClaimsFreeVc", "BodyFollowsOwner",
      // this file, parameter checks (RouterParamCheckTest)
      "RadixInRange", "VcsInRange", "DepthPow2", "PayloadInRange", "TablePow2", "VcWDerived", "FlitWDerived",
      "TblAddrWDerived", "PortWDerived", "AddrWDerived", "CntWDerived", "IdxWDerived", "EntryWDerived",
      "SelWDerived", "AllocItersInRange"};
  const std::regex use(R"(`SN_ASSERT(_INIT)?\(\s*(\w+))");
  std::set<std::string> in_rtl;
  for (const auto& f : std::filesystem::recursive_directory_iterator(std::filesystem::path(SNSIM_SOURCE_DIR) / "rtl")) {
    if (f.path().extension() != ".sv") continue;
    std::ifstream in(f.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::sregex_iterator it(text.begin(), text.end(), use), end; it != end; ++it) in_rtl.insert((*it)[2]);
  }
  EXPECT_GE(in_rtl.size(), 30u);
  for (const std::string& a : in_rtl) EXPECT_TRUE(covered.count(a)) << a << " has no test that breaks it";
  for (const std::string& a : covered) EXPECT_TRUE(in_rtl.count(a)) << a << " is no longer in the RTL";
}

}  // namespace
}  // namespace snsim::noc
