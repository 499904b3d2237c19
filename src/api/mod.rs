//! HTTP endpoints, one module per resource of API.md. Each handler parses, authorizes,
//! calls one service function and maps the result; rules live in the services.

pub mod api_keys;
pub mod auth;
pub mod authenticate;
pub mod clients;
pub mod connections;
pub mod directories;
pub mod domains;
pub mod events;
pub mod health;
pub mod invitations;
pub mod mailbox;
pub mod memberships;
pub mod mfa;
pub mod organizations;
pub mod pagination;
pub mod policy;
pub mod portal;
pub mod roles;
pub mod scim;
pub mod sessions;
pub mod social_providers;
pub mod sso;
pub mod text;
pub mod users;
pub mod webhooks;

use crate::context::Ctx;
use crate::error::ApiError;
use crate::http::client_ip::ClientIp;
use crate::ratelimit::AccountKey;
use poem_openapi::{OpenApiService, Tags};

#[derive(Tags)]
pub enum Tag {
    /// Organizations and their domains
    Organizations,
    /// Users, memberships and roles
    UserManagement,
    /// The event log
    Events,
    /// API keys and clients
    Environment,
    /// Liveness and readiness
    Health,
    /// Directory Sync (SCIM) directories, users and groups
    DirectorySync,
    /// Enterprise SSO: connections and the SSO flow
    Sso,
    /// Admin Portal links for customers' IT admins
    AdminPortal,
}

/// poem-openapi implements `OpenApi` for tuples of at most 16, so the APIs come in two groups.
pub type Apis = (CoreApis, EnterpriseApis);

pub type CoreApis = (
    organizations::OrganizationsApi,
    domains::DomainsApi,
    users::UsersApi,
    memberships::MembershipsApi,
    roles::RolesApi,
    events::EventsApi,
    api_keys::ApiKeysApi,
    clients::ClientsApi,
    health::HealthApi,
    authenticate::AuthenticateApi,
    mfa::MfaApi,
    sessions::SessionsApi,
    mailbox::MailboxApi,
    policy::PolicyApi,
);

pub type EnterpriseApis = (
    invitations::InvitationsApi,
    webhooks::WebhooksApi,
    directories::DirectoriesApi,
    connections::ConnectionsApi,
    sso::SsoApi,
    portal::PortalApi,
    social_providers::SocialProvidersApi,
);

pub fn openapi_service(ctx: &Ctx) -> OpenApiService<Apis, ()> {
    let core = (
        organizations::OrganizationsApi { ctx: ctx.clone() },
        domains::DomainsApi { ctx: ctx.clone() },
        users::UsersApi { ctx: ctx.clone() },
        memberships::MembershipsApi { ctx: ctx.clone() },
        roles::RolesApi { ctx: ctx.clone() },
        events::EventsApi { ctx: ctx.clone() },
        api_keys::ApiKeysApi { ctx: ctx.clone() },
        clients::ClientsApi { ctx: ctx.clone() },
        health::HealthApi { ctx: ctx.clone() },
        authenticate::AuthenticateApi { ctx: ctx.clone() },
        mfa::MfaApi { ctx: ctx.clone() },
        sessions::SessionsApi { ctx: ctx.clone() },
        mailbox::MailboxApi { ctx: ctx.clone() },
        policy::PolicyApi { ctx: ctx.clone() },
    );
    let enterprise = (
        invitations::InvitationsApi { ctx: ctx.clone() },
        webhooks::WebhooksApi { ctx: ctx.clone() },
        directories::DirectoriesApi { ctx: ctx.clone() },
        connections::ConnectionsApi { ctx: ctx.clone() },
        sso::SsoApi { ctx: ctx.clone() },
        portal::PortalApi { ctx: ctx.clone() },
        social_providers::SocialProvidersApi { ctx: ctx.clone() },
    );
    OpenApiService::new((core, enterprise), "Gatehouse", env!("CARGO_PKG_VERSION"))
        .server(ctx.config.public_url.clone())
}

/// Parses a path id; a malformed or wrong-kind id names no resource, so it is a 404.
pub fn path_id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found(what))
}

/// Parses an id from a request body or query; a wrong-kind id there is a validation error.
pub fn field_id<T: std::str::FromStr>(raw: &str, field: &str) -> Result<T, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::field(field, "invalid_id", format!("`{raw}` is not a valid id for {field}")))
}

/// Absent → leave as is; null → clear; value → set.
pub fn patch_field<T, U: From<T>>(field: poem_openapi::types::MaybeUndefined<T>) -> Option<Option<U>> {
    use poem_openapi::types::MaybeUndefined;
    match field {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.into())),
    }
}

/// The end user's IP: what the vendor's backend reports for them (`ip_address`), else the
/// client address of this connection (`http::client_ip`: the peer, or whom a trusted proxy
/// names).
pub fn client_ip(req: &poem::Request, reported: Option<&str>) -> Option<String> {
    reported
        .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
        .or_else(|| req.extensions().get::<ClientIp>().map(|client| client.0))
        .or_else(|| req.remote_addr().as_socket_addr().map(|addr| addr.ip()))
        .map(|ip| ip.to_string())
}

/// Spends a credential attempt for this IP and account, or answers 429 with `Retry-After`.
pub fn rate_limit(ctx: &Ctx, ip: Option<&str>, account: Option<&AccountKey>) -> Result<(), ApiError> {
    Ok(ctx.limits.check(ip, account)?)
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(req: &poem::Request) -> Option<&str> {
    req.headers()
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}
