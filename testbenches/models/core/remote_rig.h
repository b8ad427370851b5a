#pragma once
// A test bench for the cores on a machine (issue 6): a fake machine memory whose die 1 is reached
// only through start_async, with fixed or scripted latencies, and a driver that delivers its
// completions and steps the cores as a die model would (test_remote.cpp, test_random_programs.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "rig.h"

namespace snsim::core::test {

// Die 1's memory starts at its first byte; die 0 (the cores' own) has a region just below the
// boundary, so that one copy can reach both.
constexpr std::uint64_t kFar = global_addr(1, 0);
constexpr std::uint64_t kFarBytes = 64 * 1024;
constexpr std::uint64_t kEdge = kFar - 4096;  // die 0: [kEdge, kFar)
constexpr std::uint64_t kLocal = 0x10000;     // die 0: [kLocal, kLocal + 64 KiB)

// Die 0 is `local` (synchronous, as SimpleGm); die 1's [kFar, kFar + kFarBytes) is reached only by
// start_async. An access completes `latency` cycles after it started, or after the next latency of
// `script`; its effect (reading or writing the far bytes) happens when it is delivered.
class FakeMachineGm : public GlobalMemory {
 public:
  struct Started {
    Cycle at;
    AsyncKind kind;
    std::uint64_t addr, src, len;
    std::vector<std::uint8_t> data;
  };

  FakeMachineGm(SimpleGm& local, Cycle latency) : far(kFarBytes), local_(local), latency_(latency) {}

  bool mapped(std::uint64_t addr, std::uint64_t len) const override { return local_.mapped(addr, len); }
  void read(std::uint64_t addr, std::span<std::uint8_t> out) const override { local_.read(addr, out); }
  void write(std::uint64_t addr, std::span<const std::uint8_t> in) override { local_.write(addr, in); }
  Timing transfer(Cycle now, const GmAccess& access) override { return local_.transfer(now, access); }
  bool remote(std::uint64_t addr, std::uint64_t len) const override {
    return addr >= kFar && len <= kFarBytes && addr - kFar <= kFarBytes - len;
  }
  void start_async(Cycle now, AsyncAccess access, AsyncDone done) override {
    Cycle latency = latency_;
    if (!script.empty()) {
      latency = script.front();
      script.pop_front();
    }
    started.push_back({now, access.kind, access.addr, access.src, access.len, access.data});
    pending_.push_back({now + latency, next_seq_++, std::move(access), std::move(done)});
  }

  // The earliest completion not yet delivered, kNever if none.
  Cycle next_due() const {
    Cycle due = kNever;
    for (const Pending& p : pending_) due = std::min(due, p.complete);
    return due;
  }
  // Performs and delivers the earliest completion (ties: in order of start).
  void deliver_next() {
    auto it = std::min_element(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
      return std::pair(a.complete, a.seq) < std::pair(b.complete, b.seq);
    });
    Pending p = std::move(*it);
    pending_.erase(it);
    std::vector<std::uint8_t> out;
    std::string error;
    if (!fail.empty()) {
      error = fail;
      fail.clear();
    } else {
      perform(p.access, out);
    }
    p.done(p.complete, out, error);
  }

  std::vector<std::uint8_t> far;  // die 1's bytes
  std::deque<Cycle> script;       // latencies of the next accesses started
  std::string fail;               // the next access delivered fails with this message
  std::vector<Started> started;

 private:
  struct Pending {
    Cycle complete;
    std::uint64_t seq;
    AsyncAccess access;
    AsyncDone done;
  };
  std::uint8_t* far_at(std::uint64_t addr) { return far.data() + (addr - kFar); }
  void perform(const AsyncAccess& a, std::vector<std::uint8_t>& out) {
    switch (a.kind) {
      case AsyncKind::read: out.assign(far_at(a.addr), far_at(a.addr) + a.len); break;
      case AsyncKind::write:
      case AsyncKind::notify: std::memcpy(far_at(a.addr), a.data.data(), a.data.size()); break;
      case AsyncKind::atomic_add: {
        std::uint64_t old, add;
        std::memcpy(&old, far_at(a.addr), 8);
        std::memcpy(&add, a.data.data(), 8);
        const std::uint64_t sum = old + add;
        std::memcpy(far_at(a.addr), &sum, 8);
        out.resize(8);
        std::memcpy(out.data(), &old, 8);
        break;
      }
      case AsyncKind::copy: {
        std::vector<std::uint8_t> bytes(a.len);
        if (remote(a.src, a.len))
          std::memcpy(bytes.data(), far_at(a.src), a.len);
        else
          local_.read(a.src, bytes);
        if (remote(a.addr, a.len))
          std::memcpy(far_at(a.addr), bytes.data(), a.len);
        else
          local_.write(a.addr, bytes);
        break;
      }
    }
  }

