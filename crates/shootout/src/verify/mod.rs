//! The contract checks: `shootout verify` and the gate refuse to measure a
//! contender that does not follow the contract (`docs/contract.md`). Every
//! expected answer is computed by the harness; nothing the contender says
//! is trusted.

pub mod basic;
pub mod checker;
pub mod concurrency;
pub mod database;
pub mod fanout;
pub mod orders;
pub mod outcome;

use std::net::SocketAddr;

pub use checker::{Failure, Group};

use crate::upstream::Control;

/// Results of every check group for one running contender.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct GroupResult {
    pub group: Group,
    pub passed: usize,
    pub failed: usize,
}

/// Runs the whole contract against a contender listening on `addr` whose
/// upstream is `upstream`. `seed` makes the random inputs reproducible.
///
/// With `database` (shootout's connection to the contender's schema), the
/// contender runs in its database mode and the database group runs too.
pub async fn check_contract(
    addr: SocketAddr,
    upstream: Control,
    seed: u64,
    database: Option<&tokio_postgres::Client>,
) -> Checked {
    checks(addr, upstream, seed, database, database.is_some()).await
}

/// The contract for a service shootout did not start (`run --target`,
/// `verify --target`): it cannot know whether the service keeps orders in a
/// database, so `GET /orders` may list them (database mode) or be a 405
/// (memory); the database group itself needs shootout's connection and is
/// not run.
pub async fn check_remote(addr: SocketAddr, upstream: Control, seed: u64) -> Checked {
    checks(addr, upstream, seed, None, true).await
}

async fn checks(
    addr: SocketAddr,
    upstream: Control,
    seed: u64,
    database: Option<&tokio_postgres::Client>,
    orders_may_be_listed: bool,
) -> Checked {
    let mut c = checker::Checker::new(addr, upstream);
    let mut rng = checker::Rng::new(seed);
    basic::health(&mut c).await;
    basic::json_endpoint(&mut c).await;
    basic::cpu_hash(&mut c, &mut rng).await;
    basic::cpu_json(&mut c, &mut rng).await;
    basic::cpu_trees(&mut c, &mut rng).await;
    basic::params(&mut c).await;
    basic::keep_alive(&mut c).await;
    orders::io(&mut c, &mut rng).await;
    fanout::check(&mut c, &mut rng).await;
    let created = orders::orders(&mut c, &mut rng).await;
    orders::validation(&mut c).await;
    orders::upstream_failure(&mut c, &mut rng).await;
    basic::errors(&mut c, orders_may_be_listed).await;
    concurrency::concurrent(&mut c, &mut rng, &created, 200).await;
    concurrency::survival(&mut c, &created).await;
    if let Some(db) = database {
        database::check(&mut c, &mut rng, db).await;
    }

    let groups = Group::ALL
        .iter()
        .map(|&group| GroupResult {
            group,
            passed: c.passed.get(&group).copied().unwrap_or(0),
            failed: c.failures.iter().filter(|f| f.group == group).count(),
        })
        .collect();
    Checked {
        groups,
        failures: c.failures,
        not_run: c.not_run,
    }
}

/// What [`check_contract`] found.
#[derive(Debug)]
pub struct Checked {
    pub groups: Vec<GroupResult>,
    pub failures: Vec<Failure>,
    /// Checks not sent because the service stopped answering.
    pub not_run: usize,
}
