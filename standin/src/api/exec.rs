//! Execs: created in a running container, started attached (an upgraded connection
//! carrying the multiplexed output, as Docker's) or detached, then inspected for their
//! exit code. What a command prints and exits with comes from the engine's rules.

use hyper::header::{CONNECTION, CONTENT_TYPE, UPGRADE};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::Call;
use crate::body::{self, Answer, MULTIPLEXED};
use crate::config::ExecRule;
use crate::server::Engine;

pub(super) fn create(engine: &Engine, key: &str, call: &Call) -> Answer {
    let body = match call.json() {
        Ok(body) => body,
        Err(err) => return body::error(&err),
    };
    let cmd: Vec<String> = body["Cmd"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|part| part.as_str().map(str::to_string))
        .collect();
    let created = engine.state().exec_create(key, cmd);
    body::answer(created.map(|id| json!({"Id": id})), 201)
}

pub(super) fn start(engine: &Engine, id: &str, call: Call) -> Answer {
    let detach = call
        .json()
        .map(|body| body["Detach"].as_bool().unwrap_or(false))
        .unwrap_or(false);
    let output = {
        let mut state = engine.state();
        let exec = match state.exec(id) {
            Ok(exec) => exec,
            Err(err) => return body::error(&err),
        };
        let line = exec.cmd.join(" ");
        let rule = engine
            .config
            .exec
            .iter()
            .find(|rule| line.contains(&rule.contains))
            .cloned()
            .unwrap_or_else(|| ExecRule::new("", 0));
        exec.exit_code = Some(rule.exit_code);
        let mut output = Vec::new();
        if !rule.stdout.is_empty() {
            output.extend(body::frame(1, rule.stdout.as_bytes()));
        }
        if !rule.stderr.is_empty() {
            output.extend(body::frame(2, rule.stderr.as_bytes()));
        }
        output
    };
    if detach {
        return body::empty(200);
    }
    let Some(upgrade) = call.upgrade else {
        return body::full(200, MULTIPLEXED, output);
    };
    tokio::spawn(async move {
        if let Ok(upgraded) = upgrade.await {
            let mut stream = TokioIo::new(upgraded);
            let _ = stream.write_all(&output).await;
            let _ = stream.shutdown().await;
        }
    });
    let mut answer = body::empty(101);
    let headers = answer.headers_mut();
    headers.insert(CONNECTION, "Upgrade".parse().expect("a header"));
    headers.insert(UPGRADE, "tcp".parse().expect("a header"));
    headers.insert(CONTENT_TYPE, MULTIPLEXED.parse().expect("a header"));
    answer
}

pub(super) fn inspect(engine: &Engine, id: &str) -> Answer {
    let mut state = engine.state();
    let found = state.exec(id).map(|exec| {
        json!({
            "ID": id,
            "Running": false,
            "ExitCode": exec.exit_code,
            "ContainerID": exec.container,
            "ProcessConfig": {
                "entrypoint": exec.cmd.first().cloned().unwrap_or_default(),
                "arguments": exec.cmd.iter().skip(1).collect::<Vec<_>>(),
                "tty": false,
                "privileged": false,
            },
            "OpenStdin": false,
            "OpenStdout": true,
            "OpenStderr": true,
            "CanRemove": false,
            "DetachKeys": "",
            "Pid": 0,
        })
    });
    body::answer(found, 200)
}
