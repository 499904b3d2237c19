//! The DNS server of the tests: dnslib (`tests/interop/dns_server.py`) on loopback, answering
//! from a zone file that tests rewrite while it runs. One server serves every app of a test
//! process; tests use their own domain names, so they never see each other's records.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

pub struct DnsServer {
    pub port: u16,
    zone: PathBuf,
    records: Mutex<Vec<Value>>,
    child: Child,
    // The server exits when this pipe closes: when it is dropped or the process ends.
    _stdin: ChildStdin,
    _dir: tempfile::TempDir,
}

/// The server every `spawn_app` points at.
pub fn shared_dns() -> &'static DnsServer {
    static SERVER: OnceLock<DnsServer> = OnceLock::new();
    SERVER.get_or_init(DnsServer::start)
}

/// A domain no other test uses, under the reserved `.test` TLD.
pub fn unique_domain(prefix: &str) -> String {
    format!("{prefix}-{}.test", ulid::Ulid::new().to_string().to_lowercase())
}

impl DnsServer {
    fn start() -> DnsServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let zone = dir.path().join("zone.json");
        std::fs::write(&zone, "[]").expect("write zone");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/dns_server.py");
        let (mut child, line) = crate::helpers::start_peer("the DNS server", || {
            Command::new("python3")
                .arg(&script)
                .arg(&zone)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start python3 tests/interop/dns_server.py")
        });
        let stdin = child.stdin.take().expect("server stdin");
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!(
                "the DNS server did not start (is dnslib installed? `make test` installs \
                 tests/interop/requirements.txt); it printed {line:?}"
            )
        });
        DnsServer {
            port,
            zone,
            records: Mutex::new(Vec::new()),
            child,
            _stdin: stdin,
            _dir: dir,
        }
    }

    /// `127.0.0.1:<port>`, for `dns_nameservers`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Makes `domain` exist (an A record at its apex), so its missing names are "no record",
    /// not NXDOMAIN.
    pub fn add_domain(&self, domain: &str) {
        self.change(|records| records.push(json!({"name": domain, "type": "A", "value": "127.0.0.1"})));
    }

    pub fn publish_txt(&self, name: &str, value: &str) {
        self.change(|records| records.push(json!({"name": name, "type": "TXT", "value": value})));
    }

    pub fn remove_txt(&self, name: &str, value: &str) {
        self.change(|records| records.retain(|r| !(r["name"] == name && r["type"] == "TXT" && r["value"] == value)));
    }

    fn change(&self, edit: impl FnOnce(&mut Vec<Value>)) {
        let mut records = self.records.lock().unwrap();
        edit(&mut records);
        // The server reads the file on every query: replace it whole, never half-written.
        let tmp = self.zone.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec(&*records).unwrap()).expect("write zone");
        std::fs::rename(&tmp, &self.zone).expect("replace zone");
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
