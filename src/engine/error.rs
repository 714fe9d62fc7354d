//! Why an engine call failed, in words an operator can act on.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EngineError {
    #[error("cannot reach the engine at {endpoint}: {cause}")]
    Unreachable { endpoint: String, cause: String },
    #[error("the engine at {endpoint} did not answer within {seconds}s")]
    ConnectTimeout { endpoint: String, seconds: u32 },
    #[error("image {image} is not on this host; `jdeploy image push {image}` sends it there")]
    NoSuchImage { image: String },
    #[error(
        "container {name} does not exist on this host; run `jdeploy create` for its group first"
    )]
    NoSuchContainer { name: String },
    #[error("container {name} is not running")]
    NotRunning { name: String },
    #[error("container name {name} is taken by another container")]
    NameConflict { name: String },
    #[error("the engine did not answer within {seconds}s")]
    Timeout { seconds: u64 },
    #[error("the engine refused: {message} (HTTP {status})")]
    Api { status: u16, message: String },
    /// A hook run in the container failed.
    #[error("{hook} hook {detail}")]
    Hook { hook: String, detail: String },
    #[error("{0}")]
    Other(String),
}

/// What kind of failure a unit met, for scripts that react to it (`error_kind` in JSON).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The host's engine could not be reached.
    Unreachable,
    /// The engine did not answer in time.
    Timeout,
    /// The container, image or release is not there.
    NotFound,
    /// Something else holds the name or the state the call needed.
    Conflict,
    /// jdeploy would not do it: unsafe, or not what the request may do.
    Refused,
    /// The engine failed the call.
    Engine,
    /// A hook failed: it exited non-zero or outlived its timeout.
    Hook,
    /// The container did not pass its gate after its restart: it exited, restarted,
    /// reported unhealthy, or was not up in time.
    Unhealthy,
}

impl EngineError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::Unreachable { .. } | EngineError::ConnectTimeout { .. } => {
                ErrorKind::Unreachable
            }
            EngineError::Timeout { .. } => ErrorKind::Timeout,
            EngineError::NoSuchImage { .. } | EngineError::NoSuchContainer { .. } => {
                ErrorKind::NotFound
            }
            EngineError::NotRunning { .. } | EngineError::NameConflict { .. } => {
                ErrorKind::Conflict
            }
            EngineError::Api { status: 404, .. } => ErrorKind::NotFound,
            EngineError::Api { status: 409, .. } => ErrorKind::Conflict,
            EngineError::Hook { .. } => ErrorKind::Hook,
            EngineError::Api { .. } | EngineError::Other(_) => ErrorKind::Engine,
        }
    }
}
