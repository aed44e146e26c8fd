//! `shootout-k8s render|run|push`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use schemars::JsonSchema;
use serde::Serialize;

use crate::cli::{K8sCommand, K8sPlanArgs, K8sPushArgs, K8sRenderArgs, K8sRunArgs};
use crate::render::{self, LoadPlan, Plan};
use crate::{cluster, images, registry};
use shootout::contenders;
use shootout::load::LoadReport;
use shootout::report::Render;

/// One contender of `shootout-k8s run --json` (which prints a list of
/// them, `docs/k8s-run.schema.json`): its shards' results merged, or why it
/// was not measured.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RunOutcome {
    pub contender: String,
    /// The shards' results merged (`shootout.load/1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadReport>,
    /// Why it was not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The JSON Schemas of the `--json` outputs, as (name, schema): each is
/// committed as `docs/k8s-NAME.schema.json` and checked by a test.
pub fn schemas() -> [(&'static str, String); 2] {
    let pretty = |schema: schemars::Schema| {
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    };
    [
        ("push", pretty(schemars::schema_for!(Vec<registry::Pushed>))),
        ("run", pretty(schemars::schema_for!(Vec<RunOutcome>))),
    ]
}

pub async fn k8s(command: K8sCommand) -> anyhow::Result<bool> {
    match command {
        K8sCommand::Render(args) => render(&args),
        K8sCommand::Run(args) => run(&args).await,
        K8sCommand::Push(args) => push(&args).await,
    }
}

fn print_json_or_text(
    json: bool,
    value: &impl Serialize,
    text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut stdout, value)?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", text())?;
    }
    Ok(())
}

/// The lean `shootout` binary that goes into shootout's own image: the one
/// given, else the one beside this binary (cargo builds both into one
/// folder), else the first on PATH.
fn shootout_binary(given: Option<&Path>) -> anyhow::Result<std::path::PathBuf> {
    if let Some(path) = given {
        anyhow::ensure!(
            path.is_file(),
            "--shootout-bin {}: no such file",
            path.display()
        );
        return Ok(path.to_owned());
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("shootout")))
        .filter(|p| p.is_file());
    let on_path = || {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("shootout"))
                .find(|p| p.is_file())
        })
    };
    beside.or_else(on_path).ok_or_else(|| {
        anyhow::anyhow!(
            "no `shootout` binary beside this one or on PATH to put in shootout's image\n  \
             hint: cargo build --release -p shootout (or give --shootout-bin PATH)"
        )
    })
}

/// A DNS label, as namespaces and object names must be.
fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn plan(args: &K8sPlanArgs, start_at: f64) -> anyhow::Result<Plan> {
    let all = contenders::discover(&args.images.contenders_dir)?;
    let chosen = contenders::select(all, &args.images.contenders)?;
    anyhow::ensure!(!chosen.is_empty(), "no contenders to put on the cluster");
    anyhow::ensure!(
        dns_label(&args.namespace),
        "--namespace {:?} is not a DNS label (lower-case letters, digits and '-', at most 63)",
        args.namespace
    );
    for c in &chosen {
        // Jobs are named verify-NAME and load-NAME.
        anyhow::ensure!(
            dns_label(&c.name) && c.name.len() <= 56,
            "contender {:?} cannot name Kubernetes objects (lower-case letters, digits and '-', at most 56)",
            c.name
        );
    }
    anyhow::ensure!(args.shards >= 1, "--shards must be at least 1");
    anyhow::ensure!(
        args.path.starts_with('/'),
        "--path {:?} must start with /",
        args.path
    );
    anyhow::ensure!(
        args.connections >= args.shards,
        "-c {} leaves some of the {} shards no connection",
        args.connections,
        args.shards
    );
    for (flag, limits) in [
        ("--limits", &args.limits),
        ("--shard-limits", &args.shard_limits),
        ("--upstream-limits", &args.upstream_limits),
        ("--database-limits", &args.database_limits),
    ] {
        anyhow::ensure!(
            limits.cpu.is_some() && limits.memory_bytes.is_some(),
            "{flag} needs both cpu and memory: requests equal to limits for both is the Guaranteed QoS a benchmark wants"
        );
    }
    let mut plan = Plan {
        namespace: args.namespace.clone(),
        images: Default::default(),
        contenders: chosen.into_iter().map(|c| c.name).collect(),
        limits: args.limits,
        upstream_limits: args.upstream_limits,
        database_limits: args.database_limits,
        shards: args.shards,
        shard_limits: args.shard_limits,
        load: LoadPlan {
            path: args.path.clone(),
            connections: args.connections,
            rate: args.rate,
            duration: args.duration,
            warmup: args.warmup,
        },
        start_at,
        database: args.database,
    };
    let overrides = images::parse_overrides(&args.images_pinned)?;
    let digests = images::Digests::read(&args.digests)?;
    let resolved = images::resolve(
        &images::Sources {
            registry: &args.images.registry,
            tag: args.images.tag.as_deref(),
            digests_file: &args.digests,
            digests: digests.as_ref(),
            overrides: &overrides,
        },
        &plan.image_names(),
    )?;
    for warning in &resolved.warnings {
        eprintln!("shootout: warning: {warning}");
    }
    plan.images = resolved.references;
    Ok(plan)
}

