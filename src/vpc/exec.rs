//! Running actions: all or nothing, intermediate states and their
//! completion, and the VPC, subnet and security-group actions.
//!
//! **All or nothing.** [`Ec2::apply`] runs the action on a clone of the state
//! and keeps the clone only if the action succeeds; a failed action leaves
//! the state untouched, byte for byte (S1, and the property tests). The
//! actions themselves can then check as they go. Read-only actions
//! (Describe*) skip the clone.
//!
//! **Time.** Actions that take time on a real host leave intermediate states
//! and report them as [`Transition`]s: `RunInstances`/`StartInstances` leave
//! the instance `pending`, `StopInstances` `stopping`, `TerminateInstances`
//! `shutting-down`, `AttachNetworkInterface` an `attaching` attachment,
//! `DetachNetworkInterface` a `detaching` one. A timeline calls
//! [`Ec2::complete`] when it decides the time is up; [`Ec2::apply_and_complete`]
//! completes at once (the `vpc apply` path). ENIs attached at launch are
//! `attached` at once (a cold attach: the instance is not running before the
//! launch completes anyway). Address moves (reassignment, reassociation)
//! take effect in the state immediately; [`Applied::reassigned`] says what
//! moved so a timeline can model the delay.

use super::actions::*;
use super::cidr::{Ipv4Net, Ipv6Net};
use super::describe::Response;
use super::error::{required, Ec2Error};
use super::ids::*;
use super::state::*;
use serde::Serialize;
use std::net::Ipv4Addr;

/// What a successful action did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Applied {
    /// EC2's response.
    pub response: Response,
    /// State changes begun and not complete (see [`Ec2::complete`]).
    pub started: Vec<Transition>,
    /// Secondary private IPv4s that moved between ENIs (S2, S3).
    pub reassigned: Vec<Reassignment>,
}

/// The side effects an action reports besides its response.
#[derive(Default)]
pub(crate) struct Effects {
    pub started: Vec<Transition>,
    pub reassigned: Vec<Reassignment>,
}

fn ok() -> Response {
    Response::Return { ok: true }
}

impl Ec2 {
    /// Runs `action`. On success the state has changed and the result says
    /// how; on failure the state is exactly as before and the error is EC2's.
    /// Intermediate states are left for [`Ec2::complete`].
    pub fn apply(&mut self, action: &Action) -> Result<Applied, Ec2Error> {
        if let Some(read) = self.read(action) {
            return read.map(|response| Applied {
                response,
                started: Vec::new(),
                reassigned: Vec::new(),
            });
        }
        let mut fx = Effects::default();
        let mut next = self.clone();
        let response = next.execute(action, &mut fx)?;
        *self = next;
        Ok(Applied {
            response,
            started: fx.started,
            reassigned: fx.reassigned,
        })
    }

    /// Runs `action` and completes every transition it began, in order: the
    /// no-time path. The response is the one EC2 gives at request time (a
    /// launched instance shows `pending`).
    pub fn apply_and_complete(&mut self, action: &Action) -> Result<Applied, Ec2Error> {
        let applied = self.apply(action)?;
        for t in &applied.started {
            self.complete(t);
        }
        Ok(applied)
    }

    /// Completes transition `t` if it is still under way; returns whether it
    /// changed anything (a transition overtaken by another action — an
    /// instance terminated while pending, an ENI deleted with its instance —
    /// is a no-op).
    pub fn complete(&mut self, t: &Transition) -> bool {
        match t {
            Transition::Running(id) => match self.instances.get_mut(id) {
                Some(i) if i.state == InstanceState::Pending => {
                    i.state = InstanceState::Running;
                    true
                }
                _ => false,
            },
            Transition::Stopped(id) => match self.instances.get_mut(id) {
                Some(i) if i.state == InstanceState::Stopping => {
                    i.state = InstanceState::Stopped;
                    // U3: the auto-assigned public IPv4 is released on stop.
                    for e in self.enis.values_mut() {
                        if e.instance() == Some(id) {
                            e.auto_public_ip = None;
                        }
                    }
                    true
                }
                _ => false,
            },
            Transition::Terminated(id) => match self.instances.get(id) {
                Some(i) if i.state == InstanceState::ShuttingDown => {
                    self.finish_termination(id);
                    true
                }
                _ => false,
            },
            Transition::Attached(att) => {
                for e in self.enis.values_mut() {
                    if let Some(a) = &mut e.attachment {
                        if &a.id == att && a.status == AttachmentStatus::Attaching {
                            a.status = AttachmentStatus::Attached;
                            return true;
                        }
                    }
                }
                false
            }
            Transition::Detached(att) => {
                for e in self.enis.values_mut() {
                    if e.attachment
                        .as_ref()
                        .is_some_and(|a| &a.id == att && a.status == AttachmentStatus::Detaching)
                    {
                        e.attachment = None;
                        e.auto_public_ip = None;
                        return true;
                    }
                }
                false
            }
        }
    }

