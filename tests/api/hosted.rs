//! The hosted pages over HTTP, as a browser without JavaScript uses them: a cookie jar, no
//! automatic redirects (each 303 is checked), forms posted with the page's CSRF token.

use crate::helpers::{
    captured_logs, parts, sign_up, spawn_app, spawn_app_with, totp_code, unique_email, TestApp, PASSWORD,
};
use gatehouse::clock::Clock;
use serde_json::{json, Value};

pub const REDIRECT_URI: &str = "https://app.example.test/callback";

/// A browser: its own cookie jar, redirects left to the test.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.base.clone(),
        }
    }

    async fn page(resp: reqwest::Response) -> Page {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let location = headers.get("location").map(|l| l.to_str().unwrap().to_owned());
        Page {
            status,
            location,
            body: resp.text().await.unwrap(),
            headers,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(self.http.get(format!("{}{path}", self.base)).send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::page(
            self.http
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// GETs `path` and posts its form with the page's CSRF token and `fields`.
    pub async fn submit(&self, path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let csrf = csrf_of(&page.body);
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post(action, &form).await
    }
}

pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// A client whose only redirect URI is `REDIRECT_URI`.
pub async fn client(app: &TestApp) -> String {
    let (status, client) = parts(
        app.post(
            "/clients",
            json!({"name": "Vendor app", "redirect_uris": [REDIRECT_URI]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{client}");
    client["id"].as_str().unwrap().to_owned()
}

/// Opens a flow at `/hosted/authorize` and follows it to the sign-in page.
pub async fn open_flow(browser: &Browser, client_id: &str) {
    let page = browser
        .get(&format!(
            "/hosted/authorize?client_id={client_id}&redirect_uri={}&state=xyz-1",
            url_escape(REDIRECT_URI)
        ))
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/hosted/sign-in"));
    let cookie = page.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `code` and `state` of a redirect to the client.
pub fn code_of(location: &str) -> (String, String) {
    code_of_at(location, REDIRECT_URI)
}

/// The `code` and `state` of a redirect to `redirect_uri`.
pub fn code_of_at(location: &str, redirect_uri: &str) -> (String, String) {
    let url = url::Url::parse(location).unwrap();
    let mut without_query = url.clone();
    without_query.set_query(None);
    assert_eq!(without_query.as_str(), redirect_uri);
    let get = |k: &str| {
        url.query_pairs()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    (get("code"), get("state"))
}

pub async fn exchange(app: &TestApp, client_id: &str, code: &str) -> (u16, Value) {
    parts(
        app.post(
            "/user_management/authenticate",
            json!({"grant_type": "authorization_code", "client_id": client_id, "code": code}),
        )
        .await,
    )
    .await
}

pub async fn member(app: &TestApp, user: &Value, org: &Value) {
    let resp = app
        .post(
            "/user_management/organization_memberships",
            json!({"user_id": user["id"], "organization_id": org["id"]}),
        )
        .await;
    assert_eq!(resp.status(), 201);
}

/// The six-digit code on a line of its own in an email.
pub fn code_in(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
        .expect("a six-digit code on its own line")
}

#[tokio::test]
async fn password_sign_in_ends_in_a_one_time_code_for_the_registered_redirect() {
    let app = spawn_app().await;
    let client_id = client(&app).await;
    let email = unique_email("hosted");
    sign_up(&app, &email, true).await;
    let browser = Browser::new(&app);
    open_flow(&browser, &client_id).await;

    let page = browser.get("/hosted/sign-in").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<label for=\"email\">") && page.body.contains("<label for=\"password\">"));
    assert!(page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(page.headers["cache-control"], "no-store");

    let wrong = browser
        .submit(
            "/hosted/sign-in",
            "/hosted/sign-in",
            &[("email", &email), ("password", "not the password")],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("The email or password is not correct."));
    assert!(
        wrong.body.contains("aria-describedby=\"form-error\"") && wrong.body.contains("id=\"form-error\""),
        "the error is tied to the fields"
    );

    let done = browser
        .submit(
            "/hosted/sign-in",
            "/hosted/sign-in",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (code, state) = code_of(done.location.as_deref().unwrap());
    assert_eq!(state, "xyz-1");
    assert!(code.starts_with("gh_code_"), "{code}");
    assert_eq!(
        browser.get("/hosted/sign-in").await.status,
        400,
        "the flow ends with the redirect"
    );

    // The code is bound to its client; the right client exchanges it once.
    let other = client(&app).await;
    let (status, body) = exchange(&app, &other, &code).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_grant")), "{body}");
    let (status, body) = exchange(&app, &client_id, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], email.as_str());
    assert_eq!(body["authentication_method"], "password");
    assert!(body["access_token"].as_str().is_some() && body["refresh_token"].as_str().is_some());
    let (status, body) = exchange(&app, &client_id, &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_grant")),
        "single use"
    );
    assert!(!captured_logs().contains(&code), "the code is never logged");

    // Without the API key the exchange is refused.
    let resp = app
        .http
        .post(format!("{}/user_management/authenticate", app.base))
        .json(&json!({"grant_type": "authorization_code", "client_id": client_id, "code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn authorize_refuses_unknown_clients_and_unregistered_redirects_without_redirecting() {
    let app = spawn_app().await;
    let client_id = client(&app).await;
    let browser = Browser::new(&app);
    for path in [
        format!("/hosted/authorize?client_id={client_id}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb"),
        format!(
            "/hosted/authorize?client_id={client_id}&redirect_uri={}x",
            url_escape(REDIRECT_URI)
        ),
        format!(
            "/hosted/authorize?client_id=client_01HZZZZZZZZZZZZZZZZZZZZZZZ&redirect_uri={}",
            url_escape(REDIRECT_URI)
        ),
        format!("/hosted/authorize?redirect_uri={}", url_escape(REDIRECT_URI)),
        format!(
            "/hosted/authorize?client_id={client_id}&redirect_uri={}&state={}",
            url_escape(REDIRECT_URI),
            "s".repeat(1025)
        ),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 400, "{path}");
        assert!(page.location.is_none(), "{path}");
        assert!(page.headers.get("set-cookie").is_none(), "{path}");
    }
}

#[tokio::test]
async fn forms_need_the_flow_and_its_csrf_token() {
    let app = spawn_app().await;
    let client_id = client(&app).await;
    let email = unique_email("csrf");
    sign_up(&app, &email, true).await;

    let stranger = Browser::new(&app);
    let page = stranger
        .post(
            "/hosted/sign-in",
            &[("csrf", "x"), ("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 400, "no flow cookie");

    let browser = Browser::new(&app);
    open_flow(&browser, &client_id).await;
    for csrf in ["", "wrong", "gh_pat_"] {
        let page = browser
            .post(
                "/hosted/sign-in",
                &[("csrf", csrf), ("email", &email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(page.status, 403, "csrf {csrf:?}");
        assert!(page.location.is_none());
    }
    let page = browser
        .post("/hosted/sign-in", &[("email", &email), ("password", PASSWORD)])
        .await;
    assert_eq!(page.status, 403, "missing csrf");
}

#[tokio::test]
async fn mfa_challenge_then_organization_picker_then_code() {
    let app = spawn_app().await;
    let client_id = client(&app).await;
    let email = unique_email("picker");
    let user = sign_up(&app, &email, true).await;
    let alpha = app.create_org("Alpha Corp").await;
    let beta = app.create_org("Beta & Sons").await;
    member(&app, &user, &alpha).await;
    member(&app, &user, &beta).await;
    let secret = enroll_verified_totp(&app, &user).await;

    let browser = Browser::new(&app);
    open_flow(&browser, &client_id).await;
    let page = browser
        .submit(
            "/hosted/sign-in",
            "/hosted/sign-in",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/hosted/mfa"), "{}", page.body);
    let wrong = browser
        .submit("/hosted/mfa", "/hosted/mfa", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("That code is not correct."));
    assert!(wrong.body.contains("<label for=\"code\">"));

    let code = totp_code(&secret, app.clock.now().timestamp());
    let page = browser.submit("/hosted/mfa", "/hosted/mfa", &[("code", &code)]).await;
    assert_eq!(page.location.as_deref(), Some("/hosted/organizations"), "{}", page.body);
    let picker = browser.get("/hosted/organizations").await;
    assert!(
        picker.body.contains("Alpha Corp") && picker.body.contains("Beta &amp; Sons"),
        "{}",
        picker.body
    );
    assert!(picker.body.contains("<fieldset") && picker.body.contains("<legend>"));

    let foreign = app.create_org("Not Mine").await;
    let refused = browser
        .submit(
            "/hosted/organizations",
            "/hosted/organizations",
            &[("organization_id", foreign["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(refused.status, 400, "only an offered organization");

    let page = browser
        .submit(
            "/hosted/organizations",
            "/hosted/organizations",
            &[("organization_id", beta["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (code, _) = code_of(page.location.as_deref().unwrap());
    let (status, body) = exchange(&app, &client_id, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["organization_id"], beta["id"]);
    let session_events = app.events_of("session.created").await;
    assert_eq!(session_events.len(), 1, "the session starts at the exchange, once");
}

/// Enrolls a TOTP factor through the API, proves it, and moves the clock past that code.
pub async fn enroll_verified_totp(app: &TestApp, user: &Value) -> String {
    let (status, enrolled) = parts(
        app.post(
            &format!("/user_management/users/{}/auth_factors", user["id"].as_str().unwrap()),
            json!({"type": "totp"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{enrolled}");
    let secret = enrolled["authentication_factor"]["totp"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let challenge = enrolled["authentication_challenge"]["id"].as_str().unwrap();
    let (_, verified) = parts(
        app.post(
            &format!("/auth/challenges/{challenge}/verify"),
            json!({"code": totp_code(&secret, app.clock.now().timestamp())}),
        )
        .await,
    )
    .await;
    assert_eq!(verified["valid"], true);
    app.clock.advance(chrono::Duration::seconds(60));
    secret
}

#[tokio::test]
async fn an_organization_requiring_mfa_enrolls_a_factor_with_a_qr_code() {
    let app = spawn_app().await;
    let client_id = client(&app).await;
    let email = unique_email("enroll");
    let user = sign_up(&app, &email, true).await;
    let org = app.create_org("Strict Inc").await;
    member(&app, &user, &org).await;
    let policy = app
        .put(
            &format!("/organizations/{}/policy", org["id"].as_str().unwrap()),
            json!({"mfa_required": true}),
        )
        .await;
    assert_eq!(policy.status(), 200);

    let browser = Browser::new(&app);
    open_flow(&browser, &client_id).await;
    let page = browser
        .submit(
            "/hosted/sign-in",
            "/hosted/sign-in",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/hosted/mfa/enroll"), "{}", page.body);
    let enroll = browser.get("/hosted/mfa/enroll").await;
    assert!(enroll.body.contains("<svg role=\"img\""), "a QR code");
    let at = enroll.body.find("id=\"totp-secret\"").unwrap();
    let secret: String = enroll.body[at..]
        .split('>')
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        secret.len() >= 16 && secret.chars().all(|c| c.is_ascii_alphanumeric()),
        "{secret}"
    );

    let wrong = browser
        .submit("/hosted/mfa/enroll", "/hosted/mfa/enroll", &[("code", "123456")])
        .await;
    assert_eq!(wrong.status, 400);
    assert!(
        wrong.body.contains(&secret),
        "the key stays on the page after a wrong code"
    );

    let code = totp_code(&secret, app.clock.now().timestamp());
    let page = browser
        .submit("/hosted/mfa/enroll", "/hosted/mfa/enroll", &[("code", &code)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (code, _) = code_of(page.location.as_deref().unwrap());
    let (status, body) = exchange(&app, &client_id, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["organization_id"], org["id"]);
    let (_, factors) = parts(
        app.get(&format!(
            "/user_management/users/{}/auth_factors",
            user["id"].as_str().unwrap()
        ))
        .await,
    )
    .await;
    assert_eq!(factors["data"][0]["verified"], true);
}

#[tokio::test]
async fn reauthentication_prompt_names_the_requirement_and_a_magic_code_meets_it() {
    let app = spawn_app().await;
    let client_id = client(&app).await;
    let email = unique_email("reauth");
    let user = sign_up(&app, &email, true).await;
    let org = app.create_org("Codes Only Ltd").await;
    member(&app, &user, &org).await;
    let policy = app
        .put(
            &format!("/organizations/{}/policy", org["id"].as_str().unwrap()),
            json!({"allowed_auth_methods": ["magic_auth"]}),
        )
        .await;
    assert_eq!(policy.status(), 200);

    let browser = Browser::new(&app);
    open_flow(&browser, &client_id).await;
    let page = browser
        .submit(
            "/hosted/sign-in",
            "/hosted/sign-in",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        page.location.as_deref(),
        Some("/hosted/reauthenticate"),
        "{}",
        page.body
    );
    let prompt = browser.get("/hosted/reauthenticate").await;
    assert!(prompt.body.contains("Codes Only Ltd"));
    assert!(
        prompt.body.contains("Signing in with a code sent by email."),
        "{}",
        prompt.body
    );
    assert!(
        !prompt.body.contains("Sign in again with your password"),
        "password is not allowed"
    );

    let page = browser
        .submit(
            "/hosted/reauthenticate",
            "/hosted/magic-code/start",
            &[("email", &email)],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/hosted/magic-code"), "{}", page.body);
    let mail = app.wait_for_email(&email).await;
    let code = code_in(&mail.text);
    let wrong = browser
        .submit("/hosted/magic-code", "/hosted/magic-code", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, 400);
    let page = browser
        .submit("/hosted/magic-code", "/hosted/magic-code", &[("code", &code)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (code, _) = code_of(page.location.as_deref().unwrap());
    let (status, body) = exchange(&app, &client_id, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["organization_id"], org["id"]);
    assert_eq!(body["authentication_method"], "magic_auth");
}

#[tokio::test]
async fn sign_up_verifies_the_email_before_the_code() {
    let app = spawn_app().await;
    let client_id = client(&app).await;
    let email = unique_email("newcomer");
    let browser = Browser::new(&app);
    let page = browser
        .get(&format!(
            "/hosted/authorize?client_id={client_id}&redirect_uri={}&screen_hint=sign-up",
            url_escape(REDIRECT_URI)
        ))
        .await;
    assert_eq!(page.location.as_deref(), Some("/hosted/sign-up"));

    let weak = browser
        .submit(
            "/hosted/sign-up",
            "/hosted/sign-up",
            &[("email", &email), ("password", "password")],
        )
        .await;
    assert_eq!(weak.status, 400);
    assert!(
        weak.body.contains("aria-describedby=\"password-help password-error\""),
        "{}",
        weak.body
    );

    let page = browser
        .submit(
            "/hosted/sign-up",
            "/hosted/sign-up",
            &[("email", &email), ("password", PASSWORD), ("first_name", "Ada")],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/hosted/verify-email"), "{}", page.body);
    let mail = app.wait_for_email(&email).await;
    let wrong = browser
        .submit("/hosted/verify-email", "/hosted/verify-email", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, 400);
    let page = browser
        .submit(
            "/hosted/verify-email",
            "/hosted/verify-email",
            &[("code", &code_in(&mail.text))],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (code, state) = code_of(page.location.as_deref().unwrap());
    assert_eq!(state, "", "no state was given");
    let (status, body) = exchange(&app, &client_id, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email_verified"], true);
    assert_eq!(body["user"]["first_name"], "Ada");

    let again = Browser::new(&app);
    open_flow(&again, &client_id).await;
    let taken = again
        .submit(
            "/hosted/sign-up",
            "/hosted/sign-up",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(taken.status, 400);
    assert!(taken.body.contains("already exists"));
}

#[tokio::test]
async fn password_reset_from_the_emailed_link() {
    let app = spawn_app().await;
    let client_id = client(&app).await;
    let email = unique_email("forgetful");
    sign_up(&app, &email, true).await;
    let browser = Browser::new(&app);
    open_flow(&browser, &client_id).await;
    let page = browser
        .submit(
            "/hosted/forgot-password",
            "/hosted/forgot-password",
            &[("email", &email)],
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Check your email"));
    let mail = app.wait_for_email(&email).await;
    let link = mail
        .text
        .split_whitespace()
        .find(|w| w.contains("/reset-password?token="))
        .expect("a reset link")
        .to_owned();
    let path = &link[link.find("/reset-password").unwrap()..];

    // The link opens in a fresh browser (another device): the page opens its own flow.
    let phone = Browser::new(&app);
    let new_password = "a different passphrase 77";
    let page = phone
        .submit(
            path,
            "/reset-password",
            &[
                ("token", &link[link.find("token=").unwrap() + 6..]),
                ("new_password", new_password),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Password changed"));
    let again = phone
        .submit(
            path,
            "/reset-password",
            &[
                ("token", &link[link.find("token=").unwrap() + 6..]),
                ("new_password", new_password),
            ],
        )
        .await;
    assert_eq!(again.status, 400, "a link works once");

    let (status, _) = app
        .authenticate(json!({"grant_type": "password", "email": email, "password": new_password}))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_like_the_api() {
    let app = spawn_app_with(|c| {
        c.rate_limit_account_burst = 2;
        c.rate_limit_period_secs = 600;
    })
    .await;
    let client_id = client(&app).await;
    let email = unique_email("limited");
    sign_up(&app, &email, true).await;
    let browser = Browser::new(&app);
    open_flow(&browser, &client_id).await;
    for _ in 0..2 {
        let page = browser
            .submit(
                "/hosted/sign-in",
                "/hosted/sign-in",
                &[("email", &email), ("password", "wrong password")],
            )
            .await;
        assert_eq!(page.status, 400);
    }
    let page = browser
        .submit(
            "/hosted/sign-in",
            "/hosted/sign-in",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 429);
    assert!(page.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn sso_by_email_domain_explains_why_it_cannot_start() {
    let app = spawn_app().await;
    let client_id = client(&app).await;
    let browser = Browser::new(&app);
    open_flow(&browser, &client_id).await;
    let page = browser
        .submit(
            "/hosted/sign-in",
            "/hosted/sso",
            &[("email", "someone@nobody-uses-sso.example")],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body
            .contains("No organization uses single sign-on for nobody-uses-sso.example"),
        "{}",
        page.body
    );
}
