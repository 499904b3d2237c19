//! The API-key security scheme of vendor endpoints (`Authorization: Bearer gh_sk_…`).

use crate::context::Ctx;
use crate::environment::api_keys::authenticate_api_key;
use crate::error::ApiError;
use crate::ids::ApiKeyId;
use poem::Request;
use poem_openapi::auth::Bearer;
use poem_openapi::SecurityScheme;

/// A request made with a live API key.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "gh_sk_…", checker = "check_api_key")]
pub struct ApiKey(pub ApiKeyId);

async fn check_api_key(req: &Request, bearer: Bearer) -> poem::Result<ApiKeyId> {
    let ctx = req.data::<Ctx>().ok_or_else(ApiError::internal)?;
    match authenticate_api_key(ctx, &bearer.token).await {
        Ok(Some(id)) => Ok(id),
        Ok(None) => {
            tracing::info!("request refused: unknown or revoked API key");
            Err(ApiError::unauthorized("invalid or revoked API key").into())
        }
        Err(err) => Err(ApiError::from(err).into()),
    }
}
