//! `shootout k8s push`: OCI image layouts (the contenders' and shootout's
//! own, written by [`shootout::ops::oci`]) copied to a registry with
//! `oci-client`, blob by blob and byte for byte, so that the digests in the
//! registry are the layout's; then read back and every digest checked.
//!
//! Plain HTTP for a registry on loopback (`127.0.0.1:5000`, `localhost`)
//! or with `insecure`; HTTPS otherwise. Credentials, when the registry
//! wants them, come from `SHOOTOUT_REGISTRY_USER` and
//! `SHOOTOUT_REGISTRY_PASSWORD`.

use std::path::Path;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use serde::Serialize;
use serde_json::Value;

use shootout::ops::oci::digest_of as sha256;

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{0:?} is not an image reference (REGISTRY/NAME:TAG): {1}")]
    Reference(String, String),
    #[error("reading the image layout {path}: {why}")]
    Layout { path: String, why: String },
    #[error("{reference}: {what}: {why}")]
    Registry {
        reference: String,
        what: &'static str,
        why: String,
    },
    #[error("{reference}: {what} came back as {got}, pushed as {want}")]
    Mismatch {
        reference: String,
        what: String,
        want: String,
        got: String,
    },
}

/// How to reach the registry.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Plain HTTP even off loopback.
    pub insecure: bool,
}

/// One image as pushed: `shootout-k8s push --json` prints a list of them
/// (`docs/k8s-push.schema.json`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Pushed {
    pub reference: String,
    pub manifest_digest: String,
    /// Config and layers.
    pub blobs: usize,
    pub bytes: u64,
    /// Read back from the registry and every digest matched.
    pub verified: bool,
    /// Started from its own layers before it was pushed: milliseconds to
    /// its first answer.
    pub ran_ms: Option<f64>,
}

