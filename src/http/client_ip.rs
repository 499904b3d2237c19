//! The address of the client behind this connection. Behind a load balancer the peer is the
//! balancer, and the client is named in `Forwarded` (RFC 7239) or `X-Forwarded-For`; those
//! headers are anyone's to write, so they are read only when the peer is a proxy the operator
//! trusts (`GATEHOUSE_TRUSTED_PROXIES`, CIDRs, empty by default), and only from the right:
//! each trusted hop vouches for the one to its left, and the first hop nobody vouches for is
//! the client.

use super::cidrs::Cidrs;
use poem::{Endpoint, Middleware, Request, Result};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The proxies whose forwarding headers are believed.
pub type TrustedProxies = Cidrs;

/// One hop of a forwarding header, as its writer spelled it.
fn hop_address(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim().trim_matches('"');
    if let Ok(ip) = raw.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = raw.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    // `[2001:db8::1]` without a port.
    raw.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

/// The hops of `Forwarded`, leftmost first: the `for=` of each element. An element without
/// one, or with `unknown` or an obfuscated name, is a hop whose address nobody can check.
fn forwarded_hops(header: &str) -> Vec<Option<IpAddr>> {
    header
        .split(',')
        .map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim().eq_ignore_ascii_case("for").then(|| hop_address(value))?
            })
        })
        .collect()
}

fn x_forwarded_for_hops(header: &str) -> Vec<Option<IpAddr>> {
    header.split(',').map(hop_address).collect()
}

/// The client's address, given the connection's peer and the forwarding headers it sent
/// (`Forwarded` wins over `X-Forwarded-For` when both are present).
pub fn resolve(
    peer: Option<IpAddr>,
    forwarded: Option<&str>,
    x_forwarded_for: Option<&str>,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let hops = match (forwarded, x_forwarded_for) {
        (Some(header), _) => forwarded_hops(header),
        (None, Some(header)) => x_forwarded_for_hops(header),
        (None, None) => return Some(peer),
    };
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        match hop {
            // A hop we cannot read ends the chain: the last vouched-for address stands.
            None => break,
            Some(ip) => {
                client = ip.to_canonical();
                if !trusted.contains(client) {
                    break;
                }
            }
        }
    }
    Some(client)
}

/// The client's address as `ClientAddress` resolved it for this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Resolves each request's client address once and leaves it in the request's extensions.
pub struct ClientAddress(pub Arc<TrustedProxies>);

impl<E: Endpoint> Middleware<E> for ClientAddress {
    type Output = ClientAddressEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        ClientAddressEndpoint {
            inner: ep,
            trusted: self.0.clone(),
        }
    }
}

pub struct ClientAddressEndpoint<E> {
    inner: E,
    trusted: Arc<TrustedProxies>,
}

/// Every instance of a header, joined as one comma-separated list (RFC 9110 §5.3).
fn joined_header(req: &Request, name: &str) -> Option<String> {
    let values: Vec<&str> = req
        .headers()
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

impl<E: Endpoint> Endpoint for ClientAddressEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let peer = req.remote_addr().as_socket_addr().map(SocketAddr::ip);
        let forwarded = joined_header(&req, "forwarded");
        let x_forwarded_for = joined_header(&req, "x-forwarded-for");
        if let Some(ip) = resolve(peer, forwarded.as_deref(), x_forwarded_for.as_deref(), &self.trusted) {
            req.extensions_mut().insert(ClientIp(ip));
        }
        self.inner.call(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_first_hop_no_trusted_proxy_vouches_for() {
        let balancers = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").unwrap();
        let none = TrustedProxies::default();
        // (peer, Forwarded, X-Forwarded-For, trusted, client)
        type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a TrustedProxies, &'a str);
        let cases: &[Case] = &[
            ("203.0.113.5", None, Some("198.51.100.1"), &none, "203.0.113.5"),
            ("203.0.113.5", None, Some("198.51.100.1"), &balancers, "203.0.113.5"),
            ("10.0.0.2", None, Some("198.51.100.1"), &balancers, "198.51.100.1"),
            ("10.0.0.2", None, None, &balancers, "10.0.0.2"),
            // A client that writes its own header only adds hops to the left of the real one.
            (
                "10.0.0.2",
                None,
                Some("1.2.3.4, 198.51.100.1"),
                &balancers,
                "198.51.100.1",
            ),
            (
                "10.0.0.2",
                None,
                Some("1.2.3.4, 198.51.100.1, 10.0.0.7"),
                &balancers,
                "198.51.100.1",
            ),
            ("192.168.1.1", None, Some(" 198.51.100.1 "), &balancers, "198.51.100.1"),
            ("192.168.1.2", None, Some("198.51.100.1"), &balancers, "192.168.1.2"),
            (
                "10.0.0.2",
                None,
                Some("garbage, 198.51.100.1"),
                &balancers,
                "198.51.100.1",
            ),
            ("10.0.0.2", None, Some("198.51.100.1, garbage"), &balancers, "10.0.0.2"),
            ("10.0.0.2", None, Some("10.0.0.3, 10.0.0.4"), &balancers, "10.0.0.3"),
            ("10.0.0.2", None, Some("198.51.100.1:4711"), &balancers, "198.51.100.1"),
            (
                "10.0.0.2",
                Some("for=198.51.100.9;proto=https"),
                Some("1.2.3.4"),
                &balancers,
                "198.51.100.9",
            ),
            (
                "10.0.0.2",
                Some(r#"for="[2001:db8::17]:4711""#),
                None,
                &balancers,
                "2001:db8::17",
            ),
            (
                "10.0.0.2",
                Some("for=1.2.3.4, For=198.51.100.9;by=10.0.0.2"),
                None,
                &balancers,
                "198.51.100.9",
            ),
            ("10.0.0.2", Some("for=unknown"), None, &balancers, "10.0.0.2"),
            (
                "10.0.0.2",
                Some("for=_hidden, for=198.51.100.9"),
                None,
                &balancers,
                "198.51.100.9",
            ),
            (
                "::ffff:10.0.0.2",
                None,
                Some("198.51.100.1"),
                &balancers,
                "198.51.100.1",
            ),
        ];
        for (peer, forwarded, xff, trusted, want) in cases {
            assert_eq!(
                resolve(Some(ip(peer)), *forwarded, *xff, trusted),
                Some(ip(want)),
                "peer {peer}, Forwarded {forwarded:?}, X-Forwarded-For {xff:?}"
            );
        }
        assert_eq!(resolve(None, None, Some("198.51.100.1"), &balancers), None);
    }
}
