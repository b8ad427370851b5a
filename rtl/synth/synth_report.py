#!/usr/bin/env python3
"""Figures, reports and budget check of scripts/synth.sh (docs/synthesis.md).

Reads what each Yosys run left in rtl/synth/out/ (<tag>.stat: `stat -top`, <tag>.mem: the $mem_v2
cells of the flattened copy, <tag>.ltp: `ltp -noff` on it, <tag>.time: start, end, exit status),
writes <tag>.report and <tag>.json, and checks every figure against rtl/synth/budgets.json: more
than LIMIT_PCT over the budget fails. --update-budgets rewrites the budgets from the figures plus
MARGIN_PCT instead. Exit status 1 when a run failed or a figure is over its limit.
"""
import argparse
import json
import math
import re
import sys
from pathlib import Path

FIGURES = ("cells", "flip_flops", "logic_depth", "memory_bits")
LIMIT_PCT = 5.0   # a figure may exceed its budget by this much
MARGIN_PCT = 2.0  # --update-budgets: budget = measured figure + this, rounded up
FF_PREFIXES = ("$_DFF", "$_SDFF", "$_ALDFF")
LATCH_PREFIXES = ("$_DLATCH", "$_SR_", "$dlatch", "$adlatch")


def fail(msg):
    print(f"synth: {msg}", file=sys.stderr)


def wrapper_params(cfg):
    """The fixed parameters of a configuration, from rtl/synth/configs.json."""
    return dict(json.loads(Path("rtl/synth/configs.json").read_text())[cfg])


def parse_stat(path):
    """Totals of the `design hierarchy` section of `stat -top`: cell count and cells by type."""
    lines = path.read_text().splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if "=== design hierarchy ===" in l)
    except StopIteration:
        raise ValueError(f"{path}: no 'design hierarchy' section (stat -top missing?)")
    cells, by_type, in_cells = None, {}, False
    for line in lines[start:]:
        m = re.match(r"\s+Number of cells:\s+(\d+)", line)
        if m:
            cells, in_cells = int(m.group(1)), True
            continue
        if in_cells:
            m = re.match(r"\s+(\S+)\s+(\d+)$", line)
            if not m:
                break
            by_type[m.group(1)] = int(m.group(2))
    if cells is None:
        raise ValueError(f"{path}: no total cell count")
    return cells, by_type


def parse_mem(path):
    """Memories of the flattened design, grouped by (width, depth)."""
    groups, width, size = {}, None, None
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("cell $mem_v2 "):
            width = size = None
        elif line.startswith("parameter \\WIDTH "):
            width = int(line.split()[-1])
        elif line.startswith("parameter \\SIZE "):
            size = int(line.split()[-1])
        elif line == "end" and width is not None and size is not None:
            groups[(width, size)] = groups.get((width, size), 0) + 1
            width = size = None
    return [{"count": n, "width": w, "depth": d, "bits": n * w * d}
            for (w, d), n in sorted(groups.items(), key=lambda kv: -kv[0][0] * kv[0][1])]


def parse_ltp(path):
    """Length and end points of the longest path reported by `ltp`."""
    text = path.read_text()
    m = re.search(r"Longest topological path in \S+ \(length=(\d+)\)", text)
    if not m:
        raise ValueError(f"{path}: no 'Longest topological path' line")
    nodes = re.findall(r"^\s+\d+: (\S+)", text, re.M)
    return int(m.group(1)), (nodes[0] if nodes else "?"), (nodes[-1] if nodes else "?")


def measure(out, cfg, tag, payload):
    t0, t1, rc = (out / f"{tag}.time").read_text().split()
    if int(rc) != 0:
        return None
    params = wrapper_params(cfg)
    if payload:
        params["PayloadW"] = payload
    cells, by_type = parse_stat(out / f"{tag}.stat")
    mems = parse_mem(out / f"{tag}.mem")
    depth, path_from, path_to = parse_ltp(out / f"{tag}.ltp")
    latches = sum(n for t, n in by_type.items() if t.startswith(LATCH_PREFIXES))
    return {
        "config": cfg,
        "top": f"sn_router_synth_{cfg}",
        "params": params,
        "flit_bits": 34 + params["PayloadW"],
        "figures": {
            "cells": cells,
            "flip_flops": sum(n for t, n in by_type.items() if t.startswith(FF_PREFIXES)),
            "logic_depth": depth,
            "memory_bits": sum(m["bits"] for m in mems),
        },
        "cells_by_type": by_type,
        "memories": mems,
        "longest_path": {"from": path_from, "to": path_to},
        "latches": latches,
        "check_assert": "passed",
        "yosys_seconds": round(float(t1) - float(t0), 1),
        "yosys_version": yosys_version(out / f"{tag}.log"),
    }


def yosys_version(log):
    m = re.search(r"Yosys (\d+\.\d+\S*)", log.read_text(errors="replace")) if log.exists() else None
    return m.group(1) if m else "?"


