//! The SSO flow over HTTP: /sso/authorize → AuthnRequest at the IdP → signed response
//! posted to the ACS → code at the client's redirect URI → /sso/token. The IdP here is a
//! test key signing responses with xmlsec (hostile responses are edits of real ones); the
//! npm IdP runs in sso_interop.rs.

use crate::helpers::{parts, spawn_app, TestApp};
use crate::saml_idp::{assertion_xml, signed_response, ResponseSpec, Signed, TestIdp};
use crate::sso_connections::{cert_b64, create_saml};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use flate2::read::DeflateDecoder;
use gatehouse::clock::Clock;
use serde_json::{json, Value};
use std::io::Read;
use url::Url;

pub struct Setup {
    pub app: TestApp,
    pub idp: TestIdp,
    pub org_id: String,
    pub conn: Value,
    pub client_id: String,
    pub redirect_uri: String,
}

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn setup(extra: Value) -> Setup {
    let app = spawn_app().await;
    let idp = TestIdp::generate().unwrap();
    let org = app.create_org("Acme").await;
    let org_id = org["id"].as_str().unwrap().to_owned();
    let mut saml = json!({
        "idp_entity_id": "https://idp.acme.test/e",
        "idp_sso_url": "https://idp.acme.test/sso",
        "idp_certificates": [cert_b64(&idp)],
    });
    for (k, v) in extra.as_object().unwrap() {
        saml[k] = v.clone();
    }
    let (status, conn) = create_saml(&app, &org_id, saml).await;
    assert_eq!(status, 201, "{conn}");
    let id = conn["id"].as_str().unwrap();
    assert_eq!(
        app.post(&format!("/connections/{id}/activate"), json!({}))
            .await
            .status(),
        200
    );
    let clients: Value = app.get("/clients").await.json().await.unwrap();
    let client_id = clients["data"][0]["id"].as_str().unwrap().to_owned();
    let redirect_uri = clients["data"][0]["redirect_uris"][0].as_str().unwrap().to_owned();
    Setup {
        app,
        idp,
        org_id,
        conn,
        client_id,
        redirect_uri,
    }
}

impl Setup {
    pub fn spec(&self, request_id: Option<&str>) -> ResponseSpec {
        ResponseSpec {
            issuer: "https://idp.acme.test/e".into(),
            destination: self.conn["saml"]["acs_url"].as_str().unwrap().into(),
            recipient: self.conn["saml"]["acs_url"].as_str().unwrap().into(),
            audience: self.conn["saml"]["sp_entity_id"].as_str().unwrap().into(),
            in_response_to: request_id.map(str::to_owned),
            issued_at: self.app.clock.now(),
            assertion_id: format!("_a{}", rand_hex()),
            ..Default::default()
        }
    }

    /// Follows /sso/authorize; returns (AuthnRequest ID, RelayState).
    pub async fn start(&self, query: &str) -> (String, String) {
        let url = format!(
            "{}/sso/authorize?client_id={}&redirect_uri={}&response_type=code&state=client-state&{query}",
            self.app.base,
            self.client_id,
            urlencode(&self.redirect_uri)
        );
        let resp = no_redirects().get(url).send().await.unwrap();
        assert_eq!(resp.status(), 302, "{}", resp.text().await.unwrap());
        let to = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
        self.authn_request_of(&to)
    }

    /// The (AuthnRequest ID, RelayState) of a redirect to this IdP.
    pub fn authn_request_of(&self, to: &Url) -> (String, String) {
        assert!(to.as_str().starts_with("https://idp.acme.test/sso?"), "{to}");
        let q = |k: &str| to.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
        let mut xml = String::new();
        DeflateDecoder::new(&STANDARD.decode(q("SAMLRequest").unwrap()).unwrap()[..])
            .read_to_string(&mut xml)
            .unwrap();
        let request: samael::schema::AuthnRequest = xml.parse().unwrap();
        assert_eq!(
            request.assertion_consumer_service_url.as_deref(),
            self.conn["saml"]["acs_url"].as_str()
        );
        (request.id, q("RelayState").unwrap())
    }

