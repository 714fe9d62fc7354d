//! Responses as the Engine API sends them: JSON, Docker's error body, the multiplexed
//! stream of a command's output, and bodies sent slowly.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full, StreamBody};
use hyper::body::Frame;
use hyper::{Response, StatusCode};
use serde_json::Value;

use crate::state::ApiError;

pub(crate) type Body = UnsyncBoxBody<Bytes, Infallible>;
pub(crate) type Answer = Response<Body>;

pub(crate) const MULTIPLEXED: &str = "application/vnd.docker.multiplexed-stream";

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

pub(crate) fn full(code: u16, content_type: &str, data: impl Into<Bytes>) -> Answer {
    Response::builder()
        .status(status(code))
        .header("Content-Type", content_type)
        .body(Full::new(data.into()).boxed_unsync())
        .expect("a valid response")
}

pub(crate) fn json(code: u16, value: &Value) -> Answer {
    let text = serde_json::to_vec(value).expect("plain JSON");
    full(code, "application/json", text)
}

pub(crate) fn empty(code: u16) -> Answer {
    Response::builder()
        .status(status(code))
        .body(Empty::new().boxed_unsync())
        .expect("a valid response")
}

pub(crate) fn error(err: &ApiError) -> Answer {
    json(err.status, &serde_json::json!({ "message": err.message }))
}

/// `Ok` as JSON, or Docker's error.
pub(crate) fn answer(result: Result<Value, ApiError>, code: u16) -> Answer {
    match result {
        Ok(value) => json(code, &value),
        Err(err) => error(&err),
    }
}

pub(crate) fn streamed<S>(code: u16, content_type: &str, chunks: S) -> Answer
where
    S: Stream<Item = Bytes> + Send + 'static,
{
    let frames = chunks.map(|chunk| Ok::<_, Infallible>(Frame::data(chunk)));
    Response::builder()
        .status(status(code))
        .header("Content-Type", content_type)
        .body(BodyExt::boxed_unsync(StreamBody::new(frames)))
        .expect("a valid response")
}

/// One frame of Docker's multiplexed stream: 1 stdout, 2 stderr.
pub(crate) fn frame(stream: u8, data: &[u8]) -> Vec<u8> {
    let mut framed = Vec::with_capacity(8 + data.len());
    framed.extend_from_slice(&[stream, 0, 0, 0]);
    framed.extend_from_slice(&(data.len() as u32).to_be_bytes());
    framed.extend_from_slice(data);
    framed
}

/// The same answer with its body sent `chunk` bytes at a time, `every` apart.
pub(crate) fn trickle(answer: Answer, chunk: usize, every: Duration) -> Answer {
    let chunk = chunk.max(1);
    let (parts, body) = answer.into_parts();
    let data = body
        .into_data_stream()
        .map(|data| data.unwrap_or_else(|never| match never {}));
    let pieces = data.flat_map(move |data| {
        let pieces: Vec<Bytes> = (0..data.len())
            .step_by(chunk)
            .map(|at| data.slice(at..(at + chunk).min(data.len())))
            .collect();
        futures::stream::iter(pieces)
    });
    let slowed = pieces.then(move |piece| async move {
        tokio::time::sleep(every).await;
        Ok::<_, Infallible>(Frame::data(piece))
    });
    let mut parts = parts;
    parts.headers.remove("Content-Length");
    Response::from_parts(parts, BodyExt::boxed_unsync(StreamBody::new(slowed)))
}
