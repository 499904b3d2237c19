//! sea-orm entities: table shapes only, no logic.

pub mod api_keys;
pub mod clients;
pub mod email_outbox;
pub mod events;
pub mod idempotency_keys;
pub mod organization_domains;
pub mod organization_memberships;
pub mod organizations;
pub mod roles;
pub mod users;
