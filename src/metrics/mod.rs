//! What a run measures, and the plain result records it produces.
//!
//! Recording never allocates: latency histograms have fixed bounds
//! ([`LATENCY_MAX_NS`], 3 significant digits) and counters are arrays indexed
//! by [`DropReason`] and [`Stage`]. The records ([`PathResult`]) are plain data
//! that the report layer turns into tables, JSON and CSV (STYLE.md point 6:
//! models know nothing of output formats). The VPC's records
//! ([`ControlRecord`], [`EniSummary`]) are here too, though the model's VPC
//! runtime (`model::vpc_rt`) fills them: records belong to the layer that
//! defines them, below the layers that fill and print them (the layer table
//! of [`crate`]).

pub mod record;

pub use record::{Recorder, LATENCY_MAX_NS};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a packet was dropped. Names follow ENA's counters where one exists
/// (CALIBRATION.md, "AWS enhanced networking"), otherwise the queue that
/// overflowed, direction first as in Firecracker's metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DropReason {
    /// The upstream switch port's buffer was full (more offered than the link
    /// carries).
    WireQueueFull,
    /// A NIC or VF receive descriptor ring a guest's (or bare-metal OS's)
    /// driver owns was full: the driver fell behind.
    RxRingFull,
    /// The receive ring of the host's own NIC driver (emulated and virtio
    /// paths), shared by every VM behind the NIC, was full: the host fell
    /// behind, and the frame is lost whichever VM it was for.
    HostRxRingFull,
    /// A NIC or VF transmit ring was full: the wire or PCIe fell behind.
    TxRingFull,
    /// A virtio queue was full: the guest or the backend fell behind.
    VringFull,
    /// The hypervisor's backlog (tap queue, device model input) was full:
    /// the hypervisor I/O cores fell behind.
    HvBacklogFull,
    /// The guest's socket or transmit backlog was full: its vCPU fell behind.
    SocketBacklogFull,
    /// The PCIe link's queue was full.
    PcieQueueFull,
    /// The network's per-flow limit (`flow_limit_mbps`: EC2's cap on one
    /// flow) held more of the flow than the switch buffers.
    FlowLimitQueueFull,
    /// The receiving instance's inbound bandwidth allowance was used up
    /// (ENA's `bw_in_allowance_exceeded`).
    BwInAllowanceExceeded,
    /// The sending instance's outbound bandwidth allowance was used up
    /// (ENA's `bw_out_allowance_exceeded`).
    BwOutAllowanceExceeded,
    /// An instance's packet-rate allowance was used up (ENA's
    /// `pps_allowance_exceeded`).
    PpsAllowanceExceeded,
    /// An instance's connection-tracking allowance was used up (ENA's
    /// `conntrack_allowance_exceeded`).
    ConntrackAllowanceExceeded,
    /// No security-group rule of the ENI allows it (G4).
    SgDenied,
    /// The source/destination check: neither from nor to the ENI's own
    /// addresses (G5).
    SrcDstCheck,
    /// For an ENI without a completed attachment to a running instance (M1).
    NoAttachment,
    /// For an address that is moving between ENIs (S2, S3) and not there yet.
    AddressInTransit,
    /// For an address nothing in the VPC owns, or not reachable from where it
    /// was sent.
    NoRoute,
}

impl DropReason {
    /// Every reason, in report order.
    pub const ALL: [DropReason; 18] = [
        DropReason::WireQueueFull,
        DropReason::RxRingFull,
        DropReason::HostRxRingFull,
        DropReason::TxRingFull,
        DropReason::VringFull,
        DropReason::HvBacklogFull,
        DropReason::SocketBacklogFull,
        DropReason::PcieQueueFull,
        DropReason::FlowLimitQueueFull,
        DropReason::BwInAllowanceExceeded,
        DropReason::BwOutAllowanceExceeded,
        DropReason::PpsAllowanceExceeded,
        DropReason::ConntrackAllowanceExceeded,
        DropReason::SgDenied,
        DropReason::SrcDstCheck,
        DropReason::NoAttachment,
        DropReason::AddressInTransit,
        DropReason::NoRoute,
    ];

    /// True for the reasons the VPC data plane decides (as opposed to a
    /// queue of the host overflowing).
    pub fn is_vpc(self) -> bool {
        self as usize >= DropReason::BwInAllowanceExceeded as usize
    }

