//! Every EC2 error the model returns: the codes and the messages, in one place.
//!
//! Each constructor cites the rule of `docs/ENI_RULES.md` it enforces. Where
//! that file gives a message, the constructor's text is that message,
//! character for character (A4, D6, D5, E2, I2, L1); where AWS publishes no
//! code, the code is the one the file names (A2, P1, P2, I1, I3, V1). Change a
//! code or a message here and nowhere else.

use serde::Serialize;
use std::fmt;

/// The EC2 error codes the model uses.
pub mod codes {
    /// A1: the primary ENI cannot be detached.
    pub const OPERATION_NOT_PERMITTED: &str = "OperationNotPermitted";
    /// A2: the instance's state does not allow the operation.
    pub const INCORRECT_INSTANCE_STATE: &str = "IncorrectInstanceState";
    /// An attachment's own state does not allow the operation.
    pub const INCORRECT_STATE: &str = "IncorrectState";
    /// A4, P1, P2, D5, I1, I2, I3, V1 and every malformed value.
    pub const INVALID_PARAMETER_VALUE: &str = "InvalidParameterValue";
    /// U2, D1 and parameters that exclude each other.
    pub const INVALID_PARAMETER_COMBINATION: &str = "InvalidParameterCombination";
    /// A required parameter is absent.
    pub const MISSING_PARAMETER: &str = "MissingParameter";
    /// A6: the ENI is attached already.
    pub const ENI_IN_USE: &str = "InvalidNetworkInterface.InUse";
    /// A9: unknown attachment.
    pub const ATTACHMENT_NOT_FOUND: &str = "InvalidAttachmentID.NotFound";
    /// L1: too many ENIs on the instance.
    pub const ATTACHMENT_LIMIT_EXCEEDED: &str = "AttachmentLimitExceeded";
    /// D6: unknown ENI.
    pub const ENI_NOT_FOUND: &str = "InvalidNetworkInterfaceID.NotFound";
    /// I4, S2, E7: the address is in use.
    pub const IP_IN_USE: &str = "InvalidIPAddress.InUse";
    /// I5: the subnet has no free address left.
    pub const SUBNET_EXHAUSTED: &str = "InsufficientFreeAddressesInSubnet";
    /// L2: too many private IPv4 addresses on the ENI.
    pub const PRIVATE_IP_LIMIT_EXCEEDED: &str = "PrivateIpAddressLimitExceeded";
    /// E1: Elastic IP quota.
    pub const ADDRESS_LIMIT_EXCEEDED: &str = "AddressLimitExceeded";
    /// The region's public pool is empty.
    pub const INSUFFICIENT_ADDRESS_CAPACITY: &str = "InsufficientAddressCapacity";
    /// E2, G3: the instance has several ENIs; name one.
    pub const INVALID_INSTANCE_ID: &str = "InvalidInstanceID";
    /// E4: the Elastic IP is associated elsewhere and reassociation is off.
    pub const ALREADY_ASSOCIATED: &str = "Resource.AlreadyAssociated";
    /// G1: too many groups on the ENI.
    pub const GROUPS_PER_INTERFACE_LIMIT: &str = "SecurityGroupsPerInterfaceLimitExceeded";
    /// G2 and unknown group ids.
    pub const GROUP_NOT_FOUND: &str = "InvalidGroup.NotFound";
    /// A group of that name exists in the VPC.
    pub const GROUP_DUPLICATE: &str = "InvalidGroup.Duplicate";
    /// The name `default` is the VPC's own.
    pub const GROUP_RESERVED: &str = "InvalidGroup.Reserved";
    /// The rule exists already.
    pub const PERMISSION_DUPLICATE: &str = "InvalidPermission.Duplicate";
    /// The rule to revoke does not exist.
    pub const PERMISSION_NOT_FOUND: &str = "InvalidPermission.NotFound";
    /// A rule is malformed (protocol, ports).
    pub const PERMISSION_MALFORMED: &str = "InvalidPermission.Malformed";
    /// Too many rules in one direction of a group.
    pub const RULES_LIMIT_EXCEEDED: &str = "RulesPerSecurityGroupLimitExceeded";
    /// Unknown instance.
    pub const INSTANCE_NOT_FOUND: &str = "InvalidInstanceID.NotFound";
    /// Unknown subnet.
    pub const SUBNET_NOT_FOUND: &str = "InvalidSubnetID.NotFound";
    /// Unknown VPC.
    pub const VPC_NOT_FOUND: &str = "InvalidVpcID.NotFound";
    /// Unknown Elastic IP allocation.
    pub const ALLOCATION_NOT_FOUND: &str = "InvalidAllocationID.NotFound";
    /// Unknown Elastic IP association.
    pub const ASSOCIATION_NOT_FOUND: &str = "InvalidAssociationID.NotFound";
    /// Unknown Elastic IP given by address.
    pub const ADDRESS_NOT_FOUND: &str = "InvalidAddress.NotFound";
    /// A VPC CIDR outside /16../28.
    pub const VPC_RANGE: &str = "InvalidVpc.Range";
    /// A subnet CIDR outside its VPC or outside /16../28.
    pub const SUBNET_RANGE: &str = "InvalidSubnet.Range";
    /// A subnet CIDR overlapping another subnet.
    pub const SUBNET_CONFLICT: &str = "InvalidSubnet.Conflict";
    /// No VPC named and no default VPC.
    pub const VPC_ID_NOT_SPECIFIED: &str = "VPCIdNotSpecified";
    /// CreateDefaultVpc twice in a region.
    pub const DEFAULT_VPC_EXISTS: &str = "DefaultVpcAlreadyExists";
}

