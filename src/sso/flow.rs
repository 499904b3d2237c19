//! The SSO flow both protocols share: `/sso/authorize` checks the client and picks the
//! connection, a protocol sends the browser to the IdP, the IdP's answer becomes a one-time
//! code bound to the client, and `/sso/token` trades the code for the profile. One
//! `sso_pending_logins` row carries a browser's login across the IdP round trip.

pub use super::codes::{exchange_code, profile_for_access_token, redeem_code, CodeError, ACCESS_TOKEN_TTL_SECS};
pub use super::login::{AuthorizeRequest, Begun, FlowFailure, LoginProtocol, ProtocolError, Selector};
pub use super::profile::Profile;

use super::codes::{CODE_PREFIX, CODE_TTL_MINUTES};
use super::connections::{self, Connection, ACTIVE, OIDC, SAML};
use super::login::{email_trusted, error_redirect, LOGIN_TTL_MINUTES};
use super::profile::{map_profile, MappedProfile};
use super::saml;
use crate::context::Ctx;
use crate::events;
use crate::ids::{ConnectionId, ProfileId};
use crate::secrets;
use crate::store::is_unique_violation;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Duration;
use entities::{
    clients, organization_domains as domains, saml_replay_cache as replays, sso_codes as codes,
    sso_pending_logins as pending,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use sha2::{Digest, Sha256};
use tracing::instrument;
use url::Url;

const LOGIN_TOKEN_PREFIX: &str = "sso_login_";

pub struct SamlProtocol;

impl LoginProtocol for SamlProtocol {
    fn begin(&self, ctx: &Ctx, conn: &Connection, login_token: &str) -> Result<Begun, ProtocolError> {
        let r = &conn.row;
        let sso_url = r
            .saml_idp_sso_url
            .as_deref()
            .ok_or_else(|| ProtocolError::Misconfigured("no IdP SSO URL".into()))?;
        let request_id = format!("_{}", hex::encode(rand::random::<[u8; 20]>()));
        let key = if r.saml_sign_requests {
            Some(connections::sp_key(ctx, r).map_err(|e| ProtocolError::Misconfigured(e.to_string()))?)
        } else {
            None
        };
        let request = saml::request::AuthnRequest {
            id: &request_id,
            issue_instant: ctx.now(),
            sp_entity_id: &connections::sp_entity_id(ctx, r),
            acs_url: &connections::acs_url(ctx, &r.id),
            idp_sso_url: sso_url,
        };
        let redirect = request
            .redirect_url(login_token, key.as_ref())
            .map_err(|e| ProtocolError::Misconfigured(e.to_string()))?;
        Ok(Begun {
            redirect,
            request_id: Some(request_id),
            nonce: None,
            pkce_verifier_sealed: None,
        })
    }
}

/// The protocol of a connection.
pub fn protocol_for(conn: &Connection) -> Result<Box<dyn LoginProtocol>, ProtocolError> {
    match conn.row.connection_type.as_str() {
        SAML => Ok(Box::new(SamlProtocol)),
        OIDC => Err(ProtocolError::Unavailable("OIDC")),
        _ => Err(ProtocolError::Misconfigured("unknown connection type".into())),
    }
}

async fn registered_client(ctx: &Ctx, client_id: &str, redirect_uri: &str) -> Result<clients::Model, FlowFailure> {
    let client = clients::Entity::find_by_id(client_id)
        .one(ctx.db.read())
        .await?
        .ok_or(FlowFailure::Direct {
            code: "invalid_client",
            message: "unknown client_id".into(),
        })?;
    let registered = crate::environment::clients::uris(&client.redirect_uris);
    if !registered.iter().any(|u| u == redirect_uri) {
        return Err(FlowFailure::Direct {
            code: "invalid_redirect_uri",
            message: "redirect_uri is not registered for this client".into(),
        });
    }
    Ok(client)
}

async fn select_connection(ctx: &Ctx, selector: &Selector) -> Result<Option<Connection>, DbErr> {
    let org_id = match selector {
        Selector::Connection(id) => {
            let Ok(id) = id.parse::<ConnectionId>() else {
                return Ok(None);
            };
            return match connections::get_connection(ctx.db.read(), &id).await {
                Ok(c) => Ok(Some(c)),
                Err(connections::ConnectionError::Db(e)) => Err(e),
                Err(_) => Ok(None),
            };
        }
        Selector::Organization(org) => org.clone(),
        Selector::Provider(_) => return Ok(None),
        Selector::DomainHint(domain) => {
            let Some(domain) = crate::validation::parse_domain(domain) else {
                return Ok(None);
            };
            match domains::Entity::find()
                .filter(domains::Column::Domain.eq(domain))
                .filter(domains::Column::State.eq("verified"))
                .one(ctx.db.read())
                .await?
            {
                Some(d) => d.organization_id,
                None => return Ok(None),
            }
        }
    };
    match connections::active_connections(ctx.db.read(), &org_id)
        .await?
        .into_iter()
        .next()
    {
        Some(row) => {
            let id = row
                .id
                .parse::<ConnectionId>()
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            match connections::get_connection(ctx.db.read(), &id).await {
                Ok(c) => Ok(Some(c)),
                Err(connections::ConnectionError::Db(e)) => Err(e),
                Err(_) => Ok(None),
            }
        }
        None => Ok(None),
    }
}

/// `GET /sso/authorize`: returns the IdP URL to redirect the browser to.
#[instrument(skip_all, fields(client_id = %req.client_id))]
pub async fn authorize(ctx: &Ctx, req: AuthorizeRequest) -> Result<Url, FlowFailure> {
    registered_client(ctx, &req.client_id, &req.redirect_uri).await?;
    start_login(ctx, req).await
}

/// The client a portal test sign-in's code is bound to. It is not a `client_…` id, so no
/// registered client can be it.
pub const PORTAL_TEST_CLIENT: &str = "admin_portal_test";

/// A test sign-in started from the Admin Portal: through one connection, back to the portal's
/// own callback rather than a vendor's registered redirect URI, with PKCE.
#[instrument(skip_all, fields(connection_id = %connection_id))]
pub async fn authorize_portal_test(
    ctx: &Ctx,
    connection_id: &str,
    redirect_uri: String,
    state: String,
    code_challenge: String,
) -> Result<Url, FlowFailure> {
    let selector = Selector::Connection(connection_id.to_owned());
    authorize_internal(ctx, PORTAL_TEST_CLIENT, selector, redirect_uri, state, code_challenge).await
}

/// A login that Gatehouse's own pages start and finish: the browser comes back to
/// `redirect_uri`, a Gatehouse route rather than a client's registered one, so the registered
/// URIs are not consulted; the code is bound to `client_id` and to the PKCE `code_challenge`
/// (S256), whose verifier only the starting page holds.
pub async fn authorize_internal(
    ctx: &Ctx,
    client_id: &str,
    selector: Selector,
    redirect_uri: String,
    state: String,
    code_challenge: String,
) -> Result<Url, FlowFailure> {
    let req = AuthorizeRequest {
        client_id: client_id.to_owned(),
        redirect_uri,
        response_type: "code".into(),
        state: Some(state),
        code_challenge: Some(code_challenge),
        code_challenge_method: Some("S256".into()),
        selector: Some(selector),
    };
    start_login(ctx, req).await
}

async fn start_login(ctx: &Ctx, req: AuthorizeRequest) -> Result<Url, FlowFailure> {
    let fail =
        |error: &str, description: &str| error_redirect(&req.redirect_uri, req.state.as_deref(), error, description);
    if req.response_type != "code" {
        return Err(fail("unsupported_response_type", "response_type must be code"));
    }
    if req.code_challenge.is_some() && req.code_challenge_method.as_deref().unwrap_or("S256") != "S256" {
        return Err(fail("invalid_request", "code_challenge_method must be S256"));
    }
    let Some(selector) = &req.selector else {
        return Err(fail(
            "invalid_request",
            "pass one of connection, organization or domain_hint",
        ));
    };
    if let Selector::Provider(name) = selector {
        return super::social::begin(ctx, name, &req).await;
    }
    let Some(conn) = select_connection(ctx, selector).await? else {
        tracing::info!(?selector, "no active connection for authorize");
        return Err(fail("invalid_connection", "no active SSO connection matches"));
    };
    if conn.row.state != ACTIVE {
        tracing::info!(connection_id = %conn.row.id, state = %conn.row.state, "authorize on an inactive connection");
        return Err(fail("invalid_connection", "the connection is not active"));
    }
    let (begun, login_id) = if conn.row.connection_type == OIDC {
        // OIDC's `begin` talks to the provider (discovery), so it cannot be a `LoginProtocol`.
        super::oidc_flow::begin(ctx, &conn).await.map_err(|e| {
            tracing::warn!(connection_id = %conn.row.id, error = %e, "cannot start SSO login");
            fail("server_error", &e.to_string())
        })?
    } else {
        let protocol = protocol_for(&conn).map_err(|e| fail("unsupported_connection", &e.to_string()))?;
        let login_token = secrets::generate(LOGIN_TOKEN_PREFIX);
        let begun = protocol.begin(ctx, &conn, &login_token).map_err(|e| {
            tracing::warn!(connection_id = %conn.row.id, error = %e, "cannot start SSO login");
            fail("server_error", &e.to_string())
        })?;
        (begun, secrets::hash(&login_token))
    };
    let now = ctx.now();
    pending::ActiveModel {
        id: Set(login_id),
        connection_id: Set(conn.row.id.clone()),
        client_id: Set(req.client_id.clone()),
        redirect_uri: Set(req.redirect_uri.clone()),
        client_state: Set(req.state.clone()),
        code_challenge: Set(req.code_challenge.clone()),
        request_id: Set(begun.request_id),
        nonce: Set(begun.nonce),
        pkce_verifier_sealed: Set(begun.pkce_verifier_sealed),
        expires_at: Set(now + Duration::minutes(LOGIN_TTL_MINUTES)),
        created_at: Set(now),
    }
    .insert(ctx.db.write())
    .await?;
    tracing::info!(connection_id = %conn.row.id, "SSO login started");
    Ok(begun.redirect)
}

async fn find_pending(ctx: &Ctx, conn_id: &str, token: Option<&str>) -> Result<Option<pending::Model>, DbErr> {
    let Some(token) = token.filter(|t| t.starts_with(LOGIN_TOKEN_PREFIX)) else {
        return Ok(None);
    };
    pending::Entity::find_by_id(secrets::hash(token))
        .filter(pending::Column::ConnectionId.eq(conn_id))
        .filter(pending::Column::ExpiresAt.gt(ctx.now()))
        .one(ctx.db.read())
        .await
}

/// Where an IdP-initiated login lands: the environment's first client and its first
/// redirect URI, with RelayState passed on as `state`.
async fn default_destination(ctx: &Ctx) -> Result<Option<(String, String)>, DbErr> {
    let client = clients::Entity::find()
        .order_by_asc(clients::Column::Id)
        .one(ctx.db.read())
        .await?;
    Ok(client.and_then(|c| {
        crate::environment::clients::uris(&c.redirect_uris)
            .into_iter()
            .next()
            .map(|uri| (c.id, uri))
    }))
}

fn replay_key(conn_id: &str, assertion_id: &str) -> String {
    hex::encode(Sha256::digest(format!("{conn_id}\n{assertion_id}").as_bytes()))
}

async fn refuse(ctx: &Ctx, conn: &Connection, reason: &str, detail: &str) -> Result<(), DbErr> {
    tracing::warn!(connection_id = %conn.row.id, reason, detail, "SAML response refused");
    events::append(
        ctx.db.write(),
        ctx.now(),
        "authentication.sso_failed",
        Some(&conn.row.organization_id),
        json!({"type": "sso", "connection_id": conn.row.id, "reason": reason}),
    )
    .await
}

/// A refused response spends its login too: the same RelayState never carries a second attempt.
async fn spend(ctx: &Ctx, login: Option<&pending::Model>) -> Result<(), DbErr> {
    if let Some(l) = login {
        pending::Entity::delete_by_id(l.id.clone()).exec(ctx.db.write()).await?;
    }
    Ok(())
}

/// `POST /sso/saml/acs/{connection_id}`: verifies the response and returns the client's
/// redirect URI carrying a one-time code.
#[instrument(skip_all, fields(connection_id = %connection_id))]
pub async fn saml_acs(
    ctx: &Ctx,
    connection_id: &str,
    saml_response: &str,
    relay_state: Option<&str>,
) -> Result<Url, FlowFailure> {
    let direct = |message: &str| FlowFailure::Direct {
        code: "invalid_saml_response",
        message: message.into(),
    };
    let conn = match connection_id.parse::<ConnectionId>() {
        Ok(id) => match connections::get_connection(ctx.db.read(), &id).await {
            Ok(c) => c,
            Err(connections::ConnectionError::Db(e)) => return Err(e.into()),
            Err(_) => return Err(direct("unknown connection")),
        },
        Err(_) => return Err(direct("unknown connection")),
    };
    if conn.row.connection_type != SAML || conn.row.state != ACTIVE {
        refuse(ctx, &conn, "connection_inactive", "").await?;
        return Err(direct("the connection is not an active SAML connection"));
    }
    let login = find_pending(ctx, &conn.row.id, relay_state).await?;
    let (client_id, redirect_uri, state) = match &login {
        Some(l) => (l.client_id.clone(), l.redirect_uri.clone(), l.client_state.clone()),
        None => match default_destination(ctx).await? {
            // A login token that matched nothing (expired, used, other connection) is ours,
            // not the client's: it is not passed on as `state`.
            Some((client, uri)) => (
                client,
                uri,
                relay_state
                    .filter(|r| !r.starts_with(LOGIN_TOKEN_PREFIX))
                    .map(str::to_owned),
            ),
            None => return Err(direct("no client to send an IdP-initiated login to")),
        },
    };
    let fail = |description: &str| error_redirect(&redirect_uri, state.as_deref(), "access_denied", description);

    let xml = match STANDARD
        .decode(saml_response.split_whitespace().collect::<String>())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    {
        Some(xml) => xml,
        None => {
            spend(ctx, login.as_ref()).await?;
            refuse(ctx, &conn, "malformed", "SAMLResponse is not base64 UTF-8").await?;
            return Err(fail("SAML response refused: malformed"));
        }
    };
    let certificates: Vec<samael::crypto::CertificateDer> = conn
        .certificates
        .iter()
        .filter_map(|c| STANDARD.decode(&c.certificate_der_base64).ok())
        .map(Into::into)
        .collect();
    let sp_key = connections::sp_key(ctx, &conn.row).ok();
    let sp_entity_id = connections::sp_entity_id(ctx, &conn.row);
    let acs_url = connections::acs_url(ctx, &conn.row.id);
    let now = ctx.now();
    let expectations = saml::verify::Expectations {
        certificates: &certificates,
        idp_entity_id: conn.row.saml_idp_entity_id.as_deref().unwrap_or_default(),
        sp_entity_id: &sp_entity_id,
        acs_url: &acs_url,
        request_id: login.as_ref().and_then(|l| l.request_id.as_deref()),
        allow_idp_initiated: conn.row.saml_allow_idp_initiated,
        now,
        skew: Duration::seconds(ctx.config.sso_clock_skew_secs),
        sp_key: sp_key.as_ref(),
    };
    let assertion = match saml::verify::verify_response(&xml, &expectations) {
        Ok(a) => a,
        Err(refusal) => {
            spend(ctx, login.as_ref()).await?;
            refuse(ctx, &conn, refusal.code(), &refusal.to_string()).await?;
            return Err(fail(&format!("SAML response refused: {}", refusal.code())));
        }
    };

    let mapped: MappedProfile = map_profile(
        conn.preset(),
        &conn.attribute_map(),
        assertion.name_id.as_deref(),
        &assertion.attributes,
    );
    let code = secrets::generate(CODE_PREFIX);
    // Expired entries are deleted by the housekeeping sweep, not here on every response.
    let tx = ctx.db.begin().await?;
    let replay = replays::ActiveModel {
        id: Set(replay_key(&conn.row.id, &assertion.id)),
        connection_id: Set(conn.row.id.clone()),
        expires_at: Set(assertion.expires_at),
    }
    .insert(&tx)
    .await;
    match replay {
        Ok(_) => {}
        Err(err) if is_unique_violation(&err) => {
            drop(tx);
            refuse(ctx, &conn, "replayed", "assertion id seen before").await?;
            return Err(fail("SAML response refused: replayed"));
        }
        Err(err) => return Err(err.into()),
    }
    if let Some(l) = &login {
        // Single use: a second response for the same login finds no row.
        let gone = pending::Entity::delete_by_id(l.id.clone()).exec(&tx).await?;
        if gone.rows_affected == 0 {
            drop(tx);
            refuse(ctx, &conn, "login_used", "the login was already completed").await?;
            return Err(fail("SAML response refused: login already completed"));
        }
    }
    let profile = Profile {
        id: ProfileId::generate().into_string(),
        connection_id: conn.row.id.clone(),
        connection_type: conn.row.connection_type.clone(),
        organization_id: conn.row.organization_id.clone(),
        email_trusted: email_trusted(&tx, &conn.row.organization_id, mapped.email.as_deref()).await?,
        idp_id: mapped.idp_id,
        email: mapped.email,
        first_name: mapped.first_name,
        last_name: mapped.last_name,
        groups: mapped.groups,
        raw_attributes: mapped.raw_attributes,
    };
    codes::ActiveModel {
        id: Set(secrets::hash(&code)),
        client_id: Set(client_id),
        connection_id: Set(conn.row.id.clone()),
        organization_id: Set(conn.row.organization_id.clone()),
        redirect_uri: Set(redirect_uri.clone()),
        code_challenge: Set(login.as_ref().and_then(|l| l.code_challenge.clone())),
        profile: Set(json!(profile)),
        expires_at: Set(now + Duration::minutes(CODE_TTL_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    tx.commit().await?;
    tracing::info!(connection_id = %conn.row.id, idp_initiated = login.is_none(), "SAML response accepted");
    let mut url = Url::parse(&redirect_uri).map_err(|_| direct("the redirect_uri is not a URL"))?;
    url.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = &state {
        url.query_pairs_mut().append_pair("state", state);
    }
    Ok(url)
}
