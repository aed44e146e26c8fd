//! Reports people read: the terminal tables `run` prints, a Markdown report
//! for pasting, and a self-contained HTML report with charts. All three are
//! built from one results file and share one table model ([`table`]); the
//! JSON form is `results.json` itself. Renderers only format: every
//! statistic was computed by the suite.
//!
//! The other commands' documents (a load run, a verification, the torture
//! scorecards, cold starts, footprints, the toolchains, the contenders' own
//! tests, the ready and stopped lines of `up` and `upstream`) are rendered
//! here too, each by its [`Render`] implementation in a module of its own
//! ([`load`], [`verify`], [`torture`], [`ops`], [`toolchains`],
//! [`unit_tests`], [`service`]); their JSON form is the document itself
//! (serde).

pub mod chart_files;
pub mod charts;
pub mod error_sites;
pub mod html;
pub mod ledger;
pub mod load;
pub mod markdown;
pub mod mutate;
pub mod ops;
pub mod scorecard;
pub mod service;
pub mod svg;
pub mod table;
pub mod terminal;
pub mod toolchains;
pub mod torture;
pub mod unit_tests;
pub mod verify;

use std::path::Path;

use crate::suite::claims::Evaluation;
use crate::suite::results::Results;

/// A typed document rendered for people. Its JSON form is the document
/// itself (serde); this is the text a command prints without `--json`.
pub trait Render {
    /// Plain text for a terminal, readable without colour.
    fn terminal(&self) -> String;

    /// Markdown, for pasting; the terminal text unless a document has a
    /// Markdown form of its own.
    fn markdown(&self) -> String {
        self.terminal()
    }
}

/// `1 trial`, `3 trials`.
pub fn trials(n: usize) -> String {
    if n == 1 {
        "1 trial".to_owned()
    } else {
        format!("{n} trials")
    }
}

/// Method and machine facts, as (name, value) lines for every format.
pub fn method_facts(results: &Results) -> Vec<(String, String)> {
    let mut facts = machine_facts(results);
    facts.extend(setup_facts(results));
    facts
}

/// What each contender ran on and was told, the database, the run's notes
/// and the saturation seen: after the machine facts (the HTML report folds
/// them away).
pub fn setup_facts(results: &Results) -> Vec<(String, String)> {
    let mut facts: Vec<(String, String)> = results
        .contenders
        .iter()
        .map(|c| contender_fact(results, c))
        .collect();
    facts.extend(database_fact(results));
    for note in &results.notes {
        facts.push(("note".to_owned(), note.clone()));
    }
    facts.push(("saturation".to_owned(), saturation(results)));
    facts
}

/// The machine, the mode, the pinning, the run's span and seed.
pub fn machine_facts(results: &Results) -> Vec<(String, String)> {
    let m = &results.machine;
    let unknown = || "unknown".to_owned();
    vec![
        (
            "CPU".to_owned(),
            m.cpu_model.clone().unwrap_or_else(unknown),
        ),
        ("CPUs".to_owned(), m.cpus.to_string()),
        (
            "memory".to_owned(),
            m.memory_bytes.map_or_else(unknown, |b| {
                format!("{:.1} GiB", b as f64 / 1_073_741_824.0)
            }),
        ),
        (
            "kernel".to_owned(),
            m.kernel.clone().unwrap_or_else(unknown),
        ),
        (
            "CPU governor".to_owned(),
            m.cpu_governor
                .clone()
                .unwrap_or_else(|| "not exposed".to_owned()),
        ),
        ("shootout".to_owned(), m.shootout_version.clone()),
        (
            "mode".to_owned(),
            format!(
                "{} ({} per cell, contender order rotated each trial)",
                results.mode,
                trials(results.trials)
            ),
        ),
        (
            "pinning".to_owned(),
            match results.limits {
                None => format!(
                    "service on CPUs {}; load generator and upstream simulator on CPUs {}",
                    results.service_cpus, results.generator_cpus
                ),
                Some(l) => format!(
                    "service not pinned, in a cgroup of its own with the limits {l} (CFS period 100 ms, no swap), not told its budget; load generator and upstream simulator pinned to CPUs {}",
                    results.generator_cpus
                ),
            },
        ),
        (
            "run".to_owned(),
            format!(
                "{} to {}{}",
                results.started_at,
                results.updated_at,
                if results.complete {
                    ""
                } else {
                    " (incomplete)"
                }
            ),
        ),
        ("seed".to_owned(), results.seed.to_string()),
    ]
}

/// What the brackets of a table cell are, for `trials` trials per cell:
/// the median's interval by order statistics, with its real coverage (with
/// 3 trials it is [min, max], a 75% interval, not a 95% one).
pub fn interval_note(trials: usize) -> String {
    let ranks: Vec<f64> = (1..=trials).map(|r| r as f64).collect();
    match crate::stats::interval::median_interval(&ranks) {
        None => "one trial per cell: its figure, with no interval".to_owned(),
        Some(i) => {
            let pct = i.coverage * 100.0;
            let pct = if pct.fract() == 0.0 {
                format!("{pct:.0}%")
            } else {
                format!("{pct:.1}%")
            };
            if i.low == 1.0 && i.high == trials as f64 {
                format!(
                    "median [min–max of the {trials} trials: a {pct} interval of the median, by order statistics]"
                )
            } else {
                format!("median [{pct} interval of the median, by order statistics]")
            }
        }
    }
}

