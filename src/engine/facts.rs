//! What an engine says about one container beyond its listing: state, resource use,
//! output. Plain data, so rollouts and reports never see bollard's types.

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::plan::ContainerState;

/// A container as `docker inspect` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerDetails {
    /// The engine's id for it, which a later container of the same name does not share.
    pub id: String,
    /// RFC 3339, the engine's clock.
    pub created: Option<String>,
    pub state: ContainerState,
    /// The last exit code, meaningful once the container has stopped.
    pub exit_code: Option<i64>,
    /// `healthy`, `unhealthy` or `starting`; none without a health check.
    pub health: Option<String>,
    /// What the last health probe printed.
    pub health_output: Option<String>,
    /// RFC 3339, as the engine reports it.
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub restart_count: i64,
    pub labels: BTreeMap<String, String>,
    /// The id of the image it runs.
    pub image: String,
    pub env: Vec<String>,
}

/// What a container's processes use, as `ps` on the engine's host reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcessUsage {
    /// Resident memory of all its processes, in bytes.
    pub memory_rss: u64,
    /// The sum of its processes' %CPU: CPU time over each one's lifetime, 100 = one CPU.
    pub cpu_percent: f64,
}

/// One reading of a container's resource counters.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StatsSample {
    /// Nanoseconds of CPU the container has used since it started.
    pub cpu_total: u64,
    /// Nanoseconds of CPU the whole host has used.
    pub system_total: u64,
    pub online_cpus: u32,
    /// Bytes in use, not counting page cache the kernel can drop.
    pub memory_used: u64,
    pub memory_limit: u64,
}

impl StatsSample {
    /// CPU use between two readings, as `docker stats` reports it: 100% is one CPU busy.
    pub fn cpu_percent(&self, later: &StatsSample) -> Option<f64> {
        let cpu = later.cpu_total.checked_sub(self.cpu_total)?;
        let system = later.system_total.checked_sub(self.system_total)?;
        if system == 0 {
            return None;
        }
        let cpus = f64::from(later.online_cpus.max(1));
        Some(cpu as f64 / system as f64 * cpus * 100.0)
    }
}

/// Which of a process's output streams a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputStream {
    Stdout,
    Stderr,
}

/// Receives output as the engine sends it, in chunks that need not end at a line.
pub type OutputSink<'a> = &'a (dyn Fn(OutputStream, Bytes) + Send + Sync);

/// What to read of a container's log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogQuery {
    /// Keep the stream open for new lines until the container stops.
    pub follow: bool,
    /// Only the last lines; all of them without.
    pub tail: Option<u64>,
    /// Only lines logged at or after this many seconds since the epoch.
    pub since: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(cpu_total: u64, system_total: u64) -> StatsSample {
        StatsSample {
            cpu_total,
            system_total,
            online_cpus: 2,
            ..Default::default()
        }
    }

    #[test]
    fn cpu_percent_counts_one_busy_cpu_as_100() {
        // Half of all CPU time on a 2-CPU host is one CPU busy.
        let percent = sample(1_000, 10_000).cpu_percent(&sample(6_000, 20_000));
        assert_eq!(percent, Some(100.0));
    }

    #[test]
    fn cpu_percent_needs_time_to_pass() {
        assert_eq!(sample(0, 10).cpu_percent(&sample(0, 10)), None);
        // Counters that went back (a restart between readings) say nothing.
        assert_eq!(sample(50, 10).cpu_percent(&sample(0, 20)), None);
    }
}
