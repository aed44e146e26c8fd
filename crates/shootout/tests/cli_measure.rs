//! The command line of the measuring commands as parsed, without running
//! anything: load, merge, coldstart, footprint, torture, test, toolchains,
//! schema and the PostgreSQL keeper (the others are in cli.rs).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use clap::error::ErrorKind;
use common::cli::{contenders_env_unset, cpus, parse, refused};
use shootout::cli::{Command, SchemaDoc};
use shootout::load::shard::Shard;

#[test]
fn load_parses_every_option_and_its_defaults() {
    let Command::Load(l) = parse(&[
        "load",
        "http://127.0.0.1:8080/health",
        "-c",
        "16",
        "-d",
        "2s",
        "--rate",
        "0.5",
        "--warmup",
        "0",
        "-m",
        "POST",
        "--body",
        "order.json",
        "-H",
        "Content-Type: application/json",
        "--timeout",
        "500ms",
        "--cpus",
        "0-1",
        "--threads",
        "2",
        "--no-keepalive",
        "--json",
        "--shard",
        "1/2",
        "--start-at",
        "1700000000.5",
        "--clock-ref",
        "http://10.0.0.7:4100",
    ]) else {
        panic!("not a load")
    };
    assert_eq!(l.url, "http://127.0.0.1:8080/health");
    assert_eq!(l.connections, 16);
    assert_eq!(l.duration, Duration::from_secs(2));
    assert_eq!(l.requests, None);
    assert_eq!(l.rate, Some(0.5));
    assert_eq!(l.warmup, Duration::ZERO);
    assert_eq!(l.method, "POST");
    assert_eq!(l.body, Some(PathBuf::from("order.json")));
    assert_eq!(
        l.headers,
        [("Content-Type".to_owned(), "application/json".to_owned())]
    );
    assert_eq!(l.timeout, Duration::from_millis(500));
    assert_eq!(l.cpus, Some(cpus("0-1")));
    assert_eq!(l.threads, Some(2));
    assert!(l.no_keepalive && l.output.json);
    assert_eq!(l.shard, Some(Shard { index: 1, count: 2 }));
    assert_eq!(l.start_at, Some(1_700_000_000.5));
    assert_eq!(l.clock_ref.as_deref(), Some("http://10.0.0.7:4100"));

    let Command::Load(d) = parse(&["load", "http://127.0.0.1:8080/", "-n", "100"]) else {
        panic!("not a load")
    };
    assert_eq!(d.requests, Some(100));
    assert_eq!(d.connections, 64);
    assert_eq!(d.duration, Duration::from_secs(10));
    assert_eq!(d.warmup, Duration::from_secs(1));
    assert_eq!(d.timeout, Duration::from_secs(10));
    assert_eq!(d.method, "GET");
    assert_eq!(
        (d.rate, d.threads, d.shard, d.start_at),
        (None, None, None, None)
    );
    assert!(d.headers.is_empty() && !d.no_keepalive && !d.output.json);
}

#[test]
fn load_refuses_bad_rates_durations_headers_and_shards() {
    let url = "http://127.0.0.1:8080/";
    let shown = refused(&["load", url, "--rate", "0"], ErrorKind::ValueValidation);
    assert!(shown.contains("rate must be a positive number"), "{shown}");
    refused(&["load", url, "--rate", "fast"], ErrorKind::ValueValidation);
    let shown = refused(&["load", url, "-d", "-5s"], ErrorKind::ValueValidation);
    assert!(shown.contains("must be a positive duration"), "{shown}");
    refused(&["load", url, "-d", "ten"], ErrorKind::ValueValidation);
    refused(
        &["load", url, "--warmup", "soon"],
        ErrorKind::ValueValidation,
    );
    let shown = refused(
        &["load", url, "-H", "NoColonHere"],
        ErrorKind::ValueValidation,
    );
    assert!(shown.contains("malformed header"), "{shown}");
    refused(
        &["load", url, "-d", "1s", "-n", "5"],
        ErrorKind::ArgumentConflict,
    );
    refused(&["load", url, "--shard", "2/2"], ErrorKind::ValueValidation);
    refused(&["load", url, "-c", "many"], ErrorKind::ValueValidation);
    refused(&["load", url, "--cpus", "0-"], ErrorKind::ValueValidation);
    refused(&["load", url, "--http2"], ErrorKind::UnknownArgument);
    refused(&["load"], ErrorKind::MissingRequiredArgument);
}

#[test]
fn merge_needs_its_shard_files() {
    let Command::Merge(m) = parse(&["merge", "s0.json", "s1.json", "--json"]) else {
        panic!("not a merge")
    };
    assert_eq!(
        m.files,
        [PathBuf::from("s0.json"), PathBuf::from("s1.json")]
    );
    assert!(m.output.json);
    refused(&["merge"], ErrorKind::MissingRequiredArgument);
    refused(&["merge", "s0.json", "--html"], ErrorKind::UnknownArgument);
}

