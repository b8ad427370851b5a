// snsim-as: assemble one kernel source into an snsim object (docs/isa.md, docs/object-format.md).
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "asm/assembler.h"
#include "isa/isa_doc.h"

int main(int argc, char** argv) {
  CLI::App app{"snsim-as: assemble an snsim microkernel (.s) into an object file"};
  std::string input, output, depfile;
  snsim::as::Options options;
  bool isa_table = false;
  app.add_option("input", input, "Assembly source (.s)");
  app.add_option("-o,--output", output, "Object file to write (default: input with .o)");
  app.add_option("-I,--include", options.include_dirs, "Directory searched by .include (repeatable)");
  app.add_option("--depfile", depfile, "Write a Makefile dependency line (object: sources) here");
  app.add_flag("--strict", options.strict, "Reject snsim extensions beyond the Ascend A2 ISA (D19)");
  app.add_flag("--isa-table", isa_table, "Print the instruction tables of docs/isa.md and exit");
  CLI11_PARSE(app, argc, argv);

  if (isa_table) {
    fmt::print("{}", snsim::isa::instruction_table_markdown());
    return 0;
  }
  if (input.empty()) {
    fmt::print(stderr, "snsim-as: no input file (see --help)\n");
    return 2;
  }
  if (output.empty()) output = input.substr(0, input.rfind('.')) + ".o";
  snsim::as::Result result = snsim::as::assemble_file(input, options);
  if (!result.object) {
    fmt::print(stderr, "{}", result.format_errors());
    return 1;
  }
  try {
    snsim::obj::write_object_file(*result.object, output);
    if (!depfile.empty()) {
      std::FILE* f = std::fopen(depfile.c_str(), "w");
      if (!f) throw snsim::obj::ObjectError(fmt::format("{}: cannot write", depfile));
      fmt::print(f, "{}:", output);
      for (const std::string& source : result.sources) fmt::print(f, " {}", source);
      fmt::print(f, "\n");
      std::fclose(f);
    }
  } catch (const snsim::obj::ObjectError& e) {
    fmt::print(stderr, "snsim-as: {}\n", e.what());
    return 1;
  }
  return 0;
}
