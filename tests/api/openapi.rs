use crate::helpers::spawn_app;
use serde_json::Value;

/// `sdk-gen/openapi.json` is what SDKs are generated from; it must match what the server serves.
#[tokio::test]
async fn committed_openapi_document_matches_the_served_one() {
    let app = spawn_app().await;
    let served: Value = app
        .http
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let committed: Value = serde_json::from_str(include_str!("../../sdk-gen/openapi.json")).unwrap();
    assert!(
        served == committed,
        "sdk-gen/openapi.json is stale: run `make openapi` and commit it"
    );
    for path in [
        "/organizations",
        "/user_management/users",
        "/events",
        "/api_keys",
        "/ready",
    ] {
        assert!(served["paths"].get(path).is_some(), "{path} documented");
    }
}
