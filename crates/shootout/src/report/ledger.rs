//! The claims ledger in each output format: the verdict comes first in
//! every report.

use std::fmt::Write;

use super::svg::esc;
use super::terminal::Style;
use crate::suite::claims::{ClaimVerdict as Verdict, Evaluation};

fn mark(v: Verdict) -> &'static str {
    match v {
        Verdict::Supported => "+",
        Verdict::Refuted => "x",
        Verdict::Inconclusive => "?",
    }
}

fn counts(e: &Evaluation) -> String {
    let n = |v: Verdict| e.claims.iter().filter(|c| c.verdict == v).count();
    format!(
        "{}{} supported, {} refuted, {} inconclusive; {} not measurable",
        if e.indicative {
            "indicative (fewer than 3 trials: decided only beyond each metric's noise band): "
        } else {
            ""
        },
        n(Verdict::Supported),
        n(Verdict::Refuted),
        n(Verdict::Inconclusive),
        e.unmeasurable.len()
    )
}

/// For the terminal.
pub fn text(e: &Evaluation, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — claims of {}", style.bold(&e.title), e.source);
    if e.indicative {
        let _ = writeln!(
            out,
            "{}",
            style.warn("indicative: fewer than 3 trials per cell, so a verdict is given only where the margin exceeds the metric's noise band")
        );
    }
    out.push('\n');
    for c in &e.claims {
        let label = format!("{:<12}", c.verdict.to_string());
        let label = match c.verdict {
            Verdict::Supported => style.good(&label),
            Verdict::Refuted => style.bad(&label),
            Verdict::Inconclusive => style.warn(&label),
        };
        let _ = writeln!(out, "{label}  \"{}\" ({})", c.quote, c.section);
        if let Some(why) = &c.pending {
            let _ = writeln!(out, "              ?  pending: {why}");
        }
        for ev in &c.evidence {
            let _ = writeln!(
                out,
                "              {}  {}",
                mark(ev.verdict),
                ev.explanation
            );
        }
        for ev in &c.context {
            let _ = writeln!(out, "              ·  context: {}", ev.explanation);
        }
    }
    let _ = writeln!(out, "\n{}:", counts(e));
    for u in &e.unmeasurable {
        let _ = writeln!(out, "  - \"{}\" ({}): {}", u.quote, u.section, u.why);
    }
    out
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// For Markdown: a table, then the claims that cannot be measured.
pub fn markdown(e: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Claims of {}. {}.\n", e.source, counts(e));
    let _ = writeln!(
        out,
        "| verdict | claim | section | evidence |\n|---|---|---|---|"
    );
    for c in &e.claims {
        let evidence: Vec<String> = c
            .pending
            .iter()
            .map(|why| format!("? pending: {}", md_cell(why)))
            .chain(
                c.evidence
                    .iter()
                    .map(|ev| format!("{} {}", mark(ev.verdict), md_cell(&ev.explanation))),
            )
            .chain(
                c.context
                    .iter()
                    .map(|ev| format!("· context: {}", md_cell(&ev.explanation))),
            )
            .collect();
        let _ = writeln!(
            out,
            "| **{}** | “{}” | {} | {} |",
            c.verdict,
            md_cell(&c.quote),
            md_cell(&c.section),
            evidence.join("<br>")
        );
    }
    let _ = writeln!(out, "\nNot measurable:\n");
    for u in &e.unmeasurable {
        let _ = writeln!(out, "- “{}” ({}): {}", md_cell(&u.quote), u.section, u.why);
    }
    out
}

/// For HTML: a badge per claim, its test and evidence.
pub fn html(e: &Evaluation) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<p class=\"counts\">Claims of {}. {}.</p><div class=\"claims\">",
        esc(&e.source),
        esc(&counts(e))
    );
    for c in &e.claims {
        let class = match c.verdict {
            Verdict::Supported => "supported",
            Verdict::Refuted => "refuted",
            Verdict::Inconclusive => "inconclusive",
        };
        let _ = write!(
            out,
            "<article class=\"claim\" data-verdict=\"{class}\"><span class=\"badge {class}\">{v}</span><blockquote>“{q}”</blockquote><p class=\"section\">{s}</p><p class=\"test\">{t}</p><ul>",
            v = c.verdict,
            q = esc(&c.quote),
            s = esc(&c.section),
            t = esc(&c.test)
        );
        if let Some(why) = &c.pending {
            let _ = write!(out, "<li class=\"inconclusive\">pending: {}</li>", esc(why));
        }
        for ev in &c.evidence {
            let _ = write!(
                out,
                "<li class=\"{}\">{}</li>",
                match ev.verdict {
                    Verdict::Supported => "supported",
                    Verdict::Refuted => "refuted",
                    Verdict::Inconclusive => "inconclusive",
                },
                esc(&ev.explanation)
            );
        }
        for ev in &c.context {
            let _ = write!(
                out,
                "<li class=\"context\">context: {}</li>",
                esc(&ev.explanation)
            );
        }
        out.push_str("</ul></article>");
    }
    out.push_str("</div><details><summary>Claims that cannot be measured</summary><ul>");
    for u in &e.unmeasurable {
        let _ = write!(
            out,
            "<li>“{}” ({}): {}</li>",
            esc(&u.quote),
            esc(&u.section),
            esc(&u.why)
        );
    }
    out.push_str("</ul></details>");
    out
}
