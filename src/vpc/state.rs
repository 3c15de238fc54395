//! The objects of the model (ENI_RULES.md, "Objects") and the account state
//! [`Ec2`] that holds them.
//!
//! Records are plain structs with public fields, readable through `&Ec2`
//! getters; only the actions change them. Collections keep creation order
//! ([`Registry`]), so every listing — and every serialization — is
//! deterministic.

use super::catalog::{catalog, InstanceTypeSpec};
use super::cidr::{Ipv4Net, Ipv6Net};
use super::error::Ec2Error;
use super::ids::*;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A map that iterates in insertion order and looks up by key in O(log n).
#[derive(Clone, Debug, PartialEq)]
pub struct Registry<K: Ord, V> {
    next: u64,
    by_seq: BTreeMap<u64, V>,
    index: BTreeMap<K, u64>,
}

impl<K: Ord + Clone, V> Default for Registry<K, V> {
    fn default() -> Self {
        Registry {
            next: 0,
            by_seq: BTreeMap::new(),
            index: BTreeMap::new(),
        }
    }
}

impl<K: Ord + Clone, V> Registry<K, V> {
    /// The value of `k`.
    pub fn get(&self, k: &K) -> Option<&V> {
        self.index.get(k).and_then(|s| self.by_seq.get(s))
    }
    /// The value of `k`, mutable.
    pub fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        let s = *self.index.get(k)?;
        self.by_seq.get_mut(&s)
    }
    /// Whether `k` is present.
    pub fn contains(&self, k: &K) -> bool {
        self.index.contains_key(k)
    }
    /// Adds `v` under `k` at the end of the order (replacing in place if `k`
    /// is present).
    pub fn insert(&mut self, k: K, v: V) {
        if let Some(s) = self.index.get(&k) {
            self.by_seq.insert(*s, v);
            return;
        }
        self.index.insert(k, self.next);
        self.by_seq.insert(self.next, v);
        self.next += 1;
    }
    /// Removes `k`.
    pub fn remove(&mut self, k: &K) -> Option<V> {
        let s = self.index.remove(k)?;
        self.by_seq.remove(&s)
    }
    /// Values in insertion order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.by_seq.values()
    }
    /// Values in insertion order, mutable.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.by_seq.values_mut()
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.by_seq.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }
}

impl<K: Ord, V: Serialize> Serialize for Registry<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.by_seq.values())
    }
}

/// A region: its Availability Zones and its public IPv4 pools.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Region {
    /// E.g. `us-east-1`.
    pub name: String,
    /// Its Availability Zones, e.g. `us-east-1a`.
    pub zones: Vec<String>,
    /// The block Elastic IPs are allocated from.
    pub eip_pool: Ipv4Net,
    /// The block auto-assigned public IPv4s come from (U1, U3, E5).
    pub auto_pool: Ipv4Net,
    /// Next offset tried in `eip_pool` (a released address is not handed out
    /// again until the pool wraps).
    pub eip_cursor: u64,
    /// Next offset tried in `auto_pool`.
    pub auto_cursor: u64,
}

/// A VPC.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Vpc {
    /// Its id.
    pub id: VpcId,
    /// Its region.
    pub region: String,
    /// Its IPv4 block (/16 to /28).
    pub cidr: Ipv4Net,
    /// Its IPv6 block (/56), if it has one.
    pub ipv6_cidr: Option<Ipv6Net>,
    /// Whether it is the region's default VPC (E7 differs there).
    pub is_default: bool,
    /// Its `default` security group (G2).
    pub default_group: GroupId,
}

/// A subnet: one AZ, a block inside its VPC's.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Subnet {
    /// Its id.
    pub id: SubnetId,
    /// Its VPC.
    pub vpc: VpcId,
    /// Its Availability Zone.
    pub az: String,
    /// Its IPv4 block, inside the VPC's.
    pub cidr: Ipv4Net,
    /// Its IPv6 block (/64), inside the VPC's, if any.
    pub ipv6_cidr: Option<Ipv6Net>,
    /// Whether ENIs created at launch here get a public IPv4 (U1).
    pub map_public_ip_on_launch: bool,
    /// Whether it is its AZ's default subnet (in a default VPC).
    pub default_for_az: bool,
}

