//! Organization domains: claim, verify through a DNS TXT record (now, and in the background
//! with backoff), delete. A verified domain belongs to one organization; the partial unique
//! index `organization_domains_verified` decides races between rival claims.

pub mod blocklist;
pub mod dns;
pub mod schedule;
pub mod trust;

use crate::context::Ctx;
use crate::events;
use crate::ids::{OrganizationDomainId, OrganizationId};
use crate::store::is_unique_violation;
use crate::validation::parse_domain;
use blocklist::Refusal;
use chrono::{DateTime, Duration, Utc};
use dns::Outcome;
use entities::{organization_domains as domains, organizations};
use rand::distr::{Alphanumeric, SampleString};
use schedule::Next;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use tracing::instrument;

const PENDING: &str = "pending";
const VERIFIED: &str = "verified";
const FAILED: &str = "failed";

/// Why a domain that another organization verified first can never verify for this one.
pub const REASON_TAKEN: &str = "taken";
/// Why a domain failed once its re-checks ran out (`schedule::GIVE_UP_AFTER`).
pub const REASON_GAVE_UP: &str = "gave up";

/// How long a background check holds a claimed row; a checker that dies leaves it to be
/// taken over after this. Checks are cut off long before (dns_timeout_ms).
const CLAIM_LOCK: Duration = Duration::minutes(5);
/// Domains checked per background run.
const RECHECK_BATCH: u64 = 20;

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("organization domain not found")]
    NotFound,
    #[error("organization not found")]
    OrganizationNotFound,
    #[error("`{0}` is not a valid domain name")]
    Invalid(String),
    #[error("{}", .0.message())]
    Refused(Refusal),
    #[error("the organization has already claimed {0}")]
    AlreadyClaimed(String),
    #[error("domain {0} is already verified by another organization")]
    Taken(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// How a claim is proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// A TXT record that the organization publishes.
    #[default]
    Dns,
    /// The operator vouches for it: verified at once.
    Manual,
}

/// Inserts a domain claim: verified now when an operator vouches for it (manual), else
/// pending with its first background check a minute away.
pub async fn insert_domain<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    domain: &str,
    verified: bool,
    now: DateTime<Utc>,
) -> Result<domains::Model, DbErr> {
    let token = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let first_check = match schedule::next_check(now, 0, now) {
        Next::CheckAt(at) => Some(at),
        Next::GiveUp => None,
    };
    domains::ActiveModel {
        id: Set(OrganizationDomainId::generate().into_string()),
        organization_id: Set(org_id.to_owned()),
        domain: Set(domain.to_owned()),
        state: Set(if verified { VERIFIED } else { PENDING }.to_owned()),
        verification_strategy: Set(if verified { "manual" } else { "dns" }.to_owned()),
        verification_token: Set(token),
        attempts: Set(0),
        failure_reason: Set(None),
        last_checked_at: Set(None),
        next_check_at: Set(if verified { None } else { first_check }),
        verified_at: Set(verified.then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// Claims `raw_domain` for an organization. Errors: `Invalid`, `Refused` (free-mail, public
/// suffix), `OrganizationNotFound`, `AlreadyClaimed` (by this organization), `Taken` (verified
/// by another; rival pending claims are allowed).
#[instrument(skip_all, fields(org_id = %org_id))]
pub async fn claim_domain(
    ctx: &Ctx,
    org_id: &OrganizationId,
    raw_domain: &str,
    strategy: Strategy,
) -> Result<domains::Model, DomainError> {
    let domain = parse_domain(raw_domain).ok_or_else(|| DomainError::Invalid(raw_domain.trim().to_owned()))?;
    if let Err(refusal) = blocklist::check(&domain) {
        tracing::info!(domain = %domain, reason = refusal.code(), "domain claim refused");
        return Err(DomainError::Refused(refusal));
    }
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    organizations::Entity::find_by_id(org_id.as_str())
        .one(&tx)
        .await?
        .ok_or(DomainError::OrganizationNotFound)?;
    let existing = domains::Entity::find()
        .filter(domains::Column::Domain.eq(&domain))
        .all(&tx)
        .await?;
    if existing.iter().any(|d| d.organization_id == org_id.as_str()) {
        return Err(DomainError::AlreadyClaimed(domain));
    }
    if existing.iter().any(|d| d.state == VERIFIED) {
        return Err(DomainError::Taken(domain));
    }
    let manual = strategy == Strategy::Manual;
    let claimed = insert_domain(&tx, org_id.as_str(), &domain, manual, now)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                DomainError::Taken(domain.clone())
            } else {
                DomainError::Db(err)
            }
        })?;
    events::append(
        &tx,
        now,
        "organization_domain.created",
        Some(&claimed.organization_id),
        domain_event(&claimed),
    )
    .await?;
    if manual {
        events::append(
            &tx,
            now,
            "organization_domain.verified",
            Some(&claimed.organization_id),
            domain_event(&claimed),
        )
        .await?;
    }
    tx.commit().await?;
    ctx.caches.organizations.remove(&claimed.organization_id);
    tracing::info!(domain_id = %claimed.id, manual, "domain claimed");
    Ok(claimed)
}

