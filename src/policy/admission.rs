//! May this session carry organization X? The one answer for every path that puts an
//! organization into a token: sign-in, organization selection, switching, step-up and every
//! refresh. A session carries an organization only while the user is an active member there and
//! the organization's policy, as it reads now, holds for the session (`evaluate`). A policy
//! tightened after the session began therefore takes hold at the next refresh.

use super::evaluate::{evaluate, AuthFact, OrgPolicy, Requirement, SessionFacts, Verdict};
use super::policies::{self, PolicyError};
use crate::context::Ctx;
use chrono::{DateTime, Utc};
use entities::organization_memberships as memberships;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// No membership there, or one that is not active (deactivated, pending).
    NotAMember,
    /// The policy asks for more than the session has proven.
    Requires(Vec<Requirement>),
}

/// The pure rule: an active membership first, then the policy's verdict.
pub fn admit(membership_status: Option<&str>, verdict: impl FnOnce() -> Verdict) -> Admission {
    if membership_status != Some("active") {
        return Admission::NotAMember;
    }
    let verdict = verdict();
    if verdict.satisfied() {
        Admission::Admitted
    } else {
        Admission::Requires(verdict.requirements)
    }
}

/// The membership half of the rule alone, for organization selection: the user picks among their
/// memberships there, and the policy half follows as the sign-in continues (`may_carry`).
pub async fn is_active_member<C: ConnectionTrait>(db: &C, user_id: &str, org_id: &str) -> Result<bool, DbErr> {
    let membership = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::OrganizationId.eq(org_id))
        .one(db)
        .await?;
    let status = membership.map(|m| m.status);
    Ok(admit(status.as_deref(), Verdict::default) == Admission::Admitted)
}

/// What the session (or the sign-in about to become one) has proven.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub user_id: &'a str,
    pub methods: Vec<AuthFact>,
    pub mfa_at: Option<DateTime<Utc>>,
    pub last_seen_at: DateTime<Utc>,
}

/// Answers for `candidate` entering (or staying in) `org_id`. Reads the membership and the policy
/// together (the policy's session rules from `ctx.caches.session_rules`), and the organization's
/// connections and the user's factors only when the policy asks about them, so a refresh in an
/// organization with the default policy costs one indexed read.
pub async fn may_carry(
    ctx: &Ctx,
    org_id: &str,
    candidate: Candidate<'_>,
    now: DateTime<Utc>,
) -> Result<Admission, PolicyError> {
    Ok(may_carry_as_member(ctx, org_id, candidate, now).await?.0)
}

/// [`may_carry`], with the active membership it found when it admits, for the caller that goes on
/// to use it (the refresh grant signs its role into the token).
pub async fn may_carry_as_member(
    ctx: &Ctx,
    org_id: &str,
    candidate: Candidate<'_>,
    now: DateTime<Utc>,
) -> Result<(Admission, Option<memberships::Model>), PolicyError> {
    let db = ctx.db.read();
    let membership = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(candidate.user_id))
        .filter(memberships::Column::OrganizationId.eq(org_id))
        .one(db);
    let (membership, policy) = tokio::try_join!(membership, policies::session_rules(ctx, org_id))?;
    let Some(membership) = membership.filter(|m| m.status == "active") else {
        return Ok((admit(None, Verdict::default), None));
    };
    let rules = policy.unwrap_or_default();
    let (connections, has_mfa_factor) = tokio::try_join!(
        async {
            match asks_about_sso(&rules) {
                true => policies::active_connection_ids(db, org_id).await,
                false => Ok(Vec::new()),
            }
        },
        async {
            match rules.mfa_required && candidate.mfa_at.is_none() {
                true => Ok::<_, DbErr>(
                    !crate::identity::mfa::verified_factors(db, candidate.user_id)
                        .await?
                        .is_empty(),
                ),
                false => Ok(false),
            }
        }
    )?;
    let facts = SessionFacts {
        methods: candidate.methods,
        mfa_at: candidate.mfa_at,
        last_seen_at: candidate.last_seen_at,
        is_guest: membership.kind == crate::orgs::memberships::Kind::Guest.as_str(),
        has_mfa_factor,
    };
    let admission = admit(Some(&membership.status), || evaluate(&rules, &facts, &connections, now));
    let admitted = (admission == Admission::Admitted).then_some(membership);
    Ok((admission, admitted))
}

/// Whether evaluating `rules` needs the organization's connections.
fn asks_about_sso(rules: &OrgPolicy) -> bool {
    rules.sso_required || rules.allowed_auth_methods.iter().flatten().any(|m| m == "sso")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(requirements: Vec<Requirement>) -> impl FnOnce() -> Verdict {
        move || Verdict {
            requirements,
            rules: Vec::new(),
        }
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, Option<&str>, Vec<Requirement>, Admission)> = vec![
            ("active, policy holds", Some("active"), vec![], Admission::Admitted),
            (
                "active, policy asks for MFA",
                Some("active"),
                vec![Requirement::Mfa],
                Admission::Requires(vec![Requirement::Mfa]),
            ),
            ("deactivated", Some("inactive"), vec![], Admission::NotAMember),
            ("pending", Some("pending"), vec![], Admission::NotAMember),
            ("no membership", None, vec![], Admission::NotAMember),
            (
                "deactivated, policy would ask for MFA too",
                Some("inactive"),
                vec![Requirement::Mfa],
                Admission::NotAMember,
            ),
        ];
        for (name, status, requirements, want) in cases {
            assert_eq!(admit(status, verdict(requirements)), want, "{name}");
        }
    }

    #[test]
    fn asks_about_sso_only_when_a_rule_names_it() {
        assert!(!asks_about_sso(&OrgPolicy::default()));
        assert!(asks_about_sso(&OrgPolicy {
            sso_required: true,
            ..OrgPolicy::default()
        }));
        assert!(asks_about_sso(&OrgPolicy {
            allowed_auth_methods: Some(vec!["password".into(), "sso".into()]),
            ..OrgPolicy::default()
        }));
        assert!(!asks_about_sso(&OrgPolicy {
            allowed_auth_methods: Some(vec!["password".into()]),
            ..OrgPolicy::default()
        }));
    }
}
