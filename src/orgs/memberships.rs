//! Organization memberships: one per user and organization (unique index), with a role,
//! a status (active | inactive | pending), a kind (member | guest) and a source.

use crate::context::Ctx;
use crate::domains::trust;
use crate::events;
use crate::ids::{MembershipId, OrganizationId, UserId};
use crate::orgs::roles;
use crate::sessions::lifecycle::revoke_user_sessions;
use crate::store::is_unique_violation;
use crate::store::pagination::{fetch_page, Page, PageRequest};
use entities::{organization_memberships as memberships, organizations, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use tracing::instrument;

#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    #[error("membership not found")]
    NotFound,
    #[error("user not found")]
    UserNotFound,
    #[error("organization not found")]
    OrganizationNotFound,
    #[error("role {0} does not exist")]
    UnknownRole(String),
    #[error("the user is already a member of this organization")]
    AlreadyMember,
    #[error("users of a guest domain join only by invitation")]
    GuestDomainRequiresInvitation,
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Member,
    Guest,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Member => "member",
            Kind::Guest => "guest",
        }
    }
}

/// The user's active memberships, oldest first.
pub async fn active_memberships<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<Vec<memberships::Model>, DbErr> {
    memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::Status.eq("active"))
        .order_by_asc(memberships::Column::Id)
        .all(db)
        .await
}

/// Whether `user_id` is a guest of `organization_id` (a contractor whose IdP-asserted email is not trusted).
pub async fn is_guest_in<C: ConnectionTrait>(db: &C, user_id: &str, organization_id: &str) -> Result<bool, DbErr> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .filter(memberships::Column::Kind.eq(Kind::Guest.as_str()))
        .one(db)
        .await?
        .is_some())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Manual,
    Invitation,
    Jit,
    Scim,
    Sso,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Manual => "manual",
            Source::Invitation => "invitation",
            Source::Jit => "jit",
            Source::Scim => "scim",
            Source::Sso => "sso",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewMembership {
    pub user_id: UserId,
    pub organization_id: OrganizationId,
    pub role_slug: Option<String>,
    pub kind: Kind,
    pub source: Source,
}

#[derive(Debug, Clone, Default)]
pub struct MembershipFilter {
    pub user_id: Option<UserId>,
    pub organization_id: Option<OrganizationId>,
    pub statuses: Vec<String>,
}

/// Adds a user to an organization inside the caller's transaction (used by invitations,
/// JIT and SCIM as well as the API). Appends `organization_membership.created`.
pub async fn add_member<C: ConnectionTrait>(
    tx: &C,
    now: chrono::DateTime<chrono::Utc>,
    new: NewMembership,
) -> Result<memberships::Model, MembershipError> {
    users::Entity::find_by_id(new.user_id.as_str())
        .one(tx)
        .await?
        .ok_or(MembershipError::UserNotFound)?;
    organizations::Entity::find_by_id(new.organization_id.as_str())
        .one(tx)
        .await?
        .ok_or(MembershipError::OrganizationNotFound)?;
    let role = match &new.role_slug {
        Some(slug) => roles::resolve_role(tx, new.organization_id.as_str(), slug)
            .await?
            .ok_or_else(|| MembershipError::UnknownRole(slug.clone()))?,
        None => roles::default_role(tx)
            .await?
            .ok_or_else(|| MembershipError::UnknownRole("default".into()))?,
    };
    let membership = memberships::ActiveModel {
        id: Set(MembershipId::generate().into_string()),
        user_id: Set(new.user_id.into_string()),
        organization_id: Set(new.organization_id.into_string()),
        role_slug: Set(role.slug),
        status: Set("active".into()),
        kind: Set(new.kind.as_str().into()),
        source: Set(new.source.as_str().into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            MembershipError::AlreadyMember
        } else {
            MembershipError::Db(e)
        }
    })?;
    events::append(
        tx,
        now,
        "organization_membership.created",
        Some(&membership.organization_id),
        membership_event(&membership),
    )
    .await?;
    Ok(membership)
}

#[instrument(skip_all, fields(user_id = %new.user_id, org_id = %new.organization_id))]
pub async fn create_membership(ctx: &Ctx, new: NewMembership) -> Result<memberships::Model, MembershipError> {
    let tx = ctx.db.begin().await?;
    // Contractors from a guest domain come in only through an invitation (issue 6), never
    // by an admin adding them directly.
    let user = entities::users::Entity::find_by_id(new.user_id.as_str())
        .one(&tx)
        .await?
        .ok_or(MembershipError::UserNotFound)?;
    organizations::Entity::find_by_id(new.organization_id.as_str())
        .one(&tx)
        .await?
        .ok_or(MembershipError::OrganizationNotFound)?;
    let guest_domains = trust::guest_domains_of(&tx, new.organization_id.as_str()).await?;
    let domain = crate::validation::Email::parse(&user.email)
        .map(|e| e.domain().to_owned())
        .unwrap_or_default();
    if trust::is_guest_domain(&domain, &guest_domains) {
        return Err(MembershipError::GuestDomainRequiresInvitation);
    }
    let membership = add_member(&tx, ctx.now(), new).await?;
    tx.commit().await?;
    Ok(membership)
}

