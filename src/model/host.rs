//! Assembling a host: the physical NICs, the CPU pools, the rings, the IOMMU,
//! and per-VM devices — the parts the I/O paths ([`super::virt`]) wire into
//! routes.

use super::config::{HostConfig, IoPath, Offloads, Stages};
use super::error::BuildError;
use super::hw::iommu::DmaRegion;
use super::hw::{Iotlb, Link, Overhead};
use super::pipeline::{
    CpuClass, DmaDevId, LinkId, NotifyKind, OrderId, Part, Per, PoolId, RingId, RingSpec, Step,
    StepKind, Work,
};
use super::profile::{InterruptDelivery, IrqModeration, Profile};
use crate::metrics::{DropReason, Stage};
use crate::sim::{BitsPerSec, SimDuration};

/// Where an interrupt comes from: with the profile's [`InterruptDelivery`],
/// it decides the exits the interrupt costs ([`HostBuilder::irq_work`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IrqSource {
    /// The host's own NIC, handled by the host OS (emulated and virtio paths).
    HostNic,
    /// A NIC queue owned by a bare-metal OS.
    BareMetal,
    /// An edge-triggered MSI-X of a device assigned to the guest (a VF, a
    /// passed-through NIC).
    AssignedMsi,
    /// An edge-triggered virtual MSI raised by a host backend (virtio-net,
    /// through vhost's irqfd).
    VirtualMsi,
    /// A level-triggered INTx raised by a device model through the virtual
    /// IOAPIC (the emulated e1000).
    VirtualIntx,
}

/// A profile's costs converted to picoseconds once, at build time.
#[derive(Clone, Copy, Debug)]
pub struct Costs {
    /// VM exit and re-entry \[ps\] (X1/X2).
    pub exit: u64,
    /// User-space I/O exit \[ps\] (X4).
    pub io_exit_user: u64,
    /// EOI exit \[ps\] (X6).
    pub eoi_exit: u64,
    /// Virtual interrupt injection by IPI \[ps\] (X7).
    pub inject: u64,
    /// virtio kick \[ps\] (X8).
    pub kick: u64,
    /// Device-model descriptor emulation per packet \[ps\].
    pub device_model: u64,
    /// Host software switching per packet \[ps\].
    pub soft_switch: u64,
    /// vhost per packet \[ps\].
    pub vhost: u64,
    /// Copy cost \[fs per byte\].
    pub copy_fs_per_byte: u64,
    /// Software checksum \[fs per byte\].
    pub csum_fs_per_byte: u64,
    /// Software segmentation per segment \[ps\].
    pub gso_segment: u64,
    /// Host NIC driver per frame \[ps\].
    pub host_driver: u64,
    /// Host interrupt handler \[ps\].
    pub host_irq: u64,
    /// Guest interrupt handler \[ps\].
    pub guest_irq: u64,
    /// Guest NIC driver per driver unit (a frame, or a burst with TSO or GRO) \[ps\].
    pub guest_driver: u64,
    /// Guest stack per packet it sees (a frame, or a merged or TSO burst) \[ps\].
    pub guest_stack: u64,
    /// Application per send or receive call \[ps\].
    pub app: u64,
    /// Exit-free doorbell \[ps\].
    pub doorbell: u64,
    /// From a virtio kick to the backend running \[ps\].
    pub kick_wakeup: u64,
    /// NIC pipeline \[ps\].
    pub nic_pipeline: u64,
    /// Embedded switch lookup \[ps\].
    pub eswitch: u64,
    /// External switch hop \[ps\].
    pub tor: u64,
    /// Propagation along each wire \[ps\].
    pub propagation: u64,
    /// How interrupts reach a running vCPU.
    pub irq: InterruptDelivery,
}

