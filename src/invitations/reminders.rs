//! Reminders: a pending invitation nobody accepted gets a reminder every `reminder_after_days`,
//! at most `max_reminders` times (the organization's settings, else the server's), each
//! carrying a fresh link. The same task records lapsed invitations as expired, announcing each once.
//!
//! Several nodes run this task against one database. Each step of each invitation is sent once:
//! `FOR UPDATE SKIP LOCKED` (PostgreSQL) keeps nodes off rows another node is handling, and the
//! UPDATE guarded by the step it read makes a step go to exactly one node on either database;
//! the reminder email is queued in that same transaction.

use super::rules::State;
use super::settings::settings_of;
use super::{expire_lapsed, mail, tokens, InvitationError};
use crate::context::Ctx;
use chrono::{DateTime, Utc};
use entities::invitations::{Column, Entity};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Invitations reminded per transaction.
const BATCH: u64 = 50;

fn due(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(Column::State.eq(State::Pending.as_str()))
        .add(Column::NextReminderAt.lte(now))
        .add(Column::ExpiresAt.gt(now))
}

fn lapsed(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(Column::State.eq(State::Pending.as_str()))
        .add(Column::ExpiresAt.lte(now))
}

/// One run: expires what lapsed, then sends the reminders that are due. Returns how many
/// reminders this node queued.
pub async fn run_once(ctx: &Ctx) -> Result<usize, InvitationError> {
    let now = ctx.now();
    // Idle runs read only, so they never queue for SQLite's one writer.
    let any_lapsed = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(lapsed(now))
        .into_tuple::<String>()
        .one(ctx.db.read())
        .await?;
    if any_lapsed.is_some() {
        let tx = ctx.db.begin().await?;
        expire_lapsed(&tx, now, None).await?;
        tx.commit().await?;
    }
    let any_due = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(due(now))
        .into_tuple::<String>()
        .one(ctx.db.read())
        .await?;
    if any_due.is_none() {
        return Ok(0);
    }
    let mut sent = 0;
    loop {
        let (claimed, queued) = remind_batch(ctx, now).await?;
        sent += queued;
        // A full batch may leave more due rows behind it.
        if claimed < BATCH as usize {
            return Ok(sent);
        }
    }
}

/// Returns how many rows this node claimed and how many reminders it queued.
async fn remind_batch(ctx: &Ctx, now: DateTime<Utc>) -> Result<(usize, usize), InvitationError> {
    let tx = ctx.db.begin().await?;
    let mut select = Entity::find()
        .filter(due(now))
        .order_by_asc(Column::NextReminderAt)
        .limit(BATCH);
    if tx.get_database_backend() == DbBackend::Postgres {
        select = select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = select.all(&tx).await?;
    let claimed = rows.len();
    let mut sent = 0;
    let mut schedules = std::collections::HashMap::new();
    for row in rows {
        let schedule = match schedules.get(&row.organization_id) {
            Some(known) => *known,
            None => {
                let found = settings_of(&tx, &ctx.config, &row.organization_id).await?;
                schedules.insert(row.organization_id.clone(), found);
                found
            }
        };
        let max = schedule.max_reminders;
        let step = row.reminders_sent.saturating_add(1);
        let send = row.reminders_sent < max;
        let next = (send && step < max).then(|| now + schedule.every());
        let updated = Entity::update_many()
            .col_expr(
                Column::RemindersSent,
                Expr::value(if send { step } else { row.reminders_sent }),
            )
            .col_expr(Column::NextReminderAt, Expr::value(next))
            .filter(Column::Id.eq(row.id.as_str()))
            .filter(Column::RemindersSent.eq(row.reminders_sent))
            .filter(due(now))
            .exec(&tx)
            .await?;
        if updated.rows_affected != 1 || !send {
            continue;
        }
        let token = tokens::issue(&tx, now, &row.id, "reminder").await?;
        mail::send(&tx, ctx, now, &row, "invitation_reminder", &token).await?;
        tracing::info!(invitation_id = %row.id, step, "invitation reminder queued");
        sent += 1;
    }
    tx.commit().await?;
    Ok((claimed, sent))
}

/// How long until the next multiple of `every_ms` on the clock.
fn until_next_tick(now: DateTime<Utc>, every_ms: i64) -> std::time::Duration {
    let every_ms = every_ms.max(1);
    let wait = every_ms - now.timestamp_millis().rem_euclid(every_ms);
    std::time::Duration::from_millis(u64::try_from(wait).unwrap_or(1))
}

/// Runs `run_once` every `invitation_reminder_interval_secs`, on multiples of the interval: the
/// nodes of a cluster run together and split the due invitations between them through the
/// skipped locks, rather than one node doing all of it.
pub fn spawn_reminders(ctx: Ctx) -> tokio::task::JoinHandle<()> {
    let every_secs = std::cmp::max(ctx.config.invitation_reminder_interval_secs, 1);
    let every_ms = i64::try_from(every_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(until_next_tick(ctx.now(), every_ms)).await;
            if let Err(err) = run_once(&ctx).await {
                tracing::warn!(error = %err, "invitation reminder run failed");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_multiples_of_the_interval() {
        let at = |ms: i64| DateTime::<Utc>::from_timestamp_millis(ms).unwrap();
        let cases = [
            (0, 1000, 1000),
            (1, 1000, 999),
            (999, 1000, 1),
            (60_250, 60_000, 59_750),
            (5, 0, 1),
        ];
        for (now, every, want) in cases {
            assert_eq!(
                until_next_tick(at(now), every),
                std::time::Duration::from_millis(want),
                "{now} {every}"
            );
        }
    }
}
