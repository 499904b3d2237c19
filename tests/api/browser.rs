//! The hosted pages in a real browser: headless Chromium (Debian's `chromium`) driven by
//! Playwright from tests/browser/hosted.mjs against the app on a real port. Screenshots of
//! every page land in `test-artifacts/browser/`.

use crate::helpers::{parts, sign_up, spawn_app, totp_code, unique_email, TestApp, PASSWORD};
use crate::hosted::{code_of_at, enroll_verified_totp, exchange};
use gatehouse::clock::Clock;
use serde_json::{json, Value};
use std::path::Path;

/// The vendor's app: a page at `/callback` to land on.
pub async fn spawn_vendor_app() -> String {
    use poem::{get, handler, web::Html, Route};
    #[handler]
    fn callback() -> Html<&'static str> {
        Html("<!doctype html><title>Vendor app</title><h1>Signed in to the vendor app</h1>")
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
    tokio::spawn(async move {
        poem::Server::new_with_acceptor(acceptor)
            .run(Route::new().at("/callback", get(callback)))
            .await
    });
    format!("http://{addr}/callback")
}

async fn member(app: &TestApp, user: &Value, org: &Value) {
    let resp = app
        .post(
            "/user_management/organization_memberships",
            json!({"user_id": user["id"], "organization_id": org["id"]}),
        )
        .await;
    assert_eq!(resp.status(), 201);
}

async fn org_with_policy(app: &TestApp, name: &str, policy: Value) -> Value {
    let org = app.create_org(name).await;
    let resp = app
        .put(
            &format!("/organizations/{}/policy", org["id"].as_str().unwrap()),
            policy,
        )
        .await;
    assert_eq!(resp.status(), 200);
    org
}