impl Subnet {
    /// Whether `ip` is one of the five reserved addresses (I3): network,
    /// router, DNS, future use, broadcast.
    pub fn is_reserved(&self, ip: Ipv4Addr) -> bool {
        match self.cidr.offset_of(ip) {
            Some(i) => i < 4 || i == self.cidr.size() - 1,
            None => false,
        }
    }
    /// Whether `ip` is one of the reserved IPv6 addresses (the first four and
    /// the last of the block, I3).
    pub fn is_reserved_v6(&self, ip: Ipv6Addr) -> bool {
        match self.ipv6_cidr {
            Some(n) => match n.offset_of(ip) {
                Some(i) => i < 4 || ip == n.last(),
                None => false,
            },
            None => false,
        }
    }
    /// Addresses an ENI can ever hold here (size minus the five reserved).
    pub fn usable_ipv4(&self) -> u64 {
        self.cidr.size().saturating_sub(5)
    }
}

/// An instance's lifecycle state (ENI_RULES.md, objects).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstanceState {
    /// Launching or starting; becomes `running` ([`Transition::Running`]).
    Pending,
    /// Running.
    Running,
    /// Stopping; becomes `stopped` ([`Transition::Stopped`]).
    Stopping,
    /// Stopped.
    Stopped,
    /// Terminating; becomes `terminated` ([`Transition::Terminated`]).
    ShuttingDown,
    /// Terminated: listed, but nothing can be done with it.
    Terminated,
}

impl InstanceState {
    /// EC2's name (`shutting-down`, …).
    pub fn name(self) -> &'static str {
        match self {
            InstanceState::Pending => "pending",
            InstanceState::Running => "running",
            InstanceState::Stopping => "stopping",
            InstanceState::Stopped => "stopped",
            InstanceState::ShuttingDown => "shutting-down",
            InstanceState::Terminated => "terminated",
        }
    }
    /// EC2's numeric state code.
    pub fn code(self) -> u16 {
        match self {
            InstanceState::Pending => 0,
            InstanceState::Running => 16,
            InstanceState::ShuttingDown => 32,
            InstanceState::Terminated => 48,
            InstanceState::Stopping => 64,
            InstanceState::Stopped => 80,
        }
    }
}

impl fmt::Display for InstanceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An instance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Instance {
    /// Its id.
    pub id: InstanceId,
    /// The launch that made it.
    pub reservation: ReservationId,
    /// Its type: a row of the catalog.
    pub instance_type: String,
    /// Its region.
    pub region: String,
    /// Its Availability Zone (its primary ENI's).
    pub az: String,
    /// Its VPC (its primary ENI's).
    pub vpc: VpcId,
    /// Its primary ENI's subnet.
    pub subnet: SubnetId,
    /// Its lifecycle state.
    pub state: InstanceState,
}

impl Instance {
    /// The catalog row of its type.
    pub fn spec(&self) -> &'static InstanceTypeSpec {
        catalog()
            .get(&self.instance_type)
            .expect("instances are only created with catalog types")
    }
}

/// An ENI's status (ENI_RULES.md, objects). It mirrors the attachment: no
/// attachment is `available`, an `attaching` one `attaching`, an `attached`
/// one `in-use`, a `detaching` one `detaching`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EniStatus {
    /// Not attached.
    Available,
    /// Its attachment is being made.
    Attaching,
    /// Attached.
    InUse,
    /// Its attachment is being removed.
    Detaching,
}

impl EniStatus {
    /// EC2's name.
    pub fn name(self) -> &'static str {
        match self {
            EniStatus::Available => "available",
            EniStatus::Attaching => "attaching",
            EniStatus::InUse => "in-use",
            EniStatus::Detaching => "detaching",
        }
    }
}

/// An attachment's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttachmentStatus {
    /// Being made; becomes `attached` ([`Transition::Attached`]). Packets for
    /// the ENI are not delivered yet (M1: traffic follows the ENI once the
    /// attach completes).
    Attaching,
    /// Complete.
    Attached,
    /// Being removed; becomes `detached` ([`Transition::Detached`]).
    Detaching,
    /// Removed. A detached attachment is dropped from its ENI at once, so the
    /// model never holds one; the status exists for reports.
    Detached,
}

impl AttachmentStatus {
    /// EC2's name.
    pub fn name(self) -> &'static str {
        match self {
            AttachmentStatus::Attaching => "attaching",
            AttachmentStatus::Attached => "attached",
            AttachmentStatus::Detaching => "detaching",
            AttachmentStatus::Detached => "detached",
        }
    }
}

