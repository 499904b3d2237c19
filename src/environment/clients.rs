//! Clients: the vendor's apps that sign users in, each with its registered redirect and
//! logout URIs (checked exactly by the SSO and logout flows).

use crate::context::Ctx;
use crate::ids::ClientId;
use crate::validation::{is_web_url, FieldError, Problems};
use entities::clients;
use sea_orm::{ActiveModelTrait, DbErr, EntityTrait, IntoActiveModel, QueryOrder, Set};
use serde_json::json;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("client not found")]
    NotFound,
    #[error("invalid client")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Debug, Clone, Default)]
pub struct ClientChanges {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub logout_uris: Option<Vec<String>>,
}

fn check_uris(problems: &mut Problems, field: &str, uris: &[String]) {
    for (i, uri) in uris.iter().enumerate() {
        if !is_web_url(uri) {
            problems.add(
                &format!("{field}[{i}]"),
                "invalid_url",
                "must be an absolute http(s) URL",
            );
        }
    }
}

pub fn uris(value: &serde_json::Value) -> Vec<String> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

pub async fn create_client(
    ctx: &Ctx,
    name: &str,
    redirect_uris: Vec<String>,
    logout_uris: Vec<String>,
) -> Result<clients::Model, ClientError> {
    let mut problems = Problems::default();
    problems.text("name", name, 128);
    check_uris(&mut problems, "redirect_uris", &redirect_uris);
    check_uris(&mut problems, "logout_uris", &logout_uris);
    problems.into_result().map_err(ClientError::Invalid)?;
    let now = ctx.now();
    Ok(clients::ActiveModel {
        id: Set(ClientId::generate().into_string()),
        name: Set(name.trim().to_owned()),
        redirect_uris: Set(json!(redirect_uris)),
        logout_uris: Set(json!(logout_uris)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(ctx.db.write())
    .await?)
}

pub async fn get_client(ctx: &Ctx, id: &ClientId) -> Result<clients::Model, ClientError> {
    clients::Entity::find_by_id(id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(ClientError::NotFound)
}

/// The client `id`, from the process cache when it was read in the last seconds: every sign-in
/// and refresh names its client, which changes rarely.
pub async fn find_client(ctx: &Ctx, id: &str) -> Result<Option<Arc<clients::Model>>, DbErr> {
    let cache = &ctx.caches.clients;
    if let Some(client) = cache.get(id) {
        return Ok(Some(client));
    }
    let ticket = cache.ticket();
    let Some(client) = clients::Entity::find_by_id(id).one(ctx.db.read()).await? else {
        return Ok(None);
    };
    let client = Arc::new(client);
    cache.insert(ticket, id.to_owned(), client.clone());
    Ok(Some(client))
}

pub async fn list_clients(ctx: &Ctx) -> Result<Vec<clients::Model>, ClientError> {
    Ok(clients::Entity::find()
        .order_by_asc(clients::Column::Id)
        .all(ctx.db.read())
        .await?)
}

pub async fn update_client(ctx: &Ctx, id: &ClientId, changes: ClientChanges) -> Result<clients::Model, ClientError> {
    let mut problems = Problems::default();
    problems.optional_text("name", changes.name.as_deref(), 128);
    check_uris(
        &mut problems,
        "redirect_uris",
        changes.redirect_uris.as_deref().unwrap_or_default(),
    );
    check_uris(
        &mut problems,
        "logout_uris",
        changes.logout_uris.as_deref().unwrap_or_default(),
    );
    problems.into_result().map_err(ClientError::Invalid)?;
    let existing = clients::Entity::find_by_id(id.as_str())
        .one(ctx.db.write())
        .await?
        .ok_or(ClientError::NotFound)?;
    let mut client = existing.into_active_model();
    if let Some(name) = changes.name {
        client.name = Set(name.trim().to_owned());
    }
    if let Some(uris) = changes.redirect_uris {
        client.redirect_uris = Set(json!(uris));
    }
    if let Some(uris) = changes.logout_uris {
        client.logout_uris = Set(json!(uris));
    }
    client.updated_at = Set(ctx.now());
    let updated = client.update(ctx.db.write()).await?;
    ctx.caches.clients.remove(id.as_str());
    Ok(updated)
}

pub async fn delete_client(ctx: &Ctx, id: &ClientId) -> Result<(), ClientError> {
    let result = clients::Entity::delete_by_id(id.as_str()).exec(ctx.db.write()).await?;
    ctx.caches.clients.remove(id.as_str());
    if result.rows_affected == 0 {
        return Err(ClientError::NotFound);
    }
    Ok(())
}

/// The first client, created on first run so `gatehouse bootstrap` can always name one.
pub async fn ensure_default_client(ctx: &Ctx) -> Result<clients::Model, ClientError> {
    if let Some(existing) = clients::Entity::find()
        .order_by_asc(clients::Column::Id)
        .one(ctx.db.read())
        .await?
    {
        return Ok(existing);
    }
    let redirect = format!("{}/callback", ctx.config.public_url.trim_end_matches('/'));
    create_client(ctx, "Default", vec![redirect], vec![ctx.config.public_url.clone()]).await
}
