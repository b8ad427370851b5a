// snsim-bench-core: the core models running kernels of firmware/kernels with real data (make bench).
// Prints per kernel the simulated cycles, the cube or vector utilization, the processor time, and
// simulated instructions and MACs per second. Not a test: nothing here asserts a figure.
#include <cstdio>
#include <ctime>
#include <memory>
#include <random>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "core/core.h"

using namespace snsim;
using namespace snsim::core;

namespace {

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// Per-core GM rates of HARDWARE.md §3: HBM 32 read / 32 write; the L2 level 110 read / 86 write
// (D17 asks for the GEMM efficiency with both).
struct Level {
  const char* name;
  double read, write;
};
constexpr Level kHbm{"HBM", 32, 32}, kL2{"L2", 110, 86};

struct Launch {
  explicit Launch(unsigned cores, Level level = kHbm)
      : gm({.latency = 200, .read_bytes_per_cycle = level.read * cores,
            .write_bytes_per_cycle = level.write * cores}) {
    params.mte2_bytes_per_cycle = level.read;
  }
  SimpleGm gm;  // the level's rates times the core count, 200 cycles latency
  StatsRegistry stats;
  CoreParams params;
  CrossCoreFlags xflags;
  std::vector<std::unique_ptr<Core>> cores;

  void fill_random(std::uint64_t base, std::uint64_t bytes, unsigned seed) {
    gm.map(base, bytes);
    std::vector<std::uint8_t> data(bytes);
    std::mt19937 rng(seed);
    // Small bf16 / f32 values: random low mantissa bytes, exponent byte near 1.0.
    for (std::size_t i = 0; i < bytes; ++i) data[i] = static_cast<std::uint8_t>(i % 2 ? 0x3f : rng());
    gm.write(base, data);
  }
  bool detail = false;  // print the first core's statistics after the run

  // A core named aic<id> / aiv<id> running `kernel` with `args`.
  void add(const obj::Object& kernel, LaunchInfo launch, const std::vector<std::uint64_t>& args) {
    const char* type = launch.type == isa::CoreType::Aic ? "aic" : "aiv";
    cores.push_back(std::make_unique<Core>(fmt::format("{}{}", type, launch.core_id), params, launch, gm, stats, &xflags));
    cores.back()->load(kernel, args);
  }

