//! Every timing of a whole run that the README, docs/ or `--help` states
//! comes from docs/timings.toml, the file `bench/timings.sh` writes: a
//! paragraph that speaks of a run (`run --quick`, "fresh clone", "once
//! built"…) and names a duration fails here unless the file holds that
//! duration (in seconds, or in minutes rounded). The README's table must
//! show each row as the file has it. CHANGELOG.md is history and exempt.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::repo;

/// Phrases that make a paragraph speak of a whole run's time.
const RUN_PHRASES: &[&str] = &[
    "run --quick",
    "run --full",
    "quick run",
    "default run",
    "fresh clone",
    "once built",
    "quick mode",
];

/// Every duration the file holds, in seconds.
fn held(timings: &toml::Table) -> Vec<f64> {
    let mut out = Vec::new();
    let parts = timings.get("part").and_then(toml::Value::as_array);
    for row in timings["row"]
        .as_array()
        .unwrap()
        .iter()
        .chain(parts.into_iter().flatten())
    {
        for key in ["seconds", "first_table_s", "cpu_seconds"] {
            if let Some(v) = row.get(key).and_then(toml::Value::as_integer) {
                out.push(v as f64);
            }
        }
    }
    for v in timings["goals"].as_table().unwrap().values() {
        out.push(v.as_integer().unwrap() as f64);
    }
    out
}

/// The durations in `text`: (number, "s" or "min"), as written.
fn durations(text: &str) -> Vec<(f64, &'static str)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_number =
            chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !starts_number {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.' || chars[j] == ',') {
            j += 1;
        }
        let number: String = chars[i..j].iter().filter(|c| **c != ',').collect();
        let mut k = j;
        while k < chars.len() && chars[k] == ' ' {
            k += 1;
        }
        let word: String = chars[k..]
            .iter()
            .take_while(|c| c.is_alphabetic())
            .collect();
        let unit = match word.as_str() {
            "s" | "seconds" => Some("s"),
            "min" | "minutes" => Some("min"),
            _ => None,
        };
        if let (Some(unit), Ok(n)) = (unit, number.trim_end_matches('.').parse::<f64>()) {
            // "10 min 49 s" is one duration: 649 s.
            let after = k + word.chars().count();
            let rest: String = chars[after..].iter().take(8).collect();
            let seconds = rest
                .trim_start()
                .split_once(" s")
                .and_then(|(n, _)| n.parse::<f64>().ok());
            match (unit, seconds) {
                ("min", Some(s)) if rest.trim_start().starts_with(|c: char| c.is_ascii_digit()) => {
                    out.push((n * 60.0 + s, "s"));
                    i = after + rest.find(" s").map_or(0, |p| p + 2);
                    continue;
                }
                _ => out.push((n, unit)),
            }
        }
        i = j;
    }
    out
}

/// The durations that sentences about a run state and `held` lacks.
fn unheld(paragraph: &str, held: &[f64]) -> Vec<String> {
    paragraph
        .split(". ")
        .flat_map(|s| s.split("\n- "))
        .filter(|s| {
            let lower = s.to_lowercase();
            RUN_PHRASES.iter().any(|p| lower.contains(p))
        })
        .flat_map(durations)
        .filter(|(n, unit)| match *unit {
            "s" => !held.iter().any(|h| (h - n).abs() < 0.5),
            _ => !held
                .iter()
                .any(|h| (h / 60.0).round() == *n || (h - n * 60.0).abs() < 0.5),
        })
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect()
}

fn paragraphs(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    if path.extension().is_some_and(|e| e == "rs") {
        // Each doc comment line alone: help text lines are self-contained.
        return text
            .lines()
            .filter(|l| l.trim_start().starts_with("///"))
            .map(str::to_owned)
            .collect();
    }
    text.split("\n\n").map(str::to_owned).collect()
}

fn docs() -> Vec<std::path::PathBuf> {
    let root = repo();
    let mut files = vec![root.join("README.md"), root.join("docs/example/README.md")];
    for dir in ["docs", "crates/shootout/src/cli"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md" || e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn timings() -> toml::Table {
    let text = std::fs::read_to_string(repo().join("docs/timings.toml")).unwrap();
    text.parse().unwrap()
}

#[test]
fn no_doc_states_a_run_timing_the_timings_file_does_not_hold() {
    let held = held(&timings());
    let mut wrong = Vec::new();
    for file in docs() {
        for p in paragraphs(&file) {
            let bad = unheld(&p, &held);
            if !bad.is_empty() {
                let first = p.trim().lines().next().unwrap_or("");
                wrong.push(format!("{}: {bad:?} in {first:?}", file.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "timings not in docs/timings.toml (measure them with bench/timings.sh, or drop them):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_readme_table_shows_every_row_as_the_file_has_it() {
    let timings = timings();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme
        .find("<!-- timings -->")
        .expect("README has the timings block");
    let end = readme.find("<!-- /timings -->").unwrap();
    let block = &readme[start..end];
    assert!(block.contains(timings["date"].as_str().unwrap()), "{block}");
    for row in timings["row"].as_array().unwrap() {
        let command = row["command"].as_str().unwrap();
        let line = block
            .lines()
            .find(|l| l.contains(&format!("(`{command}`)")))
            .unwrap_or_else(|| panic!("no row for {command} in:\n{block}"));
        match row.get("seconds").and_then(toml::Value::as_integer) {
            Some(s) => assert!(line.contains(&format!("| {s} s")), "{line}"),
            None => assert!(line.contains("not measured"), "{line}"),
        }
        assert!(line.contains(row["how"].as_str().unwrap()), "{line}");
    }
}

/// The check can fail: the figures the issue found disagreeing are caught.
#[test]
fn the_check_catches_a_stale_figure() {
    let held = held(&timings());
    assert_eq!(
        unheld("From a fresh clone `run --quick` took 619 s.", &held),
        ["619 s"]
    );
    assert_eq!(
        unheld("`run --help`: about 10 minutes", &held),
        Vec::<String>::new()
    );
    assert_eq!(
        unheld("shootout run --quick  # about 15 minutes", &held),
        ["15 min"]
    );
    assert!(unheld("the torture battery takes 35 s", &held).is_empty());
}
