"""Spread of each metric between runs of the same (scenario, contender) cell.

Usage: noise.py results.json results.json [...]
Prints one line per metric: cells compared, median and maximum spread, where
the spread of a cell is max |a - b| / max(|a|, |b|) over pairs of runs.
"""
import itertools
import json
import statistics
import sys

runs = [json.load(open(path)) for path in sys.argv[1:]]
values = {}  # (metric, scenario, contender) -> [value per run]
for results in runs:
    for s in results["scenarios"]:
        for cell in s["cells"]:
            if cell["marked"]:
                continue
            for metric, est in cell["summary"].items():
                values.setdefault((metric, s["name"], cell["contender"]), []).append(est["median"])

spreads = {}
for (metric, _, _), vs in values.items():
    if len(vs) < 2:
        continue
    worst = 0.0
    for a, b in itertools.combinations(vs, 2):
        top = max(abs(a), abs(b))
        if top > 0:
            worst = max(worst, abs(a - b) / top)
    spreads.setdefault(metric, []).append(worst)

print(f"{'metric':32} {'cells':>5} {'median':>8} {'max':>8}")
for metric in sorted(spreads):
    s = spreads[metric]
    print(f"{metric:32} {len(s):5d} {statistics.median(s):8.3f} {max(s):8.3f}")