/// How to read a report, said once before the first number (both the
/// HTML and the Markdown report open with it).
pub fn legend(results: &Results) -> Vec<String> {
    let mut lines = Vec::new();
    if results.trials >= 2 {
        lines.push(format!(
            "Each table cell is the {} (docs/claims.md, \"The rule\").",
            interval_note(results.trials)
        ));
    } else {
        lines.push(format!(
            "{} trial per cell: each table cell is that trial's figure, with no interval.",
            results.trials
        ));
    }
    lines.push("Bold is the best of a column; ≈ marks a best inside the noise of the runner-up; (!) a cell whose trials had errors, non-2xx or wrong answers, or crashed (it never decides a claim).".to_owned());
    lines.push("A line under a table compares each contender with the reference contender (--reference): a ratio, or for counts a difference.".to_owned());
    lines.push("Each claim's conclusion gives the measure, its decision range and the threshold in the units compared (× for a ratio of two contenders). The decision range is every value the rule lets the measure take: with fewer than 3 independent runs, the metric's run-to-run noise band around it (docs/noise.md), widened to the trials' interval; with 3 or more pooled runs, the 95% interval over runs. A check is decided only when the whole range lies on one side of the threshold.".to_owned());
    lines.push("Checks: + holds, x fails, ? undecided (inside the noise, or no data), · context (never deciding). A claim is SUPPORTED when every deciding check holds, REFUTED when one fails, INCONCLUSIVE otherwise.".to_owned());
    lines
}

/// An evaluated ledger's text without what the legend already says once.
pub fn without_trial_note(text: String, results: &Results) -> String {
    if results.trials < 2 {
        text.replace(" (1 trial: no interval)", "")
    } else {
        text
    }
}

/// A contender: its framework, runtime, what it was told, its database
/// driver.
fn contender_fact(results: &Results, c: &crate::suite::results::ContenderInfo) -> (String, String) {
    let runtime = match &c.runtime {
        Some(r) => format!("{} {} ({})", r.name, r.version, r.source),
        None => "not resolved".to_owned(),
    };
    let told: Vec<String> = c
        .told
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "PORT" | "UPSTREAM_URL" | "DATABASE_URL"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut value = match &c.skipped {
        Some(why) => format!("{} — skipped: {why}", c.framework),
        None => format!("{}; {runtime}; told {}", c.framework, told.join(" ")),
    };
    if results.database.is_some() {
        value.push_str(&match (&c.database_driver, &c.database_skipped) {
            (None, _) => "; no database mode".to_owned(),
            (Some(driver), None) => format!("; database driver: {driver}"),
            (Some(driver), Some(why)) => {
                format!("; database driver: {driver} (not measured: {why})")
            }
        });
    }
    (c.name.clone(), value)
}

/// The database, when the run had one.
fn database_fact(results: &Results) -> Option<(String, String)> {
    let db = results.database.as_ref()?;
    let settings: Vec<String> = db
        .settings
        .iter()
        .filter(|(k, _)| k.as_str() != "server_version")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    Some((
        "database".to_owned(),
        format!(
            "PostgreSQL {} ({}, {}) on the generator's CPUs; {}; DB_POOL_SIZE = {} × service CPUs; tables emptied before each trial, every acknowledged order audited in SQL after it",
            db.version,
            db.kind,
            db.source,
            settings.join(" "),
            db.pool_per_cpu
        ),
    ))
}

/// The generator or upstream saturation the cells saw: which cells (and
/// sweep levels), said once each; the whole warning is under each table.
fn saturation(results: &Results) -> String {
    let mut cells: Vec<(String, Vec<String>)> = Vec::new();
    for s in &results.scenarios {
        for c in &s.cells {
            for w in c.warnings.iter().filter(|w| w.contains("saturated")) {
                let cell = format!("{} / {}", s.name, c.contender);
                // A sweep's warning starts with its level: "c64: …".
                let level = w
                    .split_once(": ")
                    .map(|(l, _)| l)
                    .filter(|l| l.starts_with('c') && l[1..].chars().all(|d| d.is_ascii_digit()));
                match cells.iter_mut().find(|(name, _)| *name == cell) {
                    Some((_, levels)) => levels.extend(level.map(str::to_owned)),
                    None => cells.push((cell, level.map(str::to_owned).into_iter().collect())),
                }
            }
        }
    }
    if cells.is_empty() {
        return "no generator or upstream saturation detected".to_owned();
    }
    let listed: Vec<String> = cells
        .into_iter()
        .map(|(cell, levels)| {
            if levels.is_empty() {
                cell
            } else {
                format!("{cell} ({})", levels.join(", "))
            }
        })
        .collect();
    format!(
        "the generator's CPUs (load generator, upstream simulator, PostgreSQL) were saturated in {} cell(s), so their throughput is a floor (each table's warnings say by what): {}",
        listed.len(),
        listed.join("; ")
    )
}

/// Writes the HTML and Markdown reports.
pub fn write(
    results: &Results,
    evaluation: Option<&Evaluation>,
    baseline: &str,
    html: &Path,
    md: &Path,
) -> std::io::Result<()> {
    for path in [html, md] {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
    }
    std::fs::write(html, html::render(results, evaluation, baseline))?;
    // The Markdown report's charts: SVG files in a folder beside it.
    let folder = chart_files::folder_name(md);
    let dir = md.parent().unwrap_or(Path::new(".")).join(&folder);
    if md != Path::new("/dev/null") {
        std::fs::create_dir_all(&dir)?;
        for i in 0..results.scenarios.len() {
            for c in chart_files::for_scenario(results, i) {
                std::fs::write(dir.join(&c.name), c.svg)?;
            }
        }
    }
    std::fs::write(
        md,
        markdown::render_with_charts(results, evaluation, baseline, &folder),
    )
}
