//! The append-only event log. Every write appends its event inside the same transaction,
//! and `after` polling reads events in commit order.

use crate::ids::EventId;
use crate::store::Db;
use chrono::{DateTime, Utc};
use entities::events;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, UnionType};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;

/// An event to append: its type, the organization it belongs to, and its data.
pub struct NewEvent<'a> {
    pub event: &'a str,
    pub organization_id: Option<&'a str>,
    pub data: Value,
}

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
    append_all(
        tx,
        now,
        vec![NewEvent {
            event,
            organization_id,
            data,
        }],
    )
    .await
}

/// Appends `events` in order, in one statement; as [`append`], call it last in the transaction.
pub async fn append_all<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    events: Vec<NewEvent<'_>>,
) -> Result<(), DbErr> {
    // The next `seq`s are read and used by the insert itself. Every branch of the union reads the
    // table as it was before the statement (both databases evaluate an INSERT's SELECT first), so
    // the rows take max + 1, max + 2, ... in the order given.
    let mut rows = events.into_iter().enumerate().map(|(offset, new)| {
        let next_seq = Func::coalesce([Expr::col(events::Column::Seq).max(), Expr::val(0i64)]).add(offset as i64 + 1);
        Query::select()
            .expr(Expr::val(EventId::generate().into_string()))
            .expr(next_seq)
            .expr(Expr::val(new.event))
            .expr(Expr::val(new.organization_id.map(str::to_owned)))
            .expr(Expr::val(new.data))
            .expr(Expr::val(now))
            .from(events::Entity)
            .to_owned()
    });
    let Some(mut select) = rows.next() else {
        return Ok(());
    };
    for row in rows {
        select.union(UnionType::All, row);
    }
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared("SELECT pg_advisory_xact_lock(727274)").await?;
    }
    let insert = Query::insert()
        .into_table(events::Entity)
        .columns([
            events::Column::Id,
            events::Column::Seq,
            events::Column::Event,
            events::Column::OrganizationId,
            events::Column::Data,
            events::Column::CreatedAt,
        ])
        .select_from(select)
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .to_owned();
    tx.execute(&insert).await?;
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
