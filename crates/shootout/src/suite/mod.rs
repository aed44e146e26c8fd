//! The suite behind `shootout run`: scenarios read from TOML, the metric
//! registry, trials of each scenario kind, statistics and comparisons, the
//! results file, and the claims ledger.

mod admission;
pub mod change;
pub mod claims;
pub mod compare;
pub mod fail_if;
pub mod focus;
pub mod ledger_names;
pub mod machine;
pub mod measure;
pub mod metric;
pub mod migrate;
mod progress;
pub mod results;
pub mod runner;
pub mod scenario;
pub mod trial;
pub mod verdict;
