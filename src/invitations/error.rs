//! What an invitation service refuses, and why.

use super::mail::MailError;
use super::rules::State;
use crate::email::EmailError;
use crate::validation::FieldError;
use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    #[error("invitation not found")]
    NotFound,
    #[error("organization not found")]
    OrganizationNotFound,
    #[error("inviter not found")]
    InviterNotFound,
    #[error("user not found")]
    UserNotFound,
    #[error("role {0} does not exist")]
    UnknownRole(String),
    #[error("invalid invitation")]
    Invalid(Vec<FieldError>),
    #[error("the organization's invitation_domains policy allows only {}", .0.join(", "))]
    DomainNotAllowed(Vec<String>),
    #[error("the organization's require_work_email policy refuses free-mail addresses")]
    WorkEmailRequired,
    #[error("the user is already a member of this organization")]
    AlreadyMember,
    #[error("a pending invitation for this email already exists in this organization")]
    AlreadyPending,
    #[error("the invitation is {}, not pending", .0.as_str())]
    NotPending(State),
    #[error("the invitation was sent to another email address than the user's verified one")]
    EmailMismatch,
    #[error("the organization requires a work email: the account invited by its personal address cannot join")]
    PersonalAccount,
    #[error("the user's email is not verified yet")]
    EmailNotVerified,
    #[error("the invitation token is not valid")]
    InvalidToken,
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<MailError> for InvitationError {
    fn from(err: MailError) -> Self {
        match err {
            MailError::Email(e) => InvitationError::Email(e),
            MailError::Db(e) => InvitationError::Db(e),
        }
    }
}
