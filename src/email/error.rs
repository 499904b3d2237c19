//! What writing or sending an email can fail with.

use super::templates::TemplateError;
use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("`{0}` is not a deliverable email address")]
    InvalidRecipient(String),
    #[error("mail_from `{0}` is not a valid mailbox such as `Name <user@host>`")]
    InvalidFrom(String),
    #[error("SMTP transport: {0}")]
    SmtpConfig(lettre::transport::smtp::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
}
