use super::auth::ApiKey;
use super::pagination::{page_request, ListOrder};
use super::request::{field_id, path_id};
use super::tags::Tag;
use super::text::{self, Text};
use crate::context::Ctx;
use crate::error::ApiResult;
use crate::ids::ConnectionId;
use crate::list_object;
use crate::sso::connections::{
    self as service, Connection as Record, ConnectionChanges, ConnectionFilter, NewConnection, OidcSettings,
    SamlSettings,
};
use crate::sso::profile::AttributeMap as MapRecord;
use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

pub struct ConnectionsApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ConnectionType {
    Saml,
    Oidc,
}

impl ConnectionType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Saml => service::SAML,
            Self::Oidc => service::OIDC,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ConnectionState {
    Draft,
    Active,
    Inactive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum AttributePreset {
    Generic,
    Okta,
    Entra,
    Google,
}

/// Attribute names that override the preset, field by field.
#[derive(Debug, Clone, Default, Object)]
pub struct AttributeMap {
    pub idp_id: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub groups: Option<String>,
}

impl From<AttributeMap> for MapRecord {
    fn from(m: AttributeMap) -> Self {
        Self {
            idp_id: m.idp_id,
            email: m.email,
            first_name: m.first_name,
            last_name: m.last_name,
            groups: m.groups,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct IdpCertificate {
    /// base64 DER.
    pub certificate: String,
    pub fingerprint_sha256: String,
    pub not_after: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Object)]
pub struct SamlConfig {
    pub idp_entity_id: Option<String>,
    pub idp_sso_url: Option<String>,
    pub idp_metadata_url: Option<String>,
    /// Every certificate a response signature may verify with (several during rotation).
    pub idp_certificates: Vec<IdpCertificate>,
    pub allow_idp_initiated: bool,
    pub sign_requests: bool,
    pub sp_entity_id: String,
    pub acs_url: String,
    pub sp_metadata_url: String,
}

#[derive(Debug, Clone, Object)]
pub struct OidcConfig {
    pub issuer: Option<String>,
    pub discovery_url: Option<String>,
    pub client_id: Option<String>,
    /// Whether a client secret is stored (it is never returned).
    pub has_client_secret: bool,
    pub scopes: Vec<String>,
    /// The callback URL to register at the identity provider as this connection's redirect URI.
    pub redirect_uri: String,
}

#[derive(Debug, Clone, Object)]
pub struct Connection {
    /// Always `connection`.
    pub object: String,
    pub id: String,
    pub organization_id: String,
    pub name: String,
    #[oai(rename = "type")]
    pub connection_type: String,
    pub state: String,
    pub attribute_preset: String,
    pub attribute_map: AttributeMap,
    pub saml: Option<SamlConfig>,
    pub oidc: Option<OidcConfig>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(ctx: &Ctx, c: Record) -> Connection {
    let map = c.attribute_map();
    let r = c.row;
    let saml = (r.connection_type == service::SAML).then(|| SamlConfig {
        idp_entity_id: r.saml_idp_entity_id.clone(),
        idp_sso_url: r.saml_idp_sso_url.clone(),
        idp_metadata_url: r.saml_idp_metadata_url.clone(),
        idp_certificates: c
            .certificates
            .iter()
            .map(|cert| IdpCertificate {
                certificate: cert.certificate_der_base64.clone(),
                fingerprint_sha256: cert.fingerprint_sha256.clone(),
                not_after: cert.not_after,
            })
            .collect(),
        allow_idp_initiated: r.saml_allow_idp_initiated,
        sign_requests: r.saml_sign_requests,
        sp_entity_id: service::sp_entity_id(ctx, &r),
        acs_url: service::acs_url(ctx, &r.id),
        sp_metadata_url: service::metadata_url(ctx, &r.id),
    });
    let oidc = (r.connection_type == service::OIDC).then(|| OidcConfig {
        issuer: r.oidc_issuer.clone(),
        discovery_url: r.oidc_discovery_url.clone(),
        client_id: r.oidc_client_id.clone(),
        has_client_secret: r.oidc_client_secret_sealed.is_some(),
        scopes: r
            .oidc_scopes
            .clone()
            .and_then(|s| serde_json::from_value(s).ok())
            .unwrap_or_default(),
        redirect_uri: crate::sso::oidc_flow::callback_url(ctx),
    });
    Connection {
        object: "connection".into(),
        id: r.id,
        organization_id: r.organization_id,
        name: r.name,
        connection_type: r.connection_type,
        state: r.state,
        attribute_preset: r.attribute_preset,
        attribute_map: AttributeMap {
            idp_id: map.idp_id,
            email: map.email,
            first_name: map.first_name,
            last_name: map.last_name,
            groups: map.groups,
        },
        saml,
        oidc,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

list_object!(ConnectionList, Connection);

#[derive(Debug, Clone, Default, Object)]
pub struct SamlInput {
    /// IdP metadata XML, pasted; fills entity id, SSO URL and certificates left out.
    pub idp_metadata_xml: Option<String>,
    /// Fetched once now, same as pasting it.
    pub idp_metadata_url: Option<Text>,
    pub idp_entity_id: Option<Text>,
    pub idp_sso_url: Option<Text>,
    /// PEM or base64 DER; replaces the list.
    pub idp_certificates: Option<Vec<String>>,
    /// Defaults to this connection's metadata URL.
    pub sp_entity_id: Option<Text>,
    pub allow_idp_initiated: Option<bool>,
    pub sign_requests: Option<bool>,
}

impl From<SamlInput> for SamlSettings {
    fn from(s: SamlInput) -> Self {
        Self {
            idp_metadata_xml: s.idp_metadata_xml,
            idp_metadata_url: text::opt(s.idp_metadata_url),
            idp_entity_id: text::opt(s.idp_entity_id),
            idp_sso_url: text::opt(s.idp_sso_url),
            idp_certificates: s.idp_certificates,
            sp_entity_id: text::opt(s.sp_entity_id),
            allow_idp_initiated: s.allow_idp_initiated,
            sign_requests: s.sign_requests,
        }
    }
}

#[derive(Debug, Clone, Default, Object)]
pub struct OidcInput {
    pub issuer: Option<Text>,
    pub discovery_url: Option<Text>,
    pub client_id: Option<Text>,
    /// Write-only; stored sealed.
    pub client_secret: Option<String>,
    pub scopes: Option<Vec<Text>>,
}

impl From<OidcInput> for OidcSettings {
    fn from(o: OidcInput) -> Self {
        Self {
            issuer: text::opt(o.issuer),
            discovery_url: text::opt(o.discovery_url),
            client_id: text::opt(o.client_id),
            client_secret: o.client_secret,
            scopes: o.scopes.map(text::all),
        }
    }
}

fn preset_name(p: AttributePreset) -> String {
    match p {
        AttributePreset::Generic => "generic",
        AttributePreset::Okta => "okta",
        AttributePreset::Entra => "entra",
        AttributePreset::Google => "google",
    }
    .into()
}

#[derive(Debug, Clone, Object)]
pub struct CreateConnection {
    pub organization_id: String,
    pub name: Text,
    #[oai(rename = "type")]
    pub connection_type: ConnectionType,
    pub attribute_preset: Option<AttributePreset>,
    pub attribute_map: Option<AttributeMap>,
    pub saml: Option<SamlInput>,
    pub oidc: Option<OidcInput>,
}

#[derive(Debug, Clone, Object)]
pub struct UpdateConnection {
    pub name: Option<Text>,
    pub attribute_preset: Option<AttributePreset>,
    pub attribute_map: Option<AttributeMap>,
    pub saml: Option<SamlInput>,
    pub oidc: Option<OidcInput>,
}

#[derive(ApiResponse)]
pub enum Created {
    #[oai(status = 201)]
    Ok(Json<Connection>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Ok,
}

#[derive(ApiResponse)]
pub enum Metadata {
    #[oai(status = 200, content_type = "application/samlmetadata+xml")]
    Ok(PlainText<String>),
}

#[OpenApi(tag = "Tag::Sso")]
impl ConnectionsApi {
    /// Create an SSO connection (starts as draft)
    #[oai(path = "/connections", method = "post")]
    async fn create(&self, _key: ApiKey, body: Json<CreateConnection>) -> ApiResult<Created> {
        let b = body.0;
        let new = NewConnection {
            organization_id: field_id(&b.organization_id, "organization_id")?,
            name: b.name.0,
            connection_type: b.connection_type.as_str().into(),
            attribute_preset: b.attribute_preset.map(preset_name),
            attribute_map: b.attribute_map.map(Into::into),
            saml: b.saml.map(Into::into).unwrap_or_default(),
            oidc: b.oidc.map(Into::into).unwrap_or_default(),
        };
        let created = service::create_connection(&self.ctx, new).await?;
        Ok(Created::Ok(Json(view(&self.ctx, created))))
    }

    /// List SSO connections
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/connections", method = "get")]
    async fn list(
        &self,
        _key: ApiKey,
        organization_id: Query<Option<String>>,
        #[oai(name = "type")] connection_type: Query<Option<ConnectionType>>,
        state: Query<Option<ConnectionState>>,
        limit: Query<Option<u64>>,
        before: Query<Option<String>>,
        after: Query<Option<String>>,
        order: Query<Option<ListOrder>>,
    ) -> ApiResult<Json<ConnectionList>> {
        let page = page_request::<ConnectionId>(limit.0, before.0, after.0, order.0)?;
        let filter = ConnectionFilter {
            organization_id: organization_id.0,
            connection_type: connection_type.0.map(|t| t.as_str().to_owned()),
            state: state.0.map(|s| {
                match s {
                    ConnectionState::Draft => service::DRAFT,
                    ConnectionState::Active => service::ACTIVE,
                    ConnectionState::Inactive => service::INACTIVE,
                }
                .to_owned()
            }),
        };
        let page = service::list_connections(&self.ctx, &filter, &page).await?;
        let page = page.map(|c| view(&self.ctx, c));
        Ok(Json(page.into()))
    }

    /// Get an SSO connection
    #[oai(path = "/connections/:id", method = "get")]
    async fn get(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<Connection>> {
        let id = path_id::<ConnectionId>(&id.0, "connection")?;
        let conn = service::get_connection(self.ctx.db.read(), &id).await?;
        Ok(Json(view(&self.ctx, conn)))
    }

    /// Update an SSO connection
    #[oai(path = "/connections/:id", method = "patch")]
    async fn update(
        &self,
        _key: ApiKey,
        id: Path<String>,
        body: Json<UpdateConnection>,
    ) -> ApiResult<Json<Connection>> {
        let id = path_id::<ConnectionId>(&id.0, "connection")?;
        let b = body.0;
        let changes = ConnectionChanges {
            name: text::opt(b.name),
            attribute_preset: b.attribute_preset.map(preset_name),
            attribute_map: b.attribute_map.map(Into::into),
            saml: b.saml.map(Into::into).unwrap_or_default(),
            oidc: b.oidc.map(Into::into).unwrap_or_default(),
        };
        let conn = service::update_connection(&self.ctx, &id, changes).await?;
        Ok(Json(view(&self.ctx, conn)))
    }

    /// Delete an SSO connection
    #[oai(path = "/connections/:id", method = "delete")]
    async fn delete(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Deleted> {
        let id = path_id::<ConnectionId>(&id.0, "connection")?;
        service::delete_connection(&self.ctx, &id).await?;
        Ok(Deleted::Ok)
    }

    /// Activate an SSO connection (422 config_incomplete when settings are missing)
    #[oai(path = "/connections/:id/activate", method = "post")]
    async fn activate(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<Connection>> {
        let id = path_id::<ConnectionId>(&id.0, "connection")?;
        let conn = service::set_active(&self.ctx, &id, true).await?;
        Ok(Json(view(&self.ctx, conn)))
    }

    /// Deactivate an SSO connection
    #[oai(path = "/connections/:id/deactivate", method = "post")]
    async fn deactivate(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<Connection>> {
        let id = path_id::<ConnectionId>(&id.0, "connection")?;
        let conn = service::set_active(&self.ctx, &id, false).await?;
        Ok(Json(view(&self.ctx, conn)))
    }

    /// SP metadata of a SAML connection (entity id, ACS URL, signing certificate); public
    #[oai(path = "/sso/saml/metadata/:id", method = "get")]
    async fn sp_metadata(&self, id: Path<String>) -> ApiResult<Metadata> {
        let id = path_id::<ConnectionId>(&id.0, "connection")?;
        let conn = service::get_connection(self.ctx.db.read(), &id).await?;
        if conn.row.connection_type != service::SAML {
            return Err(crate::error::ApiError::not_found("connection"));
        }
        let xml = crate::sso::saml::request::sp_metadata(
            &service::sp_entity_id(&self.ctx, &conn.row),
            &service::acs_url(&self.ctx, &conn.row.id),
            service::sp_certificate_der(&conn.row).as_deref(),
            conn.row.saml_sign_requests,
        );
        Ok(Metadata::Ok(PlainText(xml)))
    }
}
