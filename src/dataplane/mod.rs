//! The VPC data plane: what EC2's control plane ([`crate::vpc`]) means for
//! each packet.
//!
//! The control plane's state is compiled into lookup tables ([`Tables`])
//! whenever it changes; a packet's journey is decided from them at its birth:
//!
//! 1. **Leaving an instance** (its sender is an instance): the egress ENI is
//!    the one whose subnet holds the destination, else the primary (device
//!    index 0) — Linux's routing without policy rules, which is why two ENIs
//!    in one subnet route asymmetrically (M2); a flow may ask for the ENI
//!    that owns its source address instead (policy routing). Then the
//!    source/destination check (G5: the source must be the ENI's own), the
//!    egress rules of the ENI's groups (G4: a union of allows; replies of an
//!    allowed exchange pass, stateful), and the subnet's route table (below:
//!    a route to an appliance's ENI sends the packet there first).
//! 2. **At an appliance** (a route's target): the source/destination check
//!    (G5: a packet neither from nor to the appliance is dropped unless the
//!    check is off), its groups' ingress and egress rules.
//! 3. **Arriving**: the destination address → its ENI (public and Elastic IPs
//!    translated 1:1 at the VPC edge, never seen by the guest) → an attachment
//!    that has completed, to a running instance (M1) → the ENI's groups'
//!    ingress rules.
//!
//! **Route tables.** A subnet's table holds a *local* route for each of its
//! VPC's CIDR blocks (the IPv4 block and, if the VPC has one, the IPv6 block)
//! and the experiment's routes to appliances (`[[vpc.routes]]`, IPv4 only).
//! The route for a destination is the longest prefix that holds it; on a tie
//! the local route wins. So traffic to an address in the VPC goes directly to
//! that address's ENI, even under a `0.0.0.0/0` route to a NAT, unless a
//! route *more specific* than the local route points at an appliance
//! ("middlebox routing": EC2 allows such a route only for the whole block of
//! a subnet of the VPC, and a run refuses any other, naming
//! `vpc.routes.N.destination`). An address in the VPC's blocks that no ENI
//! holds is routed locally to nothing: dropped as `no_route` (or
//! `address_in_transit` while it moves), never sent to the internet.
//! ENI_RULES.md has no rule for routes; the source is the Amazon VPC User
//! Guide, "Configure route tables": *Route priority* (the most specific route
//! that matches the traffic, "the longest prefix match") and the route-table
//! rules (every table has a local route per VPC CIDR block; a route more
//! specific than it must match the entire CIDR block of a subnet in the VPC).
//!
//! The instance allowances (bandwidth in and out, packets per second, shared
//! by all of an instance's ENIs: M3) are token buckets the event loop charges
//! per packet; this module only says which instances a journey crosses.
//!
//! Left out: network ACLs, prefix lists, peering, gateways other than one
//! implicit internet gateway, IPv6 routes to appliances, replacing a local
//! route's target (EC2's `ReplaceRoute` can), ICMP type matching beyond
//! "all".

use crate::metrics::DropReason;
use crate::vpc::cidr::{Ipv4Net, Ipv6Net};
use crate::vpc::query::EniView;
use crate::vpc::state::{AttachmentStatus, InstanceState, Protocol, RuleSource};
use crate::vpc::{Ec2, EniId, InstanceId, SubnetId};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// The addresses and ports of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// IP protocol number (6 TCP, 17 UDP, 1 ICMP).
    pub proto: u8,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
}

impl Key {
    /// The key of a reply.
    pub fn reversed(self) -> Key {
        Key {
            src: self.dst,
            dst: self.src,
            proto: self.proto,
            src_port: self.dst_port,
            dst_port: self.src_port,
        }
    }
}

/// One place a packet passes through on the simulated host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hop {
    /// The host's wire (the packet comes from, or goes to, elsewhere).
    Wire,
    /// A device of a VM on the host: (VM index, [`device_key`] of the ENI
    /// it serves: its device index on card 0). Each attached ENI is its own device (a VF under SR-IOV, its
    /// own NIC under passthrough, its own virtio or emulated device), so a
    /// packet for an ENI's address lands on that ENI's queues and one sent
    /// from an ENI leaves through them.
    Vm(u32, u32),
    /// A device of a VM on another host of the rack (the instance runs
    /// there): that host takes the packet from here on.
    Rack {
        /// The host.
        host: u32,
        /// The VM there.
        vm: u32,
        /// The ENI's device index.
        dev: u32,
    },
}

