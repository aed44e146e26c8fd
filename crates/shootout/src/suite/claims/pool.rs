//! Independent runs pooled as the unit of evidence (Kalibera & Jones,
//! "Rigorous benchmarking in reasonable time", ISMM 2013): each results
//! file is one run, its trials sit within it. Files are pooled only when
//! they measured the same thing: same mode, same configuration of every
//! scenario they share, same contract, same sources of every contender they
//! share. Different machines are allowed, and listed.

use std::collections::BTreeSet;

use crate::suite::results::Results;

/// Why files cannot be pooled.
#[derive(Debug, thiserror::Error)]
#[error("cannot pool {first} with {other}: {reason}")]
pub struct Unpoolable {
    pub first: String,
    pub other: String,
    pub reason: String,
}

/// One or more runs, judged together.
#[derive(Debug, Clone)]
pub struct Pool<'a> {
    pub runs: Vec<&'a Results>,
}

impl<'a> From<&'a Results> for Pool<'a> {
    fn from(results: &'a Results) -> Self {
        Self {
            runs: vec![results],
        }
    }
}

impl<'a> From<&Pool<'a>> for Pool<'a> {
    fn from(pool: &Pool<'a>) -> Self {
        pool.clone()
    }
}

impl<'a> Pool<'a> {
    /// Pools `runs` (each named, for messages), or says why they cannot be.
    pub fn new(runs: &'a [(String, Results)]) -> Result<Self, Unpoolable> {
        let Some((first_name, first)) = runs.first() else {
            return Err(Unpoolable {
                first: "nothing".into(),
                other: "nothing".into(),
                reason: "no results file given".into(),
            });
        };
        for (name, r) in &runs[1..] {
            if let Some(reason) = why_not(first, r) {
                return Err(Unpoolable {
                    first: first_name.clone(),
                    other: name.clone(),
                    reason,
                });
            }
        }
        for (i, (a_name, a)) in runs.iter().enumerate() {
            for (b_name, b) in &runs[i + 1..] {
                if a.started_at == b.started_at && a.seed == b.seed {
                    return Err(Unpoolable {
                        first: a_name.clone(),
                        other: b_name.clone(),
                        reason: format!(
                            "they are the same run (started {}, seed {}): a run counted twice is not a replication",
                            a.started_at, a.seed
                        ),
                    });
                }
            }
        }
        Ok(Self {
            runs: runs.iter().map(|(_, r)| r).collect(),
        })
    }

