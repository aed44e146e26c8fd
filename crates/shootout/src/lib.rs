//! shootout: measure equivalent backend services side by side.
//!
//! The modules follow the path a measurement walks (`docs/architecture.md`
//! draws it):
//!
//! - [`contract`]: the kernels, shared vectors, order rules and response
//!   checks every contender is held to, computed by the harness itself;
//! - [`contenders`]: manifests, runtimes (provided from npm when missing), builds;
//! - [`upstream`] and [`timer`]: the "external service" contenders call;
//! - [`supervise`]: process groups, CPU pinning, readiness, sampling, no orphans;
//! - [`verify`]: the contract checks;
//! - [`gate`]: prepare → upstream → launch → ready → verify → stop, for every command;
//! - [`load`]: the load generator;
//! - [`ops`]: cold start, footprint, OCI images, dependencies, lines of code;
//! - [`stats`]: the bootstrap and order statistics;
//! - [`suite`]: scenarios, the metric registry, trials, results, the claims ledger;
//! - [`report`]: terminal, Markdown and HTML renderings of a results file;
//! - [`commands`] and [`cli`]: one file per subcommand, and the options;
//! - [`http1`]: the harness's one HTTP/1.1 client;
//! - [`sys`]: every libc call; [`units`]: durations and rates as typed;
//!   [`toml_file`]: errors of user files; [`rng`]: reproducible inputs.

#![deny(unsafe_code)]

/// A `thiserror` error that is a message in words (a broken rule, an
/// invalid file, a wrong answer), made from a `String` or a `&str`.
macro_rules! message_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error("{0}")]
        pub struct $name(pub String);

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

pub mod cli;
pub mod commands;
pub use commands::error_text;
pub mod contenders;
pub mod contract;
pub mod database;
pub mod gate;
pub mod http1;
pub mod load;
pub mod mutate;
pub mod ops;
pub mod remote;
pub mod report;
pub mod rng;
pub mod stats;
pub mod suite;
pub mod supervise;
// Every libc call, and the only `unsafe` of the crate.
#[allow(unsafe_code)]
pub mod sys;
pub mod text;
pub mod toml_file;
pub mod torture;
pub mod units;
pub mod upstream;
pub mod verify;

/// Runs a parsed command line; `Ok(false)` means "exit non-zero, already reported".
pub async fn run(cli: cli::Cli) -> anyhow::Result<bool> {
    supervise::orphans::install_panic_hook();
    raise_open_files_limit();
    match cli.command {
        cli::Command::Run(args) => {
            supervise::orphans::exit_on_signals();
            commands::run(args).await
        }
        cli::Command::Claims(args) => commands::claims(args),
        cli::Command::Compare(args) => commands::compare(args),
        cli::Command::Report(args) => commands::report(args),
        cli::Command::Verify(args) => {
            supervise::orphans::exit_on_signals();
            commands::verify(args).await
        }
        cli::Command::Up(args) => commands::up(args).await,
        cli::Command::Test(args) => commands::test(args).await,
        cli::Command::Mutate(args) => {
            supervise::orphans::exit_on_signals();
            commands::mutate(args).await
        }
        cli::Command::Torture(args) => {
            supervise::orphans::exit_on_signals();
            commands::torture(args).await
        }
        cli::Command::Load(args) => commands::load(args).await,
        cli::Command::Merge(args) => commands::merge(args),
        cli::Command::Coldstart(args) => {
            supervise::orphans::exit_on_signals();
            commands::coldstart(args).await
        }
        cli::Command::Footprint(args) => {
            supervise::orphans::exit_on_signals();
            commands::footprint(args).await
        }
        cli::Command::Upstream(args) => commands::upstream(args).await,
        cli::Command::PostgresKeeper(args) => Ok(database::keeper::keep(args).await?),
        cli::Command::Schema(args) => commands::schema(args),
        cli::Command::Toolchains(args) => commands::toolchains(args).await,
        cli::Command::Completions(args) => {
            let mut command = <cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut command, "shootout", &mut std::io::stdout());
            Ok(true)
        }
    }
}

/// Open files wanted: a contender serving 10,000 connections that each call
/// the upstream holds 20,000 sockets, the generator 10,000 more.
const WANTED_OPEN_FILES: u64 = 65_536;

/// Lets shootout and the contenders it starts (they inherit the limit) hold
/// 10,000+ connections: the soft open-files limit goes up to the hard one,
/// and the hard one up to 65,536 where the process may raise it (root).
fn raise_open_files_limit() {
    sys::raise_open_files_limit(WANTED_OPEN_FILES);
}
