//! What endpoints read of their request: ids from paths and fields, patch fields, the client's
//! IP, a bearer token, and a spent credential attempt.

use crate::context::Ctx;
use crate::error::ApiError;
use crate::http::client_ip::ClientIp;
use crate::ratelimit::AccountKey;

/// Parses a path id; a malformed or wrong-kind id names no resource, so it is a 404.
pub fn path_id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found(what))
}

/// Parses an id from a request body or query; a wrong-kind id there is a validation error.
pub fn field_id<T: std::str::FromStr>(raw: &str, field: &str) -> Result<T, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::field(field, "invalid_id", format!("`{raw}` is not a valid id for {field}")))
}

/// Absent → leave as is; null → clear; value → set.
pub fn patch_field<T, U: From<T>>(field: poem_openapi::types::MaybeUndefined<T>) -> Option<Option<U>> {
    use poem_openapi::types::MaybeUndefined;
    match field {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.into())),
    }
}

/// The end user's IP: what the vendor's backend reports for them (`ip_address`), else the
/// client address of this connection (`http::client_ip`: the peer, or whom a trusted proxy
/// names).
pub fn client_ip(req: &poem::Request, reported: Option<&str>) -> Option<String> {
    reported
        .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
        .or_else(|| req.extensions().get::<ClientIp>().map(|client| client.0))
        .or_else(|| req.remote_addr().as_socket_addr().map(|addr| addr.ip()))
        .map(|ip| ip.to_string())
}

/// Spends a credential attempt for this IP and account, or answers 429 with `Retry-After`.
pub fn rate_limit(ctx: &Ctx, ip: Option<&str>, account: Option<&AccountKey>) -> Result<(), ApiError> {
    Ok(ctx.limits.check(ip, account)?)
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(req: &poem::Request) -> Option<&str> {
    req.headers()
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}
