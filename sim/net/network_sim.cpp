// NetworkSim: see network_sim.h for the cycle, the traffic and the checks.
#include "net/network_sim.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <ctime>
#include <deque>
#include <exception>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "common/prefetch.h"
#include "common/rng.h"
#include "common/units.h"
#include "common/thread_timer.h"
#include "noc/fast_router.h"

namespace snsim::net {

namespace {

constexpr std::uint32_t kNone = ~std::uint32_t{0};
// The most VCs a router has (router.vcs).
constexpr unsigned kMaxVcs = 16;

std::uint32_t to_cycles(double seconds, double hz, const char* key) {
  const std::uint64_t c = time_to_cycles(seconds, hz);
  if (c < 1 || c > 1'000'000) {
    throw std::runtime_error(fmt::format("topology.{}: {} cycles at the network clock; must be 1..1000000", key, c));
  }
  return static_cast<std::uint32_t>(c);
}

// A packet from creation until its tail is delivered. Slots are reused; `gen` tells reuses apart.
struct Packet {
  std::uint32_t src = 0, dst = 0;  // endpoint ids
  std::uint64_t created = 0;
  std::uint32_t flow_seq = 0;
  std::uint32_t step = 0;  // all_reduce: the ring step it belongs to
  std::uint16_t flits = 0;
  std::uint16_t delivered = 0;
  std::uint16_t gen = 0;
  std::uint8_t vc = 0;
  bool tagged = false;
  bool live = false;
};

// Payload word 0 of a flit: packet slot, slot generation, flit index.
std::uint64_t flit_word(std::uint32_t slot, std::uint16_t gen, std::uint32_t flit) {
  return (std::uint64_t{slot} << 32) | (std::uint64_t{gen} << 16) | (flit & 0xffffu);
}

struct FlitEv {
  std::uint32_t node;
  std::uint16_t port;
  std::uint8_t vc;
  std::uint8_t head_tail;  // bit 0 head, bit 1 tail
  std::uint16_t src, dst;
  std::uint64_t word;
};

struct CreditEv {
  std::uint32_t node;
  std::uint16_t port;
  std::uint8_t vc;
};

// Where a port's flits (for an output) or credits (for an input) go: the node and port at the
// other end of its channel, and the cycles from the sender's register to the arrival. Looked up
// once, so the cycle loop reads one record instead of the topology's tables.
struct Hop {
  std::uint32_t node = kNone;
  std::uint32_t ch = noc::kNoChannel;  // kNoChannel: the port is not wired
  std::uint32_t delay = 0;
  std::uint16_t port = 0;
};

// A source port. What send() reads every cycle comes first, in one record with the credits, so a
// port costs a cache line or two per cycle and its flits need no look-up of their packet.
struct SrcPort {
  std::uint32_t cur = kNone;  // packet being sent
  std::uint16_t next_flit = 0;
  // Copied from cur's record when it starts: its flit count, endpoints, generation and VC.
  std::uint16_t flits = 0, src = 0, dst = 0, gen = 0;
  std::uint8_t vc = 0;
  Hop out;                                     // the channel into the network (delay: its latency)
  std::uint64_t queued_flits = 0;              // in queue and cur, unsent
  std::array<std::uint16_t, kMaxVcs> credits{};  // per VC, of the router input it feeds
  std::deque<std::uint32_t> queue;             // packet slots waiting
};

struct Endpoint {
  std::uint32_t node = 0;
  std::vector<SrcPort> ports;
  std::vector<Hop> credit_hops;      // per port: where the credits for its arriving flits go
  std::vector<std::uint32_t> rx_cur;  // [port * vcs + vc]: packet arriving, or kNone
  Rng rng{0};
  std::uint64_t queued_flits = 0;
  std::uint64_t a2a_next = 0;  // all_to_all: next packet to create, in the interleaved order
  std::uint64_t rr_next = 0;   // spread round_robin: packets placed so far
  // all_to_all's profile: the cycle this endpoint sent its last flit and received its last tail.
  std::uint64_t last_sent = 0, last_received = 0;
  // all_reduce: the step being created, its next packet, and the tails received per step.
  std::uint32_t ring_step = 0;
  std::uint64_t ring_packet = 0;
  std::vector<std::uint32_t> ring_received;
};

struct RouterSlot {
  std::unique_ptr<noc::RouterModel> model;
  noc::FastRouter* fast = nullptr;  // model, when it is the fast one
  std::uint32_t node = 0;
  // Per output: where its flits go (delay: 1 + link latency + the router's extra cycles); per
  // input: where its credits go (delay: 1 + link latency).
  std::vector<Hop> out_hops, credit_hops;
};

// One thread's share of the routers (a contiguous range) and what they put on the channels in a
// cycle, in router order, merged into the wheels after the cycle's barrier in group order: the
// wheels then hold what a single thread puts there, in the same order.
struct RouterGroup {
  std::uint32_t begin = 0, end = 0;
  std::vector<std::pair<std::uint64_t, FlitEv>> flits;      // (due cycle, flit)
  std::vector<std::pair<std::uint64_t, CreditEv>> credits;  // (due cycle, credit)
  // This cycle's arrivals at the group's routers, sorted by router (stably: a router sees them in
  // wheel order), as indices into the wheel slots: router begin + k's flits are
  // flit_order[flit_at[k] .. flit_at[k + 1]), its credits likewise. Sorted so that a router's
  // inputs are staged just before it steps, while its state is in cache.
  std::vector<std::uint32_t> flit_at, credit_at, flit_order, credit_order, fill;
  std::exception_ptr error;                                 // what stopped the group this cycle
};

}  // namespace

noc::Topology build_topology(const NetConfig& cfg) {
  const TopologyCfg& t = cfg.topology;
  const std::uint32_t lat = to_cycles(t.link_latency_s, cfg.clock_hz, "link_latency");
  const bool adaptive = t.up_routing == PathChoice::Adaptive;
  noc::Topology topo;
  switch (t.kind) {
    case TopologyKind::Switch:
      topo = noc::build_switch(cfg.router.ports, lat);
      break;
    case TopologyKind::Mesh:
      topo = noc::build_mesh(t.mesh_x, t.mesh_y, lat);
      break;
    case TopologyKind::Clos:
      topo = noc::build_cm384(noc::Cm384Shape{t.leaves, t.endpoints_per_leaf, t.planes, t.spines}, adaptive, lat);
      break;
    case TopologyKind::SingleTier:
      topo = noc::build_single_tier(t.endpoints, t.switches, lat);
      break;
    case TopologyKind::Custom: {
      std::vector<std::uint32_t> node_of(t.nodes.size());
      std::map<std::string, std::uint32_t> by_name;
      for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const CustomNodeCfg& n = t.nodes[i];
        node_of[i] = n.endpoint ? topo.add_endpoint(n.name, n.ports) : topo.add_router(n.name, n.ports);
        by_name[n.name] = node_of[i];
      }
      auto ref = [&](const std::string& s) {
        const auto dot = s.rfind('.');
        return noc::PortRef{by_name.at(s.substr(0, dot)), static_cast<std::uint32_t>(std::stoul(s.substr(dot + 1)))};
      };
      for (const CustomLinkCfg& l : t.links) topo.connect(ref(l.a), ref(l.b), lat);
      topo.route_shortest_paths(adaptive);
      break;
    }
  }
  topo.check();
  return topo;
}

