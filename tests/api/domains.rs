//! Domain verification against a real DNS server on loopback (tests/api/dns.rs): records are
//! published and removed while the app runs.

use crate::dns::{shared_dns, unique_domain};
use crate::helpers::{parts, spawn_app, spawn_app_with, TestApp};
use chrono::Duration;
use serde_json::{json, Value};

async fn claim(app: &TestApp, org_id: &str, domain: &str) -> Value {
    let (status, body) = parts(
        app.post(
            "/organization_domains",
            json!({"organization_id": org_id, "domain": domain}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn verify(app: &TestApp, id: &str) -> (u16, Value) {
    parts(app.post(&format!("/organization_domains/{id}/verify"), json!({})).await).await
}

async fn events_for(app: &TestApp, kind: &str, domain_id: &str) -> Vec<Value> {
    app.events_of(kind)
        .await
        .into_iter()
        .filter(|e| e["data"]["id"] == domain_id)
        .collect()
}

fn publish(domain: &Value) {
    let record = &domain["verification_record"];
    shared_dns().publish_txt(record["name"].as_str().unwrap(), record["value"].as_str().unwrap());
}

#[tokio::test]
async fn claim_then_publish_then_verify() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let name = unique_domain("acme");
    shared_dns().add_domain(&name);

    let claimed = claim(&app, org["id"].as_str().unwrap(), &name.to_uppercase()).await;
    let id = claimed["id"].as_str().unwrap();
    let token = claimed["verification_token"].as_str().unwrap();
    assert_eq!(claimed["domain"], name.as_str());
    assert_eq!(claimed["state"], "pending");
    assert_eq!(claimed["verification_strategy"], "dns");
    assert_eq!(
        claimed["verification_record"],
        json!({
            "type": "TXT",
            "name": format!("_gatehouse-challenge.{name}"),
            "value": format!("gatehouse-domain-verification={token}"),
        })
    );
    assert_eq!(events_for(&app, "organization_domain.created", id).await.len(), 1);

    let (status, unpublished) = verify(&app, id).await;
    assert_eq!(status, 200, "{unpublished}");
    assert_eq!(unpublished["state"], "pending");
    assert_eq!(unpublished["failure_reason"], "no matching record");
    assert_eq!(unpublished["attempts"], 1);
    assert!(unpublished["next_check_at"].is_string(), "a re-check is scheduled");

    publish(&claimed);
    let (status, verified) = verify(&app, id).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["state"], "verified");
    assert_eq!(verified["failure_reason"], Value::Null);
    assert!(verified["verified_at"].is_string());
    assert_eq!(verified["next_check_at"], Value::Null);

    let events = events_for(&app, "organization_domain.verified", id).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["domain"], name.as_str());
    assert_eq!(events[0]["data"]["organization_id"], org["id"]);

    let fetched: Value = app
        .get(&format!("/organization_domains/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["state"], "verified");
    let org_view: Value = app
        .get(&format!("/organizations/{}", org["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(org_view["domains"][0]["state"], "verified");
}

#[tokio::test]
async fn nxdomain_and_wrong_value_are_reported() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let org_id = org["id"].as_str().unwrap();

    let missing = claim(&app, org_id, &unique_domain("missing")).await;
    let (_, checked) = verify(&app, missing["id"].as_str().unwrap()).await;
    assert_eq!(
        (checked["state"].as_str(), checked["failure_reason"].as_str()),
        (Some("pending"), Some("nxdomain"))
    );

    let name = unique_domain("wrong");
    shared_dns().add_domain(&name);
    let wrong = claim(&app, org_id, &name).await;
    let id = wrong["id"].as_str().unwrap();
    let record_name = wrong["verification_record"]["name"].as_str().unwrap();
    shared_dns().publish_txt(record_name, "gatehouse-domain-verification=not-the-token");
    let (_, checked) = verify(&app, id).await;
    assert_eq!(checked["failure_reason"], "no matching record");

    // The wrong record goes, the right one comes.
    shared_dns().remove_txt(record_name, "gatehouse-domain-verification=not-the-token");
    publish(&wrong);
    let (_, checked) = verify(&app, id).await;
    assert_eq!(checked["state"], "verified", "{checked}");
    assert_eq!(checked["attempts"], 2);
}

#[tokio::test]
async fn fails_after_the_deadline() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let name = unique_domain("late");
    shared_dns().add_domain(&name);
    let claimed = claim(&app, org["id"].as_str().unwrap(), &name).await;
    let id = claimed["id"].as_str().unwrap();

    app.clock.advance(Duration::hours(71));
    let (_, checked) = verify(&app, id).await;
    assert_eq!(checked["state"], "pending", "{checked}");

    app.clock.advance(Duration::hours(2));
    let (status, failed) = verify(&app, id).await;
    assert_eq!(status, 200);
    assert_eq!(
        (failed["state"].as_str(), failed["failure_reason"].as_str()),
        (Some("failed"), Some("gave up"))
    );
    assert_eq!(failed["next_check_at"], Value::Null);
    let events = events_for(&app, "organization_domain.verification_failed", id).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["failure_reason"], "gave up");

    // Publishing late and asking again still verifies it.
    publish(&claimed);
    let (_, late) = verify(&app, id).await;
    assert_eq!(late["state"], "verified");
}

#[tokio::test]
async fn background_recheck_verifies_once_the_record_appears() {
    let app = spawn_app_with(|config| config.domain_recheck_interval_secs = 1).await;
    let org = app.create_org("Acme").await;
    let name = unique_domain("bg");
    shared_dns().add_domain(&name);
    let claimed = claim(&app, org["id"].as_str().unwrap(), &name).await;
    let id = claimed["id"].as_str().unwrap();
    let (_, checked) = verify(&app, id).await;
    assert_eq!(checked["state"], "pending");

    publish(&claimed);
    // Not due yet: the re-check waits for next_check_at.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let still: Value = app
        .get(&format!("/organization_domains/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["state"], "pending", "{still}");

    app.clock.advance(Duration::minutes(2));
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let now: Value = app
            .get(&format!("/organization_domains/{id}"))
            .await
            .json()
            .await
            .unwrap();
        if now["state"] == "verified" {
            assert_eq!(now["attempts"], 2);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not verified in the background: {now}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(events_for(&app, "organization_domain.verified", id).await.len(), 1);
}

#[tokio::test]
async fn free_mail_public_suffix_and_invalid_domains_are_refused() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let org_id = org["id"].as_str().unwrap();
    let cases = [
        ("gmail.com", "free_mail_domain"),
        ("Outlook.com", "free_mail_domain"),
        ("eu.hotmail.com", "free_mail_domain"),
        ("co.uk", "public_suffix"),
        ("github.io", "public_suffix"),
    ];
    for (domain, code) in cases {
        let (status, body) = parts(
            app.post(
                "/organization_domains",
                json!({"organization_id": org_id, "domain": domain}),
            )
            .await,
        )
        .await;
        assert_eq!((status, body["code"].as_str()), (422, Some(code)), "{domain}: {body}");
        assert_eq!(body["errors"][0]["field"], "domain");
    }
    let (status, body) = parts(
        app.post(
            "/organization_domains",
            json!({"organization_id": org_id, "domain": "not a domain"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (422, Some("invalid_domain")),
        "{body}"
    );
    claim(
        &app,
        org_id,
        &format!("{}.co.uk", unique_domain("fine").replace(".test", "")),
    )
    .await;

    // The same refusals guard domain_data on organizations.
    let (status, body) = parts(
        app.post(
            "/organizations",
            json!({"name": "Free", "domain_data": [{"domain": "gmail.com"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (422, Some("free_mail_domain")),
        "{body}"
    );
    let (status, body) = parts(
        app.put(
            &format!("/organizations/{org_id}"),
            json!({"domain_data": [{"domain": "co.uk", "state": "verified"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (422, Some("public_suffix")),
        "{body}"
    );
}

#[tokio::test]
async fn the_first_organization_to_verify_wins() {
    let app = spawn_app().await;
    let first = app.create_org("First").await;
    let second = app.create_org("Second").await;
    let name = unique_domain("rival");
    shared_dns().add_domain(&name);

    // Rival pending claims are allowed, and both publish their records.
    let a = claim(&app, first["id"].as_str().unwrap(), &name).await;
    let b = claim(&app, second["id"].as_str().unwrap(), &name).await;
    publish(&a);
    publish(&b);

    let (_, won) = verify(&app, a["id"].as_str().unwrap()).await;
    assert_eq!(won["state"], "verified");
    let b_id = b["id"].as_str().unwrap();
    let (status, body) = verify(&app, b_id).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("domain_taken")), "{body}");
    let lost: Value = app
        .get(&format!("/organization_domains/{b_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (lost["state"].as_str(), lost["failure_reason"].as_str()),
        (Some("failed"), Some("taken"))
    );
    assert_eq!(
        events_for(&app, "organization_domain.verification_failed", b_id)
            .await
            .len(),
        1
    );

    // Once verified, no one else may claim it, by DNS or by an operator's word.
    let third = app.create_org("Third").await;
    for strategy in ["dns", "manual"] {
        let (status, body) = parts(
            app.post(
                "/organization_domains",
                json!({"organization_id": third["id"], "domain": name, "verification_strategy": strategy}),
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("domain_taken")),
            "{strategy}: {body}"
        );
    }
}

#[tokio::test]
async fn a_silent_nameserver_times_out() {
    // Bound but never answering, over UDP and TCP alike.
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = udp.local_addr().unwrap().port();
    let _tcp = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let app = spawn_app_with(|config| {
        config.dns_nameservers = vec![format!("127.0.0.1:{port}")];
        config.dns_timeout_ms = 300;
    })
    .await;
    let org = app.create_org("Acme").await;
    let claimed = claim(&app, org["id"].as_str().unwrap(), &unique_domain("slow")).await;
    let started = std::time::Instant::now();
    let (status, checked) = verify(&app, claimed["id"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{checked}");
    assert_eq!(
        (checked["state"].as_str(), checked["failure_reason"].as_str()),
        (Some("pending"), Some("timeout"))
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn manual_claims_verify_at_once_and_deletes_are_recorded() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let name = unique_domain("manual");
    let (status, manual) = parts(
        app.post(
            "/organization_domains",
            json!({"organization_id": org["id"], "domain": name, "verification_strategy": "manual"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{manual}");
    assert_eq!(
        (manual["state"].as_str(), manual["verification_strategy"].as_str()),
        (Some("verified"), Some("manual"))
    );
    let id = manual["id"].as_str().unwrap();
    assert_eq!(events_for(&app, "organization_domain.verified", id).await.len(), 1);

    let (status, body) = parts(
        app.post(
            "/organization_domains",
            json!({"organization_id": org["id"], "domain": name}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("domain_already_claimed")),
        "{body}"
    );

    assert_eq!(app.delete(&format!("/organization_domains/{id}")).await.status(), 204);
    assert_eq!(app.get(&format!("/organization_domains/{id}")).await.status(), 404);
    assert_eq!(app.delete(&format!("/organization_domains/{id}")).await.status(), 404);
    assert_eq!(events_for(&app, "organization_domain.deleted", id).await.len(), 1);

    let (status, body) = parts(
        app.post(
            "/organization_domains",
            json!({"organization_id": "org_01ARZ3NDEKTSV4RRFFQ69G5FAV", "domain": unique_domain("orphan")}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("organization_id")),
        "{body}"
    );
}

/// `GET /organizations/{id}` is served from a cache: every change to the organization or its
/// domains must show in the very next read, not a TTL later.
#[tokio::test]
async fn the_organization_read_reflects_each_change_at_once() {
    let app = spawn_app().await;
    let org = app.create_org("Cached Co").await;
    let org_id = org["id"].as_str().unwrap();
    let read = || async { parts(app.get(&format!("/organizations/{org_id}")).await).await.1 };
    assert_eq!(read().await["domains"], json!([]), "fills the cache");

    let name = unique_domain("cached");
    shared_dns().add_domain(&name);
    let claimed = claim(&app, org_id, &name).await;
    let id = claimed["id"].as_str().unwrap();
    assert_eq!(read().await["domains"][0]["state"], "pending", "claim");

    publish(&claimed);
    assert_eq!(verify(&app, id).await.1["state"], "verified");
    assert_eq!(read().await["domains"][0]["state"], "verified", "verification");

    let (status, _) = parts(
        app.put(&format!("/organizations/{org_id}"), json!({"name": "Renamed Co"}))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(read().await["name"], "Renamed Co", "update");

    let (status, _) = parts(app.delete(&format!("/organization_domains/{id}")).await).await;
    assert_eq!(status, 204);
    assert_eq!(read().await["domains"], json!([]), "domain deleted");

    let (status, _) = parts(app.delete(&format!("/organizations/{org_id}")).await).await;
    assert_eq!(status, 204);
    let (status, _) = parts(app.get(&format!("/organizations/{org_id}")).await).await;
    assert_eq!(status, 404, "deleted");
}

/// Every domain's `(attempts, state)`, read straight from the shared database.
async fn domain_rows(db: &sea_orm::DatabaseConnection) -> Vec<(i32, String)> {
    use sea_orm::{ConnectionTrait, Statement};
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT attempts, state FROM organization_domains",
    ))
    .await
    .unwrap()
    .iter()
    .map(|row| (row.try_get("", "attempts").unwrap(), row.try_get("", "state").unwrap()))
    .collect()
}

/// Makes every pending domain's re-check due now, as if its backoff had passed.
async fn make_checks_due(db: &sea_orm::DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    db.execute_unprepared(
        "UPDATE organization_domains SET next_check_at = now() - interval '1 minute' WHERE state = 'pending'",
    )
    .await
    .unwrap();
}

/// Waits until every domain satisfies `done`, then lets both nodes run several more times.
async fn settle(db: &sea_orm::DatabaseConnection, what: &str, done: impl Fn(&(i32, String)) -> bool) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while !domain_rows(db).await.iter().all(&done) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: {:?}",
            domain_rows(db).await
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
}

#[tokio::test]
async fn two_server_processes_on_one_postgresql_recheck_each_due_domain_once() {
    use crate::invitations::start_server_with;
    if !crate::helpers::on_postgres() {
        eprintln!(
            "skipped: two server processes need one shared PostgreSQL database \
             (GATEHOUSE_TEST_DATABASE=postgres); SQLite is one process's file"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db_url = crate::helpers::fresh_database_url(dir.path()).await;
    let (dir_a, dir_b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&dir_a).unwrap();
    std::fs::create_dir_all(&dir_b).unwrap();
    let settings = [
        ("GATEHOUSE_DNS_NAMESERVERS", format!("[{}]", shared_dns().addr())),
        ("GATEHOUSE_DOMAIN_RECHECK_INTERVAL_SECS", "1".to_owned()),
    ];
    let a = start_server_with(&dir_a, &db_url, &settings);
    let key = a.printed_key.clone().expect("the first start prints a key");
    let b = start_server_with(&dir_b, &db_url, &settings);
    let http = reqwest::Client::new();
    let org: Value = http
        .post(format!("{}/organizations", a.base))
        .bearer_auth(&key)
        .json(&json!({"name": "Two Nodes"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut claimed = Vec::new();
    for i in 0..40 {
        let name = unique_domain(&format!("node{i}"));
        shared_dns().add_domain(&name);
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let resp = http
            .post(format!("{base}/organization_domains"))
            .bearer_auth(&key)
            .json(&json!({"organization_id": org["id"], "domain": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        claimed.push(resp.json::<Value>().await.unwrap());
    }
    let db = sea_orm::Database::connect(&db_url).await.unwrap();

    // Two rounds of due checks that find no record: each domain is checked once per round, by
    // one node or the other, never by both.
    for round in 1..=2 {
        make_checks_due(&db).await;
        settle(&db, "checked", |(attempts, _)| *attempts >= round).await;
        let rows = domain_rows(&db).await;
        assert!(
            rows.iter()
                .all(|(attempts, state)| *attempts == round && state == "pending"),
            "round {round}: {rows:?}"
        );
    }
    // The records appear: each domain is verified once.
    for domain in &claimed {
        publish(domain);
    }
    make_checks_due(&db).await;
    settle(&db, "verified", |(_, state)| state == "verified").await;
    let rows = domain_rows(&db).await;
    assert!(rows.iter().all(|(attempts, _)| *attempts == 3), "{rows:?}");
    let events: Value = http
        .get(format!(
            "{}/events?events=organization_domain.verified&limit=100",
            b.base
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(events["data"].as_array().unwrap().len(), claimed.len(), "{events}");
    db.close().await.ok();
}
