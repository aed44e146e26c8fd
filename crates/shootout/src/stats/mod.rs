//! Statistics shootout applies to what it measured: the median and its
//! bootstrap interval over repeated trials ([`bootstrap`]), and the order
//! statistics of a handful of repeated starts ([`spread`]), and intervals
//! with their real coverage for a few trials or runs ([`interval`]).

pub mod bootstrap;
pub mod interval;
pub mod spread;
