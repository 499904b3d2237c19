use super::tags::Tag;
use crate::context::Ctx;
use crate::error::ApiError;
use migration::MigratorTrait;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

pub struct HealthApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
pub struct Status {
    pub status: String,
}

#[derive(ApiResponse)]
pub enum Ready {
    /// Every check passed.
    #[oai(status = 200)]
    Ok(Json<Status>),
}

#[OpenApi(tag = "Tag::Health")]
impl HealthApi {
    /// 200 while the process is up
    #[oai(path = "/health", method = "get")]
    async fn health(&self) -> Json<Status> {
        Json(Status { status: "ok".into() })
    }

    /// 200 when the database answers and is migrated; 503 naming the failed check
    #[oai(path = "/ready", method = "get")]
    async fn ready(&self) -> Result<Ready, ApiError> {
        let unavailable = |check: &str| ApiError::unavailable("not_ready", format!("{check} check failed"));
        if self.ctx.db.read().ping().await.is_err() {
            return Err(unavailable("database"));
        }
        match migration::Migrator::get_pending_migrations(self.ctx.db.read()).await {
            Ok(pending) if pending.is_empty() => {}
            _ => return Err(unavailable("migrations")),
        }
        match crate::sessions::keys::jwks(&self.ctx).await {
            Ok(jwks) if jwks["keys"].as_array().is_some_and(|keys| !keys.is_empty()) => {
                Ok(Ready::Ok(Json(Status { status: "ready".into() })))
            }
            _ => Err(unavailable("signing_key")),
        }
    }
}
