//! Social sign-in in the SSO flow: `/sso/authorize?provider=GoogleOAuth` sends the browser to the provider the
//! environment registered (`super::social_providers`, else `Config::social`), `GET /sso/social/{provider}/callback` verifies the answer through
//! `crate::oidc` (Google, Microsoft) or `crate::oidc::github`, and hands the client a one-time code that
//! `/user_management/authenticate` (grant `authorization_code`) trades for a session. Whether the email may
//! link to an account is decided here by `oidc::social::email_trust` and carried in the profile.
//! The provider's `state` is the login's key: its hash is the `social_pending_logins` row id.

use super::codes::{code_table, exchange, profile_of_access_token, spend_code, CodeError};
use super::login::{error_redirect, AuthorizeRequest, FlowFailure, LOGIN_TTL_MINUTES};
use super::oidc_flow::claims_as_attributes;
use super::social_providers::configured;
use crate::context::Ctx;
use crate::ids::ProfileId;
use crate::oidc::social::{email_trust, EmailTrust, SocialProvider};
use crate::oidc::{github, Callback, OidcIdentity, PendingOidc};
use crate::secrets;
use chrono::{DateTime, Duration, Utc};
use entities::{social_codes as codes, social_pending_logins as pending};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use tracing::instrument;
use url::Url;

pub const CODE_PREFIX: &str = "social_code_";
const CODE_TTL_MINUTES: i64 = 10;

/// A provider by its WorkOS name (`GoogleOAuth`) or ours (`google`).
pub fn parse_provider(name: &str) -> Option<SocialProvider> {
    match name {
        "GoogleOAuth" => Some(SocialProvider::Google),
        "MicrosoftOAuth" => Some(SocialProvider::Microsoft),
        "GitHubOAuth" => Some(SocialProvider::GitHub),
        other => other.parse().ok(),
    }
}

/// The WorkOS name, used as the sign-in's `authentication_method`.
pub fn workos_name(provider: SocialProvider) -> &'static str {
    match provider {
        SocialProvider::Google => "GoogleOAuth",
        SocialProvider::Microsoft => "MicrosoftOAuth",
        SocialProvider::GitHub => "GitHubOAuth",
    }
}

/// The redirect URI to register at the provider. One per provider, so an answer can only land on the login
/// of the provider it came from (mix-up defence).
pub fn callback_url(ctx: &Ctx, provider: SocialProvider) -> String {
    format!(
        "{}/sso/social/{}/callback",
        ctx.config.public_url.trim_end_matches('/'),
        provider.as_str()
    )
}

fn verifier_context(login_id: &str) -> Vec<u8> {
    format!("social_pending_login:{login_id}").into_bytes()
}

/// What a social sign-in proved, stored with the code until the client redeems it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialProfile {
    /// The `prof_…` id `/sso/token` answers.
    #[serde(default)]
    pub id: String,
    pub provider: SocialProvider,
    /// The provider's stable user id (`sub`, or GitHub's numeric id).
    pub subject: String,
    pub email: Option<String>,
    /// `oidc::social::email_trust` said the provider may vouch for this address.
    pub email_trusted: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub raw_attributes: BTreeMap<String, Vec<String>>,
}

impl SocialProfile {
    fn of(provider: SocialProvider, identity: &OidcIdentity) -> Self {
        Self {
            id: ProfileId::generate().into_string(),
            provider,
            subject: identity.subject.clone(),
            email: identity.email.clone(),
            email_trusted: email_trust(provider, identity) == EmailTrust::Trusted,
            first_name: identity.given_name.clone(),
            last_name: identity.family_name.clone(),
            raw_attributes: claims_as_attributes(&identity.raw_claims),
        }
    }
}

