// snsim-bench-router: simulated cycles per second of processor time of each verilated router configuration and of
// the fast C++ model on the same configuration, under the same random uniform traffic (make bench).
// Prints one line per configuration and load with both figures and their ratio (DECISIONS.md D7
// asks for at least 10x), twice: inside the traffic loop (whose own per-port work is the same for
// both and bounds the ratio at high load), and for the models alone, replaying the loop's recorded
// inputs. The figures go to docs/performance.md. Not a test: nothing here asserts a speed.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <deque>
#include <memory>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "common/rng.h"
#include "noc/router_model.h"

using namespace snsim;

namespace {

// Processor time of this process: the figures stay meaningful when other jobs share the cores
// (on an idle machine it equals wall time; the bench is single-threaded).
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

struct Figures {
  double cycles_per_s = 0;
  double accepted = 0;  // flits per port per cycle
};

// What the traffic loop staged in one run, cycle by cycle, compactly (the bench's flits carry only
// payload word 0), so that a model can be driven again without the loop.
struct Trace {
  struct Event {
    std::uint16_t port;
    bool credit;  // a credit back into the output (else a flit into the input)
    bool head, tail;
    std::uint8_t vc;
    std::uint16_t src, dst;
    std::uint64_t payload0;
  };
  std::vector<Event> events;
  std::vector<std::size_t> cycle_end;  // events of cycle c end at cycle_end[c]
};

std::unique_ptr<noc::RouterModel> make_loaded(const noc::RouterParams& p, noc::Impl impl, std::uint64_t seed) {
  auto r = noc::make_router(p, impl, seed);
  for (std::uint32_t d = 0; d < p.table_depth; ++d) {
    r->write_table(d, noc::TableEntry{static_cast<std::uint8_t>(d % p.ports), 1, d < p.ports});
  }
  return r;
}

// Sources inject 4-flit packets at `load` flits/port/cycle to uniform random other ports; sinks
// return credits at once. Only the router and this thin loop run. Both implementations see the
// same traffic (same seed) and deliver the same flits. With `record`, the first record_cycles
// cycles of inputs are kept.
Figures run(noc::RouterModel& r, double load, std::uint64_t cycles, std::uint64_t seed, Trace* record = nullptr,
            std::uint64_t record_cycles = 0) {
  const noc::RouterParams& p = r.params();
  Rng rng = Rng::derive(seed, "bench");
  const unsigned flits = 4;
  std::vector<std::vector<unsigned>> credits(p.ports, std::vector<unsigned>(p.vcs, p.buf_depth));
  std::vector<unsigned> left(p.ports, 0), dst(p.ports, 0), vc(p.ports, 0);
  std::uint64_t delivered = 0;
  const double t0 = cpu_seconds();
  for (std::uint64_t c = 0; c < cycles; ++c) {
    const bool rec = record != nullptr && c < record_cycles;
    for (unsigned i = 0; i < p.ports; ++i) {
      const noc::LinkFlit o = r.out(i);
      if (o.valid) {
        ++delivered;
        r.set_out_credit(i, noc::LinkCredit{true, o.vc});
        if (rec) record->events.push_back({static_cast<std::uint16_t>(i), true, false, false, o.vc, 0, 0, 0});
      }
      const noc::LinkCredit cr = r.in_credit(i);
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
        r.set_in(i, f);
        if (rec) {
          record->events.push_back({static_cast<std::uint16_t>(i), false, f.flit.head, f.flit.tail, f.vc, f.flit.src,
                                    f.flit.dst, c});
        }
        --credits[i][vc[i]];
        --left[i];
      }
    }
    if (rec) record->cycle_end.push_back(record->events.size());
    r.step();
  }
  const double s = cpu_seconds() - t0;
  return {static_cast<double>(cycles) / s, static_cast<double>(delivered) / (p.ports * double(cycles))};
}

