use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::seal::Sealer;
use crate::email::Mailer;
use crate::store::Db;
use std::sync::Arc;

/// What every service needs: the database, the clock, the configuration and the email
/// templates.
#[derive(Clone)]
pub struct Ctx {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    pub sealer: Arc<Sealer>,
    pub mailer: Arc<Mailer>,
    pub limits: Arc<crate::ratelimit::RateLimits>,
    pub caches: Arc<crate::cache::Caches>,
    /// Where the server's own requests (SAML metadata, OIDC discovery) may go.
    pub egress: Arc<crate::http::egress::Egress>,
    /// The OIDC relying party: one per process, so provider discovery and JWKS are fetched once and shared.
    pub oidc: Arc<crate::oidc::Oidc>,
    /// The queue to the task that applies refresh-token rotations in batches.
    pub rotations: Arc<crate::sessions::rotation::Rotations>,
}

impl Ctx {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
