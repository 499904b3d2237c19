//! Whether an OIDC connection's issuer URL may be saved.

use crate::http::egress::is_internal;
use std::net::IpAddr;
use url::Url;

/// Why an issuer or discovery URL cannot be used, if it cannot: the early answer to the admin
/// who saves the connection. This server fetches it with the client secret at hand: plain http
/// only for loopback (local test providers), and no address literal only this server's networks
/// reach (`http::egress`, which also guards every fetch, by name and by redirect).
pub fn issuer_problem(value: &str) -> Option<&'static str> {
    let Ok(url) = Url::parse(value) else {
        return Some("must be an absolute URL");
    };
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        Some(url::Host::Domain(_)) => None,
        None => return Some("must have a host"),
    };
    let loopback = ip.is_some_and(|ip| ip.to_canonical().is_loopback()) || url.host_str() == Some("localhost");
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Some("must be https (http only for 127.0.0.1 or localhost)"),
    }
    let internal = ip.is_some_and(is_internal);
    (internal && !loopback).then_some("must not be a private or link-local address")
}

#[cfg(test)]
mod tests {
    use super::issuer_problem;

    #[test]
    fn issuer_urls() {
        for ok in [
            "https://accounts.google.com",
            "https://op.example/tenant",
            "http://127.0.0.1:4000",
            "http://localhost:4000",
            "https://[::1]:8443",
        ] {
            assert_eq!(issuer_problem(ok), None, "{ok}");
        }
        for bad in [
            "http://op.example",
            "ftp://op.example",
            "https://10.0.0.1",
            "https://192.168.1.1",
            "https://169.254.169.254/latest",
            "http://169.254.169.254",
            "https://[fe80::1]",
            "https://[fd00::1]",
            "https://[::ffff:10.0.0.1]",
            "https://0.0.0.0",
            "not a url",
        ] {
            assert!(issuer_problem(bad).is_some(), "{bad}");
        }
    }
}
