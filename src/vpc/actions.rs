//! The EC2 actions the model understands, with EC2's parameter names.
//!
//! One struct per request shape, named after the action, fields in
//! `snake_case` that (de)serialize as EC2's `PascalCase` (`SubnetId`,
//! `AllowReassignment`, `Attachment = { AttachmentId, DeleteOnTermination }`).
//! Unknown parameters are refused. Every field is optional at this level: a
//! missing required parameter is EC2's `MissingParameter` error when the
//! action runs, not a malformed request — and it lets [`Action::from_params`]
//! name the one parameter whose type is wrong.
//!
//! A few shapes accept both forms EC2 uses in different actions: a list of
//! private addresses may hold strings or `{ PrivateIpAddress, Primary }`
//! tables, IPv6 addresses strings or `{ Ipv6Address }`, and attribute values
//! plain values or `{ Value = … }`.

use super::ids::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// A private IPv4 in a request: `"10.0.1.5"` or
/// `{ PrivateIpAddress = "10.0.1.5", Primary = true }`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum PrivateIpSpec {
    /// Just the address.
    Address(String),
    /// EC2's `PrivateIpAddressSpecification`.
    Spec {
        /// The address.
        #[serde(rename = "PrivateIpAddress")]
        private_ip_address: String,
        /// Whether it is to be the primary.
        #[serde(rename = "Primary", default)]
        primary: bool,
    },
}

impl PrivateIpSpec {
    /// The address text.
    pub fn address(&self) -> &str {
        match self {
            PrivateIpSpec::Address(a) => a,
            PrivateIpSpec::Spec {
                private_ip_address, ..
            } => private_ip_address,
        }
    }
    /// Whether it is marked primary.
    pub fn primary(&self) -> bool {
        matches!(self, PrivateIpSpec::Spec { primary: true, .. })
    }
}

impl From<&str> for PrivateIpSpec {
    fn from(s: &str) -> Self {
        PrivateIpSpec::Address(s.to_owned())
    }
}

/// An IPv6 address in a request: `"2600::5"` or `{ Ipv6Address = "2600::5" }`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Ipv6Spec {
    /// Just the address.
    Address(String),
    /// EC2's `InstanceIpv6Address`.
    Spec {
        /// The address.
        #[serde(rename = "Ipv6Address")]
        ipv6_address: String,
    },
}

impl Ipv6Spec {
    /// The address text.
    pub fn address(&self) -> &str {
        match self {
            Ipv6Spec::Address(a) => a,
            Ipv6Spec::Spec { ipv6_address } => ipv6_address,
        }
    }
}

impl From<&str> for Ipv6Spec {
    fn from(s: &str) -> Self {
        Ipv6Spec::Address(s.to_owned())
    }
}

/// A boolean attribute: `false` or `{ Value = false }` (EC2's
/// `AttributeBooleanValue`).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum AttrBool {
    /// Plain.
    Plain(bool),
    /// Wrapped.
    Wrapped {
        /// The value.
        #[serde(rename = "Value")]
        value: bool,
    },
}

impl AttrBool {
    /// The value.
    pub fn value(self) -> bool {
        match self {
            AttrBool::Plain(v) | AttrBool::Wrapped { value: v } => v,
        }
    }
}

/// A string attribute: `"x"` or `{ Value = "x" }`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum AttrString {
    /// Plain.
    Plain(String),
    /// Wrapped.
    Wrapped {
        /// The value.
        #[serde(rename = "Value")]
        value: String,
    },
}

impl AttrString {
    /// The value.
    pub fn value(&self) -> &str {
        match self {
            AttrString::Plain(v) | AttrString::Wrapped { value: v } => v,
        }
    }
}

/// An IP protocol: `"tcp"`, `"udp"`, `"icmp"`, `"icmpv6"`, `"-1"` (all) or a
/// number, as a string or an integer.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ProtocolParam {
    /// A name or a number in a string.
    Name(String),
    /// A number.
    Number(i64),
}

