//! The transactional email outbox: one row per email, written in the transaction of the
//! action that causes it and delivered later by the background sender.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("email_outbox")
                .col(string("id").primary_key())
                .col(string("to_address"))
                .col(string("template"))
                .col(string("subject"))
                // Bodies carry one-time codes and links: set to NULL once delivered or given up.
                .col(text_null("html_body"))
                .col(text_null("text_body"))
                .col(string("status"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("email_outbox_status_next_attempt")
                .table("email_outbox")
                .col("status")
                .col("next_attempt_at")
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("email_outbox").take()).await
    }
}
