//! `shootout-k8s render|run|push` options. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use shootout::units::{parse_duration, parse_duration_or_zero, parse_rate};

/// The images on the cluster: which contenders, and where `shootout-k8s push` puts
/// them.
#[derive(Debug, Args)]
pub struct K8sImagesArgs {
    /// Contenders, comma-separated [default: all].
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub contenders: Vec<String>,
    /// Folder holding one sub-folder per contender.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "contenders",
        env = "SHOOTOUT_CONTENDERS"
    )]
    pub contenders_dir: PathBuf,
    /// The registry the images are pushed to and pulled from
    /// (REGISTRY[/PREFIX]); plain HTTP on loopback.
    #[arg(
        long,
        value_name = "HOST[:PORT][/PREFIX]",
        default_value = "127.0.0.1:5000"
    )]
    pub registry: String,
    /// The images' tag. `push` pushes under it [default: latest]; `render`
    /// and `run` reference the images by it only when it is given (a push
    /// under the same tag then changes what a run measures), by the
    /// digests `push` recorded otherwise.
    #[arg(long)]
    pub tag: Option<String>,
}

/// shootout on a Kubernetes cluster, when one machine is not enough.
///
/// The load generator saturates before the service: run the contenders as
/// Deployments with the same resources.limits, the load generator as an
/// Indexed Job whose pods are shards, and merge their histograms exactly
/// (docs/distributed.md). The images carry the `shootout` binary built
/// beside this one (`cargo build --release -p shootout -p shootout-k8s`).
///
/// Every pod passes the Pod Security Standard "restricted", has requests
/// equal to its limits, and pulls its image by the digest `push` recorded
/// (target/shootout/k8s-images/digests.json; --tag to pull by tag instead);
/// NetworkPolicies fence each role.
///
/// Examples:
///   shootout-k8s push --registry registry.example:5000
///   shootout-k8s render --registry registry.example:5000 --shards 4 --out k8s/
///   shootout-k8s run --registry registry.example:5000 --shards 4 --path /json -c 512
#[derive(Debug, Parser)]
#[command(
    name = "shootout-k8s",
    version,
    verbatim_doc_comment,
    after_help = EXIT_STATUS
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: K8sCommand,
}

/// Said under every `--help`: the same exit codes as `shootout`.
pub const EXIT_STATUS: &str = "\
Exit status:
  0  done, and every check passed
  1  done, but a contender could not be verified or measured on the cluster
  2  error: a bad command line or file, no cluster, a push that failed";

#[derive(Debug, Subcommand)]
pub enum K8sCommand {
    /// Write the manifests: typed Kubernetes objects, as JSON that `kubectl
    /// apply -f` takes (base.json, then per contender NAME.verify.json and
    /// NAME.load.json, to apply one contender at a time).
    ///
    /// Examples:
    ///   shootout-k8s render --registry registry.example:5000 --out k8s/
    ///   kubectl apply -f k8s/base.json -f k8s/go-nethttp.verify.json
    #[command(verbatim_doc_comment, after_help = EXIT_STATUS)]
    Render(K8sRenderArgs),
    /// Apply them to the cluster of the current kubeconfig context, verify
    /// and load each contender in turn, merge the shards, delete the namespace.
    ///
    /// Examples:
    ///   shootout-k8s run --registry registry.example:5000 --shards 4 -c 512
    ///   shootout-k8s run --contenders go-nethttp,node-fastify --path /json --json > k8s.json
    #[command(verbatim_doc_comment, after_help = EXIT_STATUS)]
    Run(K8sRunArgs),
    /// Write the contenders' and shootout's own OCI images and push them to
    /// a registry; each is pulled back and its digests compared.
    ///
    /// Examples:
    ///   shootout-k8s push --registry registry.example:5000
    ///   shootout-k8s push --contenders go-nethttp --tag try1 --json
    #[command(verbatim_doc_comment, after_help = EXIT_STATUS)]
    Push(K8sPushArgs),
}