#[test]
fn coldstart_bounds_its_runs() {
    let Command::Coldstart(c) = parse(&[
        "coldstart",
        "rust-axum",
        "node-fastify",
        "--runs",
        "50",
        "--drop-caches",
        "--json",
        "--no-build",
    ]) else {
        panic!("not a coldstart")
    };
    assert_eq!(c.contenders.list(), ["rust-axum", "node-fastify"]);
    assert_eq!(c.runs, 50);
    assert!(c.drop_caches && c.output.json && c.no_build);
    let Command::Coldstart(d) = parse(&["coldstart"]) else {
        panic!("not a coldstart")
    };
    assert_eq!(d.runs, 20);
    assert!(d.contenders.list().is_empty() && !d.drop_caches && !d.output.json && !d.no_build);
    refused(&["coldstart", "--runs", "0"], ErrorKind::ValueValidation);
    refused(
        &["coldstart", "--runs", "10001"],
        ErrorKind::ValueValidation,
    );
    refused(&["coldstart", "--runs", "many"], ErrorKind::ValueValidation);
    refused(&["coldstart", "--warm"], ErrorKind::UnknownArgument);
}

#[test]
fn footprint_torture_and_test_parse_their_flags() {
    let Command::Footprint(f) = parse(&[
        "footprint",
        "go-nethttp",
        "--images-dir",
        "i",
        "--contenders-dir",
        "c",
        "--no-clean-build",
        "--json",
    ]) else {
        panic!("not a footprint")
    };
    assert_eq!(f.contenders.list(), ["go-nethttp"]);
    assert_eq!(f.images_dir, PathBuf::from("i"));
    assert_eq!(f.dir.contenders_dir, PathBuf::from("c"));
    assert!(f.no_clean_build && f.output.json);
    let Command::Footprint(d) = parse(&["footprint"]) else {
        panic!("not a footprint")
    };
    assert_eq!(d.images_dir, PathBuf::from("target/shootout/images"));
    assert!(!d.no_clean_build && !d.output.json);
    refused(&["footprint", "--no-clean"], ErrorKind::UnknownArgument);
    refused(&["footprint", "--images-dir"], ErrorKind::InvalidValue);

    let Command::Torture(t) = parse(&[
        "torture",
        "go-nethttp",
        "node-fastify",
        "--no-overload",
        "--no-database",
        "--json",
    ]) else {
        panic!("not a torture")
    };
    assert_eq!(t.contenders.list(), ["go-nethttp", "node-fastify"]);
    assert!(t.no_overload && t.database.no_database && t.output.json);
    refused(&["torture", "--overload"], ErrorKind::UnknownArgument);
    refused(
        &["torture", "--ready-timeout", "1 fortnight"],
        ErrorKind::ValueValidation,
    );

    let Command::Test(t) = parse(&["test", "node-fastify", "--contenders-dir", "c"]) else {
        panic!("not a test")
    };
    assert_eq!(t.contenders.list(), ["node-fastify"]);
    assert_eq!(t.dir.contenders_dir, PathBuf::from("c"));
    if contenders_env_unset() {
        let Command::Test(d) = parse(&["test"]) else {
            panic!("not a test")
        };
        assert_eq!(d.dir.contenders_dir, PathBuf::from("contenders"));
    }
    let Command::Test(j) = parse(&["test", "--json"]) else {
        panic!("not a test")
    };
    assert!(j.output.json && !t.output.json);
}

#[test]
fn toolchains_and_schema_parse_and_schema_names_its_documents() {
    let Command::Toolchains(t) = parse(&["toolchains", "--json", "--contenders-dir", "c"]) else {
        panic!("not toolchains")
    };
    assert!(t.output.json);
    assert_eq!(t.dir.contenders_dir, PathBuf::from("c"));
    refused(&["toolchains", "node"], ErrorKind::UnknownArgument);

    let Command::Schema(s) = parse(&["schema", "results"]) else {
        panic!("not a schema")
    };
    assert_eq!(s.doc, SchemaDoc::Results);
    let Command::Schema(s) = parse(&["schema", "load"]) else {
        panic!("not a schema")
    };
    assert_eq!(s.doc, SchemaDoc::Load);
    let shown = refused(&["schema", "nope"], ErrorKind::InvalidValue);
    assert!(shown.contains("results"), "the choices are listed: {shown}");
    refused(&["schema"], ErrorKind::MissingRequiredArgument);
}

#[test]
fn the_postgres_keeper_parses_what_shootout_passes_it() {
    let Command::PostgresKeeper(k) = parse(&[
        "postgres-keeper",
        "--bin-dir",
        "b",
        "--dir",
        "d",
        "--port",
        "5433",
        "--set",
        "fsync=off",
        "--set",
        "max_connections=200",
    ]) else {
        panic!("not a postgres-keeper")
    };
    assert_eq!(k.bin_dir, PathBuf::from("b"));
    assert_eq!(k.dir, PathBuf::from("d"));
    assert_eq!(k.port, 5433);
    assert_eq!(k.settings, ["fsync=off", "max_connections=200"]);
    refused(
        &["postgres-keeper", "--bin-dir", "b", "--port", "5433"],
        ErrorKind::MissingRequiredArgument,
    );
    refused(
        &[
            "postgres-keeper",
            "--bin-dir",
            "b",
            "--dir",
            "d",
            "--port",
            "x",
        ],
        ErrorKind::ValueValidation,
    );
}
