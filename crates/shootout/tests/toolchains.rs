//! `shootout toolchains`: every runtime the contenders need is found or
//! provided (Node.js, Bun and Deno from npm into the cache), and once cached
//! it is found again without npm.

#![allow(clippy::unwrap_used)]

mod common;

use common::{shootout, stdout_json, text};

#[test]
fn toolchains_lists_every_runtime_and_works_from_the_cache_without_npm() {
    let out = shootout().args(["toolchains", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = stdout_json(&out);
    let rows = rows.as_array().unwrap();
    for runtime in ["rust", "go", "node", "bun", "deno"] {
        let row = rows
            .iter()
            .find(|r| r["runtime"] == runtime)
            .unwrap_or_else(|| panic!("no {runtime} row: {rows:?}"));
        assert!(row["version"].is_string(), "{row}");
        assert!(!row["contenders"].as_array().unwrap().is_empty(), "{row}");
    }
    let source = |runtime: &str| {
        rows.iter().find(|r| r["runtime"] == runtime).unwrap()["source"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // Bun and Deno are the machine's own, or came from their npm packages.
    for (runtime, package) in [
        ("bun", "@oven/bun-linux-x64@1"),
        ("deno", "@deno/linux-x64-glibc@2"),
    ] {
        let s = source(runtime);
        assert!(s == "system" || s.contains(package), "{runtime}: {s}");
    }

    // Offline: a PATH with no npm (and no node) still finds the cached runtimes.
    let bare = "/usr/local/sbin:/usr/sbin:/sbin:/bin";
    let go_and_rust: Vec<String> = ["go", "cargo"]
        .iter()
        .filter_map(|p| shootout::contenders::toolchain::which(p))
        .filter_map(|p| p.parent().map(|d| d.display().to_string()))
        .collect();
    let path = format!("{}:{bare}", go_and_rust.join(":"));
    let out = shootout()
        .args(["toolchains", "--json"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "PATH={path}\n{}", text(&out.stderr));
    let again = stdout_json(&out);
    for runtime in ["node", "bun", "deno"] {
        let row = again
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["runtime"] == runtime)
            .unwrap();
        assert!(
            row["version"].is_string(),
            "{runtime} from the cache: {row}"
        );
    }
}
