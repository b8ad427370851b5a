#include "run/net_trace.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "config/net_config.h"
#include "run/instr_trace.h"

namespace snsim::run {

std::vector<bool> parse_die_list(const std::string& spec, std::uint32_t dies) {
  std::vector<bool> mask(dies, spec == "all");
  if (spec == "all") return mask;
  const auto number = [&](const std::string& part, const std::string& text) {
    std::size_t used = 0;
    unsigned long v = 0;
    try {
      v = std::stoul(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (text.empty() || used != text.size() || text.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument(fmt::format("'{}' is not a die id or a range of them (e.g. 0,2-5 or all)", part));
    if (v >= dies) throw std::invalid_argument(fmt::format("die {} does not exist (dies 0..{})", text, dies - 1));
    return static_cast<std::uint32_t>(v);
  };
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string part = spec.substr(start, comma - start);
    const std::size_t dash = part.find('-');
    const std::uint32_t lo = number(part, part.substr(0, dash));
    const std::uint32_t hi = dash == std::string::npos ? lo : number(part, part.substr(dash + 1));
    if (hi < lo) throw std::invalid_argument(fmt::format("'{}' is a reversed range", part));
    for (std::uint32_t d = lo; d <= hi; ++d) mask[d] = true;
    start = comma + 1;
  }
  return mask;
}

NetTrace::NetTrace(npu::Machine& m, const std::vector<bool>& dies, const std::string& router_glob,
                   const std::function<unsigned(std::uint32_t)>& die_pid, unsigned first_router_pid)
    : m_(m), net_hz_(1.0 / m.fabric().period().to_seconds()) {
  const noc::Topology& topo = m.fabric().topology();
  const auto meta = [&](unsigned pid, const std::string& name) {
    events_.push_back(fmt::format(R"({{"ph": "M", "name": "process_name", "pid": {}, "tid": 0, "args": {{"name": {}}}}})",
                                  pid, nlohmann::json(name).dump()));
    events_.push_back(fmt::format(
        R"({{"ph": "M", "name": "process_sort_index", "pid": {}, "tid": 0, "args": {{"sort_index": {}}}}})", pid, pid));
  };
  // 1. Dies: the NI's command slots (named as they are first used) and its links into the network.
  for (std::uint32_t d = 0; d < m.num_dies(); ++d) {
    if (!dies[d]) continue;
    const unsigned pid = die_pid(d);
    meta(pid, fmt::format("die{}.ni", d));
    const std::uint32_t ep = topo.endpoints()[d];
    for (unsigned p = 0; p < topo.nodes()[ep].ports; ++p)
      if (const std::uint32_t ch = topo.out_channel({ep, p}); ch != noc::kNoChannel)
        tracks_.push_back({ch, pid, fmt::format("port{} flits/cycle", p)});
    // The observer writes this trace's events, shared by every die: the NIs stay on one thread.
    m.fabric().set_endpoint_threads(false);
    m.ni(d).on_complete([this, pid, used = std::vector<bool>()](const noc::UbCommandSpan& c) mutable {
      if (c.slot >= used.size()) used.resize(c.slot + 1u, false);
      if (!used[c.slot]) {
        used[c.slot] = true;
        events_.push_back(fmt::format(
            R"({{"ph": "M", "name": "thread_name", "pid": {}, "tid": {}, "args": {{"name": "slot {}"}}}})", pid,
            c.slot + 1, c.slot));
      }
      events_.push_back(fmt::format(
          R"({{"ph": "X", "name": "{}", "cat": "ub", "pid": {}, "tid": {}, "ts": {}, "dur": {}, "args": {{"dst": {}, )"
          R"("bytes": {}, "ordered": {}, "cycles": {}, "error": {}}}}})",
          noc::to_string(c.kind), pid, c.slot + 1, micros(c.accepted),
          trace_micros(picos(c.completed) - picos(c.accepted)), c.dst, c.bytes, c.ordered, c.completed - c.accepted,
          c.error));
    });
  }
  // 2. Routers: a counter per wired output port.
  bool matched = false;
  unsigned pid = first_router_pid;
  for (std::uint32_t r : topo.routers()) {
    if (router_glob == "none" || !glob_match(router_glob, topo.nodes()[r].name)) continue;
    matched = true;
    ++routers_;
    meta(pid, "switch " + topo.nodes()[r].name);
    for (unsigned p = 0; p < topo.nodes()[r].ports; ++p)
      if (const std::uint32_t ch = topo.out_channel({r, p}); ch != noc::kNoChannel)
        tracks_.push_back({ch, pid, fmt::format("port{} flits/cycle", p)});
    ++pid;
  }
  if (!matched && router_glob != "none")
    throw std::invalid_argument(fmt::format("no router of the network matches '{}'", router_glob));
  if (!tracks_.empty()) {
    m.fabric().on_cycle([this](std::uint64_t c) {
      if ((c + 1) % kWindowCycles == 0) sample(c + 1);
    });
  }
}

std::uint64_t NetTrace::picos(std::uint64_t cycle) const {
  return static_cast<std::uint64_t>(std::llround(static_cast<double>(cycle) * 1e12 / net_hz_));
}

std::string NetTrace::micros(std::uint64_t cycle) const { return trace_micros(picos(cycle)); }

void NetTrace::sample(std::uint64_t end_cycle) {
  if (end_cycle <= window_start_) return;
  const std::vector<std::uint64_t>& flits = m_.fabric().channel_flits();
  const double cycles = static_cast<double>(end_cycle - window_start_);
  for (Track& t : tracks_) {
    const double value = static_cast<double>(flits[t.channel] - t.last_flits) / cycles;
    t.last_flits = flits[t.channel];
    if (value == t.last_value) continue;
    t.last_value = value;
    events_.push_back(fmt::format(R"({{"ph": "C", "name": "{}", "pid": {}, "ts": {}, "args": {{"value": {}}}}})",
                                  t.name, t.pid, micros(window_start_), value));
  }
  window_start_ = end_cycle;
}

std::vector<std::string> NetTrace::events() {
  sample(m_.fabric().cycles());
  std::vector<std::string> all = events_;
  for (const Track& t : tracks_)
    if (t.last_value != 0)
      all.push_back(fmt::format(R"({{"ph": "C", "name": "{}", "pid": {}, "ts": {}, "args": {{"value": 0}}}})", t.name,
                                t.pid, micros(window_start_)));
  return all;
}

}  // namespace snsim::run
