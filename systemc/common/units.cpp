#include "common/units.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace snsim {
namespace {

struct UnitScale {
  std::string_view name;
  double scale;
};

constexpr std::array<UnitScale, 4> kFrequencyUnits{
    {{"GHz", 1e9}, {"MHz", 1e6}, {"kHz", 1e3}, {"Hz", 1.0}}};
constexpr std::array<UnitScale, 6> kTimeUnits{
    {{"s", 1.0}, {"ms", 1e-3}, {"us", 1e-6}, {"µs", 1e-6}, {"ns", 1e-9}, {"ps", 1e-12}}};

// Splits "<number>[ ]<unit>" and scales; `what` names the quantity in error messages.
template <std::size_t N>
double parse_with_units(std::string_view text, const std::array<UnitScale, N>& units,
                        std::string_view what, std::string_view unit_list) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  double number = 0.0;
  auto [ptr, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc() || ptr == begin) {
    throw std::invalid_argument(fmt::format(
        "'{}' is not a {}: expected a number followed by a unit ({})", text, what, unit_list));
  }
  std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
  if (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  for (const auto& u : units) {
    if (unit == u.name) {
      if (!std::isfinite(number)) {
        throw std::invalid_argument(fmt::format("'{}' is not a finite {}", text, what));
      }
      return number * u.scale;
    }
  }
  if (unit.empty()) {
    throw std::invalid_argument(fmt::format("'{}' is missing a unit: write the {} as e.g. '{}{}'",
                                            text, what, text, units[1].name));
  }
  throw std::invalid_argument(fmt::format("'{}' has unknown {} unit '{}' (expected one of {})",
                                          text, what, unit, unit_list));
}

// Picks the largest unit with magnitude >= 1, then the fewest significant digits that read back
// to exactly `value`, so that an echoed config loads to the same numbers.
template <std::size_t N>
std::string format_with_units(double value, const std::array<UnitScale, N>& units) {
  for (const auto& u : units) {
    if (u.name == "µs") continue;  // "us" is the ASCII spelling that we echo
    if (std::fabs(value) < u.scale && u.scale != units.back().scale) continue;
    for (int digits = 1; digits <= 17; ++digits) {
      const std::string mantissa = fmt::format("{:.{}g}", value / u.scale, digits);
      if (mantissa.find('e') != std::string::npos) continue;  // "2e+02ns" reads back but is ugly
      double back = 0.0;
      std::from_chars(mantissa.data(), mantissa.data() + mantissa.size(), back);
      if (back * u.scale == value) return mantissa + std::string(u.name);
    }
    break;
  }
  // No decimal in a scaled unit reproduces the value: fall back to the base unit, exact by
  // construction because the scale is 1.
  return fmt::format("{}{}", value,
                     units.front().scale == 1.0 ? units.front().name : units.back().name);
}

}  // namespace

double parse_frequency(std::string_view text) {
  const double hz = parse_with_units(text, kFrequencyUnits, "frequency", "Hz, kHz, MHz, GHz");
  if (!(hz > 0.0)) {
    throw std::invalid_argument(fmt::format("frequency '{}' must be greater than zero", text));
  }
  return hz;
}

double parse_time(std::string_view text) {
  const double s = parse_with_units(text, kTimeUnits, "time", "s, ms, us, ns, ps");
  if (s < 0.0) throw std::invalid_argument(fmt::format("time '{}' must not be negative", text));
  return s;
}

std::string format_frequency(double hz) { return format_with_units(hz, kFrequencyUnits); }

std::string format_time(double seconds) {
  if (seconds == 0.0) return "0s";
  return format_with_units(seconds, kTimeUnits);
}

double ceil_tolerant(double x) {
  // 64 ulps: a product of two decimally parsed values is off by a few ulps, while a genuine
  // fraction of a cycle, even at 1e12 cycles, is far larger than this.
  constexpr double kTolerance = 64 * std::numeric_limits<double>::epsilon();
  const double nearest = std::round(x);
  if (std::fabs(x - nearest) <= kTolerance * std::fmax(1.0, std::fabs(x))) return nearest;
  return std::ceil(x);
}

std::uint64_t time_to_cycles(double seconds, double hz) {
  if (!(seconds >= 0.0) || !std::isfinite(seconds)) {
    throw std::invalid_argument(fmt::format("time_to_cycles: bad time {} s", seconds));
  }
  if (!(hz > 0.0) || !std::isfinite(hz)) {
    throw std::invalid_argument(fmt::format("time_to_cycles: bad frequency {} Hz", hz));
  }
  const double cycles = ceil_tolerant(seconds * hz);
  if (cycles >= 18446744073709551616.0) {
    throw std::invalid_argument(
        fmt::format("time_to_cycles: {} s at {} Hz does not fit in 64 bits", seconds, hz));
  }
  return static_cast<std::uint64_t>(cycles);
}

}  // namespace snsim
