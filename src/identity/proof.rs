//! Mailbox proof: the one place an account's address becomes proven, and what ends with it.
//!
//! Pre-account takeover (Sudhodanan & Paverd, USENIX Security 2022): an attacker sets up an account
//! on the victim's address (a password, a linked identity, an MFA factor, a session, an email change
//! onto the address) and waits for the victim to prove the mailbox. So when an address is first
//! proven by a route other than the sign-in that used the credential, everything set up on the
//! account before the proof ends, in the same transaction as the proof. The person who signs up
//! with a password and enters the code that continues that same sign-in (its pending token) proved
//! both together, and keeps what they set up.

use crate::events;
use chrono::{DateTime, Utc};
use entities::{mfa_factors, mfa_recovery_codes, password_credentials, social_identities, sso_identities, users};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;

/// How the mailbox was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// The emailed code that continues a sign-in (its pending token) which began with a password:
    /// whoever knows the password also reads the mailbox.
    SignInWithPassword,
    /// The emailed code that continues a sign-in which began with an SSO or social identity whose
    /// address was not trusted: the prover is that identity, not whoever set the account up.
    SignInWithIdentity,
    /// A magic auth code.
    MagicAuth,
    /// A password reset link.
    PasswordReset,
    /// `POST /user_management/users/{id}/email_verification/confirm`: a code the vendor's backend
    /// redeems, bound to no sign-in (the attacker's sign-up emails the victim this very code).
    VerificationEndpoint,
    /// An organization's IdP asserting an address in a domain the organization verified.
    TrustedIdp,
    /// A social provider that vouches for the address.
    TrustedSocialProvider,
    /// An organization's directory pushing an address in a domain the organization verified.
    Directory,
    /// The vendor sets `email_verified` through the API: it vouches for the whole account.
    Vendor,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::SignInWithPassword => "sign_in_with_password",
            Route::SignInWithIdentity => "sign_in_with_identity",
            Route::MagicAuth => "magic_auth",
            Route::PasswordReset => "password_reset",
            Route::VerificationEndpoint => "email_verification",
            Route::TrustedIdp => "sso",
            Route::TrustedSocialProvider => "oauth",
            Route::Directory => "directory",
            Route::Vendor => "vendor",
        }
    }
}

/// What a first proof ends of what was set up on the account before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ends {
    pub password: bool,
    /// Linked SSO and social identities.
    pub identities: bool,
    /// MFA factors and recovery codes.
    pub mfa: bool,
    pub sessions: bool,
}

const EVERYTHING: Ends = Ends {
    password: true,
    identities: true,
    mfa: true,
    sessions: true,
};

/// The rule itself.
pub fn ends(route: Route) -> Ends {
    match route {
        Route::SignInWithPassword | Route::Vendor => Ends::default(),
        Route::SignInWithIdentity
        | Route::MagicAuth
        | Route::PasswordReset
        | Route::VerificationEndpoint
        | Route::TrustedIdp
        | Route::TrustedSocialProvider
        | Route::Directory => EVERYTHING,
    }
}

/// Marks `user`'s address proven by `route`. The first proof of the address (the account was
/// unproven) ends what [`ends`] says, records `user.updated` and `user.email_verified`, and
/// answers the user as it is now; a later proof changes nothing. Runs in the caller's
/// transaction: the proof and its cleanup commit together or not at all.
pub async fn prove_mailbox<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    user: users::Model,
    route: Route,
) -> Result<users::Model, DbErr> {
    // Conditional, so that of two racing proofs exactly one is the first and cleans up.
    let first = users::Entity::update_many()
        .col_expr(users::Column::EmailVerified, Expr::value(true))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.id.as_str()))
        .filter(users::Column::EmailVerified.eq(false))
        .exec(db)
        .await?
        .rows_affected
        == 1;
    let user = users::Entity::find_by_id(user.id.as_str())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("user".into()))?;
    if !first {
        return Ok(user);
    }
    let ends = ends(route);
    let mut ended = json!({});
    if ends.password {
        let n = password_credentials::Entity::delete_many()
            .filter(password_credentials::Column::UserId.eq(user.id.as_str()))
            .exec(db)
            .await?
            .rows_affected;
        ended["passwords"] = json!(n);
    }
    if ends.identities {
        let sso = sso_identities::Entity::delete_many()
            .filter(sso_identities::Column::UserId.eq(user.id.as_str()))
            .exec(db)
            .await?
            .rows_affected;
        let social = social_identities::Entity::delete_many()
            .filter(social_identities::Column::UserId.eq(user.id.as_str()))
            .exec(db)
            .await?
            .rows_affected;
        ended["identities"] = json!(sso + social);
    }
    if ends.mfa {
        // Challenges go with their factors (ON DELETE CASCADE).
        let factors = mfa_factors::Entity::delete_many()
            .filter(mfa_factors::Column::UserId.eq(user.id.as_str()))
            .exec(db)
            .await?
            .rows_affected;
        mfa_recovery_codes::Entity::delete_many()
            .filter(mfa_recovery_codes::Column::UserId.eq(user.id.as_str()))
            .exec(db)
            .await?;
        ended["mfa_factors"] = json!(factors);
    }
    if ends.sessions {
        let n =
            crate::sessions::lifecycle::revoke_user_sessions(db, now, &user.id, None, None, "mailbox_proven").await?;
        ended["sessions"] = json!(n);
    }
    tracing::info!(user_id = %user.id, route = route.as_str(), %ended, "mailbox proven for the first time");
    events::append_all(
        db,
        now,
        vec![
            events::NewEvent {
                event: "user.updated",
                organization_id: None,
                data: crate::users::event::user_event(&user),
            },
            events::NewEvent {
                event: "user.email_verified",
                organization_id: None,
                data: json!({"user_id": user.id, "email": user.email, "via": route.as_str(), "ended": ended}),
            },
        ],
    )
    .await?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_proof_ends_what_someone_else_may_have_set_up() {
        let keep = Ends::default();
        let cases = [
            // The sign-up that set the password proves the mailbox with its own pending token.
            (Route::SignInWithPassword, keep),
            (Route::Vendor, keep),
            // Every other route: the prover may not be whoever set the account up.
            (Route::SignInWithIdentity, EVERYTHING),
            (Route::MagicAuth, EVERYTHING),
            (Route::PasswordReset, EVERYTHING),
            (Route::VerificationEndpoint, EVERYTHING),
            (Route::TrustedIdp, EVERYTHING),
            (Route::TrustedSocialProvider, EVERYTHING),
            (Route::Directory, EVERYTHING),
        ];
        for (route, want) in cases {
            assert_eq!(ends(route), want, "{route:?}");
        }
    }
}
