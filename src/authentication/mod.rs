//! `POST /user_management/authenticate`: each grant proves something, then the sign-in
//! continues through what is still needed, in API.md's order: credential → email
//! verification → email-domain organization's SSO rule → MFA → organization selection →
//! session. A missing step answers a typed error carrying a pending authentication token that
//! the next grant presents.
//!
//! The terms (grant, caller, outcome) in `types.rs`; one module per grant under `grants/`; what
//! every grant goes on to (the remaining steps, the session) in `continuation.rs`; how the
//! sign-in began, typed, in `began.rs`.

use crate::context::Ctx;
use tracing::instrument;

pub mod began;
pub mod ceiling;
mod continuation;
mod grants;
mod social_signin;
mod sso_signin;
mod standing;
mod types;

pub use types::{AuthError, Caller, Delivery, Grant, Needed, SignedIn, Step};

pub async fn authenticate(ctx: &Ctx, caller: &Caller, grant: Grant) -> Result<SignedIn, AuthError> {
    authenticate_with_invitation(ctx, caller, grant, None).await
}

/// `authenticate`, accepting the invitation of `invitation_token` once a password or emailed
/// code has identified the user; the session then starts in the invited organization.
#[instrument(skip_all, fields(client_id = %caller.client_id))]
pub async fn authenticate_with_invitation(
    ctx: &Ctx,
    caller: &Caller,
    grant: Grant,
    invitation_token: Option<String>,
) -> Result<SignedIn, AuthError> {
    let invitation = invitation_token.as_deref();
    crate::environment::clients::find_client(ctx, &caller.client_id)
        .await?
        .ok_or(AuthError::UnknownClient)?;
    match grant {
        Grant::Password { email, password } => {
            grants::password::sign_in(ctx, caller, &email, &password, invitation).await
        }
        Grant::MagicAuth { email, code } => grants::codes::magic_auth(ctx, caller, &email, &code, invitation).await,
        Grant::EmailVerification { pending_token, code } => {
            grants::codes::email_verification(ctx, caller, &pending_token, &code, invitation).await
        }
        Grant::AuthorizationCode { code } => grants::codes::authorization_code(ctx, caller, &code).await,
        Grant::Totp {
            pending_token,
            challenge_id,
            code,
        } => grants::mfa::totp(ctx, caller, &pending_token, &challenge_id, &code).await,
        Grant::RecoveryCode { pending_token, code } => {
            grants::mfa::recovery_code(ctx, caller, &pending_token, &code).await
        }
        Grant::OrganizationSelection {
            pending_token,
            organization_id,
        } => grants::selection::select(ctx, caller, &pending_token, organization_id).await,
        Grant::Social { code, code_verifier } => {
            grants::social::sign_in(ctx, caller, &code, code_verifier.as_deref(), invitation).await
        }
        Grant::Sso {
            code,
            code_verifier,
            pending_token,
        } => {
            let continuing = pending_token.as_deref();
            grants::sso::sign_in(ctx, caller, &code, code_verifier.as_deref(), continuing, invitation).await
        }
        Grant::RefreshToken {
            refresh_token,
            organization_id,
        } => grants::refresh::refresh(ctx, caller, &refresh_token, organization_id.as_deref()).await,
    }
}
