//! shootout: measure equivalent backend services side by side.
//!
//! The modules follow the path a measurement walks: the [`contract`] every
//! service implements, the [`contenders`] that implement it, the
//! [`upstream`] simulator they call, the [`supervise`] layer that starts them
//! under the same conditions, and [`verify`], which refuses to measure a
//! contender that breaks the contract.

pub mod cli;
pub mod commands;
pub mod contenders;
pub mod contract;
pub mod http1;
pub mod load;
pub mod ops;
pub mod rng;
pub mod supervise;
pub mod timer;
pub mod upstream;
pub mod verify;

/// Runs a parsed command line; `Ok(false)` means "exit non-zero, already reported".
pub async fn run(cli: cli::Cli) -> anyhow::Result<bool> {
    supervise::registry::install_panic_hook();
    match cli.command {
        cli::Command::Verify(args) => {
            supervise::registry::exit_on_signals();
            commands::verify(args).await
        }
        cli::Command::Up(args) => commands::up(args).await,
        cli::Command::Test(args) => commands::test(args).await,
        cli::Command::Load(args) => commands::load(args).await,
        cli::Command::Coldstart(args) => {
            supervise::registry::exit_on_signals();
            commands::coldstart(args).await
        }
        cli::Command::Footprint(args) => {
            supervise::registry::exit_on_signals();
            commands::footprint(args).await
        }
        cli::Command::Upstream(args) => commands::upstream(args).await,
    }
}
