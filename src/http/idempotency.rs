//! `Idempotency-Key` on creating POSTs (API.md): the first response to a key is stored for
//! 24 hours and replayed to retries with the same body; a retry with another body, or while
//! the first is still running, is a 409 `idempotency_conflict`. Keys are scoped to the
//! credential and route, so two vendors' keys never collide.
//!
//! The stored answer is sealed (`ctx.sealer`, bound to its record's id): creates answer with
//! secrets shown once (API keys, webhook signing secrets, directory bearer tokens, tokens of a
//! password grant), and a database dump must not hand them out.

use crate::context::Ctx;
use crate::error::ApiError;
use crate::store::is_unique_violation;
use chrono::Duration;
use entities::idempotency_keys as records;
use poem::http::{Method, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response, Result};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

const HEADER: &str = "idempotency-key";
const KEEP_HOURS: i64 = 24;

pub struct Idempotency {
    pub ctx: Ctx,
}

impl<E: Endpoint> Middleware<E> for Idempotency {
    type Output = IdempotencyEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        IdempotencyEndpoint {
            inner: ep,
            ctx: self.ctx.clone(),
        }
    }
}

pub struct IdempotencyEndpoint<E> {
    inner: E,
    ctx: Ctx,
}

enum Claim {
    Started,
    Replay { status: u16, body: String },
    Conflict(&'static str),
}

fn digest(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

async fn claim(ctx: &Ctx, scope: &str, request_hash: &str) -> Result<Claim, DbErr> {
    let now = ctx.now();
    let fresh = records::ActiveModel {
        id: Set(scope.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        status_code: Set(None),
        response_body: Set(None),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(KEEP_HOURS)),
    };
    match fresh.clone().insert(ctx.db.write()).await {
        Ok(_) => return Ok(Claim::Started),
        Err(err) if !is_unique_violation(&err) => return Err(err),
        Err(_) => {}
    }
    let Some(existing) = records::Entity::find_by_id(scope).one(ctx.db.write()).await? else {
        return Ok(Claim::Conflict("the request with this key is still in flight"));
    };
    if existing.expires_at <= now {
        records::Entity::delete_many()
            .filter(records::Column::Id.eq(scope))
            .filter(records::Column::ExpiresAt.lte(now))
            .exec(ctx.db.write())
            .await?;
        return claim_again(ctx, fresh).await;
    }
    if existing.request_hash != request_hash {
        return Ok(Claim::Conflict(
            "this Idempotency-Key was used with a different request",
        ));
    }
    match (existing.status_code, existing.response_body) {
        (Some(status), Some(stored)) => match unseal(ctx, scope, stored) {
            Some(body) => Ok(Claim::Replay {
                status: status as u16,
                body,
            }),
            // A record that no longer opens (the sealing key was replaced) answers nothing: it
            // is dropped and this request runs as the first one.
            None => {
                release(ctx, scope).await?;
                claim_again(ctx, fresh).await
            }
        },
        _ => Ok(Claim::Conflict("the request with this key is still in flight")),
    }
}

/// Claims a key whose old record was just removed; a concurrent request may have claimed it first.
async fn claim_again(ctx: &Ctx, fresh: records::ActiveModel) -> Result<Claim, DbErr> {
    match fresh.insert(ctx.db.write()).await {
        Ok(_) => Ok(Claim::Started),
        Err(err) if is_unique_violation(&err) => Ok(Claim::Conflict("the request with this key is still in flight")),
        Err(err) => Err(err),
    }
}

/// The associated data of a record's sealed body: a body copied onto another record (another
/// credential's key) does not open there.
fn seal_context(scope: &str) -> Vec<u8> {
    format!("idempotency:{scope}").into_bytes()
}

/// The stored answer of a record, opened. Records written before answers were sealed hold the
/// JSON itself; they are read as-is (they expire within a day of the upgrade, and treating them
/// as a miss would run their create a second time). A sealed body is non-empty base64, which
/// never starts with `{` or `[`, so the two cannot be confused.
fn unseal(ctx: &Ctx, scope: &str, stored: String) -> Option<String> {
    if stored.is_empty() || stored.starts_with(['{', '[']) {
        return Some(stored);
    }
    let plain = ctx.sealer.open(&stored, &seal_context(scope)).ok()?;
    String::from_utf8(plain).ok()
}

async fn complete(ctx: &Ctx, scope: &str, status: u16, body: &str) -> Result<(), DbErr> {
    let sealed = ctx
        .sealer
        .seal(body.as_bytes(), &seal_context(scope))
        .map_err(|e| DbErr::Custom(format!("sealing an idempotent answer: {e}")))?;
    records::Entity::update_many()
        .col_expr(
            records::Column::StatusCode,
            sea_orm::sea_query::Expr::value(i32::from(status)),
        )
        .col_expr(records::Column::ResponseBody, sea_orm::sea_query::Expr::value(sealed))
        .filter(records::Column::Id.eq(scope))
        .exec(ctx.db.write())
        .await?;
    Ok(())
}

async fn release(ctx: &Ctx, scope: &str) -> Result<(), DbErr> {
    records::Entity::delete_by_id(scope).exec(ctx.db.write()).await?;
    Ok(())
}

fn json_response(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json; charset=utf-8")
        .body(body)
}

impl<E: Endpoint> Endpoint for IdempotencyEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let key = req.headers().get(HEADER).map(|v| v.to_str().map(str::to_owned));
        let key = match key {
            Some(Ok(key)) if req.method() == Method::POST => key,
            Some(Err(_)) if req.method() == Method::POST => {
                return Ok(ApiError::invalid_request("Idempotency-Key must be visible ASCII").into_response())
            }
            _ => return self.inner.call(req).await.map(IntoResponse::into_response),
        };
        if key.is_empty() || key.len() > 255 {
            return Ok(ApiError::invalid_request("Idempotency-Key must be 1..255 characters").into_response());
        }
        let body = req
            .take_body()
            .into_bytes()
            .await
            .map_err(|e| poem::Error::from_string(e.to_string(), StatusCode::BAD_REQUEST))?;
        let credential = req
            .headers()
            .get("authorization")
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        let scope = digest(&[credential, req.uri().path().as_bytes(), key.as_bytes()]);
        let request_hash = digest(&[&body]);

        match claim(&self.ctx, &scope, &request_hash).await.map_err(ApiError::from)? {
            Claim::Replay { status, body } => {
                let mut resp = json_response(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body);
                resp.headers_mut()
                    .insert("idempotent-replayed", poem::http::HeaderValue::from_static("true"));
                return Ok(resp);
            }
            Claim::Conflict(why) => return Ok(ApiError::conflict("idempotency_conflict", why).into_response()),
            Claim::Started => {}
        }

        req.set_body(Body::from(body));
        let resp = match self.inner.call(req).await {
            Ok(r) => r.into_response(),
            Err(err) => ApiError::from_framework(&err).into_response(),
        };
        let status = resp.status();
        // A failure of ours (5xx) is not an answer to replay: the client may retry it for real.
        if status.is_server_error() {
            release(&self.ctx, &scope).await.map_err(ApiError::from)?;
            return Ok(resp);
        }
        let (parts, body) = resp.into_parts();
        let text = body.into_string().await.unwrap_or_default();
        complete(&self.ctx, &scope, status.as_u16(), &text)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::from_parts(parts, Body::from(text)))
    }
}
