//! docs/extending.md's worked example, followed as written: its shell
//! blocks run one after the other in bash, from the repository root, with
//! `$W` a temporary folder and the `shootout` under test first on PATH. A
//! step of the doc that stops working fails here; so does a ledger that
//! does not come out SUPPORTED.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{repo, text};

/// The ```sh blocks of the "Worked example" section, in order.
fn worked_example() -> Vec<String> {
    let doc = std::fs::read_to_string(repo().join("docs/extending.md")).unwrap();
    let start = doc.find("## Worked example").expect("the section");
    let end = doc[start + 1..]
        .find("\n## ")
        .map_or(doc.len(), |i| start + 1 + i);
    let mut blocks = Vec::new();
    let mut rest = &doc[start..end];
    while let Some(i) = rest.find("```sh\n") {
        let body = &rest[i + 6..];
        let j = body.find("\n```").unwrap();
        blocks.push(body[..j].to_owned());
        rest = &body[j + 4..];
    }
    blocks
}

#[test]
fn the_worked_example_runs_as_written() {
    if !common::prerequisite::available(
        "Go",
        shootout::contenders::toolchain::which("go")
            .is_none()
            .then(|| "no go on PATH".to_owned()),
        "install Go 1.25 or later",
    ) {
        return;
    }
    let blocks = worked_example();
    assert_eq!(blocks.len(), 5, "the five steps: {blocks:#?}");
    let w = tempfile::tempdir().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_shootout"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = format!("set -euo pipefail\n{}\n", blocks.join("\n"));
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(repo())
        .env("W", w.path())
        .env("PATH", path)
        .env_remove("SHOOTOUT_CONTENDERS")
        .env_remove("CI")
        .output()
        .unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "the walkthrough failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("SUPPORTED"), "{stdout}");
    assert!(w.path().join("results/report.md").is_file());
    assert!(
        std::fs::read_dir(w.path().join("results/report-charts"))
            .unwrap()
            .next()
            .is_some(),
        "the Markdown report's charts are written beside it"
    );
}

/// docs/contenders.md's sample manifest says what go-nethttp's real one
/// says, key by key (its description aside), so it cannot drift again.
#[test]
fn the_sample_manifest_is_the_real_one() {
    let doc = std::fs::read_to_string(repo().join("docs/contenders.md")).unwrap();
    let start = doc.find("```toml\n").unwrap() + 8;
    let sample: toml::Table = doc[start..start + doc[start..].find("```").unwrap()]
        .parse()
        .unwrap();
    let real: toml::Table =
        std::fs::read_to_string(repo().join("contenders/go-nethttp/contender.toml"))
            .unwrap()
            .parse()
            .unwrap();
    for (key, value) in &sample {
        if key == "description" || key == "artifact" {
            continue;
        }
        assert_eq!(
            Some(value),
            real.get(key),
            "docs/contenders.md's sample differs at {key}"
        );
    }
    assert_eq!(sample["artifact"]["files"], real["artifact"]["files"]);
}
