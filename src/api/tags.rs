//! The groups the OpenAPI document files its operations under.

use poem_openapi::Tags;

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