/// The device key of an ENI attached at `device_index` on network card
/// `card` (what [`Hop::Vm`] carries): the device index itself on card 0,
/// and distinct per card on instance types with several, where each card
/// numbers its ENIs from 0 (one device each).
pub fn device_key(card: u32, device_index: u32) -> u32 {
    (card << 16) | (device_index & 0xffff)
}

/// Where a packet goes, and whose allowances it uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Journey {
    /// Hops in order (2 to 4 used): the sender's side, an appliance (the
    /// device it receives on, then the one it sends from if they differ),
    /// the receiver's side.
    pub hops: [Hop; 4],
    /// Number of hops used.
    pub len: u8,
    /// Instances whose outbound allowances the packet uses (sender,
    /// appliance), by table index.
    pub out: [Option<u32>; 2],
    /// Instances whose inbound allowances the packet uses (appliance,
    /// receiver), by table index.
    pub inbound: [Option<u32>; 2],
    /// The destination as the receiver sees it: a public or Elastic IP
    /// translated at the VPC edge to its private address (a reply leaves from
    /// that address; the guest never sees the public one).
    pub dst: IpAddr,
    /// For a packet to the internet: its source after the edge's 1:1
    /// translation (the sender's, or a NAT appliance's, public IPv4; an IPv6
    /// source as it is) — where the internet's reply is addressed.
    pub src_public: Option<IpAddr>,
}

impl Journey {
    /// The hops used.
    pub fn hops(&self) -> &[Hop] {
        &self.hops[..self.len as usize]
    }
}

#[derive(Clone, Debug)]
enum Peer {
    V4(Ipv4Net),
    V6(Ipv6Net),
    Group(usize),
}

#[derive(Clone, Debug)]
struct Rule {
    /// `None`: every protocol.
    proto: Option<u8>,
    /// Inclusive port range; `None`: every port.
    ports: Option<(i32, i32)>,
    peer: Peer,
}

#[derive(Clone, Debug, Default)]
struct Group {
    ingress: Vec<Rule>,
    egress: Vec<Rule>,
}

#[derive(Clone, Debug)]
struct Eni {
    id: EniId,
    /// Index of its VPC.
    vpc: usize,
    subnet: SubnetId,
    subnet_cidr: Ipv4Net,
    /// The instance it is attached to, once the attachment completed.
    instance: Option<usize>,
    device_index: u32,
    groups: Vec<usize>,
    source_dest_check: bool,
    /// Its private IPv4s and IPv6s.
    addrs: Vec<IpAddr>,
}

#[derive(Clone, Debug)]
struct Instance {
    id: InstanceId,
    /// Index of its VPC.
    vpc: usize,
    vm: Option<u32>,
    /// It runs on another host of the rack: (host, VM there).
    elsewhere: Option<(u32, u32)>,
    running: bool,
    /// ENIs with a completed attachment, by device index.
    enis: Vec<usize>,
}

/// A route of a subnet's route table to an appliance's ENI. It competes
/// with the table's local routes by longest prefix, and loses a tie (see the
/// module's "Route tables").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplianceRoute {
    /// The subnet whose table holds the route.
    pub subnet: SubnetId,
    /// The destinations it covers.
    pub destination: Ipv4Net,
    /// The appliance's ENI.
    pub target: EniId,
}

