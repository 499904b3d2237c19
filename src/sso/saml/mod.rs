//! SAML 2.0 Web Browser SSO for one connection: AuthnRequests, SP metadata and Response
//! verification. Pure protocol code; the flow in `sso::flow` stores and routes.

pub mod keys;
pub mod metadata;
pub mod request;
/// The test IdP that signs responses, shared with the integration tests; never in the library.
#[cfg(test)]
#[path = "../../../tests/support/saml_idp.rs"]
pub(crate) mod testing;
pub mod verify;
