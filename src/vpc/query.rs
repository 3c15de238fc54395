//! Read-side API for the data plane and the reports: per-ENI and
//! per-instance views with the joins done (public address of each private
//! one, the catalog's bandwidth), address lookups, the warnings that are not
//! errors (M2, M3, E9), the public IPv4 charges (E9), and the invariant check
//! the tests run after every action.
//!
//! Everything is listed in creation order, the stable index order: the
//! position of an ENI in [`Ec2::eni_views`] is its `index`.

use super::catalog::catalog;
use super::cidr::{Ipv4Net, Ipv6Net};
use super::ids::*;
use super::state::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Where a public IPv4 comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum PublicIpKind {
    /// Auto-assigned at launch or start (U1, U3); free before 2024-02-01.
    AutoAssigned,
    /// An Elastic IP.
    Elastic(AllocationId),
}

/// A public IPv4 and the 1:1 NAT behind it: packets to `address` arrive at
/// the private address it is mapped to; the guest never sees `address`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicIpv4 {
    /// The public address.
    pub address: Ipv4Addr,
    /// Auto-assigned or Elastic.
    pub kind: PublicIpKind,
}

/// One private IPv4 of an ENI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PrivateIpv4View {
    /// The address.
    pub address: Ipv4Addr,
    /// Whether it is the ENI's primary.
    pub primary: bool,
    /// The public address mapped to it, if any.
    pub public: Option<PublicIpv4>,
}

/// An ENI's attachment, as the data plane needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttachmentView {
    /// Attachment id.
    pub id: AttachmentId,
    /// The instance.
    pub instance: InstanceId,
    /// Device index (0 with card 0: the primary ENI).
    pub device_index: u32,
    /// Network card.
    pub network_card_index: u32,
    /// Only `Attached` delivers packets (M1).
    pub status: AttachmentStatus,
    /// D2, D4.
    pub delete_on_termination: bool,
}

/// Everything about one ENI the data plane compiles into its tables.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EniView {
    /// Position in creation order (stable while the ENI lives).
    pub index: usize,
    /// Id.
    pub id: EniId,
    /// Subnet.
    pub subnet: SubnetId,
    /// The subnet's IPv4 block.
    pub subnet_cidr: Ipv4Net,
    /// The subnet's IPv6 block.
    pub subnet_ipv6_cidr: Option<Ipv6Net>,
    /// VPC.
    pub vpc: VpcId,
    /// AZ.
    pub az: String,
    /// MAC (fixed for life).
    pub mac: MacAddr,
    /// Private IPv4s, the primary first, each with its public address.
    pub private_ipv4: Vec<PrivateIpv4View>,
    /// IPv6 addresses (publicly routable, seen by the guest).
    pub ipv6: Vec<Ipv6Addr>,
    /// Security groups (their rules are a union of allows, G4).
    pub groups: Vec<GroupId>,
    /// G5.
    pub source_dest_check: bool,
    /// `available`, `attaching`, `in-use`, `detaching`.
    pub status: EniStatus,
    /// The attachment, if any.
    pub attachment: Option<AttachmentView>,
}

/// Everything about one instance the data plane needs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InstanceView {
    /// Id.
    pub id: InstanceId,
    /// Catalog type.
    pub instance_type: String,
    /// Lifecycle state (only `running` sends and receives).
    pub state: InstanceState,
    /// AZ.
    pub az: String,
    /// VPC.
    pub vpc: VpcId,
    /// Baseline bandwidth [Gbit/s], shared by all its ENIs (M3).
    pub baseline_gbps: f64,
    /// Peak (burst) bandwidth [Gbit/s], shared likewise.
    pub peak_gbps: f64,
    /// Whether the type has an SR-IOV path (ENA or the 82599 VF).
    pub sriov: bool,
    /// Its ENIs (any attachment status) by card then device index.
    pub enis: Vec<EniId>,
}

