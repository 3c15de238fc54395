//! EC2-shaped outputs: the responses of the actions and the Describe* views,
//! with EC2's keys (`NetworkInterfaceId`, `PrivateIpAddresses[]`,
//! `Reservations[].Instances[]`, …). Optional keys are left out when empty,
//! as EC2 does. Lists are in creation order.

use super::ids::*;
use super::state::*;
use serde::Serialize;
use std::net::Ipv4Addr;

/// `{ "Ipv6CidrBlock": … }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv6CidrBlockDesc {
    /// The block.
    pub ipv6_cidr_block: String,
}

/// A VPC as DescribeVpcs shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcDesc {
    /// Id.
    pub vpc_id: VpcId,
    /// IPv4 block.
    pub cidr_block: String,
    /// IPv6 blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_block_association_set: Vec<Ipv6CidrBlockDesc>,
    /// Always `available`.
    pub state: &'static str,
    /// Default VPC.
    pub is_default: bool,
}

/// A subnet as DescribeSubnets shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubnetDesc {
    /// Id.
    pub subnet_id: SubnetId,
    /// VPC.
    pub vpc_id: VpcId,
    /// IPv4 block.
    pub cidr_block: String,
    /// AZ.
    pub availability_zone: String,
    /// Free addresses (the five reserved ones excluded).
    pub available_ip_address_count: u64,
    /// U1.
    pub map_public_ip_on_launch: bool,
    /// Default subnet of its AZ.
    pub default_for_az: bool,
    /// IPv6 block.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_block_association_set: Vec<Ipv6CidrBlockDesc>,
}

/// `{ "GroupId", "GroupName" }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupIdentifier {
    /// Id.
    pub group_id: GroupId,
    /// Name.
    pub group_name: String,
}

/// `{ "CidrIp", "Description"? }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpRangeDesc {
    /// Block.
    pub cidr_ip: String,
    /// Text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `{ "CidrIpv6", "Description"? }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv6RangeDesc {
    /// Block.
    pub cidr_ipv6: String,
    /// Text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `{ "GroupId", "Description"? }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupPairDesc {
    /// Group.
    pub group_id: GroupId,
    /// Text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One rule as an `IpPermission` with a single peer.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpPermissionDesc {
    /// `tcp`, `udp`, `icmp`, `icmpv6`, `-1` or a number.
    pub ip_protocol: String,
    /// First port / ICMP type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    /// Last port / ICMP code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    /// IPv4 peer.
    pub ip_ranges: Vec<IpRangeDesc>,
    /// IPv6 peer.
    pub ipv6_ranges: Vec<Ipv6RangeDesc>,
    /// Group peer.
    pub user_id_group_pairs: Vec<GroupPairDesc>,
}

/// A group as DescribeSecurityGroups shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupDesc {
    /// Id.
    pub group_id: GroupId,
    /// Name.
    pub group_name: String,
    /// Text.
    pub description: String,
    /// VPC.
    pub vpc_id: VpcId,
    /// Inbound rules.
    pub ip_permissions: Vec<IpPermissionDesc>,
    /// Outbound rules.
    pub ip_permissions_egress: Vec<IpPermissionDesc>,
}

/// A public IPv4 mapped to a private one: `Association`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociationDesc {
    /// The public address.
    pub public_ip: Ipv4Addr,
    /// The Elastic IP, when it is one (absent for an auto-assigned address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_id: Option<AllocationId>,
    /// The association, when it is an Elastic IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub association_id: Option<AssociationId>,
    /// `amazon` for an auto-assigned address, else absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_owner_id: Option<&'static str>,
}

/// One private IPv4 of an ENI.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrivateIpDesc {
    /// The address.
    pub private_ip_address: Ipv4Addr,
    /// Whether it is the primary.
    pub primary: bool,
    /// Its public address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub association: Option<AssociationDesc>,
}

/// `{ "Ipv6Address" }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv6AddressDesc {
    /// The address.
    pub ipv6_address: std::net::Ipv6Addr,
}

