//! The browsers an account completed a hosted sign-in from, by the hash of their device cookie: a
//! known device may still guess the account's password when a flood has filled its ceiling
//! (`authentication::ceiling`).

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
                .table("known_devices")
                .col(string("user_id"))
                .col(string("device_hash"))
                .col(timestamp_with_time_zone("last_signed_in_at"))
                .primary_key(Index::create().col("user_id").col("device_hash"))
                .foreign_key(&mut cascade_fk("known_devices", "user_id", "users"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("known_devices").take()).await
    }
}