    /// The reason's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::WireQueueFull => "wire_queue_full",
            DropReason::RxRingFull => "rx_ring_full",
            DropReason::HostRxRingFull => "host_rx_ring_full",
            DropReason::TxRingFull => "tx_ring_full",
            DropReason::VringFull => "vring_full",
            DropReason::HvBacklogFull => "hv_backlog_full",
            DropReason::SocketBacklogFull => "socket_backlog_full",
            DropReason::PcieQueueFull => "pcie_queue_full",
            DropReason::FlowLimitQueueFull => "flow_limit_queue_full",
            DropReason::BwInAllowanceExceeded => "bw_in_allowance_exceeded",
            DropReason::BwOutAllowanceExceeded => "bw_out_allowance_exceeded",
            DropReason::PpsAllowanceExceeded => "pps_allowance_exceeded",
            DropReason::ConntrackAllowanceExceeded => "conntrack_allowance_exceeded",
            DropReason::SgDenied => "sg_denied",
            DropReason::SrcDstCheck => "src_dst_check",
            DropReason::NoAttachment => "no_attachment",
            DropReason::AddressInTransit => "address_in_transit",
            DropReason::NoRoute => "no_route",
        }
    }
}

/// A named part of a packet's journey, for the latency breakdown, declared
/// in the order a received packet meets them (the order of [`Stage::ALL`],
/// which a test keeps equal to the declaration order). A packet's
/// time in every stage it visits adds up to its latency exactly. Queueing is
/// kept apart from work: `*_wait` stages are time spent waiting for a
/// resource or a notification, the others are time spent being worked on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Waiting for, and serialization on, a wire.
    Wire,
    /// The external switch between two NICs (passthrough VM-to-VM).
    ExternalSwitch,
    /// NIC pipeline and embedded-switch classification.
    Nic,
    /// IOMMU address translation (IOTLB hit or page walk) stalling a DMA.
    Iommu,
    /// DMA over PCIe, queueing for the link included.
    Pcie,
    /// Waiting in a host-owned NIC ring: interrupt moderation and the host
    /// driver's backlog.
    HostRingWait,
    /// The host's interrupt handler.
    HostIrq,
    /// The host NIC driver.
    HostDriver,
    /// Waiting for a hypervisor I/O core.
    HvWait,
    /// The hypervisor's device model (emulated path).
    DeviceModel,
    /// The virtio backend and its copy.
    Backend,
    /// Software switching in the host (bridge, tap).
    SoftSwitch,
    /// An exit-free MMIO doorbell.
    Doorbell,
    /// Waiting in a virtio transmit queue for the backend.
    TxQueueWait,
    /// VM exits taken on the packet's behalf (register traps, injection,
    /// EOI, kicks).
    VmExit,
    /// Waiting in a guest-visible ring: interrupt moderation and the driver's
    /// backlog.
    GuestRingWait,
    /// The guest's (or bare-metal OS's) interrupt handler.
    GuestIrq,
    /// Waiting for the guest's vCPU (bare metal: the application's core).
    VcpuWait,
    /// The guest's NIC driver.
    GuestDriver,
    /// The guest's network stack.
    GuestStack,
    /// The application.
    App,
}

/// The seven groups a chart shows the 21 stages in (the stage-by-stage
/// detail is a table), as a reader asks where the time goes: on the wire
/// and in the NIC, in PCIe and the IOMMU, on host CPUs, in exits and
/// interrupt injection, waiting in queues, in the guest's driver and stack,
/// in the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum StageGroup {
    /// Wire, external switch, NIC pipeline.
    WireNic,
    /// DMA over PCIe and IOMMU translation.
    PcieIommu,
    /// The host's interrupt handler and driver, the device model, the
    /// virtio backend, software switching.
    HostCpu,
    /// VM exits and exit-free doorbells.
    Exits,
    /// Every `_wait` stage: rings, hypervisor cores, transmit queues, vCPUs.
    Queueing,
    /// The guest's interrupt handler, driver and network stack.
    Guest,
    /// The application.
    App,
}

impl StageGroup {
    /// Every group, bottom (wire) to top (application).
    pub const ALL: [StageGroup; 7] = [
        StageGroup::WireNic,
        StageGroup::PcieIommu,
        StageGroup::HostCpu,
        StageGroup::Exits,
        StageGroup::Queueing,
        StageGroup::Guest,
        StageGroup::App,
    ];

    /// The group's name in charts.
    pub fn label(self) -> &'static str {
        match self {
            StageGroup::WireNic => "wire and NIC",
            StageGroup::PcieIommu => "PCIe and IOMMU",
            StageGroup::HostCpu => "host CPU",
            StageGroup::Exits => "exits and injection",
            StageGroup::Queueing => "queueing",
            StageGroup::Guest => "guest driver and stack",
            StageGroup::App => "application",
        }
    }
}

