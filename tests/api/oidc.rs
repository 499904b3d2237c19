//! The OIDC relying party (`gatehouse::oidc`) against an independent OpenID Provider: panva's oidc-provider
//! (tests/interop/oidc-provider, pinned), driven through its login and consent pages over plain HTTP. Refusals
//! that need a token no real provider mints (alg none, foreign issuer or audience) come from a small provider
//! this file runs, with a key it controls; the relying party code under test is the same production path.

use chrono::{DateTime, Utc};
use gatehouse::clock::{Clock, FixedClock};
use gatehouse::http::cidrs::Cidrs;
use gatehouse::http::egress::Egress;
use gatehouse::oidc::social::{email_trust, Distrust, EmailTrust, SocialConfig, SocialProvider};
use gatehouse::oidc::{
    github, Callback, ClientConfig, HttpLimits, ManualEndpoints, Oidc, OidcError, OidcIdentity, PendingOidc, Provider,
};
use gatehouse::sessions::signing_keys::{generate_key, jwks, Algorithm, GeneratedKey};
use secrecy::SecretString;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

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
        let (mut child, line) = crate::helpers::start_peer("oidc-provider", || {
            Command::new("node")
                .arg(dir.join("oidc.mjs"))
                .env("OIDC_CONFIG", config.to_string())
                .env("PORT", port.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start node tests/interop/oidc-provider/oidc.mjs")
        });
        let stdin = child.stdin.take().unwrap();
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
    // The provider runs on loopback, which the server refuses unless the operator allows it.
    let egress = Egress::new(Cidrs::parse("127.0.0.0/8, ::1").unwrap());
    (
        Oidc::new(clock.clone(), HttpLimits::default(), Arc::new(egress)).unwrap(),
        clock,
    )
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

/// A provider this test controls: discovery, a JWKS with one ES256 key, a userinfo endpoint, and a token
/// endpoint that answers whatever ID token the test sets, so the relying party meets tokens no honest
/// provider would mint.
struct ControlledProvider {
    issuer: String,
    key: GeneratedKey,
    id_token: Arc<Mutex<String>>,
    userinfo: Arc<Mutex<Value>>,
    jwks_fetches: Arc<AtomicUsize>,
}

impl ControlledProvider {
    async fn start() -> Self {
        Self::start_with("", "").await
    }

    /// Discovery at `{base}{discovery_path}/.well-known/openid-configuration`, naming `{base}{issuer_path}`.
    async fn start_with(discovery_path: &str, issuer_path: &str) -> Self {
        use poem::endpoint::make;
        use poem::web::Json;
        use poem::{get, post, Route};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let key = generate_key(Algorithm::ES256).unwrap();
        let discovery = json!({
            "issuer": format!("{issuer}{issuer_path}"),
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
        });
        let key_set = jwks(std::slice::from_ref(&key.public_jwk));
        let id_token = Arc::new(Mutex::new(String::new()));
        let userinfo = Arc::new(Mutex::new(json!({})));
        let jwks_fetches = Arc::new(AtomicUsize::new(0));
        let (token, info, fetches) = (id_token.clone(), userinfo.clone(), jwks_fetches.clone());
        let app = Route::new()
            .at(
                format!("{discovery_path}/.well-known/openid-configuration"),
                get(make(move |_| {
                    let d = discovery.clone();
                    async move { Json(d) }
                })),
            )
            .at(
                "/jwks",
                get(make(move |_| {
                    fetches.fetch_add(1, SeqCst);
                    let k = key_set.clone();
                    async move { Json(k) }
                })),
            )
            .at(
                "/token",
                post(make(move |_| {
                    let t = token.lock().unwrap().clone();
                    async move { Json(json!({"access_token": "at-1", "token_type": "Bearer", "id_token": t})) }
                })),
            )
            .at(
                "/userinfo",
                get(make(move |_| {
                    let i = info.lock().unwrap().clone();
                    async move { Json(i) }
                })),
            );
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
        tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(app).await });
        Self {
            issuer,
            key,
            id_token,
            userinfo,
            jwks_fetches,
        }
    }

    fn provider(&self) -> Provider {
        Provider::Discover {
            issuer: self.issuer.clone(),
        }
    }

    /// The claims an honest provider would put in the ID token for this flow.
    fn claims(&self, pending: &PendingOidc, now: DateTime<Utc>) -> Value {
        json!({
            "iss": self.issuer, "aud": "rp", "sub": "user-1", "email": "user1@example.com", "email_verified": true,
            "iat": now.timestamp(), "exp": now.timestamp() + 300, "nonce": pending.nonce,
        })
    }

    fn sign(&self, claims: &Value) -> String {
        sign_es256(claims, &self.key)
    }

    /// `begin`, then the token endpoint will answer `mint(pending)`; returns what `finish` says.
    async fn finish_with(
        &self,
        oidc: &Oidc,
        mint: impl FnOnce(&PendingOidc) -> String,
    ) -> Result<OidcIdentity, OidcError> {
        let (_, pending) = oidc
            .begin(&self.provider(), &client("rp"), REDIRECT_URI, &["email"])
            .await
            .unwrap();
        *self.id_token.lock().unwrap() = mint(&pending);
        let callback = Callback {
            state: Some(pending.state.clone()),
            code: Some("code-1".into()),
            ..Callback::default()
        };
        oidc.finish(&self.provider(), &client("rp"), &pending, &callback).await
    }
}

