//! The DNS side of domain verification: which TXT record proves ownership, looking it up
//! through hickory-resolver with the configured nameservers, and what the answer means.

use crate::config::Config;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The label under the claimed domain that holds the challenge. A dedicated label keeps the
/// apex's TXT records (SPF, other vendors' tokens) out of the way.
const RECORD_LABEL: &str = "_gatehouse-challenge";
const VALUE_PREFIX: &str = "gatehouse-domain-verification=";

/// The name of the TXT record to publish for `domain`.
pub fn record_name(domain: &str) -> String {
    format!("{RECORD_LABEL}.{domain}")
}

/// The value of the TXT record that proves the claim holding `token`.
pub fn record_value(token: &str) -> String {
    format!("{VALUE_PREFIX}{token}")
}

/// The result of one verification check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Verified,
    NoMatchingRecord,
    /// The claimed domain itself does not exist.
    NxDomain,
    Timeout,
    Error(String),
}

impl Outcome {
    /// The `failure_reason` an unsuccessful check records.
    pub fn reason(&self) -> Option<String> {
        match self {
            Outcome::Verified => None,
            Outcome::NoMatchingRecord => Some("no matching record".into()),
            Outcome::NxDomain => Some("nxdomain".into()),
            Outcome::Timeout => Some("timeout".into()),
            Outcome::Error(e) => Some(format!("dns error: {e}")),
        }
    }
}

/// What one lookup returned, independent of the resolver library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// TXT values found (each record's strings joined, as RFC 7208 §3.3 reads split records).
    Records(Vec<String>),
    /// The name exists but has no record of the asked type.
    NoRecords,
    NxDomain,
    Timeout,
    Error(String),
}

/// Decides a check from the challenge lookup and, when the challenge name does not exist,
/// the lookup of the domain itself: a missing challenge label under an existing domain is
/// the usual "not published yet", not a missing domain.
pub fn decide(challenge: Answer, apex: Option<Answer>, expected: &str) -> Outcome {
    match challenge {
        Answer::Records(values) if values.iter().any(|v| v.trim() == expected) => Outcome::Verified,
        Answer::Records(_) | Answer::NoRecords => Outcome::NoMatchingRecord,
        Answer::NxDomain => match apex {
            Some(Answer::NxDomain) => Outcome::NxDomain,
            Some(Answer::Timeout) => Outcome::Timeout,
            Some(Answer::Error(e)) => Outcome::Error(e),
            _ => Outcome::NoMatchingRecord,
        },
        Answer::Timeout => Outcome::Timeout,
        Answer::Error(e) => Outcome::Error(e),
    }
}

