#include "run/run_cmd.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/stats.h"
#include "common/units.h"
#include "config/config.h"
#include "config/die_config.h"
#include "config/machine_config.h"
#include "core/core.h"
#include "hbm/die_hbm.h"
#include "net/link_report.h"
#include "net/network_sim.h"
#include "npu/machine.h"
#include "run/collective_ref.h"
#include "run/host_ref.h"
#include "run/instr_trace.h"
#include "run/machine_report.h"
#include "run/moe.h"
#include "run/net_trace.h"
#include "run/workload.h"

namespace snsim::run {

namespace fs = std::filesystem;

namespace {

// Counter <core>.<pipe>.<name> from the registry's JSON, 0 if that pipe does not count it. A core
// of a machine is named die<d>.<core>.
std::uint64_t pipe_counter(const nlohmann::ordered_json& stats, std::string core, const std::string& pipe,
                           const char* name) {
  std::replace(core.begin(), core.end(), '.', '/');
  const nlohmann::json::json_pointer at("/" + core + "/" + pipe + "/" + name + "/value");
  return stats.contains(at) ? stats[at].get<std::uint64_t>() : 0;
}

// "12.34 us", "1.61 GFLOP": v scaled to an SI prefix between n and P.
std::string si(double v, const char* unit) {
  static constexpr const char* kPrefixes[] = {"n", "u", "m", "", "k", "M", "G", "T", "P"};
  int p = 3;
  while (v != 0 && std::abs(v) >= 1000 && p + 1 < static_cast<int>(std::size(kPrefixes))) {
    v /= 1000;
    ++p;
  }
  while (v != 0 && std::abs(v) < 1 && p > 0) {
    v *= 1000;
    --p;
  }
  return fmt::format("{:.2f} {}{}", v, kPrefixes[p], unit);
}

// The summary table: busy share of every pipe, per core type, as the mean over the cores of
// that type in the launch and for the busiest core; totals of instructions, bytes per pipe and
// FLOPs; TFLOPS against the peak of the `dies` dies. Also records the run.* statistics in `reg`.
std::string summarize(const nlohmann::ordered_json& stats, const std::vector<core::Core*>& cores, core::Cycle cycles,
                      const DieConfig& die, std::uint32_t dies, StatsRegistry& reg) {
  std::string out;
  const double seconds = static_cast<double>(cycles) / die.die.clock_hz;
  std::uint64_t instructions = 0;
  for (const auto& c : cores) instructions += c->instructions();
  out += fmt::format("cycles        {} ({} at {})\n", cycles, si(seconds, "s"), format_frequency(die.die.clock_hz));
  out += fmt::format("instructions  {}\n", instructions);
  out += fmt::format("utilization   busy share of the {} cycles: mean over the cores of a type | busiest core\n", cycles);
  std::map<std::string, std::uint64_t> bytes;
  std::uint64_t cube_flops = 0, vector_flops = 0;
  for (const isa::CoreType type : {isa::CoreType::Aic, isa::CoreType::Aiv}) {
    const char* tname = type == isa::CoreType::Aic ? "aic" : "aiv";
    std::vector<const core::Core*> of_type;
    for (const core::Core* c : cores)
      if (c->launch().type == type) of_type.push_back(c);
    if (of_type.empty()) continue;
    for (unsigned p = 0; p < isa::kNumPipes; ++p) {
      const auto pipe = static_cast<isa::Pipe>(p);
      if (!isa::pipe_on_core(pipe, type)) continue;
      const std::string pname(isa::pipe_name(pipe));
      std::uint64_t sum = 0, best = 0;
      const core::Core* busiest = of_type.front();
      for (const core::Core* c : of_type) {
        const std::uint64_t busy = pipe_counter(stats, c->name(), pname, "busy");
        sum += busy;
        if (busy > best) {
          best = busy;
          busiest = c;
        }
        bytes[pname] += pipe_counter(stats, c->name(), pname, "bytes");
        if (pipe == isa::Pipe::M) cube_flops += pipe_counter(stats, c->name(), pname, "flops");
        if (pipe == isa::Pipe::V) vector_flops += pipe_counter(stats, c->name(), pname, "flops");
      }
      const double denom = static_cast<double>(std::max<core::Cycle>(cycles, 1));
      out += fmt::format("  {} {:<5} {:6.1f}% | {:6.1f}% ({})\n", tname, pname,
                         100.0 * static_cast<double>(sum) / static_cast<double>(of_type.size()) / denom,
                         100.0 * static_cast<double>(best) / denom, busiest->name());
    }
  }
  std::string moved;
  for (const auto& [pipe, b] : bytes)
    if (b) moved += fmt::format("{}{} {}", moved.empty() ? "" : ", ", pipe, si(static_cast<double>(b), "B"));
  out += fmt::format("bytes moved   {}\n", moved.empty() ? "none" : moved);
  const double peak = die.cube_peak_flops() * dies;
  const std::uint32_t aic = die.die.aic * dies;
  const double achieved = seconds > 0 ? static_cast<double>(cube_flops) / seconds : 0;
  const auto launched = [&](isa::CoreType t) {
    return static_cast<std::uint32_t>(
        std::count_if(cores.begin(), cores.end(), [&](const auto& c) { return c->launch().type == t; }));
  };
  const std::uint32_t launched_aic = launched(isa::CoreType::Aic);
  if (launched_aic > 0) {
    out += fmt::format("cube          {} = {} achieved of {} FP16/BF16 peak ({} AIC): {:.1f}%",
                       si(static_cast<double>(cube_flops), "FLOP"), si(achieved, "FLOPS"), si(peak, "FLOPS"), aic,
                       100 * achieved / peak);
    // A launch on fewer AICs than the die has: also against the peak of the AICs it used.
    if (launched_aic < aic)
      out += fmt::format("; {:.1f}% of its {} AIC", 100 * achieved / (peak * launched_aic / aic), launched_aic);
    out += "\n";
  }
  if (launched(isa::CoreType::Aiv) > 0)
    out += fmt::format("vector        {} = {}\n", si(static_cast<double>(vector_flops), "FLOP"),
                     si(seconds > 0 ? static_cast<double>(vector_flops) / seconds : 0, "FLOPS"));
  reg.counter("run.cycles", "cycles", "cycles of the run").add(cycles);
  reg.counter("run.instructions", "instructions", "instructions of every core").add(instructions);
  reg.scalar("run.cube_tflops", "TFLOPS", "cube FLOPs per simulated second").set(achieved / 1e12);
  reg.scalar("run.cube_peak_tflops", "TFLOPS", "FP16/BF16 cube peak of the dies").set(peak / 1e12);
  return out;
}

// Every die's expected values of output `t` of a collective op (die_sum: one for all dies), from
// the dies' own initial values of its input.
std::vector<std::vector<double>> collective_reference(const Tensor& t, const Workload& w, std::uint32_t dies) {
  std::size_t index = 0;
  while (w.tensors[index].name != t.reference.inputs[0]) ++index;
  const DieValues x = [&](std::uint32_t d) {
    return to_values(d == 0 ? w.tensors[index].initial : tensor_initial(w, index, die_seed(w.seed, d)));
  };
  switch (t.reference.op) {
    case RefOp::DieSum: return {ref_die_sum(x, dies)};
    case RefOp::ReduceScatter: return ref_reduce_scatter(x, dies);
    case RefOp::AllGather: return ref_all_gather(x, dies);
    case RefOp::AllToAll: return ref_all_to_all(x, dies);
    default: return {};
  }
}

bool is_collective(RefOp op) {
  return op == RefOp::DieSum || op == RefOp::ReduceScatter || op == RefOp::AllGather || op == RefOp::AllToAll;
}

// The expected values of output `t` on die `d`; a collective's come from `collective` (by tensor
// name: collective_reference's).
std::vector<double> reference_values(const Tensor& t, const Workload& w, std::uint32_t d,
                                     const std::map<std::string, std::vector<std::vector<double>>>& collective) {
  const WorkloadRefCfg& r = t.reference;
  if (is_collective(r.op)) {
    const auto& per_die = collective.at(t.name);
    return per_die[std::min<std::size_t>(d, per_die.size() - 1)];
  }
  std::vector<std::vector<double>> in;
  for (const std::string& name : r.inputs) in.push_back(to_values(w.tensor(name)->initial));
  switch (r.op) {
    case RefOp::Matmul: {
      const auto& a = w.tensor(r.inputs[0])->shape;
      const std::vector<double> bias = r.bias.empty() ? std::vector<double>{} : to_values(w.tensor(r.bias)->initial);
      const MatmulOptions o{.scale = r.scale,
                            .transpose_b = r.transpose_b,
                            .bias = r.bias.empty() ? nullptr : &bias,
                            .relu = r.relu};
      return ref_matmul(in[0], in[1], a[0], a[1], t.shape[1], o);
    }
    case RefOp::Add:
      return ref_add(in[0], in[1]);
    case RefOp::Mul:
      return ref_mul(in[0], in[1]);
    case RefOp::Softmax:
      return ref_softmax(in[0], t.shape.back());
    case RefOp::Rmsnorm:
      return ref_rmsnorm(in[0], in[1], t.shape.back(), r.eps);
    case RefOp::File:
      return to_values(t.expected);
    default:
      break;
  }
  return {};
}

std::string index_text(std::uint64_t i, const std::vector<std::uint64_t>& shape) {
  std::vector<std::uint64_t> idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    idx[d] = i % shape[d];
    i /= shape[d];
  }
  return shape_text(idx);
}

// Kernel k's arguments for die `die` of a machine: pointers move into that die's memory (tensors
// sit at the same offsets in every die), other values stay.
std::vector<std::uint64_t> die_args(const Kernel& k, std::uint32_t die) {
  std::vector<std::uint64_t> args = k.args;
  for (std::size_t i = 0; i < args.size(); ++i)
    if (k.object.args[i].kind == obj::ArgKind::Ptr) args[i] = core::global_addr(die, args[i]);
  return args;
}

// What writing and checking one die's outputs found (run_run's step 5), reported in die order.
struct DieOutputs {
  struct Check {
    std::string key;      // the statistics' prefix: check.<tensor>[.die<d>]
    std::string line;     // the summary's line
    std::string failure;  // stderr's line when elements fail
    Comparison c;
  };
  std::vector<Check> checks;  // the die's outputs with a reference, in tensor order
  std::string write_error;    // an output that could not be written (the die's later ones were not)
  std::exception_ptr error;   // what else stopped the die's checks
};

}  // namespace