/// A condition that is not an error but costs money or packets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// `AsymmetricRouting` (M2), `SharedBandwidth` (M3) or
    /// `UnassociatedElasticIp` (E9).
    pub code: &'static str,
    /// What, where, and why it matters.
    pub message: String,
}

/// Which public IPv4 pricing applies (E9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum PricingEra {
    /// Before 2024-02-01: only Elastic IPs not associated with a running
    /// instance, and extra Elastic IPs on one, were charged.
    Before2024,
    /// From 2024-02-01: every public IPv4, Elastic or auto-assigned, in use
    /// or not, is charged per hour.
    From2024,
}

/// A public IPv4 that is charged, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChargedIpv4 {
    /// The address.
    pub public_ip: Ipv4Addr,
    /// Its Elastic IP allocation, if it is one.
    pub allocation_id: Option<AllocationId>,
    /// The ENI it maps to, if any.
    pub eni: Option<EniId>,
    /// Why it is charged.
    pub reason: &'static str,
}

impl Ec2 {
    /// The public IPv4 mapped to `ip` of `e`: the rule (an Elastic IP wins,
    /// else the auto-assigned address of the primary) is
    /// [`Ec2::association_desc`]'s.
    fn public_of(&self, e: &NetworkInterface, ip: Ipv4Addr) -> Option<PublicIpv4> {
        self.association_desc(e, ip).map(|a| PublicIpv4 {
            address: a.public_ip,
            kind: match a.allocation_id {
                Some(id) => PublicIpKind::Elastic(id),
                None => PublicIpKind::AutoAssigned,
            },
        })
    }

    fn view_of(&self, index: usize, e: &NetworkInterface) -> EniView {
        let subnet = self.subnets.get(&e.subnet).expect("ENI subnets exist");
        EniView {
            index,
            id: e.id.clone(),
            subnet: e.subnet.clone(),
            subnet_cidr: subnet.cidr,
            subnet_ipv6_cidr: subnet.ipv6_cidr,
            vpc: e.vpc.clone(),
            az: e.az.clone(),
            mac: e.mac,
            private_ipv4: e
                .private_ips()
                .map(|ip| PrivateIpv4View {
                    address: ip,
                    primary: ip == e.primary_ip,
                    public: self.public_of(e, ip),
                })
                .collect(),
            ipv6: e.ipv6.clone(),
            groups: e.groups.clone(),
            source_dest_check: e.source_dest_check,
            status: e.status(),
            attachment: e.attachment.as_ref().map(|a| AttachmentView {
                id: a.id.clone(),
                instance: a.instance.clone(),
                device_index: a.device_index,
                network_card_index: a.network_card_index,
                status: a.status,
                delete_on_termination: a.delete_on_termination,
            }),
        }
    }

    /// Every ENI, in creation order.
    pub fn eni_views(&self) -> Vec<EniView> {
        self.enis
            .values()
            .enumerate()
            .map(|(i, e)| self.view_of(i, e))
            .collect()
    }

    /// One ENI.
    pub fn eni_view(&self, id: &EniId) -> Option<EniView> {
        self.enis
            .values()
            .enumerate()
            .find(|(_, e)| &e.id == id)
            .map(|(i, e)| self.view_of(i, e))
    }

    /// Every instance, in launch order (terminated ones included).
    pub fn instance_views(&self) -> Vec<InstanceView> {
        self.instances
            .values()
            .map(|i| {
                let spec = i.spec();
                InstanceView {
                    id: i.id.clone(),
                    instance_type: i.instance_type.clone(),
                    state: i.state,
                    az: i.az.clone(),
                    vpc: i.vpc.clone(),
                    baseline_gbps: spec.baseline_gbps,
                    peak_gbps: spec.peak_gbps,
                    sriov: spec.sriov(),
                    enis: self
                        .attached_enis(&i.id)
                        .iter()
                        .map(|e| e.id.clone())
                        .collect(),
                }
            })
            .collect()
    }

