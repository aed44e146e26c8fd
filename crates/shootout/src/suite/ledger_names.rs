//! Every scenario and contender a ledger's checks name must exist. A
//! misspelt name (`cpu-hsah`, `go-nethtp`) would otherwise find no data and
//! make its claim INCONCLUSIVE with exit 0, which reads like a result; here
//! it is an error with the file, the line and the nearest real names.
//! (Metric names are checked when the ledger is parsed, by the registry.)

use super::claims::Ledger;
use crate::toml_file::FileError;

/// The names a ledger may use: scenarios and contenders that exist (in the
/// results being judged, the scenario folder, the contender folder, the
/// `--target`s).
#[derive(Debug, Clone, Default)]
pub struct KnownNames {
    pub scenarios: Vec<String>,
    pub contenders: Vec<String>,
}

impl KnownNames {
    /// Adds names, each once.
    pub fn add_scenarios<S: AsRef<str>>(&mut self, names: impl IntoIterator<Item = S>) {
        add(&mut self.scenarios, names);
    }

    pub fn add_contenders<S: AsRef<str>>(&mut self, names: impl IntoIterator<Item = S>) {
        add(&mut self.contenders, names);
    }
}

fn add<S: AsRef<str>>(to: &mut Vec<String>, names: impl IntoIterator<Item = S>) {
    for n in names {
        let n = n.as_ref();
        if !to.iter().any(|k| k == n) {
            to.push(n.to_owned());
        }
    }
}

/// Refuses the first check (deciding or context) that names a scenario or
/// a contender `known` does not hold.
pub fn check(ledger: &Ledger, known: &KnownNames) -> Result<(), FileError> {
    for claim in &ledger.claims {
        for k in claim.checks.iter().chain(&claim.context) {
            let unknown = |what: &str, name: &str, among: &[String]| {
                FileError::invalid(
                    &ledger.path,
                    format!(
                        "line {}: claim {:?}: no {what} named {name:?}{}",
                        k.line,
                        claim.id,
                        did_you_mean(name, among)
                    ),
                )
            };
            if !known.scenarios.contains(&k.scenario) {
                return Err(unknown("scenario", &k.scenario, &known.scenarios));
            }
            for c in std::iter::once(&k.a).chain(&k.b) {
                if !known.contenders.contains(c) {
                    return Err(unknown("contender", c, &known.contenders));
                }
            }
        }
    }
    Ok(())
}

/// ` (did you mean "x"?)` with the closest name within a few edits, else
/// the known names, so that the message always says what would do.
fn did_you_mean(name: &str, among: &[String]) -> String {
    let mut scored: Vec<(usize, &String)> = among
        .iter()
        .map(|k| (crate::text::edit_distance(name, k), k))
        .collect();
    scored.sort();
    let limit = (name.chars().count() / 3).max(2);
    match scored.first() {
        Some((d, best)) if *d <= limit => format!(" (did you mean {best:?}?)"),
        _ if among.is_empty() => String::new(),
        _ => {
            let mut sorted: Vec<&str> = among.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            format!(" (known: {})", sorted.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> KnownNames {
        let mut k = KnownNames::default();
        k.add_scenarios(["cpu-hash", "json", "io"]);
        k.add_contenders(["go-nethttp", "node-fastify"]);
        k
    }

    const LEDGER: &str = r#"
title = "t"
source = "s"
[[claim]]
id = "c"
section = "s"
quote = "q"
test = "t"
[[claim.check]]
scenario = "SCENARIO"
metric = "requests_per_s"
a = "CONTENDER"
b = "go-nethttp"
at_least = 1.0
"#;

    fn ledger(scenario: &str, contender: &str) -> Ledger {
        let text = LEDGER
            .replace("SCENARIO", scenario)
            .replace("CONTENDER", contender);
        Ledger::parse(&text, std::path::Path::new("l.toml")).unwrap()
    }

    #[test]
    fn real_names_pass() {
        check(&ledger("cpu-hash", "node-fastify"), &known()).unwrap();
    }

    #[test]
    fn a_misspelt_scenario_is_refused_with_the_nearest_name_and_its_line() {
        let e = check(&ledger("cpu-hsah", "node-fastify"), &known()).unwrap_err();
        let e = e.to_string();
        assert!(e.contains("line 11"), "{e}");
        assert!(
            e.contains(r#"no scenario named "cpu-hsah" (did you mean "cpu-hash"?)"#),
            "{e}"
        );
    }

    #[test]
    fn a_misspelt_contender_is_refused_with_the_nearest_name() {
        let e = check(&ledger("json", "node-fastfy"), &known())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(r#"no contender named "node-fastfy" (did you mean "node-fastify"?)"#),
            "{e}"
        );
    }

    #[test]
    fn a_name_far_from_any_lists_the_known_ones() {
        let e = check(&ledger("json", "zig-zap"), &known())
            .unwrap_err()
            .to_string();
        assert!(e.contains("(known: go-nethttp, node-fastify)"), "{e}");
    }
}
