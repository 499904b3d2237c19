use crate::helpers::{parts, sign_up, spawn_app_with, TestApp, PASSWORD};
use serde_json::json;

async fn sign_in(app: &TestApp, email: &str, password: &str, ip: &str) -> reqwest::Response {
    let client_id = app.client_id().await;
    app.post(
        "/user_management/authenticate",
        json!({"client_id": client_id, "grant_type": "password", "email": email, "password": password, "ip_address": ip}),
    )
    .await
}

#[tokio::test]
async fn a_flood_against_one_account_is_limited_without_locking_out_others() {
    let app = spawn_app_with(|c| {
        c.rate_limit_account_burst = 3;
        c.rate_limit_ip_burst = 1000;
        c.rate_limit_period_secs = 6;
    })
    .await;
    sign_up(&app, "victim@example.com", true).await;
    sign_up(&app, "bystander@example.com", true).await;
    for _ in 0..3 {
        assert_eq!(
            sign_in(&app, "victim@example.com", "wrong password guess", "198.51.100.7")
                .await
                .status(),
            400
        );
    }
    let limited = sign_in(&app, "victim@example.com", "wrong password guess", "198.51.100.7").await;
    assert!(limited.headers().get("retry-after").is_some());
    let (status, body) = parts(limited).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")));
    let (status, _) = parts(sign_in(&app, "victim@example.com", PASSWORD, "203.0.113.9").await).await;
    assert_eq!(status, 429, "the account is protected from every IP during the window");

    assert_eq!(
        sign_in(&app, "bystander@example.com", PASSWORD, "198.51.100.7")
            .await
            .status(),
        200,
        "other accounts are untouched"
    );
    tokio::time::sleep(std::time::Duration::from_millis(6100)).await;
    assert_eq!(
        sign_in(&app, "victim@example.com", PASSWORD, "203.0.113.9")
            .await
            .status(),
        200,
        "the window passed"
    );
}

#[tokio::test]
async fn one_ip_spraying_many_accounts_is_limited() {
    let app = spawn_app_with(|c| {
        c.rate_limit_account_burst = 1000;
        c.rate_limit_ip_burst = 3;
        c.rate_limit_period_secs = 60;
    })
    .await;
    for i in 0..3 {
        assert_eq!(
            sign_in(&app, &format!("sprayed{i}@example.com"), PASSWORD, "192.0.2.1")
                .await
                .status(),
            400
        );
    }
    assert_eq!(
        sign_in(&app, "sprayed9@example.com", PASSWORD, "192.0.2.1")
            .await
            .status(),
        429
    );
    assert_eq!(
        sign_in(&app, "sprayed9@example.com", PASSWORD, "192.0.2.2")
            .await
            .status(),
        400,
        "another IP is not limited"
    );
    let (status, _) = parts(
        app.post("/user_management/magic_auth", json!({"email": "sprayed1@example.com"}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "the peer address of the vendor backend has its own budget");
}
