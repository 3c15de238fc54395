//! `emulated`: trap-and-emulate, an e1000-class NIC emulated by a user-space
//! device model (QEMU-style).
//!
//! Every guest access to a device register traps. Per X13 (an inference from
//! the Linux e1000 driver, not a measurement): a transmit writes the tail
//! register (one exit, handled in user space, X4, during which the device
//! model emulates the transmit and copies the frame on the vCPU's thread). The
//! e1000 raises a level-triggered INTx through the virtual IOAPIC: without
//! APICv it is injected by an IPI exit (X7); under every mode its EOI exits
//! (X6), since KVM intercepts level-triggered EOIs (N3; see
//! [`crate::model::host::HostBuilder::irq_work`]). Each interrupt also costs
//! `e1000_exits_per_irq` register accesses (default 5: read the cause, ICR;
//! mask, IMC, and flush; unmask, IMS, after the poll, and flush — each a
//! user-space exit, X4; see the profile field for why not X13's 2–3); after a
//! receive batch the driver writes the receive tail (one exit). The e1000 has one
//! interrupt vector for receive and transmit completion (TXDW), so transmits
//! raise the same moderated interrupt (a
//! [`crate::model::pipeline::StepKind::Signal`]). Received frames land in the
//! host's NIC receive ring, one per NIC and shared by every VM. The device
//! model's receive side — copy, software switch — runs on the hypervisor I/O
//! cores every VM shares, which is what saturates; it takes a free e1000
//! descriptor before it copies, and drops the frame without one. The emulated NIC moderates
//! its interrupts as an e1000 does (H3).

use super::{Capabilities, Device, PathModel};
use crate::metrics::{DropReason, Stage};
use crate::model::config::IoPath;
use crate::model::error::BuildError;
use crate::model::host::{HostBuilder, IrqSource, VmDev};
use crate::model::pipeline::{
    CpuClass, NotifyKind, OrderId, Part, Per, RingId, RingSpec, Step, Work,
};

/// The trap-and-emulate path.
pub struct Emulated;

/// The vCPU-side work of one transmit: the tail-register exit and the device
/// model's transmit emulation with its copy. With TSO the e1000 takes a
/// whole burst (its TSE context) and QEMU cuts it into segments in
/// software, patching each one's headers and summing its payload (T2.17);
/// it sums the payload whenever the guest leaves the checksum to the device.
fn tx_trap(h: &HostBuilder) -> [Part; 5] {
    let c = h.costs;
    let seg = if h.offloads.tso { c.gso_segment } else { 0 };
    let csum = if h.offloads.csum {
        c.csum_fs_per_byte
    } else {
        0
    };
    [
        Part::exits(c.io_exit_user, 1),
        Part::fixed(Stage::DeviceModel, c.device_model, CpuClass::Host),
        Part::fixed(Stage::DeviceModel, seg, CpuClass::Host).each(Per::Frame),
        Part::fixed(Stage::DeviceModel, csum, CpuClass::Host).each(Per::PayloadByte),
        h.host_copy(Stage::DeviceModel),
    ]
}

/// The device model receives a frame into the e1000's ring `ring`: it looks
/// for a free receive descriptor first (QEMU's `e1000_has_rxbufs`), and
/// without one drops the frame before switching and copying it.
fn device_model_rx(h: &mut HostBuilder, ring: RingId, worker: OrderId) -> Step {
    let c = h.costs;
    let copy = h.host_copy(Stage::DeviceModel);
    h.host_work(
        &[
            Part::fixed(Stage::SoftSwitch, c.soft_switch, CpuClass::Host).each(Per::Frame),
            Part::fixed(Stage::DeviceModel, c.device_model, CpuClass::Host).each(Per::Frame),
            copy,
        ],
        worker,
    )
    .filling(ring)
}

impl PathModel for Emulated {
    fn path(&self) -> IoPath {
        IoPath::Emulated
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            vms_per_nic: None,
            needs_vf: false,
            live_migration: true,
            hypervisor_in_data_path: true,
        }
    }
    fn attach(
        &self,
        h: &mut HostBuilder,
        dev: Device,
        nic: usize,
        queues: u32,
    ) -> Result<Vec<VmDev>, BuildError> {
        let vm = dev.vm;
        // The e1000 has one queue pair: its interrupt and its traffic go to
        // the first vCPU; the others exist, idle of network work.
        let c = h.costs;
        let vcpu = h.vcpu_of(vm, 0, queues);
        for q in 1..queues {
            h.vcpu_of(vm, q, queues);
        }
        let host_rx_ring = h.host_rx_ring(nic, 0);
        let regs = h.profile.e1000_exits_per_irq;
        let irq = h.irq_work(
            IrqSource::VirtualIntx,
            &[Part::exits(regs as u64 * c.io_exit_user, regs)],
        );
        let rx_ring = h.ring(RingSpec {
            name: format!("{}.e1000_rx", dev.prefix()),
            slots: h.profile.emulated_ring,
            min_interval_ps: (h.profile.emulated_irq_interval_us * 1e6).round() as u64,
            delay_ps: 0,
            notify: NotifyKind::Interrupt,
            notify_pool: vcpu,
            notify_work: irq,
            consumer: vcpu,
            batch_end_work: Work::of(&[Part::exits(c.io_exit_user, 1)]),
            drop: DropReason::RxRingFull,
            wait: Stage::GuestRingWait,
            wake_ps: 0,
            adaptive: false,
        });
        Ok(vec![VmDev {
            vm,
            nic,
            vcpu,
            rx_ring,
            host_rx_ring: Some(host_rx_ring),
            tx_ring: None,
            dma_rx: None,
            dma_tx: None,
            worker: h.worker(),
        }])
    }
    fn rx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step> {
        let host_rx = vm.host_rx_ring.expect("emulated has a host ring");
        let mut steps = h.wire_in(vm.nic);
        steps.extend([
            h.nic_pipeline(false),
            h.dma_up(vm.nic, None, host_rx),
            h.host_rx(host_rx),
            device_model_rx(h, vm.rx_ring, vm.worker),
            h.guest_rx(vm.rx_ring),
        ]);
        steps
    }
    fn tx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step> {
        let c = h.costs;
        let trap = tx_trap(h);
        let mut steps = vec![
            h.guest_tx(vm.vcpu, &trap),
            h.tx_done(vm.rx_ring),
            h.host_work(
                &[
                    Part::fixed(Stage::SoftSwitch, c.soft_switch, CpuClass::Host).each(Per::Frame),
                    Part::fixed(Stage::HostDriver, c.host_driver, CpuClass::Host).each(Per::Frame),
                ],
                vm.worker,
            ),
            h.dma_down(vm.nic, None),
            h.nic_pipeline(false),
        ];
        steps.extend(h.wire_out(vm.nic));
        steps
    }
    fn vm_to_vm(&self, h: &mut HostBuilder, src: &VmDev, dst: &VmDev) -> Vec<Step> {
        let trap = tx_trap(h);
        vec![
            h.guest_tx(src.vcpu, &trap),
            h.tx_done(src.rx_ring),
            device_model_rx(h, dst.rx_ring, dst.worker),
            h.guest_rx(dst.rx_ring),
        ]
    }
}
