//! Social sign-in over HTTP: `/sso/authorize?provider=GoogleOAuth` → panva's oidc-provider (tests/interop,
//! pinned) posing as Google through the configured base URL → `/sso/social/google/callback` → code at the
//! client's redirect URI → `/user_management/authenticate` → user and session. Google's trust rule decides
//! whether the address may link to an account.

use crate::helpers::{parts, sign_up, spawn_app_with, TestApp, PASSWORD};
use crate::sso_flow::{no_redirects, urlencode};
use crate::sso_oidc::{param, sign_in_at_provider, OpenIdProvider, SECRET};
use gatehouse::config::{Config, SocialProviderConfig};
use serde_json::{json, Value};
use url::Url;

pub(crate) const VERIFIER: &str = "a-verifier-of-43-characters-or-more-0123456789";
const CHALLENGE: &str = "gwx_1ff33sP-Na7uzErlwZMg02IfMm0pwvZjX6iq0Jg";

pub(crate) struct Setup {
    pub(crate) app: TestApp,
    pub(crate) _op: OpenIdProvider,
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) callback: String,
}

/// The provider knows `accounts` (claims per login); the app's Google is that provider.
async fn setup(accounts: Value) -> Setup {
    setup_with(accounts, true).await
}

/// `in_file`: Google is configured in the configuration file; otherwise the environment has no Google
/// until a test registers it through `/sso/social_providers/google`.
pub(crate) async fn setup_with(accounts: Value, in_file: bool) -> Setup {
    let callback = format!(
        "{}/sso/social/google/callback",
        Config::default().public_url.trim_end_matches('/')
    );
    let op = OpenIdProvider::start_with_accounts(&callback, &accounts);
    let issuer = op.issuer();
    let app = spawn_app_with(|c| {
        if in_file {
            c.social.google = Some(SocialProviderConfig {
                client_id: "rp".into(),
                client_secret: SECRET.into(),
                base_url: Some(issuer),
                tenant: None,
            });
        }
    })
    .await;
    assert_eq!(app.ctx.config.public_url, Config::default().public_url);
    let clients: Value = app.get("/clients").await.json().await.unwrap();
    let client_id = clients["data"][0]["id"].as_str().unwrap().to_owned();
    let redirect_uri = clients["data"][0]["redirect_uris"][0].as_str().unwrap().to_owned();
    Setup {
        app,
        _op: op,
        client_id,
        redirect_uri,
        callback,
    }
}

impl Setup {
    pub(crate) fn issuer(&self) -> String {
        self._op.issuer()
    }

    pub(crate) async fn authorize(&self, provider: &str) -> reqwest::Response {
        let url = format!(
            "{}/sso/authorize?client_id={}&redirect_uri={}&response_type=code&state=client-state&provider={provider}\
             &code_challenge={CHALLENGE}&code_challenge_method=S256",
            self.app.base,
            self.client_id,
            urlencode(&self.redirect_uri),
        );
        no_redirects().get(url).send().await.unwrap()
    }

    /// Signs in at the provider as `login` and brings its answer to this server's callback.
    pub(crate) async fn sign_in(&self, login: &str) -> (u16, Option<Url>, Url) {
        self.sign_in_as_provider("GoogleOAuth", login).await
    }

    /// `sign_in`, naming the provider `provider` at `/sso/authorize`.
    pub(crate) async fn sign_in_as_provider(&self, provider: &str, login: &str) -> (u16, Option<Url>, Url) {
        let resp = self.authorize(provider).await;
        assert_eq!(resp.status(), 302, "{}", resp.text().await.unwrap());
        let to = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
        assert_eq!(param(&to, "redirect_uri").as_deref(), Some(self.callback.as_str()));
        assert_eq!(param(&to, "code_challenge_method").as_deref(), Some("S256"));
        assert_ne!(param(&to, "state").as_deref(), Some("client-state"));
        let back = sign_in_at_provider(to.as_str(), login, &self.callback).await;
        let (status, location) = self.callback(&back).await;
        (status, location, back)
    }