impl Costs {
    /// Converts a profile.
    pub fn from_profile(p: &Profile) -> Costs {
        let c = |cycles: u32| p.cycles_ps(cycles as u64);
        let ns = |n: u32| n as u64 * 1000;
        Costs {
            exit: c(p.exit_cycles),
            io_exit_user: c(p.io_exit_user_cycles),
            eoi_exit: c(p.eoi_exit_cycles),
            inject: c(p.inject_cycles),
            kick: c(p.kick_cycles),
            device_model: c(p.device_model_cycles),
            soft_switch: c(p.soft_switch_cycles),
            vhost: c(p.vhost_cycles),
            copy_fs_per_byte: p.copy_millicycles_per_byte as u64 * 1_000_000
                / p.cpu_mhz.max(1) as u64,
            csum_fs_per_byte: p.csum_millicycles_per_byte as u64 * 1_000_000
                / p.cpu_mhz.max(1) as u64,
            gso_segment: c(p.gso_segment_cycles),
            host_driver: c(p.host_driver_cycles),
            host_irq: c(p.host_irq_cycles),
            guest_irq: c(p.guest_irq_cycles),
            guest_driver: c(p.guest_driver_cycles),
            guest_stack: c(p.guest_stack_cycles),
            app: c(p.app_cycles),
            doorbell: ns(p.doorbell_ns),
            kick_wakeup: ns(p.kick_wakeup_ns),
            nic_pipeline: ns(p.nic_pipeline_ns),
            eswitch: ns(p.eswitch_ns),
            tor: ns(p.tor_latency_ns),
            propagation: ns(p.wire_propagation_ns),
            irq: p.interrupt_delivery,
        }
    }
}

/// The links of one physical NIC.
#[derive(Clone, Copy, Debug)]
pub struct NicParts {
    /// Wire, remote → NIC.
    pub wire_in: LinkId,
    /// Wire, NIC → remote.
    pub wire_out: LinkId,
    /// The first of the `wire_hops − 1` links in front of `wire_in`, the
    /// farthest first (consecutive ids).
    pub hops_in: LinkId,
    /// The first of the `wire_hops − 1` links after `wire_out`, the nearest
    /// first (consecutive ids).
    pub hops_out: LinkId,
    /// PCIe, device → host memory (receive DMA writes).
    pub pcie_up: LinkId,
    /// PCIe, host memory → device (transmit DMA reads).
    pub pcie_down: LinkId,
}

/// A CPU pool's static description.
#[derive(Clone, Debug)]
pub struct PoolSpec {
    /// Name in resource reports.
    pub name: String,
    /// Cores.
    pub servers: u32,
    /// Jobs that may wait (for Serve steps; ring work is not counted).
    pub room: usize,
    /// An operating system's CPU (a vCPU, a bare-metal core): interrupts
    /// and the softirq polling after them preempt its task work (Linux runs
    /// hardirq and softirq ahead of any task). The hypervisor's I/O cores
    /// run kernel threads and are served in order.
    pub preemptible: bool,
}

/// What one VM's device is made of on the chosen path.
#[derive(Clone, Copy, Debug)]
pub struct VmDev {
    /// VM index.
    pub vm: u32,
    /// The NIC it reaches.
    pub nic: usize,
    /// Its vCPU (bare metal: the core its application runs on).
    pub vcpu: PoolId,
    /// The receive ring its driver consumes (VF, NIC, virtio or emulated).
    pub rx_ring: RingId,
    /// The host-owned NIC receive ring that feeds it (emulated, virtio).
    pub host_rx_ring: Option<RingId>,
    /// The transmit queue the backend consumes (virtio).
    pub tx_ring: Option<RingId>,
    /// Its receive buffers behind the IOMMU (VF, passthrough).
    pub dma_rx: Option<DmaDevId>,
    /// Its transmit buffers behind the IOMMU (VF, passthrough).
    pub dma_tx: Option<DmaDevId>,
    /// Its host worker (vhost or device-model thread; emulated, virtio).
    pub worker: OrderId,
}

