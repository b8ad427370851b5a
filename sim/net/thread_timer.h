// ThreadTimer: decides, cycle by cycle, whether `snsim net --threads 2` steps the routers on two
// threads or one (NetRun in network_sim.cpp; docs/network.md "Threads"). A template on the clock
// so that a test can drive it with a clock of its own (testbenches/system/test_network_sim.cpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace snsim::net {

// Chooses, at the start of each period, whether two threads or one step the routers, by timing
// windows of each: on a machine whose cores are busy with other work, a barrier per cycle can cost
// more than the second thread saves (each wait then lasts until the scheduler runs the other
// thread). The windows run one thread, two, then one again, and the two are compared with the mean
// of the one-thread windows, so traffic that grows or shrinks steadily does not bias the choice.
// Two threads lose at once when they take longer than the whole one-thread window, which bounds
// what a probe costs on a busy machine. A period lasts 16,384 cycles after two threads won, twice
// the last one (up to 2^20) after they lost, so a machine where they keep losing spends little
// time finding out again. A period also ends once it has lasted kTimeFactor times its probe's time
// (doubled after each loss, up to kMaxTimeFactor), because a cycle's cost changes with the traffic:
// a run's first probe sees an empty network, where a cycle takes microseconds and the barrier
// decides, and a CM384 all-to-all then spends milliseconds per cycle; by cycles alone its first
// loss held for 32,768 cycles, the whole run (measured: 243 s on one core with both free).
// Only the speed depends on the choice, never the results.
template <class Clock>
class ThreadTimer {
 public:
  static constexpr std::uint64_t kWindow = 256, kFirstPeriod = 16384, kLongestPeriod = 1u << 20;
  static constexpr unsigned kTimeFactor = 16, kMaxTimeFactor = 1024, kTimeCheckCycles = 16;
  // Called once at the start of every cycle; returns whether this cycle runs on two threads.
  bool parallel() {
    if (at_ <= 3 * kWindow) {
      const auto now = Clock::now();
      if (at_ == 0) probe_start_ = now;
      if (at_ == kWindow) {
        solo_time_ = now - start_;
      } else if (at_ > kWindow && at_ < 2 * kWindow && now - start_ > solo_time_) {
        decide(false, now);  // two threads already took longer than the whole one-thread window
      } else if (at_ == 2 * kWindow) {
        parallel_time_ = now - start_;
      } else if (at_ == 3 * kWindow) {
        decide(2 * parallel_time_ < solo_time_ + (now - start_), now);
      }
      if (at_ % kWindow == 0) start_ = now;
    } else if (at_ % kTimeCheckCycles == 0 && Clock::now() > deadline_) {
      at_ = 0;  // the period has lasted long enough in time: probe again from this cycle
      return parallel();
    }
    const bool two = at_ < 3 * kWindow ? at_ >= kWindow && at_ < 2 * kWindow : parallel_wins_;
    if (++at_ == period_) at_ = 0;
    return two;
  }

 private:
  void decide(bool parallel_wins, typename Clock::time_point now) {
    parallel_wins_ = parallel_wins;
    period_ = parallel_wins ? kFirstPeriod : std::min(2 * period_, kLongestPeriod);
    time_factor_ = parallel_wins ? kTimeFactor : std::min(2 * time_factor_, kMaxTimeFactor);
    deadline_ = now + (now - probe_start_) * time_factor_;
    at_ = 3 * kWindow + 1;  // past the windows, for the rest of the period
  }

  std::uint64_t at_ = 0;  // cycles into the period
  std::uint64_t period_ = kFirstPeriod;
  unsigned time_factor_ = kTimeFactor / 2;  // a first loss doubles it to kTimeFactor; a win sets it
  typename Clock::time_point start_{}, probe_start_{}, deadline_{};  // deadline_: the period ends by time
  typename Clock::duration solo_time_{}, parallel_time_{};
  bool parallel_wins_ = true;
};

}  // namespace snsim::net
