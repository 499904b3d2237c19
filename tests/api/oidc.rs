//! The OIDC relying party (`gatehouse::oidc`) against an independent OpenID Provider: panva's oidc-provider
//! (tests/interop/oidc-provider, pinned), driven through its login and consent pages over plain HTTP. Refusals
//! that need a token no real provider mints (alg none, foreign issuer or audience) come from a small provider
//! this file runs, with a key it controls; the relying party code under test is the same production path.

use gatehouse::clock::FixedClock;
use gatehouse::oidc::{Callback, ClientConfig, HttpLimits, Oidc, OidcError, PendingOidc, Provider};
use secrecy::SecretString;
use serde_json::json;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;

const REDIRECT_URI: &str = "http://127.0.0.1:9/sso/oidc/callback";
const SECRET: &str = "rp-secret-that-is-long-enough-for-hs256-0123456789";

/// oidc-provider on a free loopback port, with two registered clients: `rp` (RS256 ID tokens) and `rp-hs`
/// (HS256 ID tokens, which the relying party must refuse).
struct OpenIdProvider {
    port: u16,
    child: Child,
    _stdin: ChildStdin,
}

impl OpenIdProvider {
    fn start() -> Self {
        Self::start_on(0)
    }

    /// Every start makes a fresh signing key: starting again on the same port rotates the key under the
    /// same issuer.
    fn start_on(port: u16) -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/oidc-provider");
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "oidc-provider is not installed: run scripts/ensure-deps.sh test (npm ci in {})",
            dir.display()
        );
        let client = |id: &str, alg: &str| {
            json!({"client_id": id, "client_secret": SECRET, "redirect_uris": [REDIRECT_URI],
                   "id_token_signed_response_alg": alg})
        };
        let config = json!({"clients": [client("rp", "RS256"), client("rp-hs", "HS256")]});
        let mut child = Command::new("node")
            .arg(dir.join("oidc.mjs"))
            .env("OIDC_CONFIG", config.to_string())
            .env("PORT", port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node tests/interop/oidc-provider/oidc.mjs");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the provider's port");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("oidc-provider did not start; it printed {line:?}"));
        Self {
            port,
            child,
            _stdin: stdin,
        }
    }

    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn provider(&self) -> Provider {
        Provider::Discover { issuer: self.issuer() }
    }

    fn restart(self) -> Self {
        let port = self.port;
        drop(self);
        Self::start_on(port)
    }
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client(id: &str) -> ClientConfig {
    ClientConfig {
        client_id: id.into(),
        client_secret: Some(SecretString::from(SECRET)),
    }
}

fn rp() -> (Oidc, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    (Oidc::new(clock.clone(), HttpLimits::default()).unwrap(), clock)
}

/// A browser for oidc-provider's development login and consent pages: follows redirects by hand, keeps
/// cookies by name, submits the login form with `login` as the account id and any password, accepts consent,
/// and stops at the redirect URI, returning its query.
async fn sign_in_at_provider(auth_url: &str, login: &str) -> Callback {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut cookies: HashMap<String, String> = HashMap::new();
    let mut url = auth_url.to_owned();
    let mut form: Option<Vec<(String, String)>> = None;
    for _ in 0..20 {
        let jar = cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = match form.take() {
            Some(fields) => http.post(&url).form(&fields),
            None => http.get(&url),
        };
        let resp = request.header("cookie", jar).send().await.unwrap();
        for set in resp.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = resp.status();
        if status.is_redirection() {
            let location = resp.headers()["location"].to_str().unwrap();
            let next = reqwest::Url::parse(&url).unwrap().join(location).unwrap();
            if next.as_str().starts_with(REDIRECT_URI) {
                let query: HashMap<String, String> = next.query_pairs().into_owned().collect();
                return serde_json::from_value(json!(query)).unwrap();
            }
            url = next.to_string();
            continue;
        }
        let body = resp.text().await.unwrap();
        assert_eq!(status, 200, "{url}: {body}");
        let action = between(&body, "action=\"", "\"").expect("a form on the interaction page");
        let prompt = between(&body, "name=\"prompt\" value=\"", "\"").expect("a prompt field");
        let mut fields = vec![("prompt".to_owned(), prompt.clone())];
        if prompt == "login" {
            fields.push(("login".into(), login.into()));
            fields.push(("password".into(), "any".into()));
        }
        url = action;
        form = Some(fields);
    }
    panic!("the provider never redirected back to {REDIRECT_URI}");
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(text[from..from + len].to_owned())
}

/// `begin` at `op`, then a full sign-in as `login`: the pending flow and the callback the browser brought back.
async fn authorized(oidc: &Oidc, provider: &Provider, client_id: &str, login: &str) -> (PendingOidc, Callback) {
    let (url, pending) = oidc
        .begin(provider, &client(client_id), REDIRECT_URI, &["email", "profile"])
        .await
        .unwrap();
    let callback = sign_in_at_provider(url.as_str(), login).await;
    (pending, callback)
}

