//! One test per error class of API.md: status and `code`, never a 500.

use crate::helpers::{parts, spawn_app};
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = spawn_app().await;
    let resp = app
        .request(reqwest::Method::POST, "/organizations")
        .header("content-type", "application/json")
        .body("{\"name\":")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("x-request-id"));
    let (status, body) = parts(resp).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
}

#[tokio::test]
async fn wrong_field_types_are_a_400() {
    let app = spawn_app().await;
    for body in [
        json!({"name": 5}),
        json!({"name": true}),
        json!({"name": "x", "metadata": "flat"}),
        json!({"name": "x", "domain_data": {}}),
        json!(["not", "an", "object"]),
    ] {
        let (status, err) = parts(app.post("/organizations", body.clone()).await).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (400, Some("invalid_request")),
            "{body}: {err}"
        );
    }
    let (status, _) = parts(app.post("/organizations", json!({})).await).await;
    assert_eq!(status, 400, "missing required field");
}

#[tokio::test]
async fn blank_or_oversized_fields_are_a_422_naming_the_field() {
    let app = spawn_app().await;
    let long = "x".repeat(300);
    for (body, field) in [
        (json!({"name": "  "}), "name"),
        (json!({"name": long}), "name"),
        (
            json!({"name": "ok", "domain_data": [{"domain": "not a domain"}]}),
            "domain_data[0].domain",
        ),
        (json!({"name": "ok", "metadata": {"k": "v".repeat(501)}}), "metadata"),
    ] {
        let (status, err) = parts(app.post("/organizations", body).await).await;
        assert_eq!((status, err["code"].as_str()), (422, Some("validation_failed")));
        assert_eq!(err["errors"][0]["field"], field);
    }
}

#[tokio::test]
async fn oversize_bodies_are_a_413() {
    let app = spawn_app().await;
    let huge = json!({"name": "x".repeat(2 * 1024 * 1024)});
    let (status, err) = parts(app.post("/organizations", huge).await).await;
    assert_eq!((status, err["code"].as_str()), (413, Some("payload_too_large")));
}

#[tokio::test]
async fn bad_cursors_and_limits_are_refused() {
    let app = spawn_app().await;
    for (query, status) in [
        ("after=garbage", 400),
        ("before=user_01ARZ3NDEKTSV4RRFFQ69G5FAV", 400),
        ("limit=0", 422),
        ("limit=101", 422),
        ("order=sideways", 400),
    ] {
        let (got, body) = parts(app.get(&format!("/organizations?{query}")).await).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(body["code"].is_string());
    }
    let (status, body) = parts(app.get("/events?after=event_01ARZ3NDEKTSV4RRFFQ69G5FAV").await).await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (400, Some("invalid_cursor"))
    );
}

#[tokio::test]
async fn missing_invalid_and_revoked_keys_are_a_401() {
    let app = spawn_app().await;
    let url = format!("{}/organizations", app.base);
    let cases = [
        app.http.get(&url),
        app.http.get(&url).bearer_auth("gh_sk_notarealkey"),
        app.http.get(&url).bearer_auth(""),
        app.http.get(&url).header("authorization", "Basic Zm9vOmJhcg=="),
    ];
    for req in cases {
        let (status, body) = parts(req.send().await.unwrap()).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")), "{body}");
    }
}

#[tokio::test]
async fn unknown_ids_are_a_404_and_wrong_kinds_too() {
    let app = spawn_app().await;
    for path in [
        "/organizations/org_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "/organizations/user_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "/organizations/nonsense",
        "/user_management/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "/user_management/organization_memberships/om_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "/roles/nope",
        "/no/such/route",
    ] {
        let (status, body) = parts(app.get(path).await).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "{path}");
    }
}

#[tokio::test]
async fn duplicates_are_a_409() {
    let app = spawn_app().await;
    app.create_user("dup@example.com").await;
    let (status, body) = parts(
        app.post("/user_management/users", json!({"email": "DUP@example.com"}))
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("email_taken")));
}

#[tokio::test]
async fn wrong_methods_are_a_405() {
    let app = spawn_app().await;
    let (status, body) = parts(
        app.request(reqwest::Method::PATCH, "/organizations")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (405, Some("method_not_allowed")));
}
