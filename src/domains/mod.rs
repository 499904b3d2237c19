//! Organization domains. Issue-level verification (DNS TXT, re-checks) grows here; for now
//! domains arrive through `domain_data` on an organization.

use chrono::{DateTime, Utc};
use entities::organization_domains as domains;
use rand::distr::{Alphanumeric, SampleString};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

/// Inserts a domain claim: verified now when an operator vouches for it (manual), else pending.
pub async fn insert_domain<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    domain: &str,
    verified: bool,
    now: DateTime<Utc>,
) -> Result<domains::Model, DbErr> {
    let token = Alphanumeric.sample_string(&mut rand::rng(), 32);
    domains::ActiveModel {
        id: Set(crate::ids::OrganizationDomainId::generate().into_string()),
        organization_id: Set(org_id.to_owned()),
        domain: Set(domain.to_owned()),
        state: Set(if verified { "verified" } else { "pending" }.to_owned()),
        verification_strategy: Set(if verified { "manual" } else { "dns" }.to_owned()),
        verification_token: Set(token),
        attempts: Set(0),
        failure_reason: Set(None),
        last_checked_at: Set(None),
        next_check_at: Set(None),
        verified_at: Set(verified.then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}
