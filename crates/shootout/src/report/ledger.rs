//! The claims ledger in each output format: the verdict comes first in
//! every report.

use std::fmt::Write;

use super::svg::esc;
use super::terminal::Style;
use crate::suite::claims::{CheckKind, ClaimVerdict as Verdict, Evaluated, Evaluation, Evidence};

fn mark(v: Verdict) -> &'static str {
    match v {
        Verdict::Supported => "+",
        Verdict::Refuted => "x",
        Verdict::Inconclusive => "?",
    }
}

/// A claim decided by facts of the artifact only (no measurement).
fn is_fact(c: &Evaluated) -> bool {
    !c.evidence.is_empty() && c.evidence.iter().all(|ev| ev.check.kind == CheckKind::Fact)
}

/// The measured claims, then the claims that are facts: shown apart.
fn parts(e: &Evaluation) -> (Vec<&Evaluated>, Vec<&Evaluated>) {
    e.claims.iter().partition(|c| !is_fact(c))
}

/// An evidence line's words, a fact labelled as one.
fn said(ev: &Evidence) -> String {
    match ev.check.kind {
        CheckKind::Fact => format!("fact: {}", ev.explanation),
        CheckKind::Measure => ev.explanation.clone(),
    }
}

/// A claim's one-sentence conclusion, or for a results file judged before
/// conclusions were recorded, where its numbers are.
fn conclusion(c: &Evaluated) -> String {
    if c.conclusion.is_empty() {
        "(judged by an older shootout, without a conclusion: the checks below have the numbers; `shootout report --ledger FILE` judges it again)".to_owned()
    } else {
        c.conclusion.clone()
    }
}

/// The ledger's hash as reports show it.
fn hash(e: &Evaluation) -> String {
    match &e.ledger_hash {
        Some(h) => format!("ledger sha256 {}", &h[..h.len().min(16)]),
        None => "ledger hash not recorded".into(),
    }
}

fn counts(e: &Evaluation) -> String {
    let (measured, facts) = parts(e);
    let n = |set: &[&Evaluated], v: Verdict| set.iter().filter(|c| c.verdict == v).count();
    format!(
        "{}measured: {} supported, {} refuted, {} inconclusive; facts (by construction, not measured): {} supported, {} refuted, {} inconclusive; {} not measurable",
        if e.indicative {
            "indicative (fewer than 3 independent runs: decided only beyond each metric's noise band): "
        } else {
            ""
        },
        n(&measured, Verdict::Supported),
        n(&measured, Verdict::Refuted),
        n(&measured, Verdict::Inconclusive),
        n(&facts, Verdict::Supported),
        n(&facts, Verdict::Refuted),
        n(&facts, Verdict::Inconclusive),
        e.unmeasurable.len()
    ) + &decisions(e)
}

/// What the verdicts stand on, and the expected number of wrong decisions
/// among the decided checks (docs/claims.md, "Many checks at once").
fn decisions(e: &Evaluation) -> String {
    if e.stands_on.is_empty() {
        return String::new();
    }
    format!(
        "; stands on {}; {} checks decided, of which at most {:.1} expected wrong by chance",
        e.stands_on, e.decided_checks, e.expected_false_decisions
    )
}

/// For the terminal.
pub fn text(e: &Evaluation, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — claims of {} ({})",
        style.bold(&e.title),
        e.source,
        hash(e)
    );
    if e.indicative {
        let _ = writeln!(
            out,
            "{}",
            style.warn("indicative: fewer than 3 independent runs, so a check is decided only where its whole decision range (the measure widened by the metric's noise band) clears the threshold (pool runs: shootout claims RUN1.json RUN2.json RUN3.json)")
        );
    }
    let (measured, facts) = parts(e);
    for (heading, set) in [
        ("Measured", &measured),
        (
            "Facts (fixed by how the artifact is built, not measured)",
            &facts,
        ),
    ] {
        if !set.is_empty() {
            let _ = writeln!(out, "\n{}:", style.bold(heading));
        }
        for c in set {
            text_claim(&mut out, c, style);
        }
    }
    let _ = writeln!(out, "\n{}:", counts(e));
    for u in &e.unmeasurable {
        let _ = writeln!(out, "  - \"{}\" ({}): {}", u.quote, u.section, u.why);
    }
    out
}

