//! Running contenders fairly: process groups, CPU pinning, readiness, stop,
//! and making sure nothing outlives the harness.

pub mod cpuset;
pub mod launch;
pub mod process;
pub mod registry;

pub use cpuset::CpuSet;
pub use process::{Exit, Service, SuperviseError, free_port};
