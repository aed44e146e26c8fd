//! Running contenders fairly: process groups, CPU pinning, readiness, stop,
//! resource sampling, and making sure nothing outlives the harness.

pub mod cpuset;
pub mod gc;
pub mod launch;
pub mod process;
pub mod registry;
pub mod sampler;

pub use cpuset::CpuSet;
pub use process::{Exit, Service, SuperviseError, free_port};
