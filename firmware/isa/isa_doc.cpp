// Markdown tables of the instruction set (isa_doc.h).
#include "isa/isa_doc.h"

#include <fmt/format.h>

#include "isa/isa.h"

namespace snsim::isa {
namespace {

std::string legal_values(const Field& f) {
  switch (f.kind) {
    case OperandKind::Reg:
      return "x0-x31";
    case OperandKind::Imm:
    case OperandKind::PcRel:
      return fmt::format("{}..{}", f.min, f.max);
    case OperandKind::Enum:
    case OperandKind::Suffix: {
      std::string text;
      for (std::size_t v = 0; v < f.names.size(); ++v) {
        if (!((f.legal >> v) & 1)) continue;
        text += fmt::format("{}{}={}{}", text.empty() ? "" : " ", f.names[v], v,
                            (f.extension >> v) & 1 ? "*" : "");
      }
      return text;
    }
  }
  return {};
}

// A '|' inside a cell would end it.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

std::string instruction_table_markdown() {
  std::string out;
  auto add = [&out](std::string_view text) { out += text; };
  add("| opcode | assembly | pipe | format | meaning |\n| --- | --- | --- | --- | --- |\n");
  for (const OpInfo& info : instruction_table()) {
    std::string pipe = info.pipe.from ? fmt::format("= {}", role_name(*info.pipe.from))
                                      : std::string(pipe_name(info.pipe.fixed));
    add(fmt::format("| 0x{:02x} | `{}` | {} | {} | {}{} |\n", static_cast<unsigned>(info.op),
                    assembly_form(info), pipe, info.format, cell(info.summary),
                    info.extension_note.empty() ? "" : fmt::format(" ({})", info.extension_note)));
  }
  add("\nFields, bit ranges inclusive; legal values (`*` marks an extension, D19):\n\n");
  add("| mnemonic | fields |\n| --- | --- |\n");
  for (const OpInfo& info : instruction_table()) {
    std::string fields = "op [7:0]";
    for (const Field& f : info.operands())
      fields +=
          fmt::format("; {} [{}:{}] {}", role_name(f.role), f.lsb + f.width - 1, f.lsb, legal_values(f));
    add(fmt::format("| {} | {} |\n", info.mnemonic, fields));
  }
  return out;
}

}  // namespace snsim::isa