namespace {

// The hop along channel ch (kNoChannel: an unwired port) to its end `end` (Channel::to for the
// flits of an output, Channel::from for the credits of an input), after the channel's latency plus
// `plus` cycles.
Hop make_hop(const noc::Topology& topo, std::uint32_t ch, noc::PortRef noc::Channel::*end, std::uint32_t plus) {
  Hop h;
  h.ch = ch;
  if (ch == noc::kNoChannel) return h;
  const noc::Channel& c = topo.channels()[ch];
  h.node = (c.*end).node;
  h.port = static_cast<std::uint16_t>((c.*end).port);
  h.delay = c.latency + plus;
  return h;
}

}  // namespace

struct NetworkSim::Impl {
  std::vector<RouterSlot> routers;
  std::vector<std::uint32_t> router_of_node;  // kNone for endpoints
  std::vector<Endpoint> eps;
  std::vector<std::uint32_t> ep_of_node;  // kNone for routers
  std::vector<Packet> packets;
  std::vector<std::uint32_t> free_slots;
  std::uint64_t live = 0, tagged_live = 0;
  std::vector<std::uint32_t> flow_next_create, flow_next_deliver;  // [src * N + dst]
  bool ordered = false;
  // Deliveries by due cycle (slot: cycle & wheel_mask), those to routers and those to endpoints
  // apart, each in the order they were made.
  std::vector<std::vector<FlitEv>> flit_wheel, ep_flit_wheel;
  std::vector<std::vector<CreditEv>> credit_wheel, ep_credit_wheel;
  std::uint64_t wheel_mask = 0;
  std::vector<std::uint64_t> ch_flits;
  noc::RouterModel* wave_router = nullptr;
  std::uint64_t wave_stop = 0;
  unsigned threads = 1;
  bool timed = true;
  std::uint64_t parallel_cycles = 0;
  ThreadTimer<std::chrono::steady_clock> timer;  // kept from run to run (load points), so each does not time anew
};

NetworkSim::NetworkSim(const NetConfig& cfg, Logger& log)
    : cfg_(cfg), log_(log), topo_(build_topology(cfg)), impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  const TopologyCfg& t = cfg.topology;
  const std::uint32_t router_cycles = to_cycles(t.router_latency_s, cfg.clock_hz, "router_latency");
  if (router_cycles < noc::kPipelineCycles) {
    throw std::runtime_error(fmt::format("topology.router_latency: {} cycles is below the sn_router pipeline of {} "
                                         "cycles", router_cycles, noc::kPipelineCycles));
  }
  const std::uint32_t extra = router_cycles - noc::kPipelineCycles;
  const std::vector<std::string> shallow = topo_.shallow_channels(cfg.router.buf_depth, router_cycles);
  if (!shallow.empty()) {
    log_.warn("net: {} of {} channels have less buffering ({} flits per VC) than their credit round trip, which "
              "caps one VC below the link rate (DECISIONS.md D4); first: {}",
              shallow.size(), topo_.channels().size(), cfg.router.buf_depth, shallow.front());
  }

  // Routers, their models and tables.
  s.router_of_node.assign(topo_.nodes().size(), kNone);
  for (std::uint32_t node : topo_.routers()) {
    const noc::TopoNode& n = topo_.nodes()[node];
    const RouterImpl which = router_impl(cfg, n.name);
    const noc::RouterParams p{n.ports,
                              cfg.router.vcs,
                              cfg.router.buf_depth,
                              cfg.router.payload_bits,
                              cfg.router.table_depth,
                              cfg.router.vc_alloc == VcAllocation::Any ? noc::VcAlloc::any : noc::VcAlloc::keep};
    RouterSlot slot;
    slot.node = node;
    if (which == RouterImpl::Rtl) {
      slot.model = noc::make_rtl_router(p, Rng::derive(cfg.seed, "net.rtl_init." + n.name).next_u64());
      if (!slot.model) {
        throw std::runtime_error(fmt::format(
            "router {}: no verilated configuration with ports={} vcs={} buf_depth={} payload_bits={} table_depth={} "
            "is built into this snsim. Built: {}. Use the fast model for it (router.impl or "
            "topology.impl_overrides), or add the configuration in rtl/CMakeLists.txt.",
            n.name, p.ports, p.vcs, p.buf_depth, p.payload_bits, p.table_depth, noc::available_rtl_routers()));
      }
      ++rtl_count_;
    } else {
      auto fast = std::make_unique<noc::FastRouter>(p);
      slot.fast = fast.get();
      slot.model = std::move(fast);
    }
    noc::write_table(*slot.model, topo_.table(node));
    slot.out_hops.resize(n.ports);
    slot.credit_hops.resize(n.ports);
    for (std::uint32_t p = 0; p < n.ports; ++p) {
      slot.out_hops[p] = make_hop(topo_, topo_.out_channel({node, p}), &noc::Channel::to, 1 + extra);
      slot.credit_hops[p] = make_hop(topo_, topo_.in_channel({node, p}), &noc::Channel::from, 1);
    }
    s.router_of_node[node] = static_cast<std::uint32_t>(s.routers.size());
    s.routers.push_back(std::move(slot));
  }

  // Endpoints.
  s.ep_of_node.assign(topo_.nodes().size(), kNone);
  for (std::uint32_t e = 0; e < topo_.num_endpoints(); ++e) {
    const std::uint32_t node = topo_.endpoints()[e];
    Endpoint ep;
    ep.node = node;
    ep.ports.resize(topo_.nodes()[node].ports);
    ep.credit_hops.resize(ep.ports.size());
    for (std::uint32_t p = 0; p < ep.ports.size(); ++p) {
      ep.ports[p].out = make_hop(topo_, topo_.out_channel({node, p}), &noc::Channel::to, 0);
      ep.credit_hops[p] = make_hop(topo_, topo_.in_channel({node, p}), &noc::Channel::from, 0);
    }
    ep.rx_cur.assign(ep.ports.size() * cfg.router.vcs, kNone);
    s.ep_of_node[node] = e;
    s.eps.push_back(std::move(ep));
  }
  // Flows stay in order only if every packet of a flow takes one path on one VC: hashed ports, and
  // VCs kept (with vc_alloc: any a later packet may overtake on another VC).
  s.ordered = t.up_routing == PathChoice::Hash && t.spread == PathChoice::Hash &&
              cfg.router.vc_alloc == VcAllocation::Keep;

  std::uint64_t max_delay = 0;
  for (const noc::Channel& c : topo_.channels()) max_delay = std::max<std::uint64_t>(max_delay, c.latency);
  max_delay += extra + cfg.traffic.sink_credit_delay + 2;
  s.wheel_mask = std::bit_ceil(max_delay + 1) - 1;
  s.flit_wheel.resize(s.wheel_mask + 1);
  s.ep_flit_wheel.resize(s.wheel_mask + 1);
  s.credit_wheel.resize(s.wheel_mask + 1);
  s.ep_credit_wheel.resize(s.wheel_mask + 1);
  log_.info("net: {} routers ({} RTL), {} endpoints, {} channels; hop {} cycles + link {}", topo_.routers().size(),
            rtl_count_, topo_.num_endpoints(), topo_.channels().size(), router_cycles,
            topo_.channels().empty() ? 0 : topo_.channels().front().latency);
}

