#!/usr/bin/python3
"""make compare: CloudMatrix384 against GB200 NVL72 (issue 6 §4, DECISIONS.md D23).

Derives each system's aggregate figures (peak BF16 FLOPS, HBM capacity and bandwidth, scale-up
bandwidth per endpoint and in total) from the configs and HARDWARE.md, runs the same collectives
with the same message sizes on both networks with `snsim net` (configs/cm384-net.yaml,
configs/nvl72-net.yaml), and writes docs/comparison.md.

Where each figure comes from:
- the networks (endpoints, links per endpoint, link rate) from the net.json that `snsim net`
  writes, i.e. from the network configs as the simulator reads them;
- a CM384 die's clock, cube cores and HBM rate from configs/die.yaml, the cube's FLOP per cycle
  and a die's HBM capacity from HARDWARE.md §2-3 (constants below, with their sources);
- a B200's figures from HARDWARE.md §5 (SemiAnalysis): the NVL72 endpoints are B200s (D23).

Usage: scripts/compare.py [--snsim build/sim/snsim] [--out results/compare] [--doc docs/comparison.md]
       [--no-full]   (skip the 768-die CM384 all-to-all, the one run that takes minutes)
       [--reuse]     (keep the results of runs already in --out, e.g. to rewrite the page only)
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Figures not in any config, each with its source (HARDWARE.md section and its [tag]).
CUBE_FLOP_PER_CYCLE = 8192       # one 16x16x16 BF16 fractal per cycle: HARDWARE.md §3 [P INI; Arch 3.1]
DIE_HBM_BYTES = 64e9             # 64 GB of HBM per die: HARDWARE.md §2 [P CM 3.3.1]
DIES_PER_NPU = 2                 # HARDWARE.md §2 [P CM 3.3.1]
B200 = {                         # per GPU, HARDWARE.md §5 [S SA]
    "bf16_flops": 2500e12,
    "hbm_bytes": 192e9,
    "hbm_bytes_per_s": 8e12,
}
# HARDWARE.md §5's table (SemiAnalysis), quoted beside the derived figures.
SA = {
    "bf16": ("180 PFLOPS", "300 PFLOPS"),
    "hbm_cap": ("13.8 TB", "49.2 TB"),
    "hbm_bw": ("576 TB/s", "1,229 TB/s"),
    "scaleup": ("1x", "2.1x"),
}

SYSTEMS = ("cm384", "nvl72")
# The collectives: (name, pattern, message bytes, ranks (None = every endpoint), group of a
# hierarchical all-reduce (None = flat)). 64 ranks is the largest power of two both networks hold
# (4 CM384 nodes of 16 dies; 64 of NVL72's 72 GPUs). The hierarchical runs use groups of 16 on
# both: a CM384 node's dies; on NVL72's single tier any 16 GPUs are alike, so the same schedule.
RUNS = [
    ("all_reduce_1MiB_64", "all_reduce", 1 << 20, 64, None),
    ("all_reduce_16MiB_64", "all_reduce", 16 << 20, 64, None),
    ("all_reduce_hier16_1MiB_64", "all_reduce", 1 << 20, 64, 16),
    ("all_reduce_hier16_16MiB_64", "all_reduce", 16 << 20, 64, 16),
    ("all_to_all_7.5KB_64", "all_to_all", 7680, 64, None),
    ("all_to_all_7.5KB_all", "all_to_all", 7680, None, None),
]
FULL_RUN = "all_to_all_7.5KB_all"


def run_snsim(snsim, out, system, name, pattern, size, ranks, group, skip, reuse):
    """Runs one collective on one system; returns (net.json, processor seconds) or None if skipped.
    With reuse, a run whose results are in its directory already is read, not run again."""
    d = os.path.join(out, f"{system}-{name}")
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(d, "config.yaml")
    text = (f"include: {os.path.join(ROOT, 'configs', system + '-net.yaml')}\n"
            f"traffic:\n  pattern: {pattern}\n  message_bytes: {size}\n  ranks: {ranks or 0}\n"
            + (f"  group: {group}\n" if group else ""))
    done = os.path.join(d, "compare.json")  # written last: the run finished
    if reuse and os.path.exists(done) and open(cfg).read() == text:
        with open(os.path.join(d, "net.json")) as f, open(done) as g:
            return json.load(f), json.load(g)["processor_seconds"]
    if skip:
        return None
    with open(cfg, "w") as f:
        f.write(text)
    cmd = [snsim, "net", "-c", cfg, "-o", d]
    print("$", " ".join(cmd), flush=True)
    t0 = os.times()
    subprocess.run(cmd, check=True)
    t1 = os.times()
    cpu = (t1.children_user + t1.children_system) - (t0.children_user + t0.children_system)
    with open(done, "w") as g:
        json.dump({"processor_seconds": cpu}, g)
    with open(os.path.join(d, "net.json")) as f:
        return json.load(f), cpu


def aggregates(nets):
    """Per endpoint, per chip and whole-system figures of both systems."""
    with open(os.path.join(ROOT, "configs", "die.yaml")) as f:
        die = yaml.safe_load(f)
    clock_hz = parse_hz(die["die"]["clock"])
    aic = die["die"]["aic"]
    hbm_rate = die["gm"]["read_bytes_per_cycle"] * clock_hz
    a = {}
    for s in SYSTEMS:
        net = nets[s]["network"]
        eps = net["endpoints"]
        links = net["endpoint_links"] / eps
        scale = links * net["link_gbytes_per_s"] * 1e9
        if s == "cm384":
            a[s] = dict(endpoint="die", endpoints=eps, chips=eps // DIES_PER_NPU, per_chip=DIES_PER_NPU,
                        bf16=aic * CUBE_FLOP_PER_CYCLE * clock_hz, hbm=DIE_HBM_BYTES, hbm_bw=hbm_rate,
                        links=links, link=net["link_gbytes_per_s"], scaleup=scale)
        else:
            a[s] = dict(endpoint="GPU", endpoints=eps, chips=eps, per_chip=1, bf16=B200["bf16_flops"],
                        hbm=B200["hbm_bytes"], hbm_bw=B200["hbm_bytes_per_s"], links=links,
                        link=net["link_gbytes_per_s"], scaleup=scale)
    a["die"] = dict(clock_hz=clock_hz, aic=aic, gm_bytes_per_cycle=die["gm"]["read_bytes_per_cycle"])
    return a


def parse_hz(text):
    for unit, mult in (("GHz", 1e9), ("MHz", 1e6), ("kHz", 1e3), ("Hz", 1)):
        if str(text).endswith(unit):
            return float(str(text)[: -len(unit)]) * mult
    return float(text)


def si(v, unit, digits=1):
    """v with an SI prefix; bytes stop at T so that totals read like HARDWARE.md's (1,229 TB/s)."""
    prefixes = (("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6))
    for p, m in prefixes[1:] if unit.startswith("B") else prefixes:
        if abs(v) >= m:
            return f"{v / m:,.{digits}f} {p}{unit}"
    return f"{v:,.{digits}f} {unit}"


def figure_table(a, key, unit, sa_key, what_cm, what_nv):
    cm, nv = a["cm384"], a["nvl72"]
    rows = [
        "| | CM384 | NVL72 | CM384 / NVL72 |",
        "|---|---|---|---|",
        f"| per endpoint (CM384 die, NVL72 GPU) | {si(cm[key], unit)} | {si(nv[key], unit)} | {cm[key] / nv[key]:.2f} |",
        f"| per chip (910C = 2 dies, B200) | {si(cm[key] * cm['per_chip'], unit)} | {si(nv[key], unit)} | "
        f"{cm[key] * cm['per_chip'] / nv[key]:.2f} |",
        f"| whole system ({cm['endpoints']} dies, {nv['endpoints']} GPUs) | {si(cm[key] * cm['endpoints'], unit)} | "
        f"{si(nv[key] * nv['endpoints'], unit)} | {cm[key] * cm['endpoints'] / (nv[key] * nv['endpoints']):.2f} |",
    ]
    if sa_key:
        rows.append(f"| HARDWARE.md §5 (SemiAnalysis) | {SA[sa_key][1]} | {SA[sa_key][0]} | |")
    rows += ["", f"Sources: CM384 {what_cm}; NVL72 {what_nv}."]
    return "\n".join(rows)


def collective_rows(results, a):
    out = ["| collective | message | ranks (CM384 / NVL72) | CM384 time | NVL72 time | CM384 / NVL72 time | "
           "CM384 busbw | NVL72 busbw | busbw / rank's injection (CM384 / NVL72) |",
           "|---|---|---|---|---|---|---|---|---|"]
    for name, pattern, size, ranks, group in RUNS:
        r = {s: results.get((s, name)) for s in SYSTEMS}
        if any(v is None for v in r.values()):
            out.append(f"| {pattern.replace('_', '-')} | {size:,} B per pair | all | not run (`--no-full`) | | | | | |")
            continue
        j = {s: r[s][0][pattern] for s in SYSTEMS}
        t = {s: j[s]["simulated_seconds"] for s in SYSTEMS}
        if pattern == "all_reduce":
            bw = {s: j[s]["busbw_gbytes_per_s"] for s in SYSTEMS}
            size_text = f"{size / 2**20:g} MiB per rank"
            if group:
                size_text += f", hierarchical (groups of {group})"
        else:
            bw = {s: j[s]["gbytes_per_s_per_endpoint"] for s in SYSTEMS}
            size_text = f"{size:,} B per pair"
        inj = {s: a[s]["scaleup"] / 1e9 for s in SYSTEMS}
        out.append(f"| {pattern.replace('_', '-')} | {size_text} | {j['cm384']['ranks']} / {j['nvl72']['ranks']} | "
                   f"{t['cm384'] * 1e6:,.1f} us | {t['nvl72'] * 1e6:,.1f} us | {t['cm384'] / t['nvl72']:.2f} | "
                   f"{bw['cm384']:,.1f} GB/s | {bw['nvl72']:,.1f} GB/s | "
                   f"{100 * bw['cm384'] / inj['cm384']:.0f}% / {100 * bw['nvl72'] / inj['nvl72']:.0f}% |")
    return "\n".join(out)


def run_details(results):
    out = ["| run | simulated cycles | packets | packet latency mean / p99 (cycles) | processor time |",
           "|---|---|---|---|---|"]
    for (s, name), (j, cpu) in sorted(results.items()):
        pattern = "all_reduce" if "all_reduce" in j else "all_to_all"
        r = j[pattern]
        out.append(f"| {s} {name} | {r['cycles']:,} | {r['packets']:,} | {r['latency_mean_cycles']:,.0f} / "
                   f"{r['latency_p99_cycles']:,} | {cpu:.1f} s |")
    return "\n".join(out)


def ring_model(a, cfg, size, ranks, link, router, clock_hz):
    """Zero-load time of a ring all-reduce whose every step sends its chunk at the rank's full
    injection rate: the longest chain of 2(R-1) consecutive ring edges (a chunk's path round the
    ring), each edge its zero-load path (link + hops x (router + link)) plus the chunk's time. On a
    Clos, ranks r and r+1 of different leaves (nodes) are 3 switches apart, else 1."""
    t = cfg["topology"]
    per_leaf = t["endpoints_per_leaf"] if t["kind"] == "clos" else ranks
    hops = [1 if r // per_leaf == ((r + 1) % ranks) // per_leaf else 3 for r in range(ranks)]
    steps = 2 * (ranks - 1)
    longest = max(sum(hops[(start + k) % ranks] for k in range(steps)) for start in range(ranks))
    path_cycles = steps * link + longest * (router + link)
    return steps * size / ranks / a["scaleup"] + path_cycles / clock_hz


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snsim", default=os.path.join(ROOT, "build", "sim", "snsim"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "compare"))
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "comparison.md"))
    ap.add_argument("--no-full", action="store_true", help="skip the 768-die CM384 all-to-all (minutes)")
    ap.add_argument("--reuse", action="store_true", help="keep results already in --out")
    args = ap.parse_args()
    if not os.access(args.snsim, os.X_OK):
        print(f"compare.py: error: {args.snsim} is not an executable snsim (build it: make build)", file=sys.stderr)
        return 2

    results = {}
    for name, pattern, size, ranks, group in RUNS:
        for s in SYSTEMS:
            skip = args.no_full and name == FULL_RUN and s == "cm384"
            r = run_snsim(args.snsim, args.out, s, name, pattern, size, ranks, group, skip, args.reuse)
            if r:
                results[(s, name)] = r
    nets = {s: results[(s, RUNS[0][0])][0] for s in SYSTEMS}
    a = aggregates(nets)
    write_doc(args, a, nets, results)
    print(f"compare.py: wrote {args.doc}")
    return 0


def write_doc(args, a, nets, results):
    cm, nv = a["cm384"], a["nvl72"]
    die = a["die"]
    cfg = {s: nets[s]["config"] for s in SYSTEMS}
    hop = {}
    for s in SYSTEMS:
        clock = parse_hz(cfg[s]["clock"])
        lat = {k: -(-parse_hz_time(cfg[s]["topology"][k]) * clock // 1) for k in ("link_latency", "router_latency")}
        hop[s] = (clock, lat["link_latency"], lat["router_latency"])
    # Zero-load path of one ring step: die - leaf - die on CM384 within a node, GPU - switch - GPU on NVL72.
    path = {s: 2 * hop[s][1] + hop[s][2] for s in SYSTEMS}
    model = {(s, size): ring_model(a[s], cfg[s], size, 64, hop[s][1], hop[s][2], hop[s][0]) for s in SYSTEMS
             for size in (1 << 20, 16 << 20)}
    same = [(name, pattern, size) for name, pattern, size, ranks, group in RUNS if ranks is not None and not group]
    nvl_first = all(results[("nvl72", n)][0][p]["simulated_seconds"] < results[("cm384", n)][0][p]["simulated_seconds"]
                    for n, p, _ in same)
    a2a = {s: results[(s, "all_to_all_7.5KB_64")][0]["all_to_all"] for s in SYSTEMS}

    def a2a_loss(s):
        """Cycles the 64-rank all-to-all took beyond its injection bound."""
        return a2a[s]["cycles"] - a2a[s]["bound_cycles"]

    def hier(s, mib):
        h = results[(s, f"all_reduce_hier16_{mib}MiB_64")][0]["all_reduce"]["simulated_seconds"]
        f = results[(s, f"all_reduce_{mib}MiB_64")][0]["all_reduce"]["simulated_seconds"]
        return f"{h * 1e6:.1f} us against the flat ring's {f * 1e6:.1f} ({f / h:.2f}x faster)"
    a2a_full = {s: results.get((s, FULL_RUN)) for s in SYSTEMS}
    ar = {(s, size): results[(s, f"all_reduce_{size >> 20}MiB_64")][0]["all_reduce"]["simulated_seconds"]
          for s in SYSTEMS for size in (1 << 20, 16 << 20)}
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpus = os.cpu_count()
    text = f"""# CloudMatrix384 against GB200 NVL72

Generated by `make compare` (`scripts/compare.py`) on {today}, {cpus}-core {platform.machine()} machine
({platform.system()} {platform.release()}); the runs took {sum(cpu for _, cpu in results.values()):.0f} s of
processor time in all. Rerun it to refresh every figure below. It compares what the configs describe: the aggregate figures of the two machines, and the
**network time** of the same collectives with the same message sizes on their scale-up networks
(DECISIONS.md D23). Nothing here runs kernels or touches HBM; see "What this leaves out".

The systems (HARDWARE.md §1, §5):
- **CM384** (`configs/cm384-net.yaml`): {cm['endpoints']} endpoints, one per Ascend 910C die ({cm['chips']}
  NPUs of {DIES_PER_NPU} dies), each with {cm['links']:g} links of {cm['link']:g} GB/s per direction, one into each
  of 7 planes; a plane is 48 leaf (L1) switches and 16 spine (L2) switches; 448 switches in all.
- **NVL72** (`configs/nvl72-net.yaml`): {nv['endpoints']} endpoints, one per B200 GPU, each with
  {nv['links']:g} links of {nv['link']:g} GB/s per direction, one to each of 18 NVLink switches of 72 ports.
- Both: {hop['cm384'][1]:.0f}-cycle links and {hop['cm384'][2]:.0f}-cycle switches on CM384 ({cfg['cm384']['clock']}),
  {hop['nvl72'][1]:.0f} and {hop['nvl72'][2]:.0f} cycles on NVL72 ({cfg['nvl72']['clock']}): 100 ns each on
  both, the official UB hop of 200 ns split in two (NVLink's switch latency is not published,
  HARDWARE.md §5 [U]; the same figure is used so the networks differ only in shape and rate).
  32 B flits, 512 B packets (16 flits), the fast router model, {cfg['cm384']['router']['vcs']} VCs per port on CM384 and {cfg['nvl72']['router']['vcs']} on NVL72.

## Aggregate figures

Each table gives the figure per endpoint, per chip and for the whole system, with HARDWARE.md §5's
SemiAnalysis figure beside it. "Per endpoint" is what the network simulation's endpoints are.

### Peak BF16 compute (dense)
{figure_table(a, "bf16", "FLOPS", "bf16",
              f"{die['aic']} AIC x {CUBE_FLOP_PER_CYCLE} FLOP per cycle (HARDWARE.md §3 [P INI]) x "
              f"{die['clock_hz'] / 1e6:.0f} MHz (configs/die.yaml, the platform file's clock [P INI]); the "
              "official 376 TFLOPS per die implies ~1.91 GHz (HARDWARE.md §2), and SemiAnalysis counts "
              "780 TFLOPS per NPU, hence its 300 PFLOPS",
              "2,500 TFLOPS per B200 (HARDWARE.md §5 [S SA])")}

### HBM capacity
{figure_table(a, "hbm", "B", "hbm_cap", "64 GB per die (HARDWARE.md §2 [P CM 3.3.1])",
              "192 GB per B200 (HARDWARE.md §5 [S SA])")}

### HBM bandwidth
{figure_table(a, "hbm_bw", "B/s", "hbm_bw",
              f"{die['gm_bytes_per_cycle']} B per cycle at {die['clock_hz'] / 1e6:.0f} MHz (configs/die.yaml "
              "gm.read_bytes_per_cycle: 1.6 TB/s per die, HARDWARE.md §2 [P CM 3.3.1])",
              "8 TB/s per B200 (HARDWARE.md §5 [S SA])")}

### Scale-up bandwidth, one direction
{figure_table(a, "scaleup", "B/s", "scaleup",
              f"{cm['links']:g} links x {cm['link']:g} GB/s per die from cm384-net.yaml (HARDWARE.md §1 [P CM 3.3.1])",
              f"{nv['links']:g} links x {nv['link']:g} GB/s per GPU from nvl72-net.yaml (HARDWARE.md §5 [S NVIDIA])")}

The totals count the links from endpoints into the network. The CM384 spine tier adds no
bandwidth to that figure: it is non-blocking (each leaf has as many up-links as dies), so a
die's 196 GB/s reaches any other node. SemiAnalysis's 2.1x is below the {cm['scaleup'] * cm['endpoints'] / (nv['scaleup'] * nv['endpoints']):.2f}x
derived here; how it counts is not published.

## Collectives: network time

Each run is one collective on an idle network, timed from its first packet to the last tail
(`snsim net`, docs/network.md). Ring all-reduce: reduce-scatter then all-gather, 2(R-1) steps,
rank r forwarding a chunk only once it has arrived; ranks are endpoints 0..R-1 in order (on CM384
the 16 dies of a node, then the next node). All-to-all: every rank sends the message to every
other, in 512 B packets. Bandwidths as nccl-tests defines them (doc/PERFORMANCE.md of
NVIDIA/nccl-tests): all-reduce busbw = message / time x 2(R-1)/R, all-to-all busbw = message x
(R-1) / time; both compare with a rank's injection bandwidth (CM384 die {cm['scaleup'] / 1e9:,.0f} GB/s,
NVL72 GPU {nv['scaleup'] / 1e9:,.0f} GB/s).

{collective_rows(results, a)}

{run_details(results)}

Commands (each run's config is written beside its results, including the shipped config):
```sh
make compare                      # = scripts/compare.py: every run above, then this page
scripts/compare.py --no-full      # without the 768-die all-to-all (the run that takes minutes)
build/sim/snsim net -c results/compare/cm384-all_reduce_16MiB_64/config.yaml -o results/compare/cm384-all_reduce_16MiB_64
```

## Discussion

What the numbers say. Per rank, an NVL72 GPU has {nv['scaleup'] / cm['scaleup']:.1f}x the injection bandwidth of a
CM384 die, and both networks have the same hop latency here (200 ns a switch), so on the same
number of ranks and bytes {"NVL72 finishes first in every run" if nvl_first else "NVL72 does not always finish first (see the table)"}.
CM384's answer is scale: {cm['endpoints']} dies against {nv['endpoints']} GPUs, {cm['scaleup'] * cm['endpoints'] / (nv['scaleup'] * nv['endpoints']):.1f}x the total
scale-up bandwidth, which the whole-machine all-to-all uses{full_a2a_text(a2a_full, cm, nv)}.

The ring all-reduce is latency-bound at 1 MiB and half so at 16 MiB on NVL72. A zero-load model
(each step sends its chunk at the rank's full injection rate; a chunk's chain of 2(R-1) steps
pays one path per step: {path['cm384']:.0f} cycles die-leaf-die and {path['cm384'] + 2 * (hop['cm384'][1] + hop['cm384'][2]):.0f} between
nodes on CM384, {path['nvl72']:.0f} cycles GPU-switch-GPU on NVL72) gives 1 MiB {model[('cm384', 1 << 20)] * 1e6:.1f} us (CM384)
and {model[('nvl72', 1 << 20)] * 1e6:.1f} us (NVL72) against {ar[('cm384', 1 << 20)] * 1e6:.1f} and {ar[('nvl72', 1 << 20)] * 1e6:.1f} us
measured, and 16 MiB {model[('cm384', 16 << 20)] * 1e6:.1f} and {model[('nvl72', 16 << 20)] * 1e6:.1f} us against
{ar[('cm384', 16 << 20)] * 1e6:.1f} and {ar[('nvl72', 16 << 20)] * 1e6:.1f} us. With 64 ranks a 1 MiB chunk is 16 KiB,
which a die sends in {16384 / cm['scaleup'] * 1e9:.0f} ns and a GPU in {16384 / nv['scaleup'] * 1e9:.0f} ns, against 300 ns
for the path: the 126 hop latencies decide, and NVL72's 4.6x links buy only
{ar[('cm384', 1 << 20)] / ar[('nvl72', 1 << 20)]:.2f}x. At 16 MiB the chunk takes {262144 / cm['scaleup'] * 1e6:.2f} us on a die, so CM384
reaches {100 * results[('cm384', 'all_reduce_16MiB_64')][0]['all_reduce']['busbw_fraction_of_injection']:.0f}% of its links, while a GPU
sends it in {262144 / nv['scaleup'] * 1e6:.2f} us, about the path's 0.30 us, and reaches
{100 * results[('nvl72', 'all_reduce_16MiB_64')][0]['all_reduce']['busbw_fraction_of_injection']:.0f}%. Larger messages, fewer ranks or
NCCL-style pipelining of a chunk's packets across steps would close that gap on NVL72.

The hierarchical schedule (reduce-scatter within groups of 16, all-reduce across the 4 groups,
all-gather within groups: 36 steps instead of 126) pays 90 fewer path latencies and sends exactly
the same bytes per rank, 2(R-1)/R of the message: on CM384 1 MiB takes {hier('cm384', 1)} and 16 MiB {hier('cm384', 16)}; on
NVL72 {hier('nvl72', 1)} and {hier('nvl72', 16)}. On CM384 the groups are nodes, so only the 6
cross-group steps take the three-switch path.

The 7.5 KB all-to-all over 64 ranks is {a2a['cm384']['fraction_of_bound'] * 100:.0f}% (CM384) and {a2a['nvl72']['fraction_of_bound'] * 100:.0f}% (NVL72)
of the non-blocking bound, which counts only injection ({a2a['cm384']['bound_cycles']:,} and
{a2a['nvl72']['bound_cycles']:,} cycles). The runs take {a2a_loss('cm384'):,} and {a2a_loss('nvl72'):,} cycles longer than that. A rank's last
packets also take the path: {path['nvl72']:.0f} cycles GPU-switch-GPU on NVL72, and on CM384 {path['cm384'] + 2 * (hop['cm384'][1] + hop['cm384'][2]):.0f} cycles to another
node (three switches), so contention in the switches costs NVL72 {a2a_loss('nvl72') - path['nvl72']:,.0f} cycles and CM384
{a2a_loss('cm384') - path['cm384'] - 2 * (hop['cm384'][1] + hop['cm384'][2]):,.0f}: an all-to-all loads every leaf and spine at once, and one switch of the
two-iteration allocator with 8 VCs saturates at about 0.89 of its links under uniform 16-flit
traffic (docs/network.md, "Known limits"). Both networks use the same router model, so the limit
applies to both; it costs the three-tier path more.

What this comparison includes: the scale-up networks as configured (topology, link rates, hop
latencies, buffering and credits, the routers' allocation and the endpoints' spreading), the
collectives' communication pattern and their data dependencies, and per-packet checks that every
byte arrived. Aggregate figures are derived from the configs and HARDWARE.md as cited above.

What it leaves out:
- Compute and memory. The reduction of all-reduce is free here, and data is neither read from
  nor written to HBM; on silicon a 910C die's 1.6 TB/s of HBM and its vector cores do the
  reduction, a B200 uses SMs and 8 TB/s (NVLink SHARP can even reduce in the switch). The
  collective kernels on the machine configs include them (`snsim run`, docs/machine.md).
- Software overheads: kernel launch, synchronization flags, NCCL/HCCL protocol and chunking
  choices (NCCL picks tree or NVLS algorithms for some sizes; HCCL has its own), DMA start-up.
- NVLink's real switch latency and its link-layer details (it is not published: both networks use
  the UB figure), and UB's measured per-message overheads (HARDWARE.md §4: 1.2-1.9 us for 512 B,
  far above two 200 ns hops). The machine configs' network interfaces are calibrated to those
  figures (docs/machine.md, "Calibration"); these network-only runs leave them out.
- Other all-reduce algorithms: trees, NVLS/SHARP in-switch reduction, and pipelining a chunk's
  packets across steps (here a rank forwards a chunk only once all of it has arrived). On CM384
  a rank is a die: a 910C NPU is two of them, joined on-package at 270 GB/s each way, which these
  runs do not use.
- Equal ranks are not equal chips: 64 CM384 ranks are 32 NPUs of two dies each (4 nodes),
  64 NVL72 ranks are 64 GPUs. Per chip a B200's NVLink has
  {nv['scaleup'] / (2 * cm['scaleup']):.1f}x a 910C's UB ({nv['scaleup'] / 1e9:.0f} against {2 * cm['scaleup'] / 1e9:.0f} GB/s), not the {nv['scaleup'] / cm['scaleup']:.1f}x of a rank.
- The endpoints' choices are the shipped configs': CM384 dies spray packets over their 7 planes
  in turn and leaves pick a lightly loaded up-link for each packet (adaptive
  up-routing); NVL72 GPUs pick the switch with the shortest queue (topology.spread and
  topology.up_routing, docs/network.md). Neither is tuned for the collectives here.
- Power, cost and the RoCE/VPC planes (HARDWARE.md §1, §5: NVL72 145 kW against CM384 ~559 kW).
- The same allocator limits both networks' switches; a better allocator (docs/performance.md) would
  move the all-to-all figures of both, not necessarily by the same factor.
"""
    with open(args.doc, "w") as f:
        f.write(text)


def full_a2a_text(full, cm, nv):
    if any(v is None for v in full.values()):
        return ""
    j = {s: full[s][0]["all_to_all"] for s in SYSTEMS}
    return (f": {j['cm384']['ranks']} dies exchange 7.5 KB pairwise in {j['cm384']['simulated_seconds'] * 1e6:.1f} us "
            f"({j['cm384']['gbytes_per_s_per_endpoint'] * j['cm384']['ranks'] / 1e3:.1f} TB/s delivered in all), "
            f"{j['nvl72']['ranks']} GPUs in {j['nvl72']['simulated_seconds'] * 1e6:.2f} us "
            f"({j['nvl72']['gbytes_per_s_per_endpoint'] * j['nvl72']['ranks'] / 1e3:.1f} TB/s): the CM384 run moves "
            f"{(j['cm384']['ranks'] * (j['cm384']['ranks'] - 1)) / (j['nvl72']['ranks'] * (j['nvl72']['ranks'] - 1)):.0f}x "
            "the bytes")


def parse_hz_time(text):
    for unit, mult in (("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3), ("ps", 1e-12), ("s", 1)):
        if str(text).endswith(unit):
            return float(str(text)[: -len(unit)]) * mult
    return float(text)


if __name__ == "__main__":
    sys.exit(main())
