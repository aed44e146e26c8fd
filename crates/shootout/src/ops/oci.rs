//! A real OCI image layout, written without Docker: one layer holding
//! exactly a contender's deployable closure, plus config, manifest and
//! `index.json`, every blob named by its SHA-256 digest. `validate` checks a
//! layout the way a registry would.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::OpsError;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// The layer annotation that names a layer's role.
pub const ROLE: &str = "org.shootout.layer";

/// The user every image runs as (its config's `User`, numeric so that a
/// runtime can tell it is not root without a `/etc/passwd`): 65532, the
/// distroless images' `nonroot`. A Kubernetes pod's `runAsUser` says the same.
pub const IMAGE_UID: u32 = 65532;
/// The image user's group.
pub const IMAGE_GID: u32 = 65532;
/// The image user's `HOME`, unless the image's environment sets one: the
/// root filesystem is read-only in a pod, `/tmp` is where it may write.
pub const IMAGE_HOME: &str = "/tmp";

/// Which layer a file goes in: the system layer (a language runtime and the
/// shared libraries) under the app layer, as a base image and the app are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    System,
    App,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::App => "app",
        }
    }
}

/// A file to put in the image.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Absolute path inside the image, e.g. `/app/bin/server`.
    pub path: String,
    pub source: PathBuf,
    pub role: Role,
}

/// One layer as written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Layer {
    /// `system` (runtime and shared libraries) or `app`.
    pub role: String,
    pub digest: String,
    pub compressed_bytes: u64,
    pub files: usize,
}

/// What was written. Part of the results schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Image {
    pub layout: PathBuf,
    pub manifest_digest: String,
    /// Base first; an image with nothing but its app has one. Empty in
    /// results written before images had layers of their own.
    #[serde(default)]
    pub layers: Vec<Layer>,
    /// The single layer's digest, in results written before `layers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<String>,
    /// The layer as shipped (tar+gzip), plus config and manifest.
    pub compressed_bytes: u64,
    /// The layer's tar, unpacked size.
    pub uncompressed_bytes: u64,
    pub files: usize,
}

/// Counts and hashes what passes through.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `sha256:` and the hex SHA-256 of `bytes`: a blob's digest.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

fn write_blob(blobs: &Path, bytes: &[u8]) -> io::Result<(String, u64)> {
    let digest = hex(&Sha256::digest(bytes));
    std::fs::write(blobs.join(&digest), bytes)?;
    Ok((format!("sha256:{digest}"), bytes.len() as u64))
}

/// Writes the layout into `dir` (emptied first).
pub fn write(
    dir: &Path,
    name: &str,
    entries: &[Entry],
    entrypoint: &[String],
    workdir: &str,
    env: &[String],
) -> io::Result<Image> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs)?;

    let cache = super::layer_cache::dir();
    let mut layers = Vec::new();
    let mut diff_ids = Vec::new();
    let mut descriptors = Vec::new();
    let mut uncompressed = 0;
    for role in [Role::System, Role::App] {
        let mine: Vec<&Entry> = entries.iter().filter(|e| e.role == role).collect();
        if mine.is_empty() {
            continue;
        }
        let written = write_layer(&blobs, dir, &mine, cache.as_deref())?;
        uncompressed += written.uncompressed;
        diff_ids.push(written.diff_id);
        descriptors.push(json!({
            "mediaType": LAYER, "digest": written.digest, "size": written.size,
            "annotations": {ROLE: role.name()},
        }));
        layers.push(Layer {
            role: role.name().to_owned(),
            digest: written.digest,
            compressed_bytes: written.size,
            files: mine.len(),
        });
    }
    let mut env = env.to_vec();
    if !env.iter().any(|kv| kv.starts_with("HOME=")) {
        env.push(format!("HOME={IMAGE_HOME}"));
    }
    let config = json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "User": format!("{IMAGE_UID}:{IMAGE_GID}"),
            "Entrypoint": entrypoint,
            "WorkingDir": workdir,
            "Env": env,
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": format!("shootout footprint {name}")}],
    });
    let (config_digest, config_size) = write_blob(&blobs, config.to_string().as_bytes())?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": {"mediaType": CONFIG, "digest": config_digest, "size": config_size},
        "layers": descriptors,
        "annotations": {"org.opencontainers.image.title": name},
    });
    let (manifest_digest, manifest_size) = write_blob(&blobs, manifest.to_string().as_bytes())?;
    let index = json!({
        "schemaVersion": 2,
        "mediaType": INDEX,
        "manifests": [{
            "mediaType": MANIFEST, "digest": manifest_digest, "size": manifest_size,
            "annotations": {"org.opencontainers.image.ref.name": "latest"},
        }],
    });
    std::fs::write(dir.join("index.json"), serde_json::to_vec_pretty(&index)?)?;
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    Ok(Image {
        layout: dir.to_owned(),
        manifest_digest,
        compressed_bytes: layers.iter().map(|l| l.compressed_bytes).sum::<u64>()
            + config_size
            + manifest_size,
        uncompressed_bytes: uncompressed,
        files: entries.len(),
        layers,
        layer_digest: None,
    })
}

