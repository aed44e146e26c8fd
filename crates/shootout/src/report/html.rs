//! The HTML report: one self-contained file (styles and charts inline, no
//! script, a Content-Security-Policy that forbids any request) that reads on
//! a laptop and a phone, in light and dark mode.

use std::fmt::Write;

use super::svg::esc;
use super::table::{Table, scenario_table};
use super::{charts, ledger, scorecard};
use crate::suite::claims::Evaluation;
use crate::suite::results::Results;

const STYLE: &str = r#"
:root{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--grid:#d8dee4;--card:#f6f8fa;--good:#1a7f37;--bad:#cf222e;--unsure:#9a6700;
--c0:#0969da;--c1:#cf5a00;--c2:#1a7f37;--c3:#8250df;--c4:#bf3989;--c5:#57606a}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--grid:#30363d;--card:#161b22;--good:#3fb950;--bad:#f85149;--unsure:#d29922;
--c0:#4493f8;--c1:#f0883e;--c2:#3fb950;--c3:#a371f7;--c4:#db61a2;--c5:#8d96a0}}
*{box-sizing:border-box}body{margin:0 auto;max-width:1100px;padding:1rem;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
h1{font-size:1.6rem;margin:.5rem 0}h2{border-bottom:1px solid var(--grid);padding-bottom:.3rem;margin-top:2.5rem}h3{margin-top:1.8rem}
p.meta,.section,figcaption,.counts{color:var(--muted)}
.claims{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:.8rem}
.claim{background:var(--card);border-radius:8px;padding:.8rem;border-left:4px solid var(--grid)}
.claim[data-verdict=supported]{border-left-color:var(--good)}.claim[data-verdict=refuted]{border-left-color:var(--bad)}.claim[data-verdict=inconclusive]{border-left-color:var(--unsure)}
.badge{font-weight:700;font-size:.75rem;letter-spacing:.05em;padding:.1rem .45rem;border-radius:4px;color:var(--bg)}
.badge.supported{background:var(--good)}.badge.refuted{background:var(--bad)}.badge.inconclusive{background:var(--unsure)}
blockquote{margin:.4rem 0;font-size:1.05rem;font-style:italic}.claim p{margin:.2rem 0}.claim ul{margin:.3rem 0;padding-left:1.1rem;font-size:.85rem}
.claim p.conclusion{margin:.4rem 0}.claim details summary{color:var(--muted);font-size:.8rem;cursor:pointer}.claim p.test{font-size:.85rem;color:var(--muted)}
li.supported::marker{color:var(--good)}li.refuted::marker{color:var(--bad)}li.inconclusive::marker{color:var(--unsure)}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:.85rem;min-width:100%}
th,td{padding:.3rem .6rem;border-bottom:1px solid var(--grid);text-align:right;white-space:nowrap}th:first-child,td:first-child{text-align:left}
th{color:var(--muted);font-weight:600}td.best{font-weight:700}td.tie{font-style:italic}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:1rem;margin-top:1rem}
figure.chart{margin:0;background:var(--card);border-radius:8px;padding:.5rem}figure.chart svg{width:100%;height:auto;display:block}
svg text{fill:var(--fg);font:11px system-ui,sans-serif}svg text.title{font-size:14px;font-weight:600}svg text.tick,svg text.legend{fill:var(--muted)}
svg text.value{font-size:10px}svg .grid{stroke:var(--grid);stroke-width:1}svg .axis{stroke:var(--muted);stroke-width:1}
svg .whisker{stroke:var(--fg);stroke-width:1.5;fill:none}svg .line{fill:none;stroke-width:2}
.c0{fill:var(--c0)}.c1{fill:var(--c1)}.c2{fill:var(--c2)}.c3{fill:var(--c3)}.c4{fill:var(--c4)}.c5{fill:var(--c5)}
.s0{stroke:var(--c0)}.s1{stroke:var(--c1)}.s2{stroke:var(--c2)}.s3{stroke:var(--c3)}.s4{stroke:var(--c4)}.s5{stroke:var(--c5)}
.pairs g.b1 rect{opacity:.55}.pairs g.b2 rect{opacity:.3}
ul.warnings{font-size:.85rem;color:var(--unsure)}dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
details.setup summary{color:var(--muted);cursor:pointer;margin:.4rem 0}nav a{margin-right:.8rem}a{color:var(--c0)}
table.cases td.pass{color:var(--good);text-align:center}table.cases td.fail{color:var(--bad);font-weight:600;text-align:center}
table.cases td:first-child{white-space:normal;min-width:16rem}span.group{color:var(--muted);font-size:.75rem;text-transform:uppercase}
ul.failures{font-size:.85rem}ul.failures .meta{color:var(--muted)}
"#;

