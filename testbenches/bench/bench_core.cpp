// snsim-bench-core: the core models running kernels of firmware/kernels (make bench). Prints per
// kernel the simulated cycles, the cube or vector utilization, the processor time, and simulated
// instructions per second; for the GEMM also its efficiency against the cube peak in simulated
// time (issue 5 §4) over sizes, with GM behind the L2 model and with HBM only (DECISIONS.md D17).
// Not a test: nothing here asserts a figure.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <random>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "core/core.h"
#include "core/l2.h"

using namespace snsim;
using namespace snsim::core;

namespace {

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }
double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The cube peak: one 16 x 16 x 16 fractal, 8,192 FLOP, per cycle per AIC (HARDWARE.md §3) at the
// 1850 MHz of the platform file (HARDWARE.md §2).
constexpr double kCubeFlopsPerCycle = 8192, kClockHz = 1.85e9;

// GM as the cores see it. Hbm: the die's 1.6 TB/s (HARDWARE.md §2) shared by every core, each
// core's MTE2 port at HBM's 32 B/cycle (§3), 200 cycles latency (assumed). L2: the L2 model with
// its defaults (l2.h) in front of the same HBM rate, MTE2 ports at the L2's 110 B/cycle.
enum class Level { Hbm, L2 };
const char* level_name(Level l) { return l == Level::Hbm ? "HBM only" : "L2"; }

struct Launch {
  explicit Launch(Level level)
      : store({.latency = 200, .read_bytes_per_cycle = L2Params{}.hbm_bytes_per_cycle,
               .write_bytes_per_cycle = L2Params{}.hbm_bytes_per_cycle}) {
    if (level == Level::L2) {
      l2 = std::make_unique<L2Gm>(L2Params{}, store, stats);
      params.mte2_bytes_per_cycle = l2->params().read_bytes_per_cycle;
    }
  }
  GlobalMemory& gm() { return l2 ? static_cast<GlobalMemory&>(*l2) : store; }
  SimpleGm store;  // the data, and HBM's timing when there is no L2
  StatsRegistry stats;
  std::unique_ptr<L2Gm> l2;
  CoreParams params;
  CrossCoreFlags xflags;
  std::vector<std::unique_ptr<Core>> cores;

  // Maps a region and, with numerics, fills it with small bf16 / f32 values (random low mantissa
  // bytes, exponent byte near 1.0).
  void fill_random(std::uint64_t base, std::uint64_t bytes, unsigned seed) {
    store.map(base, bytes);
    if (!params.numerics) return;
    std::vector<std::uint8_t> data(bytes);
    std::mt19937 rng(seed);
    for (std::size_t i = 0; i < bytes; ++i) data[i] = static_cast<std::uint8_t>(i % 2 ? 0x3f : rng());
    store.write(base, data);
  }
  bool detail = false;  // print the first core's and the L2's statistics after the run

  // A core named aic<id> / aiv<id> running `kernel` with `args`.
  void add(const obj::Object& kernel, LaunchInfo launch, const std::vector<std::uint64_t>& args) {
    const char* type = launch.type == isa::CoreType::Aic ? "aic" : "aiv";
    cores.push_back(std::make_unique<Core>(fmt::format("{}{}", type, launch.core_id), params, launch, gm(), stats, &xflags));
    cores.back()->load(kernel, args);
  }

  void report(const std::string& what, isa::CoreType type, std::uint64_t flops) {
    std::vector<Core*> list;
    for (auto& c : cores) list.push_back(c.get());
    const double t0 = cpu_seconds(), w0 = wall_seconds();
    const RunResult r = run_cores(list);
    const double secs = cpu_seconds() - t0, wall = wall_seconds() - w0;
    std::uint64_t instructions = 0, busy = 0, counted = 0;  // busy over the cores of `type`
    for (auto& c : cores) instructions += c->instructions();
    const char* pipe = type == isa::CoreType::Aic ? "m" : "v";
    const auto json = stats.to_json();
    for (auto& c : cores)
      if (c->launch().type == type) {
        busy += json[c->name()][pipe]["busy"]["value"].get<std::uint64_t>();
        ++counted;
      }
    const auto cycles = static_cast<double>(r.cycles);
    fmt::print("{:<56} {:>9} cycles  {} busy {:5.1f}%", what, r.cycles, pipe,
               100.0 * static_cast<double>(busy) / (cycles * static_cast<double>(counted)));
    if (flops)
      fmt::print("  peak {:5.1f}%  {:6.1f} TFLOPS", 100.0 * static_cast<double>(flops) / (cycles * kCubeFlopsPerCycle * static_cast<double>(counted)),
                 static_cast<double>(flops) / (cycles / kClockHz) / 1e12);
    fmt::print("  cpu {:6.3f} s  wall {:6.3f} s  {:6.2f} M instr/s", secs, wall,
               static_cast<double>(instructions) / secs / 1e6);
    fmt::print("{}\n", r.status == RunResult::Status::Finished ? "" : "  NOT FINISHED: " + r.report);
    if (detail) {
      fmt::print("{}", stats.summary_table(cores.front()->name() + "."));
      if (l2) fmt::print("{}", stats.summary_table("l2."));
    }
  }
};

