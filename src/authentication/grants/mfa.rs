//! The second-factor grants: a TOTP code answering a challenge, or a recovery code. Either
//! completes an MFA challenge, an enrollment, or a re-authentication an organization asked for.

use crate::authentication::continuation::{continue_sign_in, method, user_by_id};
use crate::authentication::types::{AuthError, Caller, SignedIn};
use crate::context::Ctx;
use crate::identity::codes::RedeemError;
use crate::identity::{mfa, recovery};
use crate::ids::AuthChallengeId;
use crate::sessions::pending::{self, Awaiting};

/// The steps a TOTP or recovery code completes.
const MFA_STEPS: &[Awaiting] = &[
    Awaiting::MfaChallenge,
    Awaiting::MfaEnrollment,
    Awaiting::Reauthentication,
];

pub(in crate::authentication) async fn totp(
    ctx: &Ctx,
    caller: &Caller,
    pending_token: &str,
    challenge_id: &str,
    code: &str,
) -> Result<SignedIn, AuthError> {
    let now = ctx.now();
    let (user_id, _) = pending::peek_pending(ctx.db.read(), now, pending_token, &caller.client_id).await?;
    let challenge_id: AuthChallengeId = challenge_id
        .parse()
        .map_err(|_| AuthError::InvalidGrant("unknown authentication_challenge_id".into()))?;
    let (_, factor, valid) = mfa::verify_challenge(ctx, &challenge_id, code).await?;
    if factor.user_id != user_id {
        return Err(AuthError::InvalidGrant("the challenge belongs to another user".into()));
    }
    if !valid {
        return Err(AuthError::Code(RedeemError::Invalid));
    }
    let (_, mut progress) =
        pending::take_pending(ctx.db.write(), now, pending_token, &caller.client_id, MFA_STEPS).await?;
    progress.methods.push(method("totp", now));
    progress.mfa_at = Some(now);
    let user = user_by_id(ctx, &user_id).await?;
    continue_sign_in(ctx, caller, user, progress).await
}

pub(in crate::authentication) async fn recovery_code(
    ctx: &Ctx,
    caller: &Caller,
    pending_token: &str,
    code: &str,
) -> Result<SignedIn, AuthError> {
    let now = ctx.now();
    let (user_id, _) = pending::peek_pending(ctx.db.read(), now, pending_token, &caller.client_id).await?;
    if !recovery::redeem_recovery_code(ctx.db.write(), &user_id, code, now).await? {
        tracing::info!(user_id = %user_id, "wrong or used recovery code");
        return Err(AuthError::Code(RedeemError::Invalid));
    }
    let (_, mut progress) =
        pending::take_pending(ctx.db.write(), now, pending_token, &caller.client_id, MFA_STEPS).await?;
    progress.methods.push(method("recovery_code", now));
    progress.mfa_at = Some(now);
    let user = user_by_id(ctx, &user_id).await?;
    continue_sign_in(ctx, caller, user, progress).await
}
