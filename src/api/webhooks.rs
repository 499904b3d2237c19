use super::auth::ApiKey;
use super::pagination::{page_request, ListOrder};
use super::request::path_id;
use super::tags::Tag;
use super::text::Text;
use crate::context::Ctx;
use crate::error::ApiResult;
use crate::ids::{WebhookDeliveryId, WebhookEndpointId};
use crate::list_object;
use crate::webhooks::endpoints::{self as service, EndpointChanges, EndpointWithSecret, NewEndpoint};
use chrono::{DateTime, Utc};
use entities::{webhook_deliveries, webhook_endpoints};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

pub struct WebhooksApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
pub struct WebhookEndpoint {
    /// Always `webhook_endpoint`.
    pub object: String,
    pub id: String,
    pub url: String,
    /// Event types delivered here; `*` is every type.
    pub events: Vec<String>,
    /// `enabled` or `disabled`.
    pub status: String,
    /// The signing secret; present only in the response that created or rotated it.
    #[oai(skip_serializing_if_is_none)]
    pub secret: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<webhook_endpoints::Model> for WebhookEndpoint {
    fn from(e: webhook_endpoints::Model) -> Self {
        Self {
            object: "webhook_endpoint".into(),
            events: service::event_types(&e),
            status: if e.enabled { "enabled" } else { "disabled" }.into(),
            id: e.id,
            url: e.url,
            secret: None,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

impl From<EndpointWithSecret> for WebhookEndpoint {
    fn from(e: EndpointWithSecret) -> Self {
        let mut view = Self::from(e.endpoint);
        view.secret = Some(e.secret);
        view
    }
}

list_object!(WebhookEndpointList, WebhookEndpoint);

/// One event on its way to one endpoint, with the outcome of its attempts so far.
#[derive(Debug, Clone, Object)]
pub struct WebhookDelivery {
    /// Always `webhook_delivery`.
    pub object: String,
    pub id: String,
    pub webhook_endpoint_id: String,
    pub event_id: String,
    /// The event type.
    pub event: String,
    /// `pending`, `delivering`, `succeeded` or `failed` (retries given up).
    pub status: String,
    pub attempts: i32,
    /// When a `pending` delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// HTTP status of the last answer, if there was one.
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<webhook_deliveries::Model> for WebhookDelivery {
    fn from(d: webhook_deliveries::Model) -> Self {
        let pending = d.status == "pending";
        Self {
            object: "webhook_delivery".into(),
            id: d.id,
            webhook_endpoint_id: d.webhook_endpoint_id,
            event_id: d.event_id,
            event: d.event,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: pending.then_some(d.next_attempt_at),
            last_attempt_at: d.last_attempt_at,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

list_object!(WebhookDeliveryList, WebhookDelivery);

#[derive(Debug, Clone, Object)]
pub struct CreateWebhookEndpoint {
    /// Where events are POSTed (http or https).
    pub url: Text,
    /// Event types to deliver, e.g. `user.created`; `["*"]` for every type.
    pub events: Vec<Text>,
}

#[derive(Debug, Clone, Object)]
pub struct UpdateWebhookEndpoint {
    pub url: Option<Text>,
    pub events: Option<Vec<Text>>,
    /// `disabled` stops deliveries (queued ones fail); `enabled` resumes with new events.
    pub status: Option<EndpointStatus>,
}

#[derive(Debug, Clone, Copy, poem_openapi::Enum)]
#[oai(rename_all = "lowercase")]
pub enum EndpointStatus {
    Enabled,
    Disabled,
}

#[derive(ApiResponse)]
pub enum Created {
    #[oai(status = 201)]
    Ok(Json<WebhookEndpoint>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Ok,
}

#[OpenApi(tag = "Tag::Events")]
impl WebhooksApi {
    /// Create a webhook endpoint; the signing secret is shown once
    #[oai(path = "/webhook_endpoints", method = "post")]
    async fn create(&self, _key: ApiKey, body: Json<CreateWebhookEndpoint>) -> ApiResult<Created> {
        let new = NewEndpoint {
            url: body.0.url.0,
            events: body.0.events.into_iter().map(String::from).collect(),
        };
        let created = service::create_endpoint(&self.ctx, new).await?;
        Ok(Created::Ok(Json(created.into())))
    }

    /// List webhook endpoints
    #[oai(path = "/webhook_endpoints", method = "get")]
    async fn list(
        &self,
        _key: ApiKey,
        limit: Query<Option<u64>>,
        before: Query<Option<String>>,
        after: Query<Option<String>>,
        order: Query<Option<ListOrder>>,
    ) -> ApiResult<Json<WebhookEndpointList>> {
        let page = page_request::<WebhookEndpointId>(limit.0, before.0, after.0, order.0)?;
        Ok(Json(service::list_endpoints(&self.ctx, &page).await?.into()))
    }

    /// Get a webhook endpoint
    #[oai(path = "/webhook_endpoints/:id", method = "get")]
    async fn get(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<WebhookEndpoint>> {
        let id = path_id::<WebhookEndpointId>(&id.0, "webhook endpoint")?;
        Ok(Json(service::get_endpoint(&self.ctx, &id).await?.into()))
    }

    /// Update a webhook endpoint's URL, event types or status
    #[oai(path = "/webhook_endpoints/:id", method = "patch")]
    async fn update(
        &self,
        _key: ApiKey,
        id: Path<String>,
        body: Json<UpdateWebhookEndpoint>,
    ) -> ApiResult<Json<WebhookEndpoint>> {
        let id = path_id::<WebhookEndpointId>(&id.0, "webhook endpoint")?;
        let changes = EndpointChanges {
            url: body.0.url.map(|u| u.0),
            events: body.0.events.map(|e| e.into_iter().map(String::from).collect()),
            enabled: body.0.status.map(|s| matches!(s, EndpointStatus::Enabled)),
        };
        Ok(Json(service::update_endpoint(&self.ctx, &id, changes).await?.into()))
    }

    /// Delete a webhook endpoint and its delivery log
    #[oai(path = "/webhook_endpoints/:id", method = "delete")]
    async fn delete(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Deleted> {
        let id = path_id::<WebhookEndpointId>(&id.0, "webhook endpoint")?;
        service::delete_endpoint(&self.ctx, &id).await?;
        Ok(Deleted::Ok)
    }

    /// Issue a new signing secret, shown once; the old one also signs for 24 hours
    #[oai(path = "/webhook_endpoints/:id/rotate_secret", method = "post")]
    async fn rotate_secret(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<WebhookEndpoint>> {
        let id = path_id::<WebhookEndpointId>(&id.0, "webhook endpoint")?;
        Ok(Json(service::rotate_secret(&self.ctx, &id).await?.into()))
    }

    /// The delivery log of a webhook endpoint: status, attempts and next attempt of each event
    #[oai(path = "/webhook_endpoints/:id/deliveries", method = "get")]
    async fn deliveries(
        &self,
        _key: ApiKey,
        id: Path<String>,
        limit: Query<Option<u64>>,
        before: Query<Option<String>>,
        after: Query<Option<String>>,
        order: Query<Option<ListOrder>>,
    ) -> ApiResult<Json<WebhookDeliveryList>> {
        let id = path_id::<WebhookEndpointId>(&id.0, "webhook endpoint")?;
        let page = page_request::<WebhookDeliveryId>(limit.0, before.0, after.0, order.0)?;
        Ok(Json(service::list_deliveries(&self.ctx, &id, &page).await?.into()))
    }
}