fn sign_es256(claims: &Value, key: &GeneratedKey) -> String {
    use secrecy::ExposeSecret;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(key.kid.clone());
    let encoding = jsonwebtoken::EncodingKey::from_ec_pem(key.private_pkcs8_pem.expose_secret().as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &encoding).unwrap()
}

fn b64(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn id_tokens_failing_a_check_are_refused_each_for_its_reason() {
    let op = ControlledProvider::start().await;
    let (oidc, clock) = rp();
    let now = clock.now();
    let unpublished_key = generate_key(Algorithm::ES256).unwrap();
    let with = |edit: fn(&mut Value, DateTime<Utc>)| {
        move |op: &ControlledProvider, p: &PendingOidc| {
            let mut claims = op.claims(p, now);
            edit(&mut claims, now);
            op.sign(&claims)
        }
    };
    type Mint<'a> = Box<dyn Fn(&ControlledProvider, &PendingOidc) -> String + 'a>;
    let cases: Vec<(&str, Mint, Result<(), &str>)> = vec![
        ("honest token", Box::new(with(|_, _| {})), Ok(())),
        (
            "alg none",
            Box::new(|op, p| format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&op.claims(p, now)))),
            Err("oidc_algorithm_not_allowed"),
        ),
        (
            "HS256 keyed with the client secret",
            Box::new(|op, p| {
                let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
                jsonwebtoken::encode(&jsonwebtoken::Header::default(), &op.claims(p, now), &key).unwrap()
            }),
            Err("oidc_algorithm_not_allowed"),
        ),
        (
            "foreign issuer",
            Box::new(with(|c, _| c["iss"] = json!("https://attacker.example"))),
            Err("oidc_wrong_issuer"),
        ),
        (
            "another client's token",
            Box::new(with(|c, _| c["aud"] = json!("other-client"))),
            Err("oidc_wrong_audience"),
        ),
        (
            "an extra untrusted audience",
            Box::new(with(|c, _| c["aud"] = json!(["rp", "other-client"]))),
            Err("oidc_wrong_audience"),
        ),
        (
            "expired a second ago",
            Box::new(with(|c, now| c["exp"] = json!(now.timestamp() - 1))),
            Err("oidc_id_token_expired"),
        ),
        (
            "issued within the clock skew ahead",
            Box::new(with(|c, now| c["iat"] = json!(now.timestamp() + 60))),
            Ok(()),
        ),
        (
            "issued an hour ahead, to be used later",
            Box::new(with(|c, now| {
                c["iat"] = json!(now.timestamp() + 3600);
                c["exp"] = json!(now.timestamp() + 7200);
            })),
            Err("oidc_invalid_id_token"),
        ),
        (
            "no nonce",
            Box::new(with(|c, _| {
                c.as_object_mut().unwrap().remove("nonce");
            })),
            Err("oidc_nonce_mismatch"),
        ),
        (
            "signed by a key the provider does not publish",
            Box::new(|op, p| sign_es256(&op.claims(p, now), &unpublished_key)),
            Err("oidc_unknown_signing_key"),
        ),
        (
            "payload swapped under a valid signature",
            Box::new(|op, p| {
                let honest = op.sign(&op.claims(p, now));
                let mut forged = op.claims(p, now);
                forged["sub"] = json!("admin");
                let parts: Vec<&str> = honest.split('.').collect();
                format!("{}.{}.{}", parts[0], b64(&forged), parts[2])
            }),
            Err("oidc_bad_signature"),
        ),
    ];
    // Discovery fetches the JWKS once; after that, only an unknown kid may fetch it again.
    oidc.begin(&op.provider(), &client("rp"), REDIRECT_URI, &[])
        .await
        .unwrap();
    for (name, mint, want) in cases {
        let fetches_before = op.jwks_fetches.load(SeqCst);
        let got = op.finish_with(&oidc, |p| mint(&op, p)).await;
        match (&got, want) {
            (Ok(identity), Ok(())) => {
                assert_eq!(identity.subject, "user-1", "{name}");
                assert_eq!(identity.email.as_deref(), Some("user1@example.com"), "{name}");
            }
            (Err(e), Err(code)) => assert_eq!(e.code(), code, "{name}: {e:?}"),
            _ => panic!("{name}: got {got:?}, want {want:?}"),
        }
        let refetches = op.jwks_fetches.load(SeqCst) - fetches_before;
        let want_refetches = usize::from(want == Err("oidc_unknown_signing_key"));
        assert_eq!(
            refetches, want_refetches,
            "{name}: the JWKS is fetched again once, and only for an unknown kid"
        );
    }
}

