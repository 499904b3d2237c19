use crate::helpers::spawn_app;
use serde_json::{json, Value};
use std::collections::HashMap;

#[tokio::test]
async fn every_write_appends_one_event_and_polling_misses_none_under_concurrency() {
    let app = std::sync::Arc::new(spawn_app().await);
    const WRITERS: usize = 40;

    // Poll with `after` while writers commit concurrently; a cursor that ran ahead of a
    // slower transaction would skip its event.
    let poller = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut seen: Vec<Value> = Vec::new();
            let mut after: Option<String> = None;
            for _ in 0..2000 {
                let path = match &after {
                    Some(a) => format!("/events?events=organization.created&limit=7&after={a}"),
                    None => "/events?events=organization.created&limit=7".to_owned(),
                };
                let page: Value = app.get(&path).await.json().await.unwrap();
                after = page["list_metadata"]["after"].as_str().map(str::to_owned).or(after);
                seen.extend(page["data"].as_array().unwrap().iter().cloned());
                if seen.len() >= WRITERS {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            seen
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                app.post("/organizations", json!({"name": format!("concurrent {i}")}))
                    .await
                    .status()
            })
        })
        .collect();
    for w in writers {
        assert_eq!(w.await.unwrap(), 201);
    }
    let seen = poller.await.unwrap();

    let mut per_org: HashMap<String, usize> = HashMap::new();
    for event in &seen {
        *per_org
            .entry(event["data"]["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(
        per_org.len(),
        WRITERS,
        "every organization's event was seen by the poller"
    );
    assert!(per_org.values().all(|&n| n == 1), "no event was delivered twice");
}

#[tokio::test]
async fn events_filter_by_type_organization_and_range() {
    let app = spawn_app().await;
    let a = app.create_org("A").await;
    app.create_org("B").await;
    app.create_user("u@example.com").await;

    let only_users: Value = app.get("/events?events=user.created").await.json().await.unwrap();
    assert_eq!(only_users["data"].as_array().unwrap().len(), 1);
    assert_eq!(only_users["data"][0]["event"], "user.created");
    assert!(only_users["data"][0]["id"].as_str().unwrap().starts_with("event_"));

    let org_a: Value = app
        .get(&format!("/events?organization_id={}", a["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(org_a["data"].as_array().unwrap().len(), 1);

    let future = (gatehouse::clock::Clock::now(&*app.clock) + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let none: Value = app
        .get(&format!("/events?range_start={future}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["data"].as_array().unwrap().len(), 0);
    let all: Value = app.get("/events?limit=100").await.json().await.unwrap();
    assert_eq!(all["data"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn events_never_carry_secrets() {
    let app = spawn_app().await;
    let created: Value = app.post("/api_keys", json!({"name": "x"})).await.json().await.unwrap();
    let secret = created["key"].as_str().unwrap();
    let all: Value = app.get("/events?limit=100").await.json().await.unwrap();
    assert!(!all.to_string().contains(secret));
    assert!(!all.to_string().contains(&app.key));
}
