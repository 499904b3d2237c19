//! The background worker of a serving node: fans new events out to endpoints, then claims due
//! deliveries, POSTs them signed and records the outcome. Any number of workers, in one process
//! or many, may run against the same database: each delivery is claimed by one of them.

use crate::context::Ctx;
use crate::webhooks::deliveries::{self, Failure, Status};
use crate::webhooks::{dispatch, endpoints, signature};
use chrono::SecondsFormat;
use entities::{events, webhook_deliveries, webhook_endpoints};
use sea_orm::{DbErr, EntityTrait};
use std::time::Duration;
use tokio::task::JoinHandle;
use tracing::{error, info, warn};

const POLL_EVERY: Duration = Duration::from_millis(200);
const BATCH: u64 = 20;
const DISPATCH_BATCH: u64 = 200;
const ERROR_PAUSE: Duration = Duration::from_secs(5);

/// One delivery is cut off after this, well inside `deliveries::CLAIM_LOCK`, so a slow receiver
/// cannot make a claim expire and another worker send the same delivery while this one waits.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// Starts the worker loop on the current runtime.
pub fn spawn_worker(ctx: Ctx) -> JoinHandle<()> {
    tokio::spawn(async move {
        let http = match reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            // A redirect would carry the signed body somewhere the vendor never registered.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Gatehouse-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(http) => http,
            Err(err) => {
                error!(error = %err, "webhooks: cannot build the HTTP client; deliveries stopped");
                return;
            }
        };
        loop {
            match run_once(&ctx, &http).await {
                Ok(busy) if busy => continue,
                Ok(_) => tokio::time::sleep(POLL_EVERY).await,
                Err(err) => {
                    warn!(error = %err, "webhooks: cannot dispatch or claim deliveries");
                    tokio::time::sleep(ERROR_PAUSE).await;
                }
            }
        }
    })
}

/// One round; true when a full batch suggests more work is waiting.
async fn run_once(ctx: &Ctx, http: &reqwest::Client) -> Result<bool, DbErr> {
    let dispatched = dispatch::dispatch(&ctx.db, ctx.now(), DISPATCH_BATCH).await?;
    let rows = deliveries::claim(&ctx.db, ctx.now(), BATCH).await?;
    let outcomes = futures::future::join_all(rows.iter().map(|row| deliver(ctx, http, row))).await;
    for (row, outcome) in rows.iter().zip(outcomes) {
        if let Err(err) = outcome {
            error!(webhook_delivery_id = %row.id, error = %err, "webhooks: cannot record the outcome");
        }
    }
    Ok(dispatched as u64 == DISPATCH_BATCH || rows.len() as u64 == BATCH)
}

/// The JSON body of a delivery: the event as `GET /events` shows it.
pub fn event_body(event: &events::Model) -> Vec<u8> {
    let body = serde_json::json!({
        "object": "event",
        "id": event.id,
        "event": event.event,
        "data": event.data,
        "created_at": event.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

async fn deliver(ctx: &Ctx, http: &reqwest::Client, row: &webhook_deliveries::Model) -> Result<(), DbErr> {
    let outcome = attempt(ctx, http, row).await?;
    let now = ctx.now();
    match outcome {
        Ok(code) => {
            deliveries::mark_succeeded(ctx.db.write(), &row.id, now, code).await?;
            info!(
                webhook_delivery_id = %row.id,
                webhook_endpoint_id = %row.webhook_endpoint_id,
                event_id = %row.event_id,
                attempts = row.attempts,
                "webhook delivered"
            );
        }
        Err(failure) => {
            let status = deliveries::mark_failed(ctx.db.write(), row, now, &failure).await?;
            warn!(
                webhook_delivery_id = %row.id,
                webhook_endpoint_id = %row.webhook_endpoint_id,
                attempts = row.attempts,
                status_code = ?failure.status_code,
                gave_up = status == Status::Failed,
                error = %failure.error,
                "webhook delivery failed"
            );
        }
    }
    Ok(())
}

fn permanent(error: &str) -> Failure {
    Failure {
        status_code: None,
        error: error.to_owned(),
        permanent: true,
    }
}

/// Sends one delivery. The outer error is the database; the inner one is the attempt's outcome.
async fn attempt(
    ctx: &Ctx,
    http: &reqwest::Client,
    row: &webhook_deliveries::Model,
) -> Result<Result<u16, Failure>, DbErr> {
    let Some(endpoint) = webhook_endpoints::Entity::find_by_id(row.webhook_endpoint_id.as_str())
        .one(ctx.db.read())
        .await?
    else {
        return Ok(Err(permanent("the endpoint was deleted")));
    };
    if !endpoint.enabled {
        return Ok(Err(permanent("the endpoint is disabled")));
    }
    let Some(event) = events::Entity::find_by_id(row.event_id.as_str())
        .one(ctx.db.read())
        .await?
    else {
        return Ok(Err(permanent("the event is no longer kept")));
    };
    let secrets = match endpoints::live_secrets(ctx, &endpoint, ctx.now()) {
        Ok(s) => s,
        Err(err) => {
            error!(webhook_endpoint_id = %endpoint.id, error = %err, "webhooks: cannot open the endpoint secret");
            return Ok(Err(permanent("the endpoint secret cannot be opened")));
        }
    };
    let body = event_body(&event);
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let header = signature::header(&secret_refs, ctx.now().timestamp(), &body);
    let sent = http
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header(signature::HEADER, header)
        .header("Gatehouse-Delivery-Id", row.id.as_str())
        .body(body)
        .send()
        .await;
    Ok(match sent {
        Ok(resp) if resp.status().is_success() => Ok(resp.status().as_u16()),
        Ok(resp) => Err(Failure {
            status_code: Some(resp.status().as_u16()),
            error: format!("the endpoint answered {}", resp.status()),
            permanent: false,
        }),
        Err(err) => Err(Failure {
            status_code: None,
            error: describe(&err),
            permanent: false,
        }),
    })
}

/// A short reason that names no secret (reqwest errors can carry the URL, which is the vendor's).
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        format!("no answer within {} s", SEND_TIMEOUT.as_secs())
    } else if err.is_connect() {
        "cannot connect to the endpoint".to_owned()
    } else {
        "the request failed before an answer".to_owned()
    }
}
