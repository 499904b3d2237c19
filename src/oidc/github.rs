//! Sign in with GitHub: OAuth2 (GitHub has no OIDC for users), then the REST API for who the user is.
//!
//! `begin` builds the authorization URL (state + PKCE S256, which GitHub accepts); `finish` checks the state,
//! exchanges the code, and reads `GET /user` and `GET /user/emails`. The result is an [`OidcIdentity`] with
//! issuer `https://github.com`, the numeric user id as subject (logins can be renamed and reused), and the
//! primary verified address as email. [`super::social::email_trust`] never trusts it: the address must be
//! proven by code before it links to anything.

use super::social::{SocialConfig, SocialProvider};
use super::{Callback, Oidc, OidcError, OidcIdentity};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    Scope, TokenResponse, TokenUrl,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "https://github.com";

/// What `begin` hands out and `finish` needs back; keep it server-side, like [`super::PendingOidc`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingGitHub {
    pub redirect_uri: String,
    pub state: String,
    pub pkce_verifier: String,
}

impl std::fmt::Debug for PendingGitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingGitHub")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// `GET /user`, the fields used.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GitHubUser {
    pub id: u64,
    pub login: String,
    pub name: Option<String>,
}

/// One entry of `GET /user/emails`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GitHubEmail {
    pub email: String,
    pub primary: bool,
    pub verified: bool,
}

struct Endpoints {
    authorize: String,
    token: String,
    api: String,
}

fn endpoints(config: &SocialConfig) -> Endpoints {
    match &config.base_url {
        // One override host serves all three, as a test server or GitHub Enterprise Server does (`/api/v3`
        // there; point base_url at the host and the API under it accordingly).
        Some(base) => {
            let base = base.trim_end_matches('/');
            Endpoints {
                authorize: format!("{base}/login/oauth/authorize"),
                token: format!("{base}/login/oauth/access_token"),
                api: base.to_owned(),
            }
        }
        None => Endpoints {
            authorize: "https://github.com/login/oauth/authorize".into(),
            token: "https://github.com/login/oauth/access_token".into(),
            api: "https://api.github.com".into(),
        },
    }
}

type GitHubClient = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn oauth_client(config: &SocialConfig, redirect_uri: &str) -> Result<GitHubClient, OidcError> {
    let e = endpoints(config);
    fn url_error(what: &'static str) -> impl Fn(url::ParseError) -> OidcError {
        move |err| OidcError::Config(format!("{what}: {err}"))
    }
    Ok(BasicClient::new(ClientId::new(config.client_id.clone()))
        .set_client_secret(ClientSecret::new(config.client_secret.expose_secret().to_owned()))
        .set_auth_uri(AuthUrl::new(e.authorize).map_err(url_error("authorize URL"))?)
        .set_token_uri(TokenUrl::new(e.token).map_err(url_error("token URL"))?)
        // GitHub reads client credentials from the form body.
        .set_auth_type(oauth2::AuthType::RequestBody)
        .set_redirect_uri(RedirectUrl::new(redirect_uri.to_owned()).map_err(url_error("redirect_uri"))?))
}

fn check_provider(config: &SocialConfig) -> Result<(), OidcError> {
    if config.provider == SocialProvider::GitHub {
        Ok(())
    } else {
        Err(OidcError::Config("not a GitHub configuration".into()))
    }
}

/// The URL to send the browser to, and what `finish` needs.
///
/// # Errors
/// [`OidcError::Config`] for a non-GitHub config or a bad URL.
pub fn begin(config: &SocialConfig, redirect_uri: &str) -> Result<(url::Url, PendingGitHub), OidcError> {
    check_provider(config)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let client = oauth_client(config, redirect_uri)?;
    let mut request = client.authorize_url(CsrfToken::new_random);
    for scope in SocialProvider::GitHub.scopes() {
        request = request.add_scope(Scope::new((*scope).to_owned()));
    }
    let (url, state) = request.set_pkce_challenge(challenge).url();
    Ok((
        url,
        PendingGitHub {
            redirect_uri: redirect_uri.to_owned(),
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        },
    ))
}

/// Completes a GitHub sign-in from its callback.
///
/// # Errors
/// [`OidcError::StateMismatch`], [`OidcError::ProviderRefused`], [`OidcError::MissingCode`],
/// [`OidcError::TokenExchange`], [`OidcError::GitHub`]; each logged with its reason.
#[tracing::instrument(skip_all)]
pub async fn finish(
    oidc: &Oidc,
    config: &SocialConfig,
    pending: &PendingGitHub,
    callback: &Callback,
) -> Result<OidcIdentity, OidcError> {
    let result = finish_inner(oidc, config, pending, callback).await;
    match &result {
        Ok(identity) => tracing::info!(subject = %identity.subject, "GitHub sign-in verified"),
        Err(e) => tracing::warn!(code = e.code(), reason = %e, "GitHub sign-in refused"),
    }
    result
}

