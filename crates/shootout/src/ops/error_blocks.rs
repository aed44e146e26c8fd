//! Error-handling blocks: where a contender's code stops to deal with an
//! error, counted by one written rule per language (docs/claims.md, "Error
//! handling, counted") so that "verbose error handling" is judged on what
//! each language makes its programmer write, and every counted line can be
//! audited in the report's appendix.
//!
//! A line counts at most once. Comments and the contents of string literals
//! are blanked first, so `// if err != nil {` and `"catch (e)"` count for
//! nothing. The rule per language, on the code that is left:
//!
//! - **Go**: an `if`, `else if` or `case` whose condition names an error
//!   variable (`err`, or a name ending in `Err`): `if err != nil {`,
//!   `if err := f(); err != nil {`, `} else if errors.Is(err, x) {`. Not the
//!   call line `v, err := f()`, not `return err` inside the block.
//! - **JavaScript and TypeScript**: a `catch` clause (one per try/catch; the
//!   `try {` line is not counted again), a `.catch(` call, an `if` or
//!   `else if` whose condition names an error (`err`, `error`, or a name
//!   ending in `Err` or `Error`), and an error callback: a function or arrow
//!   whose first parameter is such a name, or a listener on `'error'`. Not
//!   `throw` (raising is not handling), not validation branches that name
//!   no error.
//! - **Rust** (shown, judged by no claim): the `?` operator, a pattern on
//!   `Err(` (a match arm or `if let`), and `.map_err(`, `.or_else(`,
//!   `.unwrap_or_else(`.
//!
//! Known limits, said rather than hidden: JavaScript regular-expression
//! literals are read as code (a quote inside one would open a string), and
//! the code inside a template literal's `${…}` is blanked with the string.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::language::Language;

/// One counted line: where it is and what it says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ErrorSite {
    /// Path relative to the contender's folder.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// The line as written, trimmed.
    pub text: String,
}

/// The 1-based numbers of the lines of `text` that open an error-handling
/// block by `language`'s rule.
pub fn lines(text: &str, language: Language) -> Vec<usize> {
    blank(text, language)
        .iter()
        .enumerate()
        .filter(|(_, code)| opens_block(code.trim(), language))
        .map(|(i, _)| i + 1)
        .collect()
}

/// The counted lines of one file, with their text, as sites.
pub fn sites(file: &str, text: &str, language: Language) -> Vec<ErrorSite> {
    let raw: Vec<&str> = text.lines().collect();
    lines(text, language)
        .into_iter()
        .map(|n| ErrorSite {
            file: file.to_owned(),
            line: n,
            text: raw.get(n - 1).map_or("", |l| l.trim()).to_owned(),
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Code,
    Block,
    Str(char),
}

/// Each line of `text` with comments removed and string contents blanked
/// (the quotes stay; a literal that is exactly `error` is kept, so that a
/// listener on `'error'` can be seen).
fn blank(text: &str, language: Language) -> Vec<String> {
    let mut out = Vec::new();
    let mut state = State::Code;
    for line in text.lines() {
        let mut code = String::new();
        let mut literal = String::new();
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            match state {
                State::Block => {
                    if c == '*' && next == Some('/') {
                        state = State::Code;
                        i += 1;
                    }
                }
                State::Str(q) => {
                    if c == '\\' && !(q == '`' && language == Language::Go) {
                        i += 1;
                    } else if c == q {
                        if literal == "error" {
                            code.push_str("error");
                        }
                        code.push(q);
                        state = State::Code;
                    } else {
                        literal.push(c);
                    }
                }
                State::Code => match (c, next) {
                    ('/', Some('/')) => break,
                    ('/', Some('*')) => {
                        state = State::Block;
                        i += 1;
                    }
                    ('"' | '`', _) => {
                        code.push(c);
                        literal.clear();
                        state = State::Str(c);
                    }
                    // A Rust quote is a lifetime unless it closes a char.
                    ('\'', _) if language != Language::Rust || is_rust_char(&chars[i..]) => {
                        code.push(c);
                        literal.clear();
                        state = State::Str(c);
                    }
                    _ => code.push(c),
                },
            }
            i += 1;
        }
        // Only backquoted strings span lines.
        if matches!(state, State::Str(q) if q != '`') {
            state = State::Code;
        }
        out.push(code);
    }
    out
}

fn is_rust_char(rest: &[char]) -> bool {
    matches!(rest, ['\'', '\\', ..] | ['\'', _, '\'', ..])
}

/// Whether a blanked, trimmed line opens an error-handling block.
fn opens_block(code: &str, language: Language) -> bool {
    match language {
        Language::Go => go_branch(code),
        Language::JavaScript => js_block(code),
        Language::Rust => rust_site(code),
    }
}

/// The identifiers of `code`, in order.
fn words(code: &str) -> impl Iterator<Item = &str> {
    code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
}

fn go_error_name(w: &str) -> bool {
    w == "err" || (w.len() > 3 && w.ends_with("Err"))
}

fn js_error_name(w: &str) -> bool {
    matches!(w, "err" | "error")
        || (w.len() > 3 && w.ends_with("Err"))
        || (w.len() > 5 && w.ends_with("Error"))
}

/// The condition of an `if`, `else if` or `case` line, if it is one.
fn condition(code: &str) -> Option<&str> {
    let code = code.trim_start_matches('}').trim_start();
    let code = code.strip_prefix("else ").unwrap_or(code).trim_start();
    ["if ", "if(", "case "]
        .iter()
        .find_map(|k| code.strip_prefix(k))
}

fn go_branch(code: &str) -> bool {
    condition(code).is_some_and(|c| words(c).any(go_error_name))
}

fn js_block(code: &str) -> bool {
    let catch_clause = words(code).any(|w| w == "catch") && !code.contains(".catch");
    let branch = condition(code).is_some_and(|c| words(parenthesized(c)).any(js_error_name));
    let listener = [".on(", ".once(", "addEventListener("].iter().any(|on| {
        code.contains(&format!("{on}'error'")) || code.contains(&format!("{on}\"error\""))
    });
    catch_clause || code.contains(".catch(") || branch || error_callback(code) || listener
}

/// The parenthesized condition at the start of `c` (`(err) return x` gives
/// `(err)`), or `c` when it does not start with one.
fn parenthesized(c: &str) -> &str {
    let c = c.trim_start();
    if !c.starts_with('(') {
        return c;
    }
    let mut depth = 0;
    for (i, ch) in c.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &c[..=i];
                }
            }
            _ => {}
        }
    }
    c
}

