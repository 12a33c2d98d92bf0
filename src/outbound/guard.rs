//! Where calls that leave the service may go: `https` endpoints on public
//! addresses. An endpoint's name is checked when it is stored (its scheme, and
//! its address when it is written as one) and every address it resolves to is
//! checked again when it is called, so that a name pointing inward is refused
//! whenever it is used. `allow_private` lifts both rules, for local stacks and
//! tests.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// Whether `url` may be stored as an endpoint: the reason when it may not.
pub fn check_endpoint(url: &Url, allow_private: bool) -> Result<(), String> {
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        scheme => {
            return Err(format!(
                "'{scheme}' endpoints are not called: an endpoint must use https."
            ))
        }
    }
    match url.host() {
        None => Err("The endpoint names no host.".to_owned()),
        Some(Host::Ipv4(address)) => check_address(IpAddr::V4(address), allow_private),
        Some(Host::Ipv6(address)) => check_address(IpAddr::V6(address), allow_private),
        Some(Host::Domain(_)) => Ok(()),
    }
}

/// Whether a call may connect to `address`: the reason when it may not.
pub fn check_address(address: IpAddr, allow_private: bool) -> Result<(), String> {
    match inward(address) {
        Some(kind) if !allow_private => Err(format!(
            "{address} is {kind}, which custom task extensions may not reach."
        )),
        _ => Ok(()),
    }
}

/// What kind of address that is not on the public internet `address` is, if it
/// is one.
fn inward(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(address) => inward_v4(address),
        IpAddr::V6(address) => match address.to_ipv4_mapped() {
            Some(mapped) => inward_v4(mapped),
            None => inward_v6(address),
        },
    }
}

fn inward_v4(address: Ipv4Addr) -> Option<&'static str> {
    let [first, second, ..] = address.octets();
    if address.is_loopback() {
        Some("a loopback address")
    } else if address.is_link_local() {
        // 169.254.169.254 is the cloud metadata service.
        Some("a link-local address")
    } else if address.is_private() {
        Some("a private address")
    } else if first == 100 && (64..128).contains(&second) {
        Some("a shared (carrier-grade NAT) address")
    } else if address == Ipv4Addr::new(100, 100, 100, 200) {
        Some("a metadata address")
    } else if address.is_unspecified() || first == 0 {
        Some("an unspecified address")
    } else if address.is_broadcast() || address.is_multicast() || first >= 240 {
        Some("a broadcast, multicast or reserved address")
    } else if address.is_documentation()
        || (first == 198 && (18..20).contains(&second))
        || (first == 192 && second == 0 && address.octets()[2] == 0)
    {
        Some("a reserved address")
    } else {
        None
    }
}

fn inward_v6(address: Ipv6Addr) -> Option<&'static str> {
    let segments = address.segments();
    if address.is_loopback() {
        Some("a loopback address")
    } else if address.is_unspecified() {
        Some("an unspecified address")
    } else if address.is_unicast_link_local() {
        Some("a link-local address")
    } else if address.is_unique_local() {
        // fd00:ec2::254 is a cloud metadata service.
        Some("a private (unique local) address")
    } else if address.is_multicast() {
        Some("a multicast address")
    } else if segments[0] == 0x64 && segments[1] == 0xff9b {
        // NAT64 embeds an IPv4 address in the last 32 bits.
        let [.., high, low] = segments;
        let embedded = Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
        inward_v4(embedded)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(address: &str) -> bool {
        let address: IpAddr = address.parse().expect("an address");
        check_address(address, false).is_err()
    }

    #[test]
    fn inward_addresses_are_refused() {
        for address in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.5",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.100.100.200",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(refused(address), "{address} should be refused");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for address in [
            "8.8.8.8",
            "20.190.160.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!refused(address), "{address} should be allowed");
        }
    }

    #[test]
    fn allowing_private_lifts_the_address_rule() {
        let loopback: IpAddr = "127.0.0.1".parse().expect("an address");
        assert_eq!(check_address(loopback, true), Ok(()));
    }

    fn endpoint(url: &str, allow_private: bool) -> Result<(), String> {
        check_endpoint(&Url::parse(url).expect("a URL"), allow_private)
    }

    #[test]
    fn endpoints_must_use_https() {
        assert_eq!(endpoint("https://contoso.example/run", false), Ok(()));
        let refused = endpoint("http://contoso.example/run", false).expect_err("http");
        assert!(refused.contains("https"), "{refused}");
        assert!(endpoint("ftp://contoso.example/run", true).is_err());
        assert_eq!(endpoint("http://127.0.0.1:8081/run", true), Ok(()));
    }

    #[test]
    fn endpoints_written_as_inward_addresses_are_refused_when_stored() {
        let refused = endpoint("https://169.254.169.254/latest", false).expect_err("metadata");
        assert!(
            refused.contains("169.254.169.254 is a link-local address"),
            "{refused}"
        );
        assert!(endpoint("https://[::1]:8443/", false).is_err());
        // Names are checked on the addresses they resolve to, when called.
        assert_eq!(endpoint("https://localhost:8443/", false), Ok(()));
    }
}