/// CreateVpc.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateVpc {
    /// IPv4 block, /16 to /28 (required).
    pub cidr_block: Option<String>,
    /// Ask for an Amazon-provided IPv6 /56.
    pub amazon_provided_ipv6_cidr_block: Option<bool>,
    /// An IPv6 /56 of your own (stands in for BYOIP pools).
    pub ipv6_cidr_block: Option<String>,
    /// The region (EC2 takes it from the endpoint); default `us-east-1`.
    pub region: Option<String>,
}

/// CreateDefaultVpc: 172.31.0.0/16 with a default /20 subnet per AZ,
/// `MapPublicIpOnLaunch` on.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateDefaultVpc {
    /// The region; default `us-east-1`.
    pub region: Option<String>,
}

/// CreateSubnet.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateSubnet {
    /// The VPC (required).
    pub vpc_id: Option<VpcId>,
    /// IPv4 block inside the VPC's, /16 to /28 (required).
    pub cidr_block: Option<String>,
    /// The AZ; default the region's first.
    pub availability_zone: Option<String>,
    /// IPv6 /64 inside the VPC's /56.
    pub ipv6_cidr_block: Option<String>,
    /// Setup convenience (EC2 sets it with ModifySubnetAttribute); default
    /// false.
    pub map_public_ip_on_launch: Option<bool>,
}

/// ModifySubnetAttribute (`MapPublicIpOnLaunch` only).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifySubnetAttribute {
    /// The subnet (required).
    pub subnet_id: Option<SubnetId>,
    /// The new value (required).
    pub map_public_ip_on_launch: Option<AttrBool>,
}

/// CreateSecurityGroup.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateSecurityGroup {
    /// Name, unique in the VPC, not `default` (required).
    pub group_name: Option<String>,
    /// Free text (required by EC2; default empty here).
    pub description: Option<String>,
    /// The VPC; default the region's default VPC.
    pub vpc_id: Option<VpcId>,
}

/// An IPv4 peer of a rule.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct IpRange {
    /// The block.
    pub cidr_ip: Option<String>,
    /// Free text.
    pub description: Option<String>,
}

/// An IPv6 peer of a rule.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Ipv6Range {
    /// The block.
    pub cidr_ipv6: Option<String>,
    /// Free text.
    pub description: Option<String>,
}

/// A security-group peer of a rule.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UserIdGroupPair {
    /// The group (same VPC).
    pub group_id: Option<GroupId>,
    /// Free text.
    pub description: Option<String>,
}

/// EC2's `IpPermission`: one protocol and port range, several peers.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct IpPermission {
    /// Protocol (required).
    pub ip_protocol: Option<ProtocolParam>,
    /// First port, or ICMP type (-1: all).
    pub from_port: Option<i64>,
    /// Last port, or ICMP code (-1: all).
    pub to_port: Option<i64>,
    /// IPv4 peers.
    #[serde(default)]
    pub ip_ranges: Vec<IpRange>,
    /// IPv6 peers.
    #[serde(default)]
    pub ipv6_ranges: Vec<Ipv6Range>,
    /// Group peers.
    #[serde(default)]
    pub user_id_group_pairs: Vec<UserIdGroupPair>,
}

/// Authorize/RevokeSecurityGroupIngress/Egress.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SecurityGroupRules {
    /// The group (required).
    pub group_id: Option<GroupId>,
    /// The rules (at least one).
    #[serde(default)]
    pub ip_permissions: Vec<IpPermission>,
}

/// One entry of RunInstances' `NetworkInterfaces`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct InstanceNetworkInterface {
    /// Device index (required; one entry must have 0).
    pub device_index: Option<u32>,
    /// Network card; default 0.
    pub network_card_index: Option<u32>,
    /// An existing ENI to attach (excludes the creation parameters).
    pub network_interface_id: Option<EniId>,
    /// Subnet of a new ENI.
    pub subnet_id: Option<SubnetId>,
    /// Groups of a new ENI (none: the VPC's default group).
    pub groups: Option<Vec<GroupId>>,
    /// Primary private IPv4 of a new ENI.
    pub private_ip_address: Option<String>,
    /// Private IPv4s of a new ENI.
    #[serde(default)]
    pub private_ip_addresses: Vec<PrivateIpSpec>,
    /// Secondary IPv4s to pick for a new ENI.
    pub secondary_private_ip_address_count: Option<u32>,
    /// IPv6 addresses to pick for a new ENI.
    pub ipv6_address_count: Option<u32>,
    /// IPv6 addresses of a new ENI.
    #[serde(default)]
    pub ipv6_addresses: Vec<Ipv6Spec>,
    /// D1/D2: default true for a new ENI; true is refused for an existing one.
    pub delete_on_termination: Option<bool>,
    /// U1/U2: overrides the subnet's `MapPublicIpOnLaunch` (device 0 only).
    pub associate_public_ip_address: Option<bool>,
    /// Description of a new ENI.
    pub description: Option<String>,
}

