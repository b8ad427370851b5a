#pragma once
// Per-instruction records of a `snsim run` (issue 5 §3), collected from core::InstrObserver and
// written as
// - a Chrome / Perfetto JSON trace (the "Trace Event Format"): one process per core, one thread
//   per pipe, each instruction a complete ('X') slice named by its mnemonic with its operands,
//   pc and stall in args, and a flow ('s' -> 'f', bound to the enclosing slices) from each
//   set_flag to the wait_flag it released. Times are microseconds of simulated time, computed
//   from whole picoseconds so that slices of one pipe never overlap by rounding;
// - a CSV table: pc, core, pipe, mnemonic, start, cycles, stalled, stall_reason.
// Both are written atomically (write_file_atomic), so a run that faults still leaves readable files.

#include <cstdint>
#include <string>
#include <vector>

#include "core/core.h"

namespace snsim::run {

// Picoseconds as trace time (microseconds): "12.345678".
std::string trace_micros(std::uint64_t ps);

class InstrRecorder {
 public:
  // `clock_hz` converts cycles to trace time.
  explicit InstrRecorder(double clock_hz) : clock_hz_(clock_hz) {}

  // Records every instruction `core` starts from now on. `index` orders the processes of the trace.
  void attach(core::Core& core, unsigned index);

  std::size_t size() const { return events_.size(); }
  // `extra`: more trace events (JSON objects, one per string) written after the instructions'.
  void write_trace(const std::string& path, const std::vector<std::string>& extra = {}) const;
  void write_csv(const std::string& path) const;

 private:
  struct Record {
    unsigned core;  // index into cores_
    core::InstrEvent event;
  };
  struct CoreInfo {
    std::string name;
    unsigned index;
  };
  std::uint64_t picos(core::Cycle c) const;  // simulated time of cycle c

  double clock_hz_;
  std::vector<CoreInfo> cores_;
  std::vector<Record> events_;
};

}  // namespace snsim::run
