//! For the command-line parse tests (cli.rs, cli_measure.rs): parsing an
//! argument list as `shootout` would, without running anything.

use clap::Parser;
use clap::error::ErrorKind;
use shootout::cli::{Cli, Command};
use shootout::supervise::CpuSet;

/// `shootout args…` parsed; panics with clap's message when refused.
pub fn parse(args: &[&str]) -> Command {
    let argv = std::iter::once("shootout").chain(args.iter().copied());
    match Cli::try_parse_from(argv) {
        Ok(cli) => cli.command,
        Err(e) => panic!("`shootout {}` should parse:\n{e}", args.join(" ")),
    }
}

/// Asserts `shootout args…` is refused with `kind`; returns the message.
pub fn refused(args: &[&str], kind: ErrorKind) -> String {
    let argv = std::iter::once("shootout").chain(args.iter().copied());
    match Cli::try_parse_from(argv) {
        Ok(cli) => panic!(
            "`shootout {}` should be refused ({kind:?}), parsed as {:?}",
            args.join(" "),
            cli.command
        ),
        Err(e) => {
            assert_eq!(e.kind(), kind, "`shootout {}`:\n{e}", args.join(" "));
            e.to_string()
        }
    }
}

/// Defaults read from `SHOOTOUT_CONTENDERS` are checked only when it is unset.
pub fn contenders_env_unset() -> bool {
    std::env::var_os("SHOOTOUT_CONTENDERS").is_none()
}

pub fn cpus(list: &str) -> CpuSet {
    list.parse().unwrap()
}
