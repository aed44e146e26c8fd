//! The metric registry: every number a trial produces is born here, once,
//! with its name, unit, direction, how trials aggregate, which scenario
//! kinds can produce it, and its noise band.
//!
//! Trials record [`MetricKey`]s (a [`Metric`] plus, in a concurrency sweep,
//! the level it was measured at); tables, charts, results and the claims
//! ledger read the same registry, so a misspelt name in a ledger is an error
//! at load time with the nearest valid names, not a silent INCONCLUSIVE.
//! Units are part of the metric: MB means 10^6 bytes, KiB 1024 bytes.

use std::fmt;

mod key;

pub use key::{MetricKey, UnknownMetric, nearest};

/// What a metric's number counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    PerSecond,
    Milliseconds,
    Seconds,
    /// 10^6 bytes.
    Megabytes,
    /// 1024 bytes.
    Kibibytes,
    Percent,
    /// 0..1 of the CPUs a party was given.
    Fraction,
    /// A dimensionless ratio of two measurements.
    Ratio,
    /// 1 for yes, 0 for no.
    Flag,
}

impl Unit {
    /// How the unit is written after a number.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Count => "",
            Unit::PerSecond => "/s",
            Unit::Milliseconds => "ms",
            Unit::Seconds => "s",
            Unit::Megabytes => "MB",
            Unit::Kibibytes => "KiB",
            Unit::Percent => "%",
            Unit::Fraction => "of CPUs",
            Unit::Ratio => "×",
            Unit::Flag => "(1 = yes)",
        }
    }
}

/// Which way is better, for marking a table's best cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
    /// Neither: a fact about the run, not a score.
    Neither,
}

/// How a metric's trials combine into one cell figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Median with a 95% bootstrap interval.
    Median,
    /// Sum over trials: for counts of bad events, where one is one too many.
    Total,
}

/// Where a metric comes from: the scenario kinds (and load models) that produce it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Every load run (closed, open, capacity fraction, each sweep level).
    Load,
    /// The whole of a concurrency sweep (also per level, with a suffix).
    Sweep,
    /// An open load at a fraction of measured capacity (the soak).
    Soak,
    /// A load run of a contender that reports its GC from its own telemetry.
    Gc,
    /// A load run against PostgreSQL (`database = true`), and its audit.
    Database,
    HeadOfLine,
    Coldstart,
    Footprint,
    /// The hostile-input battery.
    Torture,
    /// SIGTERM with requests in flight.
    Drain,
    /// The refactoring experiment (`shootout mutate`).
    Mutate,
    /// A load scenario that must be upstream-bound (`max_service_cpu`):
    /// latency above the upstream's delay, requests held per MB.
    UpstreamBound,
}

/// How far apart two runs of the same cell land on this kind of machine
/// (`bench/noise.sh` measured them; see `docs/noise.md`). A measure within
/// the band of a threshold cannot decide a claim from fewer than three
/// independent runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Noise {
    /// The largest relative spread d = |a − b| / max(a, b) seen between
    /// runs. The band is log-symmetric: max/min = 1/(1 − d), so a value m
    /// may be anywhere in m/(1 + b) … m·(1 + b) with b = d / (1 − d)
    /// ([`Spec::log_band`]).
    Relative(f64),
    /// An absolute band ± x in the metric's unit, for metrics that can be
    /// about 0 (where a relative spread means nothing).
    Additive(f64),
    /// The same inputs always give the same number (sizes, counts of code).
    Exact,
}

/// Everything the registry knows about a metric.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    /// Short column heading.
    pub heading: &'static str,
    pub unit: Unit,
    pub better: Better,
    pub aggregate: Aggregate,
    pub source: Source,
    pub noise: Noise,
    /// Can be negative: a one-sided bound on it passes any change the other way.
    pub signed: bool,
    /// One line on what it measures.
    pub about: &'static str,
}

