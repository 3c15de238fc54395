//! `passthrough`: a whole physical NIC assigned to one VM (VFIO).
//!
//! The guest's own driver owns the NIC; DMA goes through the IOMMU; interrupts
//! are delivered as a VF's (posted; or an exit, X1, plus an EOI exit without
//! APICv, X6). One VM
//! per NIC: a multi-VM host needs one NIC per VM (`passthrough_nic_per_vm`,
//! the default), and that NIC count is part of what passthrough costs. Two
//! VMs on one host talk through the external switch: out of one NIC's wire,
//! through the top-of-rack switch, into the other's.

use super::{direct_attach, direct_receive, direct_rx, direct_send, direct_tx};
use super::{Capabilities, Device, PathModel};
use crate::metrics::Stage;
use crate::model::config::IoPath;
use crate::model::error::BuildError;
use crate::model::host::{delay, HostBuilder, VmDev};
use crate::model::pipeline::{CpuClass, Part, Step};

/// The passthrough path.
pub struct Passthrough;

impl PathModel for Passthrough {
    fn path(&self) -> IoPath {
        IoPath::Passthrough
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            vms_per_nic: Some(1),
            needs_vf: false,
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
        let slots = h.profile.nic_ring;
        Ok(direct_attach(
            h,
            dev,
            nic,
            &format!("{}.nic_rx_ring", dev.prefix()),
            slots,
            true,
            true,
            queues,
        ))
    }
    fn rx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step> {
        direct_rx(h, vm, false)
    }
    fn tx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step> {
        direct_tx(h, vm, false)
    }
    fn vm_to_vm(&self, h: &mut HostBuilder, src: &VmDev, dst: &VmDev) -> Vec<Step> {
        let tor = h.costs.tor;
        let mut steps = direct_send(h, src, false);
        // Through the top-of-rack switch: the NICs' own wires, not the hops
        // to clients beyond it.
        steps.extend(h.nic_wire_out(src.nic));
        steps.push(delay(&[Part::fixed(
            Stage::ExternalSwitch,
            tor,
            CpuClass::Hardware,
        )]));
        steps.extend(h.nic_wire_in(dst.nic));
        steps.extend(direct_receive(h, dst, false));
        steps
    }
}