/// One attachment of an ENI to an instance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attachment {
    /// Its id.
    pub id: AttachmentId,
    /// The instance.
    pub instance: InstanceId,
    /// The device index on the instance (0 is the primary ENI, with card 0).
    pub device_index: u32,
    /// The network card.
    pub network_card_index: u32,
    /// Whether the ENI is deleted when the instance terminates (D2, D4).
    pub delete_on_termination: bool,
    /// Its status.
    pub status: AttachmentStatus,
}

impl Attachment {
    /// Whether this is the primary attachment (device 0 on card 0, A1).
    pub fn is_primary(&self) -> bool {
        self.device_index == 0 && self.network_card_index == 0
    }
}

/// An elastic network interface.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetworkInterface {
    /// Its id.
    pub id: EniId,
    /// Its subnet, fixed for life (P3).
    pub subnet: SubnetId,
    /// Its subnet's VPC.
    pub vpc: VpcId,
    /// Its subnet's Availability Zone.
    pub az: String,
    /// Its region.
    pub region: String,
    /// Its MAC, fixed for life (M1).
    pub mac: MacAddr,
    /// Its primary private IPv4, fixed for life (I1).
    pub primary_ip: Ipv4Addr,
    /// Secondary private IPv4s, in assignment order.
    pub secondary_ips: Vec<Ipv4Addr>,
    /// IPv6 addresses, in assignment order.
    pub ipv6: Vec<Ipv6Addr>,
    /// Security groups, 1..=5 (G1).
    pub groups: Vec<GroupId>,
    /// Source/destination check (G5), default true.
    pub source_dest_check: bool,
    /// Free text.
    pub description: String,
    /// Its attachment, if attached (or attaching or detaching).
    pub attachment: Option<Attachment>,
    /// The auto-assigned public IPv4 mapped to its primary private IPv4
    /// (U1, U3, E5).
    pub auto_public_ip: Option<Ipv4Addr>,
    /// Whether the ENI was launched with an auto-assigned public IPv4 and so
    /// gets a new one when its instance starts or its Elastic IP leaves (U3,
    /// E5), if it is then its instance's only ENI.
    pub auto_public_ip_wanted: bool,
}

impl NetworkInterface {
    /// Its status, from its attachment.
    pub fn status(&self) -> EniStatus {
        match &self.attachment {
            None => EniStatus::Available,
            Some(a) => match a.status {
                AttachmentStatus::Attaching => EniStatus::Attaching,
                AttachmentStatus::Attached => EniStatus::InUse,
                AttachmentStatus::Detaching => EniStatus::Detaching,
                AttachmentStatus::Detached => EniStatus::Available,
            },
        }
    }
    /// All private IPv4s, the primary first.
    pub fn private_ips(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        std::iter::once(self.primary_ip).chain(self.secondary_ips.iter().copied())
    }
    /// Whether it holds the private IPv4 `ip`.
    pub fn holds(&self, ip: Ipv4Addr) -> bool {
        self.primary_ip == ip || self.secondary_ips.contains(&ip)
    }
    /// Number of private IPv4s (the primary counts, L2).
    pub fn ipv4_count(&self) -> usize {
        1 + self.secondary_ips.len()
    }
    /// The instance it is attached to, in any attachment status.
    pub fn instance(&self) -> Option<&InstanceId> {
        self.attachment.as_ref().map(|a| &a.instance)
    }
}

/// An IP protocol as security-group rules name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Protocol {
    /// `-1`: every protocol, every port.
    All,
    /// TCP (6).
    Tcp,
    /// UDP (17).
    Udp,
    /// ICMP (1): the ports are the ICMP type and code.
    Icmp,
    /// ICMPv6 (58): likewise.
    Icmpv6,
    /// Another protocol by number: all of it.
    Number(u8),
}

impl Protocol {
    /// EC2's text (`tcp`, `-1`, `47`).
    pub fn name(self) -> String {
        match self {
            Protocol::All => "-1".into(),
            Protocol::Tcp => "tcp".into(),
            Protocol::Udp => "udp".into(),
            Protocol::Icmp => "icmp".into(),
            Protocol::Icmpv6 => "icmpv6".into(),
            Protocol::Number(n) => n.to_string(),
        }
    }
    /// The IP protocol number, `None` for all.
    pub fn number(self) -> Option<u8> {
        match self {
            Protocol::All => None,
            Protocol::Tcp => Some(6),
            Protocol::Udp => Some(17),
            Protocol::Icmp => Some(1),
            Protocol::Icmpv6 => Some(58),
            Protocol::Number(n) => Some(n),
        }
    }
}

