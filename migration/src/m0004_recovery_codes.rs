//! MFA recovery codes: shown once at TOTP enrollment, stored hashed, each usable once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{cascade_fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("mfa_recovery_codes")
                .col(string("id").primary_key())
                .col(string("user_id"))
                .col(string("code_hash"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut cascade_fk("mfa_recovery_codes", "user_id", "users"))
                .take(),
        )
        .await?;
        m.create_index(index("mfa_recovery_codes", "mfa_recovery_codes_user", &["user_id"]))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("mfa_recovery_codes").take()).await
    }
}
