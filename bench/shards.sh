#!/usr/bin/env bash
# Two load-generator shards where one is not enough (issue: "Beyond one
# machine"). The contender (rust-axum, /json) runs on its own CPU under a CPU
# budget of CONTENDER_CPU (default 0.6). Each shard is a small generator
# host: a budget of SHARD_CPU (default 0.45). Budgets are cgroups with a CFS
# quota, as a pod's limits.cpu. In one run:
#   1. one shard alone, all the connections: its generator saturates (it
#      used >= 90% of its quota) and its req/s is a floor for the contender;
#   2. two such shards at one --start-at barrier, half the connections each,
#      merged exactly with `shootout merge`;
# and the ratio of the two, with each run's generator utilization, the
# saturation flags and the contender's CPU use (busy fraction of its CPU).
#
# This machine has 2 CPUs and the contender needs one, so the two shards'
# budgets share the other CPU; on a cluster they are pods on other nodes
# (docs/distributed.md).
#
# Usage: bench/shards.sh [--quick]     (root: it makes cgroups)
set -euo pipefail
cd "$(dirname "$0")/.."

SHARD_CPU=${SHARD_CPU:-0.45} CONTENDER_CPU=${CONTENDER_CPU:-0.6} CONNS=${CONNS:-64} DURATION=10 WARMUP=2
if [[ "${1:-}" == "--quick" ]]; then DURATION=4 WARMUP=1; fi
ncpu=$(nproc)
if ((ncpu < 2)); then echo "needs at least 2 CPUs" >&2; exit 1; fi
TARGET_CPU=$((ncpu - 1)) GEN_CPU=0
CG=/sys/fs/cgroup/cpu
[[ -w $CG ]] || { echo "needs a writable cgroup v1 cpu hierarchy at $CG (run as root)" >&2; exit 1; }

echo "building (release)…" >&2
cargo build --release --quiet
SHOOTOUT=target/release/shootout
work=$(mktemp -d)
groups=()
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for g in "${groups[@]}"; do rmdir "$g" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# budget NAME CPUS: a cgroup with that CFS quota; its path.
budget() {
  local g="$CG/shootout-bench-$$-$1" quota
  mkdir "$g"
  echo 100000 >"$g/cpu.cfs_period_us"
  quota=$(python3 -c "print(round($2 * 100000))")
  echo "$quota" >"$g/cpu.cfs_quota_us"
  echo "$g"
}
for i in 0 1; do groups+=("$(budget "s$i" "$SHARD_CPU")"); done
svc_group=$(budget svc "$CONTENDER_CPU")
groups+=("$svc_group")

port=$((20000 + RANDOM % 20000))
(
  echo "$BASHPID" >"$svc_group/cgroup.procs"
  exec "$SHOOTOUT" up rust-axum --port "$port" --service-cpus "$TARGET_CPU"
) >"$work/up.log" 2>&1 &
pids+=($!)
until grep -q "is up" "$work/up.log"; do sleep 0.2; done
service=$(pgrep -n -f "rust-axum/target/release/rust-axum")
url="http://127.0.0.1:$port/json"

ticks() { awk '{print $14 + $15}' "/proc/$service/stat"; }
# "periods throttled" of the contender's budget so far.
throttle() { awk '/^nr_periods/{p=$2} /^nr_throttled/{t=$2} END{print p, t}' "$svc_group/cpu.stat"; }
# throttled% BEFORE AFTER: the share of CFS periods in between that hit the quota.
throttled_pct() { python3 -c "p0,t0,p1,t1=map(int,'$1 $2'.split()); print(f'{100*(t1-t0)/max(1,p1-p0):.0f}%')"; }

# shard I N CONNECTIONS OUT [START_AT]: `shootout load` in shard I's cgroup.
shard() {
  local i=$1 n=$2 c=$3 out=$4 at=${5:-}
  local extra=()
  ((n > 1)) && extra+=(--shard "$i/$n")
  [[ -n $at ]] && extra+=(--start-at "$at")
  (
    echo "$BASHPID" >"${groups[$i]}/cgroup.procs"
    exec "$SHOOTOUT" load "$url" -c "$c" --threads 1 --cpus "$GEN_CPU" \
      -d "${DURATION}s" --warmup "${WARMUP}s" --json "${extra[@]}"
  ) >"$out"
}

hz=$(getconf CLK_TCK)
echo "one shard (${SHARD_CPU} CPU, -c $CONNS)…" >&2
t0=$(ticks); s0=$(date +%s.%N); th0=$(throttle)
shard 0 1 "$CONNS" "$work/one.json"
t1=$(ticks); s1=$(date +%s.%N); one_throttled=$(throttled_pct "$th0" "$(throttle)")
one_busy=$(python3 -c "print(f'{($t1-$t0)/$hz/($s1-$s0):.2f}')")

echo "two shards (${SHARD_CPU} CPU each, -c $CONNS in all)…" >&2
at=$(python3 -c "import time; print(f'{time.time() + 1.5:.3f}')")
t0=$(ticks); s0=$at; th0=$(throttle)
shard 0 2 "$CONNS" "$work/s0.json" "$at" &
a=$!
shard 1 2 "$CONNS" "$work/s1.json" "$at" &
b=$!
wait "$a" "$b"
t1=$(ticks); s1=$(date +%s.%N); two_throttled=$(throttled_pct "$th0" "$(throttle)")
two_busy=$(python3 -c "print(f'{($t1-$t0)/$hz/($s1-$s0):.2f}')")
"$SHOOTOUT" merge "$work/s0.json" "$work/s1.json" --json >"$work/two.json"

python3 - "$work" "$one_busy" "$two_busy" "$SHARD_CPU" "$CONTENDER_CPU" "$one_throttled" "$two_throttled" <<'EOF'
import json, sys
work, one_busy, two_busy, quota, contender, one_thr, two_thr = sys.argv[1:8]
one = json.load(open(f"{work}/one.json"))
two = json.load(open(f"{work}/two.json"))
shards = [json.load(open(f"{work}/s{i}.json")) for i in (0, 1)]
def gen(r):
    g = r["generator"]
    return f"{g['utilization']*100:.0f}% of {g['capacity_cpus']} CPU" + (" SATURATED" if g["saturated"] else "")
print(f"budgets (cgroup CFS quotas): each shard {quota} CPU; the contender, rust-axum /json, {contender} CPU on a CPU of its own")
print(f"{'run':<12}{'req/s':>12}{'p99 ms':>10}  generator")
print(f"{'one shard':<12}{one['requests_per_s']:>12.0f}{one['latency']['p99_us']/1e3:>10.2f}  {gen(one)}; contender busy {one_busy} of {contender} CPU, throttled in {one_thr} of periods")
print(f"{'two shards':<12}{two['requests_per_s']:>12.0f}{two['latency']['p99_us']/1e3:>10.2f}  " +
      "; ".join(f"shard {i}: {gen(s)}" for i, s in enumerate(shards)) + f"; contender busy {two_busy} of {contender} CPU, throttled in {two_thr} of periods")
print(f"two shards / one shard: {two['requests_per_s']/one['requests_per_s']:.2f}x")
print(f"saturation flag: one shard {'set' if one['generator']['saturated'] else 'clear'}, "
      f"two shards {'set' if two['generator']['saturated'] else 'clear'}")
EOF
