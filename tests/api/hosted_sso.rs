//! SSO by email domain on the hosted sign-in page: the work email's verified domain names the
//! organization, the browser goes through the organization's IdP and comes back to the hosted
//! flow, which redeems the SSO code through the same sign-in service as the API and ends at
//! the vendor's redirect URI with a one-time code.

use crate::helpers::{parts, sign_up, spawn_app_public, unique_email, TestApp, PASSWORD};
use crate::hosted::{client, code_in, code_of, exchange, open_flow, Browser};
use crate::saml_idp::{signed_response, ResponseSpec};
use crate::sso_flow::{local_acs, param, setup, Setup};
use crate::sso_interop::{connect, sign_in_at_idp};
use crate::sso_signin::{set_policy, DOMAIN};
use serde_json::{json, Value};
use url::Url;

async fn verify_domains(app: &TestApp, org_id: &str, domains: &[&str]) {
    let data: Vec<Value> = domains
        .iter()
        .map(|d| json!({"domain": d, "state": "verified"}))
        .collect();
    let (status, body) = parts(
        app.put(&format!("/organizations/{org_id}"), json!({"domain_data": data}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// An organization that verified `domain` and provisions its SSO users on first sign-in.
async fn org_with_sso_domain(app: &TestApp, name: &str, domain: &str) -> Value {
    let org = app.create_org(name).await;
    let org_id = org["id"].as_str().unwrap();
    verify_domains(app, org_id, &[domain]).await;
    let policy = app
        .put(
            &format!("/organizations/{org_id}/policy"),
            json!({"jit_provisioning": true}),
        )
        .await;
    assert_eq!(policy.status(), 200);
    org
}

async fn session_methods(app: &TestApp, user_id: &str) -> Vec<String> {
    let (status, body) = parts(app.get(&format!("/user_management/users/{user_id}/sessions")).await).await;
    assert_eq!(status, 200, "{body}");
    let sessions = body["data"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{body}");
    sessions[0]["auth_methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["method"].as_str().unwrap().to_owned())
        .collect()
}

/// The path and query of a URL the app sent the browser to (its public URL may name a proxy).
fn on_app(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The HTML tag that contains `attribute`.
fn tag_of<'a>(html: &'a str, attribute: &str) -> &'a str {
    let at = html
        .find(attribute)
        .unwrap_or_else(|| panic!("no {attribute} in {html}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

/// The test IdP of `s` answers the login the hosted page sent the browser to (`to_idp`) for
/// subject `idp_id` with `email`; returns where the ACS sends the browser.
async fn idp_answers(s: &Setup, to_idp: &str, idp_id: &str, email: &str) -> Url {
    let (request_id, relay) = s.authn_request_of(&Url::parse(to_idp).unwrap());
    let spec = ResponseSpec {
        name_id: idp_id.into(),
        attributes: vec![("email".into(), vec![email.into()])],
        ..s.spec(Some(&request_id))
    };
    let (status, back) = s.post_acs(&signed_response(&s.idp, &spec).unwrap(), Some(&relay)).await;
    assert_eq!(status, 302);
    let back = back.unwrap();
    assert_eq!(back.path(), "/hosted/sso/callback", "{back}");
    back
}

#[tokio::test]
async fn a_work_email_signs_in_through_the_organizations_saml_idp() {
    let app = spawn_app_public().await;
    let client_id = client(&app).await;
    let org = org_with_sso_domain(&app, "Jackson Corp", "example.com").await;
    let org_id = org["id"].as_str().unwrap();
    let (conn, idp) = connect(&app, &org, json!({}), None).await;
    let conn_id = conn["id"].as_str().unwrap();

    let browser = Browser::new(&app);
    open_flow(&browser, &client_id).await;
    let page = browser.get("/hosted/sign-in").await;
    assert!(page.body.contains("<label for=\"sso-email\">"), "{}", page.body);
    let page = browser
        .submit(
            "/hosted/sign-in",
            "/hosted/sso",
            &[("email", "Saml.Jackson@example.com")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let to_idp = page.location.unwrap();
    assert!(to_idp.starts_with(&format!("{}/saml/sso?", idp.base)), "{to_idp}");

    // At the IdP, then its auto-posting form to the ACS, as the browser would.
    let fields = sign_in_at_idp(&browser.http, &idp, &to_idp).await;
    let acs = browser
        .http
        .post(local_acs(&app, &conn))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(acs.status(), 302);
    let back = Url::parse(acs.headers()["location"].to_str().unwrap()).unwrap();
    assert!(
        back.as_str().starts_with(&format!("{}/hosted/sso/callback?", app.base)),
        "{back}"
    );
    assert!(param(&back, "code").is_some() && param(&back, "state").is_some());
    let page = browser.get(&on_app(&back)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (code, state) = code_of(page.location.as_deref().unwrap());
    assert_eq!(state, "xyz-1");

    let (status, body) = exchange(&app, &client_id, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], "saml.jackson@example.com");
    assert_eq!(body["organization_id"], org_id);
    assert_eq!(body["authentication_method"], "sso");
    let user_id = body["user"]["id"].as_str().unwrap();
    assert_eq!(session_methods(&app, user_id).await, vec![format!("sso:{conn_id}")]);
    let events = app.events_of("authentication.sso_succeeded").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["connection_id"], conn_id);

    // The flow ended with the code: the same answer opens nothing again.
    let again = browser.get(&on_app(&back)).await;
    assert_eq!(again.status, 400);
    assert!(again.location.is_none());
    let (status, _) = exchange(&app, &client_id, &code).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn guest_and_unknown_domains_get_an_explanation_instead_of_an_idp() {
    let s = setup(json!({})).await;
    // A guest domain that the organization also verified: its addresses still are not its IdP's.
    set_policy(&s, &s.org_id, json!({"guest_domains": ["contractor-sso.test"]})).await;
    verify_domains(&s.app, &s.org_id, &[DOMAIN, "contractor-sso.test"]).await;
    let client_id = client(&s.app).await;
    let browser = Browser::new(&s.app);
    open_flow(&browser, &client_id).await;

    let page = browser
        .submit(
            "/hosted/sign-in",
            "/hosted/sso",
            &[("email", "pat@contractor-sso.test")],
        )
        .await;
    assert_eq!(page.status, 400, "{:?}", page.location);
    assert!(
        page.body
            .contains("Acme does not sign in contractor-sso.test addresses through its single sign-on"),
        "{}",
        page.body
    );
    // The error belongs to the SSO field: marked, described and focused there.
    let field = tag_of(&page.body, "id=\"sso-email\"");
    assert!(
        field.contains("aria-invalid=\"true\"")
            && field.contains("aria-describedby=\"form-error\"")
            && field.contains("autofocus"),
        "{field}"
    );
    assert!(!tag_of(&page.body, "id=\"password\"").contains("aria-invalid"));

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

    let page = browser.post("/hosted/sso", &[("email", "ada@acme-sso.test")]).await;
    assert_eq!(page.status, 403, "the form needs the flow's CSRF token");

    let page = browser
        .submit("/hosted/sign-in", "/hosted/sso", &[("email", "ada@acme-sso.test")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.location.unwrap().starts_with("https://idp.acme.test/sso?"));
}

#[tokio::test]
async fn an_answer_with_another_state_or_without_the_flow_is_refused() {
    let s = setup(json!({})).await;
    verify_domains(&s.app, &s.org_id, &[DOMAIN]).await;
    set_policy(&s, &s.org_id, json!({"jit_provisioning": true})).await;
    let client_id = client(&s.app).await;
    let browser = Browser::new(&s.app);
    open_flow(&browser, &client_id).await;
    let email = format!("ada@{DOMAIN}");
    let page = browser
        .submit("/hosted/sign-in", "/hosted/sso", &[("email", &email)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let back = idp_answers(&s, page.location.as_deref().unwrap(), "okta-ada", &email).await;
    let code = param(&back, "code").unwrap();
    let genuine = on_app(&back);

    // Another browser, without this flow: nothing to continue.
    let stranger = Browser::new(&s.app);
    let page = stranger.get(&genuine).await;
    assert_eq!(page.status, 400);
    assert!(page.location.is_none());

    // The right code with a state of someone else's choosing is refused, and spends the login.
    let forged = format!("/hosted/sso/callback?code={code}&state=forged-state");
    let page = browser.get(&forged).await;
    assert_eq!(page.status, 400);
    assert!(page.location.is_none());
    assert!(
        page.body
            .contains("does not belong to the sign-in open in this browser"),
        "{}",
        page.body
    );
    let page = browser.get(&genuine).await;
    assert_eq!(page.status, 400);
    assert!(page.location.is_none());

    // The code is bound to the flow's PKCE verifier: the vendor's backend cannot redeem it either.
    let (status, body) = exchange(&s.app, &client_id, &code).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_grant")), "{body}");
    assert!(s.app.events_of("authentication.sso_succeeded").await.is_empty());
}

#[tokio::test]
async fn the_reauthentication_prompt_continues_through_the_organizations_sso() {
    let s = setup(json!({})).await;
    set_policy(&s, &s.org_id, json!({"sso_required": true})).await;
    let conn_id = s.conn["id"].as_str().unwrap();
    // A member whose address is in no domain of the organization: its IdP's word for it is
    // not enough, so the mailbox is proven on the way.
    let email = unique_email("reauth-sso");
    let user = sign_up(&s.app, &email, true).await;
    let user_id = user["id"].as_str().unwrap();
    let resp = s
        .app
        .post(
            "/user_management/organization_memberships",
            json!({"user_id": user_id, "organization_id": s.org_id}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let client_id = client(&s.app).await;
    let browser = Browser::new(&s.app);
    open_flow(&browser, &client_id).await;

    let to_idp = password_then_continue_with_sso(&browser, &email).await;
    let back = idp_answers(&s, &to_idp, "okta-member-1", &email).await;
    let page = browser.get(&on_app(&back)).await;
    assert_eq!(page.location.as_deref(), Some("/hosted/verify-email"), "{}", page.body);

    let mail = s.app.wait_for_email(&email).await;
    let code = code_in(&mail.text);
    let page = browser
        .submit("/hosted/verify-email", "/hosted/verify-email", &[("code", &code)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (code, _) = code_of(page.location.as_deref().unwrap());
    let (status, body) = exchange(&s.app, &client_id, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], user_id);
    assert_eq!(body["organization_id"], s.org_id.as_str());
    // The password that began the sign-in and the SSO that met the policy, in one session.
    assert_eq!(
        session_methods(&s.app, user_id).await,
        vec!["password".to_owned(), format!("sso:{conn_id}")]
    );
}

/// Password sign-in until the organization of the email's domain asks for its SSO; returns
/// where "Continue with SSO" sends the browser.
async fn password_then_continue_with_sso(browser: &Browser, email: &str) -> String {
    let page = browser
        .submit(
            "/hosted/sign-in",
            "/hosted/sign-in",
            &[("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        page.location.as_deref(),
        Some("/hosted/reauthenticate"),
        "{}",
        page.body
    );
    let prompt = browser.get("/hosted/reauthenticate").await;
    assert!(prompt.body.contains("<strong>Acme</strong>"), "{}", prompt.body);
    assert!(prompt.body.contains("single sign-on (SSO)"), "{}", prompt.body);
    assert!(prompt.body.contains("Continue with SSO"));
    assert!(!prompt.body.contains("Sign in again with your password"));
    let page = browser
        .submit(
            "/hosted/reauthenticate",
            "/hosted/sso",
            &[("email", email), ("step", "reauthenticate")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location.unwrap()
}

#[tokio::test]
async fn where_the_email_domain_requires_sso_the_prompt_leads_to_the_idp_for_the_same_user() {
    let s = setup(json!({})).await;
    verify_domains(&s.app, &s.org_id, &[DOMAIN]).await;
    set_policy(&s, &s.org_id, json!({"sso_required": true})).await;
    let conn_id = s.conn["id"].as_str().unwrap();
    let email = format!("grace@{DOMAIN}");
    let user = sign_up(&s.app, &email, true).await;
    let other = format!("mallory@{DOMAIN}");
    sign_up(&s.app, &other, true).await;
    let client_id = client(&s.app).await;
    let browser = Browser::new(&s.app);
    open_flow(&browser, &client_id).await;

    // The pending sign-in is Grace's: the IdP signing in someone else does not complete it.
    let to_idp = password_then_continue_with_sso(&browser, &email).await;
    let back = idp_answers(&s, &to_idp, "okta-mallory", &other).await;
    let page = browser.get(&on_app(&back)).await;
    assert_eq!(page.status, 400, "{:?}", page.location);
    assert!(page.body.contains("Please sign in again"), "{}", page.body);

    let to_idp = password_then_continue_with_sso(&browser, &email).await;
    let back = idp_answers(&s, &to_idp, "okta-grace", &email).await;
    let page = browser.get(&on_app(&back)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (code, state) = code_of(page.location.as_deref().unwrap());
    assert_eq!(state, "xyz-1");
    let (status, body) = exchange(&s.app, &client_id, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], user["id"]);
    assert_eq!(body["organization_id"], s.org_id.as_str());
    assert_eq!(
        session_methods(&s.app, user["id"].as_str().unwrap()).await,
        vec![format!("sso:{conn_id}")]
    );
}

/// The same sign-in in headless Chromium, by keyboard, with screenshots in
/// `test-artifacts/browser-hosted-sso/` (tests/browser/hosted_sso.mjs).
#[tokio::test]
async fn a_browser_continues_with_sso_and_lands_at_the_vendor_app() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let script_dir = root.join("tests/browser");
    assert!(
        script_dir.join("node_modules/playwright-core").is_dir(),
        "tests/browser/node_modules is missing: run `bash scripts/ensure-deps.sh test` (npm ci there)"
    );
    // Chromium follows the absolute URLs the app hands out (ACS, SSO callback): they must be real.
    let app = spawn_app_public().await;
    let redirect_uri = crate::browser::spawn_vendor_app().await;
    let (status, client) = parts(
        app.post(
            "/clients",
            json!({"name": "Vendor app", "redirect_uris": [redirect_uri]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{client}");
    let client_id = client["id"].as_str().unwrap();
    let org = org_with_sso_domain(&app, "Jackson Corp", "example.com").await;
    let org_id = org["id"].as_str().unwrap();
    let (conn, idp) = connect(&app, &org, json!({}), None).await;
    // The IdP on another site than the app (`localhost` against `127.0.0.1`), as in real life:
    // the flow cookie (SameSite=Lax) must still come back with the top-level redirect to the
    // callback after the IdP's cross-site POST to the ACS.
    let idp_base = idp.base.replace("127.0.0.1", "localhost");
    let (status, patched) = parts(
        app.request(
            reqwest::Method::PATCH,
            &format!("/connections/{}", conn["id"].as_str().unwrap()),
        )
        .json(&json!({"saml": {"idp_sso_url": format!("{idp_base}/saml/sso")}}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{patched}");

    let artifacts = root.join("test-artifacts/browser-hosted-sso");
    let _ = std::fs::remove_dir_all(&artifacts);
    let scenario = json!({
        "artifacts_dir": artifacts,
        "email": "saml.jackson@example.com",
        "idp_base": idp_base,
        "redirect_uri": redirect_uri,
    });
    let authorize = format!(
        "{}/hosted/authorize?client_id={client_id}&redirect_uri={}&state=browser-sso",
        app.base,
        crate::sso_flow::urlencode(&redirect_uri)
    );
    let run = tokio::process::Command::new("node")
        .arg(script_dir.join("hosted_sso.mjs"))
        .arg(&authorize)
        .env("GATEHOUSE_BROWSER_SCENARIO", scenario.to_string())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(180), run)
        .await
        .expect("the browser run finishes within 3 minutes")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "browser run failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|r| r["scenario"] == "sso")
        .unwrap_or_else(|| panic!("no result: {stdout}"));
    let (code, state) = crate::hosted::code_of_at(result["location"].as_str().unwrap(), &redirect_uri);
    assert_eq!(state, "browser-sso");
    let (status, body) = exchange(&app, client_id, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], "saml.jackson@example.com");
    assert_eq!(body["organization_id"], org_id);
    let user_id = body["user"]["id"].as_str().unwrap();
    assert_eq!(
        session_methods(&app, user_id).await,
        vec![format!("sso:{}", conn["id"].as_str().unwrap())]
    );

    for page in [
        "sso-sign-in",
        "sso-no-organization",
        "sso-idp-sign-in",
        "sso-back-at-the-app",
    ] {
        let found = std::fs::read_dir(&artifacts)
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(&format!("-{page}.png")));
        assert!(found, "a screenshot of {page} in {}", artifacts.display());
    }
}

#[tokio::test]
async fn a_work_email_signs_in_through_the_organizations_oidc_provider() {
    use crate::sso_oidc::{sign_in_at_provider, OpenIdProvider, SECRET};
    let app = crate::helpers::spawn_app().await;
    let provider_callback = format!("{}/sso/oidc/callback", app.ctx.config.issuer());
    let op = OpenIdProvider::start(&provider_callback);
    let org = org_with_sso_domain(&app, "Acme", "acme.test").await;
    let org_id = org["id"].as_str().unwrap();
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
    let conn_id = conn["id"].as_str().unwrap();
    let activated = app.post(&format!("/connections/{conn_id}/activate"), json!({})).await;
    assert_eq!(activated.status(), 200);

    let client_id = client(&app).await;
    let browser = Browser::new(&app);
    open_flow(&browser, &client_id).await;
    let page = browser
        .submit("/hosted/sign-in", "/hosted/sso", &[("email", "alice@acme.test")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let to_provider = page.location.unwrap();
    assert!(
        to_provider.starts_with(&format!("{}/auth?", op.issuer())),
        "{to_provider}"
    );

    let answer = sign_in_at_provider(&to_provider, "alice@acme.test", &provider_callback).await;
    let page = browser.get(&on_app(&answer)).await;
    assert_eq!(page.status, 302, "{}", page.body);
    let back = Url::parse(page.location.as_deref().unwrap()).unwrap();
    assert_eq!(back.path(), "/hosted/sso/callback", "{back}");
    let page = browser.get(&on_app(&back)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (code, state) = code_of(page.location.as_deref().unwrap());
    assert_eq!(state, "xyz-1");
    let (status, body) = exchange(&app, &client_id, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], "alice@acme.test");
    assert_eq!(body["user"]["email_verified"], true);
    assert_eq!(body["organization_id"], org_id);
    let user_id = body["user"]["id"].as_str().unwrap();
    assert_eq!(session_methods(&app, user_id).await, vec![format!("sso:{conn_id}")]);
}
