//! Dependency counts, from each ecosystem's own tool: `cargo metadata`,
//! `go list -m all`, `npm ls --all --json`. Direct dependencies are the ones
//! the contender names; transitive counts every package its build pulls in
//! (normal and build dependencies; dev and test dependencies excluded).

use std::collections::{BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::OpsError;
use serde_json::Value;

use crate::contenders::Contender;
use crate::contenders::build::command;
use crate::contenders::toolchain::Runtime;

/// Part of the results schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct Dependencies {
    pub direct: usize,
    pub transitive: usize,
    /// The command the counts came from.
    pub source: String,
}

fn run(contender: &Contender, runtime: &Runtime, argv: &[&str]) -> Result<String, OpsError> {
    let argv: Vec<String> = argv.iter().map(|s| (*s).to_owned()).collect();
    let out = command(contender, runtime, &argv)
        .output()
        .map_err(|e| format!("{}: {e}", argv.join(" ")))?;
    // npm ls exits non-zero on peer-dependency warnings but still prints the tree.
    if !out.status.success() && out.stdout.is_empty() {
        return Err(format!(
            "{} failed: {}",
            argv.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Counts the contender's dependencies with its ecosystem's tool.
pub fn count(contender: &Contender, runtime: &Runtime) -> Result<Dependencies, OpsError> {
    match runtime.name.as_str() {
        "rust" => {
            // Only this machine's platform: windows-sys and friends never ship here.
            let host = host_triple();
            let mut argv = vec!["cargo", "metadata", "--format-version", "1", "--locked"];
            if let Some(host) = &host {
                argv.extend(["--filter-platform", host]);
            }
            let text = run(contender, runtime, &argv)?;
            cargo(&serde_json::from_str(&text).map_err(|e| e.to_string())?)
        }
        "go" => {
            let all = run(contender, runtime, &["go", "list", "-m", "all"])?;
            let direct = run(
                contender,
                runtime,
                &[
                    "go",
                    "list",
                    "-m",
                    "-f",
                    "{{if not (or .Main .Indirect)}}{{.Path}}{{end}}",
                    "all",
                ],
            )?;
            Ok(Dependencies {
                direct: direct.lines().filter(|l| !l.trim().is_empty()).count(),
                transitive: all
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .count()
                    .saturating_sub(1),
                source: "go list -m all".into(),
            })
        }
        "node" | "bun" | "deno" => {
            let text = run(
                contender,
                runtime,
                &["npm", "ls", "--all", "--json", "--omit=dev"],
            )?;
            npm(&serde_json::from_str(&text).map_err(|e| e.to_string())?)
        }
        other => Err(format!("no dependency tool known for runtime {other:?}").into()),
    }
}

fn host_triple() -> Option<String> {
    let out = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
}

fn is_shipped(dep: &Value) -> bool {
    dep["dep_kinds"].as_array().is_some_and(|kinds| {
        kinds
            .iter()
            .any(|k| k["kind"].is_null() || k["kind"] == "build")
    })
}

/// Counts from `cargo metadata` output.
pub fn cargo(meta: &Value) -> Result<Dependencies, OpsError> {
    let resolve = &meta["resolve"];
    let root = resolve["root"]
        .as_str()
        .ok_or("cargo metadata has no root package")?;
    let nodes: HashMap<&str, &Value> = resolve["nodes"]
        .as_array()
        .ok_or("cargo metadata has no resolve graph")?
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let deps_of = |id: &str| -> Vec<String> {
        nodes
            .get(id)
            .and_then(|n| n["deps"].as_array())
            .map_or_else(Vec::new, |deps| {
                deps.iter()
                    .filter(|d| is_shipped(d))
                    .filter_map(|d| d["pkg"].as_str().map(str::to_owned))
                    .collect()
            })
    };
    let direct = nodes
        .get(root)
        .and_then(|n| n["deps"].as_array())
        .map_or(0, |deps| {
            deps.iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .is_some_and(|k| k.iter().any(|k| k["kind"].is_null()))
                })
                .count()
        });
    let mut seen = BTreeSet::new();
    let mut stack = deps_of(root);
    while let Some(id) = stack.pop() {
        if seen.insert(id.clone()) {
            stack.extend(deps_of(&id));
        }
    }
    Ok(Dependencies {
        direct,
        transitive: seen.len(),
        source: "cargo metadata".into(),
    })
}

/// Counts from `npm ls --all --json` output: unique name@version pairs.
pub fn npm(tree: &Value) -> Result<Dependencies, OpsError> {
    let top = tree["dependencies"]
        .as_object()
        .ok_or("npm ls printed no dependencies")?;
    let mut seen = BTreeSet::new();
    let mut stack: Vec<(&String, &Value)> = top.iter().collect();
    while let Some((name, dep)) = stack.pop() {
        let version = dep["version"].as_str().unwrap_or("?");
        if seen.insert(format!("{name}@{version}")) {
            if let Some(children) = dep["dependencies"].as_object() {
                stack.extend(children.iter());
            }
        }
    }
    Ok(Dependencies {
        direct: top.len(),
        transitive: seen.len(),
        source: "npm ls --all --omit=dev".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn npm_tree_counts_unique_packages() {
        let tree = json!({"dependencies": {
            "a": {"version": "1.0.0", "dependencies": {"c": {"version": "2.0.0"}}},
            "b": {"version": "1.0.0", "dependencies": {"c": {"version": "2.0.0"}, "d": {"version": "1.0.0"}}}
        }});
        let d = npm(&tree).unwrap();
        assert_eq!((d.direct, d.transitive), (2, 4));
    }

    #[test]
    fn cargo_graph_skips_dev_dependencies() {
        let meta = json!({"resolve": {"root": "r", "nodes": [
            {"id": "r", "deps": [
                {"pkg": "a", "dep_kinds": [{"kind": null}]},
                {"pkg": "t", "dep_kinds": [{"kind": "dev"}]}]},
            {"id": "a", "deps": [{"pkg": "b", "dep_kinds": [{"kind": "build"}]}]},
            {"id": "b", "deps": []},
            {"id": "t", "deps": [{"pkg": "x", "dep_kinds": [{"kind": null}]}]},
            {"id": "x", "deps": []}
        ]}});
        let d = cargo(&meta).unwrap();
        assert_eq!((d.direct, d.transitive), (1, 2));
    }
}
