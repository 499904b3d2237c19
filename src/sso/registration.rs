//! A social provider's registration as the environment's table states it, the value the
//! social provider cache (`cache::Caches`) keeps.

use crate::oidc::social::SocialConfig;

/// What the environment's table says about a provider, as cached.
#[derive(Debug, Clone)]
pub enum Stored {
    Absent,
    Disabled,
    Enabled(SocialConfig),
}
