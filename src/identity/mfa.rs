//! TOTP factors: enroll (seed sealed with AES-256-GCM), challenge, verify with one step of
//! skew and no replay of a used code, list, delete.

use super::totp;
use crate::context::Ctx;
use crate::ids::{AuthChallengeId, AuthFactorId, UserId};
use crate::ratelimit::AccountKey;
use chrono::{DateTime, Duration, Utc};
use entities::{mfa_challenges as challenges, mfa_factors as factors, users};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

const ISSUER: &str = "Gatehouse";
const CHALLENGE_LIFETIME_MINUTES: i64 = 5;
const MAX_CHALLENGE_ATTEMPTS: i32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error("user not found")]
    UserNotFound,
    #[error("authentication factor not found")]
    FactorNotFound,
    #[error("authentication challenge not found")]
    ChallengeNotFound,
    #[error("the challenge has expired")]
    ChallengeExpired,
    #[error("the challenge was already verified")]
    ChallengeUsed,
    #[error("too many attempts on this challenge")]
    TooManyAttempts,
    /// Too many codes guessed against this factor lately, across all of its challenges.
    #[error("too many attempts on this factor")]
    RateLimited(crate::ratelimit::Limited),
    #[error("the factor secret cannot be unsealed")]
    Unseal,
    #[error("cannot set up TOTP: {0}")]
    Setup(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub struct Enrollment {
    pub factor: factors::Model,
    pub challenge: challenges::Model,
    /// Base32 seed, URI and QR code: shown once, to put the seed into an authenticator app.
    pub secret_base32: String,
    pub uri: String,
    pub qr_code: String,
    /// Single-use codes that stand in for a TOTP code when the device is lost; shown once.
    pub recovery_codes: Vec<String>,
}

fn sealing_context(factor_id: &str) -> Vec<u8> {
    format!("totp:{factor_id}").into_bytes()
}

pub async fn enroll_totp(ctx: &Ctx, user_id: &UserId) -> Result<Enrollment, MfaError> {
    let now = ctx.now();
    let user = users::Entity::find_by_id(user_id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(MfaError::UserNotFound)?;
    let secret = totp::new_secret();
    let uri = totp::otpauth_uri(&secret, ISSUER, &user.email).map_err(|e| MfaError::Setup(e.to_string()))?;
    let qr_code = totp::qr_code_png_base64(&secret, ISSUER, &user.email).map_err(|e| MfaError::Setup(e.to_string()))?;
    let factor_id = AuthFactorId::generate().into_string();
    let sealed = ctx
        .sealer
        .seal(&secret, &sealing_context(&factor_id))
        .map_err(|_| MfaError::Unseal)?;
    let tx = ctx.db.begin().await?;
    let factor = factors::ActiveModel {
        id: Set(factor_id),
        user_id: Set(user.id.clone()),
        factor_type: Set("totp".into()),
        secret_sealed: Set(sealed),
        last_used_step: Set(None),
        verified_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await?;
    let challenge = insert_challenge(&tx, &factor.id, now).await?;
    let recovery_codes = super::recovery::issue_recovery_codes(&tx, &user.id, now).await?;
    tx.commit().await?;
    let secret_base32 = totp::secret_base32(&secret);
    Ok(Enrollment {
        factor,
        challenge,
        secret_base32,
        uri,
        qr_code,
        recovery_codes,
    })
}

async fn insert_challenge<C: ConnectionTrait>(
    db: &C,
    factor_id: &str,
    now: DateTime<Utc>,
) -> Result<challenges::Model, DbErr> {
    challenges::ActiveModel {
        id: Set(AuthChallengeId::generate().into_string()),
        factor_id: Set(factor_id.to_owned()),
        attempts: Set(0),
        expires_at: Set(now + Duration::minutes(CHALLENGE_LIFETIME_MINUTES)),
        verified_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn challenge_factor(ctx: &Ctx, factor_id: &AuthFactorId) -> Result<challenges::Model, MfaError> {
    let factor = factors::Entity::find_by_id(factor_id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(MfaError::FactorNotFound)?;
    Ok(insert_challenge(ctx.db.write(), &factor.id, ctx.now()).await?)
}

/// Checks `code` against the challenge's factor. `Ok(true)` verifies the challenge (and the
/// factor on its first use); a wrong code spends an attempt and answers `Ok(false)`.
pub async fn verify_challenge(
    ctx: &Ctx,
    challenge_id: &AuthChallengeId,
    code: &str,
) -> Result<(challenges::Model, factors::Model, bool), MfaError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let challenge = challenges::Entity::find_by_id(challenge_id.as_str())
        .one(&tx)
        .await?
        .ok_or(MfaError::ChallengeNotFound)?;
    if challenge.verified_at.is_some() {
        return Err(MfaError::ChallengeUsed);
    }
    if challenge.expires_at <= now {
        return Err(MfaError::ChallengeExpired);
    }
    if challenge.attempts >= MAX_CHALLENGE_ATTEMPTS {
        return Err(MfaError::TooManyAttempts);
    }
    let factor = factors::Entity::find_by_id(challenge.factor_id.clone())
        .one(&tx)
        .await?
        .ok_or(MfaError::FactorNotFound)?;
    // A challenge allows a few guesses, but anyone holding the sign-in can open another one:
    // the guesses are also spent from the factor's own budget, which new challenges do not refill.
    ctx.limits
        .check(None, Some(&AccountKey::factor(&factor.id)))
        .map_err(MfaError::RateLimited)?;
    let secret = ctx
        .sealer
        .open(&factor.secret_sealed, &sealing_context(&factor.id))
        .map_err(|_| MfaError::Unseal)?;
    let last_step = factor.last_used_step.and_then(|s| u64::try_from(s).ok());
    let now_unix = u64::try_from(now.timestamp()).unwrap_or_default();
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(step) = totp::verify_code(&secret, &code, now_unix, last_step) else {
        challenges::Entity::update_many()
            .col_expr(
                challenges::Column::Attempts,
                Expr::col(challenges::Column::Attempts).add(1),
            )
            .filter(challenges::Column::Id.eq(challenge.id.clone()))
            .exec(&tx)
            .await?;
        tx.commit().await?;
        tracing::info!(factor_id = %factor.id, "wrong or replayed TOTP code");
        return Ok((challenge, factor, false));
    };
    // The step guard makes a concurrent second use of the same code lose.
    let claimed = factors::Entity::update_many()
        .col_expr(factors::Column::LastUsedStep, Expr::value(step as i64))
        .col_expr(
            factors::Column::VerifiedAt,
            Expr::value(factor.verified_at.unwrap_or(now)),
        )
        .col_expr(factors::Column::UpdatedAt, Expr::value(now))
        .filter(factors::Column::Id.eq(factor.id.clone()))
        .filter(
            factors::Column::LastUsedStep
                .is_null()
                .or(factors::Column::LastUsedStep.lt(step as i64)),
        )
        .exec(&tx)
        .await?;
    if claimed.rows_affected == 0 {
        tx.commit().await?;
        return Ok((challenge, factor, false));
    }
    let mut verified: challenges::ActiveModel = challenge.into();
    verified.verified_at = Set(Some(now));
    let challenge = verified.update(&tx).await?;
    tx.commit().await?;
    Ok((challenge, factor, true))
}

pub async fn list_factors<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<Vec<factors::Model>, DbErr> {
    factors::Entity::find()
        .filter(factors::Column::UserId.eq(user_id))
        .order_by_asc(factors::Column::Id)
        .all(db)
        .await
}

/// Factors that have proven themselves once; only these are asked for at sign-in.
pub async fn verified_factors<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<Vec<factors::Model>, DbErr> {
    Ok(list_factors(db, user_id)
        .await?
        .into_iter()
        .filter(|f| f.verified_at.is_some())
        .collect())
}

pub async fn delete_factor(ctx: &Ctx, factor_id: &AuthFactorId) -> Result<(), MfaError> {
    let deleted = factors::Entity::delete_by_id(factor_id.as_str())
        .exec(ctx.db.write())
        .await?;
    if deleted.rows_affected == 0 {
        return Err(MfaError::FactorNotFound);
    }
    Ok(())
}
