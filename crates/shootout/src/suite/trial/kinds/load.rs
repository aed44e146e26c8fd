//! `kind = "load"` at a fixed model: closed (so many connections, each
//! sending its next request when the last is answered) or open (so many
//! requests a second, whatever the answers). An upstream-bound scenario
//! (`max_service_cpu`) adds what [`super::upstream_bound`] records.

use super::super::Record;
use super::super::detail::TrialDetail;
use super::super::load_run::{Drive, detail_of};
use super::upstream_bound;
use crate::load::Model;
use crate::suite::measure::load_metrics;
use crate::suite::scenario::RequestSpec;

/// One measured run at `model`: the load metrics and their sanity checks.
pub(super) async fn run(
    d: Drive<'_>,
    requests: &[RequestSpec],
    model: Model,
    r: &mut Record,
) -> anyhow::Result<()> {
    let bound = d.scenario.max_service_cpu;
    let idle = match bound {
        Some(_) => upstream_bound::idle_rss(&d).await,
        None => None,
    };
    let m = d.run(requests, model).measured(d.samplers, d.setup).await?;
    load_metrics(&m, None, &mut r.metrics, &mut r.sanity, d.setup.budget());
    if let Some(max) = bound {
        upstream_bound::record(max, requests, &m, idle, r);
    }
    r.detail = Some(TrialDetail::Load(Box::new(detail_of(m, None))));
    Ok(())
}
