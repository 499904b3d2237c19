//! Directory Sync: directories (one SCIM endpoint and bearer token each), the users and
//! groups IdPs provision into them over SCIM, and what that does to core users, memberships
//! and roles.

pub mod core_effects;
pub mod groups;
pub mod store;
pub mod users;

use crate::context::Ctx;
use crate::events;
use crate::ids::{DirectoryId, OrganizationId};
use crate::secrets;
use crate::store::pagination::{fetch_page, Page, PageRequest};
use crate::validation::{FieldError, Problems};
use entities::{directories, organizations};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::json;
use tracing::instrument;

pub const TOKEN_PREFIX: &str = "gh_scim_";
const VISIBLE_PREFIX_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("directory not found")]
    NotFound,
    #[error("organization not found")]
    OrganizationNotFound,
    #[error("invalid directory")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryType {
    Okta,
    Entra,
    Generic,
}

impl DirectoryType {
    pub fn as_str(self) -> &'static str {
        match self {
            DirectoryType::Okta => "okta",
            DirectoryType::Entra => "entra",
            DirectoryType::Generic => "generic",
        }
    }
}

/// A directory and, right after creation or rotation, its bearer token (never stored).
pub struct WithToken {
    pub directory: directories::Model,
    pub token: String,
}

#[instrument(skip_all, fields(org_id = %org))]
pub async fn create_directory(
    ctx: &Ctx,
    org: &OrganizationId,
    name: &str,
    kind: DirectoryType,
) -> Result<WithToken, DirectoryError> {
    let mut problems = Problems::default();
    problems.text("name", name, 128);
    problems.into_result().map_err(DirectoryError::Invalid)?;
    let now = ctx.now();
    let token = secrets::generate(TOKEN_PREFIX);
    let tx = ctx.db.begin().await?;
    organizations::Entity::find_by_id(org.as_str())
        .one(&tx)
        .await?
        .ok_or(DirectoryError::OrganizationNotFound)?;
    let directory = directories::ActiveModel {
        id: Set(DirectoryId::generate().into_string()),
        organization_id: Set(org.as_str().to_owned()),
        name: Set(name.trim().to_owned()),
        kind: Set(kind.as_str().to_owned()),
        state: Set("pending".into()),
        token_hash: Set(secrets::hash(&token)),
        token_prefix: Set(token[..VISIBLE_PREFIX_LEN].to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await?;
    tx.commit().await?;
    tracing::info!(directory_id = %directory.id, "directory created");
    Ok(WithToken { directory, token })
}

pub async fn get_directory(ctx: &Ctx, id: &DirectoryId) -> Result<directories::Model, DirectoryError> {
    directories::Entity::find_by_id(id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(DirectoryError::NotFound)
}

pub async fn list_directories(
    ctx: &Ctx,
    organization_id: Option<&OrganizationId>,
    page: &PageRequest,
) -> Result<Page<directories::Model>, DirectoryError> {
    let mut select = directories::Entity::find();
    if let Some(org) = organization_id {
        select = select.filter(directories::Column::OrganizationId.eq(org.as_str()));
    }
    Ok(fetch_page(ctx.db.read(), select, directories::Column::Id, |d| d.id.clone(), page).await?)
}

/// Deletes the directory with its users and groups. Memberships it created stay (an admin
/// may have come to rely on them); deactivate them first to revoke access.
#[instrument(skip_all, fields(directory_id = %id))]
pub async fn delete_directory(ctx: &Ctx, id: &DirectoryId) -> Result<(), DirectoryError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let directory = directories::Entity::find_by_id(id.as_str())
        .one(&tx)
        .await?
        .ok_or(DirectoryError::NotFound)?;
    directories::Entity::delete_by_id(directory.id.clone())
        .exec(&tx)
        .await?;
    events::append(
        &tx,
        now,
        "dsync.deleted",
        Some(&directory.organization_id),
        directory_event(&directory),
    )
    .await?;
    tx.commit().await?;
    ctx.caches.scim_directories.remove(&directory.token_hash);
    Ok(())
}

/// Issues a new bearer token; the old one stops working at once.
#[instrument(skip_all, fields(directory_id = %id))]
pub async fn rotate_token(ctx: &Ctx, id: &DirectoryId) -> Result<WithToken, DirectoryError> {
    let token = secrets::generate(TOKEN_PREFIX);
    let existing = get_directory(ctx, id).await?;
    let old_hash = existing.token_hash.clone();
    let mut directory = existing.into_active_model();
    directory.token_hash = Set(secrets::hash(&token));
    directory.token_prefix = Set(token[..VISIBLE_PREFIX_LEN].to_owned());
    directory.updated_at = Set(ctx.now());
    let directory = directory.update(ctx.db.write()).await?;
    ctx.caches.scim_directories.remove(&old_hash);
    tracing::info!("directory token rotated");
    Ok(WithToken { directory, token })
}

/// The directory `presented` opens, if it is that directory's live token. The first
/// successful call activates a pending directory (`dsync.activated`).
pub async fn authenticate_token(
    ctx: &Ctx,
    directory_id: &DirectoryId,
    presented: &str,
) -> Result<Option<directories::Model>, DbErr> {
    if !presented.starts_with(TOKEN_PREFIX) || presented.len() > 128 {
        return Ok(None);
    }
    let hash = secrets::hash(presented);
    if let Some(directory) = ctx.caches.scim_directories.get(&hash) {
        return Ok((directory.id == directory_id.as_str()).then_some(directory));
    }
    let ticket = ctx.caches.scim_directories.ticket();
    let Some(directory) = directories::Entity::find_by_id(directory_id.as_str())
        .one(ctx.db.read())
        .await?
    else {
        return Ok(None);
    };
    if !secrets::hashes_match(&directory.token_hash, &hash) {
        return Ok(None);
    }
    if directory.state == "pending" {
        let now = ctx.now();
        let tx = ctx.db.begin().await?;
        let updated = directories::Entity::update_many()
            .col_expr(directories::Column::State, sea_orm::sea_query::Expr::value("active"))
            .col_expr(directories::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
            .filter(directories::Column::Id.eq(directory.id.clone()))
            .filter(directories::Column::State.eq("pending"))
            .exec(&tx)
            .await?;
        if updated.rows_affected == 1 {
            let mut active = directory.clone();
            active.state = "active".into();
            events::append(
                &tx,
                now,
                "dsync.activated",
                Some(&active.organization_id),
                directory_event(&active),
            )
            .await?;
            tx.commit().await?;
            ctx.caches.scim_directories.insert(ticket, hash, active.clone());
            return Ok(Some(active));
        }
        tx.commit().await?;
    }
    ctx.caches.scim_directories.insert(ticket, hash, directory.clone());
    Ok(Some(directory))
}

pub fn directory_event(d: &directories::Model) -> serde_json::Value {
    json!({
        "object": "directory",
        "id": d.id,
        "organization_id": d.organization_id,
        "name": d.name,
        "type": d.kind,
        "state": d.state,
    })
}

/// A SCIM request the directory store refuses, in RFC 7644 §3.12 terms.
#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409 `uniqueness`.
    #[error("{0}")]
    Uniqueness(String),
    /// 400 with this `scimType`.
    #[error("{detail}")]
    Invalid { scim_type: &'static str, detail: String },
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl ScimError {
    pub fn invalid(scim_type: &'static str, detail: impl Into<String>) -> Self {
        ScimError::Invalid {
            scim_type,
            detail: detail.into(),
        }
    }
}

impl From<crate::scim::patch::PatchError> for ScimError {
    fn from(e: crate::scim::patch::PatchError) -> Self {
        ScimError::invalid(e.scim_type(), e.to_string())
    }
}

impl From<crate::scim::filter::FilterError> for ScimError {
    fn from(e: crate::scim::filter::FilterError) -> Self {
        ScimError::invalid(e.scim_type(), e.to_string())
    }
}

impl From<store::ListError> for ScimError {
    fn from(e: store::ListError) -> Self {
        match e {
            store::ListError::Filter(f) => ScimError::invalid(f.scim_type(), f.to_string()),
            store::ListError::Db(db) => ScimError::Db(db),
        }
    }
}

impl From<crate::orgs::memberships::MembershipError> for ScimError {
    fn from(e: crate::orgs::memberships::MembershipError) -> Self {
        match e {
            crate::orgs::memberships::MembershipError::Db(db) => ScimError::Db(db),
            other => ScimError::Db(DbErr::Custom(other.to_string())),
        }
    }
}

/// Vendor listing of directory users: by directory, or by group (API.md).
pub async fn list_directory_users(
    ctx: &Ctx,
    directory: Option<&DirectoryId>,
    group: Option<&crate::ids::DirectoryGroupId>,
    page: &PageRequest,
) -> Result<Page<entities::directory_users::Model>, DirectoryError> {
    use entities::{directory_group_members as members, directory_users as du};
    use sea_orm::sea_query::Query;
    let mut select = du::Entity::find();
    if let Some(directory) = directory {
        select = select.filter(du::Column::DirectoryId.eq(directory.as_str()));
    }
    if let Some(group) = group {
        select = select.filter(
            du::Column::Id.in_subquery(
                Query::select()
                    .column(members::Column::DirectoryUserId)
                    .from(members::Entity)
                    .and_where(members::Column::DirectoryGroupId.eq(group.as_str()))
                    .take(),
            ),
        );
    }
    Ok(fetch_page(ctx.db.read(), select, du::Column::Id, |u| u.id.clone(), page).await?)
}

/// Vendor listing of directory groups: by directory, or the groups of one directory user.
pub async fn list_directory_groups(
    ctx: &Ctx,
    directory: Option<&DirectoryId>,
    user: Option<&crate::ids::DirectoryUserId>,
    page: &PageRequest,
) -> Result<Page<entities::directory_groups::Model>, DirectoryError> {
    use entities::{directory_group_members as members, directory_groups as dg};
    use sea_orm::sea_query::Query;
    let mut select = dg::Entity::find();
    if let Some(directory) = directory {
        select = select.filter(dg::Column::DirectoryId.eq(directory.as_str()));
    }
    if let Some(user) = user {
        select = select.filter(
            dg::Column::Id.in_subquery(
                Query::select()
                    .column(members::Column::DirectoryGroupId)
                    .from(members::Entity)
                    .and_where(members::Column::DirectoryUserId.eq(user.as_str()))
                    .take(),
            ),
        );
    }
    Ok(fetch_page(ctx.db.read(), select, dg::Column::Id, |g| g.id.clone(), page).await?)
}

pub async fn get_directory_user(
    ctx: &Ctx,
    id: &crate::ids::DirectoryUserId,
) -> Result<entities::directory_users::Model, DirectoryError> {
    entities::directory_users::Entity::find_by_id(id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(DirectoryError::NotFound)
}

pub async fn get_directory_group(
    ctx: &Ctx,
    id: &crate::ids::DirectoryGroupId,
) -> Result<entities::directory_groups::Model, DirectoryError> {
    entities::directory_groups::Entity::find_by_id(id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(DirectoryError::NotFound)
}