impl Stage {
    /// Number of stages.
    pub const COUNT: usize = 21;
    /// Every stage, in the order a received packet meets them.
    pub const ALL: [Stage; Stage::COUNT] = [
        Stage::Wire,
        Stage::ExternalSwitch,
        Stage::Nic,
        Stage::Iommu,
        Stage::Pcie,
        Stage::HostRingWait,
        Stage::HostIrq,
        Stage::HostDriver,
        Stage::HvWait,
        Stage::DeviceModel,
        Stage::Backend,
        Stage::SoftSwitch,
        Stage::Doorbell,
        Stage::TxQueueWait,
        Stage::VmExit,
        Stage::GuestRingWait,
        Stage::GuestIrq,
        Stage::VcpuWait,
        Stage::GuestDriver,
        Stage::GuestStack,
        Stage::App,
    ];

    /// The stage's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Wire => "wire",
            Stage::ExternalSwitch => "external_switch",
            Stage::Nic => "nic",
            Stage::Pcie => "pcie_dma",
            Stage::Iommu => "iommu",
            Stage::HostRingWait => "host_ring_wait",
            Stage::HostIrq => "host_irq",
            Stage::HostDriver => "host_driver",
            Stage::HvWait => "hv_queue_wait",
            Stage::DeviceModel => "device_model",
            Stage::Backend => "virtio_backend",
            Stage::SoftSwitch => "soft_switch",
            Stage::Doorbell => "doorbell",
            Stage::TxQueueWait => "tx_queue_wait",
            Stage::VmExit => "vm_exit",
            Stage::GuestRingWait => "guest_ring_wait",
            Stage::GuestIrq => "guest_irq",
            Stage::VcpuWait => "vcpu_queue_wait",
            Stage::GuestDriver => "guest_driver",
            Stage::GuestStack => "guest_stack",
            Stage::App => "app",
        }
    }

    /// The group the stage belongs to in charts ([`StageGroup`]).
    pub fn group(self) -> StageGroup {
        match self {
            Stage::Wire | Stage::ExternalSwitch | Stage::Nic => StageGroup::WireNic,
            Stage::Iommu | Stage::Pcie => StageGroup::PcieIommu,
            Stage::HostIrq
            | Stage::HostDriver
            | Stage::DeviceModel
            | Stage::Backend
            | Stage::SoftSwitch => StageGroup::HostCpu,
            Stage::Doorbell | Stage::VmExit => StageGroup::Exits,
            Stage::HostRingWait
            | Stage::HvWait
            | Stage::TxQueueWait
            | Stage::GuestRingWait
            | Stage::VcpuWait => StageGroup::Queueing,
            Stage::GuestIrq | Stage::GuestDriver | Stage::GuestStack => StageGroup::Guest,
            Stage::App => StageGroup::App,
        }
    }

    /// Dense index for per-stage arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Latency percentiles \[ns\].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest recorded (whole ns, never below the mean: values are
    /// recorded truncated to ns, the mean is exact).
    pub max: u64,
    /// Exact mean (from picosecond sums, not from the histogram).
    pub mean: f64,
}

/// Mean time per packet in one stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageMean {
    /// Stage name ([`Stage::name`]).
    pub name: String,
    /// Mean over delivered packets \[ns\].
    pub mean_ns: f64,
}

/// A flow's books.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowResult {
    /// Flow name.
    pub name: String,
    /// In a rack: the host of the flow's VM (the sending VM of a
    /// `vm_to_vm` flow or TCP stream between VMs, the client VM of a
    /// request/response flow; for an addressed flow, the host that sends it, from
    /// an instance, or that books the VPC's drops, from beyond the rack:
    /// its packets are taken by whichever host runs their instance); absent
    /// on one host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<u32>,
    /// In a rack, `vm_to_vm` flows, request/response flows from a VM and
    /// TCP streams between VMs: the host of the receiving (server) VM
    /// (`host` for a flow within one host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dst_host: Option<u32>,
    /// In a rack: whether the flow crosses the switch between two hosts,
    /// comes from or goes beyond the rack, or stays on its host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Packets created.
    pub generated: u64,
    /// Packets that reached their end.
    pub delivered: u64,
    /// Packets dropped, all reasons.
    pub dropped: u64,
    /// The flow's drops by reason ([`DropReason::name`]), those that
    /// happened.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dropped_by: BTreeMap<String, u64>,
    /// Packets still travelling when the run stopped.
    pub in_flight: u64,
    /// Round trips completed, in the window or the drain after it
    /// (request/response flows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<u64>,
    /// Requests whose response did not come within the client's timeout
    /// (lost or late; request/response flows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<u64>,
    /// Round-trip latency (request/response flows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtt_ns: Option<LatencySummary>,
    /// Addressed flows: packets the VPC data plane dropped (no attachment,
    /// address in transit, security groups, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost: Option<u64>,
    /// Addressed flows that lost packets in the VPC (`lost` > 0): the
    /// longest time the flow went without a delivery \[µs\] — between two
    /// consecutive deliveries (for a request/response flow: completed round
    /// trips), from its first packet's birth to its first delivery, or, if
    /// the VPC still drops its packets when the traffic window ends, from its
    /// last delivery to the window's end. A failover's outage; for a
    /// constant-rate flow that loses n packets in a row, n + 1 packet
    /// intervals. Absent if the VPC dropped none of its packets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outage_us: Option<f64>,
    /// Open-loop flows: one-way latency of the flow's delivered packets
    /// (2 significant digits; the path's `latency_ns` has 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ns: Option<LatencySummary>,
    /// TCP streams: goodput, segments, ACKs and recovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpResult>,
    /// Addressed flows: packets delivered per time bucket over the whole run
    /// (traffic window and drain), by delivery time — an outage shows as a
    /// run of empty buckets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_series: Option<DeliverySeries>,
}

