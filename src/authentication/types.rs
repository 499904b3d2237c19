//! The terms of a sign-in: the grant presented, who presents it, and what comes of it (a signed-in
//! user, a step still needed with its pending token, or a refusal).

use crate::identity::codes::{CodeError, RedeemError};
use crate::identity::credentials::CredentialError;
use crate::identity::mfa::MfaError;
use crate::identity::notify::NotifyError;
use crate::policy::evaluate::Requirement;
use crate::sessions::lifecycle::{Issued, SessionError};
use crate::sessions::pending::{Awaiting, PendingError};
use entities::{mfa_factors, organizations, users};
use sea_orm::DbErr;
use secrecy::SecretString;

pub enum Grant {
    Password {
        email: String,
        password: SecretString,
    },
    MagicAuth {
        email: String,
        code: String,
    },
    EmailVerification {
        pending_token: String,
        code: String,
    },
    Totp {
        pending_token: String,
        challenge_id: String,
        code: String,
    },
    RecoveryCode {
        pending_token: String,
        code: String,
    },
    OrganizationSelection {
        pending_token: String,
        organization_id: String,
    },
    RefreshToken {
        refresh_token: String,
        organization_id: Option<String>,
    },
    /// A one-time code that a hosted sign-in handed to the client's redirect URI.
    AuthorizationCode {
        code: String,
    },
    /// A one-time code that an SSO login (/sso/authorize → IdP → ACS) handed to the client;
    /// `pending_token` continues a sign-in that answered `sso_required`.
    Sso {
        code: String,
        /// PKCE: required when `/sso/authorize` had a `code_challenge`.
        code_verifier: Option<String>,
        pending_token: Option<String>,
    },
    /// A one-time code that a social sign-in (/sso/authorize?provider= → provider → callback) handed over.
    Social {
        code: String,
        code_verifier: Option<String>,
    },
}

pub struct Caller {
    pub client_id: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// The device token of the browser on the hosted pages (never on the API): a browser that
    /// completed a sign-in of the account before may guess its password past a full ceiling.
    pub device: Option<String>,
    pub delivery: Delivery,
}

/// How a completed sign-in reaches the client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Delivery {
    /// Tokens in the reply: the vendor's backend called the API itself.
    #[default]
    Tokens,
    /// The hosted pages ran the sign-in in the user's browser: it ends in a one-time code
    /// (`Step::AuthorizationCode`) that the client's backend exchanges for tokens, so tokens
    /// never pass through the browser.
    AuthorizationCode,
}

pub struct SignedIn {
    pub user: users::Model,
    pub issued: Issued,
    pub authentication_method: String,
}

/// A step the sign-in still needs, with the token that continues it.
#[derive(Debug)]
pub struct Needed {
    pub step: Step,
    pub pending_token: String,
    pub user: users::Model,
}

#[derive(Debug)]
pub enum Step {
    EmailVerification {
        email_verification_id: String,
    },
    MfaChallenge {
        factors: Vec<mfa_factors::Model>,
    },
    OrganizationSelection {
        organizations: Vec<organizations::Model>,
    },
    /// The user must enroll an MFA factor before entering the organization.
    MfaEnrollment,
    /// The session does not meet the target organization's policy (API.md flow 2).
    Reauthentication {
        organization_id: String,
        requirements: Vec<Requirement>,
    },
    /// The organization that verified the email's domain lets its users in only through SSO.
    SsoRequired {
        email: String,
        organization_id: String,
        connection_ids: Vec<String>,
    },
    /// The sign-in is complete; `pending_token` is the one-time authorization code the client
    /// exchanges (only under `Delivery::AuthorizationCode`).
    AuthorizationCode,
}

impl Step {
    /// What the pending token answering this step waits for.
    pub(super) fn awaiting(&self) -> Awaiting {
        match self {
            Step::EmailVerification { .. } => Awaiting::EmailVerification,
            Step::MfaChallenge { .. } => Awaiting::MfaChallenge,
            Step::MfaEnrollment => Awaiting::MfaEnrollment,
            Step::OrganizationSelection { .. } => Awaiting::OrganizationSelection,
            Step::Reauthentication { .. } => Awaiting::Reauthentication,
            Step::SsoRequired { .. } => Awaiting::SsoRequired,
            Step::AuthorizationCode => Awaiting::AuthorizationCode,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("unknown client_id")]
    UnknownClient,
    #[error("the email or password is not correct")]
    InvalidCredentials,
    #[error("{0}")]
    InvalidGrant(String),
    #[error(transparent)]
    Code(RedeemError),
    #[error("the user is not a member of that organization")]
    NotAMember,
    /// The account's ceiling on guesses is full for this caller (`ceiling`).
    #[error("too many attempts")]
    RateLimited(crate::ratelimit::Limited),
    #[error("{1}")]
    SsoRefused(&'static str, String),
    #[error("a step is still needed")]
    Needed(Box<Needed>),
    #[error(transparent)]
    Credential(#[from] CredentialError),
    #[error(transparent)]
    Mfa(#[from] MfaError),
    #[error(transparent)]
    Notify(#[from] NotifyError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Invitation(#[from] crate::invitations::InvitationError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<PendingError> for AuthError {
    fn from(err: PendingError) -> Self {
        match err {
            PendingError::Invalid => AuthError::InvalidGrant("the pending authentication token is not valid".into()),
            PendingError::Db(db) => AuthError::Db(db),
        }
    }
}

impl From<CodeError> for AuthError {
    fn from(err: CodeError) -> Self {
        match err {
            CodeError::Redeem(r) => AuthError::Code(r),
            CodeError::Db(db) => AuthError::Db(db),
        }
    }
}
