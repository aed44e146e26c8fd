#!/usr/bin/env bash
# The contrasts of issue #24 that need a quiet machine (io-upstream: added
# p99 and requests held per MB; one-process: CPU cores of one event loop),
# run as the ignored tests of crates/shootout/tests/contrasts.rs: fixture
# contenders on either side of each check must land where it says. They
# measure, so run this when nothing else keeps the CPUs busy:
#
#   flock /tmp/shootout-bench.lock bench/contrasts.sh     # about 2 minutes built
set -euo pipefail
cd "$(dirname "$0")/.."
load=$(cut -d' ' -f1 /proc/loadavg)
echo "1-minute load average before: $load on $(nproc) CPUs" >&2
exec cargo test --locked -p shootout --test contrasts -- --ignored --nocapture --test-threads 1
