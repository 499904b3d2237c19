//! Accepting an invitation: the user joins the organization with the invited role and kind
//! (source=invitation), the invitation becomes `accepted` and its links stop working, all in
//! one transaction.
//!
//! Two ways lead here: a sign-in grant that presents the invitation's token (`accept_with_token`),
//! and the vendor's `POST …/{id}/accept {user_id}`. Neither proves the mailbox: the admin who
//! invited can read the token from the API (`identity::linking`, `Asserter::InvitationToken`). So
//! both need the user signed in as themselves, with the invited address already proven; a sign-in
//! on an unproven address asks for the emailed code first and accepts after it.

use super::rules::{self, State, Variant};
use super::{invitation_event, invite_policy, is_free_mail, tokens, InvitationError};
use crate::context::Ctx;
use crate::events;
use crate::identity::linking;
use crate::ids::{InvitationId, UserId};
use crate::orgs::memberships::{add_member, Kind, MembershipError, NewMembership, Source};
use crate::validation::Email;
use chrono::{DateTime, Utc};
use entities::{invitations, organization_memberships as memberships, users};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tracing::instrument;

#[derive(Debug, Clone)]
pub struct Accepted {
    pub invitation: invitations::Model,
    /// The new membership; `None` when the user had joined by another way meanwhile.
    pub membership: Option<memberships::Model>,
    pub user: users::Model,
}

/// The invitation `token` belongs to: the entry point of sign-in grants and of SSO.
///
/// Errors: `InvalidToken` (unknown, spent or replaced).
pub async fn find_by_token(ctx: &Ctx, token: &str) -> Result<invitations::Model, InvitationError> {
    tokens::find(ctx.db.read(), token)
        .await?
        .ok_or(InvitationError::InvalidToken)
}

/// The invitation whose token an earlier step of the same sign-in presented (the pending token
/// remembers its id, never the token).
pub async fn find_presented(ctx: &Ctx, id: &str) -> Result<invitations::Model, InvitationError> {
    invitations::Entity::find_by_id(id)
        .one(ctx.db.read())
        .await?
        .ok_or(InvitationError::InvalidToken)
}

/// Accepts `invitation` for `user`, whom a sign-in grant identified.
///
/// Errors: `NotPending` (accepted, revoked, expired), `EmailMismatch`, `PersonalAccount`,
/// `EmailNotVerified` (the invitation waits until the account's address is proven),
/// `DomainNotAllowed`, `WorkEmailRequired`.
#[instrument(skip_all, fields(user_id = %user.id))]
pub async fn accept_for(
    ctx: &Ctx,
    invitation: invitations::Model,
    user: &users::Model,
) -> Result<Accepted, InvitationError> {
    accept(ctx, invitation, user.id.clone()).await
}

/// An invitation token presented with an SSO sign-in, checked against the IdP-asserted email
/// before the sign-in writes anything, so that a refused invitation leaves no trace.
#[derive(Debug, Clone)]
pub struct Presented {
    pub invitation: invitations::Model,
    /// The invitation is for the asserted address itself (not a work-email invitation sent to a
    /// personal address): the SSO sign-in may create that account where JIT provisioning is off.
    pub for_asserted_email: bool,
}

/// Errors: `InvalidToken`, `NotPending`, `EmailMismatch` (invited another address),
/// `PersonalAccount` (the personal address of a work-email invitation).
pub async fn check_token_for_email(ctx: &Ctx, token: &str, email: Option<&str>) -> Result<Presented, InvitationError> {
    let invitation = tokens::find(ctx.db.read(), token)
        .await?
        .ok_or(InvitationError::InvalidToken)?;
    let state = rules::state_at(&invitation.state, invitation.expires_at, ctx.now());
    if state != State::Pending {
        tracing::info!(?state, "invitation presented with SSO refused: not pending");
        return Err(InvitationError::NotPending(state));
    }
    let asserted = email.and_then(Email::parse).map(|e| e.normalized);
    let same = asserted.as_deref() == Some(invitation.email_normalized.as_str());
    match (Variant::parse(&invitation.variant), same) {
        (Variant::WorkEmailRequired, true) => Err(InvitationError::PersonalAccount),
        (Variant::WorkEmailRequired, false) => Ok(Presented {
            invitation,
            for_asserted_email: false,
        }),
        (_, true) => Ok(Presented {
            invitation,
            for_asserted_email: true,
        }),
        (_, false) => {
            tracing::info!("invitation presented with SSO refused: another email was invited");
            Err(InvitationError::EmailMismatch)
        }
    }
}

