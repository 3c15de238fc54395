//! The host model: a physical NIC (link, PCIe, IOMMU, embedded switch, rings,
//! interrupt moderation, VFs), hypervisor I/O cores and VMs with vCPUs,
//! reached through one of five I/O paths, and the event loop that moves
//! packets through it.

pub mod config;
mod engine;
pub mod error;
pub mod host;
pub mod hw;
pub mod pipeline;
pub mod profile;
pub mod rack;
pub mod rss;
pub mod tcp;
pub mod traffic;
pub mod virt;
pub mod vpc_rt;

pub use config::{
    Arrival, Client, ControlTiming, FlowAddr, FlowConfig, FlowKind, Forwarding, HostConfig, IoPath,
    Offloads, Place, RackConfig, RouteConfig, SizeDist, Stages, SwitchConfig, TimedStep, VpcConfig,
    MAX_VPC_DEVICES, MAX_VPC_VMS, WIRE_ONLY_FLOWS,
};
pub use error::BuildError;
pub use profile::{InterruptDelivery, IrqModeration, Profile};
pub use tcp::TcpParams;

use crate::metrics::PathResult;

/// Runs one I/O path on one host configuration to the end and returns what it
/// measured (with `sim.wall_s` left at 0: the model never reads a wall clock;
/// the caller times the run).
///
/// # Panics
/// If the books do not balance at the end (generated ≠ delivered + dropped +
/// in flight): a bug in the model, never an outcome of the configuration.
pub fn run(cfg: &HostConfig) -> Result<PathResult, BuildError> {
    run_on(cfg, 1)
}

/// [`run`], with a rack's hosts ([`HostConfig::rack`]) on `threads` threads
/// (their logical processes; see [`rack`]). The result does not depend on
/// `threads`; one host runs on the calling thread whatever it is.
///
/// # Panics
/// As [`run`].
pub fn run_on(cfg: &HostConfig, threads: usize) -> Result<PathResult, BuildError> {
    match cfg.rack {
        Some(_) => rack::run(cfg, threads),
        None => engine::run(cfg),
    }
}
