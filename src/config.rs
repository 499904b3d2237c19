//! One typed configuration. Defaults run on an embedded SQLite file under `./data/`;
//! a TOML file and `GATEHOUSE_*` environment variables override them, in that order.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Address the HTTP server binds (`GATEHOUSE_LISTEN`).
    pub listen: String,
    /// `sqlite://...` or `postgres://...` (`GATEHOUSE_DATABASE_URL`).
    pub database_url: String,
    /// Public base URL used in links and metadata (`GATEHOUSE_PUBLIC_URL`).
    pub public_url: String,
    /// tracing filter, e.g. `info,gatehouse=debug` (`GATEHOUSE_LOG`).
    pub log: String,
    /// `text` or `json` log lines (`GATEHOUSE_LOG_FORMAT`).
    pub log_format: String,
    /// Directory for the default SQLite file and other local state (`GATEHOUSE_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Largest accepted request body in bytes (`GATEHOUSE_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// Connections in the database pool (`GATEHOUSE_DATABASE_MAX_CONNECTIONS`).
    pub database_max_connections: u32,
    /// Base64 of 32 bytes sealing secrets at rest (`GATEHOUSE_SECRET_KEY`). When absent, a key
    /// is generated once into `<data_dir>/secret.key`.
    pub secret_key: Option<String>,
    /// ES256 (default) or RS256 for access tokens (`GATEHOUSE_SIGNING_ALG`).
    pub signing_alg: String,
    /// Access-token lifetime in seconds (`GATEHOUSE_ACCESS_TOKEN_TTL_SECS`).
    pub access_token_ttl_secs: i64,
    /// Absolute session lifetime in seconds (`GATEHOUSE_SESSION_LIFETIME_SECS`).
    pub session_lifetime_secs: i64,
    /// A session unused (not refreshed) this long expires (`GATEHOUSE_SESSION_IDLE_TIMEOUT_SECS`).
    pub session_idle_timeout_secs: i64,
    /// Credential attempts one client IP may make per `rate_limit_period_secs` (`GATEHOUSE_RATE_LIMIT_IP_BURST`).
    pub rate_limit_ip_burst: u32,
    /// Credential attempts against one account per period (`GATEHOUSE_RATE_LIMIT_ACCOUNT_BURST`).
    pub rate_limit_account_burst: u32,
    /// Seconds for a spent burst to refill (`GATEHOUSE_RATE_LIMIT_PERIOD_SECS`).
    pub rate_limit_period_secs: u64,
    /// Proxies (CIDRs, comma-separated) whose `Forwarded` / `X-Forwarded-For` name the client's
    /// address; empty believes no such header (`GATEHOUSE_TRUSTED_PROXIES`, e.g. `10.0.0.0/8`).
    pub trusted_proxies: crate::http::cidrs::Cidrs,
    /// Internal networks (CIDRs, comma-separated) that SAML metadata URLs and OIDC issuers may
    /// still point at; empty refuses loopback, private and link-local targets
    /// (`GATEHOUSE_OUTBOUND_ALLOWED_NETWORKS`, e.g. `10.20.0.0/16` for an IdP on the private network).
    pub outbound_allowed_networks: crate::http::cidrs::Cidrs,
    /// SMTP server for outgoing email; empty writes `.eml` files to `mail_dir` instead
    /// (`GATEHOUSE_SMTP_HOST`).
    pub smtp_host: String,
    /// SMTP port (`GATEHOUSE_SMTP_PORT`).
    pub smtp_port: u16,
    /// SMTP user name, if the server wants one (`GATEHOUSE_SMTP_USERNAME`).
    pub smtp_username: Option<String>,
    /// SMTP password (`GATEHOUSE_SMTP_PASSWORD`). Never serialized, so never printed.
    #[serde(default, skip_serializing)]
    pub smtp_password: Option<SecretString>,
    /// `none`, `starttls` or `tls` (`GATEHOUSE_SMTP_TLS`).
    pub smtp_tls: SmtpTls,
    /// The `From` of every email (`GATEHOUSE_MAIL_FROM`).
    pub mail_from: String,
    /// Where the file transport writes `<email_id>.eml` (`GATEHOUSE_MAIL_DIR`).
    pub mail_dir: PathBuf,
    /// Nameservers for domain verification, `IP` or `IP:port`; empty uses the system's
    /// `resolv.conf` (`GATEHOUSE_DNS_NAMESERVERS`, e.g. `[127.0.0.1:5353]`).
    pub dns_nameservers: Vec<String>,
    /// Timeout of one DNS request in milliseconds (`GATEHOUSE_DNS_TIMEOUT_MS`).
    pub dns_timeout_ms: u64,
    /// Seconds between runs of the background re-check of pending domains
    /// (`GATEHOUSE_DOMAIN_RECHECK_INTERVAL_SECS`).
    pub domain_recheck_interval_secs: u64,
    /// Where invitation emails link to, with `?invitation_token=…` appended: the vendor's page that
    /// signs the invitee up or in with the token. Empty: `<public_url>/invitations/accept`
    /// (`GATEHOUSE_INVITATION_ACCEPT_URL`).
    pub invitation_accept_url: String,
    /// Days a pending invitation waits before each reminder (`GATEHOUSE_INVITATION_REMINDER_AFTER_DAYS`).
    pub invitation_reminder_after_days: u32,
    /// Reminders sent at most per invitation; 0 sends none (`GATEHOUSE_INVITATION_MAX_REMINDERS`).
    pub invitation_max_reminders: u32,
    /// Seconds between runs of the reminder task (`GATEHOUSE_INVITATION_REMINDER_INTERVAL_SECS`).
    pub invitation_reminder_interval_secs: u64,
    /// Clock skew tolerated on SAML NotBefore/NotOnOrAfter, in seconds
    /// (`GATEHOUSE_SSO_CLOCK_SKEW_SECS`).
    pub sso_clock_skew_secs: i64,
    /// Social sign-in providers for `/sso/authorize?provider=…`, one TOML table each
    /// (`[social.google]`, `[social.microsoft]`, `[social.github]`); `GATEHOUSE_SOCIAL` takes the same as a
    /// dict. A registration made through `/sso/social_providers/{provider}` takes precedence; with neither,
    /// that provider is refused.
    #[serde(default)]
    pub social: SocialProviders,
}

