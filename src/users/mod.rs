//! Users: the people who sign in. Email is unique case-insensitively (by index on its
//! lowercase form); changing it unverifies it.

pub mod event;

use crate::context::Ctx;
use crate::events;
pub use crate::identity::credentials::NewPassword;
pub use event::user_event;

use crate::identity::credentials;
use crate::ids::{OrganizationId, UserId};
use crate::store::is_unique_violation;
use crate::store::pagination::{fetch_page, Page, PageRequest};
use crate::validation::{Email, FieldError, Problems};
use entities::{organization_memberships as memberships, users};
use sea_orm::sea_query::Query;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::json;
use std::collections::BTreeMap;
use tracing::instrument;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("user not found")]
    NotFound,
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error("external_id is already used by another user")]
    ExternalIdTaken,
    #[error("invalid user")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Credential(#[from] crate::identity::credentials::CredentialError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub password: Option<NewPassword>,
    pub email: String,
    pub email_verified: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub external_id: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
    pub metadata: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub email: Option<String>,
    pub organization_id: Option<OrganizationId>,
}

fn parse_email(raw: &str, problems: &mut Problems) -> Option<Email> {
    let email = Email::parse(raw);
    if email.is_none() {
        problems.add("email", "invalid_email", "not a valid email address");
    }
    email
}

fn map_unique(err: DbErr) -> UserError {
    if !is_unique_violation(&err) {
        return UserError::Db(err);
    }
    // Both unique columns can clash; the message names which one.
    if err.to_string().contains("external_id") {
        UserError::ExternalIdTaken
    } else {
        UserError::EmailTaken
    }
}

#[instrument(skip_all)]
pub async fn create_user(ctx: &Ctx, new: NewUser) -> Result<users::Model, UserError> {
    let mut problems = Problems::default();
    let email = parse_email(&new.email, &mut problems);
    problems.optional_text("first_name", new.first_name.as_deref(), 128);
    problems.optional_text("last_name", new.last_name.as_deref(), 128);
    problems.optional_text("external_id", new.external_id.as_deref(), 128);
    problems.metadata("metadata", &new.metadata);
    problems.into_result().map_err(UserError::Invalid)?;
    let Some(email) = email else {
        return Err(UserError::Invalid(vec![]));
    };
    let prepared = match &new.password {
        Some(password) => Some(credentials::prepare(password, &email.normalized).await?),
        None => None,
    };

    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let user = users::ActiveModel {
        id: Set(UserId::generate().into_string()),
        email: Set(email.address),
        email_normalized: Set(email.normalized),
        email_verified: Set(new.email_verified),
        first_name: Set(new.first_name),
        last_name: Set(new.last_name),
        external_id: Set(new.external_id),
        metadata: Set(json!(new.metadata)),
        last_sign_in_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await
    .map_err(map_unique)?;
    if let Some(prepared) = prepared {
        credentials::store(&tx, &user.id, prepared, now).await?;
    }
    events::append(&tx, now, "user.created", None, user_event(&user)).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, "user created");
    Ok(user)
}

pub async fn get_user(ctx: &Ctx, id: &UserId) -> Result<users::Model, UserError> {
    users::Entity::find_by_id(id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(UserError::NotFound)
}

pub async fn list_users(ctx: &Ctx, filter: &UserFilter, page: &PageRequest) -> Result<Page<users::Model>, UserError> {
    let mut select = users::Entity::find();
    if let Some(email) = &filter.email {
        select = select.filter(users::Column::EmailNormalized.eq(crate::validation::Email::normalize_or_raw(email)));
    }
    if let Some(org) = &filter.organization_id {
        select = select.filter(
            users::Column::Id.in_subquery(
                Query::select()
                    .column(memberships::Column::UserId)
                    .from(memberships::Entity)
                    .and_where(memberships::Column::OrganizationId.eq(org.as_str()))
                    .take(),
            ),
        );
    }
    Ok(fetch_page(ctx.db.read(), select, users::Column::Id, |u| u.id.clone(), page).await?)
}

#[instrument(skip_all, fields(user_id = %id))]
pub async fn update_user(ctx: &Ctx, id: &UserId, changes: UserChanges) -> Result<users::Model, UserError> {
    let mut problems = Problems::default();
    let email = changes.email.as_deref().and_then(|e| parse_email(e, &mut problems));
    problems.optional_text(
        "first_name",
        changes.first_name.as_ref().and_then(|v| v.as_deref()),
        128,
    );
    problems.optional_text("last_name", changes.last_name.as_ref().and_then(|v| v.as_deref()), 128);
    problems.optional_text(
        "external_id",
        changes.external_id.as_ref().and_then(|v| v.as_deref()),
        128,
    );
    if let Some(metadata) = &changes.metadata {
        problems.metadata("metadata", metadata);
    }
    problems.into_result().map_err(UserError::Invalid)?;

    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let existing = users::Entity::find_by_id(id.as_str())
        .one(&tx)
        .await?
        .ok_or(UserError::NotFound)?;
    let email_changed = email
        .as_ref()
        .is_some_and(|e| e.normalized != existing.email_normalized);
    let mut user = existing.into_active_model();
    if let Some(email) = email {
        user.email = Set(email.address);
        user.email_normalized = Set(email.normalized);
    }
    // The vendor vouching for the address proves it through `identity::proof` below.
    let vouched = !email_changed && changes.email_verified == Some(true);
    match (email_changed, changes.email_verified) {
        // A new address is unproven until its owner verifies it, whatever the caller says.
        (true, _) => user.email_verified = Set(false),
        (false, Some(false)) => user.email_verified = Set(false),
        (false, Some(true) | None) => {}
    }
    if let Some(v) = changes.first_name {
        user.first_name = Set(v);
    }
    if let Some(v) = changes.last_name {
        user.last_name = Set(v);
    }
    if let Some(v) = changes.external_id {
        user.external_id = Set(v);
    }
    if let Some(v) = changes.metadata {
        user.metadata = Set(json!(v));
    }
    user.updated_at = Set(now);
    let user = user.update(&tx).await.map_err(map_unique)?;
    events::append(&tx, now, "user.updated", None, user_event(&user)).await?;
    let user = if vouched {
        crate::identity::proof::prove_mailbox(&tx, now, user, crate::identity::proof::Route::Vendor).await?
    } else {
        user
    };
    tx.commit().await?;
    Ok(user)
}

#[instrument(skip_all, fields(user_id = %id))]
pub async fn delete_user(ctx: &Ctx, id: &UserId) -> Result<(), UserError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let user = users::Entity::find_by_id(id.as_str())
        .one(&tx)
        .await?
        .ok_or(UserError::NotFound)?;
    users::Entity::delete_by_id(user.id.clone()).exec(&tx).await?;
    events::append(&tx, now, "user.deleted", None, user_event(&user)).await?;
    tx.commit().await?;
    Ok(())
}
