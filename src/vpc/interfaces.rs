//! ENI actions: create, delete, attach, detach, private and IPv6 addresses,
//! attributes (rules A1–A9, P1–P3, L1, L2, D5, D6, I1–I5, S1–S4, V1, G1, G2,
//! G5, D2).

use super::actions::*;
use super::catalog::{catalog, InstanceTypeSpec};
use super::describe::{AssignedPrivateIp, Response};
use super::error::{required, Ec2Error};
use super::exec::Effects;
use super::ids::*;
use super::state::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The parameters of a new ENI, from CreateNetworkInterface or one entry of
/// RunInstances' `NetworkInterfaces`.
pub(crate) struct NewEni<'a> {
    pub subnet: &'a SubnetId,
    pub groups: &'a [GroupId],
    pub description: Option<&'a str>,
    pub private_ip_address: Option<&'a str>,
    pub private_ip_addresses: &'a [PrivateIpSpec],
    pub secondary_count: Option<u32>,
    pub ipv6_count: Option<u32>,
    pub ipv6_addresses: &'a [Ipv6Spec],
    /// The instance type whose limits apply (L2, V1), `None` for an ENI
    /// created unattached (the catalog's largest limits apply then; the
    /// type's are checked at attach).
    pub limits_of: Option<&'a InstanceTypeSpec>,
}

pub(crate) fn parse_v4(param: &str, s: &str) -> Result<Ipv4Addr, Ec2Error> {
    s.trim()
        .parse()
        .map_err(|_| Ec2Error::bad_address(param, s, "IPv4"))
}

pub(crate) fn parse_v6(param: &str, s: &str) -> Result<Ipv6Addr, Ec2Error> {
    s.trim()
        .parse()
        .map_err(|_| Ec2Error::bad_address(param, s, "IPv6"))
}

/// The IPv4 and IPv6 limits per ENI and the words naming whose they are.
fn limits(spec: Option<&InstanceTypeSpec>) -> (u32, u32, String) {
    match spec {
        Some(t) => (t.ipv4_per_eni, t.ipv6_per_eni, t.name.clone()),
        None => (
            catalog().max_ipv4_per_eni(),
            catalog().max_ipv6_per_eni(),
            "a network interface that is not attached".to_owned(),
        ),
    }
}

impl Ec2 {
    /// The private IPv4s held in `subnet`: address → (ENI, is primary).
    pub(crate) fn ipv4_holders(&self, subnet: &SubnetId) -> BTreeMap<Ipv4Addr, (EniId, bool)> {
        let mut m = BTreeMap::new();
        for e in self.enis.values().filter(|e| &e.subnet == subnet) {
            m.insert(e.primary_ip, (e.id.clone(), true));
            for ip in &e.secondary_ips {
                m.insert(*ip, (e.id.clone(), false));
            }
        }
        m
    }

    /// The IPv6 addresses held in `subnet`.
    pub(crate) fn ipv6_holders(&self, subnet: &SubnetId) -> BTreeMap<Ipv6Addr, EniId> {
        let mut m = BTreeMap::new();
        for e in self.enis.values().filter(|e| &e.subnet == subnet) {
            for ip in &e.ipv6 {
                m.insert(*ip, e.id.clone());
            }
        }
        m
    }

    /// I5: the `count` lowest free, unreserved IPv4s of `subnet` not in
    /// `taken` (the choice "the next free one" of I2), added to `taken`.
    fn pick_free_v4(
        &self,
        subnet: &Subnet,
        taken: &mut BTreeSet<Ipv4Addr>,
        count: usize,
    ) -> Result<Vec<Ipv4Addr>, Ec2Error> {
        let used = self.ipv4_holders(&subnet.id);
        let picked: Vec<Ipv4Addr> = (4..subnet.cidr.size().saturating_sub(1))
            .filter_map(|i| subnet.cidr.nth(i))
            .filter(|ip| !used.contains_key(ip) && !taken.contains(ip))
            .take(count)
            .collect();
        if picked.len() < count {
            return Err(Ec2Error::subnet_exhausted(subnet.id.as_str()));
        }
        taken.extend(&picked);
        Ok(picked)
    }

