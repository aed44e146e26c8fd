//! The command line as parsed, without running anything: for every
//! subcommand, an invocation that parses into the options it says, its
//! defaults, and bad input refused with the kind of error a user would see.
//! The measuring commands (load, merge, coldstart, footprint, torture,
//! test, toolchains, schema, the keeper) are in cli_measure.rs.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use clap::CommandFactory;
use clap::error::ErrorKind;
use common::cli::{contenders_env_unset, cpus, parse, refused};
use shootout::cli::{Cli, Command};
use shootout::database::Source;
use shootout::supervise::limits::Limits;

/// The subcommands with tests here, in cli_measure.rs or in
/// cli_conventions.rs (compare, mutate, completions); a new one fails
/// here until it has tests of its own.
#[test]
fn every_subcommand_is_covered() {
    let covered = [
        "run",
        "report",
        "claims",
        "verify",
        "up",
        "load",
        "merge",
        "coldstart",
        "footprint",
        "torture",
        "test",
        "toolchains",
        "schema",
        "upstream",
        "postgres-keeper",
        "completions",
        "compare",
        "mutate",
    ];
    let cli = Cli::command();
    let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
    for name in &names {
        assert!(
            covered.contains(name),
            "`shootout {name}` has no parse test"
        );
    }
    for name in covered {
        assert!(
            names.contains(&name),
            "`shootout {name}` is gone: {names:?}"
        );
    }
    Cli::command().debug_assert();
}

#[test]
fn no_subcommand_an_unknown_one_help_and_version_are_refused_with_their_kind() {
    let shown = refused(&[], ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand);
    assert!(shown.contains("Usage"), "{shown}");
    let shown = refused(&["rnu"], ErrorKind::InvalidSubcommand);
    assert!(shown.contains("'rnu'"), "{shown}");
    refused(&["--version"], ErrorKind::DisplayVersion);
    let help = refused(&["run", "--help"], ErrorKind::DisplayHelp);
    assert!(help.contains("--quick"), "{help}");
}

#[test]
fn run_parses_its_options_and_defaults() {
    let Command::Run(a) = parse(&[
        "run",
        "--quick",
        "--contenders",
        "rust-axum,go-nethttp",
        "--scenarios",
        "json,cpu-hash",
        "--scenarios-dir",
        "s",
        "--out",
        "o",
        "--resume",
        "--reference",
        "rust-axum",
        "--ledger",
        "l.toml",
        "--seed",
        "5",
        "--limits",
        "cpu=1.5,memory=256Mi",
        "--target",
        "a=http://10.0.0.5:8080",
        "--target",
        "b=http://10.0.0.6:8080",
        "--target-upstream",
        "http://10.0.0.7:4100",
        "--service-cpus",
        "2-3",
        "--ready-timeout",
        "500ms",
        "--postgres",
        "system",
    ]) else {
        panic!("not a run")
    };
    assert!(a.quick && !a.full && a.resume);
    assert_eq!(a.contenders, ["rust-axum", "go-nethttp"]);
    assert_eq!(a.scenarios, ["json", "cpu-hash"]);
    assert_eq!(a.scenarios_dir, PathBuf::from("s"));
    assert_eq!(a.out, PathBuf::from("o"));
    assert_eq!(a.reference.reference.as_deref(), Some("rust-axum"));
    assert_eq!(a.ledger, Some(PathBuf::from("l.toml")));
    assert_eq!(a.seed, Some(5));
    assert_eq!(
        a.limits,
        Some(Limits {
            cpu: Some(1.5),
            memory_bytes: Some(256 << 20),
        })
    );
    assert_eq!(
        a.target,
        ["a=http://10.0.0.5:8080", "b=http://10.0.0.6:8080"]
    );
    assert_eq!(a.target_upstream.as_deref(), Some("http://10.0.0.7:4100"));
    assert_eq!(a.common.service_cpus, Some(cpus("2-3")));
    assert_eq!(a.common.ready_timeout, Duration::from_millis(500));
    assert_eq!(a.database.postgres, Source::System);

    let Command::Run(d) = parse(&["run"]) else {
        panic!("not a run")
    };
    assert!(!d.quick && !d.full && !d.resume);
    assert!(d.contenders.is_empty() && d.scenarios.is_empty() && d.target.is_empty());
    assert_eq!(d.scenarios_dir, PathBuf::from("scenarios"));
    assert_eq!(d.out, PathBuf::from("target/shootout/results"));
    assert_eq!(d.reference.reference, None);
    assert_eq!(
        d.ledger, None,
        "the default ledger is used only when it is there"
    );
    assert!(d.fail_on.fail_on.is_empty() && !d.output.json);
    assert_eq!((d.seed, d.limits, d.target_upstream), (None, None, None));
    assert_eq!(d.common.service_cpus, None);
    assert_eq!(d.common.ready_timeout, Duration::from_secs(30));
    assert_eq!(d.database.postgres, Source::Embedded);
    assert!(!d.database.no_database);
    if contenders_env_unset() {
        assert_eq!(d.common.dir.contenders_dir, PathBuf::from("contenders"));
    }
}

