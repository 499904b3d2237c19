use super::auth::ApiKey;
use super::request::{field_id, path_id};
use super::tags::Tag;
use super::text::{self, Text};
use crate::context::Ctx;
use crate::error::ApiResult;
use crate::ids::{OrganizationId, SessionId};
use crate::policy::policies::{self as service, Policy};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Object, OpenApi};

pub struct PolicyApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
#[oai(rename = "OrganizationPolicy")]
pub struct PolicyView {
    /// Always `organization_policy`.
    pub object: String,
    pub organization_id: String,
    /// null allows every method; else password, magic_auth, sso, oauth:<provider>.
    pub allowed_auth_methods: Option<Vec<String>>,
    pub sso_required: bool,
    pub sso_exempt_guests: bool,
    pub mfa_required: bool,
    /// Seconds since the last authentication.
    pub max_session_age: Option<i64>,
    /// Seconds since the session was last refreshed.
    pub idle_timeout: Option<i64>,
    pub jit_provisioning: bool,
    pub jit_membership: bool,
    pub guest_domains: Vec<String>,
    /// null lets admins invite any address.
    pub invitation_domains: Option<Vec<String>>,
    pub require_work_email: bool,
}

fn view(org: &str, p: Policy) -> PolicyView {
    PolicyView {
        object: "organization_policy".into(),
        organization_id: org.to_owned(),
        allowed_auth_methods: p.allowed_auth_methods,
        sso_required: p.sso_required,
        sso_exempt_guests: p.sso_exempt_guests,
        mfa_required: p.mfa_required,
        max_session_age: p.max_session_age,
        idle_timeout: p.idle_timeout,
        jit_provisioning: p.jit_provisioning,
        jit_membership: p.jit_membership,
        guest_domains: p.guest_domains,
        invitation_domains: p.invitation_domains,
        require_work_email: p.require_work_email,
    }
}

/// Fields to set; with PUT absent fields take their defaults, with PATCH they keep their value.
#[derive(Debug, Clone, Object)]
pub struct PolicyInput {
    pub allowed_auth_methods: MaybeUndefined<Vec<Text>>,
    pub sso_required: Option<bool>,
    pub sso_exempt_guests: Option<bool>,
    pub mfa_required: Option<bool>,
    pub max_session_age: MaybeUndefined<i64>,
    pub idle_timeout: MaybeUndefined<i64>,
    pub jit_provisioning: Option<bool>,
    pub jit_membership: Option<bool>,
    pub guest_domains: Option<Vec<Text>>,
    pub invitation_domains: MaybeUndefined<Vec<Text>>,
    pub require_work_email: Option<bool>,
}

fn nullable<T, U>(field: MaybeUndefined<T>, current: Option<U>, map: impl FnOnce(T) -> U) -> Option<U> {
    match field {
        MaybeUndefined::Undefined => current,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(v) => Some(map(v)),
    }
}

fn apply(base: Policy, input: PolicyInput) -> Policy {
    Policy {
        allowed_auth_methods: nullable(input.allowed_auth_methods, base.allowed_auth_methods, text::all),
        sso_required: input.sso_required.unwrap_or(base.sso_required),
        sso_exempt_guests: input.sso_exempt_guests.unwrap_or(base.sso_exempt_guests),
        mfa_required: input.mfa_required.unwrap_or(base.mfa_required),
        max_session_age: nullable(input.max_session_age, base.max_session_age, |v| v),
        idle_timeout: nullable(input.idle_timeout, base.idle_timeout, |v| v),
        jit_provisioning: input.jit_provisioning.unwrap_or(base.jit_provisioning),
        jit_membership: input.jit_membership.unwrap_or(base.jit_membership),
        guest_domains: input.guest_domains.map(text::all).unwrap_or(base.guest_domains),
        invitation_domains: nullable(input.invitation_domains, base.invitation_domains, text::all),
        require_work_email: input.require_work_email.unwrap_or(base.require_work_email),
    }
}

#[derive(Debug, Clone, Object)]
pub struct RuleView {
    pub rule: String,
    pub met: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Object)]
pub struct Explanation {
    pub satisfied: bool,
    /// What a switch into the organization would ask for: sso, mfa, mfa_enrollment, max_session_age, allowed_auth_methods.
    pub requirements: Vec<String>,
    pub rules: Vec<RuleView>,
}

#[OpenApi(tag = "Tag::Organizations")]
impl PolicyApi {
    /// An organization's auth policy (defaults until one is set)
    #[oai(path = "/organizations/:id/policy", method = "get")]
    async fn get(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<PolicyView>> {
        let org = path_id::<OrganizationId>(&id.0, "organization")?;
        Ok(Json(view(
            org.as_str(),
            service::get_policy(self.ctx.db.read(), org.as_str()).await?,
        )))
    }

    /// Replace the policy; absent fields take their defaults
    #[oai(path = "/organizations/:id/policy", method = "put")]
    async fn put(&self, _key: ApiKey, id: Path<String>, body: Json<PolicyInput>) -> ApiResult<Json<PolicyView>> {
        let org = path_id::<OrganizationId>(&id.0, "organization")?;
        let policy = apply(Policy::default(), body.0);
        Ok(Json(view(
            org.as_str(),
            service::put_policy(&self.ctx, org.as_str(), policy).await?,
        )))
    }

    /// Change some fields of the policy
    #[oai(path = "/organizations/:id/policy", method = "patch")]
    async fn patch(&self, _key: ApiKey, id: Path<String>, body: Json<PolicyInput>) -> ApiResult<Json<PolicyView>> {
        let org = path_id::<OrganizationId>(&id.0, "organization")?;
        let current = service::get_policy(self.ctx.db.read(), org.as_str()).await?;
        let policy = apply(current, body.0);
        Ok(Json(view(
            org.as_str(),
            service::put_policy(&self.ctx, org.as_str(), policy).await?,
        )))
    }

    /// Which rules a session meets, and what a switch into the organization would ask for
    #[oai(path = "/organizations/:id/policy/explain", method = "get")]
    async fn explain(&self, _key: ApiKey, id: Path<String>, session_id: Query<String>) -> ApiResult<Json<Explanation>> {
        let org = path_id::<OrganizationId>(&id.0, "organization")?;
        let session = field_id::<SessionId>(&session_id.0, "session_id")?;
        let verdict = crate::policy::admission::explain(&self.ctx, org.as_str(), session.as_str()).await?;
        Ok(Json(Explanation {
            satisfied: verdict.satisfied(),
            requirements: verdict.requirements.iter().map(|r| r.code().to_owned()).collect(),
            rules: verdict
                .rules
                .into_iter()
                .map(|r| RuleView {
                    rule: r.rule.into(),
                    met: r.met,
                    detail: r.detail,
                })
                .collect(),
        }))
    }
}
