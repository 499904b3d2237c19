//! `spawn_app()`: the real application on 127.0.0.1:0 with its own database, SQLite or
//! PostgreSQL as `GATEHOUSE_TEST_DATABASE` says, and a clock the test can move.

use crate::dns::shared_dns;
use crate::mail::{shared_sink, ReceivedEmail};
use gatehouse::clock::FixedClock;
use gatehouse::config::{Config, SmtpTls};
use gatehouse::context::Ctx;
use gatehouse::environment::api_keys;
use gatehouse::App;
use reqwest::{Method, RequestBuilder, Response};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use std::sync::Arc;

pub struct TestApp {
    pub base: String,
    pub key: String,
    pub ctx: Ctx,
    pub clock: Arc<FixedClock>,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

pub fn on_postgres() -> bool {
    std::env::var("GATEHOUSE_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// A fresh database URL: a new SQLite file, or a new database on the test PostgreSQL server.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    if !on_postgres() {
        return format!("sqlite://{}/gatehouse.db?mode=rwc", dir.display());
    }
    let admin = std::env::var("GATEHOUSE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://gatehouse:gatehouse@127.0.0.1:5432/postgres".into());
    let name = format!("gh_test_{}", ulid::Ulid::new().to_string().to_lowercase());
    let conn = Database::connect(&admin)
        .await
        .expect("connect to the test PostgreSQL server");
    conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    conn.close().await.ok();
    let (base, _) = admin.rsplit_once('/').expect("admin URL has a database path");
    format!("{base}/{name}")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Every log line the application writes in this test process, at debug level.
static LOGS: std::sync::OnceLock<Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();

struct LogWriter(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug,sqlx=warn,sea_orm=warn,sea_orm_migration=warn,hyper=warn,reqwest=warn")
            .with_ansi(false)
            .with_writer(move || LogWriter(sink.clone()))
            .try_init();
        buffer
    });
}

pub fn captured_logs() -> String {
    LOGS.get()
        .map(|b| String::from_utf8_lossy(&b.lock().unwrap()).into_owned())
        .unwrap_or_default()
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    spawn_app_on(listener, adjust).await
}

/// An app whose `public_url` is the address it serves on, for a real browser that follows
/// the absolute URLs the app hands out (ACS URLs, SSO callbacks, portal links).
pub async fn spawn_app_public() -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let public = format!("http://{}", listener.local_addr().expect("addr"));
    spawn_app_on(listener, |c| c.public_url = public).await
}

async fn spawn_app_on(listener: tokio::net::TcpListener, adjust: impl FnOnce(&mut Config)) -> TestApp {
    capture_logs();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config {
        database_url: fresh_database_url(dir.path()).await,
        data_dir: dir.path().to_path_buf(),
        database_max_connections: 4,
        // Tests that are not about rate limits must not trip them; ratelimit.rs tests set their own.
        rate_limit_ip_burst: 100_000,
        rate_limit_account_burst: 100_000,
        smtp_host: "127.0.0.1".into(),
        smtp_port: shared_sink().port,
        smtp_tls: SmtpTls::None,
        mail_dir: dir.path().join("mail"),
        dns_nameservers: vec![shared_dns().addr()],
        dns_timeout_ms: 2000,
        // The test IdPs, SMTP and DNS servers listen on loopback.
        outbound_allowed_networks: gatehouse::http::cidrs::Cidrs::parse("127.0.0.0/8, ::1").unwrap(),
        ..Config::default()
    };
    adjust(&mut config);
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let app = App::build(config, clock.clone()).await.expect("build app");
    app.start_background_tasks();
    let addr = listener.local_addr().expect("addr");
    let endpoint = app.endpoint();
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).expect("acceptor");
    tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(endpoint).await });
    let key = api_keys::create_api_key(&app.ctx, "test")
        .await
        .expect("api key")
        .secret;
    TestApp {
        base: format!("http://{addr}"),
        key,
        ctx: app.ctx,
        clock,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

impl TestApp {
    /// The first email delivered to `to` through the shared SMTP sink (waits up to 10 s).
    pub async fn wait_for_email(&self, to: &str) -> ReceivedEmail {
        shared_sink().wait_for_email(to).await
    }

    /// Continues a sign-in answered `email_verification_required` as the person reading the
    /// mailbox would: with the code of the `nth` verification email sent to `to` (1-based).
    pub async fn prove_pending(&self, to: &str, nth: usize, pending: &serde_json::Value) -> (u16, serde_json::Value) {
        assert_eq!(pending["code"], "email_verification_required", "{pending}");
        let mail = shared_sink().wait_for_nth_titled(to, "Verify your email", nth).await;
        let code = mail
            .text
            .lines()
            .map(str::trim)
            .find(|line| line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()))
            .expect("a six-digit code on a line of its own")
            .to_owned();
        self.authenticate(serde_json::json!({
            "grant_type": "urn:workos:oauth:grant-type:email-verification:code",
            "code": code,
            "pending_authentication_token": pending["pending_authentication_token"],
        }))
        .await
    }

    /// The `n`th email (1-based, in sending order) delivered to `to`.
    pub async fn nth_email(&self, to: &str, n: usize) -> ReceivedEmail {
        shared_sink().wait_for_emails(to, n).await.swap_remove(n - 1)
    }

    /// The client every app has from its first start.
    pub async fn client_id(&self) -> String {
        let clients: Value = self.get("/clients").await.json().await.expect("json");
        clients["data"][0]["id"].as_str().expect("a client").to_owned()
    }

    /// `POST /user_management/authenticate` with `client_id` filled in.
    pub async fn authenticate(&self, mut body: Value) -> (u16, Value) {
        body["client_id"] = Value::String(self.client_id().await);
        parts(self.post("/user_management/authenticate", body).await).await
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.key)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.expect("request")
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.request(Method::POST, path)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.request(Method::PUT, path)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path).send().await.expect("request")
    }

    pub async fn create_org(&self, name: &str) -> Value {
        let resp = self.post("/organizations", serde_json::json!({ "name": name })).await;
        assert_eq!(resp.status(), 201);
        resp.json().await.expect("json")
    }

    pub async fn create_user(&self, email: &str) -> Value {
        let resp = self
            .post("/user_management/users", serde_json::json!({ "email": email }))
            .await;
        assert_eq!(resp.status(), 201);
        resp.json().await.expect("json")
    }

    /// Every event of `kind`, read through the public API with `after` polling.
    pub async fn events_of(&self, kind: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let path = match &after {
                Some(a) => format!("/events?events={kind}&limit=100&after={a}"),
                None => format!("/events?events={kind}&limit=100"),
            };
            let page: Value = self.get(&path).await.json().await.expect("json");
            let data = page["data"].as_array().cloned().unwrap_or_default();
            if data.is_empty() {
                return out;
            }
            after = page["list_metadata"]["after"].as_str().map(str::to_owned);
            out.extend(data);
        }
    }
}