    pub(crate) async fn callback(&self, provider_redirect: &Url) -> (u16, Option<Url>) {
        let local = format!(
            "{}/sso/social/google/callback?{}",
            self.app.base,
            provider_redirect.query().unwrap_or("")
        );
        let resp = no_redirects().get(local).send().await.unwrap();
        let location = resp
            .headers()
            .get("location")
            .map(|l| Url::parse(l.to_str().unwrap()).unwrap());
        (resp.status().as_u16(), location)
    }

    pub(crate) async fn code_for(&self, login: &str) -> String {
        let (status, location, _) = self.sign_in(login).await;
        assert_eq!(status, 302);
        let location = location.unwrap();
        assert!(location.as_str().starts_with(&self.redirect_uri), "{location}");
        assert_eq!(param(&location, "state").as_deref(), Some("client-state"));
        param(&location, "code").expect("a code")
    }
}

pub(crate) fn gmail(tag: &str) -> String {
    format!("{tag}-{}@gmail.com", ulid::Ulid::new().to_string().to_lowercase())
}

pub(crate) async fn social_identities(app: &TestApp, user_id: &str) -> usize {
    use entities::social_identities as ids;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    ids::Entity::find()
        .filter(ids::Column::UserId.eq(user_id))
        .all(app.ctx.db.read())
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn google_sign_in_creates_the_user_and_a_session_and_finds_it_again() {
    let ann = gmail("ann");
    let s = setup(json!({})).await;

    let code = s.code_for(&ann).await;
    // The code is bound to the authorize request's code_challenge.
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "invalid_grant", "{body}");
    let (status, body) = s
        .app
        .authenticate(
            json!({"grant_type": "authorization_code", "code": code, "code_verifier": format!("{VERIFIER}x")}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], ann.as_str());
    // Google vouches for gmail.com addresses it verified.
    assert_eq!(body["user"]["email_verified"], true);
    assert_eq!(body["user"]["first_name"], ann.split('@').next().unwrap());
    assert_eq!(body["authentication_method"], "GoogleOAuth");
    assert!(body["access_token"].as_str().is_some_and(|t| t.len() > 20));
    let user_id = body["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(social_identities(&s.app, &user_id).await, 1);
    // The session records a social sign-in as one, never as a password sign-in.
    let events = s.app.events_of("authentication.oauth_succeeded").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["data"]["user_id"], user_id.as_str());
    assert!(s.app.events_of("authentication.password_succeeded").await.is_empty());

    // Single use.
    let (status, _) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    assert_eq!(status, 400);

    // A second sign-in finds the same user through the linked Google subject.
    let code = s.code_for(&ann).await;
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], user_id.as_str());
    let sessions: Value = s
        .app
        .get(&format!("/user_management/users/{user_id}/sessions"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions["data"].as_array().map(Vec::len), Some(2), "{sessions}");
}

#[tokio::test]
async fn a_workspace_address_links_to_its_existing_account() {
    let bob = format!("bob-{}@initech.test", ulid::Ulid::new().to_string().to_lowercase());
    let s = setup(json!({ bob.clone(): {"hd": "initech.test"} })).await;
    let existing = sign_up(&s.app, &bob, true).await;
    let code = s.code_for(&bob).await;
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], existing["id"]);
    assert_eq!(social_identities(&s.app, existing["id"].as_str().unwrap()).await, 1);
}

#[tokio::test]
async fn an_unverified_google_email_links_to_nothing_and_must_be_proven() {
    let victim = gmail("victim");
    let s = setup(json!({ victim.clone(): {"email_verified": false} })).await;
    let account = sign_up(&s.app, &victim, true).await;
    let victim_id = account["id"].as_str().unwrap();

    let code = s.code_for(&victim).await;
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "email_verification_required", "{body}");
    assert!(body.get("access_token").is_none());
    // The code went to the real owner's mailbox; the Google account is not linked.
    let mail = s.app.wait_for_email(&victim).await;
    assert!(!mail.text.is_empty());
    assert_eq!(social_identities(&s.app, victim_id).await, 0);
    // The owner's password still opens the account.
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "password", "email": victim, "password": PASSWORD}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], victim_id);
}

