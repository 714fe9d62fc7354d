//! `/containers/{id}/archive`: a path's stat (HEAD), the path as a tar (GET), and a tar
//! unpacked into a directory (PUT).

use base64::Engine as _;
use hyper::header::HeaderValue;

use super::Call;
use crate::body::{self, Answer};
use crate::server::Engine;
use crate::state::ApiError;

const PATH_STAT: &str = "X-Docker-Container-Path-Stat";

fn path(call: &Call) -> Result<&str, ApiError> {
    call.query("path")
        .filter(|path| !path.is_empty())
        .ok_or_else(|| ApiError::new(400, "path is required"))
}

fn not_found(path: &str, container: &str) -> ApiError {
    ApiError::new(
        404,
        format!("Could not find the file {path} in container {container}"),
    )
}

/// The path's stat, as Docker puts it in a header: base64 of its JSON.
fn stat_header(stat: &serde_json::Value) -> HeaderValue {
    let json = serde_json::to_vec(stat).expect("plain JSON");
    let encoded = base64::engine::general_purpose::STANDARD.encode(json);
    HeaderValue::from_str(&encoded).expect("base64 is a valid header")
}

pub(super) fn stat(engine: &Engine, key: &str, call: &Call) -> Answer {
    let state = engine.state();
    let found = path(call).and_then(|path| {
        let container = state.get(key)?;
        container
            .files
            .stat(path)
            .ok_or_else(|| not_found(path, key))
    });
    match found {
        Ok(stat) => {
            let mut answer = body::empty(200);
            answer.headers_mut().insert(PATH_STAT, stat_header(&stat));
            answer
        }
        Err(err) => body::error(&err),
    }
}

pub(super) fn get(engine: &Engine, key: &str, call: &Call) -> Answer {
    let state = engine.state();
    let found = path(call).and_then(|path| {
        let files = &state.get(key)?.files;
        let missing = || not_found(path, key);
        let stat = files.stat(path).ok_or_else(missing)?;
        let archive = files.archive(path).ok_or_else(missing)?;
        Ok((stat, archive))
    });
    match found {
        Ok((stat, archive)) => {
            let mut answer = body::full(200, "application/x-tar", archive);
            answer.headers_mut().insert(PATH_STAT, stat_header(&stat));
            answer
        }
        Err(err) => body::error(&err),
    }
}

pub(super) fn put(engine: &Engine, key: &str, call: &Call) -> Answer {
    let mut state = engine.state();
    let done = path(call).and_then(|path| {
        let container = state.get_mut(key)?;
        container.files.unpack(path, &call.body).map_err(|err| {
            match err.starts_with("Could not find") {
                true => not_found(path, key),
                false => ApiError::new(500, err),
            }
        })
    });
    match done {
        Ok(()) => body::empty(200),
        Err(err) => body::error(&err),
    }
}
