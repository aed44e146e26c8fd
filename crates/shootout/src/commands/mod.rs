//! The subcommands, one file each, wiring command-line options to the
//! library. What they share is here: `--json` or text output, the CPU split,
//! CI detection and the clock seed.

mod claims;
mod coldstart;
mod compare;
mod footprint;
mod ledger_input;
mod load;
mod merge;
mod mutate;
mod report;
mod run;
mod schema;
mod test;
mod toolchains;
mod torture;
mod up;
mod upstream;
mod verify;

pub use claims::claims;
pub use coldstart::coldstart;
pub use compare::compare;
pub use footprint::footprint;
pub use load::load;
pub use merge::merge;
pub use mutate::mutate;
pub use report::report;
pub use run::run;
pub use schema::schema;
pub use test::test;
pub use toolchains::toolchains;
pub use torture::torture;
pub use up::up;
pub use upstream::upstream;
pub use verify::verify;

use std::io::Write;

use crate::cli::ContenderArgs;
use crate::report::Render;
use crate::supervise::CpuSet;

/// Prints `doc` as pretty JSON with `--json`, else its terminal rendering.
fn print_json_or_text<T: serde::Serialize + Render + ?Sized>(
    json: bool,
    doc: &T,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut stdout, doc)?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", doc.terminal())?;
    }
    Ok(())
}

/// Every contender under `dir`; a folder that is not there says where
/// shootout expects to be started.
fn discover_contenders(dir: &std::path::Path) -> anyhow::Result<Vec<crate::contenders::Contender>> {
    if !dir.is_dir() {
        anyhow::bail!(
            "no contenders folder at {}\nhint: run shootout from the repository root (where contenders/ and scenarios/ are), or pass --contenders-dir DIR (or set SHOOTOUT_CONTENDERS)",
            dir.display()
        );
    }
    Ok(crate::contenders::discover(dir)?)
}

/// The contender tables compare the others with: `--reference` (an error
/// when it names none of `measured`), else go-nethttp when measured, else
/// the first.
fn reference(arg: &crate::cli::ReferenceArg, measured: &[&str]) -> anyhow::Result<String> {
    const DEFAULT: &str = "go-nethttp";
    match &arg.reference {
        Some(name) if measured.contains(&name.as_str()) => Ok(name.clone()),
        Some(name) => anyhow::bail!(
            "--reference {name}: no such contender is measured here\nhint: one of {}",
            measured.join(", ")
        ),
        None if measured.contains(&DEFAULT) || measured.is_empty() => Ok(DEFAULT.to_owned()),
        None => Ok(measured[0].to_owned()),
    }
}

/// Running in CI (`CI=true` or `CI=1`): a missing toolchain is a failure, not a skip.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `--seed`, or one from the clock (nanoseconds) to be printed for replay.
fn seed_or_clock(seed: Option<u64>) -> u64 {
    seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    })
}

/// The service's CPUs: `--service-cpus` (checked against what shootout may
/// use) or the upper half of the machine.
fn service_cpus(args: &ContenderArgs) -> anyhow::Result<CpuSet> {
    let available = CpuSet::available();
    match &args.service_cpus {
        None => Ok(available.split_default().0),
        Some(set) => {
            if let Some(bad) = set.cpus().iter().find(|c| !available.cpus().contains(c)) {
                anyhow::bail!(
                    "--service-cpus {set}: CPU {bad} is not available to shootout\nhint: available CPUs are {available}"
                );
            }
            Ok(set.clone())
        }
    }
}

/// The CPU split of a run: the service's, and the rest for the generator and
/// the upstream (the same CPUs when nothing is left, with a warning).
fn split(args: &ContenderArgs) -> anyhow::Result<(CpuSet, CpuSet)> {
    let service = service_cpus(args)?;
    let available = CpuSet::available();
    let rest = available.without(&service);
    if rest == available && service.cpus().iter().all(|c| available.cpus().contains(c)) {
        eprintln!(
            "shootout: warning: the service has every CPU ({service}): the load generator and upstream share them"
        );
    }
    Ok((service, rest))
}

/// An error and its causes for the user, each said once: a cause whose
/// text the message already holds (an error that prints its source) is not
/// repeated. Both binaries print their errors through it.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut out = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    /// "cannot read X: No such file…" once, not twice; a cause the message
    /// does not hold is still said.
    #[test]
    fn an_error_says_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let printed_source = anyhow::Error::new(io).context("cannot read x.json: No such file");
        assert_eq!(
            super::error_text(&printed_source),
            "cannot read x.json: No such file"
        );
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let kept_apart = anyhow::Error::new(io).context("cannot read x.json");
        assert_eq!(
            super::error_text(&kept_apart),
            "cannot read x.json: No such file"
        );
    }
}
