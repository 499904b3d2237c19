//! The account's ceiling on password guesses, shared by every node. The in-process limiter
//! counts guesses per account and client address, so a flood from one address stops there
//! and cannot lock the owner out from another; this ceiling stops a flood spread over many
//! addresses. Once an account's guesses from unknown addresses reach the ceiling within a
//! window, only the owner's known sources may still try (an address an earlier session of the
//! account came from, or a browser whose device cookie completed a hosted sign-in of it), and
//! the owner hears of it by email, once a day at most.
//!
//! A guess is counted before its password is checked, so concurrent guesses cannot pass the
//! ceiling together; a guess that turns out right gives its count back, so the owner's own
//! sign-ins never fill it.

use super::types::{AuthError, Caller};
use crate::context::Ctx;
use crate::identity::notify;
use crate::ratelimit::Limited;
use crate::secrets;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use entities::{known_devices, sessions, sign_in_ceilings as ceilings, users};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

/// How often the owner may be told of a flood.
const NOTICE_INTERVAL_HOURS: i64 = 24;
/// A guess looks again when the window moved under it (opened or filled by another); past this
/// many looks it is refused, as a full ceiling would refuse it.
const MAX_RESERVE_TRIES: usize = 4;

/// The ceiling's rule: this many guesses from unknown addresses per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub attempts: i32,
    pub window: Duration,
}

/// The count as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub window_started_at: DateTime<Utc>,
    pub attempts: i32,
    pub notified_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// No window is open: this guess opens one, as its first.
    Open,
    /// Under the ceiling: the guess is added to the window that began then.
    Add { window_started_at: DateTime<Utc> },
    /// At the ceiling until `retry_after` passes; only a known source may still guess.
    /// `notify_owner` when the owner has not been told of a flood lately.
    Full {
        retry_after: std::time::Duration,
        notify_owner: bool,
    },
}

/// What one more guess from an unknown address meets, given the stored count.
pub fn decide(count: Option<&Count>, rule: Rule, now: DateTime<Utc>) -> Decision {
    let Some(count) = count else {
        return Decision::Open;
    };
    let window_ends = count.window_started_at + rule.window;
    if window_ends <= now {
        return Decision::Open;
    }
    if count.attempts < rule.attempts {
        return Decision::Add {
            window_started_at: count.window_started_at,
        };
    }
    let notify_owner = count
        .notified_at
        .is_none_or(|at| now - at >= Duration::hours(NOTICE_INTERVAL_HOURS));
    Decision::Full {
        retry_after: (window_ends - now).to_std().unwrap_or_default(),
        notify_owner,
    }
}

/// A counted guess, to give back if it turns out right.
#[derive(Debug)]
pub struct Reserved {
    user_id: String,
    window_started_at: DateTime<Utc>,
}

fn rule_of(ctx: &Ctx) -> Rule {
    let config = &ctx.config;
    Rule {
        attempts: i32::try_from(Ord::max(config.rate_limit_account_burst, 1)).unwrap_or(i32::MAX),
        window: Duration::seconds(i64::try_from(Ord::max(config.rate_limit_period_secs, 1)).unwrap_or(i64::MAX)),
    }
}

