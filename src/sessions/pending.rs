//! Pending authentication tokens: a sign-in that still needs a step (email verification,
//! MFA, organization selection) carries what it has proven so far in a short-lived,
//! single-use token bound to the client and user.

use super::lifecycle::AuthMethod;
use crate::ids::PendingAuthenticationId;
use crate::secrets;
use chrono::{DateTime, Duration, Utc};
use entities::pending_authentications as pending;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

pub const PREFIX: &str = "gh_pat_";
/// One-time authorization codes of hosted sign-ins: the same record, awaiting the exchange.
pub const CODE_PREFIX: &str = "gh_code_";
// RFC 6749 4.1.2: a code lives 10 minutes at most.
const LIFETIME_MINUTES: i64 = 10;

/// What the sign-in has proven and which step it waits for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub methods: Vec<AuthMethod>,
    pub mfa_at: Option<DateTime<Utc>>,
    pub organization_id: Option<String>,
    /// The step the token continues; `None` only while a grant builds the progress.
    #[serde(default)]
    pub awaiting: Option<Awaiting>,
    /// Set when an existing session is stepping up to enter an organization: the step
    /// completes that session instead of starting a new one.
    #[serde(default)]
    pub session_id: Option<String>,
    /// An SSO identity whose asserted email was not trusted: it is linked (and the user joins
    /// the connection's organization) once the emailed code proves the mailbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_link: Option<SsoLink>,
    /// A social identity whose email was not trusted: it is linked once the emailed code proves the mailbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_link: Option<SocialLink>,
    /// The invitation whose token this sign-in presented for an address not yet proven: accepted
    /// once the emailed code proves it. Its id, never the token (a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
}

/// The step a pending token waits for; a grant takes only a token awaiting a step it completes.
/// Stored by its snake_case name in the token's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Awaiting {
    EmailVerification,
    MfaEnrollment,
    MfaChallenge,
    OrganizationSelection,
    /// The session does not meet the organization's policy: a factor, SSO or a fresh sign-in.
    Reauthentication,
    /// The email domain's organization admits its users only through SSO.
    SsoRequired,
    /// The sign-in is complete and waits for the client's code exchange.
    AuthorizationCode,
}

/// The IdP identity an SSO sign-in asserted, kept until the mailbox is proven.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoLink {
    pub connection_id: String,
    pub idp_id: String,
    pub organization_id: String,
}

/// The provider subject a social sign-in asserted, kept until the mailbox is proven.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialLink {
    pub provider: crate::oidc::social::SocialProvider,
    pub subject: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PendingError {
    #[error("the pending authentication token is not valid")]
    Invalid,
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub async fn create_pending<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    user_id: &str,
    client_id: &str,
    progress: &Progress,
) -> Result<String, DbErr> {
    insert_token(db, now, PREFIX, user_id, client_id, progress).await
}

/// A one-time authorization code for a completed hosted sign-in (awaiting `AuthorizationCode`).
pub async fn create_code<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    user_id: &str,
    client_id: &str,
    progress: &Progress,
) -> Result<String, DbErr> {
    insert_token(db, now, CODE_PREFIX, user_id, client_id, progress).await
}

async fn insert_token<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    prefix: &str,
    user_id: &str,
    client_id: &str,
    progress: &Progress,
) -> Result<String, DbErr> {
    let token = secrets::generate(prefix);
    pending::ActiveModel {
        id: Set(PendingAuthenticationId::generate().into_string()),
        token_hash: Set(secrets::hash(&token)),
        user_id: Set(user_id.to_owned()),
        client_id: Set(client_id.to_owned()),
        state: Set(serde_json::to_value(progress).unwrap_or_default()),
        expires_at: Set(now + Duration::minutes(LIFETIME_MINUTES)),
        consumed_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Spends the token if it is live, belongs to `client_id` and awaits one of `steps`; returns the
/// user id and the progress so far.
pub async fn take_pending<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    token: &str,
    client_id: &str,
    steps: &[Awaiting],
) -> Result<(String, Progress), PendingError> {
    let row = pending::Entity::find()
        .filter(pending::Column::TokenHash.eq(secrets::hash(token)))
        .one(db)
        .await?
        .ok_or(PendingError::Invalid)?;
    let progress: Progress = serde_json::from_value(row.state.clone()).map_err(|_| PendingError::Invalid)?;
    if row.consumed_at.is_some()
        || row.expires_at <= now
        || row.client_id != client_id
        || !progress.awaiting.is_some_and(|step| steps.contains(&step))
    {
        return Err(PendingError::Invalid);
    }
    let spent = pending::Entity::update_many()
        .col_expr(pending::Column::ConsumedAt, Expr::value(now))
        .filter(pending::Column::Id.eq(row.id.clone()))
        .filter(pending::Column::ConsumedAt.is_null())
        .exec(db)
        .await?;
    if spent.rows_affected == 0 {
        return Err(PendingError::Invalid);
    }
    Ok((row.user_id, progress))
}

/// Reads the token without spending it (to learn the user a code step is for).
pub async fn peek_pending<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    token: &str,
    client_id: &str,
) -> Result<(String, Progress), PendingError> {
    let row = pending::Entity::find()
        .filter(pending::Column::TokenHash.eq(secrets::hash(token)))
        .one(db)
        .await?
        .ok_or(PendingError::Invalid)?;
    if row.consumed_at.is_some() || row.expires_at <= now || row.client_id != client_id {
        return Err(PendingError::Invalid);
    }
    let progress = serde_json::from_value(row.state).map_err(|_| PendingError::Invalid)?;
    Ok((row.user_id, progress))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored names are the token's format: a live token written before a change must still
    /// name its step.
    #[test]
    fn each_step_is_stored_by_its_snake_case_name() {
        let cases = [
            (Awaiting::EmailVerification, "email_verification"),
            (Awaiting::MfaEnrollment, "mfa_enrollment"),
            (Awaiting::MfaChallenge, "mfa_challenge"),
            (Awaiting::OrganizationSelection, "organization_selection"),
            (Awaiting::Reauthentication, "reauthentication"),
            (Awaiting::SsoRequired, "sso_required"),
            (Awaiting::AuthorizationCode, "authorization_code"),
        ];
        for (step, name) in cases {
            assert_eq!(serde_json::to_value(step).unwrap(), serde_json::json!(name));
            assert_eq!(
                serde_json::from_value::<Awaiting>(serde_json::json!(name)).unwrap(),
                step
            );
        }
        assert!(serde_json::from_value::<Awaiting>(serde_json::json!("")).is_err());
        let unset: Progress = serde_json::from_value(serde_json::json!({"methods": [], "mfa_at": null,
            "organization_id": null}))
        .unwrap();
        assert_eq!(unset.awaiting, None);
    }
}