/// An ENI's attachment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachmentDesc {
    /// Id.
    pub attachment_id: AttachmentId,
    /// Instance.
    pub instance_id: InstanceId,
    /// Device index.
    pub device_index: u32,
    /// Network card.
    pub network_card_index: u32,
    /// D2.
    pub delete_on_termination: bool,
    /// `attaching`, `attached`, `detaching`.
    pub status: &'static str,
}

/// An ENI as DescribeNetworkInterfaces shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkInterfaceDesc {
    /// Id.
    pub network_interface_id: EniId,
    /// Subnet.
    pub subnet_id: SubnetId,
    /// VPC.
    pub vpc_id: VpcId,
    /// AZ.
    pub availability_zone: String,
    /// Text.
    pub description: String,
    /// MAC.
    pub mac_address: MacAddr,
    /// Primary private IPv4.
    pub private_ip_address: Ipv4Addr,
    /// All private IPv4s, the primary first.
    pub private_ip_addresses: Vec<PrivateIpDesc>,
    /// IPv6 addresses.
    pub ipv6_addresses: Vec<Ipv6AddressDesc>,
    /// Groups.
    pub groups: Vec<GroupIdentifier>,
    /// G5.
    pub source_dest_check: bool,
    /// `available`, `attaching`, `in-use`, `detaching`.
    pub status: &'static str,
    /// Always `interface`.
    pub interface_type: &'static str,
    /// The attachment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment: Option<AttachmentDesc>,
    /// The public address of the primary private IPv4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub association: Option<AssociationDesc>,
}

/// `{ "Code", "Name" }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceStateDesc {
    /// EC2's numeric code.
    pub code: u16,
    /// `pending`, `running`, …
    pub name: &'static str,
}

impl From<InstanceState> for InstanceStateDesc {
    fn from(s: InstanceState) -> Self {
        InstanceStateDesc {
            code: s.code(),
            name: s.name(),
        }
    }
}

/// `{ "AvailabilityZone" }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PlacementDesc {
    /// AZ.
    pub availability_zone: String,
}

/// An instance as DescribeInstances shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceDesc {
    /// Id.
    pub instance_id: InstanceId,
    /// Type.
    pub instance_type: String,
    /// State.
    pub state: InstanceStateDesc,
    /// AZ.
    pub placement: PlacementDesc,
    /// Primary private IPv4 (absent once terminated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_ip_address: Option<Ipv4Addr>,
    /// Public IPv4 of the primary private one (auto or Elastic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ip_address: Option<Ipv4Addr>,
    /// Primary ENI's subnet (absent once terminated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<SubnetId>,
    /// VPC (absent once terminated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<VpcId>,
    /// Primary ENI's source/destination check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_dest_check: Option<bool>,
    /// Groups of all its ENIs (union, first seen first).
    pub security_groups: Vec<GroupIdentifier>,
    /// Its ENIs by card then device index.
    pub network_interfaces: Vec<NetworkInterfaceDesc>,
}

/// One reservation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReservationDesc {
    /// Id.
    pub reservation_id: ReservationId,
    /// Its instances.
    pub instances: Vec<InstanceDesc>,
}

/// An Elastic IP as DescribeAddresses shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddressDesc {
    /// Id.
    pub allocation_id: AllocationId,
    /// Address.
    pub public_ip: Ipv4Addr,
    /// Always `vpc`.
    pub domain: &'static str,
    /// The region.
    pub network_border_group: String,
    /// Association.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub association_id: Option<AssociationId>,
    /// ENI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<EniId>,
    /// Private address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_ip_address: Option<Ipv4Addr>,
    /// The ENI's instance, if attached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<InstanceId>,
}

/// An instance state change of Start/Stop/TerminateInstances.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceStateChange {
    /// Instance.
    pub instance_id: InstanceId,
    /// After.
    pub current_state: InstanceStateDesc,
    /// Before.
    pub previous_state: InstanceStateDesc,
}

/// `{ "PrivateIpAddress" }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssignedPrivateIp {
    /// The address.
    pub private_ip_address: Ipv4Addr,
}

