//! The `email_outbox` table: insert in the caller's transaction, claim due rows for delivery,
//! record the outcome. A row moves pending -> sending -> sent, or back to pending with a
//! backoff, or to failed after `MAX_ATTEMPTS`.

use crate::email::templates::Rendered;
use crate::ids::EmailId;
use crate::store::Db;
use chrono::{DateTime, Duration, Utc};
use entities::email_outbox::{self, Column, Entity};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// Delivery attempts before an email is given up as failed.
pub const MAX_ATTEMPTS: i32 = 8;

/// How long a claim holds a row. A sender that dies mid-delivery leaves its row in `sending`;
/// once this passes, another sender takes it over. Deliveries are cut off well before it.
pub const CLAIM_LOCK: Duration = Duration::seconds(60);

/// Longest `last_error` kept: an SMTP reply, never a body.
const MAX_ERROR_LEN: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Sending,
    Sent,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
        }
    }
}

/// Wait before the next try after `attempts` failed tries: 5 s, 10 s, 20 s ... at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    let secs = 5i64.saturating_mul(1i64 << doublings);
    Duration::seconds(std::cmp::min(secs, 3600))
}

/// Writes a rendered email as `pending`, due now. Runs on `db`, which is usually the
/// transaction of the action that causes the email, so a rollback drops the email too.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    to: &str,
    template: &str,
    rendered: Rendered,
) -> Result<EmailId, DbErr> {
    let id = EmailId::generate();
    email_outbox::ActiveModel {
        id: Set(id.as_str().to_owned()),
        to_address: Set(to.to_owned()),
        template: Set(template.to_owned()),
        subject: Set(rendered.subject),
        html_body: Set(Some(rendered.html)),
        text_body: Set(Some(rendered.text)),
        status: Set(Status::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Due rows, and rows whose sender died while delivering them.
fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(Column::Status.eq(Status::Pending.as_str()))
                .add(Column::NextAttemptAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(Column::Status.eq(Status::Sending.as_str()))
                .add(Column::LockedUntil.lt(now)),
        )
}

/// Claims up to `limit` due emails for this sender: each returned row is `sending`, counts
/// this attempt, and belongs to no other sender until `now + CLAIM_LOCK`.
///
/// On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets senders on several nodes claim side by side.
/// On SQLite the single write connection runs claims one after another. On both, the guarded
/// `UPDATE ... WHERE <still claimable>` is what makes a row go to exactly one sender.
pub async fn claim(db: &Db, now: DateTime<Utc>, limit: u64) -> Result<Vec<email_outbox::Model>, DbErr> {
    // An idle poll reads only, so it never queues for SQLite's one writer.
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
    give_up_abandoned(&tx, now).await?;
    let mut due = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(claimable(now))
        .order_by_asc(Column::NextAttemptAt)
        .limit(limit);
    if tx.get_database_backend() == DbBackend::Postgres {
        due = due.lock_with_behavior(
            sea_orm::sea_query::LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        );
    }
    let ids: Vec<String> = due.into_tuple().all(&tx).await?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        let updated = Entity::update_many()
            .col_expr(Column::Status, Expr::value(Status::Sending.as_str()))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .col_expr(Column::LockedUntil, Expr::value(Some(now + CLAIM_LOCK)))
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

/// A row abandoned in `sending` on its last allowed attempt is failed rather than retried, so
/// an email that kills its sender cannot do so forever.
async fn give_up_abandoned<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(Status::Failed.as_str()))
        .col_expr(Column::LockedUntil, Expr::value(None::<DateTime<Utc>>))
        .col_expr(Column::HtmlBody, Expr::value(None::<String>))
        .col_expr(Column::TextBody, Expr::value(None::<String>))
        .col_expr(
            Column::LastError,
            Expr::value("abandoned: the sender stopped during the last attempt"),
        )
        .filter(Column::Status.eq(Status::Sending.as_str()))
        .filter(Column::LockedUntil.lt(now))
        .filter(Column::Attempts.gte(MAX_ATTEMPTS))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a delivery and wipes the bodies: they carry one-time codes and links.
pub async fn mark_sent<C: ConnectionTrait>(db: &C, id: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(Status::Sent.as_str()))
        .col_expr(Column::SentAt, Expr::value(Some(now)))
        .col_expr(Column::LockedUntil, Expr::value(None::<DateTime<Utc>>))
        .col_expr(Column::HtmlBody, Expr::value(None::<String>))
        .col_expr(Column::TextBody, Expr::value(None::<String>))
        .col_expr(Column::LastError, Expr::value(None::<String>))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(Status::Sending.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed attempt (`attempts` counts it). Returns the row's new status: `pending`
/// again after a backoff, or `failed` when the error is permanent or the attempts are used
/// up, in which case the bodies are wiped as for a delivery.
pub async fn mark_failed<C: ConnectionTrait>(
    db: &C,
    id: &str,
    now: DateTime<Utc>,
    attempts: i32,
    error: &str,
    permanent: bool,
) -> Result<Status, DbErr> {
    let status = if permanent || attempts >= MAX_ATTEMPTS {
        Status::Failed
    } else {
        Status::Pending
    };
    let mut update = Entity::update_many()
        .col_expr(Column::Status, Expr::value(status.as_str()))
        .col_expr(Column::NextAttemptAt, Expr::value(now + backoff(attempts)))
        .col_expr(Column::LockedUntil, Expr::value(None::<DateTime<Utc>>))
        .col_expr(Column::LastError, Expr::value(Some(truncate(error))));
    if status == Status::Failed {
        update = update
            .col_expr(Column::HtmlBody, Expr::value(None::<String>))
            .col_expr(Column::TextBody, Expr::value(None::<String>));
    }
    update
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(Status::Sending.as_str()))
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
    fn backoff_doubles_from_five_seconds_up_to_an_hour() {
        let cases = [
            (0, 5),
            (1, 5),
            (2, 10),
            (3, 20),
            (4, 40),
            (7, 320),
            (8, 640),
            (10, 2560),
            (11, 3600),
            (30, 3600),
            (i32::MAX, 3600),
        ];
        for (attempts, secs) in cases {
            assert_eq!(backoff(attempts), Duration::seconds(secs), "{attempts}");
        }
    }

    #[test]
    fn a_claim_outlives_the_longest_delivery() {
        let longest = crate::email::sender::SEND_TIMEOUT;
        assert!(Duration::from_std(longest).unwrap() * 2 <= CLAIM_LOCK);
    }

    #[test]
    fn long_errors_are_cut() {
        assert_eq!(truncate("short"), "short");
        let long = "é".repeat(MAX_ERROR_LEN + 10);
        assert_eq!(truncate(&long).chars().count(), MAX_ERROR_LEN + 3);
    }
}
