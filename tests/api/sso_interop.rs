//! A full SAML login against saml-idp 1.2.1 (npm, tests/interop/saml-idp), an IdP written
//! by others: the test plays the browser, following redirects and posting the IdP's forms.

use crate::helpers::{parts, spawn_app, TestApp};
use crate::sso_flow::{local_acs, no_redirects, urlencode};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use url::Url;

pub struct NodeIdp {
    pub base: String,
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn start_idp(acs_url: &str, audience: &str, relay_state: Option<&str>) -> NodeIdp {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/saml-idp");
    let app_js = root.join("node_modules/saml-idp/app.js");
    assert!(
        app_js.exists(),
        "run `npm ci` in tests/interop/saml-idp (scripts/ensure-deps.sh)"
    );
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = gatehouse::sso::saml::keys::self_signed("saml-idp interop", 2048).unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert.to_pem().unwrap()).unwrap();
    std::fs::write(dir.path().join("key.pem"), key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let port = free_port();
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(&app_js)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--cert", "cert.pem", "--key", "key.pem"])
        .args([
            "--issuer",
            "urn:example:saml-idp",
            "--acsUrl",
            acs_url,
            "--audience",
            audience,
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if let Some(r) = relay_state {
        cmd.args(["--relayState", r]);
    }
    let child = cmd.spawn().expect("node");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(format!("{base}/metadata")).await {
            if r.status().is_success() {
                return NodeIdp {
                    base,
                    _child: child,
                    _dir: dir,
                };
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("saml-idp did not start");
}

fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let entity = &tail[1..end];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16).ok().and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => out.push(c),
            None => out.push_str(&tail[..=end]),
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    for quote in ['"', '\''] {
        let needle = format!(" {name}={quote}");
        if let Some(i) = tag.find(&needle) {
            let start = i + needle.len();
            let end = tag[start..].find(quote)? + start;
            return Some(decode_entities(&tag[start..end]));
        }
    }
    None
}

/// The named inputs of the form whose action contains `action`, as a browser would submit.
fn form_fields(html: &str, action: &str) -> (String, Vec<(String, String)>) {
    let start = html.find("<form").and_then(|_| {
        html.match_indices("<form").map(|(i, _)| i).find(|i| {
            let tag_end = html[*i..].find('>').unwrap() + i;
            html[*i..tag_end].contains(action)
        })
    });
    let start = start.unwrap_or_else(|| panic!("no form for {action} in {html}"));
    let end = html[start..].find("</form>").unwrap() + start;
    let form = &html[start..end];
    let form_tag = &form[..form.find('>').unwrap()];
    let target = attr(form_tag, "action").unwrap();
    let mut fields = Vec::new();
    for (i, _) in form.match_indices("<input") {
        let tag = &form[i..i + form[i..].find('>').unwrap()];
        let tag = tag.replace(['\n', '\r', '\t'], " ");
        if let Some(name) = attr(&tag, "name") {
            fields.push((name, attr(&tag, "value").unwrap_or_default()));
        }
    }
    (target, fields)
}

pub async fn setup() -> (TestApp, Value, String, String) {
    let app = spawn_app().await;
    let org = app.create_org("Jackson Corp").await;
    let clients: Value = app.get("/clients").await.json().await.unwrap();
    let client_id = clients["data"][0]["id"].as_str().unwrap().to_owned();
    let redirect_uri = clients["data"][0]["redirect_uris"][0].as_str().unwrap().to_owned();
    (app, org, client_id, redirect_uri)
}

/// Creates a draft connection, starts the IdP for it, then completes the connection from
/// the IdP's published metadata URL and activates it.
pub async fn connect(app: &TestApp, org: &Value, extra: Value, relay_state: Option<&str>) -> (Value, NodeIdp) {
    let mut body = json!({"organization_id": org["id"], "name": "saml-idp", "type": "saml", "saml": extra});
    body["saml"]["sign_requests"] = json!(true);
    let (status, draft) = parts(app.post("/connections", body).await).await;
    assert_eq!(status, 201, "{draft}");
    let idp = start_idp(
        draft["saml"]["acs_url"].as_str().unwrap(),
        draft["saml"]["sp_entity_id"].as_str().unwrap(),
        relay_state,
    )
    .await;
    let id = draft["id"].as_str().unwrap();
    let (status, conn) = parts(
        app.request(reqwest::Method::PATCH, &format!("/connections/{id}"))
            .json(&json!({"saml": {"idp_metadata_url": format!("{}/metadata", idp.base)}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{conn}");
    assert_eq!(conn["saml"]["idp_entity_id"], "urn:example:saml-idp");
    let (status, conn) = parts(app.post(&format!("/connections/{id}/activate"), json!({})).await).await;
    assert_eq!(status, 200, "{conn}");
    (conn, idp)
}

/// Signs in at the IdP page and returns the SAMLResponse form it answers with.
pub async fn sign_in_at_idp(http: &reqwest::Client, idp: &NodeIdp, page_url: &str) -> Vec<(String, String)> {
    let page = http.get(page_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let (action, fields) = form_fields(&html, "/signin");
    let posted = http
        .post(format!("{}{action}", idp.base))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    let html = posted.text().await.unwrap();
    let (_, fields) = form_fields(&html, "method=\"post\"");
    fields
}

pub async fn deliver(app: &TestApp, conn: &Value, fields: &[(String, String)]) -> Url {
    let resp = no_redirects()
        .post(local_acs(app, conn))
        .form(fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap()
}

fn param(url: &Url, key: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

async fn profile(app: &TestApp, client_id: &str, to: &Url) -> Value {
    let code = param(to, "code").unwrap_or_else(|| panic!("no code in {to}"));
    let (status, body) = parts(
        app.post(
            "/sso/token",
            json!({"client_id": client_id, "grant_type": "authorization_code", "code": code}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["profile"].clone()
}

#[tokio::test]
async fn sp_initiated_login_through_saml_idp() {
    let (app, org, client_id, redirect_uri) = setup().await;
    let (conn, idp) = connect(&app, &org, json!({}), None).await;
    let http = no_redirects();
    let authorize = format!(
        "{}/sso/authorize?client_id={client_id}&redirect_uri={}&response_type=code&state=xyz&organization={}",
        app.base,
        urlencode(&redirect_uri),
        org["id"].as_str().unwrap()
    );
    let resp = http.get(authorize).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let to_idp = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(to_idp.starts_with(&format!("{}/saml/sso?", idp.base)), "{to_idp}");
    assert!(to_idp.contains("Signature="), "sign_requests is on");

    let fields = sign_in_at_idp(&http, &idp, &to_idp).await;
    assert!(fields.iter().any(|(k, _)| k == "SAMLResponse"));
    let to = deliver(&app, &conn, &fields).await;
    assert!(to.as_str().starts_with(&redirect_uri), "{to}");
    assert_eq!(param(&to, "state").as_deref(), Some("xyz"));
    let p = profile(&app, &client_id, &to).await;
    assert_eq!(p["email"], "saml.jackson@example.com");
    assert_eq!(p["first_name"], "Saml");
    assert_eq!(p["last_name"], "Jackson");
    assert_eq!(p["connection_id"], conn["id"]);

    // The browser posts the same form again: replayed.
    let again = deliver(&app, &conn, &fields).await;
    assert_eq!(param(&again, "error").as_deref(), Some("access_denied"));
    assert!(param(&again, "code").is_none());
}

#[tokio::test]
async fn idp_initiated_login_through_saml_idp() {
    let (app, org, client_id, redirect_uri) = setup().await;
    let (conn, idp) = connect(&app, &org, json!({"allow_idp_initiated": true}), Some("from-idp")).await;
    let http = no_redirects();
    let fields = sign_in_at_idp(&http, &idp, &format!("{}/", idp.base)).await;
    let to = deliver(&app, &conn, &fields).await;
    assert!(to.as_str().starts_with(&redirect_uri), "{to}");
    assert_eq!(param(&to, "state").as_deref(), Some("from-idp"));
    let p = profile(&app, &client_id, &to).await;
    assert_eq!(p["email"], "saml.jackson@example.com");

    // Switched off, the same kind of unsolicited response is refused.
    let id = conn["id"].as_str().unwrap();
    let (status, _) = parts(
        app.request(reqwest::Method::PATCH, &format!("/connections/{id}"))
            .json(&json!({"saml": {"allow_idp_initiated": false}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let fields = sign_in_at_idp(&http, &idp, &format!("{}/", idp.base)).await;
    let to = deliver(&app, &conn, &fields).await;
    assert!(
        param(&to, "error_description")
            .unwrap()
            .contains("idp_initiated_disabled"),
        "{to}"
    );
}
