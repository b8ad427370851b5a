#include "hbm/address_map.h"

#include <bit>

namespace snsim::hbm {

AddressMap::AddressMap(const HbmCfg& cfg)
    : pieces_(parse_address_map(cfg.controller.address_map, cfg.org)),
      offset_bits_(static_cast<std::uint32_t>(std::countr_zero(cfg.org.burst_bytes))),
      bank_groups_(cfg.org.bank_groups),
      banks_per_group_(cfg.org.banks_per_group),
      pcs_per_channel_(cfg.org.pseudo_channels),
      xor_hash_(cfg.controller.xor_bank_hash) {}

Location AddressMap::decode(std::uint64_t address) const {
  std::uint32_t f[7] = {};
  std::uint32_t filled[7] = {};
  std::uint64_t a = address >> offset_bits_;
  for (const HbmMapPiece& p : pieces_) {
    const int i = static_cast<int>(p.field);
    const std::uint32_t bits = static_cast<std::uint32_t>(a & ((std::uint64_t{1} << p.bits) - 1));
    f[i] |= bits << filled[i];
    filled[i] += p.bits;
    a >>= p.bits;
  }
  Location l;
  l.channel = f[static_cast<int>(HbmField::Channel)];
  l.pc = f[static_cast<int>(HbmField::PseudoChannel)];
  l.sid = f[static_cast<int>(HbmField::Sid)];
  l.bg = f[static_cast<int>(HbmField::BankGroup)];
  l.ba = f[static_cast<int>(HbmField::Bank)];
  l.row = f[static_cast<int>(HbmField::Row)];
  l.column = f[static_cast<int>(HbmField::Column)];
  if (xor_hash_) {
    // Rows that conflict in one bank under a plain map land in different banks: the XOR is a
    // bijection for each row, so capacity and row-locality are kept.
    l.bg ^= l.row & (bank_groups_ - 1);
    l.ba ^= (l.row >> std::countr_zero(bank_groups_)) & (banks_per_group_ - 1);
  }
  return l;
}

}  // namespace snsim::hbm
