//! `shootout mutate`: the refactoring experiment (docs/mutate.md). Each
//! kind of mistake in the catalogue is applied alone to a temporary copy
//! of a contender, and every stage of its developer's loop that catches it
//! is recorded: compile, lint, its own tests, the contract, or none
//! (slipped). The outcome depends on the sources only, so a scorecard is
//! kept by their hash for runs that do not repeat the experiment.

pub mod cache;
pub mod catalogue;
pub mod stages;
pub mod workspace;

use std::time::Instant;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use catalogue::{Catalogue, Kind, Patches, Written};
pub use stages::Stage;

use crate::contenders::Contender;
use crate::contenders::manifest::DevLoop;
use crate::gate::{self, GateError, Prepared};
use crate::supervise::CpuSet;
use workspace::Workspace;

/// The schema id of `shootout mutate --json`.
pub const SCHEMA: &str = "shootout.mutate/1";

/// What can stop the experiment (a mutation being caught is not an error).
#[derive(Debug, thiserror::Error)]
pub enum MutateError {
    #[error(transparent)]
    File(#[from] crate::toml_file::FileError),
    #[error("{0}")]
    Catalogue(String),
    /// A patch that is missing, malformed, no longer applies or changes nothing.
    #[error("{contender}: mutation {kind}: {message}")]
    Patch {
        contender: String,
        kind: String,
        message: String,
    },
    #[error("work copy: {0}")]
    Workspace(String),
    #[error(transparent)]
    Gate(#[from] GateError),
    /// The unmutated copy fails a stage: nothing could be learned from it.
    #[error(
        "{contender}: before any mutation, its {stage} stage fails, so no mutation can be judged:\n{tail}"
    )]
    Baseline {
        contender: String,
        stage: &'static str,
        tail: String,
    },
    #[error("{0}")]
    Join(#[from] tokio::task::JoinError),
}

/// What happened to one mutation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Outcome {
    /// The catalogue kind.
    pub kind: String,
    /// The file the patch changed; absent when the kind cannot be written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The first stage that caught it; absent when it slipped or was not written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caught_at: Option<Stage>,
    /// Every stage that caught it, in order (after a failed compile nothing
    /// else can run: see `not_run`).
    pub caught_by: Vec<Stage>,
    /// Stages that could not run (the build failed).
    pub not_run: Vec<Stage>,
    /// Caught by no stage.
    pub slipped: bool,
    /// Why the kind cannot be written in this language, when it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unwritable: Option<String>,
    /// The end of the first catching stage's output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    pub seconds: f64,
}

/// Counts over a contender's written mutations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub written: usize,
    pub unwritable: usize,
    pub caught_compile: usize,
    pub caught_lint: usize,
    pub caught_test: usize,
    pub caught_contract: usize,
    pub slipped: usize,
    /// Share of written mutations caught by compile or lint, percent.
    pub caught_before_running_pct: f64,
    /// Share of written mutations that got past compile and lint into a running service, percent.
    pub reached_running_pct: f64,
    pub slipped_pct: f64,
    /// The same share caught before running, over the error-handling kinds only.
    pub errors_caught_before_running_pct: Option<f64>,
}

/// One contender's scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Scorecard {
    pub contender: String,
    pub language: String,
    /// SHA-256 of its sources (the scorecard holds for these sources only).
    pub source_hash: String,
    /// The stages its loop has, in order (no compile for plain JavaScript).
    pub stages: Vec<Stage>,
    /// The commands of its compile and lint stages.
    pub compile: Option<Vec<String>>,
    pub lint: Option<Vec<String>>,
    pub mutations: Vec<Outcome>,
    pub summary: Summary,
    /// Wall time of the whole experiment for this contender (copy, installs, baseline, mutations).
    pub seconds: f64,
}

/// `shootout mutate --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MutateReport {
    pub schema: String,
    pub catalogue: Vec<Kind>,
    pub contenders: Vec<Scorecard>,
    /// Contenders not measured, and why.
    pub not_measured: Vec<NotMeasured>,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NotMeasured {
    pub contender: String,
    pub reason: String,
}

/// Whether a contender takes part: it has patches.
pub fn has_patches(c: &Contender) -> bool {
    catalogue::patches_path(&c.dir).is_file()
}

