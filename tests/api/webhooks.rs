//! Webhooks end to end: a receiver on loopback (tests/interop/webhook_receiver.py) verifies each
//! delivery with the Python SDK's signature helper; the delivery log tells status and attempts.

use crate::helpers::{parts, spawn_app, TestApp};
use reqwest::Method;
use sea_orm::EntityTrait;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const RECEIVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/webhook_receiver.py");

/// A receiver process; dropping it kills it, as a crash would.
pub struct Receiver {
    child: Child,
    pub port: u16,
}

impl Receiver {
    /// Starts a receiver on `port` (0 = any free port) that checks signatures against `secret`.
    pub fn start(port: u16, secret: &str, log: &Path) -> Receiver {
        let mut child = Command::new("python3")
            .arg(RECEIVER)
            .args(["--port", &port.to_string(), "--secret", secret, "--log"])
            .arg(log)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the webhook receiver");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("receiver did not start: {line:?}"))
            .parse()
            .unwrap();
        Receiver { child, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every request the receivers writing to `log` have seen.
pub fn received(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Waits up to 15 s until `log` holds a delivery of `event_id`.
pub async fn wait_for_delivery(log: &Path, event_id: &str) -> Value {
    for _ in 0..150 {
        if let Some(r) = received(log).into_iter().find(|r| r["event_id"] == event_id) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("event {event_id} never arrived; log: {:?}", received(log));
}

async fn create_endpoint(app: &TestApp, url: &str, events: Value) -> Value {
    let (status, body) = parts(
        app.post("/webhook_endpoints", json!({"url": url, "events": events}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn deliveries(app: &TestApp, endpoint_id: &str) -> Vec<Value> {
    let (status, body) = parts(
        app.get(&format!("/webhook_endpoints/{endpoint_id}/deliveries?limit=100"))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().unwrap().clone()
}

async fn delivery_of(app: &TestApp, endpoint_id: &str, event_id: &str) -> Option<Value> {
    deliveries(app, endpoint_id)
        .await
        .into_iter()
        .find(|d| d["event_id"] == event_id)
}

/// Waits up to 15 s until the delivery of `event_id` satisfies `done`.
async fn wait_for_log(app: &TestApp, endpoint_id: &str, event_id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..150 {
        if let Some(d) = delivery_of(app, endpoint_id, event_id).await {
            if done(&d) {
                return d;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "delivery of {event_id} never got there: {:?}",
        delivery_of(app, endpoint_id, event_id).await
    );
}

async fn last_event_id(app: &TestApp, kind: &str) -> String {
    app.events_of(kind).await.last().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn endpoints_crud_shows_the_secret_once_and_seals_it() {
    let app = spawn_app().await;
    let created = create_endpoint(&app, "https://hooks.example.com/gatehouse", json!(["user.created"])).await;
    let id = created["id"].as_str().unwrap();
    let secret = created["secret"].as_str().unwrap();
    assert!(id.starts_with("webhook_endpoint_"));
    assert!(secret.starts_with("whsec_") && secret.len() > 30, "{secret}");
    assert_eq!(created["object"], "webhook_endpoint");
    assert_eq!(created["status"], "enabled");
    assert_eq!(created["events"], json!(["user.created"]));

    let (status, got) = parts(app.get(&format!("/webhook_endpoints/{id}")).await).await;
    assert_eq!(status, 200);
    assert!(got.get("secret").is_none(), "the secret is shown once: {got}");
    let (_, list) = parts(app.get("/webhook_endpoints").await).await;
    assert_eq!(list["data"][0]["id"], id);
    assert!(list["data"][0].get("secret").is_none());

    // Sealed at rest, not stored in the clear (and not hashed: the server must sign with it).
    let row = entities::webhook_endpoints::Entity::find_by_id(id)
        .one(app.ctx.db.read())
        .await
        .unwrap()
        .unwrap();
    assert!(!row.secret_sealed.contains(secret));
    let opened = gatehouse::webhooks::endpoints::live_secrets(&app.ctx, &row, app.ctx.now()).unwrap();
    assert_eq!(opened, vec![secret.to_owned()]);

    let (status, patched) = parts(
        app.request(Method::PATCH, &format!("/webhook_endpoints/{id}"))
            .json(&json!({"events": ["user.created", "user.deleted", "user.created"], "status": "disabled"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["events"], json!(["user.created", "user.deleted"]));
    assert_eq!(patched["status"], "disabled");

    let (status, rotated) = parts(
        app.post(&format!("/webhook_endpoints/{id}/rotate_secret"), json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let row = entities::webhook_endpoints::Entity::find_by_id(id)
        .one(app.ctx.db.read())
        .await
        .unwrap()
        .unwrap();
    let live = gatehouse::webhooks::endpoints::live_secrets(&app.ctx, &row, app.ctx.now()).unwrap();
    assert_eq!(
        live,
        vec![new_secret.to_owned(), secret.to_owned()],
        "old one signs for 24 h"
    );
    app.clock.advance(chrono::Duration::hours(25));
    let live = gatehouse::webhooks::endpoints::live_secrets(&app.ctx, &row, app.ctx.now()).unwrap();
    assert_eq!(live, vec![new_secret.to_owned()]);

    assert_eq!(app.delete(&format!("/webhook_endpoints/{id}")).await.status(), 204);
    assert_eq!(app.get(&format!("/webhook_endpoints/{id}")).await.status(), 404);
    assert_eq!(
        app.get("/webhook_endpoints/org_01H0000000000000000000000")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn bad_endpoints_are_refused_with_field_errors() {
    let app = spawn_app().await;
    let cases = [
        (json!({"url": "ftp://example.com/x", "events": ["user.created"]}), "url"),
        (json!({"url": "not a url", "events": ["user.created"]}), "url"),
        (json!({"url": "https://example.com/x", "events": []}), "events"),
        (
            json!({"url": "https://example.com/x", "events": ["User Created"]}),
            "events[0]",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = parts(app.post("/webhook_endpoints", body.clone()).await).await;
        assert_eq!(status, 422, "{body} -> {err}");
        assert_eq!(err["code"], "validation_failed");
        assert_eq!(err["errors"][0]["field"], field, "{err}");
    }
    let (status, err) = parts(
        app.post("/webhook_endpoints", json!({"url": 5, "events": ["a.b"]}))
            .await,
    )
    .await;
    assert_eq!(status, 400, "{err}");
    let (_, list) = parts(app.get("/webhook_endpoints").await).await;
    assert_eq!(list["data"], json!([]), "nothing half-created");
}

#[tokio::test]
async fn each_event_arrives_once_signed_and_a_killed_receiver_gets_the_retry() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("deliveries.jsonl");

    // The secret exists only once the endpoint does, so the receiver's port is picked first.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = create_endpoint(
        &app,
        &format!("http://127.0.0.1:{port}/hook"),
        json!(["organization.created"]),
    )
    .await;
    let endpoint_id = endpoint["id"].as_str().unwrap();
    let secret = endpoint["secret"].as_str().unwrap();
    let receiver = Receiver::start(port, secret, &log);

    app.create_org("First").await;
    app.create_user(&crate::helpers::unique_email("not-subscribed")).await;
    let first = last_event_id(&app, "organization.created").await;
    let got = wait_for_delivery(&log, &first).await;
    assert_eq!(got["verified"], true, "the SDK helper accepts the signature: {got}");
    let done = wait_for_log(&app, endpoint_id, &first, |d| d["status"] == "succeeded").await;
    assert_eq!(done["attempts"], 1);
    assert_eq!(done["last_status_code"], 200);
    assert_eq!(done["next_attempt_at"], Value::Null);

    // The receiver dies; the next event fails to connect and waits for its backoff.
    drop(receiver);
    app.create_org("Second").await;
    let second = last_event_id(&app, "organization.created").await;
    let failed = wait_for_log(&app, endpoint_id, &second, |d| {
        d["attempts"] == 1 && d["status"] == "pending"
    })
    .await;
    assert_eq!(failed["last_error"], "cannot connect to the endpoint");
    assert_eq!(failed["last_status_code"], Value::Null);
    assert!(failed["next_attempt_at"].is_string());

    // It comes back on the same port. Nothing is sent before the backoff has passed...
    let _receiver = Receiver::start(port, secret, &log);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(received(&log).iter().all(|r| r["event_id"] != second));
    // ...then the retry arrives.
    app.clock.advance(chrono::Duration::seconds(11));
    let got = wait_for_delivery(&log, &second).await;
    assert_eq!(got["verified"], true, "{got}");
    let done = wait_for_log(&app, endpoint_id, &second, |d| d["status"] == "succeeded").await;
    assert_eq!(done["attempts"], 2);

    // Give a stray duplicate time to show up, then count: each event once, nothing unsubscribed.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let all = received(&log);
    let ids: Vec<&str> = all.iter().map(|r| r["event_id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![first.as_str(), second.as_str()], "{all:?}");
    assert!(all.iter().all(|r| r["event"] == "organization.created"));
    assert_eq!(deliveries(&app, endpoint_id).await.len(), 2);
}

#[tokio::test]
async fn a_receiver_rejecting_deliveries_sees_retries_logged_with_its_status() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("deliveries.jsonl");
    // This receiver knows a wrong secret, so it answers 400 to every delivery.
    let receiver = Receiver::start(0, "whsec_wrong", &log);
    let endpoint = create_endpoint(&app, &receiver.url(), json!(["*"])).await;
    let endpoint_id = endpoint["id"].as_str().unwrap();

    app.create_org("Rejected").await;
    let event = last_event_id(&app, "organization.created").await;
    let got = wait_for_delivery(&log, &event).await;
    assert_eq!(got["verified"], false, "a wrong secret does not verify: {got}");
    let first = wait_for_log(&app, endpoint_id, &event, |d| {
        d["attempts"] == 1 && d["status"] == "pending"
    })
    .await;
    assert_eq!(first["last_status_code"], 400);

    app.clock.advance(chrono::Duration::seconds(11));
    let second = wait_for_log(&app, endpoint_id, &event, |d| {
        d["attempts"] == 2 && d["status"] == "pending"
    })
    .await;
    let at = |d: &Value| chrono::DateTime::parse_from_rfc3339(d["next_attempt_at"].as_str().unwrap()).unwrap();
    assert!(
        at(&second) - at(&first) >= chrono::Duration::seconds(20),
        "backoff grows"
    );

    // Three days on, the delivery is given up.
    app.clock.advance(chrono::Duration::days(3));
    let gave_up = wait_for_log(&app, endpoint_id, &event, |d| d["status"] == "failed").await;
    assert_eq!(gave_up["attempts"], 3);
    assert_eq!(gave_up["next_attempt_at"], Value::Null);
}
