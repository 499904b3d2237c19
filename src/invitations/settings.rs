//! An organization's reminder schedule: after how many days a pending invitation is reminded,
//! and how many reminders it gets at most. Organizations without their own use the server's
//! `invitation_reminder_after_days` and `invitation_max_reminders`.

use super::error::InvitationError;
use crate::config::Config;
use crate::context::Ctx;
use crate::validation::FieldError;
use chrono::{DateTime, Duration, Utc};
use entities::{invitation_settings as settings, organizations};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

pub const MAX_REMINDER_AFTER_DAYS: i32 = 30;
pub const MAX_REMINDERS: i32 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub reminder_after_days: i32,
    pub max_reminders: i32,
}

impl Settings {
    pub fn defaults(config: &Config) -> Self {
        Self {
            reminder_after_days: i32::try_from(config.invitation_reminder_after_days)
                .unwrap_or(MAX_REMINDER_AFTER_DAYS),
            max_reminders: i32::try_from(config.invitation_max_reminders).unwrap_or(MAX_REMINDERS),
        }
    }

    /// When the first reminder of an invitation sent at `now` is due; `None` when none is sent.
    pub fn first_reminder_at(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.max_reminders > 0).then(|| now + self.every())
    }

    pub fn every(self) -> Duration {
        Duration::days(i64::from(self.reminder_after_days))
    }

    fn check(self) -> Result<Self, InvitationError> {
        let mut problems = Vec::new();
        if !(1..=MAX_REMINDER_AFTER_DAYS).contains(&self.reminder_after_days) {
            problems.push(FieldError::new(
                "reminder_after_days",
                "out_of_range",
                format!("must be between 1 and {MAX_REMINDER_AFTER_DAYS}"),
            ));
        }
        if !(0..=MAX_REMINDERS).contains(&self.max_reminders) {
            problems.push(FieldError::new(
                "max_reminders",
                "out_of_range",
                format!("must be between 0 and {MAX_REMINDERS}"),
            ));
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(InvitationError::Invalid(problems))
        }
    }
}

/// The organization's schedule, or the server's defaults.
pub async fn settings_of<C: ConnectionTrait>(db: &C, config: &Config, org: &str) -> Result<Settings, DbErr> {
    Ok(settings::Entity::find_by_id(org)
        .one(db)
        .await?
        .map(|row| Settings {
            reminder_after_days: row.reminder_after_days,
            max_reminders: row.max_reminders,
        })
        .unwrap_or_else(|| Settings::defaults(config)))
}

pub async fn get_settings(ctx: &Ctx, org: &str) -> Result<Settings, InvitationError> {
    organizations::Entity::find_by_id(org)
        .one(ctx.db.read())
        .await?
        .ok_or(InvitationError::OrganizationNotFound)?;
    Ok(settings_of(ctx.db.read(), &ctx.config, org).await?)
}

/// Replaces the organization's schedule. Invitations already pending keep the reminder time
/// they have; the new schedule applies from their next reminder on.
pub async fn put_settings(ctx: &Ctx, org: &str, new: Settings) -> Result<Settings, InvitationError> {
    let new = new.check()?;
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    organizations::Entity::find_by_id(org)
        .one(&tx)
        .await?
        .ok_or(InvitationError::OrganizationNotFound)?;
    settings::Entity::insert(settings::ActiveModel {
        organization_id: Set(org.to_owned()),
        reminder_after_days: Set(new.reminder_after_days),
        max_reminders: Set(new.max_reminders),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(settings::Column::OrganizationId)
            .update_columns([
                settings::Column::ReminderAfterDays,
                settings::Column::MaxReminders,
                settings::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(&tx)
    .await?;
    tx.commit().await?;
    Ok(new)
}