#[tokio::test]
async fn a_browser_signs_in_with_password_and_totp_and_picks_an_organization() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script_dir = root.join("tests/browser");
    assert!(
        script_dir.join("node_modules/playwright-core").is_dir(),
        "tests/browser/node_modules is missing: run `bash scripts/ensure-deps.sh test` (npm ci there)"
    );
    let app = spawn_app().await;
    let redirect_uri = spawn_vendor_app().await;
    let (status, client) = parts(
        app.post(
            "/clients",
            json!({"name": "Vendor app", "redirect_uris": [redirect_uri]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{client}");
    let client_id = client["id"].as_str().unwrap().to_owned();

    // Password + TOTP, two organizations.
    let email = unique_email("browser");
    let user = sign_up(&app, &email, true).await;
    let north = app.create_org("Northwind Traders").await;
    let south = app.create_org("Southwind Logistics").await;
    member(&app, &user, &north).await;
    member(&app, &user, &south).await;
    let secret = enroll_verified_totp(&app, &user).await;

    // An organization that requires MFA, for a user without a factor.
    let enroll_email = unique_email("browser-enroll");
    let enroll_user = sign_up(&app, &enroll_email, true).await;
    let strict = org_with_policy(&app, "Strict Systems", json!({"mfa_required": true})).await;
    member(&app, &enroll_user, &strict).await;

    // An organization that allows emailed codes only.
    let reauth_email = unique_email("browser-reauth");
    let reauth_user = sign_up(&app, &reauth_email, true).await;
    let codes_only = org_with_policy(&app, "Codes Only Co", json!({"allowed_auth_methods": ["magic_auth"]})).await;
    member(&app, &reauth_user, &codes_only).await;

    let now = app.clock.now();
    let artifacts = root.join("test-artifacts/browser");
    let _ = std::fs::remove_dir_all(&artifacts);
    let scenario = json!({
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "artifacts_dir": artifacts,
        "now_ms": now.timestamp_millis(),
        "totp_user": {"email": email, "password": PASSWORD, "totp_code": totp_code(&secret, now.timestamp()), "pick": "Southwind Logistics"},
        "enroll_user": {"email": enroll_email, "password": PASSWORD},
        "reauth_user": {"email": reauth_email, "password": PASSWORD},
    });
    let run = tokio::process::Command::new("node")
        .arg(script_dir.join("hosted.mjs"))
        .arg(&app.base)
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
    let results: Vec<Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let location_of = |scenario: &str| {
        results
            .iter()
            .find(|r| r["scenario"] == scenario)
            .and_then(|r| r["location"].as_str())
            .unwrap_or_else(|| panic!("no result for {scenario}: {stdout}"))
            .to_owned()
    };

    let (code, state) = code_of_at(&location_of("password_totp"), &redirect_uri);
    assert_eq!(state, "browser-state");
    let (status, body) = exchange(&app, &client_id, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], email.as_str());
    assert_eq!(
        body["organization_id"], south["id"],
        "the organization picked in the browser"
    );

    let (code, _) = code_of_at(&location_of("enroll"), &redirect_uri);
    let (status, body) = exchange(&app, &client_id, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["organization_id"], strict["id"]);

    for page in [
        "sign-in",
        "sign-up",
        "magic-code-request",
        "forgot-password",
        "sign-in-error",
        "mfa-challenge",
        "organization-picker",
        "back-at-the-app",
        "mfa-enroll",
        "reauthenticate",
        "magic-code",
    ] {
        let found = std::fs::read_dir(&artifacts)
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(&format!("-{page}.png")));
        assert!(found, "a screenshot of {page} in {}", artifacts.display());
    }
}

/// An IT admin, in Chromium, sets up SAML through an Admin Portal link against saml-idp
/// (npm, tests/interop/saml-idp) and signs in through it with "Test sign-in".
#[tokio::test]
async fn a_browser_walks_the_admin_portal_saml_setup_against_saml_idp() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script_dir = root.join("tests/browser");
    assert!(
        script_dir.join("node_modules/playwright-core").is_dir(),
        "tests/browser/node_modules is missing: run `bash scripts/ensure-deps.sh test` (npm ci there)"
    );
    // Chromium follows the absolute URLs the app hands out (ACS, callback): they must be real.
    let app = crate::helpers::spawn_app_public().await;
    let org = app.create_org("Hooli Systems").await;
    let link = crate::portal::generate(&app, &org, "sso").await;
    let artifacts = root.join("test-artifacts/browser-portal");
    let _ = std::fs::remove_dir_all(&artifacts);
    let scenario = json!({"artifacts_dir": artifacts, "organization": "Hooli Systems"});
    let mut child = tokio::process::Command::new("node")
        .arg(script_dir.join("portal.mjs"))
        .arg(&link)
        .env("GATEHOUSE_BROWSER_SCENARIO", scenario.to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut stdin = child.stdin.take();
    let mut stderr = child.stderr.take().unwrap();
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut results: Vec<Value> = Vec::new();
    let mut idp = None;
    let run = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let Ok(result) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if result["scenario"] == "sp_values" {
                let started = crate::sso_interop::start_idp(
                    result["acs_url"].as_str().unwrap(),
                    result["sp_entity_id"].as_str().unwrap(),
                    None,
                )
                .await;
                let mut pipe = stdin.take().expect("one request for the IdP");
                pipe.write_all(format!("{}\n", started.base).as_bytes()).await.unwrap();
                pipe.flush().await.unwrap();
                idp = Some(started);
            }
            results.push(result);
        }
        child.wait().await.unwrap()
    };
    let status = tokio::time::timeout(std::time::Duration::from_secs(180), run)
        .await
        .expect("the browser run finishes within 3 minutes");
    let stderr = stderr.await.unwrap();
    assert!(
        status.success(),
        "browser run failed\nresults: {results:?}\nstderr:\n{stderr}"
    );
    assert!(idp.is_some(), "the script asked for the IdP");

    let test = results
        .iter()
        .find(|r| r["scenario"] == "sso_test")
        .unwrap_or_else(|| panic!("no test sign-in result: {results:?}"));
    let result = test["result"].as_str().unwrap();
    assert!(result.contains("saml.jackson@example.com"), "{result}");
    assert!(
        test["location"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/admin-portal/sso/test/callback?", app.base)),
        "{test}"
    );

    // The browser's clicks went through the connection service: one active SAML connection
    // for this organization, from saml-idp's metadata, with the API's events.
    let (_, conns) = parts(
        app.get(&format!("/connections?organization_id={}", org["id"].as_str().unwrap()))
            .await,
    )
    .await;
    let conns = conns["data"].as_array().unwrap();
    assert_eq!(conns.len(), 1, "{conns:?}");
    assert_eq!(conns[0]["state"], "active");
    assert_eq!(conns[0]["saml"]["idp_entity_id"], "urn:example:saml-idp");
    let activated = app.events_of("connection.activated").await;
    assert!(activated.iter().any(|e| e["data"]["id"] == conns[0]["id"]));

    for page in [
        "portal-launch",
        "portal-provider",
        "portal-sp-values",
        "portal-metadata-refused",
        "portal-test",
        "idp-sign-in",
        "portal-test-succeeded",
    ] {
        let found = std::fs::read_dir(&artifacts)
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(&format!("-{page}.png")));
        assert!(found, "a screenshot of {page} in {}", artifacts.display());
    }
}
