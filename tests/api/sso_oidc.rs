//! OIDC connections in the SSO flow over HTTP, against panva's oidc-provider (tests/interop/oidc-provider,
//! pinned; the same peer tests/api/oidc.rs drives): /sso/authorize → the provider's login and consent pages →
//! /sso/oidc/callback → code at the client's redirect URI → /sso/token.

use crate::helpers::{parts, spawn_app, TestApp};
use crate::sso_flow::{no_redirects, urlencode};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use url::Url;

pub(crate) const SECRET: &str = "rp-secret-that-is-long-enough-for-hs256-0123456789";

/// oidc-provider on a free loopback port with one client, `rp`, whose redirect URI is `redirect_uri`.
pub(crate) struct OpenIdProvider {
    port: u16,
    child: Child,
    _stdin: ChildStdin,
}

impl OpenIdProvider {
    pub(crate) fn start(redirect_uri: &str) -> Self {
        Self::start_with_accounts(redirect_uri, &json!({}))
    }

    /// With `accounts`: claims that replace the defaults per login (`OIDC_ACCOUNTS` of oidc.mjs).
    pub(crate) fn start_with_accounts(redirect_uri: &str, accounts: &Value) -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/oidc-provider");
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "oidc-provider is not installed: run scripts/ensure-deps.sh test"
        );
        let config = json!({"clients": [{"client_id": "rp", "client_secret": SECRET,
            "redirect_uris": [redirect_uri], "id_token_signed_response_alg": "RS256"}]});
        let (mut child, line) = crate::helpers::start_peer("oidc-provider", || {
            Command::new("node")
                .arg(dir.join("oidc.mjs"))
                .env("OIDC_CONFIG", config.to_string())
                .env("OIDC_ACCOUNTS", accounts.to_string())
                .env("PORT", "0")
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
            .unwrap_or_else(|_| panic!("oidc-provider printed {line:?}"));
        Self {
            port,
            child,
            _stdin: stdin,
        }
    }

    pub(crate) fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser at oidc-provider's development login and consent pages (as in oidc.rs): signs in as `login`
/// and stops at `redirect_uri`, returning the URL the provider sent it to.
pub(crate) async fn sign_in_at_provider(auth_url: &str, login: &str, redirect_uri: &str) -> Url {
    let http = no_redirects();
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
            let next = Url::parse(&url).unwrap().join(location).unwrap();
            if next.as_str().starts_with(redirect_uri) {
                return next;
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
    panic!("the provider never redirected back to {redirect_uri}");
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(text[from..from + len].to_owned())
}

pub(crate) fn param(url: &Url, key: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

struct Setup {
    app: TestApp,
    op: OpenIdProvider,
    org_id: String,
    conn_id: String,
    client_id: String,
    redirect_uri: String,
}

fn public_callback(app: &TestApp) -> String {
    format!("{}/sso/oidc/callback", app.ctx.config.public_url.trim_end_matches('/'))
}

async fn setup() -> Setup {
    let app = spawn_app().await;
    let op = OpenIdProvider::start(&public_callback(&app));
    let org = app.create_org("Acme").await;
    let org_id = org["id"].as_str().unwrap().to_owned();
    let (status, conn) = parts(
        app.post(
            "/connections",
            json!({"organization_id": org_id, "name": "Acme IdP", "type": "oidc",
                   "oidc": {"issuer": op.issuer(), "client_id": "rp", "client_secret": SECRET}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{conn}");
    // The callback the IT admin registers at the provider.
    assert_eq!(conn["oidc"]["redirect_uri"], public_callback(&app).as_str(), "{conn}");
    let conn_id = conn["id"].as_str().unwrap().to_owned();
    let activated = app.post(&format!("/connections/{conn_id}/activate"), json!({})).await;
    assert_eq!(activated.status(), 200);
    let clients: Value = app.get("/clients").await.json().await.unwrap();
    let client_id = clients["data"][0]["id"].as_str().unwrap().to_owned();
    let redirect_uri = clients["data"][0]["redirect_uris"][0].as_str().unwrap().to_owned();
    Setup {
        app,
        op,
        org_id,
        conn_id,
        client_id,
        redirect_uri,
    }
}

impl Setup {
    /// /sso/authorize for the connection: the provider URL it redirects to.
    async fn authorize(&self) -> Url {
        let url = format!(
            "{}/sso/authorize?client_id={}&redirect_uri={}&response_type=code&state=client-state&connection={}",
            self.app.base,
            self.client_id,
            urlencode(&self.redirect_uri),
            self.conn_id
        );
        let resp = no_redirects().get(url).send().await.unwrap();
        assert_eq!(resp.status(), 302, "{}", resp.text().await.unwrap());
        Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap()
    }

    /// Brings the provider's answer to this test server's callback (the public URL names a proxy).
    async fn callback(&self, provider_redirect: &Url) -> (u16, Option<Url>, String) {
        let local = format!(
            "{}/sso/oidc/callback?{}",
            self.app.base,
            provider_redirect.query().unwrap_or("")
        );
        let resp = no_redirects().get(local).send().await.unwrap();
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .map(|l| Url::parse(l.to_str().unwrap()).unwrap());
        (status, location, resp.text().await.unwrap())
    }
}

#[tokio::test]
async fn an_oidc_connection_signs_in_through_an_independent_provider() {
    let s = setup().await;
    let to = s.authorize().await;
    assert!(to.as_str().starts_with(&format!("{}/auth?", s.op.issuer())), "{to}");
    assert_eq!(param(&to, "client_id").as_deref(), Some("rp"));
    assert_eq!(param(&to, "redirect_uri"), Some(public_callback(&s.app)));
    assert_eq!(param(&to, "code_challenge_method").as_deref(), Some("S256"));
    // Our state at the provider is not the client's.
    assert_ne!(param(&to, "state").as_deref(), Some("client-state"));

    let back = sign_in_at_provider(to.as_str(), "alice@acme.test", &public_callback(&s.app)).await;
    let (status, location, body) = s.callback(&back).await;
    assert_eq!(status, 302, "{body}");
    let location = location.unwrap();
    assert!(location.as_str().starts_with(&s.redirect_uri), "{location}");
    assert_eq!(param(&location, "state").as_deref(), Some("client-state"));
    let code = param(&location, "code").expect("a code");

    let (status, token) = parts(
        s.app
            .post(
                "/sso/token",
                json!({"client_id": s.client_id, "grant_type": "authorization_code", "code": code}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{token}");
    let p = &token["profile"];
    assert_eq!(p["connection_id"], s.conn_id.as_str());
    assert_eq!(p["connection_type"], "oidc");
    assert_eq!(p["organization_id"], s.org_id.as_str());
    assert_eq!(p["idp_id"], "alice@acme.test");
    assert_eq!(p["email"], "alice@acme.test");
    assert_eq!(p["first_name"], "alice");
    assert_eq!(p["last_name"], "Example");
    // acme.test is not a verified domain of the organization.
    assert_eq!(p["email_trusted"], false);
    assert_eq!(p["raw_attributes"]["iss"][0], s.op.issuer().as_str());

    // As WorkOS: a Bearer access token that fetches the same profile at GET /sso/profile for 10 minutes.
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 600);
    let access_token = token["access_token"].as_str().expect("an access_token").to_owned();
    let profile_with = |bearer: String| {
        let url = format!("{}/sso/profile", s.app.base);
        async move {
            parts(
                reqwest::Client::new()
                    .get(url)
                    .bearer_auth(bearer)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let (status, again) = profile_with(access_token.clone()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], p["id"]);
    assert_eq!(again["email"], "alice@acme.test");
    let (status, _) = profile_with(format!("{access_token}x")).await;
    assert_eq!(status, 401);
    let (status, _) = profile_with(s.app.key.clone()).await;
    assert_eq!(status, 401);
    s.app.clock.advance(chrono::Duration::seconds(601));
    let (status, _) = profile_with(access_token).await;
    assert_eq!(status, 401);

    // The login is spent: the same answer again has no pending login.
    let (status, _, _) = s.callback(&back).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_wrong_state_or_a_refused_answer_yields_no_code() {
    let s = setup().await;
    let to = s.authorize().await;
    let back = sign_in_at_provider(to.as_str(), "bob@acme.test", &public_callback(&s.app)).await;
    let code = param(&back, "code").unwrap();
    let state = param(&back, "state").unwrap();

    // A state this server never issued has no login, hence no client to tell: answered directly.
    let forged = Url::parse(&format!(
        "http://x/?code={}&state={}",
        urlencode(&code),
        urlencode(&format!("{state}x"))
    ))
    .unwrap();
    let (status, location, body) = s.callback(&forged).await;
    assert_eq!(status, 400, "{body}");
    assert!(location.is_none());
    assert!(!body.contains(&code));

    // The right state with a code the provider never issued: refused to the client's redirect URI.
    let bad_code = Url::parse(&format!("http://x/?code=not-a-code&state={}", urlencode(&state))).unwrap();
    let (status, location, _) = s.callback(&bad_code).await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert!(location.as_str().starts_with(&s.redirect_uri), "{location}");
    assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&location, "state").as_deref(), Some("client-state"));
    assert!(param(&location, "code").is_none());

    // The refusal spent the login: the provider's real answer for the same state finds none.
    let (status, location, _) = s.callback(&back).await;
    assert_eq!(status, 400);
    assert!(location.is_none());
}

#[tokio::test]
async fn the_sso_grant_of_authenticate_checks_the_pkce_verifier() {
    const VERIFIER: &str = "a-verifier-of-43-characters-or-more-0123456789";
    const CHALLENGE: &str = "gwx_1ff33sP-Na7uzErlwZMg02IfMm0pwvZjX6iq0Jg";
    let s = setup().await;
    let url = format!(
        "{}/sso/authorize?client_id={}&redirect_uri={}&response_type=code&connection={}\
         &code_challenge={CHALLENGE}&code_challenge_method=S256",
        s.app.base,
        s.client_id,
        urlencode(&s.redirect_uri),
        s.conn_id
    );
    let resp = no_redirects().get(url).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let to = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let email = crate::helpers::unique_email("pkce");
    crate::helpers::sign_up(&s.app, &email, true).await;
    let back = sign_in_at_provider(to.as_str(), &email, &public_callback(&s.app)).await;
    let (status, location, body) = s.callback(&back).await;
    assert_eq!(status, 302, "{body}");
    let code = param(&location.unwrap(), "code").unwrap();

    for wrong in [json!(null), json!(format!("{VERIFIER}x")), json!(CHALLENGE)] {
        let (status, body) = s
            .app
            .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": wrong}))
            .await;
        assert_eq!(status, 400, "{wrong} → {body}");
        assert_eq!(body["code"], "invalid_grant", "{body}");
    }
    // The right verifier passes the code check; the account's address is not the organization's, so it must
    // now be proven.
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "email_verification_required", "{body}");
    assert_eq!(body["user"]["email"], email.as_str());
}

#[tokio::test]
async fn oidc_issuers_must_be_https_and_not_internal() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    for issuer in ["http://op.example", "https://169.254.169.254", "https://10.1.2.3"] {
        let (status, body) = parts(
            app.post(
                "/connections",
                json!({"organization_id": org["id"], "name": "IdP", "type": "oidc",
                       "oidc": {"issuer": issuer, "client_id": "rp", "client_secret": SECRET}}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 422, "{issuer} → {body}");
        assert_eq!(body["errors"][0]["field"], "oidc.issuer", "{body}");
        assert_eq!(body["errors"][0]["code"], "invalid_url", "{body}");
    }
}
