//! SCIM Groups of a directory. Members live in rows (`directory_group_members`), not in the
//! stored resource, so a group of 10,000 members is not rewritten as one JSON value; PATCH
//! and PUT see the members as a `members` list and the difference is written back as rows.

use super::store::{self, Listing};
use super::users::user_event;
use super::{core_effects, ScimError};
use crate::context::Ctx;
use crate::events;
use crate::ids::DirectoryGroupId;
use crate::orgs::roles;
use crate::scim::filter::Filter;
use crate::scim::patch::{apply_patch, apply_put, parse_patch_request, ResourceKind};
use crate::store::is_unique_violation;
use chrono::{DateTime, Utc};
use entities::{directories, directory_group_members as members, directory_groups, directory_users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IntoActiveModel,
    QueryFilter, QuerySelect, Set, Statement,
};
use serde_json::{json, Value};
use std::collections::HashSet;
use tracing::instrument;

const NOT_STORED: &[&str] = &["id", "meta", "members"];

fn strip(resource: &mut Value) {
    if let Value::Object(map) = resource {
        map.retain(|k, _| !NOT_STORED.iter().any(|n| n.eq_ignore_ascii_case(k)));
    }
}

fn text_of(resource: &Value, name: &str) -> Option<String> {
    resource
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn member_ids(resource: &Value) -> Vec<String> {
    resource
        .as_object()
        .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case("members")))
        .and_then(|(_, v)| v.as_array())
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e.get("value").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn uniqueness(err: DbErr) -> ScimError {
    if is_unique_violation(&err) {
        ScimError::Uniqueness("externalId is already used by another group of this directory".into())
    } else {
        ScimError::Db(err)
    }
}

#[derive(FromQueryResult)]
struct MemberRow {
    directory_user_id: String,
    user_name: String,
}

/// The group's members as SCIM `members` entries, in the order they joined.
pub async fn member_entries<C: ConnectionTrait>(db: &C, group_id: &str) -> Result<Vec<Value>, DbErr> {
    let backend = db.get_database_backend();
    let placeholder = if backend == DbBackend::Postgres { "$1" } else { "?" };
    let sql = format!(
        "SELECT gm.directory_user_id, u.user_name FROM directory_group_members gm \
         JOIN directory_users u ON u.id = gm.directory_user_id \
         WHERE gm.directory_group_id = {placeholder} ORDER BY gm.created_at, gm.directory_user_id"
    );
    let rows = MemberRow::find_by_statement(Statement::from_sql_and_values(backend, sql, [group_id.into()]))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| json!({"value": r.directory_user_id, "display": r.user_name}))
        .collect())
}

/// Members must be users of this directory (RFC 7644 §3.12 invalidValue otherwise).
async fn check_members<C: ConnectionTrait>(tx: &C, directory_id: &str, ids: &[String]) -> Result<(), ScimError> {
    for chunk in ids.chunks(500) {
        let found: Vec<String> = directory_users::Entity::find()
            .select_only()
            .column(directory_users::Column::Id)
            .filter(directory_users::Column::DirectoryId.eq(directory_id))
            .filter(directory_users::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(tx)
            .await?;
        let found: HashSet<String> = found.into_iter().collect();
        if let Some(missing) = chunk.iter().find(|id| !found.contains(*id)) {
            return Err(ScimError::invalid(
                "invalidValue",
                format!("member {missing:?} is not a user of this directory"),
            ));
        }
    }
    Ok(())
}

async fn add_members<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    group: &directory_groups::Model,
    ids: &[String],
) -> Result<(), ScimError> {
    if ids.is_empty() {
        return Ok(());
    }
    check_members(tx, &group.directory_id, ids).await?;
    for chunk in ids.chunks(500) {
        members::Entity::insert_many(chunk.iter().map(|id| members::ActiveModel {
            directory_group_id: Set(group.id.clone()),
            directory_user_id: Set(id.clone()),
            created_at: Set(now),
        }))
        .exec(tx)
        .await?;
    }
    membership_events(tx, now, group, ids, "dsync.group.user_added").await
}

