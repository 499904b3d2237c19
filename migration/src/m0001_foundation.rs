//! Environment-level tables (clients, API keys), organizations, users, roles,
//! memberships, the event log and idempotency records.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{cascade_fk, index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn timestamps(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            timestamps(
                Table::create()
                    .table("clients")
                    .col(string("id").primary_key())
                    .col(string("name"))
                    .col(json("redirect_uris"))
                    .col(json("logout_uris")),
            )
            .take(),
        )
        .await?;

        m.create_table(
            timestamps(
                Table::create()
                    .table("api_keys")
                    .col(string("id").primary_key())
                    .col(string("name"))
                    .col(string("prefix"))
                    .col(string_uniq("key_hash"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at")),
            )
            .take(),
        )
        .await?;

        m.create_table(
            timestamps(
                Table::create()
                    .table("organizations")
                    .col(string("id").primary_key())
                    .col(string("name"))
                    .col(string_null("external_id"))
                    .col(json("metadata")),
            )
            .take(),
        )
        .await?;
        m.create_index(unique_index(
            "organizations",
            "organizations_external_id",
            &["external_id"],
        ))
        .await?;
        m.create_index(index("organizations", "organizations_name", &["name"]))
            .await?;

        m.create_table(
            timestamps(
                Table::create()
                    .table("organization_domains")
                    .col(string("id").primary_key())
                    .col(string("organization_id"))
                    .col(string("domain"))
                    .col(string("state"))
                    .col(string("verification_strategy"))
                    .col(string("verification_token"))
                    .col(integer("attempts"))
                    .col(string_null("failure_reason"))
                    .col(timestamp_with_time_zone_null("last_checked_at"))
                    .col(timestamp_with_time_zone_null("next_check_at"))
                    .col(timestamp_with_time_zone_null("verified_at"))
                    .foreign_key(&mut cascade_fk(
                        "organization_domains",
                        "organization_id",
                        "organizations",
                    )),
            )
            .take(),
        )
        .await?;
        m.create_index(unique_index(
            "organization_domains",
            "organization_domains_org_domain",
            &["organization_id", "domain"],
        ))
        .await?;
        // A verified domain belongs to exactly one organization; rival pending claims are allowed.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX organization_domains_verified ON organization_domains (domain) \
                 WHERE state = 'verified'",
            )
            .await?;

        m.create_table(
            timestamps(
                Table::create()
                    .table("roles")
                    .col(string("id").primary_key())
                    // '' for environment roles, else the organization id: a NULL would escape the unique index.
                    .col(string("scope"))
                    .col(string("slug"))
                    .col(string("name"))
                    .col(string_null("description"))
                    .col(json("permissions"))
                    .col(boolean("is_default")),
            )
            .take(),
        )
        .await?;
        m.create_index(unique_index("roles", "roles_scope_slug", &["scope", "slug"]))
            .await?;

        m.create_table(
            timestamps(
                Table::create()
                    .table("users")
                    .col(string("id").primary_key())
                    .col(string("email"))
                    .col(string_uniq("email_normalized"))
                    .col(boolean("email_verified"))
                    .col(string_null("first_name"))
                    .col(string_null("last_name"))
                    .col(string_null("external_id"))
                    .col(json("metadata"))
                    .col(timestamp_with_time_zone_null("last_sign_in_at")),
            )
            .take(),
        )
        .await?;
        m.create_index(unique_index("users", "users_external_id", &["external_id"]))
            .await?;

        m.create_table(
            timestamps(
                Table::create()
                    .table("organization_memberships")
                    .col(string("id").primary_key())
                    .col(string("user_id"))
                    .col(string("organization_id"))
                    .col(string("role_slug"))
                    .col(string("status"))
                    .col(string("kind"))
                    .col(string("source"))
                    .foreign_key(&mut cascade_fk("organization_memberships", "user_id", "users"))
                    .foreign_key(&mut cascade_fk(
                        "organization_memberships",
                        "organization_id",
                        "organizations",
                    )),
            )
            .take(),
        )
        .await?;
        m.create_index(unique_index(
            "organization_memberships",
            "organization_memberships_user_org",
            &["user_id", "organization_id"],
        ))
        .await?;
        m.create_index(index(
            "organization_memberships",
            "organization_memberships_org",
            &["organization_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("events")
                .col(string("id").primary_key())
                // Commit order: assigned under a lock held until commit, so `after` polling never skips.
                .col(big_integer_uniq("seq"))
                .col(string("event"))
                .col(string_null("organization_id"))
                .col(json("data"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_index(index("events", "events_event_seq", &["event", "seq"]))
            .await?;
        m.create_index(index("events", "events_org_seq", &["organization_id", "seq"]))
            .await?;

        m.create_table(
            Table::create()
                .table("idempotency_keys")
                .col(string("id").primary_key())
                .col(string("request_hash"))
                .col(integer_null("status_code"))
                .col(text_null("response_body"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .take(),
        )
        .await?;

        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "idempotency_keys",
            "events",
            "organization_memberships",
            "users",
            "roles",
            "organization_domains",
            "organizations",
            "api_keys",
            "clients",
        ] {
            m.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
