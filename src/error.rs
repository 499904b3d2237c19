//! The one place that knows HTTP error statuses. Services return their own error enums;
//! they convert into `ApiError`, which renders API.md's `{code, message, errors[]}` body.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaResponse, MetaResponses, Registry};
use poem_openapi::{ApiResponse, Object};
use serde::Serialize;

pub use crate::validation::FieldError;

/// The error body of every endpoint (API.md "Errors").
#[derive(Debug, Clone, Serialize, Object)]
#[oai(rename = "Error")]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[oai(skip_serializing_if_is_empty)]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after_secs: Option<u64>,
    /// Fields a "still needed" answer adds beside `code` and `message` (API.md), such as
    /// `pending_authentication_token`.
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                code: code.into(),
                message: message.into(),
                errors: Vec::new(),
            },
            retry_after_secs: None,
            extra: None,
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// The grant or step asked for is not this one's to give: a 403 with its own `code`.
    pub fn forbidden(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// A dependency is down (`GET /ready`).
    pub fn unavailable(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let message = errors
            .first()
            .map(|e| format!("{}: {}", e.field, e.message))
            .unwrap_or_else(|| "validation failed".into());
        let mut err = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", message);
        err.body.errors = errors;
        err
    }

    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "internal error")
    }

    /// Maps an error raised by poem or poem-openapi (bad JSON, bad parameter, body too
    /// large, unknown route) to the API.md body, so no framework text leaks out.
    pub fn from_framework(err: &poem::Error) -> Self {
        if let Some(api) = err.downcast_ref::<ApiError>() {
            return api.clone();
        }
        let status = err.status();
        let detail = err.to_string();
        match status {
            StatusCode::BAD_REQUEST => Self::invalid_request(detail),
            StatusCode::UNAUTHORIZED => Self::unauthorized("missing or invalid API key"),
            StatusCode::NOT_FOUND => Self::new(status, "not_found", "no such resource"),
            StatusCode::METHOD_NOT_ALLOWED => Self::new(status, "method_not_allowed", "method not allowed"),
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(status, "payload_too_large", "request body too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::new(status, "unsupported_media_type", "expected application/json")
            }
            s if s.is_client_error() => Self::new(s, "invalid_request", detail),
            _ => {
                tracing::error!(error = %detail, "unhandled framework error");
                Self::internal()
            }
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.body.code, self.body.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::to_value(&self.body).unwrap_or_default();
        if let (Some(extra), Some(object)) = (self.extra, body.as_object_mut()) {
            object.extend(extra);
        }
        let mut resp = poem::web::Json(body).with_status(self.status).into_response();
        if let Some(secs) = self.retry_after_secs {
            resp.headers_mut().insert(poem::http::header::RETRY_AFTER, secs.into());
        }
        resp
    }
}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn as_response(&self) -> Response {
        self.clone().into_response()
    }
}

impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        let body = Json::<ErrorBody>::meta().responses;
        let content = body.into_iter().flat_map(|r| r.content).collect::<Vec<_>>();
        let statuses: [(u16, &'static str); 7] = [
            (400, "Malformed request"),
            (401, "Missing, invalid or revoked credential"),
            (403, "Not allowed, or a sign-in step is still needed"),
            (404, "No such resource"),
            (409, "Uniqueness or state conflict"),
            (422, "Invalid fields, listed in errors[]"),
            (429, "Rate limited; see Retry-After"),
        ];
        MetaResponses {
            responses: statuses
                .into_iter()
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(status),
                    status_range: None,
                    content: content
                        .iter()
                        .map(|c| poem_openapi::registry::MetaMediaType {
                            content_type: c.content_type,
                            schema: c.schema.clone(),
                        })
                        .collect(),
                    headers: vec![],
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        Json::<ErrorBody>::register(registry);
    }
}

/// Too many attempts: 429 with `Retry-After` in whole seconds (at least one).
impl From<crate::ratelimit::Limited> for ApiError {
    fn from(limited: crate::ratelimit::Limited) -> Self {
        let mut err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many attempts; slow down",
        );
        err.retry_after_secs = Some(limited.retry_after.as_secs().max(1));
        err
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        tracing::error!(error = %err, "database error");
        Self::internal()
    }
}

