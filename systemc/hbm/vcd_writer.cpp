#include "hbm/vcd_writer.h"

#include <fmt/format.h>

#include <stdexcept>

namespace snsim::hbm {

namespace {

// Signal layout per channel: row, col, then per pseudo-channel data and bank.
std::uint32_t row_sig(std::uint32_t ch, std::uint32_t pcs) { return ch * (2 + 2 * pcs); }
std::uint32_t col_sig(std::uint32_t ch, std::uint32_t pcs) { return row_sig(ch, pcs) + 1; }
std::uint32_t data_sig(std::uint32_t ch, std::uint32_t pc, std::uint32_t pcs) {
  return row_sig(ch, pcs) + 2 + 2 * pc;
}

std::string vcd_id(std::uint32_t i) {
  std::string s;
  do {
    s += static_cast<char>('!' + i % 94);
    i /= 94;
  } while (i > 0);
  return s;
}

std::string bits(std::uint32_t v, std::uint32_t width) {
  std::string s;
  for (std::uint32_t b = width; b-- > 0;) s += (v >> b) & 1 ? '1' : '0';
  return s;
}

}  // namespace

VcdWriter::VcdWriter(const std::string& path, const HbmCfg& cfg, Cycle max_cycles)
    : f_(std::fopen(path.c_str(), "w")),
      cfg_(cfg),
      max_cycles_(max_cycles),
      ps_per_cycle_(1e12 / cfg.clock_hz) {
  if (f_ == nullptr) throw std::runtime_error(fmt::format("cannot write the waveform {}", path));
  const std::uint32_t pcs = cfg.org.pseudo_channels;
  fmt::print(f_, "$comment snsim HBM buses: row 1 ACT 2 PRE 3 PREA 4 REFab 5 REFpb; col 1 RD 2 WR $end\n");
  fmt::print(f_, "$timescale 1ps $end\n$scope module hbm $end\n");
  for (std::uint32_t ch = 0; ch < cfg.org.channels; ++ch) {
    fmt::print(f_, "$scope module ch{} $end\n", ch);
    const auto add = [&](const std::string& name, std::uint32_t width) {
      ids_.push_back(vcd_id(static_cast<std::uint32_t>(ids_.size())));
      widths_.push_back(width);
      fmt::print(f_, "$var wire {} {} {} $end\n", width, ids_.back(), name);
    };
    add("row_cmd", 3);
    add("col_cmd", 2);
    for (std::uint32_t pc = 0; pc < pcs; ++pc) {
      add(fmt::format("pc{}_data", pc), 1);
      add(fmt::format("pc{}_bank", pc), 8);
    }
    fmt::print(f_, "$upscope $end\n");
  }
  fmt::print(f_, "$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n");
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    fmt::print(f_, "{}\n", widths_[i] == 1 ? "0" + ids_[i] : "b" + bits(0, widths_[i]) + " " + ids_[i]);
  }
  fmt::print(f_, "$end\n");
}

VcdWriter::~VcdWriter() {
  if (f_ != nullptr) std::fclose(f_);
}

void VcdWriter::schedule(Cycle at, std::uint32_t signal, std::uint32_t value) {
  if (max_cycles_ == 0 || at < max_cycles_) pending_.emplace(at, Change{signal, value});
}

void VcdWriter::flush_before(Cycle t) {
  while (!pending_.empty() && pending_.begin()->first < t) {
    const Cycle at = pending_.begin()->first;
    fmt::print(f_, "#{}\n", static_cast<std::uint64_t>(static_cast<double>(at) * ps_per_cycle_ + 0.5));
    while (!pending_.empty() && pending_.begin()->first == at) {
      const Change c = pending_.begin()->second;
      pending_.erase(pending_.begin());
      if (widths_[c.signal] == 1) {
        fmt::print(f_, "{}{}\n", c.value, ids_[c.signal]);
      } else {
        fmt::print(f_, "b{} {}\n", bits(c.value, widths_[c.signal]), ids_[c.signal]);
      }
    }
  }
}

void VcdWriter::on_command(const CmdRecord& c) {
  if (f_ == nullptr) return;
  flush_before(c.cycle);
  const std::uint32_t pcs = cfg_.org.pseudo_channels;
  const HbmTimingCfg& T = cfg_.timing;
  if (is_column(c.cmd)) {
    const std::uint32_t s = col_sig(c.channel, pcs);
    schedule(c.cycle, s, c.cmd == Cmd::RD ? 1 : 2);
    schedule(c.cycle + 1, s, 0);
    const Cycle start = c.cycle + (c.cmd == Cmd::RD ? T.RL : T.WL);
    const std::uint32_t d = data_sig(c.channel, c.pc, pcs);
    schedule(start, d, 1);
    schedule(start + cfg_.org.burst_cycles, d, 0);
  } else {
    const std::uint32_t code = c.cmd == Cmd::ACT     ? 1
                               : c.cmd == Cmd::PRE   ? 2
                               : c.cmd == Cmd::PREA  ? 3
                               : c.cmd == Cmd::REFab ? 4
                                                     : 5;
    const std::uint32_t s = row_sig(c.channel, pcs);
    schedule(c.cycle, s, code);
    schedule(c.cycle + (c.cmd == Cmd::ACT ? T.act_cycles : 1), s, 0);
  }
  schedule(c.cycle, data_sig(c.channel, c.pc, pcs) + 1, c.bank);
}

void VcdWriter::finish(Cycle end) {
  if (f_ == nullptr) return;
  flush_before(~Cycle{0});
  fmt::print(f_, "#{}\n", static_cast<std::uint64_t>(static_cast<double>(max_cycles_ ? std::min(end, max_cycles_) : end) * ps_per_cycle_ + 0.5));
  std::fclose(f_);
  f_ = nullptr;
}

}  // namespace snsim::hbm
