use super::auth::ApiKey;
use super::request::field_id;
use super::tags::Tag;
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::events::{list_events, EventQuery};
use crate::ids::{EventId, OrganizationId};
use chrono::{DateTime, Utc};
use entities::events;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

pub struct EventsApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
pub struct Event {
    /// Always `event`.
    pub object: String,
    pub id: String,
    /// The event type, e.g. `organization.created`.
    pub event: String,
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<events::Model> for Event {
    fn from(e: events::Model) -> Self {
        Self {
            object: "event".into(),
            id: e.id,
            event: e.event,
            data: e.data,
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct EventListMetadata {
    /// Pass as `after` to continue; the last event of this page, or null when none is returned.
    pub after: Option<String>,
}

#[derive(Debug, Clone, Object)]
pub struct EventList {
    pub data: Vec<Event>,
    pub list_metadata: EventListMetadata,
}

#[OpenApi(tag = "Tag::Events")]
impl EventsApi {
    /// List events in commit order; poll with `after` to miss none
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/events", method = "get")]
    async fn list(
        &self,
        _key: ApiKey,
        /// Event types to include; all when absent.
        events: Query<Vec<String>>,
        organization_id: Query<Option<String>>,
        range_start: Query<Option<DateTime<Utc>>>,
        range_end: Query<Option<DateTime<Utc>>>,
        after: Query<Option<String>>,
        limit: Query<Option<u64>>,
    ) -> ApiResult<Json<EventList>> {
        let limit = limit.0.unwrap_or(super::pagination::DEFAULT_LIMIT);
        if !(1..=super::pagination::MAX_LIMIT).contains(&limit) {
            return Err(ApiError::field("limit", "out_of_range", "must be between 1 and 100"));
        }
        let after_id = match after.0 {
            Some(raw) => Some(raw.parse::<EventId>().map_err(|_| {
                let mut e = ApiError::invalid_request("`after` is not a valid cursor");
                e.body.errors.push(crate::error::FieldError::new(
                    "after",
                    "invalid_cursor",
                    "not an event id",
                ));
                e
            })?),
            None => None,
        };
        let query = EventQuery {
            types: events
                .0
                .into_iter()
                .flat_map(|t| t.split(',').map(str::trim).map(str::to_owned).collect::<Vec<_>>())
                .filter(|t| !t.is_empty())
                .collect(),
            organization_id: organization_id
                .0
                .map(|o| field_id::<OrganizationId>(&o, "organization_id"))
                .transpose()?
                .map(String::from),
            range_start: range_start.0,
            range_end: range_end.0,
            after: after_id.clone(),
            limit,
        };
        let (rows, _more) = list_events(&self.ctx.db, &query).await?;
        // Polling continues from the last event seen, or from where it stood when nothing is new.
        let after = rows.last().map(|e| e.id.clone()).or(after_id.map(String::from));
        Ok(Json(EventList {
            data: rows.into_iter().map(Into::into).collect(),
            list_metadata: EventListMetadata { after },
        }))
    }
}
