//! The emails identity flows send, queued in the caller's transaction through the outbox.

use crate::context::Ctx;
use sea_orm::ConnectionTrait;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
#[error("email could not be queued: {0}")]
pub struct NotifyError(#[from] pub crate::email::EmailError);

pub async fn send<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    to: &str,
    template: &str,
    data: Value,
) -> Result<(), NotifyError> {
    crate::email::enqueue(db, &ctx.mailer.templates, ctx.now(), to, template, &data).await?;
    Ok(())
}