/// The EC2-shaped response of an action.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged, rename_all_fields = "PascalCase")]
pub enum Response {
    /// CreateVpc, CreateDefaultVpc.
    Vpc {
        /// The VPC.
        vpc: VpcDesc,
    },
    /// CreateSubnet.
    Subnet {
        /// The subnet.
        subnet: SubnetDesc,
    },
    /// CreateSecurityGroup.
    GroupCreated {
        /// The group.
        group_id: GroupId,
    },
    /// Actions that return only success.
    Return {
        /// Always true.
        #[serde(rename = "Return")]
        ok: bool,
    },
    /// RunInstances.
    Reservation {
        /// Id.
        reservation_id: ReservationId,
        /// The instance.
        instances: Vec<InstanceDesc>,
    },
    /// StartInstances.
    Starting {
        /// Changes.
        starting_instances: Vec<InstanceStateChange>,
    },
    /// StopInstances.
    Stopping {
        /// Changes.
        stopping_instances: Vec<InstanceStateChange>,
    },
    /// TerminateInstances.
    Terminating {
        /// Changes.
        terminating_instances: Vec<InstanceStateChange>,
    },
    /// CreateNetworkInterface.
    NetworkInterface {
        /// The ENI.
        network_interface: Box<NetworkInterfaceDesc>,
    },
    /// AttachNetworkInterface.
    Attached {
        /// New attachment.
        attachment_id: AttachmentId,
        /// Its card.
        network_card_index: u32,
    },
    /// AssignPrivateIpAddresses.
    AssignedPrivateIps {
        /// The ENI.
        network_interface_id: EniId,
        /// The addresses assigned (moved ones included).
        assigned_private_ip_addresses: Vec<AssignedPrivateIp>,
    },
    /// AssignIpv6Addresses.
    AssignedIpv6 {
        /// The addresses.
        assigned_ipv6_addresses: Vec<std::net::Ipv6Addr>,
        /// The ENI.
        network_interface_id: EniId,
    },
    /// UnassignIpv6Addresses.
    UnassignedIpv6 {
        /// The ENI.
        network_interface_id: EniId,
        /// The addresses.
        unassigned_ipv6_addresses: Vec<std::net::Ipv6Addr>,
    },
    /// AllocateAddress.
    Allocated {
        /// The address.
        public_ip: Ipv4Addr,
        /// Its allocation.
        allocation_id: AllocationId,
        /// `vpc`.
        domain: &'static str,
        /// The region.
        network_border_group: String,
    },
    /// AssociateAddress.
    Associated {
        /// The association.
        association_id: AssociationId,
    },
    /// DescribeNetworkInterfaces.
    NetworkInterfaces {
        /// The ENIs.
        network_interfaces: Vec<NetworkInterfaceDesc>,
    },
    /// DescribeInstances.
    Reservations {
        /// The reservations.
        reservations: Vec<ReservationDesc>,
    },
    /// DescribeAddresses.
    Addresses {
        /// The Elastic IPs.
        addresses: Vec<AddressDesc>,
    },
    /// DescribeSecurityGroups.
    SecurityGroups {
        /// The groups.
        security_groups: Vec<SecurityGroupDesc>,
    },
}

/// The final state `enisim vpc apply` prints: three Describe* outputs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAll {
    /// DescribeNetworkInterfaces.
    pub network_interfaces: Vec<NetworkInterfaceDesc>,
    /// DescribeInstances.
    pub reservations: Vec<ReservationDesc>,
    /// DescribeAddresses.
    pub addresses: Vec<AddressDesc>,
}

impl Ec2 {
    /// A VPC's description.
    pub fn describe_vpc(&self, v: &Vpc) -> VpcDesc {
        VpcDesc {
            vpc_id: v.id.clone(),
            cidr_block: v.cidr.to_string(),
            ipv6_cidr_block_association_set: v
                .ipv6_cidr
                .iter()
                .map(|n| Ipv6CidrBlockDesc {
                    ipv6_cidr_block: n.to_string(),
                })
                .collect(),
            state: "available",
            is_default: v.is_default,
        }
    }

