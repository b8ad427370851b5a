#!/usr/bin/env python3
"""The UB microbenchmark (issue 6 §2): runs firmware/kernels/ub_bench.s through `snsim run` within
one node and across two nodes, and prints read / write bandwidth and 512 B latency beside the
figures of HARDWARE.md §4 (CM paper Table 1). The kernel times itself with the cycle counter and
leaves bytes and cycles in die 0's result tensor (result.die0.npy); this script only converts them
with the die clock that `snsim run` prints. Prints figures; asserts nothing (the calibration's test
is testbenches/models/npu/test_ub_calibration.cpp).

usage: scripts/ub_bench.py BUILD_DIR [CONFIG]   (CONFIG: default configs/cm384.yaml)
"""
import re
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# HARDWARE.md §4 [P CM Table 1]: (GB/s or us) per figure, intra-node and inter-node.
TARGETS = {
    ("read", "bandwidth"): (167, 164),
    ("write", "bandwidth"): (137, 135),
    ("read", "latency"): (1.2, 1.9),
    ("write", "latency"): (1.3, 2.1),
}


def read_npy_i32(path):
    """The values of a little-endian int32 .npy file (version 1 or 2 header)."""
    raw = Path(path).read_bytes()
    if raw[:6] != b"\x93NUMPY":
        raise ValueError(f"{path}: not an .npy file")
    major = raw[6]
    hlen, start = (struct.unpack_from("<H", raw, 8)[0], 10) if major == 1 else (struct.unpack_from("<I", raw, 8)[0], 12)
    header = raw[start:start + hlen].decode("latin1")
    if "'<i4'" not in header:
        raise ValueError(f"{path}: expected int32 data, header {header.strip()}")
    data = raw[start + hlen:]
    return list(struct.unpack(f"<{len(data) // 4}i", data))


def run(build, config, workload, out):
    cmd = ["/usr/bin/time", "-f", "%U %S %M", str(Path(build) / "sim" / "snsim"), "run", "-c", str(config), "-w",
           str(workload), "-o", str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"ub_bench: {' '.join(cmd[3:])} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    m = re.search(r" at ([0-9.]+) ?(k|M|G)Hz", p.stdout)
    if not m:
        sys.exit(f"ub_bench: no die clock in the output of {' '.join(cmd[3:])}")
    hz = float(m.group(1)) * {"k": 1e3, "M": 1e6, "G": 1e9}[m.group(2)]
    user, system, rss = p.stderr.strip().splitlines()[-1].split()
    r = read_npy_i32(Path(out) / "result.die0.npy")
    figures = {
        ("write", "bandwidth"): r[0] / (r[1] / hz) / 1e9,
        ("read", "bandwidth"): r[2] / (r[3] / hz) / 1e9,
        ("write", "latency"): r[6] / r[5] / hz * 1e6,
        ("read", "latency"): r[7] / r[5] / hz * 1e6,
    }
    return figures, float(user) + float(system), int(rss)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    build = Path(sys.argv[1])
    config = Path(sys.argv[2]) if len(sys.argv) == 3 else ROOT / "configs" / "cm384.yaml"
    results = {}
    for i, where in enumerate(("intra", "inter")):
        figures, cpu, rss = run(build, config, ROOT / "workloads" / f"ub_bench_{where}.yaml",
                                build / "bench-results" / f"ub-{where}")
        print(f"{where}-node run on {config.name}: {cpu:.1f} s processor time, peak resident memory {rss} KiB")
        for key, value in figures.items():
            results[key + (i,)] = value
    print(f"{'figure':<16} {'intra target':>12} {'simulated':>10} {'error':>7}   "
          f"{'inter target':>12} {'simulated':>10} {'error':>7}")
    for (op, kind), targets in TARGETS.items():
        unit = "GB/s" if kind == "bandwidth" else "us"
        cells = []
        for i, target in enumerate(targets):
            got = results[(op, kind, i)]
            cells.append(f"{target:>7g} {unit:<4} {got:>10.4g} {100 * (got - target) / target:>+6.1f}%")
        print(f"{op + ' ' + kind:<16} {cells[0]}   {cells[1]}")


if __name__ == "__main__":
    main()
