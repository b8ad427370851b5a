#pragma once
// Leveled logging to a stream (stderr by default), owned by the simulation and passed by
// reference: no global logger, so tests and several simulations in one process stay independent.

#include <fmt/format.h>

#include <cstdio>
#include <string_view>
#include <utility>

namespace snsim {

enum class LogLevel { Error = 0, Warn = 1, Info = 2, Debug = 3, Trace = 4 };

// "error", "warn", "info", "debug", "trace".
std::string_view to_string(LogLevel level);

// Inverse of to_string. Throws std::invalid_argument listing the valid names.
LogLevel parse_log_level(std::string_view name);

// Contract: a message is written, as one "[level] text\n" line, iff its level is at or below the
// current level (default warn: quiet unless something is wrong). A disabled call costs one
// comparison: its arguments are not formatted.
class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::Warn, std::FILE* out = stderr)
      : level_(level), out_(out) {}

  void set_level(LogLevel level) { level_ = level; }
  void set_level(std::string_view name) { level_ = parse_log_level(name); }
  LogLevel level() const { return level_; }
  bool enabled(LogLevel level) const { return level <= level_; }

  template <class... Args>
  void error(fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::Error, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::Warn, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void info(fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::Info, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void debug(fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::Debug, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void trace(fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::Trace, f, std::forward<Args>(args)...);
  }

  template <class... Args>
  void log(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
    if (!enabled(level)) return;
    write(level, fmt::vformat(f, fmt::make_format_args(args...)));
  }

 private:
  void write(LogLevel level, std::string_view message);

  LogLevel level_;
  std::FILE* out_;
};

}  // namespace snsim
