// DieGm's remote paths under sc_start (issue 6 §2): four dies of two NPUs (dies_per_npu 2) on a
// 4-port switch of fast routers, each die's memory a SimpleGm behind its DieGm and NetworkInterface.
// Seeded accesses (reads, writes of up to 2 KiB, atomic adds, notifies) to the other die of the NPU
// (die-to-die link) and to the other NPU's dies (network, with an NI small enough to push back) are
// checked against a reference computed here in plain C++ from the plan alone; DMA copies over every
// path; notify ordering; the errors for addresses no die owns. A driver method stands in for the
// Machine: it delivers completions every core cycle and starts the plan's accesses.
#include <gtest/gtest.h>

#define SC_INCLUDE_DYNAMIC_PROCESSES

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "common/rng.h"
#include "common/stats.h"
#include "common/units.h"
#include "config/config.h"
#include "config/net_config.h"
#include "noc/fabric.h"
#include "noc/ni.h"
#include "noc/topology.h"
#include "npu/die_gm.h"

using namespace sc_core;

namespace snsim::npu {
namespace {

using core::AsyncKind;
using core::global_addr;

constexpr std::uint32_t kDies = 4;
constexpr std::uint64_t kBase = 0x10000, kSize = 0x80000;  // each die's mapped region
constexpr std::uint64_t kStatic = 0x10000;                  // never written: initial bytes
constexpr std::uint64_t kWrites = 0x30000;                  // source s writes its 2 KiB blocks at + s x 0x8000
constexpr std::uint64_t kCounters = 0x60000;                // 8 atomic counters
constexpr std::uint64_t kFlags = 0x61000;                   // notify slots, 0x100 per source
constexpr std::uint64_t kCopyDst = 0x70000;                 // DMA destinations
constexpr unsigned kNumCounters = 8;

std::uint8_t initial_byte(std::uint32_t die, std::uint64_t offset) {
  return static_cast<std::uint8_t>((offset * 131 + die * 29 + (offset >> 9)) & 0xff);
}

std::uint64_t le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (unsigned k = 0; k < 8; ++k) v |= std::uint64_t{p[k]} << (8 * k);
  return v;
}
std::vector<std::uint8_t> bytes64(std::uint64_t v) {
  std::vector<std::uint8_t> b(8);
  for (unsigned k = 0; k < 8; ++k) b[k] = static_cast<std::uint8_t>(v >> (8 * k));
  return b;
}

core::AsyncAccess access(AsyncKind kind, std::uint64_t addr, std::uint64_t len, std::vector<std::uint8_t> data = {},
                         std::uint64_t src = 0) {
  core::AsyncAccess a;
  a.kind = kind;
  a.addr = addr;
  a.src = src;
  a.len = len;
  a.data = std::move(data);
  return a;
}

sc_time core_period() { return sc_time(1.0 / 1.85e9, SC_SEC); }  // 1850 MHz (HARDWARE.md §2)

// The dies, the network, and a driver method at the core clock that delivers completions and runs
// the script (callbacks by cycle).
struct Rig : sc_module {
  StatsRegistry stats;
  std::unique_ptr<noc::NocFabric> fabric;
  std::vector<std::unique_ptr<core::SimpleGm>> stores;
  std::vector<std::unique_ptr<DieGm>> gms;
  std::vector<std::unique_ptr<noc::NetworkInterface>> nis;
  sc_clock clk;
  std::multimap<core::Cycle, std::function<void(core::Cycle)>> script;
  unsigned outstanding = 0;  // accesses started whose AsyncDone has not come
  bool inside_start = false;
  core::Cycle limit = 2'000'000;
  std::vector<unsigned> remote_writes = std::vector<unsigned>(kDies, 0);