void vec_add(unsigned cores, std::uint64_t n) {
  Launch l(Level::Hbm);
  l.fill_random(0x1000'0000, n * 4, 1);
  l.fill_random(0x2000'0000, n * 4, 2);
  l.store.map(0x3000'0000, n * 4);
  const obj::Object k = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/vec_add.o");
  for (unsigned i = 0; i < cores; ++i)
    l.add(k, {.type = isa::CoreType::Aiv, .core_id = i, .block_id = i, .block_num = cores},
          {0x1000'0000, 0x2000'0000, 0x3000'0000, n});
  l.report(fmt::format("vec_add f32 n={} on {} AIV, HBM only", n, cores), isa::CoreType::Aiv, 0);
}

bool g_detail = false;

// gemm_bf16 (f32 out) with M = N = K = size on `cores` AICs.
void gemm(unsigned cores, unsigned size, bool numerics, Level level) {
  Launch l(level);
  l.detail = g_detail && !numerics;
  l.params.numerics = numerics;
  const std::uint64_t s = size;
  l.fill_random(0x1'0000'0000, s * s * 2, 3);
  l.fill_random(0x2'0000'0000, s * s * 2, 4);
  l.store.map(0x3'0000'0000, s * s * 4);
  const obj::Object obj = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/gemm_bf16.o");
  for (unsigned i = 0; i < cores; ++i)
    l.add(obj, {.type = isa::CoreType::Aic, .core_id = i, .block_id = i, .block_num = cores},
          {0x1'0000'0000, 0x2'0000'0000, 0x3'0000'0000, s, s, s});
  l.report(fmt::format("gemm_bf16 {}^3 on {} AIC, {}{}", size, cores, level_name(level), numerics ? "" : " (timing)"),
           isa::CoreType::Aic, 2 * s * s * s);
}

// gemm_int8 (B given transposed, scale 2^-10) on `cores` AICs, timing only, HBM only.
void gemm_int8(unsigned cores, std::uint64_t m, std::uint64_t n, std::uint64_t k) {
  Launch l(Level::Hbm);
  l.params.numerics = false;
  l.store.map(0x1000'0000, m * k);
  l.store.map(0x2000'0000, k * n);
  l.store.map(0x3000'0000, m * n * 2);
  const obj::Object obj = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/gemm_int8.o");
  for (unsigned i = 0; i < cores; ++i)
    l.add(obj, {.type = isa::CoreType::Aic, .core_id = i, .block_id = i, .block_num = cores},
          {0x1000'0000, 0x2000'0000, 0x3000'0000, m, n, k, 0x3a800000});
  // An s8 fractal is 16 x 32 x 16: twice the bf16 MACs per cycle, so the "peak" column (bf16
  // FLOPs) reads double for it; the m busy share is the comparable figure.
  l.report(fmt::format("gemm_int8 {}x{}x{} on {} AIC, HBM only (timing)", m, n, k, cores), isa::CoreType::Aic, 0);
}

// The fused GEMM + relu(C + bias) epilogue on `groups` AIC + 2 AIV groups, timing only, HBM only
// (like gemm_int8: both keep the 128 x 128 tiles, which are MTE2-bound on HBM).
void gemm_epilogue(unsigned groups, std::uint64_t m, std::uint64_t n, std::uint64_t k) {
  Launch l(Level::Hbm);
  l.params.numerics = false;
  l.store.map(0x1000'0000, m * k * 2);
  l.store.map(0x2000'0000, k * n * 2);
  l.store.map(0x3000'0000, m * n * 4);
  l.store.map(0x4000'0000, n * 4);
  l.store.map(0x5000'0000, std::uint64_t{groups} * 128 * 1024);
  const obj::Object aic = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/gemm_epilogue_aic.o");
  const obj::Object aiv = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/gemm_epilogue_aiv.o");
  const std::vector<std::uint64_t> args{0x1000'0000, 0x2000'0000, 0x4000'0000, 0x5000'0000, 0x3000'0000, m, n, k};
  for (unsigned g = 0; g < groups; ++g) {
    l.add(aic, {.type = isa::CoreType::Aic, .core_id = g, .block_id = g, .block_num = groups, .sub_block_num = 2}, args);
    for (unsigned sub = 0; sub < 2; ++sub)
      l.add(aiv, {.type = isa::CoreType::Aiv, .core_id = 2 * g + sub, .block_id = 2 * g + sub, .block_num = 2 * groups,
                  .sub_block_id = sub, .sub_block_num = 2},
            args);
  }
  l.report(fmt::format("gemm_epilogue {}x{}x{} on {} AIC + {} AIV, HBM only (timing)", m, n, k, groups, 2 * groups),
           isa::CoreType::Aic, 2 * m * n * k);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"snsim-bench-core: kernels on the core models, simulated cycles and simulation speed"};
  unsigned size = 4096, max_size = 8192;
  bool skip_numerics = false;
  app.add_option("--gemm-size", size, "M = N = K of the GEMM run with numerics (multiple of 512)")->check(CLI::PositiveNumber);
  app.add_option("--max-size", max_size, "largest size of the efficiency curve (512, 1024, ... up to it)")->check(CLI::PositiveNumber);
  app.add_flag("--no-numerics", skip_numerics, "skip the GEMM with numerics (the slow one)");
  app.add_flag("--detail", g_detail, "print the first core's (and the L2's) statistics after each timing-only GEMM");
  CLI11_PARSE(app, argc, argv);
  vec_add(8, 8 * 4096 * 16);
  vec_add(48, 48 * 4096 * 4);
  // The efficiency curve, timing only: 512 is the smallest power of two the kernel takes (K a
  // multiple of 512).
  for (unsigned s = 512; s <= max_size; s *= 2)
    for (Level level : {Level::L2, Level::Hbm}) gemm(24, s, false, level);
  gemm_int8(24, 1024, 1024, 1024);
  gemm_epilogue(4, 1024, 1024, 1024);
  gemm_epilogue(24, 1024, 1024, 1024);
  if (!skip_numerics) gemm(24, size, true, Level::L2);
  return 0;
}