#[tokio::test]
async fn a_refused_callback_spends_the_login_and_unconfigured_providers_are_refused() {
    let s = setup(json!({})).await;
    let resp = s.authorize("GoogleOAuth").await;
    let to = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let back = sign_in_at_provider(to.as_str(), &gmail("eve"), &s.callback).await;
    let state = param(&back, "state").unwrap();

    // A code the provider never issued: refused to the client.
    let forged = Url::parse(&format!("http://x/?code=not-a-code&state={}", urlencode(&state))).unwrap();
    let (status, location) = s.callback(&forged).await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&location, "state").as_deref(), Some("client-state"));
    assert!(param(&location, "code").is_none());
    // The provider's real answer for the same state now finds no login.
    let (status, location) = s.callback(&back).await;
    assert_eq!(status, 400);
    assert!(location.is_none());

    // GitHub is not configured in this environment; Apple is not a provider.
    for provider in ["GitHubOAuth", "AppleOAuth"] {
        let resp = s.authorize(provider).await;
        assert_eq!(resp.status(), 302, "{provider}");
        let location = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
        assert!(location.as_str().starts_with(&s.redirect_uri), "{location}");
        assert!(param(&location, "error").is_some(), "{location}");
    }
    // The secret is in no answer and no log line.
    let (_, conn_list) = parts(s.app.get("/connections").await).await;
    assert!(!conn_list.to_string().contains(SECRET));
    assert!(!crate::helpers::captured_logs().contains(SECRET));
}

#[tokio::test]
async fn the_issues_lowercase_provider_names_start_a_social_sign_in() {
    let ann = gmail("lower");
    let s = setup(json!({})).await;
    let (status, location, _) = s.sign_in_as_provider("google", &ann).await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    let code = param(&location, "code").expect("a code");
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], ann.as_str());
    assert_eq!(body["authentication_method"], "GoogleOAuth");

    // A known provider without a registration is not configured; an unknown name is a bad request.
    for (provider, error) in [
        ("microsoft", "invalid_connection"),
        ("github", "invalid_connection"),
        ("Google", "invalid_request"),
        ("apple", "invalid_request"),
    ] {
        let resp = s.authorize(provider).await;
        assert_eq!(resp.status(), 302, "{provider}");
        let location = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
        assert_eq!(
            param(&location, "error").as_deref(),
            Some(error),
            "{provider}: {location}"
        );
        assert_eq!(param(&location, "state").as_deref(), Some("client-state"));
    }
}

