#!/usr/bin/env bash
# Supervisor benchmarks (targets from the supervisor issue, measured, never asserted in tests):
#   1. the resource sampler's own cost at 20 Hz (target: under 1% of one CPU),
#      on a single process and on a tree of 50;
#   2. cold-start timing resolution: repeated `shootout coldstart rust-axum`
#      runs agree within ±1 ms at the median.
# Usage: bench/supervisor.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_SAMPLED=30 REPEATS=5 RUNS=20
if [[ "${1:-}" == "--quick" ]]; then SECONDS_SAMPLED=10 REPEATS=3 RUNS=10; fi

echo "building (release)…" >&2
cargo build --release --quiet -p shootout --bins --examples
SHOOTOUT=target/release/shootout

echo "== 1. sampler cost"
target/release/examples/sampler_cost "$SECONDS_SAMPLED" 1
target/release/examples/sampler_cost "$SECONDS_SAMPLED" 50

echo
echo "== 2. cold-start resolution: rust-axum, $REPEATS repetitions of $RUNS starts"
medians=()
for i in $(seq 1 "$REPEATS"); do
  m=$("$SHOOTOUT" coldstart rust-axum --runs "$RUNS" --json 2>/dev/null \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["health_ms"]["median"])')
  medians+=("$m")
  echo "repetition $i: median spawn → first 200 = $m ms"
done
python3 - "${medians[@]}" <<'PY'
import statistics, sys
m = [float(x) for x in sys.argv[1:]]
mid = statistics.median(m)
spread = max(abs(x - mid) for x in m)
print(f"medians {min(m):.2f}–{max(m):.2f} ms; largest distance from their median {spread:.2f} ms "
      f"(target ±1 ms): {'ok' if spread <= 1.0 else 'MISSED'}")
PY
