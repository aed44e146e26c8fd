//! One module per scenario kind, each with its driver and the metrics it
//! produces, and the registry below: the one place a [`Kind`] is matched to
//! its module. Adding a kind is a module here, its arms in this registry, a
//! `Kind` variant (`suite::scenario`) and, when charts need its raw data, a
//! `TrialDetail` variant.

mod coldstart;
mod drain;
mod footprint;
mod head_of_line;
mod load;
mod mutate;
mod soak;
mod sweep;
mod torture;
mod upstream_bound;

pub(crate) use sweep::max_level;

use std::time::Duration;

use super::load_run::Drive;
use super::session::Session;
use super::{Record, Setup};
use crate::gate::Prepared;
use crate::load::Model;
use crate::suite::results::Status;
use crate::suite::scenario::{Kind, LoadSpec, Scenario};

/// Runs a trial of `scenario` for a contender shootout starts. The kinds
/// that load a running service have it started, sampled and stopped by a
/// [`Session`] around their driver ([`drive`]); the others start what they
/// need themselves.
pub(super) async fn local(
    scenario: &Scenario,
    prepared: &Prepared,
    setup: &Setup,
    r: &mut Record,
    status: &mut Status,
) -> anyhow::Result<()> {
    match &scenario.kind {
        Kind::Load { .. } | Kind::HeadOfLine { .. } => {
            let session = Session::start(scenario, prepared, setup, r).await?;
            let outcome = drive(session.drive(scenario), r).await;
            session.stop(outcome, r, status).await
        }
        Kind::Coldstart { runs } => coldstart::run(prepared, setup, *runs, r).await,
        Kind::Footprint { clean_build } => footprint::run(prepared, setup, *clean_build, r).await,
        Kind::Torture { overload } => torture::run(prepared, setup, *overload, r).await,
        Kind::Mutate { run } => mutate::run(prepared, setup, *run, r).await,
        Kind::Drain {
            path,
            connections,
            grace_s,
        } => {
            let how = setup.launch(scenario);
            let grace = Duration::from_secs_f64(*grace_s);
            drain::run(prepared, &how, (path, *connections, grace), r).await
        }
    }
}

/// Applies the scenario's load to a running service (one shootout started,
/// or a remote target) and fills `r`.
pub(super) async fn drive(d: Drive<'_>, r: &mut Record) -> anyhow::Result<()> {
    match &d.scenario.kind {
        Kind::Load {
            requests,
            load: spec,
        } => match spec {
            LoadSpec::Closed { connections } => {
                let connections = connections.resolve(d.service_cpus());
                load::run(d, requests, Model::Closed { connections }, r).await
            }
            LoadSpec::Open { rate, connections } => {
                let connections = connections.resolve(d.service_cpus());
                let model = Model::Open {
                    rate: *rate,
                    connections,
                };
                load::run(d, requests, model, r).await
            }
            LoadSpec::OpenFraction {
                fraction,
                connections,
            } => soak::run(d, requests, *fraction, *connections, r).await,
            LoadSpec::Sweep { concurrency } => sweep::run(d, requests, concurrency, r).await,
        },
        Kind::HeadOfLine {
            requests,
            connections,
            probe_path,
            probe_rate,
            long_n,
        } => {
            let probe = head_of_line::Probe {
                path: probe_path,
                rate: *probe_rate,
            };
            head_of_line::run(d, requests, *connections, probe, *long_n, r).await
        }
        Kind::Coldstart { .. }
        | Kind::Footprint { .. }
        | Kind::Torture { .. }
        | Kind::Drain { .. }
        | Kind::Mutate { .. } => {
            anyhow::bail!("{} needs no running service", d.scenario.kind_name())
        }
    }
}

/// Whether a service running elsewhere can be measured in this kind: only
/// load is applied to it; shootout cannot start or stop it.
pub(super) fn runs_remotely(kind: &Kind) -> bool {
    matches!(kind, Kind::Load { .. } | Kind::HeadOfLine { .. })
}

/// Trials per cell: footprint, torture and mutate are deterministic, one is enough.
pub fn trials(kind: &Kind, trials: usize) -> usize {
    if matches!(
        kind,
        Kind::Footprint { .. } | Kind::Torture { .. } | Kind::Mutate { .. }
    ) {
        1
    } else {
        trials
    }
}