/// `/sso/authorize?provider=…` once the client and redirect URI are checked: the provider URL.
#[instrument(skip_all, fields(provider = %name))]
pub async fn begin(ctx: &Ctx, name: &str, req: &AuthorizeRequest) -> Result<Url, FlowFailure> {
    let fail =
        |error: &str, description: &str| error_redirect(&req.redirect_uri, req.state.as_deref(), error, description);
    let Some(provider) = parse_provider(name) else {
        return Err(fail(
            "invalid_request",
            "provider must be google, microsoft or github (or GoogleOAuth, MicrosoftOAuth, GitHubOAuth)",
        ));
    };
    let Some(config) = configured(ctx, provider).await? else {
        tracing::info!(
            provider = provider.as_str(),
            "authorize for a social provider that is not configured"
        );
        return Err(fail("invalid_connection", "the provider is not configured"));
    };
    let redirect_uri = callback_url(ctx, provider);
    let started = match config.oidc_provider() {
        Some(op) => ctx
            .oidc
            .begin(&op, &config.client(), &redirect_uri, provider.scopes())
            .await
            .map(|(url, p)| (url, p.state, Some(p.nonce), p.pkce_verifier)),
        None => github::begin(&config, &redirect_uri).map(|(url, p)| (url, p.state, None, p.pkce_verifier)),
    };
    let (url, state, nonce, verifier) = started.map_err(|e| {
        tracing::warn!(provider = provider.as_str(), error = %e, "cannot start social sign-in");
        fail("server_error", "the provider cannot be reached")
    })?;
    let login_id = secrets::hash(&state);
    let sealed = ctx
        .sealer
        .seal(verifier.as_bytes(), &verifier_context(&login_id))
        .map_err(|_| fail("server_error", "cannot seal the PKCE verifier"))?;
    let now = ctx.now();
    pending::ActiveModel {
        id: Set(login_id),
        provider: Set(provider.as_str().to_owned()),
        client_id: Set(req.client_id.clone()),
        redirect_uri: Set(req.redirect_uri.clone()),
        client_state: Set(req.state.clone()),
        code_challenge: Set(req.code_challenge.clone()),
        nonce: Set(nonce),
        pkce_verifier_sealed: Set(sealed),
        expires_at: Set(now + Duration::minutes(LOGIN_TTL_MINUTES)),
        created_at: Set(now),
    }
    .insert(ctx.db.write())
    .await?;
    tracing::info!(provider = provider.as_str(), "social sign-in started");
    Ok(url)
}

