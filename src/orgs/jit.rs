//! JIT membership: a user whose *proven* email is in a *verified* domain of an organization
//! with `jit_membership` joins it at sign-in (source=jit). Both proofs matter: an unverified
//! domain claim (anyone can claim any domain) or an unproven mailbox must never grant access.

use super::memberships::{add_member, Kind, MembershipError, NewMembership, Source};
use crate::domains::trust;
use crate::store::string_list;
use crate::validation::Email;
use chrono::{DateTime, Utc};
use entities::{organization_memberships as memberships, organization_policies as policies, users};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// The organization JIT may join `user` to: `domain_owner`, the organization that verified the
/// domain of the user's email, and only once the email itself is proven.
pub fn owner_to_join(user: &users::Model, domain_owner: Option<&str>) -> Option<String> {
    domain_owner.filter(|_| user.email_verified).map(str::to_owned)
}

/// Adds the membership JIT grants `user` in `org` (from [`owner_to_join`]) when its policy has
/// JIT membership on; returns whether the user joined.
pub async fn join_by_verified_domain<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    user: &users::Model,
    org: String,
) -> Result<bool, MembershipError> {
    let Some(email) = Email::parse(&user.email) else {
        return Ok(false);
    };
    let jit_on = match policies::Entity::find_by_id(org.clone()).one(db).await? {
        None => false,
        Some(p) => {
            let guest_domains = string_list("organization_policies.guest_domains", &p.guest_domains)?;
            // A guest domain's people join only by invitation, even where the domain is also verified.
            p.jit_membership && !trust::is_guest_domain(email.domain(), &guest_domains)
        }
    };
    let already = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user.id.clone()))
        .filter(memberships::Column::OrganizationId.eq(org.clone()))
        .one(db)
        .await?
        .is_some();
    if !jit_on || already {
        return Ok(false);
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
            Ok(true)
        }
        // A concurrent sign-in added it first: the unique index keeps one.
        Err(MembershipError::AlreadyMember) => Ok(false),
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email_verified: bool) -> users::Model {
        let now = Utc::now();
        users::Model {
            id: "user_01".into(),
            email: "ada@example.com".into(),
            email_normalized: "ada@example.com".into(),
            email_verified,
            first_name: None,
            last_name: None,
            external_id: None,
            metadata: serde_json::json!({}),
            last_sign_in_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn only_a_proven_email_joins_the_domain_owner() {
        let cases = [
            (true, Some("org_a"), Some("org_a")),
            (false, Some("org_a"), None),
            (true, None, None),
            (false, None, None),
        ];
        for (email_verified, owner, expected) in cases {
            assert_eq!(
                owner_to_join(&user(email_verified), owner).as_deref(),
                expected,
                "email_verified={email_verified} owner={owner:?}"
            );
        }
    }
}
