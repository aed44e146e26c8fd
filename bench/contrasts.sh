#!/usr/bin/env bash
# The contrasts of issue #24 that need a quiet machine (io-upstream: added
# p99 and requests held per MB; one-process: CPU cores of one event loop),
# run as the ignored tests of crates/shootout/tests/contrasts.rs: fixture
# contenders on either side of each check must land where it says. They
# measure, so run this when nothing else keeps the CPUs busy:
#
#   flock /tmp/shootout-bench.lock bench/contrasts.sh     # about 2 minutes built
#
# 2026-12-01, quiet host under the lock (load average 1.9 before, the lock's
# previous holder), both passed in 39 s: io-upstream (200/s, 1,000 ms
# waits) fixture-ok added 12.2 ms at p99 with 5.7 in flight a MB, hold-io
# 60.9 ms and 1.3 a MB (REFUTED on both), busy-io 162 ms at 100% of its CPU
# (INCONCLUSIVE: service CPU busy); one-process: one event loop 1.00 cores,
# the worker-thread fixture 1.81.
set -euo pipefail
cd "$(dirname "$0")/.."
load=$(cut -d' ' -f1 /proc/loadavg)
echo "1-minute load average before: $load on $(nproc) CPUs" >&2
exec cargo test --locked -p shootout --test contrasts -- --ignored --nocapture --test-threads 1
