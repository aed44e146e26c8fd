//! Statistics shootout applies to what it measured: the median and its
//! bootstrap interval over repeated trials ([`bootstrap`]), and the order
//! statistics of a handful of repeated starts ([`spread`]).

pub mod bootstrap;
pub mod spread;