    /// The `count` lowest free, unreserved IPv6 addresses of `subnet` not in
    /// `taken`, added to `taken`.
    fn pick_free_v6(
        &self,
        subnet: &Subnet,
        taken: &mut BTreeSet<Ipv6Addr>,
        count: usize,
    ) -> Result<Vec<Ipv6Addr>, Ec2Error> {
        let net = subnet
            .ipv6_cidr
            .ok_or_else(|| Ec2Error::subnet_has_no_ipv6(subnet.id.as_str()))?;
        let used = self.ipv6_holders(&subnet.id);
        let picked: Vec<Ipv6Addr> = (4u128..)
            .map_while(|i| net.nth(i).filter(|ip| *ip != net.last()))
            .filter(|ip| !used.contains_key(ip) && !taken.contains(ip))
            .take(count)
            .collect();
        if picked.len() < count {
            return Err(Ec2Error::subnet_exhausted(subnet.id.as_str()));
        }
        taken.extend(&picked);
        Ok(picked)
    }

    /// V1, I2, I3, I4, I5: the IPv6 addresses `given` for an ENI of `subnet`
    /// (each in the subnet, unreserved, once in the request, on no ENI yet:
    /// IPv6 has no reassignment, the ENI itself included), then `count` more
    /// picked.
    fn new_ipv6s(
        &self,
        subnet: &Subnet,
        given: &[Ipv6Spec],
        count: usize,
    ) -> Result<Vec<Ipv6Addr>, Ec2Error> {
        let holders = self.ipv6_holders(&subnet.id);
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for s in given {
            let ip = parse_v6("Ipv6Addresses", s.address())?;
            Self::check_in_subnet_v6(subnet, ip)?;
            if !seen.insert(ip) {
                return Err(Ec2Error::duplicate_address(&ip.to_string()));
            }
            if let Some(h) = holders.get(&ip) {
                return Err(Ec2Error::ipv6_in_use(&ip.to_string(), h.as_str()));
            }
            out.push(ip);
        }
        out.extend(self.pick_free_v6(subnet, &mut seen, count)?);
        Ok(out)
    }

    /// I2, I3: an address given by the user lies in the subnet and is not
    /// reserved.
    fn check_in_subnet_v4(subnet: &Subnet, ip: Ipv4Addr) -> Result<(), Ec2Error> {
        if !subnet.cidr.contains(ip) {
            return Err(Ec2Error::address_outside_subnet(&ip.to_string()));
        }
        if subnet.is_reserved(ip) {
            return Err(Ec2Error::reserved_address(
                &ip.to_string(),
                subnet.id.as_str(),
            ));
        }
        Ok(())
    }

    /// V1 (subnet part), I3: an IPv6 address given by the user.
    fn check_in_subnet_v6(subnet: &Subnet, ip: Ipv6Addr) -> Result<(), Ec2Error> {
        let net = subnet
            .ipv6_cidr
            .ok_or_else(|| Ec2Error::subnet_has_no_ipv6(subnet.id.as_str()))?;
        if !net.contains(ip) {
            return Err(Ec2Error::address_outside_subnet(&ip.to_string()));
        }
        if subnet.is_reserved_v6(ip) {
            return Err(Ec2Error::reserved_address(
                &ip.to_string(),
                subnet.id.as_str(),
            ));
        }
        Ok(())
    }

