//! The SSO flow both protocols share: `/sso/authorize` checks the client and picks the
//! connection, a protocol sends the browser to the IdP, the IdP's answer becomes a one-time
//! code bound to the client, and `/sso/token` trades the code for the profile. One
//! `sso_pending_logins` row carries a browser's login across the IdP round trip.

use super::connections::{self, Connection, ACTIVE, OIDC, SAML};
use super::profile::{map_profile, MappedProfile};
use super::saml;
use crate::context::Ctx;
use crate::events;
use crate::ids::{ConnectionId, ProfileId};
use crate::secrets;
use crate::store::is_unique_violation;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use entities::{
    clients, organization_domains as domains, saml_replay_cache as replays, sso_codes as codes,
    sso_pending_logins as pending,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PrimaryKeyTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use tracing::instrument;
use url::Url;

/// How long a browser may spend at the IdP, and how long a code lives.
pub(super) const LOGIN_TTL_MINUTES: i64 = 10;
pub(super) const CODE_TTL_MINUTES: i64 = 10;
const LOGIN_TOKEN_PREFIX: &str = "sso_login_";
pub(super) const CODE_PREFIX: &str = "sso_code_";

/// Which connection `/sso/authorize` should use.
#[derive(Debug, Clone)]
pub enum Selector {
    Connection(String),
    Organization(String),
    DomainHint(String),
    /// A social provider (`GoogleOAuth`, …): no connection, see `super::social`.
    Provider(String),
}

#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub response_type: String,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub selector: Option<Selector>,
}

/// Where an authorize or callback failure goes.
#[derive(Debug)]
pub enum FlowFailure {
    /// The client or redirect URI cannot be trusted: answer the browser directly (400).
    Direct {
        code: &'static str,
        message: String,
    },
    /// Tell the client through its redirect URI (OAuth 2.0 §4.1.2.1).
    Redirect(Url),
    Db(DbErr),
}

impl From<DbErr> for FlowFailure {
    fn from(err: DbErr) -> Self {
        FlowFailure::Db(err)
    }
}

pub(super) fn error_redirect(redirect_uri: &str, state: Option<&str>, error: &str, description: &str) -> FlowFailure {
    match Url::parse(redirect_uri) {
        Ok(mut url) => {
            url.query_pairs_mut()
                .append_pair("error", error)
                .append_pair("error_description", description);
            if let Some(state) = state {
                url.query_pairs_mut().append_pair("state", state);
            }
            FlowFailure::Redirect(url)
        }
        Err(_) => FlowFailure::Direct {
            code: "invalid_redirect_uri",
            message: "the redirect_uri is not a URL".into(),
        },
    }
}

/// The first step of a protocol: where to send the browser, and what to remember.
pub struct Begun {
    pub redirect: Url,
    pub request_id: Option<String>,
    pub nonce: Option<String>,
    pub pkce_verifier_sealed: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("{0} connections cannot sign users in yet")]
    Unavailable(&'static str),
    #[error("the connection is misconfigured: {0}")]
    Misconfigured(String),
}

/// One sign-in protocol. SAML is implemented here; OIDC plugs in the same way.
pub trait LoginProtocol: Send + Sync {
    /// Builds the IdP redirect for this browser's login; `login_token` must come back
    /// (RelayState for SAML, `state` for OIDC).
    fn begin(&self, ctx: &Ctx, conn: &Connection, login_token: &str) -> Result<Begun, ProtocolError>;
}

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

/// The normalized profile (API.md `profile`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: String,
    pub connection_id: String,
    pub connection_type: String,
    pub organization_id: String,
    pub idp_id: String,
    pub email: Option<String>,
    pub email_trusted: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub groups: Vec<String>,
    pub raw_attributes: BTreeMap<String, Vec<String>>,
}

