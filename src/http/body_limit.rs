//! Refuses request bodies over the configured size with a 413, whether the client declares
//! the length or streams it chunked. (poem's SizeLimit refuses every request that lacks a
//! Content-Length, GETs included.)

use crate::error::ApiError;
use poem::http::{header, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response, Result};

pub struct BodyLimit(pub usize);

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        BodyLimitEndpoint {
            inner: ep,
            limit: self.0,
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    limit: usize,
}

fn too_large() -> Response {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "request body too large",
    )
    .into_response()
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        match declared {
            Some(len) if len > self.limit => return Ok(too_large()),
            Some(_) => {}
            None if req.headers().contains_key(header::TRANSFER_ENCODING) => {
                match req.take_body().into_bytes_limit(self.limit).await {
                    Ok(bytes) => req.set_body(Body::from(bytes)),
                    Err(_) => return Ok(too_large()),
                }
            }
            None => {}
        }
        self.inner.call(req).await.map(IntoResponse::into_response)
    }
}
