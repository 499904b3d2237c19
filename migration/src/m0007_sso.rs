//! SSO: connections (SAML and OIDC side by side), their IdP certificates, the pending
//! logins both protocols share, one-time codes, and the SAML assertion replay cache.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{cascade_fk, index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("sso_connections")
                .col(string("id").primary_key())
                .col(string("organization_id"))
                .col(string("name"))
                .col(string("connection_type"))
                .col(string("state"))
                .col(string("attribute_preset"))
                .col(json("attribute_map"))
                .col(string_null("saml_idp_entity_id"))
                .col(text_null("saml_idp_sso_url"))
                .col(text_null("saml_idp_metadata_url"))
                .col(text_null("saml_sp_entity_id"))
                .col(boolean("saml_allow_idp_initiated"))
                .col(boolean("saml_sign_requests"))
                .col(text_null("saml_sp_certificate"))
                .col(text_null("saml_sp_private_key_sealed"))
                .col(text_null("oidc_issuer"))
                .col(text_null("oidc_discovery_url"))
                .col(string_null("oidc_client_id"))
                .col(text_null("oidc_client_secret_sealed"))
                .col(json_null("oidc_scopes"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut cascade_fk("sso_connections", "organization_id", "organizations"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "sso_connections",
            "sso_connections_org",
            &["organization_id", "state"],
        ))
        .await?;

        // Several at once, so an IdP can roll its signing key without an outage.
        m.create_table(
            Table::create()
                .table("sso_connection_certificates")
                .col(string("id").primary_key())
                .col(string("connection_id"))
                .col(text("certificate_der_base64"))
                .col(string("fingerprint_sha256"))
                .col(timestamp_with_time_zone_null("not_after"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut cascade_fk(
                    "sso_connection_certificates",
                    "connection_id",
                    "sso_connections",
                ))
                .take(),
        )
        .await?;
        m.create_index(unique_index(
            "sso_connection_certificates",
            "sso_connection_certificates_unique",
            &["connection_id", "fingerprint_sha256"],
        ))
        .await?;

        // One row per browser on its way to an IdP; `id` is the hash of the login token
        // carried as RelayState (SAML) or state (OIDC).
        m.create_table(
            Table::create()
                .table("sso_pending_logins")
                .col(string("id").primary_key())
                .col(string("connection_id"))
                .col(string("client_id"))
                .col(text("redirect_uri"))
                .col(text_null("client_state"))
                .col(string_null("code_challenge"))
                .col(string_null("request_id"))
                .col(string_null("nonce"))
                .col(text_null("pkce_verifier_sealed"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut cascade_fk(
                    "sso_pending_logins",
                    "connection_id",
                    "sso_connections",
                ))
                .take(),
        )
        .await?;
        m.create_index(unique_index(
            "sso_pending_logins",
            "sso_pending_logins_request",
            &["request_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("sso_codes")
                .col(string("id").primary_key())
                .col(string("client_id"))
                .col(string("connection_id"))
                .col(string("organization_id"))
                .col(text("redirect_uri"))
                .col(string_null("code_challenge"))
                .col(json("profile"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut cascade_fk("sso_codes", "connection_id", "sso_connections"))
                .take(),
        )
        .await?;

        // The primary key decides replays across processes: a second insert of the same
        // assertion id fails.
        m.create_table(
            Table::create()
                .table("saml_replay_cache")
                .col(string("id").primary_key())
                .col(string("connection_id"))
                .col(timestamp_with_time_zone("expires_at"))
                .take(),
        )
        .await?;
        m.create_index(index("saml_replay_cache", "saml_replay_cache_expiry", &["expires_at"]))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "saml_replay_cache",
            "sso_codes",
            "sso_pending_logins",
            "sso_connection_certificates",
            "sso_connections",
        ] {
            m.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
