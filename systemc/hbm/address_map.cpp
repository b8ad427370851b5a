#include "hbm/address_map.h"

#include <bit>

namespace snsim::hbm {

AddressMap::AddressMap(const HbmCfg& cfg)
    : bank_groups_(cfg.org.bank_groups),
      banks_per_group_(cfg.org.banks_per_group),
      pcs_per_channel_(cfg.org.pseudo_channels),
      xor_hash_(cfg.controller.xor_bank_hash) {
  // Each piece's place in the address and in its field, worked out once.
  std::uint32_t from = static_cast<std::uint32_t>(std::countr_zero(cfg.org.burst_bytes));
  std::uint32_t filled[7] = {};
  for (const HbmMapPiece& p : parse_address_map(cfg.controller.address_map, cfg.org)) {
    const auto i = static_cast<std::uint32_t>(p.field);
    pieces_.push_back(Piece{i, from, filled[i], (std::uint64_t{1} << p.bits) - 1});
    from += p.bits;
    filled[i] += p.bits;
  }
}

Location AddressMap::decode(std::uint64_t address) const {
  std::uint32_t f[7] = {};
  for (const Piece& p : pieces_) {
    f[p.field] |= static_cast<std::uint32_t>((address >> p.from) & p.mask) << p.to;
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