    /// Every transition under way, instances first (launch order), then
    /// attachments (ENI creation order).
    pub fn in_progress(&self) -> Vec<Transition> {
        let mut v = Vec::new();
        for i in self.instances.values() {
            match i.state {
                InstanceState::Pending => v.push(Transition::Running(i.id.clone())),
                InstanceState::Stopping => v.push(Transition::Stopped(i.id.clone())),
                InstanceState::ShuttingDown => v.push(Transition::Terminated(i.id.clone())),
                _ => {}
            }
        }
        for e in self.enis.values() {
            if let Some(a) = &e.attachment {
                match a.status {
                    AttachmentStatus::Attaching => v.push(Transition::Attached(a.id.clone())),
                    AttachmentStatus::Detaching => v.push(Transition::Detached(a.id.clone())),
                    _ => {}
                }
            }
        }
        v
    }

    /// Completes every transition under way.
    pub fn complete_all(&mut self) {
        for t in self.in_progress() {
            self.complete(&t);
        }
    }

    fn execute(&mut self, action: &Action, fx: &mut Effects) -> Result<Response, Ec2Error> {
        match action {
            Action::CreateVpc(p) => self.create_vpc(p),
            Action::CreateDefaultVpc(p) => self.create_default_vpc(p),
            Action::CreateSubnet(p) => self.create_subnet(p),
            Action::ModifySubnetAttribute(p) => self.modify_subnet_attribute(p),
            Action::CreateSecurityGroup(p) => self.create_security_group(p),
            Action::AuthorizeSecurityGroupIngress(p) => self.authorize(p, true),
            Action::AuthorizeSecurityGroupEgress(p) => self.authorize(p, false),
            Action::RevokeSecurityGroupIngress(p) => self.revoke(p, true),
            Action::RevokeSecurityGroupEgress(p) => self.revoke(p, false),
            Action::RunInstances(p) => self.run_instances(p, fx),
            Action::StartInstances(p) => self.start_instances(p, fx),
            Action::StopInstances(p) => self.stop_instances(p, fx),
            Action::TerminateInstances(p) => self.terminate_instances(p, fx),
            Action::CreateNetworkInterface(p) => self.create_network_interface(p),
            Action::DeleteNetworkInterface(p) => self.delete_network_interface(p),
            Action::AttachNetworkInterface(p) => self.attach_network_interface(p, fx),
            Action::DetachNetworkInterface(p) => self.detach_network_interface(p, fx),
            Action::AssignPrivateIpAddresses(p) => self.assign_private_ip_addresses(p, fx),
            Action::UnassignPrivateIpAddresses(p) => self.unassign_private_ip_addresses(p),
            Action::AssignIpv6Addresses(p) => self.assign_ipv6_addresses(p),
            Action::UnassignIpv6Addresses(p) => self.unassign_ipv6_addresses(p),
            Action::AllocateAddress(p) => self.allocate_address(p),
            Action::AssociateAddress(p) => self.associate_address(p),
            Action::DisassociateAddress(p) => self.disassociate_address(p),
            Action::ReleaseAddress(p) => self.release_address(p),
            Action::ModifyNetworkInterfaceAttribute(p) => {
                self.modify_network_interface_attribute(p)
            }
            Action::ModifyInstanceAttribute(p) => self.modify_instance_attribute(p),
            Action::DescribeNetworkInterfaces(_)
            | Action::DescribeInstances(_)
            | Action::DescribeAddresses(_)
            | Action::DescribeSecurityGroups(_) => self.read(action).expect("a read-only action"),
        }
    }

