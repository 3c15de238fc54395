//! IPv4 and IPv6 CIDR blocks: parsing, containment, overlap and indexing.
//!
//! Hand-rolled on `std::net` (a few dozen lines, no crate). A block is kept
//! canonical: the host bits of the address must be zero, as EC2 demands of
//! `CidrBlock` parameters (`10.0.0.1/16` is refused, not silently masked).
//! Blocks serialize as their text (`"10.0.0.0/16"`).

use serde::{Serialize, Serializer};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Why a CIDR string was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CidrError(pub String);

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CidrError {}

/// An IPv4 block such as `10.0.0.0/16`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ipv4Net {
    base: u32,
    len: u8,
}

fn mask4(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    }
}

fn mask6(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    }
}

impl Ipv4Net {
    /// The block of `addr`/`len`; the host bits of `addr` must be zero and
    /// `len` at most 32.
    pub fn new(addr: Ipv4Addr, len: u8) -> Result<Self, CidrError> {
        if len > 32 {
            return Err(CidrError(format!("prefix length {len} is over 32")));
        }
        let base = u32::from(addr);
        if base & !mask4(len) != 0 {
            return Err(CidrError(format!(
                "{addr}/{len} has host bits set (the block is {}/{len})",
                Ipv4Addr::from(base & mask4(len))
            )));
        }
        Ok(Ipv4Net { base, len })
    }

    /// The network address (the block's first address).
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.base)
    }

    /// The prefix length, 0..=32.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// Number of addresses in the block.
    pub fn size(&self) -> u64 {
        1u64 << (32 - u32::from(self.len))
    }

    /// Whether `ip` lies in the block.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & mask4(self.len) == self.base
    }

    /// Whether `other` lies wholly inside this block.
    pub fn contains_net(&self, other: &Ipv4Net) -> bool {
        other.len >= self.len && self.contains(other.network())
    }

    /// Whether the two blocks share at least one address.
    pub fn overlaps(&self, other: &Ipv4Net) -> bool {
        self.contains_net(other) || other.contains_net(self)
    }

    /// The `i`-th address of the block (0 is the network address).
    pub fn nth(&self, i: u64) -> Option<Ipv4Addr> {
        (i < self.size()).then(|| Ipv4Addr::from(self.base.wrapping_add(i as u32)))
    }

    /// The position of `ip` in the block, if it is in it.
    pub fn offset_of(&self, ip: Ipv4Addr) -> Option<u64> {
        self.contains(ip)
            .then(|| u64::from(u32::from(ip).wrapping_sub(self.base)))
    }
}

impl fmt::Display for Ipv4Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network(), self.len)
    }
}

impl FromStr for Ipv4Net {
    type Err = CidrError;
    fn from_str(s: &str) -> Result<Self, CidrError> {
        let (a, l) = s
            .split_once('/')
            .ok_or_else(|| CidrError(format!("'{s}' is not a CIDR block (expected a.b.c.d/n)")))?;
        let addr: Ipv4Addr = a
            .parse()
            .map_err(|_| CidrError(format!("'{a}' is not an IPv4 address")))?;
        let len: u8 = l
            .parse()
            .map_err(|_| CidrError(format!("'{l}' is not a prefix length")))?;
        Ipv4Net::new(addr, len)
    }
}

impl Serialize for Ipv4Net {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An IPv6 block such as `2600:1f18:0:100::/56`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ipv6Net {
    base: u128,
    len: u8,
}

impl Ipv6Net {
    /// The block of `addr`/`len`; the host bits of `addr` must be zero and
    /// `len` at most 128.
    pub fn new(addr: Ipv6Addr, len: u8) -> Result<Self, CidrError> {
        if len > 128 {
            return Err(CidrError(format!("prefix length {len} is over 128")));
        }
        let base = u128::from(addr);
        if base & !mask6(len) != 0 {
            return Err(CidrError(format!(
                "{addr}/{len} has host bits set (the block is {}/{len})",
                Ipv6Addr::from(base & mask6(len))
            )));
        }
        Ok(Ipv6Net { base, len })
    }

    /// The network address.
    pub fn network(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.base)
    }

    /// The prefix length, 0..=128.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// Whether `ip` lies in the block.
    pub fn contains(&self, ip: Ipv6Addr) -> bool {
        u128::from(ip) & mask6(self.len) == self.base
    }

