//! Attack (SSRF): a tenant's admin points a SAML metadata URL or an OIDC issuer at what only the
//! server can reach (the cloud metadata service, the private network, loopback), directly, by a
//! name that resolves there, or by a redirect. Each is refused before any request leaves.

use crate::helpers::{spawn_app, spawn_app_with};
use crate::saml_idp::TestIdp;
use crate::sso_connections::{cert_b64, create_saml, idp_metadata};
use gatehouse::clock::FixedClock;
use gatehouse::http::cidrs::Cidrs;
use gatehouse::http::egress::Egress;
use gatehouse::oidc::{ClientConfig, HttpLimits, Oidc, Provider};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A loopback HTTP server: `/metadata` serves IdP metadata, `/to-metadata-service` and
/// `/to-private` redirect inward, `/.well-known/openid-configuration` names a JWKS on the
/// metadata service. It counts the requests it gets.
struct Lure {
    port: u16,
    hits: Arc<AtomicUsize>,
}

async fn lure() -> Lure {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let idp = TestIdp::generate().unwrap();
    let metadata = idp_metadata(
        "https://idp.lure.test/e",
        "https://idp.lure.test/sso",
        &[cert_b64(&idp)],
    );
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            counted.fetch_add(1, Ordering::SeqCst);
            let metadata = metadata.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let discovery = json!({
                    "issuer": format!("http://127.0.0.1:{port}"),
                    "authorization_endpoint": format!("http://127.0.0.1:{port}/auth"),
                    "token_endpoint": format!("http://127.0.0.1:{port}/token"),
                    "jwks_uri": "http://169.254.169.254/latest/meta-data/iam",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                })
                .to_string();
                let response = match path.as_str() {
                    "/metadata" => format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{metadata}",
                        metadata.len()
                    ),
                    "/to-metadata-service" => "HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/latest/meta-data/\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned(),
                    "/to-private" => "HTTP/1.1 302 Found\r\nlocation: http://10.255.255.1/metadata\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned(),
                    "/.well-known/openid-configuration" => format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{discovery}",
                        discovery.len()
                    ),
                    _ => "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned(),
                };
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    Lure { port, hits }
}

fn refusal_of(body: &Value) -> &str {
    assert_eq!(body["errors"][0]["field"], "saml.idp_metadata_url", "{body}");
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn saml_metadata_urls_naming_internal_addresses_are_refused_before_any_request() {
    let app = spawn_app_with(|c| c.outbound_allowed_networks = Cidrs::default()).await;
    let org = app.create_org("Lure Corp").await;
    let org_id = org["id"].as_str().unwrap();
    let lure = lure().await;
    for url in [
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::ffff:169.254.169.254]/latest/meta-data/".to_owned(),
        "http://10.0.0.1/metadata".to_owned(),
        format!("http://127.0.0.1:{}/metadata", lure.port),
        // A name is refused by what it resolves to.
        format!("http://localhost:{}/metadata", lure.port),
    ] {
        let (status, body) = create_saml(&app, org_id, json!({"idp_metadata_url": url})).await;
        assert_eq!(status, 422, "{url}: {body}");
        assert!(
            refusal_of(&body).contains("not a public internet address"),
            "{url}: {body}"
        );
    }
    assert_eq!(lure.hits.load(Ordering::SeqCst), 0, "no request reached loopback");
}

#[tokio::test]
async fn a_redirect_to_an_internal_address_is_refused_even_from_an_allowed_host() {
    // The test app allows loopback (where the lure listens), nothing else inside.
    let app = spawn_app().await;
    let org = app.create_org("Bounce Corp").await;
    let org_id = org["id"].as_str().unwrap();
    let lure = lure().await;
    for path in ["/to-metadata-service", "/to-private"] {
        let url = format!("http://127.0.0.1:{}{path}", lure.port);
        let (status, body) = create_saml(&app, org_id, json!({"idp_metadata_url": url})).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert!(
            refusal_of(&body).contains("not a public internet address"),
            "{path}: {body}"
        );
    }
    let url = format!("http://127.0.0.1:{}/metadata", lure.port);
    let (status, body) = create_saml(&app, org_id, json!({"idp_metadata_url": url})).await;
    assert_eq!(status, 201, "an allowed network still works: {body}");
}

async fn discover(egress: Egress, issuer: String) -> String {
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let oidc = Oidc::new(clock, HttpLimits::default(), Arc::new(egress)).unwrap();
    let client = ClientConfig {
        client_id: "lured".into(),
        client_secret: None,
    };
    let refused = oidc
        .begin(
            &Provider::Discover { issuer },
            &client,
            "https://gatehouse.test/sso/oidc/callback",
            &[],
        )
        .await
        .expect_err("discovery must fail");
    refused.to_string()
}

#[tokio::test]
async fn oidc_discovery_and_the_endpoints_it_names_must_be_public() {
    let lure = lure().await;
    for issuer in [
        format!("http://127.0.0.1:{}", lure.port),
        format!("http://localhost:{}", lure.port),
        "http://169.254.169.254".to_owned(),
    ] {
        let reason = discover(Egress::default(), issuer.clone()).await;
        assert!(reason.contains("not a public internet address"), "{issuer}: {reason}");
    }
    assert_eq!(lure.hits.load(Ordering::SeqCst), 0, "no request reached loopback");

    // Loopback allowed: the document is fetched, but the JWKS it names on the metadata service is not.
    let loopback = Egress::new(Cidrs::parse("127.0.0.0/8").unwrap());
    let reason = discover(loopback, format!("http://127.0.0.1:{}", lure.port)).await;
    assert!(
        reason.contains("169.254.169.254 is not a public internet address"),
        "{reason}"
    );
    assert_eq!(
        lure.hits.load(Ordering::SeqCst),
        1,
        "only the discovery document was fetched"
    );
}
