// Random programs of legal instructions, with registers preset to addresses and parameter words
// of plausible size, on both core types: every run ends as finished, fault, deadlock or timeout,
// and nothing else escapes (no crash, no stray exception) — issue 5, "Bad input".
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "isa/config_words.h"
#include "remote_rig.h"

namespace snsim::core::test {
namespace {

using isa::OperandKind;

constexpr unsigned kBody = 24;

// A value for a register: a small buffer offset, a GM address (mapped or not; with `far`, half of
// them in die 1 of remote_rig.h) or a parameter word.
std::uint64_t register_value(std::mt19937_64& rng, bool far) {
  auto small = [&](unsigned n) { return static_cast<std::uint16_t>(rng() % n); };
  switch (rng() % 6) {
    case 0: return (rng() % 64) * 32;
    case 1: return (far && rng() % 4 != 0 ? kFar : 0x1000'0000) + (rng() % 512) * 32;
    case 2: return isa::CopyWord{small(4), small(8), small(3), small(3)}.pack();
    case 3: return isa::VecWord{static_cast<std::uint8_t>(small(5)), static_cast<std::uint8_t>(small(3)),
                                static_cast<std::uint8_t>(small(3)), static_cast<std::uint8_t>(small(3)),
                                static_cast<std::uint8_t>(small(9)), static_cast<std::uint8_t>(small(9)),
                                static_cast<std::uint8_t>(small(9))}.pack();
    case 4: return isa::MmadWord{small(40), small(40), small(70)}.pack();
    default: return rng() % 4 == 0 ? rng() : rng() % 100;
  }
}

// A random legal instruction for `core`, branch targets inside [0, count). With `gm`, a quarter more
// of them are instructions that access GM.
isa::Instr random_instr(std::mt19937_64& rng, isa::CoreType core, unsigned index, unsigned count, bool gm) {
  using isa::Op;
  static constexpr Op kGmOps[] = {Op::Ldg, Op::Stg, Op::Amoadd, Op::Notify, Op::Gwait,
                                  Op::Dma, Op::DmaIn, Op::DmaOut, Op::DmaPost, Op::Fence, Op::Nd2nz, Op::Fixp};
  const auto table = isa::instruction_table();
  while (true) {
    const isa::OpInfo& info =
        gm && rng() % 4 == 0 ? isa::info(kGmOps[rng() % std::size(kGmOps)]) : table[rng() % table.size()];
    if (info.op == isa::Op::Halt) continue;
    isa::Instr in{.info = &info};
    for (const isa::Field& f : info.operands()) {
      std::int64_t v = 0;
      switch (f.kind) {
        case OperandKind::Reg: v = static_cast<std::int64_t>(rng() % 32); break;
        case OperandKind::Imm: v = std::clamp<std::int64_t>(static_cast<std::int64_t>(rng() % 80) - 8, f.min, f.max); break;
        case OperandKind::PcRel: v = static_cast<std::int64_t>(rng() % count) - index; break;
        case OperandKind::Enum:
        case OperandKind::Suffix: {
          do v = static_cast<std::int64_t>(rng() % 16);
          while (!f.is_legal(v));
          break;
        }
      }
      in.set(f.role, v);
    }
    if (in.pipe() != isa::Pipe::All && !isa::pipe_on_core(in.pipe(), core)) continue;
    try {
      isa::encode(in);
    } catch (const isa::EncodeError&) {
      continue;
    }
    return in;
  }
}

// A program: x1..x31 = li (low 48 bits) + lhi of random values; then the random body; then halt.
struct Program {
  obj::Object object;
  std::string body;  // the random part, disassembled, for failure messages
};
Program random_program(std::mt19937_64& rng, isa::CoreType type, bool far) {
  Program p;
  p.object.core = type;
  std::vector<std::uint64_t> words;
  for (unsigned r = 1; r < 32; ++r) {
    const std::uint64_t v = register_value(rng, far);
    isa::Instr li{.info = &isa::info(isa::Op::Li)};
    li.set(isa::Role::Rd, r);
    li.set(isa::Role::Imm, static_cast<std::int64_t>(v << 16) >> 16);
    words.push_back(isa::encode(li));
    isa::Instr lhi{.info = &isa::info(isa::Op::Lhi)};
    lhi.set(isa::Role::Rd, r);
    lhi.set(isa::Role::Imm, static_cast<std::int64_t>(v >> 48));
    words.push_back(isa::encode(lhi));
  }
  const unsigned first = static_cast<unsigned>(words.size()), count = first + kBody + 1;
  for (unsigned i = 0; i < kBody; ++i) words.push_back(isa::encode(random_instr(rng, type, first + i, count, far)));
  words.push_back(isa::encode(isa::Instr{.info = &isa::info(isa::Op::Halt)}));
  obj::Section text{obj::SectionKind::Text, 0, std::vector<std::uint8_t>(words.size() * 8)};
  std::memcpy(text.bytes.data(), words.data(), text.bytes.size());
  p.object.sections.push_back(std::move(text));
  p.object.uses_extensions = true;
  for (unsigned i = first; i < words.size(); ++i) p.body += isa::disassemble(*isa::decode(words[i]), i * 8) + "\n";
  return p;
}

TEST(CoreRobustness, RandomProgramsEndCleanly) {
  std::mt19937_64 rng(2026);
  unsigned outcomes[4] = {};
  for (unsigned prog = 0; prog < 1200; ++prog) {
    const isa::CoreType type = prog % 2 ? isa::CoreType::Aic : isa::CoreType::Aiv;
    const Program p = random_program(rng, type, false);
    Rig rig;
    rig.gm.map(0x1000'0000, 1 << 16);
    rig.add(p.object, {.type = type});
    try {
      const RunResult r = rig.run(20000);
      ++outcomes[static_cast<int>(r.status)];
      if (r.status == RunResult::Status::Fault || r.status == RunResult::Status::Deadlock) {
        ASSERT_FALSE(r.report.empty());
      }
    } catch (const std::exception& e) {
      FAIL() << "program " << prog << " threw " << e.what() << "\n" << p.body;
    }
  }
  // The mix exercises every ending.
  for (unsigned s = 0; s < 4; ++s) EXPECT_GT(outcomes[s], 0u) << "status " << s;
  std::printf("finished %u, fault %u, deadlock %u, timeout %u\n", outcomes[0], outcomes[1], outcomes[2], outcomes[3]);
}

// The same on a machine (remote_rig.h): registers point into die 1 too, whose accesses complete
// after random latencies, delivered by the driver. Every run still ends cleanly, and a finished
// core has nothing in flight.
TEST(CoreRobustness, RandomProgramsOnAMachineEndCleanly) {
  std::mt19937_64 rng(2027);
  unsigned outcomes[4] = {}, remote_runs = 0;
  for (unsigned prog = 0; prog < 2000; ++prog) {
    const isa::CoreType type = prog % 2 ? isa::CoreType::Aic : isa::CoreType::Aiv;
    const Program p = random_program(rng, type, true);
    RemoteRig rig(1 + rng() % 300);
    for (unsigned i = 0; i < 64; ++i) rig.fake.script.push_back(1 + rng() % 500);
    rig.gm.map(0x1000'0000, 1 << 16);
    Core& core = rig.add(p.object, {.type = type});
    try {
      const RunResult r = rig.drive(20000);
      ++outcomes[static_cast<int>(r.status)];
      remote_runs += !rig.fake.started.empty();
      if (r.status == RunResult::Status::Fault || r.status == RunResult::Status::Deadlock) {
        ASSERT_FALSE(r.report.empty());
      }
      if (r.status == RunResult::Status::Finished) {
        EXPECT_EQ(core.async_in_flight(), 0u) << p.body;
      }
    } catch (const std::exception& e) {
      FAIL() << "program " << prog << " threw " << e.what() << "\n" << p.body;
    }
  }
  for (unsigned s = 0; s < 4; ++s) EXPECT_GT(outcomes[s], 0u) << "status " << s;
  EXPECT_GE(remote_runs, 20u);  // the mix reaches die 1 (30 of the 2000 with this seed)
  std::printf("finished %u, fault %u, deadlock %u, timeout %u; %u reached die 1\n", outcomes[0], outcomes[1],
              outcomes[2], outcomes[3], remote_runs);
}

TEST(CoreRobustness, EndlessLoopTimesOut) {
  Rig rig;
  rig.add(assemble("l:\njal x0, l\n"));
  const RunResult r = rig.run(1000);
  EXPECT_EQ(r.status, RunResult::Status::Timeout);
  EXPECT_EQ(r.cycles, 1000u);
}

}  // namespace
}  // namespace snsim::core::test