/// The control plane compiled for per-packet lookups.
#[derive(Clone, Debug, Default)]
pub struct Tables {
    enis: Vec<Eni>,
    instances: Vec<Instance>,
    groups: Vec<Group>,
    /// (VPC, private IPv4 or IPv6) → ENI: private addresses are VPC-scoped.
    private: BTreeMap<(usize, IpAddr), usize>,
    /// IPv6 → ENI: globally unique and publicly routable (V1).
    ipv6: BTreeMap<IpAddr, usize>,
    /// Public IPv4 → (ENI, private IPv4): the edge's 1:1 NAT.
    public: BTreeMap<IpAddr, (usize, IpAddr)>,
    /// (VPC, private IPv4) → its public IPv4: the edge's way out.
    public_of: BTreeMap<(usize, IpAddr), IpAddr>,
    /// Addresses moving between ENIs: packets for them are dropped until the
    /// move completes.
    in_transit: BTreeSet<IpAddr>,
    /// Routes to appliances: (subnet, destination, target ENI), longest
    /// prefix first.
    routes: Vec<(SubnetId, Ipv4Net, usize)>,
    /// Each VPC's CIDR blocks, by VPC index: the destinations of the local
    /// routes every one of its route tables holds.
    local: Vec<(Ipv4Net, Option<Ipv6Net>)>,
}

