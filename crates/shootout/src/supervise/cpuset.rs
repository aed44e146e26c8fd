//! CPU lists (`0-3,6`) and the default split of the machine between the
//! service under test and everything else (load generator, upstream).

use std::fmt;
use std::str::FromStr;

/// A set of CPU indices, kept sorted and unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuSet(Vec<usize>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid CPU list {input:?}: {reason} (expected e.g. `1`, `0-3` or `0,2-3`)")]
pub struct CpuSetError {
    input: String,
    reason: String,
}

impl FromStr for CpuSet {
    type Err = CpuSetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| CpuSetError {
            input: s.to_owned(),
            reason: reason.to_owned(),
        };
        let mut cpus = Vec::new();
        for part in s.split(',').map(str::trim) {
            let (lo, hi) = match part.split_once('-') {
                Some((lo, hi)) => (lo, hi),
                None => (part, part),
            };
            let lo: usize = lo.parse().map_err(|_| err("not a number"))?;
            let hi: usize = hi.parse().map_err(|_| err("not a number"))?;
            if lo > hi {
                return Err(err("range goes backwards"));
            }
            if hi >= 1024 {
                return Err(err("CPU index too large"));
            }
            cpus.extend(lo..=hi);
        }
        cpus.sort_unstable();
        cpus.dedup();
        if cpus.is_empty() {
            return Err(err("empty"));
        }
        Ok(Self(cpus))
    }
}

impl fmt::Display for CpuSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut i = 0;
        while i < self.0.len() {
            let start = self.0[i];
            let mut end = start;
            while i + 1 < self.0.len() && self.0[i + 1] == end + 1 {
                i += 1;
                end = self.0[i];
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if start == end {
                write!(f, "{start}")?;
            } else {
                write!(f, "{start}-{end}")?;
            }
            i += 1;
        }
        Ok(())
    }
}

impl serde::Serialize for CpuSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for CpuSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for CpuSet {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CpuSet".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A CPU list as the kernel writes it, e.g. `1` or `0-3,6`."
        })
    }
}

impl CpuSet {
    pub fn cpus(&self) -> &[usize] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The CPUs this process may run on.
    pub fn available() -> Self {
        match crate::sys::affinity() {
            Some(cpus) => Self(cpus),
            None => {
                Self((0..std::thread::available_parallelism().map_or(1, |n| n.get())).collect())
            }
        }
    }

    /// The default split: the upper half for the service, the lower half for
    /// the load generator and upstream. On one CPU both share it.
    pub fn split_default(&self) -> (CpuSet, CpuSet) {
        let n = self.0.len();
        if n < 2 {
            return (self.clone(), self.clone());
        }
        let (low, high) = self.0.split_at(n / 2);
        (Self(high.to_vec()), Self(low.to_vec()))
    }

    /// Everything in `self` that is not in `other`; `self` if that is empty.
    pub fn without(&self, other: &CpuSet) -> CpuSet {
        let rest: Vec<usize> = self
            .0
            .iter()
            .copied()
            .filter(|c| !other.0.contains(c))
            .collect();
        if rest.is_empty() {
            self.clone()
        } else {
            Self(rest)
        }
    }

    /// Pins the calling thread (or, in `pre_exec`, the child) to this set.
    pub fn pin_current(&self) -> std::io::Result<()> {
        crate::sys::pin_current(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_lists() {
        let set: CpuSet = "3,0-1,1".parse().unwrap();
        assert_eq!(set.cpus(), &[0, 1, 3]);
        assert_eq!(set.to_string(), "0-1,3");
        assert!("".parse::<CpuSet>().is_err());
        assert!("2-1".parse::<CpuSet>().is_err());
        assert!(
            "a".parse::<CpuSet>()
                .unwrap_err()
                .to_string()
                .contains("expected")
        );
    }

    #[test]
    fn default_split_gives_the_upper_half_to_the_service() {
        let all: CpuSet = "0-3".parse().unwrap();
        let (service, rest) = all.split_default();
        assert_eq!(service.to_string(), "2-3");
        assert_eq!(rest.to_string(), "0-1");
        let one: CpuSet = "0".parse().unwrap();
        assert_eq!(one.split_default().0, one);
    }
}
