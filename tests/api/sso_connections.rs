//! SSO connections over the API: create from fields or IdP metadata, several certificates,
//! activation rules, events, SP metadata, and policy `sso_required` seeing them.

use crate::helpers::{parts, spawn_app, TestApp};
use crate::saml_idp::TestIdp;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::Method;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

pub fn cert_b64(idp: &TestIdp) -> String {
    STANDARD.encode(&idp.certificate_der)
}

pub fn idp_metadata(entity_id: &str, sso_url: &str, certs: &[String]) -> String {
    let keys: String = certs
        .iter()
        .map(|c| {
            format!(
                r#"<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{c}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#
            )
        })
        .collect();
    format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{keys}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{sso_url}"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
    )
}

pub async fn create_saml(app: &TestApp, org_id: &str, saml: Value) -> (u16, Value) {
    parts(
        app.post(
            "/connections",
            json!({"organization_id": org_id, "name": "Okta", "type": "saml", "saml": saml}),
        )
        .await,
    )
    .await
}

async fn patch(app: &TestApp, id: &str, body: Value) -> (u16, Value) {
    parts(
        app.request(Method::PATCH, &format!("/connections/{id}"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn create_from_metadata_with_two_certificates_then_activate() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let org_id = org["id"].as_str().unwrap();
    let (old, new) = (TestIdp::generate().unwrap(), TestIdp::generate().unwrap());
    let md = idp_metadata(
        "https://idp.acme.test/e",
        "https://idp.acme.test/sso",
        &[cert_b64(&old), cert_b64(&new)],
    );

    let (status, conn) = create_saml(&app, org_id, json!({"idp_metadata_xml": md})).await;
    assert_eq!(status, 201, "{conn}");
    let id = conn["id"].as_str().unwrap();
    assert!(id.starts_with("conn_"));
    assert_eq!(conn["state"], "draft");
    assert_eq!(conn["type"], "saml");
    assert_eq!(conn["saml"]["idp_entity_id"], "https://idp.acme.test/e");
    assert_eq!(conn["saml"]["idp_sso_url"], "https://idp.acme.test/sso");
    assert_eq!(conn["saml"]["idp_certificates"].as_array().unwrap().len(), 2);
    assert_eq!(
        conn["saml"]["acs_url"],
        format!("{}/sso/saml/acs/{id}", app.ctx.config.public_url)
    );
    assert!(conn["oidc"].is_null());

    let (status, active) = parts(app.post(&format!("/connections/{id}/activate"), json!({})).await).await;
    assert_eq!(status, 200, "{active}");
    assert_eq!(active["state"], "active");
    let activated = app.events_of("connection.activated").await;
    assert_eq!(activated.len(), 1);
    assert_eq!(activated[0]["data"]["id"], id);

    // Rotation: the old certificate goes, the new one stays.
    let (status, rotated) = patch(&app, id, json!({"saml": {"idp_certificates": [cert_b64(&new)]}})).await;
    assert_eq!(status, 200, "{rotated}");
    let certs = rotated["saml"]["idp_certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0]["certificate"], cert_b64(&new));

    // An active connection cannot lose its last certificate.
    let (status, body) = patch(&app, id, json!({"saml": {"idp_certificates": []}})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "config_incomplete");
    let (_, still) = parts(app.get(&format!("/connections/{id}")).await).await;
    assert_eq!(
        still["saml"]["idp_certificates"].as_array().unwrap().len(),
        1,
        "rolled back"
    );

    let (status, off) = parts(app.post(&format!("/connections/{id}/deactivate"), json!({})).await).await;
    assert_eq!((status, off["state"].as_str()), (200, Some("inactive")));
    assert_eq!(app.events_of("connection.deactivated").await.len(), 1);

    let (status, list) = parts(
        app.get(&format!(
            "/connections?organization_id={org_id}&type=saml&state=inactive"
        ))
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (_, none) = parts(
        app.get(&format!("/connections?organization_id={org_id}&state=active"))
            .await,
    )
    .await;
    assert!(none["data"].as_array().unwrap().is_empty());

    assert_eq!(app.delete(&format!("/connections/{id}")).await.status(), 204);
    assert_eq!(app.get(&format!("/connections/{id}")).await.status(), 404);
    assert_eq!(app.events_of("connection.deleted").await.len(), 1);
}

#[tokio::test]
async fn refuses_bad_input_and_incomplete_activation() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let org_id = org["id"].as_str().unwrap();
    let cases = [
        (
            json!({"idp_certificates": ["not a certificate"]}),
            "saml.idp_certificates[0]",
            "invalid_certificate",
        ),
        (
            json!({"idp_sso_url": "javascript:alert(1)"}),
            "saml.idp_sso_url",
            "invalid_url",
        ),
        (
            json!({"idp_metadata_xml": "<nope/>"}),
            "saml.idp_metadata",
            "invalid_metadata",
        ),
    ];
    for (saml, field, code) in cases {
        let (status, body) = create_saml(&app, org_id, saml.clone()).await;
        assert_eq!(status, 422, "{saml} → {body}");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
        assert_eq!(body["errors"][0]["code"], code, "{body}");
    }
    let (status, body) = create_saml(&app, "org_01ARZ3NDEKTSV4RRFFQ69G5FAV", json!({})).await;
    assert_eq!(status, 422, "{body}");

    let (status, draft) = create_saml(&app, org_id, json!({"idp_entity_id": "https://idp/e"})).await;
    assert_eq!(status, 201);
    let (status, body) = parts(
        app.post(
            &format!("/connections/{}/activate", draft["id"].as_str().unwrap()),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "config_incomplete");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["saml.idp_sso_url", "saml.idp_certificates"]);
    assert!(app.events_of("connection.activated").await.is_empty());
}

#[tokio::test]
async fn oidc_connection_keeps_its_secret_sealed_and_write_only() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let (status, conn) = parts(
        app.post(
            "/connections",
            json!({"organization_id": org["id"], "name": "Google", "type": "oidc",
                   "oidc": {"issuer": "https://accounts.example.com", "client_id": "abc", "client_secret": "s3cr3t-value"}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{conn}");
    assert_eq!(conn["oidc"]["has_client_secret"], true);
    assert!(!conn.to_string().contains("s3cr3t-value"));
    let row = entities::sso_connections::Entity::find_by_id(conn["id"].as_str().unwrap())
        .one(app.ctx.db.read())
        .await
        .unwrap()
        .unwrap();
    assert!(!row.oidc_client_secret_sealed.unwrap().contains("s3cr3t-value"));
}

#[tokio::test]
async fn sp_metadata_names_entity_acs_and_certificate() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let (_, conn) = create_saml(&app, org["id"].as_str().unwrap(), json!({"sign_requests": true})).await;
    let id = conn["id"].as_str().unwrap();
    let resp = app
        .http
        .get(format!("{}/sso/saml/metadata/{id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/samlmetadata+xml"));
    let xml = resp.text().await.unwrap();
    let md: samael::metadata::EntityDescriptor = xml.parse().unwrap();
    assert_eq!(md.entity_id.as_deref(), conn["saml"]["sp_entity_id"].as_str());
    let sp = &md.sp_sso_descriptors.unwrap()[0];
    assert_eq!(
        sp.assertion_consumer_services[0].location,
        conn["saml"]["acs_url"].as_str().unwrap()
    );
    let cert = sp.key_descriptors.as_ref().unwrap()[0]
        .key_info
        .x509_data
        .as_ref()
        .unwrap()
        .certificates[0]
        .clone();
    assert!(openssl::x509::X509::from_der(&STANDARD.decode(cert).unwrap()).is_ok());
    assert_eq!(
        app.http
            .get(format!(
                "{}/sso/saml/metadata/conn_01ARZ3NDEKTSV4RRFFQ69G5FAV",
                app.base
            ))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn sso_required_needs_an_active_connection() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let org_id = org["id"].as_str().unwrap();
    let (status, _) = parts(
        app.put(
            &format!("/organizations/{org_id}/policy"),
            json!({"sso_required": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    let idp = TestIdp::generate().unwrap();
    let (_, conn) = create_saml(
        &app,
        org_id,
        json!({"idp_entity_id": "https://idp/e", "idp_sso_url": "https://idp/sso", "idp_certificates": [cert_b64(&idp)]}),
    )
    .await;
    let id = conn["id"].as_str().unwrap();
    assert_eq!(
        app.post(&format!("/connections/{id}/activate"), json!({}))
            .await
            .status(),
        200
    );
    let (status, body) = parts(
        app.put(
            &format!("/organizations/{org_id}/policy"),
            json!({"sso_required": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}
