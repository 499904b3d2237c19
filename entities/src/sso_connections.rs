use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_connections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub connection_type: String,
    pub state: String,
    pub attribute_preset: String,
    pub attribute_map: Json,
    pub saml_idp_entity_id: Option<String>,
    pub saml_idp_sso_url: Option<String>,
    pub saml_idp_metadata_url: Option<String>,
    pub saml_sp_entity_id: Option<String>,
    pub saml_allow_idp_initiated: bool,
    pub saml_sign_requests: bool,
    pub saml_sp_certificate: Option<String>,
    pub saml_sp_private_key_sealed: Option<String>,
    pub oidc_issuer: Option<String>,
    pub oidc_discovery_url: Option<String>,
    pub oidc_client_id: Option<String>,
    pub oidc_client_secret_sealed: Option<String>,
    pub oidc_scopes: Option<Json>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
