#!/usr/bin/env bash
# Verilator lint of all RTL: `verilator --lint-only -Wall`, once per top module, with the waivers
# of rtl/lint.vlt. Prints one line per top and fails on the first warning.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/rtl-files.sh
tops=(sn_router sn_router_input sn_router_output sn_switch_alloc sn_crossbar sn_route_table
      sn_route_select sn_fifo sn_rr_arb sn_credit_counter)
for top in "${tops[@]}"; do
  if ! out=$(verilator --lint-only -Wall -Irtl/common rtl/lint.vlt "${SN_RTL_FILES[@]}" \
             --top-module "$top" 2>&1); then
    echo "lint: $top: FAILED" >&2
    echo "$out" >&2
    exit 1
  fi
  echo "lint: $top: clean"
done