    /// Creates an ENI (CreateNetworkInterface and RunInstances): G1, G2, I2,
    /// I3, I4, I5, L2, V1.
    pub(crate) fn create_eni(&mut self, n: NewEni<'_>) -> Result<EniId, Ec2Error> {
        let subnet = self.get_subnet(n.subnet)?.clone();
        let vpc = self.get_vpc(&subnet.vpc)?.clone();
        let groups = self.resolve_groups(&vpc.id, n.groups)?;
        let id = self.new_eni_id();
        let (v4_limit, v6_limit, limit_of) = limits(n.limits_of);

        // The primary: PrivateIpAddress, or the entry marked Primary, or the
        // first entry; the other entries are secondaries.
        let marked: Vec<&PrivateIpSpec> = n
            .private_ip_addresses
            .iter()
            .filter(|s| s.primary())
            .collect();
        if marked.len() > 1 {
            return Err(Ec2Error::invalid_value(
                "PrivateIpAddresses",
                marked
                    .iter()
                    .map(|s| s.address())
                    .collect::<Vec<_>>()
                    .join(", "),
                "Only one address can be the primary.",
            ));
        }
        let primary_text: Option<&str> = match (n.private_ip_address, marked.first()) {
            (Some(a), Some(m)) if a.trim() != m.address().trim() => {
                return Err(Ec2Error::invalid_value(
                    "PrivateIpAddress",
                    a,
                    &format!(
                        "It differs from the address marked primary, {}.",
                        m.address()
                    ),
                ))
            }
            (Some(a), _) => Some(a),
            (None, Some(m)) => Some(m.address()),
            (None, None) => n.private_ip_addresses.first().map(PrivateIpSpec::address),
        };
        // Every address given, the entries as listed (a repeat is an
        // error below), PrivateIpAddress first unless an entry names it.
        let primary = primary_text
            .map(|t| parse_v4("PrivateIpAddress", t))
            .transpose()?;
        let mut explicit: Vec<Ipv4Addr> = Vec::new();
        for s in n.private_ip_addresses {
            explicit.push(parse_v4("PrivateIpAddresses", s.address())?);
        }
        if let Some(p) = primary {
            if !explicit.contains(&p) {
                explicit.insert(0, p);
            }
        }
        let count = n.secondary_count.unwrap_or(0) as usize;
        // L2: the primary counts (`explicit` holds it when it is given).
        let total = if primary.is_some() {
            explicit.len() + count
        } else {
            1 + count
        };
        if total > v4_limit as usize {
            return Err(Ec2Error::private_ip_limit(
                id.as_str(),
                total,
                v4_limit,
                &limit_of,
            ));
        }
        let holders = self.ipv4_holders(&subnet.id);
        let mut seen = BTreeSet::new();
        for ip in &explicit {
            Self::check_in_subnet_v4(&subnet, *ip)?;
            if !seen.insert(*ip) {
                return Err(Ec2Error::duplicate_address(&ip.to_string()));
            }
            if holders.contains_key(ip) {
                return Err(Ec2Error::address_in_use(&ip.to_string()));
            }
        }
        let primary = match primary {
            Some(p) => p,
            None => self.pick_free_v4(&subnet, &mut seen, 1)?[0],
        };
        let mut secondary_ips: Vec<Ipv4Addr> =
            explicit.into_iter().filter(|ip| *ip != primary).collect();
        secondary_ips.extend(self.pick_free_v4(&subnet, &mut seen, count)?);

        // IPv6.
        let v6_count = n.ipv6_count.unwrap_or(0) as usize;
        if v6_count > 0 && !n.ipv6_addresses.is_empty() {
            return Err(Ec2Error::parameter_combination(
                "Ipv6AddressCount and Ipv6Addresses exclude each other.",
            ));
        }
        let ipv6 = if v6_count > 0 || !n.ipv6_addresses.is_empty() {
            if subnet.ipv6_cidr.is_none() {
                return Err(Ec2Error::subnet_has_no_ipv6(subnet.id.as_str()));
            }
            let want = v6_count.max(n.ipv6_addresses.len());
            if want > v6_limit as usize {
                return Err(Ec2Error::ipv6_limit(id.as_str(), want, v6_limit, &limit_of));
            }
            self.new_ipv6s(&subnet, n.ipv6_addresses, v6_count)?
        } else {
            Vec::new()
        };

        let mac = self.new_mac();
        let region = vpc.region.clone();
        self.enis.insert(
            id.clone(),
            NetworkInterface {
                id: id.clone(),
                subnet: subnet.id.clone(),
                vpc: vpc.id.clone(),
                az: subnet.az.clone(),
                region,
                mac,
                primary_ip: primary,
                secondary_ips,
                ipv6,
                groups,
                source_dest_check: true,
                description: n.description.unwrap_or_default().to_owned(),
                attachment: None,
                auto_public_ip: None,
                auto_public_ip_wanted: false,
            },
        );
        Ok(id)
    }