/// Sign-in refusals, and the 403 of a step still needed with its pending token.
mod authentication_errors {
    use super::ApiError;
    use crate::api::user_object::User;
    use crate::authentication::{AuthError, Needed, Step};
    use crate::identity::codes::RedeemError;
    use poem::http::StatusCode;
    use serde_json::json;

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
}

/// Mailbox codes, events, webhook endpoints, social providers, SSO codes and policies.
mod endpoint_errors {
    use super::{ApiError, FieldError};
    use crate::events::EventError;
    use crate::identity::codes::{CodeError, RedeemError};
    use crate::identity::mailbox::MailboxError;
    use crate::policy::policies::PolicyError;
    use crate::sso::flow::CodeError as SsoCodeError;
    use crate::sso::social_providers::SocialProviderError;
    use crate::webhooks::endpoints::WebhookError;
    use poem::http::StatusCode;

    impl From<MailboxError> for ApiError {
        fn from(err: MailboxError) -> Self {
            match err {
                MailboxError::UserNotFound => ApiError::not_found("user"),
                MailboxError::InvalidEmail => ApiError::field("email", "invalid_email", "not a valid email address"),
                MailboxError::Code(CodeError::Redeem(RedeemError::Invalid)) => {
                    ApiError::new(StatusCode::BAD_REQUEST, "invalid_code", "the code is not valid")
                }
                MailboxError::Code(CodeError::Redeem(RedeemError::Expired)) => {
                    ApiError::new(StatusCode::BAD_REQUEST, "code_expired", "the code has expired")
                }
                MailboxError::Code(CodeError::Redeem(RedeemError::TooManyAttempts)) => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "too_many_attempts",
                    "too many attempts; request a new code",
                ),
                MailboxError::Credential(c) => c.into(),
                MailboxError::Code(CodeError::Db(db)) | MailboxError::Db(db) => db.into(),
                MailboxError::Notify(_) => ApiError::internal(),
            }
        }
    }

    impl From<EventError> for ApiError {
        fn from(err: EventError) -> Self {
            match err {
                EventError::UnknownCursor(_) => {
                    let mut e = ApiError::invalid_request("`after` names no event");
                    e.body
                        .errors
                        .push(FieldError::new("after", "invalid_cursor", "no such event"));
                    e
                }
                EventError::Db(db) => db.into(),
            }
        }
    }

    impl From<WebhookError> for ApiError {
        fn from(err: WebhookError) -> Self {
            match err {
                WebhookError::NotFound => ApiError::not_found("webhook endpoint"),
                WebhookError::Invalid(errors) => ApiError::validation(errors),
                WebhookError::Seal(e) => {
                    tracing::error!(error = %e, "webhook secret");
                    ApiError::internal()
                }
                WebhookError::Db(db) => db.into(),
            }
        }
    }

    impl From<SocialProviderError> for ApiError {
        fn from(err: SocialProviderError) -> Self {
            match err {
                SocialProviderError::NotFound => ApiError::not_found("social provider"),
                SocialProviderError::Invalid(errors) => ApiError::validation(errors),
                SocialProviderError::Conflict => ApiError::conflict("conflict", err.to_string()),
                SocialProviderError::Seal => {
                    tracing::error!("social provider secret cannot be sealed or unsealed");
                    ApiError::internal()
                }
                SocialProviderError::Db(db) => db.into(),
            }
        }
    }

    impl From<SsoCodeError> for ApiError {
        fn from(err: SsoCodeError) -> Self {
            match err {
                SsoCodeError::InvalidGrant | SsoCodeError::PkceMismatch => {
                    ApiError::new(StatusCode::BAD_REQUEST, "invalid_grant", err.to_string())
                }
                SsoCodeError::Db(db) => db.into(),
            }
        }
    }

    impl From<PolicyError> for ApiError {
        fn from(err: PolicyError) -> Self {
            match err {
                PolicyError::OrganizationNotFound => ApiError::not_found("organization"),
                PolicyError::SessionNotFound => ApiError::field("session_id", "not_found", "no such session"),
                PolicyError::Invalid(errors) => ApiError::validation(errors),
                PolicyError::Db(db) => db.into(),
            }
        }
    }
}

