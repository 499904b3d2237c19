use super::auth::ApiKey;
use super::request::{patch_field, path_id};
use super::tags::Tag;
use super::text::{self, Text};
use crate::context::Ctx;
use crate::error::ApiResult;
use crate::ids::OrganizationId;
use crate::orgs::roles::{self as service, permissions_of, NewRole, RoleChanges};
use chrono::{DateTime, Utc};
use entities::roles;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};

pub struct RolesApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
pub struct Role {
    /// Always `role`.
    pub object: String,
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub permissions: Vec<String>,
    /// `environment` or `organization`.
    #[oai(rename = "type")]
    pub role_type: String,
    pub organization_id: Option<String>,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<roles::Model> for Role {
    fn from(r: roles::Model) -> Self {
        let org = (!r.scope.is_empty()).then(|| r.scope.clone());
        Self {
            object: "role".into(),
            permissions: permissions_of(&r),
            role_type: if org.is_some() { "organization" } else { "environment" }.into(),
            organization_id: org,
            id: r.id,
            slug: r.slug,
            name: r.name,
            description: r.description,
            is_default: r.is_default,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct RoleList {
    pub data: Vec<Role>,
}

#[derive(Debug, Clone, Object)]
pub struct CreateRole {
    pub slug: Text,
    pub name: Text,
    pub description: Option<Text>,
    pub permissions: Option<Vec<Text>>,
}

#[derive(Debug, Clone, Object)]
pub struct UpdateRole {
    pub name: Option<Text>,
    pub description: MaybeUndefined<Text>,
    pub permissions: Option<Vec<Text>>,
}

#[derive(ApiResponse)]
pub enum Created {
    #[oai(status = 201)]
    Ok(Json<Role>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Ok,
}

fn new_role(b: CreateRole) -> NewRole {
    NewRole {
        slug: b.slug.0,
        name: b.name.0,
        description: text::opt(b.description),
        permissions: text::all(b.permissions.unwrap_or_default()),
    }
}

#[OpenApi(tag = "Tag::UserManagement")]
impl RolesApi {
    /// List environment roles
    #[oai(path = "/roles", method = "get")]
    async fn list(&self, _key: ApiKey) -> ApiResult<Json<RoleList>> {
        let roles = service::list_roles(&self.ctx, None).await?;
        Ok(Json(RoleList {
            data: roles.into_iter().map(Into::into).collect(),
        }))
    }

    /// Create an environment role
    #[oai(path = "/roles", method = "post")]
    async fn create(&self, _key: ApiKey, body: Json<CreateRole>) -> ApiResult<Created> {
        Ok(Created::Ok(Json(
            service::create_role(&self.ctx, None, new_role(body.0)).await?.into(),
        )))
    }

    /// Get an environment role
    #[oai(path = "/roles/:slug", method = "get")]
    async fn get(&self, _key: ApiKey, slug: Path<String>) -> ApiResult<Json<Role>> {
        Ok(Json(service::get_role(&self.ctx, &slug.0).await?.into()))
    }

    /// Update an environment role
    #[oai(path = "/roles/:slug", method = "put")]
    async fn update(&self, _key: ApiKey, slug: Path<String>, body: Json<UpdateRole>) -> ApiResult<Json<Role>> {
        let b = body.0;
        let changes = RoleChanges {
            name: text::opt(b.name),
            description: patch_field(b.description),
            permissions: b.permissions.map(text::all),
        };
        Ok(Json(service::update_role(&self.ctx, &slug.0, changes).await?.into()))
    }

    /// Delete an environment role (409 role_in_use while members hold it)
    #[oai(path = "/roles/:slug", method = "delete")]
    async fn delete(&self, _key: ApiKey, slug: Path<String>) -> ApiResult<Deleted> {
        service::delete_role(&self.ctx, &slug.0).await?;
        Ok(Deleted::Ok)
    }

    /// List an organization's roles, with the environment roles it inherits
    #[oai(path = "/organizations/:id/roles", method = "get")]
    async fn list_for_organization(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<RoleList>> {
        let org = path_id::<OrganizationId>(&id.0, "organization")?;
        let roles = service::list_roles(&self.ctx, Some(&org)).await?;
        Ok(Json(RoleList {
            data: roles.into_iter().map(Into::into).collect(),
        }))
    }

    /// Create a role for one organization
    #[oai(path = "/organizations/:id/roles", method = "post")]
    async fn create_for_organization(
        &self,
        _key: ApiKey,
        id: Path<String>,
        body: Json<CreateRole>,
    ) -> ApiResult<Created> {
        let org = path_id::<OrganizationId>(&id.0, "organization")?;
        Ok(Created::Ok(Json(
            service::create_role(&self.ctx, Some(&org), new_role(body.0))
                .await?
                .into(),
        )))
    }
}