fn compile_rule(
    protocol: Protocol,
    from: Option<i32>,
    to: Option<i32>,
    source: &RuleSource,
    group_index: &BTreeMap<&str, usize>,
) -> Option<Rule> {
    let peer = match source {
        RuleSource::Cidr4(n) => Peer::V4(*n),
        RuleSource::Cidr6(n) => Peer::V6(*n),
        RuleSource::Group(g) => Peer::Group(*group_index.get(g.as_str())?),
    };
    let ports = match (protocol, from, to) {
        (Protocol::Tcp | Protocol::Udp, Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    Some(Rule {
        proto: protocol.number(),
        ports,
        peer,
    })
}

impl Tables {
    /// Compiles `ec2`'s state. `vm_of` says which instances run on the
    /// simulated host and as which VM, `elsewhere` which run on other hosts
    /// of its rack, as (host, VM there); `in_transit` lists addresses whose
    /// move has not completed; `routes` are the subnets' routes to
    /// appliances.
    pub fn compile(
        ec2: &Ec2,
        vm_of: &BTreeMap<InstanceId, u32>,
        elsewhere: &BTreeMap<InstanceId, (u32, u32)>,
        in_transit: &BTreeSet<IpAddr>,
        routes: &[ApplianceRoute],
    ) -> Tables {
        let group_ids: Vec<_> = ec2.security_groups().map(|g| g.id.clone()).collect();
        let group_index: BTreeMap<&str, usize> = group_ids
            .iter()
            .enumerate()
            .map(|(i, g)| (g.as_str(), i))
            .collect();
        let groups = ec2
            .security_groups()
            .map(|g| {
                let rules = |rs: &[crate::vpc::state::SgRule]| {
                    rs.iter()
                        .filter_map(|r| {
                            compile_rule(
                                r.protocol,
                                r.from_port,
                                r.to_port,
                                &r.source,
                                &group_index,
                            )
                        })
                        .collect()
                };
                Group {
                    ingress: rules(&g.ingress),
                    egress: rules(&g.egress),
                }
            })
            .collect::<Vec<_>>();
        let vpc_ids: Vec<_> = ec2.vpcs().map(|v| v.id.clone()).collect();
        let vpc_index = |id: &crate::vpc::VpcId| vpc_ids.iter().position(|v| v == id).unwrap_or(0);
        let mut instances: Vec<Instance> = ec2
            .instance_views()
            .into_iter()
            .map(|i| Instance {
                vpc: vpc_index(&i.vpc),
                vm: vm_of.get(&i.id).copied(),
                elsewhere: elsewhere.get(&i.id).copied(),
                running: i.state == InstanceState::Running,
                id: i.id,
                enis: Vec::new(),
            })
            .collect();
        let instance_index: BTreeMap<InstanceId, usize> = instances
            .iter()
            .enumerate()
            .map(|(i, x)| (x.id.clone(), i))
            .collect();
        let views: Vec<EniView> = ec2.eni_views();
        let mut t = Tables {
            in_transit: in_transit.clone(),
            ..Tables::default()
        };
        for v in &views {
            let attached = v
                .attachment
                .as_ref()
                .filter(|a| a.status == AttachmentStatus::Attached);
            let instance = attached.and_then(|a| instance_index.get(&a.instance).copied());
            let idx = t.enis.len();
            let mut addrs: Vec<IpAddr> = v
                .private_ipv4
                .iter()
                .map(|p| IpAddr::V4(p.address))
                .collect();
            addrs.extend(v.ipv6.iter().map(|a| IpAddr::V6(*a)));
            let vpc = vpc_index(&v.vpc);
            for a in &addrs {
                t.private.insert((vpc, *a), idx);
                if a.is_ipv6() {
                    t.ipv6.insert(*a, idx);
                }
            }
            for p in &v.private_ipv4 {
                if let Some(public) = &p.public {
                    t.public
                        .insert(IpAddr::V4(public.address), (idx, IpAddr::V4(p.address)));
                    t.public_of
                        .insert((vpc, IpAddr::V4(p.address)), IpAddr::V4(public.address));
                }
            }
            if let Some(i) = instance {
                instances[i].enis.push(idx);
            }
            t.enis.push(Eni {
                id: v.id.clone(),
                vpc,
                subnet: v.subnet.clone(),
                subnet_cidr: v.subnet_cidr,
                instance,
                device_index: attached.map_or(u32::MAX, |a| {
                    device_key(a.network_card_index, a.device_index)
                }),
                groups: v
                    .groups
                    .iter()
                    .filter_map(|g| group_index.get(g.as_str()).copied())
                    .collect(),
                source_dest_check: v.source_dest_check,
                addrs,
            });
        }
        for inst in &mut instances {
            inst.enis.sort_by_key(|&e| t.enis[e].device_index);
        }
        t.instances = instances;
        t.routes = routes
            .iter()
            .filter_map(|r| {
                let target = t.enis.iter().position(|e| e.id == r.target)?;
                Some((r.subnet.clone(), r.destination, target))
            })
            .collect();
        // Longest prefix first (a stable sort: among equal prefixes, the
        // order given). The local routes are not in this list: `appliance`
        // weighs them against its first match.
        t.routes
            .sort_by_key(|r| std::cmp::Reverse(r.1.prefix_len()));
        t.local = ec2.vpcs().map(|v| (v.cidr, v.ipv6_cidr)).collect();
        t.groups = groups;
        t
    }

    /// The edge's 1:1 translations: public IPv4 → (ENI index, private IPv4).
    pub fn public_map(&self) -> &BTreeMap<IpAddr, (usize, IpAddr)> {
        &self.public
    }

    /// The table index of instance `id`.
    pub fn instance_index(&self, id: &InstanceId) -> Option<u32> {
        self.instances
            .iter()
            .position(|i| &i.id == id)
            .map(|i| i as u32)
    }

    fn group_allows(&self, eni: &Eni, ingress: bool, key: &Key) -> bool {
        let peer = if ingress { key.src } else { key.dst };
        eni.groups.iter().any(|&g| {
            let rules = if ingress {
                &self.groups[g].ingress
            } else {
                &self.groups[g].egress
            };
            rules.iter().any(|r| {
                r.proto.is_none_or(|p| p == key.proto)
                    && r.ports
                        .is_none_or(|(a, b)| (a..=b).contains(&(key.dst_port as i32)))
                    && match (&r.peer, peer) {
                        (Peer::V4(n), IpAddr::V4(ip)) => n.contains(ip),
                        (Peer::V6(n), IpAddr::V6(ip)) => n.contains(ip),
                        (&Peer::Group(g), ip) => self
                            .private
                            .get(&(eni.vpc, ip))
                            .is_some_and(|&e| self.enis[e].groups.contains(&g)),
                        _ => false,
                    }
            })
        })
    }

    /// True if `dst` is in one of VPC `vpc`'s CIDR blocks: a local route of
    /// every one of its route tables holds it.
    fn is_local(&self, vpc: usize, dst: IpAddr) -> bool {
        self.local.get(vpc).is_some_and(|(v4, v6)| match dst {
            IpAddr::V4(ip) => v4.contains(ip),
            IpAddr::V6(ip) => v6.is_some_and(|n| n.contains(ip)),
        })
    }

    /// The route `eni`'s subnet table gives `dst`: the appliance ENI of the
    /// longest matching route to an appliance, or `None` when a local route
    /// wins (longer or equal prefix) or no route matches. Routes to
    /// appliances are IPv4: an IPv6 destination always takes the local route
    /// or the edge.
    fn appliance(&self, eni: &Eni, dst: IpAddr) -> Option<usize> {
        let IpAddr::V4(dst) = dst else {
            return None;
        };
        // `routes` is sorted longest prefix first: the first match is the
        // longest.
        let best = self
            .routes
            .iter()
            .find(|r| r.0 == eni.subnet && r.1.contains(dst))?;
        let local = self.local.get(eni.vpc).map(|l| l.0);
        if local.is_some_and(|l| l.contains(dst) && l.prefix_len() >= best.1.prefix_len()) {
            return None;
        }
        Some(best.2)
    }

    /// Where a packet through `eni` of `inst` is on this host: the ENI's
    /// device in the instance's VM, or the wire if the instance runs
    /// elsewhere.
    fn hop(&self, inst: &Instance, eni: &Eni) -> Hop {
        match (inst.vm, inst.elsewhere) {
            (Some(vm), _) => Hop::Vm(vm, eni.device_index),
            (None, Some((host, vm))) => Hop::Rack {
                host,
                vm,
                dev: eni.device_index,
            },
            (None, None) => Hop::Wire,
        }
    }

    /// The ENI instance `inst` sends `key` from.
    fn egress_eni(&self, inst: usize, key: &Key, via_source_eni: bool) -> Option<usize> {
        let enis = &self.instances[inst].enis;
        if via_source_eni {
            if let Some(&e) = enis
                .iter()
                .find(|&&e| self.enis[e].addrs.contains(&key.src))
            {
                return Some(e);
            }
        }
        if let IpAddr::V4(dst) = key.dst {
            if let Some(&e) = enis
                .iter()
                .find(|&&e| self.enis[e].subnet_cidr.contains(dst))
            {
                return Some(e);
            }
        }
        enis.first().copied()
    }

    /// Decides the journey of a packet with addresses `key` sent by instance
    /// `from` (its table index) or, with `None`, by a host on the internet.
    /// `reply` marks the answer of an exchange whose request was allowed
    /// (security groups are stateful); `via_source_eni` asks for policy
    /// routing (the reply leaves by the ENI that owns its source address).
    pub fn journey(
        &self,
        from: Option<u32>,
        key: &Key,
        reply: bool,
        via_source_eni: bool,
    ) -> Result<Journey, DropReason> {
        let mut j = Journey {
            hops: [Hop::Wire; 4],
            len: 0,
            out: [None; 2],
            inbound: [None; 2],
            dst: key.dst,
            src_public: None,
        };
        let push = |j: &mut Journey, h: Hop| {
            j.hops[j.len as usize] = h;
            j.len += 1;
        };
        // 1. Leaving the sender.
        let mut appliance = None;
        // The ENI an appliance sends from.
        let mut appliance_out: Option<usize> = None;
        let mut vpc = None;
        match from {
            None => push(&mut j, Hop::Wire),
            Some(i) => {
                let inst = &self.instances[i as usize];
                if !inst.running {
                    return Err(DropReason::NoAttachment);
                }
                let e = self
                    .egress_eni(i as usize, key, via_source_eni)
                    .ok_or(DropReason::NoAttachment)?;
                let eni = &self.enis[e];
                if eni.source_dest_check && !eni.addrs.contains(&key.src) {
                    return Err(DropReason::SrcDstCheck);
                }
                if !reply && !self.group_allows(eni, false, key) {
                    return Err(DropReason::SgDenied);
                }
                push(&mut j, self.hop(inst, eni));
                j.out[0] = Some(i);
                vpc = Some(inst.vpc);
                // A route to the sender's own ENI sends the packet nowhere
                // else first.
                appliance = self.appliance(eni, key.dst).filter(|&t| t != e);
            }
        }
        // 2. Through an appliance.
        if let Some(a) = appliance {
            let eni = &self.enis[a];
            let inst = eni.instance.ok_or(DropReason::NoAttachment)?;
            if !self.instances[inst].running {
                return Err(DropReason::NoAttachment);
            }
            // It receives on the route's ENI and sends from the ENI its own
            // routing picks for the destination (the same one, unless the
            // appliance has an ENI in the destination's subnet): each ENI
            // applies its source/destination check (G5: a packet neither
            // from nor to it is dropped unless the check is off), the first
            // its groups' ingress rules, the second their egress rules.
            let out_e = self.egress_eni(inst, key, false).unwrap_or(a);
            let out = &self.enis[out_e];
            let foreign = |e: &Eni| {
                e.source_dest_check && !e.addrs.contains(&key.dst) && !e.addrs.contains(&key.src)
            };
            if foreign(eni) || foreign(out) {
                return Err(DropReason::SrcDstCheck);
            }
            let allowed = self.group_allows(eni, true, key) && self.group_allows(out, false, key);
            if !reply && !allowed {
                return Err(DropReason::SgDenied);
            }
            let app = &self.instances[inst];
            let in_hop = self.hop(app, eni);
            if j.hops()[j.len as usize - 1] != in_hop {
                push(&mut j, in_hop);
            }
            let out_hop = self.hop(app, out);
            if out_hop != in_hop {
                push(&mut j, out_hop);
            }
            appliance_out = Some(out_e);
            j.inbound[0] = Some(inst as u32);
            j.out[1] = Some(inst as u32);
        }
        // 3. Arriving.
        let inside = vpc.and_then(|v| self.private.get(&(v, key.dst)));
        let (eni, private) = match (inside, self.public.get(&key.dst)) {
            (Some(&e), _) => (e, key.dst),
            (None, Some(&(e, private))) => (e, private),
            (None, None) => match vpc {
                // The local route holds it, and no ENI has it: the VPC
                // delivers it nowhere (it does not go to the internet).
                Some(v) if self.is_local(v, key.dst) => {
                    return Err(if self.in_transit.contains(&key.dst) {
                        DropReason::AddressInTransit
                    } else {
                        DropReason::NoRoute
                    });
                }
                Some(v) => {
                    // To the internet, through the edge: a NAT appliance sends
                    // from its own address (masquerade); the edge translates
                    // that address 1:1 to its public IPv4, and a private
                    // address without one goes nowhere (U1–U3, E5).
                    if self.in_transit.contains(&key.dst) {
                        return Err(DropReason::AddressInTransit);
                    }
                    let src = match appliance {
                        // Translated from the address of the ENI it
                        // sends from.
                        Some(a) => self.enis[appliance_out.unwrap_or(a)].addrs[0],
                        None => key.src,
                    };
                    let public = match src {
                        IpAddr::V6(_) => Some(src),
                        IpAddr::V4(_) => self.public_of.get(&(v, src)).copied(),
                    };
                    if self.in_transit.contains(&src)
                        || public.is_some_and(|p| self.in_transit.contains(&p))
                    {
                        return Err(DropReason::AddressInTransit);
                    }
                    j.src_public = Some(public.ok_or(DropReason::NoRoute)?);
                    push(&mut j, Hop::Wire);
                    return Ok(j);
                }
                // From the internet: an IPv6 address is reachable as it is
                // (V1); private IPv4s are not.
                None => match self.ipv6.get(&key.dst) {
                    Some(&e) => (e, key.dst),
                    None => {
                        return Err(if self.in_transit.contains(&key.dst) {
                            DropReason::AddressInTransit
                        } else {
                            DropReason::NoRoute
                        })
                    }
                },
            },
        };
        if self.in_transit.contains(&key.dst) || self.in_transit.contains(&private) {
            return Err(DropReason::AddressInTransit);
        }
        let eni = &self.enis[eni];
        let inst = eni.instance.ok_or(DropReason::NoAttachment)?;
        if !self.instances[inst].running {
            return Err(DropReason::NoAttachment);
        }
        if !reply && !self.group_allows(eni, true, key) {
            return Err(DropReason::SgDenied);
        }
        let vm = self.hop(&self.instances[inst], eni);
        if vm == Hop::Wire && j.hops()[j.len as usize - 1] == Hop::Wire {
            // Neither end is on this host.
            return Err(DropReason::NoRoute);
        }
        push(&mut j, vm);
        j.inbound[1] = Some(inst as u32);
        j.dst = private;
        Ok(j)
    }
}

#[cfg(test)]
mod tests;
