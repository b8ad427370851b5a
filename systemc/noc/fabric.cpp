// NocFabric: see fabric.h for the cycle, the channel timing and the threads.
#include "noc/fabric.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include <fmt/format.h>

#include "common/prefetch.h"
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
  words_ = 1 + (std::min(params_.payload_bits, kMaxPayloadW) + 63) / 64;

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
    r.fast = dynamic_cast<FastRouter*>(r.model.get());
    rtl_count_ += which == RouterImpl::Rtl ? 1 : 0;
    write_table(*r.model, topo_.table(node));
    r.model->reset();
    router_of_node_[node] = static_cast<std::uint32_t>(routers_.size());
    routers_.push_back(std::move(r));
  }
  endpoint_of_node_.assign(topo_.nodes().size(), nullptr);
  ch_flits_.assign(topo_.channels().size(), 0);

  // 3. Every port's hop, looked up once: a router's flits arrive after 1 + latency + extra_, its
  //    credits after 1 + latency; an endpoint's after the latency.
  for (Router& r : routers_) {
    const unsigned ports = topo_.nodes()[r.node].ports;
    r.out_hops.resize(ports);
    r.credit_hops.resize(ports);
    for (unsigned p = 0; p < ports; ++p) {
      r.out_hops[p] = make_hop(topo_.out_channel({r.node, p}), &Channel::to, 1 + extra_);
      r.credit_hops[p] = make_hop(topo_.in_channel({r.node, p}), &Channel::from, 1);
    }
  }
  for (std::uint32_t e = 0; e < topo_.num_endpoints(); ++e) {
    const std::uint32_t node = topo_.endpoints()[e];
    ep_hop_base_.push_back(static_cast<std::uint32_t>(ep_out_hops_.size()));
    for (unsigned p = 0; p < topo_.nodes()[node].ports; ++p) {
      ep_out_hops_.push_back(make_hop(topo_.out_channel({node, p}), &Channel::to, 0));
      ep_credit_hops_.push_back(make_hop(topo_.in_channel({node, p}), &Channel::from, 0));
    }
  }
  groups_.assign(1, Group{});
  groups_[0].end = static_cast<std::uint32_t>(routers_.size());

  // 4. The timing wheel covers the longest delay a flit or credit can be given.
  std::uint64_t max_delay = 0;
  for (const Channel& c : topo_.channels()) max_delay = std::max<std::uint64_t>(max_delay, c.latency);
  max_delay += extra_ + 1;
  wheel_mask_ = std::bit_ceil(max_delay + 1) - 1;
  for (auto* wheel : {&flit_wheel_, &ep_flit_wheel_, &credit_wheel_, &ep_credit_wheel_}) wheel->resize(wheel_mask_ + 1);

  SC_HAS_PROCESS(NocFabric);
  SC_METHOD(tick);
  sensitive << clock.posedge_event();
  dont_initialize();
}

NocFabric::~NocFabric() { worker_.stop(); }

NocFabric::Hop NocFabric::make_hop(std::uint32_t ch, PortRef Channel::*end, std::uint32_t plus) const {
  Hop h;
  h.ch = ch;
  if (ch == kNoChannel) return h;
  const Channel& c = topo_.channels()[ch];
  const PortRef to = c.*end;
  h.to_router = router_of_node_[to.node] != kNone;
  h.target = h.to_router ? router_of_node_[to.node] : to.node;
  h.port = to.port;
  h.delay = c.latency + plus;
  return h;
}

