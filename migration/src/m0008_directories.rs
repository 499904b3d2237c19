//! Directory Sync (issue 8): directories with a hashed SCIM bearer token, the users and groups
//! an IdP provisions into them, their email rows (so SCIM filters on emails run in SQL) and
//! group memberships. userName (case-insensitively) and externalId are unique per directory.

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
                .table("directories")
                .col(string("id").primary_key())
                .col(string("organization_id"))
                .col(string("name"))
                // okta | entra | generic
                .col(string("type"))
                // pending (no SCIM call yet) | active | inactive
                .col(string("state"))
                .col(string_uniq("token_hash"))
                .col(string("token_prefix"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut cascade_fk("directories", "organization_id", "organizations"))
                .take(),
        )
        .await?;
        m.create_index(index("directories", "directories_organization", &["organization_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("directory_users")
                .col(string("id").primary_key())
                .col(string("directory_id"))
                .col(string("organization_id"))
                // The linked core user, if any (trust rules in ARCHITECTURE.md §5).
                .col(string_null("user_id"))
                .col(string("user_name"))
                .col(string_null("external_id"))
                .col(string_null("display_name"))
                .col(string_null("first_name"))
                .col(string_null("last_name"))
                .col(string_null("primary_email"))
                .col(boolean("active"))
                // The SCIM resource as stored (no id, meta or password).
                .col(json("resource"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut cascade_fk("directory_users", "directory_id", "directories"))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from("directory_users", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::SetNull)
                        .take(),
                )
                .take(),
        )
        .await?;
        // RFC 7643 §4.1.1: userName is unique and caseExact=false, so the index is on its
        // lowercase form; filters `userName eq "…"` use the same expression and this index.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX directory_users_user_name ON directory_users (directory_id, LOWER(user_name))",
            )
            .await?;
        m.create_index(unique_index(
            "directory_users",
            "directory_users_external_id",
            &["directory_id", "external_id"],
        ))
        .await?;
        m.create_index(index("directory_users", "directory_users_user", &["user_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("directory_user_emails")
                .col(string("directory_user_id"))
                .col(integer("position"))
                .col(string("value"))
                .col(string_null("type"))
                .col(boolean("is_primary"))
                .primary_key(Index::create().col("directory_user_id").col("position"))
                .foreign_key(&mut cascade_fk(
                    "directory_user_emails",
                    "directory_user_id",
                    "directory_users",
                ))
                .take(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared("CREATE INDEX directory_user_emails_value ON directory_user_emails (LOWER(value))")
            .await?;

        m.create_table(
            Table::create()
                .table("directory_groups")
                .col(string("id").primary_key())
                .col(string("directory_id"))
                .col(string("organization_id"))
                .col(string("display_name"))
                .col(string_null("external_id"))
                // The role members of this group get in the organization (≠W), or none.
                .col(string_null("role_slug"))
                // The SCIM resource as stored, without members (they live in rows).
                .col(json("resource"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut cascade_fk("directory_groups", "directory_id", "directories"))
                .take(),
        )
        .await?;
        m.create_index(unique_index(
            "directory_groups",
            "directory_groups_external_id",
            &["directory_id", "external_id"],
        ))
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX directory_groups_display_name ON directory_groups (directory_id, LOWER(display_name))",
            )
            .await?;

        m.create_table(
            Table::create()
                .table("directory_group_members")
                .col(string("directory_group_id"))
                .col(string("directory_user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("directory_group_id").col("directory_user_id"))
                .foreign_key(&mut cascade_fk(
                    "directory_group_members",
                    "directory_group_id",
                    "directory_groups",
                ))
                .foreign_key(&mut cascade_fk(
                    "directory_group_members",
                    "directory_user_id",
                    "directory_users",
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "directory_group_members",
            "directory_group_members_user",
            &["directory_user_id"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "directory_group_members",
            "directory_groups",
            "directory_user_emails",
            "directory_users",
            "directories",
        ] {
            m.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
