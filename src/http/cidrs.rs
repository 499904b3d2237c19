//! A list of networks from config: comma- or space-separated CIDRs, a bare address meaning
//! itself alone (`10.0.0.0/8, 192.168.1.1, fd00::/8`).

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::net::IpAddr;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cidrs(Vec<IpNet>);

impl Cidrs {
    pub fn parse(raw: &str) -> Result<Self, String> {
        raw.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{part}` is not a CIDR or an IP address"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether `ip` is in one of the networks (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

impl Serialize for Cidrs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let joined: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        serializer.serialize_str(&joined.join(","))
    }
}

/// From one string (as an environment variable gives it) or a list (as TOML may).
impl<'de> Deserialize<'de> for Cidrs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Spelled {
            Joined(String),
            List(Vec<String>),
        }
        let joined = match Spelled::deserialize(deserializer)? {
            Spelled::Joined(joined) => joined,
            Spelled::List(list) => list.join(","),
        };
        Self::parse(&joined).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_parse_from_one_string() {
        assert_eq!(Cidrs::parse("").unwrap(), Cidrs::default());
        let nets = Cidrs::parse("10.0.0.0/8,fd00::/8 127.0.0.1").unwrap();
        assert_eq!(nets.0.len(), 3);
        for (ip, want) in [
            ("10.9.9.9", true),
            ("127.0.0.1", true),
            ("127.0.0.2", false),
            ("::ffff:10.0.0.1", true),
            ("fd12::1", true),
            ("11.0.0.1", false),
        ] {
            assert_eq!(nets.contains(ip.parse().unwrap()), want, "{ip}");
        }
        assert!(Cidrs::parse("10.0.0.0/33").is_err());
        assert!(Cidrs::parse("lb.internal").is_err());
    }
}