async fn remove_members<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    group: &directory_groups::Model,
    ids: &[String],
) -> Result<(), ScimError> {
    if ids.is_empty() {
        return Ok(());
    }
    for chunk in ids.chunks(500) {
        members::Entity::delete_many()
            .filter(members::Column::DirectoryGroupId.eq(group.id.clone()))
            .filter(members::Column::DirectoryUserId.is_in(chunk.to_vec()))
            .exec(tx)
            .await?;
    }
    membership_events(tx, now, group, ids, "dsync.group.user_removed").await
}

async fn membership_events<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    group: &directory_groups::Model,
    ids: &[String],
    event: &str,
) -> Result<(), ScimError> {
    for chunk in ids.chunks(500) {
        let users = directory_users::Entity::find()
            .filter(directory_users::Column::Id.is_in(chunk.to_vec()))
            .all(tx)
            .await?;
        for du in users {
            events::append(
                tx,
                now,
                event,
                Some(&group.organization_id),
                json!({"directory_id": group.directory_id, "group": group_event(group), "user": user_event(&du)}),
            )
            .await?;
        }
    }
    Ok(())
}

#[instrument(skip_all, fields(directory_id = %directory.id))]
pub async fn create_group(
    ctx: &Ctx,
    directory: &directories::Model,
    body: &Value,
) -> Result<(directory_groups::Model, Vec<Value>), ScimError> {
    let mut resource = json!({});
    apply_put(&mut resource, body, ResourceKind::Group)?;
    let ids = dedup(member_ids(&resource));
    strip(&mut resource);
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let group = directory_groups::ActiveModel {
        id: Set(DirectoryGroupId::generate().into_string()),
        directory_id: Set(directory.id.clone()),
        organization_id: Set(directory.organization_id.clone()),
        display_name: Set(text_of(&resource, "displayName").unwrap_or_default()),
        external_id: Set(text_of(&resource, "externalId")),
        role_slug: Set(None),
        resource: Set(resource),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await
    .map_err(uniqueness)?;
    events::append(
        &tx,
        now,
        "dsync.group.created",
        Some(&group.organization_id),
        group_event(&group),
    )
    .await?;
    add_members(&tx, now, &group, &ids).await?;
    core_effects::sync_roles(&tx, now, &ids).await?;
    let entries = member_entries(&tx, &group.id).await?;
    tx.commit().await?;
    Ok((group, entries))
}

fn dedup(ids: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    ids.into_iter().filter(|id| seen.insert(id.clone())).collect()
}

pub async fn get_group<C: ConnectionTrait>(
    db: &C,
    directory_id: &str,
    id: &str,
) -> Result<directory_groups::Model, ScimError> {
    directory_groups::Entity::find_by_id(id)
        .filter(directory_groups::Column::DirectoryId.eq(directory_id))
        .one(db)
        .await?
        .ok_or(ScimError::NotFound("group"))
}

pub async fn list_groups(
    ctx: &Ctx,
    directory_id: &str,
    filter: Option<&Filter>,
    offset: u64,
    count: u64,
) -> Result<(u64, Vec<directory_groups::Model>), ScimError> {
    let listing = Listing {
        directory_id,
        filter,
        offset,
        count,
    };
    Ok(store::list_groups(ctx.db.read(), &listing).await?)
}

pub use super::users::Change;

/// PUT or PATCH a group. Returns the group and, when the caller wants them back, its members.
#[instrument(skip_all, fields(directory_id = %directory.id, directory_group_id = %id))]
pub async fn change_group(
    ctx: &Ctx,
    directory: &directories::Model,
    id: &str,
    change: Change<'_>,
) -> Result<directory_groups::Model, ScimError> {
    let ops = match change {
        Change::Patch(body) => Some(parse_patch_request(body)?),
        Change::Replace(_) => None,
    };
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let mut select =
        directory_groups::Entity::find_by_id(id).filter(directory_groups::Column::DirectoryId.eq(directory.id.clone()));
    if tx.get_database_backend() == DbBackend::Postgres {
        select = select.lock_exclusive();
    }
    let existing = select.one(&tx).await?.ok_or(ScimError::NotFound("group"))?;
    let mut resource = existing.resource.clone();
    if let Value::Object(map) = &mut resource {
        map.insert("id".into(), json!(existing.id));
        map.insert("members".into(), Value::Array(member_entries(&tx, &existing.id).await?));
    }
    let effects = match (&ops, change) {
        (Some(ops), _) => apply_patch(&mut resource, ops, ResourceKind::Group)?,
        (None, Change::Replace(body)) | (None, Change::Patch(body)) => {
            apply_put(&mut resource, body, ResourceKind::Group)?
        }
    };
    strip(&mut resource);
    let mut group = existing.clone();
    if resource != existing.resource {
        let mut row = existing.clone().into_active_model();
        row.display_name = Set(text_of(&resource, "displayName").unwrap_or_default());
        row.external_id = Set(text_of(&resource, "externalId"));
        row.resource = Set(resource);
        row.updated_at = Set(now);
        group = row.update(&tx).await.map_err(uniqueness)?;
        events::append(
            &tx,
            now,
            "dsync.group.updated",
            Some(&group.organization_id),
            group_event(&group),
        )
        .await?;
    }
    add_members(&tx, now, &group, &effects.members_added).await?;
    remove_members(&tx, now, &group, &effects.members_removed).await?;
    if group.role_slug.is_some() {
        let affected: Vec<String> = effects
            .members_added
            .iter()
            .chain(&effects.members_removed)
            .cloned()
            .collect();
        core_effects::sync_roles(&tx, now, &affected).await?;
    }
    tx.commit().await?;
    Ok(group)
}

#[instrument(skip_all, fields(directory_id = %directory.id, directory_group_id = %id))]
pub async fn delete_group(ctx: &Ctx, directory: &directories::Model, id: &str) -> Result<(), ScimError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let group = get_group(&tx, &directory.id, id).await?;
    let ids: Vec<String> = members::Entity::find()
        .select_only()
        .column(members::Column::DirectoryUserId)
        .filter(members::Column::DirectoryGroupId.eq(group.id.clone()))
        .into_tuple()
        .all(&tx)
        .await?;
    directory_groups::Entity::delete_by_id(group.id.clone())
        .exec(&tx)
        .await?;
    if group.role_slug.is_some() {
        core_effects::sync_roles(&tx, now, &ids).await?;
    }
    events::append(
        &tx,
        now,
        "dsync.group.deleted",
        Some(&group.organization_id),
        group_event(&group),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum GroupRoleError {
    #[error("directory group not found")]
    NotFound,
    #[error("role {0} does not exist")]
    UnknownRole(String),
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Scim(#[from] ScimError),
}

/// Maps a group to a role (or unmaps it with `None`) and re-derives its members' roles.
#[instrument(skip_all, fields(directory_group_id = %id))]
pub async fn set_group_role(
    ctx: &Ctx,
    id: &DirectoryGroupId,
    role_slug: Option<&str>,
) -> Result<directory_groups::Model, GroupRoleError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let existing = directory_groups::Entity::find_by_id(id.as_str())
        .one(&tx)
        .await?
        .ok_or(GroupRoleError::NotFound)?;
    let slug = match role_slug {
        Some(slug) => Some(
            roles::resolve_role(&tx, &existing.organization_id, slug)
                .await?
                .ok_or_else(|| GroupRoleError::UnknownRole(slug.to_owned()))?
                .slug,
        ),
        None => None,
    };
    let mut row = existing.into_active_model();
    row.role_slug = Set(slug);
    row.updated_at = Set(now);
    let group = row.update(&tx).await?;
    let ids: Vec<String> = members::Entity::find()
        .select_only()
        .column(members::Column::DirectoryUserId)
        .filter(members::Column::DirectoryGroupId.eq(group.id.clone()))
        .into_tuple()
        .all(&tx)
        .await?;
    core_effects::sync_roles(&tx, now, &ids).await?;
    events::append(
        &tx,
        now,
        "dsync.group.updated",
        Some(&group.organization_id),
        group_event(&group),
    )
    .await?;
    tx.commit().await?;
    Ok(group)
}

/// The vendor's view of a directory group (API.md `directory_group`), also the event payload.
pub fn group_event(g: &directory_groups::Model) -> Value {
    json!({
        "object": "directory_group",
        "id": g.id,
        "directory_id": g.directory_id,
        "organization_id": g.organization_id,
        "idp_id": g.external_id,
        "name": g.display_name,
        "role_slug": g.role_slug,
        "raw_attributes": g.resource,
        "created_at": g.created_at,
        "updated_at": g.updated_at,
    })
}
