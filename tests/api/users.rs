use crate::helpers::{parts, spawn_app};
use serde_json::{json, Value};

#[tokio::test]
async fn user_crud_and_case_insensitive_email() {
    let app = spawn_app().await;
    let (status, user) = parts(
        app.post(
            "/user_management/users",
            json!({"email": "Ann@Example.com", "first_name": "Ann", "email_verified": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{user}");
    assert_eq!(user["email"], "Ann@Example.com");
    assert_eq!(user["email_verified"], true);

    let (status, dup) = parts(
        app.post("/user_management/users", json!({"email": "ann@EXAMPLE.com"}))
            .await,
    )
    .await;
    assert_eq!((status, dup["code"].as_str()), (409, Some("email_taken")));

    let found: Value = app
        .get("/user_management/users?email=ANN@example.com")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["data"][0]["id"], user["id"]);

    let id = user["id"].as_str().unwrap();
    let (status, changed) = parts(
        app.put(
            &format!("/user_management/users/{id}"),
            json!({"email": "ann@new.example.com", "last_name": "Lee"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["email_verified"], false, "a new address is unverified");
    assert_eq!(changed["first_name"], "Ann", "absent fields are kept");
    assert_eq!(changed["last_name"], "Lee");

    assert_eq!(app.delete(&format!("/user_management/users/{id}")).await.status(), 204);
    assert_eq!(app.get(&format!("/user_management/users/{id}")).await.status(), 404);
    assert_eq!(app.events_of("user.created").await.len(), 1);
    assert_eq!(app.events_of("user.deleted").await.len(), 1);
}

#[tokio::test]
async fn users_filter_by_organization() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let member = app.create_user("member@acme.test").await;
    app.create_user("outsider@else.test").await;
    let resp = app
        .post(
            "/user_management/organization_memberships",
            json!({"user_id": member["id"], "organization_id": org["id"]}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let list: Value = app
        .get(&format!(
            "/user_management/users?organization_id={}",
            org["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    let emails: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["member@acme.test"]);
}

#[tokio::test]
async fn invalid_emails_are_refused_with_field_errors() {
    let app = spawn_app().await;
    for email in ["", "no-at-sign", "a@b", "spaces in@example.com"] {
        let (status, body) = parts(app.post("/user_management/users", json!({"email": email})).await).await;
        assert_eq!(status, 422, "{email}");
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["errors"][0]["field"], "email", "{email}");
    }
}
