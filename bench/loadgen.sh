#!/usr/bin/env bash
# Load generator benchmark (issues: "as fast as wrk and as honest as wrk2";
# "`shootout load` at three-quarters of wrk's CPU per request").
#
# In one run, on this machine:
#   1. cost: the rust-axum contender's /health pinned to one CPU, the
#      generator to another; wrk and `shootout load` (--io uring, then
#      --io epoll) alternate ROUNDS times (the order flips every round) with
#      the same connections and duration, the target the bottleneck so all
#      run at about the same throughput. Per round: each tool's user+system
#      CPU seconds / completed requests; printed: the median over rounds of
#      shootout's CPU per request / wrk's (goal <= 0.75, floor <= 0.85), the
#      requests/s ratio beside it, and the user/kernel split.
#   2. accuracy: the upstream simulator's /delay?ms=10 at 1,000 req/s
#      (open model); reported p50 should fall within 10.0-10.5 ms, per path.
#   3. memory: 10,000 open connections for MEM_SECONDS; RSS at second 10 and
#      at the end, per path.
#
# Usage: bench/loadgen.sh [--quick]   (--quick: 2 rounds, 3 s runs, 20 s memory phase;
#        ROUNDS_OVERRIDE=N and MEM_SECONDS_OVERRIDE=S change those two)
#        PARTS="1" bench/loadgen.sh   (only some parts; default "1 2 3")
#        BEFORE=path/to/old/shootout bench/loadgen.sh   (part 1 also runs that binary's
#        --io uring in every round, as "shootout-before": before/after on the same host)
# Run it under the machine's benchmark lock: flock /tmp/shootout-bench.lock bench/loadgen.sh
# Needs: cargo, taskset, wrk (installed with apt-get when missing and root).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=5 DURATION=5 CONNS=64 MEM_SECONDS=120
if [[ "${1:-}" == "--quick" ]]; then ROUNDS=2 DURATION=3 MEM_SECONDS=20; fi
# Environment overrides: ROUNDS_OVERRIDE=7 MEM_SECONDS_OVERRIDE=30 bench/loadgen.sh
ROUNDS=${ROUNDS_OVERRIDE:-$ROUNDS} MEM_SECONDS=${MEM_SECONDS_OVERRIDE:-$MEM_SECONDS}
PARTS=${PARTS:-"1 2 3"}
part() { [[ " $PARTS " == *" $1 "* ]]; }

ncpu=$(nproc)
if ((ncpu < 2)); then echo "needs at least 2 CPUs (one for the target, one for the generator)" >&2; exit 1; fi
TARGET_CPU=$((ncpu - 1)) GEN_CPU=0

if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]]; then apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
  else echo "wrk is missing: apt-get install wrk" >&2; exit 1; fi
fi

# SHOOTOUT=path/to/binary skips the build (e.g. to measure a saved binary).
if [[ -z "${SHOOTOUT:-}" ]]; then
  echo "building (release)…" >&2
  cargo build --release --quiet -p shootout --bins --examples
fi
SHOOTOUT=${SHOOTOUT:-target/release/shootout}
HYPER=target/release/examples/hyper_load

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
# CONTENDERS_DIR=dir takes rust-axum from there (e.g. a directory holding only it).
"$SHOOTOUT" up rust-axum --port "$port" --service-cpus "$TARGET_CPU" \
    ${CONTENDERS_DIR:+--contenders-dir "$CONTENDERS_DIR"} >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.5; done
