#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// ApiError (status, body, field errors) is only ever the error path of a request; boxing it
// would cost an allocation per error and buy nothing measurable.
#![allow(clippy::result_large_err)]
//! Gatehouse: organizations, users and enterprise SSO for B2B SaaS vendors.

// The test IdP (`tests/support/saml_idp.rs`) names the library `gatehouse`, as the integration
// tests that also include it do.
#[cfg(test)]
extern crate self as gatehouse;

pub mod api;
pub mod authentication;
pub mod cache;
pub mod clock;
pub mod config;
pub mod context;
pub mod crypto;
pub mod directories;
pub mod domains;
pub mod email;
pub mod environment;
pub mod error;
pub mod events;
pub mod hosted;
pub mod housekeeping;
pub mod http;
pub mod identity;
pub mod ids;
pub mod invitations;
pub mod oidc;
pub mod orgs;
pub mod policy;
pub mod portal;
pub mod ratelimit;
pub mod scim;
pub mod secrets;
pub mod sessions;
pub mod sso;
pub mod store;
pub mod users;
pub mod validation;
pub mod webhooks;

use crate::clock::Clock;
use crate::config::Config;
use crate::context::Ctx;
use crate::error::ApiError;
use migration::MigratorTrait;
use poem::endpoint::make_sync;
use poem::{get, Endpoint, EndpointExt, IntoResponse, Route};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    SecretKey(#[from] crypto::SecretKeyError),
    #[error("signing key: {0}")]
    SigningKey(String),
    #[error("email: {0}")]
    Email(#[from] email::EmailError),
    #[error(transparent)]
    Dns(#[from] domains::dns::DnsConfigError),
    #[error("cannot create {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("OIDC client: {0}")]
    Oidc(#[from] oidc::OidcError),
}

/// Creates the data directory that the default SQLite file lives in.
pub fn prepare_data_dir(config: &Config) -> Result<(), StartError> {
    if config.is_sqlite() {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

/// A built application: its services, the HTTP endpoint that serves them and the
/// background tasks that `start_background_tasks` runs.
pub struct App {
    pub ctx: Ctx,
    mail_transport: email::transport::Transport,
}

impl App {
    /// Connects, migrates and seeds what every environment needs (default roles and client).
    /// Mail settings are checked here, so a bad `mail_from` or SMTP host stops the start.
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        prepare_data_dir(&config)?;
        let mailer = email::Mailer::from_config(&config)?;
        let mail_transport = email::transport::Transport::from_config(&config)?;
        domains::dns::check_config(&config)?;
        let db = store::Db::connect(&config.database_url, config.database_max_connections).await?;
        migration::Migrator::up(db.write(), None).await?;
        let sealer = crypto::load_sealer(config.secret_key.as_deref(), &config.data_dir)?;
        let limits = ratelimit::RateLimits::new(
            config.rate_limit_ip_burst,
            config.rate_limit_account_burst,
            std::time::Duration::from_secs(config.rate_limit_period_secs),
        );
        let egress = Arc::new(http::egress::Egress::new(config.outbound_allowed_networks.clone()));
        let oidc = Arc::new(
            oidc::Oidc::new(clock.clone(), oidc::HttpLimits::default(), egress.clone())?
                .with_clock_skew(chrono::Duration::seconds(config.sso_clock_skew_secs)),
        );
        let ctx = Ctx {
            db,
            clock,
            config: Arc::new(config),
            sealer: Arc::new(sealer),
            mailer: Arc::new(mailer),
            limits: Arc::new(limits),
            caches: Arc::default(),
            egress,
            oidc,
            rotations: Arc::default(),
        };
        orgs::roles::ensure_default_roles(ctx.db.write(), ctx.now()).await?;
        sessions::keys::ensure_signing_key(&ctx)
            .await
            .map_err(|e| StartError::SigningKey(e.to_string()))?;
        environment::clients::ensure_default_client(&ctx)
            .await
            .map_err(|e| match e {
                environment::clients::ClientError::Db(db) => StartError::Db(db),
                other => StartError::Db(sea_orm::DbErr::Custom(other.to_string())),
            })?;
        Ok(Self { ctx, mail_transport })
    }

    /// Starts the background work of a serving node (the email sender, the domain re-check) on the current
    /// runtime. Commands that only build the app (`openapi`, `bootstrap`) do not call it.
    pub fn start_background_tasks(&self) -> Vec<tokio::task::JoinHandle<()>> {
        tracing::info!(
            transport = %self.mail_transport.describe(&self.ctx.config),
            "email sender started"
        );
        let limits = self.ctx.limits.clone();
        let forget = tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                limits.forget_idle_keys();
            }
        });
        vec![
            email::sender::spawn_sender(self.ctx.clone(), self.mail_transport.clone()),
            domains::spawn_rechecker(self.ctx.clone()),
            invitations::reminders::spawn_reminders(self.ctx.clone()),
            webhooks::worker::spawn_worker(self.ctx.clone()),
            housekeeping::spawn_sweeper(self.ctx.clone()),
            forget,
        ]
    }

    pub fn openapi_json(&self) -> String {
        api::openapi_service(&self.ctx).spec()
    }

    pub fn endpoint(&self) -> impl Endpoint<Output = poem::Response> {
        let service = api::openapi_service(&self.ctx);
        let spec = service.spec();
        let allow = http::allow::Allow::from_openapi(&spec);
        Route::new()
            .at("/openapi.json", get(make_sync(move |_| spec.clone())).map_to_response())
            .at("/scim/v2/*rest", api::scim::ScimEndpoint { ctx: self.ctx.clone() })
            .nest("/hosted", hosted::routes::routes())
            .at("/reset-password", hosted::routes::reset_password_route())
            .nest("/admin-portal", portal::routes::routes())
            .nest("/", service)
            .with(http::idempotency::Idempotency { ctx: self.ctx.clone() })
            .with(http::body_limit::BodyLimit(self.ctx.config.max_body_bytes))
            .data(self.ctx.clone())
            .catch_all_error(|err| async move { ApiError::from_framework(&err).into_response() })
            .with(allow)
            .with(http::client_ip::ClientAddress(std::sync::Arc::new(
                self.ctx.config.trusted_proxies.clone(),
            )))
            .with(http::request_id::RequestId)
            .map_to_response()
    }
}
