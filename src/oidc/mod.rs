//! OpenID Connect relying party: the protocol half of OIDC SSO connections and social sign-in.
//!
//! # Interface
//! ```text
//! let oidc = Oidc::new(ctx.clock.clone(), HttpLimits::default(), egress)?;          // one per process; caches discovery
//! let provider = Provider::Discover { issuer: "https://idp.example".into() };
//! let client = ClientConfig { client_id, client_secret: Some(unsealed_secret) };
//!
//! // GET /sso/authorize: store `pending` server-side (it holds the state, nonce and PKCE verifier), redirect.
//! let (url, pending) = oidc.begin(&provider, &client, "https://gatehouse/sso/oidc/callback", &["email", "profile"]).await?;
//!
//! // Callback: look `pending` up by the returned state, then
//! let identity = oidc.finish(&provider, &client, &pending, &Callback { state, code, iss, error }).await?;
//! // identity: OidcIdentity { issuer, subject, email, email_verified, name, given_name, family_name, hd, raw_claims }
//! ```
//! `begin` discovers the provider (cached per issuer for [`Oidc::DISCOVERY_TTL`]) and builds an authorization
//! code request with PKCE S256, a random `state` and a random `nonce`. `finish` checks `state` (and the RFC 9207
//! `iss` parameter when present), exchanges the code with the PKCE verifier, and verifies the ID token: `iss`,
//! `aud`, `exp` (against the injected clock), `nonce`, `at_hash`, and a signature with an asymmetric algorithm
//! from [`ALLOWED_ALGORITHMS`] (`none` and HMAC are refused). A `kid` missing from the cached JWKS re-fetches
//! the JWKS once (key rotation). When the ID token has no `email`, userinfo is asked (same `sub` required).
//! Every refusal is a distinct [`OidcError`] and is logged with its reason; tokens, codes and secrets never are.
//!
//! [`Provider`] is `Discover` (an SSO connection's issuer), `Manual` (endpoints by hand), or
//! `DiscoverMultiTenant` (Microsoft's `common`: each token's `iss` must be the issuer template filled with its
//! own `tid`; [`OidcIdentity::issuer`] is then that tenant's issuer).
//!
//! Social sign-in: [`social`] has the Google/Microsoft presets and [`social::email_trust`], the rule for
//! whether a provider's email may be linked without a code; [`github`] is GitHub's OAuth2 (not OIDC) path.
//!
//! Client secrets live here only in memory as [`SecretString`]; the caller stores them sealed (`crate::crypto`).

mod claims;
mod error;
pub mod github;
mod http;
pub mod social;

pub use claims::{is_true, OidcIdentity};
pub use error::OidcError;
pub use http::HttpLimits;

use crate::clock::Clock;
use crate::http::egress::Egress;
use chrono::{DateTime, Duration, Utc};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreClientAuthMethod, CoreIdToken, CoreIdTokenVerifier,
    CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AccessTokenHash, AuthType, AuthUrl, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EmptyAdditionalProviderMetadata, IssuerUrl, JsonWebKeySet, JsonWebKeySetUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, ResponseTypes, Scope, SignatureVerificationError, TokenResponse,
    TokenUrl, UserInfoUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// ID token signature algorithms a provider may use. Asymmetric only: `none` is no signature, and an HMAC
/// "signature" is made with the client secret, which the provider and every holder of the secret share.
pub const ALLOWED_ALGORITHMS: [CoreJwsSigningAlgorithm; 9] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// Where the provider's metadata comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// `{issuer}/.well-known/openid-configuration`; its `issuer` must equal this one exactly.
    Discover { issuer: String },
    /// Endpoints given by hand, for providers without discovery; the JWKS is still fetched from `jwks_uri`.
    Manual(ManualEndpoints),
    /// A multi-tenant endpoint such as Microsoft's `https://login.microsoftonline.com/common/v2.0`: its
    /// document names a per-tenant issuer template (`https://login.microsoftonline.com/{tenantid}/v2.0`) or
    /// one fixed issuer (`consumers`), which must live on the same origin as `url`. Each ID token's `iss` must
    /// then equal the template filled with the token's own `tid` claim.
    DiscoverMultiTenant { url: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualEndpoints {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub userinfo_endpoint: Option<String>,
}

impl Provider {
    pub fn issuer(&self) -> &str {
        match self {
            Self::Discover { issuer } => issuer,
            Self::Manual(m) => &m.issuer,
            Self::DiscoverMultiTenant { url } => url,
        }
    }

    fn cache_key(&self) -> String {
        match self {
            Self::Discover { issuer } => format!("discover {issuer}"),
            Self::Manual(m) => format!("manual {} {} {}", m.issuer, m.token_endpoint, m.jwks_uri),
            Self::DiscoverMultiTenant { url } => format!("multi-tenant {url}"),
        }
    }
}

/// This relying party's registration at the provider.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub client_id: String,
    /// `None` for a public client (PKCE only).
    pub client_secret: Option<SecretString>,
}

