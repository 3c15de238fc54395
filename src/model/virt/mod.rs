//! The five I/O paths behind one contract.
//!
//! Each path is a type implementing [`PathModel`]: it says what it can do
//! ([`Capabilities`]), makes the devices a VM needs ([`PathModel::attach`]),
//! and builds a packet's route for each direction as a list of
//! [`Step`]s. The event loop never asks which path it runs: routes are data.
//! That is the rust-vmm lesson (one small contract, plain parameters beside
//! it) without its dynamic dispatch on the per-packet path — the trait is only
//! called while the host is assembled.
//!
//! | path | receive route |
//! |---|---|
//! | `baremetal` | wire → NIC → PCIe → NIC ring → interrupt → driver, stack, app |
//! | `emulated` | wire → NIC → PCIe → host ring → host driver → device model (copy, switch) → emulated ring → injected interrupt + register exits → driver, stack, app |
//! | `virtio` | wire → NIC → PCIe → host ring → host driver → vhost (copy) → virtqueue → interrupt (suppressed while the guest polls) → driver, stack, app |
//! | `passthrough` | wire → NIC → PCIe → IOMMU → NIC ring → interrupt (posted or exit) → driver, stack, app |
//! | `sriov` | wire → NIC + embedded switch → PCIe → IOMMU → VF ring → interrupt (posted or exit) → driver, stack, app |

mod baremetal;
mod emulated;
mod passthrough;
mod sriov;
mod virtio;

use super::config::IoPath;
use super::error::BuildError;
use super::host::{HostBuilder, VmDev};
use super::pipeline::Step;

pub use baremetal::Baremetal;
pub use emulated::Emulated;
pub use passthrough::Passthrough;
pub use sriov::Sriov;
pub use virtio::Virtio;

/// What a path allows, beside what it costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// VMs one physical NIC can serve (`None`: no limit from the path).
    pub vms_per_nic: Option<u32>,
    /// Each VM needs one of the NIC's virtual functions.
    pub needs_vf: bool,
    /// The VM can be live-migrated without detaching its device.
    pub live_migration: bool,
    /// The hypervisor touches every packet.
    pub hypervisor_in_data_path: bool,
}

/// The contract every I/O path implements.
pub trait PathModel {
    /// Which path this is.
    fn path(&self) -> IoPath;
    /// What it allows.
    fn capabilities(&self) -> Capabilities;
    /// Makes VM `vm`'s devices on NIC `nic`.
    fn attach(&self, h: &mut HostBuilder, vm: u32, nic: usize) -> Result<VmDev, BuildError>;
    /// Wire → VM's application.
    fn rx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step>;
    /// VM's application → wire.
    fn tx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step>;
    /// One VM's application → another's on the same host.
    fn vm_to_vm(&self, h: &mut HostBuilder, src: &VmDev, dst: &VmDev) -> Vec<Step>;
}

/// The model of `path`.
pub fn model(path: IoPath) -> &'static dyn PathModel {
    match path {
        IoPath::Baremetal => &Baremetal,
        IoPath::Emulated => &Emulated,
        IoPath::Virtio => &Virtio,
        IoPath::Passthrough => &Passthrough,
        IoPath::Sriov => &Sriov,
    }
}
