#!/usr/bin/python3
"""Figures of a `snsim net` run: latency.png (packet latency against accepted load, one point per
offered load of the sweep) and links.png (utilization of every router output port, routers down,
ports across, for the busiest measurement). Reads net.json and links.json from the results
directory given as the only argument; writes the PNGs beside them. Called by `snsim net --plot`,
and by `snsim run --plot` on a machine, which writes only links.json (its "title" names the run)."""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: plot_net.py RESULTS_DIR", file=sys.stderr)
        return 2
    out = sys.argv[1]
    net = {}
    if os.path.exists(os.path.join(out, "net.json")):
        with open(os.path.join(out, "net.json")) as f:
            net = json.load(f)
    title = os.path.basename(net.get("config_file", "snsim net"))
    points = net.get("points", [])
    if points:
        acc = [p["accepted_load"] for p in points]
        fig, ax = plt.subplots(figsize=(6, 4))
        for key, label in (("latency_mean_cycles", "mean"), ("latency_p99_cycles", "p99")):
            ax.plot(acc, [p[key] for p in points], marker="o", label=label)
        sat = [p for p in points if p["saturated"]]
        if sat:
            ax.scatter([p["accepted_load"] for p in sat], [p["latency_mean_cycles"] for p in sat],
                       marker="x", color="red", zorder=3, label="saturated")
        ax.set_yscale("log")
        ax.set_xlabel("accepted load (flits per endpoint port per cycle)")
        ax.set_ylabel("packet latency (cycles)")
        ax.set_title(f"{title}: latency vs load")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out, "latency.png"), dpi=120)
        plt.close(fig)
    links_path = os.path.join(out, "links.json")
    if os.path.exists(links_path):
        with open(links_path) as f:
            links = json.load(f)
        title = links.get("title", title)
        if links.get("points"):
            # The last measurement is the most loaded one of a sweep (or the all-to-all).
            last = links["points"][-1]
            rows = last["util"]
            width = max(len(r) for r in rows)
            grid = np.full((len(rows), width), np.nan)
            for i, r in enumerate(rows):
                for j, v in enumerate(r):
                    if v is not None:
                        grid[i, j] = v
            fig, ax = plt.subplots(figsize=(min(14, 3 + width * 0.2), min(14, 2 + len(rows) * 0.03 + 2)))
            im = ax.imshow(grid, aspect="auto", interpolation="nearest", cmap="viridis", vmin=0, vmax=1)
            ax.set_xlabel("output port")
            names = links.get("routers", [])
            if len(names) == len(rows) and len(rows) <= 40:  # few enough to name
                ax.set_yticks(range(len(rows)), names)
                ax.set_ylabel("router")
            else:
                ax.set_ylabel("router (order of links.json)")
            ax.set_title(f"{title}\nlink utilization, {last['label']}")
            fig.colorbar(im, ax=ax, label="flits per cycle")
            fig.tight_layout()
            fig.savefig(os.path.join(out, "links.png"), dpi=120)
            plt.close(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main())
