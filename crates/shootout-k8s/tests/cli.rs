//! `shootout-k8s`'s command line as parsed: each subcommand with its
//! flags, the names shared with `shootout` (--contenders, --images-dir),
//! and examples and exit codes in every help.

#![allow(clippy::unwrap_used)]

use clap::{CommandFactory, Parser};
use shootout_k8s::cli::{Cli, K8sCommand};

fn parse(args: &[&str]) -> K8sCommand {
    let argv = std::iter::once("shootout-k8s").chain(args.iter().copied());
    Cli::try_parse_from(argv).unwrap().command
}

#[test]
fn render_run_and_push_parse_their_flags() {
    let K8sCommand::Render(r) = parse(&[
        "render",
        "--contenders",
        "go-nethttp,rust-axum",
        "--shards",
        "4",
        "--out",
        "k",
    ]) else {
        panic!("not render")
    };
    assert_eq!(r.plan.images.contenders, ["go-nethttp", "rust-axum"]);
    assert_eq!((r.plan.shards, r.out.to_str().unwrap()), (4, "k"));
    let K8sCommand::Run(r) = parse(&["run", "-c", "512", "--json", "--keep"]) else {
        panic!("not run")
    };
    assert!(r.json && r.keep && r.plan.connections == 512);
    let K8sCommand::Push(p) = parse(&["push", "--images-dir", "i", "--tag", "t"]) else {
        panic!("not push")
    };
    assert_eq!(p.layouts.to_str(), Some("i"));
    assert_eq!(p.images.tag.as_deref(), Some("t"));
    let K8sCommand::Push(old) = parse(&["push", "--images", "j"]) else {
        panic!("not push")
    };
    assert_eq!(old.layouts.to_str(), Some("j"), "the old name still works");
    let argv = ["shootout-k8s", "run", "--shards", "many"];
    assert!(Cli::try_parse_from(argv).is_err());
}

#[test]
fn every_help_has_examples_and_the_exit_codes() {
    for sub in Cli::command().get_subcommands() {
        let name = sub.get_name().to_owned();
        let err = Cli::try_parse_from(["shootout-k8s", &name, "--help"]).unwrap_err();
        let help = err.to_string();
        assert!(
            help.contains("Example"),
            "`shootout-k8s {name} --help` has no example"
        );
        assert!(
            help.contains("Exit status"),
            "`shootout-k8s {name} --help`: no exit codes"
        );
    }
}