/// Where a rule's traffic comes from (ingress) or goes to (egress).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum RuleSource {
    /// An IPv4 block.
    Cidr4(Ipv4Net),
    /// An IPv6 block.
    Cidr6(Ipv6Net),
    /// Every ENI that has this group (same VPC).
    Group(GroupId),
}

/// One allow rule. Rules are allows only; an ENI's groups' rules are a union
/// (G4); the data plane makes them stateful (replies to allowed traffic pass).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SgRule {
    /// The protocol.
    pub protocol: Protocol,
    /// First port (TCP/UDP) or ICMP type (`-1` = all); `None` when the
    /// protocol has no ports (`-1`, numbered protocols).
    pub from_port: Option<i32>,
    /// Last port (TCP/UDP) or ICMP code (`-1` = all); `None` likewise.
    pub to_port: Option<i32>,
    /// The peer.
    pub source: RuleSource,
    /// Free text (ignored when rules are compared).
    pub description: Option<String>,
}

impl SgRule {
    /// Whether two rules are the same rule (descriptions aside).
    pub fn same_as(&self, other: &SgRule) -> bool {
        self.protocol == other.protocol
            && self.from_port == other.from_port
            && self.to_port == other.to_port
            && self.source == other.source
    }

    /// Whether the rule admits IP protocol `proto` with `port`: the
    /// destination port for TCP and UDP, the ICMP type for ICMP and ICMPv6
    /// (the code is not checked), `None` for a packet without one. The peer
    /// (CIDR or group) is the caller's to match.
    pub fn admits(&self, proto: u8, port: Option<u16>) -> bool {
        match self.protocol.number() {
            None => true,
            Some(p) if p != proto => false,
            Some(_) => match (self.from_port, self.to_port, port) {
                (Some(-1), _, _) | (None, _, _) => true,
                (Some(lo), Some(hi), Some(x)) => {
                    let x = i32::from(x);
                    if matches!(self.protocol, Protocol::Icmp | Protocol::Icmpv6) {
                        lo == x
                    } else {
                        lo <= x && x <= hi
                    }
                }
                _ => false,
            },
        }
    }

    /// A one-line description for messages, e.g. `tcp 22-22 from 0.0.0.0/0`.
    pub fn describe(&self) -> String {
        let ports = match (self.from_port, self.to_port) {
            (Some(a), Some(b)) => format!(" {a}-{b}"),
            _ => String::new(),
        };
        let peer = match &self.source {
            RuleSource::Cidr4(n) => n.to_string(),
            RuleSource::Cidr6(n) => n.to_string(),
            RuleSource::Group(g) => g.to_string(),
        };
        format!("{}{ports} {peer}", self.protocol.name())
    }
}

/// A security group (VPC-scoped).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SecurityGroup {
    /// Its id.
    pub id: GroupId,
    /// Its name, unique in the VPC.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Its VPC.
    pub vpc: VpcId,
    /// Inbound allows.
    pub ingress: Vec<SgRule>,
    /// Outbound allows.
    pub egress: Vec<SgRule>,
}

/// An Elastic IP's association.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EipAssociation {
    /// Its id.
    pub id: AssociationId,
    /// The ENI.
    pub eni: EniId,
    /// The private IPv4 on that ENI the public address maps to.
    pub private_ip: Ipv4Addr,
}

/// An Elastic IP allocation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ElasticIp {
    /// Its id.
    pub allocation_id: AllocationId,
    /// The public address.
    pub public_ip: Ipv4Addr,
    /// Its region.
    pub region: String,
    /// At most one association (E3).
    pub association: Option<EipAssociation>,
}

/// A state change begun by an action that completes later: the model's
/// intermediate states for a timeline. [`Ec2::complete`] finishes one;
/// [`Ec2::apply_and_complete`] finishes them at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Transition {
    /// `pending` → `running` (RunInstances, StartInstances).
    Running(InstanceId),
    /// `stopping` → `stopped` (StopInstances); the auto public IPv4 goes
    /// (U3).
    Stopped(InstanceId),
    /// `shutting-down` → `terminated` (TerminateInstances); D4 happens then.
    Terminated(InstanceId),
    /// Attachment `attaching` → `attached`.
    Attached(AttachmentId),
    /// Attachment `detaching` → gone; the ENI becomes `available`.
    Detached(AttachmentId),
}

