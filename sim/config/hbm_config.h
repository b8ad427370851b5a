#pragma once
// Configuration of the HBM model (systemc/hbm) and of `snsim mem`. Organization, timing (in
// memory-clock cycles, nCK), controller policies and per-event energies of one HBM stack; the
// presets configs/hbm2e.yaml and configs/hbm3.yaml set every timing value with its source
// (/work/shared/HBM_TIMING.md tags) beside it. Keys are documented in docs/config.md.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "config/config.h"

namespace snsim {

struct HbmOrgCfg {
  std::uint32_t channels{};
  std::uint32_t pseudo_channels{};  // per channel
  std::uint32_t sids{};             // stack ids per pseudo-channel (8-high: 2)
  std::uint32_t bank_groups{};      // per SID
  std::uint32_t banks_per_group{};
  std::uint32_t rows{};  // per bank
  std::uint32_t columns{};  // bursts (column addresses) per row
  std::uint32_t burst_bytes{};  // bytes per RD/WR per pseudo-channel
  std::uint32_t burst_cycles{};  // data-bus cycles (nCK) per RD/WR (tBURST)

  std::uint32_t banks_per_pc() const { return sids * bank_groups * banks_per_group; }
  std::uint32_t pcs() const { return channels * pseudo_channels; }
  std::uint64_t pc_bytes() const {
    return std::uint64_t{banks_per_pc()} * rows * columns * burst_bytes;
  }
  std::uint64_t stack_bytes() const { return pc_bytes() * pcs(); }
  bool operator==(const HbmOrgCfg&) const = default;
  static void describe(Schema<HbmOrgCfg>& s);
};

// Every value in memory-clock cycles (nCK). Constraints from an ACT count from its last command
// cycle (the bank opens on the second ACT cycle, as in DRAMSys's HBM2 checker).
struct HbmTimingCfg {
  std::uint32_t act_cycles{};  // row-bus cycles an ACT occupies (HBM2: 2)
  std::uint32_t RL{}, WL{};
  std::uint32_t tRCDRD{}, tRCDWR{}, tRP{}, tRAS{}, tRC{};
  std::uint32_t tCCD_S{}, tCCD_L{}, tCCDR{};
  std::uint32_t tRRD_S{}, tRRD_L{}, tFAW{};
  std::uint32_t tWR{}, tWTR_S{}, tWTR_L{}, tRTP{}, tRTW{};
  std::uint32_t tRFC{}, tRFCSB{}, tREFI{}, tREFISB{}, tRREFD{};

  bool operator==(const HbmTimingCfg&) const = default;
  static void describe(Schema<HbmTimingCfg>& s);
};

enum class HbmScheduler { FrFcfs, Fcfs };
enum class HbmPagePolicy { Open, Closed, Adaptive };
enum class HbmRefresh { PerBank, AllBank, None };

struct HbmControllerCfg {
  std::uint32_t read_queue{};   // bursts per pseudo-channel
  std::uint32_t write_queue{};  // bursts per pseudo-channel
  std::uint32_t write_high{};   // start draining writes at this many queued writes
  std::uint32_t write_low{};    // stop draining at this many
  std::uint32_t write_max_wait{};  // cycles; drain anyway once the oldest write waited this long
  std::uint32_t conflict_max_wait{};  // cycles; then a bank's oldest burst closes its row to newer hits
  HbmScheduler scheduler{};
  HbmPagePolicy page_policy{};
  std::uint32_t adaptive_timeout{};  // cycles an idle open row stays open (adaptive)
  HbmRefresh refresh{};
  std::uint32_t refresh_postpone{};  // most refresh commands owed before refresh is forced
  std::vector<std::string> address_map;  // fields from the LSB above the burst offset: "bg:2"
  bool xor_bank_hash{};

  bool operator==(const HbmControllerCfg&) const = default;
  static void describe(Schema<HbmControllerCfg>& s);
};

// Per-event energies (DECISIONS.md D15): no public IDD values exist for HBM2E/HBM3.
struct HbmEnergyCfg {
  double act_pj{};            // per ACT (with its PRE)
  double read_pj_per_bit{};   // array + on-die data movement, per bit read
  double write_pj_per_bit{};  // per bit written
  double io_pj_per_bit{};     // interface, per bit moved
  double refpb_pj{};          // per REFpb
  double refab_pj{};          // per REFab
  double background_mw{};     // per pseudo-channel, always

  bool operator==(const HbmEnergyCfg&) const = default;
  static void describe(Schema<HbmEnergyCfg>& s);
};

// Contract: from load<>(), the organization is a power-of-two geometry, the address map covers
// each field exactly, and the timing satisfies every relation of hbm_timing_relations().
struct HbmCfg {
  std::string standard;
  double clock_hz{};
  HbmOrgCfg org;
  HbmTimingCfg timing;
  HbmControllerCfg controller;
  HbmEnergyCfg energy;

  // Peak data bandwidth of one stack in bytes per second.
  double peak_bytes_per_second() const {
    return static_cast<double>(org.pcs()) * org.burst_bytes / org.burst_cycles * clock_hz;
  }
  bool operator==(const HbmCfg&) const = default;
  static void describe(Schema<HbmCfg>& s);
};

// A relation the timing values of a preset must satisfy (D16), e.g. tRC >= tRAS + tRP. `key` is
// the left-hand key, named in the error; `lhs`/`rhs` are evaluated on the preset.
struct HbmTimingRelation {
  const char* key;
  const char* text;  // "tRC >= tRAS + tRP"
  std::int64_t (*lhs)(const HbmCfg&);
  std::int64_t (*rhs)(const HbmCfg&);
};
const std::vector<HbmTimingRelation>& hbm_timing_relations();

enum class MemPattern { Stream, Random, Strided, Trace };

struct MemTrafficCfg {
  MemPattern pattern{};
  std::uint32_t size{};  // bytes per request
  std::uint64_t stride{};
  double read_fraction{};
  double rate{};  // requests per memory cycle, 0 = saturating
  std::uint64_t requests{};
  std::uint64_t region{};  // bytes addressed from 0, 0 = the whole stack
  std::string trace;

  bool operator==(const MemTrafficCfg&) const = default;
  static void describe(Schema<MemTrafficCfg>& s);
};

struct MemConfig {
  std::uint64_t seed{};
  HbmCfg hbm;
  MemTrafficCfg traffic;
  LogLevel log_level{};

  bool operator==(const MemConfig&) const = default;
  static void describe(Schema<MemConfig>& s);
};

// One piece of the address map: `bits` address bits of `field`, taken in order from the LSB up.
enum class HbmField { Channel, PseudoChannel, Sid, BankGroup, Bank, Column, Row };
struct HbmMapPiece {
  HbmField field;
  std::uint32_t bits;
};
// Parses controller.address_map ("bg:2", "col:3", ...) against the organization: every field's
// pieces together must have exactly log2(its count) bits. Throws std::invalid_argument whose
// message starts with the index of the offending item ("[3]: ...") or is about the whole list.
std::vector<HbmMapPiece> parse_address_map(const std::vector<std::string>& items,
                                           const HbmOrgCfg& org);

std::string_view to_string(MemPattern p);
std::string_view to_string(HbmRefresh r);
std::string_view to_string(HbmPagePolicy p);
std::string_view to_string(HbmScheduler s);

}  // namespace snsim
