#include "config/die_config.h"

#include <bit>
#include <filesystem>

#include <fmt/format.h>

namespace snsim {

namespace config {

// gm.hbm.preset: a file name in the YAML, the preset's hbm section once loaded.
template <>
struct Codec<HbmPresetRef> {
  static const char* type_name() { return "file"; }
  static HbmPresetRef parse(const Node& n, const std::string& path, const Constraints&, LoadContext&) {
    HbmPresetRef ref{parse_string(n, path), config_defaults<HbmCfg>()};
    if (ref.file.empty()) return ref;
    // Relative to the file that names it, as an include is.
    const std::string file =
        (std::filesystem::path(n.file).parent_path() / ref.file).lexically_normal().string();
    try {
      ref.hbm = load<MemConfig>(file).hbm;
    } catch (const ConfigError& e) {
      if (e.line() == 0) fail(n, path, fmt::format("HBM preset '{}': {}", file, e.why()));
      throw ConfigError(e.file(), e.line(), e.key(),
                        fmt::format("{} (in the HBM preset named at {}:{})", e.why(), n.file, n.line));
    }
    return ref;
  }
  static nlohmann::ordered_json to_json(const HbmPresetRef& v) { return v.file; }
  static std::string text(const HbmPresetRef& v) { return format_default(v.file); }
};

}  // namespace config

namespace {
// One 16 x 16 x 16 f16 / bf16 fractal per cycle (HARDWARE.md §3; core.h, cube rate).
constexpr double kCubeMacsPerCycle = 16.0 * 16 * 16;
}  // namespace

void DieCountsCfg::describe(Schema<DieCountsCfg>& s) {
  s.frequency("clock", &DieCountsCfg::clock_hz, "1850MHz")
      .greater_than(0)
      .doc("Core clock (HARDWARE.md §2: 1850 MHz in the platform file [P INI])");
  s.field("aic", &DieCountsCfg::aic, 24u)
      .unit("cores")
      .range(1, core::kAivGmPortBase)
      .doc("Cube cores (AIC) per die (HARDWARE.md §2: 24 [P CM 3.3.1]); at most 256, the first AIV's L2 port "
           "(core::gm_port)");
  s.field("aiv", &DieCountsCfg::aiv, 48u)
      .unit("cores")
      .range(2, 2 * core::kAivGmPortBase)
      .doc("Vector cores (AIV) per die: 2 per AIC, each AI core being 1 AIC + 2 AIV (HARDWARE.md §3)");
  s.check([](const DieCountsCfg& d, const Checker& k) {
    if (d.aiv != 2 * d.aic) {
      k.fail("aiv", "an AI core is 1 AIC + 2 AIV, so aiv must be 2 x aic = " + std::to_string(2 * d.aic));
    }
  });
}

void DieCoreCfg::describe(Schema<DieCoreCfg>& s) {
  const core::CoreParams d;
  s.field("strict", &DieCoreCfg::strict, d.strict)
      .doc("Refuse kernels that use ISA extensions (DECISIONS.md D19, docs/isa.md §8)");
  s.field("queue_depth", &DieCoreCfg::queue_depth, d.queue_depth)
      .unit("instructions")
      .range(1, 4096)
      .doc("Per-pipe instruction queue (MTE1 / MMAD queues are 32 deep [HWC2201], ASCEND_ISA_NOTES.md §9; "
           "assumed for every pipe)");
  s.field("scalar_cycles", &DieCoreCfg::scalar_cycles, d.scalar_cycles)
      .unit("cycles")
      .range(1, 1000)
      .doc("Scalar ALU, branch, SDM load/store, issue (assumed; a camodel trace gives 2 for ADD/MOV, "
           "ASCEND_ISA_NOTES.md §8, uncertain)");
  s.field("sync_cycles", &DieCoreCfg::sync_cycles, d.sync_cycles)
      .unit("cycles")
      .range(1, 1000)
      .doc("set_flag / wait_flag / pipe_barrier once unblocked (assumed)");
  s.field("mte2_bytes_per_cycle", &DieCoreCfg::mte2_bytes_per_cycle, d.mte2_bytes_per_cycle)
      .unit("B/cycle")
      .greater_than(0)
      .doc("MTE2 port, GM -> L1 / UB (HARDWARE.md §3: HBM 32 read per core; the L2 figure is 110)");
  s.field("mte3_bytes_per_cycle", &DieCoreCfg::mte3_bytes_per_cycle, d.mte3_bytes_per_cycle)
      .unit("B/cycle")
      .greater_than(0)
      .doc("MTE3 port, UB -> GM (HARDWARE.md §3: UB -> HBM 64)");
  s.field("posted_write_bytes", &DieCoreCfg::posted_write_bytes, d.posted_write_bytes)
      .unit("B")
      .range(512, std::uint64_t{1} << 30)
      .doc("Posted remote writes (dma_post) a core may have unacknowledged; assumed: 8 AIVs of a die "
           "cover 196 GB/s x 2.1 us = 412 KB (HARDWARE.md §1, §4), docs/core.md");
  s.field("mte1_l0a_bytes_per_cycle", &DieCoreCfg::mte1_l0a_bytes_per_cycle, d.mte1_l0a_bytes_per_cycle)
      .unit("B/cycle")
      .greater_than(0)
      .doc("MTE1, L1 -> L0A (Ascend C guide load_data_perf, ASCEND_ISA_NOTES.md §9; HARDWARE.md §3 INI "
           "gives 512)");
  s.field("mte1_l0b_bytes_per_cycle", &DieCoreCfg::mte1_l0b_bytes_per_cycle, d.mte1_l0b_bytes_per_cycle)
      .unit("B/cycle")
      .greater_than(0)
      .doc("MTE1, L1 -> L0B (Ascend C guide load_data_perf; HARDWARE.md §3 INI gives 256)");
  s.field("mte1_latency", &DieCoreCfg::mte1_latency, d.mte1_latency)
      .unit("cycles")
      .range(0, 100000)
      .doc("MTE1 latency after the transfer (Ascend C guide load_data_perf, ASCEND_ISA_NOTES.md §9)");
  s.field("fix_elements_per_cycle", &DieCoreCfg::fix_elements_per_cycle, d.fix_elements_per_cycle)
      .unit("elements/cycle")
      .greater_than(0)
      .doc("FixPipe output rate ([PERF] fixpipe_perf, ASCEND_ISA_NOTES.md §9)");
  s.field("fix_latency", &DieCoreCfg::fix_latency, d.fix_latency)
      .unit("cycles")
      .range(0, 100000)
      .doc("FixPipe latency ([PERF] fixpipe_perf, ASCEND_ISA_NOTES.md §9)");
}

core::CoreParams DieCoreCfg::params(bool numerics) const {
  core::CoreParams p;
  p.strict = strict;
  p.numerics = numerics;
  p.queue_depth = queue_depth;
  p.scalar_cycles = scalar_cycles;
  p.sync_cycles = sync_cycles;
  p.mte2_bytes_per_cycle = mte2_bytes_per_cycle;
  p.mte3_bytes_per_cycle = mte3_bytes_per_cycle;
  p.posted_write_bytes = posted_write_bytes;
  p.mte1_l0a_bytes_per_cycle = mte1_l0a_bytes_per_cycle;
  p.mte1_l0b_bytes_per_cycle = mte1_l0b_bytes_per_cycle;
  p.mte1_latency = mte1_latency;
  p.fix_elements_per_cycle = fix_elements_per_cycle;
  p.fix_latency = fix_latency;
  return p;
}

void DieL2Cfg::describe(Schema<DieL2Cfg>& s) {
  const core::L2Params d;
  s.choice("backend", &DieL2Cfg::backend, L2BackendKind::Rate,
           {{"rate", L2BackendKind::Rate}, {"hbm", L2BackendKind::Hbm}})
      .doc("What times the L2's fills and write-backs: `rate`, one rate shared by the die (gm.read_bytes_per_cycle; a "
           "missed read completes miss_latency after its fills); `hbm`, the die's HBM stacks (gm.hbm, cycle-level, "
           "docs/core.md \"The HBM behind the L2\"; a missed read completes hit_latency after its fills' data)");
  s.field("capacity_bytes", &DieL2Cfg::capacity_bytes, d.capacity_bytes)
      .unit("B")
      .min(1)
      .doc("L2 capacity per die (HARDWARE.md §2: 192 MiB [P CM 3.3.1]); a multiple of line_bytes x ways");
  s.field("line_bytes", &DieL2Cfg::line_bytes, std::uint32_t{d.line_bytes})
      .unit("B")
      .range(32, 4096)
      .doc("line size, a power of two (assumed: GM requests are 128/256/512 B [HWC2201])");
  s.field("ways", &DieL2Cfg::ways, std::uint32_t{d.ways}).range(1, 64).doc("associativity (assumed)");
  s.field("read_bytes_per_cycle", &DieL2Cfg::read_bytes_per_cycle, d.read_bytes_per_cycle)
      .unit("B/cycle")
      .greater_than(0)
      .doc("read rate of each core's L2 port (HARDWARE.md §3: L2 -> core 110 [P INI])");
  s.field("write_bytes_per_cycle", &DieL2Cfg::write_bytes_per_cycle, d.write_bytes_per_cycle)
      .unit("B/cycle")
      .greater_than(0)
      .doc("write rate of each core's L2 port (HARDWARE.md §3: core -> L2 86 [P INI])");
  s.field("hit_latency", &DieL2Cfg::hit_latency, std::uint64_t{d.hit_latency})
      .unit("cycles")
      .range(0, 1000000)
      .doc("request to data on a hit (assumed: no public figure)");
  s.field("miss_latency", &DieL2Cfg::miss_latency, std::uint64_t{d.miss_latency})
      .unit("cycles")
      .range(0, 1000000)
      .doc("backend rate: request to data when a line missed (assumed: hit + about 100 ns of HBM access)");
  s.check([](const DieL2Cfg& c, const Checker& k) {
    if (!std::has_single_bit(c.line_bytes)) k.fail("line_bytes", fmt::format("{} is not a power of two", c.line_bytes));
    if (c.capacity_bytes % (std::uint64_t{c.line_bytes} * c.ways) != 0) {
      k.fail("capacity_bytes", fmt::format("{} is not a multiple of line_bytes x ways = {}", c.capacity_bytes,
                                           std::uint64_t{c.line_bytes} * c.ways));
    } else if (const std::uint64_t sets = c.capacity_bytes / (std::uint64_t{c.line_bytes} * c.ways);
               core::l2_max_tag(sets, c.line_bytes) > core::kL2MaxTag) {  // core::L2Gm's 32-bit tags
      k.fail("capacity_bytes",
             fmt::format("{} B in {} ways leaves {} sets of {} B lines: a die's 1 TiB of addresses needs tags up to "
                         "{}, above the L2's 32-bit tags; make each way (capacity / ways) at least 512 B",
                         c.capacity_bytes, c.ways, sets, c.line_bytes, core::l2_max_tag(sets, c.line_bytes)));
    }
  });
}

void DieHbmCfg::describe(Schema<DieHbmCfg>& s) {
  s.field("preset", &DieHbmCfg::preset, HbmPresetRef{"", config_defaults<HbmCfg>()})
      .doc("HBM preset of every stack: a `snsim mem` config (configs/hbm2e.yaml), relative to the file naming it; "
           "empty: the hbm schema's defaults (the HBM2E preset's values)");
  s.field("stacks", &DieHbmCfg::stacks, 4u)
      .range(1, 16)
      .power_of_two()
      .doc("HBM stacks per die (HARDWARE.md §2: 4 stacks, 1.6 TB/s per die [P CM 3.3.1])");
  s.field("interleave_bytes", &DieHbmCfg::interleave_bytes, std::uint64_t{256})
      .unit("B")
      .range(32, 1 << 20)
      .power_of_two()
      .doc("die addresses are spread over the stacks and their channels in units of this many bytes, by an XOR "
           "fold of the unit number (assumed: no public Ascend figure; docs/core.md); at least gm.l2.line_bytes");
}

void DieGmCfg::describe(Schema<DieGmCfg>& s) {
  const core::SimpleGmParams d;
  s.choice("model", &DieGmCfg::model, GmModel::L2, {{"simple", GmModel::Simple}, {"l2", GmModel::L2}})
      .doc("GM model: `simple` is one latency and one bytes-per-cycle rate per direction shared by all "
           "cores (core::SimpleGm); `l2` puts the die's L2 (core::L2Gm, tags only, a port per core; "
           "DECISIONS.md D17) in front of that HBM, whose rate is then read_bytes_per_cycle and whose "
           "latency is l2.miss_latency (docs/core.md)");
  s.field("latency", &DieGmCfg::latency, d.latency)
      .unit("cycles")
      .range(0, 1000000)
      .doc("simple: core cycles from request to data (assumed: HBM plus on-die network)");
  // SimpleGmParams's own defaults are one core's share (32); a die's cores share the die's HBM.
  s.field("read_bytes_per_cycle", &DieGmCfg::read_bytes_per_cycle, 865.0)
      .unit("B/cycle")
      .greater_than(0)
      .doc("simple: read bandwidth shared by every core of the die (HARDWARE.md §2: 1.6 TB/s per die "
           "[P CM 3.3.1] at 1850 MHz)");
  s.field("write_bytes_per_cycle", &DieGmCfg::write_bytes_per_cycle, 865.0)
      .unit("B/cycle")
      .greater_than(0)
      .doc("simple: write bandwidth shared by every core of the die (the same HBM)");
  s.section("l2", &DieGmCfg::l2).doc("The die's L2 when model is `l2` (core::L2Params, docs/core.md \"The L2\").");
  s.section("hbm", &DieGmCfg::hbm).doc("The die's HBM stacks behind the L2 when l2.backend is `hbm` (hbm/die_hbm.h).");
  s.check([](const DieGmCfg& g, const Checker& k) {
    if (g.hbm.interleave_bytes < g.l2.line_bytes) {
      k.fail("hbm.interleave_bytes", fmt::format("{} is below l2.line_bytes ({}): a line would span stacks",
                                                 g.hbm.interleave_bytes, g.l2.line_bytes));
    }
    // A line is one request of the stack (hbm::HbmStack takes 1 to 16 bursts, at most 512 B).
    const std::uint32_t burst = g.hbm.preset.hbm.org.burst_bytes;
    if (g.l2.backend == L2BackendKind::Hbm && (g.l2.line_bytes % burst != 0 || g.l2.line_bytes > 512)) {
      k.fail("l2.line_bytes", fmt::format("{} B is not one HBM request: a multiple of the preset's {} B burst, at "
                                          "most 512 B", g.l2.line_bytes, burst));
    }
  });
}

core::L2Params DieGmCfg::l2_params() const {
  return {.capacity_bytes = l2.capacity_bytes, .line_bytes = l2.line_bytes, .ways = l2.ways,
          .read_bytes_per_cycle = l2.read_bytes_per_cycle, .write_bytes_per_cycle = l2.write_bytes_per_cycle,
          .hbm_bytes_per_cycle = read_bytes_per_cycle, .hit_latency = l2.hit_latency,
          .miss_latency = l2.miss_latency};
}

core::SimpleGmParams DieGmCfg::simple_params() const {
  return {.latency = latency, .read_bytes_per_cycle = read_bytes_per_cycle,
          .write_bytes_per_cycle = write_bytes_per_cycle};
}

void DieConfig::describe(Schema<DieConfig>& s) {
  s.section("die", &DieConfig::die).doc("Core counts and clock.");
  s.section("core", &DieConfig::core).doc("Timing of every AIC and AIV (core::CoreParams, docs/core.md).");
  s.section("gm", &DieConfig::gm).doc("The global memory the cores share.");
  s.field("max_cycles", &DieConfig::max_cycles, std::uint64_t{1'000'000'000})
      .unit("cycles")
      .min(1)
      .doc("A run still going after this many cycles stops as a timeout");
}

double DieConfig::cube_peak_flops() const { return 2 * kCubeMacsPerCycle * die.aic * die.clock_hz; }

std::string_view to_string(L2BackendKind b) { return b == L2BackendKind::Rate ? "rate" : "hbm"; }

std::string_view to_string(GmModel m) {
  switch (m) {
    case GmModel::Simple:
      return "simple";
    case GmModel::L2:
      return "l2";
  }
  return "?";
}

}  // namespace snsim