    /// Whether `other` lies wholly inside this block.
    pub fn contains_net(&self, other: &Ipv6Net) -> bool {
        other.len >= self.len && self.contains(other.network())
    }

    /// Whether the two blocks share at least one address.
    pub fn overlaps(&self, other: &Ipv6Net) -> bool {
        self.contains_net(other) || other.contains_net(self)
    }

    /// The `i`-th address of the block (0 is the network address), if the
    /// block holds more than `i` addresses.
    pub fn nth(&self, i: u128) -> Option<Ipv6Addr> {
        let host_bits = 128 - u32::from(self.len);
        let fits = host_bits == 128 || i < (1u128 << host_bits);
        fits.then(|| Ipv6Addr::from(self.base.wrapping_add(i)))
    }

    /// The position of `ip` in the block, if it is in it.
    pub fn offset_of(&self, ip: Ipv6Addr) -> Option<u128> {
        self.contains(ip)
            .then(|| u128::from(ip).wrapping_sub(self.base))
    }

    /// The last address of the block.
    pub fn last(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.base | !mask6(self.len))
    }
}

impl fmt::Display for Ipv6Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network(), self.len)
    }
}

impl FromStr for Ipv6Net {
    type Err = CidrError;
    fn from_str(s: &str) -> Result<Self, CidrError> {
        let (a, l) = s
            .split_once('/')
            .ok_or_else(|| CidrError(format!("'{s}' is not a CIDR block (expected x:y::/n)")))?;
        let addr: Ipv6Addr = a
            .parse()
            .map_err(|_| CidrError(format!("'{a}' is not an IPv6 address")))?;
        let len: u8 = l
            .parse()
            .map_err(|_| CidrError(format!("'{l}' is not a prefix length")))?;
        Ipv6Net::new(addr, len)
    }
}

impl Serialize for Ipv6Net {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_blocks_parse_contain_and_index() {
        let n: Ipv4Net = "10.0.1.0/24".parse().unwrap();
        assert_eq!(n.size(), 256);
        assert!(n.contains("10.0.1.255".parse().unwrap()));
        assert!(!n.contains("10.0.2.0".parse().unwrap()));
        assert_eq!(n.nth(4), Some("10.0.1.4".parse().unwrap()));
        assert_eq!(n.nth(256), None);
        assert_eq!(n.offset_of("10.0.1.9".parse().unwrap()), Some(9));
        let vpc: Ipv4Net = "10.0.0.0/16".parse().unwrap();
        assert!(vpc.contains_net(&n) && !n.contains_net(&vpc));
        assert!(vpc.overlaps(&n) && n.overlaps(&vpc));
        let other: Ipv4Net = "10.0.2.0/24".parse().unwrap();
        assert!(!n.overlaps(&other));
        assert_eq!(n.to_string(), "10.0.1.0/24");
        assert!("0.0.0.0/0"
            .parse::<Ipv4Net>()
            .unwrap()
            .contains(Ipv4Addr::BROADCAST));
    }

    #[test]
    fn non_canonical_and_malformed_blocks_are_refused() {
        assert!("10.0.0.1/16".parse::<Ipv4Net>().is_err());
        assert!("10.0.0.0/33".parse::<Ipv4Net>().is_err());
        assert!("10.0.0.0".parse::<Ipv4Net>().is_err());
        assert!("10.0.0/16".parse::<Ipv4Net>().is_err());
        assert!("2600::1/64".parse::<Ipv6Net>().is_err());
    }

    #[test]
    fn ipv6_blocks_parse_contain_and_index() {
        let vpc: Ipv6Net = "2600:1f18:0:100::/56".parse().unwrap();
        let sub: Ipv6Net = "2600:1f18:0:1a0::/64".parse().unwrap();
        assert!(vpc.contains_net(&sub));
        assert_eq!(sub.nth(4), Some("2600:1f18:0:1a0::4".parse().unwrap()));
        assert_eq!(
            sub.offset_of("2600:1f18:0:1a0::9".parse().unwrap()),
            Some(9)
        );
        assert_eq!(
            sub.last(),
            "2600:1f18:0:1a0:ffff:ffff:ffff:ffff"
                .parse::<Ipv6Addr>()
                .unwrap()
        );
        let outside: Ipv6Net = "2600:1f18:0:200::/64".parse().unwrap();
        assert!(!vpc.overlaps(&outside));
        assert!("::/0".parse::<Ipv6Net>().unwrap().nth(u128::MAX).is_some());
    }
}
