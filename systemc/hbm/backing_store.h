#pragma once
// Byte-accurate sparse memory: 4 KiB pages allocated on first write, so a 64 GB die costs only
// what is touched. Unwritten bytes read as zero.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace snsim::hbm {

class BackingStore {
 public:
  static constexpr std::uint64_t kPageBytes = 4096;

  void write(std::uint64_t address, const std::uint8_t* data, std::size_t n);
  void read(std::uint64_t address, std::uint8_t* data, std::size_t n) const;
  std::size_t pages() const { return pages_.size(); }

 private:
  std::unordered_map<std::uint64_t, std::unique_ptr<std::uint8_t[]>> pages_;
};

}  // namespace snsim::hbm