pub async fn get_membership(ctx: &Ctx, id: &MembershipId) -> Result<memberships::Model, MembershipError> {
    memberships::Entity::find_by_id(id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(MembershipError::NotFound)
}

pub async fn list_memberships(
    ctx: &Ctx,
    filter: &MembershipFilter,
    page: &PageRequest,
) -> Result<Page<memberships::Model>, MembershipError> {
    let mut select = memberships::Entity::find();
    if let Some(user) = &filter.user_id {
        select = select.filter(memberships::Column::UserId.eq(user.as_str()));
    }
    if let Some(org) = &filter.organization_id {
        select = select.filter(memberships::Column::OrganizationId.eq(org.as_str()));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(memberships::Column::Status.is_in(filter.statuses.clone()));
    }
    Ok(fetch_page(ctx.db.read(), select, memberships::Column::Id, |m| m.id.clone(), page).await?)
}

pub async fn change_role(ctx: &Ctx, id: &MembershipId, role_slug: &str) -> Result<memberships::Model, MembershipError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let existing = memberships::Entity::find_by_id(id.as_str())
        .one(&tx)
        .await?
        .ok_or(MembershipError::NotFound)?;
    let role = roles::resolve_role(&tx, &existing.organization_id, role_slug)
        .await?
        .ok_or_else(|| MembershipError::UnknownRole(role_slug.to_owned()))?;
    let mut membership = existing.into_active_model();
    membership.role_slug = Set(role.slug);
    membership.updated_at = Set(now);
    let membership = membership.update(&tx).await?;
    events::append(
        &tx,
        now,
        "organization_membership.updated",
        Some(&membership.organization_id),
        membership_event(&membership),
    )
    .await?;
    tx.commit().await?;
    Ok(membership)
}

/// Sets the status inside the caller's transaction; a no-op when it is already `status`.
pub async fn set_status<C: ConnectionTrait>(
    tx: &C,
    now: chrono::DateTime<chrono::Utc>,
    existing: memberships::Model,
    status: &str,
) -> Result<memberships::Model, MembershipError> {
    if existing.status == status {
        return Ok(existing);
    }
    let mut membership = existing.into_active_model();
    membership.status = Set(status.to_owned());
    membership.updated_at = Set(now);
    let membership = membership.update(tx).await?;
    if status != "active" {
        // Losing access to an organization ends the sessions inside it at once (API.md).
        revoke_user_sessions(
            tx,
            now,
            &membership.user_id,
            Some(&membership.organization_id),
            None,
            "membership_deactivated",
        )
        .await?;
    }
    events::append(
        tx,
        now,
        "organization_membership.updated",
        Some(&membership.organization_id),
        membership_event(&membership),
    )
    .await?;
    Ok(membership)
}

#[instrument(skip_all, fields(membership_id = %id, status))]
pub async fn change_status(ctx: &Ctx, id: &MembershipId, status: &str) -> Result<memberships::Model, MembershipError> {
    let tx = ctx.db.begin().await?;
    let existing = memberships::Entity::find_by_id(id.as_str())
        .one(&tx)
        .await?
        .ok_or(MembershipError::NotFound)?;
    let membership = set_status(&tx, ctx.now(), existing, status).await?;
    tx.commit().await?;
    Ok(membership)
}

#[instrument(skip_all, fields(membership_id = %id))]
pub async fn delete_membership(ctx: &Ctx, id: &MembershipId) -> Result<(), MembershipError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let existing = memberships::Entity::find_by_id(id.as_str())
        .one(&tx)
        .await?
        .ok_or(MembershipError::NotFound)?;
    memberships::Entity::delete_by_id(existing.id.clone()).exec(&tx).await?;
    revoke_user_sessions(
        &tx,
        now,
        &existing.user_id,
        Some(&existing.organization_id),
        None,
        "membership_deleted",
    )
    .await?;
    events::append(
        &tx,
        now,
        "organization_membership.deleted",
        Some(&existing.organization_id),
        membership_event(&existing),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub fn membership_event(m: &memberships::Model) -> serde_json::Value {
    json!({
        "object": "organization_membership",
        "id": m.id,
        "user_id": m.user_id,
        "organization_id": m.organization_id,
        "role": {"slug": m.role_slug},
        "status": m.status,
        "kind": m.kind,
        "source": m.source,
    })
}
