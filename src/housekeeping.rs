//! Deletes the short-lived rows whose time is up: SSO and social sign-in hand-offs (pending logins
//! and codes), pending authentications, emailed one-time codes, MFA challenges, idempotency records,
//! portal links and the SAML replay cache. Nothing else removes them, and some are created by
//! unauthenticated requests, so without this they would grow without bound.
//!
//! A row is kept for `GRACE` past its expiry, so a client that presents it late is still told it
//! expired rather than that it never existed.

use crate::context::Ctx;
use chrono::{DateTime, Duration, Utc};
use entities::{
    idempotency_keys, mfa_challenges, one_time_codes, pending_authentications, portal_links, saml_replay_cache,
    social_codes, social_pending_logins, sso_codes, sso_pending_logins,
};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

pub const GRACE: Duration = Duration::days(1);
const EVERY: std::time::Duration = std::time::Duration::from_secs(15 * 60);
/// Rows deleted per statement, so a large backlog never holds SQLite's one writer for long.
const BATCH: u64 = 500;

/// Sweeps each table by the `id` and `expires_at` columns all of them have; evaluates to the rows deleted.
macro_rules! sweep_tables {
    ($db:expr, $cutoff:expr, [$($table:ident),+ $(,)?]) => {{
        let mut deleted = 0;
        $(
            deleted += sweep_table($db, $table::Entity, $table::Column::Id, $table::Column::ExpiresAt, $cutoff).await?;
        )+
        deleted
    }};
}

/// Deletes every row that expired more than `GRACE` ago; returns how many.
pub async fn sweep(ctx: &Ctx) -> Result<u64, DbErr> {
    let cutoff = ctx.now() - GRACE;
    Ok(sweep_tables!(
        ctx.db.write(),
        cutoff,
        [
            sso_pending_logins,
            sso_codes,
            social_pending_logins,
            social_codes,
            pending_authentications,
            one_time_codes,
            mfa_challenges,
            idempotency_keys,
            portal_links,
            saml_replay_cache,
        ]
    ))
}

/// Runs `sweep` every 15 minutes.
pub fn spawn_sweeper(ctx: Ctx) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(EVERY).await;
            match sweep(&ctx).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "expired rows swept"),
                Err(err) => tracing::warn!(error = %err, "sweeping expired rows failed"),
            }
        }
    })
}

async fn sweep_table<E: EntityTrait>(
    db: &DatabaseConnection,
    table: E,
    id: E::Column,
    expires_at: E::Column,
    cutoff: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut deleted = 0;
    loop {
        let batch = Query::select()
            .column(id)
            .from(table)
            .and_where(expires_at.lt(cutoff))
            .limit(BATCH)
            .to_owned();
        let done = E::delete_many()
            .filter(id.in_subquery(batch))
            .exec(db)
            .await?
            .rows_affected;
        deleted += done;
        if done < BATCH {
            return Ok(deleted);
        }
    }
}
