//! Social sign-in providers registered for the environment through the API (`/sso/social_providers`), one row
//! per provider. A provider without a row falls back to the configuration file's `[social.<provider>]` block.
//! Also: a social code redeemed at `/sso/token` gets the same access token as an SSO code (`GET /sso/profile`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::unique_index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("social_providers")
                .col(string("id").primary_key())
                // google | microsoft | github
                .col(string("provider"))
                .col(string("client_id"))
                // Sealed by `ctx.sealer` with the row id as associated data.
                .col(text("client_secret_sealed"))
                .col(text_null("base_url"))
                .col(string_null("tenant"))
                .col(boolean("enabled"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;
        m.create_index(unique_index(
            "social_providers",
            "social_providers_provider",
            &["provider"],
        ))
        .await?;
        // SQLite alters one column per statement.
        m.alter_table(
            Table::alter()
                .table("social_codes")
                .add_column(string_null("access_token_hash"))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("social_codes")
                .add_column(timestamp_with_time_zone_null("access_token_expires_at"))
                .take(),
        )
        .await?;
        m.create_index(unique_index(
            "social_codes",
            "social_codes_access_token",
            &["access_token_hash"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("social_codes_access_token")
                .table("social_codes")
                .to_owned(),
        )
        .await?;
        for column in ["access_token_expires_at", "access_token_hash"] {
            m.alter_table(Table::alter().table("social_codes").drop_column(column).take())
                .await?;
        }
        m.drop_table(Table::drop().table("social_providers").take()).await
    }
}