/// Maps a resolver failure to an `Answer`.
pub fn classify(err: &NetError) -> Answer {
    match err {
        _ if err.is_nx_domain() => Answer::NxDomain,
        _ if err.is_no_records_found() => Answer::NoRecords,
        NetError::Timeout => Answer::Timeout,
        NetError::Dns(hickory_resolver::net::DnsError::ResponseCode(ResponseCode::NXDomain)) => Answer::NxDomain,
        other => Answer::Error(other.to_string()),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DnsConfigError {
    #[error("dns_nameservers: `{0}` is not an IP address or IP:port")]
    BadNameserver(String),
    #[error("cannot read the system resolver configuration: {0}")]
    System(String),
}

/// Parses `dns_nameservers` entries: `IP` (port 53) or `IP:port` (`[v6]:port`).
pub fn parse_nameservers(raw: &[String]) -> Result<Vec<SocketAddr>, DnsConfigError> {
    raw.iter()
        .map(|entry| {
            let entry = entry.trim();
            entry
                .parse::<SocketAddr>()
                .or_else(|_| entry.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| DnsConfigError::BadNameserver(entry.to_owned()))
        })
        .collect()
}

/// Builds a resolver for one check. A fresh one per check has an empty cache, so a record
/// published a moment ago is not hidden behind a cached negative answer.
fn resolver(config: &Config) -> Result<TokioResolver, DnsConfigError> {
    let servers = parse_nameservers(&config.dns_nameservers)?;
    let mut builder = if servers.is_empty() {
        Resolver::builder(TokioRuntimeProvider::default()).map_err(|e| DnsConfigError::System(e.to_string()))?
    } else {
        let name_servers = servers
            .iter()
            .map(|addr| {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
            })
            .collect();
        Resolver::builder_with_config(
            ResolverConfig::from_name_servers(name_servers),
            TokioRuntimeProvider::default(),
        )
    };
    let options = builder.options_mut();
    options.timeout = lookup_timeout(config);
    options.attempts = 1;
    options.cache_size = 0;
    builder.build().map_err(|e| DnsConfigError::System(e.to_string()))
}

fn lookup_timeout(config: &Config) -> Duration {
    Duration::from_millis(config.dns_timeout_ms.max(1))
}

/// Checks that the configured nameservers parse and a resolver can be built.
pub fn check_config(config: &Config) -> Result<(), DnsConfigError> {
    resolver(config).map(|_| ())
}

async fn lookup(resolver: &TokioResolver, name: &str, kind: RecordType, timeout: Duration) -> Answer {
    // Absolute names: resolv.conf search domains must not turn acme.com into acme.com.corp.
    let name = match Name::from_ascii(format!("{name}.")) {
        Ok(name) => name,
        Err(e) => return Answer::Error(e.to_string()),
    };
    // The resolver's own timeout is per request; this bounds the whole lookup, retries and
    // the UDP-to-TCP fallback included.
    match tokio::time::timeout(timeout * 3, resolver.lookup(name, kind)).await {
        Err(_) => Answer::Timeout,
        Ok(Err(err)) => classify(&err),
        Ok(Ok(lookup)) => Answer::Records(
            lookup
                .answers()
                .iter()
                .filter_map(|record| match &record.data {
                    RData::TXT(txt) => Some(
                        txt.txt_data
                            .iter()
                            .map(|part| String::from_utf8_lossy(part))
                            .collect::<String>(),
                    ),
                    _ => None,
                })
                .collect(),
        ),
    }
}

/// Looks up the challenge record of `domain` and decides whether it proves `token`.
pub async fn check(config: &Config, domain: &str, token: &str) -> Outcome {
    let resolver = match resolver(config) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    let timeout = lookup_timeout(config);
    let challenge = lookup(&resolver, &record_name(domain), RecordType::TXT, timeout).await;
    let apex = match challenge {
        Answer::NxDomain => Some(lookup(&resolver, domain, RecordType::SOA, timeout).await),
        _ => None,
    };
    decide(challenge, apex, &record_value(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::net::{DnsError, NoRecords};
    use hickory_resolver::proto::op::Query;

    #[test]
    fn record_to_publish() {
        assert_eq!(record_name("acme.com"), "_gatehouse-challenge.acme.com");
        assert_eq!(record_value("abc"), "gatehouse-domain-verification=abc");
    }

    #[test]
    fn outcomes() {
        let want = "gatehouse-domain-verification=t";
        let records = |v: &[&str]| Answer::Records(v.iter().map(|s| s.to_string()).collect());
        let cases = [
            (records(&[want]), None, Outcome::Verified),
            (records(&["v=spf1 -all", want]), None, Outcome::Verified),
            (
                records(&["gatehouse-domain-verification=other"]),
                None,
                Outcome::NoMatchingRecord,
            ),
            (records(&[]), None, Outcome::NoMatchingRecord),
            (Answer::NoRecords, None, Outcome::NoMatchingRecord),
            (Answer::NxDomain, Some(Answer::NoRecords), Outcome::NoMatchingRecord),
            (Answer::NxDomain, Some(records(&[])), Outcome::NoMatchingRecord),
            (Answer::NxDomain, Some(Answer::NxDomain), Outcome::NxDomain),
            (Answer::NxDomain, Some(Answer::Timeout), Outcome::Timeout),
            (Answer::Timeout, None, Outcome::Timeout),
            (Answer::Error("refused".into()), None, Outcome::Error("refused".into())),
        ];
        for (challenge, apex, expected) in cases {
            let label = format!("{challenge:?} {apex:?}");
            assert_eq!(decide(challenge, apex, want), expected, "{label}");
        }
    }

    #[test]
    fn resolver_errors() {
        let query = Query::query(Name::root(), RecordType::TXT);
        let no_records = |code| NetError::Dns(DnsError::NoRecordsFound(NoRecords::new(query.clone(), code)));
        let cases = [
            (no_records(ResponseCode::NXDomain), Answer::NxDomain),
            (no_records(ResponseCode::NoError), Answer::NoRecords),
            (NetError::Timeout, Answer::Timeout),
            (NetError::Message("boom"), Answer::Error("boom".into())),
        ];
        for (err, want) in cases {
            assert_eq!(classify(&err), want, "{err}");
        }
    }

    #[test]
    fn nameservers() {
        let ok = parse_nameservers(&["127.0.0.1:5353".into(), "10.0.0.1".into(), "[::1]:53".into()]);
        assert_eq!(
            ok.map(|v| v.iter().map(|a| a.to_string()).collect::<Vec<_>>()).ok(),
            Some(vec!["127.0.0.1:5353".into(), "10.0.0.1:53".into(), "[::1]:53".into()])
        );
        assert!(parse_nameservers(&["dns.example.com".into()]).is_err());
    }

    #[test]
    fn outcome_reasons() {
        assert_eq!(
            Outcome::NoMatchingRecord.reason().as_deref(),
            Some("no matching record")
        );
        assert_eq!(Outcome::NxDomain.reason().as_deref(), Some("nxdomain"));
        assert_eq!(Outcome::Timeout.reason().as_deref(), Some("timeout"));
        assert_eq!(Outcome::Verified.reason(), None);
    }
}
