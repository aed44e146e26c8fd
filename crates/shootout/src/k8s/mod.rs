//! `shootout k8s`: the comparison on a Kubernetes cluster, when one machine
//! is not enough (the load generator saturates before the service does).
//! [`render`] builds the objects, [`strict`] reads them back, [`cluster`]
//! applies them with kube-rs, runs the Jobs one contender at a time and
//! merges the shards' histograms, and [`registry`] pushes the OCI images
//! there. `docs/distributed.md` is the user's guide.

pub mod cluster;
pub mod registry;
pub mod render;
pub mod strict;
