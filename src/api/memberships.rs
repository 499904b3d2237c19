use super::auth::ApiKey;
use super::pagination::{page_request, ListOrder};
use super::request::{field_id, path_id};
use super::tags::Tag;
use super::text::Text;
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::ids::{MembershipId, OrganizationId, UserId};
use crate::list_object;
use crate::orgs::memberships::{self as service, Kind, MembershipFilter, NewMembership, Source};
use chrono::{DateTime, Utc};
use entities::organization_memberships as memberships;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

pub struct MembershipsApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
pub struct RoleRef {
    pub slug: String,
}

#[derive(Debug, Clone, Object)]
pub struct OrganizationMembership {
    /// Always `organization_membership`.
    pub object: String,
    pub id: String,
    pub user_id: String,
    pub organization_id: String,
    pub role: RoleRef,
    /// active | inactive | pending
    pub status: String,
    /// member | guest
    pub kind: String,
    /// manual | invitation | jit | scim
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<memberships::Model> for OrganizationMembership {
    fn from(m: memberships::Model) -> Self {
        Self {
            object: "organization_membership".into(),
            id: m.id,
            user_id: m.user_id,
            organization_id: m.organization_id,
            role: RoleRef { slug: m.role_slug },
            status: m.status,
            kind: m.kind,
            source: m.source,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

list_object!(OrganizationMembershipList, OrganizationMembership);

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum MembershipKind {
    Member,
    Guest,
}

#[derive(Debug, Clone, Object)]
pub struct CreateMembership {
    pub user_id: Text,
    pub organization_id: Text,
    pub role_slug: Option<Text>,
    pub kind: Option<MembershipKind>,
}

#[derive(Debug, Clone, Object)]
pub struct UpdateMembership {
    pub role_slug: Text,
}

#[derive(ApiResponse)]
pub enum Created {
    #[oai(status = 201)]
    Ok(Json<OrganizationMembership>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Ok,
}

#[OpenApi(prefix_path = "/user_management", tag = "Tag::UserManagement")]
impl MembershipsApi {
    /// Add a user to an organization
    #[oai(path = "/organization_memberships", method = "post")]
    async fn create(&self, _key: ApiKey, body: Json<CreateMembership>) -> ApiResult<Created> {
        let b = body.0;
        let new = NewMembership {
            user_id: field_id(&b.user_id, "user_id")?,
            organization_id: field_id(&b.organization_id, "organization_id")?,
            role_slug: b.role_slug.map(String::from),
            kind: match b.kind {
                Some(MembershipKind::Guest) => Kind::Guest,
                _ => Kind::Member,
            },
            source: Source::Manual,
        };
        Ok(Created::Ok(Json(
            service::create_membership(&self.ctx, new).await?.into(),
        )))
    }

    /// List memberships of a user or of an organization
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/organization_memberships", method = "get")]
    async fn list(
        &self,
        _key: ApiKey,
        user_id: Query<Option<String>>,
        organization_id: Query<Option<String>>,
        /// active, inactive, pending
        statuses: Query<Vec<String>>,
        limit: Query<Option<u64>>,
        before: Query<Option<String>>,
        after: Query<Option<String>>,
        order: Query<Option<ListOrder>>,
    ) -> ApiResult<Json<OrganizationMembershipList>> {
        if user_id.0.is_none() && organization_id.0.is_none() {
            return Err(ApiError::field(
                "user_id",
                "required",
                "pass user_id or organization_id",
            ));
        }
        if let Some(bad) = statuses
            .0
            .iter()
            .find(|s| !matches!(s.as_str(), "active" | "inactive" | "pending"))
        {
            return Err(ApiError::field(
                "statuses",
                "invalid_status",
                format!("unknown status `{bad}`"),
            ));
        }
        let page = page_request::<MembershipId>(limit.0, before.0, after.0, order.0)?;
        let filter = MembershipFilter {
            user_id: user_id.0.map(|u| field_id::<UserId>(&u, "user_id")).transpose()?,
            organization_id: organization_id
                .0
                .map(|o| field_id::<OrganizationId>(&o, "organization_id"))
                .transpose()?,
            statuses: statuses.0,
        };
        Ok(Json(service::list_memberships(&self.ctx, &filter, &page).await?.into()))
    }

    /// Get a membership
    #[oai(path = "/organization_memberships/:id", method = "get")]
    async fn get(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<OrganizationMembership>> {
        let id = path_id::<MembershipId>(&id.0, "organization membership")?;
        Ok(Json(service::get_membership(&self.ctx, &id).await?.into()))
    }

    /// Change a membership's role
    #[oai(path = "/organization_memberships/:id", method = "put")]
    async fn update(
        &self,
        _key: ApiKey,
        id: Path<String>,
        body: Json<UpdateMembership>,
    ) -> ApiResult<Json<OrganizationMembership>> {
        let id = path_id::<MembershipId>(&id.0, "organization membership")?;
        Ok(Json(
            service::change_role(&self.ctx, &id, &body.0.role_slug).await?.into(),
        ))
    }

    /// Deactivate a membership
    #[oai(path = "/organization_memberships/:id/deactivate", method = "put")]
    async fn deactivate(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<OrganizationMembership>> {
        let id = path_id::<MembershipId>(&id.0, "organization membership")?;
        Ok(Json(service::change_status(&self.ctx, &id, "inactive").await?.into()))
    }

    /// Reactivate a membership
    #[oai(path = "/organization_memberships/:id/reactivate", method = "put")]
    async fn reactivate(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<OrganizationMembership>> {
        let id = path_id::<MembershipId>(&id.0, "organization membership")?;
        Ok(Json(service::change_status(&self.ctx, &id, "active").await?.into()))
    }

    /// Delete a membership
    #[oai(path = "/organization_memberships/:id", method = "delete")]
    async fn delete(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Deleted> {
        let id = path_id::<MembershipId>(&id.0, "organization membership")?;
        service::delete_membership(&self.ctx, &id).await?;
        Ok(Deleted::Ok)
    }
}
