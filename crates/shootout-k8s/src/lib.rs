//! shootout on a Kubernetes cluster, when one machine is not enough (the
//! load generator saturates before the service does). A binary of its own,
//! `shootout-k8s`, so that the core `shootout` compiles no Kubernetes or
//! registry client (k6 keeps k6-operator apart the same way).
//!
//! [`render`] builds the objects (hardened by [`security`], fenced by
//! [`policy`], their images pinned by [`images`]), [`strict`] reads them
//! back, [`cluster`]
//! applies them with kube-rs, runs the Jobs one contender at a time and
//! merges the shards' histograms, and [`registry`] pushes the OCI images
//! there; [`commands`] and [`cli`] are the command line.
//! `docs/distributed.md` is the user's guide.

#![forbid(unsafe_code)]

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod images;
pub mod plan;
pub mod policy;
pub mod registry;
pub mod render;
pub mod security;
pub mod strict;

/// The one TLS provider of the workspace (ring), installed before any client
/// is built: reqwest (oci-client) is built without one of its own.
pub fn install_tls_provider() {
    // Already installed (a second call in tests) is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
