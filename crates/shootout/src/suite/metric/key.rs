//! A metric as the results and the ledger write it: a registered
//! [`Metric`], in a sweep with the level it was measured at
//! (`requests_per_s_c1000`); parsing with the nearest names on a typo, and
//! its serde and JSON-schema forms.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;

use super::{Metric, Spec};

/// A metric as recorded: in a sweep, also the concurrency it was measured
/// at, written `requests_per_s_c1000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricKey {
    pub metric: Metric,
    pub level: Option<u32>,
}

impl MetricKey {
    pub const fn of(metric: Metric) -> Self {
        Self {
            metric,
            level: None,
        }
    }

    pub const fn at(metric: Metric, level: u32) -> Self {
        Self {
            metric,
            level: Some(level),
        }
    }

    pub fn spec(self) -> &'static Spec {
        self.metric.spec()
    }

    /// Column heading, with the level.
    pub fn heading(self) -> String {
        match self.level {
            Some(c) => format!("{} c{c}", self.spec().heading),
            None => self.spec().heading.to_owned(),
        }
    }
}

impl From<Metric> for MetricKey {
    fn from(metric: Metric) -> Self {
        Self::of(metric)
    }
}

impl fmt::Display for MetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.level {
            Some(c) => write!(f, "{}_c{c}", self.metric.name()),
            None => f.write_str(self.metric.name()),
        }
    }
}

/// A name that is no registered metric, with the nearest that are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown metric {name:?}{}", suggest(.nearest))]
pub struct UnknownMetric {
    pub name: String,
    pub nearest: Vec<&'static str>,
}

fn suggest(nearest: &[&str]) -> String {
    if nearest.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", nearest.join(", "))
    }
}

impl FromStr for MetricKey {
    type Err = UnknownMetric;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(metric) = Metric::from_name(s) {
            return Ok(Self::of(metric));
        }
        if let (base, Some(level)) = split_level(s) {
            if let Some(metric) = Metric::from_name(base) {
                return Ok(Self::at(metric, level));
            }
        }
        Err(UnknownMetric {
            name: s.to_owned(),
            nearest: nearest(s),
        })
    }
}

/// `requests_per_s_c1000` → (`requests_per_s`, 1000); a name without a
/// level suffix comes back whole.
fn split_level(name: &str) -> (&str, Option<u32>) {
    match name.rsplit_once("_c") {
        Some((base, level)) => match level.parse() {
            Ok(level) => (base, Some(level)),
            Err(_) => (name, None),
        },
        None => (name, None),
    }
}

/// Up to three registered names closest to `name` (edit distance).
pub fn nearest(name: &str) -> Vec<&'static str> {
    let base = split_level(name).0;
    let mut scored: Vec<(usize, &'static str)> = Metric::ALL
        .iter()
        .map(|m| (crate::text::edit_distance(base, m.name()), m.name()))
        .collect();
    scored.sort();
    let limit = (base.len() / 2).max(3);
    scored
        .into_iter()
        .filter(|(d, _)| *d <= limit)
        .take(3)
        .map(|(_, n)| n)
        .collect()
}

impl serde::Serialize for MetricKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for MetricKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <String as serde::Deserialize>::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for MetricKey {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MetricKey".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        schemars::json_schema!({
            "type": "string",
            "description": format!(
                "A registered metric, with `_cN` appended for sweep level N. Metrics: {}.",
                names.join(", ")
            ),
        })
    }
}
