//! Reading a container without changing it: inspect, resource counters, one file.

use std::io::Read;

use bollard::errors::Error as BollardError;
use bollard::models::{ContainerCpuStats, ContainerMemoryStats, HealthStatusEnum};
use bollard::query_parameters::{
    ContainerArchiveInfoOptions, DownloadFromContainerOptions, StatsOptions, TopOptions,
};
use futures::StreamExt;

use super::docker::DockerEngine;
use super::error::EngineError;
use super::facts::{ContainerDetails, ProcessUsage, StatsSample};
use crate::plan::ContainerState;

impl DockerEngine {
    pub(super) async fn inspect_details(
        &self,
        name: &str,
    ) -> Result<Option<ContainerDetails>, EngineError> {
        let response = match self.client.inspect_container(name, None).await {
            Ok(response) => response,
            Err(err) => {
                return match self.fail(err, name) {
                    EngineError::NoSuchContainer { .. } => Ok(None),
                    err => Err(err),
                }
            }
        };
        let state = response.state.unwrap_or_default();
        // The last probe's output says why a container is unhealthy.
        let health_output = state
            .health
            .as_ref()
            .and_then(|health| health.log.as_ref()?.last()?.output.clone())
            .map(|output| output.trim().to_string())
            .filter(|output| !output.is_empty());
        let health = state
            .health
            .and_then(|health| health.status)
            .filter(|status| !matches!(status, HealthStatusEnum::EMPTY | HealthStatusEnum::NONE))
            .map(|status| status.to_string());
        Ok(Some(ContainerDetails {
            id: response.id.unwrap_or_default(),
            created: response.created,
            state: state
                .status
                .map(|status| ContainerState::parse(status.as_ref()))
                .unwrap_or(ContainerState::Unknown),
            exit_code: state.exit_code,
            health,
            health_output,
            started_at: state.started_at.filter(|time| !is_zero_time(time)),
            finished_at: state.finished_at.filter(|time| !is_zero_time(time)),
            restart_count: response.restart_count.unwrap_or(0),
            image: response.image.unwrap_or_default(),
            env: response
                .config
                .as_ref()
                .and_then(|config| config.env.clone())
                .unwrap_or_default(),
            labels: response
                .config
                .and_then(|config| config.labels)
                .unwrap_or_default()
                .into_iter()
                .collect(),
        }))
    }

    pub(super) async fn process_usage(&self, name: &str) -> Result<ProcessUsage, EngineError> {
        let options = TopOptions {
            ps_args: "-e -o pid,rss,pcpu".into(),
        };
        let top = self
            .client
            .top_processes(name, Some(options))
            .await
            .map_err(|err| self.fail(err, name))?;
        Ok(process_usage(
            &top.titles.unwrap_or_default(),
            &top.processes.unwrap_or_default(),
        ))
    }

    /// Without `one-shot`, the engine waits for its next sample and sends it with the one
    /// before.
    pub(super) async fn stats_samples(
        &self,
        name: &str,
    ) -> Result<(StatsSample, StatsSample), EngineError> {
        let options = StatsOptions {
            stream: false,
            one_shot: false,
        };
        let mut stream = self.client.stats(name, Some(options));
        match stream.next().await {
            Some(Ok(stats)) => Ok((
                sample(stats.precpu_stats.as_ref(), None),
                sample(stats.cpu_stats.as_ref(), stats.memory_stats.as_ref()),
            )),
            Some(Err(err)) => Err(self.fail(err, name)),
            None => Err(EngineError::Other("the engine sent no stats".into())),
        }
    }

    /// A HEAD request: the engine stats the path without archiving anything.
    pub(super) async fn stat_link(
        &self,
        name: &str,
        path: &str,
    ) -> Result<Option<String>, EngineError> {
        let options = ContainerArchiveInfoOptions {
            path: path.to_string(),
        };
        match self
            .client
            .get_container_archive_info(name, Some(options))
            .await
        {
            Ok(stat) => Ok(Some(stat.link_target).filter(|target| !target.is_empty())),
            // A HEAD answer has no body to tell a missing path from a missing container;
            // callers have inspected the container already.
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(err) => Err(self.fail(err, name)),
        }
    }

