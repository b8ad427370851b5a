// snsim-bench-ni: the network under SystemC (docs/ni.md): an 8x8 mesh of 5-port routers (the verilated
// p5_v2_d4_w64 or the fast model on the same parameters) with a NetworkInterface per endpoint, under
// remote writes of 512 B to uniform random endpoints. Prints simulated network cycles per second of
// processor time, commands completed and their mean latency (make bench; docs/performance.md). One
// configuration per process, since SystemC elaborates once. Not a test: nothing here asserts a speed.
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "common/rng.h"
#include "common/stats.h"
#include "config/config.h"
#include "config/net_config.h"
#include "noc/fabric.h"
#include "noc/ni.h"
#include "noc/topology.h"

using namespace snsim;

namespace {

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

constexpr unsigned kBytes = 512;
constexpr std::uint64_t kMemBytes = 64 << 10;

// A flat memory that answers at once plus a fixed latency.
struct FlatMemory : sc_core::sc_module {
  tlm_utils::simple_target_socket<FlatMemory> socket;
  std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(kMemBytes);
  FlatMemory(sc_core::sc_module_name n) : sc_module(n), socket("socket") {
    socket.register_b_transport(this, &FlatMemory::access);
  }
  void access(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    std::uint8_t* at = bytes.data() + p.get_address();
    if (p.is_write()) std::copy_n(p.get_data_ptr(), p.get_data_length(), at);
    else std::copy_n(at, p.get_data_length(), p.get_data_ptr());
    delay += sc_core::sc_time(20, sc_core::SC_NS);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// Each network cycle, with probability `rate`, a 512 B write to a random other endpoint, while
// fewer than `window` are outstanding; an SC_METHOD on the network clock (no thread).
struct Source : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Source> socket;
  struct Slot {
    tlm::tlm_generic_payload p;
    noc::UbExtension* ext = new noc::UbExtension;
    std::uint8_t data[kBytes] = {};
    bool busy = false;
  };
  std::vector<Slot> slots;
  std::uint32_t self, endpoints;
  double rate;
  Rng rng;
  bool held = false;
  std::uint64_t completed = 0;

  Source(sc_core::sc_module_name n, noc::NocFabric& fabric, std::uint32_t e, double r, unsigned window,
         std::uint64_t seed)
      : sc_module(n), socket("socket"), slots(window), self(e), endpoints(fabric.topology().num_endpoints()),
        rate(r), rng(Rng::derive(seed, "bench.ni.source" + std::to_string(e))) {
    for (Slot& s : slots) s.p.set_extension(s.ext);
    socket.register_nb_transport_bw(this, &Source::bw);
    SC_HAS_PROCESS(Source);
    SC_METHOD(cycle);
    sensitive << fabric.clock.posedge_event();
    dont_initialize();
  }
  void cycle() {
    if (held || !rng.bernoulli(rate)) return;
    for (Slot& s : slots) {
      if (s.busy) continue;
      const auto d = static_cast<std::uint32_t>(rng.uniform(endpoints - 1));
      s.ext->kind = noc::UbKind::write;
      s.ext->dst = d >= self ? d + 1 : d;
      s.p.set_address(kBytes * rng.uniform(kMemBytes / kBytes));
      s.p.set_data_ptr(s.data);
      s.p.set_data_length(kBytes);
      s.p.set_streaming_width(kBytes);
      s.busy = true;
      tlm::tlm_phase ph = tlm::BEGIN_REQ;
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      held = socket->nb_transport_fw(s.p, ph, delay) == tlm::TLM_ACCEPTED;
      return;
    }
  }
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_core::sc_time&) {
    if (ph == tlm::END_REQ) {
      held = false;
    } else {
      for (Slot& s : slots) s.busy = s.busy && &s.p != &p;
      ++completed;
    }
    return tlm::TLM_COMPLETED;
  }
};

}  // namespace

int sc_main(int argc, char** argv) {
  CLI::App app{"snsim-bench-ni: NIs on an 8x8 mesh under SystemC, simulated cycles per second"};
  std::string impl = "fast";
  double rate = 0.01;
  std::uint64_t cycles = 20000;
  app.add_option("--impl", impl, "router implementation: rtl (the verilated p5_v2_d4_w64) or fast")
      ->check(CLI::IsMember({"rtl", "fast"}));
  app.add_option("--rate", rate, "512 B writes per endpoint per cycle (one is 66 flits at 64 bits)");
  app.add_option("--cycles", cycles, "network cycles to simulate");
  CLI11_PARSE(app, argc, argv);

  const NetConfig cfg = load_string<NetConfig>(
      "clock: 1GHz\nrouter:\n  ports: 5\n  vcs: 2\n  buf_depth: 4\n  payload_bits: 64\n  table_depth: 1024\n"
      "  impl: " + impl + "\ntopology:\n  kind: mesh\n  mesh_x: 8\n  mesh_y: 8\n  link_latency: 2ns\n"
      "  router_latency: 3ns\n", "bench-ni.yaml");
  StatsRegistry stats;
  noc::NocFabric fabric("fabric", cfg, noc::build_mesh(8, 8, 2), stats);
  std::vector<std::unique_ptr<FlatMemory>> mems;
  std::vector<std::unique_ptr<noc::NetworkInterface>> nis;
  std::vector<std::unique_ptr<Source>> sources;
  for (std::uint32_t e = 0; e < 64; ++e) {
    const std::string n = fmt::format("ep{}", e);
    mems.push_back(std::make_unique<FlatMemory>((n + "_mem").c_str()));
    nis.push_back(std::make_unique<noc::NetworkInterface>((n + "_ni").c_str(), fabric, e, noc::NiParams{}, stats,
                                                          "ni" + std::to_string(e)));
    nis.back()->memory.bind(mems.back()->socket);
    sources.push_back(std::make_unique<Source>((n + "_src").c_str(), fabric, e, rate, 8, 1));
    sources.back()->socket.bind(nis.back()->socket);
  }
  const double t0 = cpu_seconds();
  sc_core::sc_start(fabric.period() * static_cast<double>(cycles));
  const double cpu = cpu_seconds() - t0;
  std::uint64_t done = 0;
  double lat = 0;
  for (std::uint32_t e = 0; e < 64; ++e) {
    done += sources[e]->completed;
    if (sources[e]->completed == 0) continue;
    lat += stats.to_json()["ni" + std::to_string(e)]["latency"]["mean"].get<double>() *
           static_cast<double>(sources[e]->completed);
  }
  std::printf("%s routers, rate %.4f: %llu cycles in %.2f s CPU = %.0f cycles/s; %llu writes of 512 B completed, "
              "mean latency %.0f cycles\n",
              impl.c_str(), rate, static_cast<unsigned long long>(cycles), cpu, static_cast<double>(cycles) / cpu,
              static_cast<unsigned long long>(done), done ? lat / static_cast<double>(done) : 0.0);
  return 0;
}
