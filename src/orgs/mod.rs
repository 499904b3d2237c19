//! Organizations, their roles and memberships.

pub mod jit;
pub mod memberships;
pub mod organizations;
pub mod roles;
