//! SCIM 2.0 protocol code (RFC 7643/7644), pure: the filter grammar, its translation to SQL,
//! and PATCH with the tolerances Okta and Entra ID need. The HTTP server that uses them is
//! still to come (issue 8).

pub mod filter;
pub mod filter_sql;
pub mod patch;
pub mod quirks;