    /// Posts the response to the ACS and returns where it sent the browser.
    pub async fn post_acs(&self, xml: &str, relay_state: Option<&str>) -> (u16, Option<Url>) {
        let mut form = vec![("SAMLResponse", STANDARD.encode(xml))];
        if let Some(r) = relay_state {
            form.push(("RelayState", r.to_owned()));
        }
        let resp = no_redirects()
            .post(local_acs(&self.app, &self.conn))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .map(|l| Url::parse(l.to_str().unwrap()).unwrap());
        (status, location)
    }

    async fn token(&self, code: &str) -> (u16, Value) {
        parts(
            self.app
                .post(
                    "/sso/token",
                    json!({"client_id": self.client_id, "grant_type": "authorization_code", "code": code}),
                )
                .await,
        )
        .await
    }
}

/// The ACS on this test server; `acs_url` names the public URL the app is configured with,
/// as a reverse proxy would.
pub fn local_acs(app: &TestApp, conn: &Value) -> String {
    format!("{}/sso/saml/acs/{}", app.base, conn["id"].as_str().unwrap())
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn rand_hex() -> String {
    gatehouse::ids::ProfileId::generate().into_string().replace("prof_", "")
}

pub fn param(url: &Url, key: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn sp_initiated_login_yields_a_single_use_code_for_the_profile() {
    let s = setup(json!({})).await;
    let conn_id = s.conn["id"].as_str().unwrap();
    let (request_id, relay) = s.start(&format!("connection={conn_id}")).await;
    let spec = s.spec(Some(&request_id));
    let xml = signed_response(&s.idp, &spec).unwrap();
    let (status, to) = s.post_acs(&xml, Some(&relay)).await;
    assert_eq!(status, 302);
    let to = to.unwrap();
    assert!(to.as_str().starts_with(&s.redirect_uri), "{to}");
    assert_eq!(param(&to, "state").as_deref(), Some("client-state"));
    let code = param(&to, "code").expect("a code");

    let (status, body) = s.token(&code).await;
    assert_eq!(status, 200, "{body}");
    let p = &body["profile"];
    assert_eq!(p["object"], "profile");
    assert_eq!(p["connection_id"], conn_id);
    assert_eq!(p["organization_id"], s.org_id.as_str());
    assert_eq!(p["email"], "ada@example.com");
    assert_eq!(p["email_trusted"], false, "example.com is not verified by the org");
    assert_eq!(p["first_name"], "Ada");
    assert_eq!(p["last_name"], "Lovelace");
    assert_eq!(p["groups"], json!(["admins", "engineers"]));
    assert_eq!(p["raw_attributes"]["email"], json!(["ada@example.com"]));

    let (status, body) = s.token(&code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_grant")),
        "single use"
    );

    // The same response again: the assertion id is in the replay cache.
    let (status, to) = s.post_acs(&xml, Some(&relay)).await;
    assert_eq!(status, 302);
    let to = to.unwrap();
    assert_eq!(param(&to, "error").as_deref(), Some("access_denied"));
    assert!(param(&to, "code").is_none());
}

#[tokio::test]
async fn code_expires_after_ten_minutes() {
    let s = setup(json!({})).await;
    let (request_id, relay) = s.start(&format!("organization={}", s.org_id)).await;
    let xml = signed_response(&s.idp, &s.spec(Some(&request_id))).unwrap();
    let (_, to) = s.post_acs(&xml, Some(&relay)).await;
    let code = param(&to.unwrap(), "code").unwrap();
    s.app
        .clock
        .advance(chrono::Duration::minutes(10) + chrono::Duration::seconds(1));
    assert_eq!(s.token(&code).await.0, 400);
}

/// Builds a hostile response for the AuthnRequest id it answers.
type Hostile = Box<dyn Fn(&Setup, &str) -> String>;

#[tokio::test]
async fn hostile_responses_are_refused_with_a_reason() {
    let s = setup(json!({})).await;
    let stranger = TestIdp::generate().unwrap();
    let cases: Vec<(&str, Hostile, &str)> = vec![
        (
            "unsigned",
            Box::new(|s, id| {
                signed_response(
                    &s.idp,
                    &ResponseSpec {
                        signed: Signed::Neither,
                        ..s.spec(Some(id))
                    },
                )
                .unwrap()
            }),
            "unsigned",
        ),
        (
            "modified",
            Box::new(|s, id| {
                signed_response(&s.idp, &s.spec(Some(id)))
                    .unwrap()
                    .replace("ada@example.com", "eve@example.com")
            }),
            "bad_signature",
        ),
        (
            "wrapped",
            Box::new(|s, id| {
                let spec = ResponseSpec {
                    signed: Signed::Assertion,
                    ..s.spec(Some(id))
                };
                let evil = assertion_xml(
                    &ResponseSpec {
                        name_id: "eve@example.com".into(),
                        assertion_id: "_evil".into(),
                        ..spec.clone()
                    },
                    false,
                );
                signed_response(&s.idp, &spec).unwrap().replacen(
                    "<saml:Assertion ",
                    &format!("{evil}<saml:Assertion "),
                    1,
                )
            }),
            "several_assertions",
        ),
        (
            "foreign certificate",
            Box::new(move |s, id| signed_response(&stranger, &s.spec(Some(id))).unwrap()),
            "bad_signature",
        ),
        (
            "wrong audience",
            Box::new(|s, id| {
                signed_response(
                    &s.idp,
                    &ResponseSpec {
                        audience: "https://other.example".into(),
                        ..s.spec(Some(id))
                    },
                )
                .unwrap()
            }),
            "wrong_audience",
        ),
        (
            "expired",
            Box::new(|s, id| {
                signed_response(
                    &s.idp,
                    &ResponseSpec {
                        issued_at: s.app.clock.now() - chrono::Duration::hours(1),
                        ..s.spec(Some(id))
                    },
                )
                .unwrap()
            }),
            "expired",
        ),
        (
            "unsolicited InResponseTo",
            Box::new(|s, _| signed_response(&s.idp, &s.spec(Some("_never_sent"))).unwrap()),
            "in_response_to_mismatch",
        ),
    ];
    for (name, build, reason) in cases {
        let (request_id, relay) = s.start(&format!("connection={}", s.conn["id"].as_str().unwrap())).await;
        let (status, to) = s.post_acs(&build(&s, &request_id), Some(&relay)).await;
        assert_eq!(status, 302, "{name}");
        let to = to.unwrap();
        assert!(to.as_str().starts_with(&s.redirect_uri), "{name}: {to}");
        assert_eq!(param(&to, "error").as_deref(), Some("access_denied"), "{name}");
        assert_eq!(param(&to, "state").as_deref(), Some("client-state"), "{name}");
        assert!(
            param(&to, "error_description").unwrap().contains(reason),
            "{name}: {to}"
        );
        assert!(param(&to, "code").is_none(), "{name}");
    }
    let failures = s.app.events_of("authentication.sso_failed").await;
    let reasons: Vec<&str> = failures.iter().map(|e| e["data"]["reason"].as_str().unwrap()).collect();
    assert_eq!(
        reasons,
        [
            "unsigned",
            "bad_signature",
            "several_assertions",
            "bad_signature",
            "wrong_audience",
            "expired",
            "in_response_to_mismatch"
        ]
    );

    // No login started here and IdP-initiated is off: an InResponseTo names nothing we sent.
    let (status, to) = s
        .post_acs(&signed_response(&s.idp, &s.spec(Some("_x"))).unwrap(), None)
        .await;
    assert_eq!(status, 302);
    assert!(param(&to.unwrap(), "error_description")
        .unwrap()
        .contains("unsolicited_in_response_to"));
}

#[tokio::test]
async fn idp_initiated_only_when_enabled() {
    let s = setup(json!({})).await;
    let xml = signed_response(&s.idp, &s.spec(None)).unwrap();
    let (_, to) = s.post_acs(&xml, Some("deep-link")).await;
    let to = to.unwrap();
    assert!(
        param(&to, "error_description")
            .unwrap()
            .contains("idp_initiated_disabled"),
        "{to}"
    );

    let s = setup(json!({"allow_idp_initiated": true})).await;
    let xml = signed_response(&s.idp, &s.spec(None)).unwrap();
    let (_, to) = s.post_acs(&xml, Some("deep-link")).await;
    let to = to.unwrap();
    assert!(to.as_str().starts_with(&s.redirect_uri), "{to}");
    assert_eq!(param(&to, "state").as_deref(), Some("deep-link"));
    let (status, body) = s.token(&param(&to, "code").unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["profile"]["email"], "ada@example.com");
}

#[tokio::test]
async fn authorize_checks_client_and_routes_errors_to_the_redirect_uri() {
    let s = setup(json!({})).await;
    let base = format!("{}/sso/authorize", s.app.base);
    let http = no_redirects();
    let get = |q: String| http.get(format!("{base}?{q}")).send();
    let resp = get(format!(
        "client_id=client_01ARZ3NDEKTSV4RRFFQ69G5FAV&redirect_uri={}&connection=x",
        urlencode(&s.redirect_uri)
    ))
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = get(format!(
        "client_id={}&redirect_uri={}&connection=x",
        s.client_id,
        urlencode("https://evil.example/cb")
    ))
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "invalid_redirect_uri");

    let r = urlencode(&s.redirect_uri);
    for (query, error) in [
        (
            format!(
                "client_id={}&redirect_uri={r}&state=s1&connection=conn_01ARZ3NDEKTSV4RRFFQ69G5FAV",
                s.client_id
            ),
            "invalid_connection",
        ),
        (
            format!(
                "client_id={}&redirect_uri={r}&state=s1&domain_hint=unverified.example",
                s.client_id
            ),
            "invalid_connection",
        ),
        (
            format!(
                "client_id={}&redirect_uri={r}&state=s1&response_type=token&organization={}",
                s.client_id, s.org_id
            ),
            "unsupported_response_type",
        ),
        (
            format!("client_id={}&redirect_uri={r}&state=s1", s.client_id),
            "invalid_request",
        ),
    ] {
        let resp = get(query.clone()).await.unwrap();
        assert_eq!(resp.status(), 302, "{query}");
        let to = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
        assert!(to.as_str().starts_with(&s.redirect_uri));
        assert_eq!(param(&to, "error").as_deref(), Some(error), "{query}");
        assert_eq!(param(&to, "state").as_deref(), Some("s1"));
    }

    // An OIDC connection routes through the same door; a provider that cannot be discovered is a server_error.
    let (_, oidc) = parts(
        s.app
            .post(
                "/connections",
                json!({"organization_id": s.org_id, "name": "OIDC", "type": "oidc",
                       "oidc": {"issuer": "https://op.example", "client_id": "c", "client_secret": "s"}}),
            )
            .await,
    )
    .await;
    let oidc_id = oidc["id"].as_str().unwrap();
    assert_eq!(
        s.app
            .post(&format!("/connections/{oidc_id}/activate"), json!({}))
            .await
            .status(),
        200
    );
    let resp = get(format!(
        "client_id={}&redirect_uri={r}&state=s1&connection={oidc_id}",
        s.client_id
    ))
    .await
    .unwrap();
    let to = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(param(&to, "error").as_deref(), Some("server_error"));
}

#[tokio::test]
async fn domain_hint_routes_through_a_verified_domain_and_trusts_its_emails() {
    let s = setup(json!({})).await;
    let (status, body) = parts(
        s.app
            .put(
                &format!("/organizations/{}", s.org_id),
                json!({"domain_data": [{"domain": "acme-sso.test", "state": "verified"}]}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (request_id, relay) = s.start("domain_hint=acme-sso.test").await;
    let spec = ResponseSpec {
        name_id: "ada@acme-sso.test".into(),
        attributes: vec![("email".into(), vec!["Ada@Acme-SSO.test".into()])],
        ..s.spec(Some(&request_id))
    };
    let (_, to) = s.post_acs(&signed_response(&s.idp, &spec).unwrap(), Some(&relay)).await;
    let (status, body) = s.token(&param(&to.unwrap(), "code").unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["profile"]["email"], "ada@acme-sso.test");
    assert_eq!(body["profile"]["email_trusted"], true);
}

#[tokio::test]
async fn pkce_binds_the_code_to_the_verifier() {
    let s = setup(json!({})).await;
    let verifier = "a-verifier-of-enough-length-0123456789-abcdefghij";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
    let (request_id, relay) = s
        .start(&format!(
            "connection={}&code_challenge={challenge}&code_challenge_method=S256",
            s.conn["id"].as_str().unwrap()
        ))
        .await;
    let (_, to) = s
        .post_acs(
            &signed_response(&s.idp, &s.spec(Some(&request_id))).unwrap(),
            Some(&relay),
        )
        .await;
    let code = param(&to.unwrap(), "code").unwrap();
    let token = |v: &str| {
        s.app.post(
            "/sso/token",
            json!({"client_id": s.client_id, "grant_type": "authorization_code", "code": code, "code_verifier": v}),
        )
    };
    assert_eq!(token("wrong").await.status(), 400);
    assert_eq!(token(verifier).await.status(), 200);
}

#[tokio::test]
async fn an_expired_login_is_refused_and_its_token_is_not_echoed() {
    let s = setup(json!({})).await;
    let (request_id, relay) = s.start(&format!("connection={}", s.conn["id"].as_str().unwrap())).await;
    s.app.clock.advance(chrono::Duration::minutes(11));
    let xml = signed_response(&s.idp, &s.spec(Some(&request_id))).unwrap();
    let (status, to) = s.post_acs(&xml, Some(&relay)).await;
    assert_eq!(status, 302);
    let to = to.unwrap();
    assert!(
        param(&to, "error_description")
            .unwrap()
            .contains("unsolicited_in_response_to"),
        "{to}"
    );
    assert_eq!(param(&to, "state"), None, "the login token stays with us");
    assert!(param(&to, "code").is_none());
}

#[tokio::test]
async fn a_refused_response_spends_its_login() {
    let s = setup(json!({})).await;
    let conn_id = s.conn["id"].as_str().unwrap();
    let (request_id, relay) = s.start(&format!("connection={conn_id}")).await;
    let unsigned = signed_response(
        &s.idp,
        &ResponseSpec {
            signed: Signed::Neither,
            ..s.spec(Some(&request_id))
        },
    )
    .unwrap();
    let (status, to) = s.post_acs(&unsigned, Some(&relay)).await;
    assert_eq!(status, 302);
    assert_eq!(param(&to.unwrap(), "error").as_deref(), Some("access_denied"));

    // A good response for the same login now answers a request this server no longer waits for.
    let good = signed_response(&s.idp, &s.spec(Some(&request_id))).unwrap();
    let (status, to) = s.post_acs(&good, Some(&relay)).await;
    assert_eq!(status, 302);
    let to = to.unwrap();
    assert_eq!(param(&to, "error").as_deref(), Some("access_denied"), "{to}");
    assert!(param(&to, "code").is_none(), "{to}");
}
