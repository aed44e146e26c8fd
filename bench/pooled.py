#!/usr/bin/env python3
"""Pooled verdicts beside each single run's (issue 22's Done-when line).

    bench/pooled.py RUN1.json RUN2.json RUN3.json

Runs `shootout claims --json` on each results file alone and on all of them
pooled, prints a Markdown table (claim, each single run's verdict, the pooled
verdict), the count of decided claims per column, and exits 1 if a pooled
verdict is decided the other way from a single run's decided verdict.
SHOOTOUT names the binary (default target/release/shootout).
"""
import json
import os
import subprocess
import sys

exe = os.environ.get("SHOOTOUT", "target/release/shootout")
files = sys.argv[1:]
if len(files) < 2:
    sys.exit(__doc__)


def claims(paths):
    out = subprocess.run([exe, "claims", *paths, "--json"], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"shootout claims {' '.join(paths)} failed:\n{out.stderr}")
    return json.loads(out.stdout)


singles = [claims([f]) for f in files]
pooled = claims(files)
short = {"SUPPORTED": "S", "REFUTED": "R", "INCONCLUSIVE": "·"}
cols = [f"run {i + 1}" for i in range(len(files))] + ["pooled"]
print(f"pooled: {pooled['stands_on']}; machines: {'; '.join(pooled['machines'])}\n")
print("| claim | " + " | ".join(cols) + " |")
print("|---|" + "---|" * len(cols))
contradictions = []
for c in pooled["claims"]:
    row = []
    for s in singles:
        v = next(x["verdict"] for x in s["claims"] if x["id"] == c["id"])
        row.append(v)
        if "INCONCLUSIVE" not in (v, c["verdict"]) and v != c["verdict"]:
            contradictions.append((c["id"], v, c["verdict"]))
    row.append(c["verdict"])
    print(f"| {c['id']} | " + " | ".join(short[v] for v in row) + " |")
decided = [
    sum(1 for c in e["claims"] if c["verdict"] != "INCONCLUSIVE") for e in singles + [pooled]
]
checks = [e.get("decided_checks", 0) for e in singles + [pooled]]
wrong = [e.get("expected_false_decisions", 0.0) for e in singles + [pooled]]
print("| **claims decided** | " + " | ".join(str(d) for d in decided) + " |")
print("| checks decided | " + " | ".join(str(d) for d in checks) + " |")
print("| expected wrong by chance (≤) | " + " | ".join(f"{w:.1f}" for w in wrong) + " |")
print("\nS supported, R refuted, · inconclusive")
if contradictions:
    print("\nPOOLED VERDICT DECIDED THE OTHER WAY FROM A SINGLE RUN:")
    for c in contradictions:
        print(f"  {c[0]}: single {c[1]}, pooled {c[2]}")
    sys.exit(1)
print("no pooled verdict is decided the other way from a single run's")
