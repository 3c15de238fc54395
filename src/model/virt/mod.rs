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
use super::host::{HostBuilder, IrqSource, VmDev};
use super::pipeline::Step;
use crate::metrics::{DropReason, Stage};

pub use baremetal::Baremetal;
pub use emulated::Emulated;
pub use passthrough::Passthrough;
pub use sriov::Sriov;
pub use virtio::Virtio;

/// What a path allows, beside what it costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// Makes device `dev` of its VM on NIC `nic` for the VM's `queues`
    /// vCPUs: one [`VmDev`] per queue pair the device has (each queue's
    /// interrupts go to its own vCPU, shared by every device of the VM), at
    /// least one.
    fn attach(
        &self,
        h: &mut HostBuilder,
        dev: Device,
        nic: usize,
        queues: u32,
    ) -> Result<Vec<VmDev>, BuildError>;
    /// Wire → VM's application.
    fn rx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step>;
    /// VM's application → wire.
    fn tx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step>;
    /// One VM's application → another's on the same host.
    fn vm_to_vm(&self, h: &mut HostBuilder, src: &VmDev, dst: &VmDev) -> Vec<Step>;
}

/// One device of a VM: the VM's primary one (device index 0, the device of
/// flows that name a VM), or one for another ENI attached to its instance.
/// Each attached ENI is its own PCI device in the guest with its own queues,
/// as on EC2: under `sriov` its own VF, under `passthrough` its own NIC,
/// under `virtio` and `emulated` its own device, rings and backend worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Device {
    /// VM index.
    pub vm: u32,
    /// The ENI's device key on the instance
    /// ([`crate::dataplane::device_key`]; 0: the primary).
    pub index: u32,
    /// Position among the host's devices (primaries first, in VM order):
    /// the VF number under `sriov`.
    pub slot: u32,
}

impl Device {
    /// The prefix of its resources' names: `vm<v>` for a primary device,
    /// `vm<v>.eth<i>` for the device of the ENI at index i (the guest's
    /// name for it), `vm<v>.card<c>.eth<i>` on network card c > 0.
    pub fn prefix(&self) -> String {
        let (card, index) = (self.index >> 16, self.index & 0xffff);
        match (card, index) {
            (0, 0) => format!("vm{}", self.vm),
            (0, i) => format!("vm{}.eth{i}", self.vm),
            (c, i) => format!("vm{}.card{c}.eth{i}", self.vm),
        }
    }
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

/// Makes the devices of a VM whose driver owns its NIC queue directly (bare
/// metal, passthrough, SR-IOV): a vCPU, a receive ring of `slots` whose
/// interrupts go to it (an assigned device's MSI when `virtualized`, whose
/// exits [`HostBuilder::irq_work`] decides), and, when `iommu`, a DMA region
/// behind the IOMMU.
#[allow(clippy::too_many_arguments)]
fn direct_attach(
    h: &mut HostBuilder,
    dev: Device,
    nic: usize,
    ring_name: &str,
    slots: u32,
    virtualized: bool,
    iommu: bool,
    queues: u32,
) -> Vec<VmDev> {
    let src = if virtualized {
        IrqSource::AssignedMsi
    } else {
        IrqSource::BareMetal
    };
    let vm = dev.vm;
    (0..queues.max(1))
        .map(|q| {
            let vcpu = h.vcpu_of(vm, q, queues);
            let work = h.irq_work(src, &[]);
            let name = if queues > 1 {
                format!("{ring_name}{q}")
            } else {
                ring_name.to_owned()
            };
            let rx_ring = h.nic_irq_ring(
                name,
                slots,
                vcpu,
                work,
                vcpu,
                Stage::GuestRingWait,
                DropReason::RxRingFull,
            );
            let dma_rx = iommu.then(|| h.dma_region(slots));
            let dma_tx = iommu.then(|| h.dma_region(slots));
            VmDev {
                vm,
                nic,
                vcpu,
                rx_ring,
                host_rx_ring: None,
                tx_ring: None,
                dma_rx,
                dma_tx,
                worker: 0,
            }
        })
        .collect()
}

/// A directly driven device sends: application, stack and driver on the
/// vCPU, an exit-free doorbell, the DMA read (translated by the IOMMU if the
/// device sits behind it), the transmit-completion interrupt on the queue
/// pair's shared, moderated vector (ixgbe, ixgbevf and ENA clean transmit
/// descriptors in the poll that vector starts; H4, H5), the NIC's pipeline
/// (and embedded switch).
fn direct_send(h: &HostBuilder, vm: &VmDev, eswitch: bool) -> Vec<Step> {
    vec![
        h.guest_tx(vm.vcpu, &[]),
        h.doorbell(),
        h.dma_down(vm.nic, vm.dma_tx),
        h.tx_done(vm.rx_ring),
        h.nic_pipeline(eswitch),
    ]
}

/// A directly driven device receives a frame the NIC has classified: a free
/// descriptor of its ring (or a drop), the DMA write (translated by the IOMMU
/// if behind it), then the ring, interrupt, driver, stack and application.
fn direct_deliver(h: &HostBuilder, vm: &VmDev) -> Vec<Step> {
    vec![
        h.dma_up(vm.nic, vm.dma_rx, vm.rx_ring),
        h.guest_rx(vm.rx_ring),
    ]
}

/// From the wire to a directly driven device's application.
fn direct_rx(h: &HostBuilder, vm: &VmDev, eswitch: bool) -> Vec<Step> {
    let mut steps = h.wire_in(vm.nic);
    steps.extend(direct_receive(h, vm, eswitch));
    steps
}

/// From the NIC's side of its wire to a directly driven device's
/// application: the NIC's pipeline (and embedded switch), then delivery.
fn direct_receive(h: &HostBuilder, vm: &VmDev, eswitch: bool) -> Vec<Step> {
    let mut steps = vec![h.nic_pipeline(eswitch)];
    steps.extend(direct_deliver(h, vm));
    steps
}

/// From a directly driven device's application to the wire.
fn direct_tx(h: &HostBuilder, vm: &VmDev, eswitch: bool) -> Vec<Step> {
    let mut steps = direct_send(h, vm, eswitch);
    steps.extend(h.wire_out(vm.nic));
    steps
}
