//! `passthrough`: a whole physical NIC assigned to one VM (VFIO).
//!
//! The guest's own driver owns the NIC; DMA goes through the IOMMU; interrupts
//! are posted or cost an exit and an EOI exit (X1, X6), as for a VF. One VM
//! per NIC: a multi-VM host needs one NIC per VM (`passthrough_nic_per_vm`,
//! the default), and that NIC count is part of what passthrough costs. Two
//! VMs on one host talk through the external switch: out of one NIC's wire,
//! through the top-of-rack switch, into the other's.

use super::{Capabilities, PathModel};
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
    fn attach(&self, h: &mut HostBuilder, vm: u32, nic: usize) -> Result<VmDev, BuildError> {
        let vcpu = h.vcpu(vm);
        let work = h.direct_irq_work(true);
        let slots = h.profile.nic_ring;
        let rx_ring = h.nic_irq_ring(format!("vm{vm}.nic_rx_ring"), slots, vcpu, work, vcpu);
        let dma = Some(h.dma_region(slots));
        Ok(VmDev {
            vm,
            nic,
            vcpu,
            rx_ring,
            host_rx_ring: None,
            tx_ring: None,
            dma,
        })
    }
    fn rx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step> {
        vec![
            h.wire_in(vm.nic),
            h.nic_pipeline(false),
            h.dma_up(vm.nic),
            h.iommu(vm.dma.expect("assigned NIC has a DMA region")),
            h.guest_rx(vm.rx_ring),
        ]
    }
    fn tx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step> {
        vec![
            h.guest_tx(vm.vcpu, &[]),
            h.doorbell(),
            h.dma_down(vm.nic),
            h.iommu(vm.dma.expect("assigned NIC has a DMA region")),
            h.nic_pipeline(false),
            h.wire_out(vm.nic),
        ]
    }
    fn vm_to_vm(&self, h: &mut HostBuilder, src: &VmDev, dst: &VmDev) -> Vec<Step> {
        let tor = h.costs.tor;
        vec![
            h.guest_tx(src.vcpu, &[]),
            h.doorbell(),
            h.dma_down(src.nic),
            h.iommu(src.dma.expect("assigned NIC has a DMA region")),
            h.nic_pipeline(false),
            h.wire_out(src.nic),
            delay(&[Part::fixed(Stage::ExternalSwitch, tor, CpuClass::Hardware)]),
            h.wire_in(dst.nic),
            h.nic_pipeline(false),
            h.dma_up(dst.nic),
            h.iommu(dst.dma.expect("assigned NIC has a DMA region")),
            h.guest_rx(dst.rx_ring),
        ]
    }
}
