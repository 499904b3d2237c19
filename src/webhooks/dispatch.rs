//! Fan-out: turns each new event of the log into one delivery row per subscribed endpoint.
//!
//! Why a dispatcher that follows `events.seq` instead of inserting deliveries in the writer's
//! transaction: `events::append` runs inside every change and, on PostgreSQL, holds the
//! event-log lock until that change commits. Reading endpoints and inserting N rows there would
//! lengthen the section that serializes all writers, and make every write pay for webhooks.
//! Following the sequence is exactly-once because `seq` is assigned in commit order (see
//! `events::append`): no event can later appear below the cursor. The cursor moves in the same
//! transaction that inserts the deliveries, so a crash either does both or neither, and the
//! unique (endpoint, event) index stops a second insert whatever happens.

use crate::ids::WebhookDeliveryId;
use crate::store::Db;
use crate::webhooks::deliveries::Status;
use crate::webhooks::endpoints::{event_types, subscribes};
use chrono::{DateTime, Utc};
use entities::{events, webhook_deliveries, webhook_dispatch, webhook_endpoints};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

const CURSOR: &str = "events";

async fn cursor<C: ConnectionTrait>(db: &C, lock: bool) -> Result<Option<i64>, DbErr> {
    let mut select = webhook_dispatch::Entity::find_by_id(CURSOR);
    if lock && db.get_database_backend() == DbBackend::Postgres {
        // Another node dispatching right now owns the cursor; this one skips the round.
        select = select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    Ok(select.one(db).await?.map(|c| c.last_seq))
}

/// Fans out up to `batch` events past the cursor. Returns how many events it consumed.
pub async fn dispatch(db: &Db, now: DateTime<Utc>, batch: u64) -> Result<usize, DbErr> {
    // An idle poll reads only, so it never queues for SQLite's one writer.
    let Some(seen) = cursor(db.read(), false).await? else {
        return Ok(0);
    };
    let any_new = events::Entity::find()
        .select_only()
        .column(events::Column::Seq)
        .filter(events::Column::Seq.gt(seen))
        .into_tuple::<i64>()
        .one(db.read())
        .await?;
    if any_new.is_none() {
        return Ok(0);
    }

    let tx = db.begin().await?;
    let Some(seen) = cursor(&tx, true).await? else {
        return Ok(0);
    };
    let batch_events = events::Entity::find()
        .filter(events::Column::Seq.gt(seen))
        .order_by_asc(events::Column::Seq)
        .limit(batch)
        .all(&tx)
        .await?;
    let Some(last) = batch_events.last().map(|e| e.seq) else {
        return Ok(0);
    };
    let endpoints: Vec<(webhook_endpoints::Model, Vec<String>)> = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::Enabled.eq(true))
        .all(&tx)
        .await?
        .into_iter()
        .map(|e| {
            let types = event_types(&e);
            (e, types)
        })
        .collect();
    let mut rows = Vec::new();
    for event in &batch_events {
        for (endpoint, types) in &endpoints {
            if event.seq > endpoint.after_seq && subscribes(types, &event.event) {
                rows.push(webhook_deliveries::ActiveModel {
                    id: Set(WebhookDeliveryId::generate().into_string()),
                    webhook_endpoint_id: Set(endpoint.id.clone()),
                    event_id: Set(event.id.clone()),
                    event: Set(event.event.clone()),
                    status: Set(Status::Pending.as_str().to_owned()),
                    attempts: Set(0),
                    next_attempt_at: Set(now),
                    locked_until: Set(None),
                    last_attempt_at: Set(None),
                    last_status_code: Set(None),
                    last_error: Set(None),
                    delivered_at: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                });
            }
        }
    }
    // Chunks keep each statement well under SQLite's bound-parameter limit.
    for chunk in rows.chunks(100) {
        webhook_deliveries::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([
                webhook_deliveries::Column::WebhookEndpointId,
                webhook_deliveries::Column::EventId,
            ])
            .exec_without_returning(&tx)
            .await?;
    }
    webhook_dispatch::Entity::update_many()
        .col_expr(webhook_dispatch::Column::LastSeq, Expr::value(last))
        .filter(webhook_dispatch::Column::Id.eq(CURSOR))
        .filter(webhook_dispatch::Column::LastSeq.eq(seen))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    if !rows.is_empty() {
        tracing::debug!(
            events = batch_events.len(),
            deliveries = rows.len(),
            "webhook deliveries queued"
        );
    }
    Ok(batch_events.len())
}
