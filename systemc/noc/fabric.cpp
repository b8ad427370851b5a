// NocFabric: see fabric.h for the cycle and the channel timing.
#include "noc/fabric.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include <fmt/format.h>

#include "common/rng.h"
#include "common/units.h"

namespace snsim::noc {

namespace {

constexpr std::uint32_t kNone = ~std::uint32_t{0};

}  // namespace

NocFabric::NocFabric(sc_core::sc_module_name name, const NetConfig& cfg, Topology topo, StatsRegistry& stats,
                     const std::string& stats_prefix)
    : sc_module(name),
      clock("clock", sc_core::sc_time(1.0 / cfg.clock_hz, sc_core::SC_SEC)),
      topo_(std::move(topo)),
      params_{0, cfg.router.vcs, cfg.router.buf_depth, cfg.router.payload_bits, cfg.router.table_depth},
      st_cycles_(stats.counter(stats_prefix + ".cycles", "cycles", "network clock cycles simulated")),
      st_flits_(stats.counter(stats_prefix + ".flits_routed", "flits", "flits leaving routers onto links")) {
  // 0. The network interfaces keep requests and responses on VCs of their own (docs/ni.md), which
  //    rests on every router keeping a packet's VC.
  if (cfg.router.vc_alloc != VcAllocation::Keep) {
    throw std::runtime_error(fmt::format("{}: router.vc_alloc must be keep: the network interfaces send requests and "
                                         "responses on VCs of their own, and reassigning VCs per hop would let "
                                         "them block each other (protocol deadlock)",
                                         this->name()));
  }
  // 1. Timing: the router latency beyond the pipeline is added on every router output.
  const std::uint64_t router_cycles = time_to_cycles(cfg.topology.router_latency_s, cfg.clock_hz);
  if (router_cycles < kPipelineCycles) {
    throw std::runtime_error(fmt::format("{}: topology.router_latency is {} cycles, below the sn_router pipeline of "
                                         "{} cycles", this->name(), router_cycles, kPipelineCycles));
  }
  extra_ = static_cast<std::uint32_t>(router_cycles - kPipelineCycles);

  // 2. Routers: implementation per router, table written, reset.
  router_of_node_.assign(topo_.nodes().size(), kNone);
  for (std::uint32_t node : topo_.routers()) {
    const TopoNode& n = topo_.nodes()[node];
    const RouterImpl which = router_impl(cfg, n.name);
    RouterParams p = params_;
    p.ports = n.ports;
    Router r;
    r.node = node;
    r.rtl = which == RouterImpl::Rtl;
    try {
      r.model = make_router(p, which == RouterImpl::Rtl ? Impl::rtl : Impl::fast,
                            Rng::derive(cfg.seed, "net.rtl_init." + n.name).next_u64());
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(fmt::format("{}: router {}: {}", this->name(), n.name, e.what()));
    }
    rtl_count_ += which == RouterImpl::Rtl ? 1 : 0;
    write_table(*r.model, topo_.table(node));
    r.model->reset();
    router_of_node_[node] = static_cast<std::uint32_t>(routers_.size());
    routers_.push_back(std::move(r));
  }
  endpoint_of_node_.assign(topo_.nodes().size(), nullptr);
  ch_flits_.assign(topo_.channels().size(), 0);

  // 3. The timing wheel covers the longest delay a flit or credit can be given.
  std::uint64_t max_delay = 0;
  for (const Channel& c : topo_.channels()) max_delay = std::max<std::uint64_t>(max_delay, c.latency);
  max_delay += extra_ + 1;
  wheel_mask_ = std::bit_ceil(max_delay + 1) - 1;
  flit_wheel_.resize(wheel_mask_ + 1);
  credit_wheel_.resize(wheel_mask_ + 1);

  SC_HAS_PROCESS(NocFabric);
  SC_METHOD(tick);
  sensitive << clock.posedge_event();
  dont_initialize();
}

NocFabric::~NocFabric() = default;

void NocFabric::attach(std::uint32_t endpoint, FabricEndpoint& ep) {
  if (endpoint >= topo_.num_endpoints()) {
    throw std::logic_error(fmt::format("{}: no endpoint {} (the topology has {})", name(), endpoint,
                                       topo_.num_endpoints()));
  }
  FabricEndpoint*& slot = endpoint_of_node_[topo_.endpoints()[endpoint]];
  if (slot != nullptr) throw std::logic_error(fmt::format("{}: endpoint {} attached twice", name(), endpoint));
  slot = &ep;
}

void NocFabric::open_wave(const std::string& router, const std::string& path) {
  for (const Router& r : routers_) {
    if (topo_.nodes()[r.node].name != router) continue;
    try {
      r.model->open_trace(path);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(fmt::format("{}: router {}: {}", name(), router, e.what()));
    }
    return;
  }
  throw std::runtime_error(fmt::format("{}: no router named {}", name(), router));
}

std::vector<std::string> NocFabric::rtl_router_names() const {
  std::vector<std::string> names;
  for (const Router& r : routers_)
    if (r.rtl) names.push_back(topo_.nodes()[r.node].name);
  return names;
}

std::uint64_t NocFabric::cycle_at(const sc_core::sc_time& t) const {
  const std::uint64_t p = period().value();
  return (t.value() + p - 1) / p;
}

void NocFabric::put_flit(std::uint32_t ch, std::uint64_t delay, const LinkFlit& f) {
  flit_wheel_[(cycle_ + delay) & wheel_mask_].push_back(FlitEv{topo_.channels()[ch].to, f});
  ++ch_flits_[ch];
}

void NocFabric::put_credit(std::uint32_t ch, std::uint64_t delay, std::uint8_t vc) {
  credit_wheel_[(cycle_ + delay) & wheel_mask_].push_back(CreditEv{topo_.channels()[ch].from, vc});
}

void NocFabric::send_flit(std::uint32_t endpoint, unsigned port, const LinkFlit& flit) {
  const std::uint32_t ch = topo_.out_channel({topo_.endpoints()[endpoint], port});
  put_flit(ch, topo_.channels()[ch].latency, flit);
}

void NocFabric::send_credit(std::uint32_t endpoint, unsigned port, std::uint8_t vc) {
  const std::uint32_t ch = topo_.in_channel({topo_.endpoints()[endpoint], port});
  put_credit(ch, topo_.channels()[ch].latency, vc);
}

void NocFabric::collect(const Router& r) {
  for (unsigned p = 0; p < r.model->params().ports; ++p) {
    const LinkFlit f = r.model->out(p);
    if (f.valid) {
      const std::uint32_t ch = topo_.out_channel({r.node, p});
      if (ch == kNoChannel) {
        throw std::logic_error(fmt::format("{}: cycle {}: {} sent a flit out of an unwired port", name(), cycle_,
                                           topo_.port_name({r.node, p})));
      }
      put_flit(ch, 1 + topo_.channels()[ch].latency + extra_, f);
      st_flits_.inc();
    }
    const LinkCredit c = r.model->in_credit(p);
    const std::uint32_t in = topo_.in_channel({r.node, p});
    if (c.valid && in != kNoChannel) put_credit(in, 1 + topo_.channels()[in].latency, c.vc);
  }
}

void NocFabric::tick() {
  // 1. Deliveries due now, in the order they were put in flight.
  auto& credits = credit_wheel_[cycle_ & wheel_mask_];
  for (const CreditEv& c : credits) {
    const std::uint32_t r = router_of_node_[c.to.node];
    if (r != kNone) {
      routers_[r].model->set_out_credit(c.to.port, LinkCredit{true, c.vc});
    } else if (FabricEndpoint* ep = endpoint_of_node_[c.to.node]) {
      ep->on_credit(c.to.port, c.vc);
    }
  }
  credits.clear();
  auto& flits = flit_wheel_[cycle_ & wheel_mask_];
  for (const FlitEv& ev : flits) {
    const std::uint32_t r = router_of_node_[ev.to.node];
    if (r != kNone) {
      routers_[r].model->set_in(ev.to.port, ev.flit);
    } else if (FabricEndpoint* ep = endpoint_of_node_[ev.to.node]) {
      ep->on_flit(ev.to.port, ev.flit);
    } else {
      throw std::logic_error(fmt::format("{}: cycle {}: a flit reached {}, where no endpoint is attached", name(),
                                         cycle_, topo_.port_name(ev.to)));
    }
  }
  flits.clear();

  // 2. Endpoints, in endpoint id order.
  for (std::uint32_t node : topo_.endpoints()) {
    if (FabricEndpoint* ep = endpoint_of_node_[node]) ep->cycle(cycle_);
  }

  // 3. Routers step and put what they registered on the channels.
  for (const Router& r : routers_) {
    r.model->step();
    collect(r);
  }
  st_cycles_.inc();
  if (on_cycle_) on_cycle_(cycle_);
  ++cycle_;
}

}  // namespace snsim::noc
