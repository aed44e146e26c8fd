//! Facts about the machine a run happened on, recorded with every result so
//! numbers are never read without their context.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::supervise::CpuSet;

/// Part of the results schema.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Machine {
    pub cpu_model: Option<String>,
    /// Logical CPUs available to shootout.
    pub cpus: usize,
    pub memory_bytes: Option<u64>,
    pub kernel: Option<String>,
    /// `performance`, `powersave`…; null where cpufreq is not exposed (most VMs).
    pub cpu_governor: Option<String>,
    pub shootout_version: String,
    /// The host's name, so that runs pooled from several machines can be
    /// told apart (null in files written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

impl Machine {
    pub fn read() -> Self {
        let cpuinfo = read("/proc/cpuinfo").unwrap_or_default();
        let meminfo = read("/proc/meminfo").unwrap_or_default();
        Self {
            cpu_model: cpuinfo
                .lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned()),
            cpus: CpuSet::available().len(),
            memory_bytes: meminfo
                .lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
                .map(|kb| kb * 1024),
            kernel: read("/proc/sys/kernel/osrelease"),
            cpu_governor: read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
            shootout_version: env!("CARGO_PKG_VERSION").to_owned(),
            hostname: read("/proc/sys/kernel/hostname"),
        }
    }
}

/// The current time as RFC 3339 UTC, e.g. `2026-11-28T08:30:00Z`.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_machine() {
        let m = Machine::read();
        assert!(m.cpus >= 1);
        assert!(m.memory_bytes.unwrap_or(0) > 1 << 20);
        let now = now_rfc3339();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.starts_with("20"), "{now}");
    }
}