NetworkSim::~NetworkSim() {
  if (impl_ && impl_->wave_router) impl_->wave_router->close_trace();
}

double NetworkSim::link_bytes_per_s() const { return cfg_.clock_hz * flit_bytes(cfg_); }

void NetworkSim::set_threads(unsigned n, bool timed) {
  if (n < 1 || n > 2) throw std::invalid_argument(fmt::format("NetworkSim: {} threads: 1 or 2 are supported", n));
  impl_->threads = n;
  impl_->timed = timed;
}

std::uint64_t NetworkSim::parallel_cycles() const { return impl_->parallel_cycles; }

void NetworkSim::open_wave(const std::string& path, std::uint64_t max_cycles) {
  for (RouterSlot& r : impl_->routers) {
    if (r.fast) continue;
    r.model->open_trace(path);
    impl_->wave_router = r.model.get();
    impl_->wave_stop = max_cycles == 0 ? 0 : total_cycles_ + max_cycles;
    log_.info("net: waveform of router {} in {}", topo_.nodes()[r.node].name, path);
    return;
  }
  throw std::runtime_error("--wave needs a router using the RTL (router.impl or topology.impl_overrides: rtl)");
}

namespace {

// The all_reduce schedule: to whom each rank sends how many bytes in each step. Ranks form K
// groups of G consecutive ranks (G = traffic.group, or all ranks: one flat ring). The buffer is
// cut into G chunks (chunk c of bytes / G, one more for c < bytes mod G). Within a group, ring
// reduce-scatter: in step k < G-1, local rank l sends chunk l - k (mod G) to l + 1, which leaves
// it the reduced chunk h = l + 1. With K > 1, the ranks of the same local index in every group
// then all-reduce chunk h over their own ring the same way (2(K-1) steps, h cut into K
// sub-chunks). Last, ring all-gather within the group: G-1 steps continuing the first phase's
// numbering (local rank l sends chunk l - k). In every step a rank forwards what it received in
// the step before, so step k waits for what from(r, k - 1) sent it in step k - 1.
class RingSchedule {
 public:
  struct Send {
    std::uint32_t dst = 0;
    std::uint64_t bytes = 0;
  };
  RingSchedule(std::uint32_t ranks, std::uint32_t group, std::uint64_t bytes)
      : g_(group), k_(ranks / group), bytes_(bytes) {}
  std::uint32_t steps() const { return 2 * (g_ - 1) + 2 * (k_ - 1); }
  Send send(std::uint32_t r, std::uint32_t k) const {
    const std::uint32_t l = r % g_, grp = r / g_;
    if (k >= g_ - 1 && k < g_ - 1 + 2 * (k_ - 1)) {  // across groups: sub-chunk grp - k' of chunk l + 1
      const std::uint64_t chunk = chunk_bytes((l + 1) % g_);
      const std::uint32_t sub = back(grp, k - (g_ - 1), k_);
      return {((grp + 1) % k_) * g_ + l, chunk / k_ + (sub < chunk % k_ ? 1 : 0)};
    }
    const std::uint32_t kg = k < g_ - 1 ? k : k - 2 * (k_ - 1);  // the step of the in-group ring
    return {grp * g_ + (l + 1) % g_, chunk_bytes(back(l, kg, g_))};
  }
  std::uint32_t from(std::uint32_t r, std::uint32_t k) const {
    const std::uint32_t l = r % g_, grp = r / g_;
    if (k >= g_ - 1 && k < g_ - 1 + 2 * (k_ - 1)) return ((grp + k_ - 1) % k_) * g_ + l;
    return grp * g_ + (l + g_ - 1) % g_;
  }

 private:
  std::uint64_t chunk_bytes(std::uint32_t c) const { return bytes_ / g_ + (c < bytes_ % g_ ? 1 : 0); }
  // i - k mod n.
  static std::uint32_t back(std::uint32_t i, std::uint32_t k, std::uint32_t n) {
    return static_cast<std::uint32_t>((i + std::uint64_t{n} - k % n) % n);
  }
  std::uint32_t g_, k_;
  std::uint64_t bytes_;
};

// What one run (a load point or the all_to_all) needs besides the network: how packets are made
// and what is measured.
struct RunSpec {
  std::string prefix;
  double p_new = 0;                // Bernoulli packet creation per port per cycle (sweeps)
  bool all_to_all = false;
  bool all_reduce = false;
  std::uint64_t measure_begin = 0, measure_end = 0, stop_limit = 0;
};

// The cycle loop shared by every run kind: one per run, over the network's routers and endpoints.
class NetRun {
 public:
  NetRun(const NetConfig& cfg, const noc::Topology& topo, NetworkSim::Impl& s, const RunSpec& spec,
         StatsRegistry& stats, std::uint64_t& total_cycles, const std::function<void(std::uint64_t)>& on_cycle)
      : cfg_(cfg), t_(cfg.traffic), topo_(topo), s_(s), spec_(spec), total_cycles_(total_cycles),
        on_cycle_(on_cycle), n_(topo.num_endpoints()), ranks_(rank_count(cfg)),
        ring_(ranks_, cfg.traffic.group != 0 ? cfg.traffic.group : ranks_, cfg.traffic.message_bytes),
        st_created_(stats.counter(spec.prefix + "flits_injected", "flits",
                                  "flits created by sources in the measurement window")),
        st_accepted_(stats.counter(spec.prefix + "flits_accepted", "flits",
                                   "flits delivered to endpoints in the measurement window")),
        st_packets_(stats.counter(spec.prefix + "packets_measured", "packets", "tagged packets delivered")),
        st_latency_(stats.histogram(spec.prefix + "packet_latency", "cycles",
                                    "creation to tail delivery of tagged packets")) {
    flit_bytes_ = flit_bytes(cfg);
    packets_per_pair_ = (t_.message_bytes + std::uint64_t{t_.packet_flits} * flit_bytes_ - 1) /
                        (std::uint64_t{t_.packet_flits} * flit_bytes_);
  }

  // Packets of a message of `bytes`.
  std::uint64_t packets_of(std::uint64_t bytes) const {
    return ((bytes + flit_bytes_ - 1) / flit_bytes_ + t_.packet_flits - 1) / t_.packet_flits;
  }

  // Fresh routers, channels and endpoints for this run.
  void reset();
  // Runs until every packet is delivered; returns the cycles simulated.
  std::uint64_t run();
  std::uint64_t undelivered_after_drain() const { return undelivered_after_drain_; }
  std::uint64_t last_tail() const { return last_tail_; }
  // Where the time of a collective goes: when each endpoint finished sending and receiving, and the
  // flits all endpoints sent and received per kProfileWindow cycles.
  static constexpr std::uint64_t kProfileWindow = 1024;
  const Endpoint& endpoint(std::uint32_t e) const { return s_.eps[e]; }
  const std::vector<std::uint64_t>& sent_per_window() const { return sent_window_; }
  const std::vector<std::uint64_t>& received_per_window() const { return received_window_; }
  std::uint64_t flits_created() const { return st_created_.value(); }
  std::uint64_t flits_accepted() const { return st_accepted_.value(); }
  std::uint32_t ranks() const { return ranks_; }
  std::uint32_t ring_steps() const { return ring_.steps(); }
  std::uint64_t packets_measured() const { return st_packets_.value(); }
  const Histogram& latency() const { return st_latency_; }

