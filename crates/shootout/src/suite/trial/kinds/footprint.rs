//! `kind = "footprint"`: what a contender weighs on disk and in an image,
//! whether its image starts, its dependencies, lines of code and clean
//! build (`ops::footprint`). Deterministic: one trial.

use super::super::detail::TrialDetail;
use super::super::{Record, Setup};
use crate::gate::Prepared;
use crate::ops;
use crate::suite::metric::Metric;

/// The footprint measured (a clean build first when `clean`), as metrics.
pub(super) async fn run(
    prepared: &Prepared,
    setup: &Setup,
    clean: bool,
    r: &mut Record,
) -> anyhow::Result<()> {
    let (p, dir) = (
        prepared.clone(),
        setup.images_dir.join(&prepared.contender.name),
    );
    let f = tokio::task::spawn_blocking(move || {
        ops::footprint::measure(&p.contender, &p.runtime, &dir, clean)
    })
    .await??;
    r.put(Metric::ArtifactMb, f.artifact.total_bytes as f64 / 1e6);
    r.put(Metric::ImageMb, f.image.compressed_bytes as f64 / 1e6);
    r.put(Metric::ImageRawMb, f.image.uncompressed_bytes as f64 / 1e6);
    r.put(
        Metric::SharedLibraries,
        f.artifact.shared_libraries.len() as f64,
    );
    r.put(Metric::AppFiles, f.artifact.app_files as f64);
    r.put(
        Metric::RuntimeMb,
        f.artifact.runtime_bytes.unwrap_or(0) as f64 / 1e6,
    );
    r.put(Metric::LinesOfCode, f.lines_of_code.lines as f64);
    if let Some(pct) = f.lines_of_code.error_handling_pct() {
        r.put(Metric::ErrorHandlingPct, pct);
    }
    r.put(
        Metric::ErrorBlocks,
        f.lines_of_code.error_blocks.len() as f64,
    );
    if let Some(density) = f.lines_of_code.error_blocks_per_100_lines() {
        r.put(Metric::ErrorBlocksPer100Lines, density);
    }
    if let Some(needs) = f.needs_runtime {
        r.put(Metric::NeedsRuntime, f64::from(u8::from(needs)));
    }
    match (&f.image_start, &f.image_start_error) {
        (Some(s), _) => {
            r.put(Metric::ImageStarts, f64::from(u8::from(s.answered)));
            if let Some(ms) = s.ready_ms {
                r.put(Metric::ImageReadyMs, ms);
            }
            if let Some(e) = &s.error {
                r.warnings.push(format!("its image did not run: {e}"));
            }
            // One layer: the app layer is the whole image.
            let alone = f.app_layer_start.as_ref().unwrap_or(s);
            r.put(Metric::AppLayerStarts, f64::from(u8::from(alone.answered)));
        }
        (None, Some(e)) => r
            .warnings
            .push(format!("its image could not be started: {e}")),
        (None, None) => {}
    }
    if let Some(d) = &f.dependencies {
        r.put(Metric::DepsDirect, d.direct as f64);
        r.put(Metric::DepsTransitive, d.transitive as f64);
    }
    if let Some(b) = &f.clean_build {
        r.put(Metric::BuildS, b.wall_s);
        r.put(Metric::BuildCpuS, b.cpu_s);
    }
    if let Some(e) = &f.dependencies_error {
        r.warnings.push(format!("dependencies not counted: {e}"));
    }
    r.detail = Some(TrialDetail::Footprint(Box::new(f)));
    Ok(())
}
