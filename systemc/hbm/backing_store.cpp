#include "hbm/backing_store.h"

#include <algorithm>
#include <cstring>

namespace snsim::hbm {

void BackingStore::write(std::uint64_t address, const std::uint8_t* data, std::size_t n) {
  while (n > 0) {
    const std::uint64_t page = address / kPageBytes, off = address % kPageBytes;
    const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(n, kPageBytes - off));
    auto& p = pages_[page];
    if (!p) p = std::make_unique<std::uint8_t[]>(kPageBytes);  // value-initialized: zeros
    std::memcpy(p.get() + off, data, chunk);
    address += chunk;
    data += chunk;
    n -= chunk;
  }
}

void BackingStore::read(std::uint64_t address, std::uint8_t* data, std::size_t n) const {
  while (n > 0) {
    const std::uint64_t page = address / kPageBytes, off = address % kPageBytes;
    const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(n, kPageBytes - off));
    const auto it = pages_.find(page);
    if (it == pages_.end()) {
      std::memset(data, 0, chunk);
    } else {
      std::memcpy(data, it->second.get() + off, chunk);
    }
    address += chunk;
    data += chunk;
    n -= chunk;
  }
}

}  // namespace snsim::hbm
