//! The order-service contract (`docs/contract.md`) as code: the kernels every
//! contender computes, the shared vectors, the order rules, and the checks
//! that compute the expected answer to a response during load.

pub mod checks;
pub mod fanout;
pub mod kernels;
pub mod orders;
pub mod vectors;
