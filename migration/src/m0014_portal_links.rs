//! Admin Portal links: a vendor hands one to a customer's IT admin, who opens it once, within
//! minutes, to set up SSO, Directory Sync or a domain for that one organization.

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
                .table("portal_links")
                .col(string("id").primary_key())
                .col(string("organization_id"))
                // sso | dsync | domain_verification
                .col(string("intent"))
                // SHA-256 of the link's token; the token itself is only in the link.
                .col(string("token_hash"))
                .col(text_null("return_url"))
                .col(text_null("success_url"))
                .col(timestamp_with_time_zone("expires_at"))
                // Set once, by the conditional update that makes the link single use.
                .col(timestamp_with_time_zone_null("opened_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut cascade_fk("portal_links", "organization_id", "organizations"))
                .take(),
        )
        .await?;
        m.create_index(unique_index("portal_links", "portal_links_token_hash", &["token_hash"]))
            .await?;
        m.create_index(index("portal_links", "portal_links_organization", &["organization_id"]))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("portal_links").take()).await
    }
}