/// An EC2 API error: the code a real account gets and a message. Serializes
/// as `{"code": "...", "message": "..."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ec2Error {
    /// EC2's error code, e.g. `InvalidNetworkInterfaceID.NotFound`.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl fmt::Display for Ec2Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Ec2Error {}

fn e(code: &'static str, message: impl Into<String>) -> Ec2Error {
    Ec2Error {
        code,
        message: message.into(),
    }
}

use codes::*;

/// The value of required parameter `param`, or EC2's `MissingParameter`
/// naming it.
pub(crate) fn required<T>(value: Option<T>, param: &str) -> Result<T, Ec2Error> {
    value.ok_or_else(|| Ec2Error::missing_parameter(param))
}

impl Ec2Error {
    // ---- unknown ids -------------------------------------------------------

    /// Unknown VPC id.
    pub fn vpc_not_found(id: &str) -> Self {
        e(VPC_NOT_FOUND, format!("The vpc ID '{id}' does not exist"))
    }
    /// Unknown subnet id.
    pub fn subnet_not_found(id: &str) -> Self {
        e(
            SUBNET_NOT_FOUND,
            format!("The subnet ID '{id}' does not exist"),
        )
    }
    /// Unknown security group id (G2).
    pub fn group_not_found(id: &str) -> Self {
        e(
            GROUP_NOT_FOUND,
            format!("The security group '{id}' does not exist"),
        )
    }
    /// G2: the group exists but in another VPC than the ENI's.
    pub fn group_not_in_vpc(id: &str, vpc: &str) -> Self {
        e(
            GROUP_NOT_FOUND,
            format!("The security group '{id}' does not exist in VPC '{vpc}'"),
        )
    }
    /// Unknown instance id.
    pub fn instance_not_found(id: &str) -> Self {
        e(
            INSTANCE_NOT_FOUND,
            format!("The instance ID '{id}' does not exist"),
        )
    }
    /// D6: unknown ENI (ENI_RULES.md's text).
    pub fn eni_not_found(id: &str) -> Self {
        e(
            ENI_NOT_FOUND,
            format!("The networkInterface ID '{id}' does not exist"),
        )
    }
    /// A9: unknown attachment id.
    pub fn attachment_not_found(id: &str) -> Self {
        e(
            ATTACHMENT_NOT_FOUND,
            format!("The attachment ID '{id}' does not exist"),
        )
    }
    /// E7 (second half): unknown allocation id.
    pub fn allocation_not_found(id: &str) -> Self {
        e(
            ALLOCATION_NOT_FOUND,
            format!("The allocation ID '{id}' does not exist"),
        )
    }
    /// Unknown association id.
    pub fn association_not_found(id: &str) -> Self {
        e(
            ASSOCIATION_NOT_FOUND,
            format!("The association ID '{id}' does not exist"),
        )
    }
    /// An Elastic IP named by an address that is not allocated.
    pub fn address_not_found(ip: &str) -> Self {
        e(ADDRESS_NOT_FOUND, format!("Address '{ip}' not found."))
    }

    // ---- parameters --------------------------------------------------------

