//! May this session carry organization X? The one answer for every path that puts an
//! organization into a token: sign-in, organization selection, switching, step-up and every
//! refresh. A session carries an organization only while the user is an active member there and
//! the organization's policy, as it reads now, holds for the session (`evaluate`). A policy
//! tightened after the session began therefore takes hold at the next refresh.

use super::evaluate::{evaluate, AuthFact, OrgPolicy, Requirement, SessionFacts, Verdict};
use super::policies::{self, PolicyError};
use crate::context::Ctx;
use crate::orgs::memberships::Kind;
use crate::sessions::lifecycle::{methods_of, AuthMethod};
use chrono::{DateTime, Utc};
use entities::{organization_memberships as memberships, sessions};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// No membership there, or one that is not active (deactivated, pending).
    NotAMember,
    /// The policy asks for more than the session has proven.
    Requires(Vec<Requirement>),
}

/// The membership half of the rule: only an active membership (not a deactivated or pending one).
fn is_active(membership_status: Option<&str>) -> bool {
    membership_status == Some("active")
}

/// The pure rule: an active membership first, then the policy's verdict.
pub fn admit(membership_status: Option<&str>, verdict: impl FnOnce() -> Verdict) -> Admission {
    if !is_active(membership_status) {
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
    Ok(is_active(membership.map(|m| m.status).as_deref()))
}

/// How a session's methods read to the policy.
pub fn auth_facts(methods: &[AuthMethod]) -> Vec<AuthFact> {
    methods
        .iter()
        .map(|m| AuthFact {
            method: m.method.clone(),
            at: m.at,
        })
        .collect()
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
    let Some(membership) = membership.filter(|m| is_active(Some(&m.status))) else {
        return Ok((Admission::NotAMember, None));
    };
    let is_guest = membership.kind == Kind::Guest.as_str();
    let verdict = verdict(db, org_id, &policy.unwrap_or_default(), candidate, is_guest, now).await?;
    let admission = admit(Some(&membership.status), || verdict);
    let admitted = (admission == Admission::Admitted).then_some(membership);
    Ok((admission, admitted))
}

/// What `rules` ask of `candidate` in `org_id` (a guest there when `is_guest`): the one place a
/// session's facts are gathered for `evaluate`, for admission and the explain endpoint alike.
/// Reads the organization's connections and the user's factors only when the rules ask about
/// them, so a refresh in an organization with the default policy reads neither.
async fn verdict<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    rules: &OrgPolicy,
    candidate: Candidate<'_>,
    is_guest: bool,
    now: DateTime<Utc>,
) -> Result<Verdict, DbErr> {
    let (connections, has_mfa_factor) = tokio::try_join!(
        async {
            match asks_about_sso(rules) {
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
        is_guest,
        has_mfa_factor,
    };
    Ok(evaluate(rules, &facts, &connections, now))
}

/// What entering `org_id` would ask of the session now, member or not (the explain endpoint):
/// the verdict admission reaches for a member.
pub async fn explain(ctx: &Ctx, org_id: &str, session_id: &str) -> Result<Verdict, PolicyError> {
    let db = ctx.db.read();
    let session = sessions::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .ok_or(PolicyError::SessionNotFound)?;
    let rules = policies::get_policy(db, org_id).await?.rules();
    let is_guest = crate::orgs::memberships::is_guest_in(db, &session.user_id, org_id).await?;
    let methods = methods_of(&session);
    let candidate = Candidate {
        user_id: &session.user_id,
        methods: auth_facts(&methods),
        mfa_at: session.mfa_at,
        last_seen_at: session.last_seen_at,
    };
    Ok(verdict(db, org_id, &rules, candidate, is_guest, ctx.now()).await?)
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
