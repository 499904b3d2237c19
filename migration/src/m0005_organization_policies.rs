//! One auth policy per organization (API.md "organization policy"); absent = defaults.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::cascade_fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("organization_policies")
                .col(string("organization_id").primary_key())
                .col(json_null("allowed_auth_methods"))
                .col(boolean("sso_required"))
                .col(boolean("sso_exempt_guests"))
                .col(boolean("mfa_required"))
                .col(big_integer_null("max_session_age"))
                .col(big_integer_null("idle_timeout"))
                .col(boolean("jit_provisioning"))
                .col(boolean("jit_membership"))
                .col(json("guest_domains"))
                .col(json_null("invitation_domains"))
                .col(boolean("require_work_email"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut cascade_fk(
                    "organization_policies",
                    "organization_id",
                    "organizations",
                ))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("organization_policies").take()).await
    }
}
