//! The environment's social provider registrations (`/sso/social_providers/{provider}`): Google registered
//! through the API (none in the configuration file) signs a user in against panva's oidc-provider posing as
//! Google; the client secret is write-only, absent from answers, events and logs, and stored sealed.

use crate::helpers::{captured_logs, parts};
use crate::sso_oidc::{param, SECRET};
use crate::sso_social::{gmail, setup_with, Setup, VERIFIER};
use entities::social_providers as rows;
use gatehouse::sso::social_providers::client_secret;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use url::Url;

async fn register(s: &Setup, body: Value) -> (u16, Value) {
    parts(s.app.put("/sso/social_providers/google", body).await).await
}

async fn stored(s: &Setup) -> Option<rows::Model> {
    rows::Entity::find()
        .filter(rows::Column::Provider.eq("google"))
        .one(s.app.ctx.db.read())
        .await
        .unwrap()
}

async fn signs_in(s: &Setup, login: &str) -> Result<Value, String> {
    let (status, location, _) = s.sign_in(login).await;
    let location = location.ok_or(format!("no redirect ({status})"))?;
    let code = param(&location, "code").ok_or(format!("refused: {location}"))?;
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}))
        .await;
    (status == 200)
        .then_some(body.clone())
        .ok_or(format!("{status} {body}"))
}

/// `/sso/authorize?provider=google`'s answer: to the provider, or an error back to the client.
async fn authorize_error(s: &Setup) -> Option<String> {
    let resp = s.authorize("google").await;
    let location = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    param(&location, "error")
}

#[tokio::test]
async fn google_registered_through_the_api_signs_users_in_and_its_secret_stays_sealed() {
    let s = setup_with(json!({}), false).await;
    // Not in the configuration file: refused until registered.
    assert_eq!(authorize_error(&s).await.as_deref(), Some("invalid_connection"));

    let (status, created) = register(
        &s,
        json!({"client_id": "rp", "client_secret": SECRET, "base_url": s.issuer()}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["object"], "social_provider");
    assert!(created["id"].as_str().unwrap().starts_with("social_provider_"));
    assert_eq!(created["provider"], "google");
    assert_eq!(created["client_id"], "rp");
    assert_eq!(created["client_secret_set"], true);
    assert_eq!(created["enabled"], true);
    assert_eq!(created["base_url"], s.issuer().as_str());
    assert_eq!(created["redirect_uri"], s.callback.as_str());
    assert!(created.get("client_secret").is_none(), "{created}");

    let ann = gmail("registered");
    let signed_in = signs_in(&s, &ann).await.unwrap();
    assert_eq!(signed_in["user"]["email"], ann.as_str());
    assert_eq!(signed_in["authentication_method"], "GoogleOAuth");

    // Stored sealed: the column is not the secret, and unseals back to it.
    let row = stored(&s).await.unwrap();
    assert!(!row.client_secret_sealed.contains(SECRET));
    assert_eq!(client_secret(&s.app.ctx, &row).unwrap().expose_secret(), SECRET);

    // Write-only: no answer, event or log line carries it.
    let (_, one) = parts(s.app.get("/sso/social_providers/google").await).await;
    let (_, list) = parts(s.app.get("/sso/social_providers").await).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["data"][0], one);
    assert_eq!(one["client_secret_set"], true);
    let events = s.app.events_of("social_provider.created").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["data"]["provider"], "google");
    assert_eq!(events[0]["data"]["client_id"], "rp");
    for text in [
        created.to_string(),
        one.to_string(),
        list.to_string(),
        json!(events).to_string(),
    ] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains(&row.client_secret_sealed));
    }
    assert!(!captured_logs().contains(SECRET));
}

