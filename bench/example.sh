#!/usr/bin/env bash
# Regenerates docs/example/ from a real `shootout run --quick` on this machine:
# results.json, report.html, report.md, the run's terminal output, and a PNG
# of one chart for the README (rendered by headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
start=$(date +%s)
cargo build --release --quiet
built=$(date +%s)
target/release/shootout run --quick --out "$out" | tee "$out/run-output.txt"
done_at=$(date +%s)
mkdir -p docs/example
cp "$out/results.json" "$out/report.html" "$out/report.md" docs/example/
sed -n '/^shootout quick run/,$p' "$out/run-output.txt" > docs/example/run-output.txt
python3 - "$out/chart.html" <<'PY'
import re, sys
s = open("docs/example/report.html").read()
head = s[: s.index("<body>") + 6]
chart = re.search(r'<figure class="chart pairs" data-chart="head-of-line-probe">.*?</figure>', s, re.S).group(0)
open(sys.argv[1], "w").write(head + '<div style="max-width:680px">' + chart + "</div></body></html>")
PY
profile=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --window-size=712,440 --screenshot="$PWD/docs/example/head-of-line.png" "file://$out/chart.html" 2>/dev/null
echo "compiling shootout: $((built - start)) s; shootout run --quick: $((done_at - built)) s"
