#pragma once
// Sample instructions for the ISA tests: for each table row, every legal combination of its enum
// and type fields that the row's cross-field rule accepts, with registers and immediates varied
// (including each immediate's minimum and maximum). Built from the table, so a new instruction is
// covered without touching the tests.

#include <cstdint>
#include <vector>

#include "isa/isa.h"

namespace snsim::isa::test {

inline std::vector<Instr> sample_instructions(const OpInfo& info) {
  std::vector<const Field*> choice, scalar;
  for (const Field& f : info.operands())
    (f.kind == OperandKind::Enum || f.kind == OperandKind::Suffix ? choice : scalar).push_back(&f);
  std::vector<Instr> out;
  auto fill_scalars = [&](Instr& in, std::size_t seed) {
    for (std::size_t i = 0; i < scalar.size(); ++i) {
      const Field& f = *scalar[i];
      std::int64_t span = f.max - f.min;
      std::int64_t pick[] = {f.min, f.max, f.min + span / 3, 0 >= f.min && 0 <= f.max ? 0 : f.min};
      in.set(f.role, f.kind == OperandKind::Reg ? static_cast<std::int64_t>((seed * 7 + i * 3) % 32)
                                                : pick[(seed + i) % 4]);
    }
  };
  // Odometer over the legal values of the choice fields.
  std::vector<std::int64_t> v(choice.size(), 0);
  auto next_legal = [&](std::size_t k, std::int64_t from) {
    for (std::int64_t x = from; x < 16; ++x)
      if (choice[k]->is_legal(x)) return x;
    return std::int64_t{-1};
  };
  for (std::size_t k = 0; k < choice.size(); ++k) v[k] = next_legal(k, 0);
  for (std::size_t seed = 0;; ++seed) {
    Instr in{.info = &info};
    for (std::size_t k = 0; k < choice.size(); ++k) in.set(choice[k]->role, v[k]);
    fill_scalars(in, seed);
    if (!info.check || info.check(in).empty()) out.push_back(in);
    std::size_t k = 0;
    for (; k < choice.size(); ++k) {
      std::int64_t n = next_legal(k, v[k] + 1);
      if (n >= 0) {
        v[k] = n;
        break;
      }
      v[k] = next_legal(k, 0);
    }
    if (k == choice.size()) break;
  }
  // Each immediate at both ends of its range, on the first legal combination.
  if (!out.empty())
    for (const Field* f : scalar) {
      if (f->kind == OperandKind::Reg) continue;
      for (std::int64_t x : {f->min, f->max}) {
        Instr in = out.front();
        in.set(f->role, x);
        out.push_back(in);
      }
    }
  return out;
}

}  // namespace snsim::isa::test
