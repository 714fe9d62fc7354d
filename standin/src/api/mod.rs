//! Each Engine API call, answered from the engine's state.

mod archive;
mod containers;
mod exec;
mod system;

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::upgrade::OnUpgrade;
use hyper::Request;

use crate::body::{self, Answer};
use crate::route::Route;
use crate::server::Engine;
use crate::state::ApiError;

/// A request's query, body, and the upgrade it asked for (an attached exec's stream).
pub(crate) struct Call {
    query: HashMap<String, String>,
    body: Bytes,
    upgrade: Option<OnUpgrade>,
}

impl Call {
    fn query(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }

    /// Docker's booleans: `1`, `true`, `True`.
    fn flag(&self, key: &str, default: bool) -> bool {
        match self.query(key) {
            Some(value) => matches!(value, "1" | "true" | "True" | "TRUE"),
            None => default,
        }
    }

    fn json(&self) -> Result<serde_json::Value, ApiError> {
        if self.body.is_empty() {
            return Ok(serde_json::json!({}));
        }
        serde_json::from_slice(&self.body)
            .map_err(|err| ApiError::new(400, format!("invalid JSON: {err}")))
    }

    /// The `filters` parameter: `{"label": ["a=b"]}` or `{"label": {"a=b": true}}`.
    fn filters(&self) -> Result<HashMap<String, Vec<String>>, ApiError> {
        let Some(text) = self.query("filters").filter(|text| !text.is_empty()) else {
            return Ok(HashMap::new());
        };
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|err| ApiError::new(400, format!("invalid filter: {err}")))?;
        let object = value
            .as_object()
            .ok_or_else(|| ApiError::new(400, "invalid filter: not an object"))?;
        Ok(object
            .iter()
            .map(|(key, values)| {
                let values = match values {
                    serde_json::Value::Array(list) => list
                        .iter()
                        .filter_map(|value| value.as_str().map(str::to_string))
                        .collect(),
                    serde_json::Value::Object(set) => set.keys().cloned().collect(),
                    _ => Vec::new(),
                };
                (key.clone(), values)
            })
            .collect())
    }
}

pub(crate) async fn handle(
    engine: &Arc<Engine>,
    route: Route,
    mut request: Request<Incoming>,
) -> Answer {
    let upgrade = request
        .headers()
        .contains_key(hyper::header::UPGRADE)
        .then(|| hyper::upgrade::on(&mut request));
    let query = request
        .uri()
        .query()
        .map(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => {
            return body::error(&ApiError::new(400, format!("cannot read the body: {err}")))
        }
    };
    let call = Call {
        query,
        body,
        upgrade,
    };
    match route {
        Route::Ping => system::ping(engine),
        Route::Version => system::version(engine),
        Route::Info => system::info(engine),
        Route::Events => system::events(engine, &call),
        Route::ListImages => system::list_images(engine),
        Route::InspectImage(name) => system::inspect_image(engine, &name),
        Route::ExportImage(name) => system::export_image(engine, &name),
        Route::CreateImage => system::create_image(engine, &call),
        Route::LoadImage => system::load_image(engine, &call),
        Route::ListContainers => containers::list(engine, &call),
        Route::CreateContainer => containers::create(engine, &call),
        Route::Inspect(id) => containers::inspect(engine, &id),
        Route::Start(id) => containers::start(engine, &id),
        Route::Stop(id) => containers::stop(engine, &id),
        Route::Restart(id) => containers::restart(engine, &id),
        Route::Rename(id) => containers::rename(engine, &id, &call),
        Route::Remove(id) => containers::remove(engine, &id, &call),
        Route::Top(id) => containers::top(engine, &id, &call),
        Route::Stats(id) => containers::stats(engine, &id, &call).await,
        Route::Logs(id) => containers::logs(engine, &id, &call),
        Route::StatPath(id) => archive::stat(engine, &id, &call),
        Route::GetArchive(id) => archive::get(engine, &id, &call),
        Route::PutArchive(id) => archive::put(engine, &id, &call),
        Route::ExecCreate(id) => exec::create(engine, &id, &call),
        Route::ExecStart(id) => exec::start(engine, &id, call),
        Route::ExecInspect(id) => exec::inspect(engine, &id),
        Route::Unknown => body::error(&ApiError::new(404, "page not found")),
    }
}
