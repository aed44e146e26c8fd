//! The human form of `shootout mutate`, and its section in a run's report:
//! one row per kind, one column per contender, the stage that caught it.

use super::Render;
use crate::mutate::{MutateReport, Outcome, Scorecard};

impl Render for MutateReport {
    fn terminal(&self) -> String {
        let mut out = table(&self.contenders, &self.catalogue_ids(), false);
        out.push('\n');
        out.push_str(&summary(&self.contenders, false));
        for n in &self.not_measured {
            out.push_str(&format!("{}: not measured ({})\n", n.contender, n.reason));
        }
        out.push_str(&unwritable(&self.contenders));
        out.push_str(&format!("took {:.0} s\n", self.seconds));
        out
    }

    fn markdown(&self) -> String {
        let mut out = table(&self.contenders, &self.catalogue_ids(), true);
        out.push('\n');
        out.push_str(&summary(&self.contenders, true));
        out.push_str(&unwritable(&self.contenders));
        out
    }
}

impl MutateReport {
    fn catalogue_ids(&self) -> Vec<String> {
        self.catalogue.iter().map(|k| k.id.clone()).collect()
    }
}

/// What a cell says: the first stage that caught it, `+` the later ones.
pub fn cell(o: &Outcome) -> String {
    if o.unwritable.is_some() {
        return "n/a".into();
    }
    if o.slipped {
        return "SLIPPED".into();
    }
    o.caught_by
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join("+")
}

/// Kind × contender, the stage that caught each mutation.
pub fn table(cards: &[Scorecard], kinds: &[String], markdown: bool) -> String {
    let mut rows = vec![
        std::iter::once("kind".to_owned())
            .chain(cards.iter().map(|c| c.contender.clone()))
            .collect::<Vec<_>>(),
    ];
    for k in kinds {
        let mut row = vec![k.clone()];
        for c in cards {
            row.push(
                c.mutations
                    .iter()
                    .find(|m| &m.kind == k)
                    .map_or("—".to_owned(), cell),
            );
        }
        rows.push(row);
    }
    if markdown {
        markdown_table(&rows)
    } else {
        crate::text::aligned(&rows)
    }
}

/// Per contender: how many each stage caught, and the shares the ledger reads.
pub fn summary(cards: &[Scorecard], markdown: bool) -> String {
    let mut rows = vec![
        [
            "contender",
            "written",
            "compile",
            "lint",
            "test",
            "contract",
            "slipped",
            "caught before running",
            "errors kinds before running",
            "took",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for c in cards {
        let s = &c.summary;
        rows.push(vec![
            c.contender.clone(),
            format!("{} (+{} n/a)", s.written, s.unwritable),
            s.caught_compile.to_string(),
            s.caught_lint.to_string(),
            s.caught_test.to_string(),
            s.caught_contract.to_string(),
            s.slipped.to_string(),
            format!("{:.0}%", s.caught_before_running_pct),
            s.errors_caught_before_running_pct
                .map_or("—".to_owned(), |p| format!("{p:.0}%")),
            format!("{:.0} s", c.seconds),
        ]);
    }
    if markdown {
        markdown_table(&rows)
    } else {
        crate::text::aligned(&rows)
    }
}

/// The kinds a language cannot express, and why.
fn unwritable(cards: &[Scorecard]) -> String {
    let mut out = String::new();
    for c in cards {
        for m in &c.mutations {
            if let Some(why) = &m.unwritable {
                out.push_str(&format!("{} cannot write {}: {why}\n", c.contender, m.kind));
            }
        }
    }
    out
}

fn markdown_table(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
        if i == 0 {
            out.push_str(&format!("|{}\n", "---|".repeat(row.len())));
        }
    }
    out
}
