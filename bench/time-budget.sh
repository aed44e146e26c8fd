#!/usr/bin/env bash
# Where the time of `shootout run --quick` goes: runs it once with every
# output line stamped with the seconds since the start, then prints the
# per-phase table that docs/time-budget.md keeps (builds, verification, each
# scenario, time to the first table). Run it on a quiet machine; pass other
# `run` arguments after `--` (e.g. `bench/time-budget.sh -- --contenders all`).
#
#   bench/time-budget.sh                  # about 8 minutes with everything built
#   MODE=default bench/time-budget.sh     # a default run (3 trials)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${MODE:-quick}
out=${OUT:-target/shootout/time-budget}
[[ "${1:-}" == "--" ]] && shift
cargo build --release --locked --quiet -p shootout
flags=()
[[ "$mode" == quick ]] && flags+=(--quick)
[[ "$mode" == full ]] && flags+=(--full)
mkdir -p "$out"
log="$out/run-output.txt"
python3 - "$log" target/release/shootout run "${flags[@]}" --out "$out" "$@" <<'PY'
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
python3 bench/time-budget.py "$log"