/// The digests a manifest names: its config's, then its layers'.
fn blob_digests(manifest: &Value) -> Vec<String> {
    std::iter::once(&manifest["config"])
        .chain(manifest["layers"].as_array().into_iter().flatten())
        .map(|d| d["digest"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// A registry call's error, said with the image and what was being done.
fn failed<'a>(
    reference: &'a str,
    what: &'static str,
) -> impl Fn(oci_client::errors::OciDistributionError) -> RegistryError + 'a {
    move |e| RegistryError::Registry {
        reference: reference.to_owned(),
        what,
        why: e.to_string(),
    }
}

fn loopback(registry: &str) -> bool {
    let host = registry.rsplit_once(':').map_or(registry, |(h, _)| h);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

fn client(reference: &Reference, access: &Access) -> Client {
    let registry = reference.resolve_registry().to_owned();
    let protocol = if access.insecure || loopback(&registry) {
        ClientProtocol::Http
    } else {
        ClientProtocol::Https
    };
    Client::new(ClientConfig {
        protocol,
        ..Default::default()
    })
}

fn credentials() -> RegistryAuth {
    match (
        std::env::var("SHOOTOUT_REGISTRY_USER"),
        std::env::var("SHOOTOUT_REGISTRY_PASSWORD"),
    ) {
        (Ok(user), Ok(password)) => RegistryAuth::Basic(user, password),
        _ => RegistryAuth::Anonymous,
    }
}

fn parse(reference: &str) -> Result<Reference, RegistryError> {
    reference.parse().map_err(|e: oci_client::ParseError| {
        RegistryError::Reference(reference.to_owned(), e.to_string())
    })
}

/// The layout's manifest (bytes and parsed) and its blobs' digests.
struct Layout {
    manifest: Vec<u8>,
    manifest_digest: String,
    blobs: Vec<String>,
}

fn read_layout(dir: &Path) -> Result<Layout, RegistryError> {
    let fail = |why: String| RegistryError::Layout {
        path: dir.display().to_string(),
        why,
    };
    let index: Value = std::fs::read(dir.join("index.json"))
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        .map_err(fail)?;
    let descriptor = &index["manifests"][0];
    let manifest =
        shootout::ops::oci::read_blob(dir, descriptor).map_err(|e| fail(e.to_string()))?;
    let parsed: Value = serde_json::from_slice(&manifest).map_err(|e| fail(e.to_string()))?;
    let blobs = blob_digests(&parsed);
    if blobs.iter().any(String::is_empty) {
        return Err(fail(
            "its manifest has a descriptor without a digest".into(),
        ));
    }
    Ok(Layout {
        manifest_digest: sha256(&manifest),
        manifest,
        blobs,
    })
}

fn blob_path(dir: &Path, digest: &str) -> std::path::PathBuf {
    dir.join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

/// Pushes the layout in `dir` as `reference`, then reads it back.
pub async fn push(dir: &Path, reference: &str, access: &Access) -> Result<Pushed, RegistryError> {
    let image = parse(reference)?;
    let layout = read_layout(dir)?;
    let client = client(&image, access);
    let fail = |what| failed(reference, what);
    let auth = credentials();
    client
        .auth(&image, &auth, RegistryOperation::Push)
        .await
        .map_err(fail("signing in"))?;
    let mut bytes = 0;
    for digest in &layout.blobs {
        let data = std::fs::read(blob_path(dir, digest)).map_err(|e| RegistryError::Layout {
            path: dir.display().to_string(),
            why: format!("blob {digest}: {e}"),
        })?;
        bytes += data.len() as u64;
        if !client
            .blob_exists(&image, digest)
            .await
            .map_err(fail("checking a blob"))?
        {
            client
                .push_blob(&image, data, digest)
                .await
                .map_err(fail("pushing a blob"))?;
        }
    }
    client
        .push_manifest_raw(
            &image,
            layout.manifest.clone(),
            http::HeaderValue::from_static(MANIFEST),
        )
        .await
        .map_err(fail("pushing the manifest"))?;
    let pulled = pull_digests(reference, access).await?;
    let mut checked = vec![(
        "the manifest".to_owned(),
        layout.manifest_digest.clone(),
        pulled.manifest_digest,
    )];
    checked.extend(
        layout
            .blobs
            .iter()
            .zip(pulled.blobs)
            .map(|(want, got)| (format!("blob {want}"), want.clone(), got)),
    );
    for (what, want, got) in checked {
        if want != got {
            return Err(RegistryError::Mismatch {
                reference: reference.to_owned(),
                what,
                want,
                got,
            });
        }
    }
    Ok(Pushed {
        reference: reference.to_owned(),
        manifest_digest: layout.manifest_digest,
        blobs: layout.blobs.len(),
        bytes: bytes + layout.manifest.len() as u64,
        verified: true,
        ran_ms: None,
    })
}

/// What a registry serves for `reference`: the SHA-256 of the manifest's
/// bytes and of each blob it names (config first), computed here from what
/// came back.
#[derive(Debug, Clone, PartialEq)]
pub struct Pulled {
    pub manifest_digest: String,
    pub blobs: Vec<String>,
}

pub async fn pull_digests(reference: &str, access: &Access) -> Result<Pulled, RegistryError> {
    let image = parse(reference)?;
    let client = client(&image, access);
    let fail = |what| failed(reference, what);
    let (manifest, _) = client
        .pull_manifest_raw(&image, &credentials(), &[MANIFEST])
        .await
        .map_err(fail("pulling the manifest"))?;
    let parsed: Value = serde_json::from_slice(&manifest).map_err(|e| RegistryError::Registry {
        reference: reference.to_owned(),
        what: "reading the manifest",
        why: e.to_string(),
    })?;
    let names = blob_digests(&parsed);
    let mut blobs = Vec::new();
    for name in &names {
        let mut data = Vec::new();
        client
            .pull_blob(&image, name.as_str(), &mut data)
            .await
            .map_err(fail("pulling a blob"))?;
        blobs.push(sha256(&data));
    }
    Ok(Pulled {
        manifest_digest: sha256(&manifest),
        blobs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries_are_plain_http() {
        assert!(loopback("127.0.0.1:5000"));
        assert!(loopback("localhost:5000"));
        assert!(loopback("localhost"));
        assert!(!loopback("ghcr.io"));
        assert!(!loopback("10.0.0.5:5000"));
    }
}