/// The environment's social sign-in registrations.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SocialProviders {
    pub google: Option<SocialProviderConfig>,
    pub microsoft: Option<SocialProviderConfig>,
    pub github: Option<SocialProviderConfig>,
}

/// This server's OAuth client at one provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SocialProviderConfig {
    pub client_id: String,
    /// Never serialized, so never printed (`Debug` shows it redacted).
    #[serde(skip_serializing)]
    pub client_secret: SecretString,
    /// Replaces the provider's public base: Google's issuer (`https://accounts.google.com`), Microsoft's login
    /// host, GitHub's web host. For sovereign clouds and for tests against a local provider.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Microsoft only: `common` (default), `organizations`, `consumers` or a tenant id.
    #[serde(default)]
    pub tenant: Option<String>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same host or in tests.
    None,
    /// Connect in plain text, then upgrade; refuse to go on if the server cannot.
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://./data/gatehouse.db?mode=rwc".into(),
            public_url: "http://127.0.0.1:8080".into(),
            log: "info".into(),
            log_format: "text".into(),
            data_dir: PathBuf::from("./data"),
            max_body_bytes: 1024 * 1024,
            database_max_connections: 16,
            secret_key: None,
            signing_alg: "ES256".into(),
            access_token_ttl_secs: 300,
            session_lifetime_secs: 30 * 24 * 3600,
            session_idle_timeout_secs: 7 * 24 * 3600,
            rate_limit_ip_burst: 60,
            rate_limit_account_burst: 10,
            rate_limit_period_secs: 60,
            trusted_proxies: Default::default(),
            outbound_allowed_networks: Default::default(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_username: None,
            smtp_password: None,
            smtp_tls: SmtpTls::Starttls,
            mail_from: "Gatehouse <no-reply@localhost>".into(),
            mail_dir: PathBuf::from("./data/mail"),
            dns_nameservers: Vec::new(),
            dns_timeout_ms: 3000,
            domain_recheck_interval_secs: 30,
            invitation_accept_url: String::new(),
            invitation_reminder_after_days: 3,
            invitation_max_reminders: 2,
            invitation_reminder_interval_secs: 60,
            sso_clock_skew_secs: 90,
            social: SocialProviders::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(#[from] Box<figment::Error>);

impl Config {
    /// Defaults, then the TOML file (if given and present), then `GATEHOUSE_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            figment = figment.merge(Toml::file(path));
        }
        figment
            .merge(Env::prefixed("GATEHOUSE_").ignore(&["CONFIG"]))
            .extract()
            .map_err(|e| ConfigError(Box::new(e)))
    }

    /// The `iss` of access tokens.
    pub fn issuer(&self) -> String {
        self.public_url.trim_end_matches('/').to_owned()
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure signature, not ours
    fn env_overrides_file_which_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("gh.toml", "listen = \"0.0.0.0:9000\"\npublic_url = \"https://file\"")?;
            jail.set_env("GATEHOUSE_PUBLIC_URL", "https://env");
            let config = Config::load(Some(Path::new("gh.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(config.listen, "0.0.0.0:9000");
            assert_eq!(config.public_url, "https://env");
            assert!(config.is_sqlite());
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure signature, not ours
    fn smtp_is_one_config_block_away() {
        use secrecy::ExposeSecret;
        figment::Jail::expect_with(|jail| {
            let defaults = Config::load(None).map_err(|e| e.to_string())?;
            assert!(defaults.smtp_host.is_empty(), "files by default");
            assert_eq!(defaults.smtp_tls, SmtpTls::Starttls);
            jail.create_file(
                "gh.toml",
                "smtp_host = \"smtp.example.com\"\nsmtp_port = 465\nsmtp_tls = \"tls\"\n\
                 smtp_username = \"mailer\"\nsmtp_password = \"hunter2\"",
            )?;
            jail.set_env("GATEHOUSE_SMTP_TLS", "none");
            let config = Config::load(Some(Path::new("gh.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(config.smtp_host, "smtp.example.com");
            assert_eq!(config.smtp_port, 465);
            assert_eq!(config.smtp_tls, SmtpTls::None);
            assert_eq!(config.smtp_username.as_deref(), Some("mailer"));
            let password = config.smtp_password.as_ref().map(|p| p.expose_secret().to_owned());
            assert_eq!(password.as_deref(), Some("hunter2"));
            assert!(!format!("{config:?}").contains("hunter2"), "Debug redacts it");
            Ok(())
        });
    }
    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure signature, not ours
    fn social_providers_come_from_one_table_each_and_never_show_their_secret() {
        use secrecy::ExposeSecret;
        figment::Jail::expect_with(|jail| {
            let defaults = Config::load(None).map_err(|e| e.to_string())?;
            assert!(defaults.social.google.is_none() && defaults.social.github.is_none());
            jail.create_file(
                "gh.toml",
                "[social.google]\nclient_id = \"g-id\"\nclient_secret = \"g-secret\"\n\
                 base_url = \"http://127.0.0.1:4000\"\n[social.microsoft]\nclient_id = \"m-id\"\n\
                 client_secret = \"m-secret\"\ntenant = \"organizations\"",
            )?;
            let config = Config::load(Some(Path::new("gh.toml"))).map_err(|e| e.to_string())?;
            let google = config.social.google.as_ref().ok_or("no google")?;
            assert_eq!(google.client_id, "g-id");
            assert_eq!(google.client_secret.expose_secret(), "g-secret");
            assert_eq!(google.base_url.as_deref(), Some("http://127.0.0.1:4000"));
            let microsoft = config.social.microsoft.as_ref().ok_or("no microsoft")?;
            assert_eq!(microsoft.tenant.as_deref(), Some("organizations"));
            assert!(config.social.github.is_none());
            let shown = format!("{config:?}");
            assert!(
                !shown.contains("g-secret") && !shown.contains("m-secret"),
                "Debug redacts them"
            );
            let serialized = serde_json::to_string(&config).map_err(|e| e.to_string())?;
            assert!(!serialized.contains("g-secret"), "never serialized");
            Ok(())
        });
    }
}
