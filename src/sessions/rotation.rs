//! The rotation writer: one task applies the queued refresh-token rotations, as many as are waiting
//! (up to `BATCH`) in one write transaction.
//!
//! On SQLite every write waits for the one writer connection, and handing it over, committing and
//! waking the next waiter cost more than the rotation's UPDATE itself; a batch pays them once for
//! every rotation that queued meanwhile. Each rotation is still its own conditional UPDATE, run in
//! arrival order, so of two uses of one token in a batch the second finds the token already spent.
//! The batch also reads the users of the sessions it rotated, which every grant answers with, and
//! what the sessions were before (last seen, organization), which the caller's admission check
//! needs and an undone rotation puts back, so a refresh makes no other database round trip.

use crate::store::Db;
use chrono::{DateTime, Utc};
use entities::{sessions, users};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use std::sync::OnceLock;
use tokio::sync::{mpsc, oneshot};

/// The most rotations one transaction applies, which bounds how long it holds the writer.
const BATCH: usize = 128;
/// Rotations waiting beyond this make their callers wait to queue.
const QUEUE: usize = 1024;

/// Moves a session's live token from `presented_hash` to `next_hash`, if that is still its live
/// token and the session is alive at `now`.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub session_id: String,
    pub presented_hash: String,
    pub next_hash: String,
    pub now: DateTime<Utc>,
    /// The session must have been seen after this to count as alive.
    pub idle_since: DateTime<Utc>,
    /// Moves the session into this organization.
    pub organization_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Rotated {
    pub session: sessions::Model,
    /// Absent only if the user was deleted, which deletes their sessions too.
    pub user: Option<users::Model>,
    /// What the session was before this rotation touched it.
    pub before: Before,
}

/// The columns a rotation overwrites besides the token, as they were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Before {
    pub last_seen_at: DateTime<Utc>,
    pub organization_id: Option<String>,
}

type Answer = Result<Option<Rotated>, DbErr>;

struct Job {
    rotation: Rotation,
    reply: oneshot::Sender<Answer>,
}

/// The queue to the rotation writer, started by the first rotation on the runtime that makes it.
#[derive(Default)]
pub struct Rotations {
    queue: OnceLock<mpsc::Sender<Job>>,
}

/// Applies `rotation` in the writer's next batch: the rotated session and its user, or `None` when
/// the session did not match (its token was spent, or it is revoked, expired or gone).
pub async fn rotate(db: &Db, rotations: &Rotations, rotation: Rotation) -> Answer {
    let queue = rotations.queue.get_or_init(|| {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(run(db.clone(), jobs));
        queue
    });
    let (reply, answer) = oneshot::channel();
    queue.send(Job { rotation, reply }).await.map_err(|_| stopped())?;
    answer.await.map_err(|_| stopped())?
}

fn stopped() -> DbErr {
    DbErr::Custom("the rotation writer has stopped".into())
}

/// Ends when every sender is gone, that is with the `Rotations` (in the `Ctx`) that started it.
async fn run(db: Db, mut queue: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut jobs, BATCH).await > 0 {
        // A caller that has gone away can no longer receive its new token: its session stays as it was.
        jobs.retain(|job| !job.reply.is_closed());
        if !jobs.is_empty() {
            write(&db, std::mem::take(&mut jobs)).await;
        }
    }
}

/// Why a batch was not applied.
#[derive(Debug)]
enum Failed {
    /// BEGIN or COMMIT failed. After a failed COMMIT (a lost connection) the batch may still have
    /// been applied, and running it again would find its tokens spent and revoke their sessions as
    /// replayed: every rotation of the batch answers the error instead.
    Batch(DbErr),
    /// One rotation's statement failed and the batch was rolled back.
    Rotation(DbErr),
}

