//! SSO connections: one organization's link to its IdP, SAML or OIDC, with its state
//! (draft → active ⇄ inactive), IdP certificates and attribute mapping.

use super::profile::{AttributeMap, Preset};
use super::saml::{keys, metadata};
use crate::context::Ctx;
use crate::events;
use crate::http::egress::{self, Egress};
use crate::ids::{ConnectionCertificateId, ConnectionId, OrganizationId};
use crate::store::pagination::{fetch_page, Page, PageRequest};
use crate::validation::{is_web_url, FieldError, Problems};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use entities::{organizations, sso_connection_certificates as certs, sso_connections as connections};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use std::sync::Arc;
use tracing::instrument;

pub const SAML: &str = "saml";
pub const OIDC: &str = "oidc";
pub const DRAFT: &str = "draft";
pub const ACTIVE: &str = "active";
pub const INACTIVE: &str = "inactive";

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("connection not found")]
    NotFound,
    #[error("organization not found")]
    OrganizationNotFound,
    #[error("invalid connection")]
    Invalid(Vec<FieldError>),
    #[error("the connection is missing {0:?} and cannot be activated")]
    Incomplete(Vec<&'static str>),
    #[error("could not fetch the IdP metadata: {0}")]
    MetadataUnreachable(String),
    #[error("could not create or read the SP key")]
    Key,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// SAML settings as given; metadata (XML or URL) fills what fields leave out.
#[derive(Debug, Clone, Default)]
pub struct SamlSettings {
    pub idp_metadata_xml: Option<String>,
    pub idp_metadata_url: Option<String>,
    pub idp_entity_id: Option<String>,
    pub idp_sso_url: Option<String>,
    /// Replaces the list when present.
    pub idp_certificates: Option<Vec<String>>,
    pub sp_entity_id: Option<String>,
    pub allow_idp_initiated: Option<bool>,
    pub sign_requests: Option<bool>,
}

#[derive(Debug, Clone, Default)]
pub struct OidcSettings {
    pub issuer: Option<String>,
    pub discovery_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scopes: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct NewConnection {
    pub organization_id: OrganizationId,
    pub name: String,
    pub connection_type: String,
    pub attribute_preset: Option<String>,
    pub attribute_map: Option<AttributeMap>,
    pub saml: SamlSettings,
    pub oidc: OidcSettings,
}

#[derive(Debug, Clone, Default)]
pub struct ConnectionChanges {
    pub name: Option<String>,
    pub attribute_preset: Option<String>,
    pub attribute_map: Option<AttributeMap>,
    pub saml: SamlSettings,
    pub oidc: OidcSettings,
}

#[derive(Debug, Clone, Default)]
pub struct ConnectionFilter {
    pub organization_id: Option<String>,
    pub connection_type: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Connection {
    pub row: connections::Model,
    pub certificates: Vec<certs::Model>,
}

impl Connection {
    pub fn id(&self) -> &str {
        &self.row.id
    }

    pub fn preset(&self) -> Preset {
        Preset::parse(&self.row.attribute_preset).unwrap_or(Preset::Generic)
    }

    pub fn attribute_map(&self) -> AttributeMap {
        serde_json::from_value(self.row.attribute_map.clone()).unwrap_or_default()
    }
}

/// Where this connection's SAML endpoints live.
pub fn acs_url(ctx: &Ctx, id: &str) -> String {
    format!("{}/sso/saml/acs/{id}", ctx.config.public_url.trim_end_matches('/'))
}

pub fn metadata_url(ctx: &Ctx, id: &str) -> String {
    format!("{}/sso/saml/metadata/{id}", ctx.config.public_url.trim_end_matches('/'))
}

pub fn sp_entity_id(ctx: &Ctx, conn: &connections::Model) -> String {
    conn.saml_sp_entity_id
        .clone()
        .unwrap_or_else(|| metadata_url(ctx, &conn.id))
}

fn sealing_context(id: &str) -> Vec<u8> {
    format!("sso_connection:{id}").into_bytes()
}

/// The SP private key of a SAML connection.
pub fn sp_key(
    ctx: &Ctx,
    conn: &connections::Model,
) -> Result<openssl::pkey::PKey<openssl::pkey::Private>, ConnectionError> {
    let sealed = conn.saml_sp_private_key_sealed.as_deref().ok_or(ConnectionError::Key)?;
    let der = ctx
        .sealer
        .open(sealed, &sealing_context(&conn.id))
        .map_err(|_| ConnectionError::Key)?;
    openssl::pkey::PKey::private_key_from_der(&der).map_err(|_| ConnectionError::Key)
}

/// The SP certificate (DER) of a SAML connection.
pub fn sp_certificate_der(conn: &connections::Model) -> Option<Vec<u8>> {
    conn.saml_sp_certificate
        .as_deref()
        .and_then(|b64| STANDARD.decode(b64).ok())
}

/// The IdP's metadata document. Its URL is the tenant's to choose, so it (and each of at most
/// three redirects) must name a public address unless the operator allows the network.
async fn fetch_metadata(egress: &Arc<Egress>, url: &str) -> Result<String, ConnectionError> {
    let unreachable = |e: reqwest::Error| {
        ConnectionError::MetadataUnreachable(match egress::refusal_in(&e) {
            Some(refused) => refused.to_string(),
            None => e.without_url().to_string(),
        })
    };
    let parsed = url::Url::parse(url).map_err(|e| ConnectionError::MetadataUnreachable(e.to_string()))?;
    egress
        .check_url(&parsed)
        .map_err(|refused| ConnectionError::MetadataUnreachable(refused.to_string()))?;
    let client = egress
        .client_builder(true)
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| ConnectionError::MetadataUnreachable(e.to_string()))?;
    let response = client
        .get(parsed)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(unreachable)?;
    response.text().await.map_err(unreachable)
}

/// Validated SAML settings after metadata was applied.
struct SamlResolved {
    entity_id: Option<String>,
    sso_url: Option<String>,
    metadata_url: Option<String>,
    certificates: Option<Vec<metadata::ParsedCertificate>>,
}

async fn resolve_saml(
    egress: &Arc<Egress>,
    s: &SamlSettings,
    problems: &mut Problems,
) -> Result<SamlResolved, ConnectionError> {
    let mut out = SamlResolved {
        entity_id: s.idp_entity_id.clone(),
        sso_url: s.idp_sso_url.clone(),
        metadata_url: s.idp_metadata_url.clone(),
        certificates: None,
    };
    let xml = match (&s.idp_metadata_xml, &s.idp_metadata_url) {
        (Some(xml), _) => Some(xml.clone()),
        (None, Some(url)) if is_web_url(url) => Some(fetch_metadata(egress, url).await?),
        (None, Some(_)) => {
            problems.add(
                "saml.idp_metadata_url",
                "invalid_url",
                "must be an absolute http(s) URL",
            );
            None
        }
        (None, None) => None,
    };
    let mut cert_texts = s.idp_certificates.clone();
    if let Some(xml) = xml {
        match metadata::parse_idp_metadata(&xml) {
            Ok(md) => {
                out.entity_id = out.entity_id.or(Some(md.entity_id));
                out.sso_url = out.sso_url.or(Some(md.sso_url));
                cert_texts = cert_texts.or(Some(md.signing_certificates));
            }
            Err(err) => problems.add("saml.idp_metadata", "invalid_metadata", err.to_string()),
        }
    }
    if let Some(url) = &out.sso_url {
        if !is_web_url(url) {
            problems.add("saml.idp_sso_url", "invalid_url", "must be an absolute http(s) URL");
        }
    }
    problems.optional_text("saml.idp_entity_id", out.entity_id.as_deref(), 1024);
    if let Some(texts) = cert_texts {
        let mut parsed = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            match metadata::parse_certificate(text) {
                Some(c)
                    if !parsed
                        .iter()
                        .any(|p: &metadata::ParsedCertificate| p.fingerprint_sha256 == c.fingerprint_sha256) =>
                {
                    parsed.push(c)
                }
                Some(_) => problems.add(
                    &format!("saml.idp_certificates[{i}]"),
                    "duplicate",
                    "certificate listed twice",
                ),
                None => problems.add(
                    &format!("saml.idp_certificates[{i}]"),
                    "invalid_certificate",
                    "not an X.509 certificate (PEM or base64 DER)",
                ),
            }
        }
        out.certificates = Some(parsed);
    }
    Ok(out)
}

fn check_common(
    problems: &mut Problems,
    name: Option<&str>,
    preset: Option<&str>,
    oidc: &OidcSettings,
    sp_entity_id: Option<&str>,
) {
    if let Some(name) = name {
        problems.text("name", name, 256);
    }
    if preset.is_some_and(|p| Preset::parse(p).is_none()) {
        problems.add(
            "attribute_preset",
            "unknown_preset",
            format!("one of {}", Preset::ALL.join(", ")),
        );
    }
    for (field, value) in [
        ("oidc.issuer", &oidc.issuer),
        ("oidc.discovery_url", &oidc.discovery_url),
    ] {
        if value.as_deref().is_some_and(|v| !is_web_url(v)) {
            problems.add(field, "invalid_url", "must be an absolute http(s) URL");
        } else if let Some(problem) = value.as_deref().and_then(super::issuer_url::issuer_problem) {
            problems.add(field, "invalid_url", problem);
        }
    }
    problems.optional_text("oidc.client_id", oidc.client_id.as_deref(), 512);
    problems.optional_text("saml.sp_entity_id", sp_entity_id, 1024);
}

async fn replace_certificates<C: ConnectionTrait>(
    tx: &C,
    connection_id: &str,
    wanted: &[metadata::ParsedCertificate],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    certs::Entity::delete_many()
        .filter(certs::Column::ConnectionId.eq(connection_id))
        .exec(tx)
        .await?;
    for cert in wanted {
        certs::ActiveModel {
            id: Set(ConnectionCertificateId::generate().into_string()),
            connection_id: Set(connection_id.to_owned()),
            certificate_der_base64: Set(STANDARD.encode(&cert.der)),
            fingerprint_sha256: Set(cert.fingerprint_sha256.clone()),
            not_after: Set(cert.not_after),
            created_at: Set(now),
        }
        .insert(tx)
        .await?;
    }
    Ok(())
}

async fn certificates_of<C: ConnectionTrait>(db: &C, connection_id: &str) -> Result<Vec<certs::Model>, DbErr> {
    certs::Entity::find()
        .filter(certs::Column::ConnectionId.eq(connection_id))
        .order_by_asc(certs::Column::Id)
        .all(db)
        .await
}

fn seal_secret(ctx: &Ctx, id: &str, secret: &str) -> Result<String, ConnectionError> {
    ctx.sealer
        .seal(secret.as_bytes(), &sealing_context(id))
        .map_err(|_| ConnectionError::Key)
}

#[instrument(skip_all, fields(org_id = %new.organization_id))]
pub async fn create_connection(ctx: &Ctx, new: NewConnection) -> Result<Connection, ConnectionError> {
    let mut problems = Problems::default();
    if new.connection_type != SAML && new.connection_type != OIDC {
        problems.add("type", "invalid_type", "saml or oidc");
    }
    check_common(
        &mut problems,
        Some(&new.name),
        new.attribute_preset.as_deref(),
        &new.oidc,
        new.saml.sp_entity_id.as_deref(),
    );
    let saml = resolve_saml(&ctx.egress, &new.saml, &mut problems).await?;
    problems.into_result().map_err(ConnectionError::Invalid)?;
    if organizations::Entity::find_by_id(new.organization_id.as_str())
        .one(ctx.db.read())
        .await?
        .is_none()
    {
        return Err(ConnectionError::OrganizationNotFound);
    }
    let id = ConnectionId::generate().into_string();
    let is_saml = new.connection_type == SAML;
    let (sp_key_sealed, sp_cert) = if is_saml {
        let (key, cert) = keys::self_signed(&format!("gatehouse {id}"), 2048).map_err(|_| ConnectionError::Key)?;
        let der = key.private_key_to_der().map_err(|_| ConnectionError::Key)?;
        let sealed = ctx
            .sealer
            .seal(&der, &sealing_context(&id))
            .map_err(|_| ConnectionError::Key)?;
        (
            Some(sealed),
            Some(STANDARD.encode(cert.to_der().map_err(|_| ConnectionError::Key)?)),
        )
    } else {
        (None, None)
    };
    let secret = match &new.oidc.client_secret {
        Some(s) => Some(seal_secret(ctx, &id, s)?),
        None => None,
    };
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let row = connections::ActiveModel {
        id: Set(id.clone()),
        organization_id: Set(new.organization_id.into_string()),
        name: Set(new.name.trim().to_owned()),
        connection_type: Set(new.connection_type),
        state: Set(DRAFT.to_owned()),
        attribute_preset: Set(new.attribute_preset.unwrap_or_else(|| "generic".into())),
        attribute_map: Set(json!(new.attribute_map.unwrap_or_default())),
        saml_idp_entity_id: Set(saml.entity_id),
        saml_idp_sso_url: Set(saml.sso_url),
        saml_idp_metadata_url: Set(saml.metadata_url),
        saml_sp_entity_id: Set(new.saml.sp_entity_id),
        saml_allow_idp_initiated: Set(new.saml.allow_idp_initiated.unwrap_or(false)),
        saml_sign_requests: Set(new.saml.sign_requests.unwrap_or(false)),
        saml_sp_certificate: Set(sp_cert),
        saml_sp_private_key_sealed: Set(sp_key_sealed),
        oidc_issuer: Set(new.oidc.issuer),
        oidc_discovery_url: Set(new.oidc.discovery_url),
        oidc_client_id: Set(new.oidc.client_id),
        oidc_client_secret_sealed: Set(secret),
        oidc_scopes: Set(new.oidc.scopes.map(|s| json!(s))),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await?;
    if is_saml {
        replace_certificates(&tx, &id, saml.certificates.as_deref().unwrap_or_default(), now).await?;
    }
    let certificates = certificates_of(&tx, &id).await?;
    let created = Connection { row, certificates };
    events::append(
        &tx,
        now,
        "connection.created",
        Some(&created.row.organization_id),
        connection_event(&created),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(connection_id = %id, "connection created");
    Ok(created)
}

pub async fn get_connection<C: ConnectionTrait>(db: &C, id: &ConnectionId) -> Result<Connection, ConnectionError> {
    let row = connections::Entity::find_by_id(id.as_str())
        .one(db)
        .await?
        .ok_or(ConnectionError::NotFound)?;
    let certificates = certificates_of(db, &row.id).await?;
    Ok(Connection { row, certificates })
}

pub async fn list_connections(
    ctx: &Ctx,
    filter: &ConnectionFilter,
    page: &PageRequest,
) -> Result<Page<Connection>, ConnectionError> {
    let mut select = connections::Entity::find();
    if let Some(org) = &filter.organization_id {
        select = select.filter(connections::Column::OrganizationId.eq(org.clone()));
    }
    if let Some(t) = &filter.connection_type {
        select = select.filter(connections::Column::ConnectionType.eq(t.clone()));
    }
    if let Some(s) = &filter.state {
        select = select.filter(connections::Column::State.eq(s.clone()));
    }
    let page = fetch_page(ctx.db.read(), select, connections::Column::Id, |c| c.id.clone(), page).await?;
    let ids: Vec<String> = page.data.iter().map(|c| c.id.clone()).collect();
    let all = certs::Entity::find()
        .filter(certs::Column::ConnectionId.is_in(ids))
        .order_by_asc(certs::Column::Id)
        .all(ctx.db.read())
        .await?;
    Ok(page.map(|row| {
        let certificates = all.iter().filter(|c| c.connection_id == row.id).cloned().collect();
        Connection { row, certificates }
    }))
}

#[instrument(skip_all, fields(connection_id = %id))]
pub async fn update_connection(
    ctx: &Ctx,
    id: &ConnectionId,
    changes: ConnectionChanges,
) -> Result<Connection, ConnectionError> {
    let mut problems = Problems::default();
    check_common(
        &mut problems,
        changes.name.as_deref(),
        changes.attribute_preset.as_deref(),
        &changes.oidc,
        changes.saml.sp_entity_id.as_deref(),
    );
    let saml = resolve_saml(&ctx.egress, &changes.saml, &mut problems).await?;
    problems.into_result().map_err(ConnectionError::Invalid)?;
    let secret = match &changes.oidc.client_secret {
        Some(s) => Some(seal_secret(ctx, id.as_str(), s)?),
        None => None,
    };
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let existing = get_connection(&tx, id).await?;
    let is_saml = existing.row.connection_type == SAML;
    let mut row = existing.row.into_active_model();
    if let Some(name) = changes.name {
        row.name = Set(name.trim().to_owned());
    }
    if let Some(preset) = changes.attribute_preset {
        row.attribute_preset = Set(preset);
    }
    if let Some(map) = changes.attribute_map {
        row.attribute_map = Set(json!(map));
    }
    if let Some(v) = saml.entity_id {
        row.saml_idp_entity_id = Set(Some(v));
    }
    if let Some(v) = saml.sso_url {
        row.saml_idp_sso_url = Set(Some(v));
    }
    if let Some(v) = saml.metadata_url {
        row.saml_idp_metadata_url = Set(Some(v));
    }
    if let Some(v) = changes.saml.sp_entity_id {
        row.saml_sp_entity_id = Set(Some(v));
    }
    if let Some(v) = changes.saml.allow_idp_initiated {
        row.saml_allow_idp_initiated = Set(v);
    }
    if let Some(v) = changes.saml.sign_requests {
        row.saml_sign_requests = Set(v);
    }
    if let Some(v) = changes.oidc.issuer {
        row.oidc_issuer = Set(Some(v));
    }
    if let Some(v) = changes.oidc.discovery_url {
        row.oidc_discovery_url = Set(Some(v));
    }
    if let Some(v) = changes.oidc.client_id {
        row.oidc_client_id = Set(Some(v));
    }
    if let Some(v) = secret {
        row.oidc_client_secret_sealed = Set(Some(v));
    }
    if let Some(v) = changes.oidc.scopes {
        row.oidc_scopes = Set(Some(json!(v)));
    }
    row.updated_at = Set(now);
    let row = row.update(&tx).await?;
    if let (true, Some(certificates)) = (is_saml, &saml.certificates) {
        replace_certificates(&tx, &row.id, certificates, now).await?;
    }
    let certificates = certificates_of(&tx, &row.id).await?;
    let updated = Connection { row, certificates };
    if updated.row.state == ACTIVE {
        if let Err(missing) = check_complete(&updated) {
            return Err(ConnectionError::Incomplete(missing));
        }
    }
    events::append(
        &tx,
        now,
        "connection.updated",
        Some(&updated.row.organization_id),
        connection_event(&updated),
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

fn check_complete(conn: &Connection) -> Result<(), Vec<&'static str>> {
    let r = &conn.row;
    let mut missing = Vec::new();
    if r.connection_type == SAML {
        if r.saml_idp_entity_id.is_none() {
            missing.push("saml.idp_entity_id");
        }
        if r.saml_idp_sso_url.is_none() {
            missing.push("saml.idp_sso_url");
        }
        if conn.certificates.is_empty() {
            missing.push("saml.idp_certificates");
        }
    } else {
        if r.oidc_issuer.is_none() && r.oidc_discovery_url.is_none() {
            missing.push("oidc.issuer");
        }
        if r.oidc_client_id.is_none() {
            missing.push("oidc.client_id");
        }
        if r.oidc_client_secret_sealed.is_none() {
            missing.push("oidc.client_secret");
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

/// Moves the connection to `active` or `inactive`; activation requires a complete
/// configuration. Appends `connection.activated|deactivated` when the state changes.
#[instrument(skip_all, fields(connection_id = %id, active))]
pub async fn set_active(ctx: &Ctx, id: &ConnectionId, active: bool) -> Result<Connection, ConnectionError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let existing = get_connection(&tx, id).await?;
    let target = if active { ACTIVE } else { INACTIVE };
    if existing.row.state == target {
        return Ok(existing);
    }
    if active {
        check_complete(&existing).map_err(ConnectionError::Incomplete)?;
    }
    let certificates = existing.certificates;
    let mut row = existing.row.into_active_model();
    row.state = Set(target.to_owned());
    row.updated_at = Set(now);
    let row = row.update(&tx).await?;
    let changed = Connection { row, certificates };
    let event = if active {
        "connection.activated"
    } else {
        "connection.deactivated"
    };
    events::append(
        &tx,
        now,
        event,
        Some(&changed.row.organization_id),
        connection_event(&changed),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(connection_id = %changed.row.id, state = target, "connection state changed");
    Ok(changed)
}

#[instrument(skip_all, fields(connection_id = %id))]
pub async fn delete_connection(ctx: &Ctx, id: &ConnectionId) -> Result<(), ConnectionError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let existing = get_connection(&tx, id).await?;
    connections::Entity::delete_by_id(id.as_str()).exec(&tx).await?;
    events::append(
        &tx,
        now,
        "connection.deleted",
        Some(&existing.row.organization_id),
        connection_event(&existing),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Active connections of an organization, oldest first.
pub async fn active_connections<C: ConnectionTrait>(db: &C, org_id: &str) -> Result<Vec<connections::Model>, DbErr> {
    connections::Entity::find()
        .filter(connections::Column::OrganizationId.eq(org_id))
        .filter(connections::Column::State.eq(ACTIVE))
        .order_by_asc(connections::Column::Id)
        .all(db)
        .await
}

pub fn connection_event(conn: &Connection) -> serde_json::Value {
    json!({
        "object": "connection",
        "id": conn.row.id,
        "organization_id": conn.row.organization_id,
        "name": conn.row.name,
        "type": conn.row.connection_type,
        "state": conn.row.state,
    })
}

/// The client secret of an OIDC connection, unsealed.
pub fn oidc_client_secret(ctx: &Ctx, conn: &connections::Model) -> Result<Option<String>, ConnectionError> {
    let Some(sealed) = conn.oidc_client_secret_sealed.as_deref() else {
        return Ok(None);
    };
    let plain = ctx
        .sealer
        .open(sealed, &sealing_context(&conn.id))
        .map_err(|_| ConnectionError::Key)?;
    String::from_utf8(plain).map(Some).map_err(|_| ConnectionError::Key)
}
