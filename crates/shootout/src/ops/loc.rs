//! Lines of code of a contender: non-blank, non-comment lines of its source,
//! excluding dependencies, build output and tests (`tests/`, `test/`,
//! `*_test.go`, `*.test.js`, and Rust's inline `#[cfg(test)]` modules, which
//! by convention close a file).

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error_blocks::{self, ErrorSite};
pub use super::language::Language;

/// Part of the results schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct Loc {
    pub files: usize,
    pub lines: usize,
    /// Code lines that handle errors, by the rule of [`handles_errors`].
    #[serde(default)]
    pub error_lines: usize,
    /// The lines that open an error-handling block, by the rule of
    /// [`super::error_blocks`], each with its file, number and text.
    #[serde(default)]
    pub error_blocks: Vec<ErrorSite>,
}

impl Loc {
    /// Share of code lines that handle errors, in percent.
    pub fn error_handling_pct(&self) -> Option<f64> {
        (self.lines > 0).then(|| self.error_lines as f64 * 100.0 / self.lines as f64)
    }

    /// Error-handling blocks per 100 code lines.
    pub fn error_blocks_per_100_lines(&self) -> Option<f64> {
        (self.lines > 0).then(|| self.error_blocks.len() as f64 * 100.0 / self.lines as f64)
    }
}

/// Whether a (trimmed, non-comment) code line handles errors, by a plain
/// rule per language (`docs/claims.md`): Go lines naming `err` or the
/// `errors` package or `Errorf`; Rust lines with the `?` operator, `Err(`,
/// `map_err`, `ok_or`, `.context(` or an error type; JavaScript lines with
/// `try`, `catch`, `throw`, `.catch(` or an `Error(`.
pub fn handles_errors(line: &str, language: Language) -> bool {
    let word = |w: &str| {
        line.match_indices(w).any(|(i, _)| {
            let before = line[..i].chars().next_back();
            let after = line[i + w.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    match language {
        Language::Go => word("err") || line.contains("errors.") || line.contains("Errorf"),
        Language::Rust => {
            line.contains("?;")
                || line.contains("?)")
                || line.contains("?.")
                || line.contains("?,")
                || line.ends_with('?')
                || line.contains("Err(")
                || line.contains("map_err")
                || line.contains("ok_or")
                || line.contains(".context(")
                || line.contains("Error")
        }
        Language::JavaScript => {
            word("try")
                || word("catch")
                || word("throw")
                || line.contains(".catch(")
                || line.contains("Error(")
        }
    }
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
    count_lines(
        text,
        if rust {
            Language::Rust
        } else {
            Language::JavaScript
        },
    )
    .0
}

/// One file's code lines and, of those, the lines that handle errors.
pub fn count_lines(text: &str, language: Language) -> (usize, usize) {
    let rust = language == Language::Rust;
    let mut lines = 0;
    let mut error_lines = 0;
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
        error_lines += usize::from(handles_errors(t, language));
    }
    (lines, error_lines)
}

/// Counts the source under `dir`.
pub fn count(dir: &Path) -> Loc {
    let mut loc = Loc {
        files: 0,
        lines: 0,
        error_lines: 0,
        error_blocks: Vec::new(),
    };
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
            let language = match ext {
                "rs" => Language::Rust,
                "go" => Language::Go,
                _ => Language::JavaScript,
            };
            if let Ok(text) = std::fs::read_to_string(&path) {
                let (lines, errors) = count_lines(&text, language);
                loc.files += 1;
                loc.lines += lines;
                loc.error_lines += errors;
                let file = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy();
                loc.error_blocks
                    .extend(error_blocks::sites(&file, &text, language));
            }
        }
    }
    // The directory walk's order is the file system's: sort for the report.
    loc.error_blocks
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
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

    #[test]
    fn error_lines_follow_each_language_rule() {
        let go = "x, err := f()\nif err != nil {\n\treturn err\n}\ny := x + 1\n";
        assert_eq!(count_lines(go, Language::Go), (5, 3));
        let rust = "let x = f()?;\nlet y = x + 1;\nreturn Err(e);\n";
        assert_eq!(count_lines(rust, Language::Rust), (3, 2));
        let js = "try {\n  x()\n} catch (e) {\n  throw e\n}\nconst terry = 1\n";
        assert_eq!(count_lines(js, Language::JavaScript), (6, 3));
    }
}
