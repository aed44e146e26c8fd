//! Terminal tables for `shootout coldstart` and `shootout footprint`.

use std::fmt::Write;

use super::Render;
use crate::ops::coldstart::Coldstart;
use crate::ops::footprint::Footprint;

impl Render for [Coldstart] {
    fn terminal(&self) -> String {
        coldstart(self)
    }
}

impl Render for [Footprint] {
    fn terminal(&self) -> String {
        footprint(self)
    }
}

/// Left-aligned first column, right-aligned others.
fn table(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, &w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

fn mb(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1e6)
}

fn coldstart(results: &[Coldstart]) -> String {
    let mut out = String::new();
    let Some(first) = results.first() else {
        return "no contenders measured\n".into();
    };
    let _ = writeln!(
        out,
        "cold start: spawn to first answer, {} runs each after 1 warm-up, CPUs {}, OS file cache {}\n",
        first.runs.len(),
        first.cpus,
        first.file_cache
    );
    let mut rows = vec![
        [
            "contender",
            "runtime",
            "/health min",
            "median",
            "p90",
            "max",
            "/json median",
            "RSS at ready",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in results {
        rows.push(vec![
            r.contender.clone(),
            format!("{} {}", r.runtime.name, r.runtime.version),
            format!("{:.2} ms", r.health_ms.min),
            format!("{:.2} ms", r.health_ms.median),
            format!("{:.2} ms", r.health_ms.p90),
            format!("{:.2} ms", r.health_ms.max),
            format!("{:.2} ms", r.json_ms.median),
            mb(r.rss_bytes.median),
        ]);
    }
    out.push_str(&table(&rows));
    out
}

fn footprint(results: &[Footprint]) -> String {
    let mut rows = vec![
        [
            "contender",
            "clean build",
            "build CPU",
            "artifact",
            "files",
            "shared libs",
            "image (gz)",
            "image (raw)",
            "deps direct",
            "deps all",
            "LOC",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for f in results {
        let build = |v: Option<f64>| v.map_or("skipped".to_owned(), |s| format!("{s:.1} s"));
        let deps = |v: Option<usize>| v.map_or("?".to_owned(), |d| d.to_string());
        rows.push(vec![
            f.contender.clone(),
            build(f.clean_build.as_ref().map(|b| b.wall_s)),
            build(f.clean_build.as_ref().map(|b| b.cpu_s)),
            mb(f.artifact.total_bytes as f64),
            f.artifact.app_files.to_string(),
            if f.artifact.static_binary {
                "none (static)".into()
            } else {
                f.artifact.shared_libraries.len().to_string()
            },
            mb(f.image.compressed_bytes as f64),
            mb(f.image.uncompressed_bytes as f64),
            deps(f.dependencies.as_ref().map(|d| d.direct)),
            deps(f.dependencies.as_ref().map(|d| d.transitive)),
            f.lines_of_code.lines.to_string(),
        ]);
    }
    let mut out = table(&rows);
    out.push_str("\nartifact = what must be shipped: binary, or runtime + app + node_modules, plus shared libraries.\n");
    for f in results {
        let _ = writeln!(
            out,
            "  {}: OCI layout {} ({})",
            f.contender,
            f.image.layout.display(),
            f.image.manifest_digest
        );
        if let Some(e) = &f.dependencies_error {
            let _ = writeln!(out, "  {}: dependencies not counted: {e}", f.contender);
        }
    }
    out
}
