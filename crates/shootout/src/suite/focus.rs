//! What a quick run measures in each scenario: the contenders that the
//! ledger's checks on that scenario name (deciding and context checks
//! alike), not the whole matrix. A quick run exists to give the ledger's
//! verdicts in minutes; a cell no check reads adds time and no verdict.
//! A scenario can ask for every contender anyway (`quick_contenders =
//! "all"` in its TOML: head-of-line, whose table is the point) or for none
//! (`"none"`: context a quick run can do without), and one no check reads
//! (a user's own scenario) runs everyone.

use std::collections::{BTreeMap, BTreeSet};

use super::claims::Ledger;
use super::scenario::{QuickContenders, Scenario};

/// Per scenario, the contenders a quick run measures there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Focus {
    by_scenario: BTreeMap<String, BTreeSet<String>>,
}

impl Focus {
    /// The contenders `ledger` names on each of `scenarios`, among `chosen`;
    /// every chosen one where the scenario asks for all.
    pub fn from_ledger(ledger: &Ledger, scenarios: &[Scenario], chosen: &[String]) -> Self {
        let mut named: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for check in ledger
            .claims
            .iter()
            .flat_map(|c| c.checks.iter().chain(&c.context))
        {
            let set = named.entry(check.scenario.as_str()).or_default();
            set.insert(check.a.as_str());
            if let Some(b) = &check.b {
                set.insert(b.as_str());
            }
        }
        let by_scenario = scenarios
            .iter()
            .map(|s| {
                let read = named.get(s.name.as_str());
                let keep = chosen
                    .iter()
                    .filter(|c| match s.quick_contenders {
                        QuickContenders::All => true,
                        QuickContenders::None => false,
                        QuickContenders::Claimed => read.is_none_or(|set| set.contains(c.as_str())),
                    })
                    .cloned()
                    .collect();
                (s.name.clone(), keep)
            })
            .collect();
        Self { by_scenario }
    }

    /// Whether `contender` is measured in `scenario` (a scenario the focus
    /// does not know runs everyone).
    pub fn measures(&self, scenario: &str, contender: &str) -> bool {
        self.by_scenario
            .get(scenario)
            .is_none_or(|set| set.contains(contender))
    }

    /// How many cells per trial the focus keeps, out of how many.
    pub fn cells(&self, contenders: usize) -> (usize, usize) {
        let kept = self.by_scenario.values().map(BTreeSet::len).sum();
        (kept, self.by_scenario.len() * contenders)
    }

    /// One line per scenario: `name: a, b`.
    pub fn describe(&self) -> Vec<String> {
        self.by_scenario
            .iter()
            .map(|(s, set)| {
                let names: Vec<&str> = set.iter().map(String::as_str).collect();
                if names.is_empty() {
                    format!("{s}: not measured")
                } else {
                    format!("{s}: {}", names.join(", "))
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn ledger() -> Ledger {
        Ledger::parse(
            r#"
title = "t"
source = "s"
[[claim]]
id = "one"
section = "1"
quote = "q"
test = "t"
[[claim.check]]
scenario = "json"
metric = "requests_per_s"
a = "go"
b = "node"
at_least = 1.0
[[claim.context]]
scenario = "json"
metric = "requests_per_s"
a = "rust"
at_least = 1.0
"#,
            Path::new("ledger.toml"),
        )
        .unwrap()
    }

    #[test]
    fn keeps_the_named_contenders_and_everyone_where_asked() {
        let json = Scenario::placeholder("json");
        let mut hol = Scenario::placeholder("head-of-line");
        hol.quick_contenders = QuickContenders::All;
        let unread = Scenario::placeholder("io");
        let mut skipped = Scenario::placeholder("orders-db");
        skipped.quick_contenders = QuickContenders::None;
        let chosen: Vec<String> = ["go", "node", "rust", "bun"].map(String::from).into();
        let focus = Focus::from_ledger(&ledger(), &[json, hol, unread, skipped], &chosen);
        assert!(focus.measures("json", "go"));
        assert!(focus.measures("json", "rust"), "context checks count");
        assert!(!focus.measures("json", "bun"));
        assert!(focus.measures("head-of-line", "bun"));
        assert!(
            focus.measures("io", "bun"),
            "a scenario no check reads runs everyone"
        );
        assert!(focus.measures("not-in-focus", "bun"));
        assert!(!focus.measures("orders-db", "go"));
        assert_eq!(focus.cells(4), (11, 16));
        assert_eq!(focus.describe()[2], "json: go, node, rust");
        assert_eq!(focus.describe()[3], "orders-db: not measured");
    }
}
