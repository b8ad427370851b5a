#pragma once
// Output files that readers never see half-written.

#include <string>

namespace snsim {

// Writes `text` to path + ".tmp", then renames it over `path`. Throws std::runtime_error naming
// the path if any step fails.
void write_file_atomic(const std::string& path, const std::string& text);

}  // namespace snsim
