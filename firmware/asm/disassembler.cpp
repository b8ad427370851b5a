// Object -> assembly text that assembles back to the same bytes (assembler.h).
#include <fmt/format.h>

#include <map>

#include "asm/assembler.h"

namespace snsim::as {

std::string disassemble_object(const obj::Object& o) {
  std::string out;
  auto line = [&out](std::string_view text) { fmt::format_to(std::back_inserter(out), "{}\n", text); };
  // 1. What the assembler's directives declared.
  if (o.core != isa::CoreType::Any) line(o.core == isa::CoreType::Aic ? ".core aic" : ".core aiv");
  for (const obj::KernelArg& a : o.args) line(fmt::format(".arg {}, {}", a.name, obj::arg_kind_name(a.kind)));
  std::multimap<std::int64_t, std::string> labels[4];  // by section kind
  for (const obj::Symbol& s : o.symbols) {
    if (s.kind == obj::SymbolKind::Constant) line(fmt::format(".equ {}, {}", s.name, s.value));
    if (s.kind == obj::SymbolKind::Label && s.section >= 1 && s.section <= o.sections.size())
      labels[static_cast<int>(o.sections[s.section - 1].kind)].emplace(s.value, s.name);
  }
  line(fmt::format(".entry 0x{:x}", o.entry));
  // 2. Sections with their labels: code as instructions, data as bytes.
  for (const obj::Section& sec : o.sections) {
    line(obj::section_name(sec.kind));
    auto& at = labels[static_cast<int>(sec.kind)];
    auto label_it = at.begin();
    auto labels_upto = [&](std::int64_t addr) {
      for (; label_it != at.end() && label_it->first <= addr; ++label_it)
        line(fmt::format("{}:", label_it->second));
    };
    std::size_t step = sec.kind == obj::SectionKind::Text ? isa::kInstrBytes : 1;
    std::string bytes;
    for (std::size_t i = 0; i < sec.bytes.size(); i += step) {
      std::int64_t addr = sec.addr + static_cast<std::int64_t>(i);
      if (label_it != at.end() && label_it->first <= addr) {
        if (!bytes.empty()) line(fmt::format("    .byte {}", bytes)), bytes.clear();
        labels_upto(addr);
      }
      if (sec.kind != obj::SectionKind::Text) {
        fmt::format_to(std::back_inserter(bytes), "{}{}", bytes.empty() ? "" : ", ", sec.bytes[i]);
        if ((i + 1) % 16 == 0) line(fmt::format("    .byte {}", bytes)), bytes.clear();
        continue;
      }
      std::uint64_t word = 0;
      for (unsigned k = 0; k < isa::kInstrBytes; ++k) word |= std::uint64_t{sec.bytes[i + k]} << (8 * k);
      std::string why;
      std::optional<isa::Instr> in = isa::decode(word, &why);
      // read_object() refuses illegal words, so this shows only for hand-built objects.
      std::string text =
          in ? isa::disassemble(*in, static_cast<std::uint64_t>(addr)) : fmt::format("<illegal: {}>", why);
      line(fmt::format("    {:<48} # 0x{:04x}: {:016x}", text, addr, word));
    }
    if (!bytes.empty()) line(fmt::format("    .byte {}", bytes));
    labels_upto(std::numeric_limits<std::int64_t>::max());
  }
  return out;
}

}  // namespace snsim::as
