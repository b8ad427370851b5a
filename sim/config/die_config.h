#pragma once
// Configuration of one die of AI cores for `snsim run` (issue 5 §3): the AIC / AIV counts and clock
// (HARDWARE.md §3), the timing parameters of every core (CoreParams, docs/core.md) and the global
// memory model the cores share. The preset configs/die.yaml names the source of every value beside
// it; keys are documented in docs/config.md.

#include <cstdint>
#include <string>

#include "config/config.h"
#include "config/hbm_config.h"
#include "core/core.h"
#include "core/gm.h"
#include "core/l2.h"

namespace snsim {

struct DieCountsCfg {
  double clock_hz{};
  std::uint32_t aic{};
  std::uint32_t aiv{};  // 2 per AIC: an AI core is 1 AIC + 2 AIV (HARDWARE.md §3)

  static void describe(Schema<DieCountsCfg>& s);
};

// The scalar timing parameters of core::CoreParams, one key each; defaults are CoreParams's.
// The vector cost table keeps its defaults (docs/core.md), it is not configurable yet.
struct DieCoreCfg {
  bool strict{};
  std::uint32_t queue_depth{};
  std::uint64_t scalar_cycles{};
  std::uint64_t sync_cycles{};
  double mte2_bytes_per_cycle{};
  double mte3_bytes_per_cycle{};
  std::uint64_t posted_write_bytes{};
  double mte1_l0a_bytes_per_cycle{};
  double mte1_l0b_bytes_per_cycle{};
  std::uint64_t mte1_latency{};
  double fix_elements_per_cycle{};
  std::uint64_t fix_latency{};

  core::CoreParams params(bool numerics) const;
  static void describe(Schema<DieCoreCfg>& s);
};

// What times the memory behind the L2 (core::L2Backend): `rate`, one bytes-per-cycle rate shared by
// the die (gm.read_bytes_per_cycle) with l2.miss_latency; `hbm`, the die's HBM stacks (gm.hbm,
// hbm/die_hbm.h).
enum class L2BackendKind { Rate, Hbm };

// The die's L2 (core::L2Params, DECISIONS.md D17), used when gm.model is `l2`.
struct DieL2Cfg {
  L2BackendKind backend{};
  std::uint64_t capacity_bytes{};
  std::uint32_t line_bytes{};
  std::uint32_t ways{};
  double read_bytes_per_cycle{};
  double write_bytes_per_cycle{};
  std::uint64_t hit_latency{};
  std::uint64_t miss_latency{};

  static void describe(Schema<DieL2Cfg>& s);
};

// An HBM preset named by a die config: a `snsim mem` config file (configs/hbm2e.yaml), its path
// relative to the file that names it, loaded with the die config; `hbm` is its hbm section. An
// empty file is the hbm schema's defaults (the HBM2E preset's values).
struct HbmPresetRef {
  std::string file;
  HbmCfg hbm;
};

// The die's HBM stacks behind its L2 when gm.l2.backend is `hbm` (hbm/die_hbm.h, docs/core.md).
struct DieHbmCfg {
  HbmPresetRef preset;
  std::uint32_t stacks{};
  std::uint64_t interleave_bytes{};

  static void describe(Schema<DieHbmCfg>& s);
};

// The GM model the cores share. `model` picks the implementation: `simple` (core::SimpleGm: one
// latency and rate per direction) or `l2` (core::L2Gm in front of the same HBM, whose rate is
// then read_bytes_per_cycle).
enum class GmModel { Simple, L2 };
struct DieGmCfg {
  GmModel model{};
  std::uint64_t latency{};  // cycles
  double read_bytes_per_cycle{};
  double write_bytes_per_cycle{};
  DieL2Cfg l2;
  DieHbmCfg hbm;

  core::SimpleGmParams simple_params() const;
  core::L2Params l2_params() const;
  static void describe(Schema<DieGmCfg>& s);
};

struct DieConfig {
  DieCountsCfg die;
  DieCoreCfg core;
  DieGmCfg gm;
  std::uint64_t max_cycles{};

  // FP16 / BF16 cube peak of the die in FLOP per second: every AIC does one 16 x 16 x 16 fractal
  // (4096 multiply-adds) per cycle (HARDWARE.md §3, the cube model's rate in docs/core.md).
  double cube_peak_flops() const;
  static void describe(Schema<DieConfig>& s);
};

std::string_view to_string(GmModel m);
std::string_view to_string(L2BackendKind b);

}  // namespace snsim