    /// The ENI holding private address `ip` (IPv4, or IPv6) in `vpc`.
    /// Private addresses are VPC-scoped: the same address may exist in two
    /// VPCs.
    pub fn eni_by_private_ip(&self, vpc: &VpcId, ip: IpAddr) -> Option<&EniId> {
        self.enis
            .values()
            .find(|e| {
                &e.vpc == vpc
                    && match ip {
                        IpAddr::V4(v4) => e.holds(v4),
                        IpAddr::V6(v6) => e.ipv6.contains(&v6),
                    }
            })
            .map(|e| &e.id)
    }

    /// The ENI and private IPv4 the public IPv4 `ip` (Elastic or
    /// auto-assigned) is translated to at the VPC edge, if it is mapped.
    pub fn eni_by_public_ip(&self, ip: Ipv4Addr) -> Option<(&EniId, Ipv4Addr)> {
        for a in self.addresses.values() {
            if a.public_ip == ip {
                return a.association.as_ref().map(|s| (&s.eni, s.private_ip));
            }
        }
        self.enis
            .values()
            .find(|e| e.auto_public_ip == Some(ip))
            .map(|e| (&e.id, e.primary_ip))
    }

    /// Warnings that are not errors, in a fixed order: per instance (launch
    /// order) M2 then M3, then per Elastic IP (allocation order) E9.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut out = Vec::new();
        for i in self.instances.values() {
            if i.state == InstanceState::Terminated {
                continue;
            }
            let enis = self.attached_enis(&i.id);
            let mut by_subnet: BTreeMap<&SubnetId, Vec<&EniId>> = BTreeMap::new();
            for e in &enis {
                by_subnet.entry(&e.subnet).or_default().push(&e.id);
            }
            // M2 in the subnets' order of first appearance on the instance.
            let mut reported = BTreeSet::new();
            for e in &enis {
                let list = &by_subnet[&e.subnet];
                if list.len() > 1 && reported.insert(&e.subnet) {
                    out.push(Warning {
                        code: "AsymmetricRouting",
                        message: format!(
                            "instance {} has {} network interfaces in subnet {} ({}): replies can leave by another interface than the one the request came in on (asymmetric routing); the guest routes them by the primary interface unless it routes by source address (M2)",
                            i.id,
                            list.len(),
                            e.subnet,
                            list.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    });
                }
            }
            if enis.len() > 1 {
                let spec = i.spec();
                out.push(Warning {
                    code: "SharedBandwidth",
                    message: format!(
                        "instance {} ({}) has {} network interfaces; they share one bandwidth allowance, {} Gbps baseline and {} Gbps peak, and one packet-rate allowance: several interfaces never add bandwidth (M3)",
                        i.id,
                        spec.name,
                        enis.len(),
                        spec.baseline_gbps,
                        spec.peak_gbps
                    ),
                });
            }
        }
        for a in self.addresses.values() {
            if !self.eip_serves_running_instance(a) {
                let where_ = match &a.association {
                    None => "not associated with any network interface".to_owned(),
                    Some(s) => match self.enis.get(&s.eni).and_then(|e| e.instance()) {
                        None => format!(
                            "associated with {} ({}), which is not attached to an instance",
                            s.eni, s.private_ip
                        ),
                        Some(i) => format!(
                            "associated with {} ({}) on instance {}, which is {}",
                            s.eni,
                            s.private_ip,
                            i,
                            self.instances.get(i).map_or("unknown", |x| x.state.name())
                        ),
                    },
                };
                out.push(Warning {
                    code: "UnassociatedElasticIp",
                    message: format!(
                        "Elastic IP {} ({}) is allocated but {}: it is charged per hour while it serves no running instance (E9)",
                        a.public_ip, a.allocation_id, where_
                    ),
                });
            }
        }
        out
    }

    fn eip_serves_running_instance(&self, a: &ElasticIp) -> bool {
        a.association
            .as_ref()
            .and_then(|s| self.enis.get(&s.eni))
            .and_then(|e| e.attachment.as_ref())
            .and_then(|at| self.instances.get(&at.instance))
            .is_some_and(|i| i.state == InstanceState::Running)
    }

