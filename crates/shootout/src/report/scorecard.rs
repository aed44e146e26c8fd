//! The torture scenario's per-case view: one row per case, one column per
//! contender, each cell passed or failed with the failure in words. Read
//! from the first trial of each cell that ended ok.

use std::fmt::Write;

use super::svg::esc;
use crate::suite::results::{ScenarioResult, Status};
use crate::suite::trial::detail::TrialDetail;
use crate::torture::{CaseResult, Scorecard};

/// Each contender's scorecard in `s`, if it is a torture scenario.
fn cards(s: &ScenarioResult) -> Vec<&Scorecard> {
    s.cells
        .iter()
        .filter_map(|c| {
            c.trials
                .iter()
                .find(|t| t.status == Status::Ok)
                .and_then(|t| match t.detail.as_ref() {
                    Some(TrialDetail::Torture(card)) => Some(card.as_ref()),
                    _ => None,
                })
        })
        .collect()
}

/// The cases in battery order, as (group, case), from every card (a case
/// one contender lacks, e.g. a crash record, still gets its row).
fn rows<'a>(cards: &[&'a Scorecard]) -> Vec<(&'a str, &'a str)> {
    let mut rows: Vec<(&str, &str)> = Vec::new();
    for card in cards {
        for c in &card.cases {
            let key = (c.group.as_str(), c.case.as_str());
            if !rows.contains(&key) {
                rows.push(key);
            }
        }
    }
    rows
}

fn find<'a>(card: &'a Scorecard, (group, case): (&str, &str)) -> Option<&'a CaseResult> {
    card.cases
        .iter()
        .find(|c| c.group == group && c.case == case)
}

/// Short marks for a cell: pass, fail, and what kind of failure.
fn mark(c: &CaseResult) -> &'static str {
    match (c.passed, c.crashed, c.hung, c.server_errors > 0) {
        (true, ..) => "✓",
        (false, true, ..) => "✗ crash",
        (false, _, true, _) => "✗ hang",
        (false, _, _, true) => "✗ 5xx",
        _ => "✗",
    }
}

/// The per-case table as HTML (`None` unless `s` has scorecards). A failed
/// cell's title holds the failure and what happened.
pub fn html(s: &ScenarioResult) -> Option<String> {
    let cards = cards(s);
    if cards.is_empty() {
        return None;
    }
    let mut out = String::from(
        "<h4>Per case</h4><div class=\"scroll\"><table class=\"cases\"><thead><tr><th>case</th>",
    );
    for card in &cards {
        let _ = write!(out, "<th>{}</th>", esc(&card.contender));
    }
    out.push_str("</tr></thead><tbody>");
    for key in rows(&cards) {
        let _ = write!(
            out,
            "<tr><td><span class=\"group\">{}</span> {}</td>",
            esc(key.0),
            esc(key.1)
        );
        for card in &cards {
            match find(card, key) {
                Some(c) if c.passed => {
                    let _ = write!(
                        out,
                        "<td class=\"pass\" title=\"{}\">{}</td>",
                        esc(&c.outcome),
                        mark(c)
                    );
                }
                Some(c) => {
                    let _ = write!(
                        out,
                        "<td class=\"fail\" title=\"{}: {}\">{}</td>",
                        esc(c.failure.as_deref().unwrap_or("")),
                        esc(&c.outcome),
                        mark(c)
                    );
                }
                None => out.push_str("<td>–</td>"),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div><ul class=\"failures\">");
    for card in &cards {
        for c in card.cases.iter().filter(|c| !c.passed) {
            let _ = write!(
                out,
                "<li><b>{}</b> — {}: {}<br><span class=\"meta\">rule: {}. Got: {}</span></li>",
                esc(&card.contender),
                esc(&c.case),
                esc(c.failure.as_deref().unwrap_or("")),
                esc(&c.rule),
                esc(&c.outcome)
            );
        }
    }
    out.push_str("</ul>");
    Some(out)
}

/// The per-case table as Markdown (`None` unless `s` has scorecards).
pub fn markdown(s: &ScenarioResult) -> Option<String> {
    let cards = cards(s);
    if cards.is_empty() {
        return None;
    }
    let mut out = String::from("Per case:\n\n| case |");
    for card in &cards {
        let _ = write!(out, " {} |", card.contender);
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(cards.len()));
    out.push('\n');
    for key in rows(&cards) {
        let _ = write!(out, "| {}: {} |", key.0, key.1.replace('|', "\\|"));
        for card in &cards {
            let _ = write!(out, " {} |", find(card, key).map_or("–", mark));
        }
        out.push('\n');
    }
    Some(out)
}
