// snsim-bench-router: simulated cycles per wall second of each verilated router configuration
// under random uniform traffic (make bench). Prints one line per configuration and load; the
// figures go to docs/performance.md. Not a test: nothing here asserts a speed.
#include <chrono>
#include <cstdio>
#include <deque>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "common/rng.h"
#include "noc/router_model.h"

using namespace snsim;

namespace {

struct Figures {
  double cycles_per_s = 0;
  double accepted = 0;  // flits per port per cycle
};

// Sources inject 4-flit packets at `load` flits/port/cycle to uniform random other ports; sinks
// return credits at once. Only the router and this thin harness run, so the figure is the model's.
Figures run(const noc::RouterParams& p, double load, std::uint64_t cycles, std::uint64_t seed) {
  auto r = noc::make_rtl_router(p, seed);
  for (std::uint32_t d = 0; d < p.table_depth; ++d) {
    r->write_table(d, noc::TableEntry{static_cast<std::uint8_t>(d % p.ports), 1, d < p.ports});
  }
  Rng rng = Rng::derive(seed, "bench");
  const unsigned flits = 4;
  std::vector<std::vector<unsigned>> credits(p.ports, std::vector<unsigned>(p.vcs, p.buf_depth));
  std::vector<unsigned> left(p.ports, 0), dst(p.ports, 0), vc(p.ports, 0);
  std::uint64_t delivered = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t c = 0; c < cycles; ++c) {
    for (unsigned i = 0; i < p.ports; ++i) {
      const noc::LinkFlit o = r->out(i);
      if (o.valid) {
        ++delivered;
        r->set_out_credit(i, noc::LinkCredit{true, o.vc});
      }
      const noc::LinkCredit cr = r->in_credit(i);
      if (cr.valid) ++credits[i][cr.vc];
      if (left[i] == 0 && rng.bernoulli(load / flits)) {
        left[i] = flits;
        unsigned d = static_cast<unsigned>(rng.uniform(p.ports - 1));
        dst[i] = d >= i ? d + 1 : d;
        vc[i] = static_cast<unsigned>(rng.uniform(p.vcs));
      }
      if (left[i] > 0 && credits[i][vc[i]] > 0) {
        noc::LinkFlit f;
        f.valid = true;
        f.vc = static_cast<std::uint8_t>(vc[i]);
        f.flit.head = left[i] == flits;
        f.flit.tail = left[i] == 1;
        f.flit.src = static_cast<std::uint16_t>(i);
        f.flit.dst = static_cast<std::uint16_t>(dst[i]);
        f.flit.payload[0] = c;
        r->set_in(i, f);
        --credits[i][vc[i]];
        --left[i];
      }
    }
    r->step();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {static_cast<double>(cycles) / s, static_cast<double>(delivered) / (p.ports * double(cycles))};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Simulated cycles per second of the verilated routers"};
  std::uint64_t cycles = 200000;
  std::vector<double> loads{0.1, 0.9};
  app.add_option("--cycles", cycles, "cycles per measurement")->capture_default_str();
  app.add_option("--loads", loads, "offered loads, flits/port/cycle")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  fmt::print("{:>6} {:>4} {:>6} {:>8} {:>7} {:>10} {:>14}\n", "ports", "vcs", "depth", "payload",
             "load", "accepted", "cycles/s");
  for (const noc::RouterParams& p : noc::built_rtl_routers()) {
    for (double load : loads) {
      const Figures f = run(p, load, cycles, 1);
      fmt::print("{:>6} {:>4} {:>6} {:>8} {:>7.2f} {:>10.3f} {:>14.0f}\n", p.ports, p.vcs, p.buf_depth,
                 p.payload_bits, load, f.accepted, f.cycles_per_s);
      std::fflush(stdout);
    }
  }
  return 0;
}
