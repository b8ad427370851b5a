#include "common/log.h"

#include <array>
#include <stdexcept>

namespace snsim {
namespace {

constexpr std::array<std::string_view, 5> kLevelNames{"error", "warn", "info", "debug", "trace"};

}  // namespace

std::string_view to_string(LogLevel level) {
  return kLevelNames.at(static_cast<std::size_t>(level));
}

LogLevel parse_log_level(std::string_view name) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == name) return static_cast<LogLevel>(i);
  }
  throw std::invalid_argument(
      fmt::format("unknown log level '{}' (valid: {})", name, fmt::join(kLevelNames, ", ")));
}

void Logger::write(LogLevel level, std::string_view message) {
  // One fmt::print per line: stdio locks the stream per call, so lines of concurrent writers
  // do not interleave.
  fmt::print(out_, "[{}] {}\n", to_string(level), message);
}

}  // namespace snsim
