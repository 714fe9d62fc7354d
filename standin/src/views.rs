//! Containers and events as the Engine API describes them in JSON.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::images::seconds;
use crate::state::{Container, Event, RunState};

/// RFC 3339 with nanoseconds; Docker writes the zero time for "never".
pub(crate) fn time(at: Option<SystemTime>) -> String {
    match at {
        Some(at) => humantime::format_rfc3339_nanos(at).to_string(),
        None => "0001-01-01T00:00:00Z".into(),
    }
}

impl Container {
    fn labels(&self) -> Value {
        self.body
            .get("Labels")
            .filter(|labels| labels.is_object())
            .cloned()
            .unwrap_or_else(|| json!({}))
    }

    fn cmd(&self) -> Vec<String> {
        let strings = |value: &Value| -> Vec<String> {
            value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|part| part.as_str().map(str::to_string))
                .collect()
        };
        let mut cmd = strings(&self.body["Entrypoint"]);
        cmd.extend(strings(&self.body["Cmd"]));
        cmd
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.body["Labels"][key].as_str()
    }

    /// `GET /containers/{id}/json`.
    pub fn inspect(&self) -> Value {
        let cmd = self.cmd();
        let running = self.state == RunState::Running;
        let mut config = json!({
            "Hostname": &self.id[..12],
            "Image": self.image,
            "Cmd": self.body.get("Cmd").cloned().unwrap_or(Value::Null),
            "Entrypoint": self.body.get("Entrypoint").cloned().unwrap_or(Value::Null),
            "Env": self.body.get("Env").cloned().unwrap_or_else(|| json!([])),
            "Labels": self.labels(),
            "AttachStdout": false,
            "AttachStderr": false,
            "Tty": false,
        });
        for key in [
            "Healthcheck",
            "ExposedPorts",
            "StopTimeout",
            "WorkingDir",
            "User",
        ] {
            if let Some(value) = self.body.get(key).filter(|value| !value.is_null()) {
                config[key] = value.clone();
            }
        }
        let mut state = json!({
            "Status": self.state.name(),
            "Running": running,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": false,
            "Dead": false,
            "Pid": self.pid,
            "ExitCode": self.exit_code,
            "Error": "",
            "StartedAt": time(self.started_at),
            "FinishedAt": time(self.finished_at),
        });
        // The stand-in's probes always pass.
        if self.body["Healthcheck"]["Test"].is_array() {
            let status = if running { "healthy" } else { "unhealthy" };
            state["Health"] = json!({"Status": status, "FailingStreak": 0, "Log": []});
        }
        json!({
            "Id": self.id,
            "Created": time(Some(self.created)),
            "Path": cmd.first().cloned().unwrap_or_default(),
            "Args": cmd.iter().skip(1).collect::<Vec<_>>(),
            "State": state,
            "Image": self.image_id,
            "Name": format!("/{}", self.name),
            "RestartCount": self.restart_count,
            "Driver": "overlay2",
            "Platform": "linux",
            "MountLabel": "",
            "ProcessLabel": "",
            "AppArmorProfile": "",
            "HostConfig": self.body.get("HostConfig").cloned().unwrap_or_else(|| json!({})),
            "Mounts": [],
            "Config": config,
            "NetworkSettings": {"Networks": {}},
        })
    }

    /// One entry of `GET /containers/json`.
    pub fn summary(&self) -> Value {
        let status = match self.state {
            RunState::Created => "Created".to_string(),
            RunState::Running => "Up".to_string(),
            RunState::Exited => format!("Exited ({})", self.exit_code),
        };
        json!({
            "Id": self.id,
            "Names": [format!("/{}", self.name)],
            "Image": self.image,
            "ImageID": self.image_id,
            "Command": self.cmd().join(" "),
            "Created": seconds(self.created),
            "State": self.state.name(),
            "Status": status,
            "Labels": self.labels(),
            "Ports": [],
            "Mounts": [],
            "HostConfig": {"NetworkMode": "bridge"},
            "NetworkSettings": {"Networks": {}},
        })
    }

    /// `GET /containers/{id}/top`, the columns `ps_args` asks for with `-o`.
    pub fn top(&self, ps_args: &str) -> Value {
        let columns: Vec<&str> = match ps_args
            .split_whitespace()
            .skip_while(|arg| *arg != "-o")
            .nth(1)
        {
            Some(list) => list.split(',').collect(),
            None => vec!["uid", "pid", "ppid", "c", "stime", "tty", "time", "cmd"],
        };
        let titles: Vec<String> = columns.iter().map(|column| title(column)).collect();
        let row: Vec<String> = columns
            .iter()
            .map(|column| match *column {
                "pid" => self.pid.to_string(),
                "ppid" => "0".into(),
                "rss" => "1720".into(),
                "vsz" => "4400".into(),
                "pcpu" | "%cpu" | "c" => "0.5".into(),
                "pmem" | "%mem" => "0.1".into(),
                "uid" | "user" => "root".into(),
                "cmd" | "args" | "comm" => self.cmd().join(" "),
                _ => "-".into(),
            })
            .collect();
        json!({"Titles": titles, "Processes": [row]})
    }

    /// `GET /containers/{id}/stats` without streaming: the sample `now` and, unless
    /// `one_shot`, the one taken `interval` before it.
    pub fn stats(&self, now: SystemTime, before: Option<SystemTime>) -> Value {
        let sample = |at: SystemTime| {
            let up = match (self.state, self.started_at) {
                (RunState::Running, Some(started)) => {
                    at.duration_since(started).unwrap_or_default().as_nanos() as u64
                }
                _ => 0,
            };
            let system = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as u64;
            json!({
                // One percent of one CPU since it started.
                "cpu_usage": {"total_usage": up / 100, "usage_in_kernelmode": 0, "usage_in_usermode": up / 100},
                "system_cpu_usage": system * 2,
                "online_cpus": 2,
                "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0},
            })
        };
        let running = self.state == RunState::Running;
        let empty =
            json!({"cpu_usage": {"total_usage": 0}, "system_cpu_usage": 0, "online_cpus": 0});
        let memory = if running {
            json!({"usage": 9 << 20, "limit": 2u64 << 30, "stats": {"inactive_file": 1 << 20}})
        } else {
            json!({})
        };
        json!({
            "id": self.id,
            "name": format!("/{}", self.name),
            "read": time(Some(now)),
            "preread": time(before),
            "cpu_stats": if running { sample(now) } else { empty.clone() },
            "precpu_stats": match before {
                Some(before) if running => sample(before),
                _ => empty,
            },
            "memory_stats": memory,
            "pids_stats": {"current": u32::from(running)},
            "num_procs": 0,
        })
    }
}

fn title(column: &str) -> String {
    match column {
        "pcpu" | "%cpu" => "%CPU".into(),
        "pmem" | "%mem" => "%MEM".into(),
        "args" | "comm" => "COMMAND".into(),
        "c" => "C".into(),
        other => other.to_uppercase(),
    }
}

impl Event {
    /// One line of `GET /events`.
    pub fn json(&self) -> Value {
        let nanos = self
            .at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64;
        let mut attributes = json!({"name": self.name, "image": self.image});
        if let Some(code) = self.exit_code {
            attributes["exitCode"] = json!(code.to_string());
        }
        json!({
            "Type": "container",
            "Action": self.action,
            "status": self.action,
            "id": self.id,
            "from": self.image,
            "Actor": {"ID": self.id, "Attributes": attributes},
            "scope": "local",
            "time": nanos / 1_000_000_000,
            "timeNano": nanos,
        })
    }
}