/// RunInstances (one instance per call).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RunInstances {
    /// Accepted and ignored.
    pub image_id: Option<String>,
    /// A catalog type (required).
    pub instance_type: Option<String>,
    /// Must be 1 (default 1).
    pub min_count: Option<u32>,
    /// Must be 1 (default 1).
    pub max_count: Option<u32>,
    /// Subnet of the primary ENI, when `NetworkInterfaces` is not given
    /// (default: the default VPC's subnet in the first AZ).
    pub subnet_id: Option<SubnetId>,
    /// Groups of the primary ENI, when `NetworkInterfaces` is not given.
    #[serde(default)]
    pub security_group_ids: Vec<GroupId>,
    /// Primary private IPv4, when `NetworkInterfaces` is not given.
    pub private_ip_address: Option<String>,
    /// The ENIs at launch (cold attach).
    #[serde(default)]
    pub network_interfaces: Vec<InstanceNetworkInterface>,
}

/// StartInstances and TerminateInstances.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct InstanceIds {
    /// The instances (at least one).
    #[serde(default)]
    pub instance_ids: Vec<InstanceId>,
}

/// StopInstances.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StopInstances {
    /// The instances (at least one).
    #[serde(default)]
    pub instance_ids: Vec<InstanceId>,
    /// Accepted; no different effect in the model.
    pub force: Option<bool>,
}

/// CreateNetworkInterface.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateNetworkInterface {
    /// The subnet, for life (required, P3).
    pub subnet_id: Option<SubnetId>,
    /// Free text.
    pub description: Option<String>,
    /// Groups (none: the VPC's default, G2).
    #[serde(default)]
    pub groups: Vec<GroupId>,
    /// The primary private IPv4 (else the next free one, I2).
    pub private_ip_address: Option<String>,
    /// Private IPv4s, one may be marked primary.
    #[serde(default)]
    pub private_ip_addresses: Vec<PrivateIpSpec>,
    /// Secondary IPv4s to pick.
    pub secondary_private_ip_address_count: Option<u32>,
    /// IPv6 addresses to pick.
    pub ipv6_address_count: Option<u32>,
    /// IPv6 addresses.
    #[serde(default)]
    pub ipv6_addresses: Vec<Ipv6Spec>,
}

/// DeleteNetworkInterface.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteNetworkInterface {
    /// The ENI (required).
    pub network_interface_id: Option<EniId>,
}

/// AttachNetworkInterface.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AttachNetworkInterface {
    /// The ENI (required).
    pub network_interface_id: Option<EniId>,
    /// The instance (required).
    pub instance_id: Option<InstanceId>,
    /// Device index (required).
    pub device_index: Option<u32>,
    /// Network card; default 0.
    pub network_card_index: Option<u32>,
}

/// DetachNetworkInterface.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DetachNetworkInterface {
    /// The attachment (required).
    pub attachment_id: Option<AttachmentId>,
    /// Accepted; A1 and A2 hold regardless.
    pub force: Option<bool>,
}

/// AssignPrivateIpAddresses.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssignPrivateIpAddresses {
    /// The ENI (required).
    pub network_interface_id: Option<EniId>,
    /// Addresses to assign (or `SecondaryPrivateIpAddressCount`).
    #[serde(default)]
    pub private_ip_addresses: Vec<PrivateIpSpec>,
    /// Addresses to pick.
    pub secondary_private_ip_address_count: Option<u32>,
    /// S2: move addresses another ENI of the subnet holds.
    pub allow_reassignment: Option<bool>,
}

