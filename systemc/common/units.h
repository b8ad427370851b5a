#pragma once
// Physical units in configs (DECISIONS.md D21): frequencies and times are written with their unit
// ("875MHz", "200ns") and converted to cycles of a clock domain, rounded up.

#include <cstdint>
#include <string>
#include <string_view>

namespace snsim {

// Parses "<number><unit>" with unit Hz, kHz, MHz or GHz (one optional space between) into Hz.
// The value must be finite and > 0. Throws std::invalid_argument quoting the text otherwise.
double parse_frequency(std::string_view text);

// Parses "<number><unit>" with unit s, ms, us (or µs), ns or ps into seconds. The value must be
// finite and >= 0. Throws std::invalid_argument quoting the text otherwise.
double parse_time(std::string_view text);

// Shortest text that parse_frequency / parse_time read back to the same value, in the largest unit
// whose magnitude is >= 1 ("875MHz", "1.2us"); used to echo the effective config.
std::string format_frequency(double hz);
std::string format_time(double seconds);

// ceil(x), except that x within 64 ulps (relative 1.4e-14) of an integer counts as that integer:
// decimal inputs such as 200e-9 * 875e6 land a few ulps above 175 and must not become 176.
double ceil_tolerant(double x);

// Cycles of a clock at `hz` needed to cover `seconds`, rounded up (see ceil_tolerant).
// Throws std::invalid_argument if seconds < 0, hz <= 0, or the result does not fit in 64 bits.
std::uint64_t time_to_cycles(double seconds, double hz);

}  // namespace snsim
