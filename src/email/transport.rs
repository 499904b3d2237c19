//! Where emails go: an SMTP server through lettre, or `.eml` files in a directory, the
//! development default, so `make run` needs no mail server.

use super::error::EmailError;
use crate::config::{Config, SmtpTls};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Longest wait for one SMTP reply.
const SMTP_COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File { dir: PathBuf },
}

/// Why one delivery failed. The message is the transport's error (an SMTP reply or an I/O
/// error), never the email. A permanent failure (a 5xx reply) is not retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl SendError {
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }
}

impl Transport {
    /// SMTP when `smtp_host` is set, else files under `mail_dir`.
    ///
    /// Errors: `SmtpConfig` when TLS is asked for and `smtp_host` is not a valid TLS name.
    pub fn from_config(config: &Config) -> Result<Self, EmailError> {
        if config.smtp_host.is_empty() {
            return Ok(Self::File {
                dir: config.mail_dir.clone(),
            });
        }
        let host = config.smtp_host.as_str();
        let mut builder = match config.smtp_tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(EmailError::SmtpConfig)?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(EmailError::SmtpConfig)?,
        }
        .port(config.smtp_port)
        .timeout(Some(SMTP_COMMAND_TIMEOUT));
        if let Some(user) = &config.smtp_username {
            let password = config
                .smtp_password
                .as_ref()
                .map(|p| p.expose_secret().to_owned())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Self::Smtp(builder.build()))
    }

    /// Where mail goes, for the startup log line.
    pub fn describe(&self, config: &Config) -> String {
        match self {
            Self::Smtp(_) => format!("SMTP {}:{} ({:?})", config.smtp_host, config.smtp_port, config.smtp_tls),
            Self::File { dir } => format!(".eml files in {}", dir.display()),
        }
    }

    /// Hands one message over. `email_id` names the file of the file transport.
    pub async fn send(&self, email_id: &str, message: Message) -> Result<(), SendError> {
        match self {
            Self::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| SendError {
                message: e.to_string(),
                permanent: e.is_permanent(),
            }),
            Self::File { dir } => write_eml(dir, email_id, &message.formatted())
                .await
                .map_err(|e| SendError::transient(e.to_string())),
        }
    }
}

/// Writes `<dir>/<email_id>.eml` through a temporary file, so a reader never sees half of one.
async fn write_eml(dir: &Path, email_id: &str, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let path = dir.join(format!("{email_id}.eml"));
    let partial = dir.join(format!("{email_id}.eml.partial"));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, &path).await?;
    tracing::info!(email_id, path = %path.display(), "email written to file");
    Ok(())
}