// The model alone: replays a recorded trace `repeats` times (reset in between; the table stays)
// and reads every output each cycle, as any user of the model must. The inputs stay legal because
// both implementations give the same outputs (test_fast_vs_rtl), so the trace of one fits both.
double replay(noc::RouterModel& r, const Trace& t, unsigned repeats) {
  const unsigned ports = r.params().ports;
  const double t0 = cpu_seconds();
  for (unsigned k = 0; k < repeats; ++k) {
    r.reset();
    std::size_t e = 0;
    for (std::size_t end : t.cycle_end) {
      for (; e < end; ++e) {
        const Trace::Event& ev = t.events[e];
        if (ev.credit) {
          r.set_out_credit(ev.port, noc::LinkCredit{true, ev.vc});
          continue;
        }
        noc::LinkFlit f;
        f.valid = true;
        f.vc = ev.vc;
        f.flit.head = ev.head;
        f.flit.tail = ev.tail;
        f.flit.src = ev.src;
        f.flit.dst = ev.dst;
        f.flit.payload[0] = ev.payload0;
        r.set_in(ev.port, f);
      }
      r.step();
      for (unsigned i = 0; i < ports; ++i) {
        // Virtual calls, so they are not optimized away.
        static_cast<void>(r.out(i));
        static_cast<void>(r.in_credit(i));
      }
    }
  }
  const double s = cpu_seconds() - t0;
  return static_cast<double>(t.cycle_end.size()) * repeats / s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Simulated cycles per second of the verilated routers and of the fast model"};
  std::uint64_t cycles = 200000;
  std::uint64_t fast_cycles = 2000000;
  std::uint64_t trace_cycles = 50000;
  std::vector<double> loads{0.0, 0.1, 0.9};
  app.add_option("--cycles", cycles, "cycles per RTL measurement")->capture_default_str();
  app.add_option("--fast-cycles", fast_cycles, "cycles per fast-model measurement (it needs more for a stable figure)")
      ->capture_default_str();
  app.add_option("--trace-cycles", trace_cycles, "cycles of recorded traffic replayed into the models alone")
      ->capture_default_str();
  app.add_option("--loads", loads, "offered loads, flits/port/cycle")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // "loop": the models inside the traffic loop above (the loop's own work counts, alike for both);
  // "model": the models alone, replaying the loop's recorded inputs.
  fmt::print("{:>5} {:>3} {:>5} {:>7} {:>5} {:>8} | {:>12} {:>12} {:>6} | {:>12} {:>12} {:>6}\n", "ports", "vcs",
             "depth", "payload", "load", "accepted", "loop rtl/s", "loop fast/s", "ratio", "model rtl/s",
             "model fast/s", "ratio");
  for (const noc::RouterParams& p : noc::built_rtl_routers()) {
    for (double load : loads) {
      auto rtl = make_loaded(p, noc::Impl::rtl, 1);
      auto fast = make_loaded(p, noc::Impl::fast, 1);
      const Figures loop_rtl = run(*rtl, load, cycles, 1);
      Trace trace;
      const Figures loop_fast = run(*fast, load, fast_cycles, 1, &trace, trace_cycles);
      const double model_rtl = replay(*rtl, trace, 1);
      const auto repeats = static_cast<unsigned>(std::max<std::uint64_t>(1, fast_cycles / trace_cycles));
      const double model_fast = replay(*fast, trace, repeats);
      fmt::print("{:>5} {:>3} {:>5} {:>7} {:>5.2f} {:>8.3f} | {:>12.0f} {:>12.0f} {:>6.1f} | "
                 "{:>12.0f} {:>12.0f} {:>6.1f}\n",
                 p.ports, p.vcs, p.buf_depth, p.payload_bits, load, loop_rtl.accepted, loop_rtl.cycles_per_s,
                 loop_fast.cycles_per_s, loop_fast.cycles_per_s / loop_rtl.cycles_per_s, model_rtl, model_fast,
                 model_fast / model_rtl);
      std::fflush(stdout);
    }
  }
  return 0;
}
