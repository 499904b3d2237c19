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
        let (child, line) = crate::helpers::start_peer("the webhook receiver", || {
            Command::new("python3")
                .arg(RECEIVER)
                .args(["--port", &port.to_string(), "--secret", secret, "--log"])
                .arg(log)
                .stdout(Stdio::piped())
                .spawn()
                .expect("start the webhook receiver")
        });
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

/// `gatehouse serve` as its own process; killed on drop.
struct Server {
    child: Child,
    base: String,
    printed_key: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a node; the first node on a database also prints the bootstrap key (`first`).
fn serve(dir: &Path, db_url: &str, secret_key: &str, stderr: &Path, first: bool) -> Server {
    std::fs::create_dir_all(dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .arg("serve")
        .current_dir(dir)
        .env("GATEHOUSE_LISTEN", "127.0.0.1:0")
        .env("GATEHOUSE_DATABASE_URL", db_url)
        // Both nodes must open the endpoint secrets the other sealed.
        .env("GATEHOUSE_SECRET_KEY", secret_key)
        .env("GATEHOUSE_LOG", "warn,gatehouse::webhooks=info")
        .env("GATEHOUSE_LOG_FORMAT", "text")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(stderr).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base, mut printed_key) = (None, None);
    for line in lines.by_ref().map_while(Result::ok) {
        if let Some(url) = line.strip_prefix("Gatehouse listening on ") {
            base = Some(url.trim().to_owned());
            if !first {
                break;
            }
        }
        if let Some(key) = line.strip_prefix("API key (shown once): ") {
            printed_key = Some(key.trim().to_owned());
        }
        if line.starts_with("Client id:") {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Server {
        child,
        base: base.expect("the server printed its address"),
        printed_key,
    }
}

#[tokio::test]
async fn two_server_processes_never_send_a_delivery_twice() {
    if !crate::helpers::on_postgres() {
        eprintln!(
            "SKIPPED two_server_processes_never_send_a_delivery_twice: two nodes need a shared PostgreSQL \
             (SQLite is single-node); run with GATEHOUSE_TEST_DATABASE=postgres"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db_url = crate::helpers::fresh_database_url(dir.path()).await;
    let secret_key = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
    };
    let (log_a, log_b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    let a = serve(&dir.path().join("a"), &db_url, &secret_key, &log_a, true);
    let key = a.printed_key.clone().expect("first start prints a key");
    let b = serve(&dir.path().join("b"), &db_url, &secret_key, &log_b, false);
    let http = reqwest::Client::new();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint: Value = http
        .post(format!("{}/webhook_endpoints", a.base))
        .bearer_auth(&key)
        .json(&json!({"url": format!("http://127.0.0.1:{port}/hook"), "events": ["organization.created"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let log = dir.path().join("deliveries.jsonl");
    let _receiver = Receiver::start(port, endpoint["secret"].as_str().unwrap(), &log);

    // Events written through both nodes, so both workers find work at the same time.
    const N: usize = 40;
    let creates = (0..N).map(|i| {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        http.post(format!("{base}/organizations"))
            .bearer_auth(&key)
            .json(&json!({"name": format!("Org {i}")}))
            .send()
    });
    // A few at a time: enough for both workers to find work together, not a load test of org creation.
    use futures::StreamExt;
    let responses: Vec<_> = futures::stream::iter(creates).buffer_unordered(6).collect().await;
    for resp in responses {
        let (status, body) = parts(resp.unwrap()).await;
        let logs = || std::fs::read_to_string(&log_a).unwrap() + &std::fs::read_to_string(&log_b).unwrap();
        assert_eq!(status, 201, "{body}\n{}", logs());
    }

    for _ in 0..300 {
        if received(&log).len() >= N {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Time for a double send to show up, had there been one.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let all = received(&log);
    let mut ids: Vec<&str> = all.iter().map(|r| r["event_id"].as_str().unwrap()).collect();
    assert!(all.iter().all(|r| r["verified"] == true), "{all:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N, "every event arrived");
    assert_eq!(all.len(), N, "and none twice");

    let delivered_by = |path: &Path| {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| l.contains("webhook delivered"))
            .count()
    };
    let (by_a, by_b) = (delivered_by(&log_a), delivered_by(&log_b));
    eprintln!("deliveries sent by node a: {by_a}, by node b: {by_b}");
    assert_eq!(by_a + by_b, N, "each delivery was sent by exactly one node");
}