    /// The distinct machines of the runs, each as `cpu model, N CPUs (host)`.
    pub fn machines(&self) -> Vec<String> {
        let set: BTreeSet<String> = self
            .runs
            .iter()
            .map(|r| {
                let m = &r.machine;
                format!(
                    "{}, {} CPUs, {} GB{}",
                    m.cpu_model.as_deref().unwrap_or("unknown CPU"),
                    m.cpus,
                    m.memory_bytes.map_or(0, |b| b / 1_000_000_000),
                    m.hostname
                        .as_deref()
                        .map(|h| format!(" ({h})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        set.into_iter().collect()
    }

    /// What the pool stands on, e.g. `3 runs × 1 trial, 1 machine`.
    pub fn stands_on(&self) -> String {
        let trials: BTreeSet<usize> = self.runs.iter().map(|r| r.trials).collect();
        stands_on(self.runs.len(), &trials, self.machines().len())
    }
}

/// `R runs × T trials, M machines`, with a range of trials when they differ.
pub fn stands_on(runs: usize, trials: &BTreeSet<usize>, machines: usize) -> String {
    let t = match (trials.first(), trials.last()) {
        (Some(a), Some(b)) if a == b => format!("{a} trial{}", plural(*a)),
        (Some(a), Some(b)) => format!("{a}–{b} trials"),
        _ => "no trials".into(),
    };
    format!(
        "{runs} run{} × {t}, {machines} machine{}",
        plural(runs),
        plural(machines)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Why `b` cannot be pooled with `a`, if it cannot.
fn why_not(a: &Results, b: &Results) -> Option<String> {
    if a.mode != b.mode {
        return Some(format!(
            "different modes ({:?} and {:?}): their phases differ in length, so their numbers are different measurements",
            a.mode, b.mode
        ));
    }
    match (&a.contract_hash, &b.contract_hash) {
        (Some(x), Some(y)) if x != y => {
            return Some(format!(
                "different contracts (hash {} and {}): the contenders were verified against different rules",
                &x[..12.min(x.len())],
                &y[..12.min(y.len())]
            ));
        }
        (Some(_), Some(_)) => {}
        _ => {
            return Some(
                "a file does not record its contract hash (written before it was recorded), so it cannot be shown to measure the same contract"
                    .into(),
            );
        }
    }
    for sa in &a.scenarios {
        let Some(sb) = b.scenario(&sa.name) else {
            continue;
        };
        // What is measured; the file's path and the words about it aside.
        let settings = |s: &crate::suite::scenario::Scenario| {
            let mut v = serde_json::to_value(s).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                for k in ["file", "description", "claims"] {
                    o.remove(k);
                }
            }
            v
        };
        let (ja, jb) = (settings(&sa.config), settings(&sb.config));
        if ja != jb {
            let fields: Vec<String> = match (ja.as_object(), jb.as_object()) {
                (Some(x), Some(y)) => x
                    .keys()
                    .chain(y.keys())
                    .filter(|k| x.get(*k) != y.get(*k))
                    .cloned()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                _ => vec![],
            };
            return Some(format!(
                "scenario {} is configured differently ({})",
                sa.name,
                if fields.is_empty() {
                    "its settings differ".into()
                } else {
                    format!("{} differ", fields.join(", "))
                }
            ));
        }
    }
    for ca in &a.contenders {
        let Some(cb) = b.contenders.iter().find(|c| c.name == ca.name) else {
            continue;
        };
        let measured = |r: &Results| {
            r.scenarios
                .iter()
                .any(|s| s.cells.iter().any(|c| c.contender == ca.name))
        };
        if !measured(a) || !measured(b) {
            continue;
        }
        if ca.source_hash != cb.source_hash {
            let show = |h: &Option<String>| {
                h.as_deref().map_or("not recorded".to_owned(), |h| {
                    h[..12.min(h.len())].to_owned()
                })
            };
            return Some(format!(
                "{}'s sources differ (hash {} and {}): a changed contender is a different contender",
                ca.name,
                show(&ca.source_hash),
                show(&cb.source_hash)
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::metric::{Metric, MetricKey};
    use crate::suite::results::{ContenderInfo, tests_support::results_with};
    use crate::suite::scenario::Mode;

    fn run(seed: u64, hash: &str) -> Results {
        let mut r = results_with("s", MetricKey::of(Metric::RequestsPerS), &[("go", &[1.0])]);
        r.seed = seed;
        r.contenders = vec![ContenderInfo {
            name: "go".into(),
            language: "go".into(),
            framework: "net/http".into(),
            runtime: None,
            told: Default::default(),
            verified: true,
            skipped: None,
            database_driver: None,
            database_skipped: None,
            remote: None,
            source_hash: Some(hash.into()),
        }];
        r
    }

    fn pool(runs: Vec<Results>) -> Result<usize, String> {
        let named: Vec<(String, Results)> = runs
            .into_iter()
            .enumerate()
            .map(|(i, r)| (format!("run{}.json", i + 1), r))
            .collect();
        Pool::new(&named)
            .map(|p| p.runs.len())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn runs_of_the_same_thing_pool_and_say_what_they_stand_on() {
        let runs = vec![run(1, "abc"), run(2, "abc"), run(3, "abc")];
        assert_eq!(pool(runs.clone()), Ok(3));
        let named: Vec<(String, Results)> = runs.into_iter().map(|r| (String::new(), r)).collect();
        let p = Pool::new(&named).unwrap();
        assert_eq!(p.stands_on(), "3 runs × 1 trial, 1 machine");
    }

    #[test]
    fn different_modes_sources_contracts_or_the_same_run_twice_are_refused() {
        let mut quick = run(2, "abc");
        quick.mode = Mode::Quick;
        let err = pool(vec![run(1, "abc"), quick]).unwrap_err();
        assert!(
            err.contains("run1.json") && err.contains("run2.json"),
            "{err}"
        );
        assert!(err.contains("different modes"), "{err}");
        let err = pool(vec![run(1, "abc"), run(2, "def")]).unwrap_err();
        assert!(err.contains("go's sources differ"), "{err}");
        let mut other = run(2, "abc");
        other.contract_hash = Some("0123456789abcdef".into());
        let err = pool(vec![run(1, "abc"), other]).unwrap_err();
        assert!(err.contains("different contracts"), "{err}");
        let err = pool(vec![run(1, "abc"), run(1, "abc")]).unwrap_err();
        assert!(err.contains("the same run"), "{err}");
        let mut longer = run(2, "abc");
        longer.scenarios[0].config.duration = std::time::Duration::from_secs(9);
        let err = pool(vec![run(1, "abc"), longer]).unwrap_err();
        assert!(
            err.contains("scenario s is configured differently (duration differ)"),
            "{err}"
        );
    }
}