/// A layer written to `blobs`.
struct Written {
    digest: String,
    size: u64,
    diff_id: String,
    uncompressed: u64,
}

/// One layer: a deterministic tar (mtime 0, root-owned), gzipped, both hashed.
///
/// The tar is hashed first (its digest is the layer's `diff_id`); a layer
/// gzipped before with the same settings is taken from shootout's layer
/// cache by that digest instead of compressed again, as a container
/// builder's layer store does. The bytes are the same either way (the tar
/// is deterministic and so is the compressor), and the copied blob is
/// hashed as it is written, so its digest is the blob's, not the cache's.
fn write_layer(
    blobs: &Path,
    dir: &Path,
    entries: &[&Entry],
    cache: Option<&Path>,
) -> io::Result<Written> {
    let mut sorted: Vec<&Entry> = entries.to_vec();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let tar = write_tar(
        Hashing {
            inner: io::sink(),
            hasher: Sha256::new(),
            bytes: 0,
        },
        &sorted,
    )?;
    let diff_hex = hex(&tar.hasher.finalize());
    let uncompressed = tar.bytes;
    let cached = cache.map(|d| super::layer_cache::entry(d, &diff_hex, GZIP_SETTINGS));
    let tmp = dir.join("layer.tmp");
    let mut gz = Hashing {
        inner: BufWriter::new(File::create(&tmp)?),
        hasher: Sha256::new(),
        bytes: 0,
    };
    match cached.as_deref().and_then(super::layer_cache::open) {
        Some(mut blob) => {
            io::copy(&mut blob, &mut gz)?;
        }
        None => {
            let tar_out = Hashing {
                inner: GzEncoder::new(&mut gz, Compression::new(GZIP_LEVEL)),
                hasher: Sha256::new(),
                bytes: 0,
            };
            write_tar(tar_out, &sorted)?.inner.finish()?;
        }
    }
    gz.flush()?;
    let digest = hex(&gz.hasher.finalize());
    let size = gz.bytes;
    drop(gz.inner);
    let blob = blobs.join(&digest);
    std::fs::rename(&tmp, &blob)?;
    if let Some(cached) = cached.filter(|c| !c.exists()) {
        // Failing to keep a copy only costs compressing it again next time.
        let _ = super::layer_cache::keep(&blob, &cached);
    }
    Ok(Written {
        digest: format!("sha256:{digest}"),
        size,
        diff_id: format!("sha256:{diff_hex}"),
        uncompressed,
    })
}

