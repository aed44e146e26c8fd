//! The order-service contract (`docs/contract.md`) as code: the kernels every
//! contender computes, the shared vectors, and the validation rules the
//! verifier checks.

pub mod kernels;
pub mod vectors;
