//! Verdicts that replicate (issue 22), on real runs: the contender order
//! rotates over trials as recorded in results.json; `shootout compare`
//! marks a cell inside the noise `~` and flags a contender slowed by 1 ms
//! per request, which fails `--fail-if`; `shootout claims` refuses to pool
//! runs of different modes or of different contender sources.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::run::{JSON_SCENARIO, scenarios, valid_results};
use common::{repo, shootout, stdout_json, text};
use shootout::suite::change::{Comparison, Direction};
use shootout::suite::metric::{Metric, MetricKey};

/// A contenders folder holding `cmp` (the fixture server with `cmp_fault`)
/// and `steady` (the fixture server unchanged).
fn contenders(cmp_fault: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/contenders/fixture-server.mjs"),
        dir.path().join("fixture-server.mjs"),
    )
    .unwrap();
    for (name, fault) in [("cmp", cmp_fault), ("steady", "")] {
        let d = dir.path().join(name);
        std::fs::create_dir(&d).unwrap();
        std::fs::write(
            d.join("contender.toml"),
            format!(
                "name = \"{name}\"\nlanguage = \"javascript\"\nframework = \"node:http\"\n\n[runtime]\nname = \"node\"\nversion = \">=18\"\n\n[run]\ncommand = [\"node\", \"../fixture-server.mjs\"]\n\n[artifact]\nfiles = [\"../fixture-server.mjs\"]\n\n[env]\nFAULT = \"{fault}\"\n"
            ),
        )
        .unwrap();
    }
    dir
}

/// A ledger of one claim about `cmp` and `steady` in the json scenario.
const LEDGER: &str = r#"
title = "cmp against steady"
source = "tests/replicate.rs"
[[claim]]
id = "cmp-keeps-up"
section = "s"
quote = "cmp keeps up with steady"
test = "cmp's throughput is at least half of steady's"
[[claim.check]]
scenario = "json"
metric = "requests_per_s"
a = "cmp"
b = "steady"
at_least = 0.5
"#;

/// `shootout run` of the json scenario over `cmp,steady` from `dir`, in
/// `mode` (`--quick` or none), into a fresh folder.
fn run(dir: &Path, quick: bool, seed: &str) -> tempfile::TempDir {
    let scenario = if quick {
        JSON_SCENARIO.to_owned()
    } else {
        JSON_SCENARIO.replace("[timing.quick]", "[timing]")
    };
    let scenarios = scenarios(&[("a.toml", &scenario)]);
    let out = tempfile::tempdir().unwrap();
    let ledger = out.path().join("ledger.toml");
    std::fs::write(&ledger, LEDGER).unwrap();
    let mut cmd = shootout();
    cmd.arg("run");
    if quick {
        cmd.arg("--quick");
    }
    let run = cmd
        .args([
            "--seed",
            seed,
            "--contenders",
            "cmp,steady",
            "--contenders-dir",
        ])
        .arg(dir)
        .arg("--scenarios-dir")
        .arg(scenarios.path())
        .arg("--out")
        .arg(out.path())
        .arg("--ledger")
        .arg(&ledger)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        text(&run.stdout),
        text(&run.stderr)
    );
    out
}

struct Runs {
    /// Quick runs: cmp unchanged, then cmp slowed.
    base: tempfile::TempDir,
    slow: tempfile::TempDir,
    /// A default-mode run (3 trials), cmp unchanged.
    default: tempfile::TempDir,
    _dirs: [tempfile::TempDir; 2],
}

impl Runs {
    fn file(dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("results.json")
    }
}

/// The runs every test here reads, made once (one at a time: they measure).
fn runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let fast = contenders("");
        let slowed = contenders("slow");
        Runs {
            base: run(fast.path(), true, "11"),
            slow: run(slowed.path(), true, "12"),
            default: run(fast.path(), false, "13"),
            _dirs: [fast, slowed],
        }
    })
}

/// The order is held by the product: each trial's recorded `position`
/// rotates the contenders (A B, then B A, then A B).
#[test]
fn the_recorded_positions_rotate_over_trials() {
    let results = valid_results(runs().default.path());
    assert_eq!(results.trials, 3);
    let json = &results.scenarios[0];
    let order = |trial: usize| {
        let mut at: Vec<(usize, &str)> = json
            .cells
            .iter()
            .map(|c| {
                let t = c.trials.iter().find(|t| t.trial == trial).unwrap();
                (t.position, c.contender.as_str())
            })
            .collect();
        at.sort();
        at.into_iter().map(|(_, name)| name).collect::<Vec<_>>()
    };
    let first = order(0);
    assert_eq!(first.len(), 2, "{first:?}");
    assert_eq!(order(1), [first[1], first[0]], "trial 2 is rotated by one");
    assert_eq!(order(2), first, "trial 3 is rotated by two (of two)");
}

