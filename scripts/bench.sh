#!/usr/bin/env bash
# make bench: speed figures of the verilated routers, the HBM model and the synthesis figures. Prints them; asserts
# nothing. Record them with date and machine in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), $(date -u +%Y-%m-%d)"
echo "== verilated router: simulated cycles per second, random uniform 4-flit packets"
"$build/testbenches/bench/snsim-bench-router" --cycles 200000
echo "== snsim net on configs/switch8-net.yaml (whole sweep, with the traffic checker)"
/usr/bin/time -f "peak resident memory: %M KiB" "$build/sim/snsim" net -c configs/switch8-net.yaml \
  -o "$build/bench-results" | tail -n 1
echo "== HBM stack: simulated requests per second, saturating random 64 B reads and streaming reads"
"$build/testbenches/bench/snsim-bench-hbm" --requests 1000000
"$build/testbenches/bench/snsim-bench-hbm" --requests 1000000 --pattern stream
echo "== snsim mem on configs/hbm2e-random.yaml (with the timing checker)"
/usr/bin/time -f "peak resident memory: %M KiB" "$build/sim/snsim" mem -c configs/hbm2e-random.yaml \
  --check -o "$build/bench-results/mem" | sed -n '3p;10,11p'
echo "== synthesis (Yosys)"
scripts/synth.sh
