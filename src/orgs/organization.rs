//! An organization with its domains, as `GET /organizations/{id}` answers it and the
//! organization cache (`cache::Caches`) keeps it.

use entities::{organization_domains as domains, organizations};

#[derive(Debug, Clone)]
pub struct Organization {
    pub org: organizations::Model,
    pub domains: Vec<domains::Model>,
}
