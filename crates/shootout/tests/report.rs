//! The report renderers on a fixed results fixture (a real `run --quick`):
//! snapshots of the terminal and Markdown output, and the HTML report opened
//! in headless Chromium with no console error, no network request, every
//! chart present, and screenshots saved under `target/tmp/`.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{repo, shootout, text};
use shootout::report::{self, terminal::Style};
use shootout::suite::claims::Evaluation;
use shootout::suite::results::Results;

fn fixture() -> (Results, Evaluation) {
    let results = Results::load(&repo().join("tests/fixtures/results/quick.json")).unwrap();
    let evaluation: Evaluation = results.ledger.clone().unwrap();
    (results, evaluation)
}

#[test]
fn terminal_tables_and_ledger_snapshot() {
    let (results, evaluation) = fixture();
    let style = Style::plain();
    let out = format!(
        "{}{}",
        report::table::render(&results, "go-nethttp", &style),
        report::ledger::text(&evaluation, &style)
    );
    insta::assert_snapshot!("terminal", out);
}

#[test]
fn markdown_snapshot() {
    let (results, evaluation) = fixture();
    insta::assert_snapshot!(
        "markdown",
        report::markdown::render(&results, Some(&evaluation), "go-nethttp")
    );
}

/// The fixture judged afresh by a small ledger (one claim per kind of
/// sentence): each claim's conclusion, generated from its check's data, in
/// the units compared, in the terminal and in Markdown.
#[test]
fn conclusions_snapshot() {
    let (results, _) = fixture();
    let ledger = shootout::suite::claims::Ledger::load(
        &repo().join("tests/fixtures/results/quick-ledger.toml"),
    )
    .unwrap();
    let e = ledger.evaluate(&results);
    let out = format!(
        "{}\n{}",
        report::ledger::text(&e, &Style::plain()),
        report::ledger::markdown(&e)
    );
    insta::assert_snapshot!("conclusions", out);
}

#[test]
fn no_color_and_a_pipe_give_plain_text() {
    // stdout is a pipe here, so even without NO_COLOR there is no escape code.
    let out = shootout()
        .arg("report")
        .arg(repo().join("tests/fixtures/results/quick.json"))
        .args(["--html", "/dev/null", "--md", "/dev/null"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains('\x1b'), "escape codes in piped output");
    assert!(stdout.contains("SUPPORTED"), "{stdout}");
    assert!(Style { color: true }.good("x").contains('\x1b'));
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| shootout::contenders::toolchain::which(name))
}

/// Chromium, or skipped outside CI (a failure under CI) with the hint.
fn browser() -> Option<PathBuf> {
    let found = chromium();
    common::prerequisite::available(
        "Chromium",
        found.is_none().then(|| "no chromium on PATH".to_owned()),
        "apt-get install chromium (.ci/run installs it)",
    )
    .then_some(found)
    .flatten()
}

fn run_chromium(browser: &PathBuf, page: &std::path::Path, extra: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    (text(&out.stdout), text(&out.stderr))
}

#[test]
fn html_report_opens_offline_in_headless_chromium() {
    let Some(browser) = browser() else { return };
    let (results, evaluation) = fixture();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report");
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("report.html");
    let html = report::html::render(&results, Some(&evaluation), "go-nethttp");
    assert!(html.len() < 2 << 20, "report is {} bytes", html.len());
    // Nothing in the page points outside it.
    for attr in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(!html.contains(attr), "external reference {attr}");
    }
    std::fs::write(&page, &html).unwrap();

    let (dom, log) = run_chromium(&browser, &page, &["--dump-dom"]);
    // Console messages, CSP violations (any attempted request) included, are logged as CONSOLE.
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "console messages:\n{}",
        console.join("\n")
    );
    assert!(
        dom.contains("<section id=\"verdict\">"),
        "the page did not render"
    );
    let charts = [
        "json-rps",
        "json-percentiles",
        "cpu-hash-rps",
        "cpu-json-percentiles",
        "io-sweep-rps",
        "io-rss-vs-concurrency",
        "orders-percentiles",
        "head-of-line-probe",
        "soak-rps-timeline",
        "soak-rss-timeline",
        "coldstart-distribution",
        "footprint-artifact_mb",
        "footprint-image_mb",
        "footprint-deps_transitive",
    ];
    for id in charts {
        assert!(
            dom.contains(&format!("data-chart=\"{id}\"")),
            "chart {id} missing"
        );
    }
    assert_eq!(
        dom.matches("class=\"badge ").count(),
        evaluation.claims.len()
    );

    // Screenshots, laptop and phone width, kept as CI artifacts.
    for (name, size) in [
        ("report-laptop.png", "1280,4000"),
        ("report-phone.png", "390,4000"),
    ] {
        let shot = dir.join(name);
        let _ = std::fs::remove_file(&shot);
        run_chromium(
            &browser,
            &page,
            &[
                &format!("--window-size={size}"),
                &format!("--screenshot={}", shot.display()),
            ],
        );
        assert!(
            std::fs::metadata(&shot)
                .map(|m| m.len() > 10_000)
                .unwrap_or(false),
            "no screenshot {}",
            shot.display()
        );
    }
}

#[test]
fn a_page_that_makes_a_request_is_caught() {
    // The check above can fail: a page with an external image logs a CSP violation.
    let Some(browser) = browser() else { return };
    let (results, evaluation) = fixture();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    let html = report::html::render(&results, Some(&evaluation), "go-nethttp").replacen(
        "<body>",
        "<body><img src=\"http://127.0.0.1:9/x.png\">",
        1,
    );
    std::fs::write(&page, html).unwrap();
    let (_, log) = run_chromium(&browser, &page, &["--dump-dom"]);
    assert!(
        log.lines()
            .any(|l| l.contains(":CONSOLE") && l.contains("127.0.0.1:9")),
        "{log}"
    );
}
