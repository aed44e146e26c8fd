#!/usr/bin/env python3
"""Where the time of a `shootout run` goes, from its timestamped progress.

Reads the output of `bench/time-budget.sh` (each line prefixed with the
seconds since the run started) and prints a Markdown table: builds,
verification, then each scenario's wall time (first cell start to the next
scenario's first cell), its cells, and the run's total and time to the first
table.
"""
import re
import sys
from collections import OrderedDict

CELL = re.compile(r"^\s*([\d.]+) shootout: \[[#-]+\] (\d+)/(\d+) cells, .*\| (\S+) / (\S+) / trial (\d+)")
STAMP = re.compile(r"^\s*([\d.]+) ")


def main(path: str) -> None:
    starts: "OrderedDict[str, float]" = OrderedDict()
    cells: dict[str, int] = {}
    ready = verify_start = first_table = end = None
    for line in open(path, encoding="utf-8"):
        m = STAMP.match(line)
        if not m:
            continue
        t = float(m.group(1))
        end = t
        if "ready to verify" in line and ready is None:
            ready = t
        if "verifying" in line and verify_start is None:
            verify_start = t
        c = CELL.match(line)
        if c:
            scenario = c.group(4)
            starts.setdefault(scenario, t)
            cells[scenario] = cells.get(scenario, 0) + 1
        elif first_table is None and starts and re.match(r"^\s*[\d.]+ \S+ — ", line):
            first_table = t
    if end is None or not starts:
        sys.exit(f"{path}: no progress lines")
    names = list(starts)
    matrix_start = starts[names[0]]
    print("| phase | cells | seconds | share |")
    print("|---|---:|---:|---:|")
    rows = []
    if ready is not None:
        # Older runs built everything, then verified.
        rows.append(("builds (side by side, reused when unchanged)", "", ready))
        if verify_start is not None:
            rows.append(("verification (contract, database mode too)", "", matrix_start - verify_start))
    elif verify_start is not None:
        # Each contender is verified as soon as its build ends.
        rows.append(("builds, until the first is ready (side by side, reused when unchanged)", "", verify_start))
        rows.append(("verification (contract, database mode too), the other builds beside it", "", matrix_start - verify_start))
    for i, name in enumerate(names):
        stop = starts[names[i + 1]] if i + 1 < len(names) else end
        rows.append((name, str(cells[name]), stop - starts[name]))
    for name, n, s in rows:
        print(f"| {name} | {n} | {s:.0f} | {100 * s / end:.0f}% |")
    print(f"| **total** | {sum(cells.values())} | {end:.0f} | 100% |")
    if first_table is not None:
        print(f"\nFirst table printed {first_table:.0f} s after the start.")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/dev/stdin")