#[test]
fn run_refuses_bad_input() {
    let shown = refused(&["run", "--conections", "8"], ErrorKind::UnknownArgument);
    assert!(shown.contains("--conections"), "{shown}");
    refused(&["run", "--quick", "--full"], ErrorKind::ArgumentConflict);
    let shown = refused(
        &["run", "--ready-timeout", "soon"],
        ErrorKind::ValueValidation,
    );
    assert!(shown.contains("not a duration"), "{shown}");
    refused(&["run", "--ready-timeout"], ErrorKind::InvalidValue);
    refused(&["run", "--seed", "five"], ErrorKind::ValueValidation);
    refused(&["run", "--limits", "cpu=lots"], ErrorKind::ValueValidation);
    refused(
        &["run", "--service-cpus", "two"],
        ErrorKind::ValueValidation,
    );
    refused(&["run", "--postgres", "mysql"], ErrorKind::InvalidValue);
    refused(
        &["run", "--target-upstream", "http://10.0.0.7:4100"],
        ErrorKind::MissingRequiredArgument,
    );
    refused(
        &["run", "--no-database", "--database-url", "postgres://h/db"],
        ErrorKind::ArgumentConflict,
    );
}

#[test]
fn report_and_claims_parse_and_need_a_results_file() {
    let Command::Report(r) = parse(&[
        "report",
        "r.json",
        "--html",
        "r.html",
        "--md",
        "r.md",
        "--reference",
        "node-fastify",
        "--ledger",
        "l.toml",
    ]) else {
        panic!("not a report")
    };
    assert_eq!(r.results, [PathBuf::from("r.json")]);
    assert_eq!(r.html, Some(PathBuf::from("r.html")));
    assert_eq!(r.md, Some(PathBuf::from("r.md")));
    assert_eq!(r.reference.reference.as_deref(), Some("node-fastify"));
    assert_eq!(r.ledger, Some(PathBuf::from("l.toml")));
    let Command::Report(d) = parse(&["report", "r.json"]) else {
        panic!("not a report")
    };
    assert_eq!((d.html, d.md, d.ledger), (None, None, None));
    assert_eq!(d.reference.reference, None);
    refused(&["report"], ErrorKind::MissingRequiredArgument);
    refused(
        &["report", "r.json", "--pdf", "r.pdf"],
        ErrorKind::UnknownArgument,
    );

    let Command::Claims(c) = parse(&["claims", "r.json", "--ledger", "l.toml", "--json"]) else {
        panic!("not claims")
    };
    assert_eq!(c.results, [PathBuf::from("r.json")]);
    assert_eq!(c.ledger, PathBuf::from("l.toml"));
    assert!(c.output.json);
    let Command::Claims(d) = parse(&["claims", "r.json"]) else {
        panic!("not claims")
    };
    assert_eq!(d.ledger, PathBuf::from("claims/go-vs-node.toml"));
    assert!(!d.output.json);
    refused(&["claims"], ErrorKind::MissingRequiredArgument);
    refused(&["claims", "r.json", "--html"], ErrorKind::UnknownArgument);
}