/// What `begin` hands out and `finish` needs back: keep it server-side (never in the browser), look it up
/// by `state`, use it once, and give it an expiry (ten minutes is plenty for a login).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOidc {
    pub issuer: String,
    pub redirect_uri: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

impl std::fmt::Debug for PendingOidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingOidc")
            .field("issuer", &self.issuer)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// The query parameters the provider sent to the redirect URI.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    /// RFC 9207 issuer identification.
    pub iss: Option<String>,
    pub error: Option<String>,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("iss", &self.iss)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

struct Cached {
    metadata: CoreProviderMetadata,
    fetched_at: DateTime<Utc>,
}

/// The relying party: an HTTP client (no redirects, timeouts) and the discovery cache.
pub struct Oidc {
    http: http::Http,
    clock: Arc<dyn Clock>,
    /// How far in the future an ID token's `iat` may lie (the provider's clock runs ahead).
    max_clock_skew: Duration,
    cache: Mutex<HashMap<String, Cached>>,
}

impl Oidc {
    /// How long discovered metadata and JWKS are reused before they are fetched again.
    pub const DISCOVERY_TTL: Duration = Duration::hours(1);
    /// `Config::sso_clock_skew_secs`'s default.
    pub const DEFAULT_CLOCK_SKEW: Duration = Duration::seconds(90);