macro_rules! registry {
    ($( $variant:ident => $name:literal, $heading:literal, $unit:ident, $better:ident, $agg:ident, $source:ident, $noise:expr, $signed:literal, $about:literal; )*) => {
        /// A metric, by identity. Its facts are in [`Metric::spec`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Metric { $( $variant, )* }

        impl Metric {
            /// Every registered metric, in table order.
            pub const ALL: &'static [Metric] = &[ $( Metric::$variant, )* ];

            pub fn spec(self) -> &'static Spec {
                match self {
                    $( Metric::$variant => &Spec {
                        name: $name,
                        heading: $heading,
                        unit: Unit::$unit,
                        better: Better::$better,
                        aggregate: Aggregate::$agg,
                        source: Source::$source,
                        noise: $noise,
                        signed: $signed,
                        about: $about,
                    }, )*
                }
            }
        }
    };
}

// Noise bands: `bench/noise.sh` ran `shootout run --quick` three times on a
// 2-vCPU machine; each Relative figure is the largest spread d seen between
// runs of one cell (sweep levels included), rounded up to 0.05, at least
// 0.10, and is read as the log-symmetric band ×/÷ 1/(1 − d). The RSS drifts
// can be about 0: their band is additive (±30 points, docs/noise.md). The GC,
// clean-build and database-CPU bands are estimates: those metrics were not in
// the runs (the database ones borrow the service CPU's band).
// The head-of-line second-length bands (probe_p99_long_ms, task_ms,
// task_long_ms, probe_p99_growth) and gc_cpu_pct, gc_pause_p99_9_ms are
// estimates too, borrowed from their nearest measured neighbour (issue #24).
// service_cores borrows service_utilization's band, added_p99_ms p99_ms's,
// in_flight_per_mb rss_marginal_kib's: estimates, not measured (issue #24).
// docs/noise.md has the figures.
registry! {
    RequestsPerS => "requests_per_s", "req/s", PerSecond, Higher, Median, Load, Noise::Relative(0.30), false, "responses completed inside the measured window, per second (any status; a warm-up request answered in it counts, as in wrk)";
    GoodputPerS => "goodput_per_s", "2xx/s", PerSecond, Higher, Median, Load, Noise::Relative(0.30), false, "2xx responses inside the measured window, per second";
    P50Ms => "p50_ms", "p50 ms", Milliseconds, Lower, Median, Load, Noise::Relative(0.10), false, "median latency (open model: from the intended send)";
    P90Ms => "p90_ms", "p90 ms", Milliseconds, Lower, Median, Load, Noise::Relative(0.45), false, "90th percentile latency";
    P99Ms => "p99_ms", "p99 ms", Milliseconds, Lower, Median, Load, Noise::Relative(0.60), false, "99th percentile latency";
    P99_9Ms => "p99_9_ms", "p99.9 ms", Milliseconds, Lower, Median, Load, Noise::Relative(0.55), false, "99.9th percentile latency";
    MaxMs => "max_ms", "max ms", Milliseconds, Lower, Median, Load, Noise::Relative(0.45), false, "slowest response";
    MeanMs => "mean_ms", "mean ms", Milliseconds, Lower, Median, Load, Noise::Relative(0.20), false, "mean latency";
    InFlight => "in_flight", "in flight", Count, Neither, Median, Load, Noise::Relative(0.25), false, "requests in flight on average, by Little's law (requests sent in the window per second × their mean latency)";
    Errors => "errors", "errors", Count, Lower, Total, Load, Noise::Exact, false, "requests that got no response (connect, read, timeout, reset)";
    Non2xx => "non_2xx", "non-2xx", Count, Lower, Total, Load, Noise::Exact, false, "responses whose status was not 2xx";
    VerificationFailures => "verification_failures", "wrong", Count, Lower, Total, Load, Noise::Exact, false, "responses checked during load whose content was wrong";
    CpuMsPerRequest => "cpu_ms_per_request", "CPU ms/req", Milliseconds, Lower, Median, Load, Noise::Relative(0.25), false, "the service's CPU time in the window per response: its cost, even when the generator is the limit";
    RssPeakMb => "rss_peak_mb", "peak RSS MB", Megabytes, Lower, Median, Load, Noise::Relative(0.30), false, "highest resident memory of the service's process tree";
    CpuThrottledPct => "cpu_throttled_pct", "throttled %", Percent, Lower, Median, Load, Noise::Relative(0.50), false, "under --limits only: share of the 100 ms CFS periods in which the service used up its CPU quota and had to wait (the whole trial, warm-up included)";
    ThrottledMsPerS => "throttled_ms_per_s", "throttled ms/s", Milliseconds, Lower, Median, Load, Noise::Relative(0.50), false, "under --limits only: time the service's threads waited for the next CFS period, per second of the trial";
    CgroupMemoryPeakMb => "cgroup_memory_peak_mb", "cgroup peak MB", Megabytes, Lower, Median, Load, Noise::Relative(0.30), false, "under --limits only: the most memory charged to the service's cgroup (RSS, page cache, kernel memory): what the memory limit is enforced against";
    MemoryLimitUsedPct => "memory_limit_used_pct", "of mem limit", Percent, Lower, Median, Load, Noise::Relative(0.30), false, "under --limits only: the cgroup's memory peak as a share of the memory limit";
    OomKills => "oom_kills", "OOM kills", Count, Lower, Total, Load, Noise::Exact, false, "under --limits only: the service's processes the kernel killed at the memory limit (the trial is a crash)";
    RssMeanMb => "rss_mean_mb", "RSS MB", Megabytes, Lower, Median, Load, Noise::Relative(0.30), false, "mean resident memory of the service's process tree";
    ServiceCpuS => "service_cpu_s", "CPU s", Seconds, Lower, Median, Load, Noise::Relative(0.25), false, "CPU seconds the service used in the window";
    ServiceUtilization => "service_utilization", "service CPU", Fraction, Neither, Median, Load, Noise::Relative(0.25), false, "share of its CPU budget the service kept busy";
    ServiceCores => "service_cores", "CPU cores", Count, Neither, Median, Load, Noise::Relative(0.25), false, "CPU cores the service's process tree kept busy on average over the window (CPU seconds ÷ seconds): above 1 only if more than one thread did the work";
    AddedP99Ms => "added_p99_ms", "added p99 ms", Milliseconds, Lower, Median, UpstreamBound, Noise::Relative(0.60), false, "p99 latency minus the upstream delay every request asked for (the ms= of its path): what the service adds above the wait it exists to do; upstream-bound scenarios only";
    InFlightPerMb => "in_flight_per_mb", "in flight/MB", Count, Higher, Median, UpstreamBound, Noise::Relative(0.35), false, "requests in flight (Little's law) per MB of RSS above the idle service (mean RSS in the window − RSS before the load): how many waiting requests a MB holds; upstream-bound scenarios only";
    ThreadsPeak => "threads_peak", "threads", Count, Neither, Median, Load, Noise::Relative(0.70), false, "most threads in the service's process tree";
    GeneratorUtilization => "generator_utilization", "generator CPU", Fraction, Neither, Median, Load, Noise::Relative(0.25), false, "share of its CPUs the load generator used";
    DatabaseCpuMsPerRequest => "database_cpu_ms_per_request", "DB CPU ms/req", Milliseconds, Lower, Median, Database, Noise::Relative(0.25), false, "PostgreSQL's CPU time in the window (every backend) per response: what each request cost the database";
    DatabaseUtilization => "database_utilization", "DB CPU", Fraction, Neither, Median, Database, Noise::Relative(0.25), false, "share of the generator's CPUs PostgreSQL used (they share them)";
    OrdersLost => "orders_lost", "lost", Count, Lower, Total, Database, Noise::Exact, false, "orders answered 201 that the database does not hold after the trial, or holds with another total or item count";
    OrdersPhantom => "orders_phantom", "phantom", Count, Lower, Total, Database, Noise::Exact, false, "orders in the database that were never acknowledged, beyond what unanswered requests explain";
    UpstreamUtilization => "upstream_utilization", "upstream CPU", Fraction, Neither, Median, Load, Noise::Relative(0.25), false, "share of the generator's CPUs the upstream simulator used";
    RssPerInflightKib => "rss_per_inflight_kib", "KiB/in-flight", Kibibytes, Lower, Median, Sweep, Noise::Relative(0.25), false, "(mean RSS under load − idle RSS) ÷ measured in-flight requests, at the highest sweep level whose answers were all right";
    RssMarginalKib => "rss_marginal_kib", "KiB/extra in-flight", Kibibytes, Lower, Median, Sweep, Noise::Relative(0.35), false, "(mean RSS at the higher level − at the lower) ÷ (in-flight requests at the higher − at the lower), between the two highest sweep levels whose answers were all right and whose sanity checks passed: what one more request in flight costs";
    CapacityRequestsPerS => "capacity_requests_per_s", "capacity req/s", PerSecond, Higher, Median, Soak, Noise::Relative(0.15), false, "throughput of a short closed-model probe, which sets the open rate";
    TargetRate => "target_rate", "rate", PerSecond, Neither, Median, Soak, Noise::Relative(0.15), false, "the open-model rate applied";
    RssDriftPct => "rss_drift_pct", "RSS drift %", Percent, Neither, Median, Soak, Noise::Additive(30.0), true, "RSS change from the first to the last tenth of the window (signed)";
    RssDriftAbsPct => "rss_drift_abs_pct", "|RSS drift| %", Percent, Lower, Median, Soak, Noise::Additive(30.0), false, "size of the RSS change from the first to the last tenth of the window, either way";
    GcPausesPerS => "gc_pauses_per_s", "GC pauses/s", PerSecond, Lower, Median, Gc, Noise::Relative(0.30), false, "stop-the-world GC pauses per second of load, from the runtime's own trace";
    GcPauseMsPerS => "gc_pause_ms_per_s", "GC ms/s", Milliseconds, Lower, Median, Gc, Noise::Relative(0.40), false, "milliseconds of GC pause per second of load (the share of time the world stood still)";
    GcPauseP99Ms => "gc_pause_p99_ms", "GC p99 ms", Milliseconds, Lower, Median, Gc, Noise::Relative(0.50), false, "99th percentile of single GC pauses";
    GcPauseP99_9Ms => "gc_pause_p99_9_ms", "GC p99.9 ms", Milliseconds, Lower, Median, Gc, Noise::Relative(0.50), false, "99.9th percentile of single GC pauses (each stop-the-world phase of a Go cycle is one pause)";
    GcCpuPct => "gc_cpu_pct", "GC CPU %", Percent, Lower, Median, Gc, Noise::Relative(0.30), false, "the collector's CPU time taken from the program (Go's gctrace 'ms cpu': stop-the-world phases, assists and background marking; idle marking left out) as a share of the service's CPU time in the window; not available from V8's --trace-gc, which gives the main thread's pause only";
    ProbeP50IdleMs => "probe_p50_idle_ms", "probe p50 idle", Milliseconds, Lower, Median, HeadOfLine, Noise::Relative(0.30), false, "probe median (the scenario's probe path: /health, or /io in mixed-io), service idle";
    ProbeP99IdleMs => "probe_p99_idle_ms", "probe p99 idle", Milliseconds, Lower, Median, HeadOfLine, Noise::Relative(0.40), false, "probe p99 (/health, or /io in mixed-io), service idle";
    ProbeP50LoadedMs => "probe_p50_loaded_ms", "probe p50 loaded", Milliseconds, Lower, Median, HeadOfLine, Noise::Relative(0.25), false, "probe median (/health, or /io in mixed-io) beside the CPU-heavy background";
    ProbeP99LoadedMs => "probe_p99_loaded_ms", "probe p99 loaded", Milliseconds, Lower, Median, HeadOfLine, Noise::Relative(0.25), false, "probe p99 (/health, or /io in mixed-io: the I/O requests' own p99) beside the CPU-heavy background";
    ProbeMaxLoadedMs => "probe_max_loaded_ms", "probe max loaded", Milliseconds, Lower, Median, HeadOfLine, Noise::Relative(0.55), false, "slowest /health probe under CPU-heavy load";
    ProbeP99Ratio => "probe_p99_ratio", "loaded/idle", Ratio, Lower, Median, HeadOfLine, Noise::Relative(0.45), false, "probe p99 under load ÷ probe p99 idle";
    BackgroundRequestsPerS => "background_requests_per_s", "bg req/s", PerSecond, Higher, Median, HeadOfLine, Noise::Relative(0.10), false, "CPU-heavy requests per second during the loaded probe";
    TaskMs => "task_ms", "task ms", Milliseconds, Lower, Median, HeadOfLine, Noise::Relative(0.25), false, "median latency of a CPU-heavy background request at the first task length: how long one task holds the service";
    ProbeP99LongMs => "probe_p99_long_ms", "probe p99 long", Milliseconds, Lower, Median, HeadOfLine, Noise::Relative(0.25), false, "/health probe p99 beside the second, longer CPU task (probe.long_n rounds)";
    TaskLongMs => "task_long_ms", "long task ms", Milliseconds, Lower, Median, HeadOfLine, Noise::Relative(0.25), false, "median latency of a CPU-heavy background request at the second, longer task length";
    ProbeP99Growth => "probe_p99_growth", "p99 growth", Ratio, Lower, Median, HeadOfLine, Noise::Relative(0.45), false, "probe p99 beside the long task ÷ probe p99 beside the short one: grows with the task length when the loop is blocked, stays near 1 when a scheduler preempts";
    ColdstartHealthMs => "coldstart_health_ms", "/health ms", Milliseconds, Lower, Median, Coldstart, Noise::Relative(0.35), false, "spawn to first 200 on /health (median of the trial's starts)";
    ColdstartJsonMs => "coldstart_json_ms", "/json ms", Milliseconds, Lower, Median, Coldstart, Noise::Relative(0.30), false, "spawn to first correct /json";
    ColdstartRssMb => "coldstart_rss_mb", "RSS MB", Megabytes, Lower, Median, Coldstart, Noise::Relative(0.10), false, "resident memory right after the first correct /json";
    BuildS => "build_s", "clean build s", Seconds, Lower, Median, Footprint, Noise::Relative(0.20), false, "clean build, wall time";
    BuildCpuS => "build_cpu_s", "build CPU s", Seconds, Lower, Median, Footprint, Noise::Relative(0.20), false, "clean build, CPU time of everything it ran";
    ArtifactMb => "artifact_mb", "artifact MB", Megabytes, Lower, Median, Footprint, Noise::Exact, false, "what must be shipped: app, runtime if shipped, shared libraries";
    ImageMb => "image_mb", "image MB gz", Megabytes, Lower, Median, Footprint, Noise::Exact, false, "OCI image of the artifact, compressed";
    ImageRawMb => "image_raw_mb", "image MB", Megabytes, Lower, Median, Footprint, Noise::Exact, false, "OCI image of the artifact, unpacked";
    SharedLibraries => "shared_libraries", "shared libs", Count, Lower, Median, Footprint, Noise::Exact, false, "shared libraries the binaries load (ldd)";
    AppFiles => "app_files", "files", Count, Lower, Median, Footprint, Noise::Exact, false, "files of the app itself (binary, or sources and node_modules)";
    RuntimeMb => "runtime_mb", "runtime MB", Megabytes, Lower, Median, Footprint, Noise::Exact, false, "size of the runtime binary shipped with the app (0 when none)";
    ImageStarts => "image_starts", "image runs", Flag, Higher, Median, Footprint, Noise::Exact, false, "1 when the OCI image, unpacked alone into a root filesystem (mount and PID namespaces, no host file), started from its entrypoint and answered /health and /json";
    AppLayerStarts => "app_layer_starts", "app layer alone runs", Flag, Neither, Median, Footprint, Noise::Exact, false, "1 when the image's app layer alone (its system layer of runtime and shared libraries left out) starts and answers; an image of one layer is its app layer";
    ImageReadyMs => "image_ready_ms", "image ready ms", Milliseconds, Lower, Median, Footprint, Noise::Relative(0.50), false, "from starting the unpacked image to its first 200 on /health (a cold start from the image)";
    NeedsRuntime => "needs_runtime", "needs runtime", Flag, Lower, Median, Footprint, Noise::Exact, false, "1 when the artifact cannot start without a language runtime installed beside it (tried with an empty PATH)";
    DepsDirect => "deps_direct", "deps", Count, Lower, Median, Footprint, Noise::Exact, false, "direct dependencies";
    DepsTransitive => "deps_transitive", "deps all", Count, Lower, Median, Footprint, Noise::Exact, false, "all dependencies, transitively";
    LinesOfCode => "lines_of_code", "LOC", Count, Lower, Median, Footprint, Noise::Exact, false, "non-blank, non-comment lines of the contender's own code";
    TortureFailed => "torture_failed", "cases failed", Count, Lower, Median, Torture, Noise::Exact, false, "hostile-input cases whose rule the service broke (docs/contract.md, \"Hostile input\")";
    TortureRuntimeErrors => "torture_runtime_errors", "5xx + crashes", Count, Lower, Median, Torture, Noise::Exact, false, "5xx answers and process deaths under hostile input: runtime errors that reached the client";
    TortureCrashes => "torture_crashes", "crashes", Count, Lower, Median, Torture, Noise::Exact, false, "times the process died during the battery";
    TortureHangs => "torture_hangs", "hangs", Count, Lower, Median, Torture, Noise::Exact, false, "hostile-input cases left unanswered past their time";
    TortureOrdersLost => "torture_orders_lost", "orders lost", Count, Lower, Median, Torture, Noise::Exact, false, "orders acknowledged before or during the battery that did not read back after it";
    TortureOrdersInvented => "torture_orders_invented", "orders invented", Count, Lower, Median, Torture, Noise::Exact, false, "orders in the database that the battery never saw acknowledged (refused with 400, 502, 500… yet stored); database mode only, absent in memory";
    DrainS => "drain_s", "SIGTERM→exit s", Seconds, Lower, Median, Drain, Noise::Relative(0.50), false, "seconds from SIGTERM (requests in flight) to the service's exit; the grace period when it had to be SIGKILLed";
    DrainLost => "drain_lost", "lost at SIGTERM", Count, Lower, Total, Drain, Noise::Exact, false, "requests in flight at SIGTERM that never got their 2xx";
    DrainKilled => "drain_killed", "SIGKILLed", Flag, Lower, Total, Drain, Noise::Exact, false, "1 when the service was still running at the end of the grace period and was SIGKILLed";
    OverloadTimeouts => "overload_timeouts", "overload timeouts", Count, Lower, Median, Torture, Noise::Relative(0.50), false, "requests left to time out (2 s) at 3× capacity, neither answered nor shed";
    OverloadShed => "overload_shed", "shed", Count, Neither, Median, Torture, Noise::Relative(0.50), false, "requests shed with a 503 or 429 at 3× capacity";
    OverloadRecoveryS => "overload_recovery_s", "recovery s", Seconds, Lower, Median, Torture, Noise::Relative(0.50), false, "seconds after the overload until p99 stayed within 2× of its value before";
    ErrorHandlingPct => "error_handling_pct", "error lines %", Percent, Lower, Median, Footprint, Noise::Exact, false, "share of code lines that handle errors (docs/claims.md gives the rule per language)";
    ErrorBlocks => "error_blocks", "error blocks", Count, Lower, Median, Footprint, Noise::Exact, false, "error-handling blocks in the contender's own code (Go: an if or case on an error; JavaScript/TypeScript: a catch, an if on an error, an error callback), by the rule of docs/claims.md; the report's appendix lists every counted line";
    ErrorBlocksPer100Lines => "error_blocks_per_100_lines", "error blocks /100 LOC", Ratio, Lower, Median, Footprint, Noise::Exact, false, "error-handling blocks (error_blocks) per 100 lines of code";
    MutateCaughtBeforeRunningPct => "mutate_caught_before_running_pct", "caught before running %", Percent, Higher, Median, Mutate, Noise::Exact, false, "share of the refactoring mistakes written in the contender (contract/mutations.toml) that its compile or lint stage caught: before the program ran";
    MutateReachedRunningPct => "mutate_reached_running_pct", "reached running %", Percent, Lower, Median, Mutate, Noise::Exact, false, "share of the written refactoring mistakes that got past compile and lint into a running service (caught by its tests, the contract, or nothing)";
    MutateErrorsCaughtBeforeRunningPct => "mutate_errors_caught_before_running_pct", "error mistakes caught before running %", Percent, Higher, Median, Mutate, Noise::Exact, false, "the same share over the error-handling kinds only (errors = true in contract/mutations.toml)";
    MutateSlippedPct => "mutate_slipped_pct", "slipped %", Percent, Lower, Median, Mutate, Noise::Exact, false, "share of the written refactoring mistakes no stage caught: compile, lint, own tests and the contract all passed";
    MutateWritten => "mutate_written", "mistakes written", Count, Neither, Median, Mutate, Noise::Exact, false, "kinds of the catalogue the contender's language can express (the rest say why not)";
}

