//! One-time codes: email verification and magic auth (6 digits) and password reset (a long
//! token in a link). Stored hashed, expiring, single use, with limited attempts.

use crate::secrets;
use chrono::{DateTime, Duration, Utc};
use entities::one_time_codes as codes;
use rand::RngExt;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

pub const MAX_ATTEMPTS: i32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    EmailVerification,
    MagicAuth,
    PasswordReset,
}

impl CodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeKind::EmailVerification => "email_verification",
            CodeKind::MagicAuth => "magic_auth",
            CodeKind::PasswordReset => "password_reset",
        }
    }

    pub fn lifetime(self) -> Duration {
        match self {
            CodeKind::EmailVerification => Duration::minutes(30),
            CodeKind::MagicAuth => Duration::minutes(10),
            CodeKind::PasswordReset => Duration::minutes(30),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RedeemError {
    #[error("the code is not valid")]
    Invalid,
    #[error("the code has expired")]
    Expired,
    #[error("too many attempts; request a new code")]
    TooManyAttempts,
}

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error(transparent)]
    Redeem(#[from] RedeemError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub struct IssuedCode {
    pub record: codes::Model,
    /// The plaintext, for the email only.
    pub secret: String,
}

/// A 6-digit code is only unique per user, so its hash is salted with the user id.
fn hash_digits(user_id: &str, code: &str) -> String {
    secrets::hash(&format!("{user_id}:{code}"))
}

/// Issues a new code for `user_id`; earlier unused codes of the same kind stop working.
pub async fn issue_code<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    kind: CodeKind,
    user_id: &str,
    email: &str,
) -> Result<IssuedCode, DbErr> {
    codes::Entity::update_many()
        .col_expr(codes::Column::ConsumedAt, Expr::value(now))
        .filter(codes::Column::UserId.eq(user_id))
        .filter(codes::Column::Kind.eq(kind.as_str()))
        .filter(codes::Column::ConsumedAt.is_null())
        .exec(db)
        .await?;
    let (secret, code_hash) = match kind {
        CodeKind::PasswordReset => {
            let token = secrets::generate("gh_prt_");
            let hash = secrets::hash(&token);
            (token, hash)
        }
        _ => {
            let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
            let hash = hash_digits(user_id, &code);
            (code, hash)
        }
    };
    let record = codes::ActiveModel {
        id: Set(format!("{}_{}", kind.as_str(), crate::ids::next_ulid())),
        kind: Set(kind.as_str().into()),
        user_id: Set(user_id.to_owned()),
        email: Set(email.to_owned()),
        code_hash: Set(code_hash),
        attempts: Set(0),
        expires_at: Set(now + kind.lifetime()),
        consumed_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(IssuedCode { record, secret })
}

/// Redeems the user's current 6-digit code of `kind`. A wrong guess spends an attempt.
pub async fn redeem_code<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    kind: CodeKind,
    user_id: &str,
    code: &str,
) -> Result<codes::Model, CodeError> {
    let current = codes::Entity::find()
        .filter(codes::Column::UserId.eq(user_id))
        .filter(codes::Column::Kind.eq(kind.as_str()))
        .filter(codes::Column::ConsumedAt.is_null())
        .order_by_desc(codes::Column::Id)
        .one(db)
        .await?
        .ok_or(RedeemError::Invalid)?;
    if current.expires_at <= now {
        return Err(RedeemError::Expired.into());
    }
    if current.attempts >= MAX_ATTEMPTS {
        return Err(RedeemError::TooManyAttempts.into());
    }
    let well_formed = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
    if !well_formed || !secrets::hashes_match(&current.code_hash, &hash_digits(user_id, code)) {
        codes::Entity::update_many()
            .col_expr(codes::Column::Attempts, Expr::col(codes::Column::Attempts).add(1))
            .filter(codes::Column::Id.eq(current.id.clone()))
            .exec(db)
            .await?;
        let exhausted = current.attempts + 1 >= MAX_ATTEMPTS;
        tracing::info!(user_id, kind = kind.as_str(), exhausted, "wrong one-time code");
        return Err(if exhausted {
            RedeemError::TooManyAttempts
        } else {
            RedeemError::Invalid
        }
        .into());
    }
    consume(db, now, current).await
}

/// Redeems a password-reset token from a link.
pub async fn redeem_token<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    kind: CodeKind,
    token: &str,
) -> Result<codes::Model, CodeError> {
    let current = codes::Entity::find()
        .filter(codes::Column::CodeHash.eq(secrets::hash(token)))
        .filter(codes::Column::Kind.eq(kind.as_str()))
        .one(db)
        .await?
        .ok_or(RedeemError::Invalid)?;
    if current.consumed_at.is_some() {
        return Err(RedeemError::Invalid.into());
    }
    if current.expires_at <= now {
        return Err(RedeemError::Expired.into());
    }
    consume(db, now, current).await
}

/// Marks the code used; the guard on `consumed_at` makes a concurrent second use fail.
async fn consume<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    code: codes::Model,
) -> Result<codes::Model, CodeError> {
    let updated = codes::Entity::update_many()
        .col_expr(codes::Column::ConsumedAt, Expr::value(now))
        .filter(codes::Column::Id.eq(code.id.clone()))
        .filter(codes::Column::ConsumedAt.is_null())
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(RedeemError::Invalid.into());
    }
    Ok(code)
}

pub async fn find_code<C: ConnectionTrait>(db: &C, id: &str) -> Result<Option<codes::Model>, DbErr> {
    codes::Entity::find_by_id(id).one(db).await
}