pub async fn get_domain(ctx: &Ctx, id: &OrganizationDomainId) -> Result<domains::Model, DomainError> {
    domains::Entity::find_by_id(id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(DomainError::NotFound)
}

/// Checks the TXT record now. Returns the domain verified, or still pending with the reason
/// and its next check, or failed once the deadline has passed. `Taken` when another
/// organization verified the domain first (this claim then fails with reason "taken").
#[instrument(skip_all, fields(domain_id = %id))]
pub async fn verify_domain_now(ctx: &Ctx, id: &OrganizationDomainId) -> Result<domains::Model, DomainError> {
    let row = get_domain(ctx, id).await?;
    if row.state == VERIFIED {
        return Ok(row);
    }
    let outcome = dns::check(&ctx.config, &row.domain, &row.verification_token).await;
    record_check(ctx, row, outcome).await
}

#[instrument(skip_all, fields(domain_id = %id))]
pub async fn delete_domain(ctx: &Ctx, id: &OrganizationDomainId) -> Result<(), DomainError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let row = domains::Entity::find_by_id(id.as_str())
        .one(&tx)
        .await?
        .ok_or(DomainError::NotFound)?;
    domains::Entity::delete_by_id(id.as_str()).exec(&tx).await?;
    events::append(
        &tx,
        now,
        "organization_domain.deleted",
        Some(&row.organization_id),
        domain_event(&row),
    )
    .await?;
    tx.commit().await?;
    ctx.caches.organizations.remove(&row.organization_id);
    Ok(())
}

/// Checks the pending domains whose `next_check_at` has come, and records each outcome.
/// Returns how many were checked.
pub async fn recheck_due_domains(ctx: &Ctx) -> Result<usize, DbErr> {
    let due = claim_due(ctx, ctx.now()).await?;
    let count = due.len();
    for row in due {
        let id = row.id.clone();
        let outcome = dns::check(&ctx.config, &row.domain, &row.verification_token).await;
        match record_check(ctx, row, outcome).await {
            Ok(checked) => tracing::debug!(domain_id = %id, state = %checked.state, "domain re-checked"),
            Err(DomainError::Db(err)) => return Err(err),
            Err(err) => tracing::info!(domain_id = %id, error = %err, "domain re-check failed"),
        }
    }
    Ok(count)
}

/// Runs `recheck_due_domains` every `domain_recheck_interval_secs`.
pub fn spawn_rechecker(ctx: Ctx) -> tokio::task::JoinHandle<()> {
    let every = std::time::Duration::from_secs(std::cmp::max(ctx.config.domain_recheck_interval_secs, 1));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if let Err(err) = recheck_due_domains(&ctx).await {
                tracing::warn!(error = %err, "domain re-check run failed");
            }
        }
    })
}

fn due(now: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(domains::Column::State.eq(PENDING))
        .add(domains::Column::VerificationStrategy.eq("dns"))
        .add(domains::Column::NextCheckAt.lte(now))
}

