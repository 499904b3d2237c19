//! API keys: shown once at creation, stored as a SHA-256 hash with a visible prefix.

use crate::context::Ctx;
use crate::ids::ApiKeyId;
use crate::secrets;
use crate::validation::{FieldError, Problems};
use chrono::Duration;
use entities::api_keys;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use tracing::instrument;

pub const KEY_PREFIX: &str = "gh_sk_";
const VISIBLE_PREFIX_LEN: usize = 10;
/// `last_used_at` is a hint for operators; writing it on every request would put a write
/// on the hot read path, so it is refreshed at most this often.
const LAST_USED_RESOLUTION: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
    #[error("API key not found")]
    NotFound,
    #[error("invalid API key")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub struct CreatedKey {
    pub key: api_keys::Model,
    /// The only time the plaintext exists outside the caller.
    pub secret: String,
}

#[instrument(skip_all)]
pub async fn create_api_key(ctx: &Ctx, name: &str) -> Result<CreatedKey, ApiKeyError> {
    let mut problems = Problems::default();
    problems.text("name", name, 128);
    problems.into_result().map_err(ApiKeyError::Invalid)?;
    let secret = secrets::generate(KEY_PREFIX);
    let now = ctx.now();
    let key = api_keys::ActiveModel {
        id: Set(ApiKeyId::generate().into_string()),
        name: Set(name.trim().to_owned()),
        prefix: Set(secret[..VISIBLE_PREFIX_LEN].to_owned()),
        key_hash: Set(secrets::hash(&secret)),
        last_used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(ctx.db.write())
    .await?;
    tracing::info!(api_key_id = %key.id, "API key created");
    Ok(CreatedKey { key, secret })
}

pub async fn list_api_keys(ctx: &Ctx) -> Result<Vec<api_keys::Model>, ApiKeyError> {
    Ok(api_keys::Entity::find()
        .filter(api_keys::Column::RevokedAt.is_null())
        .order_by_desc(api_keys::Column::Id)
        .all(ctx.db.read())
        .await?)
}

#[instrument(skip_all, fields(api_key_id = %id))]
pub async fn revoke_api_key(ctx: &Ctx, id: &ApiKeyId) -> Result<(), ApiKeyError> {
    let key = api_keys::Entity::find_by_id(id.as_str())
        .filter(api_keys::Column::RevokedAt.is_null())
        .one(ctx.db.write())
        .await?
        .ok_or(ApiKeyError::NotFound)?;
    let key_hash = key.key_hash.clone();
    let mut key = key.into_active_model();
    key.revoked_at = Set(Some(ctx.now()));
    key.update(ctx.db.write()).await?;
    ctx.caches.api_keys.remove(&key_hash);
    tracing::info!("API key revoked");
    Ok(())
}

/// The key's id when `presented` is a live key; `None` for unknown, malformed or revoked keys.
pub async fn authenticate_api_key(ctx: &Ctx, presented: &str) -> Result<Option<ApiKeyId>, DbErr> {
    if !presented.starts_with(KEY_PREFIX) || presented.len() > 128 {
        return Ok(None);
    }
    let hash = secrets::hash(presented);
    if let Some(id) = ctx.caches.api_keys.get(&hash) {
        return Ok(Some(id));
    }
    let ticket = ctx.caches.api_keys.ticket();
    let Some(key) = api_keys::Entity::find()
        .filter(api_keys::Column::KeyHash.eq(hash.clone()))
        .one(ctx.db.read())
        .await?
    else {
        return Ok(None);
    };
    if key.revoked_at.is_some() || !secrets::hashes_match(&key.key_hash, &hash) {
        return Ok(None);
    }
    let now = ctx.now();
    if key
        .last_used_at
        .is_none_or(|at| now - at > Duration::seconds(LAST_USED_RESOLUTION))
    {
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::LastUsedAt, sea_orm::sea_query::Expr::value(now))
            .filter(api_keys::Column::Id.eq(key.id.clone()))
            .exec(ctx.db.write())
            .await?;
    }
    let id: Option<ApiKeyId> = key.id.parse().ok();
    if let Some(id) = &id {
        ctx.caches.api_keys.insert(ticket, hash, id.clone());
    }
    Ok(id)
}

pub async fn any_api_key_exists(ctx: &Ctx) -> Result<bool, DbErr> {
    Ok(api_keys::Entity::find().one(ctx.db.read()).await?.is_some())
}