  void report(const char* what, isa::CoreType type, std::uint64_t macs) {
    std::vector<Core*> list;
    for (auto& c : cores) list.push_back(c.get());
    const double t0 = cpu_seconds();
    const RunResult r = run_cores(list);
    const double secs = cpu_seconds() - t0;
    std::uint64_t instructions = 0, busy = 0, counted = 0;  // busy over the cores of `type`
    for (auto& c : cores) instructions += c->instructions();
    const char* pipe = type == isa::CoreType::Aic ? "m" : "v";
    const auto json = stats.to_json();
    for (auto& c : cores)
      if (c->launch().type == type) {
        busy += json[c->name()][pipe]["busy"]["value"].get<std::uint64_t>();
        ++counted;
      }
    fmt::print("{:<46} {:>10} cycles  {} busy {:5.1f}%  cpu {:6.3f} s  {:8.2f} M instr/s", what, r.cycles, pipe,
               100.0 * static_cast<double>(busy) / static_cast<double>(r.cycles * counted), secs,
               static_cast<double>(instructions) / secs / 1e6);
    if (macs) fmt::print("  {:6.2f} G MAC/s", static_cast<double>(macs) / secs / 1e9);
    fmt::print("{}\n", r.status == RunResult::Status::Finished ? "" : "  NOT FINISHED: " + r.report);
    if (detail) fmt::print("{}", stats.summary_table(cores.front()->name() + "."));
  }
};

void vec_add(unsigned cores, std::uint64_t n) {
  Launch l(cores);
  l.fill_random(0x1000'0000, n * 4, 1);
  l.fill_random(0x2000'0000, n * 4, 2);
  l.gm.map(0x3000'0000, n * 4);
  const obj::Object k = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/vec_add.o");
  for (unsigned i = 0; i < cores; ++i) {
    l.cores.push_back(std::make_unique<Core>(fmt::format("aiv{}", i), l.params,
                                             LaunchInfo{.type = isa::CoreType::Aiv, .core_id = i, .block_id = i, .block_num = cores},
                                             l.gm, l.stats, &l.xflags));
    l.cores.back()->load(k, std::vector<std::uint64_t>{0x1000'0000, 0x2000'0000, 0x3000'0000, n});
  }
  l.report(fmt::format("vec_add f32 n={} on {} AIV", n, cores).c_str(), isa::CoreType::Aiv, 0);
}

bool g_detail = false;

void gemm(unsigned cores, unsigned m, unsigned n, unsigned k, bool numerics = true, Level level = kHbm) {
  Launch l(cores, level);
  l.detail = g_detail && !numerics;
  l.params.numerics = numerics;
  l.fill_random(0x1000'0000, std::uint64_t{m} * k * 2, 3);
  l.fill_random(0x2000'0000, std::uint64_t{k} * n * 2, 4);
  l.gm.map(0x3000'0000, std::uint64_t{m} * n * 4);
  const obj::Object obj = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/gemm_bf16.o");
  for (unsigned i = 0; i < cores; ++i) {
    l.cores.push_back(std::make_unique<Core>(fmt::format("aic{}", i), l.params,
                                             LaunchInfo{.type = isa::CoreType::Aic, .core_id = i, .block_id = i, .block_num = cores},
                                             l.gm, l.stats, &l.xflags));
    l.cores.back()->load(obj, std::vector<std::uint64_t>{0x1000'0000, 0x2000'0000, 0x3000'0000, m, n, k});
  }
  l.report(fmt::format("gemm_bf16 {}x{}x{} on {} AIC{}{}", m, n, k, cores, numerics ? "" : " (timing)",
                       level.name == kHbm.name ? "" : ", L2 rates").c_str(),
           isa::CoreType::Aic,
           std::uint64_t{m} * n * k);
}

// gemm_int8 (B given transposed, scale 2^-10) on `cores` AICs, timing only.
void gemm_int8(unsigned cores, unsigned m, unsigned n, unsigned k) {
  Launch l(cores);
  l.params.numerics = false;
  l.gm.map(0x1000'0000, std::uint64_t{m} * k);
  l.gm.map(0x2000'0000, std::uint64_t{k} * n);
  l.gm.map(0x3000'0000, std::uint64_t{m} * n * 2);
  const obj::Object obj = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/gemm_int8.o");
  for (unsigned i = 0; i < cores; ++i)
    l.add(obj, {.type = isa::CoreType::Aic, .core_id = i, .block_id = i, .block_num = cores},
          {0x1000'0000, 0x2000'0000, 0x3000'0000, m, n, k, 0x3a800000});
  l.report(fmt::format("gemm_int8 {}x{}x{} on {} AIC (timing)", m, n, k, cores).c_str(), isa::CoreType::Aic,
           std::uint64_t{m} * n * k);
}

// The fused GEMM + relu(C + bias) epilogue on `groups` AIC + 2 AIV groups, timing only; GM at the
// HBM rate for every core of the launch.
void gemm_epilogue(unsigned groups, unsigned m, unsigned n, unsigned k) {
  Launch l(3 * groups);
  l.params.numerics = false;
  l.gm.map(0x1000'0000, std::uint64_t{m} * k * 2);
  l.gm.map(0x2000'0000, std::uint64_t{k} * n * 2);
  l.gm.map(0x3000'0000, std::uint64_t{m} * n * 4);
  l.gm.map(0x4000'0000, std::uint64_t{n} * 4);
  l.gm.map(0x5000'0000, std::uint64_t{groups} * 128 * 1024);
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
  l.report(fmt::format("gemm_epilogue {}x{}x{} on {} AIC + {} AIV (timing)", m, n, k, groups, 2 * groups).c_str(),
           isa::CoreType::Aic, std::uint64_t{m} * n * k);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"snsim-bench-core: kernels on the core models, simulated cycles and simulation speed"};
  unsigned size = 1024;
  app.add_option("--gemm-size", size, "M = N = K of the GEMM (multiple of 512)")->check(CLI::PositiveNumber);
  app.add_flag("--detail", g_detail, "print the first core's statistics after each timing-only GEMM");
  CLI11_PARSE(app, argc, argv);
  vec_add(8, 8 * 4096 * 16);
  vec_add(48, 48 * 4096 * 4);
  gemm(1, 512, 512, 512);
  gemm(24, size, size, size);
  gemm(24, size, size, size, false);
  gemm(24, 4 * size, 4 * size, 4 * size, false);
  gemm(24, 4 * size, 4 * size, 4 * size, false, kL2);
  gemm_int8(24, size, size, size);
  gemm_epilogue(4, size, size, size);
  gemm_epilogue(24, size, size, size);
  return 0;
}
