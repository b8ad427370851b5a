#include "net/switch_sim.h"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "common/rng.h"

namespace snsim::net {

namespace {

// A packet as its source created it; kept until its tail is delivered, to check every flit.
struct Packet {
  std::uint64_t id = 0;
  std::uint16_t src = 0, dst = 0;
  std::uint8_t vc = 0;
  std::uint32_t flits = 0;
  std::uint64_t created = 0;
  std::uint64_t flow_seq = 0;  // order within its (src, dst, vc) flow
  bool tagged = false;         // created during the measurement window
  std::uint32_t delivered = 0; // flits seen at the sink so far
};

// Payload word w of flit i of packet id: word 0 names the packet and flit, the others are a
// mix of both, so any corrupted bit is detected.
std::uint64_t payload_word(std::uint64_t id, std::uint32_t flit, unsigned w) {
  if (w == 0) return (id << 8) | (flit & 0xff);
  std::uint64_t x = id * 0x9e3779b97f4a7c15ull + flit * 0xbf58476d1ce4e5b9ull + w;
  x ^= x >> 31;
  return x * 0x94d049bb133111ebull;
}

noc::RouterParams router_params(const RouterCfg& r) {
  return noc::RouterParams{r.ports, r.vcs, r.buf_depth, r.payload_bits, r.table_depth,
                           r.vc_alloc == VcAllocation::Any ? noc::VcAlloc::any : noc::VcAlloc::keep};
}

std::uint64_t flow_key(std::uint16_t src, std::uint16_t dst, std::uint8_t vc) {
  return (std::uint64_t{src} << 24) | (std::uint64_t{dst} << 8) | vc;
}

struct Source {
  Rng rng;
  std::deque<std::uint64_t> queue;  // packet ids, creation order
  std::uint32_t next_flit = 0;      // of queue.front()
  std::vector<std::uint32_t> credits;
};

struct Sink {
  std::deque<std::pair<std::uint64_t, std::uint8_t>> credit_due;  // (cycle, vc)
};

}  // namespace

SwitchSim::SwitchSim(const NetConfig& cfg, Logger& log) : cfg_(cfg), log_(log) {
  const noc::RouterParams p = router_params(cfg.router);
  if (cfg.router.impl == RouterImpl::Fast) {
    router_ = noc::make_router(p, noc::Impl::fast, cfg.seed);
  } else {
    router_ = noc::make_rtl_router(p, cfg.seed);
  }
  if (!router_) {
    throw std::runtime_error(fmt::format(
        "router: no verilated configuration with ports={} vcs={} buf_depth={} payload_bits={} "
        "table_depth={} is built into this snsim (router.impl: rtl). Built: {}. Use router.impl: "
        "fast (the cycle-equal C++ model, any parameters), or add one in rtl/CMakeLists.txt and "
        "systemc/noc/rtl_routers.cpp.",
        p.ports, p.vcs, p.buf_depth, p.payload_bits, p.table_depth, noc::available_rtl_routers()));
  }
  load_table();
}

SwitchSim::SwitchSim(const NetConfig& cfg, Logger& log, std::unique_ptr<noc::RouterModel> router)
    : cfg_(cfg), log_(log), router_(std::move(router)) {
  const noc::RouterParams p = router_params(cfg.router);
  if (!router_ || !(router_->params() == p)) {
    throw std::invalid_argument("SwitchSim: the router's parameters differ from the config's");
  }
  load_table();
}

void SwitchSim::load_table() {
  // Every entry is written, invalid ones too: the table memory starts from random bits.
  const std::vector<RouteEntry> table = build_route_table(cfg_.router);
  for (std::uint32_t dst = 0; dst < table.size(); ++dst) {
    noc::TableEntry e;
    e.valid = table[dst].count > 0;
    e.base = static_cast<std::uint8_t>(table[dst].base);
    e.count = static_cast<std::uint16_t>(e.valid ? table[dst].count : 1);
    router_->write_table(dst, e);
    table_.push_back(e);
    if (e.valid) endpoints_.push_back(static_cast<std::uint16_t>(dst));
  }
  log_.info("net: {}-port router loaded with {} table entries, {} routed endpoints",
            cfg_.router.ports, table.size(), endpoints_.size());
}

SwitchSim::~SwitchSim() {
  if (wave_open_) router_->close_trace();
}

void SwitchSim::open_wave(const std::string& path, std::uint64_t max_cycles) {
  router_->open_trace(path);
  wave_open_ = true;
  wave_stop_ = max_cycles == 0 ? 0 : total_cycles_ + max_cycles;
}

LoadPoint SwitchSim::run_point(std::size_t k, StatsRegistry& stats) {
  const TrafficCfg& t = cfg_.traffic;
  const unsigned ports = cfg_.router.ports, vcs = cfg_.router.vcs;
  const unsigned words = (cfg_.router.payload_bits + 63) / 64;
  const double load = t.loads.at(k);
  const double p_new = load / t.packet_flits;
  const std::uint64_t measure_begin = t.warmup_cycles;
  const std::uint64_t measure_end = measure_begin + t.measure_cycles;
  const std::uint64_t stop_limit = measure_end + t.drain_cycles;
  const std::string prefix = fmt::format("net.point{}.", k);

  // 1. Statistics of this point.
  Counter& st_created = stats.counter(prefix + "flits_injected", "flits", "flits created by sources in the measurement window");
  Counter& st_accepted = stats.counter(prefix + "flits_accepted", "flits", "flits delivered to sinks in the measurement window");
  Counter& st_packets = stats.counter(prefix + "packets_measured", "packets", "tagged packets delivered");
  Histogram& st_latency = stats.histogram(prefix + "packet_latency", "cycles", "creation to tail delivery of tagged packets");
  Scalar& st_offered = stats.scalar(prefix + "offered_load", "flits/port/cycle", "configured offered load");
  st_offered.set(load);
  std::vector<Counter*> st_port_out;
  for (unsigned p = 0; p < ports; ++p) {
    st_port_out.push_back(&stats.counter(fmt::format("{}port{}.flits_out", prefix, p), "flits",
                                         "flits delivered on this output during measurement"));
  }

  // 2. Fresh router state and traffic; random streams derive from the seed, the point and the port.
  router_->reset();
  std::vector<Source> src;
  std::vector<Sink> sink(ports);
  for (unsigned p = 0; p < ports; ++p) {
    src.push_back(Source{Rng::derive(cfg_.seed, fmt::format("net.point{}.source{}", k, p)), {}, 0,
                         std::vector<std::uint32_t>(vcs, cfg_.router.buf_depth)});
  }
  std::vector<unsigned> perm(ports);
  for (unsigned p = 0; p < ports; ++p) perm[p] = p;
  if (t.pattern == TrafficPattern::Permutation) {
    // A derangement: no endpoint sends to itself.
    Rng prng = Rng::derive(cfg_.seed, "net.permutation");
    do {
      prng.shuffle(perm.begin(), perm.end());
    } while ([&] {
      for (unsigned p = 0; p < ports; ++p)
        if (perm[p] == p) return true;
      return false;
    }());
  }
  std::unordered_map<std::uint64_t, Packet> live;
  std::unordered_map<std::uint64_t, std::uint64_t> flow_next_create, flow_next_deliver;
  std::uint64_t next_id = 1, tagged_live = 0;

  // Destinations: routed endpoints other than the source's own. The hot endpoint sends uniformly.
  auto pick_dst = [&](unsigned p, Rng& rng) -> unsigned {
    if (t.pattern == TrafficPattern::Permutation) return perm[p];
    if (t.pattern == TrafficPattern::Hotspot && p != t.hotspot_port && rng.bernoulli(t.hotspot_fraction)) {
      return t.hotspot_port;
    }
    const bool self_routed = p < table_.size() && table_[p].valid;
    const std::uint64_t n = endpoints_.size() - (self_routed ? 1 : 0);
    std::uint64_t i = rng.uniform(n);
    if (self_routed) {
      const auto self = std::lower_bound(endpoints_.begin(), endpoints_.end(), static_cast<std::uint16_t>(p));
      if (i >= static_cast<std::uint64_t>(self - endpoints_.begin())) ++i;
    }
    return endpoints_[i];
  };

  LoadPoint r;
  r.offered = load;
  std::uint64_t cycle = 0, last_delivery = 0;
  bool injecting = true;   // false once the flush begins
  std::uint64_t undelivered_after_drain = 0;
  for (;; ++cycle) {
    const bool measuring = cycle >= measure_begin && cycle < measure_end;
    if (injecting && cycle >= measure_end && (tagged_live == 0 || cycle >= stop_limit)) {
      injecting = false;  // every tagged packet is in, or the drain limit has passed: flush
      undelivered_after_drain = tagged_live;
      last_delivery = cycle;
    }
    if (!injecting && live.empty()) break;
    if (!injecting && cycle - last_delivery > kStallLimit) {
      // The oldest few, by id: the same message on every standard library.
      std::vector<std::uint64_t> ids;
      for (const auto& entry : live) ids.push_back(entry.first);
      std::sort(ids.begin(), ids.end());
      std::string lost;
      for (std::size_t i = 0; i < ids.size() && i < 5; ++i) {
        const Packet& pk = live.at(ids[i]);
        lost += fmt::format("{}packet {} ({} -> {}, VC {}, {} of {} flits delivered)", lost.empty() ? "" : "; ",
                            ids[i], pk.src, pk.dst, pk.vc, pk.delivered, pk.flits);
      }
      throw IntegrityError(fmt::format("cycle {}: {} packets never delivered: nothing left the switch for {} "
                                       "cycles while they were in flight: {}{}", cycle, live.size(), kStallLimit,
                                       lost, live.size() > 5 ? "; ..." : ""));
    }

    // 3. Deliveries of this cycle: check each flit, schedule its credit, take back input credits.
    for (unsigned p = 0; p < ports; ++p) {
      const noc::LinkFlit o = router_->out(p);
      if (o.valid) {
        const std::uint64_t id = o.flit.payload[0] >> 8;
        const std::uint32_t fi = static_cast<std::uint32_t>(o.flit.payload[0] & 0xff);
        auto it = live.find(id);
        if (it == live.end()) {
          throw IntegrityError(fmt::format("cycle {}: output {} delivered a flit of unknown or already "
                                           "delivered packet {} (duplicate or corruption)", cycle, p, id));
        }
        Packet& pk = it->second;
        last_delivery = cycle;
        const unsigned want_port = noc::select_port(table_[pk.dst], noc::flow_hash(pk.src, pk.dst));
        std::string why;
        if (o.flit.dst != pk.dst || o.flit.src != pk.src) why = "src/dst fields changed";
        else if (p != want_port) why = fmt::format("delivered on port {}; the table routes it to {}", p, want_port);
        // With vc_alloc: any the switch picks the output VC; the flow still leaves in order (its
        // packets share one input VC buffer).
        else if (o.vc != pk.vc && cfg_.router.vc_alloc == VcAllocation::Keep) {
          why = fmt::format("arrived on VC {} instead of {}", o.vc, pk.vc);
        }
        else if (fi != (pk.delivered & 0xff)) why = fmt::format("flit {} arrived, expected {}", fi, pk.delivered);
        else if (o.flit.head != (pk.delivered == 0) || o.flit.tail != (pk.delivered + 1 == pk.flits)) why = "head/tail flags wrong";
        for (unsigned w = 1; w < words && why.empty(); ++w) {
          const unsigned bits = std::min(64u, cfg_.router.payload_bits - 64 * w);
          const std::uint64_t mask = bits == 64 ? ~0ull : ((1ull << bits) - 1);
          if (o.flit.payload[w] != (payload_word(id, pk.delivered, w) & mask)) why = "payload corrupted";
        }
        if (pk.delivered == 0) {
          std::uint64_t& expect = flow_next_deliver[flow_key(pk.src, pk.dst, pk.vc)];
          if (pk.flow_seq != expect) why = fmt::format("flow reordered: packet {} of its flow arrived before {}", pk.flow_seq, expect);
          ++expect;
        }
        if (!why.empty()) {
          throw IntegrityError(fmt::format("cycle {}: packet {} ({} -> {}, VC {}): {}", cycle, id, pk.src, pk.dst, pk.vc, why));
        }
        ++pk.delivered;
        if (measuring) {
          st_accepted.inc();
          st_port_out[p]->inc();
        }
        if (o.flit.tail) {
          if (pk.tagged) {
            st_latency.record(cycle - pk.created);
            st_packets.inc();
            --tagged_live;
          }
          live.erase(it);
        }
        sink[p].credit_due.emplace_back(cycle + t.sink_credit_delay, o.vc);
      }
      const noc::LinkCredit c = router_->in_credit(p);
      if (c.valid) ++src[p].credits.at(c.vc);
    }

    // 4. Sinks return credits whose delay has passed (at most one per cycle: delay is constant).
    for (unsigned p = 0; p < ports; ++p) {
      auto& due = sink[p].credit_due;
      if (!due.empty() && due.front().first <= cycle) {
        router_->set_out_credit(p, noc::LinkCredit{true, due.front().second});
        due.pop_front();
      }
    }

    // 5. Sources create packets (Bernoulli, load / packet_flits per cycle) and send one flit each
    //    when they hold a credit for the packet's VC. Nothing new is created during the flush.
    for (unsigned p = 0; p < ports; ++p) {
      Source& s = src[p];
      if (injecting && s.rng.bernoulli(p_new)) {
        Packet pk;
        pk.id = next_id++;
        pk.src = static_cast<std::uint16_t>(p);
        pk.dst = static_cast<std::uint16_t>(pick_dst(p, s.rng));
        pk.vc = static_cast<std::uint8_t>(s.rng.uniform(vcs));
        pk.flits = t.packet_flits;
        pk.created = cycle;
        pk.flow_seq = flow_next_create[flow_key(pk.src, pk.dst, pk.vc)]++;
        pk.tagged = measuring;
        if (measuring) {
          st_created.add(pk.flits);
          ++tagged_live;
        }
        s.queue.push_back(pk.id);
        live.emplace(pk.id, pk);
      }
      if (s.queue.empty()) continue;
      const Packet& pk = live.at(s.queue.front());
      if (s.credits[pk.vc] == 0) continue;
      noc::LinkFlit f;
      f.valid = true;
      f.vc = pk.vc;
      f.flit.head = s.next_flit == 0;
      f.flit.tail = s.next_flit + 1 == pk.flits;
      f.flit.src = pk.src;
      f.flit.dst = pk.dst;
      for (unsigned w = 0; w < words; ++w) f.flit.payload[w] = payload_word(pk.id, s.next_flit, w);
      router_->set_in(p, f);
      --s.credits[pk.vc];
      if (++s.next_flit == pk.flits) {
        s.next_flit = 0;
        s.queue.pop_front();
      }
    }

    router_->step();
    ++total_cycles_;
    if (wave_open_ && wave_stop_ != 0 && total_cycles_ >= wave_stop_) {
      router_->close_trace();
      wave_open_ = false;
    }
    if (on_cycle_) on_cycle_(k, cycle);
  }

  // 6. Figures of the point.
  const double denom = static_cast<double>(ports) * static_cast<double>(t.measure_cycles);
  r.injected = static_cast<double>(st_created.value()) / denom;
  r.accepted = static_cast<double>(st_accepted.value()) / denom;
  r.packets = st_packets.value();
  r.lat_mean = st_latency.mean();
  r.lat_p50 = st_latency.percentile(50);
  r.lat_p99 = st_latency.percentile(99);
  r.lat_max = st_latency.max();
  // Past saturation the switch accepts less than the sources inject, and queues grow without bound.
  r.saturated = undelivered_after_drain != 0 || r.accepted < 0.97 * r.injected;
  r.cycles = cycle;
  stats.counter(prefix + "cycles", "cycles", "cycles simulated for this point").add(cycle);
  stats.counter(prefix + "packets_late", "packets", "tagged packets still in flight when drain_cycles ended injection (delivered in the flush)").add(undelivered_after_drain);
  return r;
}

}  // namespace snsim::net