/// What goes on the cluster.
#[derive(Debug, Args)]
pub struct K8sPlanArgs {
    #[command(flatten)]
    pub images: K8sImagesArgs,
    /// The namespace everything goes in (deleted after `shootout-k8s run`).
    #[arg(long, default_value = "shootout")]
    pub namespace: String,
    /// Each contender's resources.limits (requests are set equal).
    #[arg(
        long,
        value_name = "cpu=Q,memory=Q",
        default_value = "cpu=1,memory=512Mi"
    )]
    pub limits: shootout::supervise::limits::Limits,
    /// Generator pods (shards).
    #[arg(long, default_value_t = 2)]
    pub shards: usize,
    /// Each generator pod's resources.limits.
    #[arg(
        long,
        value_name = "cpu=Q,memory=Q",
        default_value = "cpu=1,memory=256Mi"
    )]
    pub shard_limits: shootout::supervise::limits::Limits,
    /// What the shards request: path and query.
    #[arg(long, default_value = "/json")]
    pub path: String,
    /// Connections in all, split among the shards.
    #[arg(short = 'c', long, default_value_t = 256)]
    pub connections: usize,
    /// Requests per second in all (open model), split among the shards.
    #[arg(long, value_name = "R", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// How long each shard measures, after its warm-up.
    #[arg(short = 'd', long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub duration: std::time::Duration,
    /// Load applied before measuring, excluded from every figure.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration_or_zero)]
    pub warmup: std::time::Duration,
    /// Run PostgreSQL and give the contenders DATABASE_URL.
    #[arg(long)]
    pub database: bool,
    /// The upstream simulator's resources.limits (requests are set equal):
    /// it answers every contender's /io calls under load.
    #[arg(
        long,
        value_name = "cpu=Q,memory=Q",
        default_value = "cpu=1,memory=256Mi"
    )]
    pub upstream_limits: shootout::supervise::limits::Limits,
    /// PostgreSQL's resources.limits (requests are set equal), with
    /// --database.
    #[arg(
        long,
        value_name = "cpu=Q,memory=Q",
        default_value = "cpu=1,memory=1Gi"
    )]
    pub database_limits: shootout::supervise::limits::Limits,
    /// The image digests `push` recorded (its --images-dir folder's
    /// digests.json): the pods pull each image by its digest.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "target/shootout/k8s-images/digests.json"
    )]
    pub digests: PathBuf,
    /// An image by digest, over the digests file (repeatable):
    /// NAME=REPOSITORY@sha256:DIGEST, NAME being shootout, a contender or
    /// postgres (with --database, which --tag alone does not pin).
    #[arg(long = "image", value_name = "NAME=REF@sha256:…")]
    pub images_pinned: Vec<String>,
}

#[derive(Debug, Args)]
pub struct K8sRenderArgs {
    #[command(flatten)]
    pub plan: K8sPlanArgs,
    /// Where the manifests go.
    #[arg(long, value_name = "DIR", default_value = "target/shootout/k8s")]
    pub out: PathBuf,
    /// The shards' barrier, Unix seconds [default: now + --start-in].
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub start_at: Option<f64>,
    /// The barrier this long after rendering, when --start-at is not given.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = parse_duration)]
    pub start_in: std::time::Duration,
}

#[derive(Debug, Args)]
pub struct K8sRunArgs {
    #[command(flatten)]
    pub plan: K8sPlanArgs,
    /// Where each contender's merged result and its shards go.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "target/shootout/k8s-results"
    )]
    pub out: PathBuf,
    /// From creating a load Job to its barrier (pods scheduled, images pulled).
    #[arg(long, value_name = "DURATION", default_value = "45s", value_parser = parse_duration)]
    pub lead: std::time::Duration,
    /// How long the Deployments may take to become available.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub ready_timeout: std::time::Duration,
    /// Leave the namespace in place afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Print the merged results as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct K8sPushArgs {
    #[command(flatten)]
    pub images: K8sImagesArgs,
    /// Plain HTTP off loopback too.
    #[arg(long)]
    pub insecure: bool,
    /// Where the OCI layouts are written first (the same flag as `shootout footprint`'s).
    #[arg(
        long = "images-dir",
        alias = "images",
        value_name = "DIR",
        default_value = "target/shootout/k8s-images"
    )]
    pub layouts: PathBuf,
    /// The `shootout` binary that goes into shootout's own image (the
    /// upstream simulator and the generator shards run it) [default: the
    /// `shootout` beside this binary, else the first on PATH].
    #[arg(long, value_name = "PATH", env = "SHOOTOUT_BIN")]
    pub shootout_bin: Option<PathBuf>,
    /// Print what was pushed as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}