mod service_errors {
    use super::ApiError;
    use crate::environment::api_keys::ApiKeyError;
    use crate::environment::clients::ClientError;
    use crate::orgs::memberships::MembershipError;
    use crate::orgs::organizations::OrgError;
    use crate::orgs::roles::RoleError;
    use crate::users::UserError;
    use poem::http::StatusCode;

    impl From<OrgError> for ApiError {
        fn from(err: OrgError) -> Self {
            match err {
                OrgError::NotFound => ApiError::not_found("organization"),
                OrgError::ExternalIdTaken => ApiError::conflict("external_id_taken", err.to_string()),
                OrgError::DomainTaken(_) => ApiError::conflict("domain_taken", err.to_string()),
                OrgError::Invalid(errors) => ApiError::validation(errors),
                OrgError::Db(db) => db.into(),
            }
        }
    }

    impl From<UserError> for ApiError {
        fn from(err: UserError) -> Self {
            match err {
                UserError::NotFound => ApiError::not_found("user"),
                UserError::EmailTaken => ApiError::conflict("email_taken", err.to_string()),
                UserError::ExternalIdTaken => ApiError::conflict("external_id_taken", err.to_string()),
                UserError::Invalid(errors) => ApiError::validation(errors),
                UserError::Credential(c) => c.into(),
                UserError::Db(db) => db.into(),
            }
        }
    }

    impl From<MembershipError> for ApiError {
        fn from(err: MembershipError) -> Self {
            match err {
                MembershipError::NotFound => ApiError::not_found("organization membership"),
                MembershipError::UserNotFound => ApiError::field("user_id", "not_found", err.to_string()),
                MembershipError::OrganizationNotFound => {
                    ApiError::field("organization_id", "not_found", err.to_string())
                }
                MembershipError::UnknownRole(_) => ApiError::field("role_slug", "not_found", err.to_string()),
                MembershipError::AlreadyMember => ApiError::conflict("already_member", err.to_string()),
                MembershipError::GuestDomainRequiresInvitation => {
                    let mut e = ApiError::field("user_id", "guest_domain_requires_invitation", err.to_string());
                    e.body.code = "guest_domain_requires_invitation".into();
                    e
                }
                MembershipError::Db(db) => db.into(),
            }
        }
    }

    impl From<RoleError> for ApiError {
        fn from(err: RoleError) -> Self {
            match err {
                RoleError::NotFound => ApiError::not_found("role"),
                RoleError::OrganizationNotFound => ApiError::not_found("organization"),
                RoleError::SlugTaken => ApiError::conflict("role_slug_taken", err.to_string()),
                RoleError::InUse => ApiError::conflict("role_in_use", err.to_string()),
                RoleError::IsDefault => ApiError::conflict("role_is_default", err.to_string()),
                RoleError::Invalid(errors) => ApiError::validation(errors),
                RoleError::Db(db) => db.into(),
            }
        }
    }

    impl From<ApiKeyError> for ApiError {
        fn from(err: ApiKeyError) -> Self {
            match err {
                ApiKeyError::NotFound => ApiError::not_found("API key"),
                ApiKeyError::Invalid(errors) => ApiError::validation(errors),
                ApiKeyError::Db(db) => db.into(),
            }
        }
    }

    impl From<ClientError> for ApiError {
        fn from(err: ClientError) -> Self {
            match err {
                ClientError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not_found", "client not found"),
                ClientError::Invalid(errors) => ApiError::validation(errors),
                ClientError::Db(db) => db.into(),
            }
        }
    }
}

mod domain_errors {
    use super::ApiError;
    use crate::domains::DomainError;

