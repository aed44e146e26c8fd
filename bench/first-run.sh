#!/usr/bin/env bash
# The README's main command as a new user meets it: a fresh clone, empty
# caches (cargo registry and target, npm, Go modules and build cache,
# shootout's own cache of runtimes, PostgreSQL and builds), then
# `cargo run --release -- run --quick`, every output line stamped. Prints
# the compile time, the run's per-phase table (bench/time-budget.py) and the
# total. Rust, Go and Node.js stay installed (a fresh machine has them).
# Run it on a quiet machine: it is a measurement.
#
#   bench/first-run.sh                  # about 10-15 minutes on 2 vCPUs
#   KEEP=1 bench/first-run.sh           # keep the clone and caches afterwards
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/shootout-first-run.XXXXXX)
cleanup() { [[ -n "${KEEP:-}" ]] || rm -rf "$work"; }
trap cleanup EXIT
git clone -q "$repo" "$work/clone"
export CARGO_HOME="$work/cargo" SHOOTOUT_CACHE="$work/shootout-cache" \
    npm_config_cache="$work/npm" GOMODCACHE="$work/gomod" GOCACHE="$work/gocache"
unset CARGO_TARGET_DIR CI
log="$work/first-run.txt"
cd "$work/clone"
python3 - "$log" cargo run --release -- run --quick --out "$work/out" <<'PY'
import subprocess, sys, time
log, argv = sys.argv[1], sys.argv[2:]
t0 = time.time()
with open(log, "w", encoding="utf-8") as f:
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    for line in p.stdout:
        stamped = f"{time.time() - t0:7.1f} {line}"
        f.write(stamped)
        sys.stderr.write(stamped)
    sys.exit(p.wait())
PY
# The run's own phases, timed from the moment shootout started.
python3 - "$log" "$work/run.txt" <<'PY'
import re, sys
src, dst = sys.argv[1], sys.argv[2]
lines = open(src, encoding="utf-8").read().splitlines()
start = next(float(l.split()[0]) for l in lines if "Running `" in l)
with open(dst, "w", encoding="utf-8") as f:
    for l in lines:
        m = re.match(r"^\s*([\d.]+) (.*)$", l)
        if m and float(m.group(1)) >= start:
            f.write(f"{float(m.group(1)) - start:7.1f} {m.group(2)}\n")
total = float(lines[-1].split()[0])
print(f"compile (cargo, empty cache): {start:.0f} s")
print(f"whole command: {total:.0f} s ({total / 60:.1f} min)")
PY
python3 "$repo/bench/time-budget.py" "$work/run.txt"