def write_report(out, tag, r, budget):
    f = r["figures"]
    p = r["params"]
    lines = [
        f"snsim synthesis report: {r['config']} ({r['top']}), Yosys {r['yosys_version']}",
        "parameters: " + ", ".join(f"{k} {v}" for k, v in p.items()) + f" (flit {r['flit_bits']} bits)",
        "flow: rtl/synth/flow.ys, hierarchical; totals from `stat -top` (DECISIONS.md D8)",
        f"latches: {r['latches']} (select -assert-none after proc and after techmap: passed)",
        f"check -assert: {r['check_assert']}",
        "",
        f"{'figure':<13}{'value':>10}{'budget':>10}{'limit':>10}",
    ]
    for k in FIGURES:
        b = budget.get(k) if budget else None
        lim = f"{b * (1 + LIMIT_PCT / 100):.0f}" if b is not None else "-"
        lines.append(f"{k:<13}{f[k]:>10}{b if b is not None else '-':>10}{lim:>10}")
    lines += ["", "logic depth: gate levels (2-input cells and muxes after abc -fast) of the longest",
              "  combinational path of a flattened copy, flip-flops and memories excluded (ltp -noff)",
              f"  from {r['longest_path']['from']}", f"  to   {r['longest_path']['to']}",
              "", "memories ($mem_v2, not mapped):"]
    for m in r["memories"]:
        lines.append(f"  {m['count']:>4} x {m['depth']:>5} x {m['width']:>4} bits = {m['bits']}")
    lines += ["", "cells by type (whole hierarchy):"]
    lines += [f"  {t:<16}{n:>10}" for t, n in sorted(r["cells_by_type"].items())]
    lines += ["", f"yosys run time: {r['yosys_seconds']} s", ""]
    (out / f"{tag}.report").write_text("\n".join(lines))
    (out / f"{tag}.json").write_text(json.dumps(r, indent=2) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--budgets", required=True, type=Path)
    ap.add_argument("--configs", nargs="+", required=True)
    ap.add_argument("--payload", type=int)
    ap.add_argument("--update-budgets", action="store_true")
    a = ap.parse_args()

    budgets = {}
    if a.budgets.exists():
        try:
            budgets = json.loads(a.budgets.read_text())
        except json.JSONDecodeError as e:
            fail(f"{a.budgets}: not valid JSON ({e})")
            return 1
    elif not a.update_budgets and not a.payload:
        fail(f"{a.budgets} is missing; create it with scripts/synth.sh --update-budgets")
        return 1

    ok, results = True, {}
    for cfg in a.configs:
        tag = f"{cfg}_w{a.payload}" if a.payload else cfg
        try:
            r = measure(a.out, cfg, tag, a.payload)
        except (OSError, ValueError, KeyError) as e:
            fail(f"{cfg}: cannot read the Yosys results ({e}); see {a.out}/{tag}.log")
            r = None
        if r is None:
            print(f"synth: {cfg}: FAILED (see {a.out}/{tag}.log)")
            ok = False
            continue
        results[cfg] = r
        budget = None if (a.payload or a.update_budgets) else budgets.get("configs", {}).get(cfg)
        f = r["figures"]
        status = "ok"
        if budget is None and not (a.payload or a.update_budgets):
            fail(f"{cfg}: no budget in {a.budgets}; add one with scripts/synth.sh --update-budgets")
            status, ok = "no budget", False
        for k in FIGURES if budget else ():
            if k not in budget:
                fail(f"{cfg}: budget for '{k}' missing in {a.budgets}")
                status, ok = "no budget", False
                continue
            over = 100.0 * (f[k] - budget[k]) / budget[k] if budget[k] else math.inf
            if f[k] > budget[k] and over > LIMIT_PCT:
                fail(f"{cfg}: {k.replace('_', ' ')} {f[k]} exceeds budget {budget[k]} by "
                     f"{over:.1f}% (limit {LIMIT_PCT:.0f}%)")
                status, ok = "over budget", False
        r["budget"] = budget
        r["status"] = status
        write_report(a.out, tag, r, budget)
        p = r["params"]
        print(f"synth: {cfg}: {status}: {p['NumPorts']} ports, {p['NumVcs']} VCs, flit {r['flit_bits']} b: "
              f"cells {f['cells']}, flip-flops {f['flip_flops']}, depth {f['logic_depth']}, "
              f"memory {f['memory_bits']} b, latches 0, check -assert passed, {r['yosys_seconds']} s"
              + (f" (report {a.out}/{tag}.report)" if status != "ok" else ""))

    if a.update_budgets and ok:
        cfgs = budgets.get("configs", {})
        for cfg, r in results.items():
            cfgs[cfg] = {k: math.ceil(r["figures"][k] * (1 + MARGIN_PCT / 100)) for k in FIGURES}
            cfgs[cfg]["params"] = r["params"]
        doc = {
            "comment": (f"Committed synthesis budgets (scripts/synth.sh, docs/synthesis.md): each is the "
                        f"measured figure plus {MARGIN_PCT:.0f}%, rounded up; the check fails when a "
                        f"figure exceeds its budget by more than {LIMIT_PCT:.0f}%. Rewrite with "
                        f"scripts/synth.sh --update-budgets."),
            "configs": dict(sorted(cfgs.items(), key=lambda kv: kv[1]["params"]["NumPorts"])),
        }
        a.budgets.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"synth: budgets rewritten in {a.budgets} for {', '.join(results)}")
    elif a.update_budgets:
        fail(f"budgets not rewritten: a run failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
