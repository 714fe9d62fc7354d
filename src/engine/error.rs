//! Why an engine call failed, in words an operator can act on.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EngineError {
    #[error("cannot reach the engine at {endpoint}: {cause}")]
    Unreachable { endpoint: String, cause: String },
    #[error("the engine at {endpoint} did not answer within {seconds}s")]
    ConnectTimeout { endpoint: String, seconds: u32 },
    #[error("image {image} is not on this host; load it there first (docker load or docker pull)")]
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
    #[error("{0}")]
    Other(String),
}
