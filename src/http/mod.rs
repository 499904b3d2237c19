//! HTTP plumbing around the API: request ids, client addresses, where outbound requests may go, idempotency, body limits and the error body.

pub mod allow;
pub mod body_limit;
pub mod cidrs;
pub mod client_ip;
pub mod egress;
pub mod idempotency;
pub mod request_id;
