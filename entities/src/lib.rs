//! sea-orm entities: table shapes only, no logic.

pub mod api_keys;
pub mod clients;
pub mod email_outbox;
pub mod events;
pub mod idempotency_keys;
pub mod mfa_challenges;
pub mod mfa_factors;
pub mod mfa_recovery_codes;
pub mod one_time_codes;
pub mod organization_domains;
pub mod organization_memberships;
pub mod organization_policies;
pub mod organizations;
pub mod password_credentials;
pub mod pending_authentications;
pub mod refresh_tokens;
pub mod roles;
pub mod saml_replay_cache;
pub mod sessions;
pub mod signing_keys;
pub mod sso_codes;
pub mod sso_connection_certificates;
pub mod sso_connections;
pub mod sso_pending_logins;
pub mod users;
