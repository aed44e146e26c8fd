#!/usr/bin/env bash
# Calibration of the claims' decision rule: simulated experiments with a
# known true ratio on the grid runs {2,3,5} x trials {1,3} x
# sigma_between/sigma_within {1,3} x {lognormal, t3 on the log scale}, judged
# by the rule's own code. Prints per cell the interval's coverage of the
# truth (goal >= 93%), how often a check whose truth sits on its threshold is
# decided (goal <= 5%), and how often a true ratio of 1.25 is SUPPORTED.
# A simulation, not a timing: no lock needed. docs/noise.md has the figures.
#
#   bench/calibrate.sh            # 2000 experiments per cell
#   bench/calibrate.sh 10000
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --quiet -p shootout --example calibrate -- "${1:-2000}"
