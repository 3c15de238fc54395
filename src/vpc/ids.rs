//! Resource ids (`eni-…`, `i-…`, `eipalloc-…`) and MAC addresses, drawn from
//! seeded streams.
//!
//! Every id kind has its own counter, and the `n`-th id of a kind is the first
//! draw of [`Rng::stream`]`(seed, kind << 40 | n)`: the same seed and the same
//! sequence of creations give the same ids and MACs, and creating one kind
//! (a security group, say) never changes the ids of another (ns-3's stream per
//! random variable, STYLE.md point 10). Because the generator is a pure
//! function of its counters, the whole state stays plain data that serializes
//! and clones exactly.
//!
//! Ids have EC2's new format: the prefix, a dash and 17 hex digits starting
//! with `0` (`eni-0a1b2c3d4e5f60718`).

use crate::sim::rng::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The prefix EC2 gives ids of this kind, with its dash.
            pub const PREFIX: &'static str = $prefix;

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }
    };
}

id_type!(
    /// A VPC (`vpc-…`).
    VpcId,
    "vpc-"
);
id_type!(
    /// A subnet (`subnet-…`).
    SubnetId,
    "subnet-"
);
id_type!(
    /// A security group (`sg-…`).
    GroupId,
    "sg-"
);
id_type!(
    /// An instance (`i-…`).
    InstanceId,
    "i-"
);
id_type!(
    /// A reservation: one RunInstances call (`r-…`).
    ReservationId,
    "r-"
);
id_type!(
    /// An elastic network interface (`eni-…`).
    EniId,
    "eni-"
);
id_type!(
    /// One attachment of an ENI to an instance (`eni-attach-…`).
    AttachmentId,
    "eni-attach-"
);
id_type!(
    /// An Elastic IP allocation (`eipalloc-…`).
    AllocationId,
    "eipalloc-"
);
id_type!(
    /// One association of an Elastic IP with a private address (`eipassoc-…`).
    AssociationId,
    "eipassoc-"
);

/// A MAC address. ENIs get locally administered unicast ones (`02:…`), fixed
/// for the ENI's life (ENI_RULES.md, objects; M1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MacAddr(pub [u8; 6]);

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl Serialize for MacAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The kinds of generated values, each with its own counter and streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Kind {
    Vpc = 1,
    Subnet = 2,
    Group = 3,
    Instance = 4,
    Reservation = 5,
    Eni = 6,
    Attachment = 7,
    Allocation = 8,
    Association = 9,
    Mac = 10,
    Ipv6Block = 11,
}

const KINDS: usize = 12;

/// The id generator: a master seed and one counter per [`Kind`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct IdGen {
    seed: u64,
    counters: [u64; KINDS],
}

impl IdGen {
    pub fn new(seed: u64) -> Self {
        IdGen {
            seed,
            counters: [0; KINDS],
        }
    }

    /// The next 64 random bits of `kind`.
    pub fn draw(&mut self, kind: Kind) -> u64 {
        let k = kind as usize;
        let n = self.counters[k];
        self.counters[k] += 1;
        Rng::stream(self.seed, ((kind as u64) << 40) | n).next_u64()
    }

    /// A new id text of `kind` with `prefix`, not accepted by `taken`.
    pub fn id(&mut self, kind: Kind, prefix: &str, taken: impl Fn(&str) -> bool) -> String {
        loop {
            let s = format!("{prefix}0{:016x}", self.draw(kind));
            if !taken(&s) {
                return s;
            }
        }
    }

    /// A new locally administered unicast MAC (`02:…`) not accepted by `taken`.
    pub fn mac(&mut self, taken: impl Fn(&MacAddr) -> bool) -> MacAddr {
        loop {
            let x = self.draw(Kind::Mac).to_be_bytes();
            let mac = MacAddr([0x02, x[3], x[4], x[5], x[6], x[7]]);
            if !taken(&mac) {
                return mac;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_seeded_reproducible_and_independent_per_kind() {
        let mut a = IdGen::new(7);
        let mut b = IdGen::new(7);
        let x = a.id(Kind::Eni, EniId::PREFIX, |_| false);
        assert_eq!(x, b.id(Kind::Eni, EniId::PREFIX, |_| false));
        assert!(
            x.starts_with("eni-0") && x.len() == "eni-".len() + 17,
            "{x}"
        );
        // Drawing a group id does not move the ENI stream.
        let _ = a.id(Kind::Group, GroupId::PREFIX, |_| false);
        assert_eq!(
            a.id(Kind::Eni, EniId::PREFIX, |_| false),
            b.id(Kind::Eni, EniId::PREFIX, |_| false)
        );
        let mut c = IdGen::new(8);
        assert_ne!(x, c.id(Kind::Eni, EniId::PREFIX, |_| false));
    }

    #[test]
    fn macs_are_locally_administered_unicast_and_skip_taken_ones() {
        let mut g = IdGen::new(1);
        let first = g.clone().mac(|_| false);
        let m = g.mac(|m| *m == first);
        assert_ne!(m, first);
        assert_eq!(m.0[0], 0x02);
        assert_eq!(m.to_string().len(), 17);
    }
}
