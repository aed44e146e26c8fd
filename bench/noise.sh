#!/usr/bin/env bash
# Noise bands: how far apart two runs of the same cell land on this machine.
#
# Runs `shootout run --quick` RUNS times (default 3), each into its own
# folder, then prints, per metric, the spread of every cell across runs as
# |a - b| / max(a, b) over all pairs of runs: the median and the maximum over
# cells. The metric registry (crates/shootout/src/suite/metric.rs) keeps a
# band at or above the maximum seen; docs/noise.md records the figures.
#
#   bench/noise.sh            # 3 runs, about 4 minutes each on 2 vCPUs
#   RUNS=5 bench/noise.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
out=${OUT:-target/shootout/noise}
cargo build --release --locked --quiet
for k in $(seq 1 "$runs"); do
  echo "== run $k of $runs" >&2
  target/release/shootout run --quick --seed "$k" --out "$out/run-$k" > "$out-run-$k.txt" 2>&1 || {
    echo "run $k failed; see $out-run-$k.txt" >&2; exit 1; }
done
python3 bench/noise.py "$out"/run-*/results.json