    /// A required parameter is absent.
    pub fn missing_parameter(name: &str) -> Self {
        e(
            MISSING_PARAMETER,
            format!("The request must contain the parameter {name}"),
        )
    }
    /// Parameters given together that exclude each other (`why` says which).
    pub fn parameter_combination(why: impl Into<String>) -> Self {
        e(INVALID_PARAMETER_COMBINATION, why)
    }
    /// A malformed or out-of-range value.
    pub fn invalid_value(param: &str, value: impl fmt::Display, why: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!("Value ({value}) for parameter {param} is invalid. {why}"),
        )
    }

    // ---- attach / detach ---------------------------------------------------

    /// A1: the primary ENI (device 0, card 0) can never be detached.
    pub fn primary_eni_detach(attachment: &str) -> Self {
        e(
            OPERATION_NOT_PERMITTED,
            format!(
                "The network interface at device index 0 and network card index 0 cannot be detached (attachment '{attachment}')."
            ),
        )
    }
    /// A2: attach/detach/associate/start/stop in a state that does not allow
    /// it (`allowed` lists the states that do).
    pub fn incorrect_instance_state(instance: &str, state: &str, allowed: &str) -> Self {
        e(
            INCORRECT_INSTANCE_STATE,
            format!(
                "The instance '{instance}' is not in a state from which it can perform this operation: it is '{state}'; this operation needs {allowed}."
            ),
        )
    }
    /// Detaching an attachment that is not `attached` (still attaching, or
    /// detaching already).
    pub fn incorrect_attachment_state(attachment: &str, status: &str) -> Self {
        e(
            INCORRECT_STATE,
            format!("The attachment '{attachment}' is '{status}'; it must be 'attached'."),
        )
    }
    /// A4: the device index is taken (ENI_RULES.md's text).
    pub fn device_index_in_use(instance: &str, device_index: u32) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!(
                "Instance '{instance}' already has an interface attached at device index '{device_index}'."
            ),
        )
    }
    /// A6: the ENI is attached (or attaching, or detaching) already.
    pub fn eni_in_use(eni: &str) -> Self {
        e(ENI_IN_USE, format!("Interface: [{eni}] in use."))
    }
    /// P1: ENI and instance in different Availability Zones.
    pub fn az_mismatch(eni: &str, eni_az: &str, instance: &str, instance_az: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!(
                "Network interface '{eni}' is in Availability Zone '{eni_az}' and instance '{instance}' in '{instance_az}': they must be in the same Availability Zone."
            ),
        )
    }
    /// P2: ENI and instance in different VPCs.
    pub fn vpc_mismatch(eni: &str, eni_vpc: &str, instance: &str, instance_vpc: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!(
                "Network interface '{eni}' is in VPC '{eni_vpc}' and instance '{instance}' in '{instance_vpc}': they must be in the same VPC."
            ),
        )
    }
    /// L1: ENIs per instance (or per network card) over the type's limit
    /// (ENI_RULES.md's text; `count` is the count the request would reach).
    pub fn interface_limit(count: u32, instance_type: &str) -> Self {
        e(
            ATTACHMENT_LIMIT_EXCEEDED,
            format!("Interface count {count} exceeds the limit for {instance_type}"),
        )
    }
    /// D5: an attached ENI cannot be deleted (ENI_RULES.md's text).
    pub fn eni_currently_in_use(eni: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!("Network interface '{eni}' is currently in use."),
        )
    }
    /// D1: `DeleteOnTermination=true` for an ENI the launch does not create.
    pub fn delete_on_termination_existing(eni: &str) -> Self {
        e(
            INVALID_PARAMETER_COMBINATION,
            format!(
                "DeleteOnTermination can be true only for a network interface the launch creates; '{eni}' exists already."
            ),
        )
    }

    // ---- addresses ---------------------------------------------------------

    /// I1: the primary private IPv4 cannot be unassigned.
    pub fn primary_ip_unassign(ip: &str, eni: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!(
                "Address {ip} is the primary private IPv4 address of network interface '{eni}' and cannot be unassigned."
            ),
        )
    }
    /// I2: the address is outside the ENI's subnet (ENI_RULES.md's text).
    pub fn address_outside_subnet(ip: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!("Address {ip} does not fall within the subnet's address range"),
        )
    }
    /// I3: the first four and the last address of a subnet are reserved.
    pub fn reserved_address(ip: &str, subnet: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!(
                "Address {ip} is reserved in subnet '{subnet}' (the first four and the last address of every subnet are reserved)."
            ),
        )
    }
    /// I4: the address is held by another ENI of the subnet.
    pub fn address_in_use(ip: &str) -> Self {
        e(IP_IN_USE, format!("Address {ip} is in use."))
    }
    /// S2: moving a secondary address another ENI holds needs
    /// `AllowReassignment=true`.
    pub fn reassignment_not_allowed(ip: &str, holder: &str) -> Self {
        e(
            IP_IN_USE,
            format!(
                "Address {ip} is in use: it is assigned to network interface '{holder}'. Set AllowReassignment to move it."
            ),
        )
    }
    /// I1 with S2: a primary address never moves, reassignment or not.
    pub fn primary_not_reassignable(ip: &str, holder: &str) -> Self {
        e(
            IP_IN_USE,
            format!(
                "Address {ip} is in use: it is the primary private IPv4 address of network interface '{holder}' and cannot be reassigned."
            ),
        )
    }
    /// I5: no free address left in the subnet.
    pub fn subnet_exhausted(subnet: &str) -> Self {
        e(
            SUBNET_EXHAUSTED,
            format!("Insufficient free IP addresses in subnet '{subnet}' to satisfy the request."),
        )
    }
    /// L2: private IPv4s per ENI over the limit (`limit_of` names the
    /// instance type, or says the ENI is not attached).
    pub fn private_ip_limit(eni: &str, count: usize, limit: u32, limit_of: &str) -> Self {
        e(
            PRIVATE_IP_LIMIT_EXCEEDED,
            format!(
                "Network interface '{eni}' would have {count} private IPv4 addresses; the limit is {limit} per network interface for {limit_of}."
            ),
        )
    }
    /// Unassigning addresses the ENI does not hold.
    pub fn not_assigned(ip: &str, eni: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!("Some of the specified addresses are not assigned to interface {eni}: {ip}"),
        )
    }
    /// The same address twice in one request.
    pub fn duplicate_address(ip: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!("Address {ip} appears more than once in the request."),
        )
    }
    /// V1: the IPv6 address is on another ENI (no reassign flag for IPv6).
    pub fn ipv6_in_use(ip: &str, holder: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!(
                "Address {ip} is assigned to network interface '{holder}'; IPv6 addresses cannot be reassigned: unassign it first."
            ),
        )
    }
    /// V1: IPv6 addresses per ENI over the limit.
    pub fn ipv6_limit(eni: &str, count: usize, limit: u32, limit_of: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!(
                "Network interface '{eni}' would have {count} IPv6 addresses; the limit is {limit} per network interface for {limit_of}."
            ),
        )
    }
    /// V1: IPv6 requested in a subnet without an IPv6 block.
    pub fn subnet_has_no_ipv6(subnet: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!("Subnet '{subnet}' has no IPv6 CIDR block."),
        )
    }

    // ---- public IPv4 and Elastic IPs ---------------------------------------

    /// U2: `AssociatePublicIpAddress` with more than one ENI at launch.
    pub fn public_ip_with_multiple_interfaces() -> Self {
        e(
            INVALID_PARAMETER_COMBINATION,
            "The associatePublicIpAddress parameter cannot be specified when launching with multiple network interfaces.",
        )
    }
    /// U1/U2: `AssociatePublicIpAddress` for an existing ENI or a device
    /// index other than 0.
    pub fn public_ip_only_for_new_primary() -> Self {
        e(
            INVALID_PARAMETER_COMBINATION,
            "The associatePublicIpAddress parameter can only be specified for the network interface with DeviceIndex 0 that the launch creates.",
        )
    }
    /// E1: Elastic IPs per region over the quota.
    pub fn address_limit(region: &str, quota: usize) -> Self {
        e(
            ADDRESS_LIMIT_EXCEEDED,
            format!("The maximum number of addresses has been reached ({quota} in {region})."),
        )
    }
    /// The region's public pool has no free address.
    pub fn insufficient_address_capacity(region: &str) -> Self {
        e(
            INSUFFICIENT_ADDRESS_CAPACITY,
            format!("There are no free public IPv4 addresses left in {region}'s pool."),
        )
    }
    /// E2 and G3: an instance with several ENIs must be addressed through one
    /// of them (ENI_RULES.md's text).
    pub fn multiple_interfaces(instance: &str) -> Self {
        e(
            INVALID_INSTANCE_ID,
            format!(
                "There are multiple interfaces attached to instance '{instance}'. Please specify an interface ID for the operation instead."
            ),
        )
    }
    /// E4: the Elastic IP is associated elsewhere and
    /// `AllowReassociation=false`.
    pub fn already_associated(allocation: &str, association: &str) -> Self {
        e(
            ALREADY_ASSOCIATED,
            format!("resource {allocation} is already associated with associate-id {association}"),
        )
    }
    /// E7: an associated Elastic IP (non-default VPC) cannot be released.
    pub fn release_associated(allocation: &str, association: &str) -> Self {
        e(
            IP_IN_USE,
            format!(
                "The address with allocation id [{allocation}] is associated ({association}); disassociate it first."
            ),
        )
    }
    /// The private address named for an association is not on the ENI.
    pub fn private_ip_not_on_eni(ip: &str, eni: &str) -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            format!(
                "The specified private IP address {ip} is not assigned to network interface {eni}."
            ),
        )
    }

    // ---- security groups ---------------------------------------------------

    /// G1: more than 5 groups on one ENI.
    pub fn too_many_groups(count: usize, limit: usize) -> Self {
        e(
            GROUPS_PER_INTERFACE_LIMIT,
            format!(
                "The maximum number of security groups per interface has been reached: {count} requested, the limit is {limit}."
            ),
        )
    }
    /// G1 (lower bound): `Groups` must not be empty.
    pub fn no_groups() -> Self {
        e(
            INVALID_PARAMETER_VALUE,
            "A network interface must have at least one security group.",
        )
    }
    /// A group of that name exists in the VPC.
    pub fn group_duplicate(name: &str, vpc: &str) -> Self {
        e(
            GROUP_DUPLICATE,
            format!("The security group '{name}' already exists for VPC '{vpc}'"),
        )
    }
    /// The name `default` is reserved.
    pub fn group_reserved(name: &str) -> Self {
        e(
            GROUP_RESERVED,
            format!("The security group '{name}' is reserved"),
        )
    }
    /// Authorizing a rule that exists.
    pub fn permission_duplicate(group: &str, rule: &str) -> Self {
        e(
            PERMISSION_DUPLICATE,
            format!("the specified rule \"{rule}\" already exists in group '{group}'"),
        )
    }
    /// Revoking a rule that does not exist.
    pub fn permission_not_found(group: &str, rule: &str) -> Self {
        e(
            PERMISSION_NOT_FOUND,
            format!("The specified rule \"{rule}\" does not exist in group '{group}'"),
        )
    }
    /// A malformed rule.
    pub fn permission_malformed(why: impl Into<String>) -> Self {
        e(PERMISSION_MALFORMED, why)
    }
    /// Too many rules in one direction of a group.
    pub fn rules_limit(group: &str, limit: usize) -> Self {
        e(
            RULES_LIMIT_EXCEEDED,
            format!("The maximum number of rules per security group ({limit} per direction) has been reached in '{group}'."),
        )
    }

    // ---- VPCs and subnets --------------------------------------------------

    /// A VPC CIDR outside /16../28.
    pub fn vpc_range(cidr: &str) -> Self {
        e(
            VPC_RANGE,
            format!("The CIDR '{cidr}' is invalid: a VPC's block is /16 to /28."),
        )
    }
    /// A subnet CIDR outside its VPC or outside /16../28.
    pub fn subnet_range(cidr: &str, why: &str) -> Self {
        e(SUBNET_RANGE, format!("The CIDR '{cidr}' is invalid: {why}"))
    }
    /// A subnet CIDR overlapping another subnet of the VPC.
    pub fn subnet_conflict(cidr: &str, other: &str) -> Self {
        e(
            SUBNET_CONFLICT,
            format!("The CIDR '{cidr}' conflicts with another subnet ('{other}')"),
        )
    }
    /// No VPC named and no default VPC in the region.
    pub fn no_default_vpc() -> Self {
        e(VPC_ID_NOT_SPECIFIED, "No default VPC for this user")
    }
    /// CreateDefaultVpc in a region that has one.
    pub fn default_vpc_exists(region: &str) -> Self {
        e(
            DEFAULT_VPC_EXISTS,
            format!("A Default VPC already exists for this account in {region}."),
        )
    }

    /// A malformed IP address parameter.
    pub fn bad_address(param: &str, value: &str, family: &str) -> Self {
        Ec2Error::invalid_value(param, value, &format!("It is not an {family} address."))
    }
}
