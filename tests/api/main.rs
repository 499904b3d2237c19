//! Integration tests: the real server over HTTP, on SQLite or PostgreSQL
//! (`GATEHOUSE_TEST_DATABASE=postgres`).

mod dns;
mod helpers;
mod mail;

mod api_keys;
mod browser;
mod cli;
mod domains;
mod email;
mod errors;
mod events;
mod hosted;
mod idempotency;
mod identity;
mod invitations;
mod logs;
mod memberships;
mod oidc;
mod openapi;
mod organizations;
mod policy;
mod portal;
mod ratelimit;
mod roles;
mod scim;
mod sdk;
mod sso_connections;
mod sso_flow;
mod sso_interop;
mod sso_oidc;
mod sso_signin;
mod users;
mod webhooks;
