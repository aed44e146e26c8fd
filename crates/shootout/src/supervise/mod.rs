//! Running contenders fairly: process groups, CPU pinning, readiness, stop,
//! resource sampling, limits as a pod gets them (a cgroup per contender),
//! and making sure nothing outlives the harness ([`orphans`]).

pub mod cgroup;
pub mod cpuset;
pub mod gc;
pub mod launch;
pub mod limits;
pub mod orphans;
pub mod process;
pub mod sampler;

pub use cpuset::CpuSet;
pub use process::{Exit, Service, SuperviseError, free_port};