    pub(crate) fn create_network_interface(
        &mut self,
        p: &CreateNetworkInterface,
    ) -> Result<Response, Ec2Error> {
        let subnet = required(p.subnet_id.as_ref(), "SubnetId")?;
        let id = self.create_eni(NewEni {
            subnet,
            groups: &p.groups,
            description: p.description.as_deref(),
            private_ip_address: p.private_ip_address.as_deref(),
            private_ip_addresses: &p.private_ip_addresses,
            secondary_count: p.secondary_private_ip_address_count,
            ipv6_count: p.ipv6_address_count,
            ipv6_addresses: &p.ipv6_addresses,
            limits_of: None,
        })?;
        Ok(Response::NetworkInterface {
            network_interface: Box::new(
                self.describe_eni(self.enis.get(&id).expect("just created")),
            ),
        })
    }

    /// Removes ENI `id`: its Elastic IPs are disassociated and stay
    /// allocated.
    pub(crate) fn remove_eni(&mut self, id: &EniId) {
        for a in self.addresses.values_mut() {
            if a.association.as_ref().is_some_and(|s| &s.eni == id) {
                a.association = None;
            }
        }
        self.enis.remove(id);
    }

    pub(crate) fn delete_network_interface(
        &mut self,
        p: &DeleteNetworkInterface,
    ) -> Result<Response, Ec2Error> {
        let id = required(p.network_interface_id.as_ref(), "NetworkInterfaceId")?;
        let eni = self.get_eni(id)?;
        if eni.attachment.is_some() {
            return Err(Ec2Error::eni_currently_in_use(id.as_str()));
        }
        self.remove_eni(id);
        Ok(Response::Return { ok: true })
    }

    /// L2 and V1 for attaching `eni` to an instance of type `spec`.
    pub(crate) fn check_eni_fits(
        eni: &NetworkInterface,
        spec: &InstanceTypeSpec,
    ) -> Result<(), Ec2Error> {
        if eni.ipv4_count() > spec.ipv4_per_eni as usize {
            return Err(Ec2Error::private_ip_limit(
                eni.id.as_str(),
                eni.ipv4_count(),
                spec.ipv4_per_eni,
                &spec.name,
            ));
        }
        if eni.ipv6.len() > spec.ipv6_per_eni as usize {
            return Err(Ec2Error::ipv6_limit(
                eni.id.as_str(),
                eni.ipv6.len(),
                spec.ipv6_per_eni,
                &spec.name,
            ));
        }
        Ok(())
    }

    pub(crate) fn attach_network_interface(
        &mut self,
        p: &AttachNetworkInterface,
        fx: &mut Effects,
    ) -> Result<Response, Ec2Error> {
        let eni_id = required(p.network_interface_id.as_ref(), "NetworkInterfaceId")?;
        let inst_id = required(p.instance_id.as_ref(), "InstanceId")?;
        let device_index = required(p.device_index, "DeviceIndex")?;
        let card = p.network_card_index.unwrap_or(0);
        let eni = self.get_eni(eni_id)?.clone();
        let inst = self.get_instance(inst_id)?.clone();
        // A6.
        if eni.attachment.is_some() {
            return Err(Ec2Error::eni_in_use(eni_id.as_str()));
        }
        // A2: hot (running) or warm (stopped).
        if !matches!(inst.state, InstanceState::Running | InstanceState::Stopped) {
            return Err(Ec2Error::incorrect_instance_state(
                inst_id.as_str(),
                inst.state.name(),
                "'running' or 'stopped'",
            ));
        }
        // P1, P2.
        if eni.az != inst.az {
            return Err(Ec2Error::az_mismatch(
                eni_id.as_str(),
                &eni.az,
                inst_id.as_str(),
                &inst.az,
            ));
        }
        if eni.vpc != inst.vpc {
            return Err(Ec2Error::vpc_mismatch(
                eni_id.as_str(),
                eni.vpc.as_str(),
                inst_id.as_str(),
                inst.vpc.as_str(),
            ));
        }
        let spec = inst.spec();
        if card >= spec.network_cards {
            return Err(Ec2Error::invalid_value(
                "NetworkCardIndex",
                card,
                &format!("{} has {} network card(s).", spec.name, spec.network_cards),
            ));
        }
        // A4.
        let attached = self.attached_enis(inst_id);
        if attached.iter().any(|e| {
            let a = e.attachment.as_ref().expect("attached");
            a.device_index == device_index && a.network_card_index == card
        }) {
            return Err(Ec2Error::device_index_in_use(
                inst_id.as_str(),
                device_index,
            ));
        }
        // L1: the primary counts; per card on multi-card types.
        let count = attached.len() as u32 + 1;
        if count > spec.max_enis {
            return Err(Ec2Error::interface_limit(count, &spec.name));
        }
        let on_card = attached
            .iter()
            .filter(|e| {
                e.attachment
                    .as_ref()
                    .is_some_and(|a| a.network_card_index == card)
            })
            .count() as u32
            + 1;
        if spec.network_cards > 1 && on_card > spec.max_enis_per_card() {
            return Err(Ec2Error::interface_limit(on_card, &spec.name));
        }
        // L2, V1 with the type's limits.
        Self::check_eni_fits(&eni, spec)?;
        let att = self.new_attachment_id();
        self.eni_mut(eni_id).attachment = Some(Attachment {
            id: att.clone(),
            instance: inst_id.clone(),
            device_index,
            network_card_index: card,
            // D2: ENIs attached later default to false.
            delete_on_termination: false,
            status: AttachmentStatus::Attaching,
        });
        fx.started.push(Transition::Attached(att.clone()));
        Ok(Response::Attached {
            attachment_id: att,
            network_card_index: card,
        })
    }

