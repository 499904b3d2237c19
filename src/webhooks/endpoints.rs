//! Webhook endpoints: where events go, which types, and the signing secret (sealed, shown once).

use crate::context::Ctx;
use crate::crypto::seal::SealError;
use crate::ids::WebhookEndpointId;
use crate::secrets;
use crate::store::pagination::{fetch_page, Page, PageRequest};
use crate::validation::{is_web_url, FieldError, Problems};
use chrono::{DateTime, Duration, Utc};
use entities::{events, webhook_deliveries, webhook_endpoints};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use tracing::instrument;

pub const SECRET_PREFIX: &str = "whsec_";
/// After a rotation the old secret keeps signing this long, so receivers can roll over (API.md).
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);
/// `events: ["*"]` subscribes to every event type, including ones added later.
pub const ALL_EVENTS: &str = "*";
const MAX_URL_LEN: usize = 2048;
const MAX_EVENT_TYPES: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("webhook endpoint not found")]
    NotFound,
    #[error("invalid webhook endpoint")]
    Invalid(Vec<FieldError>),
    #[error("cannot seal or open the endpoint secret: {0}")]
    Seal(#[from] SealError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub struct NewEndpoint {
    pub url: String,
    pub events: Vec<String>,
}

#[derive(Default)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

pub struct EndpointWithSecret {
    pub endpoint: webhook_endpoints::Model,
    /// The only time the plaintext leaves the server.
    pub secret: String,
}

/// The event types an endpoint row subscribes to.
pub fn event_types(endpoint: &webhook_endpoints::Model) -> Vec<String> {
    serde_json::from_value(endpoint.events.clone()).unwrap_or_default()
}

/// Whether `types` (an endpoint's subscription) includes `event`.
pub fn subscribes(types: &[String], event: &str) -> bool {
    types.iter().any(|t| t == ALL_EVENTS || t == event)
}

fn is_event_type(raw: &str) -> bool {
    raw == ALL_EVENTS
        || (raw.len() <= 100
            && raw.contains('.')
            && raw
                .split('.')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')))
}

fn validate(url: Option<&str>, events: Option<&[String]>) -> Result<Option<Vec<String>>, WebhookError> {
    let mut problems = Problems::default();
    if let Some(url) = url {
        if url.len() > MAX_URL_LEN {
            problems.add("url", "too_long", format!("must be at most {MAX_URL_LEN} characters"));
        } else if !is_web_url(url) {
            problems.add("url", "invalid_url", "must be an absolute http or https URL");
        }
    }
    let mut types: Vec<String> = Vec::new();
    if let Some(events) = events {
        if events.is_empty() {
            problems.add("events", "required", "name at least one event type, or \"*\" for all");
        } else if events.len() > MAX_EVENT_TYPES {
            problems.add("events", "too_many", format!("at most {MAX_EVENT_TYPES} event types"));
        }
        for (i, raw) in events.iter().enumerate() {
            let t = raw.trim();
            if !is_event_type(t) {
                problems.add(&format!("events[{i}]"), "invalid_event_type", "not an event type");
            } else if !types.iter().any(|have| have == t) {
                types.push(t.to_owned());
            }
        }
    }
    problems.into_result().map_err(WebhookError::Invalid)?;
    Ok(events.map(|_| types))
}

fn sealing_context(id: &str) -> Vec<u8> {
    format!("webhook_secret:{id}").into_bytes()
}

fn seal_secret(ctx: &Ctx, id: &str, secret: &str) -> Result<String, WebhookError> {
    Ok(ctx.sealer.seal(secret.as_bytes(), &sealing_context(id))?)
}

fn open_secret(ctx: &Ctx, id: &str, sealed: &str) -> Result<String, WebhookError> {
    let plain = ctx.sealer.open(sealed, &sealing_context(id))?;
    String::from_utf8(plain).map_err(|_| WebhookError::Seal(SealError::Unauthentic))
}

/// The secrets that sign a delivery at `now`: the current one, and the previous one while its
/// rotation overlap lasts.
pub fn live_secrets(
    ctx: &Ctx,
    endpoint: &webhook_endpoints::Model,
    now: DateTime<Utc>,
) -> Result<Vec<String>, WebhookError> {
    let mut out = vec![open_secret(ctx, &endpoint.id, &endpoint.secret_sealed)?];
    if let (Some(sealed), Some(until)) = (&endpoint.previous_secret_sealed, endpoint.previous_secret_expires_at) {
        if now < until {
            out.push(open_secret(ctx, &endpoint.id, sealed)?);
        }
    }
    Ok(out)
}

async fn last_event_seq<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    Ok(events::Entity::find()
        .select_only()
        .column_as(Expr::col(events::Column::Seq).max(), "max_seq")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0))
}

