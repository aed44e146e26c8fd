#!/usr/bin/env bash
# Load generator benchmark (issue: "as fast as wrk and as honest as wrk2").
#
# In one run, on this machine:
#   1. throughput: the rust-axum contender's /health pinned to one CPU, the
#      generator to another; wrk and `shootout load` alternate 5 times each
#      with the same connections and duration; median requests/s of each and
#      their ratio (also oha, and a hyper-client loop, when present).
#   2. accuracy: the upstream simulator's /delay?ms=10 at 1,000 req/s
#      (open model); reported p50 should fall within 10.0-10.5 ms.
#   3. memory: 10,000 open connections for 120 s; RSS at second 10 and 120.
#
# Usage: bench/loadgen.sh [--quick]   (--quick: 2 rounds, 3 s runs, 20 s memory phase)
# Needs: cargo, taskset, wrk (installed with apt-get when missing and root).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=5 DURATION=5 CONNS=64 MEM_SECONDS=120
if [[ "${1:-}" == "--quick" ]]; then ROUNDS=2 DURATION=3 MEM_SECONDS=20; fi

ncpu=$(nproc)
if ((ncpu < 2)); then echo "needs at least 2 CPUs (one for the target, one for the generator)" >&2; exit 1; fi
TARGET_CPU=$((ncpu - 1)) GEN_CPU=0

if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]]; then apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
  else echo "wrk is missing: apt-get install wrk" >&2; exit 1; fi
fi

echo "building (release)…" >&2
cargo build --release --quiet --examples
SHOOTOUT=target/release/shootout
HYPER=target/release/examples/hyper_load

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
"$SHOOTOUT" up rust-axum --port "$port" --service-cpus "$TARGET_CPU" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.5; done
URL="http://127.0.0.1:$port/health"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo
echo "== 1. throughput: $URL on CPU $TARGET_CPU, generators on CPU $GEN_CPU, -c $CONNS, ${DURATION}s x $ROUNDS rounds"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $ncpu CPUs, kernel $(uname -r)"
results=$(mktemp)
for round in $(seq 1 "$ROUNDS"); do
  bench/measure.py wrk -- taskset -c "$GEN_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" "$URL" >> "$results"
  bench/measure.py shootout -- "$SHOOTOUT" load "$URL" -c "$CONNS" -d "${DURATION}s" --warmup 0 \
      --cpus "$GEN_CPU" --threads 1 --json >> "$results"
  if command -v oha >/dev/null; then
    bench/measure.py oha -- taskset -c "$GEN_CPU" oha -z "${DURATION}s" -c "$CONNS" --no-tui \
        --output-format json "$URL" >> "$results"
  fi
  if [[ -x "$HYPER" ]]; then
    bench/measure.py hyper -- taskset -c "$GEN_CPU" "$HYPER" "127.0.0.1:$port" "$CONNS" "$DURATION" >> "$results"
  fi
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
kinds = [k for k in ["wrk", "shootout", "oha", "hyper"] if any(r["kind"] == k for r in rows)]
med = {k: statistics.median(r["rps"] for r in rows if r["kind"] == k) for k in kinds}
cpu = {k: statistics.median(r["cpu_us_per_request"] for r in rows if r["kind"] == k) for k in kinds}
for k in kinds:
    runs = ", ".join(f"{r['rps']:,.0f}" for r in rows if r["kind"] == k)
    print(f"{k:>9}: median {med[k]:>10,.0f} req/s, {cpu[k]:.2f} CPU-us per request   (runs: {runs})")
for k in kinds:
    if k != "shootout":
        print(f"shootout/{k}: requests/s ratio {med['shootout']/med[k]:.3f}, CPU per request ratio {cpu['shootout']/cpu[k]:.3f}")
if "oha" not in kinds:
    print("oha: not installed (cargo install oha), skipped")
PY

echo
echo "== 2. accuracy: upstream /delay?ms=10 at 1000 req/s (open model), upstream on CPU $TARGET_CPU"
uport=$((port + 1))
taskset -c "$TARGET_CPU" "$SHOOTOUT" upstream --port "$uport" >/dev/null 2>&1 &
pids+=($!)
sleep 1
"$SHOOTOUT" load "http://127.0.0.1:$uport/delay?ms=10&token=bench" --rate 1000 -c 100 -d 10s \
    --cpus "$GEN_CPU" --threads 1 --json > /tmp/shootout-accuracy.json
python3 - <<'PY'
import json
r = json.load(open("/tmp/shootout-accuracy.json"))
lat, svc = r["latency"], r["service_time"]
p50 = lat["p50_us"] / 1000
verdict = "ok" if 10.0 <= p50 <= 10.5 else "MISSED"
print(f"p50 {p50:.2f} ms (target 10.0-10.5): {verdict}; p99 {lat['p99_us']/1000:.2f} ms; "
      f"service-time p50 {svc['p50_us']/1000:.2f} ms; achieved {r['schedule']['achieved_rate']:.1f}/s")
PY

echo
echo "== 3. memory: 10,000 connections to /health for ${MEM_SECONDS}s (generator on CPU $GEN_CPU)"
ulimit -n 65536 2>/dev/null || echo "warning: cannot raise the open-files limit to 65536"
"$SHOOTOUT" load "$URL" -c 10000 -d "${MEM_SECONDS}s" --warmup 0 --cpus "$GEN_CPU" --threads 1 --json > /tmp/shootout-mem.json &
gen=$!
pids+=("$gen")
rss_at() { awk '/VmRSS/ {print $2}' "/proc/$gen/status" 2>/dev/null || echo 0; }
early=0 late=0 peak=0
for s in $(seq 1 "$MEM_SECONDS"); do
  sleep 1
  r=$(rss_at); ((r > peak)) && peak=$r
  ((s == 10)) && early=$r
  ((s == MEM_SECONDS - 1)) && late=$r
done
wait "$gen" || true
python3 - "$early" "$late" "$peak" "$MEM_SECONDS" <<'PY'
import json, sys
early, late, peak, secs = (int(x) for x in sys.argv[1:])
r = json.load(open("/tmp/shootout-mem.json"))
drift = (late - early) / early * 100 if early else float("nan")
print(f"RSS at 10s {early/1024:.1f} MB, at {secs-1}s {late/1024:.1f} MB (drift {drift:+.1f}%, target within 10%), "
      f"peak {peak/1024:.1f} MB (target < 64 MB); {r['completed']:,} responses, errors {r['error_kinds']}")
PY
