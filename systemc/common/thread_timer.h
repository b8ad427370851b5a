// Two threads for a network's routers: ThreadTimer decides, cycle by cycle, whether they pay off,
// and the helpers below are what both networks that use them share (`snsim net`'s NetRun in
// sim/net/network_sim.cpp and the machine's NocFabric in noc/fabric.cpp; docs/network.md
// "Threads"). ThreadTimer is a template on the clock so that a test can drive it with a clock of
// its own (testbenches/system/test_network_sim.cpp).
#pragma once

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace snsim {

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

// Processor time of the calling thread, in ns (not wall time: the machine may be running other
// work, which would charge its time slices to whichever thread it preempted).
inline std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// How long wait_for() spins before it sleeps. On this project's 2-core VM the CM384 step's threads
// slept about once per network cycle with a spin of a few microseconds, and each sleep put a
// wake-up on the path of the next cycle; with this spin most waits end spinning, and two threads
// forced in every cycle of node8's MoE ran faster (docs/performance.md "Spinning at the barrier").
// Bounded, so that a thread whose partner lost its core to other work sleeps soon after and gives
// its core back.
inline constexpr std::int64_t kSpinNs = 200'000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Waits until a reaches want: spins up to kSpinNs, then sleeps in the kernel, so an oversubscribed
// machine does not lose a core to spinning. The value must come from set_and_wake(): its store is
// sequentially consistent, as is the wait, because libstdc++'s notify_one() skips the wake when it
// reads no sleeper, and a release store followed by that read could, in the memory model, miss a
// thread that has just gone to sleep.
inline void wait_for(const std::atomic<std::uint32_t>& a, std::uint32_t want) {
  if (a.load(std::memory_order_acquire) == want) return;  // there already: no clock read
  const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(kSpinNs);
  for (unsigned spin = 1;; ++spin) {
    if (a.load(std::memory_order_acquire) == want) return;
    cpu_relax();
    if (spin % 64 == 0 && std::chrono::steady_clock::now() > until) break;
  }
  for (std::uint32_t v = a.load(std::memory_order_acquire); v != want; v = a.load(std::memory_order_acquire)) {
    a.wait(v, std::memory_order_seq_cst);
  }
}

// Sets a to v and wakes a thread sleeping in wait_for(a, v).
inline void set_and_wake(std::atomic<std::uint32_t>& a, std::uint32_t v) {
  a.store(v, std::memory_order_seq_cst);
  a.notify_one();
}

// Calls a worker's work must leave to the thread that started it: SystemC's kernel is not
// thread-safe, so an event notification made while a WorkerThread runs work (a network
// interface's completion waking its die) is queued there and made by the main thread at
// WorkerThread::run_main_calls(), after the barrier and at the same simulation time. The
// notifications a cycle makes commute (an event keeps its earliest pending notification), so
// making them later in the same evaluation changes nothing. On any other thread f runs at once.
inline thread_local std::vector<std::function<void()>>* t_main_calls = nullptr;
template <class F>
void on_main_thread(F&& f) {
  if (t_main_calls != nullptr) {
    t_main_calls->emplace_back(std::forward<F>(f));
  } else {
    f();
  }
}

// The second thread: each go() runs `work` once on it while the caller does its own share, wait()
// is the barrier after which the caller may read what the work wrote. A cycle handshake: go_
// counts the runs started, done_ those finished; stop() ends the thread.
class WorkerThread {
 public:
  ~WorkerThread() { stop(); }
  bool running() const { return thread_.joinable(); }
  void start(std::function<void()> work) {
    stop();
    go_ = 0;
    done_ = 0;
    stop_ = false;
    ns_ = 0;
    work_ = std::move(work);
    thread_ = std::jthread([this] { loop(); });
  }
  void go() {
    set_and_wake(go_, go_.load(std::memory_order_relaxed) + 1);
  }
  void wait() { wait_for(done_, go_.load(std::memory_order_relaxed)); }
  void stop() {
    if (!thread_.joinable()) return;
    stop_.store(true, std::memory_order_relaxed);
    go();
    thread_.join();
  }
  // Makes the calls the work left to this thread (on_main_thread), in the order it left them. Call
  // after a barrier that follows them (wait(), or one of the work's own).
  void run_main_calls() {
    for (auto& f : main_calls_) f();
    main_calls_.clear();
  }
  // The worker's processor time in the work since the last call (call between wait() and go()).
  std::int64_t take_ns() {
    const std::int64_t ns = ns_;
    ns_ = 0;
    return ns;
  }

 private:
  void loop() {
    t_main_calls = &main_calls_;
    for (std::uint32_t run = 1;; ++run) {
      wait_for(go_, run);
      if (stop_.load(std::memory_order_relaxed)) return;
      const std::int64_t start = thread_cpu_ns();
      work_();
      ns_ += thread_cpu_ns() - start;  // written before done_, read after the wait for it
      set_and_wake(done_, run);
    }
  }

  std::function<void()> work_;
  std::vector<std::function<void()>> main_calls_;  // on_main_thread's, from the work
  std::atomic<std::uint32_t> go_{0}, done_{0};
  std::atomic<bool> stop_{false};
  std::int64_t ns_ = 0;
  std::jthread thread_;  // last: joined (by stop()) before the rest goes
};

// Where the boundary between the main thread's routers (0 .. split - 1, run beside the
// endpoints) and the worker's (split .. n - 1) goes next, from the processor time each thread
// spent in the same cycles: the worker's routers cost worker_ns / (n - split) each; what the main
// thread spent beyond its routers at that cost is the endpoints'. Equal shares: endpoints + s
// routers = n - s routers. Halfway there each time, so one noisy window (another job's cache
// traffic) moves it little. Keeps 1 <= split <= n - 1 (n >= 2).
inline std::uint32_t balanced_split(std::uint32_t n, std::uint32_t split, std::int64_t main_ns, std::int64_t worker_ns) {
  if (n < 2) return split;
  const double per_router = static_cast<double>(worker_ns) / static_cast<double>(n - split);
  const double endpoints = std::max(0.0, static_cast<double>(main_ns) - static_cast<double>(split) * per_router);
  const double target = per_router > 0 ? (static_cast<double>(n) - endpoints / per_router) / 2 : static_cast<double>(split);
  return static_cast<std::uint32_t>(
      std::clamp<std::int64_t>((std::int64_t{split} + std::llround(target)) / 2, 1, std::int64_t{n} - 1));
}

// Sorts `count` events by router, stably, keeping those of routers begin .. end - 1 (router_of(j)
// gives event j's), as indices: router begin + k's are order[at[k] .. at[k + 1]). `fill` is
// scratch. A group of routers stages a router's arrivals just before it steps, while its state is
// in cache, instead of touching every router once to stage and again to step.
template <class RouterOf>
void sort_by_router(std::size_t count, RouterOf router_of, std::uint32_t begin, std::uint32_t end,
                    std::vector<std::uint32_t>& at, std::vector<std::uint32_t>& order, std::vector<std::uint32_t>& fill) {
  at.assign(end - begin + 1, 0);
  for (std::size_t j = 0; j < count; ++j) {
    const std::uint32_t r = router_of(j);
    if (r >= begin && r < end) ++at[r - begin + 1];
  }
  for (std::size_t k = 1; k < at.size(); ++k) at[k] += at[k - 1];
  order.resize(at.back());
  fill.assign(at.begin(), at.end() - 1);
  for (std::uint32_t j = 0; j < count; ++j) {
    const std::uint32_t r = router_of(j);
    if (r >= begin && r < end) order[fill[r - begin]++] = j;
  }
}

}  // namespace snsim
