// Network interfaces on a fabric of routers under sc_start (D12): seeded traffic of remote writes,
// reads, atomic adds and notifies, every result checked against a reference computed here in plain
// C++ from the traffic plan alone; the same traffic on verilated RTL routers and on the fast model
// gives byte-identical statistics and memories. Plus the zero-load latency the docs derive, and
// each bad command refused with the NI and the command named. SystemC elaborates once per process:
// ctest runs each test in its own process (gtest_discover_tests).
#include <gtest/gtest.h>

#define SC_INCLUDE_DYNAMIC_PROCESSES

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "common/rng.h"
#include "common/stats.h"
#include "common/units.h"
#include "config/config.h"
#include "config/net_config.h"
#include "noc/fabric.h"
#include "noc/ni.h"
#include "noc/topology.h"

using namespace sc_core;

namespace snsim::noc {
namespace {

constexpr std::uint64_t kMemBytes = 1 << 20;
constexpr std::uint64_t kStaticBase = 512 << 10;   // never written: reads return the initial bytes
constexpr std::uint64_t kCounterBase = 768 << 10;  // 16 atomic counters
constexpr std::uint64_t kFlagBase = 896 << 10;     // notify flags, 1 KiB per source
constexpr unsigned kCounters = 16;

// The initial byte at `addr` of endpoint `ep`'s memory.
std::uint8_t initial_byte(std::uint32_t ep, std::uint64_t addr) {
  return static_cast<std::uint8_t>((addr * 131 + ep * 17 + (addr >> 9)) & 0xff);
}

// A sparse memory of kMemBytes behind a TLM target: pages appear on first touch with their
// initial bytes; answers in `latency` without calling wait() (as the NI requires).
struct SparseMemory : sc_module {
  tlm_utils::simple_target_socket<SparseMemory> socket;
  std::uint32_t ep;
  sc_time latency;
  std::map<std::uint64_t, std::vector<std::uint8_t>> pages;

