//! What a contender costs to build and to ship: clean build time, the
//! deployable artifact and its shared libraries, an OCI image of exactly that
//! closure, its dependencies, and its lines of code.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::OpsError;

use super::deps::{self, Dependencies};
use super::image::ImageStart;
use super::loc::{self, Loc};
use super::oci::{self, Entry, Image, Role};
use crate::contenders::Contender;
use crate::contenders::build::command;
use crate::contenders::toolchain::{Runtime, which};

/// Part of the results schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct BuildCost {
    pub wall_s: f64,
    /// User + system CPU seconds of the build and everything it ran.
    pub cpu_s: f64,
}

/// What must be shipped to run the contender. Part of the results schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Artifact {
    /// The contender's own files (binary, or sources and node_modules).
    pub app_files: usize,
    pub app_bytes: u64,
    /// The runtime binary when it ships with the app (Node.js), else null.
    pub runtime_bytes: Option<u64>,
    /// Shared libraries the binaries load (from `ldd`); empty for a static binary.
    pub shared_libraries: Vec<String>,
    pub shared_library_bytes: u64,
    /// app + runtime + shared libraries.
    pub total_bytes: u64,
    pub static_binary: bool,
}

/// Part of the results schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Footprint {
    pub contender: String,
    pub runtime: Runtime,
    /// From an empty build directory; null when skipped (`--no-clean-build`).
    pub clean_build: Option<BuildCost>,
    pub artifact: Artifact,
    pub image: Image,
    pub dependencies: Option<Dependencies>,
    /// Why dependencies could not be counted.
    pub dependencies_error: Option<String>,
    pub lines_of_code: Loc,
    /// The artifact could not start without a language runtime installed
    /// beside it: started with an empty `PATH`, it did not answer /health.
    /// Null when the check could not run.
    #[serde(default)]
    pub needs_runtime: Option<bool>,
    /// The image started from its own layers (no host file) in mount and PID
    /// namespaces, and answered; null when the start could not be tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_start: Option<super::image::ImageStart>,
    /// The same with its app layer alone (the system layer — runtime and
    /// shared libraries — left out); absent for an image of one layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_layer_start: Option<super::image::ImageStart>,
    /// Why the image could not be started at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_start_error: Option<String>,
}

/// Folders a clean build starts without.
const BUILD_OUTPUTS: &[&str] = &["target", "bin", "node_modules", ".git"];

