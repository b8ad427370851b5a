#include "common/atomic_file.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace snsim {

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    if (!f) throw std::runtime_error(fmt::format("cannot write {}", tmp));
    f << text;
    if (!f.flush()) throw std::runtime_error(fmt::format("cannot write {}", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot rename {} to {}: {}", tmp, path, ec.message()));
}

}  // namespace snsim