/// UnassignPrivateIpAddresses.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UnassignPrivateIpAddresses {
    /// The ENI (required).
    pub network_interface_id: Option<EniId>,
    /// Secondary addresses to remove (at least one).
    #[serde(default)]
    pub private_ip_addresses: Vec<PrivateIpSpec>,
}

/// AssignIpv6Addresses.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssignIpv6Addresses {
    /// The ENI (required).
    pub network_interface_id: Option<EniId>,
    /// Addresses (or `Ipv6AddressCount`).
    #[serde(default)]
    pub ipv6_addresses: Vec<Ipv6Spec>,
    /// Addresses to pick.
    pub ipv6_address_count: Option<u32>,
}

/// UnassignIpv6Addresses.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UnassignIpv6Addresses {
    /// The ENI (required).
    pub network_interface_id: Option<EniId>,
    /// Addresses to remove (at least one).
    #[serde(default)]
    pub ipv6_addresses: Vec<Ipv6Spec>,
}

/// AllocateAddress.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AllocateAddress {
    /// `vpc` (the only domain modelled).
    pub domain: Option<String>,
    /// The region; default `us-east-1`.
    pub region: Option<String>,
}

/// AssociateAddress.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssociateAddress {
    /// The Elastic IP (or `PublicIp`).
    pub allocation_id: Option<AllocationId>,
    /// The Elastic IP by address.
    pub public_ip: Option<String>,
    /// Target instance: its primary ENI (E2).
    pub instance_id: Option<InstanceId>,
    /// Target ENI.
    pub network_interface_id: Option<EniId>,
    /// Target private IPv4 (default: the ENI's primary).
    pub private_ip_address: Option<String>,
    /// E4: default true; false refuses to move an associated address.
    pub allow_reassociation: Option<bool>,
}

/// DisassociateAddress.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DisassociateAddress {
    /// The association (or `PublicIp`).
    pub association_id: Option<AssociationId>,
    /// The Elastic IP by address.
    pub public_ip: Option<String>,
}

/// ReleaseAddress.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ReleaseAddress {
    /// The Elastic IP (or `PublicIp`).
    pub allocation_id: Option<AllocationId>,
    /// The Elastic IP by address.
    pub public_ip: Option<String>,
}

/// `Attachment` of ModifyNetworkInterfaceAttribute.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AttachmentChange {
    /// The ENI's current attachment (required).
    pub attachment_id: Option<AttachmentId>,
    /// The new value (required).
    pub delete_on_termination: Option<bool>,
}

/// ModifyNetworkInterfaceAttribute: exactly one attribute per call.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyNetworkInterfaceAttribute {
    /// The ENI (required).
    pub network_interface_id: Option<EniId>,
    /// Replaces the whole set (G1, G2).
    pub groups: Option<Vec<GroupId>>,
    /// G5.
    pub source_dest_check: Option<AttrBool>,
    /// Free text.
    pub description: Option<AttrString>,
    /// D2: `DeleteOnTermination` of the current attachment.
    pub attachment: Option<AttachmentChange>,
}

/// ModifyInstanceAttribute (the network attributes, G3).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyInstanceAttribute {
    /// The instance (required).
    pub instance_id: Option<InstanceId>,
    /// Source/destination check of its only ENI.
    pub source_dest_check: Option<AttrBool>,
    /// Groups of its only ENI.
    pub groups: Option<Vec<GroupId>>,
}

/// DescribeNetworkInterfaces.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeNetworkInterfaces {
    /// Only these (default all).
    #[serde(default)]
    pub network_interface_ids: Vec<EniId>,
}

/// DescribeInstances.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeInstances {
    /// Only these (default all).
    #[serde(default)]
    pub instance_ids: Vec<InstanceId>,
}

/// DescribeAddresses.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeAddresses {
    /// Only these (default all).
    #[serde(default)]
    pub allocation_ids: Vec<AllocationId>,
    /// Only these.
    #[serde(default)]
    pub public_ips: Vec<String>,
}

/// DescribeSecurityGroups.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeSecurityGroups {
    /// Only these (default all).
    #[serde(default)]
    pub group_ids: Vec<GroupId>,
}

/// Why a request's parameters could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    /// The parameter at fault, when one is (`NetworkInterfaces`,
    /// `DeviceIndex`).
    pub param: Option<String>,
    /// What is wrong.
    pub message: String,
}