/// Counts one guess at `user`'s password, or refuses it when the ceiling is full and the
/// caller is not a source the account signed in from before. `None` when the guess is
/// from a known source and so is not counted.
pub async fn reserve(ctx: &Ctx, user: &users::Model, caller: &Caller) -> Result<Option<Reserved>, AuthError> {
    let rule = rule_of(ctx);
    for _ in 0..MAX_RESERVE_TRIES {
        // As the databases keep it (microseconds), so the window's start compares equal when read back.
        let now = ctx.now().trunc_subsecs(6);
        let stored = ceilings::Entity::find_by_id(user.id.as_str())
            .one(ctx.db.write())
            .await?;
        let count = stored.as_ref().map(|row| Count {
            window_started_at: row.window_started_at,
            attempts: row.attempts,
            notified_at: row.notified_at,
        });
        let counted = match decide(count.as_ref(), rule, now) {
            Decision::Open => open_window(ctx, &user.id, count.as_ref(), now).await?.then_some(now),
            Decision::Add { window_started_at } => add_guess(ctx, &user.id, window_started_at, rule)
                .await?
                .then_some(window_started_at),
            Decision::Full {
                retry_after,
                notify_owner,
            } => {
                if is_known_source(ctx, &user.id, caller).await? {
                    return Ok(None);
                }
                if notify_owner {
                    tell_owner(ctx, user, count.and_then(|c| c.notified_at), now, rule).await?;
                }
                tracing::info!(user_id = %user.id, "password guess refused: the account's ceiling is full");
                return Err(AuthError::RateLimited(Limited { retry_after }));
            }
        };
        // Not counted: the window moved under this guess (another opened or filled it); look again.
        if let Some(window_started_at) = counted {
            return Ok(Some(Reserved {
                user_id: user.id.clone(),
                window_started_at,
            }));
        }
    }
    Err(AuthError::RateLimited(Limited {
        retry_after: std::time::Duration::from_secs(1),
    }))
}

/// Gives back the count of a guess that was right.
pub async fn give_back(ctx: &Ctx, reserved: Reserved) -> Result<(), DbErr> {
    ceilings::Entity::update_many()
        .col_expr(ceilings::Column::Attempts, Expr::col(ceilings::Column::Attempts).sub(1))
        .filter(ceilings::Column::UserId.eq(reserved.user_id))
        .filter(ceilings::Column::WindowStartedAt.eq(reserved.window_started_at))
        .filter(ceilings::Column::Attempts.gt(0))
        .exec(ctx.db.write())
        .await?;
    Ok(())
}

/// Opens a window with this guess as its first, unless another guess just opened one (then false).
async fn open_window(ctx: &Ctx, user_id: &str, seen: Option<&Count>, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let Some(seen) = seen else {
        let inserted = ceilings::Entity::insert(ceilings::ActiveModel {
            user_id: Set(user_id.to_owned()),
            window_started_at: Set(now),
            attempts: Set(1),
            notified_at: Set(None),
        })
        .on_conflict_do_nothing_on([ceilings::Column::UserId])
        .exec_without_returning(ctx.db.write())
        .await?;
        return Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(1)));
    };
    let reopened = ceilings::Entity::update_many()
        .col_expr(ceilings::Column::WindowStartedAt, Expr::value(now))
        .col_expr(ceilings::Column::Attempts, Expr::value(1))
        .filter(ceilings::Column::UserId.eq(user_id))
        .filter(ceilings::Column::WindowStartedAt.eq(seen.window_started_at))
        .exec(ctx.db.write())
        .await?;
    Ok(reopened.rows_affected == 1)
}

/// Adds this guess to the open window while it is under the ceiling: one conditional
/// increment, so concurrent guesses each take a place or find none, and never pass the ceiling.
async fn add_guess(ctx: &Ctx, user_id: &str, window_started_at: DateTime<Utc>, rule: Rule) -> Result<bool, DbErr> {
    let added = ceilings::Entity::update_many()
        .col_expr(ceilings::Column::Attempts, Expr::col(ceilings::Column::Attempts).add(1))
        .filter(ceilings::Column::UserId.eq(user_id))
        .filter(ceilings::Column::WindowStartedAt.eq(window_started_at))
        .filter(ceilings::Column::Attempts.lt(rule.attempts))
        .exec(ctx.db.write())
        .await?;
    Ok(added.rows_affected == 1)
}

