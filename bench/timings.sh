#!/usr/bin/env bash
# Measures the rows of docs/timings.toml and renders the docs' timing tables
# from it (README.md's first screen, docs/time-budget.md). Run it on a quiet
# machine, under the benchmark lock:
#
#   flock /tmp/shootout-bench.lock bench/timings.sh quick-built   # ~11 min: run --quick, builds reused
#   flock /tmp/shootout-bench.lock bench/timings.sh quick-fresh   # empty cargo and shootout caches first
#   flock /tmp/shootout-bench.lock bench/timings.sh default       # a whole default run (hours on 2 CPUs)
#   bench/timings.sh full      # not run: records the estimate `run --full` prints, said so
#   bench/timings.sh render    # only re-render the tables from the file
set -euo pipefail
cd "$(dirname "$0")/.."
row=${1:?usage: bench/timings.sh quick-built|quick-fresh|default|full|render}
log=target/shootout/timings/$row.txt
mkdir -p "$(dirname "$log")"
case "$row" in
render)
  exec python3 bench/timings.py render ;;
full)
  # The estimate line comes before anything is built or measured.
  cargo build --release --locked --quiet -p shootout
  line=$(timeout 120 target/release/shootout run --full --out target/shootout/timings/full 2>&1 \
    | grep -m1 -E 'about [0-9]+ min' || true)
  min=$(grep -oE 'about [0-9]+ min' <<<"$line" | grep -oE '[0-9]+') \
    || { echo "no estimate in: $line" >&2; exit 1; }
  exec python3 bench/timings.py record full $((min * 60)) --estimate ;;
quick-fresh)
  export CARGO_TARGET_DIR=$PWD/target/shootout/timings/fresh-target
  export SHOOTOUT_CACHE=$PWD/target/shootout/timings/fresh-cache
  rm -rf "$CARGO_TARGET_DIR" "$SHOOTOUT_CACHE"
  start=$(date +%s.%N)
  cargo build --release --locked --quiet -p shootout
  "$CARGO_TARGET_DIR/release/shootout" run --quick --out target/shootout/timings/fresh >"$log" 2>&1
  secs=$(python3 -c "import time; print(time.time() - $start)")
  exec python3 bench/timings.py record quick-fresh "$secs" ;;
quick-built|default)
  [[ "$row" == quick-built ]] && export MODE=quick || export MODE=default
  OUT=target/shootout/timings/$row bench/time-budget.sh >"$log.table" 2>"$log"
  secs=$(grep -oE '\*\*total\*\* \| [0-9]+ \| [0-9]+' "$log.table" | grep -oE '[0-9]+$')
  first=$(grep -oE 'First table printed [0-9]+' "$log.table" | grep -oE '[0-9]+$' || true)
  exec python3 bench/timings.py record "$row" "$secs" $first ;;
*)
  echo "unknown row $row" >&2; exit 2 ;;
esac
