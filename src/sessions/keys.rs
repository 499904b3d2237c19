//! The environment's access-token signing keys. One key is `active` (signs); after a
//! rotation the previous one is `retiring`: still published in the JWKS so tokens it signed
//! keep verifying until they expire, then `retired` and withdrawn.

use super::signing_keys::{self, AccessClaims, ActiveKey, Algorithm, KeyError};
use crate::context::Ctx;
use chrono::{DateTime, Duration, Utc};
use entities::signing_keys as keys;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use secrecy::SecretString;

#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    #[error("no active signing key")]
    NoActiveKey,
    #[error("unknown signing algorithm {0}; use ES256 or RS256")]
    UnknownAlgorithm(String),
    #[error("signing key cannot be unsealed")]
    Unseal,
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn configured_alg(ctx: &Ctx) -> Result<Algorithm, SigningKeyError> {
    match ctx.config.signing_alg.to_ascii_uppercase().as_str() {
        "ES256" => Ok(Algorithm::ES256),
        "RS256" => Ok(Algorithm::RS256),
        other => Err(SigningKeyError::UnknownAlgorithm(other.to_owned())),
    }
}

fn sealing_context(kid: &str) -> Vec<u8> {
    format!("signing_key:{kid}").into_bytes()
}

async fn insert_new_key<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<keys::Model, SigningKeyError> {
    let alg = configured_alg(ctx)?;
    // RSA key generation takes a while; keep it off the async workers.
    let generated = tokio::task::spawn_blocking(move || signing_keys::generate_key(alg))
        .await
        .map_err(|e| KeyError::Generation(e.to_string()))??;
    let sealed = ctx
        .sealer
        .seal(
            secrecy::ExposeSecret::expose_secret(&generated.private_pkcs8_pem).as_bytes(),
            &sealing_context(&generated.kid),
        )
        .map_err(|_| SigningKeyError::Unseal)?;
    Ok(keys::ActiveModel {
        id: Set(generated.kid),
        alg: Set(format!("{:?}", generated.alg)),
        private_key_sealed: Set(sealed),
        public_jwk: Set(generated.public_jwk),
        state: Set("active".into()),
        created_at: Set(now),
        retiring_at: Set(None),
        retired_at: Set(None),
    }
    .insert(db)
    .await?)
}

/// Creates the first active key when there is none (first start).
pub async fn ensure_signing_key(ctx: &Ctx) -> Result<(), SigningKeyError> {
    let active = keys::Entity::find()
        .filter(keys::Column::State.eq("active"))
        .one(ctx.db.write())
        .await?;
    if active.is_none() {
        insert_new_key(ctx.db.write(), ctx, ctx.now()).await?;
        tracing::info!("created the first access-token signing key");
    }
    Ok(())
}

/// Rotates: a new key becomes active, the old active key retires once the tokens it signed
/// have expired. Returns the new key id.
pub async fn rotate_signing_key(ctx: &Ctx) -> Result<String, SigningKeyError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    // Keys retiring since before the cutoff have outlived their tokens: withdraw them for good.
    keys::Entity::update_many()
        .col_expr(keys::Column::State, sea_orm::sea_query::Expr::value("retired"))
        .col_expr(keys::Column::RetiredAt, sea_orm::sea_query::Expr::value(now))
        .filter(keys::Column::State.eq("retiring"))
        .filter(keys::Column::RetiringAt.lt(still_published_since(ctx, now)))
        .exec(&tx)
        .await?;
    for old in keys::Entity::find()
        .filter(keys::Column::State.eq("active"))
        .all(&tx)
        .await?
    {
        let mut old = old.into_active_model();
        old.state = Set("retiring".into());
        old.retiring_at = Set(Some(now));
        old.update(&tx).await?;
    }
    let new = insert_new_key(&tx, ctx, now).await?;
    tx.commit().await?;
    ctx.caches.signing_key.clear();
    tracing::info!(kid = %new.id, "rotated the access-token signing key");
    Ok(new.id)
}

/// A retiring key stays published until every token it signed has expired (one token
/// lifetime, doubled as a margin for clock skew).
fn still_published_since(ctx: &Ctx, now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::seconds(ctx.config.access_token_ttl_secs * 2)
}

/// The published JWKS: the active key and the retiring ones, newest first.
pub async fn jwks(ctx: &Ctx) -> Result<serde_json::Value, SigningKeyError> {
    // A read only: JWKS is fetched on hot paths and must not queue behind the writer.
    let cutoff = still_published_since(ctx, ctx.now());
    let published = keys::Entity::find()
        .filter(
            keys::Column::State.eq("active").or(keys::Column::State
                .eq("retiring")
                .and(keys::Column::RetiringAt.gte(cutoff))),
        )
        // The active key first: verifiers that try keys in order hit it at once.
        .order_by_asc(keys::Column::State)
        .order_by_desc(keys::Column::CreatedAt)
        .all(ctx.db.read())
        .await?;
    let public: Vec<serde_json::Value> = published.into_iter().map(|k| k.public_jwk).collect();
    Ok(signing_keys::jwks(&public))
}

/// Signs `claims` with the active key.
pub async fn sign(ctx: &Ctx, claims: &AccessClaims) -> Result<String, SigningKeyError> {
    Ok(active_key(ctx).await?.sign(claims)?)
}

/// The active key, parsed; from the cache unless it expired or this process rotated.
async fn active_key(ctx: &Ctx) -> Result<ActiveKey, SigningKeyError> {
    if let Some(key) = ctx.caches.signing_key.get(&()) {
        return Ok(key);
    }
    let ticket = ctx.caches.signing_key.ticket();
    let key = keys::Entity::find()
        .filter(keys::Column::State.eq("active"))
        .order_by_desc(keys::Column::CreatedAt)
        .one(ctx.db.read())
        .await?
        .ok_or(SigningKeyError::NoActiveKey)?;
    let alg = match key.alg.as_str() {
        "RS256" => Algorithm::RS256,
        _ => Algorithm::ES256,
    };
    let pem = ctx
        .sealer
        .open(&key.private_key_sealed, &sealing_context(&key.id))
        .map_err(|_| SigningKeyError::Unseal)?;
    let pem = SecretString::from(String::from_utf8(pem).map_err(|_| SigningKeyError::Unseal)?);
    let active = ActiveKey::from_pem(&key.id, alg, &pem)?;
    ctx.caches.signing_key.insert(ticket, (), active.clone());
    Ok(active)
}

/// Verifies an access token against the published keys, at the service's clock.
pub async fn verify(ctx: &Ctx, token: &str) -> Result<AccessClaims, SigningKeyError> {
    let jwks = jwks(ctx).await?;
    Ok(signing_keys::verify_access_token(
        token,
        &jwks,
        &ctx.config.issuer(),
        ctx.now().timestamp(),
    )?)
}
