//! Hand-made SVG charts, rendered in Rust and inlined in the HTML report.
//!
//! Why by hand: the report must be one file that opens offline, light and
//! dark, on a laptop and a phone. SVG scales with the page (`viewBox`),
//! takes its colours from CSS variables (so dark mode is a stylesheet
//! matter), and shows values on hover through `<title>` elements without any
//! script. `docs/report.md` explains the choice.

use std::fmt::Write;

/// Escapes text for XML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Plot area inside a 640 × 320 viewBox.
const W: f64 = 640.0;
const H: f64 = 320.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;

/// A linear or logarithmic axis mapping data to pixels.
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
}

impl Axis {
    pub fn linear(lo: f64, hi: f64) -> Self {
        let hi = if hi <= lo { lo + 1.0 } else { hi };
        Self { lo, hi, log: false }
    }

    pub fn log(lo: f64, hi: f64) -> Self {
        let lo = lo.max(1e-9);
        let lo = 10f64.powf(lo.log10().floor());
        let hi = 10f64.powf(hi.max(lo * 10.0).log10().ceil());
        Self { lo, hi, log: true }
    }

    /// 0..1 along the axis.
    pub fn frac(&self, v: f64) -> f64 {
        if self.log {
            (v.max(self.lo).log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }

    pub fn ticks(&self) -> Vec<f64> {
        if self.log {
            let mut t = Vec::new();
            let mut v = self.lo;
            while v <= self.hi * 1.0001 {
                t.push(v);
                v *= 10.0;
            }
            t
        } else {
            let span = self.hi - self.lo;
            let raw = span / 5.0;
            let mag = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 2.5, 5.0, 10.0]
                .iter()
                .map(|m| m * mag)
                .find(|s| span / s <= 6.0)
                .unwrap_or(mag * 10.0);
            let mut t = Vec::new();
            let mut v = (self.lo / step).ceil() * step;
            while v <= self.hi + step * 1e-9 {
                t.push(v);
                v += step;
            }
            t
        }
    }
}

/// A short number for labels.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// The frame every chart shares: title, axes, labels; `body` draws inside.
#[derive(Debug)]
pub struct Frame {
    pub id: String,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub out: String,
}

impl Frame {
    pub fn new(id: &str, title: &str, x_label: &str, y_label: &str) -> Self {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<figure class="chart" data-chart="{id}"><svg viewBox="0 0 {W} {H}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><text class="title" x="{x}" y="22" text-anchor="middle">{t}</text>"#,
            id = esc(id),
            t = esc(title),
            x = W / 2.0
        );
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            x_label: x_label.to_owned(),
            y_label: y_label.to_owned(),
            out,
        }
    }

    pub fn px(x: f64) -> f64 {
        LEFT + x * (W - LEFT - RIGHT)
    }

    pub fn py(y: f64) -> f64 {
        H - BOTTOM - y * (H - TOP - BOTTOM)
    }

    /// Y axis with gridlines, X axis line, axis labels.
    pub fn y_axis(&mut self, axis: &Axis) {
        for t in axis.ticks() {
            let y = Self::py(axis.frac(t));
            let _ = write!(
                self.out,
                r#"<line class="grid" x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}"/><text class="tick" x="{tx}" y="{ty:.1}" text-anchor="end">{label}</text>"#,
                x2 = W - RIGHT,
                tx = LEFT - 6.0,
                ty = y + 4.0,
                label = short(t)
            );
        }
        let _ = write!(
            self.out,
            r#"<line class="axis" x1="{LEFT}" x2="{x2}" y1="{y}" y2="{y}"/><text class="label" transform="translate(16 {my}) rotate(-90)" text-anchor="middle">{yl}</text><text class="label" x="{mx}" y="{ly}" text-anchor="middle">{xl}</text>"#,
            x2 = W - RIGHT,
            y = H - BOTTOM,
            my = (TOP + H - BOTTOM) / 2.0,
            yl = esc(&self.y_label),
            mx = (LEFT + W - RIGHT) / 2.0,
            ly = H - 8.0,
            xl = esc(&self.x_label)
        );
    }

    /// X tick labels at fractions.
    pub fn x_ticks(&mut self, ticks: &[(f64, String)]) {
        for (f, label) in ticks {
            let x = Self::px(*f);
            let _ = write!(
                self.out,
                r#"<line class="grid" x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{y}"/><text class="tick" x="{x:.1}" y="{ty}" text-anchor="middle">{l}</text>"#,
                y = H - BOTTOM,
                ty = H - BOTTOM + 16.0,
                l = esc(label)
            );
        }
    }

    /// A legend row above the plot: (series class, name).
    pub fn legend(&mut self, entries: &[(usize, String)]) {
        let mut x = LEFT;
        for (color, name) in entries {
            let _ = write!(
                self.out,
                r#"<rect class="c{color}" x="{x:.1}" y="{y}" width="10" height="10"/><text class="legend" x="{tx:.1}" y="{ty}">{n}</text>"#,
                y = TOP - 12.0,
                tx = x + 14.0,
                ty = TOP - 3.0,
                n = esc(name)
            );
            x += 24.0 + name.chars().count() as f64 * 6.5;
        }
    }

    pub fn finish(mut self, caption: &str) -> String {
        let _ = write!(
            self.out,
            "</svg><figcaption>{}</figcaption></figure>",
            esc(caption)
        );
        self.out
    }
}

