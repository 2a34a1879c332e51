#!/usr/bin/env python3
"""Why the profiled kernels wait: one line per launch of an Nsight Compute CSV (--csv --page details)
that holds the smsp__average_warps_issue_stalled_*_per_issue_active metrics (gpu_kernels.sh PROFILE).

Each line: kernel, grid, block, registers, duration (ns in the CSV), issue slots busy, and the largest stall reasons
as warps per issue cycle (what each reason costs: the sum over reasons is the warp cycles per issued
instruction), so "long_scoreboard 6.1" reads as: on average 6.1 warps were waiting on global memory
(or L1) for each instruction issued.
Usage: ncu_stalls.py NCU.csv [top]
"""
import csv
import sys
from collections import OrderedDict

PREFIX, SUFFIX = "smsp__average_warps_issue_stalled_", "_per_issue_active"
ISSUED = "sm__inst_issued.avg.pct_of_peak_sustained_active"  # issue slots busy


def launches(path):
    rows = OrderedDict()
    with open(path, newline="") as f:
        lines = [l for l in f if l.startswith('"')]  # ncu prefixes its own messages with ==PROF==
    for r in csv.DictReader(lines):
        k = rows.setdefault(r["ID"], {"name": r["Kernel Name"].split("(")[0].split("<")[0],
                                      "grid": r.get("Grid Size", ""), "block": r.get("Block Size", ""), "stalls": {}})
        name, value = r["Metric Name"], r["Metric Value"].replace(",", "")
        try:
            v = float(value)
        except ValueError:
            continue
        if name.endswith(".ratio"):  # ncu also reports .pct and .max_rate of each stall metric
            name = name[:-len(".ratio")]
        elif "." in name and name.split(".")[0].startswith(PREFIX):
            continue
        if name.startswith(PREFIX) and name.endswith(SUFFIX):
            k["stalls"][name[len(PREFIX):-len(SUFFIX)]] = v
        else:
            k[name] = v
    return list(rows.values())


def main():
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    for k in launches(path):
        stalls = sorted(((v, n) for n, v in k["stalls"].items() if n not in ("selected",)), reverse=True)[:top]
        print(f'{k["name"][:26]:26} {k["grid"]:>14} {k["block"]:>12} regs {k.get("Registers Per Thread", 0):3.0f} '
              f'{k.get("Duration", 0) / 1000:7.2f} us  issue {k.get(ISSUED, 0):5.1f}%  ' +
              "  ".join(f"{n} {v:.2f}" for v, n in stalls))


if __name__ == "__main__":
    main()