#[tokio::test]
async fn userinfo_fills_a_missing_email_only_for_the_same_subject() {
    let op = ControlledProvider::start().await;
    let (oidc, clock) = rp();
    let now = clock.now();
    let without_email = |op: &ControlledProvider, p: &PendingOidc| {
        let mut claims = op.claims(p, now);
        claims.as_object_mut().unwrap().retain(|k, _| !k.starts_with("email"));
        op.sign(&claims)
    };

    *op.userinfo.lock().unwrap() = json!({"sub": "user-1", "email": "info@example.com", "email_verified": true});
    let identity = op.finish_with(&oidc, |p| without_email(&op, p)).await.unwrap();
    assert_eq!(identity.email.as_deref(), Some("info@example.com"));
    assert!(identity.email_verified);

    *op.userinfo.lock().unwrap() =
        json!({"sub": "someone-else", "email": "victim@example.com", "email_verified": true});
    let refused = op.finish_with(&oidc, |p| without_email(&op, p)).await;
    assert!(matches!(refused, Err(OidcError::UserInfo(_))), "{refused:?}");
}

#[tokio::test]
async fn manual_endpoints_work_without_discovery() {
    let op = ControlledProvider::start().await;
    let (oidc, clock) = rp();
    let provider = Provider::Manual(ManualEndpoints {
        issuer: op.issuer.clone(),
        authorization_endpoint: format!("{}/authorize", op.issuer),
        token_endpoint: format!("{}/token", op.issuer),
        jwks_uri: format!("{}/jwks", op.issuer),
        userinfo_endpoint: None,
    });
    let (url, pending) = oidc.begin(&provider, &client("rp"), REDIRECT_URI, &[]).await.unwrap();
    assert!(url.as_str().starts_with(&format!("{}/authorize?", op.issuer)), "{url}");
    *op.id_token.lock().unwrap() = op.sign(&op.claims(&pending, clock.now()));
    let callback = Callback {
        state: Some(pending.state.clone()),
        code: Some("code-1".into()),
        ..Callback::default()
    };
    let identity = oidc
        .finish(&provider, &client("rp"), &pending, &callback)
        .await
        .unwrap();
    assert_eq!(identity.subject, "user-1");
}