    /// The skew the SSO configuration allows (`GATEHOUSE_SSO_CLOCK_SKEW_SECS`).
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.max_clock_skew = skew;
        self
    }

    /// # Errors
    /// [`OidcError::Config`] if the HTTP client cannot be built (no TLS roots).
    pub fn new(clock: Arc<dyn Clock>, limits: HttpLimits, egress: Arc<Egress>) -> Result<Self, OidcError> {
        Ok(Self {
            http: http::Http::new(limits, egress)?,
            clock,
            max_clock_skew: Self::DEFAULT_CLOCK_SKEW,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Starts a sign-in: the URL to send the browser to, and what `finish` will need.
    ///
    /// `openid` is always requested; `scopes` adds others (`email`, `profile`).
    ///
    /// # Errors
    /// [`OidcError::Discovery`] if the provider cannot be discovered, [`OidcError::Config`] for a bad URL.
    #[tracing::instrument(skip_all, fields(issuer = %provider.issuer()))]
    pub async fn begin(
        &self,
        provider: &Provider,
        client: &ClientConfig,
        redirect_uri: &str,
        scopes: &[&str],
    ) -> Result<(url::Url, PendingOidc), OidcError> {
        let metadata = self.metadata(provider).await.inspect_err(|e| refused(provider, e))?;
        let rp = relying_party(metadata, client, redirect_uri)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = rp.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in scopes.iter().filter(|s| **s != "openid") {
            request = request.add_scope(Scope::new((*scope).to_owned()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let pending = PendingOidc {
            issuer: provider.issuer().to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        };
        Ok((url, pending))
    }

    /// Completes a sign-in from the provider's callback. See the module docs for the checks, in order.
    ///
    /// # Errors
    /// One [`OidcError`] variant per failed check; each is logged at `warn` with its reason.
    #[tracing::instrument(skip_all, fields(issuer = %provider.issuer()))]
    pub async fn finish(
        &self,
        provider: &Provider,
        client: &ClientConfig,
        pending: &PendingOidc,
        callback: &Callback,
    ) -> Result<OidcIdentity, OidcError> {
        let result = self.finish_inner(provider, client, pending, callback).await;
        match &result {
            Ok(identity) => tracing::info!(subject = %identity.subject, "OIDC sign-in verified"),
            Err(e) => refused(provider, e),
        }
        result
    }

    async fn finish_inner(
        &self,
        provider: &Provider,
        client: &ClientConfig,
        pending: &PendingOidc,
        callback: &Callback,
    ) -> Result<OidcIdentity, OidcError> {
        if pending.issuer != provider.issuer() {
            return Err(OidcError::Config(
                "the pending sign-in belongs to another provider".into(),
            ));
        }
        let expected_iss = match provider {
            // Per-tenant issuers: the ID token check below pins the issuer instead.
            Provider::DiscoverMultiTenant { .. } => None,
            _ => Some(pending.issuer.as_str()),
        };
        check_callback(pending, callback, expected_iss)?;
        let code = callback.code.as_deref().ok_or(OidcError::MissingCode)?;
        let metadata = self.metadata(provider).await?;
        let multi_tenant = matches!(provider, Provider::DiscoverMultiTenant { .. });
        let issuer_template = metadata.issuer().as_str().to_owned();
        let rp = relying_party(metadata.clone(), client, &pending.redirect_uri)?;
        let token = rp
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Config(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let id_token = token.id_token().ok_or(OidcError::MissingIdToken)?;
        let nonce = Nonce::new(pending.nonce.clone());
        let now = self.clock.now();

        let rp = match verify(
            &rp,
            id_token,
            &nonce,
            now,
            token.access_token(),
            multi_tenant,
            self.max_clock_skew,
        ) {
            Err(OidcError::UnknownSigningKey) => {
                tracing::info!("ID token kid not in the cached JWKS; fetching the JWKS again");
                let refreshed = self.refresh_jwks(provider, metadata).await?;
                let rp = relying_party(refreshed, client, &pending.redirect_uri)?;
                verify(
                    &rp,
                    id_token,
                    &nonce,
                    now,
                    token.access_token(),
                    multi_tenant,
                    self.max_clock_skew,
                )?;
                rp
            }
            Err(e) => return Err(e),
            Ok(()) => rp,
        };

        let id_claims = claims::jws_payload(&id_token.to_string())?;
        let issuer = if multi_tenant {
            claims::tenant_issuer(&issuer_template, &id_claims)?
        } else {
            provider.issuer().to_owned()
        };
        let userinfo = if claims::needs_userinfo(&id_claims) {
            self.userinfo(&rp, token.access_token(), &id_claims).await?
        } else {
            None
        };
        claims::identity(&issuer, id_claims, userinfo)
    }

    async fn userinfo(
        &self,
        rp: &RelyingParty,
        access_token: &openidconnect::AccessToken,
        id_claims: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Option<serde_json::Map<String, serde_json::Value>>, OidcError> {
        let Some(sub) = id_claims.get("sub").and_then(|s| s.as_str()) else {
            return Err(OidcError::InvalidIdToken("no sub claim".into()));
        };
        // No userinfo endpoint: nothing more to learn; the identity simply has no email.
        let Ok(request) = rp.user_info(
            access_token.clone(),
            Some(openidconnect::SubjectIdentifier::new(sub.to_owned())),
        ) else {
            return Ok(None);
        };
        let info: openidconnect::core::CoreUserInfoClaims =
            request.request_async(&self.http).await.map_err(|e| match e {
                openidconnect::UserInfoError::ClaimsVerification(ClaimsVerificationError::InvalidSubject(_)) => {
                    OidcError::UserInfo("userinfo answered for another subject".into())
                }
                openidconnect::UserInfoError::Response(status, _, _) => {
                    OidcError::UserInfo(format!("HTTP status {status}"))
                }
                openidconnect::UserInfoError::Parse(e) => {
                    OidcError::UserInfo(format!("unparsable response at {}", e.path()))
                }
                other => OidcError::UserInfo(other.to_string()),
            })?;
        match serde_json::to_value(info) {
            Ok(serde_json::Value::Object(map)) => Ok(Some(map)),
            _ => Err(OidcError::UserInfo("userinfo is not a JSON object".into())),
        }
    }

    /// Provider metadata with its JWKS, from the cache while it is younger than [`Self::DISCOVERY_TTL`].
    async fn metadata(&self, provider: &Provider) -> Result<CoreProviderMetadata, OidcError> {
        let key = provider.cache_key();
        let now = self.clock.now();
        if let Some(hit) = self.cached(&key, now) {
            return Ok(hit);
        }
        let metadata = match provider {
            Provider::Discover { issuer } => {
                let issuer_url = IssuerUrl::new(issuer.clone()).map_err(|e| bad_url("issuer", e))?;
                CoreProviderMetadata::discover_async(issuer_url, &self.http)
                    .await
                    .map_err(|e| discovery_error(issuer, e))?
            }
            Provider::DiscoverMultiTenant { url } => self.discover_multi_tenant(url).await?,
            Provider::Manual(m) => {
                let metadata = manual_metadata(m)?;
                let jwks = JsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
                    .await
                    .map_err(|e| discovery_error(&m.issuer, e))?;
                metadata.set_jwks(jwks)
            }
        };
        self.lock_cache().insert(
            key,
            Cached {
                metadata: metadata.clone(),
                fetched_at: now,
            },
        );
        Ok(metadata)
    }

    /// openidconnect's discovery insists that the document's issuer equals the URL, which a multi-tenant
    /// endpoint never satisfies; fetch it here and hold it to the same origin instead.
    async fn discover_multi_tenant(&self, url: &str) -> Result<CoreProviderMetadata, OidcError> {
        let fail = |reason: String| OidcError::Discovery {
            issuer: url.to_owned(),
            reason,
        };
        let base = url::Url::parse(url).map_err(|e| bad_url("multi-tenant discovery URL", e))?;
        let resp = self
            .http
            .get(&format!(
                "{}/.well-known/openid-configuration",
                url.trim_end_matches('/')
            ))
            .map_err(|refused| fail(refused.to_string()))?
            .send()
            .await
            .map_err(|e| {
                fail(match crate::http::egress::refusal_in(&e) {
                    Some(refused) => refused.to_string(),
                    None => format!("request failed: {}", e.without_url()),
                })
            })?;
        if !resp.status().is_success() {
            return Err(fail(format!("HTTP status {}", resp.status())));
        }
        let bytes = resp.bytes().await.map_err(|_| fail("unreadable body".into()))?;
        let metadata: CoreProviderMetadata =
            serde_json::from_slice(&bytes).map_err(|e| fail(format!("unparsable document: {e}")))?;
        let issuer = metadata.issuer().url();
        if issuer.origin() != base.origin() {
            return Err(fail("the document's issuer is on another origin".into()));
        }
        let jwks = JsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| discovery_error(url, e))?;
        Ok(metadata.set_jwks(jwks))
    }

    fn cached(&self, key: &str, now: DateTime<Utc>) -> Option<CoreProviderMetadata> {
        let cache = self.lock_cache();
        let hit = cache.get(key)?;
        (now - hit.fetched_at < Self::DISCOVERY_TTL).then(|| hit.metadata.clone())
    }

    async fn refresh_jwks(
        &self,
        provider: &Provider,
        metadata: CoreProviderMetadata,
    ) -> Result<CoreProviderMetadata, OidcError> {
        let jwks = JsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| discovery_error(provider.issuer(), e))?;
        let metadata = metadata.set_jwks(jwks);
        let key = provider.cache_key();
        let mut cache = self.lock_cache();
        if let Some(entry) = cache.get_mut(&key) {
            entry.metadata = metadata.clone();
        }
        Ok(metadata)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        // A panic while holding this lock cannot leave a half-written entry (inserts are single calls).
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

type RelyingParty = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn relying_party(
    metadata: CoreProviderMetadata,
    client: &ClientConfig,
    redirect_uri: &str,
) -> Result<RelyingParty, OidcError> {
    let redirect = RedirectUrl::new(redirect_uri.to_owned()).map_err(|e| bad_url("redirect_uri", e))?;
    // client_secret_basic is the spec's default; use client_secret_post only for a provider that lists it and
    // not basic.
    let post_only = metadata.token_endpoint_auth_methods_supported().is_some_and(|methods| {
        !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
            && methods.contains(&CoreClientAuthMethod::ClientSecretPost)
    });
    let secret = client
        .client_secret
        .as_ref()
        .map(|s| ClientSecret::new(s.expose_secret().to_owned()));
    let public = secret.is_none();
    let rp = CoreClient::from_provider_metadata(metadata, ClientId::new(client.client_id.clone()), secret)
        .set_redirect_uri(redirect);
    Ok(if post_only || public {
        rp.set_auth_type(AuthType::RequestBody)
    } else {
        rp
    })
}

/// Checks the callback before anything is sent to the provider.
fn check_callback(pending: &PendingOidc, callback: &Callback, expected_iss: Option<&str>) -> Result<(), OidcError> {
    use subtle::ConstantTimeEq;
    let state_ok = callback
        .state
        .as_deref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(pending.state.as_bytes())));
    if !state_ok {
        return Err(OidcError::StateMismatch);
    }
    if let (Some(iss), Some(expected)) = (&callback.iss, expected_iss) {
        if iss != expected {
            return Err(OidcError::ResponseIssuerMismatch);
        }
    }
    if let Some(error) = &callback.error {
        return Err(OidcError::ProviderRefused { error: error.clone() });
    }
    Ok(())
}

fn verify(
    rp: &RelyingParty,
    id_token: &CoreIdToken,
    nonce: &Nonce,
    now: DateTime<Utc>,
    access_token: &openidconnect::AccessToken,
    per_tenant_issuer: bool,
    max_clock_skew: Duration,
) -> Result<(), OidcError> {
    let verifier: CoreIdTokenVerifier<'_> = rp
        .id_token_verifier()
        .set_allowed_algs(ALLOWED_ALGORITHMS)
        .set_time_fn(move || now)
        // Checked afterwards by `tenant_issuer`, against the template and the token's `tid`.
        .require_issuer_match(!per_tenant_issuer);
    let claims = id_token.claims(&verifier, nonce).map_err(claims_error)?;
    // A token "issued" beyond the skew from now was minted ahead for later use (or by a
    // provider whose clock cannot be trusted): openidconnect does not check `iat` itself.
    if claims.issue_time() > now + max_clock_skew {
        return Err(OidcError::InvalidIdToken(format!(
            "iat {} lies more than {} s in the future",
            claims.issue_time(),
            max_clock_skew.num_seconds()
        )));
    }
    if let Some(expected) = claims.access_token_hash() {
        let alg = id_token.signing_alg().map_err(signature_error)?;
        let key = id_token.signing_key(&verifier).map_err(signature_error)?;
        let actual = AccessTokenHash::from_token(access_token, alg, key)
            .map_err(|e| OidcError::InvalidIdToken(format!("at_hash: {e}")))?;
        if actual != *expected {
            return Err(OidcError::AccessTokenHashMismatch);
        }
    }
    Ok(())
}

fn claims_error(e: ClaimsVerificationError) -> OidcError {
    match e {
        ClaimsVerificationError::InvalidIssuer(_) => OidcError::WrongIssuer,
        ClaimsVerificationError::InvalidAudience(_) => OidcError::WrongAudience,
        ClaimsVerificationError::Expired(_) => OidcError::Expired,
        ClaimsVerificationError::InvalidNonce(_) => OidcError::NonceMismatch,
        ClaimsVerificationError::SignatureVerification(e) => signature_error(e),
        other => OidcError::InvalidIdToken(other.to_string()),
    }
}

fn signature_error(e: SignatureVerificationError) -> OidcError {
    match e {
        SignatureVerificationError::NoSignature => OidcError::AlgorithmNotAllowed("none".into()),
        SignatureVerificationError::DisallowedAlg(reason) | SignatureVerificationError::UnsupportedAlg(reason) => {
            OidcError::AlgorithmNotAllowed(reason)
        }
        SignatureVerificationError::NoMatchingKey => OidcError::UnknownSigningKey,
        SignatureVerificationError::CryptoError(_) => OidcError::BadSignature,
        other => OidcError::InvalidIdToken(other.to_string()),
    }
}

fn token_error<RE: std::error::Error>(
    e: openidconnect::RequestTokenError<
        RE,
        openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    >,
) -> OidcError {
    use openidconnect::RequestTokenError as E;
    OidcError::TokenExchange(match e {
        // The provider's error code and description name the problem and hold no secret.
        E::ServerResponse(r) => r.to_string(),
        E::Request(e) => match crate::http::egress::refusal_in(&e) {
            Some(refused) => refused.to_string(),
            None => format!("request failed: {e}"),
        },
        // The body may hold tokens: name only where parsing failed. A malformed id_token fails here too.
        E::Parse(e, _) => format!("unparsable token response at {}", e.path()),
        E::Other(reason) => reason,
    })
}

fn discovery_error<RE: std::error::Error>(issuer: &str, e: openidconnect::DiscoveryError<RE>) -> OidcError {
    use openidconnect::DiscoveryError as E;
    let reason = match e {
        E::Response(status, _, _) => format!("HTTP status {status}"),
        E::Parse(e) => format!("unparsable document at {}", e.path()),
        E::Request(e) => match crate::http::egress::refusal_in(&e) {
            Some(refused) => refused.to_string(),
            None => format!("request failed: {e}"),
        },
        other => other.to_string(),
    };
    OidcError::Discovery {
        issuer: issuer.to_owned(),
        reason,
    }
}

fn bad_url(what: &str, e: url::ParseError) -> OidcError {
    OidcError::Config(format!("{what} is not a URL: {e}"))
}

fn manual_metadata(m: &ManualEndpoints) -> Result<CoreProviderMetadata, OidcError> {
    let metadata = CoreProviderMetadata::new(
        IssuerUrl::new(m.issuer.clone()).map_err(|e| bad_url("issuer", e))?,
        AuthUrl::new(m.authorization_endpoint.clone()).map_err(|e| bad_url("authorization_endpoint", e))?,
        JsonWebKeySetUrl::new(m.jwks_uri.clone()).map_err(|e| bad_url("jwks_uri", e))?,
        vec![ResponseTypes::new(vec![CoreResponseType::Code])],
        vec![CoreSubjectIdentifierType::Public],
        ALLOWED_ALGORITHMS.to_vec(),
        EmptyAdditionalProviderMetadata {},
    )
    .set_token_endpoint(Some(
        TokenUrl::new(m.token_endpoint.clone()).map_err(|e| bad_url("token_endpoint", e))?,
    ));
    let userinfo = match &m.userinfo_endpoint {
        Some(u) => Some(UserInfoUrl::new(u.clone()).map_err(|e| bad_url("userinfo_endpoint", e))?),
        None => None,
    };
    Ok(metadata.set_userinfo_endpoint(userinfo))
}

fn refused(provider: &Provider, e: &OidcError) {
    tracing::warn!(issuer = %provider.issuer(), code = e.code(), reason = %e, "OIDC sign-in refused");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending() -> PendingOidc {
        PendingOidc {
            issuer: "https://op.example".into(),
            redirect_uri: "https://rp.example/cb".into(),
            state: "state-1".into(),
            nonce: "nonce-1".into(),
            pkce_verifier: "v".repeat(43),
        }
    }

    #[test]
    fn callback_checks_state_then_issuer_then_error() {
        let cb = |state: Option<&str>, iss: Option<&str>, error: Option<&str>| Callback {
            state: state.map(Into::into),
            code: Some("c".into()),
            iss: iss.map(Into::into),
            error: error.map(Into::into),
        };
        let cases = [
            (cb(Some("state-1"), None, None), Ok(())),
            (cb(Some("state-1"), Some("https://op.example"), None), Ok(())),
            (cb(Some("state-2"), None, None), Err(OidcError::StateMismatch)),
            (cb(Some("state-1x"), None, None), Err(OidcError::StateMismatch)),
            (cb(Some(""), None, None), Err(OidcError::StateMismatch)),
            (cb(None, None, None), Err(OidcError::StateMismatch)),
            // A wrong state is reported as such even when the provider also sent an error.
            (
                cb(Some("nope"), None, Some("access_denied")),
                Err(OidcError::StateMismatch),
            ),
            (
                cb(Some("state-1"), Some("https://evil.example"), None),
                Err(OidcError::ResponseIssuerMismatch),
            ),
            (
                cb(Some("state-1"), None, Some("access_denied")),
                Err(OidcError::ProviderRefused {
                    error: "access_denied".into(),
                }),
            ),
        ];
        for (callback, want) in cases {
            assert_eq!(
                check_callback(&pending(), &callback, Some("https://op.example")),
                want,
                "{callback:?}"
            );
        }
    }

    #[test]
    fn pending_debug_hides_the_secrets() {
        let shown = format!("{:?}", pending());
        assert!(
            !shown.contains("state-1") && !shown.contains("nonce-1") && !shown.contains("vvvv"),
            "{shown}"
        );
    }

    #[test]
    fn verification_errors_map_to_distinct_refusals() {
        use ClaimsVerificationError as C;
        use SignatureVerificationError as S;
        let cases = [
            (C::InvalidIssuer("x".into()), OidcError::WrongIssuer),
            (C::InvalidAudience("x".into()), OidcError::WrongAudience),
            (C::Expired("x".into()), OidcError::Expired),
            (C::InvalidNonce("x".into()), OidcError::NonceMismatch),
            (
                C::SignatureVerification(S::NoSignature),
                OidcError::AlgorithmNotAllowed("none".into()),
            ),
            (
                C::SignatureVerification(S::DisallowedAlg("HS256".into())),
                OidcError::AlgorithmNotAllowed("HS256".into()),
            ),
            (C::SignatureVerification(S::NoMatchingKey), OidcError::UnknownSigningKey),
            (
                C::SignatureVerification(S::CryptoError("x".into())),
                OidcError::BadSignature,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(claims_error(input.clone()), want, "{input:?}");
        }
    }
}
