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
pub mod request;
pub mod roles;
pub mod scim;
pub mod sessions;
pub mod social_providers;
pub mod sso;
pub mod tags;
pub mod text;
pub mod user_object;
pub mod users;
pub mod webhooks;

use crate::context::Ctx;
use poem_openapi::OpenApiService;

pub use request::{bearer, client_ip, rate_limit};

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
