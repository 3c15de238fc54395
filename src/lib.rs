//! # enisim
//!
//! A discrete-event simulator of the packet path inside a virtualized cloud
//! host. It answers, with numbers a user can reproduce, what "enhanced
//! networking" buys: how bare metal, a trap-and-emulate hypervisor, a
//! paravirtual (virtio) device, device passthrough and SR-IOV virtual functions
//! compare in latency, throughput and CPU on the same host and traffic.
//!
//! ## Layers (folders are layers, as in smoltcp)
//! - [`sim`] — the kernel: integer picosecond time, the event queue, RNG
//!   streams, FCFS resources. Knows nothing of networking.
//! - [`model`] — the host: NIC, PCIe, IOMMU, hypervisor, guests, the five I/O
//!   paths as pipelines of named stages, traffic, and the event loop.
//! - [`dataplane`] — what the VPC's control plane means for each packet:
//!   address lookup, attachments, security groups, source/destination check.
//! - [`metrics`] — histograms, counters, the per-stage breakdown, result records.
//! - [`experiment`] — TOML experiment files → validated configurations; the
//!   parallel runner; the validation suite against published measurements
//!   ([`experiment::validation`]).
//! - [`report`] — terminal table, JSON, CSV.
//! - [`vpc`] — the EC2 VPC/ENI control plane: ENIs, addresses, security
//!   groups, instances, and the rules of `docs/ENI_RULES.md` with EC2's codes.
//!
//! The binary (`src/main.rs`) is a thin clap front end over these.
//!
//! ## Limitations
//! - One receive and one transmit queue per VM device (no RSS across vCPUs).
//! - Costs are per-packet constants from named profiles, not cycle-accurate
//!   micro-architecture; every default cites CALIBRATION.md or says
//!   "assumption".
//! - The VPC data plane decides a packet's journey at its birth; route
//!   tables hold only routes to appliances; no network ACLs.

pub mod dataplane;
pub mod experiment;
pub mod explain;
pub mod metrics;
pub mod model;
pub mod report;
pub mod sim;
pub mod vpc;
