//! The suite behind `shootout run`: scenarios read from TOML, repeated trials
//! with rotated contender order, statistics with confidence intervals, the
//! results file, and the claims ledger.

pub mod cell;
pub mod checks;
pub mod claims;
pub mod machine;
pub mod metrics;
pub mod results;
pub mod runner;
pub mod scenario;
pub mod stats;