#[instrument(skip_all)]
pub async fn create_endpoint(ctx: &Ctx, new: NewEndpoint) -> Result<EndpointWithSecret, WebhookError> {
    let types = validate(Some(&new.url), Some(&new.events))?.unwrap_or_default();
    let id = WebhookEndpointId::generate().into_string();
    let secret = secrets::generate(SECRET_PREFIX);
    let sealed = seal_secret(ctx, &id, &secret)?;
    let now = ctx.now();
    let endpoint = webhook_endpoints::ActiveModel {
        id: Set(id),
        url: Set(new.url.trim().to_owned()),
        events: Set(json!(types)),
        enabled: Set(true),
        secret_sealed: Set(sealed),
        previous_secret_sealed: Set(None),
        previous_secret_expires_at: Set(None),
        // Events already in the log are history: the endpoint starts with the next one.
        after_seq: Set(last_event_seq(ctx.db.write()).await?),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(ctx.db.write())
    .await?;
    tracing::info!(webhook_endpoint_id = %endpoint.id, "webhook endpoint created");
    Ok(EndpointWithSecret { endpoint, secret })
}

pub async fn get_endpoint(ctx: &Ctx, id: &WebhookEndpointId) -> Result<webhook_endpoints::Model, WebhookError> {
    webhook_endpoints::Entity::find_by_id(id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(WebhookError::NotFound)
}

pub async fn list_endpoints(ctx: &Ctx, page: &PageRequest) -> Result<Page<webhook_endpoints::Model>, WebhookError> {
    Ok(fetch_page(
        ctx.db.read(),
        webhook_endpoints::Entity::find(),
        webhook_endpoints::Column::Id,
        |e| e.id.clone(),
        page,
    )
    .await?)
}

#[instrument(skip_all, fields(webhook_endpoint_id = %id))]
pub async fn update_endpoint(
    ctx: &Ctx,
    id: &WebhookEndpointId,
    changes: EndpointChanges,
) -> Result<webhook_endpoints::Model, WebhookError> {
    let types = validate(changes.url.as_deref(), changes.events.as_deref())?;
    let existing = webhook_endpoints::Entity::find_by_id(id.as_str())
        .one(ctx.db.write())
        .await?
        .ok_or(WebhookError::NotFound)?;
    let mut endpoint = existing.into_active_model();
    if let Some(url) = changes.url {
        endpoint.url = Set(url.trim().to_owned());
    }
    if let Some(types) = types {
        endpoint.events = Set(json!(types));
    }
    if let Some(enabled) = changes.enabled {
        endpoint.enabled = Set(enabled);
    }
    endpoint.updated_at = Set(ctx.now());
    Ok(endpoint.update(ctx.db.write()).await?)
}

/// Deletes the endpoint and its delivery log; undelivered events are dropped with it.
#[instrument(skip_all, fields(webhook_endpoint_id = %id))]
pub async fn delete_endpoint(ctx: &Ctx, id: &WebhookEndpointId) -> Result<(), WebhookError> {
    let tx = ctx.db.begin().await?;
    webhook_deliveries::Entity::delete_many()
        .filter(webhook_deliveries::Column::WebhookEndpointId.eq(id.as_str()))
        .exec(&tx)
        .await?;
    let deleted = webhook_endpoints::Entity::delete_by_id(id.as_str()).exec(&tx).await?;
    if deleted.rows_affected == 0 {
        return Err(WebhookError::NotFound);
    }
    tx.commit().await?;
    tracing::info!("webhook endpoint deleted");
    Ok(())
}

/// Issues a new secret (shown once); the old one keeps signing for `ROTATION_OVERLAP`.
#[instrument(skip_all, fields(webhook_endpoint_id = %id))]
pub async fn rotate_secret(ctx: &Ctx, id: &WebhookEndpointId) -> Result<EndpointWithSecret, WebhookError> {
    let existing = webhook_endpoints::Entity::find_by_id(id.as_str())
        .one(ctx.db.write())
        .await?
        .ok_or(WebhookError::NotFound)?;
    let secret = secrets::generate(SECRET_PREFIX);
    let sealed = seal_secret(ctx, &existing.id, &secret)?;
    let now = ctx.now();
    let previous = existing.secret_sealed.clone();
    let mut endpoint = existing.into_active_model();
    endpoint.secret_sealed = Set(sealed);
    endpoint.previous_secret_sealed = Set(Some(previous));
    endpoint.previous_secret_expires_at = Set(Some(now + ROTATION_OVERLAP));
    endpoint.updated_at = Set(now);
    let endpoint = endpoint.update(ctx.db.write()).await?;
    tracing::info!("webhook endpoint secret rotated");
    Ok(EndpointWithSecret { endpoint, secret })
}

/// The delivery log of one endpoint, newest first by default.
pub async fn list_deliveries(
    ctx: &Ctx,
    id: &WebhookEndpointId,
    page: &PageRequest,
) -> Result<Page<webhook_deliveries::Model>, WebhookError> {
    get_endpoint(ctx, id).await?;
    Ok(fetch_page(
        ctx.db.read(),
        webhook_deliveries::Entity::find().filter(webhook_deliveries::Column::WebhookEndpointId.eq(id.as_str())),
        webhook_deliveries::Column::Id,
        |d| d.id.clone(),
        page,
    )
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_type_names() {
        let cases = [
            ("user.created", true),
            ("dsync.group.user_added", true),
            ("*", true),
            ("user", false),
            ("user.", false),
            (".created", false),
            ("User.Created", false),
            ("user.*", false),
            ("", false),
        ];
        for (raw, want) in cases {
            assert_eq!(is_event_type(raw), want, "{raw}");
        }
    }

    #[test]
    fn subscriptions() {
        let some = vec!["user.created".to_owned()];
        let all = vec![ALL_EVENTS.to_owned()];
        assert!(subscribes(&some, "user.created"));
        assert!(!subscribes(&some, "user.updated"));
        assert!(subscribes(&all, "anything.new"));
        assert!(!subscribes(&[], "user.created"));
    }
}