/// A host under construction, then handed to the event loop.
#[derive(Debug)]
pub struct HostBuilder {
    /// The profile's costs in ps.
    pub costs: Costs,
    /// The profile.
    pub profile: Profile,
    /// Offloads every device on the host uses.
    pub offloads: Offloads,
    /// Links.
    pub links: Vec<Link>,
    /// CPU pools.
    pub pools: Vec<PoolSpec>,
    /// Rings.
    pub rings: Vec<RingSpec>,
    /// DMA regions behind the IOMMU.
    pub dma: Vec<DmaRegion>,
    /// The host's IOTLB.
    pub iotlb: Iotlb,
    /// Physical NICs.
    pub nics: Vec<NicParts>,
    hv_io: Option<PoolId>,
    /// vCPUs made so far, by (VM, vCPU index): every device of a VM
    /// interrupts and runs on the same vCPUs.
    vcpus: std::collections::BTreeMap<(u32, u32), PoolId>,
    /// Each NIC's host-owned receive rings (one per host queue), made on
    /// first use.
    host_rx: Vec<Vec<Option<RingId>>>,
    /// In-order workers made.
    pub workers: OrderId,
    /// Routes made now turn at the top-of-rack switch, to or from another
    /// host of the rack: [`HostBuilder::wire_in`] and
    /// [`HostBuilder::wire_out`] leave out the hops beyond it.
    pub within_rack: bool,
}

fn us_to_ps(us: f64) -> u64 {
    (us * 1e6).round() as u64
}

