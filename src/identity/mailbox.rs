//! Flows that prove a mailbox or recover an account by email: magic auth codes, email
//! verification codes and password reset links.

use super::codes::{self, CodeError, CodeKind};
use super::credentials::{self, CredentialError};
use super::notify::{self, NotifyError};
use super::proof::{self, Route};
use crate::context::Ctx;
use crate::events;
use crate::ids::UserId;
use crate::sessions::lifecycle::revoke_user_sessions;
use crate::validation::Email;
use chrono::{DateTime, Utc};
use entities::users;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use secrecy::SecretString;
use serde_json::json;
use tracing::instrument;

#[derive(Debug, thiserror::Error)]
pub enum MailboxError {
    #[error("user not found")]
    UserNotFound,
    #[error("not a valid email address")]
    InvalidEmail,
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error(transparent)]
    Credential(#[from] CredentialError),
    #[error(transparent)]
    Notify(#[from] NotifyError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub struct Ticket {
    pub id: String,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

async fn find_user(ctx: &Ctx, email: &Email) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find()
        .filter(users::Column::EmailNormalized.eq(email.normalized.clone()))
        .one(ctx.db.read())
        .await
}

fn code_mail(code: &str, email: &str, kind: CodeKind) -> serde_json::Value {
    json!({"code": code, "email": email, "expires_in_minutes": kind.lifetime().num_minutes(), "app_name": "Gatehouse"})
}

/// Emails a magic auth code. The reply is the same whether or not the address has an
/// account, so the endpoint cannot be used to find out who has one.
#[instrument(skip_all)]
pub async fn start_magic_auth(ctx: &Ctx, raw_email: &str) -> Result<Ticket, MailboxError> {
    let email = Email::parse(raw_email).ok_or(MailboxError::InvalidEmail)?;
    let now = ctx.now();
    let Some(user) = find_user(ctx, &email).await? else {
        tracing::info!("magic auth requested for an unknown email");
        return Ok(Ticket {
            id: format!("magic_auth_{}", crate::ids::next_ulid()),
            email: email.address,
            expires_at: now + CodeKind::MagicAuth.lifetime(),
        });
    };
    email_code(ctx, CodeKind::MagicAuth, &user).await
}

#[instrument(skip_all, fields(user_id = %user_id))]
pub async fn send_email_verification(ctx: &Ctx, user_id: &UserId) -> Result<Ticket, MailboxError> {
    let user = users::Entity::find_by_id(user_id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(MailboxError::UserNotFound)?;
    email_code(ctx, CodeKind::EmailVerification, &user).await
}

#[instrument(skip_all, fields(user_id = %user_id))]
pub async fn confirm_email_verification(ctx: &Ctx, user_id: &UserId, code: &str) -> Result<users::Model, MailboxError> {
    let user = users::Entity::find_by_id(user_id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(MailboxError::UserNotFound)?;
    prove_mailbox(
        ctx,
        CodeKind::EmailVerification,
        user,
        code,
        Route::VerificationEndpoint,
    )
    .await
}

/// Emails a reset link; answers the same whether or not the address has an account.
#[instrument(skip_all)]
pub async fn start_password_reset(ctx: &Ctx, raw_email: &str) -> Result<(), MailboxError> {
    let email = Email::parse(raw_email).ok_or(MailboxError::InvalidEmail)?;
    let now = ctx.now();
    let Some(user) = find_user(ctx, &email).await? else {
        tracing::info!("password reset requested for an unknown email");
        return Ok(());
    };
    let tx = ctx.db.begin().await?;
    let issued = codes::issue_code(&tx, now, CodeKind::PasswordReset, &user.id, &user.email).await?;
    let reset_url = format!(
        "{}/reset-password?token={}",
        ctx.config.public_url.trim_end_matches('/'),
        issued.secret
    );
    notify::send(
        &tx,
        ctx,
        &user.email,
        "password_reset",
        json!({"reset_url": reset_url, "email": user.email, "expires_in_minutes": CodeKind::PasswordReset.lifetime().num_minutes(), "app_name": "Gatehouse"}),
    )
    .await?;
    events::append(
        &tx,
        now,
        "password_reset.created",
        None,
        json!({"user_id": user.id, "password_reset_id": issued.record.id}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password from a reset link and signs the user out everywhere: whoever knew
/// the old password must lose their sessions with it.
#[instrument(skip_all)]
pub async fn confirm_password_reset(
    ctx: &Ctx,
    token: &str,
    new_password: &SecretString,
) -> Result<users::Model, MailboxError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let code = codes::redeem_token(&tx, now, CodeKind::PasswordReset, token).await?;
    let user = users::Entity::find_by_id(code.user_id.clone())
        .one(&tx)
        .await?
        .ok_or(MailboxError::UserNotFound)?;
    // The link went to the mailbox, so following it proves the address; a first proof ends what
    // was set up before it, so the new password is set after.
    let user = proof::prove_mailbox(&tx, now, user, Route::PasswordReset).await?;
    credentials::set_password(&tx, &user.id, &user.email, new_password, now).await?;
    let revoked = revoke_user_sessions(&tx, now, &user.id, None, None, "password_reset").await?;
    events::append(&tx, now, "password_reset.succeeded", None, json!({"user_id": user.id})).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, revoked, "password reset; sessions revoked");
    Ok(user)
}

/// Issues a code of `kind`, emails it with the template of the same name, and answers the
/// ticket (never the code).
pub async fn email_code(ctx: &Ctx, kind: CodeKind, user: &users::Model) -> Result<Ticket, MailboxError> {
    let tx = ctx.db.begin().await?;
    let issued = codes::issue_code(&tx, ctx.now(), kind, &user.id, &user.email).await?;
    notify::send(
        &tx,
        ctx,
        &user.email,
        kind.as_str(),
        code_mail(&issued.secret, &user.email, kind),
    )
    .await?;
    tx.commit().await?;
    Ok(Ticket {
        id: issued.record.id,
        email: user.email.clone(),
        expires_at: issued.record.expires_at,
    })
}

/// Redeems a code emailed to the user, which proves they own the mailbox (by `route`).
pub async fn prove_mailbox(
    ctx: &Ctx,
    kind: CodeKind,
    user: users::Model,
    code: &str,
    route: Route,
) -> Result<users::Model, MailboxError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    if let Err(err) = codes::redeem_code(&tx, now, kind, &user.id, code).await {
        // Keep the spent attempt: rolling it back would give guessers unlimited tries.
        tx.commit().await?;
        return Err(err.into());
    }
    let user = proof::prove_mailbox(&tx, now, user, route).await?;
    tx.commit().await?;
    Ok(user)
}
