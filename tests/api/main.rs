//! Integration tests: the real server over HTTP, on SQLite or PostgreSQL
//! (`GATEHOUSE_TEST_DATABASE=postgres`).

mod dns;
mod helpers;
mod mail;

mod api_keys;
mod cli;
mod domains;
mod email;
mod errors;
mod events;
mod idempotency;
mod identity;
mod logs;
mod memberships;
mod openapi;
mod organizations;
mod policy;
mod ratelimit;
mod roles;
mod sso_connections;
mod sso_flow;
mod sso_interop;
mod users;
