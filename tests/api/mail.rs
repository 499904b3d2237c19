//! The SMTP server of the tests: aiosmtpd (`tests/interop/smtp_sink.py`) on loopback, storing
//! what it receives in a Maildir that tests read back. One shared sink serves every app of a
//! test process; a test may start its own on a chosen port.

use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

pub struct SmtpSink {
    pub port: u16,
    pub maildir: PathBuf,
    child: Child,
    // The sink exits when this pipe closes: when the sink is dropped or the process ends.
    _stdin: ChildStdin,
    _dir: tempfile::TempDir,
}

/// An email as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    /// The envelope recipient.
    pub to: String,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
}

/// The sink every `spawn_app` points at.
pub fn shared_sink() -> &'static SmtpSink {
    static SINK: OnceLock<SmtpSink> = OnceLock::new();
    SINK.get_or_init(|| SmtpSink::start(0))
}

/// A loopback port nothing listens on (at least for now).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

impl SmtpSink {
    /// Starts a sink on `port` (0: any free port) and waits until it listens.
    pub fn start(port: u16) -> SmtpSink {
        let dir = tempfile::tempdir().expect("temp dir");
        let maildir = dir.path().join("maildir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/smtp_sink.py");
        let (mut child, line) = crate::helpers::start_peer("the SMTP sink", || {
            Command::new("python3")
                .arg(&script)
                .arg(&maildir)
                .arg(port.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start python3 tests/interop/smtp_sink.py")
        });
        let stdin = child.stdin.take().expect("sink stdin");
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!(
                "the SMTP sink did not start (is aiosmtpd installed? `make test` installs \
                 tests/interop/requirements.txt); it printed {line:?}"
            )
        });
        SmtpSink {
            port,
            maildir,
            child,
            _stdin: stdin,
            _dir: dir,
        }
    }

    /// Every message received so far for envelope recipient `to`.
    pub fn emails_to(&self, to: &str) -> Vec<ReceivedEmail> {
        let mut found = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else {
                continue;
            };
            for entry in entries {
                let bytes = std::fs::read(entry.expect("maildir entry").path()).expect("read mail");
                let email = parse(&bytes);
                if email.to.eq_ignore_ascii_case(to) {
                    found.push(email);
                }
            }
        }
        found
    }

    /// The first `count` messages for `to` in the order they were queued (Message-IDs carry
    /// the outbox's time-ordered id), waiting up to 30 s for them.
    pub async fn wait_for_emails(&self, to: &str, count: usize) -> Vec<ReceivedEmail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let mut found = self.emails_to(to);
            if found.len() >= count {
                found.sort_by(|a, b| a.message_id.cmp(&b.message_id));
                return found;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "fewer than {count} emails for {to} within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The `nth` (1-based, in sending order) message for `to` whose subject starts with
    /// `subject`, waiting up to 30 s for it.
    pub async fn wait_for_nth_titled(&self, to: &str, subject: &str, nth: usize) -> ReceivedEmail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let mut found: Vec<_> = self
                .emails_to(to)
                .into_iter()
                .filter(|m| m.subject.starts_with(subject))
                .collect();
            if found.len() >= nth {
                found.sort_by(|a, b| a.message_id.cmp(&b.message_id));
                return found.swap_remove(nth - 1);
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "fewer than {nth} emails titled {subject:?} for {to} within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The first message for `to`, waiting up to 10 s for it to arrive.
    pub async fn wait_for_email(&self, to: &str) -> ReceivedEmail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(email) = self.emails_to(to).into_iter().next() {
                return email;
            }
            assert!(tokio::time::Instant::now() < deadline, "no email for {to} within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse(bytes: &[u8]) -> ReceivedEmail {
    let message = mail_parser::MessageParser::default()
        .parse(bytes)
        .expect("a parsable email");
    let header = |name: &str| message.header_raw(name).unwrap_or_default().trim().to_owned();
    let mut text = String::new();
    let mut html = String::new();
    for part in &message.parts {
        if part.is_text_html() {
            html = part.text_contents().unwrap_or_default().to_owned();
        } else if part.is_text() {
            text = part.text_contents().unwrap_or_default().to_owned();
        }
    }
    let envelope_to = header("X-RcptTo");
    ReceivedEmail {
        // A file written by the file transport has no envelope: use its To header.
        to: if envelope_to.is_empty() {
            header("To")
        } else {
            envelope_to
        },
        from: header("From"),
        subject: message.subject().unwrap_or_default().to_owned(),
        text,
        html,
        message_id: message.message_id().unwrap_or_default().to_owned(),
    }
}

/// Parses an `.eml` file the file transport wrote.
pub fn parse_eml(path: &Path) -> ReceivedEmail {
    parse(&std::fs::read(path).expect("read .eml"))
}
