//! Environment-level resources: API keys for vendors' backends and the clients (apps)
//! that sign users in.

pub mod api_keys;
pub mod clients;