/// Where a rack's flow runs, by where its two ends sit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Between VMs on two hosts: through the top-of-rack switch.
    #[serde(rename = "east-west")]
    EastWest,
    /// Between a VM and a client beyond the rack (`rx`, `tx`, a
    /// request/response flow with an external client, a TCP stream to or
    /// from beyond the wire).
    #[serde(rename = "north-south")]
    NorthSouth,
    /// Between two VMs of one host: the switch is not crossed.
    #[serde(rename = "local")]
    Local,
}

impl Scope {
    /// Every scope, in report order.
    pub const ALL: [Scope; 3] = [Scope::EastWest, Scope::NorthSouth, Scope::Local];

    /// The scope's name in reports (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            Scope::EastWest => "east-west",
            Scope::NorthSouth => "north-south",
            Scope::Local => "local",
        }
    }

    /// The names of the scope's statistics ([`ScopeLatency`] of a run):
    /// packets delivered, then one-way latency p50, p99, p99.9, max and
    /// mean \[ns\].
    pub fn stat_names(self) -> [&'static str; 6] {
        match self {
            Scope::EastWest => [
                "east_west_delivered",
                "east_west_latency_p50_ns",
                "east_west_latency_p99_ns",
                "east_west_latency_p999_ns",
                "east_west_latency_max_ns",
                "east_west_latency_mean_ns",
            ],
            Scope::NorthSouth => [
                "north_south_delivered",
                "north_south_latency_p50_ns",
                "north_south_latency_p99_ns",
                "north_south_latency_p999_ns",
                "north_south_latency_max_ns",
                "north_south_latency_mean_ns",
            ],
            Scope::Local => [
                "local_delivered",
                "local_latency_p50_ns",
                "local_latency_p99_ns",
                "local_latency_p999_ns",
                "local_latency_max_ns",
                "local_latency_mean_ns",
            ],
        }
    }
}

/// What a TCP stream moved, and how (its packet books — generated,
/// delivered, dropped, in flight — count segment bursts and ACKs together).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TcpResult {
    /// Payload delivered in order to the receiving application within the
    /// traffic window ÷ the window \[Gbit/s\].
    pub goodput_gbps: f64,
    /// Payload bytes delivered in order, in all \[B\].
    pub delivered_bytes: u64,
    /// Segments (frames) sent, retransmissions included.
    pub segments: u64,
    /// Segments delivered.
    pub segments_delivered: u64,
    /// Segments dropped.
    pub segments_dropped: u64,
    /// Segments in flight at the end.
    pub segments_in_flight: u64,
    /// Segments sent again (fast retransmit, partial ACKs, after an RTO).
    pub retransmitted_segments: u64,
    /// Fast retransmits (three duplicate ACKs).
    pub fast_retransmits: u64,
    /// Retransmission timeouts.
    pub timeouts: u64,
    /// Packets that carried the segments (a burst of several with TSO or
    /// GSO): frames per packet is `segments ÷ bursts`.
    pub bursts: u64,
    /// ACKs sent.
    pub acks: u64,
    /// ACKs delivered to the sender.
    pub acks_delivered: u64,
    /// ACKs dropped.
    pub acks_dropped: u64,
    /// ACKs in flight at the end.
    pub acks_in_flight: u64,
    /// Smoothed round-trip time the sender measured \[µs\], if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub srtt_us: Option<f64>,
    /// Congestion window at the end \[B\].
    pub cwnd_bytes: u64,
}

/// Deliveries per fixed-width time bucket, from time 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliverySeries {
    /// Bucket width \[µs\].
    pub bucket_us: f64,
    /// Packets delivered in bucket `i`, i.e. in `[i, i + 1) × bucket_us`.
    pub delivered: Vec<u32>,
    /// In a rack, when several hosts take the flow's packets (an ENI or an
    /// address moved between them): `by_host[k]` is what host k delivered
    /// per bucket (the sum over hosts is `delivered`). Empty when one host
    /// took them all, and outside a rack.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_host: Vec<Vec<u32>>,
}