fn text_claim(out: &mut String, c: &Evaluated, style: &Style) {
    let label = format!("{:<12}", c.verdict.to_string());
    let label = match c.verdict {
        Verdict::Supported => style.good(&label),
        Verdict::Refuted => style.bad(&label),
        Verdict::Inconclusive => style.warn(&label),
    };
    let _ = writeln!(out, "{label}  \"{}\" ({})", c.quote, c.section);
    if !c.conclusion.is_empty() {
        let _ = writeln!(out, "              {}", c.conclusion);
    }
    if let Some(why) = &c.pending {
        let _ = writeln!(out, "              ?  pending: {why}");
    }
    for ev in &c.evidence {
        let _ = writeln!(out, "              {}  {}", mark(ev.verdict), said(ev));
    }
    for ev in &c.context {
        let _ = writeln!(out, "              ·  context: {}", said(ev));
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// For Markdown: a table, then the claims that cannot be measured.
pub fn markdown(e: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Claims of {} ({}). {}.\n",
        e.source,
        hash(e),
        counts(e)
    );
    let (measured, facts) = parts(e);
    md_table(&mut out, &measured);
    if !facts.is_empty() {
        let _ = writeln!(
            out,
            "\nFacts (fixed by how the artifact is built, not measured):\n"
        );
        md_table(&mut out, &facts);
    }
    let _ = writeln!(
        out,
        "\nThe checks behind each verdict (+ holds, x fails, ? undecided, · context, never deciding):\n"
    );
    md_evidence(&mut out, &measured);
    md_evidence(&mut out, &facts);
    if !e.unmeasurable.is_empty() {
        let _ = writeln!(out, "\nNot measurable:\n");
    }
    for u in &e.unmeasurable {
        let _ = writeln!(out, "- “{}” ({}): {}", md_cell(&u.quote), u.section, u.why);
    }
    out
}

fn md_table(out: &mut String, claims: &[&Evaluated]) {
    let _ = writeln!(out, "| verdict | claim | conclusion |\n|---|---|---|");
    for c in claims {
        let _ = writeln!(
            out,
            "| **{}** | “{}” ({}) | {} |",
            c.verdict,
            md_cell(&c.quote),
            md_cell(&c.section),
            md_cell(&conclusion(c))
        );
    }
}

/// Each claim's checks, one line each: the numbers behind the conclusions.
fn md_evidence(out: &mut String, claims: &[&Evaluated]) {
    for c in claims {
        let _ = writeln!(out, "- “{}”", md_cell(&c.quote));
        if let Some(why) = &c.pending {
            let _ = writeln!(out, "  - ? pending: {}", md_cell(why));
        }
        for ev in &c.evidence {
            let _ = writeln!(out, "  - {} {}", mark(ev.verdict), md_cell(&said(ev)));
        }
        for ev in &c.context {
            let _ = writeln!(out, "  - · context: {}", md_cell(&said(ev)));
        }
    }
}

/// For HTML: a badge per claim, its test and evidence.
pub fn html(e: &Evaluation) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<p class=\"counts\">Claims of {} ({}). {}.</p>",
        esc(&e.source),
        esc(&hash(e)),
        esc(&counts(e))
    );
    let (measured, facts) = parts(e);
    html_claims(&mut out, &measured);
    if !facts.is_empty() {
        out.push_str("<h3>Facts (fixed by how the artifact is built, not measured)</h3>");
        html_claims(&mut out, &facts);
    }
    out.push_str("<details><summary>Claims that cannot be measured</summary><ul>");
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

fn html_claims(out: &mut String, claims: &[&Evaluated]) {
    out.push_str("<div class=\"claims\">");
    for c in claims {
        let class = match c.verdict {
            Verdict::Supported => "supported",
            Verdict::Refuted => "refuted",
            Verdict::Inconclusive => "inconclusive",
        };
        let _ = write!(
            out,
            "<article class=\"claim\" data-verdict=\"{class}\"><span class=\"badge {class}\">{v}</span><blockquote>“{q}”</blockquote><p class=\"section\">{s}</p><p class=\"conclusion\">{k}</p><details><summary>the test and its checks</summary><p class=\"test\">{t}</p><ul>",
            v = c.verdict,
            q = esc(&c.quote),
            s = esc(&c.section),
            k = esc(&conclusion(c)),
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
                esc(&said(ev))
            );
        }
        for ev in &c.context {
            let _ = write!(
                out,
                "<li class=\"context\">context: {}</li>",
                esc(&said(ev))
            );
        }
        out.push_str("</ul></details></article>");
    }
    out.push_str("</div>");
}
