use crate::helpers::{parts, spawn_app};
use serde_json::{json, Value};

#[tokio::test]
async fn environment_and_organization_roles() {
    let app = spawn_app().await;
    let roles: Value = app.get("/roles").await.json().await.unwrap();
    let slugs: Vec<&str> = roles["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["admin", "member"]);
    assert_eq!(roles["data"][1]["is_default"], true);

    let (status, billing) = parts(
        app.post(
            "/roles",
            json!({"slug": "billing", "name": "Billing", "permissions": ["invoices:read"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{billing}");
    let (status, dup) = parts(app.post("/roles", json!({"slug": "billing", "name": "Again"})).await).await;
    assert_eq!((status, dup["code"].as_str()), (409, Some("role_slug_taken")));
    let (status, bad) = parts(app.post("/roles", json!({"slug": "Not A Slug", "name": "x"})).await).await;
    assert_eq!((status, bad["errors"][0]["field"].as_str()), (422, Some("slug")));

    let (status, updated) = parts(
        app.put(
            "/roles/billing",
            json!({"permissions": ["invoices:read", "invoices:pay"]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, updated["permissions"].as_array().map(Vec::len)),
        (200, Some(2))
    );

    let org = app.create_org("Acme").await;
    let org_id = org["id"].as_str().unwrap();
    let (status, auditor) = parts(
        app.post(
            &format!("/organizations/{org_id}/roles"),
            json!({"slug": "auditor", "name": "Auditor"}),
        )
        .await,
    )
    .await;
    assert_eq!((status, auditor["type"].as_str()), (201, Some("organization")));
    let org_roles: Value = app
        .get(&format!("/organizations/{org_id}/roles"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        org_roles["data"].as_array().unwrap().len(),
        4,
        "own role plus inherited ones"
    );

    let user = app.create_user("ann@acme.test").await;
    let m = app
        .post(
            "/user_management/organization_memberships",
            json!({"user_id": user["id"], "organization_id": org_id, "role_slug": "billing"}),
        )
        .await;
    assert_eq!(m.status(), 201);
    let (status, in_use) = parts(app.delete("/roles/billing").await).await;
    assert_eq!((status, in_use["code"].as_str()), (409, Some("role_in_use")));
    let (status, default) = parts(app.delete("/roles/member").await).await;
    assert_eq!((status, default["code"].as_str()), (409, Some("role_is_default")));
    assert_eq!(app.delete("/roles/admin").await.status(), 204);
    assert_eq!(app.get("/roles/admin").await.status(), 404);
}
