//! Integration tests: the real server over HTTP, on SQLite or PostgreSQL
//! (`GATEHOUSE_TEST_DATABASE=postgres`).

mod dns;
mod helpers;
mod mail;
#[path = "../support/saml_idp.rs"]
mod saml_idp;

mod admission;
mod api_keys;
mod browser;
mod cli;
mod domains;
mod egress;
mod email;
mod errors;
mod events;
mod hosted;
mod hosted_sso;
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
mod refresh;
mod roles;
mod scim;
mod scim_fixtures;
mod sdk;
mod social_providers;
mod sso_connections;
mod sso_flow;
mod sso_interop;
mod sso_invitations;
mod sso_oidc;
mod sso_signin;
mod sso_social;
mod sso_trust;
mod trust;
mod users;
mod webhooks;