impl HostBuilder {
    /// An empty host for `cfg`'s profile with `nics` physical NICs.
    pub fn new(cfg: &HostConfig, nics: usize) -> Result<Self, BuildError> {
        let p = &cfg.profile;
        let bad = |key: &'static str, allowed: &str| BuildError::BadProfile {
            key,
            allowed: allowed.to_string(),
        };
        let link_rate = BitsPerSec::from_gbps(p.link_gbps)
            .ok_or_else(|| bad("link_gbps", "a positive rate in whole bit/s"))?;
        let lane = p.pcie_lane_gbps().ok_or_else(|| bad("pcie_gen", "1..=5"))?;
        let pcie_rate = BitsPerSec::new((lane * 1e9 * p.pcie_lanes as f64).round() as u64)
            .ok_or_else(|| bad("pcie_lanes", "1, 2, 4, 8 or 16"))?;
        if p.cpu_mhz == 0 {
            return Err(bad("cpu_mhz", "1..=10000"));
        }
        if p.hv_io_cores == 0 {
            return Err(bad("hv_io_cores", "1..=64"));
        }
        if !p.iommu_page_kib.is_power_of_two() {
            return Err(bad("iommu_page_kib", "4, 2048 or 1048576"));
        }
        if p.iotlb_entries == 0 {
            return Err(bad("iotlb_entries", "1..=65536"));
        }
        let pcie = Overhead::Pcie {
            mps: p.pcie_mps_bytes.max(1),
            tlp_overhead: p.pcie_tlp_overhead_bytes,
            desc: p.pcie_desc_bytes,
        };
        let mut b = HostBuilder {
            costs: Costs::from_profile(p),
            profile: p.clone(),
            offloads: cfg.offloads,
            links: Vec::new(),
            pools: Vec::new(),
            rings: Vec::new(),
            dma: Vec::new(),
            iotlb: Iotlb::new(
                p.iotlb_entries as usize,
                p.iommu_page_kib as u64 * 1024,
                SimDuration::from_ns(p.iotlb_hit_ns as u64),
                SimDuration::from_ns(p.iotlb_miss_ns as u64),
            ),
            nics: Vec::new(),
            hv_io: None,
            vcpus: Default::default(),
            host_rx: vec![vec![None; p.hv_io_cores as usize]; nics],
            workers: 0,
            within_rack: false,
        };
        if p.wire_hops == 0 {
            return Err(bad("wire_hops", "1..=64"));
        }
        let wire = Overhead::Wire {
            framing: p.wire_framing_bytes,
        };
        let extra_hops = p.wire_hops - 1;
        for n in 0..nics {
            let mut link = |name: &str, rate, o, room: u32| {
                b.links
                    .push(Link::new(format!("nic{n}.{name}"), rate, o, room as usize));
                (b.links.len() - 1) as LinkId
            };
            let parts = NicParts {
                wire_in: link("wire_in", link_rate, wire, p.switch_buffer_frames),
                wire_out: link(
                    "wire_out",
                    link_rate,
                    wire,
                    p.nic_ring.saturating_add(p.qdisc_frames),
                ),
                pcie_up: link("pcie_up", pcie_rate, pcie, p.nic_ring),
                pcie_down: link("pcie_down", pcie_rate, pcie, p.nic_ring),
                // Hops are named by their distance from the NIC (hop1 is
                // next to its wire) and made in the order packets cross
                // them: each direction's are consecutive from the first.
                hops_in: (1..=extra_hops)
                    .rev()
                    .map(|k| {
                        link(
                            &format!("hop{k}_in"),
                            link_rate,
                            wire,
                            p.switch_buffer_frames,
                        )
                    })
                    .reduce(|first, _| first)
                    .unwrap_or(0),
                hops_out: (1..=extra_hops)
                    .map(|k| {
                        link(
                            &format!("hop{k}_out"),
                            link_rate,
                            wire,
                            p.switch_buffer_frames,
                        )
                    })
                    .reduce(|first, _| first)
                    .unwrap_or(0),
            };
            b.nics.push(parts);
        }
        Ok(b)
    }

    /// The network's limit on one direction of one flow (`flow_limit_mbps`,
    /// EC2's per-flow cap), as a link of its own that the flow's packets
    /// cross before the wire (received) or after it (sent), holding what
    /// the switch buffers; `None` without a limit (0). `name` names it in
    /// the resource reports. Flows between two VMs of the host and
    /// addressed (VPC) flows get none: see the profile key's docs.
    pub fn flow_limit(&mut self, name: String) -> Option<Step> {
        let mbps = self.profile.flow_limit_mbps;
        if mbps == 0 {
            return None;
        }
        // Exact in integers: a value in Gb/s through f64 can have a fraction
        // (1001 Mb/s) that `from_gbps` refuses.
        let rate = BitsPerSec::new(mbps as u64 * 1_000_000)?;
        self.links.push(Link::new(
            name,
            rate,
            Overhead::Ip,
            self.profile.switch_buffer_frames as usize,
        ));
        Some(link_step(
            (self.links.len() - 1) as LinkId,
            Stage::Wire,
            DropReason::FlowLimitQueueFull,
        ))
    }

    /// Adds a CPU pool.
    pub fn pool(&mut self, name: String, servers: u32, room: u32) -> PoolId {
        self.pools.push(PoolSpec {
            name,
            servers,
            room: room as usize,
            preemptible: false,
        });
        (self.pools.len() - 1) as PoolId
    }

    /// Adds an operating system's CPU (see [`PoolSpec::preemptible`]).
    fn os_cpu(&mut self, name: String, room: u32) -> PoolId {
        let id = self.pool(name, 1, room);
        self.pools[id as usize].preemptible = true;
        id
    }

    /// The hypervisor's I/O cores, shared by every VM (made on first use).
    pub fn hv_io(&mut self) -> PoolId {
        if let Some(id) = self.hv_io {
            return id;
        }
        let (n, room) = (self.profile.hv_io_cores, self.profile.hv_backlog);
        let id = self.pool("hv_io_cores".into(), n, room);
        self.hv_io = Some(id);
        id
    }

    /// Receive queue `q` of NIC `nic`, owned by the host's driver (emulated
    /// and virtio paths) and shared by every VM behind that NIC: the host
    /// NIC sorts frames by a hash of their addresses and ports (RSS), not by
    /// VM, so a flood fills the descriptors of whatever shares its queues.
    /// Polled by one I/O core at a time (NAPI), interrupts moderated by the
    /// NIC's throttling; made on first use.
    pub fn host_rx_ring(&mut self, nic: usize, q: usize) -> RingId {
        if let Some(r) = self.host_rx[nic][q] {
            return r;
        }
        let hv = self.hv_io();
        let work = self.irq_work(IrqSource::HostNic, &[]);
        let slots = self.profile.nic_ring;
        let name = if self.host_rx[nic].len() == 1 {
            format!("nic{nic}.host_rx_ring")
        } else {
            format!("nic{nic}.host_rx_ring{q}")
        };
        let r = self.nic_irq_ring(
            name,
            slots,
            hv,
            work,
            hv,
            Stage::HostRingWait,
            DropReason::HostRxRingFull,
        );
        self.host_rx[nic][q] = Some(r);
        r
    }

    /// A vCPU for VM `vm` (bare metal: a dedicated core).
    fn vcpu(&mut self, vm: u32) -> PoolId {
        let room = self.profile.socket_backlog;
        self.os_cpu(format!("vm{vm}.vcpu"), room)
    }

    /// vCPU `i` of VM `vm`'s `n` (named `vm<vm>.vcpu` when it has one),
    /// made on first use.
    pub fn vcpu_of(&mut self, vm: u32, i: u32, n: u32) -> PoolId {
        if let Some(&id) = self.vcpus.get(&(vm, i)) {
            return id;
        }
        let id = if n == 1 {
            self.vcpu(vm)
        } else {
            let room = self.profile.socket_backlog;
            self.os_cpu(format!("vm{vm}.vcpu{i}"), room)
        };
        self.vcpus.insert((vm, i), id);
        id
    }

    /// The host's receive queues per NIC (emulated, virtio): one per I/O
    /// core, each polled by one core at a time, flows spread over them by
    /// RSS ([`super::rss`]).
    pub fn host_queues(&self) -> usize {
        self.profile.hv_io_cores as usize
    }

    /// Adds a ring.
    pub fn ring(&mut self, spec: RingSpec) -> RingId {
        self.rings.push(spec);
        (self.rings.len() - 1) as RingId
    }

    /// A DMA region of `slots` receive buffers behind the IOMMU.
    pub fn dma_region(&mut self, slots: u32) -> DmaDevId {
        let idx = self.dma.len() as u64;
        self.dma.push(DmaRegion::new(
            idx,
            self.profile.rx_buffer_bytes.max(1) as u64,
            slots as u64,
        ));
        (self.dma.len() - 1) as DmaDevId
    }

    /// A NIC interrupt ring (moderated by the NIC's throttling) whose
    /// packets wait in stage `wait` and overflow with `drop`.
    #[allow(clippy::too_many_arguments)]
    pub fn nic_irq_ring(
        &mut self,
        name: String,
        slots: u32,
        notify_pool: PoolId,
        notify_work: Work,
        consumer: PoolId,
        wait: Stage,
        drop: DropReason,
    ) -> RingId {
        let p = &self.profile;
        let spec = RingSpec {
            name,
            slots,
            min_interval_ps: us_to_ps(p.nic_irq_interval_us),
            delay_ps: us_to_ps(p.nic_irq_delay_us),
            notify: NotifyKind::Interrupt,
            notify_pool,
            notify_work,
            consumer,
            batch_end_work: Work::none(),
            drop,
            wait,
            wake_ps: 0,
            adaptive: p.irq_moderation == IrqModeration::Adaptive,
        };
        self.ring(spec)
    }

    /// The work of one interrupt from `src`, from its raising to the end of
    /// its handler, with `extra` parts after the handler's entry (an
    /// e1000's register exits). The one place that decides delivery: the
    /// trigger mode of the source, and the profile's
    /// [`InterruptDelivery`]:
    ///
    /// | source | `injected` | `apicv` | `posted` |
    /// |---|---|---|---|
    /// | host NIC, bare metal | handler | handler | handler |
    /// | assigned device, MSI (VF, passthrough) | exit (X1) + EOI exit (X6) | exit (X1) | — |
    /// | backend, virtual MSI (virtio) | injection IPI exit (X7) + EOI exit (X6) | — | — |
    /// | device model, level-triggered INTx (e1000) | injection IPI exit (X7) + EOI exit (X6) | EOI exit (X6) | EOI exit (X6) |
    ///
    /// Every row ends with the handler (host or guest). Under APICv KVM
    /// still intercepts the EOI of a vector the virtual IOAPIC delivers
    /// level-triggered, to re-evaluate the line (N3), so an emulated e1000
    /// keeps its EOI exit whatever the hardware offers.
    pub fn irq_work(&self, src: IrqSource, extra: &[Part]) -> Work {
        let c = &self.costs;
        let handler = match src {
            IrqSource::HostNic => Part::fixed(Stage::HostIrq, c.host_irq, CpuClass::Host),
            _ => Part::fixed(Stage::GuestIrq, c.guest_irq, CpuClass::Guest),
        };
        let (ps, exits) = match (src, c.irq) {
            (IrqSource::HostNic | IrqSource::BareMetal, _) => (0, 0),
            (IrqSource::AssignedMsi, InterruptDelivery::Injected) => (c.exit + c.eoi_exit, 2),
            (IrqSource::AssignedMsi, InterruptDelivery::Apicv) => (c.exit, 1),
            (IrqSource::AssignedMsi, InterruptDelivery::Posted) => (0, 0),
            (IrqSource::VirtualMsi, InterruptDelivery::Injected) => (c.inject + c.eoi_exit, 2),
            (IrqSource::VirtualMsi, _) => (0, 0),
            (IrqSource::VirtualIntx, InterruptDelivery::Injected) => (c.inject + c.eoi_exit, 2),
            (IrqSource::VirtualIntx, _) => (c.eoi_exit, 1),
        };
        let mut parts = vec![Part::exits(ps, exits)];
        parts.extend_from_slice(extra);
        parts.push(handler);
        Work::of(&parts)
    }

    // ---- steps shared by several paths ----

    /// Arrival from the wire: the hops in front of it (`wire_hops`), then
    /// the switch port's queue and the wire into the NIC, each link followed
    /// by its propagation delay (`wire_propagation_ns`, if any), all charged
    /// to [`Stage::Wire`]. Within a rack ([`HostBuilder::within_rack`]):
    /// the switch port's queue and the wire alone.
    pub fn wire_in(&self, nic: usize) -> Vec<Step> {
        if self.within_rack {
            return self.nic_wire_in(nic);
        }
        let n = &self.nics[nic];
        self.hops(n.hops_in)
            .chain(self.wire(n.wire_in, DropReason::WireQueueFull))
            .collect()
    }
    /// Departure onto the wire, then through the hops beyond it (see
    /// [`HostBuilder::wire_in`]); a full transmit queue drops with
    /// [`DropReason::TxRingFull`], a full hop's with
    /// [`DropReason::WireQueueFull`].
    pub fn wire_out(&self, nic: usize) -> Vec<Step> {
        if self.within_rack {
            return self.nic_wire_out(nic);
        }
        let n = &self.nics[nic];
        self.wire(n.wire_out, DropReason::TxRingFull)
            .chain(self.hops(n.hops_out))
            .collect()
    }
    /// The NIC's own wire in (the switch port's queue toward it), without
    /// the hops in front of it: for traffic that turns at the top-of-rack
    /// switch.
    pub fn nic_wire_in(&self, nic: usize) -> Vec<Step> {
        self.wire(self.nics[nic].wire_in, DropReason::WireQueueFull)
            .collect()
    }
    /// The NIC's own wire out, without the hops beyond it.
    pub fn nic_wire_out(&self, nic: usize) -> Vec<Step> {
        self.wire(self.nics[nic].wire_out, DropReason::TxRingFull)
            .collect()
    }
    /// The `wire_hops − 1` hops from link `first` on, in order.
    fn hops(&self, first: LinkId) -> impl Iterator<Item = Step> + '_ {
        (0..self.profile.wire_hops - 1)
            .flat_map(move |k| self.wire(first + k as LinkId, DropReason::WireQueueFull))
    }
    /// One wire: its link, then its propagation delay if it has one.
    fn wire(&self, link: LinkId, drop: DropReason) -> impl Iterator<Item = Step> {
        let propagation = (self.costs.propagation > 0).then(|| {
            delay(&[Part::fixed(
                Stage::Wire,
                self.costs.propagation,
                CpuClass::Hardware,
            )])
        });
        std::iter::once(link_step(link, Stage::Wire, drop)).chain(propagation)
    }
    /// Receive DMA into buffers of `region` (behind the IOMMU if `Some`),
    /// whose descriptors are `ring`'s: the NIC takes a free descriptor
    /// before it starts the DMA, and drops the frame without one.
    pub fn dma_up(&self, nic: usize, region: Option<DmaDevId>, ring: RingId) -> Step {
        dma_step(self.nics[nic].pcie_up, region).filling(ring)
    }
    /// Transmit DMA from buffers of `region` (behind the IOMMU if `Some`).
    pub fn dma_down(&self, nic: usize, region: Option<DmaDevId>) -> Step {
        dma_step(self.nics[nic].pcie_down, region)
    }
    /// The NIC's pipeline, plus the embedded switch's lookup when `eswitch`.
    pub fn nic_pipeline(&self, eswitch: bool) -> Step {
        let c = &self.costs;
        let ps = c.nic_pipeline + if eswitch { c.eswitch } else { 0 };
        delay(&[Part::fixed(Stage::Nic, ps, CpuClass::Hardware)])
    }
    /// An exit-free MMIO doorbell.
    pub fn doorbell(&self) -> Step {
        delay(&[Part::fixed(
            Stage::Doorbell,
            self.costs.doorbell,
            CpuClass::Hardware,
        )])
    }
    /// A transmit-completion interrupt raised on `ring`'s vector (moderated
    /// with it); the packet goes on at once.
    pub fn tx_done(&self, ring: RingId) -> Step {
        Step {
            kind: StepKind::Signal(ring),
            work: Work::none(),
            fills: None,
        }
    }
    /// Guest driver, stack and application receiving from `ring`.
    pub fn guest_rx(&self, ring: RingId) -> Step {
        self.guest_rx_by(ring, Per::Frame)
    }

    /// As [`HostBuilder::guest_rx`], with the driver's work counted per
    /// `driver` unit: per frame when the device hands it frames, per packet
    /// when it hands it bursts already merged (virtio from a host that ran
    /// GRO).
    ///
    /// The receive side (T1.1–T1.4, T1.9): the driver works per descriptor;
    /// GRO merges a burst's frames so the stack above works once per packet
    /// (without GRO, once per frame); without checksum offload the stack sums
    /// every payload byte; the application makes one receive call per packet
    /// of data and copies its payload to user space.
    pub fn guest_rx_by(&self, ring: RingId, driver: Per) -> Step {
        let c = &self.costs;
        let o = &self.offloads;
        let g = CpuClass::Guest;
        let stack = if o.gro { Per::Packet } else { Per::Frame };
        Step {
            kind: StepKind::Ring(ring),
            work: Work::of(&[
                Part::fixed(Stage::GuestDriver, c.guest_driver, g).each(driver),
                Part::fixed(Stage::GuestStack, c.guest_stack, g).each(stack),
                Part::fixed(Stage::GuestStack, self.csum_fs(), g).each(Per::PayloadByte),
                Part::fixed(Stage::App, c.app, g).each(Per::RecvCall),
                Part::fixed(Stage::App, c.copy_fs_per_byte, g).each(Per::PayloadByte),
            ]),
            fills: None,
        }
    }

    /// The software checksum per payload byte the stack pays \[fs/B\]: none
    /// with checksum offload.
    fn csum_fs(&self) -> u64 {
        if self.offloads.csum {
            0
        } else {
            self.costs.csum_fs_per_byte
        }
    }

    /// Application, stack and driver sending on `vcpu`, plus `extra` parts
    /// (exits and device emulation that run on the vCPU).
    ///
    /// The transmit side: the application's send calls and the copy of its
    /// payload from user space; the stack once per burst with TSO or GSO,
    /// else once per segment; without checksum offload, a software sum of
    /// every payload byte; with GSO but not TSO, each segment cut out in
    /// software before the driver; the driver once per burst with TSO (the
    /// device cuts it), else once per frame.
    pub fn guest_tx(&self, vcpu: PoolId, extra: &[Part]) -> Step {
        let c = &self.costs;
        let o = &self.offloads;
        let g = CpuClass::Guest;
        let stack = if o.bursts() { Per::Packet } else { Per::Frame };
        let driver = if o.tso { Per::Packet } else { Per::Frame };
        let gso = if o.gso && !o.tso { c.gso_segment } else { 0 };
        let mut parts = vec![
            Part::fixed(Stage::App, c.app, g).each(Per::SendCall),
            Part::fixed(Stage::App, c.copy_fs_per_byte, g).each(Per::PayloadByte),
            Part::fixed(Stage::GuestStack, c.guest_stack, g).each(stack),
            Part::fixed(Stage::GuestStack, self.csum_fs(), g).each(Per::PayloadByte),
            Part::fixed(Stage::GuestStack, gso, g).each(Per::Frame),
            Part::fixed(Stage::GuestDriver, c.guest_driver, g).each(driver),
        ];
        parts.extend_from_slice(extra);
        serve_step(vcpu, Stage::VcpuWait, DropReason::SocketBacklogFull, &parts)
    }
    /// Host work on the hypervisor I/O cores (queueing for them is
    /// [`Stage::HvWait`]) by VM worker `order` (its vhost or device-model
    /// thread: jobs leave it in the order they came).
    pub fn host_work(&mut self, parts: &[Part], order: OrderId) -> Step {
        let pool = self.hv_io();
        let mut s = serve_step(pool, Stage::HvWait, DropReason::HvBacklogFull, parts);
        if let StepKind::Serve { order: o, .. } = &mut s.kind {
            *o = Some(order);
        }
        s
    }

    /// A new in-order worker.
    pub fn worker(&mut self) -> OrderId {
        self.workers += 1;
        self.workers - 1
    }
    /// The host NIC driver consuming host ring `ring`.
    pub fn host_rx(&self, ring: RingId) -> Step {
        Step {
            kind: StepKind::Ring(ring),
            work: Work::of(&[Part::fixed(
                Stage::HostDriver,
                self.costs.host_driver,
                CpuClass::Host,
            )
            .each(Per::Frame)]),
            fills: None,
        }
    }
    /// A copy of the frame by the host \[per-byte part\].
    pub fn host_copy(&self, stage: Stage) -> Part {
        Part::per_byte(stage, self.costs.copy_fs_per_byte, CpuClass::Host)
    }
}

