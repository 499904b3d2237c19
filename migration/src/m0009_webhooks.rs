//! Webhook endpoints, their deliveries, and the dispatcher's cursor into the event log.

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
                .table("webhook_endpoints")
                .col(string("id").primary_key())
                .col(text("url"))
                // Event types this endpoint receives; `["*"]` is every type.
                .col(json("events"))
                .col(boolean("enabled"))
                // Sealed, not hashed: the server must sign with it.
                .col(text("secret_sealed"))
                // After a rotation the old secret also signs until it expires (API.md: 24 h).
                .col(text_null("previous_secret_sealed"))
                .col(timestamp_with_time_zone_null("previous_secret_expires_at"))
                // Only events after this point of the log are sent: a new endpoint gets no history.
                .col(big_integer("after_seq"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("webhook_deliveries")
                .col(string("id").primary_key())
                .col(string("webhook_endpoint_id"))
                .col(string("event_id"))
                .col(string("event"))
                .col(string("status"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(timestamp_with_time_zone_null("last_attempt_at"))
                .col(integer_null("last_status_code"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut cascade_fk(
                    "webhook_deliveries",
                    "webhook_endpoint_id",
                    "webhook_endpoints",
                ))
                .take(),
        )
        .await?;
        // One delivery per (endpoint, event), whatever happens to the dispatcher.
        m.create_index(unique_index(
            "webhook_deliveries",
            "webhook_deliveries_endpoint_event",
            &["webhook_endpoint_id", "event_id"],
        ))
        .await?;
        m.create_index(index(
            "webhook_deliveries",
            "webhook_deliveries_status_next_attempt",
            &["status", "next_attempt_at"],
        ))
        .await?;
        m.create_index(index(
            "webhook_deliveries",
            "webhook_deliveries_endpoint_id",
            &["webhook_endpoint_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("webhook_dispatch")
                .col(string("id").primary_key())
                // The last event seq fanned out to endpoints.
                .col(big_integer("last_seq"))
                .take(),
        )
        .await?;
        // Endpoints only get events after their own `after_seq`, so starting at 0 on a database
        // that already has events sends no history.
        m.get_connection()
            .execute_unprepared("INSERT INTO webhook_dispatch (id, last_seq) VALUES ('events', 0)")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["webhook_dispatch", "webhook_deliveries", "webhook_endpoints"] {
            m.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
