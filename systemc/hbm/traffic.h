#pragma once
// Request sources for a stack: the text trace format of `snsim mem --trace` and the built-in
// generator (stream, random, strided; read/write mix; a rate or saturating), and drive(), the
// loop that feeds a source into an HbmStack under back-pressure until every request completes.

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/rng.h"
#include "config/hbm_config.h"
#include "hbm/hbm_stack.h"

namespace snsim::hbm {

// One request of a trace or generator: submitted no earlier than `cycle`.
struct TraceEntry {
  Cycle cycle = 0;
  bool write = false;
  std::uint64_t address = 0;
  std::uint32_t size = 0;
  std::size_t line = 0;  // trace line (0: generated)
};

// "FILE:LINE: why" for a trace that does not parse or does not fit the stack.
class TraceError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads "cycle R|W address size" lines (address decimal or 0x hex; '#' starts a comment; cycles
// non-decreasing). Each entry is validated against `stack` (capacity, size, alignment).
// Throws TraceError.
std::vector<TraceEntry> read_trace(const std::string& path, const HbmStack& stack);

// The built-in generator of MemTrafficCfg. Deterministic in (cfg, seed).
class Generator {
 public:
  Generator(const MemTrafficCfg& cfg, std::uint64_t stack_bytes, std::uint64_t seed);
  // False when `requests` have been generated.
  bool next(TraceEntry& e);

 private:
  MemTrafficCfg cfg_;
  std::uint64_t region_;
  std::uint64_t i_ = 0;
  Rng addr_rng_, kind_rng_;
};

// Feeds `next` into `stack` until the source is exhausted and every request has completed;
// returns the cycle after the last completion. on_done sees each completion in (done, tag) order.
Cycle drive(HbmStack& stack, const std::function<bool(TraceEntry&)>& next,
            const std::function<void(const Completion&)>& on_done = {});

}  // namespace snsim::hbm
