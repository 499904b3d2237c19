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
const LAUNCH_COOKIE: SealedCookie = SealedCookie {
    name: "gh_portal_launch",
    secure_name: "__Host-gh_portal_launch",
    context: b"admin-portal-launch",
};
/// A launch page's form is good as long as a link is (links last five minutes).
const LAUNCH_MINUTES: i64 = 5;
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

/// What the launch page left in this browser: its form's CSRF token, for the one link it showed.
/// A launch form posted from anywhere else (another site logging this browser into the
/// attacker's own portal session) has no such cookie, or not for that link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchGuard {
    pub csrf: String,
    token_hash: String,
    expires_at: DateTime<Utc>,
}

impl LaunchGuard {
    pub fn new(now: DateTime<Utc>, token: &str) -> Self {
        Self {
            csrf: crate::secrets::generate(""),
            token_hash: crate::secrets::hash(token),
            expires_at: now + Duration::minutes(LAUNCH_MINUTES),
        }
    }

    /// Whether a posted launch form came from the page that showed `token` to this browser.
    pub fn admits(&self, now: DateTime<Utc>, token: &str, csrf: &str) -> bool {
        let csrf_ok: bool = self.csrf.as_bytes().ct_eq(csrf.as_bytes()).into();
        csrf_ok && crate::secrets::hashes_match(&self.token_hash, &crate::secrets::hash(token)) && self.expires_at > now
    }
}

/// The launch page's guard in this browser, if its cookie opens.
pub fn read_launch_guard(ctx: &Ctx, req: &Request) -> Option<LaunchGuard> {
    serde_json::from_slice(&LAUNCH_COOKIE.read(ctx, req)?).ok()
}

/// The `Set-Cookie` value that stores the launch page's guard.
pub fn set_launch_guard(ctx: &Ctx, guard: &LaunchGuard) -> String {
    let json = serde_json::to_vec(guard).unwrap_or_default();
    LAUNCH_COOKIE.set(ctx, &json, LAUNCH_MINUTES * 60)
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

    #[test]
    fn a_launch_form_is_admitted_only_with_its_pages_csrf_for_its_link_in_time() {
        let now = Utc::now();
        let guard = LaunchGuard::new(now, "gh_portal_link");
        let csrf = guard.csrf.clone();
        let later = now + Duration::minutes(LAUNCH_MINUTES);
        let cases = [
            ("gh_portal_link", csrf.as_str(), now, true),
            ("gh_portal_link", "", now, false),
            ("gh_portal_link", &csrf[..12], now, false),
            ("gh_portal_other", csrf.as_str(), now, false),
            ("gh_portal_link", csrf.as_str(), later, false),
        ];
        for (token, presented, at, want) in cases {
            assert_eq!(guard.admits(at, token, presented), want, "{token} {presented} {at}");
        }
    }
}
