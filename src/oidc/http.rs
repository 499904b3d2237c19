//! The HTTP client every outbound OIDC/OAuth call uses.

use super::error::OidcError;
use crate::http::egress::{Egress, Refused};
use openidconnect::{AsyncHttpClient, HttpClientError, HttpRequest, HttpResponse};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
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

/// A client that never follows redirects, gives up after the limits, and connects only where
/// `egress` permits.
///
/// Issuers and endpoints come from tenant-controlled configuration; following a redirect would let a hostile
/// provider bounce our server's requests (carrying the client secret or a code) to an internal address, which
/// is why the openidconnect docs tell relying parties to disable redirects. For the same reason every URL,
/// the discovered ones included, must name a public address (`http::egress`). A slow provider must not hold a
/// sign-in request (and its worker) open forever.
pub struct Http {
    client: reqwest::Client,
    egress: Arc<Egress>,
}

impl Http {
    pub fn new(limits: HttpLimits, egress: Arc<Egress>) -> Result<Self, OidcError> {
        let client = egress
            .client_builder(false)
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.request_timeout)
            .user_agent(concat!("gatehouse/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OidcError::Config(format!("HTTP client: {e}")))?;
        Ok(Self { client, egress })
    }

    /// A GET of `url`, once its address is one the server may reach.
    pub fn get(&self, url: &str) -> Result<reqwest::RequestBuilder, Refused> {
        let parsed = url::Url::parse(url).map_err(|_| Refused::unparsable(url))?;
        self.egress.check_url(&parsed)?;
        Ok(self.client.get(parsed))
    }
}

/// openidconnect's and oauth2's requests (discovery, JWKS, token, userinfo) go through the
/// same check as ours.
impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let target = url::Url::parse(&request.uri().to_string())
                .map_err(|_| HttpClientError::Other(Refused::unparsable(&request.uri().to_string()).to_string()))?;
            self.egress
                .check_url(&target)
                .map_err(|refused| HttpClientError::Other(refused.to_string()))?;
            self.client.call(request).await
        })
    }
}
