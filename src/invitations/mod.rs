//! Invitations into an organization: send (policy decides which email and which kind of
//! member), read (expiry follows the clock and is announced once), resend, revoke, accept
//! (`accept`), and reminders (`reminders`).

pub mod accept;
mod error;
pub mod mail;
pub mod reminders;
pub mod rules;
pub mod settings;
pub mod tokens;

pub use error::InvitationError;

use crate::context::Ctx;
use crate::domains::blocklist;
use crate::events;
use crate::ids::{InvitationId, OrganizationId, UserId};
use crate::orgs::roles;
use crate::policy::policies::{self, PolicyError};
use crate::store::is_unique_violation;
use crate::store::pagination::{fetch_page, Page, PageRequest};
use crate::validation::{Email, FieldError};
use chrono::{DateTime, Duration, Utc};
use entities::{invitations, organization_memberships as memberships, organizations, users};
use rules::{Decision, InvitePolicy, Invitee, Refusal, State, Variant};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::json;
use tracing::instrument;

pub const DEFAULT_EXPIRES_IN_DAYS: i64 = 7;
pub const MAX_EXPIRES_IN_DAYS: i64 = 30;

impl From<PolicyError> for InvitationError {
    fn from(err: PolicyError) -> Self {
        match err {
            PolicyError::Db(db) => InvitationError::Db(db),
            _ => InvitationError::OrganizationNotFound,
        }
    }
}

impl From<Refusal> for InvitationError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::DomainNotAllowed(allowed) => InvitationError::DomainNotAllowed(allowed),
            Refusal::WorkEmailRequired => InvitationError::WorkEmailRequired,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub email: String,
    pub organization_id: OrganizationId,
    pub role_slug: Option<String>,
    pub expires_in_days: Option<i64>,
    pub inviter_user_id: Option<UserId>,
}

/// An invitation with the token its email carries: only create and resend return it.
#[derive(Debug, Clone)]
pub struct Issued {
    pub invitation: invitations::Model,
    pub token: String,
    pub accept_url: String,
}

#[derive(Debug, Clone, Default)]
pub struct InvitationFilter {
    pub organization_id: Option<OrganizationId>,
    pub email: Option<String>,
    pub state: Option<State>,
}

/// The invitation policy of an organization.
pub async fn invite_policy<C: ConnectionTrait>(db: &C, org: &str) -> Result<InvitePolicy, InvitationError> {
    let policy = policies::get_policy(db, org).await?;
    Ok(InvitePolicy {
        invitation_domains: policy.invitation_domains,
        require_work_email: policy.require_work_email,
        guest_domains: policy.guest_domains,
    })
}

pub fn is_free_mail(domain: &str) -> bool {
    blocklist::check(domain) == Err(blocklist::Refusal::FreeMail)
}

async fn user_by_email<C: ConnectionTrait>(db: &C, normalized: &str) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find()
        .filter(users::Column::EmailNormalized.eq(normalized))
        .one(db)
        .await
}

async fn is_member<C: ConnectionTrait>(db: &C, user_id: &str, org: &str) -> Result<bool, DbErr> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::OrganizationId.eq(org))
        .one(db)
        .await?
        .is_some())
}

