//! OIDC connections in the shared SSO flow: `/sso/authorize` starts an authorization code login at the
//! connection's provider (`crate::oidc`), and `GET /sso/oidc/callback` finishes it into the same one-time
//! code and profile a SAML login yields. The provider's `state` is the login's key: its hash is the
//! `sso_pending_logins` row id, and the PKCE verifier is kept sealed in that row.

use super::codes::{CODE_PREFIX, CODE_TTL_MINUTES};
use super::connections::{self, Connection, ACTIVE, OIDC};
use super::login::{email_trusted, error_redirect, Begun, FlowFailure, ProtocolError};
use super::profile::Profile;
use crate::context::Ctx;
use crate::events;
use crate::ids::{ConnectionId, ProfileId};
use crate::oidc::{Callback, ClientConfig, OidcIdentity, PendingOidc, Provider};
use crate::secrets;
use chrono::Duration;
use entities::{sso_codes as codes, sso_pending_logins as pending};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use secrecy::SecretString;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use tracing::instrument;
use url::Url;

const DEFAULT_SCOPES: [&str; 2] = ["email", "profile"];

/// The redirect URI every OIDC connection registers at its provider.
pub fn callback_url(ctx: &Ctx) -> String {
    format!("{}/sso/oidc/callback", ctx.config.public_url.trim_end_matches('/'))
}

fn provider_of(conn: &Connection) -> Result<Provider, ProtocolError> {
    let r = &conn.row;
    let issuer = match (&r.oidc_issuer, &r.oidc_discovery_url) {
        (Some(issuer), _) => issuer.clone(),
        (None, Some(url)) => url
            .trim_end_matches('/')
            .trim_end_matches("/.well-known/openid-configuration")
            .to_owned(),
        (None, None) => return Err(ProtocolError::Misconfigured("no issuer".into())),
    };
    Ok(Provider::Discover { issuer })
}

fn client_of(ctx: &Ctx, conn: &Connection) -> Result<ClientConfig, ProtocolError> {
    let client_id = conn
        .row
        .oidc_client_id
        .clone()
        .ok_or_else(|| ProtocolError::Misconfigured("no client_id".into()))?;
    let secret = connections::oidc_client_secret(ctx, &conn.row)
        .map_err(|_| ProtocolError::Misconfigured("the client secret cannot be unsealed".into()))?;
    Ok(ClientConfig {
        client_id,
        client_secret: secret.map(SecretString::from),
    })
}

fn scopes_of(conn: &Connection) -> Vec<String> {
    conn.row
        .oidc_scopes
        .as_ref()
        .and_then(|v| serde_json::from_value::<Vec<String>>(v.clone()).ok())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect())
}

fn verifier_context(login_id: &str) -> Vec<u8> {
    format!("sso_pending_login:{login_id}").into_bytes()
}

/// Starts the login at the provider; returns what to store and the pending row's id (the state's hash).
pub async fn begin(ctx: &Ctx, conn: &Connection) -> Result<(Begun, String), ProtocolError> {
    let provider = provider_of(conn)?;
    let client = client_of(ctx, conn)?;
    let scopes = scopes_of(conn);
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let (redirect, started) = ctx
        .oidc
        .begin(&provider, &client, &callback_url(ctx), &scopes)
        .await
        .map_err(|e| ProtocolError::Misconfigured(e.to_string()))?;
    let login_id = secrets::hash(&started.state);
    let sealed = ctx
        .sealer
        .seal(started.pkce_verifier.as_bytes(), &verifier_context(&login_id))
        .map_err(|_| ProtocolError::Misconfigured("cannot seal the PKCE verifier".into()))?;
    Ok((
        Begun {
            redirect,
            request_id: None,
            nonce: Some(started.nonce),
            pkce_verifier_sealed: Some(sealed),
        },
        login_id,
    ))
}

async fn refuse(ctx: &Ctx, conn: &Connection, reason: &str, detail: &str) -> Result<(), DbErr> {
    tracing::warn!(connection_id = %conn.row.id, reason, detail, "OIDC sign-in refused");
    events::append(
        ctx.db.write(),
        ctx.now(),
        "authentication.sso_failed",
        Some(&conn.row.organization_id),
        json!({"type": "sso", "connection_id": conn.row.id, "reason": reason}),
    )
    .await
}

