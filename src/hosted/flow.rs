//! The state of one hosted sign-in, kept in the browser as a sealed (AES-GCM) cookie: which
//! client started it and where it returns, the pending authentication token between steps,
//! and the CSRF token that every form must echo (double submit; the cookie is HttpOnly and
//! SameSite=Lax, and sealing stops a planted cookie from carrying a token of the attacker's
//! choosing).

use crate::context::Ctx;
use chrono::{DateTime, Duration, Utc};
use poem::http::header;
use poem::Request;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

const COOKIE: &str = "gh_hosted";
const SECURE_COOKIE: &str = "__Host-gh_hosted";
const SEALING_CONTEXT: &[u8] = b"hosted-flow";
const LIFETIME_MINUTES: i64 = 30;

/// The client that started the flow and where the result goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Return {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
}

/// The step the browser is on, with what its page needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Stage {
    #[default]
    SignIn,
    MagicCode {
        email: String,
    },
    VerifyEmail {
        email: String,
    },
    MfaChallenge {
        factor_id: String,
        challenge_id: String,
    },
    MfaEnroll {
        challenge_id: String,
        secret: String,
        uri: String,
        recovery_codes: Vec<String>,
    },
    PickOrganization {
        organizations: Vec<(String, String)>,
    },
    Reauthenticate {
        /// The organization that asks: "Continue with SSO" signs in at its connections.
        #[serde(default)]
        organization_id: String,
        organization: String,
        requirements: Vec<String>,
        allowed: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub csrf: String,
    pub back: Option<Return>,
    pub stage: Stage,
    /// The pending authentication token of the step in progress.
    pub pending: Option<String>,
    /// Remembered to prefill forms.
    pub email: Option<String>,
    /// The SSO login this browser was sent to an IdP for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso: Option<SsoLogin>,
    pub expires_at: DateTime<Utc>,
}

/// An SSO login started from the hosted pages: the `state` and PKCE verifier its answer must
/// come back with, and the pending authentication token it completes, if it answers a
/// re-authentication prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoLogin {
    pub state: String,
    pub verifier: String,
    pub pending: Option<String>,
}

impl SsoLogin {
    pub fn new(pending: Option<String>) -> Self {
        Self {
            state: crate::secrets::generate(""),
            // RFC 7636: 43 to 128 characters.
            verifier: format!("{}{}", crate::secrets::generate(""), crate::secrets::generate("")),
            pending,
        }
    }

    /// Whether the answer's `state` is this login's (constant time).
    pub fn state_matches(&self, presented: &str) -> bool {
        self.state.as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

impl Flow {
    pub fn new(now: DateTime<Utc>, back: Option<Return>) -> Self {
        Self {
            csrf: crate::secrets::generate(""),
            back,
            stage: Stage::SignIn,
            pending: None,
            email: None,
            sso: None,
            expires_at: now + Duration::minutes(LIFETIME_MINUTES),
        }
    }

    /// Whether the form's `csrf` field is this flow's token (constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        self.csrf.as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

/// A sealed (AES-GCM), HttpOnly, SameSite=Lax cookie. With https its name takes the
/// `__Host-` prefix, which pins it to this host (no `Domain`, `Path=/`), so a sibling
/// subdomain cannot plant its own.
pub(crate) struct SealedCookie {
    pub name: &'static str,
    pub secure_name: &'static str,
    /// Binds the sealed value to this cookie: one cookie's value does not open as another's.
    pub context: &'static [u8],
}

impl SealedCookie {
    fn secure(ctx: &Ctx) -> bool {
        ctx.config.public_url.starts_with("https://")
    }

    fn name(&self, ctx: &Ctx) -> &'static str {
        if Self::secure(ctx) {
            self.secure_name
        } else {
            self.name
        }
    }

    /// The opened value of this browser's cookie, if it has one that opens.
    pub fn read(&self, ctx: &Ctx, req: &Request) -> Option<Vec<u8>> {
        let name = self.name(ctx);
        let raw = req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())?;
        ctx.sealer.open(&raw, self.context).ok()
    }

    /// The `Set-Cookie` value that stores `plain`, sealed, for `max_age` seconds.
    pub fn set(&self, ctx: &Ctx, plain: &[u8], max_age: i64) -> String {
        let sealed = ctx.sealer.seal(plain, self.context).unwrap_or_default();
        self.header(ctx, &sealed, max_age)
    }

    /// The `Set-Cookie` value that removes the cookie.
    pub fn clear(&self, ctx: &Ctx) -> String {
        self.header(ctx, "", 0)
    }

    fn header(&self, ctx: &Ctx, value: &str, max_age: i64) -> String {
        let secure = if Self::secure(ctx) { "; Secure" } else { "" };
        format!(
            "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
            self.name(ctx)
        )
    }
}

const FLOW_COOKIE: SealedCookie = SealedCookie {
    name: COOKIE,
    secure_name: SECURE_COOKIE,
    context: SEALING_CONTEXT,
};

/// The flow of this browser, if its cookie opens and has not expired.
pub fn read(ctx: &Ctx, req: &Request) -> Option<Flow> {
    let opened = FLOW_COOKIE.read(ctx, req)?;
    let flow: Flow = serde_json::from_slice(&opened).ok()?;
    (flow.expires_at > ctx.now()).then_some(flow)
}

/// The `Set-Cookie` value that stores `flow`.
pub fn set_cookie(ctx: &Ctx, flow: &Flow) -> String {
    let json = serde_json::to_vec(flow).unwrap_or_default();
    FLOW_COOKIE.set(ctx, &json, LIFETIME_MINUTES * 60)
}

/// The `Set-Cookie` value that ends the flow.
pub fn clear_cookie(ctx: &Ctx) -> String {
    FLOW_COOKIE.clear(ctx)
}

/// `redirect_uri` with `params` appended to its query.
pub fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (k, v) in params {
                    query.append_pair(k, v);
                }
            }
            url.to_string()
        }
        Err(_) => redirect_uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_keeps_existing_query_and_encodes() {
        for (uri, params, want) in [
            (
                "https://app.test/cb",
                vec![("code", "a b")],
                "https://app.test/cb?code=a+b",
            ),
            (
                "https://app.test/cb?x=1",
                vec![("code", "c"), ("state", "s&t")],
                "https://app.test/cb?x=1&code=c&state=s%26t",
            ),
        ] {
            assert_eq!(redirect_with(uri, &params), want, "{uri}");
        }
    }

    #[test]
    fn sso_state_compare_needs_the_exact_state() {
        let login = SsoLogin::new(None);
        assert!(login.state_matches(&login.state.clone()));
        assert!(!login.state_matches(""));
        assert!(!login.state_matches(&login.state[..login.state.len() - 1]));
        assert!(!login.state_matches(&SsoLogin::new(None).state));
        assert!((43..=128).contains(&login.verifier.len()));
    }

    #[test]
    fn csrf_compare_needs_the_exact_token() {
        let flow = Flow::new(Utc::now(), None);
        assert!(flow.csrf_matches(&flow.csrf.clone()));
        assert!(!flow.csrf_matches(""));
        assert!(!flow.csrf_matches(&flow.csrf[..10]));
    }
}
