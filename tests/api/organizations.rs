use crate::helpers::{parts, spawn_app};
use serde_json::{json, Value};

#[tokio::test]
async fn organization_crud_round_trip() {
    let app = spawn_app().await;
    let (status, org) = parts(
        app.post(
            "/organizations",
            json!({"name": "Acme", "external_id": "acme-1", "metadata": {"tier": "gold"},
                   "domain_data": [{"domain": "Acme.com", "state": "verified"}, {"domain": "acme.io"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{org}");
    assert_eq!(org["object"], "organization");
    assert!(org["id"].as_str().unwrap().starts_with("org_"));
    assert_eq!(org["metadata"]["tier"], "gold");
    let domains: Vec<(&str, &str)> = org["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["domain"].as_str().unwrap(), d["state"].as_str().unwrap()))
        .collect();
    assert_eq!(domains, vec![("acme.com", "verified"), ("acme.io", "pending")]);

    let id = org["id"].as_str().unwrap();
    let (status, got) = parts(app.get(&format!("/organizations/{id}")).await).await;
    assert_eq!((status, &got["name"]), (200, &json!("Acme")));

    let (status, updated) = parts(
        app.put(
            &format!("/organizations/{id}"),
            json!({"name": "Acme Corp", "external_id": null}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["name"], "Acme Corp");
    assert_eq!(updated["external_id"], Value::Null);
    assert_eq!(
        updated["domains"].as_array().unwrap().len(),
        2,
        "domains untouched when domain_data is absent"
    );

    assert_eq!(app.delete(&format!("/organizations/{id}")).await.status(), 204);
    assert_eq!(app.get(&format!("/organizations/{id}")).await.status(), 404);
    let kinds: Vec<String> = app
        .events_of("organization.created,organization.updated,organization.deleted")
        .await
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        ["organization.created", "organization.updated", "organization.deleted"]
    );
}

#[tokio::test]
async fn external_id_is_unique() {
    let app = spawn_app().await;
    assert_eq!(
        app.post("/organizations", json!({"name": "A", "external_id": "x"}))
            .await
            .status(),
        201
    );
    let (status, body) = parts(
        app.post("/organizations", json!({"name": "B", "external_id": "x"}))
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("external_id_taken")));
}

#[tokio::test]
async fn a_failed_multi_row_write_leaves_nothing_behind() {
    let app = spawn_app().await;
    let first = app
        .post(
            "/organizations",
            json!({"name": "Owner", "domain_data": [{"domain": "taken.com", "state": "verified"}]}),
        )
        .await;
    assert_eq!(first.status(), 201);
    let before_events = app.events_of("organization.created").await.len();

    // The organization row is written first; the second domain then violates the
    // one-verified-owner index, and the whole transaction must roll back.
    let (status, body) = parts(
        app.post(
            "/organizations",
            json!({"name": "Intruder", "domain_data": [{"domain": "fine.com"}, {"domain": "taken.com", "state": "verified"}]}),
        )
        .await,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("domain_taken")), "{body}");

    let list: Value = app.get("/organizations?search=Intruder").await.json().await.unwrap();
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        0,
        "no organization row survives"
    );
    let by_domain: Value = app.get("/organizations?domains=fine.com").await.json().await.unwrap();
    assert_eq!(by_domain["data"].as_array().unwrap().len(), 0, "no domain row survives");
    assert_eq!(
        app.events_of("organization.created").await.len(),
        before_events,
        "no event survives"
    );
}

#[tokio::test]
async fn search_and_domain_filters() {
    let app = spawn_app().await;
    app.post(
        "/organizations",
        json!({"name": "Globex", "domain_data": [{"domain": "globex.com"}]}),
    )
    .await;
    app.post("/organizations", json!({"name": "Initech"})).await;
    app.post("/organizations", json!({"name": "100%_Real"})).await;
    let names = |v: Value| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(app.get("/organizations?search=glob").await.json().await.unwrap()),
        ["Globex"]
    );
    assert_eq!(
        names(app.get("/organizations?domains=globex.com").await.json().await.unwrap()),
        ["Globex"]
    );
    assert_eq!(
        names(app.get("/organizations?search=%25_").await.json().await.unwrap()),
        ["100%_Real"],
        "LIKE wildcards are literal"
    );
}

#[tokio::test]
async fn cursor_pagination_is_stable_under_inserts() {
    let app = spawn_app().await;
    let mut created = Vec::new();
    for i in 0..25 {
        created.push(
            app.create_org(&format!("org {i:02}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();

    let ids = |v: &Value| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let page1: Value = app.get("/organizations?limit=10").await.json().await.unwrap();
    assert_eq!(ids(&page1), newest_first[..10]);
    assert_eq!(page1["list_metadata"]["before"], Value::Null);

    // New rows arrive between page reads; they belong before page 1 and must not shift later pages.
    app.create_org("late 1").await;
    app.create_org("late 2").await;
    let after = page1["list_metadata"]["after"].as_str().unwrap();
    let page2: Value = app
        .get(&format!("/organizations?limit=10&after={after}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&page2), newest_first[10..20]);
    let after = page2["list_metadata"]["after"].as_str().unwrap();
    let page3: Value = app
        .get(&format!("/organizations?limit=10&after={after}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&page3), newest_first[20..]);
    assert_eq!(page3["list_metadata"]["after"], Value::Null, "end of list");

    let before = page3["list_metadata"]["before"].as_str().unwrap();
    let back: Value = app
        .get(&format!("/organizations?limit=10&before={before}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&back), newest_first[10..20], "before walks back one page");

    let asc: Value = app.get("/organizations?limit=5&order=asc").await.json().await.unwrap();
    assert_eq!(ids(&asc), created[..5]);
}
