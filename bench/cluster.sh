#!/usr/bin/env bash
# node-fastify with a two-CPU budget: one process (orders in memory) against
# one worker per CPU (node:cluster, orders in PostgreSQL). Drives /cpu/hash
# for 5 s and prints the CPU the service's processes used, as CPUs busy
# (2.0 = the whole budget). The load generator shares the two CPUs, so
# neither figure can reach 2.0 exactly; the point is one process against two.
#
#   bench/cluster.sh            # needs a release build: cargo build --release
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/shootout
[ -x "$bin" ] || cargo build --release -q

cpu_ticks() { # total utime+stime ticks of processes running src/server.js with PORT=$1
  local total=0
  for p in $(pgrep -f src/server.js); do
    if tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -qx "PORT=$1"; then
      total=$((total + $(awk '{print $14 + $15}' /proc/$p/stat)))
    fi
  done
  echo $total
}

for mode in memory database; do
  port=$((20000 + RANDOM % 10000))
  extra=()
  [ "$mode" = memory ] && extra=(--no-database)
  "$bin" up node-fastify --service-cpus 0-1 --port "$port" "${extra[@]}" > /tmp/cluster-up.$$ 2>&1 &
  up=$!
  until grep -q "is up" /tmp/cluster-up.$$; do sleep 0.2; done
  sleep 1
  procs=$(for p in $(pgrep -f src/server.js); do tr '\0' '\n' < /proc/$p/environ | grep -qx "PORT=$port" && echo $p; done | wc -l)
  before=$(cpu_ticks "$port"); t0=$(date +%s.%N)
  "$bin" load "http://127.0.0.1:$port/cpu/hash?seed=7&n=200000" -c 16 -d 5s --warmup 0s --json > /tmp/cluster-load.$$
  after=$(cpu_ticks "$port"); t1=$(date +%s.%N)
  rps=$(python3 -c "import json;print(round(json.load(open('/tmp/cluster-load.$$'))['requests_per_s']))")
  busy=$(python3 -c "print(round(($after-$before)/$(getconf CLK_TCK)/($t1-$t0),2))")
  echo "node-fastify, 2 CPUs, orders in $mode: $procs process(es), $rps req/s on /cpu/hash, service CPU busy $busy of 2.0"
  kill -INT $up; wait $up || true
done
rm -f /tmp/cluster-up.$$ /tmp/cluster-load.$$