  SparseMemory(sc_module_name n, std::uint32_t e, sc_time lat) : sc_module(n), socket("socket"), ep(e), latency(lat) {
    socket.register_b_transport(this, &SparseMemory::b_transport);
  }
  std::uint8_t& byte(std::uint64_t a) {
    auto [it, fresh] = pages.try_emplace(a >> 12);
    if (fresh) {
      it->second.resize(4096);
      for (std::uint64_t i = 0; i < 4096; ++i) it->second[i] = initial_byte(ep, (a & ~0xfffull) + i);
    }
    return it->second[a & 0xfff];
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_time& delay) {
    if (p.get_address() + p.get_data_length() > kMemBytes) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    for (unsigned i = 0; i < p.get_data_length(); ++i) {
      std::uint8_t& b = byte(p.get_address() + i);
      if (p.is_write()) b = p.get_data_ptr()[i];
      else p.get_data_ptr()[i] = b;
    }
    delay += latency;
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// One command of the plan, with what the reference expects of it.
struct Cmd {
  UbKind kind = UbKind::write;
  std::uint32_t dst = 0;
  bool ordered = false;
  std::uint64_t offset = 0;
  std::vector<std::uint8_t> data;      // sent (write, notify, atomic addend)
  std::vector<std::uint8_t> expect;    // read: the data it must return
  // Filled by the simulation.
  std::unique_ptr<tlm::tlm_generic_payload> payload;
  UbExtension* ext = nullptr;
  std::vector<std::uint8_t> buf;
  bool done = false;
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
};

// The traffic plan of every source, from the seed alone. Writes go to blocks of their own (source s
// writes block k of its 64 KiB area at a destination once), so the memory they leave does not
// depend on timing; reads read back a block the source wrote there earlier with the ordering bit
// (so they must see it) or the never-written area; atomics add to shared counters; notifies set
// flags of their own.
std::vector<std::vector<Cmd>> plan(std::uint64_t seed, std::uint32_t n, unsigned per_source) {
  std::vector<std::vector<Cmd>> out(n);
  for (std::uint32_t s = 0; s < n; ++s) {
    Rng rng = Rng::derive(seed, "ni.plan." + std::to_string(s));
    std::vector<std::vector<std::pair<std::uint64_t, std::vector<std::uint8_t>>>> written(n);
    std::vector<unsigned> flags(n, 0);
    out[s].reserve(per_source);
    for (unsigned i = 0; i < per_source; ++i) {
      Cmd c;
      c.dst = static_cast<std::uint32_t>(rng.uniform(n - 1));
      if (c.dst >= s) ++c.dst;
      auto& w = written[c.dst];
      const std::uint64_t r = rng.uniform(100);
      if (r < 40 && w.size() < 128) {
        c.kind = UbKind::write;
        c.offset = s * 65536ull + w.size() * 512;
        c.data.resize(1 + rng.uniform(512));
        for (auto& b : c.data) b = static_cast<std::uint8_t>(rng.next_u64());
        c.ordered = rng.bernoulli(0.2);
        w.emplace_back(c.offset, c.data);
      } else if (r < 65) {
        c.kind = UbKind::read;
        if (!w.empty() && rng.bernoulli(0.6)) {
          const auto& [off, bytes] = w[rng.uniform(w.size())];
          c.ordered = true;
          const std::uint64_t skip = rng.uniform(bytes.size());
          c.offset = off + skip;
          c.expect.assign(bytes.begin() + static_cast<std::ptrdiff_t>(skip), bytes.end());
        } else {
          c.offset = kStaticBase + rng.uniform(65536);
          c.expect.resize(1 + rng.uniform(512));
          for (std::size_t k = 0; k < c.expect.size(); ++k) c.expect[k] = initial_byte(c.dst, c.offset + k);
        }
      } else if (r < 85) {
        c.kind = UbKind::atomic_add;
        c.offset = kCounterBase + 8 * rng.uniform(kCounters);
        c.data.resize(8);
        const std::uint64_t add = 1 + rng.uniform(1000);
        for (unsigned k = 0; k < 8; ++k) c.data[k] = static_cast<std::uint8_t>(add >> (8 * k));
        c.ordered = rng.bernoulli(0.2);
      } else {
        c.kind = UbKind::notify;
        c.offset = kFlagBase + s * 1024ull + 8 * (flags[c.dst]++ % 128);
        c.data.resize(8);
        for (unsigned k = 0; k < 8; ++k) c.data[k] = static_cast<std::uint8_t>((i + 1) >> (8 * k));
      }
      out[s].push_back(std::move(c));
    }
  }
  return out;
}

std::uint64_t le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (unsigned k = 0; k < 8; ++k) v |= std::uint64_t{p[k]} << (8 * k);
  return v;
}

// Issues its commands in order, keeping up to `window` outstanding, one command per cycle at most.
// Builds the generic payload of `c` (its buffer, UbExtension and attributes).
void prepare(Cmd& c) {
  c.buf = c.kind == UbKind::read ? std::vector<std::uint8_t>(c.expect.size()) : c.data;
  c.payload = std::make_unique<tlm::tlm_generic_payload>();
  c.ext = new UbExtension;
  c.ext->kind = c.kind;
  c.ext->dst = c.dst;
  c.ext->ordered = c.ordered;
  c.payload->set_extension(c.ext);
  c.payload->set_command(c.kind == UbKind::read ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
  c.payload->set_address(c.offset);
  c.payload->set_data_ptr(c.buf.data());
  c.payload->set_data_length(static_cast<unsigned>(c.buf.size()));
  c.payload->set_streaming_width(static_cast<unsigned>(c.buf.size()));
}

struct Generator : sc_module {
  tlm_utils::simple_initiator_socket<Generator> socket;
  std::vector<Cmd>& cmds;
  unsigned window;
  sc_time period;
  unsigned outstanding = 0, completed = 0, held = 0;
  bool waiting_end_req = false;
  sc_event progress;
  sc_time finished;

  Generator(sc_module_name n, std::vector<Cmd>& c, unsigned w, sc_time p)
      : sc_module(n), socket("socket"), cmds(c), window(w), period(p) {
    socket.register_nb_transport_bw(this, &Generator::nb_transport_bw);
    SC_HAS_PROCESS(Generator);
    SC_THREAD(run);
  }
  void run() {
    for (Cmd& c : cmds) {
      while (outstanding >= window || waiting_end_req) wait(progress);
      prepare(c);
      tlm::tlm_phase ph = tlm::BEGIN_REQ;
      sc_time d = SC_ZERO_TIME;
      ++outstanding;
      const tlm::tlm_sync_enum r = socket->nb_transport_fw(*c.payload, ph, d);
      if (r == tlm::TLM_ACCEPTED) {
        waiting_end_req = true;
        ++held;
      } else if (r == tlm::TLM_COMPLETED) {
        finish(c);
      }
      wait(period);
    }
    while (outstanding > 0) wait(progress);
    finished = sc_time_stamp();
  }
  void finish(Cmd& c) {
    c.done = true;
    c.status = c.payload->get_response_status();
    --outstanding;
    ++completed;
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_time& d) {
    if (ph == tlm::END_REQ) {
      waiting_end_req = false;
    } else {
      finish(*std::find_if(cmds.begin(), cmds.end(), [&](const Cmd& c) { return c.payload.get() == &p; }));
    }
    progress.notify(d);
    return tlm::TLM_COMPLETED;
  }
};

// A network: fabric, one NI, memory and generator per endpoint, and its own statistics.
struct Net {
  StatsRegistry stats;
  std::vector<std::vector<Cmd>> cmds;
  std::unique_ptr<NocFabric> fabric;
  std::vector<std::unique_ptr<SparseMemory>> mems;
  std::vector<std::unique_ptr<NetworkInterface>> nis;
  std::vector<std::unique_ptr<Generator>> gens;

  Net(const std::string& name, const NetConfig& cfg, Topology topo, std::vector<std::vector<Cmd>> plan_,
      const NiParams& ni, unsigned window, sc_time mem_latency)
      : cmds(std::move(plan_)) {
    fabric = std::make_unique<NocFabric>((name + "_fabric").c_str(), cfg, std::move(topo), stats, name + ".noc");
    for (std::uint32_t e = 0; e < fabric->topology().num_endpoints(); ++e) {
      const std::string en = name + "_ep" + std::to_string(e);
      mems.push_back(std::make_unique<SparseMemory>((en + "_mem").c_str(), e, mem_latency));
      nis.push_back(std::make_unique<NetworkInterface>((en + "_ni").c_str(), *fabric, e, ni, stats,
                                                       name + ".ni" + std::to_string(e)));
      nis.back()->memory.bind(mems.back()->socket);
      gens.push_back(std::make_unique<Generator>((en + "_gen").c_str(), cmds[e], window, fabric->period()));
      gens.back()->socket.bind(nis.back()->socket);
    }
  }
  bool done() const {
    return std::all_of(gens.begin(), gens.end(), [&](const auto& g) { return g->completed == g->cmds.size(); });
  }
  // The statistics with this network's name taken out of the paths, as JSON text.
  std::string stats_json() const {
    auto j = stats.to_json();
    return j.begin().value().dump(1);
  }
};

// Runs until every network's generators are done (or `limit`), then stops the kernel.
void run_all(const std::vector<Net*>& nets, sc_time limit) {
  sc_spawn([nets, limit] {
    const sc_time step = nets.front()->fabric->period() * 64;
    while (sc_time_stamp() < limit && !std::all_of(nets.begin(), nets.end(), [](Net* n) { return n->done(); })) {
      wait(step);
    }
    sc_stop();
  });
  sc_start();
}

// Checks every command of `net` and every memory against the reference of the plan.
void check_against_reference(Net& net) {
  const std::uint32_t n = static_cast<std::uint32_t>(net.cmds.size());
  // Memories: initial bytes, every write and notify over them, counters = initial + the adds.
  std::vector<std::map<std::uint64_t, std::uint8_t>> want(n);
  std::vector<std::vector<std::uint64_t>> adds(n, std::vector<std::uint64_t>(kCounters, 0));
  // Atomics: the old values each counter returned, with the addend.
  std::vector<std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>>> olds(
      n, std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>>(kCounters));
  std::vector<unsigned> notifies(n, 0);
  for (std::uint32_t s = 0; s < n; ++s) {
    for (std::size_t i = 0; i < net.cmds[s].size(); ++i) {
      const Cmd& c = net.cmds[s][i];
      SCOPED_TRACE("source " + std::to_string(s) + " command " + std::to_string(i) + " " + to_string(c.kind));
      ASSERT_TRUE(c.done);
      ASSERT_EQ(c.status, tlm::TLM_OK_RESPONSE) << c.ext->error;
      switch (c.kind) {
        case UbKind::write:
        case UbKind::notify:
          for (std::size_t k = 0; k < c.data.size(); ++k) want[c.dst][c.offset + k] = c.data[k];
          notifies[c.dst] += c.kind == UbKind::notify;
          break;
        case UbKind::read:
          EXPECT_EQ(c.buf, c.expect);
          break;
        case UbKind::atomic_add: {
          const unsigned k = static_cast<unsigned>((c.offset - kCounterBase) / 8);
          adds[c.dst][k] += le64(c.data.data());
          olds[c.dst][k].emplace_back(le64(c.buf.data()), le64(c.data.data()));
          break;
        }
      }
    }
  }
  for (std::uint32_t d = 0; d < n; ++d) {
    SparseMemory& m = *net.mems[d];
    for (const auto& [a, b] : want[d]) ASSERT_EQ(m.byte(a), b) << "endpoint " << d << " address " << a;
    // Nothing else changed: every other byte outside the counters keeps its initial value.
    for (const auto& [page, bytes] : m.pages) {
      for (std::uint64_t i = 0; i < bytes.size(); ++i) {
        const std::uint64_t a = (page << 12) + i;
        if (want[d].contains(a) || (a >= kCounterBase && a < kCounterBase + 8 * kCounters)) continue;
        ASSERT_EQ(bytes[i], initial_byte(d, a)) << "endpoint " << d << " address " << a << " written by no command";
      }
    }
    for (unsigned k = 0; k < kCounters; ++k) {
      std::uint8_t init[8];
      for (unsigned b = 0; b < 8; ++b) init[b] = initial_byte(d, kCounterBase + 8 * k + b);
      const std::uint64_t start = le64(init);
      std::uint8_t now[8];
      for (unsigned b = 0; b < 8; ++b) now[b] = m.byte(kCounterBase + 8 * k + b);
      EXPECT_EQ(le64(now), start + adds[d][k]) << "endpoint " << d << " counter " << k;
      // The old values form one chain from the initial value: each add saw the sum of those before it.
      auto& o = olds[d][k];
      std::sort(o.begin(), o.end(), [&](const auto& x, const auto& y) { return x.first - start < y.first - start; });
      std::uint64_t v = start;
      for (const auto& [old, add] : o) {
        ASSERT_EQ(old, v) << "endpoint " << d << " counter " << k << ": an atomic add saw a value no order gives";
        v += add;
      }
    }
    EXPECT_EQ(net.stats.to_json().begin().value()["ni" + std::to_string(d)]["notifies_received"]["value"]
                  .get<unsigned>(),
              notifies[d]);
  }
}

NetConfig config(const std::string& yaml) { return load_string<NetConfig>(yaml, "test.yaml"); }

std::uint32_t link_cycles(const NetConfig& cfg) {
  return static_cast<std::uint32_t>(time_to_cycles(cfg.topology.link_latency_s, cfg.clock_hz));
}

// Runs the plan on `rtl_cfg` and on the same config with every router fast, side by side in one
// simulation, and requires the reference results and identical statistics and memories.
// With `wave_router`, that router of the RTL network writes its waveform to `wave_path`.
void rtl_vs_fast(const NetConfig& rtl_cfg, const std::function<Topology(std::uint32_t)>& build, const NiParams& ni,
                 unsigned per_source, const std::string& wave_router = "", const std::string& wave_path = "") {
  NetConfig fast_cfg = rtl_cfg;
  fast_cfg.router.impl = RouterImpl::Fast;
  fast_cfg.topology.impl_overrides.clear();
  const std::uint32_t lat = link_cycles(rtl_cfg);
  const std::uint32_t n = build(lat).num_endpoints();
  const sc_time mem_latency(20, SC_NS);
  Net rtl("rtl", rtl_cfg, build(lat), plan(rtl_cfg.seed, n, per_source), ni, 8, mem_latency);
  Net fast("fast", fast_cfg, build(lat), plan(rtl_cfg.seed, n, per_source), ni, 8, mem_latency);
  ASSERT_GT(rtl.fabric->rtl_routers(), 0u);
  ASSERT_EQ(fast.fabric->rtl_routers(), 0u);
  if (!wave_router.empty()) rtl.fabric->open_wave(wave_router, wave_path);
  run_all({&rtl, &fast}, sc_time(10, SC_MS));
  ASSERT_TRUE(rtl.done()) << "the RTL network did not finish";
  ASSERT_TRUE(fast.done()) << "the fast network did not finish";
  check_against_reference(rtl);
  check_against_reference(fast);
  // The NIs were held back (max_outstanding below the generators' window) and ports stalled on
  // credits: the back-pressure paths ran.
  unsigned held = 0;
  for (const auto& g : rtl.gens) held += g->held;
  EXPECT_GT(held, 0u);
  std::uint64_t stalls = 0;
  for (std::uint32_t e = 0; e < n; ++e) {
    stalls += rtl.stats.to_json()["rtl"]["ni" + std::to_string(e)]["credit_stalls"]["value"].get<std::uint64_t>();
  }
  EXPECT_GT(stalls, 0u);
  // Round-robin spreading used every port of every NI.
  for (std::uint32_t e = 0; e < n && ni.spread == NiSpread::round_robin; ++e) {
    const auto j = rtl.stats.to_json()["rtl"]["ni" + std::to_string(e)];
    for (unsigned k = 0; j.contains("port" + std::to_string(k)); ++k) {
      EXPECT_GT(j["port" + std::to_string(k)]["flits_sent"]["value"].get<std::uint64_t>(), 0u) << e << "." << k;
    }
  }
  // D12: the same statistics byte for byte, the same completion times and memories.
  EXPECT_EQ(rtl.stats_json(), fast.stats_json());
  for (std::uint32_t e = 0; e < n; ++e) {
    EXPECT_EQ(rtl.gens[e]->finished, fast.gens[e]->finished) << "endpoint " << e;
    EXPECT_EQ(rtl.mems[e]->pages, fast.mems[e]->pages) << "endpoint " << e;
  }
}

TEST(NetworkInterface, MeshOfRtlRoutersMatchesReferenceAndFastModelByteForByte) {
  // 2x2 mesh of the verilated 5-port, 2-VC, 4-flit, 64-bit configuration.
  const NetConfig cfg = config(
      "seed: 7\nclock: 1GHz\nrouter:\n  ports: 5\n  vcs: 2\n  buf_depth: 4\n  payload_bits: 64\n  table_depth: 1024\n"
      "  impl: rtl\ntopology:\n  kind: mesh\n  mesh_x: 2\n  mesh_y: 2\n  link_latency: 2ns\n  router_latency: 3ns\n");
  rtl_vs_fast(cfg, [](std::uint32_t lat) { return build_mesh(2, 2, lat); }, NiParams{4, 4, NiSpread::hash}, 250);
}

TEST(NetworkInterface, ClosOfRtlLeavesSpreadOverPlanesMatchesReferenceAndFastModel) {
  // Two nodes of four endpoints, two planes (each endpoint has two ports), four spines per plane:
  // leaves are the verilated 8-port, 256-bit configuration, spines (2 ports) the fast model.
  // Round-robin spreading reorders packets of a flow; ordered reads must still see their writes.
  const NetConfig cfg = config(
      "seed: 11\nclock: 1GHz\nrouter:\n  ports: 8\n  vcs: 2\n  buf_depth: 8\n  payload_bits: 256\n"
      "  table_depth: 1024\n  impl: fast\ntopology:\n  kind: clos\n  leaves: 2\n  endpoints_per_leaf: 4\n  spines: 4\n"
      "  planes: 2\n  link_latency: 3ns\n  router_latency: 4ns\n"
      "  impl_overrides:\n    - {routers: \"*leaf*\", impl: rtl}\n");
  const std::string wave = ::testing::TempDir() + "ni_clos_leaf.fst";
  std::remove(wave.c_str());
  rtl_vs_fast(cfg, [](std::uint32_t lat) { return build_cm384(Cm384Shape{2, 4, 2, 4}, false, lat); },
              NiParams{4, 4, NiSpread::round_robin}, 150, "p1.leaf0", wave);
  // The RTL leaf's waveform (its configuration is built with FST tracing) was written and closed
  // with the fabric.
  std::FILE* f = std::fopen(wave.c_str(), "rb");
  ASSERT_NE(f, nullptr) << wave;
  std::fseek(f, 0, SEEK_END);
  EXPECT_GT(std::ftell(f), 1000);
  std::fclose(f);
}

// The plan's traffic on a 3x3 mesh of fast routers, one fabric stepping its routers on one thread,
// one on two in every cycle (no thread timer) and one on two with overlap (the worker's routers
// step on while the generators and memories run between network edges): the same results,
// statistics, completion times and memories (NocFabric::set_threads, set_overlap).
TEST(NetworkInterface, TwoThreadsGiveTheSameResultsAsOne) {
  const NetConfig cfg = config(
      "seed: 5\nclock: 1GHz\nrouter:\n  ports: 5\n  vcs: 2\n  buf_depth: 4\n  payload_bits: 256\n  table_depth: 16\n"
      "  impl: fast\ntopology:\n  kind: mesh\n  mesh_x: 3\n  mesh_y: 3\n  link_latency: 2ns\n  router_latency: 3ns\n");
  const std::uint32_t lat = link_cycles(cfg);
  const NiParams ni{8, 4, NiSpread::hash};
  Net one("one", cfg, build_mesh(3, 3, lat), plan(cfg.seed, 9, 120), ni, 8, sc_time(20, SC_NS));
  Net two("two", cfg, build_mesh(3, 3, lat), plan(cfg.seed, 9, 120), ni, 8, sc_time(20, SC_NS));
  Net over("over", cfg, build_mesh(3, 3, lat), plan(cfg.seed, 9, 120), ni, 8, sc_time(20, SC_NS));
  two.fabric->set_threads(2, false);
  over.fabric->set_threads(2, false);
  over.fabric->set_overlap(true);
  run_all({&one, &two, &over}, sc_time(10, SC_MS));
  over.fabric->settle();
  ASSERT_TRUE(one.done() && two.done() && over.done());
  check_against_reference(two);
  check_against_reference(over);
  EXPECT_EQ(one.fabric->parallel_cycles(), 0u);
  for (Net* n : {&two, &over}) {
    EXPECT_EQ(n->fabric->parallel_cycles(), n->fabric->cycles());  // every cycle ran on two threads
    EXPECT_EQ(one.stats_json(), n->stats_json());
    EXPECT_EQ(one.fabric->channel_flits(), n->fabric->channel_flits());
    for (std::uint32_t e = 0; e < 9; ++e) {
      EXPECT_EQ(one.gens[e]->finished, n->gens[e]->finished) << "endpoint " << e;
      EXPECT_EQ(one.mems[e]->pages, n->mems[e]->pages) << "endpoint " << e;
    }
  }
}

// An endpoint that sends packets of 3 flits to seeded destinations as its credits allow, returns a
// credit for every flit at once, and logs every flit and credit it receives in the order the fabric
// delivers them.
struct Recorder : FabricEndpoint {
  NocFabric& fabric;
  std::uint32_t id;
  Rng rng;
  unsigned credits[2];
  unsigned sent = 0;  // flits of the current packet
  std::uint32_t dst = 0;
  std::uint8_t vc = 0;
  std::vector<std::uint8_t> to_return;  // credits to send back this cycle, by VC
  std::vector<std::string>& log;        // shared by every endpoint of the fabric

  Recorder(NocFabric& f, std::uint32_t e, unsigned depth, std::vector<std::string>& l)
      : fabric(f), id(e), rng(Rng::derive(3, "recorder" + std::to_string(e))), credits{depth, depth}, log(l) {
    fabric.attach(e, *this);
  }
  void on_flit(unsigned port, const LinkFlit& f) override {
    log.push_back(fmt::format("{} flit ep{}.{} vc{} {}->{} h{}t{} {:x}", fabric.cycles(), id, port, f.vc, f.flit.src,
                              f.flit.dst, f.flit.head, f.flit.tail, f.flit.payload[0]));
    to_return.push_back(f.vc);
  }
  void on_credit(unsigned port, std::uint8_t v) override {
    log.push_back(fmt::format("{} credit ep{}.{} vc{}", fabric.cycles(), id, port, v));
    ++credits[v];
  }
  void cycle(std::uint64_t c) override {
    for (std::uint8_t v : to_return) fabric.send_credit(id, 0, v);
    to_return.clear();
    if (sent == 0) {
      if (!rng.bernoulli(0.6)) return;
      dst = static_cast<std::uint32_t>(rng.uniform(fabric.topology().num_endpoints() - 1));
      dst += dst >= id ? 1 : 0;
      vc = static_cast<std::uint8_t>(rng.uniform(2));
    }
    if (credits[vc] == 0) return;
    --credits[vc];
    LinkFlit f;
    f.valid = true;
    f.vc = vc;
    f.flit.head = sent == 0;
    f.flit.tail = sent == 2;
    f.flit.src = static_cast<std::uint16_t>(id);
    f.flit.dst = static_cast<std::uint16_t>(dst);
    f.flit.payload[0] = c << 8 | id;
    fabric.send_flit(id, 0, f);
    sent = sent == 2 ? 0 : sent + 1;
  }
};

// Deliveries reach the endpoints in the order they were put in flight, with two threads as with
// one: each thread's routers put theirs in buffers of their own, merged in node order (with
// overlap, at the next cycle's start). On a mesh every router has an endpoint, so both threads
// deliver to endpoints in the same cycles, and a merge in another order would reorder the log.
TEST(NetworkInterface, TwoThreadsDeliverInTheOrderOfOne) {
  const NetConfig cfg = config(
      "clock: 1GHz\nrouter:\n  ports: 5\n  vcs: 2\n  buf_depth: 4\n  payload_bits: 64\n  table_depth: 16\n"
      "  impl: fast\ntopology:\n  kind: mesh\n  mesh_x: 3\n  mesh_y: 3\n  link_latency: 2ns\n  router_latency: 3ns\n");
  StatsRegistry stats;
  std::vector<std::string> logs[3];
  std::vector<std::unique_ptr<NocFabric>> fabrics;
  std::vector<std::unique_ptr<Recorder>> eps;
  for (unsigned t = 0; t < 3; ++t) {  // one thread, two, two with overlap
    fabrics.push_back(std::make_unique<NocFabric>(fmt::format("order{}", t).c_str(), cfg,
                                                  build_mesh(3, 3, link_cycles(cfg)), stats, fmt::format("order{}", t)));
    if (t >= 1) fabrics.back()->set_threads(2, false);
    fabrics.back()->set_overlap(t == 2);
    for (std::uint32_t e = 0; e < 9; ++e) eps.push_back(std::make_unique<Recorder>(*fabrics.back(), e, 4, logs[t]));
  }
  sc_start(sc_time(3000, SC_NS));
  fabrics[2]->settle();
  ASSERT_GT(logs[0].size(), 10000u);
  for (unsigned t = 1; t < 3; ++t) {
    EXPECT_EQ(fabrics[t]->parallel_cycles(), fabrics[t]->cycles());
    EXPECT_EQ(fabrics[0]->channel_flits(), fabrics[t]->channel_flits());
    ASSERT_EQ(logs[0].size(), logs[t].size());
    for (std::size_t k = 0; k < logs[0].size(); ++k) ASSERT_EQ(logs[0][k], logs[t][k]) << "delivery " << k;
  }
}

Cmd command(UbKind kind, std::uint32_t dst, std::uint64_t offset, std::size_t bytes) {
  Cmd c;
  c.kind = kind;
  c.dst = dst;
  c.offset = offset;
  (kind == UbKind::read ? c.expect : c.data).assign(bytes, 0x5a);
  return c;
}

// A 2x1 mesh of fast routers with one NI per endpoint, for single commands.
struct Pair {
  NetConfig cfg = config(
      "clock: 1GHz\nrouter:\n  ports: 5\n  vcs: 2\n  buf_depth: 4\n  payload_bits: 64\n  table_depth: 2\n"
      "  impl: fast\ntopology:\n  kind: mesh\n  mesh_x: 2\n  mesh_y: 1\n  link_latency: 2ns\n  router_latency: 3ns\n");
  std::unique_ptr<Net> net;

  // Endpoint 0 issues `first`, then with `then_good` an 8-byte write that must succeed.
  Pair(Cmd first, bool then_good, NiParams ni = {}) {
    std::vector<std::vector<Cmd>> p(2);
    p[0].push_back(std::move(first));
    if (then_good) p[0].push_back(command(UbKind::write, 1, 0x200, 64));
    net = std::make_unique<Net>("pair", cfg, build_mesh(2, 1, link_cycles(cfg)), std::move(p), ni, 1,
                                sc_time(10, SC_NS));
  }
  void run() { run_all({net.get()}, sc_time(1, SC_MS)); }
  const Cmd& cmd(std::size_t i) const { return net->cmds[0].at(i); }
};

TEST(NetworkInterface, HashSpreadKeepsAFlowOnOnePortRoundRobinTakesEachInTurn) {
  // Endpoint 0 of a two-plane Clos writes 16 blocks to endpoint 5 (the other node): by hash every
  // request leaves on one port and every response comes back on one port of endpoint 5; in turn,
  // the 16 requests alternate over both ports (16 packets of 1 + 2 flits each: 24 flits per port);
  // adaptive puts each on the port with fewer flits queued, which the two ports drain alike, so
  // both carry about half (at least 6 of the 16 packets each; hash would put all 16 on one).
  const NetConfig cfg = config(
      "clock: 1GHz\nrouter:\n  ports: 8\n  vcs: 2\n  buf_depth: 8\n  payload_bits: 256\n  table_depth: 8\n"
      "  impl: fast\ntopology:\n  kind: clos\n  leaves: 2\n  endpoints_per_leaf: 4\n  spines: 4\n  planes: 2\n"
      "  link_latency: 3ns\n  router_latency: 4ns\n");
  auto traffic = [] {
    std::vector<std::vector<Cmd>> p(8);
    for (unsigned i = 0; i < 16; ++i) p[0].push_back(command(UbKind::write, 5, 64 * i, 64));
    return p;
  };
  const auto topo = [&] { return build_cm384(Cm384Shape{2, 4, 2, 4}, false, link_cycles(cfg)); };
  Net hash("hash", cfg, topo(), traffic(), NiParams{32, 8, NiSpread::hash}, 4, sc_time(10, SC_NS));
  Net rr("rr", cfg, topo(), traffic(), NiParams{32, 8, NiSpread::round_robin}, 4, sc_time(10, SC_NS));
  Net adaptive("adaptive", cfg, topo(), traffic(), NiParams{32, 8, NiSpread::adaptive}, 4, sc_time(10, SC_NS));
  run_all({&hash, &rr, &adaptive}, sc_time(1, SC_MS));
  ASSERT_TRUE(hash.done() && rr.done() && adaptive.done());
  auto flits = [](const Net& net, const std::string& name, unsigned ni, unsigned port) {
    return net.stats.to_json()[name]["ni" + std::to_string(ni)]["port" + std::to_string(port)]["flits_sent"]["value"]
        .get<std::uint64_t>();
  };
  for (unsigned ni : {0u, 5u}) {
    EXPECT_EQ(flits(hash, "hash", ni, 0) == 0, flits(hash, "hash", ni, 1) != 0) << "endpoint " << ni;
    EXPECT_GT(flits(hash, "hash", ni, 0) + flits(hash, "hash", ni, 1), 0u) << "endpoint " << ni;
  }
  EXPECT_EQ(flits(rr, "rr", 0, 0), 24u);
  EXPECT_EQ(flits(rr, "rr", 0, 1), 24u);
  EXPECT_EQ(flits(adaptive, "adaptive", 0, 0) + flits(adaptive, "adaptive", 0, 1), 48u);
  EXPECT_GE(flits(adaptive, "adaptive", 0, 0), 18u);
  EXPECT_GE(flits(adaptive, "adaptive", 0, 1), 18u);
}

TEST(NetworkInterface, AFullResponseQueueHoldsRequestsBackToTheirSenders) {
  // Endpoints 1-3 of a 2x2 mesh each write 4 x 64 B to endpoint 0, whose memory takes 200 cycles.
  // With a response queue of one, endpoint 0 takes a request only when the previous response has
  // left: the 12 accesses follow each other, and the flits behind them back up to the senders. With
  // eight, the accesses overlap.
  const NetConfig cfg = config(
      "clock: 1GHz\nrouter:\n  ports: 5\n  vcs: 2\n  buf_depth: 4\n  payload_bits: 64\n  table_depth: 4\n"
      "  impl: fast\ntopology:\n  kind: mesh\n  mesh_x: 2\n  mesh_y: 2\n  link_latency: 2ns\n  router_latency: 3ns\n");
  auto traffic = [] {
    std::vector<std::vector<Cmd>> p(4);
    for (std::uint32_t s = 1; s < 4; ++s) {
      for (unsigned i = 0; i < 4; ++i) p[s].push_back(command(UbKind::write, 0, 64 * (4 * s + i), 64));
    }
    return p;
  };
  const sc_time mem(200, SC_NS);
  Net one("one", cfg, build_mesh(2, 2, 2), traffic(), NiParams{32, 1, NiSpread::hash}, 4, mem);
  Net eight("eight", cfg, build_mesh(2, 2, 2), traffic(), NiParams{32, 8, NiSpread::hash}, 4, mem);
  run_all({&one, &eight}, sc_time(1, SC_MS));
  ASSERT_TRUE(one.done() && eight.done());
  sc_time last_one = SC_ZERO_TIME, last_eight = SC_ZERO_TIME;
  std::uint64_t stalls_one = 0, stalls_eight = 0;
  for (std::uint32_t s = 1; s < 4; ++s) {
    for (const Cmd& c : one.cmds[s]) EXPECT_EQ(c.status, tlm::TLM_OK_RESPONSE);
    last_one = std::max(last_one, one.gens[s]->finished);
    last_eight = std::max(last_eight, eight.gens[s]->finished);
    stalls_one += one.stats.to_json()["one"]["ni" + std::to_string(s)]["credit_stalls"]["value"].get<std::uint64_t>();
    stalls_eight +=
        eight.stats.to_json()["eight"]["ni" + std::to_string(s)]["credit_stalls"]["value"].get<std::uint64_t>();
  }
  EXPECT_GE(last_one, mem * 12.0);
  EXPECT_LT(last_eight, mem * 4.0);
  EXPECT_GT(stalls_one, stalls_eight);
}

TEST(NetworkInterface, ZeroLoadWriteLatencyIsBothWaysThroughTheNetworkPlusMemory) {
  // An 8-byte write: 3 request flits (2 header + 1 data), 2 response flits. Each way crosses the
  // first link (2), two routers (3) each followed by a link (2): 12 cycles to the head, plus the
  // flits behind it; the memory takes 10 cycles; acceptance to injection 1 cycle (D13).
  // 1 + (12 + 2) + 10 + (12 + 1) = 38.
  Pair pair(command(UbKind::write, 1, 0x100, 8), false);
  pair.run();
  ASSERT_EQ(pair.cmd(0).status, tlm::TLM_OK_RESPONSE);
  const auto j = pair.net->stats.to_json()["pair"]["ni0"]["latency"];
  EXPECT_EQ(j["max"].get<std::uint64_t>(), 38u);
  EXPECT_EQ(j["count"].get<std::uint64_t>(), 1u);
}

TEST(NetworkInterface, AnAtomicAddCostsTheMemoryOnce) {
  // The write above as an 8-byte atomic add, whose response carries the old value (3 flits). Its
  // read and write are issued together when it arrives, so the memory's 10 cycles count once:
  // 1 + (12 + 2) + 10 + (12 + 2) = 39 (49 with the write issued after the read's latency).
  Pair pair(command(UbKind::atomic_add, 1, kCounterBase, 8), false);
  pair.run();
  ASSERT_EQ(pair.cmd(0).status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(pair.net->stats.to_json()["pair"]["ni0"]["latency"]["max"].get<std::uint64_t>(), 39u);
}

TEST(NetworkInterface, TheCommandLatencyDelaysTheInjection) {
  // The write above with a command latency of 21 cycles instead of 1: 38 + 20 = 58.
  NiParams ni;
  ni.command_latency = 21;
  Pair pair(command(UbKind::write, 1, 0x100, 8), false, ni);
  pair.run();
  ASSERT_EQ(pair.cmd(0).status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(pair.net->stats.to_json()["pair"]["ni0"]["latency"]["max"].get<std::uint64_t>(), 58u);
}

TEST(NetworkInterface, NotifyWritesTheFlagThenWakesAWaiterAtTheTarget) {
  // A process at endpoint 1 waits on its NI's notified() event and finds the flag written when it
  // wakes, one cycle after the write and before the issuer's completion.
  Cmd flag = command(UbKind::notify, 1, kFlagBase, 8);
  flag.data = {1, 2, 3, 4, 5, 6, 7, 8};
  Pair pair(std::move(flag), false);
  sc_time woke;
  std::vector<std::uint8_t> seen(8);
  sc_spawn([&] {
    wait(pair.net->nis[1]->notified());
    woke = sc_time_stamp();
    for (unsigned k = 0; k < 8; ++k) seen[k] = pair.net->mems[1]->byte(kFlagBase + k);
  });
  pair.run();
  ASSERT_EQ(pair.cmd(0).status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(seen, pair.cmd(0).data);
  EXPECT_GT(woke, SC_ZERO_TIME);
  EXPECT_LT(woke, pair.net->gens[0]->finished);
  EXPECT_EQ(pair.net->stats.to_json()["pair"]["ni1"]["notifies_received"]["value"].get<unsigned>(), 1u);
}

TEST(NetworkInterface, FabricRefusesAWaveOfAFastRouterOrAnUnknownOne) {
  Pair pair(command(UbKind::write, 1, 0, 8), false);
  auto message = [&](const std::string& router) {
    try {
      pair.net->fabric->open_wave(router, ::testing::TempDir() + "ni_never.fst");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message("r0_0").find("pair_fabric: router r0_0: "), std::string::npos) << message("r0_0");
  EXPECT_NE(message("r9_9").find("pair_fabric: no router named r9_9"), std::string::npos) << message("r9_9");
}

// The message of the error constructing a fabric of `yaml` on a 2x1 mesh throws, or "".
std::string fabric_error(const std::string& yaml) {
  const NetConfig cfg = config(yaml);
  StatsRegistry stats;
  try {
    NocFabric fabric("bad_fabric", cfg, build_mesh(2, 1, 1), stats);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(NetworkInterface, FabricRefusesARouterLatencyBelowThePipeline) {
  const std::string e = fabric_error("clock: 1GHz\nrouter:\n  ports: 5\n  table_depth: 2\n  impl: fast\n"
                                     "topology:\n  kind: mesh\n  mesh_x: 2\n  mesh_y: 1\n  router_latency: 1ns\n");
  EXPECT_NE(e.find("bad_fabric: topology.router_latency is 1 cycles, below the sn_router pipeline of 2"),
            std::string::npos)
      << e;
}

// The NIs' request and response classes are VCs, which per-hop VC allocation would merge.
TEST(NetworkInterface, FabricRefusesVcsReassignedPerHop) {
  const std::string e = fabric_error("clock: 1GHz\nrouter:\n  ports: 5\n  table_depth: 2\n  impl: fast\n"
                                     "  vc_alloc: any\ntopology:\n  kind: mesh\n  mesh_x: 2\n  mesh_y: 1\n");
  EXPECT_NE(e.find("bad_fabric: router.vc_alloc must be keep"), std::string::npos) << e;
}

TEST(NetworkInterface, FabricNamesARouterWhoseRtlConfigurationIsNotBuilt) {
  const std::string e = fabric_error("clock: 1GHz\nrouter:\n  ports: 5\n  vcs: 2\n  buf_depth: 16\n"
                                     "  payload_bits: 64\n  table_depth: 1024\n  impl: rtl\n"
                                     "topology:\n  kind: mesh\n  mesh_x: 2\n  mesh_y: 1\n");
  EXPECT_NE(e.find("bad_fabric: router r0_0: "), std::string::npos) << e;
  EXPECT_NE(e.find("buf_depth=16"), std::string::npos) << e;
}

// A bad command is refused with the NI and the command named, and the NI goes on working.
void expect_refused(Cmd bad, tlm::tlm_response_status status, const std::string& why) {
  Pair pair(std::move(bad), true);
  pair.run();
  const Cmd& c = pair.cmd(0);
  EXPECT_EQ(c.status, status);
  EXPECT_NE(c.ext->error.find("pair_ep0_ni: "), std::string::npos) << c.ext->error;
  EXPECT_NE(c.ext->error.find(to_string(c.kind)), std::string::npos) << c.ext->error;
  EXPECT_NE(c.ext->error.find(why), std::string::npos) << c.ext->error;
  EXPECT_EQ(pair.cmd(1).status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(pair.net->stats.to_json()["pair"]["ni0"]["errors"]["value"].get<unsigned>(), 1u);
}

TEST(NetworkInterface, RefusesADestinationThatDoesNotExist) {
  expect_refused(command(UbKind::write, 5, 0, 8), tlm::TLM_GENERIC_ERROR_RESPONSE,
                 "destination endpoint 5 does not exist (endpoints 0..1)");
}

TEST(NetworkInterface, RefusesItsOwnEndpointAsDestination) {
  expect_refused(command(UbKind::notify, 0, 0, 8), tlm::TLM_GENERIC_ERROR_RESPONSE, "this NI's own endpoint");
}

TEST(NetworkInterface, RefusesAZeroSizeRead) {
  expect_refused(command(UbKind::read, 1, 0, 0), tlm::TLM_BURST_ERROR_RESPONSE, "size 0 B is outside 1..512 B");
}

TEST(NetworkInterface, RefusesAWriteBeyond512Bytes) {
  expect_refused(command(UbKind::write, 1, 0, 513), tlm::TLM_BURST_ERROR_RESPONSE, "size 513 B is outside 1..512 B");
}

TEST(NetworkInterface, RefusesAnAtomicAddThatIsNotEightAlignedBytes) {
  expect_refused(command(UbKind::atomic_add, 1, 4, 8), tlm::TLM_BURST_ERROR_RESPONSE, "8-byte aligned");
}

TEST(NetworkInterface, ReportsAReadOutsideTheRemoteMemory) {
  expect_refused(command(UbKind::read, 1, kMemBytes - 8, 64), tlm::TLM_ADDRESS_ERROR_RESPONSE,
                 "of 64 B at offset 0xffff8 of endpoint 1: endpoint 1's memory answered TLM_ADDRESS_ERROR_RESPONSE");
}

// Integrity errors: what a broken router or NI would deliver, fed to endpoint 0's NI directly.
std::string integrity_error(const std::function<void(NetworkInterface&)>& feed) {
  Pair pair(command(UbKind::write, 1, 0, 8), false);
  NetworkInterface& ni = *pair.net->nis[0];
  try {
    feed(ni);
  } catch (const std::logic_error& e) {
    return e.what();
  }
  return "no error";
}

LinkFlit flit(std::uint8_t vc, bool head, bool tail, std::uint64_t word) {
  LinkFlit f;
  f.valid = true;
  f.vc = vc;
  f.flit.head = head;
  f.flit.tail = tail;
  f.flit.src = 1;
  f.flit.payload[0] = word;
  return f;
}

TEST(NetworkInterface, AResponseForATagNoCommandHoldsIsAnIntegrityError) {
  // A write ack (header word 0: kind 1, response bit, size 8, tag 3; word 1: offset 0) before any
  // command was accepted: one flit per port per cycle, so the packet is whole in the second cycle.
  const std::string e = integrity_error([](NetworkInterface& ni) {
    ni.on_flit(0, flit(1, true, false, 1u | (1u << 4) | (8u << 16) | (std::uint64_t{3} << 32)));
    ni.on_flit(0, flit(1, false, true, 0));
    ni.cycle(0);
    ni.cycle(1);
  });
  EXPECT_NE(e.find("pair_ep0_ni: a response from endpoint 1 for tag 3, which no command holds"), std::string::npos)
      << e;
}

// Sends `c` to endpoint 0's NI through its generator's socket, outside the simulation.
tlm::tlm_sync_enum begin_req(Pair& pair, Cmd& c) {
  prepare(c);
  tlm::tlm_phase ph = tlm::BEGIN_REQ;
  sc_time d = SC_ZERO_TIME;
  return pair.net->gens[0]->socket->nb_transport_fw(*c.payload, ph, d);
}

TEST(NetworkInterface, AResponseThatDoesNotMatchItsCommandIsAnIntegrityError) {
  // An 8-byte write to endpoint 1 holds tag 0; a write ack for tag 0 saying 16 bytes must not
  // complete it (a corrupt size could overrun the issuer's buffer).
  Pair pair(command(UbKind::write, 1, 0, 8), false);
  Cmd c = command(UbKind::write, 1, 0, 8);
  ASSERT_EQ(begin_req(pair, c), tlm::TLM_UPDATED);
  NetworkInterface& ni = *pair.net->nis[0];
  ni.on_flit(0, flit(1, true, false, 1u | (1u << 4) | (16u << 16)));
  ni.on_flit(0, flit(1, false, true, 0));
  ni.cycle(0);
  try {
    ni.cycle(1);
    FAIL() << "the mismatching response was taken";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("pair_ep0_ni: a response from endpoint 1 for tag 0 does not match its "
                                         "command (remote write of 8 B at offset 0x0 of endpoint 1): size"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(c.done);
  EXPECT_EQ(ni.outstanding(), 1u);
}

TEST(NetworkInterface, ASecondBeginReqBeforeEndReqBreaksTheBaseProtocol) {
  // 32 commands fill the NI (max_outstanding); the 33rd is held without END_REQ, and a 34th
  // BEGIN_REQ before that END_REQ is the initiator's protocol error.
  Pair pair(command(UbKind::write, 1, 0, 8), false);
  std::vector<Cmd> cmds;
  for (unsigned i = 0; i < 34; ++i) cmds.push_back(command(UbKind::write, 1, 8 * i, 8));
  for (unsigned i = 0; i < NiParams{}.max_outstanding; ++i) ASSERT_EQ(begin_req(pair, cmds[i]), tlm::TLM_UPDATED) << i;
  ASSERT_EQ(begin_req(pair, cmds[32]), tlm::TLM_ACCEPTED);
  try {
    begin_req(pair, cmds[33]);
    FAIL() << "a second BEGIN_REQ was taken";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("pair_ep0_ni: BEGIN_REQ of a remote write of 8 B at offset 0x108 of endpoint 1 "
                                         "while the previous request awaits END_REQ"),
              std::string::npos)
        << e.what();
  }
}

TEST(NetworkInterface, APacketOfUnknownKindIsAnIntegrityError) {
  const std::string e = integrity_error([](NetworkInterface& ni) {
    ni.on_flit(0, flit(0, true, false, 9u | (8u << 16)));
    ni.on_flit(0, flit(0, false, true, 0));
    ni.cycle(0);
    ni.cycle(1);
  });
  EXPECT_NE(e.find("pair_ep0_ni: port 0: a malformed packet from endpoint 1"), std::string::npos) << e;
}

TEST(NetworkInterface, AFlitOnAVcBeyondItsTwoIsAnIntegrityError) {
  const std::string e = integrity_error([](NetworkInterface& ni) { ni.on_flit(0, flit(2, true, true, 0)); });
  EXPECT_NE(e.find("pair_ep0_ni: port 0: a flit on VC 2 without a credit for it"), std::string::npos) << e;
}

TEST(NetworkInterface, ACreditBeyondTheRoutersBufferIsAnIntegrityError) {
  // The NI starts with buf_depth (4) credits per VC: a fifth one was never owed.
  const std::string e = integrity_error([](NetworkInterface& ni) { ni.on_credit(0, 1); });
  EXPECT_NE(e.find("pair_ep0_ni: port 0: a credit on VC 1 beyond the router's 4 buffer slots"), std::string::npos)
      << e;
}

}  // namespace
}  // namespace snsim::noc

int sc_main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
