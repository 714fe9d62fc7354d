//! Engine API paths to the call they make, with a label to count them by.

use hyper::Method;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Ping,
    Version,
    Info,
    Events,
    ListContainers,
    CreateContainer,
    Inspect(String),
    Top(String),
    Logs(String),
    Stats(String),
    Start(String),
    Stop(String),
    Restart(String),
    Rename(String),
    Remove(String),
    StatPath(String),
    GetArchive(String),
    PutArchive(String),
    ExecCreate(String),
    ExecStart(String),
    ExecInspect(String),
    ListImages,
    InspectImage(String),
    ExportImage(String),
    CreateImage,
    LoadImage,
    Unknown,
}

/// The path without the `/v1.47` a versioned client puts before it.
pub(crate) fn unversioned(path: &str) -> &str {
    let Some(rest) = path.strip_prefix("/v") else {
        return path;
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let version = &rest[..end];
    let numeric = version
        .split_once('.')
        .is_some_and(|(major, minor)| is_number(major) && is_number(minor));
    if numeric {
        &rest[end..]
    } else {
        path
    }
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// The call `method` on `path` (unversioned) makes, and its label.
pub(crate) fn route(method: &Method, path: &str) -> (Route, &'static str) {
    let parts: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
    let id = |at: usize| parts[at].to_string();
    let m = method.as_str();
    // Image names hold slashes: `/images/{name}/json`.
    if parts.first() == Some(&"images") && parts.len() >= 3 {
        let name = parts[1..parts.len() - 1].join("/");
        match (m, parts[parts.len() - 1]) {
            ("GET", "json") => return (Route::InspectImage(name), "GET /images/{name}/json"),
            ("GET", "get") => return (Route::ExportImage(name), "GET /images/{name}/get"),
            _ => {}
        }
    }
    match (m, parts.as_slice()) {
        ("GET" | "HEAD", ["_ping"]) => (Route::Ping, "GET /_ping"),
        ("GET", ["version"]) => (Route::Version, "GET /version"),
        ("GET", ["info"]) => (Route::Info, "GET /info"),
        ("GET", ["events"]) => (Route::Events, "GET /events"),
        ("GET", ["containers", "json"]) => (Route::ListContainers, "GET /containers/json"),
        ("POST", ["containers", "create"]) => (Route::CreateContainer, "POST /containers/create"),
        ("GET", ["containers", _, "json"]) => (Route::Inspect(id(1)), "GET /containers/{id}/json"),
        ("GET", ["containers", _, "top"]) => (Route::Top(id(1)), "GET /containers/{id}/top"),
        ("GET", ["containers", _, "logs"]) => (Route::Logs(id(1)), "GET /containers/{id}/logs"),
        ("GET", ["containers", _, "stats"]) => (Route::Stats(id(1)), "GET /containers/{id}/stats"),
        ("POST", ["containers", _, "start"]) => {
            (Route::Start(id(1)), "POST /containers/{id}/start")
        }
        ("POST", ["containers", _, "stop"]) => (Route::Stop(id(1)), "POST /containers/{id}/stop"),
        ("POST", ["containers", _, "restart"]) => {
            (Route::Restart(id(1)), "POST /containers/{id}/restart")
        }
        ("POST", ["containers", _, "rename"]) => {
            (Route::Rename(id(1)), "POST /containers/{id}/rename")
        }
        ("DELETE", ["containers", _]) => (Route::Remove(id(1)), "DELETE /containers/{id}"),
        ("HEAD", ["containers", _, "archive"]) => {
            (Route::StatPath(id(1)), "HEAD /containers/{id}/archive")
        }
        ("GET", ["containers", _, "archive"]) => {
            (Route::GetArchive(id(1)), "GET /containers/{id}/archive")
        }
        ("PUT", ["containers", _, "archive"]) => {
            (Route::PutArchive(id(1)), "PUT /containers/{id}/archive")
        }
        ("POST", ["containers", _, "exec"]) => {
            (Route::ExecCreate(id(1)), "POST /containers/{id}/exec")
        }
        ("POST", ["exec", _, "start"]) => (Route::ExecStart(id(1)), "POST /exec/{id}/start"),
        ("GET", ["exec", _, "json"]) => (Route::ExecInspect(id(1)), "GET /exec/{id}/json"),
        ("GET", ["images", "json"]) => (Route::ListImages, "GET /images/json"),
        ("POST", ["images", "create"]) => (Route::CreateImage, "POST /images/create"),
        ("POST", ["images", "load"]) => (Route::LoadImage, "POST /images/load"),
        _ => (Route::Unknown, "other"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_cut_off() {
        assert_eq!(unversioned("/v1.47/containers/json"), "/containers/json");
        assert_eq!(unversioned("/version"), "/version");
        assert_eq!(unversioned("/v1.x/containers"), "/v1.x/containers");
    }

    #[test]
    fn paths_name_their_calls() {
        let (called, label) = route(&Method::GET, "/containers/web_1/json");
        assert_eq!(called, Route::Inspect("web_1".into()));
        assert_eq!(label, "GET /containers/{id}/json");
        let (called, _) = route(&Method::GET, "/images/library/busybox:1/json");
        assert_eq!(called, Route::InspectImage("library/busybox:1".into()));
        assert_eq!(route(&Method::PATCH, "/containers/web_1").0, Route::Unknown);
    }
}
