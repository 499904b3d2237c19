//! The vocabulary of an SSO login that every protocol shares: what `/sso/authorize` was asked,
//! where a failure goes, what a protocol's first step yields, and whether the IdP's email is
//! trusted.

use super::connections::Connection;
use crate::context::Ctx;
use sea_orm::{ConnectionTrait, DbErr};
use url::Url;

/// How long a browser may spend at the IdP.
pub(super) const LOGIN_TTL_MINUTES: i64 = 10;

/// Which connection `/sso/authorize` should use.
#[derive(Debug, Clone)]
pub enum Selector {
    Connection(String),
    Organization(String),
    DomainHint(String),
    /// A social provider (`GoogleOAuth`, …): no connection, see `super::social`.
    Provider(String),
}

#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub response_type: String,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub selector: Option<Selector>,
}

/// Where an authorize or callback failure goes.
#[derive(Debug)]
pub enum FlowFailure {
    /// The client or redirect URI cannot be trusted: answer the browser directly (400).
    Direct {
        code: &'static str,
        message: String,
    },
    /// Tell the client through its redirect URI (OAuth 2.0 §4.1.2.1).
    Redirect(Url),
    Db(DbErr),
}

impl From<DbErr> for FlowFailure {
    fn from(err: DbErr) -> Self {
        FlowFailure::Db(err)
    }
}

pub(super) fn error_redirect(redirect_uri: &str, state: Option<&str>, error: &str, description: &str) -> FlowFailure {
    match Url::parse(redirect_uri) {
        Ok(mut url) => {
            url.query_pairs_mut()
                .append_pair("error", error)
                .append_pair("error_description", description);
            if let Some(state) = state {
                url.query_pairs_mut().append_pair("state", state);
            }
            FlowFailure::Redirect(url)
        }
        Err(_) => FlowFailure::Direct {
            code: "invalid_redirect_uri",
            message: "the redirect_uri is not a URL".into(),
        },
    }
}

/// The first step of a protocol: where to send the browser, and what to remember.
pub struct Begun {
    pub redirect: Url,
    pub request_id: Option<String>,
    pub nonce: Option<String>,
    pub pkce_verifier_sealed: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("{0} connections cannot sign users in yet")]
    Unavailable(&'static str),
    #[error("the connection is misconfigured: {0}")]
    Misconfigured(String),
}

/// One sign-in protocol. SAML is implemented here; OIDC plugs in the same way.
pub trait LoginProtocol: Send + Sync {
    /// Builds the IdP redirect for this browser's login; `login_token` must come back
    /// (RelayState for SAML, `state` for OIDC).
    fn begin(&self, ctx: &Ctx, conn: &Connection, login_token: &str) -> Result<Begun, ProtocolError>;
}

/// An IdP email is trusted only in a domain the connection's organization verified, and never
/// in one of its guest domains (`domains::trust`).
pub(super) async fn email_trusted<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    email: Option<&str>,
) -> Result<bool, DbErr> {
    Ok(crate::domains::trust::idp_email_trust(db, org_id, email).await?
        == crate::domains::trust::IdpEmailTrust::Trusted)
}
