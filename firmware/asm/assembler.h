#pragma once
// The snsim assembler (docs/isa.md, "Assembly language"): text -> object (object/object.h).
//
// Two passes over the preprocessed source (.include and .macro expanded): the first lays out
// sections and defines labels, the second evaluates operands and encodes. Errors do not stop it:
// every statement that can be checked is, and each error carries file:line:col, the source line
// and, for lines from a macro, where the macro was invoked. No global state: assemblers can run
// side by side.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "object/object.h"

namespace snsim::as {

struct Diagnostic {
  std::string file;
  int line = 0;
  int col = 0;  // 1-based, in source_line
  std::string message;
  std::string source_line;
  std::vector<std::string> notes;  // "in expansion of macro 'm' at file:line"

  // "file:line:col: error: message\n  source\n  ^\n" followed by the notes.
  std::string format() const;
};

struct Options {
  bool strict = false;                    // reject ISA extensions (DECISIONS.md D19)
  std::vector<std::string> include_dirs;  // searched after the including file's directory
  std::size_t max_errors = 50;
};

// Reads a source file: its text, or nullopt if it cannot be read.
using SourceReader = std::function<std::optional<std::string>(const std::string& path)>;
std::optional<std::string> read_source_file(const std::string& path);

struct Result {
  std::optional<obj::Object> object;  // set iff errors is empty
  std::vector<Diagnostic> errors;
  std::vector<std::string> sources;  // every file read: the main file, then includes in order
  std::string format_errors() const;
};

Result assemble_file(const std::string& path, const Options& options = {},
                     const SourceReader& reader = read_source_file);
// `name` stands for the file in messages and for resolving relative .include paths.
Result assemble_text(std::string_view text, const std::string& name, const Options& options = {},
                     const SourceReader& reader = read_source_file);

// Assembly text that assemble_text() turns back into a byte-identical object: directives for the
// core type, arguments, constants and entry point, labels, instructions and data.
std::string disassemble_object(const obj::Object& object);

}  // namespace snsim::as
