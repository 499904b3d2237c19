use super::auth::ApiKey;
pub use super::domains::OrganizationDomain;
use super::pagination::{page_request, ListOrder};
use super::request::{patch_field, path_id};
use super::tags::Tag;
use super::text::{self, Text};
use crate::context::Ctx;
use crate::error::ApiResult;
use crate::ids::OrganizationId;
use crate::list_object;
use crate::orgs::organizations::{
    self as service, DomainData, NewOrganization, Organization as OrgRecord, OrganizationChanges, OrganizationFilter,
};
use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use std::collections::BTreeMap;

pub struct OrganizationsApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
pub struct Organization {
    /// Always `organization`.
    pub object: String,
    pub id: String,
    pub name: String,
    pub external_id: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub domains: Vec<OrganizationDomain>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<OrgRecord> for Organization {
    fn from(o: OrgRecord) -> Self {
        Self {
            object: "organization".into(),
            metadata: serde_json::from_value(o.org.metadata).unwrap_or_default(),
            id: o.org.id,
            name: o.org.name,
            external_id: o.org.external_id,
            domains: o.domains.into_iter().map(Into::into).collect(),
            created_at: o.org.created_at,
            updated_at: o.org.updated_at,
        }
    }
}

list_object!(OrganizationList, Organization);

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum DomainDataState {
    Pending,
    Verified,
}

#[derive(Debug, Clone, Object)]
pub struct DomainDataInput {
    pub domain: Text,
    /// `verified` records the domain as verified by the operator (manual strategy).
    pub state: Option<DomainDataState>,
}

fn domain_data(input: Vec<DomainDataInput>) -> Vec<DomainData> {
    input
        .into_iter()
        .map(|d| DomainData {
            domain: d.domain.0,
            verified: matches!(d.state, Some(DomainDataState::Verified)),
        })
        .collect()
}

#[derive(Debug, Clone, Object)]
pub struct CreateOrganization {
    pub name: Text,
    pub external_id: Option<Text>,
    pub metadata: Option<BTreeMap<String, Text>>,
    pub domain_data: Option<Vec<DomainDataInput>>,
}

#[derive(Debug, Clone, Object)]
pub struct UpdateOrganization {
    pub name: Option<Text>,
    /// null clears it.
    pub external_id: MaybeUndefined<Text>,
    pub metadata: Option<BTreeMap<String, Text>>,
    /// Replaces the organization's domains when present.
    pub domain_data: Option<Vec<DomainDataInput>>,
}

#[derive(ApiResponse)]
pub enum Created {
    #[oai(status = 201)]
    Ok(Json<Organization>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Ok,
}

#[OpenApi(tag = "Tag::Organizations")]
impl OrganizationsApi {
    /// Create an organization
    #[oai(path = "/organizations", method = "post")]
    async fn create(&self, _key: ApiKey, body: Json<CreateOrganization>) -> ApiResult<Created> {
        let body = body.0;
        let new = NewOrganization {
            name: body.name.0,
            external_id: text::opt(body.external_id),
            metadata: text::map(body.metadata.unwrap_or_default()),
            domains: domain_data(body.domain_data.unwrap_or_default()),
        };
        let org = service::create_organization(&self.ctx, new).await?;
        Ok(Created::Ok(Json(org.into())))
    }

    /// List organizations
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/organizations", method = "get")]
    async fn list(
        &self,
        _key: ApiKey,
        /// Only organizations with one of these domains.
        domains: Query<Vec<String>>,
        /// Case-insensitive substring of the name.
        search: Query<Option<String>>,
        limit: Query<Option<u64>>,
        before: Query<Option<String>>,
        after: Query<Option<String>>,
        order: Query<Option<ListOrder>>,
    ) -> ApiResult<Json<OrganizationList>> {
        let page = page_request::<OrganizationId>(limit.0, before.0, after.0, order.0)?;
        let filter = OrganizationFilter {
            domains: domains.0,
            search: search.0,
        };
        Ok(Json(
            service::list_organizations(&self.ctx, &filter, &page).await?.into(),
        ))
    }

    /// Get an organization
    #[oai(path = "/organizations/:id", method = "get")]
    async fn get(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<Organization>> {
        let id = path_id::<OrganizationId>(&id.0, "organization")?;
        Ok(Json(service::get_organization(&self.ctx, &id).await?.into()))
    }

    /// Update an organization
    #[oai(path = "/organizations/:id", method = "put")]
    async fn update(
        &self,
        _key: ApiKey,
        id: Path<String>,
        body: Json<UpdateOrganization>,
    ) -> ApiResult<Json<Organization>> {
        let id = path_id::<OrganizationId>(&id.0, "organization")?;
        let body = body.0;
        let changes = OrganizationChanges {
            name: text::opt(body.name),
            external_id: patch_field(body.external_id),
            metadata: body.metadata.map(text::map),
            domains: body.domain_data.map(domain_data),
        };
        Ok(Json(
            service::update_organization(&self.ctx, &id, changes).await?.into(),
        ))
    }

    /// Delete an organization and everything that belongs to it
    #[oai(path = "/organizations/:id", method = "delete")]
    async fn delete(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Deleted> {
        let id = path_id::<OrganizationId>(&id.0, "organization")?;
        service::delete_organization(&self.ctx, &id).await?;
        Ok(Deleted::Ok)
    }
}
