//! Where the server's own requests may go. SAML metadata URLs and OIDC issuers come from
//! tenants (an organization's admin, through the API or the Admin Portal), so a hostile one
//! could point the server at what only it can reach: the cloud's metadata service
//! (169.254.169.254), a database on the private network, an admin port on loopback. Those
//! targets are refused, by name (every address a name resolves to is checked, so DNS cannot
//! smuggle one in) and by literal address, on the first request and on every redirect, unless
//! the operator allows a network in config (`GATEHOUSE_OUTBOUND_ALLOWED_NETWORKS`: an IdP on
//! the same private network; tests allow loopback).

use super::cidrs::Cidrs;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Redirects one request may follow where redirects are followed at all.
const MAX_REDIRECTS: usize = 3;

/// The rule for outbound requests.
#[derive(Debug, Clone, Default)]
pub struct Egress {
    allowed: Cidrs,
}

/// Why a target is refused: its address is not on the public internet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{target} is not a public internet address; the server does not send requests there")]
pub struct Refused {
    target: String,
}

impl Refused {
    /// A URL that does not parse names no address the server could check.
    pub fn unparsable(url: &str) -> Self {
        Self {
            target: url.chars().take(80).collect(),
        }
    }
}

/// The refusal behind a failed request, if this rule is why it failed (the resolver's or the
/// redirect policy's error sits somewhere in the chain of sources).
pub fn refusal_in<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut current = Some(err);
    while let Some(err) = current {
        if let Some(refused) = err.downcast_ref::<Refused>() {
            return Some(refused);
        }
        current = err.source();
    }
    None
}

/// Addresses only this server's own networks can reach (RFC 6890's special-purpose ranges
/// that are not globally reachable).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24; benchmarking, 198.18.0.0/15; reserved, 240/4.
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local fc00::/7 and link-local fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Site-local fec0::/10 (deprecated, still routed internally by some networks).
        || (first & 0xffc0) == 0xfec0
        // NAT64 64:ff9b::/96 and 6to4 2002::/16 embed an IPv4 address that may be internal.
        || (first == 0x0064 && ip.segments()[1] == 0xff9b && embedded_v4_internal(ip))
        || (first == 0x2002 && internal_v4(Ipv4Addr::new(
            (ip.segments()[1] >> 8) as u8,
            ip.segments()[1] as u8,
            (ip.segments()[2] >> 8) as u8,
            ip.segments()[2] as u8,
        )))
}

fn embedded_v4_internal(ip: Ipv6Addr) -> bool {
    let o = ip.octets();
    internal_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]))
}

impl Egress {
    pub fn new(allowed: Cidrs) -> Self {
        Self { allowed }
    }

    /// Whether a request may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        !is_internal(ip) || self.allowed.contains(ip)
    }

    /// Checks a URL's literal address (a name is checked when it resolves). Only http(s).
    pub fn check_url(&self, url: &url::Url) -> Result<(), Refused> {
        let refused = || Refused {
            target: url.host_str().unwrap_or_default().to_owned(),
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refused());
        }
        let literal = match url.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(refused()),
        };
        match literal {
            Some(ip) if !self.permits(ip) => Err(refused()),
            _ => Ok(()),
        }
    }

    /// A client builder whose every connection obeys this rule: names resolve only to
    /// permitted addresses, no proxy from the environment stands in between, and redirects
    /// (at most three) are checked as the first URL is. The caller checks the first URL
    /// with [`Egress::check_url`] (a literal address is never resolved).
    pub fn client_builder(self: &Arc<Self>, follow_redirects: bool) -> reqwest::ClientBuilder {
        let for_redirects = self.clone();
        let redirects = if follow_redirects {
            reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    return attempt.error("too many redirects");
                }
                match for_redirects.check_url(attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(refused) => attempt.error(refused),
                }
            })
        } else {
            reqwest::redirect::Policy::none()
        };
        reqwest::Client::builder()
            .no_proxy()
            .redirect(redirects)
            .dns_resolver(Arc::new(GuardedResolver(self.clone())))
    }
}

/// The system resolver, keeping only the addresses the rule permits.
struct GuardedResolver(Arc<Egress>);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let egress = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found.iter().copied().filter(|a| egress.permits(a.ip())).collect();
            if permitted.is_empty() {
                tracing::warn!(host = %host, "outbound request refused: the name resolves to internal addresses only");
                return Err(Box::new(Refused { target: host }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_the_special_purpose_ranges() {
        let cases = [
            ("127.0.0.1", true),
            ("10.1.2.3", true),
            ("172.16.0.1", true),
            ("172.32.0.1", false),
            ("192.168.0.1", true),
            ("169.254.169.254", true),
            ("100.64.0.1", true),
            ("100.128.0.1", false),
            ("0.0.0.0", true),
            ("255.255.255.255", true),
            ("224.0.0.1", true),
            ("198.18.0.1", true),
            ("8.8.8.8", false),
            ("93.184.216.34", false),
            ("::1", true),
            ("::", true),
            ("fd00::1", true),
            ("fe80::1", true),
            ("::ffff:127.0.0.1", true),
            ("::ffff:169.254.169.254", true),
            ("64:ff9b::a9fe:a9fe", true),
            ("2002:a9fe:a9fe::1", true),
            ("2001:4860:4860::8888", false),
        ];
        for (ip, want) in cases {
            assert_eq!(is_internal(ip.parse().unwrap()), want, "{ip}");
        }
    }

    #[test]
    fn urls_with_literal_internal_addresses_are_refused_unless_allowed() {
        let strict = Egress::default();
        let loopback_ok = Egress::new(Cidrs::parse("127.0.0.0/8, ::1").unwrap());
        let cases = [
            ("http://169.254.169.254/latest/meta-data/", false, false),
            ("http://127.0.0.1:8080/metadata", false, true),
            ("http://[::1]/", false, true),
            ("http://[::ffff:7f00:1]/", false, true),
            ("http://10.0.0.5/", false, false),
            ("https://idp.example.com/metadata", true, true),
            ("https://8.8.8.8/", true, true),
            ("file:///etc/passwd", false, false),
            ("gopher://idp.example.com/", false, false),
        ];
        for (url, strict_ok, loopback_allowed_ok) in cases {
            let url = url::Url::parse(url).unwrap();
            assert_eq!(strict.check_url(&url).is_ok(), strict_ok, "strict: {url}");
            assert_eq!(
                loopback_ok.check_url(&url).is_ok(),
                loopback_allowed_ok,
                "loopback allowed: {url}"
            );
        }
    }
}
