#pragma once
// NocFabric: the routers and channels of one network under the SystemC kernel (issue 3, D12). It
// owns a RouterModel per router of a Topology (the verilated RTL or the fast model, per router as
// router.impl and topology.impl_overrides of the NetConfig say), the flits and credits in flight
// on every channel, and the network clock; endpoints (network interfaces, noc/ni.h) attach to the
// topology's endpoint ports through FabricEndpoint.
//
// Clock. One sc_clock (the config's `clock`, first rising edge at time 0) and one SC_METHOD on its
// rising edge (D11: no process per router); cycle k is simulation time k x period. Each cycle, in
// this order (D13: same-time events ordered by component id):
//   1. the credits and flits due this cycle are delivered: to routers (staged with set_out_credit /
//      set_in) and to endpoints (on_credit / on_flit), in the order they were put in flight;
//   2. every attached endpoint runs its cycle(), in endpoint id order; what it sends
//      (send_flit / send_credit) is in flight for the channel's latency (>= 1 cycle, D13);
//   3. every router steps, in node order, and what it registered (output flits, input credits) is
//      put on its channels: a flit reaches the next input after 1 + link latency + the router's
//      extra delay (topology.router_latency minus the 2-cycle sn_router pipeline), a credit after
//      1 + link latency.
// This is NetworkSim's channel handling (sim/net/network_sim.cpp: the same timing wheel and the
// same latencies), with the endpoints' traffic sources replaced by attached endpoints; a later step
// may make NetworkSim drive this fabric. One difference: NetworkSim's sources send before the
// deliveries of the cycle, so a credit arriving in cycle c is usable in c + 1 there and in c here.
//
// Measurement. Every flit put on a channel (by an endpoint or a router) counts on that channel
// (channel_flits(), cumulative, indexed like Topology::channels()); an on_cycle callback runs at the
// end of every cycle (a trace samples the counts there).
//
// An endpoint port starts with buf_depth credits on every VC of the router input it feeds, and a
// router output sees buf_depth credits for the endpoint's input: the endpoint must hold that many
// flits per VC and return a credit for each one it takes.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "common/stats.h"
#include "config/net_config.h"
#include "noc/router_model.h"
#include "noc/topology.h"

namespace snsim::noc {

// What the fabric calls at an attached endpoint.
class FabricEndpoint {
 public:
  virtual ~FabricEndpoint() = default;
  // Step 1: a flit / a credit arriving at the endpoint's port in this cycle.
  virtual void on_flit(unsigned port, const LinkFlit& flit) = 0;
  virtual void on_credit(unsigned port, std::uint8_t vc) = 0;
  // Step 2: the endpoint's work of cycle c.
  virtual void cycle(std::uint64_t c) = 0;
};

class NocFabric : public sc_core::sc_module {
 public:
  sc_core::sc_clock clock;

  // Makes and resets every router and writes its table. From cfg it takes clock, seed, router (but
  // ports, which are the topology's), topology.router_latency and topology.impl_overrides; the
  // wiring and link latencies are `topo`'s. Throws std::runtime_error naming the router when it asks
  // for an RTL configuration this binary lacks, or when topology.router_latency is below the
  // 2-cycle pipeline. Statistics under `stats_prefix`.
  NocFabric(sc_core::sc_module_name name, const NetConfig& cfg, Topology topo, StatsRegistry& stats,
            const std::string& stats_prefix = "noc");
  ~NocFabric() override;

  // Attaches the endpoint of id `endpoint`; each endpoint once (std::logic_error otherwise).
  void attach(std::uint32_t endpoint, FabricEndpoint& ep);
  // From an endpoint's cycle(): a flit / a credit leaving `port` of endpoint `endpoint`; it arrives
  // at the other end of the port's channel after the channel latency.
  void send_flit(std::uint32_t endpoint, unsigned port, const LinkFlit& flit);
  void send_credit(std::uint32_t endpoint, unsigned port, std::uint8_t vc);

  const Topology& topology() const { return topo_; }
  const RouterParams& router_params() const { return params_; }
  sc_core::sc_time period() const { return clock.period(); }
  // The cycle of the first rising edge at or after t.
  std::uint64_t cycle_at(const sc_core::sc_time& t) const;
  // Routers using the RTL, and their node names in node order.
  unsigned rtl_routers() const { return rtl_count_; }
  std::vector<std::string> rtl_router_names() const;
  // Flits put on each channel so far (index: Topology::channels()), and network cycles run.
  const std::vector<std::uint64_t>& channel_flits() const { return ch_flits_; }
  std::uint64_t cycles() const { return cycle_; }
  // Called at the end of every cycle c with c (after the routers' outputs are on the channels).
  void on_cycle(std::function<void(std::uint64_t)> f) { on_cycle_ = std::move(f); }
  // From now on router `router` (its node name) dumps every cycle to the FST file `path`, closed
  // when the fabric is destroyed. std::runtime_error when no router has that name, or it is the
  // fast model (only the RTL has waveforms), or the file cannot be written.
  void open_wave(const std::string& router, const std::string& path);

 private:
  struct Router {
    std::unique_ptr<RouterModel> model;
    std::uint32_t node = 0;
    bool rtl = false;
  };
  struct FlitEv {
    PortRef to;
    LinkFlit flit;
  };
  struct CreditEv {
    PortRef to;  // the output port the credit is for
    std::uint8_t vc;
  };

  void tick();  // SC_METHOD: one cycle (steps 1-3 above)
  void put_flit(std::uint32_t ch, std::uint64_t delay, const LinkFlit& f);
  void put_credit(std::uint32_t ch, std::uint64_t delay, std::uint8_t vc);
  void collect(const Router& r);

  Topology topo_;
  RouterParams params_;
  std::uint32_t extra_ = 0;  // cycles added on every router output
  std::vector<Router> routers_;
  std::vector<std::uint32_t> router_of_node_;    // index into routers_, or ~0u
  std::vector<FabricEndpoint*> endpoint_of_node_;  // attached endpoint, or nullptr
  std::vector<std::vector<FlitEv>> flit_wheel_;
  std::vector<std::vector<CreditEv>> credit_wheel_;
  std::uint64_t wheel_mask_ = 0;
  std::uint64_t cycle_ = 0;
  unsigned rtl_count_ = 0;
  std::vector<std::uint64_t> ch_flits_;
  std::function<void(std::uint64_t)> on_cycle_;
  Counter& st_cycles_;
  Counter& st_flits_;
};

}  // namespace snsim::noc
