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

/// Each contender's scorecard in `s`, if it is a mutate scenario.
fn cards(s: &crate::suite::results::ScenarioResult) -> Vec<Scorecard> {
    use crate::suite::results::Status;
    use crate::suite::trial::detail::TrialDetail;
    s.cells
        .iter()
        .filter_map(|c| {
            c.trials
                .iter()
                .find(|t| t.status == Status::Ok)
                .and_then(|t| match t.detail.as_ref() {
                    Some(TrialDetail::Mutate(card)) => Some(card.as_ref().clone()),
                    _ => None,
                })
        })
        .collect()
}

/// The kinds in the order the scorecards list them.
fn kinds(cards: &[Scorecard]) -> Vec<String> {
    let mut kinds: Vec<String> = Vec::new();
    for c in cards {
        for m in &c.mutations {
            if !kinds.contains(&m.kind) {
                kinds.push(m.kind.clone());
            }
        }
    }
    kinds
}

/// A run report's mutate section in Markdown: kind × contender, then the shares.
pub fn markdown(s: &crate::suite::results::ScenarioResult) -> Option<String> {
    let cards = cards(s);
    if cards.is_empty() {
        return None;
    }
    let mut out = String::from("Stage that caught each mistake:\n\n");
    out.push_str(&table(&cards, &kinds(&cards), true));
    out.push('\n');
    out.push_str(&summary(&cards, true));
    out.push_str(&unwritable(&cards));
    Some(out)
}

/// The same section in HTML.
pub fn html(s: &crate::suite::results::ScenarioResult) -> Option<String> {
    use super::svg::esc;
    let cards = cards(s);
    if cards.is_empty() {
        return None;
    }
    let mut out = String::from(
        "<h4>Stage that caught each mistake</h4><div class=\"scroll\"><table class=\"cases\"><thead><tr><th>kind</th>",
    );
    for c in &cards {
        out.push_str(&format!("<th>{}</th>", esc(&c.contender)));
    }
    out.push_str("</tr></thead><tbody>");
    for k in kinds(&cards) {
        out.push_str(&format!("<tr><td>{}</td>", esc(&k)));
        for c in &cards {
            let text = c
                .mutations
                .iter()
                .find(|m| m.kind == k)
                .map_or("—".to_owned(), cell);
            let title = c
                .mutations
                .iter()
                .find(|m| m.kind == k)
                .and_then(|m| m.unwritable.clone().or_else(|| m.evidence.clone()))
                .unwrap_or_default();
            let class = if text == "SLIPPED" {
                " class=\"fail\""
            } else {
                ""
            };
            out.push_str(&format!(
                "<td{class} title=\"{}\">{}</td>",
                esc(&title),
                esc(&text)
            ));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out.push_str(&format!("<pre>{}</pre>", esc(&summary(&cards, false))));
    let why = unwritable(&cards);
    if !why.is_empty() {
        out.push_str(&format!(
            "<p class=\"meta\">{}</p>",
            esc(&why).replace('\n', "<br>")
        ));
    }
    Some(out)
}