/// `GET /sso/social/{provider}/callback`: verifies the provider's answer and returns the client's redirect URI
/// with a one-time code. An unknown, expired or spent `state` has no client to tell: answered directly.
#[instrument(skip_all, fields(provider = %path_provider))]
pub async fn callback(ctx: &Ctx, path_provider: &str, params: Callback) -> Result<Url, FlowFailure> {
    let direct = |message: &str| FlowFailure::Direct {
        code: "invalid_state",
        message: message.into(),
    };
    let Some(state) = params.state.as_deref().filter(|s| !s.is_empty()) else {
        return Err(direct("the callback has no state"));
    };
    let login_id = secrets::hash(state);
    let Some(login) = pending::Entity::find_by_id(login_id.clone())
        .filter(pending::Column::ExpiresAt.gt(ctx.now()))
        .one(ctx.db.read())
        .await?
    else {
        tracing::warn!("social callback with an unknown or expired state");
        return Err(direct("unknown or expired sign-in"));
    };
    // Spent before the answer is looked at: refused or not, the same state never works twice.
    let gone = pending::Entity::delete_by_id(login.id.clone())
        .exec(ctx.db.write())
        .await?;
    if gone.rows_affected == 0 {
        tracing::warn!("social callback for a login already completed");
        return Err(direct("unknown or expired sign-in"));
    }
    let fail = |description: &str| {
        error_redirect(
            &login.redirect_uri,
            login.client_state.as_deref(),
            "access_denied",
            description,
        )
    };
    let provider = match parse_provider(&login.provider) {
        Some(p) if p.as_str() == path_provider => p,
        _ => {
            tracing::warn!(expected = %login.provider, "social callback arrived at another provider's redirect URI");
            return Err(fail("the answer came from another provider"));
        }
    };
    let identity = match finish(ctx, provider, &login, &params).await {
        Ok(identity) => identity,
        Err(reason) => {
            tracing::warn!(provider = provider.as_str(), reason = %reason, "social sign-in refused");
            return Err(fail("social sign-in refused"));
        }
    };

    let profile = SocialProfile::of(provider, &identity);
    let code = secrets::generate(CODE_PREFIX);
    let now = ctx.now();
    codes::ActiveModel {
        id: Set(secrets::hash(&code)),
        client_id: Set(login.client_id.clone()),
        provider: Set(provider.as_str().to_owned()),
        redirect_uri: Set(login.redirect_uri.clone()),
        code_challenge: Set(login.code_challenge.clone()),
        profile: Set(json!(profile)),
        expires_at: Set(now + Duration::minutes(CODE_TTL_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(ctx.db.write())
    .await?;
    tracing::info!(
        provider = provider.as_str(),
        email_trusted = profile.email_trusted,
        "social sign-in accepted"
    );
    let mut url = Url::parse(&login.redirect_uri).map_err(|_| direct("the redirect_uri is not a URL"))?;
    url.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = &login.client_state {
        url.query_pairs_mut().append_pair("state", state);
    }
    Ok(url)
}

/// The provider's half; the error is a reason to log.
async fn finish(
    ctx: &Ctx,
    provider: SocialProvider,
    login: &pending::Model,
    params: &Callback,
) -> Result<OidcIdentity, String> {
    let config = configured(ctx, provider)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the provider is no longer configured")?;
    let verifier = ctx
        .sealer
        .open(&login.pkce_verifier_sealed, &verifier_context(&login.id))
        .ok()
        .and_then(|v| String::from_utf8(v).ok())
        .ok_or("the login's PKCE verifier cannot be unsealed")?;
    let redirect_uri = callback_url(ctx, provider);
    let state = params.state.clone().unwrap_or_default();
    let result = match config.oidc_provider() {
        Some(op) => {
            let started = PendingOidc {
                issuer: op.issuer().to_owned(),
                redirect_uri,
                state,
                nonce: login.nonce.clone().ok_or("the login has no nonce")?,
                pkce_verifier: verifier,
            };
            ctx.oidc.finish(&op, &config.client(), &started, params).await
        }
        None => {
            let started = github::PendingGitHub {
                redirect_uri,
                state,
                pkce_verifier: verifier,
            };
            github::finish(&ctx.oidc, &config, &started, params).await
        }
    };
    result.map_err(|e| e.to_string())
}

code_table!(codes, SocialProfile);

/// `POST /sso/token` with a social code: spends it and returns its profile with an access token for
/// `GET /sso/profile`, as for an SSO code.
pub async fn exchange_code(
    ctx: &Ctx,
    client_id: &str,
    code: &str,
    code_verifier: Option<&str>,
) -> Result<(SocialProfile, String), CodeError> {
    exchange::<codes::Entity>(ctx, client_id, code, code_verifier).await
}

/// The profile an unexpired `/sso/token` access token for a social code was issued with.
pub async fn profile_for_access_token(ctx: &Ctx, access_token: &str) -> Result<Option<SocialProfile>, DbErr> {
    profile_of_access_token::<codes::Entity>(ctx, access_token).await
}

/// Spends a one-time social code issued to `client_id` and returns its profile.
pub async fn redeem_code<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    client_id: &str,
    code: &str,
    code_verifier: Option<&str>,
) -> Result<SocialProfile, CodeError> {
    spend_code::<codes::Entity, _>(db, now, client_id, code, code_verifier).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names() {
        let cases = [
            ("GoogleOAuth", Some(SocialProvider::Google)),
            ("google", Some(SocialProvider::Google)),
            ("MicrosoftOAuth", Some(SocialProvider::Microsoft)),
            ("microsoft", Some(SocialProvider::Microsoft)),
            ("GitHubOAuth", Some(SocialProvider::GitHub)),
            ("github", Some(SocialProvider::GitHub)),
            ("AppleOAuth", None),
            ("googleoauth", None),
            ("", None),
        ];
        for (name, want) in cases {
            assert_eq!(parse_provider(name), want, "{name}");
            if let Some(p) = want {
                assert_eq!(parse_provider(workos_name(p)), Some(p));
            }
        }
    }
}