/// Sends an invitation: checks the organization's policy, picks the email (new account, join
/// with the existing account, or join with a work email), stores the invitation with a hashed
/// token and queues the email, all in one transaction.
///
/// Errors: `Invalid`, `OrganizationNotFound`, `UnknownRole`, `InviterNotFound`,
/// `DomainNotAllowed`, `WorkEmailRequired`, `AlreadyMember`, `AlreadyPending`.
#[instrument(skip_all, fields(org_id = %new.organization_id))]
pub async fn send_invitation(ctx: &Ctx, new: NewInvitation) -> Result<Issued, InvitationError> {
    let mut problems = Vec::new();
    let email = Email::parse(&new.email);
    if email.is_none() {
        problems.push(FieldError::new("email", "invalid_email", "not a valid email address"));
    }
    let days = new.expires_in_days.unwrap_or(DEFAULT_EXPIRES_IN_DAYS);
    if !(1..=MAX_EXPIRES_IN_DAYS).contains(&days) {
        problems.push(FieldError::new(
            "expires_in_days",
            "out_of_range",
            format!("must be between 1 and {MAX_EXPIRES_IN_DAYS}"),
        ));
    }
    let Some(email) = email.filter(|_| problems.is_empty()) else {
        return Err(InvitationError::Invalid(problems));
    };
    let org = new.organization_id.as_str();
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    organizations::Entity::find_by_id(org)
        .one(&tx)
        .await?
        .ok_or(InvitationError::OrganizationNotFound)?;
    let role = match &new.role_slug {
        Some(slug) => roles::resolve_role(&tx, org, slug)
            .await?
            .ok_or_else(|| InvitationError::UnknownRole(slug.clone()))?,
        None => roles::default_role(&tx)
            .await?
            .ok_or_else(|| InvitationError::UnknownRole("default".into()))?,
    };
    if let Some(inviter) = &new.inviter_user_id {
        users::Entity::find_by_id(inviter.as_str())
            .one(&tx)
            .await?
            .ok_or(InvitationError::InviterNotFound)?;
    }
    let existing = user_by_email(&tx, &email.normalized).await?;
    if let Some(user) = &existing {
        if is_member(&tx, &user.id, org).await? {
            return Err(InvitationError::AlreadyMember);
        }
    }
    let policy = invite_policy(&tx, org).await?;
    let invitee = Invitee {
        domain: email.domain(),
        free_mail: is_free_mail(email.domain()),
        has_account: existing.is_some(),
    };
    let Decision { variant, guest } = rules::decide(&policy, invitee).inspect_err(|refusal| {
        tracing::info!(?refusal, "invitation refused by the organization's policy");
    })?;
    expire_lapsed(&tx, now, Some((org, &email.normalized))).await?;
    let schedule = settings::settings_of(&tx, &ctx.config, org).await?;
    let invitation = invitations::ActiveModel {
        id: Set(InvitationId::generate().into_string()),
        organization_id: Set(org.to_owned()),
        email: Set(email.address.clone()),
        email_normalized: Set(email.normalized.clone()),
        role_slug: Set(role.slug),
        kind: Set(if guest { "guest" } else { "member" }.into()),
        state: Set(State::Pending.as_str().into()),
        variant: Set(variant.as_str().into()),
        existing_user_id: Set(existing.map(|u| u.id)),
        inviter_user_id: Set(new.inviter_user_id.map(String::from)),
        accepted_user_id: Set(None),
        expires_in_days: Set(days as i32),
        expires_at: Set(now + Duration::days(days)),
        reminders_sent: Set(0),
        next_reminder_at: Set(schedule.first_reminder_at(now)),
        accepted_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            InvitationError::AlreadyPending
        } else {
            InvitationError::Db(e)
        }
    })?;
    let token = tokens::issue(&tx, now, &invitation.id, "invitation").await?;
    mail::send(&tx, ctx, now, &invitation, variant.template(), &token).await?;
    events::append(&tx, now, "invitation.created", Some(org), invitation_event(&invitation)).await?;
    tx.commit().await?;
    tracing::info!(invitation_id = %invitation.id, variant = variant.as_str(), guest, "invitation sent");
    let accept_url = mail::accept_url(ctx, &token);
    Ok(Issued {
        invitation,
        token,
        accept_url,
    })
}

/// Marks pending invitations past their expiry as expired and appends `invitation.expired` for
/// each. The guarded UPDATE makes the event happen once, however many readers see it lapse.
/// `only`: one organization and address; `None`: every lapsed invitation.
pub async fn expire_lapsed<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    only: Option<(&str, &str)>,
) -> Result<usize, DbErr> {
    let mut lapsed = invitations::Entity::find()
        .filter(invitations::Column::State.eq(State::Pending.as_str()))
        .filter(invitations::Column::ExpiresAt.lte(now));
    if let Some((org, email)) = only {
        lapsed = lapsed
            .filter(invitations::Column::OrganizationId.eq(org))
            .filter(invitations::Column::EmailNormalized.eq(email));
    }
    let mut count = 0;
    for row in lapsed.all(db).await? {
        if mark_expired(db, now, row).await?.is_some() {
            count += 1;
        }
    }
    Ok(count)
}