 private:
  std::uint32_t pick_dst(std::uint32_t src, Rng& rng);
  bool collective() const { return spec_.all_to_all || spec_.all_reduce; }
  // all_reduce: rank e creates packets of its ring steps while fewer than `limit` flits are queued
  // and the chunk each step forwards has arrived.
  void create_ring_packets(std::uint32_t e, std::uint64_t limit);
  // Returns the packet's slot.
  std::uint32_t create_packet(std::uint32_t src, std::uint32_t dst, std::uint16_t flits, bool tagged);
  void send(std::uint32_t e);
  // Into the wheel of its destination's kind, due at cycle `at`.
  void push_flit(std::uint64_t at, const FlitEv& ev);
  void push_credit(std::uint64_t at, const CreditEv& ev);
  void deliver_to_endpoint(const FlitEv& ev);
  // Step 2 for group g's routers, step 3 and collect() into the group.
  void step_group(RouterGroup& g);
  void collect(RouterSlot& r, RouterGroup& g);
  // Threads: the worker runs groups 1.. each cycle while this thread runs the endpoints and group 0.
  void start_workers();
  // After kBalanceCycles two-thread cycles: moves the boundary between group 0 and group 1 to
  // where both threads would have spent the same processor time (see start_workers()).
  void balance();

  const NetConfig& cfg_;
  const TrafficCfg& t_;
  const noc::Topology& topo_;
  NetworkSim::Impl& s_;
  const RunSpec& spec_;
  std::uint64_t& total_cycles_;
  const std::function<void(std::uint64_t)>& on_cycle_;
  const std::uint32_t n_;
  const std::uint32_t ranks_;  // of a collective: endpoints 0 .. ranks_ - 1
  const RingSchedule ring_;    // all_reduce
  Counter& st_created_;
  Counter& st_accepted_;
  Counter& st_packets_;
  Histogram& st_latency_;
  std::uint32_t flit_bytes_ = 0;
  std::uint64_t packets_per_pair_ = 0;
  std::vector<std::uint32_t> perm_;
  std::uint64_t cycle_ = 0, last_delivery_ = 0, last_tail_ = 0;
  std::vector<std::uint64_t> sent_window_, received_window_;  // only the main thread touches them
  bool injecting_ = true, measuring_ = false;
  std::uint64_t undelivered_after_drain_ = 0;
  std::vector<RouterGroup> groups_;
  // Runs groups 1.. each two-thread cycle while this thread runs the endpoints and group 0.
  WorkerThread worker_;
  // Whether the worker runs its groups this cycle, or this thread does (see choose_mode()).
  bool parallel_ = false;
  // Processor time of the two-thread cycles since the last balance(): this thread's (endpoints
  // and group 0); the worker's is worker_.take_ns().
  static constexpr std::uint32_t kBalanceCycles = 512;
  std::uint32_t balance_cycles_ = 0;
  std::int64_t main_ns_ = 0;
};

}  // namespace

void NetRun::reset() {
  for (RouterSlot& r : s_.routers) r.model->reset();
  for (auto& b : s_.flit_wheel) b.clear();
  for (auto& b : s_.ep_flit_wheel) b.clear();
  for (auto& b : s_.credit_wheel) b.clear();
  for (auto& b : s_.ep_credit_wheel) b.clear();
  s_.packets.clear();
  s_.free_slots.clear();
  s_.live = s_.tagged_live = 0;
  s_.flow_next_create.assign(std::size_t{n_} * n_, 0);
  s_.flow_next_deliver.assign(std::size_t{n_} * n_, 0);
  s_.ch_flits.assign(topo_.channels().size(), 0);
  for (std::uint32_t e = 0; e < n_; ++e) {
    Endpoint& ep = s_.eps[e];
    ep.rng = Rng::derive(cfg_.seed, fmt::format("{}source{}", spec_.prefix, e));
    ep.queued_flits = 0;
    ep.a2a_next = 0;
    ep.rr_next = 0;
    ep.last_sent = ep.last_received = 0;
    ep.ring_step = 0;
    ep.ring_packet = 0;
    ep.ring_received.assign(spec_.all_reduce && e < ranks_ ? ring_.steps() : 0, 0);
    for (SrcPort& p : ep.ports) {
      p.queue.clear();
      p.cur = kNone;
      p.next_flit = 0;
      p.queued_flits = 0;
      std::fill_n(p.credits.begin(), cfg_.router.vcs, static_cast<std::uint16_t>(cfg_.router.buf_depth));
    }
    std::fill(ep.rx_cur.begin(), ep.rx_cur.end(), kNone);
  }
  perm_.resize(n_);
  for (std::uint32_t i = 0; i < n_; ++i) perm_[i] = i;
  if (t_.pattern == TrafficPattern::Permutation) {
    // A derangement: no endpoint sends to itself.
    Rng prng = Rng::derive(cfg_.seed, "net.permutation");
    do {
      prng.shuffle(perm_.begin(), perm_.end());
    } while ([&] {
      for (std::uint32_t i = 0; i < n_; ++i)
        if (perm_[i] == i) return true;
      return false;
    }());
  } else if (t_.pattern == TrafficPattern::Transpose) {
    const std::uint32_t k = cfg_.topology.mesh_x;
    for (std::uint32_t i = 0; i < n_; ++i) perm_[i] = (i % k) * k + i / k;
  }
}

std::uint32_t NetRun::pick_dst(std::uint32_t src, Rng& rng) {
  switch (t_.pattern) {
    case TrafficPattern::Permutation:
    case TrafficPattern::Transpose:
      return perm_[src];
    case TrafficPattern::Hotspot:
      if (src != t_.hotspot_port && rng.bernoulli(t_.hotspot_fraction)) return t_.hotspot_port;
      break;
    default:
      break;
  }
  std::uint32_t d = static_cast<std::uint32_t>(rng.uniform(n_ - 1));
  return d >= src ? d + 1 : d;
}

