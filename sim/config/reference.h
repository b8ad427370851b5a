#pragma once
// The configuration reference (docs/config.md), generated from the schemas of every top-level
// config type, so the documentation cannot drift from what the loader accepts.

#include <string>

namespace snsim {

// The full text of docs/config.md.
std::string config_reference_markdown();

}  // namespace snsim
