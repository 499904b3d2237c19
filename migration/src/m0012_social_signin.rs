//! Social sign-in (`/sso/authorize?provider=…`): a browser's login on its way to the provider, the one-time
//! code it ends in, and the provider subjects a user signed in as. Social logins belong to no connection, so
//! they do not share the SSO tables (whose rows hang off `sso_connections`).
//! Also: the access token `/sso/token` answers, which `GET /sso/profile` trades for the profile again.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{cascade_fk, index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // `id` is the hash of the `state` sent to the provider.
        m.create_table(
            Table::create()
                .table("social_pending_logins")
                .col(string("id").primary_key())
                .col(string("provider"))
                .col(string("client_id"))
                .col(text("redirect_uri"))
                .col(text_null("client_state"))
                .col(string_null("code_challenge"))
                .col(string_null("nonce"))
                .col(text("pkce_verifier_sealed"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("social_codes")
                .col(string("id").primary_key())
                .col(string("client_id"))
                .col(string("provider"))
                .col(text("redirect_uri"))
                .col(string_null("code_challenge"))
                .col(json("profile"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("social_identities")
                .col(string("id").primary_key())
                .col(string("provider"))
                .col(string("subject"))
                .col(string("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut cascade_fk("social_identities", "user_id", "users"))
                .take(),
        )
        .await?;
        m.create_index(unique_index(
            "social_identities",
            "social_identities_subject",
            &["provider", "subject"],
        ))
        .await?;
        m.create_index(index("social_identities", "social_identities_user", &["user_id"]))
            .await?;

        // SQLite alters one column per statement.
        m.alter_table(
            Table::alter()
                .table("sso_codes")
                .add_column(string_null("access_token_hash"))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("sso_codes")
                .add_column(timestamp_with_time_zone_null("access_token_expires_at"))
                .take(),
        )
        .await?;
        m.create_index(unique_index(
            "sso_codes",
            "sso_codes_access_token",
            &["access_token_hash"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("sso_codes_access_token")
                .table("sso_codes")
                .to_owned(),
        )
        .await?;
        for column in ["access_token_expires_at", "access_token_hash"] {
            m.alter_table(Table::alter().table("sso_codes").drop_column(column).take())
                .await?;
        }
        for table in ["social_identities", "social_codes", "social_pending_logins"] {
            m.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
