//! What a run measures, and the plain result records it produces.
//!
//! Recording never allocates: latency histograms have fixed bounds
//! ([`LATENCY_MAX_NS`], 3 significant digits) and counters are arrays indexed
//! by [`DropReason`] and [`Stage`]. The records ([`PathResult`]) are plain data
//! that the report layer turns into tables, JSON and CSV (STYLE.md point 6:
//! models know nothing of output formats).

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
    /// A NIC or VF receive descriptor ring was full: the driver fell behind.
    RxRingFull,
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
}

impl DropReason {
    /// Every reason, in report order.
    pub const ALL: [DropReason; 7] = [
        DropReason::WireQueueFull,
        DropReason::RxRingFull,
        DropReason::TxRingFull,
        DropReason::VringFull,
        DropReason::HvBacklogFull,
        DropReason::SocketBacklogFull,
        DropReason::PcieQueueFull,
    ];

    /// The reason's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::WireQueueFull => "wire_queue_full",
            DropReason::RxRingFull => "rx_ring_full",
            DropReason::TxRingFull => "tx_ring_full",
            DropReason::VringFull => "vring_full",
            DropReason::HvBacklogFull => "hv_backlog_full",
            DropReason::SocketBacklogFull => "socket_backlog_full",
            DropReason::PcieQueueFull => "pcie_queue_full",
        }
    }
}

/// A named part of a packet's journey, for the latency breakdown. A packet's
/// time in every stage it visits adds up to its latency exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Waiting for, and serialization on, a wire.
    Wire,
    /// NIC pipeline and embedded-switch classification.
    Nic,
    /// DMA over PCIe, queueing included.
    Pcie,
    /// IOMMU address translation (IOTLB hit or page walk).
    Iommu,
    /// Waiting in a host-owned NIC ring for the host's interrupt and driver.
    HostIrq,
    /// The host NIC driver.
    HostDriver,
    /// The hypervisor's device model (emulated path), queueing included.
    DeviceModel,
    /// The virtio backend and its copy, queueing included.
    Backend,
    /// Software switching in the host (bridge, tap), queueing included.
    SoftSwitch,
    /// Waiting in a guest-visible ring for the interrupt (moderation, exits,
    /// injection, handler) or for the driver.
    GuestIrq,
    /// Notifying the device of new transmit work: doorbell, kick or trap.
    Doorbell,
    /// VM exits taken on the packet's behalf.
    VmExit,
    /// The guest's (or bare-metal OS's) NIC driver.
    GuestDriver,
    /// The guest's network stack, queueing for the vCPU included.
    GuestStack,
    /// The application.
    App,
    /// The external switch between two NICs (passthrough VM-to-VM).
    ExternalSwitch,
}

impl Stage {
    /// Number of stages.
    pub const COUNT: usize = 16;
    /// Every stage, in the order a received packet meets them.
    pub const ALL: [Stage; Stage::COUNT] = [
        Stage::Wire,
        Stage::ExternalSwitch,
        Stage::Nic,
        Stage::Pcie,
        Stage::Iommu,
        Stage::HostIrq,
        Stage::HostDriver,
        Stage::DeviceModel,
        Stage::Backend,
        Stage::SoftSwitch,
        Stage::Doorbell,
        Stage::VmExit,
        Stage::GuestIrq,
        Stage::GuestDriver,
        Stage::GuestStack,
        Stage::App,
    ];

    /// The stage's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Wire => "wire",
            Stage::Nic => "nic",
            Stage::Pcie => "pcie_dma",
            Stage::Iommu => "iommu",
            Stage::HostIrq => "host_irq_wait",
            Stage::HostDriver => "host_driver",
            Stage::DeviceModel => "device_model",
            Stage::Backend => "virtio_backend",
            Stage::SoftSwitch => "soft_switch",
            Stage::GuestIrq => "guest_irq_wait",
            Stage::Doorbell => "doorbell",
            Stage::VmExit => "vm_exit",
            Stage::GuestDriver => "guest_driver",
            Stage::GuestStack => "guest_stack",
            Stage::App => "app",
            Stage::ExternalSwitch => "external_switch",
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
    /// Largest recorded.
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
    /// Packets created.
    pub generated: u64,
    /// Packets that reached their end.
    pub delivered: u64,
    /// Packets dropped, all reasons.
    pub dropped: u64,
    /// Packets still travelling when the run stopped.
    pub in_flight: u64,
    /// Round-trip latency (request/response flows only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_ns: Option<LatencySummary>,
}

/// How busy one shared resource was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceUse {
    /// Resource name, e.g. `hv_io_cores`, `vm0.vcpu`, `nic0.pcie_up`.
    pub name: String,
    /// Identical servers (cores) it has.
    pub servers: u32,
    /// Busy time ÷ (servers × window) over the traffic window, 0..=1
    /// (can exceed 1 slightly when work admitted in the window ends after it).
    pub utilization: f64,
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
}

/// Everything measured for one I/O path in one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathResult {
    /// I/O path name.
    pub path: String,
    /// Physical NICs the configuration needed (passthrough: one per VM).
    pub nics: u32,
    /// VMs on the host.
    pub vms: u32,
    /// Packets created by every flow.
    pub generated: u64,
    /// Packets delivered (at any time).
    pub delivered: u64,
    /// Packets delivered within the traffic window.
    pub delivered_in_window: u64,
    /// Drops by reason (every reason listed, zeros included).
    pub dropped: BTreeMap<String, u64>,
    /// Packets still travelling when the run stopped.
    pub in_flight: u64,
    /// One-way latency over all delivered packets \[ns\].
    pub latency_ns: LatencySummary,
    /// Round-trip latency over all request/response flows \[ns\], if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_ns: Option<LatencySummary>,
    /// Packets delivered within the window ÷ window \[packets/s\].
    pub delivered_pps: f64,
    /// Frame bits (FCS included; preamble and gap not) delivered within the
    /// window ÷ window \[Gbit/s\].
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
    /// Mean time per stage over delivered packets \[ns\]; sums to
    /// `latency_ns.mean`. Only stages this path uses are listed.
    pub stages: Vec<StageMean>,
    /// Per-flow books.
    pub flows: Vec<FlowResult>,
    /// Utilization of the shared resources.
    pub resources: Vec<ResourceUse>,
    /// Simulator speed.
    pub sim: SimSpeed,
}
