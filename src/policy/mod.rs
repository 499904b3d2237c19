//! Organization auth policies and their evaluation against a session's auth facts.

pub mod admission;
pub mod evaluate;
pub mod policies;
