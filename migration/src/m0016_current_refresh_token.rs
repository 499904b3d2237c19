//! The session names its one live refresh token. Rotation becomes a single compare-and-swap on
//! the session row (`refresh_token_id = <presented> -> <new>`) instead of marking the presented
//! token spent and inserting the next one inside a transaction; any other token of the session
//! is spent by definition, so `refresh_tokens.used_at` goes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("sessions")
                .add_column(string_null("refresh_token_id"))
                .take(),
        )
        .await?;
        // Each session's unspent token (at most one: rotation spent the others) becomes its live one.
        m.get_connection()
            .execute_unprepared(
                "UPDATE sessions SET refresh_token_id = (SELECT t.id FROM refresh_tokens t \
                 WHERE t.session_id = sessions.id AND t.used_at IS NULL ORDER BY t.created_at DESC LIMIT 1)",
            )
            .await?;
        m.alter_table(Table::alter().table("refresh_tokens").drop_column("used_at").take())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("refresh_tokens")
                .add_column(timestamp_with_time_zone_null("used_at"))
                .take(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE refresh_tokens SET used_at = created_at WHERE id NOT IN \
                 (SELECT refresh_token_id FROM sessions WHERE refresh_token_id IS NOT NULL)",
            )
            .await?;
        m.alter_table(Table::alter().table("sessions").drop_column("refresh_token_id").take())
            .await
    }
}
