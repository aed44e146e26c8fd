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
pub mod report;
pub mod rng;
pub mod suite;
pub mod supervise;
pub mod timer;
pub mod upstream;
pub mod verify;

/// Runs a parsed command line; `Ok(false)` means "exit non-zero, already reported".
pub async fn run(cli: cli::Cli) -> anyhow::Result<bool> {
    supervise::registry::install_panic_hook();
    raise_open_files_limit();
    match cli.command {
        cli::Command::Run(args) => {
            supervise::registry::exit_on_signals();
            commands::run(args).await
        }
        cli::Command::Claims(args) => commands::claims(args),
        cli::Command::Report(args) => commands::report(args),
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

/// Open files wanted: a contender serving 10,000 connections that each call
/// the upstream holds 20,000 sockets, the generator 10,000 more.
const WANTED_OPEN_FILES: libc::rlim_t = 65_536;

/// Lets shootout and the contenders it starts (they inherit the limit) hold
/// 10,000+ connections: the soft open-files limit goes up to the hard one,
/// and the hard one up to 65,536 where the process may raise it (root).
fn raise_open_files_limit() {
    // SAFETY: getrlimit/setrlimit on a zeroed struct.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return;
        }
        if limit.rlim_max < WANTED_OPEN_FILES {
            let raised = libc::rlimit {
                rlim_cur: WANTED_OPEN_FILES,
                rlim_max: WANTED_OPEN_FILES,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return;
            }
        }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