URL="http://127.0.0.1:$port/health"
curl -sf "$URL" >/dev/null || { echo "rust-axum did not come up on port $port (try: $SHOOTOUT up rust-axum)" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

if part 1; then
echo
echo "== 1. cost: $URL on CPU $TARGET_CPU, generators on CPU $GEN_CPU, -c $CONNS, ${DURATION}s x $ROUNDS rounds"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $ncpu CPUs, kernel $(uname -r)"
results=$(mktemp)
run_wrk() {
  bench/measure.py wrk -- taskset -c "$GEN_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" "$URL" >> "$results"
}
run_shootout() {
  bench/measure.py "shootout-$1" -- "$SHOOTOUT" load "$URL" -c "$CONNS" -d "${DURATION}s" --warmup 0 \
      --cpus "$GEN_CPU" --threads 1 --io "$1" --json >> "$results"
}
run_before() {
  if [[ -n "${BEFORE:-}" ]]; then
    bench/measure.py shootout-before -- "$BEFORE" load "$URL" -c "$CONNS" -d "${DURATION}s" --warmup 0 \
        --cpus "$GEN_CPU" --threads 1 --io uring --json >> "$results"
  fi
}
for round in $(seq 1 "$ROUNDS"); do
  if ((round % 2)); then run_wrk; run_shootout uring; run_shootout epoll; run_before
  else run_before; run_shootout epoll; run_shootout uring; run_wrk; fi
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
kinds = [k for k in ["wrk", "shootout-uring", "shootout-epoll", "shootout-before", "oha", "hyper"] if any(r["kind"] == k for r in rows)]
of = {k: [r for r in rows if r["kind"] == k] for k in kinds}
med = lambda xs: statistics.median(xs)
for k in kinds:
    rs = of[k]
    runs = ", ".join(f"{r['rps']:,.0f}" for r in rs)
    cpu = med([r["cpu_us_per_request"] for r in rs])
    user = med([r["user_s"] / r["requests"] * 1e6 for r in rs])
    system = med([r["sys_s"] / r["requests"] * 1e6 for r in rs])
    print(f"{k:>15}: median {med([r['rps'] for r in rs]):>9,.0f} req/s, {cpu:.2f} CPU-us per request "
          f"(user {user:.2f}, kernel {system:.2f}, {system / (user + system):.0%} kernel)   (runs: {runs})")
wrk = of["wrk"]
for k in kinds:
    if k == "wrk":
        continue
    pairs = list(zip(of[k], wrk))
    cpu = [a["cpu_us_per_request"] / b["cpu_us_per_request"] for a, b in pairs]
    rps = [a["rps"] / b["rps"] for a, b in pairs]
    user = [(a["user_s"] / a["requests"]) / (b["user_s"] / b["requests"]) for a, b in pairs]
    kern = [(a["sys_s"] / a["requests"]) / (b["sys_s"] / b["requests"]) for a, b in pairs]
    line = (f"{k}/wrk over {len(pairs)} pairs: CPU per request ratio median {med(cpu):.3f} "
            f"(pairs: {', '.join(f'{x:.2f}' for x in cpu)}), requests/s ratio median {med(rps):.3f}; "
            f"user-space CPU ratio {med(user):.2f}, kernel CPU ratio {med(kern):.2f}")
    if k.startswith("shootout"):
        verdict = "goal met" if med(cpu) <= 0.75 else "floor met" if med(cpu) <= 0.85 else "MISSED"
        line += f"  [goal <= 0.75, floor <= 0.85: {verdict}]"
    print(line)
if "oha" not in kinds:
    print("oha: not installed (cargo install oha), skipped")
PY
fi

if part 2; then
echo
echo "== 2. accuracy: upstream /delay?ms=10 at 1000 req/s (open model), upstream on CPU $TARGET_CPU"
uport=$((port + 1))
taskset -c "$TARGET_CPU" "$SHOOTOUT" upstream --port "$uport" >/dev/null 2>&1 &
pids+=($!)
sleep 1
for io in uring epoll; do
  "$SHOOTOUT" load "http://127.0.0.1:$uport/delay?ms=10&token=bench" --rate 1000 -c 100 -d 10s \
      --cpus "$GEN_CPU" --threads 1 --io "$io" --json > /tmp/shootout-accuracy.json
  python3 - "$io" <<'PY'
import json, sys
r = json.load(open("/tmp/shootout-accuracy.json"))
lat, svc = r["latency"], r["service_time"]
p50 = lat["p50_us"] / 1000
verdict = "ok" if 10.0 <= p50 <= 10.5 else "MISSED"
print(f"--io {sys.argv[1]}: p50 {p50:.2f} ms (target 10.0-10.5): {verdict}; p99 {lat['p99_us']/1000:.2f} ms; "
      f"service-time p50 {svc['p50_us']/1000:.2f} ms; achieved {r['schedule']['achieved_rate']:.1f}/s")
PY
done
fi

if part 3; then
echo
echo "== 3. memory: 10,000 connections to /health for ${MEM_SECONDS}s (generator on CPU $GEN_CPU)"
ulimit -n 65536 2>/dev/null || echo "warning: cannot raise the open-files limit to 65536"
for io in uring epoll; do
"$SHOOTOUT" load "$URL" -c 10000 -d "${MEM_SECONDS}s" --warmup 0 --cpus "$GEN_CPU" --threads 1 --io "$io" \
    --json > /tmp/shootout-mem.json &
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
python3 - "$early" "$late" "$peak" "$MEM_SECONDS" "$io" <<'PY'
import json, sys
early, late, peak, secs = (int(x) for x in sys.argv[1:5])
r = json.load(open("/tmp/shootout-mem.json"))
drift = (late - early) / early * 100 if early else float("nan")
print(f"--io {sys.argv[5]}: RSS at 10s {early/1024:.1f} MB, at {secs-1}s {late/1024:.1f} MB (drift {drift:+.1f}%, target within 10%), "
      f"peak {peak/1024:.1f} MB (target < 64 MB); {r['completed']:,} responses, errors {r['error_kinds']}")
PY
done
fi
