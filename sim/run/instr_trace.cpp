#include "run/instr_trace.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace snsim::run {

namespace {

std::string_view stall_name(core::Stall s) {
  switch (s) {
    case core::Stall::Flag:
      return "flag";
    case core::Stall::Barrier:
      return "barrier";
    case core::Stall::QueueFull:
      return "queue_full";
    case core::Stall::Memory:
      return "memory";
  }
  return "?";
}

// "vadd.f32 x1, x2, x3" -> ("vadd.f32", "x1, x2, x3").
std::pair<std::string, std::string> split_instr(const core::InstrEvent& e) {
  const std::string text = isa::disassemble(*e.instr, e.pc);
  const std::size_t sp = text.find(' ');
  if (sp == std::string::npos) return {text, ""};
  const std::size_t rest = text.find_first_not_of(' ', sp);
  return {text.substr(0, sp), rest == std::string::npos ? "" : text.substr(rest)};
}

// (core, src pipe, dst pipe, event id, cycle) of a set_flag, or of the set a wait_flag consumed.
using FlagKey = std::tuple<unsigned, std::uint64_t, std::uint64_t, std::uint64_t, core::Cycle>;

FlagKey flag_key(unsigned core, const isa::Instr& in, core::Cycle at) {
  return {core, in.get(isa::Role::SrcPipe), in.get(isa::Role::DstPipe), in.get(isa::Role::Event), at};
}

}  // namespace

std::string trace_micros(std::uint64_t ps) { return fmt::format("{}.{:06}", ps / 1'000'000, ps % 1'000'000); }

void InstrRecorder::attach(core::Core& core, unsigned index) {
  const unsigned id = static_cast<unsigned>(cores_.size());
  cores_.push_back({core.name(), index});
  core.set_observer([this, id](const core::InstrEvent& e) { events_.push_back({id, e}); });
}

std::uint64_t InstrRecorder::picos(core::Cycle c) const {
  return static_cast<std::uint64_t>(std::llround(static_cast<double>(c) * 1e12 / clock_hz_));
}

void InstrRecorder::write_trace(const std::string& path, const std::vector<std::string>& extra) const {
  std::string out = "{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n";
  bool first = true;
  const auto add = [&](const std::string& line) {
    out += first ? "" : ",\n";
    out += line;
    first = false;
  };
  // 1. Names: a process per core, a thread per pipe that ran something.
  std::map<std::pair<unsigned, unsigned>, bool> lanes;
  for (const Record& r : events_) lanes[{r.core, static_cast<unsigned>(r.event.pipe)}] = true;
  for (std::size_t c = 0; c < cores_.size(); ++c) {
    const unsigned pid = cores_[c].index;
    add(fmt::format(R"({{"ph": "M", "name": "process_name", "pid": {}, "tid": 0, "args": {{"name": {}}}}})", pid,
                    nlohmann::json(cores_[c].name).dump()));
    add(fmt::format(R"({{"ph": "M", "name": "process_sort_index", "pid": {}, "tid": 0, "args": {{"sort_index": {}}}}})",
                    pid, pid));
  }
  for (const auto& [lane, used] : lanes) {
    add(fmt::format(R"({{"ph": "M", "name": "thread_name", "pid": {}, "tid": {}, "args": {{"name": "{}"}}}})",
                    cores_[lane.first].index, lane.second, isa::pipe_name(static_cast<isa::Pipe>(lane.second))));
    add(fmt::format(R"({{"ph": "M", "name": "thread_sort_index", "pid": {}, "tid": {}, "args": {{"sort_index": {}}}}})",
                    cores_[lane.first].index, lane.second, lane.second));
  }
  // 2. A slice per instruction, until it completes or the next instruction of its pipe starts
  // (whichever is first: slices of a lane must not overlap); its full cycles are in args.
  std::vector<core::Cycle> ends(events_.size());
  std::map<std::pair<unsigned, unsigned>, core::Cycle> next_start;
  for (std::size_t i = events_.size(); i-- > 0;) {
    const core::InstrEvent& e = events_[i].event;
    const std::pair<unsigned, unsigned> lane{events_[i].core, static_cast<unsigned>(e.pipe)};
    ends[i] = e.start + e.cycles;
    if (const auto it = next_start.find(lane); it != next_start.end()) ends[i] = std::min(ends[i], it->second);
    next_start[lane] = e.start;
  }
  // 3. A flow from each set_flag to the wait_flag that consumed it.
  std::map<FlagKey, std::size_t> sets;
  std::uint64_t flow = 0;
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const Record& r = events_[i];
    const core::InstrEvent& e = r.event;
    const unsigned pid = cores_[r.core].index, tid = static_cast<unsigned>(e.pipe);
    const auto [mnemonic, operands] = split_instr(e);
    std::string args = fmt::format(R"("pc": "0x{:x}", "operands": {}, "cycles": {})", e.pc,
                                   nlohmann::json(operands).dump(), e.cycles);
    if (e.stalled > 0) args += fmt::format(R"(, "stalled": {}, "stall": "{}")", e.stalled, stall_name(e.stall_reason));
    const std::string ts = trace_micros(picos(e.start));
    add(fmt::format(R"({{"ph": "X", "name": "{}", "cat": "{}", "pid": {}, "tid": {}, "ts": {}, "dur": {}, "args": {{{}}}}})",
                    mnemonic, isa::pipe_name(e.pipe), pid, tid, ts, trace_micros(picos(ends[i]) - picos(e.start)),
                    args));
    const isa::Op op = e.instr->op();
    if (op == isa::Op::SetFlag) sets[flag_key(r.core, *e.instr, e.start)] = i;
    if (op == isa::Op::WaitFlag && e.released_by != core::kNever) {
      const auto it = sets.find(flag_key(r.core, *e.instr, e.released_by));
      if (it == sets.end()) continue;
      const Record& s = events_[it->second];
      ++flow;
      add(fmt::format(R"({{"ph": "s", "name": "flag", "cat": "flag", "id": {}, "pid": {}, "tid": {}, "ts": {}}})",
                      flow, cores_[s.core].index, static_cast<unsigned>(s.event.pipe), trace_micros(picos(s.event.start))));
      add(fmt::format(R"({{"ph": "f", "bp": "e", "name": "flag", "cat": "flag", "id": {}, "pid": {}, "tid": {}, "ts": {}}})",
                      flow, pid, tid, ts));
    }
  }
  for (const std::string& e : extra) add(e);
  out += "\n]}\n";
  write_file_atomic(path, out);
}

void InstrRecorder::write_csv(const std::string& path) const {
  std::string out = "pc,core,pipe,mnemonic,start,cycles,stalled,stall_reason\n";
  for (const Record& r : events_) {
    const core::InstrEvent& e = r.event;
    out += fmt::format("0x{:x},{},{},{},{},{},{},{}\n", e.pc, cores_[r.core].name, isa::pipe_name(e.pipe),
                       split_instr(e).first, e.start, e.cycles, e.stalled,
                       e.stalled > 0 ? stall_name(e.stall_reason) : "");
  }
  write_file_atomic(path, out);
}

}  // namespace snsim::run
