//! Stored organization policies: read (defaults when none is stored), replace, patch, and
//! the verdict for a session that wants to enter the organization.

use super::evaluate::OrgPolicy;
use crate::context::Ctx;
use crate::events;
use crate::store::string_list;
use crate::validation::{parse_domain, FieldError, Problems};
use entities::{organization_domains as domains, organization_policies as policies, organizations};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("organization not found")]
    OrganizationNotFound,
    #[error("session not found")]
    SessionNotFound,
    #[error("invalid policy")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// API.md's organization policy, every field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub allowed_auth_methods: Option<Vec<String>>,
    pub sso_required: bool,
    pub sso_exempt_guests: bool,
    pub mfa_required: bool,
    pub max_session_age: Option<i64>,
    pub idle_timeout: Option<i64>,
    pub jit_provisioning: bool,
    pub jit_membership: bool,
    pub guest_domains: Vec<String>,
    pub invitation_domains: Option<Vec<String>>,
    pub require_work_email: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            allowed_auth_methods: None,
            sso_required: false,
            sso_exempt_guests: true,
            mfa_required: false,
            max_session_age: None,
            idle_timeout: None,
            jit_provisioning: false,
            jit_membership: false,
            guest_domains: Vec::new(),
            invitation_domains: None,
            require_work_email: false,
        }
    }
}

impl Policy {
    pub fn rules(&self) -> OrgPolicy {
        OrgPolicy {
            allowed_auth_methods: self.allowed_auth_methods.clone(),
            sso_required: self.sso_required,
            sso_exempt_guests: self.sso_exempt_guests,
            mfa_required: self.mfa_required,
            max_session_age: self.max_session_age,
            idle_timeout: self.idle_timeout,
        }
    }
}

fn from_row(row: policies::Model) -> Result<Policy, DbErr> {
    let list = |column: &str, value: &serde_json::Value| string_list(&format!("organization_policies.{column}"), value);
    Ok(Policy {
        allowed_auth_methods: row
            .allowed_auth_methods
            .as_ref()
            .map(|v| list("allowed_auth_methods", v))
            .transpose()?,
        sso_required: row.sso_required,
        sso_exempt_guests: row.sso_exempt_guests,
        mfa_required: row.mfa_required,
        max_session_age: row.max_session_age,
        idle_timeout: row.idle_timeout,
        jit_provisioning: row.jit_provisioning,
        jit_membership: row.jit_membership,
        guest_domains: list("guest_domains", &row.guest_domains)?,
        invitation_domains: row
            .invitation_domains
            .as_ref()
            .map(|v| list("invitation_domains", v))
            .transpose()?,
        require_work_email: row.require_work_email,
    })
}

async fn require_org<C: ConnectionTrait>(db: &C, org_id: &str) -> Result<(), PolicyError> {
    organizations::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .ok_or(PolicyError::OrganizationNotFound)?;
    Ok(())
}

pub async fn get_policy<C: ConnectionTrait>(db: &C, org_id: &str) -> Result<Policy, PolicyError> {
    require_org(db, org_id).await?;
    Ok(policies::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .map(from_row)
        .transpose()?
        .unwrap_or_default())
}

/// The session rules of the organization's stored policy, `None` when it keeps the defaults.
/// Unlike [`get_policy`] it does not check that the organization exists: the caller knows it
/// does (it holds a membership there).
pub async fn stored_rules<C: ConnectionTrait>(db: &C, org_id: &str) -> Result<Option<OrgPolicy>, DbErr> {
    Ok(policies::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .map(from_row)
        .transpose()?
        .map(|policy| policy.rules()))
}

/// [`stored_rules`] through `ctx.caches.session_rules`: every refresh in an organization asks.
pub async fn session_rules(ctx: &Ctx, org_id: &str) -> Result<Option<OrgPolicy>, DbErr> {
    let cache = &ctx.caches.session_rules;
    if let Some(rules) = cache.get(org_id) {
        return Ok(rules);
    }
    let ticket = cache.ticket();
    let rules = stored_rules(ctx.db.read(), org_id).await?;
    cache.insert(ticket, org_id.to_owned(), rules.clone());
    Ok(rules)
}

/// The organization's active SSO connections.
pub async fn active_connection_ids<C: ConnectionTrait>(db: &C, org_id: &str) -> Result<Vec<String>, DbErr> {
    Ok(crate::sso::connections::active_connections(db, org_id)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect())
}

fn is_known_method(method: &str) -> bool {
    matches!(method, "password" | "magic_auth" | "sso") || method.strip_prefix("oauth:").is_some_and(|p| !p.is_empty())
}

