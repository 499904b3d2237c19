use crate::helpers::{parts, spawn_app};
use serde_json::{json, Value};

fn post_with_key(app: &crate::helpers::TestApp, key: &str, body: Value) -> reqwest::RequestBuilder {
    app.request(reqwest::Method::POST, "/organizations")
        .header("Idempotency-Key", key)
        .json(&body)
}

async fn count_named(app: &crate::helpers::TestApp, name: &str) -> usize {
    let list: Value = app
        .get(&format!("/organizations?search={name}&limit=100"))
        .await
        .json()
        .await
        .unwrap();
    list["data"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_retry_replays_the_first_response_and_writes_nothing_twice() {
    let app = spawn_app().await;
    let (s1, first) = parts(
        post_with_key(&app, "k-1", json!({"name": "Once"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let resp = post_with_key(&app, "k-1", json!({"name": "Once"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let (s2, second) = parts(resp).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first, second);
    assert_eq!(count_named(&app, "Once").await, 1);
    assert_eq!(app.events_of("organization.created").await.len(), 1);

    let (status, conflict) = parts(
        post_with_key(&app, "k-1", json!({"name": "Different"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, conflict["code"].as_str()), (409, Some("idempotency_conflict")));

    let (status, _) = parts(
        post_with_key(&app, "k-2", json!({"name": "Once"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "another key is another request");
}

#[tokio::test]
async fn concurrent_creates_with_one_key_produce_one_organization() {
    let app = spawn_app().await;
    let sends = (0..8).map(|_| post_with_key(&app, "same-key", json!({"name": "Racer"})).send());
    let statuses: Vec<u16> = futures::future::join_all(sends)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    assert!(statuses.contains(&201));
    assert_eq!(count_named(&app, "Racer").await, 1);
}

#[tokio::test]
async fn keys_expire_after_a_day() {
    let app = spawn_app().await;
    assert_eq!(
        post_with_key(&app, "daily", json!({"name": "Day"}))
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    app.clock.advance(chrono::Duration::hours(25));
    assert_eq!(
        post_with_key(&app, "daily", json!({"name": "Day"}))
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    assert_eq!(count_named(&app, "Day").await, 2);
}

/// Every text column of every stored idempotency record, for "is this secret at rest?".
async fn stored_idempotency_text(app: &crate::helpers::TestApp) -> Vec<String> {
    use sea_orm::EntityTrait;
    entities::idempotency_keys::Entity::find()
        .all(app.ctx.db.read())
        .await
        .unwrap()
        .into_iter()
        .flat_map(|r| [r.id, r.request_hash, r.response_body.unwrap_or_default()])
        .collect()
}

#[tokio::test]
async fn secrets_created_under_an_idempotency_key_are_not_stored_in_plaintext_and_still_replay() {
    let app = spawn_app().await;
    let creates = [
        ("/api_keys", json!({"name": "ci"}), "key"),
        (
            "/webhook_endpoints",
            json!({"url": "https://hooks.example.test/in", "events": ["user.created"]}),
            "secret",
        ),
    ];
    for (path, body, field) in creates {
        let send = || {
            app.request(reqwest::Method::POST, path)
                .header("Idempotency-Key", format!("secret-{path}"))
                .json(&body)
                .send()
        };
        let (status, first) = parts(send().await.unwrap()).await;
        assert_eq!(status, 201, "{path}: {first}");
        let secret = first[field].as_str().unwrap().to_owned();
        assert!(secret.len() >= 16, "{path}: {secret}");

        for column in stored_idempotency_text(&app).await {
            assert!(!column.contains(&secret), "{path}: the secret is stored in plaintext");
        }

        let resp = send().await.unwrap();
        assert_eq!(
            resp.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()),
            Some("true"),
            "{path}"
        );
        let (status, again) = parts(resp).await;
        assert_eq!(status, 201, "{path}");
        assert_eq!(
            again[field].as_str(),
            Some(secret.as_str()),
            "{path}: a retry gets the same secret"
        );
    }
}
