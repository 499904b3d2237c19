//! Why an OIDC sign-in was refused. Every variant names one check; none carries a token, code or secret,
//! so an `OidcError` can be logged and shown (as a code) without leaking anything.

/// A refused or failed OpenID Connect (or GitHub OAuth) sign-in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    /// The issuer, redirect URI or an endpoint is not a usable URL.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Discovery or the JWKS could not be fetched or did not validate (network, status, parse, issuer mismatch).
    #[error("discovery failed for {issuer}: {reason}")]
    Discovery { issuer: String, reason: String },
    /// The provider sent `error=...` back to the redirect URI instead of a code.
    #[error("the provider refused the authorization: {error}")]
    ProviderRefused { error: String },
    /// The callback carried no `code`.
    #[error("the callback has no authorization code")]
    MissingCode,
    /// The callback's `state` is not the one this flow sent (CSRF or a mixed-up browser tab).
    #[error("state mismatch")]
    StateMismatch,
    /// The callback's RFC 9207 `iss` parameter names another issuer (authorization server mix-up).
    #[error("the authorization response came from another issuer")]
    ResponseIssuerMismatch,
    /// The token endpoint refused the code or answered something unusable.
    #[error("code exchange failed: {0}")]
    TokenExchange(String),
    /// The token response has no ID token.
    #[error("the token response has no id_token")]
    MissingIdToken,
    /// The ID token's `iss` is not the provider's issuer.
    #[error("ID token issuer mismatch")]
    WrongIssuer,
    /// The ID token's `aud` does not contain this client, or names an untrusted extra audience.
    #[error("ID token audience mismatch")]
    WrongAudience,
    /// The ID token's `exp` has passed.
    #[error("ID token expired")]
    Expired,
    /// The ID token's `nonce` is missing or not the one this flow sent (replay).
    #[error("ID token nonce mismatch")]
    NonceMismatch,
    /// The ID token is unsigned (`alg: none`), MAC-signed, or signed with an algorithm outside the allowed list.
    #[error("ID token algorithm not allowed: {0}")]
    AlgorithmNotAllowed(String),
    /// No key in the provider's JWKS matches the ID token's `kid`, even after re-fetching the JWKS once.
    #[error("no signing key matches the ID token")]
    UnknownSigningKey,
    /// The signature does not verify with the provider's key.
    #[error("ID token signature invalid")]
    BadSignature,
    /// The ID token's `at_hash` does not match the access token it came with.
    #[error("ID token at_hash mismatch")]
    AccessTokenHashMismatch,
    /// Any other ID token defect (malformed, unsupported header, bad subject).
    #[error("invalid ID token: {0}")]
    InvalidIdToken(String),
    /// The userinfo endpoint failed, or answered for another subject.
    #[error("userinfo failed: {0}")]
    UserInfo(String),
    /// A GitHub API call failed or answered something unusable.
    #[error("GitHub API failed: {0}")]
    GitHub(String),
}

impl OidcError {
    /// A short stable name for logs and API error codes.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Config(_) => "oidc_config",
            Self::Discovery { .. } => "oidc_discovery_failed",
            Self::ProviderRefused { .. } => "oidc_provider_refused",
            Self::MissingCode => "oidc_missing_code",
            Self::StateMismatch => "oidc_state_mismatch",
            Self::ResponseIssuerMismatch => "oidc_response_issuer_mismatch",
            Self::TokenExchange(_) => "oidc_token_exchange_failed",
            Self::MissingIdToken => "oidc_missing_id_token",
            Self::WrongIssuer => "oidc_wrong_issuer",
            Self::WrongAudience => "oidc_wrong_audience",
            Self::Expired => "oidc_id_token_expired",
            Self::NonceMismatch => "oidc_nonce_mismatch",
            Self::AlgorithmNotAllowed(_) => "oidc_algorithm_not_allowed",
            Self::UnknownSigningKey => "oidc_unknown_signing_key",
            Self::BadSignature => "oidc_bad_signature",
            Self::AccessTokenHashMismatch => "oidc_at_hash_mismatch",
            Self::InvalidIdToken(_) => "oidc_invalid_id_token",
            Self::UserInfo(_) => "oidc_userinfo_failed",
            Self::GitHub(_) => "github_api_failed",
        }
    }
}