    pub(crate) fn detach_network_interface(
        &mut self,
        p: &DetachNetworkInterface,
        fx: &mut Effects,
    ) -> Result<Response, Ec2Error> {
        let att = required(p.attachment_id.as_ref(), "AttachmentId")?;
        // A9.
        let eni = self
            .eni_by_attachment(att)
            .ok_or_else(|| Ec2Error::attachment_not_found(att.as_str()))?
            .clone();
        let a = eni.attachment.as_ref().expect("found by attachment");
        // A1.
        if a.is_primary() {
            return Err(Ec2Error::primary_eni_detach(att.as_str()));
        }
        // A2.
        let inst = self.get_instance(&a.instance)?;
        if !matches!(inst.state, InstanceState::Running | InstanceState::Stopped) {
            return Err(Ec2Error::incorrect_instance_state(
                inst.id.as_str(),
                inst.state.name(),
                "'running' or 'stopped'",
            ));
        }
        if a.status != AttachmentStatus::Attached {
            return Err(Ec2Error::incorrect_attachment_state(
                att.as_str(),
                a.status.name(),
            ));
        }
        let e = self.eni_mut(&eni.id);
        e.attachment.as_mut().expect("attached").status = AttachmentStatus::Detaching;
        fx.started.push(Transition::Detached(att.clone()));
        Ok(Response::Return { ok: true })
    }

    /// The IPv4 and IPv6 limits that apply to `eni` now: its instance
    /// type's if attached, the catalog's largest if not.
    fn eni_limits(&self, eni: &NetworkInterface) -> (u32, u32, String) {
        let spec = eni
            .instance()
            .and_then(|i| self.instances.get(i))
            .map(Instance::spec);
        limits(spec)
    }