/// CPU as netperf reports it: utilization in % and service demand.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CpuUse {
    /// Cores the host's own work runs on: its I/O cores (emulated, virtio)
    /// and the core of each vCPU (exits are host work there); on bare metal,
    /// the applications' cores.
    pub host_cores: u32,
    /// vCPUs (bare metal: the applications' cores).
    pub vcpus: u32,
    /// Host CPU time within the traffic window ÷ (window × `host_cores`)
    /// \[%\]; 0 on bare metal.
    pub host_pct: f64,
    /// Guest CPU time within the window ÷ (window × `vcpus`) \[%\].
    pub guest_pct: f64,
    /// Host CPU time within the window ÷ the window \[cores\]: grows with
    /// every VM, even an idle one (its timer wake-ups).
    pub host_cores_busy: f64,
    /// Guest CPU time within the window ÷ the window \[cores\].
    pub guest_cores_busy: f64,
    /// Exits the guests' timer interrupts and idle wake-ups took (part of
    /// the exits counted per packet).
    pub timer_exits: u64,
    /// With `[host] background`: the share of vCPU time (bare metal: of the
    /// application cores) left to the CPU-bound background job, mean over
    /// the vCPUs \[%\] — the work a computing guest gets done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_pct: Option<f64>,
    /// Host + guest CPU time within the window \[µs\] ÷ data delivered
    /// within it \[KB of 1,024 B\]: TCP payload and open-loop frames
    /// (netperf's service demand); absent if nothing was delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_demand_us_per_kb: Option<f64>,
}

/// What one ring carried.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RingUse {
    /// Ring name (`vf0.rx_ring1`, `nic0.host_rx_ring0`, …).
    pub name: String,
    /// Packets its consumer took (a burst of several frames is one).
    pub packets: u64,
    /// Notifications (interrupts or kicks) it raised.
    pub notifications: u64,
    /// Polls its consumer ran: a poll takes up to `napi_budget` packets and
    /// is rescheduled while more wait.
    pub polls: u64,
}

/// IOTLB lookups of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IotlbUse {
    /// Translations found in the IOTLB.
    pub hits: u64,
    /// Translations that walked the IOMMU's page tables.
    pub misses: u64,
}

/// Most open-loop flows a run may have for its per-flow figures to be
/// summarized (`flow_<name>_…` statistics, the flows table of the terminal
/// and of the report): a few named flows, each with its own role (a flood
/// and its neighbour), not one per VM of a host (four VMs receiving and
/// sending are eight flows). Every run's JSON has
/// every flow's figures whatever their number.
pub const FLOWS_SUMMARIZED: usize = 3;

impl PathResult {
    /// The open-loop flows (those with a one-way latency), when there are
    /// 2 to [`FLOWS_SUMMARIZED`] of them: the runs whose flows are
    /// summarized one by one.
    pub fn summarized_flows(&self) -> Option<Vec<&FlowResult>> {
        let open: Vec<&FlowResult> = self
            .flows
            .iter()
            .filter(|f| f.latency_ns.is_some())
            .collect();
        (2..=FLOWS_SUMMARIZED).contains(&open.len()).then_some(open)
    }
}

/// How busy one shared resource was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceUse {
    /// Resource name, e.g. `hv_io_cores`, `vm0.vcpu`, `nic0.pcie_up`.
    pub name: String,
    /// Identical servers (cores) it has.
    pub servers: u32,
    /// Busy time inside the traffic window ÷ (servers × window), 0..=1.
    pub utilization: f64,
}

/// A run's open-loop packets in flight in its hosts (born or taken in, and
/// not yet delivered, dropped or handed to the switch) at half the traffic
/// window and at its end: one of the signs that a path is offered more than
/// it serves ([`saturation`]). An unstable path's queues grow for as long
/// as the run lasts, and once a buffer is full it drops what it cannot
/// take: either way the latency it shows depends on the run's length or
/// its buffers' sizes — a lower bound of what a longer run would show, not
/// a property of the path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backlog {
    /// Packets in flight at half the window.
    pub at_half: u64,
    /// Packets in flight at the window's end.
    pub at_end: u64,
    /// Packets that entered between the two.
    pub arrived_second_half: u64,
}

impl Backlog {
    /// The least growth that counts \[packets\] (assumption: below it, a
    /// stable queue's fluctuation between two instants).
    pub const MIN_GROWTH: u64 = 32;
    /// The least growth, as a share of what arrived meanwhile, that counts
    /// (assumption: a stable queue's backlog at two instants half a window
    /// apart differs by far less than 5% of what arrived between them in
    /// windows of thousands of packets or more).
    pub const MIN_GROWTH_SHARE: f64 = 0.05;

