#include <gtest/gtest.h>

#include <stdexcept>

#include "common/units.h"

namespace snsim {
namespace {

TEST(Units, ParsesFrequencies) {
  EXPECT_DOUBLE_EQ(parse_frequency("875MHz"), 875e6);
  EXPECT_DOUBLE_EQ(parse_frequency("1.85GHz"), 1.85e9);
  EXPECT_DOUBLE_EQ(parse_frequency("1GHz"), 1e9);
  EXPECT_DOUBLE_EQ(parse_frequency("100 kHz"), 1e5);
  EXPECT_DOUBLE_EQ(parse_frequency("50Hz"), 50.0);
}

TEST(Units, ParsesTimes) {
  EXPECT_DOUBLE_EQ(parse_time("200ns"), 200e-9);
  EXPECT_DOUBLE_EQ(parse_time("1.2us"), 1.2e-6);
  EXPECT_DOUBLE_EQ(parse_time("5ps"), 5e-12);
  EXPECT_DOUBLE_EQ(parse_time("3ms"), 3e-3);
  EXPECT_DOUBLE_EQ(parse_time("7s"), 7.0);
  EXPECT_DOUBLE_EQ(parse_time("0ns"), 0.0);
}

TEST(Units, BadStringsThrowQuotingTheText) {
  for (const char* bad :
       {"", "MHz", "875", "875mhz", "875 MHz!", "abc", "1e999GHz", "0MHz", "-5MHz"}) {
    try {
      parse_frequency(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
  for (const char* bad : {"200", "10cycles", "1.2 sec", "ns", "-1ns", "2 h"}) {
    EXPECT_THROW(parse_time(bad), std::invalid_argument) << bad;
  }
}

TEST(Units, TimeToCyclesRoundsUpWithoutFloatingError) {
  // 200 ns at 875 MHz is exactly 175 cycles; the double product is a few ulps off.
  EXPECT_EQ(time_to_cycles(parse_time("200ns"), parse_frequency("875MHz")), 175u);
  EXPECT_EQ(time_to_cycles(parse_time("1.2us"), parse_frequency("875MHz")), 1050u);
  EXPECT_EQ(time_to_cycles(parse_time("1.2us"), parse_frequency("1.85GHz")), 2220u);
  EXPECT_EQ(time_to_cycles(parse_time("1ns"), parse_frequency("875MHz")), 1u);  // 0.875 -> 1
  EXPECT_EQ(time_to_cycles(parse_time("2ns"), parse_frequency("875MHz")), 2u);  // 1.75 -> 2
  EXPECT_EQ(time_to_cycles(0.0, 1e9), 0u);
  EXPECT_EQ(time_to_cycles(parse_time("1s"), parse_frequency("1GHz")), 1000000000u);
  EXPECT_EQ(time_to_cycles(1.0000001, 1e9), 1000000100u);
  EXPECT_THROW(time_to_cycles(-1e-9, 1e9), std::invalid_argument);
  EXPECT_THROW(time_to_cycles(1e-9, 0.0), std::invalid_argument);
}

TEST(Units, FormattingReadsBackExactly) {
  EXPECT_EQ(format_frequency(875e6), "875MHz");
  EXPECT_EQ(format_frequency(parse_frequency("1.85GHz")), "1.85GHz");
  EXPECT_EQ(format_time(parse_time("200ns")), "200ns");
  EXPECT_EQ(format_time(parse_time("1.2us")), "1.2us");
  EXPECT_EQ(format_time(0.0), "0s");
  for (double hz : {1.0, 999.0, 1.5625e9, 123456789.123}) {
    EXPECT_EQ(parse_frequency(format_frequency(hz)), hz);
  }
  for (double s : {1e-12, 3.3e-9, 0.1, 7.0, 1.0 / 3.0}) EXPECT_EQ(parse_time(format_time(s)), s);
}

}  // namespace
}  // namespace snsim
