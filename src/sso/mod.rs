//! Enterprise SSO: connections (SAML and OIDC), the authorize → IdP → code → token flow
//! both protocols share, and the normalized profile.

pub mod codes;
pub mod connections;
pub mod flow;
pub mod issuer_url;
pub mod login;
pub mod oidc_flow;
pub mod profile;
pub mod registration;
pub mod saml;
pub mod social;
pub mod social_providers;
