// The barrier of two-thread networks (common/thread_timer.h): wait_for() and WorkerThread, on both of
// wait_for()'s paths: the spin (the other side is quick) and the sleep after kSpinNs (it is not).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "common/thread_timer.h"

namespace snsim {
namespace {

// Longer than the spin, so that wait_for() has gone to sleep when the value arrives.
constexpr auto kBeyondSpin = std::chrono::nanoseconds(4 * kSpinNs);

// A wrong value first, then the awaited one: after no delay and within the spin (wait_for returns
// from its spin), or after the spin (from its sleep).
TEST(WaitFor, ReturnsOnlyOnceTheValueArrivesWhetherSpinningOrAsleep) {
  const std::chrono::nanoseconds within_spin(kSpinNs / 20);
  struct Case {
    std::chrono::nanoseconds first, second;
  };
  for (const Case c : {Case{std::chrono::nanoseconds(0), std::chrono::nanoseconds(0)}, Case{within_spin, within_spin},
                       Case{within_spin, kBeyondSpin}, Case{kBeyondSpin, kBeyondSpin}}) {
    std::atomic<std::uint32_t> a{0};
    std::atomic<bool> stored{false};
    std::jthread setter([&] {
      std::this_thread::sleep_for(c.first);
      set_and_wake(a, 1);  // wait_for must not take it
      std::this_thread::sleep_for(c.second);
      stored.store(true, std::memory_order_relaxed);
      set_and_wake(a, 2);
    });
    wait_for(a, 2);
    EXPECT_EQ(a.load(), 2u);
    EXPECT_TRUE(stored.load(std::memory_order_relaxed))
        << "delays " << c.first.count() << " and " << c.second.count() << " ns";
  }
}

TEST(WorkerThread, EveryRunsWritesAreVisibleAfterItsWait) {
  // Runs that take no time (the caller is still spinning) and runs longer than the spin (the
  // caller sleeps, the worker waits for the next go() asleep): each wait() must see its run's write.
  std::vector<std::uint32_t> seen;
  std::uint32_t runs = 0;
  std::uint32_t value = 0;  // written by the worker only, read by this thread after wait()
  WorkerThread w;
  w.start([&] {
    ++runs;
    if (runs % 3 == 0) std::this_thread::sleep_for(kBeyondSpin);
    value = runs * 10;
  });
  for (std::uint32_t k = 1; k <= 12; ++k) {
    if (k % 4 == 0) std::this_thread::sleep_for(kBeyondSpin);  // the worker has gone to sleep
    w.go();
    w.wait();
    seen.push_back(value);
  }
  w.stop();
  ASSERT_EQ(seen.size(), 12u);
  for (std::uint32_t k = 1; k <= 12; ++k) EXPECT_EQ(seen[k - 1], k * 10) << "run " << k;
  EXPECT_FALSE(w.running());
}

}  // namespace
}  // namespace snsim