fn copy_sources(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if !BUILD_OUTPUTS.contains(&name.to_string_lossy().as_ref()) {
                copy_sources(&entry.path(), &to.join(&name))?;
            }
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

fn children_cpu_seconds() -> f64 {
    crate::sys::cpu_seconds(crate::sys::Who::Children)
}

/// Builds a copy of the sources in an empty directory, with a fresh Go build cache.
pub fn clean_build(
    contender: &Contender,
    runtime: &Runtime,
) -> Result<Option<BuildCost>, OpsError> {
    let Some(argv) = &contender.build else {
        return Ok(None);
    };
    let tmp = tempfile::Builder::new()
        .prefix(&format!("shootout-clean-{}-", contender.name))
        .tempdir()
        .map_err(|e| e.to_string())?;
    let dir = tmp.path().join(&contender.name);
    copy_sources(&contender.dir, &dir).map_err(|e| format!("copying sources: {e}"))?;
    let mut copy = contender.clone();
    copy.dir = dir;
    let cpu_before = children_cpu_seconds();
    let start = Instant::now();
    let out = command(&copy, runtime, argv)
        .env("GOCACHE", tmp.path().join("gocache"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", argv.join(" ")))?;
    let wall = start.elapsed();
    if !out.status.success() {
        return Err(format!(
            "clean build failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .rev()
                .take(10)
                .collect::<Vec<_>>()
                .join("\n")
        )
        .into());
    }
    Ok(Some(BuildCost {
        wall_s: wall.as_secs_f64(),
        cpu_s: children_cpu_seconds() - cpu_before,
    }))
}

fn walk(path: &Path, out: &mut Vec<PathBuf>) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    if meta.is_dir() {
        if let Ok(entries) = std::fs::read_dir(path) {
            let mut children: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            children.sort();
            for child in children {
                walk(&child, out);
            }
        }
    } else if meta.is_file() {
        out.push(path.to_owned());
    }
    // Symlinks inside folders (node_modules/.bin) are conveniences, not content.
}

fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

/// Shared libraries `ldd` says `binary` loads (absolute paths).
pub fn shared_libraries(binary: &Path) -> Vec<String> {
    let Ok(out) = std::process::Command::new("ldd").arg(binary).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let path = match line.split_once("=>") {
                Some((_, rest)) => rest.trim().split(' ').next()?,
                None => line.split(' ').next()?,
            };
            path.starts_with('/').then(|| path.to_owned())
        })
        .collect()
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// A contender's deployable closure: its files, the runtime when it ships
/// one, and the shared libraries of every ELF among them.
struct Closure {
    entries: Vec<Entry>,
    entrypoint: Vec<String>,
    env: Vec<String>,
    app_files: usize,
    app_bytes: u64,
    runtime_bytes: Option<u64>,
    libs: Vec<String>,
    lib_bytes: u64,
}

fn closure(contender: &Contender, runtime: &Runtime) -> Result<Closure, OpsError> {
    let mut entries = Vec::new();
    let mut elves = Vec::new();
    let mut app_bytes = 0;
    for rel in &contender.artifact_files {
        let path = contender.dir.join(rel);
        if !path.exists() {
            return Err(format!(
                "artifact file {} does not exist (was it built?)",
                path.display()
            )
            .into());
        }
        let mut files = Vec::new();
        walk(
            &std::fs::canonicalize(&path).map_err(|e| e.to_string())?,
            &mut files,
        );
        let base = std::fs::canonicalize(&contender.dir).map_err(|e| e.to_string())?;
        for file in files {
            let inside = file
                .strip_prefix(&base)
                .unwrap_or(&file)
                .to_string_lossy()
                .into_owned();
            app_bytes += size(&file);
            if is_elf(&file) {
                elves.push(file.clone());
            }
            entries.push(Entry {
                path: format!("/app/{inside}"),
                source: file,
                role: Role::App,
            });
        }
    }
    let app_files = entries.len();

    let mut runtime_bytes = None;
    if contender.artifact_includes_runtime {
        let program = runtime
            .bin_dir
            .as_ref()
            .map(|d| d.join(&runtime.name))
            .filter(|p| p.is_file())
            .or_else(|| which(&runtime.name))
            .ok_or_else(|| format!("cannot find the {} binary to ship", runtime.name))?;
        let program = std::fs::canonicalize(&program).map_err(|e| e.to_string())?;
        runtime_bytes = Some(size(&program));
        elves.push(program.clone());
        entries.push(Entry {
            path: format!("/usr/local/bin/{}", runtime.name),
            source: program,
            role: Role::System,
        });
    }

    let mut libs: Vec<String> = elves.iter().flat_map(|b| shared_libraries(b)).collect();
    libs.sort();
    libs.dedup();
    let mut lib_bytes = 0;
    for lib in &libs {
        let entry = library_entry(lib);
        lib_bytes += size(&entry.source);
        entries.push(entry);
    }

    let entrypoint: Vec<String> = contender
        .run
        .iter()
        .enumerate()
        .map(|(i, arg)| match i {
            0 if arg.contains('/') => format!("/app/{arg}"),
            0 => format!("/usr/local/bin/{arg}"),
            _ => arg.clone(),
        })
        .collect();
    let env: Vec<String> = contender
        .env
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    Ok(Closure {
        entries,
        entrypoint,
        env,
        app_files,
        app_bytes,
        runtime_bytes,
        libs,
        lib_bytes,
    })
}

/// A shared library in the system layer, at its path, from the file its
/// symlinks lead to.
fn library_entry(lib: &str) -> Entry {
    Entry {
        path: lib.to_owned(),
        source: std::fs::canonicalize(lib).unwrap_or_else(|_| PathBuf::from(lib)),
        role: Role::System,
    }
}

/// Writes the closure `c` of `contender` as an OCI image layout into
/// `dir`, checked as a registry would.
fn write_closure(contender: &Contender, c: &Closure, dir: &Path) -> Result<Image, OpsError> {
    eprintln!("shootout: writing the OCI image of {}…", contender.name);
    let image = oci::write(
        dir,
        &contender.name,
        &c.entries,
        &c.entrypoint,
        "/app",
        &c.env,
    )
    .map_err(|e| e.to_string())?;
    oci::validate(dir)?;
    Ok(image)
}

/// Writes `contender`'s OCI image layout into `dir` (what `shootout-k8s
/// push` sends).
pub fn write_image(
    contender: &Contender,
    runtime: &Runtime,
    dir: &Path,
) -> Result<Image, OpsError> {
    write_closure(contender, &closure(contender, runtime)?, dir)
}

/// Where the shootout binary lives in its own image.
pub const SHOOTOUT_PATH: &str = "/usr/local/bin/shootout";

/// Writes shootout's own image into `dir`: the `shootout` binary `exe` (the generator
/// shards and the upstream simulator run it) on a system layer of its
/// shared libraries, by the same code as the contenders' images.
pub fn write_shootout_image(exe: &Path, dir: &Path) -> Result<Image, OpsError> {
    let exe = std::fs::canonicalize(exe)
        .map_err(|e| format!("finding the shootout binary {}: {e}", exe.display()))?;
    // Without its debug information when binutils' strip is there (the
    // release build's line tables are most of its 126 MB), as images ship.
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let stripped = scratch.path().join("shootout");
    let shipped = std::process::Command::new("strip")
        .args(["--strip-debug", "-o"])
        .arg(&stripped)
        .arg(&exe)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let mut entries = vec![Entry {
        path: SHOOTOUT_PATH.to_owned(),
        source: if shipped { stripped } else { exe.clone() },
        role: Role::App,
    }];
    entries.extend(shared_libraries(&exe).iter().map(|lib| library_entry(lib)));
    let entrypoint = [SHOOTOUT_PATH.to_owned()];
    let image =
        oci::write(dir, "shootout", &entries, &entrypoint, "/", &[]).map_err(|e| e.to_string())?;
    oci::validate(dir)?;
    Ok(image)
}

/// Measures everything; writes the image layout into `image_dir`.
pub fn measure(
    contender: &Contender,
    runtime: &Runtime,
    image_dir: &Path,
    clean: bool,
) -> Result<Footprint, OpsError> {
    let clean_build = if clean {
        eprintln!("shootout: clean build of {}…", contender.name);
        clean_build(contender, runtime)?
    } else {
        None
    };

    let c = closure(contender, runtime)?;
    let image = write_closure(contender, &c, image_dir)?;
    let Closure {
        app_files,
        app_bytes,
        runtime_bytes,
        libs,
        lib_bytes,
        ..
    } = c;

    let (image_start, app_layer_start, image_start_error) = match start_image(&image) {
        Ok((whole, app)) => (Some(whole), app, None),
        Err(e) => (None, None, Some(e.0)),
    };
    let (dependencies, dependencies_error) = match deps::count(contender, runtime) {
        Ok(d) => (Some(d), None),
        Err(e) => (None, Some(e.0)),
    };
    Ok(Footprint {
        contender: contender.name.clone(),
        runtime: runtime.clone(),
        clean_build,
        artifact: Artifact {
            app_files,
            app_bytes,
            runtime_bytes,
            static_binary: libs.is_empty(),
            shared_libraries: libs,
            shared_library_bytes: lib_bytes,
            total_bytes: app_bytes + runtime_bytes.unwrap_or(0) + lib_bytes,
        },
        image,
        dependencies,
        dependencies_error,
        lines_of_code: loc::count(&contender.dir),
        needs_runtime: needs_runtime(contender, runtime),
        image_start,
        app_layer_start,
        image_start_error,
    })
}

/// Starts the image twice: whole, and with its app layer alone (when it has
/// a system layer). `Err` when it could not be tried.
fn start_image(image: &Image) -> Result<(ImageStart, Option<ImageStart>), OpsError> {
    eprintln!("shootout: starting the image from its layers…");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let timeout = std::time::Duration::from_secs(20);
    let port = crate::supervise::free_port().map_err(|e| e.to_string())?;
    let whole = rt.block_on(super::image::start(
        &image.layout,
        &|_| true,
        None,
        port,
        timeout,
    ))?;
    let app_alone = if image.layers.len() > 1 {
        let port = crate::supervise::free_port().map_err(|e| e.to_string())?;
        Some(rt.block_on(super::image::start(
            &image.layout,
            &|role| role == "app",
            None,
            port,
            timeout,
        ))?)
    } else {
        None
    };
    Ok((whole, app_alone))
}

/// Starts the built contender with an empty `PATH` (so no runtime can be
/// found on it) and sees whether it answers /health: a self-contained
/// artifact does, one that needs its language runtime installed does not.
fn needs_runtime(contender: &Contender, runtime: &Runtime) -> Option<bool> {
    use crate::supervise::{Service, free_port};
    let port = free_port().ok()?;
    let mut bare = runtime.clone();
    bare.bin_dir = None;
    let mut cmd = command(contender, &bare, &contender.run);
    cmd.env("PATH", "/nonexistent")
        .env("PORT", port.to_string())
        .env("UPSTREAM_URL", "http://127.0.0.1:9")
        .env("CPUS", "1");
    let Ok(mut service) = Service::spawn(&contender.name, cmd, None) else {
        // The program itself cannot be found or run: it needs a runtime.
        return Some(true);
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let ready = rt.block_on(service.wait_ready(
        addr,
        std::time::Duration::from_secs(20),
        std::time::Duration::from_millis(20),
    ));
    service.stop_blocking(std::time::Duration::from_secs(5));
    Some(ready.is_err())
}
