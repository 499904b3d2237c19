//! Directory Sync for the vendor (API.md "Directory Sync"): directories and their SCIM
//! tokens, and the users and groups IdPs provisioned, with cursor pagination.

use super::auth::ApiKey;
use super::pagination::{page_request, ListOrder};
use super::request::{field_id, path_id};
use super::tags::Tag;
use super::text::Text;
use crate::context::Ctx;
use crate::directories::{self as service, groups, DirectoryType};
use crate::error::{ApiError, ApiResult};
use crate::ids::{DirectoryGroupId, DirectoryId, DirectoryUserId, OrganizationId};
use crate::list_object;
use chrono::{DateTime, Utc};
use entities::{directories, directory_groups, directory_users};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

pub struct DirectoriesApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum DirectoryKind {
    Okta,
    Entra,
    Generic,
}

#[derive(Debug, Clone, Object)]
pub struct Directory {
    /// Always `directory`.
    pub object: String,
    pub id: String,
    pub organization_id: String,
    pub name: String,
    /// okta | entra | generic
    #[oai(rename = "type")]
    pub kind: String,
    /// pending (no SCIM request yet) | active | inactive
    pub state: String,
    /// Where the IdP sends SCIM requests.
    pub scim_base_url: String,
    /// The first characters of the current bearer token, to tell tokens apart.
    pub bearer_token_prefix: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn directory_view(ctx: &Ctx, d: directories::Model) -> Directory {
    Directory {
        object: "directory".into(),
        scim_base_url: format!("{}/scim/v2/{}", ctx.config.issuer(), d.id),
        id: d.id,
        organization_id: d.organization_id,
        name: d.name,
        kind: d.kind,
        state: d.state,
        bearer_token_prefix: d.token_prefix,
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}

/// A directory with its bearer token, shown only here (≠W).
#[derive(Debug, Clone, Object)]
pub struct DirectoryWithToken {
    #[oai(flatten)]
    pub directory: Directory,
    /// `gh_scim_…`: give it to the IdP; it is stored hashed and never shown again.
    pub bearer_token: String,
}

#[derive(Debug, Clone, Object)]
pub struct CreateDirectory {
    pub organization_id: Text,
    pub name: Text,
    #[oai(rename = "type")]
    pub kind: DirectoryKind,
}

#[derive(Debug, Clone, Object)]
pub struct DirectoryUserEmail {
    pub primary: bool,
    #[oai(rename = "type")]
    pub kind: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Object)]
pub struct DirectoryUser {
    /// Always `directory_user`.
    pub object: String,
    pub id: String,
    pub directory_id: String,
    pub organization_id: String,
    /// The core user this directory user is linked to (by a trusted email), or null.
    pub user_id: Option<String>,
    /// The IdP's id (SCIM `externalId`).
    pub idp_id: Option<String>,
    pub username: String,
    pub emails: Vec<DirectoryUserEmail>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// active | inactive
    pub state: String,
    /// The enterprise extension's attributes.
    pub custom_attributes: serde_json::Value,
    /// The SCIM resource as the IdP sent it (no password).
    pub raw_attributes: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<directory_users::Model> for DirectoryUser {
    fn from(du: directory_users::Model) -> Self {
        let view = service::users::user_event(&du);
        let emails = view["emails"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| DirectoryUserEmail {
                        primary: e["primary"].as_bool().unwrap_or(false),
                        kind: e["type"].as_str().map(str::to_owned),
                        value: e["value"].as_str().map(str::to_owned),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            object: "directory_user".into(),
            custom_attributes: view["custom_attributes"].clone(),
            emails,
            state: if du.active { "active" } else { "inactive" }.into(),
            id: du.id,
            directory_id: du.directory_id,
            organization_id: du.organization_id,
            user_id: du.user_id,
            idp_id: du.external_id,
            username: du.user_name,
            first_name: du.first_name,
            last_name: du.last_name,
            raw_attributes: du.resource,
            created_at: du.created_at,
            updated_at: du.updated_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct DirectoryGroup {
    /// Always `directory_group`.
    pub object: String,
    pub id: String,
    pub directory_id: String,
    pub organization_id: String,
    /// The IdP's id (SCIM `externalId`).
    pub idp_id: Option<String>,
    pub name: String,
    /// The role members of this group get in the organization, or null (≠W).
    pub role_slug: Option<String>,
    pub raw_attributes: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<directory_groups::Model> for DirectoryGroup {
    fn from(g: directory_groups::Model) -> Self {
        Self {
            object: "directory_group".into(),
            id: g.id,
            directory_id: g.directory_id,
            organization_id: g.organization_id,
            idp_id: g.external_id,
            name: g.display_name,
            role_slug: g.role_slug,
            raw_attributes: g.resource,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct SetGroupRole {
    /// The role for members of this group; null removes the mapping.
    pub role_slug: Option<Text>,
}

list_object!(DirectoryList, Directory);
list_object!(DirectoryUserList, DirectoryUser);
list_object!(DirectoryGroupList, DirectoryGroup);

#[derive(ApiResponse)]
pub enum Created {
    #[oai(status = 201)]
    Ok(Json<DirectoryWithToken>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Ok,
}

fn one_of_required(a: bool, b: bool, names: &str) -> ApiResult<()> {
    if a || b {
        Ok(())
    } else {
        Err(ApiError::field(names, "required", format!("pass one of {names}")))
    }
}

#[OpenApi(tag = "Tag::DirectorySync")]
impl DirectoriesApi {
    /// Create a directory; the answer carries its SCIM bearer token, once
    #[oai(path = "/directories", method = "post")]
    async fn create(&self, _key: ApiKey, body: Json<CreateDirectory>) -> ApiResult<Created> {
        let b = body.0;
        let org: OrganizationId = field_id(&b.organization_id, "organization_id")?;
        let kind = match b.kind {
            DirectoryKind::Okta => DirectoryType::Okta,
            DirectoryKind::Entra => DirectoryType::Entra,
            DirectoryKind::Generic => DirectoryType::Generic,
        };
        let made = service::create_directory(&self.ctx, &org, &b.name, kind).await?;
        Ok(Created::Ok(Json(DirectoryWithToken {
            directory: directory_view(&self.ctx, made.directory),
            bearer_token: made.token,
        })))
    }

    /// List directories
    #[oai(path = "/directories", method = "get")]
    async fn list(
        &self,
        _key: ApiKey,
        organization_id: Query<Option<String>>,
        limit: Query<Option<u64>>,
        before: Query<Option<String>>,
        after: Query<Option<String>>,
        order: Query<Option<ListOrder>>,
    ) -> ApiResult<Json<DirectoryList>> {
        let page = page_request::<DirectoryId>(limit.0, before.0, after.0, order.0)?;
        let org: Option<OrganizationId> = organization_id
            .0
            .map(|raw| field_id(&raw, "organization_id"))
            .transpose()?;
        let found = service::list_directories(&self.ctx, org.as_ref(), &page).await?;
        Ok(Json(found.map(|d| directory_view(&self.ctx, d)).into()))
    }

    /// Get a directory
    #[oai(path = "/directories/:id", method = "get")]
    async fn get(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<Directory>> {
        let id = path_id::<DirectoryId>(&id.0, "directory")?;
        let found = service::get_directory(&self.ctx, &id).await?;
        Ok(Json(directory_view(&self.ctx, found)))
    }

    /// Delete a directory with its users and groups
    #[oai(path = "/directories/:id", method = "delete")]
    async fn delete(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Deleted> {
        let id = path_id::<DirectoryId>(&id.0, "directory")?;
        service::delete_directory(&self.ctx, &id).await?;
        Ok(Deleted::Ok)
    }

    /// Issue a new SCIM bearer token; the old one stops working at once
    #[oai(path = "/directories/:id/rotate_token", method = "post")]
    async fn rotate_token(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<DirectoryWithToken>> {
        let id = path_id::<DirectoryId>(&id.0, "directory")?;
        let made = service::rotate_token(&self.ctx, &id).await?;
        Ok(Json(DirectoryWithToken {
            directory: directory_view(&self.ctx, made.directory),
            bearer_token: made.token,
        }))
    }

    /// List directory users of a directory or of a group
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/directory_users", method = "get")]
    async fn list_users(
        &self,
        _key: ApiKey,
        directory: Query<Option<String>>,
        group: Query<Option<String>>,
        limit: Query<Option<u64>>,
        before: Query<Option<String>>,
        after: Query<Option<String>>,
        order: Query<Option<ListOrder>>,
    ) -> ApiResult<Json<DirectoryUserList>> {
        one_of_required(directory.0.is_some(), group.0.is_some(), "directory, group")?;
        let page = page_request::<DirectoryUserId>(limit.0, before.0, after.0, order.0)?;
        let directory: Option<DirectoryId> = directory.0.map(|raw| field_id(&raw, "directory")).transpose()?;
        let group: Option<DirectoryGroupId> = group.0.map(|raw| field_id(&raw, "group")).transpose()?;
        let found = service::list_directory_users(&self.ctx, directory.as_ref(), group.as_ref(), &page).await?;
        Ok(Json(found.into()))
    }

    /// Get a directory user
    #[oai(path = "/directory_users/:id", method = "get")]
    async fn get_user(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<DirectoryUser>> {
        let id = path_id::<DirectoryUserId>(&id.0, "directory user")?;
        Ok(Json(service::get_directory_user(&self.ctx, &id).await?.into()))
    }

    /// List directory groups of a directory or of a user
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/directory_groups", method = "get")]
    async fn list_groups(
        &self,
        _key: ApiKey,
        directory: Query<Option<String>>,
        user: Query<Option<String>>,
        limit: Query<Option<u64>>,
        before: Query<Option<String>>,
        after: Query<Option<String>>,
        order: Query<Option<ListOrder>>,
    ) -> ApiResult<Json<DirectoryGroupList>> {
        one_of_required(directory.0.is_some(), user.0.is_some(), "directory, user")?;
        let page = page_request::<DirectoryGroupId>(limit.0, before.0, after.0, order.0)?;
        let directory: Option<DirectoryId> = directory.0.map(|raw| field_id(&raw, "directory")).transpose()?;
        let user: Option<DirectoryUserId> = user.0.map(|raw| field_id(&raw, "user")).transpose()?;
        let found = service::list_directory_groups(&self.ctx, directory.as_ref(), user.as_ref(), &page).await?;
        Ok(Json(found.into()))
    }

    /// Get a directory group
    #[oai(path = "/directory_groups/:id", method = "get")]
    async fn get_group(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<DirectoryGroup>> {
        let id = path_id::<DirectoryGroupId>(&id.0, "directory group")?;
        Ok(Json(service::get_directory_group(&self.ctx, &id).await?.into()))
    }

    /// Map a directory group to a role (≠W): its members get that role in the organization
    #[oai(path = "/directory_groups/:id/role", method = "put")]
    async fn set_group_role(
        &self,
        _key: ApiKey,
        id: Path<String>,
        body: Json<SetGroupRole>,
    ) -> ApiResult<Json<DirectoryGroup>> {
        let id = path_id::<DirectoryGroupId>(&id.0, "directory group")?;
        let slug = body.0.role_slug.map(|t| t.0);
        Ok(Json(
            groups::set_group_role(&self.ctx, &id, slug.as_deref()).await?.into(),
        ))
    }
}