/// A function or arrow whose first parameter names an error: `(err, data)
/// =>`, `err =>`, `function handler(error, request, reply)`.
fn error_callback(code: &str) -> bool {
    let params = code.match_indices('(').any(|(i, _)| {
        let group = parenthesized(&code[i..]);
        let first = words(group).next().is_some_and(js_error_name);
        let arrow = code[i + group.len()..].trim_start().starts_with("=>");
        let before: Vec<&str> = words(&code[..i]).collect();
        let function = before.last() == Some(&"function")
            || (before.len() > 1 && before[before.len() - 2] == "function");
        first && (arrow || function)
    });
    let bare_arrow = code.match_indices("=>").any(|(i, _)| {
        let head = code[..i].trim_end();
        !head.ends_with(')') && words(head).last().is_some_and(js_error_name)
    });
    params || bare_arrow
}

fn rust_site(code: &str) -> bool {
    let question = code.match_indices('?').any(|(i, _)| {
        code[i + 1..]
            .chars()
            .next()
            .is_none_or(|c| matches!(c, ';' | ')' | '.' | ',' | ' ' | '}'))
    });
    let err_pattern = code.contains("Err(")
        && (code.contains("=>") || code.starts_with("if let") || code.starts_with("let "));
    question
        || err_pattern
        || [".map_err(", ".or_else(", ".unwrap_or_else("]
            .iter()
            .any(|m| code.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(text: &str) -> Vec<usize> {
        lines(text, Language::Go)
    }
    fn js(text: &str) -> Vec<usize> {
        lines(text, Language::JavaScript)
    }

    #[test]
    fn go_counts_the_if_on_an_error_not_the_call_nor_the_return() {
        let text = "v, err := f()\nif err != nil {\n\treturn err\n}\nif x, err := g(); err != nil {\n} else if errors.Is(err, io.EOF) {\n}\nif dbErr != nil {\n}\nreturn fmt.Errorf(\"x: %w\", err)\n";
        assert_eq!(go(text), [2, 5, 6, 8]);
    }

    #[test]
    fn go_comments_strings_and_look_alike_names_do_not_count() {
        let text = "// if err != nil {\n/* if err != nil {\nif err != nil { */\ns := \"if err != nil {\"\nr := `\nif err != nil {\n`\nif errand > 0 {\n}\nif x < 0 {\n\thttp.Error(w, \"bad\", 400)\n}\n";
        assert_eq!(go(text), Vec::<usize>::new());
    }

    #[test]
    fn go_switch_cases_on_an_error_count() {
        let text = "switch {\ncase errors.Is(err, errNotFound):\ncase n > 0:\n}\n";
        assert_eq!(go(text), [2]);
    }

    #[test]
    fn javascript_counts_catch_branches_and_callbacks() {
        let text = "try {\n  x();\n} catch (e) {\n  throw upstreamError(e);\n}\np.catch((err) => log(err));\nif (err) return;\nif (reply.statusCode !== 200) throw new Error('x');\nfs.readFile(f, (err, data) => {});\nsocket.on('error', () => {});\nexport function errorHandler(error, request, reply) {\n} else if (result instanceof TypeError) {\n";
        assert_eq!(js(text), [3, 6, 7, 9, 10, 11, 12]);
    }

    #[test]
    fn javascript_comments_strings_and_throws_do_not_count() {
        let text = "// } catch (e) {\n/* if (err) {} */\nconst s = 'catch (e) {';\nconst t = `\n} catch (err) {\n`;\nthrow new Error('failed');\nconst terror = 1;\nif (errors.length === 0) {}\nconst m = \"if (err)\";\n";
        assert_eq!(js(text), Vec::<usize>::new());
    }

    #[test]
    fn rust_counts_question_marks_err_patterns_and_map_err() {
        let text = "let x = f()?;\nlet y = x + 1;\nErr(e) => return Err(e),\nif let Err(e) = g() {\nlet z = h().map_err(Wrap)?;\nfn a<'a>(s: &'a str) -> Option<char> { None }\nlet q = \"what?\";\n";
        assert_eq!(lines(text, Language::Rust), [1, 3, 4, 5]);
    }

    #[test]
    fn sites_carry_file_line_and_text() {
        let s = sites("main.go", "x := 1\n\tif err != nil {\n", Language::Go);
        assert_eq!(
            s,
            [ErrorSite {
                file: "main.go".into(),
                line: 2,
                text: "if err != nil {".into()
            }]
        );
    }
}
