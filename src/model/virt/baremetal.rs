//! `baremetal`: the reference, no virtualization.
//!
//! Each "VM" of the experiment is an application pinned to its own core on the
//! host OS, which owns the NIC: one NIC queue per application (flow steering),
//! interrupts straight to its core, no IOMMU translation (the host maps DMA
//! 1:1), no exits. Traffic between two applications on the host goes through
//! the kernel's loopback: send stack on one core, receive stack on the other.
//! Host CPU is 0 by definition: everything is the workload's own OS.

use super::{Capabilities, PathModel};
use crate::metrics::DropReason;
use crate::metrics::Stage;
use crate::model::config::IoPath;
use crate::model::error::BuildError;
use crate::model::host::{HostBuilder, VmDev};
use crate::model::pipeline::{CpuClass, Part, Step, StepKind, Work};

/// The bare-metal path.
pub struct Baremetal;

impl PathModel for Baremetal {
    fn path(&self) -> IoPath {
        IoPath::Baremetal
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            vms_per_nic: None,
            needs_vf: false,
            live_migration: false,
            hypervisor_in_data_path: false,
        }
    }
    fn attach(&self, h: &mut HostBuilder, vm: u32, nic: usize) -> Result<VmDev, BuildError> {
        let vcpu = h.vcpu(vm);
        let work = h.direct_irq_work(false);
        let slots = h.profile.nic_ring;
        let rx_ring = h.nic_irq_ring(format!("vm{vm}.nic_rx_ring"), slots, vcpu, work, vcpu);
        Ok(VmDev {
            vm,
            nic,
            vcpu,
            rx_ring,
            host_rx_ring: None,
            tx_ring: None,
            dma: None,
        })
    }
    fn rx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step> {
        vec![
            h.wire_in(vm.nic),
            h.nic_pipeline(false),
            h.dma_up(vm.nic),
            h.guest_rx(vm.rx_ring),
        ]
    }
    fn tx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step> {
        vec![
            h.guest_tx(vm.vcpu, &[]),
            h.doorbell(),
            h.dma_down(vm.nic),
            h.nic_pipeline(false),
            h.wire_out(vm.nic),
        ]
    }
    fn vm_to_vm(&self, h: &mut HostBuilder, src: &VmDev, dst: &VmDev) -> Vec<Step> {
        let c = h.costs;
        let send = Step {
            kind: StepKind::Serve(src.vcpu),
            stage: Stage::GuestStack,
            work: Work::of(&[
                Part::fixed(Stage::App, c.app, CpuClass::Guest),
                Part::fixed(Stage::GuestStack, c.guest_stack, CpuClass::Guest),
            ]),
            drop: DropReason::SocketBacklogFull,
        };
        let recv = Step {
            kind: StepKind::Serve(dst.vcpu),
            stage: Stage::GuestStack,
            work: Work::of(&[
                Part::fixed(Stage::GuestStack, c.guest_stack, CpuClass::Guest),
                Part::fixed(Stage::App, c.app, CpuClass::Guest),
            ]),
            drop: DropReason::SocketBacklogFull,
        };
        vec![send, recv]
    }
}