/// An IdP email is trusted only in a domain the connection's organization verified, and never
/// in one of its guest domains (`domains::trust`).
pub(super) async fn email_trusted<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    email: Option<&str>,
) -> Result<bool, DbErr> {
    Ok(crate::domains::trust::idp_email_trust(db, org_id, email).await?
        == crate::domains::trust::IdpEmailTrust::Trusted)
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

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("the code is invalid, expired or already used")]
    InvalidGrant,
    #[error("code_verifier does not match the code_challenge")]
    PkceMismatch,
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub(crate) fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

const ACCESS_TOKEN_PREFIX: &str = "sso_at_";
/// How long `/sso/token`'s access token can fetch the profile again at `GET /sso/profile`.
pub const ACCESS_TOKEN_TTL_SECS: i64 = 600;

/// `POST /sso/token`: spends the code and returns its profile with an access token (kept hashed) that
/// `GET /sso/profile` accepts for [`ACCESS_TOKEN_TTL_SECS`].
pub async fn exchange_code(
    ctx: &Ctx,
    client_id: &str,
    code: &str,
    code_verifier: Option<&str>,
) -> Result<(Profile, String), CodeError> {
    exchange::<codes::Entity>(ctx, client_id, code, code_verifier).await
}

/// Spends a code of table `T` and stores the hash of a new access token beside its profile.
pub(super) async fn exchange<T>(
    ctx: &Ctx,
    client_id: &str,
    code: &str,
    code_verifier: Option<&str>,
) -> Result<(T::Profile, String), CodeError>
where
    T: CodeTable,
    <T::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let profile = spend_code::<T, _>(&tx, now, client_id, code, code_verifier).await?;
    let access_token = secrets::generate(ACCESS_TOKEN_PREFIX);
    T::update_many()
        .col_expr(T::ACCESS_TOKEN_HASH, Expr::value(secrets::hash(&access_token)))
        .col_expr(
            T::ACCESS_TOKEN_EXPIRES_AT,
            Expr::value(now + Duration::seconds(ACCESS_TOKEN_TTL_SECS)),
        )
        .filter(T::ID.eq(secrets::hash(code)))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok((profile, access_token))
}

/// The profile an unexpired `/sso/token` access token was issued with.
pub async fn profile_for_access_token(ctx: &Ctx, access_token: &str) -> Result<Option<Profile>, DbErr> {
    profile_of_access_token::<codes::Entity>(ctx, access_token).await
}

pub(super) async fn profile_of_access_token<T>(ctx: &Ctx, access_token: &str) -> Result<Option<T::Profile>, DbErr>
where
    T: CodeTable,
    <T::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    if !access_token.starts_with(ACCESS_TOKEN_PREFIX) {
        return Ok(None);
    }
    let row = T::find()
        .filter(T::ACCESS_TOKEN_HASH.eq(secrets::hash(access_token)))
        .filter(T::ACCESS_TOKEN_EXPIRES_AT.gt(ctx.now()))
        .one(ctx.db.read())
        .await?;
    row.map(|r| parse_profile::<T>(T::issued(&r).profile)).transpose()
}

fn parse_profile<T: CodeTable>(stored: &serde_json::Value) -> Result<T::Profile, DbErr>
where
    <T::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    T::Profile::deserialize(stored).map_err(|e| DbErr::Json(e.to_string()))
}

/// PKCE (RFC 7636, S256 only): a code issued for a `code_challenge` needs the verifier that hashes to it.
pub(super) fn pkce_satisfied(challenge: Option<&str>, verifier: Option<&str>) -> bool {
    match challenge {
        None => true,
        Some(challenge) => verifier.is_some_and(|v| secrets::hashes_match(&s256(v), challenge)),
    }
}

/// Spends a one-time code issued to `client_id` and returns its profile.
pub async fn redeem_code<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    client_id: &str,
    code: &str,
    code_verifier: Option<&str>,
) -> Result<Profile, CodeError> {
    spend_code::<codes::Entity, _>(db, now, client_id, code, code_verifier).await
}