std::uint32_t NetRun::create_packet(std::uint32_t src, std::uint32_t dst, std::uint16_t flits, bool tagged) {
  std::uint32_t slot;
  if (!s_.free_slots.empty()) {
    slot = s_.free_slots.back();
    s_.free_slots.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(s_.packets.size());
    s_.packets.emplace_back();
  }
  Packet& pk = s_.packets[slot];
  pk.src = src;
  pk.dst = dst;
  pk.created = cycle_;
  pk.flow_seq = s_.flow_next_create[std::size_t{src} * n_ + dst]++;
  pk.flits = flits;
  pk.delivered = 0;
  pk.gen = static_cast<std::uint16_t>(pk.gen + 1);
  pk.tagged = tagged;
  pk.live = true;
  ++s_.live;
  if (tagged) {
    ++s_.tagged_live;
    st_created_.add(flits);
  }
  // The port: one starting a shortest path, by flow hash or to the shortest queue.
  Endpoint& ep = s_.eps[src];
  const std::uint64_t mask = topo_.inject_mask(src, dst);
  const unsigned n = static_cast<unsigned>(std::popcount(mask));
  const std::uint16_t h = noc::flow_hash(static_cast<std::uint16_t>(src), static_cast<std::uint16_t>(dst));
  unsigned pick = 0;
  if (cfg_.topology.spread == PathChoice::Hash || n == 1) {
    pick = h % n;
  } else if (cfg_.topology.spread == PathChoice::RoundRobin) {
    pick = static_cast<unsigned>(ep.rr_next++ % n);
  } else {
    std::uint64_t best = ~std::uint64_t{0};
    for (unsigned k = 0; k < n; ++k) {
      const unsigned i = (k + static_cast<unsigned>(pk.flow_seq)) % n;  // rotate ties
      std::uint64_t m = mask;
      for (unsigned j = 0; j < i; ++j) m &= m - 1;
      const unsigned port = static_cast<unsigned>(std::countr_zero(m));
      if (ep.ports[port].queued_flits < best) {
        best = ep.ports[port].queued_flits;
        pick = i;
      }
    }
  }
  std::uint64_t m = mask;
  for (unsigned j = 0; j < pick; ++j) m &= m - 1;
  SrcPort& port = ep.ports[static_cast<unsigned>(std::countr_zero(m))];
  // In-order flows keep one VC; otherwise the VC is chosen when the packet starts (send()).
  pk.vc = s_.ordered ? static_cast<std::uint8_t>(h % cfg_.router.vcs) : 0xff;
  port.queue.push_back(slot);
  port.queued_flits += flits;
  ep.queued_flits += flits;
  return slot;
}

void NetRun::create_ring_packets(std::uint32_t e, std::uint64_t limit) {
  Endpoint& ep = s_.eps[e];
  while (ep.ring_step < ring_.steps() && ep.queued_flits < limit) {
    const std::uint32_t k = ep.ring_step;
    // Step k forwards what rank e received in step k - 1: all of it must be here.
    if (ep.ring_packet == 0 && k > 0 &&
        ep.ring_received[k - 1] < packets_of(ring_.send(ring_.from(e, k - 1), k - 1).bytes)) {
      break;
    }
    const RingSchedule::Send send = ring_.send(e, k);
    const std::uint64_t flits = std::min<std::uint64_t>(
        t_.packet_flits, (send.bytes + flit_bytes_ - 1) / flit_bytes_ - ep.ring_packet * t_.packet_flits);
    s_.packets[create_packet(e, send.dst, static_cast<std::uint16_t>(flits), true)].step = k;
    if (++ep.ring_packet == packets_of(send.bytes)) {
      ep.ring_packet = 0;
      ++ep.ring_step;
    }
  }
}

void NetRun::push_flit(std::uint64_t at, const FlitEv& ev) {
  auto& wheel = s_.router_of_node[ev.node] != kNone ? s_.flit_wheel : s_.ep_flit_wheel;
  wheel[at & s_.wheel_mask].push_back(ev);
}

void NetRun::push_credit(std::uint64_t at, const CreditEv& ev) {
  auto& wheel = s_.router_of_node[ev.node] != kNone ? s_.credit_wheel : s_.ep_credit_wheel;
  wheel[at & s_.wheel_mask].push_back(ev);
}

void NetRun::send(std::uint32_t e) {
  Endpoint& ep = s_.eps[e];
  for (SrcPort& p : ep.ports) {
    if (p.cur == kNone) {
      if (p.queue.empty()) continue;
      p.cur = p.queue.front();
      p.queue.pop_front();
      p.next_flit = 0;
      Packet& pk = s_.packets[p.cur];
      if (pk.vc == 0xff) {
        // The VC with the most credits, first one on ties.
        unsigned best = 0;
        for (unsigned v = 1; v < cfg_.router.vcs; ++v) best = p.credits[v] > p.credits[best] ? v : best;
        pk.vc = static_cast<std::uint8_t>(best);
      }
      p.flits = pk.flits;
      p.src = static_cast<std::uint16_t>(pk.src);
      p.dst = static_cast<std::uint16_t>(pk.dst);
      p.gen = pk.gen;
      p.vc = pk.vc;
    }
    if (p.credits[p.vc] == 0) continue;
    --p.credits[p.vc];
    const std::uint8_t ht = static_cast<std::uint8_t>((p.next_flit == 0 ? 1 : 0) | (p.next_flit + 1 == p.flits ? 2 : 0));
    push_flit(cycle_ + p.out.delay,
              FlitEv{p.out.node, p.out.port, p.vc, ht, p.src, p.dst, flit_word(p.cur, p.gen, p.next_flit)});
    if (measuring_) ++s_.ch_flits[p.out.ch];
    ++sent_window_[cycle_ / kProfileWindow];
    ep.last_sent = cycle_;
    --p.queued_flits;
    --ep.queued_flits;
    if (++p.next_flit == p.flits) p.cur = kNone;
  }
}

void NetRun::deliver_to_endpoint(const FlitEv& ev) {
  const std::uint32_t e = s_.ep_of_node[ev.node];
  const std::uint32_t slot = static_cast<std::uint32_t>(ev.word >> 32);
  const auto gen = static_cast<std::uint16_t>(ev.word >> 16);
  const auto fi = static_cast<std::uint16_t>(ev.word);
  auto where = [&] { return topo_.port_name({ev.node, ev.port}); };
  if (slot >= s_.packets.size() || !s_.packets[slot].live || s_.packets[slot].gen != gen) {
    throw IntegrityError(fmt::format("cycle {}: {} received a flit of no live packet (slot {}, generation {}): "
                                     "duplicated or corrupted",
                                     cycle_, where(), slot, gen));
  }
  Packet& pk = s_.packets[slot];
  Endpoint& ep = s_.eps[e];
  std::uint32_t& cur = ep.rx_cur[std::size_t{ev.port} * cfg_.router.vcs + ev.vc];
  std::string why;
  if (pk.dst != e) why = fmt::format("delivered to endpoint {}", e);
  else if (ev.src != pk.src || ev.dst != pk.dst) why = "src/dst fields changed";
  else if (ev.vc != pk.vc && cfg_.router.vc_alloc == VcAllocation::Keep) {
    why = fmt::format("arrived on VC {} instead of {}", ev.vc, pk.vc);
  }
  else if (fi != pk.delivered) why = fmt::format("flit {} arrived, expected {}", fi, pk.delivered);
  else if (((ev.head_tail & 1) != 0) != (fi == 0) || ((ev.head_tail & 2) != 0) != (fi + 1 == pk.flits)) {
    why = "head/tail flags wrong";
  } else if (fi == 0 ? cur != kNone : cur != slot) {
    why = "flits of two packets interleaved on one VC";
  }
  if (fi == 0 && why.empty() && s_.ordered) {
    std::uint32_t& expect = s_.flow_next_deliver[std::size_t{pk.src} * n_ + pk.dst];
    if (pk.flow_seq != expect) why = fmt::format("flow reordered: packet {} of its flow before {}", pk.flow_seq, expect);
    ++expect;
  }
  if (!why.empty()) {
    throw IntegrityError(fmt::format("cycle {}: {}: packet {} -> {} (VC {}): {}", cycle_, where(),
                                     topo_.nodes()[topo_.endpoints()[pk.src]].name,
                                     topo_.nodes()[topo_.endpoints()[pk.dst]].name, pk.vc, why));
  }
  last_delivery_ = cycle_;
  cur = slot;
  ++pk.delivered;
  if (measuring_) st_accepted_.inc();
  ++received_window_[cycle_ / kProfileWindow];
  if (ev.head_tail & 2) {
    cur = kNone;
    last_tail_ = cycle_;
    ep.last_received = cycle_;
    if (spec_.all_reduce) ++ep.ring_received[pk.step];
    if (pk.tagged) {
      st_latency_.record(cycle_ - pk.created);
      st_packets_.inc();
      --s_.tagged_live;
    }
    pk.live = false;
    --s_.live;
    s_.free_slots.push_back(slot);
  }
  // The credit back to the router that sent it.
  const Hop& h = ep.credit_hops[ev.port];
  push_credit(cycle_ + t_.sink_credit_delay + h.delay, CreditEv{h.node, h.port, ev.vc});
}