/// Accepts for a user whose verified email is the invited one (the vendor's accept endpoint).
#[instrument(skip_all, fields(invitation_id = %id, user_id = %user_id))]
pub async fn accept_by_id(ctx: &Ctx, id: &InvitationId, user_id: &UserId) -> Result<Accepted, InvitationError> {
    let invitation = invitations::Entity::find_by_id(id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(InvitationError::NotFound)?;
    accept(ctx, invitation, user_id.as_str().to_owned()).await
}

async fn accept(ctx: &Ctx, invitation: invitations::Model, user_id: String) -> Result<Accepted, InvitationError> {
    let now = ctx.now();
    let state = rules::state_at(&invitation.state, invitation.expires_at, now);
    if state != State::Pending {
        if state == State::Expired {
            super::observe(ctx, invitation).await?;
        }
        tracing::info!(?state, "invitation not accepted: not pending");
        return Err(InvitationError::NotPending(state));
    }
    let tx = ctx.db.begin().await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&tx)
        .await?
        .ok_or(InvitationError::UserNotFound)?;
    let variant = Variant::parse(&invitation.variant);
    let kind = check_acceptor(&tx, &invitation, variant, &user).await?;

    let updated = invitations::Entity::update_many()
        .col_expr(invitations::Column::State, Expr::value(State::Accepted.as_str()))
        .col_expr(invitations::Column::AcceptedUserId, Expr::value(Some(user.id.clone())))
        .col_expr(invitations::Column::AcceptedAt, Expr::value(Some(now)))
        .col_expr(invitations::Column::NextReminderAt, Expr::value(None::<DateTime<Utc>>))
        .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
        .filter(invitations::Column::Id.eq(invitation.id.as_str()))
        .filter(invitations::Column::State.eq(State::Pending.as_str()))
        .filter(invitations::Column::ExpiresAt.gt(now))
        .exec(&tx)
        .await?;
    if updated.rows_affected != 1 {
        // Revoked, resent-and-accepted or lapsed between the read and this write.
        return Err(InvitationError::NotPending(State::Accepted));
    }
    tokens::revoke_all(&tx, &invitation.id).await?;

    let membership = join(&tx, now, &invitation, &user, kind).await?;
    let accepted = invitations::Model {
        state: State::Accepted.as_str().into(),
        accepted_user_id: Some(user.id.clone()),
        accepted_at: Some(now),
        next_reminder_at: None,
        updated_at: now,
        ..invitation
    };
    events::append(
        &tx,
        now,
        "invitation.accepted",
        Some(&accepted.organization_id),
        invitation_event(&accepted),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(invitation_id = %accepted.id, user_id = %user.id, "invitation accepted");
    Ok(Accepted {
        invitation: accepted,
        membership,
        user,
    })
}

/// Whether `user` may accept, and as which kind of member.
async fn check_acceptor<C: ConnectionTrait>(
    db: &C,
    invitation: &invitations::Model,
    variant: Variant,
    user: &users::Model,
) -> Result<Kind, InvitationError> {
    let invited_kind = if invitation.kind == "guest" {
        Kind::Guest
    } else {
        Kind::Member
    };
    if variant != Variant::WorkEmailRequired {
        if user.email_normalized != invitation.email_normalized {
            tracing::info!(user_id = %user.id, "invitation not accepted: email mismatch");
            return Err(InvitationError::EmailMismatch);
        }
        // The token proves no mailbox (`identity::linking`): the address must be proven already.
        if linking::Account::of(Some(user)) != linking::Account::Proven {
            tracing::info!(user_id = %user.id, "invitation waits: the invited address is not proven");
            return Err(InvitationError::EmailNotVerified);
        }
        return Ok(invited_kind);
    }
    // The invitation reached a personal address of an existing account, and the organization
    // wants work emails: only a different account, on a proven work address, may join. The
    // personal account is never merged into it.
    if Some(&user.id) == invitation.existing_user_id.as_ref() || user.email_normalized == invitation.email_normalized {
        tracing::info!(user_id = %user.id, "invitation not accepted: personal account");
        return Err(InvitationError::PersonalAccount);
    }
    let Some(email) = Email::parse(&user.email) else {
        return Err(InvitationError::EmailMismatch);
    };
    if is_free_mail(email.domain()) {
        return Err(InvitationError::WorkEmailRequired);
    }
    let policy = invite_policy(db, &invitation.organization_id).await?;
    if let Some(allowed) = &policy.invitation_domains {
        if !allowed.iter().any(|d| d.eq_ignore_ascii_case(email.domain())) {
            return Err(InvitationError::DomainNotAllowed(allowed.clone()));
        }
    }
    if !user.email_verified {
        return Err(InvitationError::EmailNotVerified);
    }
    let guest = policy
        .guest_domains
        .iter()
        .any(|d| d.eq_ignore_ascii_case(email.domain()));
    Ok(if guest { Kind::Guest } else { Kind::Member })
}

async fn join<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    invitation: &invitations::Model,
    user: &users::Model,
    kind: Kind,
) -> Result<Option<memberships::Model>, InvitationError> {
    let user_id: UserId = user.id.parse().map_err(|_| InvitationError::UserNotFound)?;
    let organization_id: crate::ids::OrganizationId = invitation
        .organization_id
        .parse()
        .map_err(|_| InvitationError::OrganizationNotFound)?;
    let new = |role_slug| NewMembership {
        user_id: user_id.clone(),
        organization_id: organization_id.clone(),
        role_slug,
        kind,
        source: Source::Invitation,
    };
    let already = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user.id.as_str()))
        .filter(memberships::Column::OrganizationId.eq(invitation.organization_id.as_str()))
        .one(db)
        .await?;
    if already.is_some() {
        tracing::info!(user_id = %user.id, "invitation accepted by a member already in the organization");
        return Ok(None);
    }
    match add_member(db, now, new(Some(invitation.role_slug.clone()))).await {
        Ok(m) => Ok(Some(m)),
        // The invited role was deleted since: the default role stands in.
        Err(MembershipError::UnknownRole(_)) => Ok(Some(add_member(db, now, new(None)).await.map_err(membership)?)),
        Err(other) => Err(membership(other)),
    }
}

fn membership(err: MembershipError) -> InvitationError {
    match err {
        MembershipError::AlreadyMember => InvitationError::AlreadyMember,
        MembershipError::UserNotFound => InvitationError::UserNotFound,
        MembershipError::OrganizationNotFound => InvitationError::OrganizationNotFound,
        MembershipError::UnknownRole(r) => InvitationError::UnknownRole(r),
        MembershipError::Db(db) => InvitationError::Db(db),
        MembershipError::NotFound | MembershipError::GuestDomainRequiresInvitation => InvitationError::NotFound,
    }
}