    /// Whether the backlog grew through the second half of the window, by
    /// at least [`Backlog::MIN_GROWTH`] packets and
    /// [`Backlog::MIN_GROWTH_SHARE`] of what arrived then.
    pub fn grew(&self) -> bool {
        let growth = self.at_end.saturating_sub(self.at_half);
        growth >= Self::MIN_GROWTH
            && growth as f64 >= Self::MIN_GROWTH_SHARE * self.arrived_second_half as f64
    }
}

/// The busiest resource's utilization from which a path counts as
/// saturated outright (assumption: a resource busy 99% of the window has no
/// headroom; its queue, even if it would settle, settles far beyond any
/// run's window).
pub const SATURATED_BUSY: f64 = 0.99;
/// The busiest resource's utilization a growing backlog needs to count
/// (assumption: below it, a backlog that grew between two instants is the
/// phase of bursty arrivals or of interrupt moderation, not overload).
pub const GROWING_BUSY: f64 = 0.9;
/// The share of open-loop packets lost to full queues that marks a path
/// saturated (assumption: a stable path with finite buffers loses far less
/// than 1% to overflow; a path offered more than it serves loses the
/// excess).
pub const SATURATED_OVERFLOW: f64 = 0.01;

/// Whether a run's path was saturated — offered more than it serves — and
/// why, in words: its busiest resource `busiest` (name, utilization in the
/// window) at [`SATURATED_BUSY`] or more; full queues dropping
/// [`SATURATED_OVERFLOW`] or more of the `open_generated` open-loop packets
/// (`overflow` of them); or its `backlog` growing ([`Backlog::grew`]) while
/// the busiest resource is at [`GROWING_BUSY`] or more. `None` if none holds,
/// and for a run without open-loop packets (closed loops hold their own load
/// back).
pub fn saturation(
    backlog: Option<&Backlog>,
    open_generated: u64,
    overflow: u64,
    busiest: Option<(&str, f64)>,
) -> Option<String> {
    // Closed loops only (round trips, TCP streams): each holds its own
    // load back; a busy resource is their steady state, not overload.
    if open_generated == 0 {
        return None;
    }
    let busy = busiest.map_or(0.0, |b| b.1);
    if let Some((name, u)) = busiest.filter(|b| b.1 >= SATURATED_BUSY) {
        return Some(format!("{name} was {:.1}% busy", 100.0 * u));
    }
    if overflow > 0 && overflow as f64 >= SATURATED_OVERFLOW * open_generated as f64 {
        return Some(format!(
            "full queues dropped {overflow} of {open_generated} packets ({:.1}%)",
            100.0 * overflow as f64 / open_generated.max(1) as f64
        ));
    }
    let b = backlog.filter(|b| b.grew() && busy >= GROWING_BUSY)?;
    Some(format!(
        "its backlog grew from {} to {} packets through the second half of the window, its \
         busiest resource {:.1}% busy",
        b.at_half,
        b.at_end,
        100.0 * busy
    ))
}

/// The simulator's own speed (wall-clock; excluded from determinism checks).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SimSpeed {
    /// Wall-clock seconds the run took.
    pub wall_s: f64,
    /// Simulated packets (generated) per wall second.
    pub packets_per_s: f64,
    /// Events processed per wall second.
    pub events_per_s: f64,
    /// Events processed.
    pub events: u64,
    /// Events processed ÷ packets generated (deterministic for a seed; a
    /// packet that moves on at once instead of waiting for an event costs
    /// none). Absent from results written before it existed: 0.
    #[serde(default)]
    pub events_per_packet: f64,
    /// Most events pending at once (deterministic for a seed): it grows with
    /// the resources and generators, not with the packets waiting in
    /// resources' queues. Absent from results written before it existed: 0.
    #[serde(default)]
    pub peak_events_pending: u64,
    /// A rack: the epochs of its hosts' parallel run, each ended by a
    /// barrier (the same at any thread count; see
    /// [`crate::sim::parallel`]); absent for one host. Results written
    /// before epochs existed call them `windows` (a barrier per lookahead).
    #[serde(default, skip_serializing_if = "is_zero", alias = "windows")]
    pub epochs: u64,
    /// A rack: packets that crossed the switch between hosts; absent for
    /// one host.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub crossings: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl SimSpeed {
    /// The fields measured on the wall clock: the only ones two runs of the
    /// same experiment and seed differ in.
    pub const WALL_CLOCK_FIELDS: [&'static str; 3] = ["wall_s", "packets_per_s", "events_per_s"];

    /// Sets the wall-clock fields for a run of `generated` packets that took
    /// `wall_s` seconds.
    pub fn set_wall_clock(&mut self, wall_s: f64, generated: u64) {
        let per_s = |n: u64| if wall_s > 0.0 { n as f64 / wall_s } else { 0.0 };
        self.wall_s = wall_s;
        self.packets_per_s = per_s(generated);
        self.events_per_s = per_s(self.events);
    }

    /// Zeroes the wall-clock fields ([`SimSpeed::WALL_CLOCK_FIELDS`]).
    pub fn clear_wall_clock(&mut self) {
        self.set_wall_clock(0.0, 0);
    }
}