/// Claims due domains for this checker by pushing their `next_check_at` past `CLAIM_LOCK`.
/// `FOR UPDATE SKIP LOCKED` lets checkers on several PostgreSQL nodes work side by side; on
/// both databases the guarded UPDATE gives each row to exactly one checker.
async fn claim_due(ctx: &Ctx, now: DateTime<Utc>) -> Result<Vec<domains::Model>, DbErr> {
    // An idle run reads only, so it never queues for SQLite's one writer.
    let any_due = domains::Entity::find()
        .select_only()
        .column(domains::Column::Id)
        .filter(due(now))
        .into_tuple::<String>()
        .one(ctx.db.read())
        .await?;
    if any_due.is_none() {
        return Ok(Vec::new());
    }
    let tx = ctx.db.begin().await?;
    let mut select = domains::Entity::find()
        .select_only()
        .column(domains::Column::Id)
        .filter(due(now))
        .order_by_asc(domains::Column::NextCheckAt)
        .limit(RECHECK_BATCH);
    if tx.get_database_backend() == DbBackend::Postgres {
        select = select.lock_with_behavior(
            sea_orm::sea_query::LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        );
    }
    let ids: Vec<String> = select.into_tuple().all(&tx).await?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        let updated = domains::Entity::update_many()
            .col_expr(domains::Column::NextCheckAt, Expr::value(Some(now + CLAIM_LOCK)))
            .filter(domains::Column::Id.eq(id.as_str()))
            .filter(due(now))
            .exec(&tx)
            .await?;
        if updated.rows_affected == 1 {
            claimed.push(id);
        }
    }
    let rows = if claimed.is_empty() {
        Vec::new()
    } else {
        domains::Entity::find()
            .filter(domains::Column::Id.is_in(claimed))
            .all(&tx)
            .await?
    };
    tx.commit().await?;
    Ok(rows)
}

/// Writes the outcome of a check of `row`. The UPDATE is guarded by the state the check
/// started from, so a concurrent check or delete is not overwritten.
async fn record_check(ctx: &Ctx, row: domains::Model, outcome: Outcome) -> Result<domains::Model, DomainError> {
    let now = ctx.now();
    if outcome == Outcome::Verified {
        return match mark_verified(ctx, &row, now).await {
            Err(err) if is_unique_violation(&err) => {
                fail(ctx, &row, REASON_TAKEN, now).await?;
                tracing::info!(domain_id = %row.id, "domain already verified by another organization");
                Err(DomainError::Taken(row.domain))
            }
            other => other?.ok_or(DomainError::NotFound),
        };
    }
    let reason = outcome.reason().unwrap_or_default();
    let attempts = row.attempts.saturating_add(1);
    tracing::info!(domain_id = %row.id, reason = %reason, attempts, "domain not verified");
    let next = if row.state == FAILED {
        // An explicit check of a failed domain reports what it saw; it stays failed.
        None
    } else {
        match schedule::next_check(row.created_at, attempts, now) {
            Next::CheckAt(at) => Some(at),
            Next::GiveUp => {
                return fail(ctx, &row, REASON_GAVE_UP, now).await;
            }
        }
    };
    domains::Entity::update_many()
        .col_expr(domains::Column::Attempts, Expr::col(domains::Column::Attempts).add(1))
        .col_expr(domains::Column::FailureReason, Expr::value(Some(reason)))
        .col_expr(domains::Column::LastCheckedAt, Expr::value(Some(now)))
        .col_expr(domains::Column::NextCheckAt, Expr::value(next))
        .col_expr(domains::Column::UpdatedAt, Expr::value(now))
        .filter(domains::Column::Id.eq(row.id.as_str()))
        .filter(domains::Column::State.eq(row.state.as_str()))
        .exec(ctx.db.write())
        .await?;
    ctx.caches.organizations.remove(&row.organization_id);
    reload(ctx.db.write(), &row.id).await?.ok_or(DomainError::NotFound)
}