    pub(crate) fn assign_private_ip_addresses(
        &mut self,
        p: &AssignPrivateIpAddresses,
        fx: &mut Effects,
    ) -> Result<Response, Ec2Error> {
        let id = required(p.network_interface_id.as_ref(), "NetworkInterfaceId")?;
        let eni = self.get_eni(id)?.clone();
        let count = p.secondary_private_ip_address_count.unwrap_or(0) as usize;
        list_or_count(
            p.private_ip_addresses.is_empty(),
            count,
            "PrivateIpAddresses",
            "SecondaryPrivateIpAddressCount",
        )?;
        let subnet = self.get_subnet(&eni.subnet)?.clone();
        let reassign = p.allow_reassignment.unwrap_or(false);
        let holders = self.ipv4_holders(&subnet.id);
        let mut wanted: Vec<Ipv4Addr> = Vec::new();
        let mut moves: Vec<(Ipv4Addr, EniId)> = Vec::new();
        let mut seen = BTreeSet::new();
        // S1: check every address before changing anything.
        for s in &p.private_ip_addresses {
            let ip = parse_v4("PrivateIpAddresses", s.address())?;
            Self::check_in_subnet_v4(&subnet, ip)?;
            if !seen.insert(ip) {
                return Err(Ec2Error::duplicate_address(&ip.to_string()));
            }
            match holders.get(&ip) {
                None => wanted.push(ip),
                Some((h, _)) if h == id => {
                    if !reassign {
                        return Err(Ec2Error::address_in_use(&ip.to_string()));
                    }
                    // Already here: nothing to do.
                }
                Some((h, true)) => {
                    return Err(Ec2Error::primary_not_reassignable(
                        &ip.to_string(),
                        h.as_str(),
                    ))
                }
                Some((h, false)) => {
                    if !reassign {
                        return Err(Ec2Error::reassignment_not_allowed(
                            &ip.to_string(),
                            h.as_str(),
                        ));
                    }
                    moves.push((ip, h.clone()));
                    wanted.push(ip);
                }
            }
        }
        // L2.
        let (limit, _, limit_of) = self.eni_limits(&eni);
        let total = eni.ipv4_count() + wanted.len() + count;
        if total > limit as usize {
            return Err(Ec2Error::private_ip_limit(
                id.as_str(),
                total,
                limit,
                &limit_of,
            ));
        }
        wanted.extend(self.pick_free_v4(&subnet, &mut seen, count)?);
        // Apply: moves first (S3: the Elastic IP follows the address).
        for (ip, from) in &moves {
            self.eni_mut(from).secondary_ips.retain(|x| x != ip);
            let mut elastic_ip = None;
            for a in self.addresses.values_mut() {
                if let Some(s) = &mut a.association {
                    if &s.eni == from && s.private_ip == *ip {
                        s.eni = id.clone();
                        elastic_ip = Some(a.public_ip);
                    }
                }
            }
            fx.reassigned.push(Reassignment {
                address: *ip,
                from: from.clone(),
                to: id.clone(),
                elastic_ip,
            });
        }
        self.eni_mut(id)
            .secondary_ips
            .extend(wanted.iter().copied());
        Ok(Response::AssignedPrivateIps {
            network_interface_id: id.clone(),
            assigned_private_ip_addresses: wanted
                .into_iter()
                .map(|private_ip_address| AssignedPrivateIp { private_ip_address })
                .collect(),
        })
    }

    pub(crate) fn unassign_private_ip_addresses(
        &mut self,
        p: &UnassignPrivateIpAddresses,
    ) -> Result<Response, Ec2Error> {
        let id = required(p.network_interface_id.as_ref(), "NetworkInterfaceId")?;
        let eni = self.get_eni(id)?.clone();
        if p.private_ip_addresses.is_empty() {
            return Err(Ec2Error::missing_parameter("PrivateIpAddresses"));
        }
        let mut gone = Vec::new();
        for s in &p.private_ip_addresses {
            let ip = parse_v4("PrivateIpAddresses", s.address())?;
            if ip == eni.primary_ip {
                return Err(Ec2Error::primary_ip_unassign(&ip.to_string(), id.as_str()));
            }
            if !eni.secondary_ips.contains(&ip) {
                return Err(Ec2Error::not_assigned(&ip.to_string(), id.as_str()));
            }
            if gone.contains(&ip) {
                return Err(Ec2Error::duplicate_address(&ip.to_string()));
            }
            gone.push(ip);
        }
        self.eni_mut(id)
            .secondary_ips
            .retain(|ip| !gone.contains(ip));
        // S4: an unassigned address's Elastic IP is disassociated.
        for a in self.addresses.values_mut() {
            if a.association
                .as_ref()
                .is_some_and(|s| &s.eni == id && gone.contains(&s.private_ip))
            {
                a.association = None;
            }
        }
        Ok(Response::Return { ok: true })
    }

    pub(crate) fn assign_ipv6_addresses(
        &mut self,
        p: &AssignIpv6Addresses,
    ) -> Result<Response, Ec2Error> {
        let id = required(p.network_interface_id.as_ref(), "NetworkInterfaceId")?;
        let eni = self.get_eni(id)?.clone();
        let count = p.ipv6_address_count.unwrap_or(0) as usize;
        list_or_count(
            p.ipv6_addresses.is_empty(),
            count,
            "Ipv6Addresses",
            "Ipv6AddressCount",
        )?;
        let subnet = self.get_subnet(&eni.subnet)?.clone();
        if subnet.ipv6_cidr.is_none() {
            return Err(Ec2Error::subnet_has_no_ipv6(subnet.id.as_str()));
        }
        let (_, limit, limit_of) = self.eni_limits(&eni);
        let total = eni.ipv6.len() + count + p.ipv6_addresses.len();
        if total > limit as usize {
            return Err(Ec2Error::ipv6_limit(id.as_str(), total, limit, &limit_of));
        }
        let wanted = self.new_ipv6s(&subnet, &p.ipv6_addresses, count)?;
        self.eni_mut(id).ipv6.extend(wanted.iter().copied());
        Ok(Response::AssignedIpv6 {
            assigned_ipv6_addresses: wanted,
            network_interface_id: id.clone(),
        })
    }