/// A step on a link.
pub fn link_step(link: LinkId, stage: Stage, drop: DropReason) -> Step {
    Step {
        kind: StepKind::Link { link, stage, drop },
        work: Work::none(),
        fills: None,
    }
}

/// A DMA step on PCIe link `link`.
pub fn dma_step(link: LinkId, region: Option<DmaDevId>) -> Step {
    Step {
        kind: StepKind::Dma { link, region },
        work: Work::none(),
        fills: None,
    }
}

/// Work `parts` on CPU pool `pool`, waiting in stage `wait`, dropped with
/// `drop` when the pool's waiting room is full.
pub fn serve_step(pool: PoolId, wait: Stage, drop: DropReason, parts: &[Part]) -> Step {
    Step {
        kind: StepKind::Serve {
            pool,
            wait,
            drop,
            order: None,
        },
        work: Work::of(parts),
        fills: None,
    }
}

/// A pure delay made of `parts`.
pub fn delay(parts: &[Part]) -> Step {
    Step {
        kind: StepKind::Delay,
        work: Work::of(parts),
        fills: None,
    }
}

/// How many NICs a host of `cfg` with `devices` devices needs: one per
/// device under passthrough with `passthrough_nic_per_vm` (a NIC per VM, or
/// per ENI when instances have several), else one.
pub fn nic_count(cfg: &HostConfig, devices: u32) -> usize {
    // A wire-only host has one wire, whatever the path would give its VMs.
    if cfg.stages == Stages::All && cfg.path == IoPath::Passthrough && cfg.passthrough_nic_per_vm {
        devices as usize
    } else {
        1
    }
}