#[tokio::test]
async fn google_preset_pointed_at_a_local_provider_applies_the_trust_rule() {
    let op = OpenIdProvider::start();
    let (oidc, _clock) = rp();
    let google = SocialConfig {
        provider: SocialProvider::Google,
        client_id: "rp".into(),
        client_secret: SecretString::from(SECRET),
        base_url: Some(op.issuer()),
        tenant: None,
    };
    let provider = google.oidc_provider().unwrap();
    for (login, want) in [
        ("ann@gmail.com", EmailTrust::Trusted),
        // No `hd` claim: the provider does not host this domain's mail.
        ("ann@initech.com", EmailTrust::Untrusted(Distrust::NotGoogleHosted)),
    ] {
        let (url, pending) = oidc
            .begin(
                &provider,
                &google.client(),
                REDIRECT_URI,
                SocialProvider::Google.scopes(),
            )
            .await
            .unwrap();
        let callback = sign_in_at_provider(url.as_str(), login).await;
        let identity = oidc
            .finish(&provider, &google.client(), &pending, &callback)
            .await
            .unwrap();
        assert!(identity.email_verified, "{login}");
        assert_eq!(email_trust(SocialProvider::Google, &identity), want, "{login}");
    }
}

/// GitHub's OAuth endpoints and REST API as GitHub documents them, served on loopback: the token endpoint
/// wants the client credentials, the code and the PKCE verifier in the form body and answers JSON; the API
/// wants the bearer token.
async fn start_github_like(emails: Value) -> String {
    use poem::web::{Form, Json};
    use poem::{handler, post, Request, Route};
    #[handler]
    fn token(Form(form): Form<HashMap<String, String>>) -> Json<Value> {
        let ok = form.get("client_id").map(String::as_str) == Some("gh-client")
            && form.get("client_secret").map(String::as_str) == Some("gh-secret")
            && form.get("code").map(String::as_str) == Some("gh-code")
            && form.get("code_verifier").is_some_and(|v| v.len() >= 43);
        Json(if ok {
            json!({"access_token": "gho_test", "token_type": "bearer", "scope": "read:user,user:email"})
        } else {
            json!({"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."})
        })
    }
    fn authorized(req: &Request) -> bool {
        req.headers().get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer gho_test")
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Route::new()
        .at("/login/oauth/access_token", post(token))
        .at(
            "/user",
            poem::endpoint::make_sync(|req| {
                assert!(authorized(&req));
                Json(json!({"login": "octocat", "id": 583231, "name": "The Octocat", "email": "octocat@github.com"}))
            }),
        )
        .at(
            "/user/emails",
            poem::endpoint::make_sync(move |req| {
                assert!(authorized(&req));
                Json(emails.clone())
            }),
        );
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
    tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(app).await });
    base
}

#[tokio::test]
async fn github_sign_in_reads_the_primary_verified_email_and_never_trusts_it() {
    let base = start_github_like(json!([
        {"email": "octo@old.example", "primary": false, "verified": true, "visibility": null},
        {"email": "octocat@github.com", "primary": true, "verified": true, "visibility": "public"},
    ]))
    .await;
    let (oidc, _clock) = rp();
    let config = SocialConfig {
        provider: SocialProvider::GitHub,
        client_id: "gh-client".into(),
        client_secret: SecretString::from("gh-secret"),
        base_url: Some(base.clone()),
        tenant: None,
    };
    let (url, pending) = github::begin(&config, REDIRECT_URI).unwrap();
    assert!(
        url.as_str().starts_with(&format!("{base}/login/oauth/authorize?")),
        "{url}"
    );
    let callback = |state: &str, code: &str| Callback {
        state: Some(state.into()),
        code: Some(code.into()),
        ..Callback::default()
    };

    let refused = github::finish(&oidc, &config, &pending, &callback("forged", "gh-code")).await;
    assert_eq!(refused, Err(OidcError::StateMismatch));
    let refused = github::finish(&oidc, &config, &pending, &callback(&pending.state, "stale-code")).await;
    assert!(matches!(refused, Err(OidcError::TokenExchange(_))), "{refused:?}");

    let identity = github::finish(&oidc, &config, &pending, &callback(&pending.state, "gh-code"))
        .await
        .unwrap();
    assert_eq!(identity.issuer, "https://github.com");
    assert_eq!(identity.subject, "583231");
    assert_eq!(identity.email.as_deref(), Some("octocat@github.com"));
    assert_eq!(identity.name.as_deref(), Some("The Octocat"));
    assert_eq!(
        email_trust(SocialProvider::GitHub, &identity),
        EmailTrust::Untrusted(Distrust::ProviderNeverTrusted)
    );
}