/// Expires one lapsed invitation; `None` when another transaction already did.
async fn mark_expired<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    row: invitations::Model,
) -> Result<Option<invitations::Model>, DbErr> {
    let updated = invitations::Entity::update_many()
        .col_expr(invitations::Column::State, Expr::value(State::Expired.as_str()))
        .col_expr(invitations::Column::NextReminderAt, Expr::value(None::<DateTime<Utc>>))
        .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
        .filter(invitations::Column::Id.eq(row.id.as_str()))
        .filter(invitations::Column::State.eq(State::Pending.as_str()))
        .filter(invitations::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(None);
    }
    tokens::revoke_all(db, &row.id).await?;
    let expired = invitations::Model {
        state: State::Expired.as_str().into(),
        next_reminder_at: None,
        updated_at: now,
        ..row
    };
    events::append(
        db,
        now,
        "invitation.expired",
        Some(&expired.organization_id),
        invitation_event(&expired),
    )
    .await?;
    tracing::info!(invitation_id = %expired.id, "invitation expired");
    Ok(Some(expired))
}

/// The invitation as of now: one that lapsed since it was stored is recorded as expired first.
pub async fn observe(ctx: &Ctx, row: invitations::Model) -> Result<invitations::Model, DbErr> {
    let now = ctx.now();
    if rules::state_at(&row.state, row.expires_at, now) != State::Expired || row.state == State::Expired.as_str() {
        return Ok(row);
    }
    let tx = ctx.db.begin().await?;
    let result = mark_expired(&tx, now, row.clone()).await?;
    tx.commit().await?;
    Ok(match result {
        Some(expired) => expired,
        None => invitations::Entity::find_by_id(row.id.clone())
            .one(ctx.db.write())
            .await?
            .unwrap_or(row),
    })
}

pub async fn get_invitation(ctx: &Ctx, id: &InvitationId) -> Result<invitations::Model, InvitationError> {
    let row = invitations::Entity::find_by_id(id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(InvitationError::NotFound)?;
    Ok(observe(ctx, row).await?)
}

/// The invitation a live token belongs to. A spent, replaced or unknown token is `NotFound`.
pub async fn get_by_token(ctx: &Ctx, token: &str) -> Result<invitations::Model, InvitationError> {
    let row = tokens::find(ctx.db.read(), token)
        .await?
        .ok_or(InvitationError::NotFound)?;
    Ok(observe(ctx, row).await?)
}

pub async fn list_invitations(
    ctx: &Ctx,
    filter: &InvitationFilter,
    page: &PageRequest,
) -> Result<Page<invitations::Model>, InvitationError> {
    let now = ctx.now();
    let mut select = invitations::Entity::find();
    if let Some(org) = &filter.organization_id {
        select = select.filter(invitations::Column::OrganizationId.eq(org.as_str()));
    }
    if let Some(email) = &filter.email {
        select =
            select.filter(invitations::Column::EmailNormalized.eq(crate::validation::Email::normalize_or_raw(email)));
    }
    let pending = invitations::Column::State.eq(State::Pending.as_str());
    select = match filter.state {
        None => select,
        Some(State::Pending) => select.filter(pending).filter(invitations::Column::ExpiresAt.gt(now)),
        Some(State::Expired) => select.filter(
            Condition::any()
                .add(invitations::Column::State.eq(State::Expired.as_str()))
                .add(
                    Condition::all()
                        .add(pending)
                        .add(invitations::Column::ExpiresAt.lte(now)),
                ),
        ),
        Some(other) => select.filter(invitations::Column::State.eq(other.as_str())),
    };
    let page = fetch_page(ctx.db.read(), select, invitations::Column::Id, |m| m.id.clone(), page).await?;
    let mut data = Vec::with_capacity(page.data.len());
    for row in page.data {
        data.push(observe(ctx, row).await?);
    }
    Ok(Page {
        data,
        before: page.before,
        after: page.after,
    })
}

/// Loads an invitation that must still be pending, inside `tx`.
async fn pending_in<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    id: &str,
) -> Result<invitations::Model, InvitationError> {
    let row = invitations::Entity::find_by_id(id)
        .one(tx)
        .await?
        .ok_or(InvitationError::NotFound)?;
    match rules::state_at(&row.state, row.expires_at, now) {
        State::Pending => Ok(row),
        other => Err(InvitationError::NotPending(other)),
    }
}

