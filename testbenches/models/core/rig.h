#pragma once
// A test bench for the core models: assembles kernels from text, builds cores on a SimpleGm, runs.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "asm/assembler.h"
#include "core/core.h"
#include "core/l2.h"

namespace snsim::core::test {

// Assembles `body` after `.include "include/snsim.inc"` and `.core <core>`.
inline obj::Object assemble(const std::string& body, const std::string& core = "aiv") {
  const std::string text = ".include \"include/snsim.inc\"\n.core " + core + "\n" + body;
  as::Result r = as::assemble_text(text, SNSIM_KERNEL_SRC_DIR "/test.s");
  if (!r.object) throw std::runtime_error(r.format_errors());
  return *r.object;
}

struct Rig {
  explicit Rig(SimpleGmParams gm_params = {}) : gm(gm_params) {}

  Core& add(const obj::Object& kernel, LaunchInfo launch = {}, std::vector<std::uint64_t> args = {}) {
    const char* type = launch.type == isa::CoreType::Aic ? "aic" : "aiv";
    cores.push_back(std::make_unique<Core>(fmt::format("{}{}", type, launch.core_id), params, launch,
                                           memory(), stats, &xflags));
    cores.back()->load(kernel, args);
    return *cores.back();
  }
  RunResult run(Cycle max_cycles = 10'000'000) {
    std::vector<Core*> list;
    for (auto& c : cores) list.push_back(c.get());
    return run_cores(list, max_cycles);
  }
  // A counter by dotted name, read back from the registry's JSON report.
  std::uint64_t stat(const std::string& name) const {
    nlohmann::ordered_json j = stats.to_json();
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = name.find('.', start);
      j = j.at(name.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return j.at("value").get<std::uint64_t>();
  }

  // Cores added after this see GM through an L2 model in front of `gm`.
  void use_l2(L2Params p = {}) { l2 = std::make_unique<L2Gm>(p, gm, stats); }
  // The GlobalMemory cores added now see: `front` if set (e.g. a TLM initiator), else the L2, else gm.
  GlobalMemory& memory() { return front ? *front : l2 ? static_cast<GlobalMemory&>(*l2) : gm; }

  StatsRegistry stats;
  SimpleGm gm;
  std::unique_ptr<L2Gm> l2;
  GlobalMemory* front = nullptr;
  CoreParams params;
  CrossCoreFlags xflags;
  std::vector<std::unique_ptr<Core>> cores;
};

}  // namespace snsim::core::test
