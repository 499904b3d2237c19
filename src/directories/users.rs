//! SCIM Users of a directory: create, read, list (filter in SQL), replace, patch, delete.
//! Each change is one transaction: the directory user, its email rows, the core effects and
//! the events, or nothing.

use super::store::{self, Listing};
use super::{core_effects, ScimError};
use crate::context::Ctx;
use crate::events;
use crate::ids::DirectoryUserId;
use crate::scim::filter::Filter;
use crate::scim::patch::{apply_patch, apply_put, parse_patch_request, ResourceKind, ENTERPRISE_USER_SCHEMA};
use crate::store::is_unique_violation;
use entities::{directories, directory_user_emails as emails, directory_users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IntoActiveModel,
    QueryFilter, QuerySelect, Set, Statement,
};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use tracing::instrument;

/// Attributes that are never stored: `password` (Okta sends one; Gatehouse users sign in
/// through the IdP, and a plaintext password has no place in a JSON column), and the
/// read-only ones the server computes.
const NOT_STORED: &[&str] = &["password", "id", "meta", "groups"];

/// The columns a stored User resource projects to.
#[derive(Debug, Clone, PartialEq)]
struct Columns {
    user_name: String,
    external_id: Option<String>,
    display_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    emails: Vec<(String, Option<String>, bool)>,
    primary_email: Option<String>,
    active: bool,
}

fn get<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name)
        .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

fn text(map: &Map<String, Value>, name: &str) -> Option<String> {
    get(map, name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn columns(resource: &Map<String, Value>) -> Columns {
    let name = get(resource, "name").and_then(Value::as_object);
    let emails: Vec<(String, Option<String>, bool)> = get(resource, "emails")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter_map(Value::as_object)
                .filter_map(|e| {
                    let value = text(e, "value")?;
                    let primary = get(e, "primary").and_then(Value::as_bool).unwrap_or(false);
                    Some((value, text(e, "type"), primary))
                })
                .collect()
        })
        .unwrap_or_default();
    let user_name = text(resource, "userName").unwrap_or_default();
    // The email to link by: the primary one, else the first, else a userName that is an
    // address (Okta's default userName is the login email).
    let primary_email = emails
        .iter()
        .find(|(_, _, primary)| *primary)
        .or_else(|| emails.first())
        .map(|(value, _, _)| value.clone())
        .or_else(|| crate::validation::Email::parse(&user_name).map(|e| e.address));
    Columns {
        external_id: text(resource, "externalId"),
        display_name: text(resource, "displayName"),
        first_name: name.and_then(|n| text(n, "givenName")),
        last_name: name.and_then(|n| text(n, "familyName")),
        active: get(resource, "active").and_then(Value::as_bool).unwrap_or(true),
        user_name,
        emails,
        primary_email,
    }
}

fn strip(resource: &mut Value) {
    if let Value::Object(map) = resource {
        map.retain(|k, _| !NOT_STORED.iter().any(|n| n.eq_ignore_ascii_case(k)));
    }
}

fn uniqueness(err: DbErr) -> ScimError {
    if !is_unique_violation(&err) {
        return ScimError::Db(err);
    }
    if err.to_string().contains("external_id") {
        ScimError::Uniqueness("externalId is already used by another user of this directory".into())
    } else {
        ScimError::Uniqueness("userName is already used by another user of this directory".into())
    }
}

async fn write_emails<C: ConnectionTrait>(tx: &C, id: &str, cols: &Columns, replace: bool) -> Result<(), DbErr> {
    if replace {
        emails::Entity::delete_many()
            .filter(emails::Column::DirectoryUserId.eq(id))
            .exec(tx)
            .await?;
    }
    if cols.emails.is_empty() {
        return Ok(());
    }
    emails::Entity::insert_many(cols.emails.iter().enumerate().map(|(i, (value, kind, primary))| {
        emails::ActiveModel {
            directory_user_id: Set(id.to_owned()),
            position: Set(i as i32),
            value: Set(value.clone()),
            kind: Set(kind.clone()),
            is_primary: Set(*primary),
        }
    }))
    .exec(tx)
    .await?;
    Ok(())
}

/// Validates and normalizes a User body (POST or PUT) the way a PUT onto `current` would.
fn normalized(current: Value, body: &Value) -> Result<Value, ScimError> {
    let mut resource = current;
    apply_put(&mut resource, body, ResourceKind::User)?;
    strip(&mut resource);
    Ok(resource)
}