  explicit Rig(const DieGmParams& params, unsigned ni_outstanding = 2)
      : sc_module("rig"), clk("core_clock", core_period()) {
    const NetConfig cfg = load_string<NetConfig>(
        "seed: 3\nclock: 875MHz\nrouter:\n  ports: 4\n  vcs: 2\n  buf_depth: 16\n  payload_bits: 64\n"
        "  table_depth: 16\n  impl: fast\ntopology:\n  kind: switch\n  flit_bytes: 32\n  link_latency: 20ns\n"
        "  router_latency: 20ns\n",
        "test-net.yaml");
    const auto lat = static_cast<std::uint32_t>(time_to_cycles(cfg.topology.link_latency_s, cfg.clock_hz));
    fabric = std::make_unique<noc::NocFabric>("noc", cfg, noc::build_switch(4, lat), stats, "noc");
    std::vector<DieGm*> all;
    for (std::uint32_t d = 0; d < kDies; ++d) {
      stores.push_back(std::make_unique<core::SimpleGm>(core::SimpleGmParams{.latency = 50}));
      stores[d]->map(kBase, kSize);
      std::vector<std::uint8_t> init(kSize);
      for (std::uint64_t i = 0; i < kSize; ++i) init[i] = initial_byte(d, kBase + i);
      stores[d]->write(kBase, init);
      const std::string dn = "die" + std::to_string(d);
      gms.push_back(std::make_unique<DieGm>((dn + "_gm").c_str(), d, params, *stores[d], *stores[d], core_period(),
                                            stats, dn + ".gm"));
      nis.push_back(std::make_unique<noc::NetworkInterface>((dn + "_ni").c_str(), *fabric, d,
                                                            noc::NiParams{ni_outstanding, 4, noc::NiSpread::hash}, stats,
                                                            dn + ".ni"));
      gms[d]->ni.bind(nis[d]->socket);
      nis[d]->memory.bind(gms[d]->target);
      gms[d]->set_on_remote_write([this, d](core::Cycle, std::uint64_t, std::uint64_t) { ++remote_writes[d]; });
      all.push_back(gms[d].get());
    }
    for (auto& g : gms) g->set_dies(all);
    SC_HAS_PROCESS(Rig);
    SC_METHOD(tick);
    sensitive << clk.posedge_event();
  }

  void tick() {
    const core::Cycle c = sc_time_stamp().value() / core_period().value();
    for (auto& g : gms) g->deliver(c);
    while (!script.empty() && script.begin()->first <= c) {
      auto f = std::move(script.begin()->second);
      script.erase(script.begin());
      f(c);
    }
    const bool busy = std::any_of(gms.begin(), gms.end(), [](const auto& g) { return g->in_flight(); });
    if ((script.empty() && outstanding == 0 && !busy) || c >= limit) sc_stop();
  }

  // Starts `a` on die `die` at cycle `c` (from the script); `done` gets the completion.
  void start(std::uint32_t die, core::Cycle c, core::AsyncAccess a,
             std::function<void(core::Cycle, std::vector<std::uint8_t>, std::string)> done) {
    ++outstanding;
    inside_start = true;
    gms[die]->start_async(c, std::move(a), [this, c, done](core::Cycle at, std::span<const std::uint8_t> data,
                                                          const std::string& error) {
      EXPECT_FALSE(inside_start) << "AsyncDone called from inside start_async";
      EXPECT_GT(at, c) << "completion not after the start";
      --outstanding;
      done(at, std::vector<std::uint8_t>(data.begin(), data.end()), error);
    });
    inside_start = false;
  }

