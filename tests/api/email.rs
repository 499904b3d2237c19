//! The email outbox end to end: enqueue in a transaction, the background sender, a real
//! SMTP server on loopback (or the file transport), retries and several senders at once.

use crate::helpers::{captured_logs, spawn_app, spawn_app_with, TestApp};
use crate::mail::{closed_port, parse_eml, shared_sink, SmtpSink};
use chrono::Duration;
use entities::email_outbox;
use gatehouse::email::transport::Transport;
use gatehouse::email::{self, outbox};
use gatehouse::ids::EmailId;
use sea_orm::EntityTrait;
use serde_json::{json, Value};
use std::time::Duration as StdDuration;

fn unique_address(label: &str) -> String {
    format!("{label}-{}@example.com", ulid::Ulid::new().to_string().to_lowercase())
}

fn code_data(to: &str, code: &str) -> Value {
    json!({
        "code": code,
        "expires_in_minutes": 10,
        "app_name": "Gatehouse Test",
        "email": to,
    })
}

async fn enqueue_committed(app: &TestApp, to: &str, template: &str, data: &Value) -> EmailId {
    let tx = app.ctx.db.begin().await.unwrap();
    let id = email::enqueue(&tx, &app.ctx.mailer.templates, app.ctx.now(), to, template, data)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn row(app: &TestApp, id: &EmailId) -> email_outbox::Model {
    email_outbox::Entity::find_by_id(id.as_str())
        .one(app.ctx.db.read())
        .await
        .unwrap()
        .expect("outbox row")
}

/// Polls the outbox row until `done` holds (10 s at most).
async fn wait_for_row(
    app: &TestApp,
    id: &EmailId,
    what: &str,
    done: impl Fn(&email_outbox::Model) -> bool,
) -> email_outbox::Model {
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(10);
    loop {
        let r = row(app, id).await;
        if done(&r) {
            return r;
        }
        assert!(tokio::time::Instant::now() < deadline, "waited 10 s for {what}: {r:?}");
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_email_enqueued_in_a_rolled_back_transaction_is_never_sent() {
    let app = spawn_app().await;
    let dropped = unique_address("rolled-back");
    let tx = app.ctx.db.begin().await.unwrap();
    email::enqueue(
        &tx,
        &app.ctx.mailer.templates,
        app.ctx.now(),
        &dropped,
        "magic_auth",
        &code_data(&dropped, "111111"),
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();

    // A later email goes through, so the sender has had every chance to send the first one.
    let kept = unique_address("committed");
    enqueue_committed(&app, &kept, "magic_auth", &code_data(&kept, "222222")).await;
    app.wait_for_email(&kept).await;

    assert!(shared_sink().emails_to(&dropped).is_empty());
    let rows = email_outbox::Entity::find().all(app.ctx.db.read()).await.unwrap();
    assert_eq!(rows.len(), 1, "only the committed email is in the outbox");
}

#[tokio::test]
async fn a_committed_email_is_delivered_once_and_its_bodies_wiped() {
    let app = spawn_app().await;
    let to = unique_address("ada");
    let id = enqueue_committed(&app, &to, "email_verification", &code_data(&to, "493817")).await;

    let mail = app.wait_for_email(&to).await;
    assert_eq!(mail.subject, "Verify your email for Gatehouse Test");
    assert!(mail.text.contains("493817"), "text part: {}", mail.text);
    assert!(mail.html.contains(">493817</p>"), "html part: {}", mail.html);
    assert!(mail.html.contains("<html lang=\"en\">"));
    assert_eq!(mail.from, "Gatehouse <no-reply@localhost>");
    assert_eq!(mail.message_id, format!("{id}@localhost"));

    let sent = wait_for_row(&app, &id, "status sent", |r| r.status == "sent").await;
    assert_eq!(sent.html_body, None);
    assert_eq!(sent.text_body, None);
    assert_eq!(sent.attempts, 1);
    assert_eq!(sent.last_error, None);
    assert_eq!(sent.locked_until, None);
    assert!(sent.sent_at.is_some());
    assert_eq!(sent.subject, "Verify your email for Gatehouse Test");

    tokio::time::sleep(StdDuration::from_millis(600)).await;
    assert_eq!(shared_sink().emails_to(&to).len(), 1, "delivered exactly once");
}

#[tokio::test]
async fn enqueue_rejects_a_bad_address_template_or_missing_variable() {
    let app = spawn_app().await;
    let to = unique_address("bad");
    let templates = &app.ctx.mailer.templates;
    let now = app.ctx.now();
    let db = app.ctx.db.write();
    let cases = [
        ("not an address", "magic_auth", code_data(&to, "1")),
        (to.as_str(), "no_such_template", code_data(&to, "1")),
        (to.as_str(), "magic_auth", json!({ "email": to })),
    ];
    for (address, template, data) in cases {
        let result = email::enqueue(db, templates, now, address, template, &data).await;
        assert!(result.is_err(), "{address} {template} {data}");
    }
    assert!(email_outbox::Entity::find()
        .all(app.ctx.db.read())
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_down_server_is_retried_with_backoff_then_the_email_is_delivered_once() {
    let port = closed_port();
    let app = spawn_app_with(|c| c.smtp_port = port).await;
    let to = unique_address("retry");
    let id = enqueue_committed(&app, &to, "magic_auth", &code_data(&to, "730251")).await;

    let first = wait_for_row(&app, &id, "a first failure", |r| {
        r.attempts == 1 && r.status == "pending"
    })
    .await;
    assert_eq!(first.next_attempt_at - first.created_at, Duration::seconds(5));
    let error = first.last_error.clone().expect("the SMTP error is kept");
    assert!(!error.contains("730251"), "last_error never holds the body: {error}");
    assert!(first.text_body.is_some(), "kept for the next attempt");

    // Not due yet: the clock has not moved, so nothing is tried.
    tokio::time::sleep(StdDuration::from_millis(600)).await;
    assert_eq!(row(&app, &id).await.attempts, 1);

    app.clock.advance(Duration::seconds(5));
    let second = wait_for_row(&app, &id, "a second failure", |r| {
        r.attempts == 2 && r.status == "pending"
    })
    .await;
    // Failed at the first retry time, due again 10 s later (differences of stored times:
    // PostgreSQL keeps microseconds only).
    assert_eq!(second.next_attempt_at - first.next_attempt_at, Duration::seconds(10));

    let sink = SmtpSink::start(port);
    app.clock.advance(Duration::seconds(10));
    let mail = sink.wait_for_email(&to).await;
    assert!(mail.text.contains("730251"));
    let sent = wait_for_row(&app, &id, "status sent", |r| r.status == "sent").await;
    assert_eq!(sent.attempts, 3);
    assert_eq!((sent.text_body, sent.html_body, sent.last_error), (None, None, None));

    tokio::time::sleep(StdDuration::from_millis(600)).await;
    assert_eq!(sink.emails_to(&to).len(), 1, "delivered exactly once");
}

#[tokio::test]
async fn an_email_that_never_gets_through_fails_after_the_last_attempt() {
    let port = closed_port();
    let app = spawn_app_with(|c| c.smtp_port = port).await;
    let to = unique_address("gives-up");
    let id = enqueue_committed(&app, &to, "magic_auth", &code_data(&to, "864209")).await;
    for attempts in 1..outbox::MAX_ATTEMPTS {
        wait_for_row(&app, &id, "the next failure", |r| {
            r.attempts == attempts && r.status == "pending"
        })
        .await;
        app.clock.advance(outbox::backoff(attempts));
    }
    let failed = wait_for_row(&app, &id, "status failed", |r| r.status == "failed").await;
    assert_eq!(failed.attempts, outbox::MAX_ATTEMPTS);
    assert_eq!((failed.text_body, failed.html_body), (None, None), "bodies wiped");
    assert!(failed.last_error.is_some());

    app.clock.advance(Duration::hours(2));
    tokio::time::sleep(StdDuration::from_millis(600)).await;
    assert_eq!(row(&app, &id).await.attempts, outbox::MAX_ATTEMPTS, "never tried again");
}

#[tokio::test]
async fn several_senders_deliver_each_email_once() {
    let app = spawn_app().await;
    // The app runs one sender already; two more compete with it for the same rows.
    for _ in 0..2 {
        email::sender::spawn_sender(app.ctx.clone(), Transport::from_config(&app.ctx.config).unwrap());
    }
    let recipients: Vec<String> = (0..30).map(|i| unique_address(&format!("many{i}"))).collect();
    let tx = app.ctx.db.begin().await.unwrap();
    let mut ids = Vec::new();
    for to in &recipients {
        let id = email::enqueue(
            &tx,
            &app.ctx.mailer.templates,
            app.ctx.now(),
            to,
            "magic_auth",
            &code_data(to, "555555"),
        )
        .await
        .unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();

    for id in &ids {
        wait_for_row(&app, id, "status sent", |r| r.status == "sent").await;
    }
    tokio::time::sleep(StdDuration::from_millis(600)).await;
    for (to, id) in recipients.iter().zip(&ids) {
        assert_eq!(shared_sink().emails_to(to).len(), 1, "{to} got exactly one email");
        assert_eq!(row(&app, id).await.attempts, 1, "{to} was claimed once");
    }
}

#[tokio::test]
async fn the_file_transport_writes_an_eml_file_and_logs_where_not_what() {
    let app = spawn_app_with(|c| c.smtp_host = String::new()).await;
    let to = unique_address("files");
    let token = gatehouse::secrets::generate("reset_");
    let reset_url = format!("https://app.example/reset?token={token}");
    let data = json!({
        "reset_url": reset_url,
        "expires_in_minutes": 30,
        "app_name": "Gatehouse Test",
        "email": to,
    });
    let id = enqueue_committed(&app, &to, "password_reset", &data).await;

    wait_for_row(&app, &id, "status sent", |r| r.status == "sent").await;
    let path = app.ctx.config.mail_dir.join(format!("{id}.eml"));
    let mail = parse_eml(&path);
    assert_eq!(mail.to, to);
    assert_eq!(mail.subject, "Reset your Gatehouse Test password");
    assert!(mail.text.contains(&reset_url), "text part: {}", mail.text);
    assert!(mail.html.contains(&token), "html part: {}", mail.html);
    let files = std::fs::read_dir(&app.ctx.config.mail_dir).unwrap().count();
    assert_eq!(files, 1, "no partial file left behind");

    let logs = captured_logs();
    assert!(logs.contains(&path.display().to_string()), "the path is logged");
    assert!(!logs.contains(&token), "the link never is");
}

#[tokio::test]
async fn an_email_left_in_sending_by_a_dead_sender_is_taken_over_after_its_lock() {
    let app = spawn_app().await;
    // Due in an hour, so the app's own sender leaves them alone until the test claims them.
    let later = app.ctx.now() + Duration::hours(1);
    let templates = &app.ctx.mailer.templates;
    let db = app.ctx.db.write();
    let to = unique_address("orphan");
    let orphan = email::enqueue(db, templates, later, &to, "magic_auth", &code_data(&to, "318054"))
        .await
        .unwrap();
    let last = unique_address("last-try");
    let last_try = email::enqueue(db, templates, later, &last, "magic_auth", &code_data(&last, "1"))
        .await
        .unwrap();
    email_outbox::Entity::update(email_outbox::ActiveModel {
        id: sea_orm::Set(last_try.as_str().to_owned()),
        attempts: sea_orm::Set(outbox::MAX_ATTEMPTS - 1),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap();

    // A sender claims both, then dies without a word.
    let claimed = outbox::claim(&app.ctx.db, later, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    app.clock.advance(Duration::hours(1));
    tokio::time::sleep(StdDuration::from_millis(600)).await;
    assert_eq!(row(&app, &orphan).await.status, "sending", "locked for a minute");

    app.clock.advance(outbox::CLAIM_LOCK + Duration::seconds(1));
    app.wait_for_email(&to).await;
    let sent = wait_for_row(&app, &orphan, "status sent", |r| r.status == "sent").await;
    assert_eq!(sent.attempts, 2, "the dead sender's attempt counts");
    let abandoned = wait_for_row(&app, &last_try, "status failed", |r| r.status == "failed").await;
    assert_eq!((abandoned.text_body, abandoned.html_body), (None, None));
    assert!(shared_sink().emails_to(&last).is_empty(), "no attempt past the last");
}