/// gzip's level for layers: zlib's default, as `docker build` and most
/// image builders compress.
const GZIP_LEVEL: u32 = 6;
/// Names the compressor in the layer cache's file names, so that a
/// different compressor or level never reuses another's blob.
const GZIP_SETTINGS: &str = concat!("gzip6-shootout", env!("CARGO_PKG_VERSION"));
/// Writes the entries (sorted) as a deterministic tar into `out`.
fn write_tar<W: Write>(out: W, sorted: &[&Entry]) -> io::Result<W> {
    let mut tar = tar::Builder::new(out);
    tar.mode(tar::HeaderMode::Deterministic);
    let mut dirs = std::collections::BTreeSet::new();
    for entry in sorted {
        let rel = entry.path.trim_start_matches('/');
        let mut parent = Path::new(rel).parent();
        let mut chain = Vec::new();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            chain.push(p.to_path_buf());
            parent = p.parent();
        }
        for d in chain.into_iter().rev() {
            if dirs.insert(d.clone()) {
                let mut h = tar::Header::new_gnu();
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                h.set_mtime(0);
                tar.append_data(&mut h, &d, io::empty())?;
            }
        }
        let mut file = File::open(&entry.source)?;
        let meta = file.metadata()?;
        let mut h = tar::Header::new_gnu();
        h.set_metadata_in_mode(&meta, tar::HeaderMode::Deterministic);
        h.set_size(meta.len());
        tar.append_data(&mut h, rel, &mut file)?;
    }
    tar.into_inner()
}

/// A blob of the layout `dir`, checked against its descriptor's digest and
/// size.
pub fn read_blob(dir: &Path, descriptor: &Value) -> Result<Vec<u8>, OpsError> {
    let digest = descriptor["digest"]
        .as_str()
        .ok_or("descriptor without digest")?;
    let hexd = digest
        .strip_prefix("sha256:")
        .ok_or(format!("{digest}: not sha256"))?;
    let bytes = std::fs::read(dir.join("blobs/sha256").join(hexd))
        .map_err(|e| format!("blob {digest}: {e}"))?;
    let actual = hex(&Sha256::digest(&bytes));
    if actual != hexd {
        return Err(format!("blob {digest} hashes to sha256:{actual}").into());
    }
    if descriptor["size"].as_u64() != Some(bytes.len() as u64) {
        return Err(format!(
            "blob {digest} is {} bytes, descriptor says {}",
            bytes.len(),
            descriptor["size"]
        )
        .into());
    }
    Ok(bytes)
}

