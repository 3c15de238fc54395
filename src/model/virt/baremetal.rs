//! `baremetal`: the reference, no virtualization.
//!
//! Each "VM" of the experiment is an application pinned to its own core on the
//! host OS, which owns the NIC: one NIC queue per application (flow steering),
//! interrupts straight to its core, no IOMMU translation (the host maps DMA
//! 1:1), no exits. Traffic between two applications on the host goes through
//! the kernel's loopback: send stack on one core, receive stack on the other.
//! Host CPU is 0 by definition: everything is the workload's own OS.

use super::{direct_attach, direct_rx, direct_tx};
use super::{Capabilities, Device, PathModel};
use crate::metrics::DropReason;
use crate::metrics::Stage;
use crate::model::config::IoPath;
use crate::model::error::BuildError;
use crate::model::host::{serve_step, HostBuilder, VmDev};
use crate::model::pipeline::{CpuClass, Part, Per, Step};

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
            false,
            false,
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
        // Loopback: the sender's stack hands the packet (a burst, whole: the
        // loopback device takes 64 KiB) to the receiver's stack; each side's
        // application copies its payload to or from user space.
        let c = h.costs;
        let g = CpuClass::Guest;
        let send = serve_step(
            src.vcpu,
            Stage::VcpuWait,
            DropReason::SocketBacklogFull,
            &[
                Part::fixed(Stage::App, c.app, g).each(Per::SendCall),
                Part::fixed(Stage::App, c.copy_fs_per_byte, g).each(Per::PayloadByte),
                Part::fixed(Stage::GuestStack, c.guest_stack, g),
            ],
        );
        let recv = serve_step(
            dst.vcpu,
            Stage::VcpuWait,
            DropReason::SocketBacklogFull,
            &[
                Part::fixed(Stage::GuestStack, c.guest_stack, g),
                Part::fixed(Stage::App, c.app, g).each(Per::RecvCall),
                Part::fixed(Stage::App, c.copy_fs_per_byte, g).each(Per::PayloadByte),
            ],
        );
        vec![send, recv]
    }
}
