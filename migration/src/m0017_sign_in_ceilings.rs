//! Each account's count of credential guesses from unknown addresses, shared by every node, so a
//! flood spread over many IPs meets one ceiling (`authentication::ceiling`).

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
                .table("sign_in_ceilings")
                .col(string("user_id").primary_key())
                .col(timestamp_with_time_zone("window_started_at"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone_null("notified_at"))
                .foreign_key(&mut cascade_fk("sign_in_ceilings", "user_id", "users"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("sign_in_ceilings").take()).await
    }
}