#[test]
fn verify_parses_contenders_or_targets_not_both() {
    let Command::Verify(v) = parse(&[
        "verify",
        "go-nethttp",
        "rust-axum",
        "--seed",
        "7",
        "--json",
        "--contenders-dir",
        "c",
        "--service-cpus",
        "1",
        "--no-database",
    ]) else {
        panic!("not a verify")
    };
    assert_eq!(v.contenders.list(), ["go-nethttp", "rust-axum"]);
    assert_eq!(v.seed, Some(7));
    assert!(v.output.json && v.database.no_database);
    assert_eq!(v.common.dir.contenders_dir, PathBuf::from("c"));
    assert_eq!(v.common.service_cpus, Some(cpus("1")));
    assert!(v.database.plan().is_none(), "--no-database: no database");

    let Command::Verify(t) = parse(&[
        "verify",
        "--target",
        "a=http://10.0.0.5:8080",
        "--target-upstream",
        "http://10.0.0.7:4100",
    ]) else {
        panic!("not a verify")
    };
    assert!(t.contenders.list().is_empty());
    assert_eq!(t.target, ["a=http://10.0.0.5:8080"]);
    assert_eq!(t.target_upstream.as_deref(), Some("http://10.0.0.7:4100"));

    refused(
        &["verify", "go-nethttp", "--target", "a=http://10.0.0.5:8080"],
        ErrorKind::ArgumentConflict,
    );
    refused(
        &["verify", "--target-upstream", "http://10.0.0.7:4100"],
        ErrorKind::MissingRequiredArgument,
    );
    refused(&["verify", "--seed", "seven"], ErrorKind::ValueValidation);
    refused(&["verify", "--jsn"], ErrorKind::UnknownArgument);
}

#[test]
fn up_and_upstream_parse_ports_and_addresses() {
    let Command::Up(u) = parse(&[
        "up",
        "rust-axum",
        "--port",
        "9090",
        "--host",
        "0.0.0.0",
        "--upstream",
        "http://127.0.0.1:4100",
    ]) else {
        panic!("not an up")
    };
    assert_eq!(u.contender, "rust-axum");
    assert_eq!(u.port, 9090);
    assert_eq!(u.host, std::net::IpAddr::from([0, 0, 0, 0]));
    assert_eq!(u.upstream.as_deref(), Some("http://127.0.0.1:4100"));
    let Command::Up(d) = parse(&["up", "go-nethttp", "-p", "8081"]) else {
        panic!("not an up")
    };
    assert_eq!(d.port, 8081);
    assert_eq!(d.host, std::net::IpAddr::from([127, 0, 0, 1]));
    assert_eq!(d.upstream, None);
    let Command::Up(d) = parse(&["up", "go-nethttp"]) else {
        panic!("not an up")
    };
    assert_eq!(d.port, 8080);
    refused(&["up"], ErrorKind::MissingRequiredArgument);
    refused(
        &["up", "go-nethttp", "--port", "70000"],
        ErrorKind::ValueValidation,
    );
    refused(
        &["up", "go-nethttp", "--host", "nowhere"],
        ErrorKind::ValueValidation,
    );
    refused(&["up", "a", "b"], ErrorKind::UnknownArgument);

    let Command::Upstream(s) = parse(&[
        "upstream",
        "--port",
        "0",
        "--host",
        "0.0.0.0",
        "--authorize-ms",
        "5",
    ]) else {
        panic!("not an upstream")
    };
    assert_eq!((s.port, s.authorize_ms), (0, 5));
    assert_eq!(s.host, std::net::IpAddr::from([0, 0, 0, 0]));
    let Command::Upstream(d) = parse(&["upstream"]) else {
        panic!("not an upstream")
    };
    assert_eq!((d.port, d.authorize_ms), (4100, 2));
    assert_eq!(d.host, std::net::IpAddr::from([127, 0, 0, 1]));
    refused(
        &["upstream", "--authorize-ms", "soon"],
        ErrorKind::ValueValidation,
    );
    refused(&["upstream", "--delay-ms", "5"], ErrorKind::UnknownArgument);
}