async fn finish_inner(
    oidc: &Oidc,
    config: &SocialConfig,
    pending: &PendingGitHub,
    callback: &Callback,
) -> Result<OidcIdentity, OidcError> {
    check_provider(config)?;
    use subtle::ConstantTimeEq;
    let state_ok = callback
        .state
        .as_deref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(pending.state.as_bytes())));
    if !state_ok {
        return Err(OidcError::StateMismatch);
    }
    if let Some(error) = &callback.error {
        return Err(OidcError::ProviderRefused { error: error.clone() });
    }
    let code = callback.code.as_deref().ok_or(OidcError::MissingCode)?;
    let token = oauth_client(config, &pending.redirect_uri)?
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
        .request_async(&oidc.http)
        .await
        .map_err(|e| {
            OidcError::TokenExchange(match e {
                oauth2::RequestTokenError::ServerResponse(r) => r.to_string(),
                oauth2::RequestTokenError::Request(e) => format!("request failed: {e}"),
                // GitHub answers a bad code with HTTP 200 and an error object, which fails to parse as a token.
                oauth2::RequestTokenError::Parse(e, _) => format!("unusable token response at {}", e.path()),
                oauth2::RequestTokenError::Other(reason) => reason,
            })
        })?;
    let access_token = token.access_token().secret();
    let api = endpoints(config).api;
    let user_json = api_get(oidc, &format!("{api}/user"), access_token).await?;
    let emails_json = api_get(oidc, &format!("{api}/user/emails"), access_token).await?;
    identity(user_json, emails_json)
}

async fn api_get(oidc: &Oidc, url: &str, access_token: &str) -> Result<serde_json::Value, OidcError> {
    let resp = oidc
        .http
        .get(url)
        .map_err(|refused| OidcError::GitHub(refused.to_string()))?
        .bearer_auth(access_token)
        .header("accept", "application/vnd.github+json")
        .header("x-github-api-version", "2022-11-28")
        .send()
        .await
        .map_err(|e| OidcError::GitHub(format!("request failed: {}", e.without_url())))?;
    if !resp.status().is_success() {
        return Err(OidcError::GitHub(format!("HTTP status {}", resp.status())));
    }
    resp.json()
        .await
        .map_err(|_| OidcError::GitHub("the response is not JSON".into()))
}

/// Builds the identity from the bodies of `GET /user` and `GET /user/emails`. Pure.
///
/// # Errors
/// [`OidcError::GitHub`] if either body lacks the fields GitHub documents.
pub fn identity(user_json: serde_json::Value, emails_json: serde_json::Value) -> Result<OidcIdentity, OidcError> {
    let user: GitHubUser = serde_json::from_value(user_json.clone())
        .map_err(|e| OidcError::GitHub(format!("unexpected /user body: {e}")))?;
    let emails: Vec<GitHubEmail> = serde_json::from_value(emails_json)
        .map_err(|e| OidcError::GitHub(format!("unexpected /user/emails body: {e}")))?;
    // The profile's public `email` is whatever the user typed there; only /user/emails says verified.
    let email = emails.iter().find(|e| e.primary && e.verified).map(|e| e.email.clone());
    Ok(OidcIdentity {
        issuer: ISSUER.into(),
        subject: user.id.to_string(),
        email_verified: email.is_some(),
        email,
        name: user.name.filter(|n| !n.is_empty()),
        given_name: None,
        family_name: None,
        hd: None,
        raw_claims: user_json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The response shapes GitHub documents for `GET /user` and `GET /user/emails` (trimmed).
    fn user() -> serde_json::Value {
        json!({
            "login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=",
            "avatar_url": "https://github.com/images/error/octocat_happy.gif", "type": "User", "site_admin": false,
            "name": "monalisa octocat", "company": "GitHub", "email": "octocat@github.com",
        })
    }

    #[test]
    fn identity_uses_the_primary_verified_address_only() {
        let email = |e: &str, primary: bool, verified: bool| json!({"email": e, "primary": primary, "verified": verified, "visibility": "public"});
        let cases = [
            (
                json!([email("octocat@github.com", true, true)]),
                Some("octocat@github.com"),
            ),
            (
                json!([
                    email("old@example.com", false, true),
                    email("main@example.com", true, true)
                ]),
                Some("main@example.com"),
            ),
            // Primary but unverified: nothing, even though a verified secondary exists.
            (
                json!([
                    email("main@example.com", true, false),
                    email("alt@example.com", false, true)
                ]),
                None,
            ),
            (json!([]), None),
        ];
        for (emails, want) in cases {
            let got = identity(user(), emails.clone()).unwrap();
            assert_eq!(got.email.as_deref(), want, "{emails}");
            assert_eq!(got.email_verified, want.is_some());
            assert_eq!(got.subject, "1");
            assert_eq!(got.issuer, ISSUER);
            assert_eq!(got.name.as_deref(), Some("monalisa octocat"));
        }
    }

    #[test]
    fn identity_refuses_bodies_of_the_wrong_shape() {
        assert!(identity(json!({"login": "x"}), json!([])).is_err());
        assert!(identity(user(), json!({"message": "Requires authentication"})).is_err());
    }

    #[test]
    fn begin_asks_for_the_email_scope_with_pkce() {
        let config = SocialConfig {
            provider: SocialProvider::GitHub,
            client_id: "gh-client".into(),
            client_secret: secrecy::SecretString::from("gh-secret"),
            base_url: None,
            tenant: None,
        };
        let (url, pending) = begin(&config, "https://rp.example/cb").unwrap();
        let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert!(
            url.as_str().starts_with("https://github.com/login/oauth/authorize?"),
            "{url}"
        );
        assert_eq!(query["scope"], "read:user user:email");
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(query["state"], pending.state);
        assert!(!url.as_str().contains("gh-secret"));
        let google = SocialConfig {
            provider: SocialProvider::Google,
            ..config
        };
        assert!(begin(&google, "https://rp.example/cb").is_err());
    }
}