    pub(crate) fn unassign_ipv6_addresses(
        &mut self,
        p: &UnassignIpv6Addresses,
    ) -> Result<Response, Ec2Error> {
        let id = required(p.network_interface_id.as_ref(), "NetworkInterfaceId")?;
        let eni = self.get_eni(id)?.clone();
        if p.ipv6_addresses.is_empty() {
            return Err(Ec2Error::missing_parameter("Ipv6Addresses"));
        }
        let mut gone = Vec::new();
        for s in &p.ipv6_addresses {
            let ip = parse_v6("Ipv6Addresses", s.address())?;
            if !eni.ipv6.contains(&ip) {
                return Err(Ec2Error::not_assigned(&ip.to_string(), id.as_str()));
            }
            if gone.contains(&ip) {
                return Err(Ec2Error::duplicate_address(&ip.to_string()));
            }
            gone.push(ip);
        }
        self.eni_mut(id).ipv6.retain(|ip| !gone.contains(ip));
        Ok(Response::UnassignedIpv6 {
            network_interface_id: id.clone(),
            unassigned_ipv6_addresses: gone,
        })
    }

    pub(crate) fn modify_network_interface_attribute(
        &mut self,
        p: &ModifyNetworkInterfaceAttribute,
    ) -> Result<Response, Ec2Error> {
        let id = required(p.network_interface_id.as_ref(), "NetworkInterfaceId")?;
        let eni = self.get_eni(id)?.clone();
        let given = usize::from(p.groups.is_some())
            + usize::from(p.source_dest_check.is_some())
            + usize::from(p.description.is_some())
            + usize::from(p.attachment.is_some());
        if given == 0 {
            return Err(Ec2Error::missing_parameter(
                "Groups, SourceDestCheck, Description or Attachment",
            ));
        }
        if given > 1 {
            return Err(Ec2Error::parameter_combination(
                "Fields for multiple attribute types specified: give one of Groups, SourceDestCheck, Description, Attachment per call.",
            ));
        }
        if let Some(groups) = &p.groups {
            let groups = self.set_groups_checked(&eni, groups)?;
            self.eni_mut(id).groups = groups;
        }
        if let Some(v) = p.source_dest_check {
            self.eni_mut(id).source_dest_check = v.value();
        }
        if let Some(d) = &p.description {
            self.eni_mut(id).description = d.value().to_owned();
        }
        if let Some(change) = &p.attachment {
            let att = required(change.attachment_id.as_ref(), "Attachment.AttachmentId")?;
            let dot = required(
                change.delete_on_termination,
                "Attachment.DeleteOnTermination",
            )?;
            match &mut self.eni_mut(id).attachment {
                Some(a) if &a.id == att => a.delete_on_termination = dot,
                _ => return Err(Ec2Error::attachment_not_found(att.as_str())),
            }
        }
        Ok(Response::Return { ok: true })
    }

    /// G1, G2 for `Groups` replacing an ENI's whole set: at least one.
    pub(crate) fn set_groups_checked(
        &self,
        eni: &NetworkInterface,
        groups: &[GroupId],
    ) -> Result<Vec<GroupId>, Ec2Error> {
        if groups.is_empty() {
            return Err(Ec2Error::no_groups());
        }
        self.resolve_groups(&eni.vpc, groups)
    }
}

/// An Assign action takes a list of addresses or a count, exactly one of them.
fn list_or_count(
    list_empty: bool,
    count: usize,
    list: &str,
    count_name: &str,
) -> Result<(), Ec2Error> {
    match (list_empty, count) {
        (true, 0) => Err(Ec2Error::missing_parameter(&format!(
            "{list} or {count_name}"
        ))),
        (false, c) if c > 0 => Err(Ec2Error::parameter_combination(format!(
            "{list} and {count_name} exclude each other."
        ))),
        _ => Ok(()),
    }
}
