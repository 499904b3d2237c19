//! The `webhook_deliveries` table, which is also each endpoint's delivery log. A row moves
//! pending -> delivering -> succeeded, or back to pending with a backoff, or to failed once
//! `GIVE_UP_AFTER` has passed since the event was queued.

use crate::store::Db;
use chrono::{DateTime, Duration, Utc};
use entities::webhook_deliveries::{self, Column, Entity};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Retries stop this long after the event was queued (API.md: 3 days).
pub const GIVE_UP_AFTER: Duration = Duration::days(3);

/// How long a claim holds a row. A worker that dies mid-delivery leaves its row `delivering`;
/// once this passes, another worker takes it over. Deliveries are cut off well before it.
pub const CLAIM_LOCK: Duration = Duration::seconds(60);

const MAX_ERROR_LEN: usize = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Delivering,
    Succeeded,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Delivering => "delivering",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
        }
    }
}

/// Wait before the next try after `attempts` failed tries: 10 s, 20 s, 40 s ... at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    let secs = 10i64.saturating_mul(1i64 << doublings);
    Duration::seconds(std::cmp::min(secs, 3600))
}

/// Due rows, and rows whose worker died while delivering them.
fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(Column::Status.eq(Status::Pending.as_str()))
                .add(Column::NextAttemptAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(Column::Status.eq(Status::Delivering.as_str()))
                .add(Column::LockedUntil.lt(now)),
        )
}

/// Claims up to `limit` due deliveries for this worker: each returned row is `delivering`,
/// counts this attempt, and belongs to no other worker until `now + CLAIM_LOCK`.
///
/// On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets workers in several server processes claim side
/// by side without waiting on each other. On both databases the guarded
/// `UPDATE ... WHERE <still claimable>` is what makes a row go to exactly one worker.
pub async fn claim(db: &Db, now: DateTime<Utc>, limit: u64) -> Result<Vec<webhook_deliveries::Model>, DbErr> {
    let any_due = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(claimable(now))
        .into_tuple::<String>()
        .one(db.read())
        .await?;
    if any_due.is_none() {
        return Ok(Vec::new());
    }
    let tx = db.begin().await?;
    let mut due = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(claimable(now))
        .order_by_asc(Column::NextAttemptAt)
        .limit(limit);
    if tx.get_database_backend() == DbBackend::Postgres {
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let ids: Vec<String> = due.into_tuple().all(&tx).await?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        let updated = Entity::update_many()
            .col_expr(Column::Status, Expr::value(Status::Delivering.as_str()))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .col_expr(Column::LockedUntil, Expr::value(Some(now + CLAIM_LOCK)))
            .col_expr(Column::LastAttemptAt, Expr::value(Some(now)))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(id.as_str()))
            .filter(claimable(now))
            .exec(&tx)
            .await?;
        if updated.rows_affected == 1 {
            claimed.push(id);
        }
    }
    let rows = if claimed.is_empty() {
        Vec::new()
    } else {
        Entity::find()
            .filter(Column::Id.is_in(claimed))
            .order_by_asc(Column::NextAttemptAt)
            .all(&tx)
            .await?
    };
    tx.commit().await?;
    Ok(rows)
}

pub async fn mark_succeeded<C: ConnectionTrait>(
    db: &C,
    id: &str,
    now: DateTime<Utc>,
    status_code: u16,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(Status::Succeeded.as_str()))
        .col_expr(Column::DeliveredAt, Expr::value(Some(now)))
        .col_expr(Column::LockedUntil, Expr::value(None::<DateTime<Utc>>))
        .col_expr(Column::LastStatusCode, Expr::value(Some(i32::from(status_code))))
        .col_expr(Column::LastError, Expr::value(None::<String>))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(Status::Delivering.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// What went wrong with one attempt.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status_code: Option<u16>,
    pub error: String,
    /// No retry can succeed (the event or endpoint is gone).
    pub permanent: bool,
}

/// Records a failed attempt. Returns the new status: `pending` after a backoff, or `failed` when
/// the failure is permanent or the next try would fall past `GIVE_UP_AFTER`.
pub async fn mark_failed<C: ConnectionTrait>(
    db: &C,
    row: &webhook_deliveries::Model,
    now: DateTime<Utc>,
    failure: &Failure,
) -> Result<Status, DbErr> {
    let next = now + backoff(row.attempts);
    let status = if failure.permanent || next > row.created_at + GIVE_UP_AFTER {
        Status::Failed
    } else {
        Status::Pending
    };
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(status.as_str()))
        .col_expr(Column::NextAttemptAt, Expr::value(next))
        .col_expr(Column::LockedUntil, Expr::value(None::<DateTime<Utc>>))
        .col_expr(Column::LastStatusCode, Expr::value(failure.status_code.map(i32::from)))
        .col_expr(Column::LastError, Expr::value(Some(truncate(&failure.error))))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(row.id.as_str()))
        .filter(Column::Status.eq(Status::Delivering.as_str()))
        .exec(db)
        .await?;
    Ok(status)
}

fn truncate(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR_LEN) {
        Some((end, _)) => format!("{}...", &error[..end]),
        None => error.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_ten_seconds_up_to_an_hour() {
        let cases = [
            (0, 10),
            (1, 10),
            (2, 20),
            (3, 40),
            (6, 320),
            (9, 2560),
            (10, 3600),
            (i32::MAX, 3600),
        ];
        for (attempts, secs) in cases {
            assert_eq!(backoff(attempts), Duration::seconds(secs), "{attempts}");
        }
    }

    #[test]
    fn a_claim_outlives_the_longest_delivery() {
        let longest = Duration::from_std(crate::webhooks::worker::SEND_TIMEOUT).unwrap();
        assert!(longest * 2 <= CLAIM_LOCK);
    }

    #[test]
    fn long_errors_are_cut() {
        assert_eq!(truncate("short"), "short");
        assert_eq!(truncate(&"x".repeat(MAX_ERROR_LEN + 5)).len(), MAX_ERROR_LEN + 3);
    }
}
