use crate::helpers::{parts, spawn_app};
use serde_json::{json, Value};

const PATH: &str = "/user_management/organization_memberships";

#[tokio::test]
async fn membership_lifecycle() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let user = app.create_user("ann@acme.test").await;

    let (status, m) = parts(
        app.post(PATH, json!({"user_id": user["id"], "organization_id": org["id"]}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(
        (
            m["role"]["slug"].as_str(),
            m["status"].as_str(),
            m["kind"].as_str(),
            m["source"].as_str()
        ),
        (Some("member"), Some("active"), Some("member"), Some("manual"))
    );

    let (status, dup) = parts(
        app.post(
            PATH,
            json!({"user_id": user["id"], "organization_id": org["id"], "role_slug": "admin"}),
        )
        .await,
    )
    .await;
    assert_eq!((status, dup["code"].as_str()), (409, Some("already_member")));

    let id = m["id"].as_str().unwrap();
    let (status, promoted) = parts(app.put(&format!("{PATH}/{id}"), json!({"role_slug": "admin"})).await).await;
    assert_eq!((status, promoted["role"]["slug"].as_str()), (200, Some("admin")));
    let (status, unknown) = parts(app.put(&format!("{PATH}/{id}"), json!({"role_slug": "wizard"})).await).await;
    assert_eq!(
        (status, unknown["errors"][0]["field"].as_str()),
        (422, Some("role_slug"))
    );

    let (status, off) = parts(app.put(&format!("{PATH}/{id}/deactivate"), json!({})).await).await;
    assert_eq!((status, off["status"].as_str()), (200, Some("inactive")));
    let active: Value = app
        .get(&format!(
            "{PATH}?organization_id={}&statuses=active",
            org["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(active["data"].as_array().unwrap().len(), 0);
    let (status, on) = parts(app.put(&format!("{PATH}/{id}/reactivate"), json!({})).await).await;
    assert_eq!((status, on["status"].as_str()), (200, Some("active")));

    let by_user: Value = app
        .get(&format!("{PATH}?user_id={}", user["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_user["data"][0]["id"], m["id"]);

    assert_eq!(app.delete(&format!("{PATH}/{id}")).await.status(), 204);
    assert_eq!(app.get(&format!("{PATH}/{id}")).await.status(), 404);
    let kinds: Vec<String> = app
        .events_of("organization_membership.created,organization_membership.updated,organization_membership.deleted")
        .await
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds.first().map(String::as_str),
        Some("organization_membership.created")
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "organization_membership.updated").count(),
        3
    );
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("organization_membership.deleted")
    );
}

#[tokio::test]
async fn membership_references_are_checked() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let user = app.create_user("ann@acme.test").await;
    let cases = [
        (
            json!({"user_id": "user_01ARZ3NDEKTSV4RRFFQ69G5FAV", "organization_id": org["id"]}),
            "user_id",
        ),
        (
            json!({"user_id": user["id"], "organization_id": "org_01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
            "organization_id",
        ),
        (json!({"user_id": org["id"], "organization_id": org["id"]}), "user_id"),
        (
            json!({"user_id": user["id"], "organization_id": org["id"], "role_slug": "nope"}),
            "role_slug",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = parts(app.post(PATH, body.clone()).await).await;
        assert_eq!(
            (status, err["errors"][0]["field"].as_str()),
            (422, Some(field)),
            "{body}"
        );
    }
    let (status, _) = parts(app.get(PATH).await).await;
    assert_eq!(status, 422, "listing needs user_id or organization_id");
}

#[tokio::test]
async fn deleting_an_organization_removes_its_memberships() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let user = app.create_user("ann@acme.test").await;
    let m: Value = app
        .post(PATH, json!({"user_id": user["id"], "organization_id": org["id"]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        app.delete(&format!("/organizations/{}", org["id"].as_str().unwrap()))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.get(&format!("{PATH}/{}", m["id"].as_str().unwrap())).await.status(),
        404
    );
    assert_eq!(
        app.get(&format!("/user_management/users/{}", user["id"].as_str().unwrap()))
            .await
            .status(),
        200
    );
}