    /// Runs a read-only action; `None` for the others.
    fn read(&self, action: &Action) -> Option<Result<Response, Ec2Error>> {
        Some(match action {
            Action::DescribeNetworkInterfaces(p) => self.describe_network_interfaces(p),
            Action::DescribeInstances(p) => self.describe_instances(p),
            Action::DescribeAddresses(p) => self.describe_addresses(p),
            Action::DescribeSecurityGroups(p) => self.describe_security_groups(p),
            _ => return None,
        })
    }

    // ---- helpers shared by the actions -------------------------------------

    pub(crate) fn resolve_region(&self, region: Option<&str>) -> Result<String, Ec2Error> {
        let name = region.unwrap_or(DEFAULT_REGION);
        match self.find_region(name) {
            Some(r) => Ok(r.name.clone()),
            None => Err(Ec2Error::invalid_value(
                "Region",
                name,
                &format!(
                    "The model has the regions {}.",
                    self.regions
                        .iter()
                        .map(|r| r.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// G1, G2: the groups for an ENI in `vpc`: none means the VPC's default
    /// group; duplicates are merged; each must exist in the VPC; at most 5.
    pub(crate) fn resolve_groups(
        &self,
        vpc: &VpcId,
        groups: &[GroupId],
    ) -> Result<Vec<GroupId>, Ec2Error> {
        if groups.is_empty() {
            return Ok(vec![self.get_vpc(vpc)?.default_group.clone()]);
        }
        let mut out: Vec<GroupId> = Vec::new();
        for g in groups {
            if !out.contains(g) {
                out.push(g.clone());
            }
        }
        if out.len() > GROUPS_PER_ENI {
            return Err(Ec2Error::too_many_groups(out.len(), GROUPS_PER_ENI));
        }
        for g in &out {
            let group = self.get_group(g)?;
            if &group.vpc != vpc {
                return Err(Ec2Error::group_not_in_vpc(g.as_str(), vpc.as_str()));
            }
        }
        Ok(out)
    }

    fn new_id(&mut self, kind: Kind, prefix: &str) -> String {
        // Ids never collide with live ones (the prefixes differ between
        // kinds; a repeated 64-bit draw is a theoretical case, handled).
        let Ec2 {
            ids,
            vpcs,
            subnets,
            groups,
            instances,
            enis,
            addresses,
            ..
        } = self;
        ids.id(kind, prefix, |s| {
            vpcs.contains(&VpcId(s.into()))
                || subnets.contains(&SubnetId(s.into()))
                || groups.contains(&GroupId(s.into()))
                || instances.contains(&InstanceId(s.into()))
                || enis.contains(&EniId(s.into()))
                || addresses.contains(&AllocationId(s.into()))
        })
    }

    pub(crate) fn new_vpc_id(&mut self) -> VpcId {
        VpcId(self.new_id(Kind::Vpc, VpcId::PREFIX))
    }
    pub(crate) fn new_subnet_id(&mut self) -> SubnetId {
        SubnetId(self.new_id(Kind::Subnet, SubnetId::PREFIX))
    }
    pub(crate) fn new_group_id(&mut self) -> GroupId {
        GroupId(self.new_id(Kind::Group, GroupId::PREFIX))
    }
    pub(crate) fn new_instance_id(&mut self) -> InstanceId {
        InstanceId(self.new_id(Kind::Instance, InstanceId::PREFIX))
    }
    /// A new id of `kind` that none of `taken` (ids of that kind that can be
    /// reused once freed, so the generator must step over live ones) is.
    fn id_avoiding(&mut self, kind: Kind, prefix: &str, taken: Vec<String>) -> String {
        self.ids.id(kind, prefix, |s| taken.iter().any(|t| t == s))
    }
    pub(crate) fn new_reservation_id(&mut self) -> ReservationId {
        let taken = self
            .instances
            .values()
            .map(|i| i.reservation.0.clone())
            .collect();
        ReservationId(self.id_avoiding(Kind::Reservation, ReservationId::PREFIX, taken))
    }
    pub(crate) fn new_eni_id(&mut self) -> EniId {
        EniId(self.new_id(Kind::Eni, EniId::PREFIX))
    }
    pub(crate) fn new_attachment_id(&mut self) -> AttachmentId {
        let taken = self
            .enis
            .values()
            .filter_map(|e| e.attachment.as_ref().map(|a| a.id.0.clone()))
            .collect();
        AttachmentId(self.id_avoiding(Kind::Attachment, AttachmentId::PREFIX, taken))
    }
    pub(crate) fn new_allocation_id(&mut self) -> AllocationId {
        AllocationId(self.new_id(Kind::Allocation, AllocationId::PREFIX))
    }
    pub(crate) fn new_association_id(&mut self) -> AssociationId {
        let taken = self
            .addresses
            .values()
            .filter_map(|a| a.association.as_ref().map(|s| s.id.0.clone()))
            .collect();
        AssociationId(self.id_avoiding(Kind::Association, AssociationId::PREFIX, taken))
    }
    pub(crate) fn new_mac(&mut self) -> MacAddr {
        let taken: Vec<MacAddr> = self.enis.values().map(|e| e.mac).collect();
        self.ids.mac(|m| taken.contains(m))
    }

    // ---- VPCs and subnets --------------------------------------------------

    fn default_group_for(&mut self, vpc: &VpcId, ipv6: bool) -> SecurityGroup {
        let id = self.new_group_id();
        let mut egress = vec![SgRule {
            protocol: Protocol::All,
            from_port: None,
            to_port: None,
            source: RuleSource::Cidr4("0.0.0.0/0".parse().expect("valid")),
            description: None,
        }];
        if ipv6 {
            egress.push(SgRule {
                protocol: Protocol::All,
                from_port: None,
                to_port: None,
                source: RuleSource::Cidr6("::/0".parse().expect("valid")),
                description: None,
            });
        }
        SecurityGroup {
            ingress: vec![SgRule {
                protocol: Protocol::All,
                from_port: None,
                to_port: None,
                source: RuleSource::Group(id.clone()),
                description: None,
            }],
            id,
            name: "default".into(),
            description: "default VPC security group".into(),
            vpc: vpc.clone(),
            egress,
        }
    }

    fn add_vpc(
        &mut self,
        region: String,
        cidr: Ipv4Net,
        ipv6_cidr: Option<Ipv6Net>,
        is_default: bool,
    ) -> VpcId {
        let id = self.new_vpc_id();
        let group = self.default_group_for(&id, ipv6_cidr.is_some());
        let vpc = Vpc {
            id: id.clone(),
            region,
            cidr,
            ipv6_cidr,
            is_default,
            default_group: group.id.clone(),
        };
        self.groups.insert(group.id.clone(), group);
        self.vpcs.insert(id.clone(), vpc);
        id
    }

    fn create_vpc(&mut self, p: &CreateVpc) -> Result<Response, Ec2Error> {
        let text = required(p.cidr_block.as_deref(), "CidrBlock")?;
        let cidr: Ipv4Net = text
            .parse()
            .map_err(|e| Ec2Error::invalid_value("CidrBlock", text, &format!("{e}.")))?;
        if !(16..=28).contains(&cidr.prefix_len()) {
            return Err(Ec2Error::vpc_range(text));
        }
        let region = self.resolve_region(p.region.as_deref())?;
        let ipv6 = match (p.amazon_provided_ipv6_cidr_block, &p.ipv6_cidr_block) {
            (Some(true), Some(_)) => {
                return Err(Ec2Error::parameter_combination(
                    "AmazonProvidedIpv6CidrBlock and Ipv6CidrBlock exclude each other.",
                ))
            }
            (_, Some(t)) => {
                let n: Ipv6Net = t
                    .parse()
                    .map_err(|e| Ec2Error::invalid_value("Ipv6CidrBlock", t, &format!("{e}.")))?;
                if n.prefix_len() != 56 {
                    return Err(Ec2Error::invalid_value(
                        "Ipv6CidrBlock",
                        t,
                        "A VPC's IPv6 block is a /56.",
                    ));
                }
                Some(n)
            }
            (Some(true), None) => Some(self.new_ipv6_block()),
            _ => None,
        };
        let id = self.add_vpc(region, cidr, ipv6, false);
        Ok(Response::Vpc {
            vpc: self.describe_vpc(self.vpcs.get(&id).expect("just added")),
        })
    }

    /// An Amazon-provided /56 in 2600:1f18::/32 (seeded, unique).
    fn new_ipv6_block(&mut self) -> Ipv6Net {
        loop {
            let bits = u128::from(self.ids.draw(Kind::Ipv6Block) & 0xFF_FFFF);
            let base = (0x2600_1f18u128 << 96) | (bits << 72);
            let n = Ipv6Net::new(base.into(), 56).expect("aligned");
            if !self.vpcs.values().any(|v| v.ipv6_cidr == Some(n)) {
                return n;
            }
        }
    }

    fn create_default_vpc(&mut self, p: &CreateDefaultVpc) -> Result<Response, Ec2Error> {
        let region = self.resolve_region(p.region.as_deref())?;
        if self
            .vpcs
            .values()
            .any(|v| v.is_default && v.region == region)
        {
            return Err(Ec2Error::default_vpc_exists(&region));
        }
        let id = self.add_vpc(
            region.clone(),
            "172.31.0.0/16".parse().expect("valid"),
            None,
            true,
        );
        let zones = self.find_region(&region).expect("resolved").zones.clone();
        for (i, az) in zones.into_iter().enumerate() {
            let sid = self.new_subnet_id();
            let cidr = Ipv4Net::new(Ipv4Addr::new(172, 31, 16 * i as u8, 0), 20).expect("aligned");
            self.subnets.insert(
                sid.clone(),
                Subnet {
                    id: sid,
                    vpc: id.clone(),
                    az,
                    cidr,
                    ipv6_cidr: None,
                    map_public_ip_on_launch: true,
                    default_for_az: true,
                },
            );
        }
        Ok(Response::Vpc {
            vpc: self.describe_vpc(self.vpcs.get(&id).expect("just added")),
        })
    }

    /// The default subnet of the first AZ of `region`'s default VPC.
    pub(crate) fn default_subnet(&self, region: &str) -> Result<SubnetId, Ec2Error> {
        let vpc = self
            .vpcs
            .values()
            .find(|v| v.is_default && v.region == region)
            .ok_or_else(Ec2Error::no_default_vpc)?;
        self.subnets
            .values()
            .find(|s| s.vpc == vpc.id && s.default_for_az)
            .map(|s| s.id.clone())
            .ok_or_else(Ec2Error::no_default_vpc)
    }

    fn create_subnet(&mut self, p: &CreateSubnet) -> Result<Response, Ec2Error> {
        let vpc_id = required(p.vpc_id.as_ref(), "VpcId")?;
        let vpc = self.get_vpc(vpc_id)?.clone();
        let text = required(p.cidr_block.as_deref(), "CidrBlock")?;
        let cidr: Ipv4Net = text
            .parse()
            .map_err(|e| Ec2Error::invalid_value("CidrBlock", text, &format!("{e}.")))?;
        if !(16..=28).contains(&cidr.prefix_len()) {
            return Err(Ec2Error::subnet_range(
                text,
                "a subnet's block is /16 to /28.",
            ));
        }
        if !vpc.cidr.contains_net(&cidr) {
            return Err(Ec2Error::subnet_range(
                text,
                &format!("it is not inside the VPC's block {}.", vpc.cidr),
            ));
        }
        if let Some(other) = self
            .subnets
            .values()
            .find(|s| s.vpc == vpc.id && s.cidr.overlaps(&cidr))
        {
            return Err(Ec2Error::subnet_conflict(text, other.id.as_str()));
        }
        let region = self.find_region(&vpc.region).expect("VPC regions exist");
        let az = match &p.availability_zone {
            Some(az) if region.zones.contains(az) => az.clone(),
            Some(az) => {
                return Err(Ec2Error::invalid_value(
                    "AvailabilityZone",
                    az,
                    &format!(
                        "The VPC is in {}, whose zones are {}.",
                        region.name,
                        region.zones.join(", ")
                    ),
                ))
            }
            None => region.zones[0].clone(),
        };
        let ipv6_cidr = match &p.ipv6_cidr_block {
            None => None,
            Some(t) => {
                let n: Ipv6Net = t
                    .parse()
                    .map_err(|e| Ec2Error::invalid_value("Ipv6CidrBlock", t, &format!("{e}.")))?;
                match vpc.ipv6_cidr {
                    Some(v) if n.prefix_len() == 64 && v.contains_net(&n) => {}
                    Some(v) => {
                        return Err(Ec2Error::subnet_range(
                            t,
                            &format!("a subnet's IPv6 block is a /64 inside the VPC's {v}."),
                        ))
                    }
                    None => return Err(Ec2Error::subnet_range(t, "the VPC has no IPv6 block.")),
                }
                if let Some(other) = self
                    .subnets
                    .values()
                    .find(|s| s.ipv6_cidr.is_some_and(|o| o.overlaps(&n)))
                {
                    return Err(Ec2Error::subnet_conflict(t, other.id.as_str()));
                }
                Some(n)
            }
        };
        let id = self.new_subnet_id();
        let subnet = Subnet {
            id: id.clone(),
            vpc: vpc.id.clone(),
            az,
            cidr,
            ipv6_cidr,
            map_public_ip_on_launch: p.map_public_ip_on_launch.unwrap_or(false),
            default_for_az: false,
        };
        let desc = self.describe_subnet(&subnet);
        self.subnets.insert(id, subnet);
        Ok(Response::Subnet { subnet: desc })
    }

    fn modify_subnet_attribute(&mut self, p: &ModifySubnetAttribute) -> Result<Response, Ec2Error> {
        let id = required(p.subnet_id.as_ref(), "SubnetId")?;
        self.get_subnet(id)?;
        let v = required(p.map_public_ip_on_launch, "MapPublicIpOnLaunch")?;
        self.subnets
            .get_mut(id)
            .expect("checked")
            .map_public_ip_on_launch = v.value();
        Ok(ok())
    }

    // ---- security groups ---------------------------------------------------

    fn create_security_group(&mut self, p: &CreateSecurityGroup) -> Result<Response, Ec2Error> {
        let name = required(p.group_name.as_deref(), "GroupName")?;
        let vpc = match &p.vpc_id {
            Some(v) => self.get_vpc(v)?.id.clone(),
            None => self
                .vpcs
                .values()
                .find(|v| v.is_default && v.region == DEFAULT_REGION)
                .map(|v| v.id.clone())
                .ok_or_else(Ec2Error::no_default_vpc)?,
        };
        if name.is_empty() || name.len() > 255 {
            return Err(Ec2Error::invalid_value(
                "GroupName",
                name,
                "A name is 1 to 255 characters.",
            ));
        }
        if name.eq_ignore_ascii_case("default") {
            return Err(Ec2Error::group_reserved(name));
        }
        if self.groups.values().any(|g| g.vpc == vpc && g.name == name) {
            return Err(Ec2Error::group_duplicate(name, vpc.as_str()));
        }
        let ipv6 = self.get_vpc(&vpc)?.ipv6_cidr.is_some();
        let mut g = self.default_group_for(&vpc, ipv6);
        g.name = name.to_owned();
        g.description = p.description.clone().unwrap_or_default();
        g.ingress.clear();
        let id = g.id.clone();
        self.groups.insert(id.clone(), g);
        Ok(Response::GroupCreated { group_id: id })
    }

    fn parse_rules(
        &self,
        group: &SecurityGroup,
        perms: &[IpPermission],
    ) -> Result<Vec<SgRule>, Ec2Error> {
        if perms.is_empty() {
            return Err(Ec2Error::missing_parameter("IpPermissions"));
        }
        let mut rules = Vec::new();
        for (n, perm) in perms.iter().enumerate() {
            let n = n + 1;
            let proto = match &perm.ip_protocol {
                None => {
                    return Err(Ec2Error::missing_parameter(&format!(
                        "IpPermissions.{n}.IpProtocol"
                    )))
                }
                Some(ProtocolParam::Number(x)) => protocol_from(&x.to_string())?,
                Some(ProtocolParam::Name(s)) => protocol_from(s)?,
            };
            let (from_port, to_port) = match proto {
                Protocol::Tcp | Protocol::Udp => {
                    let from = perm.from_port.ok_or_else(|| {
                        Ec2Error::missing_parameter(&format!("IpPermissions.{n}.FromPort"))
                    })?;
                    let to = perm.to_port.ok_or_else(|| {
                        Ec2Error::missing_parameter(&format!("IpPermissions.{n}.ToPort"))
                    })?;
                    if !(0..=65535).contains(&from) || !(0..=65535).contains(&to) || from > to {
                        return Err(Ec2Error::invalid_value(
                            "FromPort/ToPort",
                            format!("{from}-{to}"),
                            "Ports are 0 to 65535, FromPort not above ToPort.",
                        ));
                    }
                    (Some(from as i32), Some(to as i32))
                }
                Protocol::Icmp | Protocol::Icmpv6 => {
                    let t = perm.from_port.unwrap_or(-1);
                    let c = perm.to_port.unwrap_or(-1);
                    if !(-1..=255).contains(&t) || !(-1..=255).contains(&c) {
                        return Err(Ec2Error::invalid_value(
                            "FromPort/ToPort",
                            format!("{t}/{c}"),
                            "ICMP type and code are -1 (all) or 0 to 255.",
                        ));
                    }
                    (Some(t as i32), Some(c as i32))
                }
                Protocol::All | Protocol::Number(_) => (None, None),
            };
            let mut peers: Vec<(RuleSource, Option<String>)> = Vec::new();
            for r in &perm.ip_ranges {
                let t = r.cidr_ip.as_deref().ok_or_else(|| {
                    Ec2Error::missing_parameter(&format!("IpPermissions.{n}.IpRanges.CidrIp"))
                })?;
                let net: Ipv4Net = t
                    .parse()
                    .map_err(|e| Ec2Error::invalid_value("CidrIp", t, &format!("{e}.")))?;
                peers.push((RuleSource::Cidr4(net), r.description.clone()));
            }
            for r in &perm.ipv6_ranges {
                let t = r.cidr_ipv6.as_deref().ok_or_else(|| {
                    Ec2Error::missing_parameter(&format!("IpPermissions.{n}.Ipv6Ranges.CidrIpv6"))
                })?;
                let net: Ipv6Net = t
                    .parse()
                    .map_err(|e| Ec2Error::invalid_value("CidrIpv6", t, &format!("{e}.")))?;
                peers.push((RuleSource::Cidr6(net), r.description.clone()));
            }
            for r in &perm.user_id_group_pairs {
                let g = r.group_id.as_ref().ok_or_else(|| {
                    Ec2Error::missing_parameter(&format!(
                        "IpPermissions.{n}.UserIdGroupPairs.GroupId"
                    ))
                })?;
                let other = self.get_group(g)?;
                if other.vpc != group.vpc {
                    return Err(Ec2Error::group_not_in_vpc(g.as_str(), group.vpc.as_str()));
                }
                peers.push((RuleSource::Group(g.clone()), r.description.clone()));
            }
            if peers.is_empty() {
                return Err(Ec2Error::permission_malformed(format!(
                    "IpPermissions.{n} names no peer: give IpRanges, Ipv6Ranges or UserIdGroupPairs."
                )));
            }
            for (source, description) in peers {
                rules.push(SgRule {
                    protocol: proto,
                    from_port,
                    to_port,
                    source,
                    description,
                });
            }
        }
        Ok(rules)
    }

    fn authorize(&mut self, p: &SecurityGroupRules, ingress: bool) -> Result<Response, Ec2Error> {
        let id = required(p.group_id.as_ref(), "GroupId")?;
        let group = self.get_group(id)?.clone();
        let rules = self.parse_rules(&group, &p.ip_permissions)?;
        let g = self.groups.get_mut(id).expect("checked");
        let list = if ingress {
            &mut g.ingress
        } else {
            &mut g.egress
        };
        for r in rules {
            if list.iter().any(|x| x.same_as(&r)) {
                return Err(Ec2Error::permission_duplicate(id.as_str(), &r.describe()));
            }
            list.push(r);
        }
        if list.len() > RULES_PER_DIRECTION {
            return Err(Ec2Error::rules_limit(id.as_str(), RULES_PER_DIRECTION));
        }
        Ok(ok())
    }

    fn revoke(&mut self, p: &SecurityGroupRules, ingress: bool) -> Result<Response, Ec2Error> {
        let id = required(p.group_id.as_ref(), "GroupId")?;
        let group = self.get_group(id)?.clone();
        let rules = self.parse_rules(&group, &p.ip_permissions)?;
        let g = self.groups.get_mut(id).expect("checked");
        let list = if ingress {
            &mut g.ingress
        } else {
            &mut g.egress
        };
        for r in rules {
            match list.iter().position(|x| x.same_as(&r)) {
                Some(i) => {
                    list.remove(i);
                }
                None => return Err(Ec2Error::permission_not_found(id.as_str(), &r.describe())),
            }
        }
        Ok(ok())
    }

    // ---- describes ---------------------------------------------------------

    fn describe_network_interfaces(
        &self,
        p: &DescribeNetworkInterfaces,
    ) -> Result<Response, Ec2Error> {
        for id in &p.network_interface_ids {
            self.get_eni(id)?;
        }
        Ok(Response::NetworkInterfaces {
            network_interfaces: self
                .enis
                .values()
                .filter(|e| {
                    p.network_interface_ids.is_empty() || p.network_interface_ids.contains(&e.id)
                })
                .map(|e| self.describe_eni(e))
                .collect(),
        })
    }

    fn describe_instances(&self, p: &DescribeInstances) -> Result<Response, Ec2Error> {
        for id in &p.instance_ids {
            self.get_instance(id)?;
        }
        let only = (!p.instance_ids.is_empty()).then_some(p.instance_ids.as_slice());
        Ok(Response::Reservations {
            reservations: self.describe_reservations(only),
        })
    }

    fn describe_addresses(&self, p: &DescribeAddresses) -> Result<Response, Ec2Error> {
        for id in &p.allocation_ids {
            self.get_eip(id)?;
        }
        let mut ips = Vec::new();
        for t in &p.public_ips {
            ips.push(self.eip_by_public_text(t)?.public_ip);
        }
        let all = p.allocation_ids.is_empty() && p.public_ips.is_empty();
        Ok(Response::Addresses {
            addresses: self
                .addresses
                .values()
                .filter(|a| {
                    all || p.allocation_ids.contains(&a.allocation_id) || ips.contains(&a.public_ip)
                })
                .map(|a| self.describe_address(a))
                .collect(),
        })
    }

    fn describe_security_groups(&self, p: &DescribeSecurityGroups) -> Result<Response, Ec2Error> {
        for id in &p.group_ids {
            self.get_group(id)?;
        }
        Ok(Response::SecurityGroups {
            security_groups: self
                .groups
                .values()
                .filter(|g| p.group_ids.is_empty() || p.group_ids.contains(&g.id))
                .map(|g| self.describe_group(g))
                .collect(),
        })
    }
}

fn protocol_from(s: &str) -> Result<Protocol, Ec2Error> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "-1" | "all" => Protocol::All,
        "tcp" | "6" => Protocol::Tcp,
        "udp" | "17" => Protocol::Udp,
        "icmp" | "1" => Protocol::Icmp,
        "icmpv6" | "58" => Protocol::Icmpv6,
        other => match other.parse::<u8>() {
            Ok(n) => Protocol::Number(n),
            Err(_) => {
                return Err(Ec2Error::invalid_value(
                    "IpProtocol",
                    s,
                    "It is tcp, udp, icmp, icmpv6, -1 (all) or a protocol number 0 to 255.",
                ))
            }
        },
    })
}
