//! The session keeps the hash of its one live refresh token, and the table of every token ever
//! issued goes. Rotation becomes a single conditional update of the session row. A spent token is
//! still recognised: new tokens name their session under a server tag (`sessions::refresh_token`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{cascade_fk, index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("sessions")
                .add_column(string_null("refresh_token_hash"))
                .take(),
        )
        .await?;
        // Each session's unspent token (at most one: rotation spent the others) stays its live one.
        m.get_connection()
            .execute_unprepared(
                "UPDATE sessions SET refresh_token_hash = (SELECT t.token_hash FROM refresh_tokens t \
                 WHERE t.session_id = sessions.id AND t.used_at IS NULL ORDER BY t.created_at DESC LIMIT 1)",
            )
            .await?;
        m.create_index(unique_index(
            "sessions",
            "sessions_refresh_token_hash",
            &["refresh_token_hash"],
        ))
        .await?;
        m.drop_table(Table::drop().table("refresh_tokens").take()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("refresh_tokens")
                .col(string("id").primary_key())
                .col(string("session_id"))
                .col(string_uniq("token_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .foreign_key(&mut cascade_fk("refresh_tokens", "session_id", "sessions"))
                .take(),
        )
        .await?;
        m.create_index(index("refresh_tokens", "refresh_tokens_session", &["session_id"]))
            .await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, used_at) \
                 SELECT 'refresh_token_' || substr(id, 9), id, refresh_token_hash, last_seen_at, NULL \
                 FROM sessions WHERE refresh_token_hash IS NOT NULL",
            )
            .await?;
        m.drop_index(
            Index::drop()
                .name("sessions_refresh_token_hash")
                .table("sessions")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("sessions")
                .drop_column("refresh_token_hash")
                .take(),
        )
        .await
    }
}
