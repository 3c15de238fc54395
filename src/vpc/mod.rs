//! The EC2 VPC / ENI control plane: regions and AZs, VPCs and subnets,
//! instances and their lifecycle, elastic network interfaces, private,
//! secondary, IPv6, auto-assigned public and Elastic IP addresses, security
//! groups — and every rule of `docs/ENI_RULES.md`, each with the EC2 error
//! code a real account gets when it is broken.
//!
//! # What it models
//! - [`Ec2`] is one account's state, a plain value (clone it, compare it,
//!   serialize it). It changes only through [`Ec2::apply`], which takes an
//!   [`Action`] named and parametrized as in EC2's API (`AttachNetworkInterface`
//!   with `NetworkInterfaceId`, `InstanceId`, `DeviceIndex`) and returns EC2's
//!   response shape ([`Response`]) or EC2's error ([`Ec2Error`]).
//! - **All or nothing**: an action runs on a clone that replaces the state
//!   only on success, so a failed action leaves the state byte-identical
//!   ([`Ec2::snapshot`]).
//! - **Time**: attach, detach, launch, stop and terminate leave intermediate
//!   states (`attaching`, `detaching`, `pending`, `stopping`,
//!   `shutting-down`) and report them as [`Transition`]s for a timeline to
//!   complete with [`Ec2::complete`]; [`Ec2::apply_and_complete`] is the
//!   no-time path. Address moves are immediate in the state and reported in
//!   [`Applied::reassigned`].
//! - **Deterministic**: ids (`eni-0…`) and MACs (`02:…`) come from seeded
//!   streams, one per kind ([`crate::sim::rng::Rng::stream`]); collections
//!   keep creation order.
//! - [`apply_file()`] drives it from a TOML or JSON list of actions and gives
//!   the JSON `enisim vpc apply` prints.
//! - The read side for the data plane is in [`query`]: [`EniView`],
//!   [`InstanceView`], [`Ec2::eni_by_private_ip`], [`Ec2::eni_by_public_ip`],
//!   security groups via [`Ec2::security_groups`]; and the warnings that are
//!   not errors ([`Ec2::warnings`]: M2, M3, E9) and the public IPv4 charges
//!   ([`Ec2::charged_public_ipv4s`]).
//!
//! # What it leaves out
//! Route tables, internet gateways, network ACLs, prefix lists, peering,
//! IPv4 prefix delegation, EFA, trunk/branch ENIs, requester-managed ENIs,
//! `DryRun`, Describe filters, more than one instance per `RunInstances`,
//! and quotas other than the ones ENI_RULES.md names. The instance types
//! are those of `data/instance_types.csv`.
//!
//! # Judgment calls (where EC2 publishes nothing)
//! - An ENI that is not attached may hold up to the catalog's largest
//!   per-ENI limits (50 IPv4, 50 IPv6); the instance type's own limits are
//!   checked when it is attached (L2, V1) or created at launch.
//! - "Next free address" (I2) is the lowest free one after the reserved
//!   four, IPv4 and IPv6 alike; public pools hand out addresses round-robin,
//!   so a new auto-assigned address after a restart differs from the last
//!   (U3).
//! - The ENI status mirrors its attachment: `attaching` → `attaching`,
//!   `attached` → `in-use`, `detaching` → `detaching`, none → `available`.
//! - ENIs given at launch are attached at once (cold attach); detaching needs
//!   an `attached` attachment (`IncorrectState` otherwise).
//! - On multi-card types, L1 holds per card with `max_enis / network_cards`
//!   each, and the device index is unique per card.

pub mod actions;
pub mod apply_file;
pub mod catalog;
pub mod cidr;
pub mod describe;
mod eips;
pub mod error;
mod exec;
pub mod ids;
mod instances;
mod interfaces;
pub mod query;
pub mod state;

#[cfg(test)]
mod tests;

pub use actions::Action;
pub use apply_file::{apply_file, ActionOutcome, ApplyFileError, ApplyOutcome, Script};
pub use catalog::{catalog, Catalog, InstanceTypeSpec};
pub use describe::{DescribeAll, Response};
pub use error::{codes, Ec2Error};
pub use exec::Applied;
pub use ids::{
    AllocationId, AssociationId, AttachmentId, EniId, GroupId, InstanceId, MacAddr, ReservationId,
    SubnetId, VpcId,
};
pub use query::{
    ChargedIpv4, EniView, InstanceView, PricingEra, PublicIpKind, PublicIpv4, Warning,
};
pub use state::{
    Attachment, AttachmentStatus, Ec2, ElasticIp, EniStatus, Instance, InstanceState,
    NetworkInterface, Protocol, Reassignment, RuleSource, SecurityGroup, SgRule, Subnet,
    Transition, Vpc,
};
