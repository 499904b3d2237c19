//! HTTP plumbing around the API: request ids, idempotency, body limits and the error body.

pub mod allow;
pub mod body_limit;
pub mod idempotency;
pub mod request_id;