int run_run(const RunOptions& opt) {
  // 1. Configuration and workload: every error names the file and line (exit 2). A config with a
  //    `machine` section is a machine (docs/machine.md), else one die.
  DieConfig die;
  std::optional<MachineConfig> machine;
  Workload w;
  try {
    if (is_machine_config(opt.config)) {
      machine = load_machine_config(opt.config);
      die = machine->die;
    } else {
      die = load<DieConfig>(opt.config);
    }
    w = load_workload(opt.workload, die, !opt.timing_only, opt.seed, machine ? machine->num_dies() : 1);
  } catch (const ConfigError& e) {
    fmt::print(stderr, "snsim run: error: {}\n", e.what());
    return 2;
  } catch (const AssemblyError& e) {
    fmt::print(stderr, "{}", e.what());
    return 2;
  }
  const bool record = !opt.trace.empty() || !opt.instr_csv.empty();
  const auto bad_option = [](const std::string& why) {
    fmt::print(stderr, "snsim run: error: {}\n", why);
    return 2;
  };
  if (!machine && (opt.plot || opt.wave || !opt.trace_dies.empty() || !opt.trace_links.empty()))
    return bad_option(fmt::format("--plot, --wave, --trace-dies and --trace-links need a machine config ({} is one "
                                  "die: docs/machine.md)", opt.config));
  if (!machine && opt.threads != 1)
    return bad_option(fmt::format("--threads needs a machine config ({} is one die: docs/machine.md)", opt.config));
  if (!opt.trace_dies.empty() && !record) return bad_option("--trace-dies needs --trace or --instr-csv");
  if (!opt.trace_links.empty() && opt.trace.empty()) return bad_option("--trace-links needs --trace");
  // The dies whose cores (and NI) the trace and CSV record; the routers whose links the trace does.
  const bool small = !machine || machine->num_dies() <= kAllDiesRows;
  std::vector<bool> traced;
  try {
    traced = parse_die_list(opt.trace_dies.empty() ? (small ? "all" : "0") : opt.trace_dies,
                            machine ? machine->num_dies() : 1);
  } catch (const std::invalid_argument& e) {
    return bad_option(fmt::format("--trace-dies {}: {}", opt.trace_dies, e.what()));
  }
  const std::string trace_links = opt.trace_links.empty() ? (small ? "*" : "none") : opt.trace_links;
  const fs::path out(opt.out_dir);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out)) {
    fmt::print(stderr, "snsim run: error: cannot create output directory {}: {}\n", out.string(),
               ec ? ec.message() : "not a directory");
    return 2;
  }
  const std::uint32_t dies = machine ? machine->num_dies() : 1;

  // 2. The dies: GM with the tensors (at the same offsets in every die the workload takes, each
  //    die's contents from its seed), a core per block, one set of cross-core flags per die. One die
  //    keeps its memory here; a machine's dies are the Machine's.
  StatsRegistry stats;
  std::unique_ptr<core::SimpleGm> store;  // one die: the data; HBM's timing unless the L2 is in front
  std::unique_ptr<core::L2Gm> l2;
  std::unique_ptr<npu::Machine> m;
  std::vector<core::SimpleGm*> stores;
  if (machine) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);  // stdout is the run's summary
    // 1850 MHz and 875 MHz periods are not whole picoseconds (TOOLCHAIN.md).
    sc_core::sc_set_time_resolution(1, sc_core::SC_FS);
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);  // sc_stop()
    try {  // a router the config sets to RTL may have no verilated build with its parameters
      m = std::make_unique<npu::Machine>("machine", *machine, net::build_topology(machine->net), stats,
                                         !opt.timing_only);
    } catch (const std::invalid_argument& e) {
      fmt::print(stderr, "snsim run: error: {}: {}\n", opt.config, e.what());
      return 2;
    } catch (const std::runtime_error& e) {  // the fabric's, naming the router whose model it could not build
      fmt::print(stderr, "snsim run: error: {}: {}\n", opt.config, e.what());
      return 2;
    }
    for (std::uint32_t d = 0; d < dies; ++d) stores.push_back(&m->store(d));
    m->fabric().set_threads(opt.threads, !opt.no_thread_timer);
    if (opt.wave) {
      try {
        for (const std::string& f : open_waves(*m, out)) fmt::print("waveform {}\n", f);
      } catch (const std::runtime_error& e) {
        return bad_option(fmt::format("--wave: {}", e.what()));
      }
    }
  } else {
    store = std::make_unique<core::SimpleGm>(die.gm.simple_params());
    if (die.gm.model == GmModel::L2)
      l2 = std::make_unique<core::L2Gm>(die.gm.l2_params(), *store, stats, "l2", hbm::make_l2_backend(die, stats, ""));
    stores.push_back(store.get());
  }
  for (std::uint32_t d = 0; d < w.dies; ++d) {
    for (std::size_t i = 0; i < w.tensors.size(); ++i) {
      const Tensor& t = w.tensors[i];
      stores[d]->map(t.addr, t.bytes);
      // Mapped memory starts zero: zero tensors are not written (their pages then take no memory).
      if (opt.timing_only || w.tensor_cfgs[i].init == TensorInit::Zeros) continue;
      const NpyArray initial = d == 0 ? NpyArray{} : tensor_initial(w, i, die_seed(w.seed, d));
      stores[d]->write(t.addr, d == 0 ? t.initial.data : initial.data);
    }
  }
  core::GlobalMemory* gm = l2 ? static_cast<core::GlobalMemory*>(l2.get()) : store.get();
  const core::CoreParams params = die.core.params(!opt.timing_only);
  core::CrossCoreFlags xflags;
  InstrRecorder recorder(die.die.clock_hz);
  // Trace processes: a machine's die d has its cores then its NI (d x stride + ...), then the routers.
  const unsigned stride = die.die.aic + die.die.aiv + (machine ? 1 : 0);
  std::unique_ptr<NetTrace> net_trace;
  if (m && !opt.trace.empty()) {
    try {
      net_trace = std::make_unique<NetTrace>(*m, traced, trace_links,
                                             [&](std::uint32_t d) { return d * stride + stride - 1; }, dies * stride);
    } catch (const std::invalid_argument& e) {
      return bad_option(fmt::format("--trace-links {}: {}", trace_links, e.what()));
    }
  }
  if (record && !small && (opt.trace_dies.empty() || (!opt.trace.empty() && opt.trace_links.empty())))
    fmt::print("trace: dies {}, routers {} (a machine of {} dies: choose with --trace-dies, --trace-links)\n",
               opt.trace_dies.empty() ? "0" : opt.trace_dies, trace_links, dies);
  std::vector<std::unique_ptr<core::Core>> own_cores;
  std::vector<core::Core*> cores;
  if (machine) {
    const std::uint32_t npus = machine->machine.npus, per_npu = machine->machine.dies_per_npu;
    fmt::print("snsim run: {} on {} ({} NPU{} x {} die{}, each {} AIC + {} AIV at {}, GM {}; seed {}{})\n", opt.workload,
               opt.config, npus, npus == 1 ? "" : "s", per_npu, per_npu == 1 ? "" : "s", die.die.aic, die.die.aiv,
               format_frequency(die.die.clock_hz), to_string(die.gm.model), w.seed,
               opt.timing_only ? ", timing only" : "");
  } else {
    fmt::print("snsim run: {} on {} ({} AIC + {} AIV at {}, GM {}; seed {}{})\n", opt.workload, opt.config, die.die.aic,
               die.die.aiv, format_frequency(die.die.clock_hz), to_string(die.gm.model), w.seed,
               opt.timing_only ? ", timing only" : "");
  }
  for (const Kernel& k : w.kernels) {
    const bool aic = k.type == isa::CoreType::Aic;
    fmt::print("kernel {} on {} {}{}{}\n", k.name, k.blocks, aic ? "AIC" : "AIV",
               k.sub_block_num > 1 ? fmt::format(" ({} per AI core)", k.sub_block_num) : "",
               machine ? fmt::format(" of each of the {} dies{}", w.dies,
                                     w.dies < dies ? fmt::format(" 0-{} (of {})", w.dies - 1, dies) : "")
                       : "");
    const core::Core* first = nullptr;  // the kernel's first core: the others share its decoded code
    for (std::uint32_t d = 0; d < w.dies; ++d) {
      const std::vector<std::uint64_t> args = machine ? die_args(k, d) : k.args;
      for (unsigned b = 0; b < k.blocks; ++b) {
        const unsigned id = k.first_core + b;
        const core::LaunchInfo launch{.type = k.type, .core_id = id, .block_id = b, .block_num = k.blocks,
                                      .sub_block_id = b % k.sub_block_num, .sub_block_num = k.sub_block_num,
                                      .die_index = d, .num_dies = w.dies};
        const std::string name = fmt::format("{}{}", aic ? "aic" : "aiv", id);
        core::Core& c = m ? m->add_core(d, name, launch)
                          : *own_cores.emplace_back(std::make_unique<core::Core>(name, params, launch, *gm, stats, &xflags));
        try {
          c.load(k.object, args, first);
        } catch (const std::invalid_argument& e) {  // e.g. extensions under the strict profile
          fmt::print(stderr, "snsim run: error: {}: {}\n", k.file, e.what());
          return 2;
        }
        if (record && traced[d]) recorder.attach(c, d * stride + (aic ? id : die.die.aic + id));
        if (first == nullptr) first = &c;
        cores.push_back(&c);
      }
    }
  }
  for (const Tensor& t : w.tensors)
    fmt::print("tensor {} {} {} at 0x{:x}{}\n", t.name, dtype_name(t.dtype), shape_text(t.shape), t.addr,
               machine ? (w.dies < dies ? fmt::format(" of dies 0-{}", w.dies - 1) : " of every die") : "");

  // 3. The run.
  const auto wall0 = std::chrono::steady_clock::now();
  const core::RunResult r = m ? m->run(die.max_cycles) : core::run_cores(cores, die.max_cycles);
  if (l2) l2->finish(r.cycles);  // a machine's L2s finish in Machine::run
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  if (m && opt.threads > 1) {
    fmt::print("network: {} of {} cycles on two threads, the network interfaces too in {}{}\n",
               m->fabric().parallel_cycles(), m->fabric().cycles(), m->fabric().endpoint_parallel_cycles(),
               m->fabric().rtl_routers() > 0 ? " (none: a router uses the RTL, which keeps them on one)" : "");
    if (m->fabric().endpoint_parallel_cycles() > 0) {
      const noc::NocFabric::ThreadTimes& t = m->fabric().thread_times();
      fmt::print("network: processor seconds of those cycles: this thread {:.1f} in NIs, {:.1f} in routers, {:.1f} "
                 "spinning on the worker's NIs, {:.1f} in dies and cores; the worker {:.1f} in NIs, {:.1f} in routers\n",
                 t.main_endpoints, t.main_routers, t.main_wait, t.main_rest, t.worker_endpoints, t.worker_routers);
    }
  }

  // 4. Reports that exist whatever the outcome: summary, statistics, trace, CSV. The statistics' JSON
  //    tree is freed before stats.json builds its own: on CM384 each is about 0.3 GB.
  {
    const nlohmann::ordered_json after = stats.to_json();
    fmt::print("{}", summarize(after, cores, r.cycles, die, w.dies, stats));  // the dies that ran it
    if (m) {
      network_stats(m->fabric(), stats);
      const std::vector<DieFigures> figures = die_npu_stats(after, *m, *machine, stats);
      fmt::print("{}", die_table(figures, *m, *machine, static_cast<double>(r.cycles) / die.die.clock_hz));
    }
  }
  // A file that cannot be written (a missing directory, a full disk) ends the run with exit 1.
  const auto write_reports = [&] {
    try {
      stats.write_json((out / "stats.json").string());
      write_file_atomic((out / "stats.txt").string(), stats.summary_table());
      if (!opt.trace.empty()) recorder.write_trace(opt.trace, net_trace ? net_trace->events() : std::vector<std::string>{});
      if (m) {
        const std::string title = fmt::format("{} / {}", fs::path(opt.config).filename().string(),
                                              fs::path(opt.workload).filename().string());
        write_file_atomic((out / "links.json").string(), links_json(m->fabric(), title).dump() + "\n");
      }
      if (!opt.instr_csv.empty()) recorder.write_csv(opt.instr_csv);
    } catch (const std::runtime_error& e) {
      fmt::print(stderr, "snsim run: error: {}\n", e.what());
      return false;
    }
    return true;
  };
  if (r.status != core::RunResult::Status::Finished) {
    if (!write_reports()) return 1;
    if (opt.plot) net::plot_links(out, "snsim run");
    fmt::print(stderr, "snsim run: {}\n", r.report);
    fmt::print(stderr, "snsim run: statistics up to cycle {} in {}/stats.json{}\n", r.cycles, out.string(),
               record ? " (trace and CSV up to there too)" : "");
    return 1;
  }

  // 5. Outputs and their references, die by die of the dies the workload takes (a machine's die d
  //    in <name>.die<d>.npy, checked against the reference of its own inputs), on --threads threads
  //    and reported in die order.
  bool ok = true;
  if (opt.timing_only) fmt::print("timing only: no outputs written or checked\n");
  // Collectives' references, every die's, from the dies' inputs (before die d's replace die 0's below).
  std::map<std::string, std::vector<std::vector<double>>> collective;
  for (const Tensor& t : w.tensors)
    if (t.output && is_collective(t.reference.op) && !opt.timing_only)
      collective[t.name] = collective_reference(t, w, w.dies);
  const std::optional<MoeReference> moe = opt.timing_only ? std::nullopt : std::optional<MoeReference>(std::in_place, w, w.dies);
  // Die d's outputs written and checked, with `wd` holding die d's inputs when it returns (a copy
  // of w of this thread's). The dies are shared among --threads threads; what they found is
  // reported below in die order, so the output is the same with any number of threads.
  const auto check_die = [&](std::uint32_t d, Workload& wd) {
    DieOutputs r;
    try {
      for (std::size_t i = 0; i < w.tensors.size(); ++i)  // (zero tensors are the same on every die)
        if (w.tensor_cfgs[i].init != TensorInit::Zeros)
          wd.tensors[i].initial = d == 0 ? w.tensors[i].initial : tensor_initial(w, i, die_seed(w.seed, d));
      const std::string suffix = machine ? fmt::format(".die{}", d) : "";
      for (const Tensor& t : wd.tensors) {
        if (!t.output) continue;
        NpyArray got{t.dtype, t.shape, std::vector<std::uint8_t>(t.bytes)};
        stores[d]->read(t.addr, got.data);
        try {
          write_npy((out / (t.name + suffix + ".npy")).string(), got);
        } catch (const std::runtime_error& e) {
          r.write_error = e.what();
          return r;
        }
        if (t.reference.op == RefOp::None) continue;
        const bool is_moe = t.reference.op == RefOp::MoeDispatch || t.reference.op == RefOp::MoeCombine;
        const NpyArray expected =
            to_npy(t.dtype, t.shape, is_moe ? moe->values(t, wd, d, got.data) : reference_values(t, wd, d, collective));
        const std::vector<double> ref = to_values(expected), have = to_values(got);
        DieOutputs::Check k{"check." + t.name + suffix, {}, {}, compare(have, ref, t.reference.atol, t.reference.rtol)};
        const Comparison& c = k.c;
        k.line = fmt::format("check {}{} ({}) against {}: max abs err {:.3g}, max rel err {:.3g} (atol {:g}, rtol {:g}): {}\n",
                             t.name, machine ? fmt::format(" of die {}", d) : "", dtype_name(t.dtype),
                             t.reference.op == RefOp::File ? t.reference.file : std::string(to_string(t.reference.op)),
                             c.max_abs, c.max_rel, t.reference.atol, t.reference.rtol, c.failures ? "FAIL" : "ok");
        if (c.failures)
          k.failure = fmt::format("snsim run: {}{}: {} of {} elements outside tolerance; first at {}: out {:.9g}, ref {:.9g}\n",
                                  t.name, machine ? fmt::format(" of die {}", d) : "", c.failures, have.size(),
                                  index_text(c.first_failure, t.shape), have[c.first_failure], ref[c.first_failure]);
        r.checks.push_back(std::move(k));
      }
    } catch (...) {
      r.error = std::current_exception();
    }
    return r;
  };
  const std::uint32_t checked = opt.timing_only ? 0 : w.dies;
  std::vector<DieOutputs> found(checked);
  {
    std::atomic<std::uint32_t> next{0};
    const auto work = [&] {
      Workload wd = w;
      for (std::uint32_t d; (d = next.fetch_add(1, std::memory_order_relaxed)) < checked;) found[d] = check_die(d, wd);
    };
    std::vector<std::jthread> helpers;
    for (unsigned k = 1; k < std::min<unsigned>(opt.threads, checked); ++k) helpers.emplace_back(work);
    work();
  }  // (the helpers are joined here)
  for (DieOutputs& r : found) {
    for (const DieOutputs::Check& k : r.checks) {
      stats.scalar(k.key + ".max_abs_err", "", "largest |out - ref|").set(k.c.max_abs);
      stats.scalar(k.key + ".max_rel_err", "", "largest |out - ref| / |ref|").set(k.c.max_rel);
      stats.counter(k.key + ".failures", "elements", "elements outside atol + rtol |ref|").add(k.c.failures);
      fmt::print("{}", k.line);
      if (k.c.failures) {
        ok = false;
        fmt::print(stderr, "{}", k.failure);
      }
    }
    if (!r.write_error.empty()) {
      fmt::print(stderr, "snsim run: error: {}\n", r.write_error);
      return 1;
    }
    if (r.error) std::rethrow_exception(r.error);
  }
  if (!write_reports()) return 1;
  if (opt.plot) net::plot_links(out, "snsim run");
  fmt::print("{:.2f} s wall; results in {}/ (stats.json, stats.txt{}{}){}{}\n", wall, out.string(),
             m ? (opt.plot ? ", links.json, links.png" : ", links.json") : "", opt.timing_only ? "" : ", output .npy files", opt.trace.empty() ? "" : "; trace in " + opt.trace,
             opt.instr_csv.empty() ? "" : "; instructions in " + opt.instr_csv);
  return ok ? 0 : 1;
}

}  // namespace snsim::run