/// What a timeline action did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlRecord {
    /// EC2 action name.
    pub action: String,
    /// When it ran \[µs\].
    pub at_us: f64,
    /// `ok`, or EC2's error code.
    pub result: String,
    /// EC2's error message, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When everything it began had completed \[µs\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_us: Option<f64>,
}

/// An ENI as it ended the run: what a MAC-bound licence or a failover
/// script would check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EniSummary {
    /// `eni-…`.
    pub id: String,
    /// MAC (fixed for the ENI's life, M1).
    pub mac: String,
    /// Private IPv4s, primary first, and IPv6s.
    pub addresses: Vec<String>,
    /// Public IPv4s mapped to them (auto-assigned or Elastic).
    pub public: Vec<String>,
    /// The instance it is attached to, and the VM that instance runs as on
    /// this host, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// VM index of that instance on the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm: Option<u32>,
    /// In a rack: the host that instance runs on (with `vm`, its VM there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<u32>,
    /// `available`, `attaching`, `in-use`, `detaching`.
    pub status: String,
}

/// A rack's own figures: each host's, each switch port's, and the one-way
/// latency of each [`Scope`] of flow. The resources of host `k` are also in
/// [`PathResult::resources`], named `host<k>.…`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RackUse {
    /// One per host, in host order.
    pub hosts: Vec<HostUse>,
    /// One per switch port (the port toward each NIC of each host), in host
    /// and NIC order.
    pub ports: Vec<PortUse>,
    /// One per scope that has open-loop flows, in [`Scope::ALL`] order.
    pub latency: Vec<ScopeLatency>,
}

/// One host of a rack over the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostUse {
    /// Host index.
    pub host: u32,
    /// Packets whose journey ended on this host: into its VMs (from
    /// another host, beyond the rack, or one of its own), or out of its
    /// uplink to clients beyond the rack.
    pub delivered: u64,
    /// Packets dropped on this host, all reasons; the switch port toward it
    /// is counted here (its drops are also in [`PortUse::dropped`]).
    pub dropped: u64,
    /// Its drops by reason ([`DropReason::name`]), those that happened.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dropped_by: BTreeMap<String, u64>,
    /// Its host CPU time within the traffic window ÷ (window × its host
    /// cores: I/O cores and the core of each vCPU) \[%\] ([`CpuUse::host_pct`]).
    pub host_cpu_pct: f64,
    /// Its guest CPU time within the window ÷ (window × its vCPUs) \[%\]
    /// ([`CpuUse::guest_pct`]).
    pub guest_cpu_pct: f64,
    /// Utilization of its uplink into the switch (`nic<j>.wire_out`; the
    /// busiest, with a NIC per device), 0..=1.
    pub uplink_utilization: f64,
    /// Utilization of its NICs' PCIe links (the busiest direction of the
    /// busiest NIC), 0..=1; absent on a wire-only host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pcie_utilization: Option<f64>,
}

/// One port of the top-of-rack switch: the output port toward one NIC of
/// one host, which is that NIC's `wire_in` (the switch's buffer is the
/// wire's queue).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortUse {
    /// The resource it is (`host3.nic0.wire_in`).
    pub name: String,
    /// The host it leads to.
    pub host: u32,
    /// Busy time within the traffic window ÷ the window, 0..=1 (the
    /// resource's).
    pub utilization: f64,
    /// Frames it carried over the whole run (drain included).
    pub frames: u64,
    /// Packets it dropped over the whole run, all reasons.
    pub dropped: u64,
    /// Its drops by reason, those that happened.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dropped_by: BTreeMap<String, u64>,
}

/// The one-way latency of one scope's open-loop flows, from their
/// histograms merged (2 significant digits, as each flow's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScopeLatency {
    /// The scope.
    pub scope: Scope,
    /// Its open-loop flows.
    pub flows: u32,
    /// Their packets delivered (every one is in the histogram).
    pub delivered: u64,
    /// Percentiles of the merged histogram, exact mean \[ns\].
    pub latency_ns: LatencySummary,
}

