use super::auth::ApiKey;
use super::tags::Tag;
use super::text::Text;
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::oidc::social::SocialProvider as Provider;
use crate::sso::social::callback_url;
use crate::sso::social_providers::{self as service, ProviderInput};
use chrono::{DateTime, Utc};
use entities::social_providers as rows;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use secrecy::SecretString;

pub struct SocialProvidersApi {
    pub ctx: Ctx,
}

/// This environment's OAuth client at a social provider. The client secret is write-only.
#[derive(Debug, Clone, Object)]
pub struct SocialProvider {
    /// Always `social_provider`.
    pub object: String,
    pub id: String,
    /// google, microsoft or github.
    pub provider: String,
    pub client_id: String,
    /// A secret is stored (sealed); it is never returned.
    pub client_secret_set: bool,
    /// Replaces the provider's public base URL (sovereign clouds, tests against a local provider).
    pub base_url: Option<String>,
    /// Microsoft only: common, organizations, consumers or a tenant id.
    pub tenant: Option<String>,
    /// A disabled registration turns the provider off, also when the configuration file names it.
    pub enabled: bool,
    /// The redirect URI to register at the provider.
    pub redirect_uri: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SocialProvider {
    fn of(ctx: &Ctx, row: rows::Model) -> Self {
        let redirect_uri = row
            .provider
            .parse::<Provider>()
            .map(|p| callback_url(ctx, p))
            .unwrap_or_default();
        Self {
            object: "social_provider".into(),
            id: row.id,
            provider: row.provider,
            client_id: row.client_id,
            client_secret_set: !row.client_secret_sealed.is_empty(),
            base_url: row.base_url,
            tenant: row.tenant,
            enabled: row.enabled,
            redirect_uri,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct SocialProviderList {
    pub data: Vec<SocialProvider>,
}

#[derive(Debug, Clone, Object)]
pub struct PutSocialProvider {
    pub client_id: Text,
    /// Required when registering; when replacing, leave it out to keep the stored secret.
    #[oai(write_only)]
    pub client_secret: Option<Text>,
    pub base_url: Option<Text>,
    pub tenant: Option<Text>,
    /// Default true.
    pub enabled: Option<bool>,
}

#[derive(ApiResponse)]
pub enum Put {
    /// Registered.
    #[oai(status = 201)]
    Created(Json<SocialProvider>),
    /// Replaced.
    #[oai(status = 200)]
    Replaced(Json<SocialProvider>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Ok,
}

/// google, microsoft or github; anything else names no resource.
fn provider(raw: &str) -> Result<Provider, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("social provider"))
}

fn opt(text: Option<Text>) -> Option<String> {
    text.map(|t| t.0.trim().to_owned()).filter(|t| !t.is_empty())
}

#[OpenApi(tag = "Tag::Sso")]
impl SocialProvidersApi {
    /// Register or replace the environment's OAuth client at a social provider
    #[oai(path = "/sso/social_providers/:provider", method = "put")]
    async fn put(&self, _key: ApiKey, provider: Path<String>, body: Json<PutSocialProvider>) -> ApiResult<Put> {
        let provider = self::provider(&provider.0)?;
        let b = body.0;
        let input = ProviderInput {
            client_id: b.client_id.0,
            client_secret: b.client_secret.map(|s| SecretString::from(s.0)),
            base_url: opt(b.base_url),
            tenant: opt(b.tenant),
            enabled: b.enabled.unwrap_or(true),
        };
        let (row, created) = service::put(&self.ctx, provider, input).await?;
        let view = Json(SocialProvider::of(&self.ctx, row));
        Ok(if created {
            Put::Created(view)
        } else {
            Put::Replaced(view)
        })
    }

    /// List the environment's social provider registrations
    #[oai(path = "/sso/social_providers", method = "get")]
    async fn list(&self, _key: ApiKey) -> ApiResult<Json<SocialProviderList>> {
        let rows = service::list(&self.ctx).await?;
        Ok(Json(SocialProviderList {
            data: rows.into_iter().map(|r| SocialProvider::of(&self.ctx, r)).collect(),
        }))
    }

    /// Get a social provider registration
    #[oai(path = "/sso/social_providers/:provider", method = "get")]
    async fn get(&self, _key: ApiKey, provider: Path<String>) -> ApiResult<Json<SocialProvider>> {
        let provider = self::provider(&provider.0)?;
        let row = service::get(&self.ctx, provider).await?;
        Ok(Json(SocialProvider::of(&self.ctx, row)))
    }

    /// Delete a social provider registration (the configuration file's, if any, applies again)
    #[oai(path = "/sso/social_providers/:provider", method = "delete")]
    async fn delete(&self, _key: ApiKey, provider: Path<String>) -> ApiResult<Deleted> {
        let provider = self::provider(&provider.0)?;
        service::delete(&self.ctx, provider).await?;
        Ok(Deleted::Ok)
    }
}