/// Records that the browser of `device` (its hosted device token) completed a sign-in of the
/// account. Only the hash is kept: the token is the browser's to show.
pub async fn remember_device(ctx: &Ctx, user_id: &str, device: &str) -> Result<(), DbErr> {
    known_devices::Entity::insert(known_devices::ActiveModel {
        user_id: Set(user_id.to_owned()),
        device_hash: Set(secrets::hash(device)),
        last_signed_in_at: Set(ctx.now()),
    })
    .on_conflict(
        OnConflict::columns([known_devices::Column::UserId, known_devices::Column::DeviceHash])
            .update_column(known_devices::Column::LastSignedInAt)
            .to_owned(),
    )
    .exec_without_returning(ctx.db.write())
    .await?;
    Ok(())
}

/// A source an earlier sign-in of this account came from: a browser whose device cookie
/// completed a hosted sign-in of it, or the address (the vendor's reported `ip_address`) of an
/// earlier session.
async fn is_known_source(ctx: &Ctx, user_id: &str, caller: &Caller) -> Result<bool, DbErr> {
    if let Some(device) = caller.device.as_deref() {
        let known = known_devices::Entity::find_by_id((user_id.to_owned(), secrets::hash(device)))
            .one(ctx.db.read())
            .await?;
        if known.is_some() {
            return Ok(true);
        }
    }
    let Some(ip) = caller.ip_address.as_deref() else {
        return Ok(false);
    };
    let seen = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::IpAddress.eq(ip))
        .count(ctx.db.read())
        .await?;
    Ok(seen > 0)
}

/// Emails the owner about the flood, unless another node just did (the claim on
/// `notified_at` is conditional on what this guess saw).
async fn tell_owner(
    ctx: &Ctx,
    user: &users::Model,
    seen: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    rule: Rule,
) -> Result<(), AuthError> {
    let tx = ctx.db.begin().await?;
    let claim = ceilings::Entity::update_many()
        .col_expr(ceilings::Column::NotifiedAt, Expr::value(Some(now)))
        .filter(ceilings::Column::UserId.eq(user.id.as_str()));
    let claim = match seen {
        Some(at) => claim.filter(ceilings::Column::NotifiedAt.eq(at)),
        None => claim.filter(ceilings::Column::NotifiedAt.is_null()),
    };
    if claim.exec(&tx).await?.rows_affected == 1 {
        let pause_minutes = (rule.window.num_seconds() + 59) / 60;
        notify::send(
            &tx,
            ctx,
            &user.email,
            "sign_in_flood",
            json!({"email": user.email, "app_name": "Gatehouse", "pause_minutes": pause_minutes}),
        )
        .await?;
        tracing::warn!(user_id = %user.id, "sign-in flood: the owner is told");
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_from_unknown_addresses_meet_one_ceiling_per_window() {
        let t0: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let s = Duration::seconds;
        let rule = Rule {
            attempts: 3,
            window: s(60),
        };
        let count = |started: i64, attempts: i32, notified: Option<i64>| Count {
            window_started_at: t0 + s(started),
            attempts,
            notified_at: notified.map(|n| t0 + s(n)),
        };
        let add = |started: i64| Decision::Add {
            window_started_at: t0 + s(started),
        };
        let full = |retry: u64, notify_owner: bool| Decision::Full {
            retry_after: std::time::Duration::from_secs(retry),
            notify_owner,
        };
        // (stored count, now, decision)
        let cases = [
            (None, 10, Decision::Open),
            (Some(count(0, 1, None)), 10, add(0)),
            (Some(count(0, 2, None)), 10, add(0)),
            (Some(count(0, 3, None)), 10, full(50, true)),
            (Some(count(0, 7, None)), 59, full(1, true)),
            // The window passed: a fresh count.
            (Some(count(0, 3, None)), 60, Decision::Open),
            (Some(count(0, 3, Some(0))), 61, Decision::Open),
            // Told within the day: not again; a day later: again.
            (Some(count(100_000, 3, Some(30_000))), 100_010, full(50, false)),
            (Some(count(200_000, 3, Some(100_000))), 200_010, full(50, true)),
        ];
        for (stored, now, want) in cases {
            assert_eq!(decide(stored.as_ref(), rule, t0 + s(now)), want, "{stored:?} at {now}");
        }
    }
}