async fn mark_verified(ctx: &Ctx, row: &domains::Model, now: DateTime<Utc>) -> Result<Option<domains::Model>, DbErr> {
    let tx = ctx.db.begin().await?;
    let updated = domains::Entity::update_many()
        .col_expr(domains::Column::State, Expr::value(VERIFIED))
        .col_expr(domains::Column::Attempts, Expr::col(domains::Column::Attempts).add(1))
        .col_expr(domains::Column::FailureReason, Expr::value(None::<String>))
        .col_expr(domains::Column::LastCheckedAt, Expr::value(Some(now)))
        .col_expr(domains::Column::NextCheckAt, Expr::value(None::<DateTime<Utc>>))
        .col_expr(domains::Column::VerifiedAt, Expr::value(Some(now)))
        .col_expr(domains::Column::UpdatedAt, Expr::value(now))
        .filter(domains::Column::Id.eq(row.id.as_str()))
        .filter(domains::Column::State.eq(row.state.as_str()))
        .exec(&tx)
        .await?;
    let Some(verified) = reload(&tx, &row.id).await? else {
        return Ok(None);
    };
    if updated.rows_affected == 1 {
        events::append(
            &tx,
            now,
            "organization_domain.verified",
            Some(&verified.organization_id),
            domain_event(&verified),
        )
        .await?;
        tracing::info!(domain_id = %verified.id, "domain verified");
    }
    tx.commit().await?;
    ctx.caches.organizations.remove(&verified.organization_id);
    Ok(Some(verified))
}

/// Fails the claim for good with `reason` and tells subscribers.
async fn fail(
    ctx: &Ctx,
    row: &domains::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<domains::Model, DomainError> {
    let tx = ctx.db.begin().await?;
    let updated = domains::Entity::update_many()
        .col_expr(domains::Column::State, Expr::value(FAILED))
        .col_expr(domains::Column::Attempts, Expr::col(domains::Column::Attempts).add(1))
        .col_expr(domains::Column::FailureReason, Expr::value(Some(reason.to_owned())))
        .col_expr(domains::Column::LastCheckedAt, Expr::value(Some(now)))
        .col_expr(domains::Column::NextCheckAt, Expr::value(None::<DateTime<Utc>>))
        .col_expr(domains::Column::UpdatedAt, Expr::value(now))
        .filter(domains::Column::Id.eq(row.id.as_str()))
        .filter(domains::Column::State.eq(row.state.as_str()))
        .exec(&tx)
        .await?;
    let failed = reload(&tx, &row.id).await?.ok_or(DomainError::NotFound)?;
    if updated.rows_affected == 1 {
        events::append(
            &tx,
            now,
            "organization_domain.verification_failed",
            Some(&failed.organization_id),
            domain_event(&failed),
        )
        .await?;
        tracing::info!(domain_id = %failed.id, reason, "domain verification failed");
    }
    tx.commit().await?;
    ctx.caches.organizations.remove(&failed.organization_id);
    Ok(failed)
}

async fn reload<C: ConnectionTrait>(db: &C, id: &str) -> Result<Option<domains::Model>, DbErr> {
    domains::Entity::find_by_id(id).one(db).await
}

/// The organization that verified `domain`, if any (a verified domain has exactly one owner).
pub async fn verified_owner<C: ConnectionTrait>(db: &C, domain: &str) -> Result<Option<String>, DbErr> {
    Ok(domains::Entity::find()
        .filter(domains::Column::Domain.eq(domain.to_lowercase()))
        .filter(domains::Column::State.eq("verified"))
        .one(db)
        .await?
        .map(|d| d.organization_id))
}

/// Whether `domain` is verified by `org_id`: the test behind trusting an IdP-asserted email.
pub async fn verified_by<C: ConnectionTrait>(db: &C, org_id: &str, domain: &str) -> Result<bool, DbErr> {
    Ok(verified_owner(db, domain).await?.as_deref() == Some(org_id))
}

pub fn domain_event(d: &domains::Model) -> serde_json::Value {
    json!({
        "object": "organization_domain",
        "id": d.id,
        "organization_id": d.organization_id,
        "domain": d.domain,
        "state": d.state,
        "verification_strategy": d.verification_strategy,
        "failure_reason": d.failure_reason,
        "verified_at": d.verified_at,
    })
}
