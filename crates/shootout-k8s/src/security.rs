//! What makes every rendered pod one that a namespace enforcing the Pod
//! Security Standard "restricted" profile admits, and one a cluster
//! administrator would: a non-root user (the images' own, [`IMAGE_UID`]),
//! no privilege escalation, every capability dropped, the runtime's default
//! seccomp profile, a read-only root filesystem with an `emptyDir` for what
//! must be written (`/tmp`; PostgreSQL's data and socket folders), no
//! service-account token (nothing in a pod talks to the API server: `run`
//! does, from outside, with the user's kubeconfig) and no Service links in
//! the environment.

use k8s_openapi::api::core::v1::{
    Capabilities, EmptyDirVolumeSource, PodSecurityContext, PodSpec, SeccompProfile,
    SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

pub use shootout::ops::oci::{IMAGE_GID, IMAGE_UID};

/// Who a pod's processes run as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunAs {
    pub uid: u32,
    pub gid: u32,
}

/// shootout's and the contenders' images: the `User` of their OCI config.
pub const IMAGES_USER: RunAs = RunAs {
    uid: IMAGE_UID,
    gid: IMAGE_GID,
};
/// The official `postgres` image's `postgres` user and group.
pub const POSTGRES_USER: RunAs = RunAs { uid: 999, gid: 999 };

/// A folder a pod may write: an `emptyDir` mounted at `path`, at most
/// `size_limit` when given (the kubelet evicts a pod that writes more).
#[derive(Debug, Clone, Copy)]
pub struct Writable {
    pub volume: &'static str,
    pub path: &'static str,
    pub size_limit: Option<&'static str>,
}

/// Every pod's `/tmp`.
pub const TMP: Writable = Writable {
    volume: "tmp",
    path: "/tmp",
    size_limit: Some("64Mi"),
};

fn pod_context(user: RunAs) -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(user.uid.into()),
        run_as_group: Some(user.gid.into()),
        // emptyDirs are group-owned by it, so the user may write them
        // whatever the volume plugin's defaults.
        fs_group: Some(user.gid.into()),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_owned(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn container_context() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        privileged: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_owned()]),
            ..Default::default()
        }),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        ..Default::default()
    }
}

/// Hardens `spec`: its processes run as `user`, each container confined,
/// `/tmp` and `writable` the only folders they may write.
pub fn harden(spec: &mut PodSpec, user: RunAs, writable: &[Writable]) {
    spec.security_context = Some(pod_context(user));
    spec.automount_service_account_token = Some(false);
    spec.enable_service_links = Some(false);
    let all: Vec<Writable> = std::iter::once(TMP)
        .chain(writable.iter().copied())
        .collect();
    for container in &mut spec.containers {
        container.security_context = Some(container_context());
        container
            .volume_mounts
            .get_or_insert_with(Vec::new)
            .extend(all.iter().map(|w| VolumeMount {
                name: w.volume.to_owned(),
                mount_path: w.path.to_owned(),
                ..Default::default()
            }));
    }
    spec.volumes
        .get_or_insert_with(Vec::new)
        .extend(all.iter().map(|w| Volume {
            name: w.volume.to_owned(),
            empty_dir: Some(EmptyDirVolumeSource {
                size_limit: w.size_limit.map(|q| Quantity(q.to_owned())),
                ..Default::default()
            }),
            ..Default::default()
        }));
}
