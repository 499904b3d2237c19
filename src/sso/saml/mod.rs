//! SAML 2.0 Web Browser SSO for one connection: AuthnRequests, SP metadata and Response
//! verification. Pure protocol code; the flow in `sso::flow` stores and routes.

pub mod keys;
pub mod metadata;
pub mod request;
pub mod testing;
pub mod verify;
