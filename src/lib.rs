//! # enisim
//!
//! A discrete-event simulator of the packet path inside a virtualized cloud
//! host. It answers, with numbers a user can reproduce, what "enhanced
//! networking" buys: how bare metal, a trap-and-emulate hypervisor, a
//! paravirtual (virtio) device, device passthrough and SR-IOV virtual functions
//! compare in latency, throughput and CPU on the same host and traffic.
//!
//! ## Layers
//! A module uses only modules of lower layers, never one of its own layer
//! or above; records live in the layer that defines them, below the layers
//! that fill them and the ones that print them. `tests/layers.rs` reads this
//! table and fails, naming file and line, on any import that climbs, and on
//! any modules of one folder that use each other in a circle.
//!
//! | layer | module | what it is, and why it sits here |
//! | --- | --- | --- |
//! | 0 | [`sim`] | the kernel: integer picosecond time, the event queue, RNG streams, FCFS resources; knows nothing of networking |
//! | 1 | [`vpc`] | the EC2 VPC/ENI control plane: ENIs, addresses, security groups, instances, and the rules of `docs/ENI_RULES.md` with EC2's codes; a plain value that needs only the kernel |
//! | 1 | [`metrics`] | histograms, counters, the per-stage breakdown and every result record (VPC timeline and ENI records included): plain data that the layers above fill and print |
//! | 2 | [`dataplane`] | what the VPC's control plane means for each packet: address lookup, attachments, security groups, source/destination check |
//! | 3 | [`model`] | the host: NIC, PCIe, IOMMU, hypervisor, guests, the five I/O paths as pipelines of named stages, traffic, and the event loop that fills the records |
//! | 4 | [`experiment`] | TOML experiment files → validated configurations; the parallel runner; the validation suite against published measurements ([`experiment::validation`]) |
//! | 5 | [`report`] | terminal table, JSON, CSV, Markdown, HTML and plots of finished runs and of the validation suite |
//! | 6 | [`explain`] | why one path is faster than another, in words, from a finished report |
//! | 7 | `main` | the binary (`src/main.rs`): a thin clap front end over all of these |
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
