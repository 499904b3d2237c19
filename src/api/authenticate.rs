use super::tags::Tag;
use super::text::{self, Text};
use super::users::User;
use crate::authentication::{self, AuthError, Caller, Delivery, Grant, Needed, SignedIn, Step};
use crate::context::Ctx;
use crate::environment::api_keys::authenticate_api_key;
use crate::error::{ApiError, ApiResult};
use crate::identity::codes::RedeemError;
use crate::ratelimit::AccountKey;
use poem::http::StatusCode;
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use secrecy::SecretString;
use serde_json::json;

pub struct AuthenticateApi {
    pub ctx: Ctx,
}

/// One request shape for every grant; which fields are needed depends on `grant_type`.
#[derive(Debug, Clone, Object)]
pub struct AuthenticateRequest {
    pub client_id: Text,
    /// An API key, for callers that cannot send the Authorization header.
    pub client_secret: Option<Text>,
    /// password | urn:gatehouse:grant-type:magic-auth:code | urn:gatehouse:grant-type:email-verification:code |
    /// urn:gatehouse:grant-type:mfa-totp | urn:gatehouse:grant-type:mfa-recovery-code |
    /// urn:gatehouse:grant-type:organization-selection | refresh_token | authorization_code (a hosted sign-in's code,
    /// or an SSO login's code from /sso/authorize)
    /// (`urn:workos:oauth:grant-type:` is accepted for `urn:gatehouse:grant-type:`).
    pub grant_type: Text,
    pub email: Option<Text>,
    pub password: Option<Text>,
    pub code: Option<Text>,
    pub pending_authentication_token: Option<Text>,
    pub authentication_challenge_id: Option<Text>,
    pub organization_id: Option<Text>,
    pub refresh_token: Option<Text>,
    /// The token of an emailed invitation: the grant's user accepts it (proving the mailbox) and
    /// the session starts in the invited organization.
    pub invitation_token: Option<Text>,
    /// PKCE (`authorization_code` of an SSO or social sign-in): the verifier of the `code_challenge` that
    /// `/sso/authorize` was given.
    pub code_verifier: Option<Text>,
    pub ip_address: Option<Text>,
    pub user_agent: Option<Text>,
}

#[derive(Debug, Clone, Object)]
pub struct AuthenticateResponse {
    pub user: User,
    pub organization_id: Option<String>,
    pub access_token: String,
    pub refresh_token: String,
    pub authentication_method: String,
}

fn required(field: Option<Text>, name: &str) -> Result<String, ApiError> {
    text::opt(field).ok_or_else(|| ApiError::field(name, "required", format!("{name} is required for this grant_type")))
}

fn grant_of(body: &mut AuthenticateRequest) -> Result<Grant, ApiError> {
    let grant_type = body.grant_type.0.clone();
    let short = grant_type
        .strip_prefix("urn:gatehouse:grant-type:")
        .or_else(|| grant_type.strip_prefix("urn:workos:oauth:grant-type:"))
        .unwrap_or(&grant_type);
    Ok(match short {
        "password" => Grant::Password {
            email: required(body.email.take(), "email")?,
            password: SecretString::from(required(body.password.take(), "password")?),
        },
        "magic-auth:code" => Grant::MagicAuth {
            email: required(body.email.take(), "email")?,
            code: required(body.code.take(), "code")?,
        },
        "email-verification:code" => Grant::EmailVerification {
            pending_token: required(body.pending_authentication_token.take(), "pending_authentication_token")?,
            code: required(body.code.take(), "code")?,
        },
        "mfa-totp" => Grant::Totp {
            pending_token: required(body.pending_authentication_token.take(), "pending_authentication_token")?,
            challenge_id: required(body.authentication_challenge_id.take(), "authentication_challenge_id")?,
            code: required(body.code.take(), "code")?,
        },
        "mfa-recovery-code" => Grant::RecoveryCode {
            pending_token: required(body.pending_authentication_token.take(), "pending_authentication_token")?,
            code: required(body.code.take(), "code")?,
        },
        "organization-selection" => Grant::OrganizationSelection {
            pending_token: required(body.pending_authentication_token.take(), "pending_authentication_token")?,
            organization_id: required(body.organization_id.take(), "organization_id")?,
        },
        "authorization_code" => {
            let code = required(body.code.take(), "code")?;
            let code_verifier = text::opt(body.code_verifier.take());
            if code.starts_with(crate::sessions::pending::CODE_PREFIX) {
                Grant::AuthorizationCode { code }
            } else if code.starts_with(crate::sso::social::CODE_PREFIX) {
                Grant::Social { code, code_verifier }
            } else {
                Grant::Sso {
                    code,
                    code_verifier,
                    pending_token: text::opt(body.pending_authentication_token.take()),
                }
            }
        }
        "refresh_token" => Grant::RefreshToken {
            refresh_token: required(body.refresh_token.take(), "refresh_token")?,
            organization_id: text::opt(body.organization_id.take()),
        },
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("grant_type `{grant_type}` is not supported"),
            ))
        }
    })
}