  SimpleGm& local_;
  Cycle latency_;
  std::vector<Pending> pending_;
  std::uint64_t next_seq_ = 0;
};

// A die model's loop in miniature: steps the cores at the cycles they can change state, delivers
// the memory's completions in between and learns from the cores' wakers when to step them next.
// `hook(now)` runs after each stepped cycle (it may write memory and poke cores; true if it changed
// anything); the loop also stops at each cycle of `alarms` (the test's own events). With
// `poke_on_progress`, gwait-blocked cores are poked after every progress cycle.
struct Driver {
  RunResult run(std::span<Core* const> cores, FakeMachineGm& mem, Cycle max_cycles = 1'000'000) {
    Cycle wake = kNever;
    for (Core* c : cores) c->set_waker([&wake](Cycle at) { wake = std::min(wake, at); });
    wakes.clear();
    for (Cycle now = 0;;) {
      bool done = true;
      for (const Core* c : cores) done = done && c->finished(now);
      if (done) return {RunResult::Status::Finished, now, {}};
      if (now >= max_cycles) return {RunResult::Status::Timeout, now, {}};
      bool progress = false;
      try {
        for (Core* c : cores) progress |= c->step(now);
      } catch (const CoreFault& f) {
        return {RunResult::Status::Fault, now, f.what()};
      }
      if (hook) progress |= hook(now);
      if (progress && poke_on_progress)
        for (Core* c : cores)
          if (c->waiting_on_memory()) c->poke(now + 1);
      Cycle next = progress ? now + 1 : kNever;
      if (!progress)
        for (const Core* c : cores) next = std::min(next, c->next_event(now));
      if (const auto a = alarms.upper_bound(now); a != alarms.end()) next = std::min(next, *a);
      while (mem.next_due() != kNever && mem.next_due() <= next) {
        const Cycle due = mem.next_due();
        wake = kNever;
        mem.deliver_next();
        if (wake != kNever) {
          EXPECT_GE(wake, due);  // never earlier than the completion
          wakes.push_back(wake);
        }
        next = std::min(next, wake);
      }
      if (next == kNever) {
        std::string report = "deadlock\n";
        for (const Core* c : cores) report += c->blocked_report(now);
        return {RunResult::Status::Deadlock, now, report};
      }
      now = next;
    }
  }
  RunResult run(Core& core, FakeMachineGm& mem) {
    Core* list[] = {&core};
    return run(list, mem);
  }

  std::function<bool(Cycle)> hook;
  bool poke_on_progress = true;
  std::set<Cycle> alarms;
  std::vector<Cycle> wakes;
};

// A rig whose cores see the fake machine memory.
struct RemoteRig : Rig {
  explicit RemoteRig(Cycle latency = 100) : fake(gm, latency) {
    gm.map(kLocal, 64 * 1024);
    gm.map(kEdge, kFar - kEdge);
    front = &fake;
  }
  Core& add_core(const std::string& body, const std::string& type = "aiv", LaunchInfo launch = {}) {
    launch.type = type == "aic" ? isa::CoreType::Aic : isa::CoreType::Aiv;
    Core& c = add(assemble(body, type), launch);
    c.set_observer([this](const InstrEvent& e) { events.push_back(e); });
    return c;
  }
  RunResult drive(Cycle max_cycles = 1'000'000) {
    std::vector<Core*> list;
    for (auto& c : cores) list.push_back(c.get());
    return driver.run(list, fake, max_cycles);
  }
  // The first event of an instruction with this mnemonic.
  const InstrEvent& event(std::string_view mnemonic) const {
    for (const InstrEvent& e : events)
      if (e.instr->mnemonic() == mnemonic) return e;
    throw std::runtime_error(fmt::format("no {} event", mnemonic));
  }

  FakeMachineGm fake;
  Driver driver;
  std::vector<InstrEvent> events;
};

}  // namespace snsim::core::test