/// Status and parsed JSON body of a response.
pub async fn parts(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A passphrase that meets the password policy.
pub const PASSWORD: &str = "correct horse battery staple 42";

/// An address no other test uses (the SMTP sink is shared by the whole test process).
pub fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.com", ulid::Ulid::new().to_string().to_lowercase())
}

/// Creates a user with `PASSWORD`.
pub async fn sign_up(app: &TestApp, email: &str, verified: bool) -> Value {
    let (status, user) = parts(
        app.post(
            "/user_management/users",
            serde_json::json!({"email": email, "password": PASSWORD, "email_verified": verified}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{user}");
    user
}

/// The TOTP code an authenticator app shows for `secret_base32` at unix time `at`.
pub fn totp_code(secret_base32: &str, at: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_base32).expect("base32 secret");
    totp_rs::Builder::new()
        .with_secret(secret.as_bytes().to_vec())
        .build()
        .expect("TOTP")
        .generate(at as u64)
        .to_string()
}

/// How long a third-party peer (SMTP sink, DNS server, OpenID Provider, webhook receiver) may take
/// to announce its port.
const PEER_START_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Starts a third-party peer (`spawn` runs its process with stdout piped) and returns it with the
/// first line it prints, which is how each of them announces its port. A start that prints nothing
/// within `PEER_START_LIMIT` is killed and tried again, twice: a peer that hangs must fail its test,
/// not stall the whole run.
pub fn start_peer(what: &str, spawn: impl FnMut() -> std::process::Child) -> (std::process::Child, String) {
    start_peer_within(what, PEER_START_LIMIT, spawn)
}

fn start_peer_within(
    what: &str,
    limit: std::time::Duration,
    mut spawn: impl FnMut() -> std::process::Child,
) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    for _ in 0..3 {
        let mut child = spawn();
        let stdout = child.stdout.take().expect("the peer's stdout is piped");
        let (first_line, printed) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = first_line.send(line);
        });
        match printed.recv_timeout(limit) {
            Ok(line) => return (child, line),
            Err(_) => {
                eprintln!("{what} printed nothing in {limit:?}; starting it again");
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
    panic!("{what} did not start in three attempts of {limit:?}");
}

#[test]
fn a_peer_that_hangs_on_start_is_killed_and_started_again() {
    use std::process::{Command, Stdio};
    let mut attempts = 0;
    let (mut child, line) = start_peer_within("a test peer", std::time::Duration::from_millis(500), || {
        attempts += 1;
        // The first start hangs without printing; the second announces itself.
        let script = if attempts == 1 {
            "sleep 30"
        } else {
            "echo 4242; exec sleep 30"
        };
        Command::new("sh")
            .args(["-c", script])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start sh")
    });
    assert_eq!((attempts, line.trim()), (2, "4242"));
    let _ = child.kill();
    let _ = child.wait();
}
