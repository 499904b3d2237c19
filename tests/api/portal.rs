//! The Admin Portal over HTTP: links (`POST /portal/generate_link`) that open once within five
//! minutes, and the SSO, Directory Sync and domain wizards an IT admin walks through with a
//! browser's cookie jar, each confined to the link's organization and intent.

use crate::dns::{shared_dns, unique_domain};
use crate::helpers::{parts, spawn_app, TestApp};
use crate::hosted::{csrf_of, Browser, Page};
use crate::sso_flow::no_redirects;
use crate::sso_interop::{sign_in_at_idp, start_idp};
use chrono::Duration;
use serde_json::{json, Value};

pub async fn generate(app: &TestApp, org: &Value, intent: &str) -> String {
    let (status, body) = parts(
        app.post(
            "/portal/generate_link",
            json!({
                "organization": org["id"],
                "intent": intent,
                "success_url": "https://vendor.example.test/done",
                "return_url": "https://vendor.example.test/settings",
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["link"].as_str().unwrap().to_owned()
}

/// The path and query of an absolute URL the app handed out (its public URL is not the test's
/// address).
pub fn local(url: &str) -> String {
    let parsed = url::Url::parse(url).unwrap();
    match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_owned(),
    }
}

fn token_of(link: &str) -> String {
    link.split("token=").nth(1).unwrap().to_owned()
}

/// Opens a fresh link for `org` and `intent` in a new browser, ending on the wizard's first page.
pub async fn open_portal(app: &TestApp, org: &Value, intent: &str) -> Browser {
    let link = generate(app, org, intent).await;
    let browser = Browser::new(app);
    let page = browser.get(&local(&link)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Start setup"), "{}", page.body);
    let csrf = csrf_of(&page.body);
    let page = browser
        .post(
            "/admin-portal/launch",
            &[("token", token_of(&link).as_str()), ("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    browser
}

fn cell(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = html[at..].find('>').unwrap() + at + 1;
    let end = html[start..].find('<').unwrap() + start;
    html[start..end].replace("&#x3D;", "=").replace("&amp;", "&")
}

#[tokio::test]
async fn generate_link_needs_an_api_key_a_known_organization_and_a_known_intent() {
    let app = spawn_app().await;
    let org = app.create_org("Linked Corp").await;
    let resp = reqwest::Client::new()
        .post(format!("{}/portal/generate_link", app.base))
        .json(&json!({"organization": org["id"], "intent": "sso"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    for (body, field) in [
        (json!({"organization": org["id"], "intent": "audit_logs"}), None),
        (
            json!({"organization": "org_nope", "intent": "sso"}),
            Some("organization"),
        ),
        (
            json!({"organization": "org_01HZZZZZZZZZZZZZZZZZZZZZZZ", "intent": "dsync"}),
            Some("organization"),
        ),
        (
            json!({"organization": org["id"], "intent": "sso", "return_url": "javascript:alert(1)"}),
            Some("return_url"),
        ),
    ] {
        let (status, err) = parts(app.post("/portal/generate_link", body.clone()).await).await;
        assert!(status == 400 || status == 422, "{body}: {status} {err}");
        if let Some(field) = field {
            assert_eq!(status, 422, "{body}: {err}");
            assert_eq!(err["errors"][0]["field"], field, "{err}");
        }
    }

    let link = generate(&app, &org, "domain_verification").await;
    assert!(
        link.starts_with(&format!(
            "{}/admin-portal/launch?token=gh_portal_",
            app.ctx.config.issuer()
        )),
        "{link}"
    );
    // Stored hashed: the token is nowhere in the table.
    use sea_orm::EntityTrait;
    let rows = entities::portal_links::Entity::find()
        .all(app.ctx.db.read())
        .await
        .unwrap();
    let token = token_of(&link);
    assert!(rows
        .iter()
        .all(|r| r.token_hash != token && !r.token_hash.contains("gh_portal_")));
    assert!(rows.iter().any(|r| r.token_hash == gatehouse::secrets::hash(&token)));
}

#[tokio::test]
async fn a_link_opens_once_within_five_minutes_and_bad_links_get_a_page() {
    let app = spawn_app().await;
    let org = app.create_org("Once Corp").await;
    let link = generate(&app, &org, "sso").await;
    let token = token_of(&link);

    // Looking at the link (a mail scanner's GET) does not spend it.
    let browser = Browser::new(&app);
    let mut csrf = String::new();
    for _ in 0..2 {
        let page = browser.get(&local(&link)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("Once Corp"));
        csrf = csrf_of(&page.body);
    }
    let page = browser
        .post(
            "/admin-portal/launch",
            &[("token", token.as_str()), ("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/admin-portal/sso"));
    let cookie = page.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("gh_portal="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains(&token));
    let page = browser.get("/admin-portal/sso").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Okta") && page.body.contains("Microsoft Entra ID"));
    assert!(
        page.body.contains("href=\"https://vendor.example.test/settings\""),
        "{}",
        page.body
    );

    // Used: a second browser gets the "already used" page, and no session.
    let other = Browser::new(&app);
    for page in [
        other.get(&local(&link)).await,
        other.post("/admin-portal/launch", &[("token", token.as_str())]).await,
    ] {
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(page.body.contains("already used"), "{}", page.body);
        assert!(!page.headers.contains_key("set-cookie"));
    }
    assert_eq!(other.get("/admin-portal/sso").await.status, 401);

    // Forged, malformed and missing tokens.
    let forged = format!("gh_portal_{}", "A".repeat(40));
    for path in [
        format!("/admin-portal/launch?token={forged}"),
        "/admin-portal/launch?token=".to_owned(),
        "/admin-portal/launch".to_owned(),
        format!("/admin-portal/launch?token={}", "x".repeat(5000)),
    ] {
        let page = other.get(&path).await;
        assert_eq!(page.status, 400, "{path}: {}", page.body);
        assert!(page.body.contains("not valid"), "{}", page.body);
    }
    assert_eq!(
        other
            .post("/admin-portal/launch", &[("token", forged.as_str())])
            .await
            .status,
        400
    );

    // Expired: five minutes is the limit.
    let late = generate(&app, &org, "sso").await;
    app.clock.advance(Duration::minutes(5) + Duration::seconds(1));
    let page = other.get(&local(&late)).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("expired"), "{}", page.body);
    let page = other
        .post("/admin-portal/launch", &[("token", token_of(&late).as_str())])
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("expired"), "{}", page.body);
}

/// Attack (login CSRF): a page elsewhere posts the attacker's own link to the victim's
/// browser, so that the victim types their IdP's secrets into the attacker's organization.
#[tokio::test]
async fn a_launch_form_not_shown_to_this_browser_opens_nothing_and_spends_nothing() {
    let app = spawn_app().await;
    let attackers = app.create_org("Attacker Corp").await;
    let link = generate(&app, &attackers, "sso").await;
    let token = token_of(&link);

    let victim = Browser::new(&app);
    for form in [
        vec![("token", token.as_str())],
        vec![("token", token.as_str()), ("csrf", "guessed")],
    ] {
        let page = victim.post("/admin-portal/launch", &form).await;
        assert_eq!(page.status, 403, "{}", page.body);
        assert!(!page.headers.contains_key("set-cookie"), "no session is set");
    }
    assert_eq!(victim.get("/admin-portal/sso").await.status, 401);

    // A launch page seen for another link does not vouch for this one.
    let own = generate(&app, &app.create_org("Victim Corp").await, "sso").await;
    let page = victim.get(&local(&own)).await;
    let csrf = csrf_of(&page.body);
    let page = victim
        .post(
            "/admin-portal/launch",
            &[("token", token.as_str()), ("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(page.status, 403, "{}", page.body);

    // Nothing was spent: the link still opens, once, for whoever it was given to.
    let page = Browser::new(&app).get(&local(&link)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Start setup"), "{}", page.body);
}

#[tokio::test]
async fn under_https_the_session_cookie_is_secure_and_host_only() {
    let app = crate::helpers::spawn_app_with(|c| c.public_url = "https://id.vendor.example".into()).await;
    let org = app.create_org("Secure Corp").await;
    let link = generate(&app, &org, "dsync").await;
    assert!(
        link.starts_with("https://id.vendor.example/admin-portal/launch?token="),
        "{link}"
    );
    // The test talks plain http, where a cookie jar keeps `Secure` cookies back: carry the
    // launch page's cookie by hand.
    let browser = Browser::new(&app);
    let launch = browser.get(&local(&link)).await;
    let guard = launch.headers["set-cookie"].to_str().unwrap();
    assert!(
        guard.starts_with("__Host-gh_portal_launch=") && guard.contains("; Secure"),
        "{guard}"
    );
    let guard = guard.split(';').next().unwrap().to_owned();
    let resp = browser
        .http
        .post(format!("{}/admin-portal/launch", app.base))
        .header("cookie", guard)
        .form(&[("token", token_of(&link)), ("csrf", csrf_of(&launch.body))])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let page = Page {
        status: 303,
        location: resp.headers().get("location").map(|l| l.to_str().unwrap().to_owned()),
        headers: resp.headers().clone(),
        body: String::new(),
    };
    assert_eq!(page.location.as_deref(), Some("/admin-portal/dsync"));
    let cookie = page.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-gh_portal="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly") && !cookie.contains("Domain"),
        "{cookie}"
    );
}

#[tokio::test]
async fn portal_sessions_act_only_on_their_organization_and_intent_and_need_csrf() {
    let app = spawn_app().await;
    let a = app.create_org("Alpha Corp").await;
    let b = app.create_org("Beta Corp").await;
    let b_domain = unique_domain("beta");
    let (status, claimed) = parts(
        app.post(
            "/organization_domains",
            json!({"organization_id": b["id"], "domain": b_domain}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{claimed}");
    let b_domain_id = claimed["id"].as_str().unwrap();
    shared_dns().add_domain(&b_domain);
    let record = &claimed["verification_record"];
    shared_dns().publish_txt(record["name"].as_str().unwrap(), record["value"].as_str().unwrap());

    let browser = open_portal(&app, &a, "domain_verification").await;
    let page = browser.get("/admin-portal/domains").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Alpha Corp") && !page.body.contains(&b_domain));
    let csrf = csrf_of(&page.body);

    // Org B's domain, even with a valid session and CSRF token: not found, and untouched.
    let page = browser
        .post(
            "/admin-portal/domains/verify",
            &[("csrf", csrf.as_str()), ("domain_id", b_domain_id)],
        )
        .await;
    assert_eq!(page.status, 404, "{}", page.body);
    let (_, still) = parts(app.get(&format!("/organization_domains/{b_domain_id}")).await).await;
    assert_eq!(still["state"], "pending", "{still}");

    // No or a wrong CSRF token: refused, nothing claimed.
    let mine = unique_domain("alpha");
    for form in [
        vec![("domain", mine.as_str())],
        vec![("csrf", "forged"), ("domain", mine.as_str())],
    ] {
        let page = browser.post("/admin-portal/domains", &form).await;
        assert_eq!(page.status, 403, "{}", page.body);
    }
    let (_, org) = parts(app.get(&format!("/organizations/{}", a["id"].as_str().unwrap())).await).await;
    assert_eq!(org["domains"], json!([]), "{org}");

    // Another intent's pages and forms are closed to this session.
    for path in [
        "/admin-portal/sso",
        "/admin-portal/dsync",
        "/admin-portal/sso/configure",
    ] {
        assert_eq!(browser.get(path).await.status, 403, "{path}");
    }
    let page = browser
        .post("/admin-portal/dsync", &[("csrf", csrf.as_str()), ("name", "sneaky")])
        .await;
    assert_eq!(page.status, 403);
    let (_, dirs) = parts(
        app.get(&format!("/directories?organization_id={}", a["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(dirs["data"], json!([]), "{dirs}");

    // A browser without a session, or with a cookie it made up.
    let stranger = Browser::new(&app);
    assert_eq!(stranger.get("/admin-portal/domains").await.status, 401);
    let forged = reqwest::Client::new()
        .get(format!("{}/admin-portal/domains", app.base))
        .header("cookie", "gh_portal=eyJvcmdhbml6YXRpb25faWQiOiJvcmdfYiJ9")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
}

#[tokio::test]
async fn the_domain_wizard_shows_the_txt_record_and_verifies_over_dns() {
    let app = spawn_app().await;
    let org = app.create_org("Gamma Corp").await;
    let browser = open_portal(&app, &org, "domain_verification").await;
    let name = unique_domain("gamma");
    shared_dns().add_domain(&name);

    let page = browser
        .submit("/admin-portal/domains", "/admin-portal/domains", &[("domain", &name)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = browser.get("/admin-portal/domains").await;
    let (_, view) = parts(
        app.get(&format!("/organizations/{}", org["id"].as_str().unwrap()))
            .await,
    )
    .await;
    let domain = &view["domains"][0];
    let record = &domain["verification_record"];
    let record_name = record["name"].as_str().unwrap();
    let record_value = record["value"].as_str().unwrap();
    let escaped = record_value.replace('=', "&#x3D;");
    assert!(
        page.body.contains(record_name) && page.body.contains(&escaped),
        "{}",
        page.body
    );
    assert_eq!(
        app.events_of("organization_domain.created")
            .await
            .iter()
            .filter(|e| e["data"]["domain"] == name.as_str())
            .count(),
        1
    );

    // Not published yet: still pending, and the page says why.
    let id = domain["id"].as_str().unwrap();
    let page = browser
        .submit(
            "/admin-portal/domains",
            "/admin-portal/domains/verify",
            &[("domain_id", id)],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("not verified yet"), "{}", page.body);

    shared_dns().publish_txt(record_name, record_value);
    let page = browser
        .submit(
            "/admin-portal/domains",
            "/admin-portal/domains/verify",
            &[("domain_id", id)],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&format!("{name} is verified")), "{}", page.body);
    let (_, d) = parts(app.get(&format!("/organization_domains/{id}")).await).await;
    assert_eq!(d["state"], "verified");
    assert_eq!(
        app.events_of("organization_domain.verified")
            .await
            .iter()
            .filter(|e| e["data"]["id"] == id)
            .count(),
        1
    );

    // A refused claim explains itself on the page.
    let page = browser
        .submit(
            "/admin-portal/domains",
            "/admin-portal/domains",
            &[("domain", "gmail.com")],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("role=\"alert\""));
}

#[tokio::test]
async fn the_dsync_wizard_shows_the_scim_url_and_token_once_and_the_token_works() {
    let app = spawn_app().await;
    let org = app.create_org("Delta Corp").await;
    let browser = open_portal(&app, &org, "dsync").await;
    let page = browser
        .submit(
            "/admin-portal/dsync",
            "/admin-portal/dsync",
            &[("name", "Delta Okta"), ("type", "okta")],
        )
        .await;
    assert_eq!(page.status, 201, "{}", page.body);
    assert_eq!(page.headers["cache-control"], "no-store");
    let base_url = cell(&page.body, "scim-base-url");
    let token = cell(&page.body, "scim-token");
    assert!(token.starts_with("gh_scim_"), "{token}");

    let (_, dirs) = parts(
        app.get(&format!("/directories?organization_id={}", org["id"].as_str().unwrap()))
            .await,
    )
    .await;
    let dir = &dirs["data"][0];
    assert_eq!(dir["name"], "Delta Okta");
    assert_eq!(dir["type"], "okta");
    assert_eq!(dir["scim_base_url"], base_url.as_str());

    // The token works against SCIM, and the portal never shows it again.
    let users = reqwest::Client::new()
        .get(format!("{}{}/Users", app.base, local(&base_url)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), 200);
    let again = browser.get("/admin-portal/dsync").await;
    assert!(!again.body.contains(&token));
}

/// The configure page's SP values.
fn sp_values(page: &Page) -> (String, String, String) {
    (
        cell(&page.body, "acs-url"),
        cell(&page.body, "sp-entity-id"),
        cell(&page.body, "sp-metadata-url"),
    )
}

#[tokio::test]
async fn the_sso_wizard_sets_up_saml_from_saml_idp_metadata_and_tests_a_sign_in() {
    let app = spawn_app().await;
    let org = app.create_org("Jackson Corp").await;
    let org_id = org["id"].as_str().unwrap();
    let browser = open_portal(&app, &org, "sso").await;

    let page = browser
        .submit("/admin-portal/sso", "/admin-portal/sso", &[("provider", "okta")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/admin-portal/sso/configure"));
    let (_, conns) = parts(app.get(&format!("/connections?organization_id={org_id}")).await).await;
    let conn = &conns["data"][0];
    assert_eq!(conn["state"], "draft");
    assert_eq!(conn["attribute_preset"], "okta");
    let conn_id = conn["id"].as_str().unwrap().to_owned();

    let page = browser.get("/admin-portal/sso/configure").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let (acs, entity_id, metadata_url) = sp_values(&page);
    assert_eq!(acs, conn["saml"]["acs_url"].as_str().unwrap());
    assert_eq!(entity_id, conn["saml"]["sp_entity_id"].as_str().unwrap());
    assert!(
        metadata_url.ends_with(&format!("/sso/saml/metadata/{conn_id}")),
        "{metadata_url}"
    );

    // Nothing given, then metadata that is not metadata: the page names the failing check.
    let page = browser
        .submit("/admin-portal/sso/configure", "/admin-portal/sso/configure", &[])
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("saml.idp_metadata"), "{}", page.body);
    let page = browser
        .submit(
            "/admin-portal/sso/configure",
            "/admin-portal/sso/configure",
            &[("metadata_xml", "<EntityDescriptor>nope")],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("saml.idp_metadata"), "{}", page.body);
    let (_, still) = parts(app.get(&format!("/connections/{conn_id}")).await).await;
    assert_eq!(still["state"], "draft");

    // The IdP is set up with our SP values; its metadata URL activates the connection.
    let idp = start_idp(&acs, &entity_id, None).await;
    let idp_metadata = format!("{}/metadata", idp.base);
    let page = browser
        .submit(
            "/admin-portal/sso/configure",
            "/admin-portal/sso/configure",
            &[("metadata_url", idp_metadata.as_str())],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/admin-portal/sso/test"));
    let (_, active) = parts(app.get(&format!("/connections/{conn_id}")).await).await;
    assert_eq!(active["state"], "active", "{active}");
    assert_eq!(active["saml"]["idp_entity_id"], "urn:example:saml-idp");
    for kind in ["connection.created", "connection.updated", "connection.activated"] {
        let events = app.events_of(kind).await;
        assert!(
            events.iter().any(|e| e["data"]["id"] == conn_id.as_str()),
            "{kind} not emitted"
        );
    }

    // The test sign-in goes through the IdP and back to the portal.
    let page = browser
        .submit("/admin-portal/sso/test", "/admin-portal/sso/test", &[])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let to_idp = page.location.unwrap();
    assert!(to_idp.starts_with(&format!("{}/saml/sso?", idp.base)), "{to_idp}");
    let http = no_redirects();
    let fields = sign_in_at_idp(&http, &idp, &to_idp).await;
    let acs_resp = http
        .post(format!("{}{}", app.base, local(&acs)))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(acs_resp.status(), 302);
    let back = acs_resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.contains("/admin-portal/sso/test/callback?code="), "{back}");
    let page = browser.get(&local(&back)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Test sign-in succeeded"), "{}", page.body);
    assert!(page.body.contains("saml.jackson@example.com"), "{}", page.body);

    // The same answer again (a replayed callback) is refused, and says why.
    let page = browser.get(&local(&back)).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("Test sign-in failed"), "{}", page.body);

    // A response altered on the way: the signature check fails, and the page says so.
    let page = browser
        .submit("/admin-portal/sso/test", "/admin-portal/sso/test", &[])
        .await;
    assert_eq!(page.status, 303);
    let mut fields = sign_in_at_idp(&http, &idp, &page.location.unwrap()).await;
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    for (k, v) in fields.iter_mut() {
        if k == "SAMLResponse" {
            let xml = String::from_utf8(b64.decode(v.as_bytes()).unwrap()).unwrap();
            assert!(xml.contains("saml.jackson@example.com"));
            *v = b64.encode(xml.replace("saml.jackson@example.com", "mallory@example.com"));
        }
    }
    let acs_resp = http
        .post(format!("{}{}", app.base, local(&acs)))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(acs_resp.status(), 302);
    let back = acs_resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.contains("/admin-portal/sso/test/callback?"), "{back}");
    let page = browser.get(&local(&back)).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.body.contains("Test sign-in failed: SAML response refused: "),
        "{}",
        page.body
    );
    assert!(!page.body.contains("mallory"), "{}", page.body);
}

#[tokio::test]
async fn the_sso_wizard_sets_up_oidc_and_its_test_sign_in_names_a_wrong_secret() {
    use crate::sso_oidc::{sign_in_at_provider, OpenIdProvider, SECRET};
    let app = spawn_app().await;
    let callback = format!("{}/sso/oidc/callback", app.ctx.config.issuer());
    let op = OpenIdProvider::start(&callback);
    let org = app.create_org("Initech").await;
    let browser = open_portal(&app, &org, "sso").await;
    let page = browser
        .submit("/admin-portal/sso", "/admin-portal/sso", &[("provider", "oidc")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = browser.get("/admin-portal/sso/configure").await;
    assert_eq!(cell(&page.body, "redirect-uri"), callback);

    // An internal address is refused by the connection service's own rule.
    let page = browser
        .submit(
            "/admin-portal/sso/configure",
            "/admin-portal/sso/configure",
            &[
                ("issuer", "https://10.0.0.7"),
                ("client_id", "rp"),
                ("client_secret", SECRET),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("oidc.issuer"), "{}", page.body);

    // A wrong secret activates (the provider is not asked until a sign-in), and the test names it.
    let issuer = op.issuer();
    let configure = |secret: &'static str| {
        let issuer = issuer.clone();
        let browser = &browser;
        async move {
            browser
                .submit(
                    "/admin-portal/sso/configure",
                    "/admin-portal/sso/configure",
                    &[
                        ("issuer", issuer.as_str()),
                        ("client_id", "rp"),
                        ("client_secret", secret),
                    ],
                )
                .await
        }
    };
    let page = configure("not-the-secret").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let test_sign_in = || async {
        let page = browser
            .submit("/admin-portal/sso/test", "/admin-portal/sso/test", &[])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let to = page.location.unwrap();
        assert!(to.starts_with(&format!("{}/auth?", op.issuer())), "{to}");
        let back = sign_in_at_provider(&to, "alice@acme.test", &callback).await;
        let resp = no_redirects()
            .get(format!("{}/sso/oidc/callback?{}", app.base, back.query().unwrap_or("")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 302);
        let portal = resp.headers()["location"].to_str().unwrap().to_owned();
        assert!(portal.contains("/admin-portal/sso/test/callback?"), "{portal}");
        browser.get(&local(&portal)).await
    };
    let page = test_sign_in().await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("Test sign-in failed"), "{}", page.body);

    let page = configure(SECRET).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = test_sign_in().await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Test sign-in succeeded") && page.body.contains("alice@acme.test"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(SECRET));
}