void NocFabric::attach(std::uint32_t endpoint, FabricEndpoint& ep) {
  if (endpoint >= topo_.num_endpoints()) {
    throw std::logic_error(fmt::format("{}: no endpoint {} (the topology has {})", name(), endpoint,
                                       topo_.num_endpoints()));
  }
  FabricEndpoint*& slot = endpoint_of_node_[topo_.endpoints()[endpoint]];
  if (slot != nullptr) throw std::logic_error(fmt::format("{}: endpoint {} attached twice", name(), endpoint));
  slot = &ep;
  attached_.clear();
  attached_ids_.clear();
  index_of_node_.assign(topo_.nodes().size(), kNone);
  for (std::uint32_t e = 0; e < topo_.num_endpoints(); ++e) {
    const std::uint32_t node = topo_.endpoints()[e];
    if (endpoint_of_node_[node] == nullptr) continue;
    index_of_node_[node] = static_cast<std::uint32_t>(attached_.size());
    attached_.push_back(endpoint_of_node_[node]);
    attached_ids_.push_back(e);
  }
  ep_work_.assign(attached_.size(), 0);
  eps_split_ = static_cast<std::uint32_t>(attached_.size() / 2);
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

void NocFabric::set_threads(unsigned n, bool timed) {
  if (n < 1 || n > 2) throw std::invalid_argument(fmt::format("{}: {} threads: 1 or 2 are supported", name(), n));
  worker_.stop();
  threads_ = n;
  timed_ = timed;
  // Group 0 runs beside the endpoints, which cost about as much as a third of the routers of a
  // network (NetRun's measure); the worker's group takes the rest, and the boundary then follows
  // the processor times (balanced_split). Verilated models stay on one thread.
  const auto routers = static_cast<std::uint32_t>(routers_.size());
  const std::uint32_t split = routers / 3;
  const bool two = n == 2 && rtl_count_ == 0 && split > 0 && split < routers;
  groups_.assign(two ? 2 : 1, Group{});
  groups_[0].end = two ? split : routers;
  if (two) {
    groups_[1].begin = split;
    groups_[1].end = routers;
    balance_cycles_ = 0;
    main_ns_ = 0;
    worker_.start([this] {
      if (split_eps_) {
        const std::int64_t start = thread_cpu_ns();
        eps_error_ = run_endpoints(eps_split_, static_cast<std::uint32_t>(attached_.size()), groups_[1].cycle, false);
        worker_eps_ns_ += thread_cpu_ns() - start;  // read by this thread after the worker's wait
        set_and_wake(eps_done_, eps_runs_);
      }
      step_group(groups_[1]);
    });
  }
}

void NocFabric::flit_words(const LinkFlit& f, std::uint64_t* w) const {
  w[0] = std::uint64_t{f.flit.head} << kHeadBit | std::uint64_t{f.flit.tail} << kTailBit |
         std::uint64_t{f.flit.dst} << kDstLsb | std::uint64_t{f.flit.src} << kSrcLsb;
  std::copy_n(f.flit.payload.begin(), words_ - 1, w + 1);
}

LinkFlit NocFabric::link_flit(const std::uint64_t* w, std::uint8_t vc) const {
  LinkFlit f;
  f.valid = true;
  f.vc = vc;
  f.flit.head = ((w[0] >> kHeadBit) & 1u) != 0;
  f.flit.tail = ((w[0] >> kTailBit) & 1u) != 0;
  f.flit.dst = static_cast<std::uint16_t>(w[0] >> kDstLsb);
  f.flit.src = static_cast<std::uint16_t>(w[0] >> kSrcLsb);
  std::copy_n(w + 1, words_ - 1, f.flit.payload.begin());
  return f;
}

std::uint64_t* NocFabric::wheel_flit(const Hop& h, std::uint8_t vc) {
  std::vector<std::uint64_t>& slot = (h.to_router ? flit_wheel_ : ep_flit_wheel_)[(cycle_ + h.delay) & wheel_mask_];
  const std::size_t at = slot.size();
  slot.resize(at + 1 + words_);
  slot[at] = pack(h.target, h.port, vc);
  return &slot[at + 1];
}

void NocFabric::put_credit(const Hop& h, std::uint8_t vc) {
  (h.to_router ? credit_wheel_ : ep_credit_wheel_)[(cycle_ + h.delay) & wheel_mask_].push_back(
      pack(h.target, h.port, vc));
}

std::uint64_t* NocFabric::buffer_flit(Group& g, const Hop& h, std::uint8_t vc) {
  const std::size_t at = g.flits.size();
  g.flits.resize(at + 2 + words_);
  g.flits[at] = g.cycle + h.delay;
  g.flits[at + 1] = pack(h.target, h.port, vc) | (h.to_router ? 0 : kToEndpoint);
  return &g.flits[at + 2];
}

void NocFabric::buffer_credit(Group& g, const Hop& h, std::uint8_t vc) {
  g.credits.push_back(g.cycle + h.delay);
  g.credits.push_back(pack(h.target, h.port, vc) | (h.to_router ? 0 : kToEndpoint));
}

void NocFabric::send_flit(std::uint32_t endpoint, unsigned port, const LinkFlit& flit) {
  const Hop& h = ep_out_hops_[ep_hop_base_[endpoint] + port];
  // The worker's endpoints (endpoint ids from eps_split_id_ on) send into its buffer.
  flit_words(flit, split_eps_ && endpoint >= eps_split_id_ ? buffer_flit(eps_buf_, h, flit.vc) : wheel_flit(h, flit.vc));
  ++ch_flits_[h.ch];
}

void NocFabric::send_credit(std::uint32_t endpoint, unsigned port, std::uint8_t vc) {
  const Hop& h = ep_credit_hops_[ep_hop_base_[endpoint] + port];
  if (split_eps_ && endpoint >= eps_split_id_) {
    buffer_credit(eps_buf_, h, vc);
  } else {
    put_credit(h, vc);
  }
}

void NocFabric::collect(const Router& r, Group& g) {
  auto out = [&](unsigned o, const std::uint64_t* w, std::uint8_t vc) {
    const Hop& h = r.out_hops[o];
    if (h.ch == kNoChannel) {
      throw std::logic_error(fmt::format("{}: cycle {}: {} sent a flit out of an unwired port", name(), g.cycle,
                                         topo_.port_name({r.node, o})));
    }
    std::copy_n(w, words_, g.direct ? wheel_flit(h, vc) : buffer_flit(g, h, vc));
    // Each channel has one sender, so groups count their own channels without a race.
    ++ch_flits_[h.ch];
    ++g.routed;
  };
  auto credit = [&](unsigned i, std::uint8_t vc) {
    const Hop& h = r.credit_hops[i];
    if (h.ch == kNoChannel) return;  // nothing ever arrives there
    if (g.direct) {
      put_credit(h, vc);
    } else {
      buffer_credit(g, h, vc);
    }
  };
  if (r.fast) {
    // Only the ports whose registers hold something, in port order as below.
    const auto& ov = r.fast->out_valid_ports();
    for (unsigned k = 0; k < ov.size(); ++k) {
      for (std::uint64_t m = ov[k]; m != 0; m &= m - 1) {
        const unsigned o = k * 64 + static_cast<unsigned>(std::countr_zero(m));
        out(o, r.fast->out_flit_words(o), static_cast<std::uint8_t>(r.fast->out_vc(o)));
      }
    }
    const auto& cv = r.fast->credit_valid_ports();
    for (unsigned k = 0; k < cv.size(); ++k) {
      for (std::uint64_t m = cv[k]; m != 0; m &= m - 1) {
        const unsigned i = k * 64 + static_cast<unsigned>(std::countr_zero(m));
        credit(i, r.fast->in_credit(i).vc);
      }
    }
    return;
  }
  for (unsigned p = 0; p < r.model->params().ports; ++p) {
    const LinkFlit f = r.model->out(p);
    if (f.valid) {
      std::uint64_t w[1 + kMaxPayloadW / 64];
      flit_words(f, w);
      out(p, w, f.vc);
    }
  }
  for (unsigned p = 0; p < r.model->params().ports; ++p) {
    const LinkCredit c = r.model->in_credit(p);
    if (c.valid) credit(p, c.vc);
  }
}

void NocFabric::step_group(Group& g) {
  g.flits.clear();
  g.credits.clear();
  g.routed = 0;
  g.error = nullptr;
  try {
    const std::vector<std::uint64_t>& credits = credit_wheel_[g.cycle & wheel_mask_];
    const std::vector<std::uint64_t>& flits = flit_wheel_[g.cycle & wheel_mask_];
    const std::size_t stride = 1 + words_;
    // (Nothing to sort in most cycles of a machine, whose network is idle while the cores compute.)
    const bool any_credits = !credits.empty(), any_flits = !flits.empty();
    if (any_credits) {
      sort_by_router(credits.size(), [&](std::size_t j) { return static_cast<std::uint32_t>(credits[j] >> 32); },
                     g.begin, g.end, g.credit_at, g.credit_order, g.fill);
    }
    if (any_flits) {
      sort_by_router(flits.size() / stride,
                     [&](std::size_t j) { return static_cast<std::uint32_t>(flits[j * stride] >> 32); }, g.begin,
                     g.end, g.flit_at, g.flit_order, g.fill);
    }
    for (std::uint32_t r = g.begin; r < g.end; ++r) {
      const Router& router = routers_[r];
      const std::uint32_t k = r - g.begin;
      // An idle router (most of a machine's, most cycles) without arrivals only counts the cycle:
      // nothing to stage, prefetch or collect.
      if (router.fast && (!any_credits || g.credit_at[k] == g.credit_at[k + 1]) &&
          (!any_flits || g.flit_at[k] == g.flit_at[k + 1]) && router.fast->idle()) {
        router.fast->step();
        continue;
      }
      // Misses on router state are most of a busy network's time: while this router works, start
      // loading the next one's state and the one after's object (whose pointers that needs).
      if (r + 2 < g.end && routers_[r + 2].fast) prefetch_object(*routers_[r + 2].fast);
      if (r + 1 < g.end && routers_[r + 1].fast) routers_[r + 1].fast->prefetch_step();
      for (std::uint32_t j = any_credits ? g.credit_at[k] : 0; any_credits && j < g.credit_at[k + 1]; ++j) {
        const std::uint64_t c = credits[g.credit_order[j]];
        const LinkCredit credit{true, static_cast<std::uint8_t>(c)};
        const auto port = static_cast<unsigned>((c >> 8) & 0xffff);
        if (router.fast) {
          router.fast->set_out_credit(port, credit);  // not virtual: FastRouter is final
        } else {
          router.model->set_out_credit(port, credit);
        }
      }
      for (std::uint32_t j = any_flits ? g.flit_at[k] : 0; any_flits && j < g.flit_at[k + 1]; ++j) {
        const std::uint64_t* ev = &flits[std::size_t{g.flit_order[j]} * stride];
        const auto port = static_cast<unsigned>((ev[0] >> 8) & 0xffff);
        const auto vc = static_cast<std::uint8_t>(ev[0]);
        if (router.fast) {
          router.fast->set_in_flit_words(port, vc, ev + 1);
        } else {
          router.model->set_in(port, link_flit(ev + 1, vc));
        }
      }
      if (router.fast) {
        router.fast->step();
      } else {
        router.model->step();
      }
      collect(router, g);
    }
  } catch (...) {
    g.error = std::current_exception();
  }
}

void NocFabric::merge(Group& g) {
  if (g.error) std::rethrow_exception(g.error);
  const std::size_t stride = 2 + words_;
  for (std::size_t j = 0; j < g.flits.size(); j += stride) {
    const std::uint64_t at = g.flits[j], target = g.flits[j + 1];
    std::vector<std::uint64_t>& slot = ((target & kToEndpoint) ? ep_flit_wheel_ : flit_wheel_)[at & wheel_mask_];
    slot.push_back(target & ~kToEndpoint);
    slot.insert(slot.end(), g.flits.begin() + static_cast<std::ptrdiff_t>(j + 2),
                g.flits.begin() + static_cast<std::ptrdiff_t>(j + stride));
  }
  for (std::size_t j = 0; j < g.credits.size(); j += 2) {
    const std::uint64_t at = g.credits[j], target = g.credits[j + 1];
    ((target & kToEndpoint) ? ep_credit_wheel_ : credit_wheel_)[at & wheel_mask_].push_back(target & ~kToEndpoint);
  }
  st_flits_.add(g.routed);
  g.flits.clear();
  g.credits.clear();
  g.routed = 0;
}

void NocFabric::finish_cycle(std::uint64_t c) {
  flit_wheel_[c & wheel_mask_].clear();
  credit_wheel_[c & wheel_mask_].clear();
  for (Group& g : groups_) merge(g);  // group 0's is empty when it went straight or was merged
  st_cycles_.inc();
  if (on_cycle_) on_cycle_(c);
}

void NocFabric::settle() {
  if (!pending_) return;
  pending_ = false;
  main_ns_ += thread_cpu_ns() - main_start_;
  worker_.wait();
  ++balance_cycles_;
  finish_cycle(groups_[1].cycle);
}

std::exception_ptr NocFabric::run_endpoints(std::uint32_t begin, std::uint32_t end, std::uint64_t c, bool all) {
  try {
    // 1. Deliveries due now at endpoints, in the order they were put in flight (those to routers
    //    are staged in step 3, just before each router steps).
    const std::size_t stride = 1 + words_;
    // Each endpoint's flits and credits (one per flit it sent) weigh it for balance_endpoints.
    const bool count = parallel_ && endpoint_threads_;
    for (const std::uint64_t cr : ep_credit_wheel_[c & wheel_mask_]) {
      const std::uint32_t k = index_of_node_[cr >> 32];
      if (k < begin || k >= end) continue;
      attached_[k]->on_credit(static_cast<unsigned>((cr >> 8) & 0xffff), static_cast<std::uint8_t>(cr));
      if (count) ++ep_work_[k];
    }
    const auto& flits = ep_flit_wheel_[c & wheel_mask_];
    for (std::size_t j = 0; j < flits.size(); j += stride) {
      const std::uint64_t t = flits[j];
      const PortRef to{static_cast<std::uint32_t>(t >> 32), static_cast<std::uint32_t>((t >> 8) & 0xffff)};
      const std::uint32_t k = index_of_node_[to.node];
      if (k == kNone && all) {
        throw std::logic_error(fmt::format("{}: cycle {}: a flit reached {}, where no endpoint is attached", name(), c,
                                           topo_.port_name(to)));
      }
      if (k < begin || k >= end) continue;
      attached_[k]->on_flit(to.port, link_flit(&flits[j + 1], static_cast<std::uint8_t>(t)));
      if (count) ++ep_work_[k];
    }
    // 2. Endpoints, in endpoint id order, each one's state loaded while the ones before it work.
    for (std::uint32_t k = begin; k < std::min(end, begin + kPrefetchEndpoints); ++k) attached_[k]->prefetch_cycle(c);
    for (std::uint32_t k = begin; k < end; ++k) {
      if (k + kPrefetchEndpoints < end) attached_[k + kPrefetchEndpoints]->prefetch_cycle(c);
      attached_[k]->cycle(c);
    }
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

void NocFabric::balance_endpoints(std::int64_t worker_ns) {
  // A two-thread cycle on this thread: its endpoints (tA) and routers (tR0), the wait for the
  // worker's endpoints (tB), then, with overlap, the dies and cores until the next tick (tM),
  // beside the worker's routers (tR1). Best: tA + tR0 = tB (no wait) and tR1 = tM, or every
  // router on the worker when the dies take longer than all of them.
  const auto routers = static_cast<std::uint32_t>(routers_.size());
  const double t_a = static_cast<double>(main_eps_ns_), t_r0 = static_cast<double>(main_r0_ns_);
  const double t_b = static_cast<double>(worker_eps_ns_);
  const double t_r1 = std::max(0.0, static_cast<double>(worker_ns - worker_eps_ns_));
  const double t_m = std::max(0.0, static_cast<double>(main_ns_ - main_barrier_ns_));
  ThreadTimes& tt = thread_times_;
  tt.main_endpoints += t_a / 1e9;
  tt.main_routers += t_r0 / 1e9;
  tt.main_wait += std::max(0.0, static_cast<double>(main_barrier_ns_) - t_a - t_r0) / 1e9;
  tt.main_rest += t_m / 1e9;
  tt.worker_endpoints += t_b / 1e9;
  tt.worker_routers += t_r1 / 1e9;
  main_eps_ns_ = main_r0_ns_ = main_barrier_ns_ = worker_eps_ns_ = 0;
  const double t_r = t_r0 + t_r1, t_e = t_a + t_b;
  if (t_r > 0 && routers > 0) {
    const double per_router = t_r / routers;
    const double r1 = std::min(t_m, t_r) / per_router;  // routers for the worker
    const double target = static_cast<double>(routers) - r1;
    const auto split = static_cast<std::uint32_t>(std::clamp<std::int64_t>(
        std::llround((static_cast<double>(groups_[0].end) + target) / 2), 0, std::int64_t{routers} - 1));
    groups_[0].end = groups_[1].begin = split;
    if (t_e > 0 && t_a > 0) {
      // This thread's share of the endpoints' time for t_a + t_r0 = t_b at the new split, and
      // the share of their traffic that gives it: an endpoint's flit costs the two threads
      // differently (each has other data in its cache), so the traffic share is scaled by how
      // far the time share it gave was off.
      const double want = std::clamp((t_e - static_cast<double>(split) * per_router) / (2 * t_e), 0.0, 1.0);
      const double share = std::clamp(eps_share_ * want / (t_a / t_e), 0.0, 1.0);
      eps_share_ = (eps_share_ + share) / 2;  // halfway: one noisy window moves it little
    }
  }
  // The boundary: this thread keeps the first endpoints up to eps_share_ of the traffic.
  std::uint64_t total = 0;
  for (std::uint64_t w : ep_work_) total += w;
  if (total == 0) return;  // nothing moved: keep the boundary
  const double keep = eps_share_ * static_cast<double>(total);
  std::uint64_t sum = 0;
  std::uint32_t k = 0;
  while (k < ep_work_.size() && static_cast<double>(sum + ep_work_[k]) <= keep) sum += ep_work_[k++];
  eps_split_ = k;
  std::fill(ep_work_.begin(), ep_work_.end(), 0);
}

void NocFabric::tick() {
  // 0. The worker's routers of the last cycle, if they may still be stepping (set_overlap): their
  //    outputs go on the channels before anything of this cycle.
  settle();
  // The worker's group starts now: until the barrier, this thread touches only its endpoints and
  // group 0 (and, with overlap, what the SystemC kernel runs until the next tick or settle()),
  // reads the wheels' current slots and pushes only into later ones (every delay >= 1).
  parallel_ = worker_.running() && (!timed_ || timer_.parallel());
  parallel_cycles_ += parallel_ ? 1 : 0;
  if (parallel_) {
    if (balance_cycles_ == kBalanceCycles) {
      const std::int64_t worker_ns = worker_.take_ns();
      if (endpoint_threads_) {
        balance_endpoints(worker_ns);
      } else {
        groups_[0].end = groups_[1].begin =
            balanced_split(static_cast<std::uint32_t>(routers_.size()), groups_[0].end, main_ns_, worker_ns);
      }
      balance_cycles_ = 0;
      main_ns_ = 0;
    }
  }
  split_eps_ = parallel_ && endpoint_threads_ && eps_split_ < attached_.size();
  endpoint_parallel_cycles_ += split_eps_ ? 1 : 0;
  // Set before the worker reads them: with the worker's endpoints, group 0 buffers its outputs
  // too, merged after those endpoints' sends.
  for (std::size_t k = 0; k < groups_.size(); ++k) {
    groups_[k].cycle = cycle_;
    groups_[k].direct = (k == 0 && !split_eps_) || !parallel_;
  }
  if (split_eps_) {
    eps_buf_.cycle = cycle_;
    eps_split_id_ = attached_ids_[eps_split_];
    ++eps_runs_;
  }
  if (parallel_) {
    worker_.go();
    main_start_ = thread_cpu_ns();
  }
  // 1-2. This thread's endpoints (every one, unless the worker runs a share).
  const auto endpoints = static_cast<std::uint32_t>(attached_.size());
  std::exception_ptr error = run_endpoints(0, split_eps_ ? eps_split_ : endpoints, cycle_, true);
  const std::int64_t eps_end = split_eps_ ? thread_cpu_ns() : 0;
  if (!split_eps_) {
    ep_credit_wheel_[cycle_ & wheel_mask_].clear();
    ep_flit_wheel_[cycle_ & wheel_mask_].clear();
  }
  // 3. Routers step and put what they registered on the channels, group by group, the worker's
  //    group meanwhile. A group stepped on this thread, after the groups before it, puts its
  //    outputs straight into the wheels (the worker reads only the current slots, which nothing
  //    here writes) unless the worker's endpoints' sends must come first; the worker's go through
  //    its buffers, after group 0's, when the cycle is finished: here, or with overlap at the next
  //    tick or settle().
  if (!error) step_group(groups_[0]);
  if (split_eps_) {
    const std::int64_t r0_end = thread_cpu_ns();
    wait_for(eps_done_, eps_runs_);  // the worker's endpoints are done; its routers may still step
    main_eps_ns_ += eps_end - main_start_;
    main_r0_ns_ += r0_end - eps_end;
    main_barrier_ns_ += thread_cpu_ns() - main_start_;
    if (!error) error = eps_error_;
    if (!error) {
      worker_.run_main_calls();
      ep_credit_wheel_[cycle_ & wheel_mask_].clear();
      ep_flit_wheel_[cycle_ & wheel_mask_].clear();
      merge(eps_buf_);
      if (!groups_[0].error) merge(groups_[0]);
    }
  }
  if (error || groups_[0].error) {
    if (parallel_) worker_.wait();
    std::rethrow_exception(error ? error : groups_[0].error);
  }
  if (!parallel_) {
    for (std::size_t k = 1; k < groups_.size(); ++k) step_group(groups_[k]);
    finish_cycle(cycle_++);
    return;
  }
  // The worker's routers finish in settle(): now, or with overlap at the next tick.
  pending_ = true;
  ++cycle_;
  if (!overlap_) settle();
}

}  // namespace snsim::noc
