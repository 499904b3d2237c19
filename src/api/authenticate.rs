use super::tags::Tag;
use super::text::{self, Text};
use super::users::User;
use crate::authentication::{self, Caller, Delivery, Grant, SignedIn};
use crate::context::Ctx;
use crate::environment::api_keys::authenticate_api_key;
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::AccountKey;
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use secrecy::SecretString;

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
            return Err(ApiError::bad_request(
                "unsupported_grant_type",
                format!("grant_type `{grant_type}` is not supported"),
            ))
        }
    })
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
