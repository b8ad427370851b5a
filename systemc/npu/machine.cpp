#include "npu/machine.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/thread_timer.h"
#include "common/units.h"
#include "hbm/die_hbm.h"

namespace snsim::npu {

DieGmParams die_gm_params(const MachineConfig& m) {
  const double hz = m.die.die.clock_hz;
  DieGmParams p;
  p.dies_per_npu = m.machine.dies_per_npu;
  p.num_dies = m.num_dies();
  p.d2d_bytes_per_cycle = m.machine.d2d_bytes_per_second / hz;
  p.d2d_latency = time_to_cycles(m.machine.d2d_latency_s, hz);
  p.dma_chunk_bytes = m.machine.dma_chunk_bytes;
  p.dma_max_outstanding = m.machine.dma_max_outstanding;
  p.dma_startup = time_to_cycles(m.machine.dma_startup_s, hz);
  const bool l2 = m.die.gm.model == GmModel::L2;
  p.net_read_bytes_per_cycle = l2 ? m.die.gm.l2.read_bytes_per_cycle : m.die.gm.read_bytes_per_cycle;
  p.net_write_bytes_per_cycle = l2 ? m.die.gm.l2.write_bytes_per_cycle : m.die.gm.write_bytes_per_cycle;
  p.net_request_gap = m.machine.ni_request_gap_s * hz;  // a share of a cycle is a share of the path's time
  return p;
}

namespace {

// The NI spreads a die's packets over its ports as snsim net's endpoints do (topology.spread).
noc::NiSpread ni_spread(PathChoice spread) {
  switch (spread) {
    case PathChoice::Hash: return noc::NiSpread::hash;
    case PathChoice::RoundRobin: return noc::NiSpread::round_robin;
    case PathChoice::Adaptive: return noc::NiSpread::adaptive;
  }
  return noc::NiSpread::hash;
}

}  // namespace

Machine::Machine(sc_core::sc_module_name name, const MachineConfig& cfg, noc::Topology topo, StatsRegistry& stats,
                 bool numerics)
    : sc_module(name),
      cfg_(cfg),
      params_(cfg.die.core.params(numerics)),
      stats_(stats),
      period_(1.0 / cfg.die.die.clock_hz, sc_core::SC_SEC) {
  if (topo.num_endpoints() != cfg.num_dies()) {
    throw std::invalid_argument(fmt::format("machine of {} dies on a topology of {} endpoints", cfg.num_dies(),
                                            topo.num_endpoints()));
  }
  fabric_ = std::make_unique<noc::NocFabric>("noc", cfg.net, std::move(topo), stats, "noc");
  fabric_->set_overlap(true);  // with two threads, the routers step beside the dies (run() settles)
  // and the network interfaces on two threads: an NI touches only its die (memory, L2, cores'
  // pokes), and its wakes of the Machine and the die's memory are left to on_main_thread.
  fabric_->set_endpoint_threads(true);
  const noc::NiParams ni{cfg.machine.ni_max_outstanding, cfg.machine.ni_response_queue,
                         ni_spread(cfg.net.topology.spread),
                         std::max<std::uint64_t>(1, time_to_cycles(cfg.machine.ni_command_latency_s, cfg.net.clock_hz))};
  const DieGmParams gm = die_gm_params(cfg);
  std::vector<DieGm*> all;
  for (std::uint32_t d = 0; d < cfg.num_dies(); ++d) {
    const std::string dn = fmt::format("die{}", d);
    auto die = std::make_unique<Die>();
    die->store = std::make_unique<core::SimpleGm>(cfg.die.gm.simple_params());
    if (cfg.die.gm.model == GmModel::L2)
      die->l2 = std::make_unique<core::L2Gm>(cfg.die.gm.l2_params(), *die->store, stats, dn + ".l2",
                                             hbm::make_l2_backend(cfg.die, stats, dn + "."));
    core::GlobalMemory& local = die->l2 ? static_cast<core::GlobalMemory&>(*die->l2) : *die->store;
    die->gm = std::make_unique<DieGm>((dn + "_gm").c_str(), d, gm, *die->store, local, period_, stats, dn + ".gm");
    die->ni = std::make_unique<noc::NetworkInterface>((dn + "_ni").c_str(), *fabric_, d, ni, stats, dn + ".ni");
    die->gm->ni.bind(die->ni->socket);
    die->ni->memory.bind(die->gm->target);
    die->gm->set_wake([this](core::Cycle c) { wake_at(c); });
    // Another die (link or network) wrote here: a gwait on the bytes written may be satisfied.
    die->gm->set_on_remote_write([this, d](core::Cycle c, std::uint64_t offset, std::uint64_t len) {
      if (poke_waiting(*dies_[d], c + 1, offset, len)) wake_at(c + 1);
    });
    all.push_back(die->gm.get());
    dies_.push_back(std::move(die));
  }
  for (auto& die : dies_) die->gm->set_dies(all);
  SC_HAS_PROCESS(Machine);
  SC_METHOD(tick);
  dont_initialize();
  sensitive << wake_;
}

Machine::~Machine() = default;

void Machine::wake_at(core::Cycle c) {
  // From a network interface on the fabric's worker thread (set_endpoint_threads), too.
  on_main_thread([this, c] {
    const sc_core::sc_time at = period_ * static_cast<double>(c);
    wake_.notify(at > sc_core::sc_time_stamp() ? at - sc_core::sc_time_stamp() : sc_core::SC_ZERO_TIME);
  });
}

void Machine::poke_waiting(Die& die, core::Cycle at) {
  for (std::size_t i = 0; i < die.cores.size(); ++i)
    if (die.cores[i]->waiting_on_memory()) {
      die.cores[i]->poke(at);
      die.core_due[i] = true;
      die.due = true;
    }
}

bool Machine::poke_waiting(Die& die, core::Cycle at, std::uint64_t offset, std::uint64_t len) {
  bool poked = false;
  for (std::size_t i = 0; i < die.cores.size(); ++i)
    if (die.cores[i]->waiting_on(offset, len)) {
      die.cores[i]->poke(at);
      die.core_due[i] = true;
      poked = true;
    }
  die.due = die.due || poked;
  return poked;
}

core::Core& Machine::add_core(std::uint32_t die, const std::string& name, const core::LaunchInfo& launch) {
  Die& d = *dies_.at(die);
  d.cores.push_back(std::make_unique<core::Core>(fmt::format("die{}.{}", die, name), params_, launch, *d.gm, stats_,
                                                 &d.xflags));
  d.due = true;
  d.core_due.push_back(true);
  d.core_next.push_back(0);
  d.cores.back()->set_waker([this, &d, i = d.cores.size() - 1](core::Cycle c) {  // a completion let it go on
    d.core_due[i] = true;
    d.due = true;
    wake_at(c);
  });
  return *d.cores.back();
}

core::RunResult Machine::run(core::Cycle max_cycles) {
  max_cycles_ = max_cycles;
  running_ = true;
  wake_.notify(sc_core::SC_ZERO_TIME);
  try {
    sc_core::sc_start();
  } catch (...) {
    try {
      fabric_->settle();  // the worker thread may still step routers: stopped before anything is read
    } catch (...) {
      // the first error is the one reported
    }
    throw;
  }
  fabric_->settle();  // the last network cycle's routers, if the worker still steps them
  return result_;
}

void Machine::end(core::RunResult::Status status, core::Cycle c, std::string report) {
  running_ = false;
  result_ = {status, c, std::move(report)};
  for (auto& die : dies_) {
    for (auto& core : die->cores) core->record_cycles(c);
    if (die->l2) die->l2->finish(c);
  }
  sc_core::sc_stop();
}

std::string Machine::deadlock_report(core::Cycle c) const {
  std::string report = fmt::format("deadlock at cycle {}: every pipe of every core is blocked and no access is in "
                                   "flight\n", c);
  for (const auto& die : dies_)
    for (const auto& core : die->cores)
      if (!core->finished(c)) report += core->blocked_report(c);  // core names start with their die
  return report;
}

void Machine::tick() {
  if (!running_) return;
  // 1. The cycle: woken between core edges (a network response), go on at the next edge.
  const std::uint64_t p = period_.value(), t = sc_core::sc_time_stamp().value();
  const core::Cycle c = (t + p - 1) / p;
  if (c * p != t) {
    next_trigger(sc_core::sc_time::from_value(c * p - t));
    return;
  }
  // A wake and the planned cycle at the same time trigger twice: the cycle is stepped once.
  if (c <= last_ && stepped_) return sleep(c);
  last_ = c;
  stepped_ = true;
  // 2. Completions due, then the end conditions, then every core of the dies due.
  for (auto& die : dies_) die->gm->deliver(c);
  bool done = true;
  for (auto& die : dies_) {
    // A die not due keeps its cores' state, so its `finished` of the last cycle it was stepped holds.
    if (die->due || die->next <= c)
      die->finished = std::all_of(die->cores.begin(), die->cores.end(), [c](const auto& k) { return k->finished(c); });
    done = done && die->finished && !die->gm->in_flight();
  }
  if (done) return end(core::RunResult::Status::Finished, c, {});
  if (c >= max_cycles_)
    return end(core::RunResult::Status::Timeout, c, fmt::format("no finish after {} cycles", max_cycles_));
  bool progress = false;
  for (std::uint32_t d = 0; d < dies_.size(); ++d)
    if (!step_die(d, c, progress)) return;
  // 3. The next cycle anything can happen; with nothing scheduled, only the network can wake us.
  core::Cycle next = progress ? c + 1 : core::kNever;
  bool network = false;
  for (const auto& die : dies_) {
    next = std::min({next, die->next, die->gm->next_event()});
    network = network || die->gm->waiting_on_network();
  }
  if (next == core::kNever && !network) return end(core::RunResult::Status::Deadlock, c, deadlock_report(c));
  next_ = next == core::kNever ? next : std::min(next, std::max(max_cycles_, c + 1));
  sleep(c);
}

bool Machine::step_die(std::uint32_t d, core::Cycle c, bool& progress) {
  Die& die = *dies_[d];
  if (!die.due && die.next > c) return true;
  die.due = false;
  bool changed = false;
  const std::uint64_t signals = die.xflags.signals();
  for (std::size_t i = 0; i < die.cores.size(); ++i) {
    if (!die.core_due[i] && die.core_next[i] > c) continue;
    core::Core& core = *die.cores[i];
    bool stepped = false;
    try {
      stepped = core.step(c);
    } catch (const core::CoreFault& f) {
      end(core::RunResult::Status::Fault, c, fmt::format("fault at cycle {} on die {}: {}", c, d, f.what()));
      return false;
    }
    // A core that changed state is stepped again at the next cycle, as a one-die run would.
    die.core_due[i] = stepped;
    die.core_next[i] = core.next_event(c);
    changed |= stepped;
  }
  // A cross-core set gave other cores an increment to come: their next_event moved.
  if (die.xflags.signals() != signals)
    for (std::size_t i = 0; i < die.cores.size(); ++i) die.core_next[i] = die.cores[i]->next_event(c);
  // A core that changed state may have stored what a gwait of its die waits for (as run_cores).
  if (changed) {
    poke_waiting(die, c + 1);
    die.due = true;
  }
  progress |= changed;
  die.next = die.cores.empty() ? core::kNever : *std::min_element(die.core_next.begin(), die.core_next.end());
  return true;
}

void Machine::sleep(core::Cycle c) {
  if (next_ == core::kNever) next_trigger(wake_);  // only the network can wake us
  else next_trigger(period_ * static_cast<double>(next_ - c), wake_);
}

}  // namespace snsim::npu
