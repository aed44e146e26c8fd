//! Building a contender with its own toolchain, from its manifest's argument vector.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::manifest::Contender;
use super::sources;
use super::toolchain::Runtime;

/// A failed build, with the end of its output.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("could not start `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("`{command}` failed ({status}); last output:\n{tail}")]
    Failed {
        command: String,
        status: String,
        tail: String,
    },
}

/// A successful build.
#[derive(Debug, Clone, Default)]
pub struct Built {
    pub wall: Duration,
    /// The SHA-256 of the contender's sources ([`super::sources::hash`]);
    /// empty when they could not be read.
    pub source_hash: String,
    /// The last good build was current, so none ran.
    pub reused: bool,
}

/// A command for `contender`: run in its folder, with its runtime first on PATH
/// and its manifest environment.
pub fn command(contender: &Contender, runtime: &Runtime, argv: &[String]) -> Command {
    let program = resolve_program(&contender.dir, &argv[0]);
    let mut cmd = Command::new(program);
    cmd.args(&argv[1..])
        .current_dir(&contender.dir)
        .env("PATH", runtime.path_env())
        .envs(&contender.env);
    cmd
}

/// A program given as a relative path (`bin/server`) is relative to the
/// contender's folder; a bare name (`cargo`) is looked up on PATH.
fn resolve_program(dir: &Path, program: &str) -> std::path::PathBuf {
    if program.contains('/') && !Path::new(program).is_absolute() {
        dir.join(program)
    } else {
        program.into()
    }
}

/// Runs the manifest's build command, if any, unless the last good build
/// is current (same sources, runtime, command and environment, artifact in
/// place).
pub fn build(contender: &Contender, runtime: &Runtime) -> Result<Built, BuildError> {
    // A variant runs its base's build: one folder, one build record.
    if let Some(base) = contender.base() {
        return build(&base, runtime);
    }
    let start = Instant::now();
    let source_hash = sources::hash(&contender.dir).unwrap_or_default();
    let Some(argv) = &contender.build else {
        return Ok(Built {
            wall: start.elapsed(),
            source_hash,
            reused: false,
        });
    };
    if !source_hash.is_empty() && sources::is_current(contender, runtime, &source_hash) {
        return Ok(Built {
            wall: start.elapsed(),
            source_hash,
            reused: true,
        });
    }
    sources::forget(contender);
    eprintln!("shootout: building {}…", contender.name);
    run_to_completion(contender, runtime, argv)?;
    if !source_hash.is_empty() {
        sources::record(contender, runtime, &source_hash);
    }
    Ok(Built {
        wall: start.elapsed(),
        source_hash,
        reused: false,
    })
}

/// Runs `argv` for `contender`, capturing its output; fails with the tail of it.
pub fn run_to_completion(
    contender: &Contender,
    runtime: &Runtime,
    argv: &[String],
) -> Result<(), BuildError> {
    let output = command(contender, runtime, argv)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| BuildError::Spawn {
            program: argv[0].clone(),
            source,
        })?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(30)..].join("\n");
    Err(BuildError::Failed {
        command: argv.join(" "),
        status: output.status.to_string(),
        tail,
    })
}
