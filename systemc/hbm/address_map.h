#pragma once
// Address decoding of one stack by configurable bit fields (controller.address_map), with an
// optional XOR of low row bits into the bank bits. The low log2(burst_bytes) bits are the offset
// within a burst.

#include <cstdint>
#include <vector>

#include "config/hbm_config.h"

namespace snsim::hbm {

struct Location {
  std::uint32_t channel = 0, pc = 0, sid = 0, bg = 0, ba = 0, row = 0, column = 0;
};

class AddressMap {
 public:
  // Throws std::invalid_argument if the map does not fit the organization (see parse_address_map).
  explicit AddressMap(const HbmCfg& cfg);

  Location decode(std::uint64_t address) const;
  // Flat bank index in the pseudo-channel, as CmdRecord::bank.
  std::uint32_t flat_bank(const Location& l) const {
    return (l.sid * bank_groups_ + l.bg) * banks_per_group_ + l.ba;
  }
  std::uint32_t flat_pc(const Location& l) const { return l.channel * pcs_per_channel_ + l.pc; }

 private:
  // One piece of the map: `mask` of the address bits from bit `from` go to bit `to` of `field`.
  struct Piece {
    std::uint32_t field, from, to;
    std::uint64_t mask;
  };
  std::vector<Piece> pieces_;
  std::uint32_t bank_groups_, banks_per_group_, pcs_per_channel_;
  bool xor_hash_;
};

}  // namespace snsim::hbm