/// A secondary private IPv4 that moved from one ENI to another
/// (AssignPrivateIpAddresses with `AllowReassignment`, S2/S3). The state has
/// it on `to` at once; a timeline that models the move's delay drops packets
/// for `address` until it chooses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reassignment {
    /// The address.
    pub address: Ipv4Addr,
    /// The ENI that held it.
    pub from: EniId,
    /// The ENI that holds it now.
    pub to: EniId,
    /// The Elastic IP that moved with it (S3), if any.
    pub elastic_ip: Option<Ipv4Addr>,
}

/// Default Elastic IP quota per region (E1).
pub const EIP_QUOTA_PER_REGION: usize = 5;
/// Default security groups per ENI (G1; adjustable to 16 in EC2).
pub const GROUPS_PER_ENI: usize = 5;
/// Rules per direction of a group (EC2's default quota).
pub const RULES_PER_DIRECTION: usize = 60;

/// The EC2 state of one account: regions, VPCs, subnets, security groups,
/// instances, ENIs and Elastic IPs. A value, cloned and compared freely.
///
/// Change it only through [`Ec2::apply`] (and [`Ec2::complete`]): every
/// action is all or nothing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ec2 {
    pub(crate) ids: IdGen,
    pub(crate) regions: Vec<Region>,
    pub(crate) vpcs: Registry<VpcId, Vpc>,
    pub(crate) subnets: Registry<SubnetId, Subnet>,
    pub(crate) groups: Registry<GroupId, SecurityGroup>,
    pub(crate) instances: Registry<InstanceId, Instance>,
    pub(crate) enis: Registry<EniId, NetworkInterface>,
    pub(crate) addresses: Registry<AllocationId, ElasticIp>,
}

/// The region actions use when none is named.
pub const DEFAULT_REGION: &str = "us-east-1";

impl Ec2 {
    /// An empty account with master seed `seed` (ids and MACs are drawn from
    /// it). Two regions: `us-east-1` (AZs a, b, c; Elastic IPs from
    /// 198.51.100.0/24, auto-assigned addresses from 203.0.113.0/24) and
    /// `eu-west-1` (AZs a, b, c; 192.0.2.0/25 and 192.0.2.128/25). The pools
    /// are the documentation blocks of RFC 5737, never real addresses.
    pub fn new(seed: u64) -> Self {
        let region = |name: &str, eip: &str, auto: &str| Region {
            name: name.to_owned(),
            zones: ["a", "b", "c"]
                .iter()
                .map(|z| format!("{name}{z}"))
                .collect(),
            eip_pool: eip.parse().expect("valid pool"),
            auto_pool: auto.parse().expect("valid pool"),
            eip_cursor: 1,
            auto_cursor: 1,
        };
        Ec2 {
            ids: IdGen::new(seed),
            regions: vec![
                region("us-east-1", "198.51.100.0/24", "203.0.113.0/24"),
                region("eu-west-1", "192.0.2.0/25", "192.0.2.128/25"),
            ],
            vpcs: Registry::default(),
            subnets: Registry::default(),
            groups: Registry::default(),
            instances: Registry::default(),
            enis: Registry::default(),
            addresses: Registry::default(),
        }
    }

    /// The whole state as JSON: the byte-identical check of all-or-nothing.
    pub fn snapshot(&self) -> String {
        serde_json::to_string(self).expect("the state serializes")
    }

    // ---- read access -------------------------------------------------------

