#!/usr/bin/env python3
"""One decode step's kernels from an Nsight Compute CSV (ncu --csv --graph-profiling node).

The decode step is one CUDA graph replayed every token, so its kernel sequence repeats at the end
of the log: find the shortest period p with the last p names equal to the p before them, and
report those kernels grouped by name (count, total and mean time in isolation, DRAM bytes read,
GB/s), with the sum beside the step time the caller measured without the profiler.
Usage: ncu_step.py NCU.csv [step_ms]
"""
import csv
import sys
from collections import OrderedDict


def kernels(path):
    rows = OrderedDict()
    with open(path, newline="") as f:
        lines = [l for l in f if l.startswith('"')]  # ncu prefixes its own messages with ==PROF==
    for r in csv.DictReader(lines):
        k = rows.setdefault(r["ID"], {"name": r["Kernel Name"].split("(")[0], "grid": r.get("Grid Size", "")})
        value = r["Metric Value"].replace(",", "")
        try:
            v = float(value)
        except ValueError:
            continue
        unit = r["Metric Unit"]
        scale = {"ns": 1e-3, "nsecond": 1e-3, "us": 1.0, "usecond": 1.0, "ms": 1e3, "msecond": 1e3, "byte": 1, "Kbyte": 1e3, "Mbyte": 1e6,
                 "Gbyte": 1e9}.get(unit, 1.0)
        k[r["Metric Name"]] = v * scale
    return list(rows.values())


def period(names):
    for p in range(100, len(names) // 2 + 1):
        if names[-p:] == names[-2 * p:-p]:
            return p
    return len(names)


def main():
    ks = kernels(sys.argv[1])
    step = ks[-period([k["name"] for k in ks]):]
    groups = OrderedDict()
    for k in step:
        g = groups.setdefault((k["name"], k["grid"]), [0, 0.0, 0.0])
        g[0] += 1
        g[1] += k.get("gpu__time_duration.sum", 0.0)
        g[2] += k.get("dram__bytes_read.sum", 0.0)
    total = sum(g[1] for g in groups.values())
    print(f"{'kernel':44} {'grid':>14} {'n':>4} {'total us':>9} {'mean us':>8} {'MB read':>8} {'GB/s':>6}")
    for (name, grid), (n, us, b) in sorted(groups.items(), key=lambda kv: -kv[1][1]):
        print(f"{name[:44]:44} {grid[:14]:>14} {n:4d} {us:9.1f} {us / n:8.2f} {b / 1e6:8.1f} "
              f"{b / (us * 1e3) if us else 0:6.0f}")
    line = f"{len(step)} kernels in the step, {total / 1e3:.3f} ms in isolation"
    if len(sys.argv) > 2:
        line += f" against {float(sys.argv[2]):.3f} ms a step in the graph"
    print(line)


if __name__ == "__main__":
    main()
