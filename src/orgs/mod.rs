//! Organizations, their roles and memberships.

pub mod memberships;
pub mod organizations;
pub mod roles;
