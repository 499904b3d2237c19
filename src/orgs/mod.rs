//! Organizations, their roles and memberships.

pub mod jit;
pub mod memberships;
pub mod organization;
pub mod organizations;
pub mod roles;
