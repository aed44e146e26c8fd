//! The charts of the HTML report as SVG files beside the Markdown report,
//! so a Markdown viewer shows the same pictures: each chart's `<svg>` cut
//! out of its `<figure>`, with the colours the HTML's stylesheet gives it
//! (light background, so it reads in any viewer).

use super::charts;
use crate::suite::results::Results;

/// What the charts need of the HTML stylesheet, with light colours fixed.
const STYLE: &str = "<style>svg{background:#fff}text{fill:#1b1f24;font:11px system-ui,sans-serif}text.title{font-size:14px;font-weight:600}text.tick,text.legend{fill:#57606a}text.value{font-size:10px}.grid{stroke:#d8dee4;stroke-width:1}.axis{stroke:#57606a;stroke-width:1}.whisker{stroke:#1b1f24;stroke-width:1.5;fill:none}.line{fill:none;stroke-width:2}.c0{fill:#0969da}.c1{fill:#cf5a00}.c2{fill:#1a7f37}.c3{fill:#8250df}.c4{fill:#bf3989}.c5{fill:#57606a}.s0{stroke:#0969da}.s1{stroke:#cf5a00}.s2{stroke:#1a7f37}.s3{stroke:#8250df}.s4{stroke:#bf3989}.s5{stroke:#57606a}</style>";

/// One chart: the file name (under the charts folder) and its title.
#[derive(Debug, Clone)]
pub struct ChartFile {
    pub name: String,
    pub title: String,
    pub svg: String,
}

/// Every chart of scenario `index`, as standalone SVG documents.
pub fn for_scenario(results: &Results, index: usize) -> Vec<ChartFile> {
    let Some(s) = results.scenarios.get(index) else {
        return Vec::new();
    };
    charts::for_scenario(results, s)
        .iter()
        .enumerate()
        .filter_map(|(i, figure)| {
            let start = figure.find("<svg")?;
            let end = figure.rfind("</svg>")? + "</svg>".len();
            let svg = &figure[start..end];
            let open_end = svg.find('>')? + 1;
            let title = svg
                .split_once("<title>")
                .and_then(|(_, t)| t.split_once("</title>"))
                .map_or_else(
                    || format!("{} chart {}", s.name, i + 1),
                    |(t, _)| t.to_owned(),
                );
            Some(ChartFile {
                name: format!("{}-{}.svg", s.name, i + 1),
                title,
                svg: format!("{}{STYLE}{}\n", &svg[..open_end], &svg[open_end..]),
            })
        })
        .collect()
}

/// The folder beside `md` the charts go in: `report.md` → `report-charts`.
pub fn folder_name(md: &std::path::Path) -> String {
    let stem = md.file_stem().and_then(|s| s.to_str()).unwrap_or("report");
    format!("{stem}-charts")
}
