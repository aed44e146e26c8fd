//! Lines of code of a contender: non-blank, non-comment lines of its source,
//! excluding dependencies, build output and tests (`tests/`, `test/`,
//! `*_test.go`, `*.test.js`, and Rust's inline `#[cfg(test)]` modules, which
//! by convention close a file).

use std::path::Path;

use serde::Serialize;

/// Part of the results schema.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Loc {
    pub files: usize,
    pub lines: usize,
}

const SKIP_DIRS: &[&str] = &[
    "target",
    "bin",
    "node_modules",
    "vendor",
    "test",
    "tests",
    ".git",
    "dist",
];
const EXTENSIONS: &[&str] = &["rs", "go", "js", "mjs", "cjs", "ts", "mts"];

fn is_test_file(name: &str) -> bool {
    name.ends_with("_test.go") || name.contains(".test.") || name.contains(".spec.")
}

/// Counts one file's lines.
pub fn count_text(text: &str, rust: bool) -> usize {
    let mut lines = 0;
    let mut in_block = false;
    for line in text.lines() {
        let t = line.trim();
        if rust && t.starts_with("#[cfg(test)]") {
            break;
        }
        if in_block {
            if t.contains("*/") {
                in_block = false;
            }
            continue;
        }
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        if t.starts_with("/*") {
            in_block = !t.contains("*/");
            continue;
        }
        lines += 1;
    }
    lines
}

/// Counts the source under `dir`.
pub fn count(dir: &Path) -> Loc {
    let mut loc = Loc { files: 0, lines: 0 };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !SKIP_DIRS.contains(&name.as_str()) {
                    stack.push(path);
                }
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !EXTENSIONS.contains(&ext) || is_test_file(&name) {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(&path) {
                loc.files += 1;
                loc.lines += count_text(&text, ext == "rs");
            }
        }
    }
    loc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_comment_and_test_lines_do_not_count() {
        let rust = "//! doc\nfn a() {}\n\n/* block\n still */\nfn b() {}\n#[cfg(test)]\nmod tests { fn t() {} }\n";
        assert_eq!(count_text(rust, true), 2);
        assert_eq!(count_text("// c\nconst a = 1;\n", false), 1);
    }
}
