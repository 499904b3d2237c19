//! Gives every request an id: echoed in `X-Request-Id` and recorded on every log line of
//! the request through its span. The span records method, path and status, never headers
//! or bodies (they carry keys and passwords).

use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use std::time::Instant;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

pub struct RequestId;

impl<E: Endpoint> Middleware<E> for RequestId {
    type Output = RequestIdEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        RequestIdEndpoint(ep)
    }
}

pub struct RequestIdEndpoint<E>(E);

fn incoming_id(req: &Request) -> Option<String> {
    let value = req.headers().get(HEADER)?.to_str().ok()?;
    let sane = !value.is_empty()
        && value.len() <= 64
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    sane.then(|| value.to_owned())
}

/// The path as logged: a secret that API.md puts in a path (the invitation token of
/// `…/invitations/by_token/{token}`) is cut off.
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.find("/by_token/") {
        Some(at) => format!("{}/by_token/[redacted]", &path[..at]).into(),
        None => path.into(),
    }
}

impl<E: Endpoint> Endpoint for RequestIdEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let id = incoming_id(&req).unwrap_or_else(|| format!("req_{}", ulid::Ulid::new()));
        let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %loggable_path(req.uri().path()));
        let started = Instant::now();
        async move {
            let mut resp = match self.0.call(req).await {
                Ok(r) => r.into_response(),
                Err(err) => err.into_response(),
            };
            let status = resp.status().as_u16();
            tracing::info!(
                status,
                elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
                "request finished"
            );
            if let Ok(value) = HeaderValue::from_str(&id) {
                resp.headers_mut().insert(HEADER, value);
            }
            Ok(resp)
        }
        .instrument(span)
        .await
    }
}