/// The 403 "still needed" body of API.md.
fn still_needed(needed: Needed) -> ApiError {
    let user = serde_json::to_value(poem_openapi::types::ToJSON::to_json(&User::from(needed.user.clone())))
        .unwrap_or_default();
    let (code, message, mut extra) = match needed.step {
        Step::EmailVerification { email_verification_id } => (
            "email_verification_required",
            "verify the email address with the code sent to it",
            json!({"email": needed.user.email, "email_verification_id": email_verification_id}),
        ),
        Step::MfaChallenge { factors } => (
            "mfa_challenge",
            "answer a challenge of one of the user's authentication factors",
            json!({"authentication_factors": factors.iter().map(|f| json!({"id": f.id, "type": f.factor_type})).collect::<Vec<_>>()}),
        ),
        Step::MfaEnrollment => (
            "mfa_enrollment",
            "enroll an authentication factor: the organization requires MFA",
            json!({}),
        ),
        Step::Reauthentication {
            organization_id,
            requirements,
        } => (
            "reauthentication_required",
            "the session does not meet the organization's policy; authenticate again as required",
            json!({
                "organization_id": organization_id,
                "requirements": requirements.iter().map(|r| r.code()).collect::<Vec<_>>(),
                "sso_connection_ids": requirements.iter().find_map(|r| match r {
                    crate::policy::evaluate::Requirement::Sso { connection_ids } => Some(connection_ids.clone()),
                    _ => None,
                }).unwrap_or_default(),
            }),
        ),
        // WorkOS's shape: the connections to sign in through, and a token the SSO grant presents.
        Step::SsoRequired {
            email,
            organization_id: _,
            connection_ids,
        } => (
            "sso_required",
            "the organization of this email domain requires signing in through its SSO connection",
            json!({"email": email, "connection_ids": connection_ids}),
        ),
        // Only hosted sign-ins end in a code, and they never answer through this API.
        Step::AuthorizationCode => {
            tracing::error!("an API sign-in ended in an authorization code");
            return ApiError::internal();
        }
        Step::OrganizationSelection { organizations } => (
            "organization_selection_required",
            "choose the organization to sign in to",
            json!({"organizations": organizations.iter().map(|o| json!({"id": o.id, "name": o.name})).collect::<Vec<_>>()}),
        ),
    };
    let mut err = ApiError::new(StatusCode::FORBIDDEN, code, message);
    if let Some(map) = extra.as_object_mut() {
        map.insert("pending_authentication_token".into(), json!(needed.pending_token));
        map.insert("user".into(), user);
        err.extra = Some(map.clone());
    }
    err
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::UnknownClient => ApiError::new(StatusCode::BAD_REQUEST, "invalid_client", err.to_string()),
            AuthError::InvalidCredentials => {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_credentials", err.to_string())
            }
            AuthError::InvalidGrant(message) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_grant", message),
            AuthError::Code(RedeemError::Invalid) => {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_code", "the code is not valid")
            }
            AuthError::Code(RedeemError::Expired) => {
                ApiError::new(StatusCode::BAD_REQUEST, "code_expired", "the code has expired")
            }
            AuthError::Code(RedeemError::TooManyAttempts) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "too_many_attempts",
                "too many attempts; request a new code",
            ),
            AuthError::NotAMember => ApiError::new(
                StatusCode::FORBIDDEN,
                "organization_membership_required",
                err.to_string(),
            ),
            AuthError::RateLimited(limited) => limited.into(),
            AuthError::SsoRefused(code, message) => ApiError::new(StatusCode::FORBIDDEN, code, message),
            AuthError::Needed(needed) => still_needed(*needed),
            AuthError::Invitation(invitation) => invitation.into(),
            AuthError::Mfa(mfa) => mfa.into(),
            AuthError::Credential(c) => c.into(),
            AuthError::Notify(_) | AuthError::Session(_) | AuthError::Db(_) => {
                tracing::error!(error = %err, "sign-in failed");
                ApiError::internal()
            }
        }
    }
}

/// The API key from the Authorization header, or from `client_secret` for callers that put it in the body.
async fn check_caller_key(ctx: &Ctx, req: &Request, body_secret: Option<&str>) -> Result<(), ApiError> {
    let header = super::request::bearer(req).map(str::to_owned);
    let presented = header
        .or(body_secret.map(str::to_owned))
        .ok_or_else(|| ApiError::unauthorized("missing API key"))?;
    match authenticate_api_key(ctx, &presented).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::unauthorized("invalid or revoked API key")),
    }
}

#[OpenApi(prefix_path = "/user_management", tag = "Tag::UserManagement")]
impl AuthenticateApi {
    /// Sign a user in with a grant, or continue a sign-in that needed another step
    #[oai(path = "/authenticate", method = "post")]
    async fn authenticate(
        &self,
        req: &Request,
        body: Json<AuthenticateRequest>,
    ) -> ApiResult<Json<AuthenticateResponse>> {
        let mut body = body.0;
        check_caller_key(&self.ctx, req, body.client_secret.as_deref()).await?;
        let ip = super::request::client_ip(req, body.ip_address.as_deref());
        // Guesses at an account count per client address (so a flood from elsewhere cannot lock
        // its owner out; the account's ceiling across addresses is the grant's to keep), and
        // guesses at a sign-in in progress count per pending token.
        let account = match (&body.email, &body.pending_authentication_token) {
            (Some(email), _) => Some(AccountKey::sign_in(email, ip.as_deref())),
            (None, Some(token)) => Some(AccountKey::pending(token)),
            (None, None) => None,
        };
        super::request::rate_limit(&self.ctx, ip.as_deref(), account.as_ref())?;
        let grant = grant_of(&mut body)?;
        let caller = Caller {
            client_id: body.client_id.0,
            ip_address: text::opt(body.ip_address),
            user_agent: text::opt(body.user_agent),
            device: None,
            delivery: Delivery::Tokens,
        };
        let SignedIn {
            user,
            issued,
            authentication_method,
        } = authentication::authenticate_with_invitation(&self.ctx, &caller, grant, text::opt(body.invitation_token))
            .await?;
        Ok(Json(AuthenticateResponse {
            user: user.into(),
            organization_id: issued.session.organization_id,
            access_token: issued.access_token,
            refresh_token: issued.refresh_token,
            authentication_method,
        }))
    }
}
