//! The invitation emails, queued in the caller's transaction through the outbox.

use super::rules::{self, Variant};
use crate::context::Ctx;
use crate::email::{self, EmailError};
use chrono::{DateTime, Utc};
use entities::{invitations, organizations, users};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde_json::json;

/// The link an email carries: the vendor's accept page with the token appended.
pub fn accept_url(ctx: &Ctx, token: &str) -> String {
    let configured = ctx.config.invitation_accept_url.trim();
    let base = if configured.is_empty() {
        format!("{}/invitations/accept", ctx.config.public_url.trim_end_matches('/'))
    } else {
        configured.to_owned()
    };
    let joiner = if base.contains('?') { '&' } else { '?' };
    format!("{base}{joiner}invitation_token={token}")
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Queues `template` (an announcement or a reminder) for the invitation, with `token`'s link.
pub async fn send<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    now: DateTime<Utc>,
    invitation: &invitations::Model,
    template: &str,
    token: &str,
) -> Result<(), MailError> {
    let organization = organizations::Entity::find_by_id(invitation.organization_id.clone())
        .one(db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let inviter = match &invitation.inviter_user_id {
        Some(id) => users::Entity::find_by_id(id.clone()).one(db).await?,
        None => None,
    };
    let inviter_name = rules::inviter_name(
        inviter.as_ref().and_then(|u| u.first_name.as_deref()),
        inviter.as_ref().and_then(|u| u.last_name.as_deref()),
        inviter.as_ref().map(|u| u.email.as_str()),
        &organization,
    );
    let days_left = ((invitation.expires_at - now).num_hours().div_euclid(24).max(0) + 1)
        .min(i64::from(invitation.expires_in_days));
    let variant = Variant::parse(&invitation.variant);
    let data = json!({
        "app_name": "Gatehouse",
        "organization_name": organization,
        "inviter_name": inviter_name,
        "email": invitation.email,
        "role": invitation.role_slug,
        "accept_url": accept_url(ctx, token),
        "expires_in": if days_left == 1 { "1 day".to_owned() } else { format!("{days_left} days") },
        "expires_on": invitation.expires_at.format("%B %-d, %Y").to_string(),
        "existing_account": variant == Variant::ExistingUser,
        "work_email_required": variant == Variant::WorkEmailRequired,
    });
    email::enqueue(db, &ctx.mailer.templates, now, &invitation.email, template, &data).await?;
    Ok(())
}
