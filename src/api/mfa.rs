use super::auth::ApiKey;
use super::request::path_id;
use super::tags::Tag;
use super::text::Text;
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::identity::mfa;
use crate::ids::{AuthChallengeId, AuthFactorId, UserId};
use crate::ratelimit::AccountKey;
use chrono::{DateTime, Utc};
use entities::{mfa_challenges, mfa_factors};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

pub struct MfaApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
pub struct Totp {
    /// PNG data URI of the otpauth QR code; present only at enrollment.
    pub qr_code: Option<String>,
    /// Base32 seed; present only at enrollment.
    pub secret: Option<String>,
    pub uri: Option<String>,
}

#[derive(Debug, Clone, Object)]
pub struct AuthenticationFactor {
    /// Always `authentication_factor`.
    pub object: String,
    pub id: String,
    #[oai(rename = "type")]
    pub factor_type: String,
    pub user_id: String,
    pub verified: bool,
    #[oai(skip_serializing_if_is_none)]
    pub totp: Option<Totp>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<mfa_factors::Model> for AuthenticationFactor {
    fn from(f: mfa_factors::Model) -> Self {
        Self {
            object: "authentication_factor".into(),
            verified: f.verified_at.is_some(),
            id: f.id,
            factor_type: f.factor_type,
            user_id: f.user_id,
            totp: None,
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct AuthenticationChallenge {
    /// Always `authentication_challenge`.
    pub object: String,
    pub id: String,
    pub authentication_factor_id: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl From<mfa_challenges::Model> for AuthenticationChallenge {
    fn from(c: mfa_challenges::Model) -> Self {
        Self {
            object: "authentication_challenge".into(),
            id: c.id,
            authentication_factor_id: c.factor_id,
            expires_at: c.expires_at,
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum FactorType {
    Totp,
}

#[derive(Debug, Clone, Object)]
pub struct EnrollFactor {
    #[oai(rename = "type")]
    pub factor_type: FactorType,
}

#[derive(Debug, Clone, Object)]
pub struct Enrolled {
    pub authentication_factor: AuthenticationFactor,
    pub authentication_challenge: AuthenticationChallenge,
    /// Single-use codes for when the authenticator is lost; shown only here.
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Clone, Object)]
pub struct FactorList {
    pub data: Vec<AuthenticationFactor>,
}

#[derive(Debug, Clone, Object)]
pub struct VerifyChallenge {
    pub code: Text,
}

#[derive(Debug, Clone, Object)]
pub struct VerifyResult {
    pub challenge: AuthenticationChallenge,
    pub valid: bool,
}

#[derive(ApiResponse)]
pub enum EnrolledResponse {
    #[oai(status = 201)]
    Ok(Json<Enrolled>),
}

#[derive(ApiResponse)]
pub enum ChallengeCreated {
    #[oai(status = 201)]
    Ok(Json<AuthenticationChallenge>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Ok,
}

#[OpenApi(tag = "Tag::UserManagement")]
impl MfaApi {
    /// Enroll a TOTP factor; the seed, URI and QR code are shown once
    #[oai(path = "/user_management/users/:id/auth_factors", method = "post")]
    async fn enroll(&self, _key: ApiKey, id: Path<String>, body: Json<EnrollFactor>) -> ApiResult<EnrolledResponse> {
        let user = path_id::<UserId>(&id.0, "user")?;
        let FactorType::Totp = body.0.factor_type;
        let enrollment = mfa::enroll_totp(&self.ctx, &user).await?;
        let mut factor = AuthenticationFactor::from(enrollment.factor);
        factor.totp = Some(Totp {
            qr_code: Some(enrollment.qr_code),
            secret: Some(enrollment.secret_base32),
            uri: Some(enrollment.uri),
        });
        Ok(EnrolledResponse::Ok(Json(Enrolled {
            authentication_factor: factor,
            authentication_challenge: enrollment.challenge.into(),
            recovery_codes: enrollment.recovery_codes,
        })))
    }

    /// List a user's authentication factors
    #[oai(path = "/user_management/users/:id/auth_factors", method = "get")]
    async fn list(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<FactorList>> {
        let user = path_id::<UserId>(&id.0, "user")?;
        let factors = mfa::list_factors(self.ctx.db.read(), user.as_str())
            .await
            .map_err(ApiError::from)?;
        Ok(Json(FactorList {
            data: factors.into_iter().map(Into::into).collect(),
        }))
    }

    /// Start a challenge of a factor
    #[oai(path = "/auth/factors/:id/challenge", method = "post")]
    async fn challenge(&self, _key: ApiKey, id: Path<String>) -> ApiResult<ChallengeCreated> {
        let factor = path_id::<AuthFactorId>(&id.0, "authentication factor")?;
        Ok(ChallengeCreated::Ok(Json(
            mfa::challenge_factor(&self.ctx, &factor).await?.into(),
        )))
    }

    /// Verify a challenge with a code from the authenticator
    #[oai(path = "/auth/challenges/:id/verify", method = "post")]
    async fn verify(
        &self,
        req: &poem::Request,
        _key: ApiKey,
        id: Path<String>,
        body: Json<VerifyChallenge>,
    ) -> ApiResult<Json<VerifyResult>> {
        super::request::rate_limit(
            &self.ctx,
            super::request::client_ip(req, None).as_deref(),
            Some(&AccountKey::challenge(&id.0)),
        )?;
        let challenge = path_id::<AuthChallengeId>(&id.0, "authentication challenge")?;
        let (challenge, _, valid) = mfa::verify_challenge(&self.ctx, &challenge, &body.0.code).await?;
        Ok(Json(VerifyResult {
            challenge: challenge.into(),
            valid,
        }))
    }

    /// Delete a factor
    #[oai(path = "/auth/factors/:id", method = "delete")]
    async fn delete(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Deleted> {
        let factor = path_id::<AuthFactorId>(&id.0, "authentication factor")?;
        mfa::delete_factor(&self.ctx, &factor).await?;
        Ok(Deleted::Ok)
    }
}
