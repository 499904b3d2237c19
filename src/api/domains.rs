use super::auth::ApiKey;
use super::request::{field_id, path_id};
use super::tags::Tag;
use super::text::Text;
use crate::context::Ctx;
use crate::domains::{self as service, dns, Strategy};
use crate::error::ApiResult;
use crate::ids::OrganizationDomainId;
use chrono::{DateTime, Utc};
use entities::organization_domains;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

pub struct DomainsApi {
    pub ctx: Ctx,
}

/// The DNS record that proves a claim.
#[derive(Debug, Clone, Object)]
pub struct VerificationRecord {
    /// Always `TXT`.
    #[oai(rename = "type")]
    pub kind: String,
    /// `_gatehouse-challenge.<domain>`
    pub name: String,
    /// `gatehouse-domain-verification=<verification_token>`
    pub value: String,
}

#[derive(Debug, Clone, Object)]
pub struct OrganizationDomain {
    /// Always `organization_domain`.
    pub object: String,
    pub id: String,
    pub organization_id: String,
    pub domain: String,
    /// pending | verified | failed
    pub state: String,
    /// dns | manual
    pub verification_strategy: String,
    pub verification_token: String,
    /// The TXT record to publish for the `dns` strategy.
    pub verification_record: VerificationRecord,
    /// Checks made so far.
    pub attempts: i32,
    /// Why the last check did not verify: `no matching record`, `nxdomain`, `timeout`,
    /// `dns error: ...`; when failed, `gave up` (72 h passed) or `taken` (another
    /// organization verified the domain first).
    pub failure_reason: Option<String>,
    pub last_checked_at: Option<DateTime<Utc>>,
    /// When the background re-check looks again (pending only).
    pub next_check_at: Option<DateTime<Utc>>,
    pub verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<organization_domains::Model> for OrganizationDomain {
    fn from(d: organization_domains::Model) -> Self {
        Self {
            object: "organization_domain".into(),
            verification_record: VerificationRecord {
                kind: "TXT".into(),
                name: dns::record_name(&d.domain),
                value: dns::record_value(&d.verification_token),
            },
            id: d.id,
            organization_id: d.organization_id,
            domain: d.domain,
            state: d.state,
            verification_strategy: d.verification_strategy,
            verification_token: d.verification_token,
            attempts: d.attempts,
            failure_reason: d.failure_reason,
            last_checked_at: d.last_checked_at,
            next_check_at: d.next_check_at,
            verified_at: d.verified_at,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum VerificationStrategy {
    Dns,
    Manual,
}

#[derive(Debug, Clone, Object)]
pub struct CreateOrganizationDomain {
    pub organization_id: Text,
    pub domain: Text,
    /// `dns` (default): verified by a TXT record; `manual`: verified now, on the operator's word.
    pub verification_strategy: Option<VerificationStrategy>,
}

#[derive(ApiResponse)]
pub enum Created {
    #[oai(status = 201)]
    Ok(Json<OrganizationDomain>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Ok,
}

#[OpenApi(tag = "Tag::Organizations")]
impl DomainsApi {
    /// Claim a domain for an organization
    #[oai(path = "/organization_domains", method = "post")]
    async fn create(&self, _key: ApiKey, body: Json<CreateOrganizationDomain>) -> ApiResult<Created> {
        let b = body.0;
        let org_id = field_id(&b.organization_id, "organization_id")?;
        let strategy = match b.verification_strategy {
            Some(VerificationStrategy::Manual) => Strategy::Manual,
            _ => Strategy::Dns,
        };
        let claimed = service::claim_domain(&self.ctx, &org_id, &b.domain, strategy).await?;
        Ok(Created::Ok(Json(claimed.into())))
    }

    /// Get an organization domain
    #[oai(path = "/organization_domains/:id", method = "get")]
    async fn get(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<OrganizationDomain>> {
        let id = path_id::<OrganizationDomainId>(&id.0, "organization domain")?;
        Ok(Json(service::get_domain(&self.ctx, &id).await?.into()))
    }

    /// Check the domain's TXT record now
    #[oai(path = "/organization_domains/:id/verify", method = "post")]
    async fn verify(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<OrganizationDomain>> {
        let id = path_id::<OrganizationDomainId>(&id.0, "organization domain")?;
        Ok(Json(service::verify_domain_now(&self.ctx, &id).await?.into()))
    }

    /// Delete an organization domain
    #[oai(path = "/organization_domains/:id", method = "delete")]
    async fn delete(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Deleted> {
        let id = path_id::<OrganizationDomainId>(&id.0, "organization domain")?;
        service::delete_domain(&self.ctx, &id).await?;
        Ok(Deleted::Ok)
    }
}