async fn write(db: &Db, jobs: Vec<Job>) {
    let rotations: Vec<&Rotation> = jobs.iter().map(|job| &job.rotation).collect();
    match apply(db, &rotations).await {
        Ok(rotated) => {
            for (job, session) in jobs.into_iter().zip(rotated) {
                // The caller may have gone away since; its rotation stands, as it would have alone.
                let _ = job.reply.send(Ok(session));
            }
        }
        Err(Failed::Rotation(err)) if jobs.len() > 1 => {
            // Nothing was applied: each rotation alone, so that one failing does not fail the others.
            tracing::warn!(error = %err, size = jobs.len(), "a rotation batch failed; applying its rotations one by one");
            for job in jobs {
                let answer = match apply(db, &[&job.rotation]).await {
                    Ok(mut rotated) => Ok(rotated.pop().flatten()),
                    Err(Failed::Batch(err) | Failed::Rotation(err)) => Err(err),
                };
                let _ = job.reply.send(answer);
            }
        }
        Err(Failed::Batch(err) | Failed::Rotation(err)) => {
            let message = err.to_string();
            let mut jobs = jobs.into_iter();
            if let Some(first) = jobs.next() {
                let _ = first.reply.send(Err(err));
            }
            for job in jobs {
                let _ = job.reply.send(Err(DbErr::Custom(message.clone())));
            }
        }
    }
}

/// Runs the rotations in order in one transaction; the i-th answer is the i-th rotation's.
async fn apply(db: &Db, rotations: &[&Rotation]) -> Result<Vec<Option<Rotated>>, Failed> {
    let tx = db.begin().await.map_err(Failed::Batch)?;
    let rotated = match rotate_all(&tx, rotations).await {
        Ok(rotated) => rotated,
        Err(err) => {
            let _ = tx.rollback().await;
            return Err(Failed::Rotation(err));
        }
    };
    tx.commit().await.map_err(Failed::Batch)?;
    Ok(rotated)
}

async fn rotate_all(tx: &DatabaseTransaction, rotations: &[&Rotation]) -> Result<Vec<Option<Rotated>>, DbErr> {
    let before = states_before(tx, rotations).await?;
    let mut sessions = Vec::with_capacity(rotations.len());
    for rotation in rotations {
        sessions.push(rotate_in(tx, rotation).await?);
    }
    let mut user_ids: Vec<&str> = sessions.iter().flatten().map(|s| s.user_id.as_str()).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let mut users: HashMap<String, users::Model> = HashMap::new();
    if !user_ids.is_empty() {
        let found = users::Entity::find()
            .filter(users::Column::Id.is_in(user_ids))
            .all(tx)
            .await?;
        users = found.into_iter().map(|u| (u.id.clone(), u)).collect();
    }
    Ok(sessions
        .into_iter()
        .map(|session| {
            let session = session?;
            Some(Rotated {
                user: users.get(&session.user_id).cloned(),
                // A session that rotated was read by `states_before` in this transaction.
                before: before.get(&session.id).cloned()?,
                session,
            })
        })
        .collect())
}

/// What the sessions of `rotations` are before the batch rotates them, by session id.
async fn states_before(tx: &DatabaseTransaction, rotations: &[&Rotation]) -> Result<HashMap<String, Before>, DbErr> {
    let ids: Vec<&str> = rotations.iter().map(|r| r.session_id.as_str()).collect();
    let rows: Vec<(String, DateTime<Utc>, Option<String>)> = sessions::Entity::find()
        .select_only()
        .columns([
            sessions::Column::Id,
            sessions::Column::LastSeenAt,
            sessions::Column::OrganizationId,
        ])
        .filter(sessions::Column::Id.is_in(ids))
        .into_tuple()
        .all(tx)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, last_seen_at, organization_id)| {
            (
                id,
                Before {
                    last_seen_at,
                    organization_id,
                },
            )
        })
        .collect())
}

/// Puts back a session that `rotated` moved from `presented_hash` to `next_hash`, as long as
/// `next_hash` is still its live token (nobody else has held that token: it was never handed out).
pub async fn undo<C: sea_orm::ConnectionTrait>(
    db: &C,
    rotated: &Rotated,
    presented_hash: &str,
    next_hash: &str,
) -> Result<(), DbErr> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RefreshTokenHash, Expr::value(presented_hash))
        .col_expr(sessions::Column::LastSeenAt, Expr::value(rotated.before.last_seen_at))
        .col_expr(
            sessions::Column::OrganizationId,
            Expr::value(rotated.before.organization_id.clone()),
        )
        .filter(sessions::Column::Id.eq(rotated.session.id.as_str()))
        .filter(sessions::Column::RefreshTokenHash.eq(next_hash))
        .exec(db)
        .await?;
    Ok(())
}