void NetRun::collect(RouterSlot& r, RouterGroup& g) {
  auto out = [&](unsigned o) {
    FlitEv ev;
    if (r.fast) {  // valid: collect() reads only the ports in out_valid_ports()
      const std::uint64_t hdr = r.fast->out_hdr(o);
      ev.vc = static_cast<std::uint8_t>(r.fast->out_vc(o));
      ev.head_tail = static_cast<std::uint8_t>(((hdr >> noc::kHeadBit) & 1u) | (((hdr >> noc::kTailBit) & 1u) << 1));
      ev.src = static_cast<std::uint16_t>(hdr >> noc::kSrcLsb);
      ev.dst = static_cast<std::uint16_t>(hdr >> noc::kDstLsb);
      ev.word = r.fast->out_word(o);
    } else {
      const noc::LinkFlit f = r.model->out(o);
      if (!f.valid) return;
      ev = FlitEv{0, 0, f.vc, static_cast<std::uint8_t>(std::uint8_t{f.flit.head} | (std::uint8_t{f.flit.tail} << 1)),
                  f.flit.src, f.flit.dst, f.flit.payload[0]};
    }
    const Hop& h = r.out_hops[o];
    if (h.ch == noc::kNoChannel) {
      throw IntegrityError(fmt::format("cycle {}: {} sent a flit out of an unwired port", cycle_,
                                       topo_.port_name({r.node, o})));
    }
    ev.node = h.node;
    ev.port = h.port;
    g.flits.emplace_back(cycle_ + h.delay, ev);
    // Each channel has one sender, so groups count their own channels without a race.
    if (measuring_) ++s_.ch_flits[h.ch];
  };
  auto credit = [&](unsigned i) {
    const noc::LinkCredit c = r.fast ? r.fast->in_credit(i) : r.model->in_credit(i);
    if (!c.valid) return;
    const Hop& h = r.credit_hops[i];
    if (h.ch == noc::kNoChannel) return;  // nothing ever arrives there
    g.credits.emplace_back(cycle_ + h.delay, CreditEv{h.node, h.port, c.vc});
  };
  const unsigned ports = r.model->params().ports;
  if (r.fast) {
    const auto& ov = r.fast->out_valid_ports();
    for (unsigned w = 0; w < ov.size(); ++w) {
      for (std::uint64_t m = ov[w]; m != 0; m &= m - 1) out(w * 64 + static_cast<unsigned>(std::countr_zero(m)));
    }
    const auto& cv = r.fast->credit_valid_ports();
    for (unsigned w = 0; w < cv.size(); ++w) {
      for (std::uint64_t m = cv[w]; m != 0; m &= m - 1) credit(w * 64 + static_cast<unsigned>(std::countr_zero(m)));
    }
  } else {
    for (unsigned p = 0; p < ports; ++p) {
      out(p);
      credit(p);
    }
  }
}

void NetRun::step_group(RouterGroup& g) {
  g.flits.clear();
  g.credits.clear();
  g.error = nullptr;
  try {
    const std::vector<CreditEv>& credits = s_.credit_wheel[cycle_ & s_.wheel_mask];
    const std::vector<FlitEv>& flits = s_.flit_wheel[cycle_ & s_.wheel_mask];
    sort_by_router(credits.size(), [&](std::size_t j) { return s_.router_of_node[credits[j].node]; }, g.begin, g.end,
                   g.credit_at, g.credit_order, g.fill);
    sort_by_router(flits.size(), [&](std::size_t j) { return s_.router_of_node[flits[j].node]; }, g.begin, g.end,
                   g.flit_at, g.flit_order, g.fill);
    for (std::uint32_t r = g.begin; r < g.end; ++r) {
      // Misses on router state are most of a busy network's time: while this router works, start
      // loading the next one's state and the one after's object (whose pointers that needs).
      if (r + 2 < g.end && s_.routers[r + 2].fast) prefetch_object(*s_.routers[r + 2].fast);
      if (r + 1 < g.end && s_.routers[r + 1].fast) s_.routers[r + 1].fast->prefetch_step();
      RouterSlot& slot = s_.routers[r];
      noc::RouterModel& m = *slot.model;
      const std::uint32_t k = r - g.begin;
      for (std::uint32_t j = g.credit_at[k]; j < g.credit_at[k + 1]; ++j) {
        const CreditEv& c = credits[g.credit_order[j]];
        if (slot.fast) {
          slot.fast->set_out_credit(c.port, noc::LinkCredit{true, c.vc});  // not virtual: FastRouter is final
        } else {
          m.set_out_credit(c.port, noc::LinkCredit{true, c.vc});
        }
      }
      for (std::uint32_t j = g.flit_at[k]; j < g.flit_at[k + 1]; ++j) {
        const FlitEv& ev = flits[g.flit_order[j]];
        if (slot.fast) {
          const std::uint64_t hdr = (std::uint64_t{ev.head_tail & 1u} << noc::kHeadBit) |
                                    (std::uint64_t{(ev.head_tail >> 1) & 1u} << noc::kTailBit) |
                                    (std::uint64_t{ev.dst} << noc::kDstLsb) | (std::uint64_t{ev.src} << noc::kSrcLsb);
          slot.fast->set_in_word(ev.port, ev.vc, hdr, ev.word);
          continue;
        }
        noc::LinkFlit f;
        f.valid = true;
        f.vc = ev.vc;
        f.flit.head = ev.head_tail & 1;
        f.flit.tail = (ev.head_tail & 2) != 0;
        f.flit.src = ev.src;
        f.flit.dst = ev.dst;
        f.flit.payload[0] = ev.word;
        m.set_in(ev.port, f);
      }
      m.step();
      collect(slot, g);
    }
  } catch (...) {
    g.error = std::current_exception();
  }
}

void NetRun::start_workers() {
  // Group 0 runs beside the endpoints, which cost about as much as a third of the routers of a
  // network; the worker's group takes the rest. balance() then moves the boundary by what the
  // two threads measure.
  const auto n = static_cast<std::uint32_t>(s_.routers.size());
  const std::uint32_t split = s_.threads > 1 ? n / 3 : n;
  groups_.assign(s_.threads > 1 && split < n ? 2 : 1, RouterGroup{});
  groups_[0].end = split;
  if (groups_.size() > 1) {
    groups_[1].begin = split;
    groups_[1].end = n;
    balance_cycles_ = 0;
    main_ns_ = 0;
    worker_.start([this] {
      for (std::size_t k = 1; k < groups_.size(); ++k) step_group(groups_[k]);
    });
  }
}

