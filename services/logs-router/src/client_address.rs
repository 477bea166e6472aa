//! The client address an audit event records: the peer's, unless the peer is a trusted proxy (`TRUSTED_PROXIES`),
//! in which case `X-Forwarded-For` is read from the right, hop by hop, for as long as the hops are trusted proxies
//! themselves. Every entry taken must be an IP address; anything else ends the walk. So nobody but a configured
//! proxy can put an address into the audit trail, and never anything but an address.

use std::net::IpAddr;
use std::str::FromStr;

/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`), or one address (`10.1.2.3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8) nor an IP address")]
pub struct BadCidr(String);

impl FromStr for Cidr {
    type Err = BadCidr;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadCidr(s.to_owned());
        let (ip, prefix) = match s.trim().split_once('/') {
            Some((ip, p)) => (ip, Some(p)),
            None => (s.trim(), None),
        };
        let net: IpAddr = ip.parse().map_err(|_| bad())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Self { net, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let bits = |ip: IpAddr| -> Option<u128> {
            match (self.net, ip) {
                (IpAddr::V4(_), IpAddr::V4(a)) => Some(u128::from(u32::from(a)) << 96),
                (IpAddr::V6(_), IpAddr::V6(a)) => Some(u128::from(a)),
                _ => None,
            }
        };
        let net = bits(self.net).unwrap_or_default();
        // An IPv4 address sits in the top 32 bits, so its prefix counts from the top as an IPv6 one does.
        let mask = u128::MAX
            .checked_shl(u32::from(128 - self.prefix))
            .unwrap_or(0);
        bits(ip).is_some_and(|a| a & mask == net & mask)
    }
}

/// The address to record for a request from `peer` carrying `forwarded_for` (the `X-Forwarded-For` lines joined
/// with commas), given the trusted proxies.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[Cidr],
) -> String {
    let Some(mut client) = peer else {
        return String::new();
    };
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if let Some(hops) = forwarded_for {
        for hop in hops.rsplit(',') {
            if !is_trusted(client) {
                break;
            }
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => client = ip,
                Err(_) => break,
            }
        }
    }
    client.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidrs() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains(ip("10.255.1.2")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(!c.contains(ip("::ffff:10.0.0.1")), "families never mix");
        let one: Cidr = "192.168.1.7".parse().unwrap();
        assert!(one.contains(ip("192.168.1.7")) && !one.contains(ip("192.168.1.8")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        for bad in ["10.0.0.0/33", "10.0.0/8", "x", "", "::/129", "10.0.0.0/"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let proxies: Vec<Cidr> = vec!["10.0.0.0/8".parse().unwrap()];
        let peer = Some(ip("10.0.0.5"));
        // not configured: the peer
        assert_eq!(client_address(peer, Some("203.0.113.9"), &[]), "10.0.0.5");
        // from a proxy: its client, and further back only through other trusted proxies
        assert_eq!(
            client_address(peer, Some("203.0.113.9"), &proxies),
            "203.0.113.9"
        );
        assert_eq!(
            client_address(peer, Some("198.51.100.1, 203.0.113.9, 10.0.0.9"), &proxies),
            "203.0.113.9"
        );
        // from anyone else: ignored
        let outsider = Some(ip("198.51.100.7"));
        assert_eq!(
            client_address(outsider, Some("1.2.3.4"), &proxies),
            "198.51.100.7"
        );
        // never anything but an address
        for forged in ["not-an-ip <script>", &"9".repeat(20_000), "1.2.3.4:80", ""] {
            assert_eq!(
                client_address(peer, Some(forged), &proxies),
                "10.0.0.5",
                "{forged}"
            );
        }
        assert_eq!(client_address(None, Some("1.2.3.4"), &proxies), "");
        assert_eq!(client_address(Some(ip("::1")), None, &proxies), "::1");
    }
}