    /// A subnet's description.
    pub fn describe_subnet(&self, s: &Subnet) -> SubnetDesc {
        let used = self
            .enis
            .values()
            .filter(|e| e.subnet == s.id)
            .map(|e| e.ipv4_count() as u64)
            .sum::<u64>();
        SubnetDesc {
            subnet_id: s.id.clone(),
            vpc_id: s.vpc.clone(),
            cidr_block: s.cidr.to_string(),
            availability_zone: s.az.clone(),
            available_ip_address_count: s.usable_ipv4().saturating_sub(used),
            map_public_ip_on_launch: s.map_public_ip_on_launch,
            default_for_az: s.default_for_az,
            ipv6_cidr_block_association_set: s
                .ipv6_cidr
                .iter()
                .map(|n| Ipv6CidrBlockDesc {
                    ipv6_cidr_block: n.to_string(),
                })
                .collect(),
        }
    }

    fn group_identifier(&self, g: &GroupId) -> GroupIdentifier {
        GroupIdentifier {
            group_id: g.clone(),
            group_name: self
                .groups
                .get(g)
                .map(|g| g.name.clone())
                .unwrap_or_default(),
        }
    }

    /// A group's description (one `IpPermission` per rule).
    pub fn describe_group(&self, g: &SecurityGroup) -> SecurityGroupDesc {
        let perm = |r: &SgRule| {
            let mut p = IpPermissionDesc {
                ip_protocol: r.protocol.name(),
                from_port: r.from_port,
                to_port: r.to_port,
                ip_ranges: Vec::new(),
                ipv6_ranges: Vec::new(),
                user_id_group_pairs: Vec::new(),
            };
            match &r.source {
                RuleSource::Cidr4(n) => p.ip_ranges.push(IpRangeDesc {
                    cidr_ip: n.to_string(),
                    description: r.description.clone(),
                }),
                RuleSource::Cidr6(n) => p.ipv6_ranges.push(Ipv6RangeDesc {
                    cidr_ipv6: n.to_string(),
                    description: r.description.clone(),
                }),
                RuleSource::Group(id) => p.user_id_group_pairs.push(GroupPairDesc {
                    group_id: id.clone(),
                    description: r.description.clone(),
                }),
            }
            p
        };
        SecurityGroupDesc {
            group_id: g.id.clone(),
            group_name: g.name.clone(),
            description: g.description.clone(),
            vpc_id: g.vpc.clone(),
            ip_permissions: g.ingress.iter().map(perm).collect(),
            ip_permissions_egress: g.egress.iter().map(perm).collect(),
        }
    }

    /// The `Association` of private address `ip` of `eni`: its Elastic IP,
    /// or its auto-assigned address.
    pub(crate) fn association_desc(
        &self,
        eni: &NetworkInterface,
        ip: Ipv4Addr,
    ) -> Option<AssociationDesc> {
        if let Some(a) = self.eip_on(&eni.id, ip) {
            return Some(AssociationDesc {
                public_ip: a.public_ip,
                allocation_id: Some(a.allocation_id.clone()),
                association_id: a.association.as_ref().map(|s| s.id.clone()),
                ip_owner_id: None,
            });
        }
        if ip == eni.primary_ip {
            if let Some(p) = eni.auto_public_ip {
                return Some(AssociationDesc {
                    public_ip: p,
                    allocation_id: None,
                    association_id: None,
                    ip_owner_id: Some("amazon"),
                });
            }
        }
        None
    }

