#!/usr/bin/env python3
"""docs/timings.toml: record a measured row, and render the timing tables.

  bench/timings.py record NAME SECONDS [FIRST_TABLE_S] [--estimate]
      set row NAME's figure (measured, or the run's printed estimate) and
      today's date, then render
  bench/timings.py render
      rewrite every block between <!-- timings --> and <!-- /timings --> in
      README.md and docs/*.md from the file

bench/timings.sh measures the rows; crates/shootout/tests/doc_timings.rs
checks that the docs hold nothing else.
"""
import datetime
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
FILE = ROOT / "docs" / "timings.toml"
BLOCK = re.compile(r"(<!-- timings -->\n).*?(<!-- /timings -->)", re.S)


def minutes(s: float) -> str:
    m, s = divmod(round(s), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def table(doc: dict) -> str:
    lines = [
        "| run | time | how |",
        "|---|---:|---|",
    ]
    for r in doc["row"]:
        if "seconds" in r:
            time = f"{r['seconds']} s ({minutes(r['seconds'])})"
            how = f"{r['how']} {r.get('date', doc['date'])}"
            if "first_table_s" in r:
                how += f"; first table after {r['first_table_s']} s"
        else:
            time, how = "—", f"{r['how']}: {r.get('note', '')}".rstrip(": ")
        lines.append(f"| {r['what']} (`{r['command']}`) | {time} | {how} |")
    lines.append("")
    lines.append(f"On a {doc['machine']} (`docs/timings.toml`, {doc['date']}, `bench/timings.sh`).")
    return "\n".join(lines) + "\n"


def render() -> None:
    doc = tomllib.loads(FILE.read_text(encoding="utf-8"))
    rendered = table(doc)
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        new = BLOCK.sub(lambda m: m.group(1) + rendered + m.group(2), text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rendered {path.relative_to(ROOT)}")


def record(name: str, seconds: float, first_table: "float | None", estimate: bool) -> None:
    text = FILE.read_text(encoding="utf-8")
    today = datetime.date.today().isoformat()
    head, *rows = text.split("\n[[row]]\n")
    out = []
    found = False
    for row in rows:
        if re.search(rf'^name = "{re.escape(name)}"$', row, re.M):
            found = True
            keep = [l for l in row.splitlines() if l.split(" = ")[0] in ("name", "what", "command")]
            keep.append(f"seconds = {round(seconds)}")
            if first_table is not None:
                keep.append(f"first_table_s = {round(first_table)}")
            keep.append('how = "the run\'s own printed estimate"' if estimate else 'how = "measured"')
            keep.append(f'date = "{today}"')
            row = "\n".join(keep) + "\n"
        out.append(row)
    if not found:
        sys.exit(f"no row named {name!r} in {FILE}")
    # The file's own date only (the [[part]] tables in the head keep theirs).
    head = re.sub(r'^date = ".*"$', f'date = "{today}"', head, count=1, flags=re.M)
    FILE.write_text(head + "".join("\n[[row]]\n" + r for r in out), encoding="utf-8")
    render()


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["render"]:
        render()
    elif args[:1] == ["record"] and len(args) >= 3:
        rest = [a for a in args[3:] if a != "--estimate"]
        record(args[1], float(args[2]), float(rest[0]) if rest else None, "--estimate" in args)
    else:
        sys.exit(__doc__)