    /// E9: the public IPv4s charged under `era`, Elastic IPs first
    /// (allocation order), then auto-assigned ones (ENI order).
    pub fn charged_public_ipv4s(&self, era: PricingEra) -> Vec<ChargedIpv4> {
        let mut out = Vec::new();
        let mut first_on_instance: BTreeSet<InstanceId> = BTreeSet::new();
        for a in self.addresses.values() {
            let eni = a.association.as_ref().map(|s| s.eni.clone());
            let reason = match era {
                PricingEra::From2024 => Some("every public IPv4 is charged (from 2024-02-01)"),
                PricingEra::Before2024 => {
                    if !self.eip_serves_running_instance(a) {
                        Some("Elastic IP not associated with a running instance")
                    } else {
                        let inst = a
                            .association
                            .as_ref()
                            .and_then(|s| self.enis.get(&s.eni))
                            .and_then(|e| e.instance().cloned())
                            .expect("serves a running instance");
                        (!first_on_instance.insert(inst))
                            .then_some("additional Elastic IP on a running instance")
                    }
                }
            };
            if let Some(reason) = reason {
                out.push(ChargedIpv4 {
                    public_ip: a.public_ip,
                    allocation_id: Some(a.allocation_id.clone()),
                    eni,
                    reason,
                });
            }
        }
        if era == PricingEra::From2024 {
            for e in self.enis.values() {
                if let Some(ip) = e.auto_public_ip {
                    out.push(ChargedIpv4 {
                        public_ip: ip,
                        allocation_id: None,
                        eni: Some(e.id.clone()),
                        reason: "every public IPv4 is charged (from 2024-02-01)",
                    });
                }
            }
        }
        out
    }