impl Spec {
    /// The figures whose trial-to-trial variation is worth a warning.
    pub fn headline(&self) -> bool {
        matches!(self.name, "requests_per_s" | "p50_ms" | "p99_ms")
    }

    /// Half-width of the noise band around `value`, in the metric's unit
    /// (the upper half of a log-symmetric band).
    pub fn band(&self, value: f64) -> f64 {
        match self.noise {
            Noise::Relative(_) => value.abs() * self.log_band(),
            Noise::Additive(x) => x,
            Noise::Exact => 0.0,
        }
    }

    /// b of a relative band m/(1 + b) … m·(1 + b): d / (1 − d) for the
    /// measured spread d (infinite for d ≥ 1); 0 for other kinds.
    pub fn log_band(&self) -> f64 {
        match self.noise {
            Noise::Relative(d) if d >= 1.0 => f64::INFINITY,
            Noise::Relative(d) => d / (1.0 - d),
            _ => 0.0,
        }
    }
}

impl Metric {
    /// Counts requests that failed or were answered wrongly: any of these
    /// above zero marks a cell and keeps its level out of verdicts.
    pub fn counts_failed_answers(self) -> bool {
        matches!(
            self,
            Metric::Errors
                | Metric::Non2xx
                | Metric::VerificationFailures
                | Metric::OrdersLost
                | Metric::OrdersPhantom
        )
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The metric called `name` (without a sweep suffix).
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.iter().copied().find(|m| m.name() == name)
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_with_levels() {
        for m in Metric::ALL {
            let key: MetricKey = m.name().parse().unwrap();
            assert_eq!(key, MetricKey::of(*m));
        }
        let key: MetricKey = "requests_per_s_c1000".parse().unwrap();
        assert_eq!(key, MetricKey::at(Metric::RequestsPerS, 1000));
        assert_eq!(key.to_string(), "requests_per_s_c1000");
    }

    #[test]
    fn a_typo_is_refused_with_the_nearest_names() {
        let err = "requests_per_sec".parse::<MetricKey>().unwrap_err();
        assert_eq!(err.nearest.first(), Some(&"requests_per_s"), "{err}");
        assert!(
            err.to_string().contains("did you mean requests_per_s"),
            "{err}"
        );
        let err = "p99ms_c1000".parse::<MetricKey>().unwrap_err();
        assert!(err.nearest.contains(&"p99_ms"), "{err}");
    }

    /// docs/results.md shows the registry: every metric has its row.
    #[test]
    fn the_results_doc_lists_every_metric() {
        let doc = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/results.md"),
        )
        .unwrap();
        for m in Metric::ALL {
            assert!(
                doc.contains(&format!("| `{}` |", m.name())),
                "docs/results.md lacks {m}"
            );
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }
}
