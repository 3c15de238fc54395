//! Receive-side scaling: which queue of a multi-queue device takes a flow.
//!
//! A NIC (and a virtio device with multi-queue, and the host's own NIC)
//! hashes each packet's addresses and ports with the Toeplitz function and
//! picks a queue from a 128-entry indirection table whose entry `i` is
//! queue `i mod n` — Linux's default table (`ethtool_rxfh_indir_default`).
//! The key is Microsoft's published default RSS key, which Linux drivers
//! ship for the same purpose, and the hash is checked against Microsoft's
//! published verification vectors below. Every packet of a flow (one
//! 5-tuple) lands on one queue; N flows over N queues collide as random
//! hashes do, which is what real hosts see.
//!
//! A flow without VPC addresses gets addresses from its endpoints — a VM
//! `v` is `10.0.x.y` with `x·250 + y − 2 = v`, a host beyond the wire
//! `198.18.0.7` (RFC 2544's benchmarking range) — and ports from its name
//! (a source port in the ephemeral range, destination port 5001), so that
//! its queue is fixed by its name, like its random streams.

use std::net::Ipv4Addr;

/// Microsoft's default RSS key (40 bytes).
pub const KEY: [u8; 40] = [
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
    0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
    0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
];

/// Entries of the indirection table.
pub const TABLE: usize = 128;

/// A packet's IPv4 addresses and ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tuple {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
}

impl Tuple {
    /// The same flow seen in the other direction.
    pub fn reversed(self) -> Tuple {
        Tuple {
            src: self.dst,
            dst: self.src,
            src_port: self.dst_port,
            dst_port: self.src_port,
        }
    }
}

/// The Toeplitz hash of `input` under [`KEY`].
pub fn toeplitz(input: &[u8]) -> u32 {
    let mut result = 0u32;
    // The 32-bit window of the key that lines up with the current bit.
    let mut window = u32::from_be_bytes([KEY[0], KEY[1], KEY[2], KEY[3]]);
    for (i, byte) in input.iter().enumerate() {
        let next = KEY.get(i + 4).copied().unwrap_or(0);
        for b in 0..8 {
            if byte & (0x80 >> b) != 0 {
                result ^= window;
            }
            window = (window << 1) | ((next >> (7 - b)) & 1) as u32;
        }
    }
    result
}

/// The hash of a TCP/UDP over IPv4 packet: source address, destination
/// address, source port, destination port, in network order.
pub fn hash(t: &Tuple) -> u32 {
    let mut input = [0u8; 12];
    input[..4].copy_from_slice(&t.src.octets());
    input[4..8].copy_from_slice(&t.dst.octets());
    input[8..10].copy_from_slice(&t.src_port.to_be_bytes());
    input[10..12].copy_from_slice(&t.dst_port.to_be_bytes());
    toeplitz(&input)
}

/// The queue of `n` that a packet hashing to `h` lands on (the
/// indirection table's default spread).
pub fn queue(h: u32, n: usize) -> usize {
    (h as usize % TABLE) % n.max(1)
}

/// The address of VM `v` in flows without VPC addresses.
pub fn vm_addr(v: u32) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, (v / 250) as u8, (v % 250 + 2) as u8)
}

/// The address of a host beyond the wire.
pub const EXTERNAL: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 7);

/// The source port of the flow named `name`, in the ephemeral range.
pub fn port_of(name: &str) -> u16 {
    (32_768 + crate::sim::Rng::stream_id(name) % 28_000) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(src: [u8; 4], sp: u16, dst: [u8; 4], dp: u16) -> Tuple {
        Tuple {
            src: Ipv4Addr::from(src),
            dst: Ipv4Addr::from(dst),
            src_port: sp,
            dst_port: dp,
        }
    }

    /// Microsoft's "Verifying the RSS Hash Calculation" vectors (IPv4 with
    /// TCP ports), which every RSS implementation is checked against.
    #[test]
    fn the_hash_matches_microsofts_verification_vectors() {
        let cases = [
            (
                t([66, 9, 149, 187], 2794, [161, 142, 100, 80], 1766),
                0x51cc_c178,
            ),
            (
                t([199, 92, 111, 2], 14230, [65, 69, 140, 83], 4739),
                0xc626_b0ea,
            ),
            (
                t([24, 19, 198, 95], 12898, [12, 22, 207, 184], 38024),
                0x5c2b_394a,
            ),
            (
                t([38, 27, 205, 30], 48228, [209, 142, 163, 6], 2217),
                0xafc7_327f,
            ),
            (
                t([153, 39, 163, 191], 44251, [202, 188, 127, 2], 1303),
                0x10e8_28a2,
            ),
        ];
        for (tuple, want) in cases {
            assert_eq!(hash(&tuple), want, "{tuple:?}");
        }
    }

    #[test]
    fn flows_spread_over_queues_as_hashes_do() {
        // 4,000 flows with distinct source ports over 4 queues: each gets
        // about a quarter.
        let mut count = [0u32; 4];
        for p in 0..4000u16 {
            let h = hash(&t([198, 18, 0, 7], 40_000 + p, [10, 0, 0, 2], 5001));
            count[queue(h, 4)] += 1;
        }
        assert!(
            count.iter().all(|&c| (900..=1100).contains(&c)),
            "{count:?}"
        );
        // One queue takes everything.
        assert_eq!(queue(0xdead_beef, 1), 0);
    }

    #[test]
    fn vm_addresses_are_distinct_hosts() {
        assert_eq!(vm_addr(0), Ipv4Addr::new(10, 0, 0, 2));
        assert_eq!(vm_addr(249), Ipv4Addr::new(10, 0, 0, 251));
        assert_eq!(vm_addr(250), Ipv4Addr::new(10, 0, 1, 2));
        assert_eq!(vm_addr(4095), Ipv4Addr::new(10, 0, 16, 97));
    }
}