    /// VPCs in creation order.
    pub fn vpcs(&self) -> impl Iterator<Item = &Vpc> {
        self.vpcs.values()
    }
    /// Subnets in creation order.
    pub fn subnets(&self) -> impl Iterator<Item = &Subnet> {
        self.subnets.values()
    }
    /// Security groups in creation order.
    pub fn security_groups(&self) -> impl Iterator<Item = &SecurityGroup> {
        self.groups.values()
    }
    /// Instances in launch order (terminated ones included).
    pub fn instances(&self) -> impl Iterator<Item = &Instance> {
        self.instances.values()
    }
    /// ENIs in creation order.
    pub fn network_interfaces(&self) -> impl Iterator<Item = &NetworkInterface> {
        self.enis.values()
    }
    /// Elastic IPs in allocation order.
    pub fn addresses(&self) -> impl Iterator<Item = &ElasticIp> {
        self.addresses.values()
    }
    /// The VPC `id`.
    pub fn vpc(&self, id: &VpcId) -> Option<&Vpc> {
        self.vpcs.get(id)
    }
    /// The subnet `id`.
    pub fn subnet(&self, id: &SubnetId) -> Option<&Subnet> {
        self.subnets.get(id)
    }
    /// The security group `id`.
    pub fn security_group(&self, id: &GroupId) -> Option<&SecurityGroup> {
        self.groups.get(id)
    }
    /// The instance `id`.
    pub fn instance(&self, id: &InstanceId) -> Option<&Instance> {
        self.instances.get(id)
    }
    /// The ENI `id`.
    pub fn network_interface(&self, id: &EniId) -> Option<&NetworkInterface> {
        self.enis.get(id)
    }
    /// The Elastic IP `id`.
    pub fn address(&self, id: &AllocationId) -> Option<&ElasticIp> {
        self.addresses.get(id)
    }
    /// The ENI holding attachment `id`.
    pub fn eni_by_attachment(&self, id: &AttachmentId) -> Option<&NetworkInterface> {
        self.enis
            .values()
            .find(|e| e.attachment.as_ref().is_some_and(|a| &a.id == id))
    }
    /// The ENIs attached to `instance` (any attachment status), ordered by
    /// network card then device index.
    pub fn attached_enis(&self, instance: &InstanceId) -> Vec<&NetworkInterface> {
        let mut v: Vec<&NetworkInterface> = self
            .enis
            .values()
            .filter(|e| e.instance() == Some(instance))
            .collect();
        v.sort_by_key(|e| {
            let a = e.attachment.as_ref().expect("filtered on attachment");
            (a.network_card_index, a.device_index)
        });
        v
    }
    /// The primary ENI of `instance` (device 0, card 0).
    pub fn primary_eni(&self, instance: &InstanceId) -> Option<&NetworkInterface> {
        self.enis.values().find(|e| {
            e.attachment
                .as_ref()
                .is_some_and(|a| &a.instance == instance && a.is_primary())
        })
    }
    /// The Elastic IP associated with private address `ip` of `eni`.
    pub fn eip_on(&self, eni: &EniId, ip: Ipv4Addr) -> Option<&ElasticIp> {
        self.addresses.values().find(|a| {
            a.association
                .as_ref()
                .is_some_and(|s| &s.eni == eni && s.private_ip == ip)
        })
    }

    // ---- lookups that fail with EC2's NotFound codes -----------------------

    pub(crate) fn get_vpc(&self, id: &VpcId) -> Result<&Vpc, Ec2Error> {
        self.vpcs
            .get(id)
            .ok_or_else(|| Ec2Error::vpc_not_found(id.as_str()))
    }
    pub(crate) fn get_subnet(&self, id: &SubnetId) -> Result<&Subnet, Ec2Error> {
        self.subnets
            .get(id)
            .ok_or_else(|| Ec2Error::subnet_not_found(id.as_str()))
    }
    pub(crate) fn get_group(&self, id: &GroupId) -> Result<&SecurityGroup, Ec2Error> {
        self.groups
            .get(id)
            .ok_or_else(|| Ec2Error::group_not_found(id.as_str()))
    }
    pub(crate) fn get_instance(&self, id: &InstanceId) -> Result<&Instance, Ec2Error> {
        self.instances
            .get(id)
            .ok_or_else(|| Ec2Error::instance_not_found(id.as_str()))
    }
    pub(crate) fn get_eni(&self, id: &EniId) -> Result<&NetworkInterface, Ec2Error> {
        self.enis
            .get(id)
            .ok_or_else(|| Ec2Error::eni_not_found(id.as_str()))
    }
    pub(crate) fn eni_mut(&mut self, id: &EniId) -> &mut NetworkInterface {
        self.enis.get_mut(id).expect("checked before")
    }
    pub(crate) fn get_eip(&self, id: &AllocationId) -> Result<&ElasticIp, Ec2Error> {
        self.addresses
            .get(id)
            .ok_or_else(|| Ec2Error::allocation_not_found(id.as_str()))
    }
    pub(crate) fn region_mut(&mut self, name: &str) -> &mut Region {
        self.regions
            .iter_mut()
            .find(|r| r.name == name)
            .expect("regions of records exist")
    }
    pub(crate) fn find_region(&self, name: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.name == name)
    }

    /// Whether `ip` is in use as a public IPv4 (an Elastic IP, allocated or
    /// not, or an auto-assigned address).
    pub(crate) fn public_ip_taken(&self, ip: Ipv4Addr) -> bool {
        self.addresses.values().any(|a| a.public_ip == ip)
            || self.enis.values().any(|e| e.auto_public_ip == Some(ip))
    }
}