#[tokio::test]
async fn a_multi_tenant_provider_pins_each_token_to_its_own_tenant_issuer() {
    // Microsoft's /common/v2.0 document names "https://login.microsoftonline.com/{tenantid}/v2.0".
    let op = ControlledProvider::start_with("/common/v2.0", "/{tenantid}/v2.0").await;
    let (oidc, clock) = rp();
    let now = clock.now();
    let provider = Provider::DiscoverMultiTenant {
        url: format!("{}/common/v2.0", op.issuer),
    };
    let tenant_a = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let tenant_b = "0000aaaa-11bb-cccc-dd22-eeeeee333333";
    for (iss_tenant, tid, want) in [
        (tenant_a, Some(tenant_a), Ok(())),
        (tenant_b, Some(tenant_a), Err(OidcError::WrongIssuer)),
        (tenant_a, None, Err(OidcError::WrongIssuer)),
    ] {
        let (_, pending) = oidc
            .begin(&provider, &client("rp"), REDIRECT_URI, &["email"])
            .await
            .unwrap();
        let mut claims = op.claims(&pending, now);
        claims["iss"] = json!(format!("{}/{iss_tenant}/v2.0", op.issuer));
        if let Some(tid) = tid {
            claims["tid"] = json!(tid);
        }
        *op.id_token.lock().unwrap() = op.sign(&claims);
        let callback = Callback {
            state: Some(pending.state.clone()),
            code: Some("code-1".into()),
            ..Callback::default()
        };
        let got = oidc.finish(&provider, &client("rp"), &pending, &callback).await;
        match want {
            Ok(()) => assert_eq!(got.unwrap().issuer, format!("{}/{tenant_a}/v2.0", op.issuer)),
            Err(e) => assert_eq!(got, Err(e), "iss tenant {iss_tenant}, tid {tid:?}"),
        }
    }
}

#[tokio::test]
async fn refusals_are_logged_with_their_reason_and_nothing_secret() {
    // spawn_app installs the process-wide log capture that captured_logs() reads.
    let _app = crate::helpers::spawn_app().await;
    let op = OpenIdProvider::start();
    let (oidc, _clock) = rp();
    let (mut pending, callback) = authorized(&oidc, &op.provider(), "rp", "ivy@example.com").await;
    let real_nonce = std::mem::replace(&mut pending.nonce, "a-nonce-from-another-flow".into());
    let refused = oidc.finish(&op.provider(), &client("rp"), &pending, &callback).await;
    assert_eq!(refused, Err(OidcError::NonceMismatch));

    let logs = crate::helpers::captured_logs();
    let line = logs
        .lines()
        .find(|l| l.contains("OIDC sign-in refused") && l.contains(&op.issuer()))
        .unwrap_or_else(|| panic!("no refusal logged for {}", op.issuer()));
    assert!(line.contains("oidc_nonce_mismatch"), "{line}");
    let code = callback.code.unwrap();
    for secret in [
        code.as_str(),
        SECRET,
        &pending.pkce_verifier,
        &pending.state,
        &real_nonce,
    ] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
}
