//! Invitations into an organization and their one-time tokens (stored as SHA-256 hashes).

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
                .table("invitations")
                .col(string("id").primary_key())
                .col(string("organization_id"))
                .col(string("email"))
                .col(string("email_normalized"))
                .col(string("role_slug"))
                // member | guest
                .col(string("kind"))
                // pending | accepted | revoked | expired (a pending row past expires_at reads as expired)
                .col(string("state"))
                // new_user | existing_user | work_email_required: which email the invitee got
                .col(string("variant"))
                // The account the invitee already had at send time; never merged with the new one.
                .col(string_null("existing_user_id"))
                .col(string_null("inviter_user_id"))
                .col(string_null("accepted_user_id"))
                .col(integer("expires_in_days"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(integer("reminders_sent"))
                .col(timestamp_with_time_zone_null("next_reminder_at"))
                .col(timestamp_with_time_zone_null("accepted_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut cascade_fk("invitations", "organization_id", "organizations"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "invitations",
            "invitations_org_email",
            &["organization_id", "email_normalized"],
        ))
        .await?;
        m.create_index(index("invitations", "invitations_email", &["email_normalized"]))
            .await?;
        m.create_index(index(
            "invitations",
            "invitations_reminder_due",
            &["state", "next_reminder_at"],
        ))
        .await?;
        // At most one live invitation per address and organization; both databases support
        // partial indexes, sea-query's builder does not spell them.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX invitations_one_pending ON invitations (organization_id, email_normalized) \
                 WHERE state = 'pending'",
            )
            .await?;

        m.create_table(
            Table::create()
                .table("invitation_tokens")
                .col(string("token_hash").primary_key())
                .col(string("invitation_id"))
                // invitation | reminder: each reminder carries a fresh link; the first stays valid
                .col(string("purpose"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut cascade_fk("invitation_tokens", "invitation_id", "invitations"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "invitation_tokens",
            "invitation_tokens_invitation",
            &["invitation_id"],
        ))
        .await?;

        // Per organization: when reminders go out and how many (absent = server defaults).
        m.create_table(
            Table::create()
                .table("invitation_settings")
                .col(string("organization_id").primary_key())
                .col(integer("reminder_after_days"))
                .col(integer("max_reminders"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut cascade_fk(
                    "invitation_settings",
                    "organization_id",
                    "organizations",
                ))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("invitation_settings").take()).await?;
        m.drop_table(Table::drop().table("invitation_tokens").take()).await?;
        m.drop_table(Table::drop().table("invitations").take()).await
    }
}