    /// Checks the invariants every action must keep; the error lists the
    /// first broken one. Property tests call it after every action.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut v4: BTreeMap<(&SubnetId, Ipv4Addr), &EniId> = BTreeMap::new();
        let mut v6: BTreeMap<Ipv6Addr, &EniId> = BTreeMap::new();
        let mut macs = BTreeSet::new();
        let mut slots: BTreeMap<(&InstanceId, u32, u32), &EniId> = BTreeMap::new();
        for e in self.enis.values() {
            let s = self
                .subnets
                .get(&e.subnet)
                .ok_or(format!("{}: unknown subnet {}", e.id, e.subnet))?;
            if s.vpc != e.vpc || s.az != e.az {
                return Err(format!("{}: VPC/AZ differ from its subnet's", e.id));
            }
            if !macs.insert(e.mac) {
                return Err(format!("{}: MAC {} twice", e.id, e.mac));
            }
            for ip in e.private_ips() {
                if !s.cidr.contains(ip) || s.is_reserved(ip) {
                    return Err(format!(
                        "{}: {ip} outside subnet or reserved (I2, I3)",
                        e.id
                    ));
                }
                if let Some(o) = v4.insert((&e.subnet, ip), &e.id) {
                    return Err(format!("{ip} held by {o} and {} (I4)", e.id));
                }
            }
            for ip in &e.ipv6 {
                let outside = match s.ipv6_cidr {
                    Some(n) => !n.contains(*ip),
                    None => true,
                };
                if outside || s.is_reserved_v6(*ip) {
                    return Err(format!("{}: {ip} outside subnet or reserved", e.id));
                }
                if let Some(o) = v6.insert(*ip, &e.id) {
                    return Err(format!("{ip} held by {o} and {} (V1)", e.id));
                }
            }
            if e.groups.is_empty() || e.groups.len() > GROUPS_PER_ENI {
                return Err(format!("{}: {} groups (G1)", e.id, e.groups.len()));
            }
            for g in &e.groups {
                match self.groups.get(g) {
                    Some(g) if g.vpc == e.vpc => {}
                    _ => {
                        return Err(format!(
                            "{}: group {g} missing or in another VPC (G2)",
                            e.id
                        ))
                    }
                }
            }
            let (v4_limit, v6_limit) = match &e.attachment {
                None => (catalog().max_ipv4_per_eni(), catalog().max_ipv6_per_eni()),
                Some(a) => {
                    let i = self
                        .instances
                        .get(&a.instance)
                        .ok_or(format!("{}: attached to unknown {}", e.id, a.instance))?;
                    if i.state == InstanceState::Terminated {
                        return Err(format!("{}: attached to terminated {}", e.id, i.id));
                    }
                    if i.az != e.az || i.vpc != e.vpc {
                        return Err(format!("{}: AZ/VPC differ from {}'s (P1, P2)", e.id, i.id));
                    }
                    if let Some(o) =
                        slots.insert((&a.instance, a.network_card_index, a.device_index), &e.id)
                    {
                        return Err(format!(
                            "{o} and {} share a device index on {} (A4)",
                            e.id, i.id
                        ));
                    }
                    (i.spec().ipv4_per_eni, i.spec().ipv6_per_eni)
                }
            };
            if e.ipv4_count() > v4_limit as usize || e.ipv6.len() > v6_limit as usize {
                return Err(format!("{}: address limits exceeded (L2, V1)", e.id));
            }
            if e.auto_public_ip.is_some() {
                if !e.attachment.as_ref().is_some_and(Attachment::is_primary) {
                    return Err(format!("{}: auto public IPv4 off eth0 (U1)", e.id));
                }
                if self.eip_on(&e.id, e.primary_ip).is_some() {
                    return Err(format!(
                        "{}: auto public IPv4 beside an Elastic IP (E5)",
                        e.id
                    ));
                }
            }
        }
        for i in self.instances.values() {
            let enis = self.attached_enis(&i.id);
            if i.state == InstanceState::Terminated {
                continue;
            }
            let spec = i.spec();
            if enis.len() > spec.max_enis as usize {
                return Err(format!("{}: {} ENIs (L1)", i.id, enis.len()));
            }
            for card in 0..spec.network_cards {
                let on = enis
                    .iter()
                    .filter(|e| {
                        e.attachment
                            .as_ref()
                            .is_some_and(|a| a.network_card_index == card)
                    })
                    .count();
                if spec.network_cards > 1 && on > spec.max_enis_per_card() as usize {
                    return Err(format!("{}: {on} ENIs on card {card} (L1)", i.id));
                }
            }
            match self.primary_eni(&i.id) {
                Some(p) if p.subnet == i.subnet => {}
                _ => return Err(format!("{}: primary ENI missing or moved (A1)", i.id)),
            }
        }
        let mut assoc: BTreeSet<(&EniId, Ipv4Addr)> = BTreeSet::new();
        let mut publics = BTreeSet::new();
        let mut per_region: BTreeMap<&str, usize> = BTreeMap::new();
        for a in self.addresses.values() {
            *per_region.entry(a.region.as_str()).or_default() += 1;
            if !publics.insert(a.public_ip) {
                return Err(format!("{} allocated twice", a.public_ip));
            }
            if let Some(s) = &a.association {
                match self.enis.get(&s.eni) {
                    Some(e) if e.holds(s.private_ip) => {}
                    _ => {
                        return Err(format!(
                            "{}: associated with a missing address",
                            a.allocation_id
                        ))
                    }
                }
                if !assoc.insert((&s.eni, s.private_ip)) {
                    return Err(format!(
                        "{} {} has two Elastic IPs (E3)",
                        s.eni, s.private_ip
                    ));
                }
            }
        }
        if per_region.values().any(|n| *n > EIP_QUOTA_PER_REGION) {
            return Err("Elastic IP quota exceeded (E1)".into());
        }
        for e in self.enis.values() {
            if let Some(ip) = e.auto_public_ip {
                if !publics.insert(ip) {
                    return Err(format!("public {ip} twice"));
                }
            }
        }
        Ok(())
    }
}
