//! SCIM 2.0 protocol code (RFC 7643/7644), pure: the filter grammar, its translation to SQL,
//! PATCH with the tolerances Okta and Entra ID need, and the messages and discovery documents.
//! The HTTP endpoints are in `api::scim`; the directory store in `directories`.

pub mod filter;
pub mod filter_sql;
pub mod op;
pub mod patch;
pub mod quirks;
pub mod resources;
