//! What every grant goes on to once it has proven something: the remaining steps of the sign-in
//! (mailbox proof, the email domain's SSO rule, MFA, organization selection, the organization's
//! policy) and then the session. A step still needed is answered with a pending token
//! (`needs`) that the grant completing it presents.

use super::began::Began;
use super::ceiling;
use super::standing::Standing;
use super::types::{AuthError, Caller, Delivery, Needed, SignedIn, Step};
use crate::context::Ctx;
use crate::identity::codes::{CodeError, CodeKind};
use crate::identity::mailbox::{self, MailboxError};
use crate::identity::proof::Route;
use crate::orgs::jit;
use crate::orgs::memberships::MembershipError;
use crate::policy::admission::{self, auth_facts, Admission, Candidate};
use crate::policy::evaluate::Requirement;
use crate::policy::policies::PolicyError;
use crate::sessions::lifecycle::{self as session_service, AuthMethod, NewSession};
use crate::sessions::pending::{self, Progress};
use chrono::{DateTime, Utc};
use entities::{organizations, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

pub(super) fn method(name: &str, at: DateTime<Utc>) -> AuthMethod {
    AuthMethod {
        method: name.to_owned(),
        at,
    }
}

pub(super) async fn user_by_id(ctx: &Ctx, id: &str) -> Result<users::Model, AuthError> {
    users::Entity::find_by_id(id)
        .one(ctx.db.read())
        .await?
        .ok_or_else(|| AuthError::InvalidGrant("unknown user".into()))
}

/// the one an earlier step of the same sign-in presented (remembered by id in `progress`). Returns
/// the user and the organization to sign in to. The token proves no mailbox: an invitation for an
/// address not yet proven waits in `progress` while the sign-in asks for the emailed code, and the
/// grant that proves it accepts.
pub(super) async fn accept_invitation(
    ctx: &Ctx,
    token: Option<&str>,
    progress: &mut Progress,
    user: users::Model,
) -> Result<(users::Model, Option<String>), AuthError> {
    use crate::invitations::{accept, InvitationError};
    let invitation = match (token, progress.invitation_id.take()) {
        (Some(token), _) => accept::find_by_token(ctx, token).await?,
        (None, Some(id)) => accept::find_presented(ctx, &id).await?,
        (None, None) => return Ok((user, None)),
    };
    let id = invitation.id.clone();
    match accept::accept_for(ctx, invitation, &user).await {
        Ok(accepted) => Ok((accepted.user, Some(accepted.invitation.organization_id))),
        Err(InvitationError::EmailNotVerified) => {
            progress.invitation_id = Some(id);
            Ok((user, None))
        }
        Err(other) => Err(AuthError::Invitation(other)),
    }
}

/// Redeeming a code sent to the mailbox proves the user owns it.
pub(super) async fn redeem_and_prove_mailbox(
    ctx: &Ctx,
    kind: CodeKind,
    user: users::Model,
    code: &str,
    route: Route,
) -> Result<users::Model, AuthError> {
    mailbox::prove_mailbox(ctx, kind, user, code, route)
        .await
        .map_err(|err| match err {
            MailboxError::Code(CodeError::Redeem(r)) => AuthError::Code(r),
            MailboxError::Code(CodeError::Db(db)) | MailboxError::Db(db) => AuthError::Db(db),
            other => AuthError::InvalidGrant(other.to_string()),
        })
}

pub(super) async fn needs(
    ctx: &Ctx,
    caller: &Caller,
    user: users::Model,
    mut progress: Progress,
    step: Step,
) -> Result<SignedIn, AuthError> {
    progress.awaiting = Some(step.awaiting());
    let pending_token = if matches!(step, Step::AuthorizationCode) {
        pending::create_code(ctx.db.write(), ctx.now(), &user.id, &caller.client_id, &progress).await?
    } else {
        pending::create_pending(ctx.db.write(), ctx.now(), &user.id, &caller.client_id, &progress).await?
    };
    Err(AuthError::Needed(Box::new(Needed {
        step,
        pending_token,
        user,
    })))
}

/// Emails a code to the user's address and answers email_verification_required.
pub(super) async fn prove_mailbox_first(
    ctx: &Ctx,
    caller: &Caller,
    user: users::Model,
    progress: Progress,
) -> Result<SignedIn, AuthError> {
    let ticket = mailbox::email_code(ctx, CodeKind::EmailVerification, &user)
        .await
        .map_err(|err| match err {
            MailboxError::Code(CodeError::Db(db)) | MailboxError::Db(db) => AuthError::Db(db),
            other => AuthError::InvalidGrant(other.to_string()),
        })?;
    let step = Step::EmailVerification {
        email_verification_id: ticket.id,
    };
    needs(ctx, caller, user, progress, step).await
}

/// Takes a sign-in whose credential is proven through the remaining steps.
pub(super) async fn continue_sign_in(
    ctx: &Ctx,
    caller: &Caller,
    user: users::Model,
    progress: Progress,
) -> Result<SignedIn, AuthError> {
    continue_sign_in_with(ctx, caller, user, progress, None).await
}

/// How the sign-in in `progress` began: its first method.
pub(super) fn began_of(progress: &Progress) -> Result<Began, AuthError> {
    progress
        .methods
        .first()
        .and_then(|first| Began::of_method(&first.method))
        .ok_or_else(|| AuthError::InvalidGrant("the sign-in has no first method".into()))
}

/// `continue_sign_in` with the user's [`Standing`] when the grant has read it already.
pub(super) async fn continue_sign_in_with(
    ctx: &Ctx,
    caller: &Caller,
    user: users::Model,
    progress: Progress,
    standing: Option<Standing>,
) -> Result<SignedIn, AuthError> {
    let now = ctx.now();
    if let Some(session_id) = progress.session_id.clone() {
        return finish_step_up(ctx, caller, user, progress, &session_id).await;
    }
    if !user.email_verified {
        return prove_mailbox_first(ctx, caller, user, progress).await;
    }
    let standing = match standing {
        Some(standing) => standing,
        None => Standing::load(ctx, &user, &progress).await?,
    };
    if let Some(required) = standing.sso_required {
        tracing::info!(user_id = %user.id, organization_id = %required.organization_id,
            "sign-in refused: the email domain's organization requires SSO");
        let step = Step::SsoRequired {
            email: user.email.clone(),
            organization_id: required.organization_id,
            connection_ids: required.connection_ids,
        };
        return needs(ctx, caller, user, progress, step).await;
    }
    if progress.mfa_at.is_none() && !standing.verified_factors.is_empty() {
        let factors = standing.verified_factors;
        return needs(ctx, caller, user, progress, Step::MfaChallenge { factors }).await;
    }
    let mut progress = progress;
    let mut active = standing.active_memberships;
    if let Some(owner) = standing.jit_owner {
        let tx = ctx.db.begin().await?;
        let joined = jit::join_by_verified_domain(&tx, now, &user, owner)
            .await
            .map_err(|e| match e {
                MembershipError::Db(db) => AuthError::Db(db),
                other => AuthError::InvalidGrant(other.to_string()),
            })?;
        tx.commit().await?;
        if joined {
            active = crate::orgs::memberships::active_memberships(ctx.db.read(), &user.id).await?;
        }
    }
    // An SSO connection names its organization, but only a membership there lets the session
    // carry it: a deactivated member or an uninvited guest signs in to their own memberships.
    if let Some(org) = progress.organization_id.as_deref() {
        if !active.iter().any(|m| m.organization_id == org) {
            tracing::info!(user_id = %user.id, organization_id = org, "not an active member: the session will not carry it");
            progress.organization_id = None;
        }
    }
    if progress.organization_id.is_none() {
        match active.as_slice() {
            [] => {}
            [only] => progress.organization_id = Some(only.organization_id.clone()),
            many => {
                let ids: Vec<String> = many.iter().map(|m| m.organization_id.clone()).collect();
                let organizations = organizations::Entity::find()
                    .filter(organizations::Column::Id.is_in(ids))
                    .order_by_asc(organizations::Column::Name)
                    .all(ctx.db.read())
                    .await?;
                return needs(
                    ctx,
                    caller,
                    user,
                    progress,
                    Step::OrganizationSelection { organizations },
                )
                .await;
            }
        }
    }
    if let Some(org) = progress.organization_id.clone() {
        let candidate = Candidate {
            user_id: &user.id,
            methods: auth_facts(&progress.methods),
            mfa_at: progress.mfa_at,
            last_seen_at: now,
        };
        match admission::may_carry(ctx, &org, candidate, now)
            .await
            .map_err(policy_error)?
        {
            Admission::Admitted => {}
            Admission::NotAMember => return Err(AuthError::NotAMember),
            Admission::Requires(requirements) => {
                if requirements.contains(&Requirement::MfaEnrollment) {
                    return needs(ctx, caller, user, progress, Step::MfaEnrollment).await;
                }
                if requirements.contains(&Requirement::Mfa) {
                    let factors = standing.verified_factors;
                    return needs(ctx, caller, user, progress, Step::MfaChallenge { factors }).await;
                }
                let step = Step::Reauthentication {
                    organization_id: org,
                    requirements,
                };
                return needs(ctx, caller, user, progress, step).await;
            }
        }
    }
    let began = began_of(&progress)?;
    if caller.delivery == Delivery::AuthorizationCode {
        if let Some(device) = caller.device.as_deref() {
            ceiling::remember_device(ctx, &user.id, device).await?;
        }
        return needs(ctx, caller, user, progress, Step::AuthorizationCode).await;
    }
    let issued = session_service::start_session(
        ctx,
        NewSession {
            user_id: user.id.clone(),
            client_id: caller.client_id.clone(),
            organization_id: progress.organization_id.clone(),
            methods: progress.methods.clone(),
            mfa_at: progress.mfa_at,
            ip_address: caller.ip_address.clone(),
            user_agent: caller.user_agent.clone(),
            authentication_event: Some(began.succeeded_event().to_owned()),
        },
    )
    .await?;
    Ok(SignedIn {
        user,
        issued,
        authentication_method: began.reply_name().to_owned(),
    })
}

pub(super) fn policy_error(err: PolicyError) -> AuthError {
    match err {
        PolicyError::Db(db) => AuthError::Db(db),
        other => AuthError::InvalidGrant(other.to_string()),
    }
}

/// Completes a step-up: the same session gains the new facts and enters the organization
/// once its policy holds.
async fn finish_step_up(
    ctx: &Ctx,
    caller: &Caller,
    user: users::Model,
    progress: Progress,
    session_id: &str,
) -> Result<SignedIn, AuthError> {
    let now = ctx.now();
    let session = session_service::get_session(ctx, session_id)
        .await?
        .ok_or_else(|| AuthError::InvalidGrant("the session is gone".into()))?;
    let org = progress
        .organization_id
        .clone()
        .ok_or_else(|| AuthError::InvalidGrant("no organization to enter".into()))?;
    let candidate = Candidate {
        user_id: &session.user_id,
        methods: auth_facts(&progress.methods),
        mfa_at: progress.mfa_at,
        last_seen_at: session.last_seen_at,
    };
    match admission::may_carry(ctx, &org, candidate, now)
        .await
        .map_err(policy_error)?
    {
        Admission::Admitted => {}
        Admission::NotAMember => return Err(AuthError::NotAMember),
        Admission::Requires(requirements) => {
            let step = Step::Reauthentication {
                organization_id: org,
                requirements,
            };
            return needs(ctx, caller, user, progress, step).await;
        }
    }
    let issued = session_service::step_up(ctx, &session, progress.methods.clone(), progress.mfa_at, &org).await?;
    Ok(SignedIn {
        user,
        issued,
        authentication_method: "step_up".into(),
    })
}
