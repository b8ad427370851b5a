#pragma once
// A waveform of an HBM stack's buses for GTKWave: per channel the row and column command buses
// (a command code while a command occupies the bus) and per pseudo-channel the data bus (1 while
// data moves) and the bank of its last command. Codes: row 1 ACT, 2 PRE, 3 PREA, 4 REFab,
// 5 REFpb; column 1 RD, 2 WR. Times in ps of the memory clock.

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "config/hbm_config.h"
#include "hbm/command.h"

namespace snsim::hbm {

class VcdWriter : public CommandObserver {
 public:
  // Throws std::runtime_error if the file cannot be written. Records cycles < max_cycles
  // (0: all).
  VcdWriter(const std::string& path, const HbmCfg& cfg, Cycle max_cycles);
  ~VcdWriter() override;
  void on_command(const CmdRecord& c) override;
  // Writes what is pending up to `end` and closes the file.
  void finish(Cycle end);

 private:
  struct Change {
    std::uint32_t signal;
    std::uint32_t value;
  };
  void schedule(Cycle at, std::uint32_t signal, std::uint32_t value);
  void flush_before(Cycle t);

  std::FILE* f_;
  HbmCfg cfg_;
  Cycle max_cycles_;
  double ps_per_cycle_;
  std::vector<std::string> ids_;
  std::vector<std::uint32_t> widths_;
  std::multimap<Cycle, Change> pending_;
};

}  // namespace snsim::hbm