#[instrument(skip_all, fields(directory_id = %directory.id))]
pub async fn create_user(
    ctx: &Ctx,
    directory: &directories::Model,
    body: &Value,
) -> Result<directory_users::Model, ScimError> {
    let resource = normalized(json!({}), body)?;
    let map = resource.as_object().cloned().unwrap_or_default();
    let cols = columns(&map);
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    // The row goes in first: a concurrent POST of the same userName/externalId waits on the
    // unique index here and then fails with 409 uniqueness, before any core effect.
    let du = directory_users::ActiveModel {
        id: Set(DirectoryUserId::generate().into_string()),
        directory_id: Set(directory.id.clone()),
        organization_id: Set(directory.organization_id.clone()),
        user_id: Set(None),
        user_name: Set(cols.user_name.clone()),
        external_id: Set(cols.external_id.clone()),
        display_name: Set(cols.display_name.clone()),
        first_name: Set(cols.first_name.clone()),
        last_name: Set(cols.last_name.clone()),
        primary_email: Set(cols.primary_email.clone()),
        active: Set(cols.active),
        resource: Set(resource),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await
    .map_err(uniqueness)?;
    write_emails(&tx, &du.id, &cols, false).await?;
    let du = core_effects::sync_user(&tx, now, du).await?;
    events::append(
        &tx,
        now,
        "dsync.user.created",
        Some(&du.organization_id),
        user_event(&du),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(directory_user_id = %du.id, "directory user created");
    Ok(du)
}

pub async fn get_user<C: ConnectionTrait>(
    db: &C,
    directory_id: &str,
    id: &str,
) -> Result<directory_users::Model, ScimError> {
    directory_users::Entity::find_by_id(id)
        .filter(directory_users::Column::DirectoryId.eq(directory_id))
        .one(db)
        .await?
        .ok_or(ScimError::NotFound("user"))
}

async fn get_for_update<C: ConnectionTrait>(
    tx: &C,
    directory_id: &str,
    id: &str,
) -> Result<directory_users::Model, ScimError> {
    let mut select =
        directory_users::Entity::find_by_id(id).filter(directory_users::Column::DirectoryId.eq(directory_id));
    // Two PATCHes of one user must apply one after the other, not both onto the same
    // snapshot (SQLite already serializes writers).
    if tx.get_database_backend() == DbBackend::Postgres {
        select = select.lock_exclusive();
    }
    select.one(tx).await?.ok_or(ScimError::NotFound("user"))
}

pub async fn list_users(
    ctx: &Ctx,
    directory_id: &str,
    filter: Option<&Filter>,
    offset: u64,
    count: u64,
) -> Result<(u64, Vec<directory_users::Model>), ScimError> {
    let listing = Listing {
        directory_id,
        filter,
        offset,
        count,
    };
    Ok(store::list_users(ctx.db.read(), &listing).await?)
}

/// A group a directory user is directly in: its id and displayName.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct GroupRef {
    pub directory_user_id: String,
    pub id: String,
    pub display_name: String,
}

/// The groups each of `user_ids` is in (RFC 7643 §4.1.2 `groups`, read-only, computed from
/// the member rows), in displayName order. One query for a whole page of users.
pub async fn groups_of<C: ConnectionTrait>(db: &C, user_ids: &[&str]) -> Result<HashMap<String, Vec<GroupRef>>, DbErr> {
    let mut found: HashMap<String, Vec<GroupRef>> = HashMap::new();
    if user_ids.is_empty() {
        return Ok(found);
    }
    let backend = db.get_database_backend();
    let placeholders: Vec<String> = (1..=user_ids.len())
        .map(|n| match backend {
            DbBackend::Postgres => format!("${n}"),
            _ => "?".to_owned(),
        })
        .collect();
    let sql = format!(
        "SELECT gm.directory_user_id, g.id, g.display_name FROM directory_group_members gm \
         JOIN directory_groups g ON g.id = gm.directory_group_id \
         WHERE gm.directory_user_id IN ({}) ORDER BY g.display_name, g.id",
        placeholders.join(", ")
    );
    let values = user_ids.iter().map(|id| sea_orm::Value::from(*id));
    for row in GroupRef::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?
    {
        found.entry(row.directory_user_id.clone()).or_default().push(row);
    }
    Ok(found)
}

/// PUT (`body` is a whole User) or PATCH (`body` is a PatchOp).
pub enum Change<'a> {
    Replace(&'a Value),
    Patch(&'a Value),
}

#[instrument(skip_all, fields(directory_id = %directory.id, directory_user_id = %id))]
pub async fn change_user(
    ctx: &Ctx,
    directory: &directories::Model,
    id: &str,
    change: Change<'_>,
) -> Result<directory_users::Model, ScimError> {
    // Parse before touching the database: a malformed PATCH writes nothing.
    let ops = match change {
        Change::Patch(body) => Some(parse_patch_request(body)?),
        Change::Replace(_) => None,
    };
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let existing = get_for_update(&tx, &directory.id, id).await?;
    let mut resource = existing.resource.clone();
    match (&ops, change) {
        (Some(ops), _) => {
            apply_patch(&mut resource, ops, ResourceKind::User)?;
            strip(&mut resource);
        }
        (None, Change::Replace(body)) | (None, Change::Patch(body)) => {
            resource = normalized(resource, body)?;
        }
    }
    if resource == existing.resource {
        tx.commit().await?;
        return Ok(existing);
    }
    let map = resource.as_object().cloned().unwrap_or_default();
    let cols = columns(&map);
    let mut row = existing.clone().into_active_model();
    row.user_name = Set(cols.user_name.clone());
    row.external_id = Set(cols.external_id.clone());
    row.display_name = Set(cols.display_name.clone());
    row.first_name = Set(cols.first_name.clone());
    row.last_name = Set(cols.last_name.clone());
    row.primary_email = Set(cols.primary_email.clone());
    row.active = Set(cols.active);
    row.resource = Set(resource);
    row.updated_at = Set(now);
    let du = row.update(&tx).await.map_err(uniqueness)?;
    write_emails(&tx, &du.id, &cols, true).await?;
    let du = core_effects::sync_user(&tx, now, du).await?;
    let kept = core_effects::update_core_user(&tx, now, &existing, &du).await?;
    let mut payload = user_event(&du);
    if let Some(reason) = kept {
        payload["core_email_unchanged"] = json!({"reason": reason.as_str()});
    }
    events::append(&tx, now, "dsync.user.updated", Some(&du.organization_id), payload).await?;
    tx.commit().await?;
    Ok(du)
}

#[instrument(skip_all, fields(directory_id = %directory.id, directory_user_id = %id))]
pub async fn delete_user(ctx: &Ctx, directory: &directories::Model, id: &str) -> Result<(), ScimError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let du = get_for_update(&tx, &directory.id, id).await?;
    let group_ids: Vec<String> = entities::directory_group_members::Entity::find()
        .select_only()
        .column(entities::directory_group_members::Column::DirectoryGroupId)
        .filter(entities::directory_group_members::Column::DirectoryUserId.eq(du.id.clone()))
        .into_tuple()
        .all(&tx)
        .await?;
    core_effects::remove_user(&tx, now, &du).await?;
    directory_users::Entity::delete_by_id(du.id.clone()).exec(&tx).await?;
    for group_id in group_ids {
        events::append(
            &tx,
            now,
            "dsync.group.user_removed",
            Some(&du.organization_id),
            json!({"directory_id": du.directory_id, "group": {"id": group_id}, "user": user_event(&du)}),
        )
        .await?;
    }
    events::append(
        &tx,
        now,
        "dsync.user.deleted",
        Some(&du.organization_id),
        user_event(&du),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The vendor's view of a directory user (API.md `directory_user`), also the event payload.
pub fn user_event(du: &directory_users::Model) -> Value {
    let map = du.resource.as_object().cloned().unwrap_or_default();
    let emails: Vec<Value> = get(&map, "emails")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter_map(Value::as_object)
                .map(|e| {
                    json!({
                        "primary": get(e, "primary").and_then(Value::as_bool).unwrap_or(false),
                        "type": text(e, "type"),
                        "value": text(e, "value"),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let custom = get(&map, ENTERPRISE_USER_SCHEMA).cloned().unwrap_or_else(|| json!({}));
    json!({
        "object": "directory_user",
        "id": du.id,
        "directory_id": du.directory_id,
        "organization_id": du.organization_id,
        "user_id": du.user_id,
        "idp_id": du.external_id,
        "username": du.user_name,
        "emails": emails,
        "first_name": du.first_name,
        "last_name": du.last_name,
        "state": if du.active { "active" } else { "inactive" },
        "custom_attributes": custom,
        "raw_attributes": du.resource,
        "created_at": du.created_at,
        "updated_at": du.updated_at,
    })
}
