//! Webhooks: endpoints (with sealed signing secrets), fan-out from the event log, and signed
//! at-least-once delivery with backoff.

pub mod deliveries;
pub mod dispatch;
pub mod endpoints;
pub mod signature;
pub mod worker;