fn parse<T: DeserializeOwned>(params: Map<String, Value>) -> Result<T, ParamError> {
    match serde_json::from_value::<T>(Value::Object(params.clone())) {
        Ok(v) => Ok(v),
        Err(full) => {
            // Every field is optional, so a single parameter alone
            // deserializes unless it is itself the fault: the first one that
            // fails alone is the one to name.
            for (k, v) in params {
                let mut one = Map::new();
                one.insert(k.clone(), v);
                if let Err(e) = serde_json::from_value::<T>(Value::Object(one)) {
                    return Err(ParamError {
                        param: Some(k),
                        message: e.to_string(),
                    });
                }
            }
            Err(ParamError {
                param: None,
                message: full.to_string(),
            })
        }
    }
}

macro_rules! actions {
    ($( $(#[$doc:meta])* $name:ident ( $ty:ident ) ),* $(,)?) => {
        /// One EC2 request. Deserializes from a table with an `action` key
        /// naming the variant and EC2's parameters beside it.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Action {
            $( $(#[$doc])* $name($ty), )*
        }

        impl Action {
            /// Every action name, in the order of the enum.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];

            /// EC2's name of the action.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Action::$name(_) => stringify!($name), )*
                }
            }

            /// The action `action` with parameters `params` (the table
            /// without its `action` key). Unknown actions, unknown
            /// parameters and values of the wrong type are errors naming the
            /// parameter.
            pub fn from_params(action: &str, params: Map<String, Value>) -> Result<Action, ParamError> {
                match action {
                    $( stringify!($name) => parse::<$ty>(params).map(Action::$name), )*
                    other => Err(ParamError {
                        param: None,
                        message: format!(
                            "unknown action `{other}`; the model knows {}",
                            Action::NAMES.join(", ")
                        ),
                    }),
                }
            }
        }
    };
}

actions! {
    /// CreateVpc.
    CreateVpc(CreateVpc),
    /// CreateDefaultVpc.
    CreateDefaultVpc(CreateDefaultVpc),
    /// CreateSubnet.
    CreateSubnet(CreateSubnet),
    /// ModifySubnetAttribute.
    ModifySubnetAttribute(ModifySubnetAttribute),
    /// CreateSecurityGroup.
    CreateSecurityGroup(CreateSecurityGroup),
    /// AuthorizeSecurityGroupIngress.
    AuthorizeSecurityGroupIngress(SecurityGroupRules),
    /// AuthorizeSecurityGroupEgress.
    AuthorizeSecurityGroupEgress(SecurityGroupRules),
    /// RevokeSecurityGroupIngress.
    RevokeSecurityGroupIngress(SecurityGroupRules),
    /// RevokeSecurityGroupEgress.
    RevokeSecurityGroupEgress(SecurityGroupRules),
    /// RunInstances.
    RunInstances(RunInstances),
    /// StartInstances.
    StartInstances(InstanceIds),
    /// StopInstances.
    StopInstances(StopInstances),
    /// TerminateInstances.
    TerminateInstances(InstanceIds),
    /// CreateNetworkInterface.
    CreateNetworkInterface(CreateNetworkInterface),
    /// DeleteNetworkInterface.
    DeleteNetworkInterface(DeleteNetworkInterface),
    /// AttachNetworkInterface.
    AttachNetworkInterface(AttachNetworkInterface),
    /// DetachNetworkInterface.
    DetachNetworkInterface(DetachNetworkInterface),
    /// AssignPrivateIpAddresses.
    AssignPrivateIpAddresses(AssignPrivateIpAddresses),
    /// UnassignPrivateIpAddresses.
    UnassignPrivateIpAddresses(UnassignPrivateIpAddresses),
    /// AssignIpv6Addresses.
    AssignIpv6Addresses(AssignIpv6Addresses),
    /// UnassignIpv6Addresses.
    UnassignIpv6Addresses(UnassignIpv6Addresses),
    /// AllocateAddress.
    AllocateAddress(AllocateAddress),
    /// AssociateAddress.
    AssociateAddress(AssociateAddress),
    /// DisassociateAddress.
    DisassociateAddress(DisassociateAddress),
    /// ReleaseAddress.
    ReleaseAddress(ReleaseAddress),
    /// ModifyNetworkInterfaceAttribute.
    ModifyNetworkInterfaceAttribute(ModifyNetworkInterfaceAttribute),
    /// ModifyInstanceAttribute.
    ModifyInstanceAttribute(ModifyInstanceAttribute),
    /// DescribeNetworkInterfaces.
    DescribeNetworkInterfaces(DescribeNetworkInterfaces),
    /// DescribeInstances.
    DescribeInstances(DescribeInstances),
    /// DescribeAddresses.
    DescribeAddresses(DescribeAddresses),
    /// DescribeSecurityGroups.
    DescribeSecurityGroups(DescribeSecurityGroups),
}

impl<'de> Deserialize<'de> for Action {
    /// From a table `{ action = "AttachNetworkInterface", NetworkInterfaceId
    /// = "eni-…", … }`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut map = Map::<String, Value>::deserialize(d)?;
        let action = match map.remove("action") {
            Some(Value::String(s)) => s,
            Some(other) => {
                return Err(serde::de::Error::custom(format!(
                    "`action` must be a string naming an EC2 action, not {other}"
                )))
            }
            None => return Err(serde::de::Error::custom("missing `action`")),
        };
        Action::from_params(&action, map).map_err(|e| {
            serde::de::Error::custom(match e.param {
                Some(p) => format!("{action}: parameter {p}: {}", e.message),
                None => format!("{action}: {}", e.message),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn parameters_keep_ec2_names_and_unknown_ones_are_refused() {
        let a = Action::from_params(
            "AttachNetworkInterface",
            params(json!({"NetworkInterfaceId": "eni-1", "InstanceId": "i-1", "DeviceIndex": 1})),
        )
        .unwrap();
        let Action::AttachNetworkInterface(p) = &a else {
            panic!()
        };
        assert_eq!(p.device_index, Some(1));
        assert_eq!(a.name(), "AttachNetworkInterface");
        let e = Action::from_params(
            "AttachNetworkInterface",
            params(json!({"NetworkInterfaceID": "eni-1"})),
        )
        .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("NetworkInterfaceID"));
        assert!(e.message.contains("unknown field"), "{}", e.message);
    }

    #[test]
    fn the_parameter_with_the_wrong_type_is_named() {
        let e = Action::from_params(
            "AttachNetworkInterface",
            params(json!({"NetworkInterfaceId": "eni-1", "DeviceIndex": "one"})),
        )
        .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("DeviceIndex"));
        let e = Action::from_params("Nope", Map::new()).unwrap_err();
        assert!(e.message.contains("unknown action `Nope`"));
    }

    #[test]
    fn both_address_forms_and_wrapped_attributes_are_accepted() {
        let a = Action::from_params(
            "ModifyNetworkInterfaceAttribute",
            params(json!({"NetworkInterfaceId": "eni-1", "SourceDestCheck": {"Value": false}})),
        )
        .unwrap();
        let Action::ModifyNetworkInterfaceAttribute(p) = a else {
            panic!()
        };
        assert_eq!(p.source_dest_check.map(AttrBool::value), Some(false));
        let a = Action::from_params(
            "CreateNetworkInterface",
            params(json!({"SubnetId": "subnet-1", "PrivateIpAddresses": [
                "10.0.0.9", {"PrivateIpAddress": "10.0.0.10", "Primary": true}]})),
        )
        .unwrap();
        let Action::CreateNetworkInterface(p) = a else {
            panic!()
        };
        assert!(!p.private_ip_addresses[0].primary());
        assert!(p.private_ip_addresses[1].primary());
    }

    #[test]
    fn an_action_deserializes_from_a_tagged_table() {
        let a: Action = serde_json::from_value(json!({
            "action": "DetachNetworkInterface", "AttachmentId": "eni-attach-1"
        }))
        .unwrap();
        assert_eq!(a.name(), "DetachNetworkInterface");
        let e = serde_json::from_value::<Action>(json!({
            "action": "DetachNetworkInterface", "Force": "yes"
        }))
        .unwrap_err();
        assert!(e.to_string().contains("parameter Force"), "{e}");
    }
}
