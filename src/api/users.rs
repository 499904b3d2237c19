pub use super::user_object::User;

use super::auth::ApiKey;
use super::pagination::{page_request, ListOrder};
use super::request::{field_id, patch_field, path_id};
use super::tags::Tag;
use super::text::{self, Text};
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::ids::{OrganizationId, UserId};
use crate::list_object;
use crate::users::{self as service, NewPassword, NewUser, UserChanges, UserFilter};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};
use std::collections::BTreeMap;

pub struct UsersApi {
    pub ctx: Ctx,
}

list_object!(UserList, User);

#[derive(Debug, Clone, Object)]
pub struct CreateUser {
    pub email: Text,
    /// Checked against NIST 800-63B (8..128 characters, not a common password).
    pub password: Option<Text>,
    /// A hash exported from another provider, with `password_hash_type`; upgraded at first sign-in.
    pub password_hash: Option<Text>,
    /// bcrypt | argon2 | pbkdf2
    pub password_hash_type: Option<Text>,
    pub email_verified: Option<bool>,
    pub first_name: Option<Text>,
    pub last_name: Option<Text>,
    pub external_id: Option<Text>,
    pub metadata: Option<BTreeMap<String, Text>>,
}

#[derive(Debug, Clone, Object)]
pub struct UpdateUser {
    /// A new address is unverified until proven.
    pub email: Option<Text>,
    pub email_verified: Option<bool>,
    pub first_name: MaybeUndefined<Text>,
    pub last_name: MaybeUndefined<Text>,
    pub external_id: MaybeUndefined<Text>,
    pub metadata: Option<BTreeMap<String, Text>>,
}

#[derive(ApiResponse)]
pub enum Created {
    #[oai(status = 201)]
    Ok(Json<User>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Ok,
}

#[OpenApi(prefix_path = "/user_management", tag = "Tag::UserManagement")]
impl UsersApi {
    /// Create a user
    #[oai(path = "/users", method = "post")]
    async fn create(&self, _key: ApiKey, body: Json<CreateUser>) -> ApiResult<Created> {
        let b = body.0;
        let password = match (b.password, b.password_hash, b.password_hash_type) {
            (Some(p), None, _) => Some(NewPassword::Plain(secrecy::SecretString::from(p.0))),
            (None, Some(hash), Some(kind)) => Some(NewPassword::Imported {
                hash_type: kind.0,
                hash: hash.0,
            }),
            (None, Some(_), None) => {
                return Err(ApiError::field(
                    "password_hash_type",
                    "required",
                    "required with password_hash",
                ))
            }
            (Some(_), Some(_), _) => {
                return Err(ApiError::field(
                    "password",
                    "conflict",
                    "pass password or password_hash, not both",
                ))
            }
            (None, None, _) => None,
        };
        let new = NewUser {
            password,
            email: b.email.0,
            email_verified: b.email_verified.unwrap_or(false),
            first_name: text::opt(b.first_name),
            last_name: text::opt(b.last_name),
            external_id: text::opt(b.external_id),
            metadata: text::map(b.metadata.unwrap_or_default()),
        };
        Ok(Created::Ok(Json(service::create_user(&self.ctx, new).await?.into())))
    }

    /// List users
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/users", method = "get")]
    async fn list(
        &self,
        _key: ApiKey,
        email: Query<Option<String>>,
        organization_id: Query<Option<String>>,
        limit: Query<Option<u64>>,
        before: Query<Option<String>>,
        after: Query<Option<String>>,
        order: Query<Option<ListOrder>>,
    ) -> ApiResult<Json<UserList>> {
        let page = page_request::<UserId>(limit.0, before.0, after.0, order.0)?;
        let organization_id = organization_id
            .0
            .map(|o| field_id::<OrganizationId>(&o, "organization_id"))
            .transpose()?;
        let filter = UserFilter {
            email: email.0,
            organization_id,
        };
        Ok(Json(service::list_users(&self.ctx, &filter, &page).await?.into()))
    }

    /// Get a user
    #[oai(path = "/users/:id", method = "get")]
    async fn get(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<User>> {
        let id = path_id::<UserId>(&id.0, "user")?;
        Ok(Json(service::get_user(&self.ctx, &id).await?.into()))
    }

    /// Update a user
    #[oai(path = "/users/:id", method = "put")]
    async fn update(&self, _key: ApiKey, id: Path<String>, body: Json<UpdateUser>) -> ApiResult<Json<User>> {
        let id = path_id::<UserId>(&id.0, "user")?;
        let b = body.0;
        let changes = UserChanges {
            email: text::opt(b.email),
            email_verified: b.email_verified,
            first_name: patch_field(b.first_name),
            last_name: patch_field(b.last_name),
            external_id: patch_field(b.external_id),
            metadata: b.metadata.map(text::map),
        };
        Ok(Json(service::update_user(&self.ctx, &id, changes).await?.into()))
    }

    /// Delete a user
    #[oai(path = "/users/:id", method = "delete")]
    async fn delete(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Deleted> {
        let id = path_id::<UserId>(&id.0, "user")?;
        service::delete_user(&self.ctx, &id).await?;
        Ok(Deleted::Ok)
    }
}
