#pragma once
// The commands a pseudo-channel controller issues, as the timing checker, the energy model and
// the waveform writer see them.

#include <cstdint>
#include <string_view>

namespace snsim::hbm {

using Cycle = std::uint64_t;

enum class Cmd : std::uint8_t { ACT, PRE, PREA, RD, WR, REFab, REFpb };
inline constexpr int kNumCmds = 7;

constexpr std::string_view to_string(Cmd c) {
  constexpr std::string_view names[] = {"ACT", "PRE", "PREA", "RD", "WR", "REFab", "REFpb"};
  return names[static_cast<int>(c)];
}
constexpr bool is_column(Cmd c) { return c == Cmd::RD || c == Cmd::WR; }

// The header of one command (D16: the checker sees only this). `bank` is the flat bank index in
// the pseudo-channel: (sid * bank_groups + bg) * banks_per_group + ba.
struct CmdRecord {
  Cycle cycle = 0;  // first command-bus cycle
  Cmd cmd = Cmd::ACT;
  std::uint16_t channel = 0;
  std::uint8_t pc = 0;
  std::uint8_t bank = 0;
  std::uint32_t row = 0;  // ACT: row opened; RD/WR: row accessed
  std::uint16_t column = 0;
};

// Anything that watches the command stream (checker, energy, waveform).
class CommandObserver {
 public:
  virtual ~CommandObserver() = default;
  virtual void on_command(const CmdRecord& c) = 0;
};

}  // namespace snsim::hbm