fn write(path: &Path, objects: &[render::Object]) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(&render::list(objects))?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
}

fn render(args: &K8sRenderArgs) -> anyhow::Result<bool> {
    let now = shootout::load::clock::unix_us() as f64 / 1e6;
    let start_at = args
        .start_at
        .unwrap_or(now + args.start_in.as_secs_f64())
        .round();
    let plan = plan(&args.plan, start_at)?;
    let manifests = render::render(&plan);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    write(&args.out.join("base.json"), &manifests.base)?;
    for run in &manifests.runs {
        let name = &run.contender;
        write(
            &args.out.join(format!("{name}.verify.json")),
            &[render::Object::Job(run.verify.clone())],
        )?;
        write(
            &args.out.join(format!("{name}.load.json")),
            &[render::Object::Job(run.load.clone())],
        )?;
    }
    let ns = &plan.namespace;
    let dir = args.out.display();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "wrote {} objects to {dir}/base.json and two Jobs per contender; the shards start at {start_at:.0} ({:.0} s from now)",
        manifests.base.len(),
        start_at - now
    )?;
    writeln!(out, "\nApply by hand, one contender at a time:")?;
    writeln!(out, "  kubectl apply -f {dir}/base.json")?;
    writeln!(
        out,
        "  kubectl -n {ns} wait --for=condition=Available deployment --all --timeout=5m"
    )?;
    for run in &manifests.runs {
        let name = &run.contender;
        writeln!(out, "  kubectl apply -f {dir}/{name}.verify.json")?;
        writeln!(
            out,
            "  kubectl -n {ns} wait --for=condition=Complete job/verify-{name} --timeout=5m"
        )?;
        writeln!(out, "  kubectl apply -f {dir}/{name}.load.json")?;
        writeln!(
            out,
            "  kubectl -n {ns} wait --for=condition=Complete job/load-{name} --timeout=30m"
        )?;
        for i in 0..plan.shards {
            writeln!(
                out,
                "  kubectl -n {ns} logs -l job-name=load-{name},batch.kubernetes.io/job-completion-index={i} > {name}.shard-{i}.json"
            )?;
        }
        writeln!(
            out,
            "  shootout merge {}",
            (0..plan.shards)
                .map(|i| format!("{name}.shard-{i}.json"))
                .collect::<Vec<_>>()
                .join(" ")
        )?;
    }
    writeln!(out, "  kubectl delete namespace {ns}")?;
    writeln!(
        out,
        "\nThe barrier is fixed at render time: render again before each load Job, or let `shootout k8s run` set it as it creates each Job."
    )?;
    Ok(true)
}

async fn run(args: &K8sRunArgs) -> anyhow::Result<bool> {
    let plan = plan(&args.plan, 0.0)?;
    let opts = cluster::Settings {
        plan,
        out: args.out.clone(),
        lead: args.lead,
        ready_timeout: args.ready_timeout,
        keep: args.keep,
    };
    let outcomes = cluster::run(&opts).await?;
    let ok = outcomes.iter().all(|o| o.result.is_ok());
    let json: Vec<RunOutcome> = outcomes
        .iter()
        .map(|o| RunOutcome {
            contender: o.contender.clone(),
            load: o.result.as_ref().ok().cloned(),
            error: o.result.as_ref().err().cloned(),
        })
        .collect();
    print_json_or_text(args.json, &json, || {
        let mut text = String::new();
        for o in &outcomes {
            text.push_str(&format!("\n== {} ==\n", o.contender));
            match &o.result {
                Ok(r) => text.push_str(&r.terminal()),
                Err(e) => text.push_str(&format!("  not measured: {e}\n")),
            }
        }
        text.push_str(&format!("\nresults: {}\n", args.out.display()));
        text
    })?;
    Ok(ok)
}

