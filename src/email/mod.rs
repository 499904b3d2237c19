//! Transactional email through an outbox. `enqueue` renders an email and writes it in the
//! caller's transaction, so the email exists exactly when the action that causes it
//! commits; the sender task (`sender::spawn_sender`) delivers it later, retrying with backoff.

mod error;
pub mod outbox;
pub mod sender;
pub mod templates;
pub mod transport;

pub use error::EmailError;
pub use templates::{Rendered, TemplateError, Templates};

use crate::config::Config;
use crate::ids::EmailId;
use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use sea_orm::ConnectionTrait;
use serde_json::Value;

/// What services need to write emails: the compiled templates, and the sender's `From`.
pub struct Mailer {
    pub templates: Templates,
    pub from: Mailbox,
}

impl Mailer {
    /// Errors: `InvalidFrom` for a bad `mail_from`, `Template` if an embedded template does
    /// not compile.
    pub fn from_config(config: &Config) -> Result<Self, EmailError> {
        let from = config
            .mail_from
            .parse()
            .map_err(|_| EmailError::InvalidFrom(config.mail_from.clone()))?;
        Ok(Self {
            templates: Templates::embedded()?,
            from,
        })
    }
}

/// Renders `template` with `data` and queues the email to `to` on `db`, normally the
/// transaction of the action that causes it: if that rolls back, no email is sent.
///
/// Rendering happens now, so a bad template or a missing variable fails the caller
/// (`Template`) instead of a background task. Errors: `InvalidRecipient`, `Template`, `Db`.
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    templates: &Templates,
    now: DateTime<Utc>,
    to: &str,
    template: &str,
    data: &Value,
) -> Result<EmailId, EmailError> {
    let address: lettre::Address = to.parse().map_err(|_| EmailError::InvalidRecipient(to.to_owned()))?;
    let rendered = templates.render(template, data)?;
    let id = outbox::insert(db, now, address.as_ref(), template, rendered).await?;
    tracing::debug!(email_id = %id, template, "email queued");
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_sender_is_a_valid_mailbox() {
        let mailer = Mailer::from_config(&Config::default()).unwrap();
        assert_eq!(mailer.from.email.to_string(), "no-reply@localhost");
        let bad = Config {
            mail_from: "not an address".into(),
            ..Config::default()
        };
        assert!(matches!(Mailer::from_config(&bad), Err(EmailError::InvalidFrom(_))));
    }
}
