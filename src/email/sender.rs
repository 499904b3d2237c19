//! The background sender: claims due outbox rows, hands them to the transport and records
//! the outcome.
//!
//! It polls every `POLL_EVERY` instead of being woken by `enqueue`: an email is enqueued inside
//! the caller's transaction, so a wake-up would fire before the row is visible, and the poll
//! would be needed anyway for retries that come due and for other nodes' emails. An idle poll
//! is one indexed read on the read pool.

use crate::context::Ctx;
use crate::email::outbox::{self, Status};
use crate::email::transport::{SendError, Transport};
use entities::email_outbox;
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use sea_orm::DbErr;
use std::time::{Duration, SystemTime};
use tokio::task::JoinHandle;
use tracing::{error, info, warn};

const POLL_EVERY: Duration = Duration::from_millis(200);
const BATCH: u64 = 10;
const ERROR_PAUSE: Duration = Duration::from_secs(5);

/// One delivery is cut off after this, well inside `outbox::CLAIM_LOCK`, so a slow server
/// cannot make a claim expire and another sender deliver the same email again.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Starts the sender loop on the current runtime. Several senders, in one process or on many
/// nodes, may run against the same database: each email is claimed by one of them.
pub fn spawn_sender(ctx: Ctx, transport: Transport) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match deliver_due(&ctx, &transport).await {
                // A full batch: more may be waiting.
                Ok(claimed) if claimed as u64 == BATCH => continue,
                Ok(_) => tokio::time::sleep(POLL_EVERY).await,
                Err(err) => {
                    warn!(error = %err, "email outbox: cannot claim emails");
                    // An unreachable database is not polled (and logged) five times a second.
                    tokio::time::sleep(ERROR_PAUSE).await;
                }
            }
        }
    })
}

/// Claims one batch of due emails and delivers them side by side. Returns how many it claimed.
async fn deliver_due(ctx: &Ctx, transport: &Transport) -> Result<usize, DbErr> {
    let rows = outbox::claim(&ctx.db, ctx.now(), BATCH).await?;
    let outcomes = futures::future::join_all(rows.iter().map(|row| deliver(ctx, transport, row))).await;
    for (row, outcome) in rows.iter().zip(outcomes) {
        if let Err(err) = outcome {
            error!(email_id = %row.id, error = %err, "email outbox: cannot record the outcome");
        }
    }
    Ok(rows.len())
}

async fn deliver(ctx: &Ctx, transport: &Transport, row: &email_outbox::Model) -> Result<(), DbErr> {
    let outcome = match build_message(&ctx.mailer.from, row, SystemTime::from(ctx.now())) {
        Ok(message) => match tokio::time::timeout(SEND_TIMEOUT, transport.send(&row.id, message)).await {
            Ok(sent) => sent,
            Err(_) => Err(SendError::transient(format!(
                "no answer within {} s",
                SEND_TIMEOUT.as_secs()
            ))),
        },
        Err(err) => Err(err),
    };
    match outcome {
        Ok(()) => {
            record_sent(ctx, &row.id).await?;
            info!(email_id = %row.id, template = %row.template, attempts = row.attempts, "email sent");
        }
        Err(err) => {
            let status = outbox::mark_failed(
                ctx.db.write(),
                &row.id,
                ctx.now(),
                row.attempts,
                &err.message,
                err.permanent,
            )
            .await?;
            warn!(
                email_id = %row.id,
                attempts = row.attempts,
                gave_up = status == Status::Failed,
                error = %err.message,
                "email delivery failed"
            );
        }
    }
    Ok(())
}

/// The server has the email now: failing to record that would let the claim expire and the
/// email go out twice, so a passing database hiccup is retried.
async fn record_sent(ctx: &Ctx, id: &str) -> Result<(), DbErr> {
    let mut tries = 0;
    loop {
        match outbox::mark_sent(ctx.db.write(), id, ctx.now()).await {
            Ok(()) => return Ok(()),
            Err(err) if tries < 4 => {
                tries += 1;
                warn!(email_id = %id, error = %err, "email sent but not yet recorded; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(err) => return Err(err),
        }
    }
}

/// The MIME message of an outbox row: text and HTML alternatives. Its Message-ID is derived
/// from the email id, so a receiving system can tell a redelivery from a new email.
fn build_message(from: &Mailbox, row: &email_outbox::Model, date: SystemTime) -> Result<Message, SendError> {
    let to: Mailbox = row
        .to_address
        .parse()
        .map_err(|_| SendError::permanent("recipient is not a valid address"))?;
    let (Some(text), Some(html)) = (&row.text_body, &row.html_body) else {
        return Err(SendError::permanent("the email has no body left to send"));
    };
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.as_str())
        .date(date)
        .message_id(Some(format!("<{}@{}>", row.id, from.email.domain())))
        .multipart(MultiPart::alternative_plain_html(text.clone(), html.clone()))
        .map_err(|e| SendError::permanent(e.to_string()))
}