/// One bar: colour, label, value, and an optional (low, high) interval.
pub type Bar = (usize, String, f64, Option<(f64, f64)>);

/// A group of bars under one label: (colour, name, value) each.
pub type Group = (String, Vec<(usize, String, f64)>);

/// Bars with optional interval whiskers.
pub fn bars(id: &str, title: &str, y_label: &str, items: &[Bar], caption: &str) -> String {
    let max = items
        .iter()
        .map(|i| i.3.map_or(i.2, |w| w.1).max(i.2))
        .fold(0.0, f64::max);
    let axis = Axis::linear(0.0, if max > 0.0 { max * 1.1 } else { 1.0 });
    let mut f = Frame::new(id, title, "", y_label);
    f.y_axis(&axis);
    let n = items.len().max(1) as f64;
    let slot = 1.0 / n;
    for (i, (color, label, value, ci)) in items.iter().enumerate() {
        let x0 = Frame::px(slot * (i as f64 + 0.2));
        let x1 = Frame::px(slot * (i as f64 + 0.8));
        let y = Frame::py(axis.frac(*value));
        let base = Frame::py(0.0);
        let tip = match ci {
            Some((lo, hi)) => format!(
                "{label}: {} (interval {}–{})",
                short(*value),
                short(*lo),
                short(*hi)
            ),
            None => format!("{label}: {}", short(*value)),
        };
        let _ = write!(
            f.out,
            r#"<g class="bar"><title>{tip}</title><rect class="c{color}" x="{x0:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"/><text class="value" x="{cx:.1}" y="{vy:.1}" text-anchor="middle">{v}</text><text class="tick" x="{cx:.1}" y="{ly:.1}" text-anchor="middle">{l}</text></g>"#,
            tip = esc(&tip),
            w = x1 - x0,
            h = (base - y).max(0.0),
            cx = (x0 + x1) / 2.0,
            vy = y - 6.0,
            v = short(*value),
            ly = H - BOTTOM + 16.0,
            l = esc(label)
        );
        if let Some((lo, hi)) = ci {
            let (ylo, yhi) = (Frame::py(axis.frac(*lo)), Frame::py(axis.frac(*hi)));
            let cx = (x0 + x1) / 2.0;
            let _ = write!(
                f.out,
                r#"<path class="whisker" d="M{cx:.1} {ylo:.1}V{yhi:.1}M{a:.1} {ylo:.1}H{b:.1}M{a:.1} {yhi:.1}H{b:.1}"/>"#,
                a = cx - 8.0,
                b = cx + 8.0
            );
        }
    }
    f.finish(caption)
}

