// snsim-objdump: validate an snsim object and print it as assembly that snsim-as reads back to the
// same bytes (header facts as comments).
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "asm/assembler.h"

int main(int argc, char** argv) {
  CLI::App app{"snsim-objdump: check an snsim object file and disassemble it"};
  std::string input;
  app.add_option("input", input, "Object file")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    snsim::obj::Object o = snsim::obj::read_object_file(input);
    std::size_t text_bytes = o.section(snsim::obj::SectionKind::Text)->bytes.size();
    fmt::print("# {}: snsim object v{}.{}, {} instructions, {} sections, {} symbols, {} arguments{}\n", input,
               snsim::obj::kVersionMajor, snsim::obj::kVersionMinor, text_bytes / snsim::isa::kInstrBytes,
               o.sections.size(), o.symbols.size(), o.args.size(),
               o.uses_extensions ? ", uses extensions" : "");
    fmt::print("{}", snsim::as::disassemble_object(o));
  } catch (const snsim::obj::ObjectError& e) {
    fmt::print(stderr, "snsim-objdump: {}\n", e.what());
    return 1;
  }
  return 0;
}