/// Claims as profile attributes: strings stay, arrays become their items, anything else its JSON text.
pub fn claims_as_attributes(claims: &Value) -> BTreeMap<String, Vec<String>> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    claims
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let values = match v {
                        Value::Array(items) => items.iter().map(text).collect(),
                        other => vec![text(other)],
                    };
                    (k.clone(), values)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn groups_of(claims: &Value) -> Vec<String> {
    claims
        .get("groups")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// `GET /sso/oidc/callback`: verifies the provider's answer and returns the client's redirect URI with a
/// one-time code. An unknown or expired `state` has no client to tell: it is answered directly.
#[instrument(skip_all)]
pub async fn callback(ctx: &Ctx, params: Callback) -> Result<Url, FlowFailure> {
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
        tracing::warn!("OIDC callback with an unknown or expired state");
        return Err(direct("unknown or expired sign-in"));
    };
    let conn_id = login
        .connection_id
        .parse::<ConnectionId>()
        .map_err(|_| direct("unknown connection"))?;
    let conn = match connections::get_connection(ctx.db.read(), &conn_id).await {
        Ok(c) => c,
        Err(connections::ConnectionError::Db(e)) => return Err(e.into()),
        Err(_) => return Err(direct("unknown connection")),
    };
    let state_out = login.client_state.clone();
    let fail =
        |description: &str| error_redirect(&login.redirect_uri, state_out.as_deref(), "access_denied", description);
    // Single use, refused or not: the login is spent before the provider's answer is looked at, so a
    // second callback with the same state (a retry of a refused one, or a replay) finds no row.
    let gone = pending::Entity::delete_by_id(login.id.clone())
        .exec(ctx.db.write())
        .await?;
    if gone.rows_affected == 0 {
        refuse(ctx, &conn, "login_used", "the login was already completed").await?;
        return Err(direct("unknown or expired sign-in"));
    }
    if conn.row.connection_type != OIDC || conn.row.state != ACTIVE {
        refuse(ctx, &conn, "connection_inactive", "").await?;
        return Err(fail("the connection is not an active OIDC connection"));
    }
    let identity = match finish(ctx, &conn, &login, &params).await {
        Ok(identity) => identity,
        Err(reason) => {
            refuse(ctx, &conn, "oidc_refused", &reason).await?;
            return Err(fail("OIDC sign-in refused"));
        }
    };

    let now = ctx.now();
    let code = secrets::generate(CODE_PREFIX);
    let tx = ctx.db.begin().await?;
    let profile = Profile {
        id: ProfileId::generate().into_string(),
        connection_id: conn.row.id.clone(),
        connection_type: conn.row.connection_type.clone(),
        organization_id: conn.row.organization_id.clone(),
        email_trusted: email_trusted(&tx, &conn.row.organization_id, identity.email.as_deref()).await?,
        idp_id: identity.subject.clone(),
        email: identity.email.clone(),
        first_name: identity.given_name.clone(),
        last_name: identity.family_name.clone(),
        groups: groups_of(&identity.raw_claims),
        raw_attributes: claims_as_attributes(&identity.raw_claims),
    };
    codes::ActiveModel {
        id: Set(secrets::hash(&code)),
        client_id: Set(login.client_id.clone()),
        connection_id: Set(conn.row.id.clone()),
        organization_id: Set(conn.row.organization_id.clone()),
        redirect_uri: Set(login.redirect_uri.clone()),
        code_challenge: Set(login.code_challenge.clone()),
        profile: Set(json!(profile)),
        expires_at: Set(now + Duration::minutes(CODE_TTL_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    tx.commit().await?;
    tracing::info!(connection_id = %conn.row.id, "OIDC sign-in accepted");
    let mut url = Url::parse(&login.redirect_uri).map_err(|_| direct("the redirect_uri is not a URL"))?;
    url.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = &login.client_state {
        url.query_pairs_mut().append_pair("state", state);
    }
    Ok(url)
}

/// The provider's half: rebuild the pending login and let `crate::oidc` verify. The error is a reason to log.
async fn finish(
    ctx: &Ctx,
    conn: &Connection,
    login: &pending::Model,
    params: &Callback,
) -> Result<OidcIdentity, String> {
    let provider = provider_of(conn).map_err(|e| e.to_string())?;
    let client = client_of(ctx, conn).map_err(|e| e.to_string())?;
    let verifier = login
        .pkce_verifier_sealed
        .as_deref()
        .and_then(|s| ctx.sealer.open(s, &verifier_context(&login.id)).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .ok_or("the login has no PKCE verifier")?;
    let started = PendingOidc {
        issuer: provider.issuer().to_owned(),
        redirect_uri: callback_url(ctx),
        state: params.state.clone().unwrap_or_default(),
        nonce: login.nonce.clone().ok_or("the login has no nonce")?,
        pkce_verifier: verifier,
    };
    ctx.oidc
        .finish(&provider, &client, &started, params)
        .await
        .map_err(|e| e.to_string())
}
