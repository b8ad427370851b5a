#include "common/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <string>

namespace snsim {
namespace {

std::string format_sim_time(double seconds) {
  if (seconds >= 1.0) return fmt::format("{:.1f} s", seconds);
  if (seconds >= 1e-3) return fmt::format("{:.1f} ms", seconds * 1e3);
  if (seconds >= 1e-6) return fmt::format("{:.1f} us", seconds * 1e6);
  return fmt::format("{:.1f} ns", seconds * 1e9);
}

}  // namespace

Progress::Progress(std::uint64_t total_cycles, double clock_hz, std::optional<bool> enabled,
                   std::FILE* out, std::chrono::duration<double> min_interval)
    : total_cycles_(total_cycles),
      clock_hz_(clock_hz),
      enabled_(enabled.value_or(isatty(2) != 0)),
      out_(out),
      min_interval_(min_interval),
      start_(Clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::maybe_draw(std::uint64_t cycles_done) {
  const auto now = Clock::now();
  if (now - last_draw_ < min_interval_) return;
  last_draw_ = now;

  const double wall = std::chrono::duration<double>(now - start_).count();
  const double fraction =
      total_cycles_ == 0 ? 1.0
                         : static_cast<double>(cycles_done) / static_cast<double>(total_cycles_);
  std::string line = fmt::format("sim {} ({:.0f}%)  wall {:.1f} s",
                                 format_sim_time(static_cast<double>(cycles_done) / clock_hz_),
                                 fraction * 100.0, wall);
  if (fraction > 0.0 && fraction < 1.0) {
    line += fmt::format("  left ~{:.1f} s", wall * (1.0 - fraction) / fraction);
  }
  // Pad over the previous line, which may have been longer.
  const std::size_t width = line.size();
  if (width < drawn_width_) line.append(drawn_width_ - width, ' ');
  fmt::print(out_, "\r{}", line);
  std::fflush(out_);
  drawn_width_ = width;
}

void Progress::finish() {
  if (drawn_width_ == 0) return;
  fmt::print(out_, "\r{}\r", std::string(drawn_width_, ' '));
  std::fflush(out_);
  drawn_width_ = 0;
}

}  // namespace snsim
