//! One command line: the conventions every subcommand follows, checked over
//! the whole `Cli` so that a new subcommand is held to them too: examples in
//! its help, the exit codes under every help, `--contenders` wherever
//! contenders are named, `--json` wherever results are printed, `--quiet`
//! everywhere; and the parse tests of compare, mutate and completions.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use clap::CommandFactory;
use clap::error::ErrorKind;
use common::cli::{parse, refused};
use shootout::cli::{Cli, Command, FailOn};

fn visible_subcommands() -> Vec<clap::Command> {
    Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .cloned()
        .collect()
}

fn long_help(name: &str) -> String {
    refused(&[name, "--help"], ErrorKind::DisplayHelp)
}

#[test]
fn every_help_has_examples_and_the_exit_codes() {
    for sub in visible_subcommands() {
        let name = sub.get_name().to_owned();
        let help = long_help(&name);
        assert!(
            help.contains("Example"),
            "`shootout {name} --help` has no example"
        );
        assert!(
            help.contains("Exit status") && help.contains("  1  ") && help.contains("  2  "),
            "`shootout {name} --help` does not say its exit codes"
        );
    }
    let top = refused(&["--help"], ErrorKind::DisplayHelp);
    assert!(top.contains("NO_COLOR"), "{top}");
}

/// Every subcommand with a CONTENDER argument also takes `--contenders a,b`.
#[test]
fn contenders_is_a_flag_wherever_contenders_are_named() {
    for sub in visible_subcommands() {
        let ids: Vec<&str> = sub.get_arguments().map(|a| a.get_id().as_str()).collect();
        if ids.contains(&"contender_names") {
            assert!(
                ids.contains(&"contenders"),
                "{} lacks --contenders",
                sub.get_name()
            );
        }
    }
    for name in [
        "verify",
        "torture",
        "coldstart",
        "footprint",
        "test",
        "mutate",
    ] {
        let cmd = parse(&[name, "go-nethttp", "--contenders", "rust-axum,go-nethttp"]);
        let list = match cmd {
            Command::Verify(a) => a.contenders.list(),
            Command::Torture(a) => a.contenders.list(),
            Command::Coldstart(a) => a.contenders.list(),
            Command::Footprint(a) => a.contenders.list(),
            Command::Test(a) => a.contenders.list(),
            Command::Mutate(a) => a.contenders.list(),
            other => panic!("{name} parsed as {other:?}"),
        };
        assert_eq!(list, ["go-nethttp", "rust-axum"], "{name}");
    }
}

/// The commands that print results can print them as JSON.
#[test]
fn json_wherever_results_are_printed() {
    let printing = [
        "run",
        "report",
        "claims",
        "compare",
        "verify",
        "load",
        "merge",
        "coldstart",
        "footprint",
        "torture",
        "toolchains",
        "mutate",
        "test",
        "up",
        "upstream",
    ];
    for sub in visible_subcommands() {
        let has_json = sub.get_arguments().any(|a| a.get_id() == "json");
        assert_eq!(
            has_json,
            printing.contains(&sub.get_name()),
            "{}: --json {}",
            sub.get_name(),
            if has_json { "unexpected" } else { "missing" }
        );
    }
}

#[test]
fn quiet_is_accepted_before_and_after_the_subcommand() {
    use clap::Parser;
    for argv in [
        &["shootout", "--quiet", "verify"][..],
        &["shootout", "verify", "-q"],
        &["shootout", "run", "--quick", "--quiet"],
    ] {
        assert!(Cli::try_parse_from(argv).unwrap().quiet, "{argv:?}");
    }
}

#[test]
fn baseline_is_refused_with_a_hint_to_reference() {
    for name in ["run", "report"] {
        let mut args = vec![name];
        if name == "report" {
            args.push("r.json");
        }
        args.extend(["--baseline", "rust-axum"]);
        let shown = refused(&args, ErrorKind::ValueValidation);
        assert!(shown.contains("renamed --reference"), "{shown}");
    }
}

#[test]
fn fail_on_takes_verdicts() {
    let Command::Claims(c) = parse(&["claims", "r.json", "--fail-on", "refuted,inconclusive"])
    else {
        panic!("not claims")
    };
    assert_eq!(c.fail_on.fail_on, [FailOn::Refuted, FailOn::Inconclusive]);
    let Command::Run(r) = parse(&["run", "--fail-on", "refuted"]) else {
        panic!("not a run")
    };
    assert_eq!(r.fail_on.fail_on, [FailOn::Refuted]);
    let shown = refused(
        &["claims", "r.json", "--fail-on", "supported"],
        ErrorKind::InvalidValue,
    );
    assert!(shown.contains("refuted"), "{shown}");
}

#[test]
fn completions_parses_a_shell_and_refuses_others() {
    let Command::Completions(c) = parse(&["completions", "zsh"]) else {
        panic!("not completions")
    };
    assert_eq!(c.shell, clap_complete::Shell::Zsh);
    refused(&["completions", "tcsh"], ErrorKind::InvalidValue);
    refused(&["completions"], ErrorKind::MissingRequiredArgument);
}

#[test]
fn compare_parses_two_runs_and_fail_if() {
    let Command::Compare(c) = parse(&[
        "compare",
        "a.json",
        "b.json",
        "--fail-if",
        "p99_ms[*,*] > 1.1*base",
        "--json",
    ]) else {
        panic!("not compare")
    };
    assert_eq!(
        (c.base, c.new),
        (PathBuf::from("a.json"), PathBuf::from("b.json"))
    );
    assert_eq!(c.fail_if, ["p99_ms[*,*] > 1.1*base"]);
    assert!(c.output.json);
    refused(&["compare", "a.json"], ErrorKind::MissingRequiredArgument);
}

#[test]
fn mutate_parses_its_options_and_defaults() {
    let Command::Mutate(m) = parse(&["mutate", "--check", "--seed", "3", "--catalogue", "m.toml"])
    else {
        panic!("not mutate")
    };
    assert!(m.check && m.contenders.list().is_empty());
    assert_eq!((m.seed, m.catalogue), (Some(3), PathBuf::from("m.toml")));
    let Command::Mutate(d) = parse(&["mutate"]) else {
        panic!("not mutate")
    };
    assert_eq!(d.catalogue, PathBuf::from("contract/mutations.toml"));
    refused(&["mutate", "--seed", "x"], ErrorKind::ValueValidation);
}