/// One named line of points.
#[derive(Debug)]
pub struct Series {
    pub color: usize,
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Lines over shared axes, with hover values on every point.
#[allow(clippy::too_many_arguments)]
pub fn lines(
    id: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    x: Axis,
    y: Axis,
    x_ticks: &[(f64, String)],
    series: &[Series],
    fmt_x: &dyn Fn(f64) -> String,
    caption: &str,
) -> String {
    let mut f = Frame::new(id, title, x_label, y_label);
    f.y_axis(&y);
    let ticks: Vec<(f64, String)> = if x_ticks.is_empty() {
        x.ticks()
            .into_iter()
            .map(|t| (x.frac(t), short(t)))
            .collect()
    } else {
        x_ticks.to_vec()
    };
    f.x_ticks(&ticks);
    f.legend(
        &series
            .iter()
            .map(|s| (s.color, s.name.clone()))
            .collect::<Vec<_>>(),
    );
    for s in series {
        if s.points.is_empty() {
            continue;
        }
        let path: Vec<String> = s
            .points
            .iter()
            .enumerate()
            .map(|(i, (px, py))| {
                format!(
                    "{}{:.1} {:.1}",
                    if i == 0 { "M" } else { "L" },
                    Frame::px(x.frac(*px)),
                    Frame::py(y.frac(*py).clamp(0.0, 1.0))
                )
            })
            .collect();
        let _ = write!(
            f.out,
            r#"<path class="line s{}" d="{}"/>"#,
            s.color,
            path.join("")
        );
        // Hover targets, thinned to at most ~60 per series.
        let step = (s.points.len() / 60).max(1);
        for (px, py) in s.points.iter().step_by(step) {
            let _ = write!(
                f.out,
                r#"<circle class="dot c{c}" cx="{cx:.1}" cy="{cy:.1}" r="2.5"><title>{t}</title></circle>"#,
                c = s.color,
                cx = Frame::px(x.frac(*px)),
                cy = Frame::py(y.frac(*py).clamp(0.0, 1.0)),
                t = esc(&format!("{}: {} at {}", s.name, short(*py), fmt_x(*px)))
            );
        }
    }
    f.finish(caption)
}

/// Points along a log axis, one row per series (a strip plot).
pub fn strips(id: &str, title: &str, x_label: &str, rows: &[Series], caption: &str) -> String {
    let all: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.points.iter().map(|p| p.0))
        .collect();
    let (lo, hi) = (
        all.iter().copied().fold(f64::MAX, f64::min),
        all.iter().copied().fold(0.0, f64::max),
    );
    let x = Axis::log(
        if lo.is_finite() && lo > 0.0 { lo } else { 1.0 },
        if hi > 0.0 { hi } else { 10.0 },
    );
    let mut f = Frame::new(id, title, x_label, "");
    let ticks: Vec<(f64, String)> = x
        .ticks()
        .into_iter()
        .map(|t| (x.frac(t), short(t)))
        .collect();
    f.x_ticks(&ticks);
    let _ = write!(
        f.out,
        r#"<line class="axis" x1="{LEFT}" x2="{x2}" y1="{y}" y2="{y}"/>"#,
        x2 = W - RIGHT,
        y = H - BOTTOM
    );
    let n = rows.len().max(1) as f64;
    for (i, row) in rows.iter().enumerate() {
        let y = TOP + (H - TOP - BOTTOM) * (i as f64 + 0.5) / n;
        let _ = write!(
            f.out,
            r#"<text class="tick" x="{x}" y="{ty:.1}" text-anchor="start">{n}</text>"#,
            x = LEFT + 4.0,
            ty = y - 10.0,
            n = esc(&row.name)
        );
        for (v, _) in &row.points {
            let _ = write!(
                f.out,
                r#"<circle class="dot c{c}" cx="{cx:.1}" cy="{y:.1}" r="4"><title>{t}</title></circle>"#,
                c = row.color,
                cx = Frame::px(x.frac(*v)),
                t = esc(&format!("{}: {}", row.name, short(*v)))
            );
        }
    }
    let _ = write!(
        f.out,
        r#"<text class="label" x="{mx}" y="{ly}" text-anchor="middle">{xl}</text>"#,
        mx = (LEFT + W - RIGHT) / 2.0,
        ly = H - 8.0,
        xl = esc(x_label)
    );
    f.finish(caption)
}

