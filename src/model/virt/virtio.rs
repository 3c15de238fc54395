//! `virtio`: a paravirtual NIC (virtio-net) with a host backend (vhost).
//!
//! The host owns the physical NIC: its driver takes frames from the host's
//! receive ring (one per NIC, shared by every VM) on the hypervisor I/O
//! cores and hands each to the backend, which takes a free guest buffer (or
//! drops the frame), copies it into the guest's receive virtqueue and
//! notifies the guest. Notifications are suppressed in both directions while
//! the other side is already working (the event-index mechanism): the guest
//! gets an interrupt only when its driver is idle, and kicks the backend (an
//! exit, X8) only when the backend is idle; the kick wakes vhost inside the
//! exit (N4), which runs after its thread's wake-up (`kick_wakeup_ns`). The
//! guest's interrupt is a virtual MSI: without APICv it costs an injection
//! IPI exit and an EOI exit (X7, X6), with APICv none
//! ([`crate::model::host::HostBuilder::irq_work`]). Every VM's backend shares
//! the I/O cores. VM-to-VM traffic
//! is copied by the backend through the host's software switch, never
//! touching the NIC.

use super::{Capabilities, Device, PathModel};
use crate::metrics::{DropReason, Stage};
use crate::model::config::IoPath;
use crate::model::error::BuildError;
use crate::model::host::{HostBuilder, IrqSource, VmDev};
use crate::model::pipeline::{CpuClass, NotifyKind, Part, Per, RingSpec, Step, StepKind, Work};

/// The virtio path.
pub struct Virtio;

/// vhost takes a frame, or with HOST_TSO4 (`tso`) a whole burst, from the
/// guest's transmit queue, copies it and hands it to tap and the bridge
/// unsegmented; with `to_nic` the host driver queues it on the physical NIC,
/// which cuts it (T2.15).
fn backend_tx(h: &mut HostBuilder, vm: &VmDev, to_nic: bool) -> Step {
    let c = h.costs;
    let per = if h.offloads.tso {
        Per::Packet
    } else {
        Per::Frame
    };
    let mut parts = vec![
        Part::fixed(Stage::Backend, c.vhost, CpuClass::Host).each(per),
        h.host_copy(Stage::Backend),
        Part::fixed(Stage::SoftSwitch, c.soft_switch, CpuClass::Host).each(per),
    ];
    if to_nic {
        parts.push(Part::fixed(Stage::HostDriver, c.host_driver, CpuClass::Host).each(per));
    }
    Step {
        kind: StepKind::Ring(vm.tx_ring.expect("virtio has a TX queue")),
        work: Work::of(&parts),
        fills: None,
    }
}

/// vhost (VM `vm`'s worker) copies a frame into the guest's receive
/// virtqueue — with GRO in the host and GUEST_TSO4, a whole burst merged
/// into one packet (T2.15): it takes free guest buffers first, and without
/// them drops the frame before the copy (`vring_full`).
fn backend_rx(h: &mut HostBuilder, vm: &VmDev) -> Step {
    let c = h.costs;
    let copy = h.host_copy(Stage::Backend);
    h.host_work(
        &[
            Part::fixed(Stage::Backend, c.vhost, CpuClass::Host).each(merged(h)),
            copy,
        ],
        vm.worker,
    )
    .filling(vm.rx_ring)
}

/// How a received burst reaches the guest: merged into one packet when the
/// host runs GRO (and the guest takes large buffers), else frame by frame.
fn merged(h: &HostBuilder) -> Per {
    if h.offloads.gro {
        Per::Packet
    } else {
        Per::Frame
    }
}

impl PathModel for Virtio {
    fn path(&self) -> IoPath {
        IoPath::Virtio
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
        // virtio-net multi-queue: a receive and a transmit virtqueue per
        // vCPU, each pair with its own vhost worker.
        let c = h.costs;
        let hv = h.hv_io();
        let host_rx_ring = h.host_rx_ring(nic, 0);
        let ring = h.profile.virtio_ring;
        let mut out = Vec::new();
        for q in 0..queues.max(1) {
            let vcpu = h.vcpu_of(vm, q, queues);
            let guest_irq = h.irq_work(IrqSource::VirtualMsi, &[]);
            let suffix = if queues > 1 {
                q.to_string()
            } else {
                String::new()
            };
            let rx_ring = h.ring(RingSpec {
                name: format!("{}.virtio_rx{suffix}", dev.prefix()),
                slots: ring,
                min_interval_ps: 0,
                delay_ps: 0,
                notify: NotifyKind::Interrupt,
                notify_pool: vcpu,
                notify_work: guest_irq,
                consumer: vcpu,
                batch_end_work: Work::none(),
                drop: DropReason::VringFull,
                wait: Stage::GuestRingWait,
                wake_ps: 0,
                adaptive: false,
            });
            let tx_ring = h.ring(RingSpec {
                name: format!("{}.virtio_tx{suffix}", dev.prefix()),
                slots: ring,
                min_interval_ps: 0,
                delay_ps: 0,
                notify: NotifyKind::Kick,
                notify_pool: vcpu,
                notify_work: Work::of(&[Part::exits(c.kick, 1)]),
                consumer: hv,
                batch_end_work: Work::none(),
                drop: DropReason::VringFull,
                wait: Stage::TxQueueWait,
                wake_ps: c.kick_wakeup,
                adaptive: false,
            });
            out.push(VmDev {
                vm,
                nic,
                vcpu,
                rx_ring,
                host_rx_ring: Some(host_rx_ring),
                tx_ring: Some(tx_ring),
                dma_rx: None,
                dma_tx: None,
                worker: h.worker(),
            });
        }
        Ok(out)
    }
    fn rx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step> {
        let host_rx = vm.host_rx_ring.expect("virtio has a host ring");
        let mut steps = h.wire_in(vm.nic);
        steps.extend([
            h.nic_pipeline(false),
            h.dma_up(vm.nic, None, host_rx),
            h.host_rx(host_rx),
            backend_rx(h, vm),
            h.guest_rx_by(vm.rx_ring, merged(h)),
        ]);
        steps
    }
    fn tx(&self, h: &mut HostBuilder, vm: &VmDev) -> Vec<Step> {
        let mut steps = vec![
            h.guest_tx(vm.vcpu, &[]),
            backend_tx(h, vm, true),
            h.dma_down(vm.nic, None),
            h.nic_pipeline(false),
        ];
        steps.extend(h.wire_out(vm.nic));
        steps
    }
    fn vm_to_vm(&self, h: &mut HostBuilder, src: &VmDev, dst: &VmDev) -> Vec<Step> {
        vec![
            h.guest_tx(src.vcpu, &[]),
            backend_tx(h, src, false),
            backend_rx(h, dst),
            h.guest_rx_by(dst.rx_ring, merged(h)),
        ]
    }
}
