#pragma once
// A one-line progress report for long runs, written to a terminal only.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace snsim {

// Contract: update() may be called every simulated cycle. It reads the wall clock only once per
// kCallsPerClockRead calls and redraws a single \r-overwritten line at most every min_interval
// of wall time:  "sim 12.3 us (45%)  wall 3.2 s  left ~4.0 s". finish() erases that line (if any
// was drawn). When disabled (the default unless stderr is a terminal) every call is a no-op,
// so logs and CI output never contain carriage returns.
class Progress {
 public:
  static constexpr std::uint32_t kCallsPerClockRead = 4096;

  // enabled: std::nullopt means "only if isatty(2)".
  Progress(std::uint64_t total_cycles, double clock_hz, std::optional<bool> enabled = std::nullopt,
           std::FILE* out = stderr,
           std::chrono::duration<double> min_interval = std::chrono::milliseconds(500));
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(std::uint64_t cycles_done) {
    if (!enabled_ || ++calls_ < kCallsPerClockRead) return;
    calls_ = 0;
    maybe_draw(cycles_done);
  }

  void finish();

  bool enabled() const { return enabled_; }

 private:
  using Clock = std::chrono::steady_clock;

  void maybe_draw(std::uint64_t cycles_done);

  std::uint64_t total_cycles_;
  double clock_hz_;
  bool enabled_;
  std::FILE* out_;
  std::chrono::duration<double> min_interval_;
  std::uint32_t calls_ = 0;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  std::size_t drawn_width_ = 0;  // characters of the line on screen, 0 if none
};

}  // namespace snsim
