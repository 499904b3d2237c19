use crate::helpers::{parts, spawn_app};
use entities::api_keys;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

#[tokio::test]
async fn keys_are_shown_once_stored_hashed_and_revocable() {
    let app = spawn_app().await;
    let (status, created) = parts(app.post("/api_keys", json!({"name": "ci"})).await).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["key"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("gh_sk_"));
    assert!(secret.starts_with(created["prefix"].as_str().unwrap()));

    let stored = api_keys::Entity::find().all(app.ctx.db.read()).await.unwrap();
    assert!(
        stored
            .iter()
            .all(|k| k.key_hash != secret && !k.key_hash.contains(&secret[6..])),
        "only a hash is stored"
    );

    let listed: Value = app.get("/api_keys").await.json().await.unwrap();
    assert!(
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k.get("key").is_none()),
        "list never shows secrets"
    );

    let with_new = app
        .http
        .get(format!("{}/organizations", app.base))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(with_new.status(), 200);
    let listed: Value = app.get("/api_keys").await.json().await.unwrap();
    let used = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == created["id"])
        .unwrap();
    assert!(used["last_used_at"].is_string(), "last_used_at recorded");

    assert_eq!(
        app.delete(&format!("/api_keys/{}", created["id"].as_str().unwrap()))
            .await
            .status(),
        204
    );
    let (status, body) = parts(
        app.http
            .get(format!("{}/organizations", app.base))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthorized")),
        "a revoked key stops working at once"
    );
}

#[tokio::test]
async fn clients_register_redirect_uris() {
    let app = spawn_app().await;
    let listed: Value = app.get("/clients").await.json().await.unwrap();
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        1,
        "a default client exists from first start"
    );

    let (status, client) = parts(
        app.post(
            "/clients",
            json!({"name": "Web", "redirect_uris": ["https://app.example.com/callback"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{client}");
    assert!(client["id"].as_str().unwrap().starts_with("client_"));
    let (status, bad) = parts(
        app.post(
            "/clients",
            json!({"name": "Bad", "redirect_uris": ["javascript:alert(1)"]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, bad["errors"][0]["field"].as_str()),
        (422, Some("redirect_uris[0]"))
    );

    let id = client["id"].as_str().unwrap();
    let patched = app
        .request(reqwest::Method::PATCH, &format!("/clients/{id}"))
        .json(&json!({"logout_uris": ["https://app.example.com/"]}))
        .send()
        .await
        .unwrap();
    let (status, patched) = parts(patched).await;
    assert_eq!(
        (status, patched["logout_uris"][0].as_str()),
        (200, Some("https://app.example.com/"))
    );
    assert_eq!(patched["redirect_uris"][0], "https://app.example.com/callback");
    assert_eq!(app.delete(&format!("/clients/{id}")).await.status(), 204);
    assert_eq!(app.get(&format!("/clients/{id}")).await.status(), 404);
}
