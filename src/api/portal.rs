//! The Admin Portal for the vendor (API.md "Admin Portal"): a short-lived, single-use link
//! that lets a customer's IT admin set up SSO, Directory Sync or a domain for one organization.

use super::auth::ApiKey;
use super::request::field_id;
use super::tags::Tag;
use super::text::Text;
use crate::context::Ctx;
use crate::error::ApiResult;
use crate::ids::OrganizationId;
use crate::portal::links::{self, Intent, NewLink};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

pub struct PortalApi {
    pub ctx: Ctx,
}

/// What the link lets the IT admin set up.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PortalIntent {
    Sso,
    Dsync,
    DomainVerification,
}

#[derive(Debug, Clone, Object)]
pub struct GenerateLink {
    /// The organization the portal session may act on, and only it.
    pub organization: Text,
    pub intent: PortalIntent,
    /// Where the portal's "back" link goes.
    pub return_url: Option<Text>,
    /// Where the portal sends the IT admin once the setup is done.
    pub success_url: Option<Text>,
}

#[derive(Debug, Clone, Object)]
pub struct PortalLink {
    /// Opens once, within 5 minutes.
    pub link: String,
}

#[derive(ApiResponse)]
pub enum Generated {
    #[oai(status = 201)]
    Ok(Json<PortalLink>),
}

#[OpenApi(tag = "Tag::AdminPortal")]
impl PortalApi {
    /// Generate an Admin Portal link for an organization's IT admin.
    #[oai(path = "/portal/generate_link", method = "post")]
    async fn generate_link(&self, _key: ApiKey, body: Json<GenerateLink>) -> ApiResult<Generated> {
        let b = body.0;
        let organization_id: OrganizationId = field_id(&b.organization, "organization")?;
        let intent = match b.intent {
            PortalIntent::Sso => Intent::Sso,
            PortalIntent::Dsync => Intent::Dsync,
            PortalIntent::DomainVerification => Intent::DomainVerification,
        };
        let link = links::generate_link(
            &self.ctx,
            NewLink {
                organization_id,
                intent,
                return_url: b.return_url.map(String::from),
                success_url: b.success_url.map(String::from),
            },
        )
        .await?;
        Ok(Generated::Ok(Json(PortalLink { link })))
    }
}
