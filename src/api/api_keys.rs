use super::auth::ApiKey;
use super::request::path_id;
use super::tags::Tag;
use super::text::Text;
use crate::context::Ctx;
use crate::environment::api_keys as service;
use crate::error::ApiResult;
use crate::ids::ApiKeyId;
use chrono::{DateTime, Utc};
use entities::api_keys;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

pub struct ApiKeysApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
#[oai(rename = "ApiKey")]
pub struct ApiKeyView {
    /// Always `api_key`.
    pub object: String,
    pub id: String,
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    /// The secret; present only in the response that created it.
    #[oai(skip_serializing_if_is_none)]
    pub key: Option<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<api_keys::Model> for ApiKeyView {
    fn from(k: api_keys::Model) -> Self {
        Self {
            object: "api_key".into(),
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            key: None,
            last_used_at: k.last_used_at,
            created_at: k.created_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct ApiKeyList {
    pub data: Vec<ApiKeyView>,
}

#[derive(Debug, Clone, Object)]
pub struct CreateApiKey {
    pub name: Text,
}

#[derive(ApiResponse)]
pub enum Created {
    #[oai(status = 201)]
    Ok(Json<ApiKeyView>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Ok,
}

#[OpenApi(tag = "Tag::Environment")]
impl ApiKeysApi {
    /// Create an API key; the secret is shown once
    #[oai(path = "/api_keys", method = "post")]
    async fn create(&self, _key: ApiKey, body: Json<CreateApiKey>) -> ApiResult<Created> {
        let created = service::create_api_key(&self.ctx, &body.0.name).await?;
        let mut view = ApiKeyView::from(created.key);
        view.key = Some(created.secret);
        Ok(Created::Ok(Json(view)))
    }

    /// List live API keys
    #[oai(path = "/api_keys", method = "get")]
    async fn list(&self, _key: ApiKey) -> ApiResult<Json<ApiKeyList>> {
        let keys = service::list_api_keys(&self.ctx).await?;
        Ok(Json(ApiKeyList {
            data: keys.into_iter().map(Into::into).collect(),
        }))
    }

    /// Revoke an API key; it stops working at once
    #[oai(path = "/api_keys/:id", method = "delete")]
    async fn revoke(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Deleted> {
        let id = path_id::<ApiKeyId>(&id.0, "API key")?;
        service::revoke_api_key(&self.ctx, &id).await?;
        Ok(Deleted::Ok)
    }
}
