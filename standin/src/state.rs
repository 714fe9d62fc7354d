//! One engine's containers, execs and events, and the changes API calls make to them,
//! with Docker's errors.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::SystemTime;

use bytes::Bytes;
use serde_json::Value;

use crate::files::Files;
use crate::images::Images;

/// An API error as Docker answers it: a status and `{"message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunState {
    Created,
    Running,
    Exited,
}

impl RunState {
    pub fn name(self) -> &'static str {
        match self {
            RunState::Created => "created",
            RunState::Running => "running",
            RunState::Exited => "exited",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Container {
    pub id: String,
    pub name: String,
    /// The image as the create request named it, and its id.
    pub image: String,
    pub image_id: String,
    /// The create request, which inspect gives back as `Config` and `HostConfig`.
    pub body: Value,
    pub state: RunState,
    pub exit_code: i64,
    pub pid: u32,
    pub created: SystemTime,
    pub started_at: Option<SystemTime>,
    pub finished_at: Option<SystemTime>,
    pub restart_count: i64,
    pub files: Files,
    pub logs: Vec<LogLine>,
}

#[derive(Debug, Clone)]
pub(crate) struct LogLine {
    pub at: SystemTime,
    /// 1 stdout, 2 stderr, as Docker's stream header says.
    pub stream: u8,
    pub text: Bytes,
}

#[derive(Debug, Clone)]
pub(crate) struct Exec {
    pub container: String,
    pub cmd: Vec<String>,
    pub exit_code: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// Counts from 1 on each engine: which events a stream has sent.
    pub seq: u64,
    pub at: SystemTime,
    pub action: &'static str,
    pub id: String,
    pub name: String,
    pub image: String,
    pub exit_code: Option<i64>,
}

/// Events kept per engine, oldest dropped first.
const EVENTS_KEPT: usize = 10_000;

#[derive(Debug)]
pub(crate) struct EngineState {
    pub containers: BTreeMap<String, Container>,
    names: HashMap<String, String>,
    pub images: Images,
    pub execs: HashMap<String, Exec>,
    pub events: VecDeque<Event>,
    /// Events ever recorded, the last one's `seq`.
    pub events_seen: u64,
    seed: u64,
    next_pid: u32,
}

impl EngineState {
    pub fn new(index: usize, images: &[String]) -> Self {
        let mut state = Self {
            containers: BTreeMap::new(),
            names: HashMap::new(),
            images: Images::default(),
            execs: HashMap::new(),
            events: VecDeque::new(),
            events_seen: 0,
            seed: (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            next_pid: 100,
        };
        for name in images {
            state.images.add(name, SystemTime::now());
        }
        state
    }

    /// A fresh 64-hex-digit id, as Docker's.
    pub fn new_id(&mut self) -> String {
        (0..4).map(|_| format!("{:016x}", self.next())).collect()
    }

    /// splitmix64: ids differ across engines and runs of one engine repeat.
    fn next(&mut self) -> u64 {
        self.seed = self.seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The id of the container `key` names: its name, id or a unique prefix of its id.
    pub fn find(&self, key: &str) -> ApiResult<String> {
        let key = key.trim_start_matches('/');
        if let Some(id) = self.names.get(key) {
            return Ok(id.clone());
        }
        if self.containers.contains_key(key) {
            return Ok(key.to_string());
        }
        let mut prefixed = self
            .containers
            .range(key.to_string()..)
            .take_while(|(id, _)| id.starts_with(key));
        match (key.is_empty(), prefixed.next(), prefixed.next()) {
            (false, Some((id, _)), None) => Ok(id.clone()),
            _ => Err(ApiError::new(404, format!("No such container: {key}"))),
        }
    }

    pub fn get(&self, key: &str) -> ApiResult<&Container> {
        let id = self.find(key)?;
        Ok(&self.containers[&id])
    }

    pub fn get_mut(&mut self, key: &str) -> ApiResult<&mut Container> {
        let id = self.find(key)?;
        Ok(self.containers.get_mut(&id).expect("found by id"))
    }

    fn taken(&self, name: &str) -> ApiResult<()> {
        match self.names.get(name) {
            Some(id) => Err(ApiError::new(
                409,
                format!(
                    "Conflict. The container name \"/{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name."
                ),
            )),
            None => Ok(()),
        }
    }

    pub fn create(&mut self, name: Option<&str>, body: Value) -> ApiResult<String> {
        let id = self.new_id();
        let name = match name {
            Some(name) => {
                let name = name.trim_start_matches('/');
                if !valid_name(name) {
                    return Err(ApiError::new(
                        400,
                        format!("Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"),
                    ));
                }
                name.to_string()
            }
            None => format!("standin_{}", &id[..12]),
        };
        self.taken(&name)?;
        let image = body["Image"].as_str().unwrap_or_default().to_string();
        let image_id = match self.images.find(&image) {
            Some(found) => found.id.clone(),
            None => return Err(ApiError::new(404, format!("No such image: {image}"))),
        };
        let container = Container {
            id: id.clone(),
            name: name.clone(),
            image,
            image_id,
            body,
            state: RunState::Created,
            exit_code: 0,
            pid: 0,
            created: SystemTime::now(),
            started_at: None,
            finished_at: None,
            restart_count: 0,
            files: Files::default(),
            logs: Vec::new(),
        };
        self.names.insert(name, id.clone());
        self.containers.insert(id.clone(), container);
        self.event(&id, "create", None);
        Ok(id)
    }

    /// False when it was running already (Docker's 304).
    pub fn start(&mut self, key: &str) -> ApiResult<bool> {
        let id = self.find(key)?;
        self.next_pid += 1;
        let pid = self.next_pid;
        let container = self.containers.get_mut(&id).expect("found by id");
        if container.state == RunState::Running {
            return Ok(false);
        }
        container.state = RunState::Running;
        container.exit_code = 0;
        container.pid = pid;
        container.started_at = Some(SystemTime::now());
        self.event(&id, "start", None);
        Ok(true)
    }

    /// False when it was not running (Docker's 304).
    pub fn stop(&mut self, key: &str) -> ApiResult<bool> {
        let id = self.find(key)?;
        let stopped = self.exit(&id, 0);
        if stopped {
            self.event(&id, "stop", None);
        }
        Ok(stopped)
    }

    /// Ends a running container's process with `code`; false if it was not running.
    pub fn exit(&mut self, id: &str, code: i64) -> bool {
        let Some(container) = self.containers.get_mut(id) else {
            return false;
        };
        if container.state != RunState::Running {
            return false;
        }
        container.state = RunState::Exited;
        container.exit_code = code;
        container.pid = 0;
        container.finished_at = Some(SystemTime::now());
        self.event(id, "die", Some(code));
        true
    }

    /// A restart asked for resets the count of restarts Docker's policy made.
    pub fn restart(&mut self, key: &str) -> ApiResult<()> {
        let id = self.find(key)?;
        self.exit(&id, 0);
        self.start(&id)?;
        self.containers
            .get_mut(&id)
            .expect("found by id")
            .restart_count = 0;
        self.event(&id, "restart", None);
        Ok(())
    }

    pub fn rename(&mut self, key: &str, to: &str) -> ApiResult<()> {
        let id = self.find(key)?;
        let to = to.trim_start_matches('/');
        if !valid_name(to) {
            return Err(ApiError::new(400, format!("Invalid container name ({to})")));
        }
        self.taken(to)?;
        let container = self.containers.get_mut(&id).expect("found by id");
        let from = std::mem::replace(&mut container.name, to.to_string());
        self.names.remove(&from);
        self.names.insert(to.to_string(), id.clone());
        self.event(&id, "rename", None);
        Ok(())
    }

    pub fn remove(&mut self, key: &str, force: bool) -> ApiResult<()> {
        let id = self.find(key)?;
        let container = &self.containers[&id];
        if container.state == RunState::Running && !force {
            return Err(ApiError::new(
                409,
                format!(
                    "cannot remove container \"/{}\": container is running: stop the container before removing or force remove",
                    container.name
                ),
            ));
        }
        self.exit(&id, 137);
        self.event(&id, "destroy", None);
        let container = self.containers.remove(&id).expect("found by id");
        self.names.remove(&container.name);
        self.execs.retain(|_, exec| exec.container != id);
        Ok(())
    }

    pub fn exec_create(&mut self, key: &str, cmd: Vec<String>) -> ApiResult<String> {
        let container = self.get(key)?;
        if container.state != RunState::Running {
            return Err(ApiError::new(
                409,
                format!("Container {} is not running", container.id),
            ));
        }
        let container = container.id.clone();
        let id = self.new_id();
        let exec = Exec {
            container,
            cmd,
            exit_code: None,
        };
        self.execs.insert(id.clone(), exec);
        Ok(id)
    }

    pub fn exec(&mut self, id: &str) -> ApiResult<&mut Exec> {
        self.execs
            .get_mut(id)
            .ok_or_else(|| ApiError::new(404, format!("No such exec instance: {id}")))
    }

    fn event(&mut self, id: &str, action: &'static str, exit_code: Option<i64>) {
        let Some(container) = self.containers.get(id) else {
            return;
        };
        if self.events.len() == EVENTS_KEPT {
            self.events.pop_front();
        }
        self.events_seen += 1;
        self.events.push_back(Event {
            seq: self.events_seen,
            at: SystemTime::now(),
            action,
            id: id.to_string(),
            name: container.name.clone(),
            image: container.image.clone(),
            exit_code,
        });
    }
}

/// Docker's rule for container names.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> EngineState {
        EngineState::new(0, &["busybox:latest".to_string()])
    }

    #[test]
    fn names_are_unique_and_found_by_id_prefix() {
        let mut state = engine();
        let body = serde_json::json!({"Image": "busybox"});
        let id = state.create(Some("web_1"), body.clone()).unwrap();
        let conflict = state.create(Some("web_1"), body.clone()).unwrap_err();
        assert_eq!(conflict.status, 409);
        assert!(conflict.message.contains("is already in use"));
        assert_eq!(state.find(&id[..10]).unwrap(), id);
        assert_eq!(state.find("/web_1").unwrap(), id);
        assert_eq!(state.find("web_2").unwrap_err().status, 404);
        let missing = state
            .create(Some("web_2"), serde_json::json!({"Image": "nope:1"}))
            .unwrap_err();
        assert_eq!(missing, ApiError::new(404, "No such image: nope:1"));
    }

    #[test]
    fn starting_stopping_and_removing() {
        let mut state = engine();
        let body = serde_json::json!({"Image": "busybox:latest"});
        state.create(Some("web_1"), body).unwrap();
        assert!(state.start("web_1").unwrap());
        assert!(!state.start("web_1").unwrap());
        assert_eq!(state.remove("web_1", false).unwrap_err().status, 409);
        assert!(state.stop("web_1").unwrap());
        assert!(!state.stop("web_1").unwrap());
        state.rename("web_1", "web_2").unwrap();
        state.remove("web_2", false).unwrap();
        assert!(state.containers.is_empty());
        let actions: Vec<&str> = state.events.iter().map(|event| event.action).collect();
        assert_eq!(
            actions,
            ["create", "start", "die", "stop", "rename", "destroy"]
        );
    }
}