/// Checks a layout: `oci-layout`, the index, every digest and size, the
/// manifest's layers, and that the config's diff_id is the unpacked layer's.
pub fn validate(dir: &Path) -> Result<(), OpsError> {
    let layout: Value =
        serde_json::from_slice(&std::fs::read(dir.join("oci-layout")).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    if layout["imageLayoutVersion"] != "1.0.0" {
        return Err("oci-layout: imageLayoutVersion is not 1.0.0".into());
    }
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let manifests = index["manifests"]
        .as_array()
        .ok_or("index has no manifests")?;
    if manifests.is_empty() {
        return Err("index lists no manifest".into());
    }
    for m in manifests {
        if m["mediaType"] != MANIFEST {
            return Err(format!("index entry has mediaType {}", m["mediaType"]).into());
        }
        let manifest: Value =
            serde_json::from_slice(&read_blob(dir, m)?).map_err(|e| e.to_string())?;
        let config: Value = serde_json::from_slice(&read_blob(dir, &manifest["config"])?)
            .map_err(|e| e.to_string())?;
        let layers = manifest["layers"]
            .as_array()
            .ok_or("manifest has no layers")?;
        let diff_ids = config["rootfs"]["diff_ids"]
            .as_array()
            .ok_or("config has no diff_ids")?;
        if layers.is_empty() || layers.len() != diff_ids.len() {
            return Err(format!("{} layers but {} diff_ids", layers.len(), diff_ids.len()).into());
        }
        for (layer, diff_id) in layers.iter().zip(diff_ids) {
            if layer["mediaType"] != LAYER {
                return Err(format!("layer mediaType {}", layer["mediaType"]).into());
            }
            let compressed = read_blob(dir, layer)?;
            let mut tar = Vec::new();
            flate2::read::GzDecoder::new(&compressed[..])
                .read_to_end(&mut tar)
                .map_err(|e| format!("layer does not gunzip: {e}"))?;
            let unpacked = format!("sha256:{}", hex(&Sha256::digest(&tar)));
            if diff_id.as_str() != Some(&unpacked) {
                return Err(
                    format!("diff_id {diff_id} but the layer unpacks to {unpacked}").into(),
                );
            }
            tar::Archive::new(&tar[..])
                .entries()
                .map_err(|e| e.to_string())?
                .try_for_each(|e| e.map(drop))
                .map_err(|e| format!("layer is not a valid tar: {e}"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_layout_validates_and_tampering_is_caught() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("hello");
        std::fs::write(&src, b"#!/bin/sh\necho hi\n").unwrap();
        let dir = tmp.path().join("image");
        let entries = [
            Entry {
                path: "/app/bin/hello".into(),
                source: src.clone(),
                role: Role::App,
            },
            Entry {
                path: "/usr/lib/libhello.so".into(),
                source: src,
                role: Role::System,
            },
        ];
        let image = write(&dir, "t", &entries, &["/app/bin/hello".into()], "/app", &[]).unwrap();
        assert_eq!(image.files, 2);
        let roles: Vec<&str> = image.layers.iter().map(|l| l.role.as_str()).collect();
        assert_eq!(roles, ["system", "app"], "the base layer first");
        validate(&dir).unwrap();
        let blob = |digest: &str| {
            let hexd = digest.trim_start_matches("sha256:");
            serde_json::from_slice::<Value>(
                &std::fs::read(dir.join("blobs/sha256").join(hexd)).unwrap(),
            )
            .unwrap()
        };
        let manifest = blob(&image.manifest_digest);
        let config = blob(manifest["config"]["digest"].as_str().unwrap());
        assert_eq!(config["config"]["User"], "65532:65532", "not root");
        assert_eq!(config["config"]["Env"], json!(["HOME=/tmp"]));
        let layer = dir
            .join("blobs/sha256")
            .join(image.layers[1].digest.trim_start_matches("sha256:"));
        let mut bytes = std::fs::read(&layer).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&layer, bytes).unwrap();
        assert!(validate(&dir).unwrap_err().0.contains("hashes to"));
    }

    #[test]
    fn a_layer_compressed_before_comes_from_the_cache_by_its_tar_digest() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("runtime");
        std::fs::write(&src, "a runtime, compressible ".repeat(4096)).unwrap();
        let entry = Entry {
            path: "/usr/bin/runtime".into(),
            source: src,
            role: Role::System,
        };
        let (blobs, cache) = (tmp.path().join("blobs"), tmp.path().join("cache"));
        std::fs::create_dir_all(&blobs).unwrap();
        std::fs::create_dir_all(&cache).unwrap();
        let first = write_layer(&blobs, tmp.path(), &[&entry], Some(&cache)).unwrap();
        let plain = write_layer(&blobs, tmp.path(), &[&entry], None).unwrap();
        assert_eq!(first.digest, plain.digest, "the cache changes no byte");
        let kept: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
        assert_eq!(kept.len(), 1, "the first write keeps its blob");
        let kept = kept[0].as_ref().unwrap().path();
        assert!(
            kept.to_string_lossy()
                .contains(first.diff_id.trim_start_matches("sha256:"))
        );

        // Another valid gzip of the same tar in the cache: a second write
        // takes it (its digest is that blob's), and says what it holds.
        let tar = std::fs::read(blobs.join(first.digest.trim_start_matches("sha256:"))).unwrap();
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&tar[..])
            .read_to_end(&mut unpacked)
            .unwrap();
        let mut fast = GzEncoder::new(Vec::new(), Compression::fast());
        fast.write_all(&unpacked).unwrap();
        std::fs::write(&kept, fast.finish().unwrap()).unwrap();
        let second = write_layer(&blobs, tmp.path(), &[&entry], Some(&cache)).unwrap();
        assert_ne!(second.digest, first.digest, "the cached blob was used");
        assert_eq!(second.diff_id, first.diff_id);
        assert_eq!(second.uncompressed, first.uncompressed);
        assert_eq!(second.size, std::fs::metadata(&kept).unwrap().len());
    }
}