    impl From<DomainError> for ApiError {
        fn from(err: DomainError) -> Self {
            match err {
                DomainError::NotFound => ApiError::not_found("organization domain"),
                DomainError::OrganizationNotFound => ApiError::field("organization_id", "not_found", err.to_string()),
                DomainError::Invalid(_) => ApiError::field("domain", "invalid_domain", err.to_string()),
                DomainError::Refused(refusal) => {
                    let mut e = ApiError::field("domain", refusal.code(), refusal.message());
                    e.body.code = refusal.code().into();
                    e
                }
                DomainError::AlreadyClaimed(_) => ApiError::conflict("domain_already_claimed", err.to_string()),
                DomainError::Taken(_) => ApiError::conflict("domain_taken", err.to_string()),
                DomainError::Db(db) => db.into(),
            }
        }
    }
}

mod identity_errors {
    use super::ApiError;
    use crate::identity::credentials::CredentialError;
    use crate::identity::mfa::MfaError;
    use crate::sessions::lifecycle::SessionError;
    use poem::http::StatusCode;

    impl From<CredentialError> for ApiError {
        fn from(err: CredentialError) -> Self {
            match err {
                CredentialError::Weak(errors) => {
                    let mut e = ApiError::validation(errors);
                    e.body.code = "password_too_weak".into();
                    e
                }
                CredentialError::BadImport(_) => ApiError::field("password_hash", "invalid_hash", err.to_string()),
                CredentialError::Hashing => ApiError::internal(),
                CredentialError::Db(db) => db.into(),
            }
        }
    }

    impl From<MfaError> for ApiError {
        fn from(err: MfaError) -> Self {
            match err {
                MfaError::UserNotFound => ApiError::not_found("user"),
                MfaError::FactorNotFound => ApiError::not_found("authentication factor"),
                MfaError::ChallengeNotFound => ApiError::not_found("authentication challenge"),
                MfaError::ChallengeExpired => {
                    ApiError::new(StatusCode::BAD_REQUEST, "challenge_expired", err.to_string())
                }
                MfaError::ChallengeUsed => {
                    ApiError::new(StatusCode::BAD_REQUEST, "challenge_already_verified", err.to_string())
                }
                MfaError::TooManyAttempts => {
                    ApiError::new(StatusCode::BAD_REQUEST, "too_many_attempts", err.to_string())
                }
                MfaError::RateLimited(limited) => limited.into(),
                MfaError::Unseal | MfaError::Setup(_) => {
                    tracing::error!(error = %err, "MFA failure");
                    ApiError::internal()
                }
                MfaError::Db(db) => db.into(),
            }
        }
    }

    impl From<SessionError> for ApiError {
        fn from(err: SessionError) -> Self {
            match err {
                SessionError::NotFound => ApiError::not_found("session"),
                SessionError::InvalidRefreshToken | SessionError::Revoked | SessionError::Expired => {
                    ApiError::new(StatusCode::BAD_REQUEST, "invalid_grant", err.to_string())
                }
                SessionError::NotAMember => ApiError::new(
                    StatusCode::FORBIDDEN,
                    "organization_membership_required",
                    err.to_string(),
                ),
                SessionError::Signing(_) => {
                    tracing::error!(error = %err, "token signing failed");
                    ApiError::internal()
                }
                SessionError::Db(db) => db.into(),
            }
        }
    }
}

mod invitation_errors {
    use super::ApiError;
    use crate::invitations::InvitationError;
    use poem::http::StatusCode;

    /// A 422 whose top-level `code` is the finer one API.md names.
    fn refused(field: &str, code: &str, message: String) -> ApiError {
        let mut e = ApiError::field(field, code, message);
        e.body.code = code.into();
        e
    }

