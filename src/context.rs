use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::seal::Sealer;
use crate::store::Db;
use std::sync::Arc;

/// What every service needs: the database, the clock and the configuration.
#[derive(Clone)]
pub struct Ctx {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    pub sealer: Arc<Sealer>,
}

impl Ctx {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