    pub(super) async fn read_one_file(
        &self,
        name: &str,
        path: &str,
    ) -> Result<Option<Vec<u8>>, EngineError> {
        let options = DownloadFromContainerOptions {
            path: path.to_string(),
        };
        // A container controls what it sends: past the limit, reading stops.
        let mut stream = self.client.download_from_container(name, Some(options));
        let mut archive = Vec::new();
        let mut chunks = Ok(());
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(chunk) if archive.len() + chunk.len() > MAX_FILE_READ => {
                    return Err(EngineError::Other(format!(
                        "{path} in the container is larger than {} MiB, more than jdeploy ever writes there",
                        MAX_FILE_READ / (1024 * 1024)
                    )));
                }
                Ok(chunk) => archive.extend_from_slice(&chunk),
                Err(err) => {
                    chunks = Err(err);
                    break;
                }
            }
        }
        let archive = match chunks {
            Ok(()) => archive,
            Err(BollardError::DockerResponseServerError {
                status_code: 404,
                message,
            }) if !message.to_lowercase().contains("no such container") => return Ok(None),
            Err(err) => return Err(self.fail(err, name)),
        };
        first_file(&archive)
            .map_err(|err| EngineError::Other(format!("cannot read {path} from the engine: {err}")))
    }
}

/// The most jdeploy reads of one file from a container (its releases list, a manifest,
/// a file for a diff): these are jdeploy's own small files.
pub const MAX_FILE_READ: usize = 16 * 1024 * 1024;

/// Docker says "never" with the zero time.
fn is_zero_time(time: &str) -> bool {
    time.starts_with("0001-01-01")
}

/// Sums `ps` columns over the container's processes; a column `ps` left out counts 0.
fn process_usage(titles: &[String], processes: &[Vec<String>]) -> ProcessUsage {
    let column = |title: &str| titles.iter().position(|found| found == title);
    let sum = |index: Option<usize>| -> f64 {
        let Some(index) = index else { return 0.0 };
        processes
            .iter()
            .filter_map(|process| process.get(index)?.trim().parse::<f64>().ok())
            .sum()
    };
    ProcessUsage {
        // ps gives RSS in KiB.
        memory_rss: (sum(column("RSS")) * 1024.0) as u64,
        cpu_percent: sum(column("%CPU")),
    }
}

fn sample(cpu: Option<&ContainerCpuStats>, memory: Option<&ContainerMemoryStats>) -> StatsSample {
    let usage = memory.and_then(|memory| memory.usage).unwrap_or(0);
    // Page cache the kernel can reclaim is not the container's to answer for; cgroup v1
    // calls it total_inactive_file, v2 inactive_file. `docker stats` subtracts it too.
    let cache = memory
        .and_then(|memory| memory.stats.as_ref())
        .and_then(|stats| {
            stats
                .get("total_inactive_file")
                .or_else(|| stats.get("inactive_file"))
                .copied()
        })
        .unwrap_or(0);
    StatsSample {
        cpu_total: cpu
            .and_then(|cpu| cpu.cpu_usage.as_ref())
            .and_then(|usage| usage.total_usage)
            .unwrap_or(0),
        system_total: cpu.and_then(|cpu| cpu.system_cpu_usage).unwrap_or(0),
        online_cpus: cpu.and_then(|cpu| cpu.online_cpus).unwrap_or(1),
        memory_used: usage.saturating_sub(cache),
        memory_limit: memory.and_then(|memory| memory.limit).unwrap_or(0),
    }
}

/// The content of the first regular file in a tar archive, none if it holds no file.
fn first_file(archive: &[u8]) -> std::io::Result<Option<Vec<u8>>> {
    let mut archive = tar::Archive::new(archive);
    for entry in archive.entries()? {
        let mut entry = entry?;
        if entry.header().entry_type().is_file() {
            let mut data = Vec::new();
            entry.read_to_end(&mut data)?;
            return Ok(Some(data));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_usage_sums_the_columns_ps_gave() {
        let titles = ["PID", "RSS", "%CPU"].map(String::from);
        let processes =
            [["1", "1720", "0.5"], ["9", "1380", "12.0"]].map(|row| row.map(String::from).to_vec());
        let usage = process_usage(&titles, &processes);
        assert_eq!(usage.memory_rss, 3100 * 1024);
        assert!((usage.cpu_percent - 12.5).abs() < 1e-9);
        let none = process_usage(&titles[..1], &processes);
        assert_eq!(none, ProcessUsage::default());
    }
}
