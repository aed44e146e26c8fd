//! What a service holds — its open descriptors and memory — read before and
//! after a case, so a case can tell whether the service gave back what the
//! case made it take.

use std::collections::HashMap;

/// The service's process tree at one moment.
#[derive(Debug, Clone)]
pub struct Held {
    /// What each open descriptor points at (`socket:[123]`, a path, …).
    fds: Vec<String>,
    pub rss_mb: f64,
}

impl Held {
    /// Reads `pid`'s tree now; `None` when the process is gone.
    pub fn now(pid: u32) -> Option<Self> {
        let fds = crate::supervise::sampler::tree_fd_targets(pid)?;
        let rss = crate::supervise::sampler::tree_rss(pid)?;
        Some(Self {
            fds,
            rss_mb: rss as f64 / 1e6,
        })
    }

    pub fn descriptors(&self) -> usize {
        self.fds.len()
    }

    /// Descriptors open now that were not open at `before`. Only new ones
    /// count, so connections the service closes meanwhile (idle ones, say)
    /// cannot hide new ones it keeps.
    pub fn opened_since(&self, before: &Held) -> usize {
        let mut old: HashMap<&str, usize> = HashMap::new();
        for t in &before.fds {
            *old.entry(t).or_default() += 1;
        }
        self.fds
            .iter()
            .filter(|t| match old.get_mut(t.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            })
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(fds: &[&str]) -> Held {
        Held {
            fds: fds.iter().map(|s| (*s).to_owned()).collect(),
            rss_mb: 0.0,
        }
    }

    #[test]
    fn only_descriptors_opened_since_count() {
        let before = held(&["socket:[1]", "socket:[2]", "/dev/null", "/dev/null"]);
        // 2 closed, one /dev/null closed, 3 and 4 opened, one /dev/null opened.
        let after = held(&["socket:[1]", "socket:[3]", "socket:[4]", "/dev/null"]);
        assert_eq!(after.opened_since(&before), 2);
        assert_eq!(before.opened_since(&before), 0);
    }

    #[test]
    fn reads_this_process() {
        let me = Held::now(std::process::id()).expect("own /proc entry");
        assert!(me.descriptors() >= 3 && me.rss_mb > 1.0, "{me:?}");
    }
}
