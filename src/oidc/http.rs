//! The HTTP client every outbound OIDC/OAuth call uses.

use super::OidcError;
use std::time::Duration;

/// Limits for calls to providers.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub request_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// A client that never follows redirects and gives up after the limits.
///
/// Issuers and endpoints come from tenant-controlled configuration; following a redirect would let a hostile
/// provider bounce our server's requests (carrying the client secret or a code) to an internal address, which
/// is why the openidconnect docs tell relying parties to disable redirects. A slow provider must not hold a
/// sign-in request (and its worker) open forever.
pub fn client(limits: HttpLimits) -> Result<reqwest::Client, OidcError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(limits.connect_timeout)
        .timeout(limits.request_timeout)
        .user_agent(concat!("gatehouse/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| OidcError::Config(format!("HTTP client: {e}")))
}