#[tokio::test]
async fn the_registration_overrides_the_file_until_it_is_deleted() {
    // Google is also in the configuration file, with the right secret.
    let s = setup_with(json!({}), true).await;
    let ann = gmail("override");
    signs_in(&s, &ann).await.unwrap();

    // A registration with a secret the provider does not know takes over at once: the code exchange fails.
    let (status, body) = register(
        &s,
        json!({"client_id": "rp", "client_secret": "not-the-secret", "base_url": s.issuer()}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let refused = signs_in(&s, &ann).await.unwrap_err();
    assert!(refused.contains("access_denied"), "{refused}");

    // Replaced with the right secret, then disabled: the provider is off although the file names it.
    let (status, body) = register(
        &s,
        json!({"client_id": "rp", "client_secret": SECRET, "base_url": s.issuer()}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    signs_in(&s, &ann).await.unwrap();
    let (status, body) = register(&s, json!({"client_id": "rp", "base_url": s.issuer(), "enabled": false})).await;
    assert_eq!((status, &body["enabled"]), (200, &json!(false)), "{body}");
    assert_eq!(authorize_error(&s).await.as_deref(), Some("invalid_connection"));

    // Re-enabled without a secret: the stored one is kept.
    let (status, body) = register(&s, json!({"client_id": "rp", "base_url": s.issuer()})).await;
    assert_eq!(status, 200, "{body}");
    signs_in(&s, &ann).await.unwrap();
    let row = stored(&s).await.unwrap();
    assert_eq!(client_secret(&s.app.ctx, &row).unwrap().expose_secret(), SECRET);

    // Deleted: the configuration file applies again.
    let resp = s.app.delete("/sso/social_providers/google").await;
    assert_eq!(resp.status(), 204);
    assert!(stored(&s).await.is_none());
    signs_in(&s, &ann).await.unwrap();
    let resp = s.app.delete("/sso/social_providers/google").await;
    assert_eq!(resp.status(), 404);

    let updated = s.app.events_of("social_provider.updated").await;
    assert_eq!(updated.len(), 3, "{updated:?}");
    let deleted = s.app.events_of("social_provider.deleted").await;
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert!(!json!([updated, deleted]).to_string().contains(SECRET));
}

#[tokio::test]
async fn bad_registrations_are_refused_without_a_write() {
    let s = setup_with(json!({}), false).await;
    let cases = [
        (json!({"client_id": "rp"}), "client_secret"),
        (json!({"client_id": " ", "client_secret": "s"}), "client_id"),
        (
            json!({"client_id": "rp", "client_secret": "s", "base_url": "ftp://op.test"}),
            "base_url",
        ),
        (
            json!({"client_id": "rp", "client_secret": "s", "base_url": "not a url"}),
            "base_url",
        ),
        (
            json!({"client_id": "rp", "client_secret": "s", "tenant": "common"}),
            "tenant",
        ),
    ];
    for (body, field) in cases {
        let (status, error) = register(&s, body.clone()).await;
        assert_eq!(status, 422, "{body}: {error}");
        assert_eq!(error["code"], "validation_failed", "{error}");
        assert_eq!(error["errors"][0]["field"], field, "{error}");
    }
    // A Microsoft tenant is a path segment of the authority URL: nothing else.
    let (status, error) = parts(
        s.app
            .put(
                "/sso/social_providers/microsoft",
                json!({"client_id": "rp", "client_secret": "s", "tenant": "common/../evil"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, &error["errors"][0]["field"]),
        (422, &json!("tenant")),
        "{error}"
    );
    // Not a provider (the lowercase names only).
    for path in ["apple", "GoogleOAuth", "Google"] {
        let (status, error) = parts(
            s.app
                .put(
                    &format!("/sso/social_providers/{path}"),
                    json!({"client_id": "rp", "client_secret": "s"}),
                )
                .await,
        )
        .await;
        assert_eq!((status, error["code"].as_str()), (404, Some("not_found")), "{path}");
    }
    assert_eq!(s.app.get("/sso/social_providers/github").await.status(), 404);
    let (_, list) = parts(s.app.get("/sso/social_providers").await).await;
    assert_eq!(list["data"], json!([]), "{list}");
    assert!(s.app.events_of("social_provider.created").await.is_empty());
    // API-key authenticated.
    let resp = s
        .app
        .http
        .get(format!("{}/sso/social_providers", s.app.base))
        .bearer_auth("gh_sk_not_a_key")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}