/// Checks every contender's patches against the catalogue and its sources,
/// before anything is built: a patch that no longer applies is an error.
pub fn check_all(
    catalogue: &Catalogue,
    contenders: &[Contender],
) -> Result<Vec<Patches>, MutateError> {
    contenders
        .iter()
        .map(|c| Patches::load(&c.name, &c.dir, catalogue))
        .collect()
}

/// Runs every kind on `contender` in a temporary copy.
pub async fn measure(
    catalogue: &Catalogue,
    contender: &Contender,
    patches: &Patches,
    cpus: &CpuSet,
    seed: u64,
) -> Result<Scorecard, MutateError> {
    let started = Instant::now();
    let source_hash = crate::contenders::sources::hash(&contender.dir).unwrap_or_default();
    let work = Workspace::copy(&contender.dir)?;
    let dev = contender.dev.clone().unwrap_or_default();
    let mut copy = contender.clone();
    copy.dir = work.dir.clone();
    copy.env.extend(dev.env.clone());
    let prepared = {
        let c = copy.clone();
        tokio::task::spawn_blocking(move || gate::resolve_blocking(&c)).await??
    };
    let stages = stages_of(contender, &dev);
    eprintln!(
        "shootout: mutate {}: preparing a copy in {} (stages: {})",
        contender.name,
        work.root().display(),
        stages
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    // The build as shipped, then the dev dependencies, once.
    let setup: Vec<(&'static str, Vec<String>)> = [
        ("build", contender.build.clone()),
        ("install", dev.install.clone()),
    ]
    .into_iter()
    .filter_map(|(n, argv)| argv.map(|a| (n, a)))
    .collect();
    for (stage, argv) in setup {
        blocking(&prepared, argv)
            .await?
            .map_err(|tail| MutateError::Baseline {
                contender: contender.name.clone(),
                stage,
                tail,
            })?;
    }
    let baseline = run_stages(&prepared, &dev, &stages, cpus, seed).await?;
    if let Some((stage, tail)) = baseline.first_failure {
        return Err(MutateError::Baseline {
            contender: contender.name.clone(),
            stage: stage.name(),
            tail,
        });
    }
    let mut mutations = Vec::new();
    for (kind, written) in &patches.by_kind {
        let at = Applied {
            work: &work,
            prepared: &prepared,
            dev: &dev,
            stages: &stages,
            cpus,
            seed,
        };
        mutations.push(at.run(&contender.name, kind, written).await?);
    }
    // Leave the copy's build as the sources are (the next stage run is clean).
    let summary = summarize(catalogue, &mutations);
    Ok(Scorecard {
        contender: contender.name.clone(),
        language: contender.language.clone(),
        source_hash,
        stages,
        compile: dev.compile,
        lint: dev.lint,
        mutations,
        summary,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What one mutation runs against: the copy, its build, the stages.
struct Applied<'a> {
    work: &'a Workspace,
    prepared: &'a Prepared,
    dev: &'a DevLoop,
    stages: &'a [Stage],
    cpus: &'a CpuSet,
    seed: u64,
}

impl Applied<'_> {
    /// Applies `written` alone to the copy, runs every stage, restores the
    /// file, and says which stages caught it.
    async fn run(
        &self,
        contender: &str,
        kind: &str,
        written: &Written,
    ) -> Result<Outcome, MutateError> {
        let t = Instant::now();
        let Written::Patch {
            file,
            anchor,
            replacement,
        } = written
        else {
            let Written::Unwritable(reason) = written else {
                unreachable!()
            };
            return Ok(Outcome {
                kind: kind.to_owned(),
                file: None,
                caught_at: None,
                caught_by: Vec::new(),
                not_run: Vec::new(),
                slipped: false,
                unwritable: Some(reason.clone()),
                evidence: None,
                seconds: 0.0,
            });
        };
        let original = self.work.read(file)?;
        let mutated =
            catalogue::apply(&original, anchor, replacement).ok_or_else(|| MutateError::Patch {
                contender: contender.to_owned(),
                kind: kind.to_owned(),
                message: format!("{file}: the patch no longer applies"),
            })?;
        self.work.write(file, &mutated)?;
        let ran = run_stages(self.prepared, self.dev, self.stages, self.cpus, self.seed).await;
        self.work.write(file, &original)?;
        let ran = ran?;
        let caught_at = ran.caught.first().copied();
        eprintln!(
            "shootout: mutate {} {kind}: {}",
            contender,
            caught_at.map_or("slipped", Stage::name)
        );
        Ok(Outcome {
            kind: kind.to_owned(),
            file: Some(file.clone()),
            caught_at,
            slipped: caught_at.is_none(),
            caught_by: ran.caught,
            not_run: ran.not_run,
            unwritable: None,
            evidence: ran.first_failure.map(|(_, t)| t),
            seconds: t.elapsed().as_secs_f64(),
        })
    }
}

/// The stages a contender's manifest gives it, in order; the contract last.
fn stages_of(contender: &Contender, dev: &DevLoop) -> Vec<Stage> {
    let mut stages = Vec::new();
    if dev.compile.is_some() {
        stages.push(Stage::Compile);
    }
    if dev.lint.is_some() {
        stages.push(Stage::Lint);
    }
    if contender.test.is_some() {
        stages.push(Stage::Test);
    }
    stages.push(Stage::Contract);
    stages
}

async fn blocking(
    prepared: &Prepared,
    argv: Vec<String>,
) -> Result<Result<(), String>, MutateError> {
    let p = prepared.clone();
    Ok(tokio::task::spawn_blocking(move || stages::command(&p, &argv)).await?)
}

struct Ran {
    caught: Vec<Stage>,
    not_run: Vec<Stage>,
    first_failure: Option<(Stage, String)>,
}

/// Every stage in order; after a failed compile the rest cannot run.
async fn run_stages(
    prepared: &Prepared,
    dev: &crate::contenders::manifest::DevLoop,
    stages: &[Stage],
    cpus: &CpuSet,
    seed: u64,
) -> Result<Ran, MutateError> {
    let mut ran = Ran {
        caught: Vec::new(),
        not_run: Vec::new(),
        first_failure: None,
    };
    for &stage in stages {
        if ran.caught.contains(&Stage::Compile) {
            ran.not_run.push(stage);
            continue;
        }
        let result = match stage {
            Stage::Compile => blocking(prepared, dev.compile.clone().unwrap_or_default()).await?,
            Stage::Lint => blocking(prepared, dev.lint.clone().unwrap_or_default()).await?,
            Stage::Test => {
                blocking(
                    prepared,
                    prepared.contender.test.clone().unwrap_or_default(),
                )
                .await?
            }
            Stage::Contract => stages::contract(prepared, cpus, seed).await,
        };
        if let Err(tail) = result {
            ran.caught.push(stage);
            if ran.first_failure.is_none() {
                ran.first_failure = Some((stage, tail));
            }
        }
    }
    Ok(ran)
}

fn pct(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 * 100.0 / of as f64
    }
}

/// The counts and shares of a contender's outcomes.
pub fn summarize(catalogue: &Catalogue, mutations: &[Outcome]) -> Summary {
    let written: Vec<&Outcome> = mutations
        .iter()
        .filter(|m| m.unwritable.is_none())
        .collect();
    let at = |s: Stage| written.iter().filter(|m| m.caught_at == Some(s)).count();
    let before = |ms: &[&Outcome]| {
        ms.iter()
            .filter(|m| m.caught_at.is_some_and(Stage::before_running))
            .count()
    };
    let errors: Vec<&Outcome> = written
        .iter()
        .copied()
        .filter(|m| catalogue.kinds.iter().any(|k| k.id == m.kind && k.errors))
        .collect();
    let n = written.len();
    let slipped = written.iter().filter(|m| m.slipped).count();
    Summary {
        written: n,
        unwritable: mutations.len() - n,
        caught_compile: at(Stage::Compile),
        caught_lint: at(Stage::Lint),
        caught_test: at(Stage::Test),
        caught_contract: at(Stage::Contract),
        slipped,
        caught_before_running_pct: pct(before(&written), n),
        reached_running_pct: pct(n - before(&written), n),
        slipped_pct: pct(slipped, n),
        errors_caught_before_running_pct: (!errors.is_empty())
            .then(|| pct(before(&errors), errors.len())),
    }
}
