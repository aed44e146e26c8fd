//! The languages whose code is counted (lines of code, error-handling
//! blocks), in a module of its own so that both counters read it without
//! importing each other.

/// The languages whose code is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Go,
    Rust,
    JavaScript,
}
