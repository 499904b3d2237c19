//! JIT membership: a user whose *proven* email is in a *verified* domain of an organization
//! with `jit_membership` joins it at sign-in (source=jit). Both proofs matter: an unverified
//! domain claim (anyone can claim any domain) or an unproven mailbox must never grant access.

use super::memberships::{add_member, Kind, MembershipError, NewMembership, Source};
use crate::domains::trust;
use crate::validation::Email;
use chrono::{DateTime, Utc};
use entities::{
    organization_domains as domains, organization_memberships as memberships, organization_policies as policies, users,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// The organizations that verified the domain of the user's proven email; JIT can only join these.
/// Read first, on the read pool, so a sign-in whose email domain no organization verified (the common
/// case) opens no write transaction.
pub async fn domain_owners<C: ConnectionTrait>(db: &C, user: &users::Model) -> Result<Vec<String>, DbErr> {
    if !user.email_verified {
        return Ok(Vec::new());
    }
    let Some(email) = Email::parse(&user.email) else {
        return Ok(Vec::new());
    };
    Ok(domains::Entity::find()
        .filter(domains::Column::Domain.eq(email.domain()))
        .filter(domains::Column::State.eq("verified"))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.organization_id)
        .collect())
}

/// Adds the memberships JIT grants `user` in `owners` (from [`domain_owners`]); returns the
/// organizations joined.
pub async fn join_by_verified_domain<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    user: &users::Model,
    owners: Vec<String>,
) -> Result<Vec<String>, MembershipError> {
    let Some(email) = Email::parse(&user.email) else {
        return Ok(Vec::new());
    };
    let mut joined = Vec::new();
    for org in owners {
        let policy = policies::Entity::find_by_id(org.clone()).one(db).await?;
        let jit_on = policy.is_some_and(|p| {
            let guest_domains: Vec<String> = serde_json::from_value(p.guest_domains).unwrap_or_default();
            // A guest domain's people join only by invitation, even where the domain is also verified.
            p.jit_membership && !trust::is_guest_domain(email.domain(), &guest_domains)
        });
        let already = memberships::Entity::find()
            .filter(memberships::Column::UserId.eq(user.id.clone()))
            .filter(memberships::Column::OrganizationId.eq(org.clone()))
            .one(db)
            .await?
            .is_some();
        if !jit_on || already {
            continue;
        }
        let new = NewMembership {
            user_id: user.id.parse().map_err(|_| MembershipError::UserNotFound)?,
            organization_id: org.parse().map_err(|_| MembershipError::OrganizationNotFound)?,
            role_slug: None,
            kind: Kind::Member,
            source: Source::Jit,
        };
        match add_member(db, now, new).await {
            Ok(_) => {
                tracing::info!(user_id = %user.id, organization_id = %org, "joined by JIT membership");
                joined.push(org);
            }
            // A concurrent sign-in added it first: the unique index keeps one.
            Err(MembershipError::AlreadyMember) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(joined)
}
