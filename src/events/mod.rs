//! The append-only event log. Every write appends its event inside the same transaction,
//! and `after` polling reads events in commit order.

use crate::ids::EventId;
use crate::store::Db;
use chrono::{DateTime, Utc};
use entities::events;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;

/// Appends one event. Call it last in the transaction: on PostgreSQL it takes a lock that
/// is held until commit, which is what makes `seq` follow commit order (a plain sequence
/// would let a later-committing transaction slip in behind a poller's cursor).
pub async fn append<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    event: &str,
    organization_id: Option<&str>,
    data: Value,
) -> Result<(), DbErr> {
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared("SELECT pg_advisory_xact_lock(727274)").await?;
    }
    let next: Option<i64> = events::Entity::find()
        .select_only()
        .column_as(Expr::col(events::Column::Seq).max(), "max_seq")
        .into_tuple::<Option<i64>>()
        .one(tx)
        .await?
        .flatten();
    events::ActiveModel {
        id: Set(EventId::generate().into_string()),
        seq: Set(next.unwrap_or(0) + 1),
        event: Set(event.to_owned()),
        organization_id: Set(organization_id.map(str::to_owned)),
        data: Set(data),
        created_at: Set(now),
    }
    .insert(tx)
    .await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct EventQuery {
    pub types: Vec<String>,
    pub organization_id: Option<String>,
    pub range_start: Option<DateTime<Utc>>,
    pub range_end: Option<DateTime<Utc>>,
    pub after: Option<EventId>,
    pub limit: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("no event {0} to continue after")]
    UnknownCursor(EventId),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Lists events in commit order. Returns the page and whether more may follow.
pub async fn list_events(db: &Db, query: &EventQuery) -> Result<(Vec<events::Model>, bool), EventError> {
    let mut select = events::Entity::find();
    if let Some(after) = &query.after {
        let cursor = events::Entity::find_by_id(after.as_str().to_owned())
            .one(db.read())
            .await?
            .ok_or_else(|| EventError::UnknownCursor(after.clone()))?;
        select = select.filter(events::Column::Seq.gt(cursor.seq));
    }
    if !query.types.is_empty() {
        select = select.filter(events::Column::Event.is_in(query.types.clone()));
    }
    if let Some(org) = &query.organization_id {
        select = select.filter(events::Column::OrganizationId.eq(org.clone()));
    }
    if let Some(start) = query.range_start {
        select = select.filter(events::Column::CreatedAt.gte(start));
    }
    if let Some(end) = query.range_end {
        select = select.filter(events::Column::CreatedAt.lt(end));
    }
    let mut rows = select
        .order_by_asc(events::Column::Seq)
        .limit(query.limit + 1)
        .all(db.read())
        .await?;
    let more = rows.len() as u64 > query.limit;
    rows.truncate(query.limit as usize);
    Ok((rows, more))
}