fn table(t: &Table) -> String {
    let mut out = String::from("<div class=\"scroll\"><table><thead><tr>");
    for h in &t.headers {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &t.rows {
        out.push_str("<tr>");
        for c in row {
            let class = match (c.best, c.tie) {
                (true, false) => " class=\"best\" title=\"best\"",
                (true, true) => " class=\"tie\" title=\"best, but inside the noise\"",
                _ => "",
            };
            let mark = if c.best && c.tie { " ≈" } else { "" };
            let _ = write!(out, "<td{class}>{}{mark}</td>", esc(&c.text));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    if let Some(b) = &t.baseline {
        let _ = write!(out, "<p class=\"meta\">{}</p>", esc(b));
    }
    if !t.warnings.is_empty() {
        out.push_str("<ul class=\"warnings\">");
        for w in &t.warnings {
            let _ = write!(out, "<li>{}</li>", esc(w));
        }
        out.push_str("</ul>");
    }
    out
}

/// The whole HTML report.
pub fn render(results: &Results, evaluation: Option<&Evaluation>, baseline: &str) -> String {
    let title = format!(
        "{}, measured",
        evaluation.map_or("shootout", |e| e.title.as_str())
    );
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
<meta name=\"color-scheme\" content=\"light dark\"><title>{t}</title><style>{STYLE}</style></head><body>\
<header><h1>{t}</h1><p class=\"meta\">shootout {mode} run, {trials} per cell, started {start}.</p>\
<nav><a href=\"#method\">How this was measured</a><a href=\"#verdict\">Verdict</a><a href=\"#scenarios\">Scenarios</a></nav></header>",
        t = esc(&title),
        mode = esc(results.mode.name()),
        trials = super::trials(results.trials),
        start = esc(&results.started_at)
    );
    // Machine, pinning and trials decide what the numbers mean: first.
    out.push_str("<section id=\"method\"><h2>How this was measured</h2><dl class=\"facts\">");
    for (k, v) in super::machine_facts(results) {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(&k), esc(&v));
    }
    out.push_str("</dl><details class=\"setup\"><summary>Contenders, database, notes and saturation</summary><dl class=\"facts\">");
    for (k, v) in super::setup_facts(results) {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(&k), esc(&v));
    }
    out.push_str("</dl></details><h3>How to read it</h3><ul class=\"legend\">");
    for line in super::legend(results) {
        let _ = write!(out, "<li>{}</li>", esc(&line));
    }
    out.push_str("</ul></section>");
    if let Some(e) = evaluation {
        let _ = write!(
            out,
            "<section id=\"verdict\"><h2>Verdict</h2>{}</section>",
            super::without_trial_note(ledger::html(e), results)
        );
    }
    out.push_str("<section id=\"scenarios\"><h2>Scenarios</h2>");
    for s in &results.scenarios {
        let _ = write!(
            out,
            "<section class=\"scenario\" id=\"scenario-{id}\"><h3>{id}</h3><p>{d}</p>",
            id = esc(&s.name),
            d = esc(&s.description)
        );
        match scenario_table(s, baseline) {
            Some(t) => out.push_str(&table(&t)),
            None => out.push_str("<p class=\"meta\">(no measurements)</p>"),
        }
        if let Some(cases) = scorecard::html(s).or_else(|| super::mutate::html(s)) {
            out.push_str(&cases);
        }
        let charts = charts::for_scenario(results, s);
        if !charts.is_empty() {
            let _ = write!(out, "<div class=\"charts\">{}</div>", charts.join(""));
        }
        out.push_str("</section>");
    }
    out.push_str("</section>");
    if let Some(appendix) = super::error_sites::html(results) {
        out.push_str(&appendix);
    }
    out.push_str("</body></html>\n");
    out
}