async fn rotate_in(tx: &DatabaseTransaction, r: &Rotation) -> Result<Option<sessions::Model>, DbErr> {
    let mut update = sessions::Entity::update_many()
        .col_expr(sessions::Column::RefreshTokenHash, Expr::value(r.next_hash.clone()))
        .col_expr(sessions::Column::LastSeenAt, Expr::value(r.now));
    if let Some(org) = &r.organization_id {
        update = update.col_expr(sessions::Column::OrganizationId, Expr::value(org.clone()));
    }
    let rotated = update
        .filter(sessions::Column::Id.eq(r.session_id.as_str()))
        .filter(sessions::Column::RefreshTokenHash.eq(r.presented_hash.as_str()))
        .filter(sessions::Column::RevokedAt.is_null())
        .filter(sessions::Column::ExpiresAt.gt(r.now))
        .filter(sessions::Column::LastSeenAt.gt(r.idle_since))
        .exec_with_returning(tx)
        .await?;
    Ok(rotated.into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ActiveModelTrait, Set};
    use serde_json::json;

    async fn db_with_sessions(ids: &[&str]) -> Db {
        let db = Db::connect("sqlite::memory:", 1).await.unwrap();
        Migrator::up(db.write(), None).await.unwrap();
        let now = Utc::now();
        entities::users::ActiveModel {
            id: Set("user_1".into()),
            email: Set("a@example.com".into()),
            email_normalized: Set("a@example.com".into()),
            email_verified: Set(true),
            first_name: Set(None),
            last_name: Set(None),
            external_id: Set(None),
            metadata: Set(json!({})),
            last_sign_in_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db.write())
        .await
        .unwrap();
        for id in ids {
            sessions::ActiveModel {
                id: Set((*id).into()),
                user_id: Set("user_1".into()),
                client_id: Set("client_1".into()),
                organization_id: Set(None),
                auth_methods: Set(json!([])),
                mfa_at: Set(None),
                ip_address: Set(None),
                user_agent: Set(None),
                created_at: Set(now),
                last_seen_at: Set(now),
                expires_at: Set(now + Duration::hours(1)),
                revoked_at: Set(None),
                revoked_reason: Set(None),
                refresh_token_hash: Set(Some(format!("{id}:0"))),
            }
            .insert(db.write())
            .await
            .unwrap();
        }
        db
    }

    fn rotation(session: &str, from: &str, to: &str) -> Rotation {
        let now = Utc::now();
        Rotation {
            session_id: session.into(),
            presented_hash: from.into(),
            next_hash: to.into(),
            now,
            idle_since: now - Duration::hours(1),
            organization_id: None,
        }
    }

    fn job(rotation: Rotation) -> (Job, oneshot::Receiver<Answer>) {
        let (reply, answer) = oneshot::channel();
        (Job { rotation, reply }, answer)
    }

    async fn live_hash(db: &Db, id: &str) -> Option<String> {
        sessions::Entity::find_by_id(id)
            .one(db.read())
            .await
            .unwrap()
            .unwrap()
            .refresh_token_hash
    }

    fn hashes(answers: &[Option<Rotated>]) -> Vec<Option<&str>> {
        answers
            .iter()
            .map(|r| r.as_ref().and_then(|r| r.session.refresh_token_hash.as_deref()))
            .collect()
    }

    #[tokio::test]
    async fn a_batch_applies_its_rotations_in_order_and_a_second_use_of_one_token_finds_it_spent() {
        let db = db_with_sessions(&["s1", "s2"]).await;
        let batch = [
            rotation("s1", "s1:0", "s1:1"),
            rotation("s1", "s1:0", "s1:x"),
            rotation("s2", "s2:0", "s2:1"),
            rotation("s1", "s1:1", "s1:2"),
            rotation("s2", "s1:2", "s2:x"),
            rotation("gone", "gone:0", "gone:1"),
        ];
        let rotated = apply(&db, &batch.iter().collect::<Vec<_>>()).await.unwrap();
        assert_eq!(
            hashes(&rotated),
            [Some("s1:1"), None, Some("s2:1"), Some("s1:2"), None, None]
        );
        assert_eq!(live_hash(&db, "s1").await.as_deref(), Some("s1:2"));
        assert_eq!(live_hash(&db, "s2").await.as_deref(), Some("s2:1"));
        for r in rotated.iter().flatten() {
            assert_eq!(r.user.as_ref().map(|u| u.id.as_str()), Some("user_1"));
        }
    }

    #[tokio::test]
    async fn a_revoked_or_idle_session_does_not_rotate() {
        let db = db_with_sessions(&["s1", "s2"]).await;
        sessions::Entity::update_many()
            .col_expr(sessions::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(sessions::Column::Id.eq("s1"))
            .exec(db.write())
            .await
            .unwrap();
        let mut idle = rotation("s2", "s2:0", "s2:1");
        idle.idle_since = Utc::now();
        let rotated = apply(&db, &[&rotation("s1", "s1:0", "s1:1"), &idle]).await.unwrap();
        assert_eq!(hashes(&rotated), [None, None]);
        assert_eq!(live_hash(&db, "s2").await.as_deref(), Some("s2:0"));
    }

    #[tokio::test]
    async fn a_failing_rotation_fails_alone_and_the_rest_of_its_batch_is_applied_once() {
        let db = db_with_sessions(&["s1", "s2", "s3"]).await;
        let (first, first_answer) = job(rotation("s1", "s1:0", "s1:1"));
        // The new hash is another session's live one: the unique index refuses the statement.
        let (failing, failing_answer) = job(rotation("s2", "s2:0", "s3:0"));
        let (last, last_answer) = job(rotation("s3", "s3:0", "s3:1"));
        write(&db, vec![first, failing, last]).await;

        let first = first_answer.await.unwrap().unwrap().unwrap();
        assert_eq!(first.session.refresh_token_hash.as_deref(), Some("s1:1"));
        assert!(failing_answer.await.unwrap().is_err());
        let last = last_answer.await.unwrap().unwrap().unwrap();
        assert_eq!(last.session.refresh_token_hash.as_deref(), Some("s3:1"));
        assert_eq!(live_hash(&db, "s2").await.as_deref(), Some("s2:0"));
    }

    #[tokio::test]
    async fn a_rotation_whose_caller_has_gone_is_not_applied_and_the_writer_goes_on() {
        let db = db_with_sessions(&["s1", "s2"]).await;
        let (queue, jobs) = mpsc::channel(QUEUE);
        let (gone, gone_answer) = job(rotation("s1", "s1:0", "s1:1"));
        drop(gone_answer);
        let (waiting, waiting_answer) = job(rotation("s2", "s2:0", "s2:1"));
        queue.send(gone).await.unwrap();
        queue.send(waiting).await.unwrap();
        drop(queue);
        run(db.clone(), jobs).await;

        let rotated = waiting_answer.await.unwrap().unwrap().unwrap();
        assert_eq!(rotated.session.refresh_token_hash.as_deref(), Some("s2:1"));
        assert_eq!(live_hash(&db, "s1").await.as_deref(), Some("s1:0"));
    }

    #[tokio::test]
    async fn a_rotation_reports_the_session_before_it_and_an_undo_puts_that_back() {
        let db = db_with_sessions(&["s1"]).await;
        let seen = sessions::Entity::find_by_id("s1")
            .one(db.write())
            .await
            .unwrap()
            .unwrap()
            .last_seen_at;
        let mut switch = rotation("s1", "s1:0", "s1:1");
        switch.now = seen + Duration::minutes(5);
        switch.organization_id = Some("org_1".into());
        let rotated = apply(&db, &[&switch]).await.unwrap().pop().flatten().unwrap();
        assert_eq!(
            rotated.before,
            Before {
                last_seen_at: seen,
                organization_id: None
            }
        );
        assert_eq!(rotated.session.organization_id.as_deref(), Some("org_1"));

        // An undo that names a token the session no longer has changes nothing.
        undo(db.write(), &rotated, "s1:0", "s1:other").await.unwrap();
        assert_eq!(live_hash(&db, "s1").await.as_deref(), Some("s1:1"));

        undo(db.write(), &rotated, "s1:0", "s1:1").await.unwrap();
        let restored = sessions::Entity::find_by_id("s1")
            .one(db.write())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                restored.refresh_token_hash.as_deref(),
                restored.last_seen_at,
                restored.organization_id
            ),
            (Some("s1:0"), seen, None)
        );
    }
}
