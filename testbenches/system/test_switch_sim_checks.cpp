// snsim net's traffic checker catches a switch that misbehaves: SwitchSim is run on routers that
// are broken on purpose, and must stop with an IntegrityError naming what went wrong. Without
// this, a wrong switch could still produce a plausible latency table.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "Vsn_router_p8_v4_d4_w64_faults.h"
#include "common/log.h"
#include "common/stats.h"
#include "config/config.h"
#include "config/net_config.h"
#include "net/switch_sim.h"
#include "noc/verilated_router.h"

namespace {

using snsim::NetConfig;
using snsim::net::IntegrityError;
using snsim::net::SwitchSim;
using snsim::noc::RouterModel;

// The fault-hook configuration: 8 ports, 4 VCs x 4 flits, 64-bit payload.
NetConfig fault_config() {
  return snsim::load_string<NetConfig>(
      "router: {ports: 8, vcs: 4, buf_depth: 4, payload_bits: 64}\n"
      "traffic: {loads: [0.5], warmup_cycles: 200, measure_cycles: 2000, drain_cycles: 2000}\n",
      "fault_config");
}

std::unique_ptr<RouterModel> faulty_router(const NetConfig& c, const std::string& plusarg) {
  auto r = std::make_unique<snsim::noc::VerilatedRouter<Vsn_router_p8_v4_d4_w64_faults>>(
      snsim::noc::RouterParams{8, 4, 4, 64, 1024}, c.seed,
      plusarg.empty() ? std::vector<std::string>{} : std::vector<std::string>{plusarg});
  // The RTL assertions fire too; let the run go on so the checker is what reports.
  r->context().fatalOnError(false);
  return r;
}

// Passes every call through, but swallows the first tail flit that leaves the switch after n
// flits have: a packet whose last flit is lost. (A lost middle flit is caught earlier, as a flit
// out of order; a lost tail can only be caught by noticing the packet never completes.)
class DropOneTail final : public RouterModel {
 public:
  DropOneTail(std::unique_ptr<RouterModel> inner, std::uint64_t n) : inner_(std::move(inner)), n_(n) {}
  const snsim::noc::RouterParams& params() const override { return inner_->params(); }
  void reset() override { inner_->reset(); }
  void write_table(uint32_t d, const snsim::noc::TableEntry& e) override { inner_->write_table(d, e); }
  void set_in(unsigned p, const snsim::noc::LinkFlit& f) override { inner_->set_in(p, f); }
  void set_out_credit(unsigned p, const snsim::noc::LinkCredit& c) override { inner_->set_out_credit(p, c); }
  void step() override {
    for (unsigned p = 0; p < params().ports; ++p) {
      const snsim::noc::LinkFlit f = inner_->out(p);
      if (!f.valid) continue;
      if (!dropped_ && seen_ >= n_ && f.flit.tail) dropped_ = true;
      ++seen_;
    }
    inner_->step();
    decided_ = false;
  }
  snsim::noc::LinkFlit out(unsigned p) const override {
    snsim::noc::LinkFlit f = inner_->out(p);
    if (f.valid && would_drop(p)) f.valid = false;
    return f;
  }
  snsim::noc::LinkCredit in_credit(unsigned p) const override { return inner_->in_credit(p); }
  uint64_t cycle() const override { return inner_->cycle(); }
  void open_trace(const std::string& path) override { inner_->open_trace(path); }
  void close_trace() override { inner_->close_trace(); }
  bool dropped() const { return dropped_; }

 private:
  // Whether this cycle's flit on port p is the one to swallow (decided once per cycle).
  bool would_drop(unsigned p) const {
    if (!decided_) {
      decided_ = true;
      drop_now_ = params().ports;
      std::uint64_t seen = seen_;
      for (unsigned q = 0; q < params().ports && !dropped_; ++q) {
        const snsim::noc::LinkFlit f = inner_->out(q);
        if (!f.valid) continue;
        if (seen >= n_ && f.flit.tail) {
          drop_now_ = q;
          break;
        }
        ++seen;
      }
    }
    return p == drop_now_;
  }

  std::unique_ptr<RouterModel> inner_;
  std::uint64_t n_, seen_ = 0;
  bool dropped_ = false;
  mutable bool decided_ = false;
  mutable unsigned drop_now_ = 0;
};

std::string run_expecting_integrity_error(SwitchSim& sim) {
  snsim::StatsRegistry stats;
  try {
    sim.run_point(0, stats);
  } catch (const IntegrityError& e) {
    return e.what();
  }
  return "";
}

TEST(SwitchSimChecks, IntactRouterPasses) {
  const NetConfig c = fault_config();
  snsim::Logger log;
  SwitchSim sim(c, log, faulty_router(c, ""));
  snsim::StatsRegistry stats;
  const auto r = sim.run_point(0, stats);
  EXPECT_NEAR(r.accepted, 0.5, 0.05);
}

TEST(SwitchSimChecks, MisroutedFlitIsReported) {
  const NetConfig c = fault_config();
  snsim::Logger log;
  SwitchSim sim(c, log, faulty_router(c, "+sn_fault_sa_misroute"));
  const std::string msg = run_expecting_integrity_error(sim);
  EXPECT_NE(msg.find("the table routes it to"), std::string::npos) << msg;
}

TEST(SwitchSimChecks, DuplicatedFlitIsReported) {
  // The output sends while the input keeps the flit: the same flit leaves twice.
  const NetConfig c = fault_config();
  snsim::Logger log;
  SwitchSim sim(c, log, faulty_router(c, "+sn_fault_sa_drop"));
  const std::string msg = run_expecting_integrity_error(sim);
  EXPECT_FALSE(msg.empty());
  EXPECT_NE(msg.find("packet"), std::string::npos) << msg;
}

TEST(SwitchSimChecks, LostFlitIsReportedNotMistakenForSaturation) {
  const NetConfig c = fault_config();
  snsim::Logger log;
  auto router = std::make_unique<DropOneTail>(faulty_router(c, ""), 500);
  const DropOneTail& dropper = *router;
  SwitchSim sim(c, log, std::move(router));
  const std::string msg = run_expecting_integrity_error(sim);
  EXPECT_TRUE(dropper.dropped());  // the error is about the flit this wrapper swallowed
  EXPECT_NE(msg.find("1 packets never delivered"), std::string::npos) << msg;
}

}  // namespace
