#include "hbm/traffic.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace snsim::hbm {

namespace {

bool parse_u64(const std::string& s, std::uint64_t& v) {
  if (s.empty() || s[0] == '-' || s[0] == '+') return false;
  try {
    std::size_t used = 0;
    const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    v = std::stoull(hex ? s.substr(2) : s, &used, hex ? 16 : 10);
    return used == (hex ? s.size() - 2 : s.size());
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::vector<TraceEntry> read_trace(const std::string& path, const HbmStack& stack) {
  std::ifstream f(path);
  if (!f) throw TraceError(fmt::format("{}: cannot open the trace", path));
  std::vector<TraceEntry> out;
  std::string line;
  std::size_t n = 0;
  Cycle last = 0;
  while (std::getline(f, line)) {
    ++n;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream in(line);
    std::vector<std::string> w;
    for (std::string tok; in >> tok;) w.push_back(tok);
    if (w.empty()) continue;
    const auto fail = [&](const std::string& why) {
      throw TraceError(fmt::format("{}:{}: {}", path, n, why));
    };
    if (w.size() != 4) {
      fail(fmt::format("expected 'cycle R|W address size', got {} field{}", w.size(),
                       w.size() == 1 ? "" : "s"));
    }
    TraceEntry e;
    e.line = n;
    std::uint64_t v = 0;
    if (!parse_u64(w[0], v)) fail(fmt::format("cycle '{}' is not a non-negative integer", w[0]));
    e.cycle = v;
    if (w[1] != "R" && w[1] != "W") fail(fmt::format("'{}' is neither R nor W", w[1]));
    e.write = w[1] == "W";
    if (!parse_u64(w[2], e.address)) fail(fmt::format("address '{}' is not a number", w[2]));
    if (!parse_u64(w[3], v) || v > 0xffffffffu) fail(fmt::format("size '{}' is not a number", w[3]));
    e.size = static_cast<std::uint32_t>(v);
    if (e.cycle < last) fail(fmt::format("cycle {} is before the previous line's {}", e.cycle, last));
    last = e.cycle;
    try {
      stack.validate(MemRequest{0, e.address, e.size, e.write});
    } catch (const BadRequest& b) {
      fail(b.what());
    }
    out.push_back(e);
  }
  return out;
}

Generator::Generator(const MemTrafficCfg& cfg, std::uint64_t stack_bytes, std::uint64_t seed)
    : cfg_(cfg),
      region_(cfg.region == 0 ? stack_bytes : cfg.region),
      addr_rng_(Rng::derive(seed, "mem.traffic.address")),
      kind_rng_(Rng::derive(seed, "mem.traffic.kind")) {}

bool Generator::next(TraceEntry& e) {
  if (i_ >= cfg_.requests) return false;
  const std::uint64_t size = cfg_.size;
  const std::uint64_t slots = region_ / size;
  std::uint64_t a = 0;
  switch (cfg_.pattern) {
    case MemPattern::Stream:
      a = (i_ % slots) * size;
      break;
    case MemPattern::Random:
      a = addr_rng_.uniform(slots) * size;
      break;
    case MemPattern::Strided:
    case MemPattern::Trace:  // a trace never reaches the generator
      a = ((i_ * cfg_.stride) % region_) / size * size;
      break;
  }
  e.address = a;
  e.size = cfg_.size;
  e.write = cfg_.read_fraction < 1.0 && !kind_rng_.bernoulli(cfg_.read_fraction);
  e.cycle = cfg_.rate > 0 ? static_cast<Cycle>(std::ceil(static_cast<double>(i_) / cfg_.rate)) : 0;
  e.line = 0;
  ++i_;
  return true;
}

Cycle drive(HbmStack& stack, const std::function<bool(TraceEntry&)>& next,
            const std::function<void(const Completion&)>& on_done) {
  TraceEntry e;
  bool have = next(e);
  std::uint64_t tag = 0;
  Cycle t = stack.now();
  Cycle end = t;
  for (;;) {
    // 1. Submit what is due, until the stack pushes back.
    bool blocked = false;
    while (have && e.cycle <= t) {
      if (!stack.try_submit(MemRequest{tag, e.address, e.size, e.write}, t)) {
        blocked = true;
        break;
      }
      ++tag;
      have = next(e);
    }
    if (!have && stack.in_flight() == 0) break;
    // 2. Run to the next cycle at which something happens: a submission (run every cycle before
    //    it) or a model event (run that cycle; a blocked retry needs such a state change).
    const Cycle event = std::max(stack.next_event(), t);
    if (have && !blocked && e.cycle <= event) {
      stack.advance_to(e.cycle);
      t = e.cycle;
    } else {
      stack.advance_to(event + 1);
      t = event + 1;
    }
    for (const Completion& c : stack.completions()) {
      end = std::max(end, c.done + 1);
      if (on_done) on_done(c);
    }
    stack.completions().clear();
  }
  return end;
}

}  // namespace snsim::hbm
