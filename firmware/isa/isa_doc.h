#pragma once
// The instruction tables of docs/isa.md, generated from the instruction table so that the
// documentation cannot drift from the encoder (a test compares them).

#include <string>

namespace snsim::isa {

// Markdown: one row per instruction (opcode, assembly form, pipe, extension, meaning) and one row
// per instruction with the bit range of every operand field.
std::string instruction_table_markdown();

}  // namespace snsim::isa
