//! `sriov`: one virtual function of an SR-IOV NIC per attached ENI.
//!
//! The NIC's embedded switch sorts received frames by destination MAC into
//! the VF's rings (the `eswitch_ns` lookup), dropping a frame its ring has no
//! descriptor for before the DMA; the VF DMAs straight into guest memory
//! through the IOMMU; its MSI is posted to the vCPU (no exit), or lands on the
//! host (an exit, X1) and, without APICv, completes with an EOI exit (X6)
//! ([`crate::model::host::HostBuilder::irq_work`]). Transmit writes the VF's doorbell directly (no exit). All VFs
//! share the port, the PCIe link and the IOTLB. VM-to-VM traffic hairpins in
//! the embedded switch: down PCIe, through the switch, up PCIe, never on the
//! wire. The NIC has a finite number of VFs (H1): one VF per attached ENI (a
//! VM's primary, and each further ENI its instance has during the run), and
//! an ENI beyond the limit is a configuration error.

use super::{direct_attach, direct_deliver, direct_rx, direct_send, direct_tx};
use super::{Capabilities, Device, PathModel};
use crate::model::config::IoPath;
use crate::model::error::BuildError;
use crate::model::host::{HostBuilder, VmDev};
use crate::model::pipeline::Step;

/// The SR-IOV path.
pub struct Sriov;

impl PathModel for Sriov {
    fn path(&self) -> IoPath {
        IoPath::Sriov
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            vms_per_nic: None,
            needs_vf: true,
            live_migration: false,
            hypervisor_in_data_path: false,
        }
    }
    fn attach(
        &self,
        h: &mut HostBuilder,
        dev: Device,
        nic: usize,
        queues: u32,
    ) -> Result<Vec<VmDev>, BuildError> {
        // VF n serves the host's device in slot n: VM v's primary device is
        // VF v, and the devices of further ENIs take the VFs after them.
        let max_vfs = h.profile.max_vfs;
        if dev.slot >= max_vfs {
            return Err(BuildError::TooManyVfs {
                needed: dev.slot + 1,
                vms: dev.slot + 1,
                max_vfs,
            });
        }
        let slots = h.profile.vf_ring;
        Ok(direct_attach(
            h,
            dev,
            nic,
            &format!("vf{}.rx_ring", dev.slot),
            slots,
            true,
            true,
            queues,
        ))
    }
    fn rx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step> {
        direct_rx(h, vm, true)
    }
    fn tx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step> {
        direct_tx(h, vm, true)
    }
    fn vm_to_vm(&self, h: &mut HostBuilder, src: &VmDev, dst: &VmDev) -> Vec<Step> {
        // Hairpin: the embedded switch turns the frame around.
        let mut steps = direct_send(h, src, true);
        steps.extend(direct_deliver(h, dst));
        steps
    }
}
