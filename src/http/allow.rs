//! Adds the `Allow` header to 405 answers (RFC 9110 §15.5.6), which poem omits. The allowed
//! methods come from the OpenAPI document, so they never drift from the routes.

use poem::http::{HeaderValue, StatusCode};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use std::sync::Arc;

struct RouteMethods {
    segments: Vec<Option<String>>,
    methods: String,
}

pub struct Allow {
    routes: Arc<Vec<RouteMethods>>,
}

impl Allow {
    /// Reads `paths` of an OpenAPI document: `/organizations/{id}` → ["GET", "PUT", "DELETE"].
    pub fn from_openapi(spec: &str) -> Self {
        let doc: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        let routes = doc["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(path, ops)| RouteMethods {
                        segments: path
                            .trim_matches('/')
                            .split('/')
                            .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                            .collect(),
                        methods: ops
                            .as_object()
                            .map(|o| {
                                o.keys()
                                    .map(|m| m.to_uppercase())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            routes: Arc::new(routes),
        }
    }
}

fn matches(route: &RouteMethods, path: &str) -> bool {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    parts.len() == route.segments.len()
        && route
            .segments
            .iter()
            .zip(parts)
            .all(|(want, got)| want.as_deref().is_none_or(|w| w == got))
}

impl<E: Endpoint> Middleware<E> for Allow {
    type Output = AllowEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        AllowEndpoint {
            inner: ep,
            routes: self.routes.clone(),
        }
    }
}

pub struct AllowEndpoint<E> {
    inner: E,
    routes: Arc<Vec<RouteMethods>>,
}

impl<E: Endpoint> Endpoint for AllowEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let path = req.uri().path().to_owned();
        let mut resp = self.inner.call(req).await?.into_response();
        if resp.status() == StatusCode::METHOD_NOT_ALLOWED {
            let allowed = self
                .routes
                .iter()
                .find(|r| matches(r, &path))
                .map(|r| r.methods.as_str());
            if let Some(value) = allowed.and_then(|m| HeaderValue::from_str(m).ok()) {
                resp.headers_mut().insert(poem::http::header::ALLOW, value);
            }
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_methods_by_path_template() {
        let allow = Allow::from_openapi(
            r#"{"paths": {"/organizations/{id}": {"get": {}, "put": {}}, "/organizations": {"post": {}}}}"#,
        );
        let cases = [
            ("/organizations/org_1", Some("GET, PUT")),
            ("/organizations", Some("POST")),
            ("/organizations/a/b", None),
        ];
        for (path, want) in cases {
            let got = allow
                .routes
                .iter()
                .find(|r| matches(r, path))
                .map(|r| r.methods.as_str());
            assert_eq!(got, want, "{path}");
        }
    }
}
