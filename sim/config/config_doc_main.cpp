// snsim-config-doc: prints docs/config.md, the configuration reference generated from the config
// schemas; with -o FILE writes it there instead.

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "config/reference.h"

int main(int argc, char** argv) {
  const std::string text = snsim::config_reference_markdown();
  if (argc == 1) {
    fmt::print("{}", text);
    return 0;
  }
  if (argc != 3 || std::string_view(argv[1]) != "-o") {
    fmt::print(stderr, "usage: {} [-o FILE]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[2];
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  const bool ok = f != nullptr && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if ((f != nullptr && std::fclose(f) != 0) || !ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    fmt::print(stderr, "snsim-config-doc: cannot write '{}': {}\n", path, std::strerror(errno));
    std::remove(tmp.c_str());
    return 1;
  }
  return 0;
}