#[test]
fn compare_marks_noise_and_flags_a_slowed_contender() {
    let r = runs();
    let out = shootout()
        .arg("compare")
        .arg(Runs::file(&r.base))
        .arg(Runs::file(&r.slow))
        .arg("--json")
        .args(["--fail-if", "requests_per_s[json,cmp] < 0.9*base"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let c: Comparison = serde_json::from_value(stdout_json(&out)).unwrap();
    let rps = |who: &str| {
        c.changes
            .iter()
            .find(|ch| ch.contender == who && ch.metric == MetricKey::of(Metric::RequestsPerS))
            .unwrap_or_else(|| panic!("no requests_per_s change for {who}: {:?}", c.changes))
    };
    assert_eq!(rps("cmp").direction, Direction::Worse, "{:?}", rps("cmp"));
    // The unchanged contender: its counts and most figures inside the noise
    // (`~`). Its throughput alone may move beyond the band when the machine
    // is busy (a closed model on a shared CPU), so it is not required to.
    let steady: Vec<_> = c
        .changes
        .iter()
        .filter(|ch| ch.contender == "steady")
        .collect();
    assert!(
        steady.iter().any(|ch| ch.direction == Direction::Same),
        "{steady:?}"
    );
    assert_eq!(c.failures.len(), 1, "{:?}", c.failures);
    assert!(
        c.failures[0].line.contains("requests_per_s[json,cmp]"),
        "{:?}",
        c.failures
    );
    assert!(
        text(&out.stderr).contains("fail-if: requests_per_s[json,cmp]"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        c.notes.iter().any(|n| n.contains("cmp's sources changed")),
        "{:?}",
        c.notes
    );

    // Markdown: `~` for the unchanged contender, `worse` for the slowed one;
    // a condition that does not hold passes.
    let md = shootout()
        .arg("compare")
        .arg(Runs::file(&r.base))
        .arg(Runs::file(&r.slow))
        .args(["--fail-if", "requests_per_s[json,steady] < 0.1*base"])
        .output()
        .unwrap();
    let stdout = text(&md.stdout);
    assert!(md.status.success(), "{stdout}\n{}", text(&md.stderr));
    assert!(
        stdout.contains("| steady | requests_per_s |") && stdout.contains("~"),
        "{stdout}"
    );
    let cmp_line = stdout
        .lines()
        .find(|l| l.starts_with("| cmp | requests_per_s |"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(cmp_line.ends_with("worse |"), "{cmp_line}");
}

#[test]
fn a_bad_fail_if_is_an_error_with_its_column() {
    let fixture = repo().join("tests/fixtures/results/quick.json");
    let out = shootout()
        .arg("compare")
        .arg(&fixture)
        .arg(&fixture)
        .args(["--fail-if", "p99_ms[orders,*] >> 1.10*base"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("column 19"), "{err}");
    assert!(
        err.contains("expected a number, `F*base` or `base` after `>`"),
        "{err}"
    );
}

#[test]
fn claims_refuse_to_pool_different_modes_or_sources() {
    let r = runs();
    let claims = |a: &tempfile::TempDir, b: &tempfile::TempDir| {
        shootout()
            .arg("claims")
            .arg(Runs::file(a))
            .arg(Runs::file(b))
            .arg("--ledger")
            .arg(a.path().join("ledger.toml"))
            .output()
            .unwrap()
    };
    let modes = claims(&r.base, &r.default);
    assert_eq!(modes.status.code(), Some(2));
    assert!(
        text(&modes.stderr).contains("different modes"),
        "{}",
        text(&modes.stderr)
    );
    let sources = claims(&r.base, &r.slow);
    assert_eq!(sources.status.code(), Some(2));
    assert!(
        text(&sources.stderr).contains("cmp's sources differ"),
        "{}",
        text(&sources.stderr)
    );
    // One file alone is judged, and says what it stands on.
    let alone = shootout()
        .arg("claims")
        .arg(Runs::file(&r.base))
        .arg("--ledger")
        .arg(r.base.path().join("ledger.toml"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(alone.status.success(), "{}", text(&alone.stderr));
    let e: shootout::suite::verdict::Evaluation =
        serde_json::from_value(stdout_json(&alone)).unwrap();
    assert_eq!((e.runs, e.indicative), (1, true));
    assert_eq!(e.stands_on, "1 run × 1 trial, 1 machine");
}
