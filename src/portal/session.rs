//! A portal session: what an opened link grants, kept in the browser as a sealed cookie. It
//! names one organization and one intent; every page acts only on that organization, and every
//! form echoes the session's CSRF token (double submit).

use super::links::Intent;
use crate::context::Ctx;
use crate::hosted::flow::SealedCookie;
use chrono::{DateTime, Duration, Utc};
use poem::Request;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

const COOKIE: SealedCookie = SealedCookie {
    name: "gh_portal",
    secure_name: "__Host-gh_portal",
    context: b"admin-portal",
};
/// Time to configure an IdP with the portal open in another tab.
const LIFETIME_MINUTES: i64 = 60;

/// A test sign-in in progress: the `state` and PKCE verifier it must come back with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestLogin {
    pub state: String,
    pub verifier: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalSession {
    pub csrf: String,
    pub organization_id: String,
    pub intent: Intent,
    pub return_url: Option<String>,
    pub success_url: Option<String>,
    /// The connection the SSO wizard is setting up.
    pub connection_id: Option<String>,
    pub test: Option<TestLogin>,
    pub expires_at: DateTime<Utc>,
}

impl PortalSession {
    pub fn new(now: DateTime<Utc>, link: &entities::portal_links::Model, intent: Intent) -> Self {
        Self {
            csrf: crate::secrets::generate(""),
            organization_id: link.organization_id.clone(),
            intent,
            return_url: link.return_url.clone(),
            success_url: link.success_url.clone(),
            connection_id: None,
            test: None,
            expires_at: now + Duration::minutes(LIFETIME_MINUTES),
        }
    }

    pub fn csrf_matches(&self, presented: &str) -> bool {
        self.csrf.as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

/// This browser's session, if its cookie opens and has not expired.
pub fn read(ctx: &Ctx, req: &Request) -> Option<PortalSession> {
    let opened = COOKIE.read(ctx, req)?;
    let session: PortalSession = serde_json::from_slice(&opened).ok()?;
    (session.expires_at > ctx.now()).then_some(session)
}

/// The `Set-Cookie` value that stores `session` (until it expires).
pub fn set_cookie(ctx: &Ctx, session: &PortalSession) -> String {
    let json = serde_json::to_vec(session).unwrap_or_default();
    let left = (session.expires_at - ctx.now()).num_seconds().max(0);
    COOKIE.set(ctx, &json, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_compare_needs_the_exact_token() {
        let now = Utc::now();
        let link = entities::portal_links::Model {
            id: "portal_link_x".into(),
            organization_id: "org_x".into(),
            intent: "sso".into(),
            token_hash: String::new(),
            return_url: None,
            success_url: None,
            expires_at: now,
            opened_at: None,
            created_at: now,
        };
        let session = PortalSession::new(now, &link, Intent::Sso);
        assert!(session.csrf_matches(&session.csrf.clone()));
        assert!(!session.csrf_matches(""));
        assert!(!session.csrf_matches(&session.csrf[..12]));
    }
}
