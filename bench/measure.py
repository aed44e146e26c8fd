#!/usr/bin/env python3
"""Runs a load generator and reports what it achieved and what it cost.

Usage: measure.py KIND -- COMMAND...   (KIND: wrk | shootout[-uring|-epoll] | oha | hyper)
Prints one JSON line: requests_per_s (from the tool's own output) and the
generator's CPU seconds (user and system, from the kernel's accounting of the
child), so generators can be compared per request even when the target,
not the generator, is the bottleneck.
"""
import json
import re
import resource
import subprocess
import sys
import time

kind = sys.argv[1]
cmd = sys.argv[sys.argv.index("--") + 1:]
before = resource.getrusage(resource.RUSAGE_CHILDREN)
start = time.monotonic()
out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
wall = time.monotonic() - start
after = resource.getrusage(resource.RUSAGE_CHILDREN)
user = after.ru_utime - before.ru_utime
system = after.ru_stime - before.ru_stime
cpu = user + system

if kind == "wrk":
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
elif kind.startswith("shootout"):
    r = json.loads(out)
    rps, total = r["requests_per_s"], r["completed"]
elif kind == "oha":
    r = json.loads(out)
    rps = r["summary"]["requestsPerSec"]
    total = sum(r.get("statusCodeDistribution", {}).values())
else:
    rps = float(out.strip())
    total = rps * float(cmd[-1])
print(json.dumps({"kind": kind, "rps": rps, "cpu_s": cpu, "user_s": user, "sys_s": system,
                  "wall_s": wall, "requests": total,
                  "cpu_us_per_request": cpu / total * 1e6 if total else None}))