/// Everything measured for one I/O path in one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathResult {
    /// I/O path name.
    pub path: String,
    /// Physical NICs the configuration needed (passthrough: one per device:
    /// each VM's, and each further ENI's).
    pub nics: u32,
    /// VMs on the host.
    pub vms: u32,
    /// The traffic window the rates are measured over \[µs\]: the
    /// experiment's `run.duration_us`, or shorter if `run.packets` ended it.
    pub window_us: f64,
    /// Packets created by every flow.
    pub generated: u64,
    /// Packets delivered (at any time).
    pub delivered: u64,
    /// Packets of open-loop flows delivered within the traffic window.
    pub delivered_in_window: u64,
    /// Drops by reason (every reason listed, zeros included).
    pub dropped: BTreeMap<String, u64>,
    /// Packets still travelling when the run stopped.
    pub in_flight: u64,
    /// One-way latency over the delivered packets of open-loop flows (rx,
    /// tx, vm_to_vm) \[ns\]; all zero if there were none.
    pub latency_ns: LatencySummary,
    /// Round-trip latency over all request/response flows \[ns\], if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtt_ns: Option<LatencySummary>,
    /// Round trips completed within the traffic window by all
    /// request/response flows ÷ the window \[1/s\], if any (those completed
    /// in the drain after it are not counted: the rate is over the window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactions_per_s: Option<f64>,
    /// Goodput of every TCP stream together \[Gbit/s\], if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_goodput_gbps: Option<f64>,
    /// Open-loop packets delivered within the window ÷ window \[packets/s\].
    pub delivered_pps: f64,
    /// Frame bits (FCS included; preamble and gap not) of open-loop packets
    /// delivered within the window ÷ window \[Gbit/s\].
    pub delivered_gbps: f64,
    /// Hypervisor and host CPU time ÷ delivered packets \[ns\]
    /// (0 on bare metal by definition).
    pub host_cpu_ns_per_packet: f64,
    /// Guest (bare metal: the OS's) CPU time ÷ delivered packets \[ns\].
    pub guest_cpu_ns_per_packet: f64,
    /// VM exits ÷ delivered packets.
    pub exits_per_packet: f64,
    /// Interrupts (physical and virtual) ÷ delivered packets.
    pub interrupts_per_packet: f64,
    /// Mean time per stage over the open-loop packets delivered \[ns\]; sums
    /// to `latency_ns.mean`. Only stages this path uses are listed.
    pub stages: Vec<StageMean>,
    /// Per-flow books.
    pub flows: Vec<FlowResult>,
    /// Utilization of the shared resources.
    pub resources: Vec<ResourceUse>,
    /// CPU utilization and service demand, as netperf reports them.
    pub cpu: CpuUse,
    /// Every ring (queue) that carried packets: how many, and how many
    /// notifications (interrupts, kicks) and polls it took — one queue per
    /// vCPU with multi-queue, flows spread by RSS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rings: Vec<RingUse>,
    /// IOTLB lookups, one per DMA of a device behind the IOMMU (`sriov`,
    /// `passthrough`); absent on paths whose DMAs are not translated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iotlb: Option<IotlbUse>,
    /// What the VPC's timeline did (experiments with a `[vpc]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub control: Vec<ControlRecord>,
    /// The VPC's ENIs as the run ended (experiments with a `[vpc]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enis: Vec<EniSummary>,
    /// Conditions that are not errors but cost money or packets (M2, M3, E9).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// A rack's hosts, switch ports and latency by scope (absent for one
    /// host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rack: Option<RackUse>,
    /// Open-loop packets in the hosts' books at half the traffic window and
    /// at its end (absent with a packet cap, whose window's end is found as
    /// the run goes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backlog: Option<Backlog>,
    /// Why the path was saturated in this run ([`saturation`]), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saturated: Option<String>,
    /// Simulator speed.
    pub sim: SimSpeed,
    /// The one-way latency histogram \[ns\] (written as `<path>.hgrm`, not
    /// in JSON).
    #[serde(skip)]
    pub latency_histogram: Option<hdrhistogram::Histogram<u64>>,
    /// The round-trip histogram \[ns\] of request/response flows (written as
    /// `<path>.rtt.hgrm`).
    #[serde(skip)]
    pub rtt_histogram: Option<hdrhistogram::Histogram<u64>>,
}

#[cfg(test)]
mod tests {
    use super::SimSpeed;

    #[test]
    fn clearing_the_wall_clock_zeroes_exactly_its_named_fields() {
        let mut s = SimSpeed {
            events: 7,
            events_per_packet: 2.0,
            peak_events_pending: 3,
            epochs: 4,
            crossings: 5,
            ..SimSpeed::default()
        };
        s.set_wall_clock(0.5, 10);
        assert_eq!((s.packets_per_s, s.events_per_s), (20.0, 14.0));
        let before = serde_json::to_value(&s).unwrap();
        s.clear_wall_clock();
        let after = serde_json::to_value(&s).unwrap();
        let mut changed: Vec<&str> = before
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, v)| after[k.as_str()] != **v)
            .map(|(k, _)| k.as_str())
            .collect();
        let mut named = SimSpeed::WALL_CLOCK_FIELDS;
        changed.sort_unstable();
        named.sort_unstable();
        assert_eq!(changed, named);
        assert_eq!(s.events, 7);
    }
}
