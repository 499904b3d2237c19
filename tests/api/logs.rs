use crate::helpers::{captured_logs, spawn_app};
use serde_json::{json, Value};

#[tokio::test]
async fn logs_carry_request_ids_and_never_keys() {
    let app = spawn_app().await;
    let created: Value = app
        .post("/api_keys", json!({"name": "logged"}))
        .await
        .json()
        .await
        .unwrap();
    let secret = created["key"].as_str().unwrap().to_owned();
    let resp = app
        .http
        .get(format!("{}/organizations", app.base))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    let request_id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    app.http
        .get(format!("{}/organizations", app.base))
        .bearer_auth("gh_sk_wrongwrongwrong")
        .send()
        .await
        .unwrap();

    let logs = captured_logs();
    assert!(
        logs.contains(&format!("request_id={request_id}")),
        "the request's lines carry its id"
    );
    for secret in [secret.as_str(), app.key.as_str(), "gh_sk_wrongwrongwrong"] {
        assert!(!logs.contains(secret), "a key leaked into the logs");
    }
}