/// Grouped bars: groups of (colour, value) with a label per group and a legend.
pub fn grouped(
    id: &str,
    title: &str,
    y_label: &str,
    groups: &[Group],
    log: bool,
    show_legend: bool,
    caption: &str,
) -> String {
    let values: Vec<f64> = groups
        .iter()
        .flat_map(|g| g.1.iter().map(|b| b.2))
        .collect();
    let max = values.iter().copied().fold(0.0, f64::max);
    let min = values
        .iter()
        .copied()
        .filter(|v| *v > 0.0)
        .fold(f64::MAX, f64::min);
    let axis = if log {
        Axis::log(if min.is_finite() { min } else { 0.1 }, max)
    } else {
        Axis::linear(0.0, max * 1.1)
    };
    let mut f = Frame::new(id, title, "", y_label);
    f.y_axis(&axis);
    let mut legend: Vec<(usize, String)> = Vec::new();
    for g in groups {
        for (c, name, _) in &g.1 {
            if !legend.iter().any(|(lc, _)| lc == c) {
                legend.push((*c, name.clone()));
            }
        }
    }
    if show_legend {
        f.legend(&legend);
    }
    let slot = 1.0 / groups.len().max(1) as f64;
    for (gi, (label, bars)) in groups.iter().enumerate() {
        let inner = slot * 0.8 / bars.len().max(1) as f64;
        for (bi, (color, name, value)) in bars.iter().enumerate() {
            let x0 = Frame::px(slot * gi as f64 + slot * 0.1 + inner * bi as f64);
            let x1 = Frame::px(slot * gi as f64 + slot * 0.1 + inner * (bi as f64 + 0.9));
            let y = Frame::py(axis.frac(*value).clamp(0.0, 1.0));
            let _ = write!(
                f.out,
                r#"<g class="bar b{bi}"><title>{t}</title><rect class="c{color}" x="{x0:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"/><text class="value" x="{cx:.1}" y="{vy:.1}" text-anchor="middle">{v}</text></g>"#,
                t = esc(&format!("{label}, {name}: {}", short(*value))),
                w = x1 - x0,
                h = (Frame::py(0.0) - y).max(0.0),
                cx = (x0 + x1) / 2.0,
                vy = y - 4.0,
                v = short(*value)
            );
        }
        let _ = write!(
            f.out,
            r#"<text class="tick" x="{cx:.1}" y="{ly}" text-anchor="middle">{l}</text>"#,
            cx = Frame::px(slot * (gi as f64 + 0.5)),
            ly = H - BOTTOM + 16.0,
            l = esc(label)
        );
    }
    f.finish(caption)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_map_and_tick() {
        let a = Axis::linear(0.0, 100.0);
        assert_eq!(a.frac(50.0), 0.5);
        assert!(a.ticks().len() >= 3);
        let l = Axis::log(3.0, 700.0);
        assert_eq!((l.lo, l.hi), (1.0, 1000.0));
        assert!((l.frac(10.0) - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(short(1234.0), "1.2k");
        assert_eq!(esc("<a&\"b\">"), "&lt;a&amp;&quot;b&quot;&gt;");
    }

    #[test]
    fn bars_carry_values_and_whiskers() {
        let svg = bars(
            "x",
            "T",
            "req/s",
            &[
                (0, "a".into(), 10.0, Some((9.0, 11.0))),
                (1, "b".into(), 5.0, None),
            ],
            "cap",
        );
        assert!(svg.contains(r#"data-chart="x""#));
        assert!(svg.contains("class=\"whisker\""));
        assert!(svg.contains("a: 10.0 (interval 9.00–11.0)"));
    }

    /// A bar's place in its group is in its class, so a style can tell the
    /// idle bar from the loaded ones in every group, whatever the group size.
    #[test]
    fn grouped_bars_are_marked_by_their_place_in_the_group() {
        let group = |name: &str| {
            let bars = ["idle", "loaded", "long"]
                .iter()
                .map(|b| (0, (*b).to_owned(), 1.0))
                .collect();
            (name.to_owned(), bars)
        };
        let svg = grouped(
            "x",
            "T",
            "ms",
            &[group("a"), group("b")],
            true,
            false,
            "cap",
        );
        let marks: Vec<(&str, &str)> = svg
            .split("<g class=\"bar ")
            .skip(1)
            .map(|g| {
                let class = &g[..g.find('"').unwrap()];
                let title = &g[g.find("<title>").unwrap() + 7..g.find("</title>").unwrap()];
                (class, title)
            })
            .collect();
        assert_eq!(
            marks,
            [
                ("b0", "a, idle: 1.00"),
                ("b1", "a, loaded: 1.00"),
                ("b2", "a, long: 1.00"),
                ("b0", "b, idle: 1.00"),
                ("b1", "b, loaded: 1.00"),
                ("b2", "b, long: 1.00"),
            ]
        );
    }
}
