//! The refresh grant: rotates the refresh token, then asks whether the rotated session may still
//! carry its organization (`admission::may_carry_as_member`, the rule every sign-in meets). A
//! refused refresh undoes its rotation and answers what is missing, with a pending token a
//! completing grant presents to step the same session up.

use crate::authentication::continuation::{needs, policy_error};
use crate::authentication::types::{AuthError, Caller, SignedIn, Step};
use crate::context::Ctx;
use crate::policy::admission::{self, auth_facts, Admission, Candidate};
use crate::policy::evaluate::Requirement;
use crate::sessions::lifecycle::{self as session_service, SessionError};
use crate::sessions::pending::Progress;
use entities::organization_memberships as memberships;

pub(in crate::authentication) async fn refresh(
    ctx: &Ctx,
    caller: &Caller,
    refresh_token: &str,
    organization_id: Option<&str>,
) -> Result<SignedIn, AuthError> {
    let rotated = session_service::rotate_refresh(ctx, refresh_token, organization_id)
        .await
        .map_err(refresh_error)?;
    let membership = match admit_refresh(ctx, caller, &rotated).await {
        Ok(membership) => membership,
        Err(refused) => {
            session_service::undo_refresh(ctx, &rotated)
                .await
                .map_err(refresh_error)?;
            return Err(refused);
        }
    };
    let refreshed = session_service::finish_refresh(ctx, rotated, membership.as_ref())
        .await
        .map_err(refresh_error)?;
    Ok(SignedIn {
        user: refreshed.user,
        issued: refreshed.issued,
        authentication_method: "refresh_token".into(),
    })
}

fn refresh_error(err: SessionError) -> AuthError {
    match err {
        SessionError::NotAMember => AuthError::NotAMember,
        SessionError::InvalidRefreshToken | SessionError::Revoked | SessionError::Expired => {
            AuthError::InvalidGrant(err.to_string())
        }
        other => AuthError::Session(other),
    }
}

/// Whether the session a refresh has just rotated may carry the organization it is in now (the
/// one it switches to, or the one it had): an active membership, and the policy as it reads today
/// (one tightened since the session began takes hold here). Admitted: the active membership there,
/// if any. Refused: the caller undoes the rotation, so nothing is spent or issued, and the answer
/// names what is missing and carries a pending token that a completing grant presents.
async fn admit_refresh(
    ctx: &Ctx,
    caller: &Caller,
    rotated: &session_service::RotatedRefresh,
) -> Result<Option<memberships::Model>, AuthError> {
    let session = rotated.session();
    let Some(target) = session.organization_id.as_deref() else {
        return Ok(None);
    };
    let now = ctx.now();
    let methods = session_service::methods_of(session);
    let candidate = Candidate {
        user_id: &session.user_id,
        methods: auth_facts(&methods),
        mfa_at: session.mfa_at,
        // The rotation has just marked the session seen; the idle rule asks about before.
        last_seen_at: rotated.seen_before(),
    };
    let requirements = match admission::may_carry_as_member(ctx, target, candidate, now)
        .await
        .map_err(policy_error)?
    {
        (Admission::Admitted, membership) => return Ok(membership),
        (Admission::NotAMember, _) => {
            tracing::info!(session_id = %session.id, organization_id = target, "refresh refused: not an active member");
            return Err(AuthError::NotAMember);
        }
        (Admission::Requires(requirements), _) => requirements,
    };
    tracing::info!(session_id = %session.id, organization_id = target, "refresh refused: re-authentication required");
    let progress = Progress {
        methods,
        mfa_at: session.mfa_at,
        organization_id: Some(target.to_owned()),
        awaiting: None,
        session_id: Some(session.id.clone()),
        sso_link: None,
        social_link: None,
        invitation_id: None,
    };
    let step = if requirements == [Requirement::MfaEnrollment] {
        Step::MfaEnrollment
    } else {
        Step::Reauthentication {
            organization_id: target.to_owned(),
            requirements,
        }
    };
    needs(ctx, caller, rotated.user.clone(), progress, step)
        .await
        .map(|_| None)
}