async fn push(args: &K8sPushArgs) -> anyhow::Result<bool> {
    let all = contenders::discover(&args.images.contenders_dir)?;
    let chosen = contenders::select(all, &args.images.contenders)?;
    let access = registry::Access {
        insecure: args.insecure,
    };
    let mut failed = Vec::new();
    let layouts = write_layouts(args, &chosen, &mut failed).await?;
    let mut pushed = Vec::new();
    for (name, dir) in &layouts {
        // Only images that run are pushed.
        let ran = match ran(name, dir).await {
            Ok(ms) => ms,
            Err(e) => {
                eprintln!("shootout: {name}: its image does not run: {e}");
                failed.push(format!("{name}: its image does not run: {e}"));
                continue;
            }
        };
        let tag = args.images.tag.as_deref().unwrap_or("latest");
        let reference = render::image_ref(&args.images.registry, name, tag);
        eprintln!(
            "shootout: {name}'s image answered {ran:.0} ms after its start; pushing {reference}…"
        );
        match registry::push(dir, &reference, &access).await {
            Ok(mut p) => {
                p.ran_ms = Some(ran);
                // What `render` and `run` pull: this digest, not the tag.
                let pinned = format!(
                    "{}@{}",
                    images::repository(&args.images.registry, name),
                    p.manifest_digest
                );
                let file = args.layouts.join(images::DIGESTS_FILE);
                if let Err(e) = images::Digests::record(&file, name, &pinned) {
                    failed.push(format!("{name}: {e}"));
                }
                pushed.push(p);
            }
            Err(e) => {
                eprintln!("shootout: {e}");
                failed.push(format!("{name}: {e}"));
            }
        }
    }
    if !pushed.is_empty() {
        eprintln!(
            "shootout: digests recorded in {} (render and run pull them)",
            args.layouts.join(images::DIGESTS_FILE).display()
        );
    }
    print_json_or_text(args.json, &pushed, || {
        let mut text = String::new();
        for p in &pushed {
            text.push_str(&format!(
                "pushed {}  {}  {} blobs, {:.1} MB; it ran ({:.0} ms to its first answer); read back, digests match\n",
                p.reference,
                p.manifest_digest,
                p.blobs,
                p.bytes as f64 / 1e6,
                p.ran_ms.unwrap_or(0.0)
            ));
        }
        for f in &failed {
            text.push_str(&format!("not pushed: {f}\n"));
        }
        text
    })?;
    Ok(failed.is_empty())
}

/// Writes shootout's own image, then each contender's, as OCI layouts under
/// `--layouts`; a contender that cannot be built or written is in `failed`.
async fn write_layouts(
    args: &K8sPushArgs,
    chosen: &[contenders::Contender],
    failed: &mut Vec<String>,
) -> anyhow::Result<Vec<(String, std::path::PathBuf)>> {
    // shootout's own image first: the generator shards and the upstream run it.
    let own = args.layouts.join("shootout");
    let exe = shootout_binary(args.shootout_bin.as_deref())?;
    let image = tokio::task::spawn_blocking({
        let own = own.clone();
        move || shootout::ops::footprint::write_shootout_image(&exe, &own)
    })
    .await??;
    eprintln!(
        "shootout: wrote shootout's own image ({:.1} MB)",
        image.compressed_bytes as f64 / 1e6
    );
    let mut layouts = vec![("shootout".to_owned(), own)];
    for c in chosen {
        let prepared = match shootout::gate::prepare(c).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("shootout: skipping {}: {e}", c.name);
                failed.push(format!("{}: {e}", c.name));
                continue;
            }
        };
        let dir = args.layouts.join(&c.name);
        let (contender, runtime, at) = (c.clone(), prepared.runtime.clone(), dir.clone());
        let written = tokio::task::spawn_blocking(move || {
            shootout::ops::footprint::write_image(&contender, &runtime, &at)
        })
        .await?;
        match written {
            Ok(_) => layouts.push((c.name.clone(), dir)),
            Err(e) => failed.push(format!("{}: writing its image: {e}", c.name)),
        }
    }
    Ok(layouts)
}

/// Starts the image at `dir` from its own layers (shootout's as the
/// upstream simulator, a contender's as itself); milliseconds to its first
/// good answer.
async fn ran(name: &str, dir: &Path) -> anyhow::Result<f64> {
    let port = shootout::supervise::process::free_port()?;
    let start = if name == "shootout" {
        shootout::ops::image::start_shootout(dir, port).await?
    } else {
        let timeout = std::time::Duration::from_secs(30);
        shootout::ops::image::start(dir, &|_| true, None, port, timeout).await?
    };
    match (start.answered, start.ready_ms) {
        (true, Some(ms)) => Ok(ms),
        _ => anyhow::bail!("{}", start.error.unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::{dns_label, schemas};

    /// `docs/k8s-push.schema.json` and `docs/k8s-run.schema.json` are what
    /// the types generate today; `SHOOTOUT_WRITE_SCHEMAS=1` rewrites them.
    #[test]
    fn committed_schemas_are_current() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
        let write = std::env::var_os("SHOOTOUT_WRITE_SCHEMAS").is_some();
        for (name, schema) in schemas() {
            let path = docs.join(format!("k8s-{name}.schema.json"));
            if write {
                std::fs::write(&path, &schema).unwrap();
            }
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == schema,
                "{} is stale or missing: regenerate it with `SHOOTOUT_WRITE_SCHEMAS=1 cargo test -p shootout-k8s --lib schemas`",
                path.display()
            );
        }
    }

    #[test]
    fn names_must_be_dns_labels() {
        assert!(dns_label("go-nethttp"));
        assert!(dns_label("shootout"));
        for bad in ["", "Go", "a_b", "-a", "a-", &"x".repeat(64)] {
            assert!(!dns_label(bad), "{bad}");
        }
    }
}