  // The value of statistic `path` ("die0.gm.served").
  double stat_value(const std::string& path) const {
    nlohmann::json j = stats.to_json();
    for (std::size_t p = 0, q; p <= path.size(); p = q + 1) {
      q = path.find('.', p);
      if (q == std::string::npos) q = path.size();
      j = j[path.substr(p, q - p)];
    }
    return j["value"].get<double>();
  }
  std::uint64_t stat(const std::string& path) const { return static_cast<std::uint64_t>(stat_value(path)); }
};

DieGmParams params() {
  DieGmParams p;
  p.dies_per_npu = 2;
  p.num_dies = kDies;
  p.d2d_latency = 60;
  p.dma_startup = 100;
  p.dma_max_outstanding = 3;
  return p;
}

// One access of the plan and what the reference expects of it.
struct Planned {
  std::uint32_t src, dst;
  core::Cycle at;
  AsyncKind kind;
  std::uint64_t offset;
  std::vector<std::uint8_t> data;    // write, notify, atomic addend
  std::vector<std::uint8_t> expect;  // read
  bool done = false;
  std::vector<std::uint8_t> got;
  std::string error;
};

std::vector<Planned> plan(std::uint64_t seed, unsigned per_die) {
  std::vector<Planned> out;
  for (std::uint32_t s = 0; s < kDies; ++s) {
    Rng rng = Rng::derive(seed, "die_gm.plan." + std::to_string(s));
    unsigned blocks = 0, flags = 0;
    core::Cycle at = 0;
    for (unsigned i = 0; i < per_die; ++i) {
      Planned p{s, static_cast<std::uint32_t>(rng.uniform(kDies - 1)), at += rng.uniform(40), AsyncKind::read, 0, {}, {}, false, {}, {}};
      if (p.dst >= s) ++p.dst;
      const std::uint64_t r = rng.uniform(100);
      if (r < 35 && blocks < 16) {
        p.kind = AsyncKind::write;
        p.offset = kWrites + s * 0x8000ull + blocks++ * 0x800;
        p.data.resize(1 + rng.uniform(2048));
        for (auto& b : p.data) b = static_cast<std::uint8_t>(rng.next_u64());
      } else if (r < 65) {
        p.offset = kStatic + rng.uniform(0x10000);
        p.expect.resize(1 + rng.uniform(1500));
        for (std::size_t k = 0; k < p.expect.size(); ++k) p.expect[k] = initial_byte(p.dst, p.offset + k);
      } else if (r < 85) {
        p.kind = AsyncKind::atomic_add;
        p.offset = kCounters + 8 * rng.uniform(kNumCounters);
        p.data = bytes64(1 + rng.uniform(1000));
      } else {
        p.kind = AsyncKind::notify;
        p.offset = kFlags + s * 0x100ull + 8 * (flags++ % 32);
        p.data = bytes64(i + 1);
      }
      out.push_back(std::move(p));
    }
  }
  return out;
}

TEST(DieGm, LinkAndNetworkAccessesMatchThePlainReference) {
  Rig rig(params());
  std::vector<Planned> accesses = plan(5, 60);
  for (Planned& p : accesses) {
    rig.script.emplace(p.at, [&rig, &p](core::Cycle c) {
      rig.start(p.src, c, access(p.kind, global_addr(p.dst, p.offset), p.expect.size(), p.data), [&p](core::Cycle, std::vector<std::uint8_t> data, std::string error) {
        EXPECT_FALSE(p.done) << "AsyncDone called twice";
        p.done = true;
        p.got = std::move(data);
        p.error = std::move(error);
      });
    });
  }
  sc_start();

  // Per access: done once, no error, reads return the initial bytes.
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::uint8_t> want;  // (die, offset) -> byte written
  std::vector<std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>>> olds(
      kDies, std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>>(kNumCounters));
  for (const Planned& p : accesses) {
    SCOPED_TRACE("die " + std::to_string(p.src) + " -> die " + std::to_string(p.dst) + " at offset " +
                 std::to_string(p.offset));
    ASSERT_TRUE(p.done);
    ASSERT_EQ(p.error, "");
    switch (p.kind) {
      case AsyncKind::read:
        EXPECT_EQ(p.got, p.expect);
        break;
      case AsyncKind::atomic_add:
        ASSERT_EQ(p.got.size(), 8u);
        olds[p.dst][(p.offset - kCounters) / 8].emplace_back(le64(p.got.data()), le64(p.data.data()));
        break;
      default:
        EXPECT_TRUE(p.got.empty());
        for (std::size_t k = 0; k < p.data.size(); ++k) want[{p.dst, p.offset + k}] = p.data[k];
        break;
    }
  }
  // Memories: every byte is the initial one, the one written, or a counter holding its sum; each
  // counter's old values form one chain from its initial value (each add saw those before it).
  for (std::uint32_t d = 0; d < kDies; ++d) {
    std::vector<std::uint8_t> mem(kSize);
    rig.stores[d]->read(kBase, mem);
    for (std::uint64_t i = 0; i < kSize; ++i) {
      const std::uint64_t off = kBase + i;
      if (off >= kCounters && off < kCounters + 8 * kNumCounters) continue;
      const auto w = want.find({d, off});
      ASSERT_EQ(mem[i], w != want.end() ? w->second : initial_byte(d, off)) << "die " << d << " offset " << off;
    }
    for (unsigned k = 0; k < kNumCounters; ++k) {
      std::uint8_t init[8];
      for (unsigned b = 0; b < 8; ++b) init[b] = initial_byte(d, kCounters + 8 * k + b);
      std::uint64_t v = le64(init);
      auto& o = olds[d][k];
      std::sort(o.begin(), o.end(), [&](const auto& x, const auto& y) { return x.first - le64(init) < y.first - le64(init); });
      for (const auto& [old, add] : o) {
        ASSERT_EQ(old, v) << "die " << d << " counter " << k << ": an atomic add saw a value no order gives";
        v += add;
      }
      EXPECT_EQ(le64(mem.data() + (kCounters + 8 * k - kBase)), v) << "die " << d << " counter " << k;
    }
  }
  // Both paths ran on every die, the NIs pushed back, and the network's writes reached the targets.
  for (std::uint32_t d = 0; d < kDies; ++d) {
    const std::string g = "die" + std::to_string(d) + ".gm.";
    EXPECT_GT(rig.stat(g + "link_accesses"), 0u) << d;
    EXPECT_GT(rig.stat(g + "net_accesses"), 0u) << d;
    EXPECT_GT(rig.stat(g + "served"), 0u) << d;
    EXPECT_GT(rig.remote_writes[d], 0u) << d;
  }
  std::uint64_t pushbacks = 0;
  for (std::uint32_t d = 0; d < kDies; ++d) pushbacks += rig.stat("die" + std::to_string(d) + ".gm.ni_pushbacks");
  EXPECT_GT(pushbacks, 0u);
}

// DMA copies of 5000 bytes (ten chunks, the last short) over every path: local -> other NPU,
// same NPU -> local, one remote die to another, local -> local. Each destination holds the
// source's bytes, nothing completes before the start-up, and the bytes are counted.
TEST(DieGm, DmaCopiesOverEveryPathMoveTheSourceBytes) {
  const DieGmParams p = params();
  Rig rig(p);
  constexpr std::uint64_t kLen = 5000;
  struct Copy {
    std::uint32_t dst_die, src_die;
    std::uint64_t dst, src;
    core::Cycle done = 0;
  };
  std::vector<Copy> copies = {{3, 0, kCopyDst, kStatic + 7},
                              {0, 1, kCopyDst, kStatic + 100},
                              {3, 2, kCopyDst + 0x2000, kStatic},
                              {0, 0, kCopyDst + 0x2000, kStatic + 3}};
  rig.script.emplace(10, [&](core::Cycle c) {
    for (Copy& cp : copies) {
      rig.start(0, c, access(AsyncKind::copy, global_addr(cp.dst_die, cp.dst), kLen, {}, global_addr(cp.src_die, cp.src)), [&cp](core::Cycle at, std::vector<std::uint8_t> data, std::string error) {
        EXPECT_EQ(error, "");
        EXPECT_TRUE(data.empty());
        cp.done = at;
      });
    }
  });
  sc_start();
  for (const Copy& cp : copies) {
    SCOPED_TRACE("die " + std::to_string(cp.src_die) + " -> die " + std::to_string(cp.dst_die));
    EXPECT_GE(cp.done, 10 + p.dma_startup);
    std::vector<std::uint8_t> got(kLen);
    rig.stores[cp.dst_die]->read(cp.dst, got);
    for (std::uint64_t i = 0; i < kLen; ++i) ASSERT_EQ(got[i], initial_byte(cp.src_die, cp.src + i)) << i;
  }
  EXPECT_EQ(rig.stat("die0.gm.dma_bytes"), 4 * kLen);
  EXPECT_EQ(rig.stat("die0.gm.dma_copies"), 4u);
  // Die 0 was written by ten chunks over the link (from die 1) and ten of its own engine's local
  // writes: each is reported, so gwait-blocked cores of the die are woken by either.
  EXPECT_EQ(rig.remote_writes[0], 20u);
  // The engine kept its bound on chunks in flight, and reached it.
  EXPECT_EQ(rig.stat_value("die0.gm.dma_peak_chunks"), p.dma_max_outstanding);
}

// A notify after a 2 KiB write to the same die completes after it (the NI's ordering bit; the
// link is in order), over the network and over the link.
TEST(DieGm, NotifyCompletesAfterTheEarlierWriteToItsDie) {
  Rig rig(params(), 32);
  core::Cycle write_done[2] = {0, 0}, notify_done[2] = {0, 0};
  rig.script.emplace(5, [&](core::Cycle c) {
    for (unsigned i = 0; i < 2; ++i) {
      const std::uint32_t dst = i == 0 ? 2 : 1;  // network, link
      rig.start(0, c, access(AsyncKind::write, global_addr(dst, kWrites), 0, std::vector<std::uint8_t>(2048, 7)),
                [&, i](core::Cycle at, std::vector<std::uint8_t>, std::string) { write_done[i] = at; });
      rig.start(0, c, access(AsyncKind::notify, global_addr(dst, kFlags), 0, bytes64(1)),
                [&, i](core::Cycle at, std::vector<std::uint8_t>, std::string) { notify_done[i] = at; });
    }
  });
  sc_start();
  for (unsigned i = 0; i < 2; ++i) {
    EXPECT_GT(write_done[i], 5u) << i;
    EXPECT_GT(notify_done[i], write_done[i]) << i;
  }
}

TEST(DieGm, NetworkRequestsReachTheMemoryOneAtATimeOverTheRequestPath) {
  // A 4 KiB write to die 2 is 8 UB commands of 512 B; die 2's request path takes each for 512 B at
  // 1 B per cycle plus a gap of 500 cycles, one after another, so the last starts at least
  // 7 x 1012 = 7084 cycles after the first (which needs the network's ~200 cycles to arrive), and
  // completes with its memory's 50 cycles and a one-flit response. Without the one-at-a-time rule
  // the network alone (credit-bound here) ends the write near 4000 cycles, without the gap near 4350.
  DieGmParams p = params();
  p.net_write_bytes_per_cycle = 1;
  p.net_request_gap = 500;
  Rig rig(p, 32);
  core::Cycle done = 0;
  rig.script.emplace(5, [&](core::Cycle c) {
    rig.start(0, c, access(AsyncKind::write, global_addr(2, kWrites), 0, std::vector<std::uint8_t>(4096, 7)),
              [&](core::Cycle at, std::vector<std::uint8_t>, std::string error) {
                EXPECT_EQ(error, "");
                done = at;
              });
  });
  sc_start();
  EXPECT_GE(done, 5u + 7 * 1012);
  EXPECT_LT(done, 5u + 7 * 1012 + 1000);
  EXPECT_EQ(rig.stat("die2.gm.served"), 8u);
}

// Addresses no die owns, and this die's own memory, are GmErrors naming the address.
TEST(DieGm, UnownedAndOwnAddressesAreErrorsNamingTheAddress) {
  Rig rig(params());
  auto fails = [&](core::AsyncAccess a, const std::string& needle) {
    try {
      rig.gms[0]->start_async(0, std::move(a), [](core::Cycle, std::span<const std::uint8_t>, const std::string&) {
        ADD_FAILURE() << "completion of a refused access";
      });
      ADD_FAILURE() << "no GmError for " << needle;
    } catch (const core::GmError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  fails(access(AsyncKind::read, global_addr(2, kBase + kSize), 8), "0x20000090000");
  fails(access(AsyncKind::read, global_addr(7, kBase), 8), "no die's memory");
  fails(access(AsyncKind::write, global_addr(0, kBase), 0, {1, 2}), "this die's own memory");
  fails(access(AsyncKind::copy, global_addr(1, kCopyDst), 64, {}, global_addr(3, 0x100)),
        "DMA copy source [0x30000000100");
  fails(access(AsyncKind::atomic_add, global_addr(1, kCounters + 4), 0, bytes64(1)), "8-byte aligned");
  EXPECT_FALSE(rig.gms[0]->remote(global_addr(1, kBase - 8), 16));  // partly outside die 1's memory
  EXPECT_TRUE(rig.gms[0]->remote(global_addr(1, kBase), 16));
  EXPECT_FALSE(rig.gms[0]->remote(global_addr(0, kBase), 16));
  EXPECT_TRUE(rig.gms[0]->mapped(global_addr(0, kBase), 16));
  EXPECT_FALSE(rig.gms[1]->mapped(global_addr(0, kBase), 16));
}

}  // namespace
}  // namespace snsim::npu

int sc_main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