async fn validate<C: ConnectionTrait>(db: &C, org_id: &str, policy: &mut Policy) -> Result<(), PolicyError> {
    let mut problems = Problems::default();
    for (i, method) in policy.allowed_auth_methods.iter().flatten().enumerate() {
        if !is_known_method(method) {
            problems.add(
                &format!("allowed_auth_methods[{i}]"),
                "unknown_method",
                "password, magic_auth, sso or oauth:<provider>",
            );
        }
    }
    for (field, value) in [
        ("max_session_age", policy.max_session_age),
        ("idle_timeout", policy.idle_timeout),
    ] {
        if value.is_some_and(|v| v <= 0) {
            problems.add(field, "out_of_range", "must be a positive number of seconds");
        }
    }
    if policy.sso_required && active_connection_ids(db, org_id).await?.is_empty() {
        problems.add(
            "sso_required",
            "no_active_connection",
            "the organization has no active SSO connection",
        );
    }
    let verified: Vec<String> = domains::Entity::find()
        .filter(domains::Column::OrganizationId.eq(org_id))
        .filter(domains::Column::State.eq("verified"))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.domain)
        .collect();
    let mut normalize = |field: &str, list: &mut Vec<String>| {
        for (i, raw) in list.iter_mut().enumerate() {
            match parse_domain(raw) {
                Some(domain) => *raw = domain,
                None => problems.add(&format!("{field}[{i}]"), "invalid_domain", "not a valid domain name"),
            }
        }
    };
    normalize("guest_domains", &mut policy.guest_domains);
    if let Some(list) = policy.invitation_domains.as_mut() {
        normalize("invitation_domains", list);
    }
    for (i, guest) in policy.guest_domains.iter().enumerate() {
        if verified.contains(guest) {
            problems.add(
                &format!("guest_domains[{i}]"),
                "verified_domain",
                "a verified domain of the organization cannot be a guest domain",
            );
        }
    }
    problems.into_result().map_err(PolicyError::Invalid)
}

/// Stores `policy` as the organization's whole policy.
pub async fn put_policy(ctx: &Ctx, org_id: &str, mut policy: Policy) -> Result<Policy, PolicyError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    require_org(&tx, org_id).await?;
    validate(&tx, org_id, &mut policy).await?;
    let row = policies::ActiveModel {
        organization_id: Set(org_id.to_owned()),
        allowed_auth_methods: Set(policy.allowed_auth_methods.as_ref().map(|m| json!(m))),
        sso_required: Set(policy.sso_required),
        sso_exempt_guests: Set(policy.sso_exempt_guests),
        mfa_required: Set(policy.mfa_required),
        max_session_age: Set(policy.max_session_age),
        idle_timeout: Set(policy.idle_timeout),
        jit_provisioning: Set(policy.jit_provisioning),
        jit_membership: Set(policy.jit_membership),
        guest_domains: Set(json!(policy.guest_domains)),
        invitation_domains: Set(policy.invitation_domains.as_ref().map(|d| json!(d))),
        require_work_email: Set(policy.require_work_email),
        updated_at: Set(now),
    };
    if policies::Entity::find_by_id(org_id).one(&tx).await?.is_some() {
        row.update(&tx).await?;
    } else {
        row.insert(&tx).await?;
    }
    events::append(
        &tx,
        now,
        "organization_policy.updated",
        Some(org_id),
        json!({"organization_id": org_id}),
    )
    .await?;
    tx.commit().await?;
    ctx.caches.session_rules.remove(org_id);
    Ok(policy)
}

/// An organization that makes SSO the only way in for the users of a domain it verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSsoRequirement {
    pub organization_id: String,
    pub connection_ids: Vec<String>,
}

/// Whether `org_id`, the organization that verified the domain of the user's email, requires SSO
/// of its users (API.md: the email-domain organization's policy, checked after the credential).
/// Its guests are exempt when the policy exempts guests.
pub async fn sso_required_by<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    org_id: &str,
) -> Result<Option<DomainSsoRequirement>, DbErr> {
    let Some(policy) = policies::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .map(from_row)
        .transpose()?
    else {
        return Ok(None);
    };
    if !policy.sso_required {
        return Ok(None);
    }
    if policy.sso_exempt_guests && crate::orgs::memberships::is_guest_in(db, user_id, org_id).await? {
        return Ok(None);
    }
    Ok(Some(DomainSsoRequirement {
        organization_id: org_id.to_owned(),
        connection_ids: active_connection_ids(db, org_id).await?,
    }))
}