/// Sends the invitation again with a new token; the old links stop working. The expiry and the
/// reminder schedule start over.
#[instrument(skip_all, fields(invitation_id = %id))]
pub async fn resend_invitation(ctx: &Ctx, id: &InvitationId) -> Result<Issued, InvitationError> {
    let current = get_invitation(ctx, id).await?;
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let row = pending_in(&tx, now, &current.id).await?;
    let schedule = settings::settings_of(&tx, &ctx.config, &row.organization_id).await?;
    let mut active = invitations::ActiveModel::from(row.clone());
    active.expires_at = Set(now + Duration::days(i64::from(row.expires_in_days)));
    active.reminders_sent = Set(0);
    active.next_reminder_at = Set(schedule.first_reminder_at(now));
    active.updated_at = Set(now);
    // The invitee may have signed up (or been deleted) since: the email says what is true now.
    let variant = Variant::parse(&row.variant);
    if variant != Variant::WorkEmailRequired {
        let account = user_by_email(&tx, &row.email_normalized).await?;
        let now_variant = if account.is_some() {
            Variant::ExistingUser
        } else {
            Variant::NewUser
        };
        active.variant = Set(now_variant.as_str().into());
        active.existing_user_id = Set(account.map(|u| u.id));
    }
    let invitation = active.update(&tx).await?;
    tokens::revoke_all(&tx, &invitation.id).await?;
    let token = tokens::issue(&tx, now, &invitation.id, "invitation").await?;
    let template = Variant::parse(&invitation.variant).template();
    mail::send(&tx, ctx, now, &invitation, template, &token).await?;
    events::append(
        &tx,
        now,
        "invitation.resent",
        Some(&invitation.organization_id),
        invitation_event(&invitation),
    )
    .await?;
    tx.commit().await?;
    let accept_url = mail::accept_url(ctx, &token);
    Ok(Issued {
        invitation,
        token,
        accept_url,
    })
}

/// Revokes a pending invitation; its links stop working at once.
#[instrument(skip_all, fields(invitation_id = %id))]
pub async fn revoke_invitation(ctx: &Ctx, id: &InvitationId) -> Result<invitations::Model, InvitationError> {
    let current = get_invitation(ctx, id).await?;
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let row = pending_in(&tx, now, &current.id).await?;
    let updated = invitations::Entity::update_many()
        .col_expr(invitations::Column::State, Expr::value(State::Revoked.as_str()))
        .col_expr(invitations::Column::RevokedAt, Expr::value(Some(now)))
        .col_expr(invitations::Column::NextReminderAt, Expr::value(None::<DateTime<Utc>>))
        .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
        .filter(invitations::Column::Id.eq(row.id.as_str()))
        .filter(invitations::Column::State.eq(State::Pending.as_str()))
        .exec(&tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(InvitationError::NotPending(State::Revoked));
    }
    tokens::revoke_all(&tx, &row.id).await?;
    let revoked = invitations::Model {
        state: State::Revoked.as_str().into(),
        revoked_at: Some(now),
        next_reminder_at: None,
        updated_at: now,
        ..row
    };
    events::append(
        &tx,
        now,
        "invitation.revoked",
        Some(&revoked.organization_id),
        invitation_event(&revoked),
    )
    .await?;
    tx.commit().await?;
    Ok(revoked)
}

/// The event payload: never the token.
pub fn invitation_event(i: &invitations::Model) -> serde_json::Value {
    json!({
        "object": "invitation",
        "id": i.id,
        "email": i.email,
        "state": i.state,
        "organization_id": i.organization_id,
        "role_slug": i.role_slug,
        "kind": i.kind,
        "inviter_user_id": i.inviter_user_id,
        "accepted_user_id": i.accepted_user_id,
        "expires_at": i.expires_at,
    })
}