void NetRun::balance() {
  const std::uint32_t split = balanced_split(static_cast<std::uint32_t>(s_.routers.size()), groups_[0].end, main_ns_,
                                             worker_.take_ns());
  groups_[0].end = split;
  groups_[1].begin = split;
  balance_cycles_ = 0;
  main_ns_ = 0;
}

std::uint64_t NetRun::run() {
  const std::uint64_t a2a_total = spec_.all_to_all ? packets_per_pair_ * (ranks_ - 1) : 0;
  const std::uint64_t msg_flits = (t_.message_bytes + flit_bytes_ - 1) / flit_bytes_;
  const std::uint64_t keep_queued = 2ull * t_.packet_flits;
  start_workers();
  struct StopWorkers {
    NetRun& run;
    ~StopWorkers() { run.worker_.stop(); }
  } stop_on_exit{*this};
  for (;; ++cycle_) {
    measuring_ = collective() || (cycle_ >= spec_.measure_begin && cycle_ < spec_.measure_end);
    if (spec_.all_to_all) {
      if (injecting_) {
        injecting_ = false;
        for (std::uint32_t e = 0; e < ranks_; ++e) injecting_ |= s_.eps[e].a2a_next < a2a_total;
      }
    } else if (spec_.all_reduce) {
      if (injecting_) {
        injecting_ = false;
        for (std::uint32_t e = 0; e < ranks_; ++e) injecting_ |= s_.eps[e].ring_step < ring_.steps();
      }
    } else if (injecting_ && cycle_ >= spec_.measure_end && (s_.tagged_live == 0 || cycle_ >= spec_.stop_limit)) {
      injecting_ = false;  // every tagged packet is in, or the drain limit has passed: flush
      undelivered_after_drain_ = s_.tagged_live;
      last_delivery_ = cycle_;
    }
    if (!injecting_ && s_.live == 0) break;
    // A ring rank waiting for a chunk is still injecting, so all_reduce checks for a stall throughout.
    if ((!injecting_ || spec_.all_reduce) && cycle_ - last_delivery_ > NetworkSim::kStallLimit) {
      std::string lost;
      unsigned shown = 0;
      for (const Packet& pk : s_.packets) {
        if (!pk.live || shown == 5) continue;
        lost += fmt::format("{}{} -> {} (VC {}, {} of {} flits delivered)", shown++ ? "; " : "",
                            topo_.nodes()[topo_.endpoints()[pk.src]].name, topo_.nodes()[topo_.endpoints()[pk.dst]].name,
                            pk.vc, pk.delivered, pk.flits);
      }
      throw IntegrityError(fmt::format("cycle {}: {} packets never delivered: nothing arrived for {} cycles while "
                                       "they were in flight: {}{}",
                                       cycle_, s_.live, NetworkSim::kStallLimit, lost, s_.live > 5 ? "; ..." : ""));
    }

    if (cycle_ % kProfileWindow == 0) {
      sent_window_.resize(cycle_ / kProfileWindow + 1, 0);
      received_window_.resize(cycle_ / kProfileWindow + 1, 0);
    }

    // The worker's groups start now: until the barrier below, this thread touches only endpoints
    // and its own group, reads the wheels' current slots and pushes only into later ones.
    parallel_ = worker_.running() && (!s_.timed || s_.timer.parallel());
    s_.parallel_cycles += parallel_;
    std::int64_t main_start = 0;
    if (parallel_) {
      if (balance_cycles_ == kBalanceCycles) balance();
      worker_.go();
      main_start = thread_cpu_ns();
    }

    try {
      // 1. Sources create packets and send one flit per port.
      for (std::uint32_t e = 0; e < n_; ++e) {
        Endpoint& ep = s_.eps[e];
        if (spec_.all_to_all) {
          // Interleaved by destination: packet j goes to e + 1 + j mod (R - 1), so at any time the
          // ranks send to a shift permutation of each other. The last packet of a message may be short.
          while (e < ranks_ && ep.a2a_next < a2a_total && ep.queued_flits < keep_queued * ep.ports.size()) {
            const std::uint64_t j = ep.a2a_next++;
            const std::uint32_t dst = static_cast<std::uint32_t>((e + 1 + j % (ranks_ - 1)) % ranks_);
            const std::uint64_t index = j / (n_ - 1);
            const std::uint64_t flits = std::min<std::uint64_t>(t_.packet_flits, msg_flits - index * t_.packet_flits);
            create_packet(e, dst, static_cast<std::uint16_t>(flits), true);
          }
        } else if (spec_.all_reduce) {
          if (e < ranks_) create_ring_packets(e, keep_queued * ep.ports.size());
        } else if (injecting_) {
          const bool silent = t_.pattern == TrafficPattern::Transpose && perm_[e] == e;
          for (std::size_t k = 0; k < ep.ports.size() && !silent; ++k) {
            if (ep.rng.bernoulli(spec_.p_new)) {
              create_packet(e, pick_dst(e, ep.rng), static_cast<std::uint16_t>(t_.packet_flits), measuring_);
            }
          }
        }
        if (ep.queued_flits != 0) send(e);
      }

      // 2. Deliveries due now at endpoints (those at routers: step_group). 3. Routers step and put
      //    what they registered on the channels, group by group, the worker's groups meanwhile.
      for (const CreditEv& c : s_.ep_credit_wheel[cycle_ & s_.wheel_mask]) {
        ++s_.eps[s_.ep_of_node[c.node]].ports[c.port].credits[c.vc];
      }
      for (const FlitEv& ev : s_.ep_flit_wheel[cycle_ & s_.wheel_mask]) deliver_to_endpoint(ev);
    } catch (...) {
      if (parallel_) worker_.wait();
      throw;
    }
    step_group(groups_[0]);
    if (parallel_) {
      main_ns_ += thread_cpu_ns() - main_start;
      worker_.wait();
      ++balance_cycles_;
    } else {
      for (std::size_t k = 1; k < groups_.size(); ++k) step_group(groups_[k]);
    }
    s_.credit_wheel[cycle_ & s_.wheel_mask].clear();
    s_.ep_credit_wheel[cycle_ & s_.wheel_mask].clear();
    s_.flit_wheel[cycle_ & s_.wheel_mask].clear();
    s_.ep_flit_wheel[cycle_ & s_.wheel_mask].clear();
    for (RouterGroup& g : groups_) {
      if (g.error) std::rethrow_exception(g.error);
      for (const auto& [at, ev] : g.flits) push_flit(at, ev);
      for (const auto& [at, ev] : g.credits) push_credit(at, ev);
    }
    ++total_cycles_;
    if (s_.wave_router && s_.wave_stop != 0 && total_cycles_ >= s_.wave_stop) {
      s_.wave_router->close_trace();
      s_.wave_router = nullptr;
    }
    if (on_cycle_) on_cycle_(cycle_);
  }
  return cycle_;
}

namespace {

// The packet latency fields every result has (LoadPoint, AllToAllResult, AllReduceResult).
template <class Result>
void set_latency(Result& r, const Histogram& h) {
  r.lat_mean = h.mean();
  r.lat_p50 = h.percentile(50);
  r.lat_p99 = h.percentile(99);
  r.lat_max = h.max();
}

}  // namespace

