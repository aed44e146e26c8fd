//! Running contenders fairly: process groups, CPU pinning, readiness, stop,
//! resource sampling, and making sure nothing outlives the harness.

pub mod cpuset;
pub mod launch;
pub mod process;
pub mod registry;
pub mod sampler;

pub use cpuset::CpuSet;
pub use process::{Exit, Service, SuperviseError, free_port};

/// CPU seconds (user + system) of this process (`RUSAGE_SELF`) or of its
/// waited-for children (`RUSAGE_CHILDREN`), from `getrusage`.
pub fn cpu_seconds(who: libc::c_int) -> f64 {
    // SAFETY: getrusage fills the zeroed struct.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(who, &mut usage) != 0 {
            return 0.0;
        }
        let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        tv(usage.ru_utime) + tv(usage.ru_stime)
    }
}