    /// An ENI's description.
    pub fn describe_eni(&self, e: &NetworkInterface) -> NetworkInterfaceDesc {
        NetworkInterfaceDesc {
            network_interface_id: e.id.clone(),
            subnet_id: e.subnet.clone(),
            vpc_id: e.vpc.clone(),
            availability_zone: e.az.clone(),
            description: e.description.clone(),
            mac_address: e.mac,
            private_ip_address: e.primary_ip,
            private_ip_addresses: e
                .private_ips()
                .map(|ip| PrivateIpDesc {
                    private_ip_address: ip,
                    primary: ip == e.primary_ip,
                    association: self.association_desc(e, ip),
                })
                .collect(),
            ipv6_addresses: e
                .ipv6
                .iter()
                .map(|&ipv6_address| Ipv6AddressDesc { ipv6_address })
                .collect(),
            groups: e.groups.iter().map(|g| self.group_identifier(g)).collect(),
            source_dest_check: e.source_dest_check,
            status: e.status().name(),
            interface_type: "interface",
            attachment: e.attachment.as_ref().map(|a| AttachmentDesc {
                attachment_id: a.id.clone(),
                instance_id: a.instance.clone(),
                device_index: a.device_index,
                network_card_index: a.network_card_index,
                delete_on_termination: a.delete_on_termination,
                status: a.status.name(),
            }),
            association: self.association_desc(e, e.primary_ip),
        }
    }

    /// An instance's description.
    pub fn describe_instance(&self, i: &Instance) -> InstanceDesc {
        let enis = self.attached_enis(&i.id);
        let primary = enis
            .iter()
            .find(|e| e.attachment.as_ref().is_some_and(Attachment::is_primary));
        let mut security_groups: Vec<GroupIdentifier> = Vec::new();
        for e in &enis {
            for g in &e.groups {
                if !security_groups.iter().any(|s| &s.group_id == g) {
                    security_groups.push(self.group_identifier(g));
                }
            }
        }
        let terminated = i.state == InstanceState::Terminated;
        InstanceDesc {
            instance_id: i.id.clone(),
            instance_type: i.instance_type.clone(),
            state: i.state.into(),
            placement: PlacementDesc {
                availability_zone: i.az.clone(),
            },
            private_ip_address: primary.map(|p| p.primary_ip),
            public_ip_address: primary
                .and_then(|p| self.association_desc(p, p.primary_ip))
                .map(|a| a.public_ip),
            subnet_id: (!terminated).then(|| i.subnet.clone()),
            vpc_id: (!terminated).then(|| i.vpc.clone()),
            source_dest_check: primary.map(|p| p.source_dest_check),
            security_groups,
            network_interfaces: enis.iter().map(|e| self.describe_eni(e)).collect(),
        }
    }

    /// An Elastic IP's description.
    pub fn describe_address(&self, a: &ElasticIp) -> AddressDesc {
        let s = a.association.as_ref();
        AddressDesc {
            allocation_id: a.allocation_id.clone(),
            public_ip: a.public_ip,
            domain: "vpc",
            network_border_group: a.region.clone(),
            association_id: s.map(|s| s.id.clone()),
            network_interface_id: s.map(|s| s.eni.clone()),
            private_ip_address: s.map(|s| s.private_ip),
            instance_id: s
                .and_then(|s| self.enis.get(&s.eni))
                .and_then(|e| e.instance().cloned()),
        }
    }

    /// DescribeInstances of `instances` (all if `None`), grouped by
    /// reservation in launch order.
    pub fn describe_reservations(&self, only: Option<&[InstanceId]>) -> Vec<ReservationDesc> {
        let mut out: Vec<ReservationDesc> = Vec::new();
        for i in self.instances.values() {
            if only.is_some_and(|ids| !ids.contains(&i.id)) {
                continue;
            }
            let d = self.describe_instance(i);
            match out.iter_mut().find(|r| r.reservation_id == i.reservation) {
                Some(r) => r.instances.push(d),
                None => out.push(ReservationDesc {
                    reservation_id: i.reservation.clone(),
                    instances: vec![d],
                }),
            }
        }
        out
    }

    /// The three Describe* outputs of the whole account.
    pub fn describe_all(&self) -> DescribeAll {
        DescribeAll {
            network_interfaces: self.enis.values().map(|e| self.describe_eni(e)).collect(),
            reservations: self.describe_reservations(None),
            addresses: self
                .addresses
                .values()
                .map(|a| self.describe_address(a))
                .collect(),
        }
    }
}
