//! The binary as an operator runs it: `serve` prints where it listens and, on first start
//! only, a bootstrap key; data survives a restart; `bootstrap`, `migrate`, `openapi` work.

use crate::helpers::{fresh_database_url, on_postgres};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_gatehouse");

fn gatehouse(dir: &Path, db_url: &Option<String>, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env("GATEHOUSE_LISTEN", "127.0.0.1:0")
        .env("GATEHOUSE_LOG", "warn");
    if let Some(url) = db_url {
        cmd.env("GATEHOUSE_DATABASE_URL", url);
    }
    cmd
}

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

/// Starts `gatehouse serve` and reads its stdout until it has said where it listens
/// (and, on first start, the key, which comes right after).
fn start(dir: &Path, db_url: &Option<String>) -> Server {
    let mut child = gatehouse(dir, db_url, &["serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut base = None;
    let mut printed_key = None;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(if base.is_some() { 1 } else { 30 })) {
        if let Some(url) = line.strip_prefix("Gatehouse listening on ") {
            base = Some(url.trim().to_owned());
        }
        if let Some(key) = line.strip_prefix("API key (shown once): ") {
            printed_key = Some(key.trim().to_owned());
        }
        if line.starts_with("Client id:") {
            break;
        }
    }
    Server {
        child,
        base: base.expect("server printed its address"),
        printed_key,
    }
}

async fn database(dir: &Path) -> Option<String> {
    if on_postgres() {
        Some(fresh_database_url(dir).await)
    } else {
        None // exercise the default: a SQLite file under ./data/
    }
}

#[tokio::test]
async fn first_start_prints_a_key_that_works_and_a_restart_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let http = reqwest::Client::new();

    let server = start(dir.path(), &db);
    let key = server.printed_key.clone().expect("first start prints a bootstrap key");
    assert!(key.starts_with("gh_sk_"));
    let created = http
        .post(format!("{}/organizations", server.base))
        .bearer_auth(&key)
        .json(&json!({"name": "Acme"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    drop(server);

    if db.is_none() {
        assert!(
            dir.path().join("data/gatehouse.db").exists(),
            "default database lives under ./data/"
        );
    }
    let server = start(dir.path(), &db);
    assert_eq!(server.printed_key, None, "no new key on a second start");
    let list: Value = http
        .get(format!("{}/organizations", server.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"][0]["name"], "Acme");
}

#[tokio::test]
async fn bootstrap_migrate_and_openapi_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;

    let migrate = gatehouse(dir.path(), &db, &["migrate"]).output().unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));

    let boot = gatehouse(dir.path(), &db, &["bootstrap"]).output().unwrap();
    assert!(boot.status.success());
    let out = String::from_utf8(boot.stdout).unwrap();
    let key = out
        .lines()
        .find_map(|l| l.strip_prefix("API key (shown once): "))
        .unwrap()
        .trim()
        .to_owned();
    let client = out
        .lines()
        .find_map(|l| l.strip_prefix("Client id:"))
        .unwrap()
        .trim()
        .to_owned();
    assert!(client.starts_with("client_"));

    // A bootstrap key works whatever keys already exist, and the server then prints none.
    let server = start(dir.path(), &db);
    assert_eq!(server.printed_key, None);
    let resp = reqwest::Client::new()
        .get(format!("{}/clients/{client}", server.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let openapi = gatehouse(dir.path(), &db, &["openapi"]).output().unwrap();
    let doc: Value = serde_json::from_slice(&openapi.stdout).unwrap();
    assert_eq!(doc["info"]["title"], "Gatehouse");
}
