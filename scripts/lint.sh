#!/usr/bin/env bash
# Verilator lint of all RTL: `verilator --lint-only -Wall` with the waivers of rtl/lint.vlt, once per
# top module with its default parameters, then sn_router over a sweep of parameter sets (-G
# overrides) from the smallest legal router to the largest, since widths, degenerate branches and
# unused bits depend on the parameters. Runs SN_LINT_JOBS (default: all cores) at a time; prints one
# line per run and fails if any run warns, printing its warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/rtl-files.sh
tops=(sn_router sn_router_param_check sn_router_input sn_router_output sn_switch_alloc sn_crossbar
      sn_route_table sn_route_select sn_fifo sn_onehot_enc sn_rr_pick sn_rr_arb sn_credit_counter)
# sn_router parameter sets: NumPorts NumVcs BufDepth PayloadW TableDepth. The smallest legal router
# (one VC, so every arbiter over VCs is the N == 1 branch), a mid-size Clos leaf with a VC count
# that is not a power of two, and every parameter at its maximum (about 30 s, the longest run).
sweep=("128 16 4096 512 65536" "72 3 16 256 1024" "2 1 2 1 2")
jobs=${SN_LINT_JOBS:-$(nproc)}

# Each run is "<label>|<verilator arguments>"; the sweep (largest first) before the rest, so that
# the longest run starts first.
runs=()
for set in "${sweep[@]}"; do
  read -r ports vcs depth payload table <<< "$set"
  runs+=("sn_router $set|--top-module sn_router -GNumPorts=$ports -GNumVcs=$vcs -GBufDepth=$depth
          -GPayloadW=$payload -GTableDepth=$table")
done
for top in "${tops[@]}"; do runs+=("$top|--top-module $top"); done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SECONDS=0

# lint_one <index>: writes the warnings to $tmp/<index>.out and the status to $tmp/<index>.rc.
lint_one() {
  local rc=0
  # shellcheck disable=SC2086  # the arguments are split on purpose
  verilator --lint-only -Wall -Irtl/common rtl/lint.vlt "${SN_RTL_FILES[@]}" ${runs[$1]#*|} \
    > "$tmp/$1.out" 2>&1 || rc=$?
  echo "$rc" > "$tmp/$1.rc"
}

running=0
for i in "${!runs[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  lint_one "$i" &
  running=$((running + 1))
done
wait || true

failed=0
for i in "${!runs[@]}"; do
  label=${runs[$i]%%|*}
  if [ "$(cat "$tmp/$i.rc")" != 0 ]; then
    echo "lint: $label: FAILED" >&2
    cat "$tmp/$i.out" >&2
    failed=1
  else
    echo "lint: $label: clean"
  fi
done
echo "lint: elapsed ${SECONDS} s (${#runs[@]} runs, $jobs in parallel)"
exit $failed
