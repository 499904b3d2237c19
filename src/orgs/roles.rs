//! Roles: environment-wide (`scope` = "") or specific to one organization.
//! One environment role is the default given to new members.

use crate::context::Ctx;
use crate::events;
use crate::ids::{OrganizationId, RoleId};
use crate::store::is_unique_violation;
use crate::validation::{FieldError, Problems};
use entities::{organization_memberships as memberships, organizations, roles};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

pub const ENVIRONMENT: &str = "";

#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    #[error("role not found")]
    NotFound,
    #[error("organization not found")]
    OrganizationNotFound,
    #[error("a role with this slug already exists")]
    SlugTaken,
    #[error("the role is assigned to members")]
    InUse,
    #[error("the default role cannot be deleted")]
    IsDefault,
    #[error("invalid role")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Debug, Clone)]
pub struct NewRole {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RoleChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub permissions: Option<Vec<String>>,
}

fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 64
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == ':')
}

/// Creates the `member` (default) and `admin` roles if the environment has none.
pub async fn ensure_default_roles<C: ConnectionTrait>(db: &C, now: chrono::DateTime<chrono::Utc>) -> Result<(), DbErr> {
    let existing = roles::Entity::find()
        .filter(roles::Column::Scope.eq(ENVIRONMENT))
        .count(db)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    for (slug, name, is_default) in [("member", "Member", true), ("admin", "Admin", false)] {
        roles::ActiveModel {
            id: Set(RoleId::generate().into_string()),
            scope: Set(ENVIRONMENT.into()),
            slug: Set(slug.into()),
            name: Set(name.into()),
            description: Set(None),
            permissions: Set(json!([])),
            is_default: Set(is_default),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn create_role(ctx: &Ctx, org: Option<&OrganizationId>, new: NewRole) -> Result<roles::Model, RoleError> {
    let mut problems = Problems::default();
    if !valid_slug(&new.slug) {
        problems.add(
            "slug",
            "invalid_slug",
            "lowercase letters, digits, '-', '_' or ':' (1..64)",
        );
    }
    problems.text("name", &new.name, 128);
    problems.optional_text("description", new.description.as_deref(), 1024);
    problems.into_result().map_err(RoleError::Invalid)?;

    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    if let Some(org) = org {
        organizations::Entity::find_by_id(org.as_str())
            .one(&tx)
            .await?
            .ok_or(RoleError::OrganizationNotFound)?;
        // An organization role may not shadow an environment role of the same slug.
        if find_in_scope(&tx, ENVIRONMENT, &new.slug).await?.is_some() {
            return Err(RoleError::SlugTaken);
        }
    }
    let role = roles::ActiveModel {
        id: Set(RoleId::generate().into_string()),
        scope: Set(org.map(|o| o.as_str().to_owned()).unwrap_or_default()),
        slug: Set(new.slug),
        name: Set(new.name.trim().to_owned()),
        description: Set(new.description),
        permissions: Set(json!(new.permissions)),
        is_default: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            RoleError::SlugTaken
        } else {
            RoleError::Db(e)
        }
    })?;
    events::append(&tx, now, "role.created", org.map(|o| o.as_str()), role_event(&role)).await?;
    tx.commit().await?;
    Ok(role)
}

async fn find_in_scope<C: ConnectionTrait>(db: &C, scope: &str, slug: &str) -> Result<Option<roles::Model>, DbErr> {
    roles::Entity::find()
        .filter(roles::Column::Scope.eq(scope))
        .filter(roles::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// The role `slug` as seen from `org`: an organization role first, else an environment role.
pub async fn resolve_role<C: ConnectionTrait>(db: &C, org: &str, slug: &str) -> Result<Option<roles::Model>, DbErr> {
    match find_in_scope(db, org, slug).await? {
        Some(role) => Ok(Some(role)),
        None => find_in_scope(db, ENVIRONMENT, slug).await,
    }
}

pub async fn default_role<C: ConnectionTrait>(db: &C) -> Result<Option<roles::Model>, DbErr> {
    roles::Entity::find()
        .filter(roles::Column::Scope.eq(ENVIRONMENT))
        .filter(roles::Column::IsDefault.eq(true))
        .one(db)
        .await
}

pub async fn get_role(ctx: &Ctx, slug: &str) -> Result<roles::Model, RoleError> {
    find_in_scope(ctx.db.read(), ENVIRONMENT, slug)
        .await?
        .ok_or(RoleError::NotFound)
}

/// Environment roles, or an organization's roles followed by the environment roles it inherits.
pub async fn list_roles(ctx: &Ctx, org: Option<&OrganizationId>) -> Result<Vec<roles::Model>, RoleError> {
    let mut scopes = vec![ENVIRONMENT.to_owned()];
    if let Some(org) = org {
        organizations::Entity::find_by_id(org.as_str())
            .one(ctx.db.read())
            .await?
            .ok_or(RoleError::OrganizationNotFound)?;
        scopes.push(org.as_str().to_owned());
    }
    Ok(roles::Entity::find()
        .filter(roles::Column::Scope.is_in(scopes))
        .order_by_desc(roles::Column::Scope)
        .order_by_asc(roles::Column::Slug)
        .all(ctx.db.read())
        .await?)
}

pub async fn update_role(ctx: &Ctx, slug: &str, changes: RoleChanges) -> Result<roles::Model, RoleError> {
    let mut problems = Problems::default();
    problems.optional_text("name", changes.name.as_deref(), 128);
    problems.optional_text(
        "description",
        changes.description.as_ref().and_then(|d| d.as_deref()),
        1024,
    );
    problems.into_result().map_err(RoleError::Invalid)?;

    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let mut role = find_in_scope(&tx, ENVIRONMENT, slug)
        .await?
        .ok_or(RoleError::NotFound)?
        .into_active_model();
    if let Some(name) = changes.name {
        role.name = Set(name.trim().to_owned());
    }
    if let Some(description) = changes.description {
        role.description = Set(description);
    }
    if let Some(permissions) = changes.permissions {
        role.permissions = Set(json!(permissions));
    }
    role.updated_at = Set(now);
    let role = role.update(&tx).await?;
    events::append(&tx, now, "role.updated", None, role_event(&role)).await?;
    tx.commit().await?;
    Ok(role)
}

pub async fn delete_role(ctx: &Ctx, slug: &str) -> Result<(), RoleError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let role = find_in_scope(&tx, ENVIRONMENT, slug)
        .await?
        .ok_or(RoleError::NotFound)?;
    if role.is_default {
        return Err(RoleError::IsDefault);
    }
    let in_use = memberships::Entity::find()
        .filter(memberships::Column::RoleSlug.eq(slug))
        .count(&tx)
        .await?;
    if in_use > 0 {
        return Err(RoleError::InUse);
    }
    roles::Entity::delete_by_id(role.id.clone()).exec(&tx).await?;
    events::append(&tx, now, "role.deleted", None, role_event(&role)).await?;
    tx.commit().await?;
    Ok(())
}

pub fn permissions_of(role: &roles::Model) -> Vec<String> {
    serde_json::from_value(role.permissions.clone()).unwrap_or_default()
}

fn role_event(role: &roles::Model) -> serde_json::Value {
    json!({"object": "role", "slug": role.slug, "name": role.name, "permissions": role.permissions,
           "organization_id": (!role.scope.is_empty()).then_some(&role.scope)})
}