#[tokio::test]
async fn sign_in_with_an_independent_provider_yields_the_identity() {
    let op = OpenIdProvider::start();
    let (oidc, _clock) = rp();
    let (url, pending) = oidc
        .begin(&op.provider(), &client("rp"), REDIRECT_URI, &["email", "profile"])
        .await
        .unwrap();
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert!(url.as_str().starts_with(&format!("{}/auth?", op.issuer())), "{url}");
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], "rp");
    assert_eq!(query["scope"], "openid email profile");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["state"], pending.state);
    assert_eq!(query["nonce"], pending.nonce);
    assert!(
        pending.state.len() >= 22 && pending.nonce.len() >= 22,
        "random state and nonce"
    );
    assert!(
        !url.as_str().contains(&pending.pkce_verifier),
        "only the challenge travels"
    );

    let callback = sign_in_at_provider(url.as_str(), "alice@example.com").await;
    assert_eq!(callback.iss.as_deref(), Some(op.issuer().as_str()), "RFC 9207 iss");
    let identity = oidc
        .finish(&op.provider(), &client("rp"), &pending, &callback)
        .await
        .unwrap();
    assert_eq!(identity.issuer, op.issuer());
    assert_eq!(identity.subject, "alice@example.com");
    // oidc-provider keeps scope claims out of the ID token when it issues an access token
    // (conformIdTokenClaims): these come from userinfo.
    assert_eq!(identity.email.as_deref(), Some("alice@example.com"));
    assert!(identity.email_verified);
    assert_eq!(identity.name.as_deref(), Some("alice Example"));
    assert_eq!(identity.given_name.as_deref(), Some("alice"));
    assert_eq!(identity.family_name.as_deref(), Some("Example"));
    assert_eq!(identity.raw_claims["aud"], "rp");

    // The code is single-use at the provider: a replayed callback is refused.
    let replay = oidc.finish(&op.provider(), &client("rp"), &pending, &callback).await;
    assert!(matches!(replay, Err(OidcError::TokenExchange(_))), "{replay:?}");
}

#[tokio::test]
async fn an_account_without_email_signs_in_without_one() {
    let op = OpenIdProvider::start();
    let (oidc, _clock) = rp();
    let (pending, callback) = authorized(&oidc, &op.provider(), "rp", "bob").await;
    let identity = oidc
        .finish(&op.provider(), &client("rp"), &pending, &callback)
        .await
        .unwrap();
    assert_eq!(identity.subject, "bob");
    assert_eq!(identity.email, None);
    assert!(!identity.email_verified);
    assert_eq!(
        identity.given_name.as_deref(),
        Some("bob"),
        "profile claims from userinfo"
    );
}

#[tokio::test]
async fn a_wrong_state_is_refused_before_the_code_is_spent() {
    let op = OpenIdProvider::start();
    let (oidc, _clock) = rp();
    let (pending, mut callback) = authorized(&oidc, &op.provider(), "rp", "carol@example.com").await;
    let good_state = callback.state.replace("forged-state".into());
    let refused = oidc.finish(&op.provider(), &client("rp"), &pending, &callback).await;
    assert_eq!(refused, Err(OidcError::StateMismatch));
    callback.state = None;
    let refused = oidc.finish(&op.provider(), &client("rp"), &pending, &callback).await;
    assert_eq!(refused, Err(OidcError::StateMismatch));

    callback.state = good_state;
    let identity = oidc.finish(&op.provider(), &client("rp"), &pending, &callback).await;
    assert_eq!(
        identity.unwrap().subject,
        "carol@example.com",
        "the code was still unused"
    );
}

#[tokio::test]
async fn a_callback_naming_another_issuer_is_refused() {
    let op = OpenIdProvider::start();
    let (oidc, _clock) = rp();
    let (pending, mut callback) = authorized(&oidc, &op.provider(), "rp", "dan@example.com").await;
    callback.iss = Some("https://attacker.example".into());
    let refused = oidc.finish(&op.provider(), &client("rp"), &pending, &callback).await;
    assert_eq!(refused, Err(OidcError::ResponseIssuerMismatch));
}

#[tokio::test]
async fn a_wrong_nonce_is_refused() {
    let op = OpenIdProvider::start();
    let (oidc, _clock) = rp();
    let (mut pending, callback) = authorized(&oidc, &op.provider(), "rp", "erin@example.com").await;
    pending.nonce = "a-nonce-from-another-flow".into();
    let refused = oidc.finish(&op.provider(), &client("rp"), &pending, &callback).await;
    assert_eq!(refused, Err(OidcError::NonceMismatch));
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    let op = OpenIdProvider::start();
    let (oidc, clock) = rp();
    let (pending, callback) = authorized(&oidc, &op.provider(), "rp", "frank@example.com").await;
    // oidc-provider's ID tokens live one hour.
    clock.advance(chrono::Duration::minutes(61));
    let refused = oidc.finish(&op.provider(), &client("rp"), &pending, &callback).await;
    assert_eq!(refused, Err(OidcError::Expired));
}

#[tokio::test]
async fn an_hmac_signed_id_token_is_refused() {
    let op = OpenIdProvider::start();
    let (oidc, _clock) = rp();
    let (pending, callback) = authorized(&oidc, &op.provider(), "rp-hs", "gina@example.com").await;
    let refused = oidc.finish(&op.provider(), &client("rp-hs"), &pending, &callback).await;
    assert!(matches!(refused, Err(OidcError::AlgorithmNotAllowed(_))), "{refused:?}");
}

#[tokio::test]
async fn a_rotated_signing_key_is_fetched_once_the_kid_is_unknown() {
    let op = OpenIdProvider::start();
    let (oidc, _clock) = rp();
    // Discovery (and the JWKS with the first key) is cached here.
    oidc.begin(&op.provider(), &client("rp"), REDIRECT_URI, &[])
        .await
        .unwrap();
    let op = op.restart();
    let (pending, callback) = authorized(&oidc, &op.provider(), "rp", "hank@example.com").await;
    let identity = oidc
        .finish(&op.provider(), &client("rp"), &pending, &callback)
        .await
        .unwrap();
    assert_eq!(identity.subject, "hank@example.com");
}
