//! Accepting an invitation: the user joins the organization with the invited role and kind
//! (source=invitation), the invitation becomes `accepted` and its links stop working, all in
//! one transaction.
//!
//! Two proofs lead here. A token from the email proves the invitee reads the invited mailbox,
//! so it verifies the user's email (sign-in grants, and SSO through `accept_with_token`). The
//! vendor's `POST …/{id}/accept {user_id}` brings no such proof: it needs the user's email to
//! be verified already and to match.

use super::rules::{self, State, Variant};
use super::{invitation_event, invite_policy, is_free_mail, tokens, InvitationError};
use crate::context::Ctx;
use crate::events;
use crate::ids::{InvitationId, UserId};
use crate::orgs::memberships::{add_member, Kind, MembershipError, NewMembership, Source};
use crate::validation::Email;
use chrono::{DateTime, Utc};
use entities::{invitations, organization_memberships as memberships, users};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use tracing::instrument;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proof {
    /// The invitee presented a token that only the invited mailbox received.
    Token,
    /// The vendor vouches for the user; the user's email must be verified.
    VerifiedEmail,
}

#[derive(Debug, Clone)]
pub struct Accepted {
    pub invitation: invitations::Model,
    /// The new membership; `None` when the user had joined by another way meanwhile.
    pub membership: Option<memberships::Model>,
    /// The user as it is now (its email verified when a token proved the mailbox).
    pub user: users::Model,
}

/// Accepts the invitation that `token` belongs to for `user`: the entry point of sign-in grants
/// and of SSO, called once the user is known.
///
/// Errors: `InvalidToken` (unknown, spent or replaced), `NotPending` (accepted, revoked,
/// expired), `EmailMismatch`, `PersonalAccount`, `EmailNotVerified` (a work-email invitation
/// waits until the new account's address is proven), `DomainNotAllowed`, `WorkEmailRequired`.
#[instrument(skip_all, fields(user_id = %user.id))]
pub async fn accept_with_token(ctx: &Ctx, token: &str, user: &users::Model) -> Result<Accepted, InvitationError> {
    let invitation = tokens::find(ctx.db.read(), token)
        .await?
        .ok_or(InvitationError::InvalidToken)?;
    accept(ctx, invitation, user.id.clone(), Proof::Token).await
}

/// An invitation token presented with an SSO sign-in, checked against the IdP-asserted email
/// before the sign-in writes anything, so that a refused invitation leaves no trace.
#[derive(Debug, Clone)]
pub struct Presented {
    pub invitation: invitations::Model,
    /// The token reached the asserted address, so it proves that mailbox. Not so for a
    /// work-email invitation: it went to the personal address, and the work one stays unproven.
    pub proves_email: bool,
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
            proves_email: false,
        }),
        (_, true) => Ok(Presented {
            invitation,
            proves_email: true,
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
    accept(ctx, invitation, user_id.as_str().to_owned(), Proof::VerifiedEmail).await
}

async fn accept(
    ctx: &Ctx,
    invitation: invitations::Model,
    user_id: String,
    proof: Proof,
) -> Result<Accepted, InvitationError> {
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
    let kind = check_acceptor(&tx, &invitation, variant, &user, proof).await?;

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

    let user = if proof == Proof::Token && variant != Variant::WorkEmailRequired && !user.email_verified {
        let mut verified = user.into_active_model();
        verified.email_verified = Set(true);
        verified.updated_at = Set(now);
        let user = verified.update(&tx).await?;
        events::append(&tx, now, "user.updated", None, crate::users::user_event(&user)).await?;
        tracing::info!(user_id = %user.id, "email verified by an invitation token");
        user
    } else {
        user
    };

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
    proof: Proof,
) -> Result<Kind, InvitationError> {
    let invited_kind = if invitation.kind == "guest" {
        Kind::Guest
    } else {
        Kind::Member
    };
    if variant != Variant::WorkEmailRequired {
        let same_address = user.email_normalized == invitation.email_normalized;
        if !same_address || (proof == Proof::VerifiedEmail && !user.email_verified) {
            tracing::info!(user_id = %user.id, "invitation not accepted: email mismatch");
            return Err(InvitationError::EmailMismatch);
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