    impl From<InvitationError> for ApiError {
        fn from(err: InvitationError) -> Self {
            let message = err.to_string();
            match err {
                InvitationError::NotFound => ApiError::not_found("invitation"),
                InvitationError::OrganizationNotFound => ApiError::field("organization_id", "not_found", message),
                InvitationError::InviterNotFound => ApiError::field("inviter_user_id", "not_found", message),
                InvitationError::UserNotFound => ApiError::field("user_id", "not_found", message),
                InvitationError::UnknownRole(_) => ApiError::field("role_slug", "not_found", message),
                InvitationError::Invalid(errors) => ApiError::validation(errors),
                InvitationError::DomainNotAllowed(_) => refused("email", "email_domain_not_allowed", message),
                InvitationError::WorkEmailRequired => refused("email", "work_email_required", message),
                InvitationError::AlreadyMember => ApiError::conflict("already_member", message),
                InvitationError::AlreadyPending => ApiError::conflict("invitation_pending", message),
                InvitationError::NotPending(_) => ApiError::conflict("not_pending", message),
                InvitationError::EmailMismatch => refused("user_id", "email_mismatch", message),
                InvitationError::PersonalAccount => refused("user_id", "personal_account_cannot_join", message),
                InvitationError::EmailNotVerified => refused("user_id", "email_not_verified", message),
                InvitationError::InvalidToken => {
                    ApiError::new(StatusCode::BAD_REQUEST, "invalid_invitation_token", message)
                }
                InvitationError::Email(_) | InvitationError::Db(_) => {
                    tracing::error!(error = %message, "invitation failed");
                    ApiError::internal()
                }
            }
        }
    }
}

mod directory_errors {
    use super::ApiError;
    use crate::directories::groups::GroupRoleError;
    use crate::directories::DirectoryError;

    impl From<DirectoryError> for ApiError {
        fn from(err: DirectoryError) -> Self {
            match err {
                DirectoryError::NotFound => ApiError::not_found("directory resource"),
                DirectoryError::OrganizationNotFound => {
                    ApiError::field("organization_id", "not_found", err.to_string())
                }
                DirectoryError::Invalid(errors) => ApiError::validation(errors),
                DirectoryError::Db(db) => db.into(),
            }
        }
    }

    impl From<GroupRoleError> for ApiError {
        fn from(err: GroupRoleError) -> Self {
            match err {
                GroupRoleError::NotFound => ApiError::not_found("directory group"),
                GroupRoleError::UnknownRole(_) => ApiError::field("role_slug", "not_found", err.to_string()),
                GroupRoleError::Db(db) => db.into(),
                GroupRoleError::Scim(scim) => {
                    tracing::error!(error = %scim, "group role mapping failed");
                    ApiError::internal()
                }
            }
        }
    }
}

mod sso_errors {
    use super::{ApiError, FieldError};
    use crate::sso::connections::ConnectionError;
    use poem::http::StatusCode;

    impl From<ConnectionError> for ApiError {
        fn from(err: ConnectionError) -> Self {
            match err {
                ConnectionError::NotFound => ApiError::not_found("connection"),
                ConnectionError::OrganizationNotFound => {
                    ApiError::field("organization_id", "not_found", err.to_string())
                }
                ConnectionError::Invalid(errors) => ApiError::validation(errors),
                ConnectionError::Incomplete(ref missing) => {
                    let mut api = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "config_incomplete", err.to_string());
                    api.body.errors = missing
                        .iter()
                        .map(|field| FieldError::new(field, "required", "required to activate"))
                        .collect();
                    api
                }
                ConnectionError::MetadataUnreachable(_) => {
                    ApiError::field("saml.idp_metadata_url", "unreachable", err.to_string())
                }
                ConnectionError::Key => {
                    tracing::error!(error = %err, "SP key failure");
                    ApiError::internal()
                }
                ConnectionError::Db(db) => db.into(),
            }
        }
    }
}

mod portal_errors {
    use super::ApiError;
    use crate::portal::links::LinkError;

    impl From<LinkError> for ApiError {
        fn from(err: LinkError) -> Self {
            match err {
                LinkError::OrganizationNotFound => ApiError::field("organization", "not_found", err.to_string()),
                LinkError::Invalid(errors) => ApiError::validation(errors),
                LinkError::Db(db) => db.into(),
            }
        }
    }
}
