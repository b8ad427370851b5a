#!/usr/bin/env bash
# make bench: speed figures of the verilated routers, the HBM model, collectives on machines and the synthesis
# figures. Prints them; asserts nothing. Record them with date and machine in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), $(date -u +%Y-%m-%d)"
echo "== verilated router: simulated cycles per second, random uniform 4-flit packets"
"$build/testbenches/bench/snsim-bench-router" --cycles 200000
echo "== core models: kernels of firmware/kernels with real data (simulated cycles, simulation speed)"
"$build/testbenches/bench/snsim-bench-core"
echo "== snsim run: the shipped workloads on configs/die.yaml (processor time of the whole run, docs/run.md)"
for w in gemm_bf16 vec_add softmax rmsnorm; do
  /usr/bin/time -f "$w: %U s user, peak resident memory %M KiB" "$build/sim/snsim" run -c configs/die.yaml \
    -w "workloads/$w.yaml" -o "$build/bench-results/run-$w" 2>&1 | grep -E '^(cycles|cube|vector|check|[a-z_0-9]+: )'
done
echo "== UB microbenchmark on configs/cm384.yaml (issue 6 §2, docs/machine.md \"Calibration\"): simulated figures vs HARDWARE.md §4"
scripts/ub_bench.py "$build"
echo "== collectives on machines (docs/performance.md): simulated time, processor time, peak memory"
for run in node8:allreduce node8:alltoall cm384:allreduce; do  # cm384: about 2.5 minutes of processor time
  c=${run%%:*} w=${run#*:}
  /usr/bin/time -f "$c $w: wall %e s, processor %U s user + %S s system, peak resident memory %M KiB" \
    "$build/sim/snsim" run -c "configs/$c.yaml" -w "workloads/$w.yaml" -o "$build/bench-results/run-$c-$w" 2>&1 |
    grep -E '^(cycles|node8|cm384)|FAIL'
done
echo "== network interfaces under SystemC: 8x8 mesh, 512 B remote writes (docs/ni.md)"
for impl in fast rtl; do
  for rate in 0.0005 0.002; do
    SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 /usr/bin/time -f "peak resident memory: %M KiB" \
      "$build/testbenches/bench/snsim-bench-ni" --impl $impl --rate $rate --cycles 20000 2>&1
  done
done
echo "== snsim net on configs/switch8-net.yaml (whole sweep, with the traffic checker)"
/usr/bin/time -f "peak resident memory: %M KiB" "$build/sim/snsim" net -c configs/switch8-net.yaml \
  -o "$build/bench-results" | tail -n 1
# Networks (issue 3 §4). Variants of the shipped configs are written beside the build.
cfgs="$build/bench-configs"
mkdir -p "$cfgs"
net() {  # net NAME YAML-BODY [snsim net options]: run snsim net on a config that includes a shipped one
  printf '%s\n' "$2" > "$cfgs/$1.yaml"
  /usr/bin/time -f "wall %e s, processor %U s user + %S s system, peak resident memory %M KiB" \
    "$build/sim/snsim" net -c "$cfgs/$1.yaml" -o "$build/bench-results/$1" "${@:3}" 2>&1 | grep -v '^snsim net:'
}
echo "== 8x8 mesh, uniform, 2 VCs x 8 flits: saturation (bisection bound 0.5 flits/node/cycle)"
echo "   VCs kept end to end (mesh-sat-N, as shipped) and reassigned per hop (mesh-sat-N-any, router.vc_alloc: any)"
for alloc in keep any; do
  for pf in 1 4; do
    name=mesh-sat-$pf
    [ $alloc = keep ] || name=$name-$alloc
    echo "-- ${pf}-flit packets, vc_alloc: $alloc"
    net $name "include: $PWD/configs/mesh8x8-net.yaml
router: {vc_alloc: $alloc}
traffic: {packet_flits: $pf, loads: [0.3, 0.34, 0.36, 0.38, 0.4, 0.42, 0.45, 0.48]}"
  done
done
echo "== 8x8 mesh speed, 4-flit packets, the mesh's own routers (2 VCs x 8, table 64): fast model and RTL,"
echo "   VCs kept and reassigned per hop"
for alloc in keep any; do
  for impl in fast rtl; do
    for load in 0.1 0.34; do
      name=mesh-speed-$impl-$load
      [ $alloc = keep ] || name=$name-$alloc
      echo "-- $impl, load $load, vc_alloc: $alloc"
      net $name "include: $PWD/configs/mesh8x8-net.yaml
router: {impl: $impl, vc_alloc: $alloc}
traffic: {loads: [$load], warmup_cycles: 1000, measure_cycles: 50000}" | tail -n 2
    done
  done
done
echo "== CM384 network (448 switches, fast model): uniform random at 50% load, adaptive up-routing"
net cm384-uniform "include: $PWD/configs/cm384-net.yaml
traffic: {pattern: uniform, loads: [0.5], warmup_cycles: 1000, measure_cycles: 3000}" --threads 2
echo "== CM384 all-to-all, 7.5 KB per endpoint pair: adaptive up-routing (cm384-net.yaml), 2 threads and 1, and hash"
net cm384-a2a-adaptive "include: $PWD/configs/cm384-net.yaml" --threads 2
net cm384-a2a-adaptive-1thread "include: $PWD/configs/cm384-net.yaml" --threads 1 | tail -n 1
net cm384-a2a-hash "include: $PWD/configs/cm384-net.yaml
topology: {up_routing: hash}" --threads 2
echo "== CM384 all-to-all, adaptive up-routing, VCs reassigned per hop (router.vc_alloc: any)"
net cm384-a2a-adaptive-any "include: $PWD/configs/cm384-net.yaml
router: {vc_alloc: any}" --threads 2
echo "== MoE step with the CM384 step's load per rank on node8 (workloads/moe_node8_128.yaml):"
echo "   processor time per simulated cycle of a machine run at a minute's cost (docs/performance.md \"Machine run speed, branch mspeed\")"
/usr/bin/time -f "wall %e s, processor %U s user + %S s system, peak resident memory %M KiB" \
  "$build/sim/snsim" run -c configs/node8.yaml -w workloads/moe_node8_128.yaml -o "$build/bench-results/moe-node8-128" 2>&1 |
  grep -E '^cycles|^wall|FAIL' || true
echo "== MoE step on CM384 (issue 6 §5; workloads/moe_cm384.yaml: 256 of 768 dies, 128 tokens of 7168, top-8),"
echo "   its first 30,000 cycles: setup, memory and processor time per simulated cycle (the whole step: docs/performance.md \"The CM384 MoE step with the routers beside the dies and the NIs on two threads\")"
printf 'include: %s\nmax_cycles: 30000\n' "$PWD/configs/cm384.yaml" > "$cfgs/cm384-moe-30k.yaml"
/usr/bin/time -v "$build/sim/snsim" run -c "$cfgs/cm384-moe-30k.yaml" -w workloads/moe_cm384.yaml \
  -o "$build/bench-results/moe-cm384" 2>&1 | grep -E '^(cycles|instructions|snsim run: no finish)|Elapsed|Maximum resident|User time' || true
echo "== HBM stack: simulated requests per second, saturating random 64 B reads and streaming reads"
"$build/testbenches/bench/snsim-bench-hbm" --requests 1000000
"$build/testbenches/bench/snsim-bench-hbm" --requests 1000000 --pattern stream
echo "== snsim mem on configs/hbm2e-random.yaml (with the timing checker)"
/usr/bin/time -f "peak resident memory: %M KiB" "$build/sim/snsim" mem -c configs/hbm2e-random.yaml \
  --check -o "$build/bench-results/mem" | sed -n '3p;10,11p'
echo "== synthesis (Yosys)"
scripts/synth.sh