LoadPoint NetworkSim::run_point(std::size_t k, StatsRegistry& stats) {
  const TrafficCfg& t = cfg_.traffic;
  if (is_collective(t.pattern)) throw std::logic_error("run_point: the pattern is a collective");
  RunSpec spec;
  spec.prefix = fmt::format("net.point{}.", k);
  spec.p_new = t.loads.at(k) / t.packet_flits;
  spec.measure_begin = t.warmup_cycles;
  spec.measure_end = spec.measure_begin + t.measure_cycles;
  spec.stop_limit = spec.measure_end + t.drain_cycles;
  stats.scalar(spec.prefix + "offered_load", "flits/port/cycle", "configured offered load").set(t.loads.at(k));
  NetRun run(cfg_, topo_, *impl_, spec, stats, total_cycles_, on_cycle_);
  run.reset();
  const std::uint64_t cycles = run.run();

  // Per endpoint port: a load of 1 is every endpoint port sending a flit every cycle.
  std::uint64_t eport_count = 0;
  for (const Endpoint& ep : impl_->eps) eport_count += ep.ports.size();
  const double denom = static_cast<double>(eport_count) * static_cast<double>(t.measure_cycles);
  LoadPoint r;
  r.offered = t.loads.at(k);
  r.injected = static_cast<double>(run.flits_created()) / denom;
  r.accepted = static_cast<double>(run.flits_accepted()) / denom;
  r.packets = run.packets_measured();
  set_latency(r, run.latency());
  r.saturated = run.undelivered_after_drain() != 0 || r.accepted < 0.97 * r.injected;
  r.cycles = cycles;
  keep_utilization(t.measure_cycles);
  stats.counter(spec.prefix + "cycles", "cycles", "cycles simulated for this point").add(cycles);
  stats.counter(spec.prefix + "packets_late", "packets",
                "tagged packets still in flight when drain_cycles ended injection (delivered in the flush)")
      .add(run.undelivered_after_drain());
  return r;
}

AllToAllResult NetworkSim::run_all_to_all(StatsRegistry& stats) {
  const TrafficCfg& t = cfg_.traffic;
  RunSpec spec;
  spec.prefix = "net.all_to_all.";
  spec.all_to_all = true;
  NetRun run(cfg_, topo_, *impl_, spec, stats, total_cycles_, on_cycle_);
  run.reset();
  run.run();
  const std::uint32_t n = run.ranks();
  const std::uint64_t msg_flits = (t.message_bytes + flit_bytes(cfg_) - 1) / flit_bytes(cfg_);
  // The non-blocking bound: each rank injects (n - 1) messages through all its ports at one
  // flit per port per cycle (the slowest rank, if they differ).
  std::uint64_t bound = 0;
  for (std::uint32_t e = 0; e < n; ++e) {
    const std::uint64_t ports = impl_->eps[e].ports.size();
    bound = std::max<std::uint64_t>(bound, (msg_flits * (n - 1) + ports - 1) / ports);
  }
  AllToAllResult r;
  r.ranks = n;
  r.cycles = run.last_tail() + 1;
  r.seconds = static_cast<double>(r.cycles) / cfg_.clock_hz;
  r.bytes_per_pair = t.message_bytes;
  r.gbytes_per_s_per_endpoint = static_cast<double>(t.message_bytes) * (n - 1) / r.seconds / 1e9;
  r.algbw_gbytes_per_s = static_cast<double>(t.message_bytes) * n / r.seconds / 1e9;
  r.bound_cycles = bound;
  r.fraction_of_bound = static_cast<double>(bound) / static_cast<double>(r.cycles);
  r.packets = run.packets_measured();
  set_latency(r, run.latency());
  std::vector<std::uint64_t> sent(n), received(n);
  std::uint64_t links = 0;
  for (std::uint32_t e = 0; e < n; ++e) {
    sent[e] = run.endpoint(e).last_sent;
    received[e] = run.endpoint(e).last_received;
    links += impl_->eps[e].ports.size();
  }
  auto spread = [](std::vector<std::uint64_t>& v) {
    std::sort(v.begin(), v.end());
    return AllToAllResult::Spread{v.front(), v[v.size() / 2], v.back()};
  };
  r.sent_done = spread(sent);
  r.received_done = spread(received);
  r.window_cycles = NetRun::kProfileWindow;
  auto per_window = [&](const std::vector<std::uint64_t>& flits) {
    std::vector<double> f(flits.size());
    for (std::size_t w = 0; w < f.size(); ++w) {
      f[w] = static_cast<double>(flits[w]) / static_cast<double>(links * NetRun::kProfileWindow);
    }
    return f;
  };
  r.sent_per_window = per_window(run.sent_per_window());
  r.received_per_window = per_window(run.received_per_window());
  keep_utilization(r.cycles);
  stats.counter(spec.prefix + "cycles", "cycles", "cycles until the last tail arrived").add(r.cycles);
  stats.counter(spec.prefix + "bound_cycles", "cycles", "non-blocking bound: endpoint injection bandwidth").add(bound);
  stats.scalar(spec.prefix + "fraction_of_bound", "", "bound_cycles / cycles").set(r.fraction_of_bound);
  return r;
}

AllReduceResult NetworkSim::run_all_reduce(StatsRegistry& stats) {
  const TrafficCfg& t = cfg_.traffic;
  if (t.pattern != TrafficPattern::AllReduce) throw std::logic_error("run_all_reduce: the pattern is not all_reduce");
  RunSpec spec;
  spec.prefix = "net.all_reduce.";
  spec.all_reduce = true;
  NetRun run(cfg_, topo_, *impl_, spec, stats, total_cycles_, on_cycle_);
  run.reset();
  run.run();
  AllReduceResult r;
  r.ranks = run.ranks();
  r.bytes = t.message_bytes;
  r.group = t.group != 0 ? t.group : r.ranks;
  r.steps = run.ring_steps();
  r.cycles = run.last_tail() + 1;
  r.seconds = static_cast<double>(r.cycles) / cfg_.clock_hz;
  r.algbw_gbytes_per_s = static_cast<double>(t.message_bytes) / r.seconds / 1e9;
  r.busbw_gbytes_per_s = r.algbw_gbytes_per_s * 2 * (r.ranks - 1) / r.ranks;
  std::size_t ports = impl_->eps[0].ports.size();
  for (std::uint32_t e = 1; e < r.ranks; ++e) ports = std::min(ports, impl_->eps[e].ports.size());
  r.injection_gbytes_per_s = static_cast<double>(ports) * link_bytes_per_s() / 1e9;
  r.packets = run.packets_measured();
  r.flits = run.flits_accepted();
  set_latency(r, run.latency());
  keep_utilization(r.cycles);
  stats.counter(spec.prefix + "cycles", "cycles", "cycles until the last tail of the last step arrived").add(r.cycles);
  stats.scalar(spec.prefix + "busbw", "GB/s", "nccl-tests bus bandwidth: bytes x 2(ranks-1)/ranks / time")
      .set(r.busbw_gbytes_per_s);
  return r;
}

void NetworkSim::keep_utilization(std::uint64_t cycles) {
  util_.assign(impl_->ch_flits.size(), 0);
  for (std::size_t c = 0; c < util_.size(); ++c) {
    util_[c] = static_cast<double>(impl_->ch_flits[c]) / static_cast<double>(cycles);
  }
}

}  // namespace snsim::net
