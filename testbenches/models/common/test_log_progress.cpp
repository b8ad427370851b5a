#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "common/log.h"
#include "common/progress.h"

namespace snsim {
namespace {

// Captures what a FILE* receives.
class Capture {
 public:
  Capture() : f_(std::tmpfile()) {}
  ~Capture() { std::fclose(f_); }
  std::FILE* file() { return f_; }
  std::string text() {
    std::fflush(f_);
    std::rewind(f_);
    std::string s;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f_)) > 0) s.append(buf, n);
    return s;
  }

 private:
  std::FILE* f_;
};

struct CountsFormats {
  int* count;
};

}  // namespace
}  // namespace snsim

template <>
struct fmt::formatter<snsim::CountsFormats> : fmt::formatter<int> {
  auto format(const snsim::CountsFormats& c, format_context& ctx) const {
    ++*c.count;
    return fmt::formatter<int>::format(*c.count, ctx);
  }
};

namespace snsim {
namespace {

TEST(Logger, DefaultIsWarnAndPrefixesTheLevel) {
  Capture cap;
  Logger log(LogLevel::Warn, cap.file());
  log.error("bad {}", 1);
  log.warn("careful {}", "x");
  log.info("hidden");
  log.debug("hidden");
  EXPECT_EQ(cap.text(), "[error] bad 1\n[warn] careful x\n");
  EXPECT_EQ(Logger().level(), LogLevel::Warn);
}

TEST(Logger, SetLevelByNameAndRejectUnknownNames) {
  Capture cap;
  Logger log(LogLevel::Warn, cap.file());
  log.set_level("trace");
  log.trace("t{}", 2);
  EXPECT_EQ(cap.text(), "[trace] t2\n");
  try {
    log.set_level("verbose");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    for (const char* name : {"verbose", "error", "warn", "info", "debug", "trace"}) {
      EXPECT_NE(msg.find(name), std::string::npos) << msg;
    }
  }
}

TEST(Logger, DisabledMessagesAreNotFormatted) {
  Capture cap;
  Logger log(LogLevel::Warn, cap.file());
  int formats = 0;
  log.debug("{}", CountsFormats{&formats});
  EXPECT_EQ(formats, 0);
  log.warn("{}", CountsFormats{&formats});
  EXPECT_EQ(formats, 1);
}

TEST(Progress, DisabledPrintsNothing) {
  Capture cap;
  Progress p(1000000, 875e6, false, cap.file(), std::chrono::seconds(0));
  for (int i = 0; i < 20000; ++i) p.update(static_cast<std::uint64_t>(i));
  p.finish();
  EXPECT_EQ(cap.text(), "");
}

TEST(Progress, DrawsOneOverwrittenLineAndClearsIt) {
  Capture cap;
  {
    Progress p(875000, 875e6, true, cap.file(), std::chrono::seconds(0));
    for (std::uint32_t i = 1; i < Progress::kCallsPerClockRead; ++i) p.update(i);
    EXPECT_EQ(cap.text(), "") << "the clock is read only every kCallsPerClockRead calls";
    p.update(437500);  // half of 1 ms simulated
    const std::string line = cap.text();
    EXPECT_EQ(line.rfind("\rsim 500.0 us (50%)  wall ", 0), 0u) << line;
    EXPECT_NE(line.find("left ~"), std::string::npos) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);
  }
  const std::string all = cap.text();
  EXPECT_EQ(all.back(), '\r') << "the destructor clears the line";
}

}  // namespace
}  // namespace snsim