#[tokio::test]
async fn sso_token_trades_a_social_code_for_the_normalized_profile_once() {
    let ann = gmail("token");
    let s = setup(json!({ ann.clone(): {"given_name": "Ann", "family_name": "Token"} })).await;
    let token = |client_id: &str, code: &str, verifier: Option<&str>| {
        let mut body = json!({"client_id": client_id, "grant_type": "authorization_code", "code": code});
        if let Some(v) = verifier {
            body["code_verifier"] = json!(v);
        }
        body
    };

    let code = s.code_for(&ann).await;
    // Same client checks as an SSO code: the client it was issued to, and its PKCE verifier.
    let (status, body) = parts(
        s.app
            .post("/sso/token", token("client_01OTHER", &code, Some(VERIFIER)))
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_grant")), "{body}");
    let (status, body) = parts(s.app.post("/sso/token", token(&s.client_id, &code, None)).await).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_grant")), "{body}");

    let (status, body) = parts(
        s.app
            .post("/sso/token", token(&s.client_id, &code, Some(VERIFIER)))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let profile = &body["profile"];
    assert_eq!(profile["object"], "profile");
    assert!(
        profile["id"].as_str().is_some_and(|id| id.starts_with("prof_")),
        "{profile}"
    );
    assert_eq!(profile["connection_type"], "GoogleOAuth");
    assert_eq!(profile["connection_id"], "google");
    assert_eq!(profile["organization_id"], Value::Null);
    assert_eq!(profile["email"], ann.as_str());
    assert_eq!(profile["email_trusted"], true);
    assert_eq!(profile["first_name"], "Ann");
    assert_eq!(profile["last_name"], "Token");
    // oidc-provider's subject is the login.
    assert_eq!(profile["idp_id"], ann.as_str());
    assert_eq!(profile["raw_attributes"]["email"], json!([ann]));
    assert_eq!(body["token_type"], "Bearer");

    // The access token fetches the same profile again.
    let again = s
        .app
        .http
        .get(format!("{}/sso/profile", s.app.base))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let (status, again) = parts(again).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(&again, profile);

    // Single use, across both ways of redeeming it.
    let (status, body) = parts(
        s.app
            .post("/sso/token", token(&s.client_id, &code, Some(VERIFIER)))
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_grant")), "{body}");
    let (status, _) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    assert_eq!(status, 400);

    // A code lives 10 minutes.
    let late = s.code_for(&ann).await;
    s.app
        .clock
        .advance(chrono::Duration::minutes(10) + chrono::Duration::seconds(1));
    let (status, body) = parts(
        s.app
            .post("/sso/token", token(&s.client_id, &late, Some(VERIFIER)))
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_grant")), "{body}");
}

#[tokio::test]
async fn a_mailbox_proven_after_an_untrusted_social_email_links_the_subject() {
    let owner = gmail("owner");
    let s = setup(json!({ owner.clone(): {"email_verified": false} })).await;
    let account = sign_up(&s.app, &owner, true).await;
    let owner_id = account["id"].as_str().unwrap();

    let code = s.code_for(&owner).await;
    let (status, needed) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    assert_eq!(
        (status, needed["code"].as_str()),
        (403, Some("email_verification_required")),
        "{needed}"
    );
    assert_eq!(
        social_identities(&s.app, owner_id).await,
        0,
        "nothing linked before the proof"
    );
    let mail = s.app.wait_for_email(&owner).await;
    let (status, signed_in) = s
        .app
        .authenticate(json!({"grant_type": "urn:gatehouse:grant-type:email-verification:code",
            "pending_authentication_token": needed["pending_authentication_token"],
            "code": crate::invitations::code_in(&mail.text)}))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["user"]["id"], owner_id);
    assert_eq!(social_identities(&s.app, owner_id).await, 1, "linked once proven");
    // The emailed code continued a Google sign-in: it answers and records as one.
    assert_eq!(signed_in["authentication_method"], "GoogleOAuth", "{signed_in}");
    assert_eq!(s.app.events_of("authentication.oauth_succeeded").await.len(), 1);
    assert!(s.app.events_of("authentication.password_succeeded").await.is_empty());

    // The linked subject now goes straight in: no second code is asked for.
    let code = s.code_for(&owner).await;
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], owner_id);
    assert_eq!(body["authentication_method"], "GoogleOAuth");
}

#[tokio::test]
async fn a_wrong_or_missing_proof_links_nothing() {
    let owner = gmail("unproven");
    let s = setup(json!({ owner.clone(): {"email_verified": false} })).await;
    let account = sign_up(&s.app, &owner, true).await;
    let owner_id = account["id"].as_str().unwrap();

    let code = s.code_for(&owner).await;
    let (status, needed) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    assert_eq!(status, 403, "{needed}");
    let mail = s.app.wait_for_email(&owner).await;
    let right = crate::invitations::code_in(&mail.text);
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "urn:gatehouse:grant-type:email-verification:code",
            "pending_authentication_token": needed["pending_authentication_token"], "code": wrong}))
        .await;
    assert_ne!(status, 200, "{body}");
    assert_eq!(social_identities(&s.app, owner_id).await, 0);

    // Abandoned without proof: the next social sign-in still has to prove the mailbox.
    let code = s.code_for(&owner).await;
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("email_verification_required")),
        "{body}"
    );
    assert_eq!(social_identities(&s.app, owner_id).await, 0);
}