/// A table of one-time codes (SSO's, social sign-in's): keyed by the code's hash, bound to a client and
/// optionally a PKCE challenge, spent by setting `used_at`.
pub(super) trait CodeTable: EntityTrait
where
    <Self::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    /// What a code of this table was issued with, as `/sso/token` answers it.
    type Profile: serde::de::DeserializeOwned;
    const ID: Self::Column;
    const USED_AT: Self::Column;
    const ACCESS_TOKEN_HASH: Self::Column;
    const ACCESS_TOKEN_EXPIRES_AT: Self::Column;
    fn issued(row: &Self::Model) -> IssuedCode<'_>;
}

pub(super) struct IssuedCode<'a> {
    pub client_id: &'a str,
    pub code_challenge: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub profile: &'a serde_json::Value,
}

/// Implements [`CodeTable`] for a code entity module whose columns have the shared names.
macro_rules! code_table {
    ($codes:ident, $profile:ty) => {
        impl $crate::sso::flow::CodeTable for $codes::Entity {
            type Profile = $profile;
            const ID: $codes::Column = $codes::Column::Id;
            const USED_AT: $codes::Column = $codes::Column::UsedAt;
            const ACCESS_TOKEN_HASH: $codes::Column = $codes::Column::AccessTokenHash;
            const ACCESS_TOKEN_EXPIRES_AT: $codes::Column = $codes::Column::AccessTokenExpiresAt;
            fn issued(row: &$codes::Model) -> $crate::sso::flow::IssuedCode<'_> {
                $crate::sso::flow::IssuedCode {
                    client_id: &row.client_id,
                    code_challenge: row.code_challenge.as_deref(),
                    expires_at: row.expires_at,
                    used_at: row.used_at,
                    profile: &row.profile,
                }
            }
        }
    };
}
pub(super) use code_table;

code_table!(codes, Profile);

/// Spends a code of table `T` issued to `client_id` (unexpired, unused, PKCE satisfied) and returns the
/// profile stored with it.
pub(super) async fn spend_code<T, C>(
    db: &C,
    now: DateTime<Utc>,
    client_id: &str,
    code: &str,
    code_verifier: Option<&str>,
) -> Result<T::Profile, CodeError>
where
    T: CodeTable,
    <T::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
    C: ConnectionTrait,
{
    let id = secrets::hash(code);
    let row = T::find_by_id(id.clone())
        .one(db)
        .await?
        .ok_or(CodeError::InvalidGrant)?;
    let issued = T::issued(&row);
    if issued.client_id != client_id || issued.used_at.is_some() || issued.expires_at <= now {
        return Err(CodeError::InvalidGrant);
    }
    if !pkce_satisfied(issued.code_challenge, code_verifier) {
        return Err(CodeError::PkceMismatch);
    }
    // The conditional update is what makes the code single-use under concurrency.
    let spent = T::update_many()
        .col_expr(T::USED_AT, Expr::value(now))
        .filter(T::ID.eq(id))
        .filter(T::USED_AT.is_null())
        .exec(db)
        .await?;
    if spent.rows_affected != 1 {
        return Err(CodeError::InvalidGrant);
    }
    Ok(parse_profile::<T>(issued.profile)?)
}

#[cfg(test)]
mod tests {
    use super::pkce_satisfied;

    #[test]
    fn pkce_s256_table() {
        let verifier = "a-verifier-of-43-characters-or-more-0123456789";
        let challenge = "gwx_1ff33sP-Na7uzErlwZMg02IfMm0pwvZjX6iq0Jg";
        let cases = [
            (None, None, true),
            (None, Some("anything"), true),
            (Some(challenge), Some(verifier), true),
            (Some(challenge), None, false),
            (Some(challenge), Some(""), false),
            (
                Some(challenge),
                Some("a-verifier-of-43-characters-or-more-012345678"),
                false,
            ),
            // `plain` is not supported: the challenge itself is no verifier.
            (Some(challenge), Some(challenge), false),
            (Some(verifier), Some(verifier), false),
        ];
        for (challenge, verifier, want) in cases {
            assert_eq!(pkce_satisfied(challenge, verifier), want, "{challenge:?} {verifier:?}");
        }
    }
}
