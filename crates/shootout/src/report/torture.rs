//! The human form of `shootout torture`: each contender's scorecard in one
//! table, then each failed case with the rule it broke and what happened.
//! (A run's torture scenario has its per-case view in [`super::scorecard`].)

use super::Render;
use crate::torture::Scorecard;

impl Render for [Scorecard] {
    fn terminal(&self) -> String {
        render(self)
    }
}

/// The scorecards as a table, then each failure with its rule.
fn render(cards: &[Scorecard]) -> String {
    let mut rows = vec![[
        "contender".to_owned(),
        "passed".to_owned(),
        "failed".to_owned(),
        "5xx".to_owned(),
        "crashes".to_owned(),
        "hangs".to_owned(),
        "orders lost".to_owned(),
        "invented".to_owned(),
    ]];
    for c in cards {
        rows.push([
            c.contender.clone(),
            format!("{}/{}", c.passed, c.passed + c.failed),
            c.failed.to_string(),
            c.server_errors.to_string(),
            c.crashes.to_string(),
            c.hangs.to_string(),
            format!("{} of {}", c.orders_lost, c.orders_acknowledged),
            c.orders_invented
                .map_or("not checked (in memory)".to_owned(), |n| n.to_string()),
        ]);
    }
    let mut out = crate::text::aligned(&rows);
    for c in cards {
        for f in c.cases.iter().filter(|f| !f.passed) {
            out.push_str(&format!(
                "\n{}: [{}] {}: {}\n  rule: {}\n  got:  {}\n",
                c.contender,
                f.group,
                f.case,
                f.failure.as_deref().unwrap_or(""),
                f.rule,
                f.outcome
            ));
        }
    }
    out
}
