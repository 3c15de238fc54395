//! The validated host configuration the event loop trusts (STYLE.md point 7:
//! plain, untrusted experiment data is checked in [`crate::experiment`] and
//! becomes these types; nothing here can be out of range).

use super::profile::Profile;
use super::tcp::TcpParams;
use crate::sim::SimDuration;
use crate::vpc::cidr::Ipv4Net;
use crate::vpc::Script;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The five ways a VM reaches the NIC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IoPath {
    /// No virtualization: the reference.
    Baremetal,
    /// Trap-and-emulate: an emulated e1000-class NIC in the hypervisor.
    Emulated,
    /// Paravirtual: virtio-net rings and a host backend.
    Virtio,
    /// The whole NIC assigned to one VM through the IOMMU.
    Passthrough,
    /// A virtual function of an SR-IOV NIC per VM.
    Sriov,
}

impl IoPath {
    /// All paths, in the order tables list them.
    pub const ALL: [IoPath; 5] = [
        IoPath::Baremetal,
        IoPath::Emulated,
        IoPath::Virtio,
        IoPath::Passthrough,
        IoPath::Sriov,
    ];

    /// The path's name as experiments and reports spell it.
    pub fn name(self) -> &'static str {
        match self {
            IoPath::Baremetal => "baremetal",
            IoPath::Emulated => "emulated",
            IoPath::Virtio => "virtio",
            IoPath::Passthrough => "passthrough",
            IoPath::Sriov => "sriov",
        }
    }

    /// The path named `s`, if any.
    pub fn parse(s: &str) -> Option<IoPath> {
        IoPath::ALL.into_iter().find(|p| p.name() == s)
    }
}

impl fmt::Display for IoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// When packets of an open-loop flow are generated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Arrival {
    /// Evenly spaced: packet k at `round(k × mean interval)`.
    Constant,
    /// Exponential gaps with the mean interval.
    Poisson,
    /// Alternating on and off periods; during `on` packets are evenly spaced
    /// at `mean interval × (on + off) / on`, so the mean rate is the flow's.
    OnOff {
        /// Length of a burst.
        on: SimDuration,
        /// Length of a silence.
        off: SimDuration,
    },
}

/// Frame sizes of a flow \[B, Ethernet frame with FCS\].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SizeDist {
    /// Every frame this size.
    Fixed(u32),
    /// Simple IMIX: 64, 576 and 1500 B in the ratio 7:4:1.
    Imix,
    /// Uniform over `lo..=hi`.
    Uniform {
        /// Smallest frame.
        lo: u32,
        /// Largest frame.
        hi: u32,
    },
}

impl SizeDist {
    /// Smallest frame the model accepts \[B\].
    pub const MIN_FRAME: u32 = 64;
    /// Largest frame the model accepts \[B\] (jumbo).
    pub const MAX_FRAME: u32 = 9216;

    /// Mean frame size \[B\].
    pub fn mean_bytes(self) -> f64 {
        match self {
            SizeDist::Fixed(b) => b as f64,
            SizeDist::Imix => (7.0 * 64.0 + 4.0 * 576.0 + 1500.0) / 12.0,
            SizeDist::Uniform { lo, hi } => (lo as f64 + hi as f64) / 2.0,
        }
    }
}

/// Where a request/response client, or a TCP stream's end, sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    /// A host beyond the physical NIC's wire.
    External,
    /// A VM on this host (index).
    Vm(u32),
}

/// What a flow carries and between which endpoints.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FlowKind {
    /// Wire → VM `vm`'s application.
    Rx {
        /// Receiving VM.
        vm: u32,
    },
    /// VM `vm`'s application → wire.
    Tx {
        /// Sending VM.
        vm: u32,
    },
    /// VM `src` → VM `dst` on the same host.
    VmToVm {
        /// Sending VM.
        src: u32,
        /// Receiving VM.
        dst: u32,
    },
    /// A TCP bulk transfer (netperf TCP_STREAM): `src` sends as fast as its
    /// windows allow, `dst` acknowledges; ACKs travel the reverse direction
    /// through the same I/O path. See [`crate::model::tcp`].
    TcpStream {
        /// The sender: a VM, or a host beyond the wire.
        src: Client,
        /// The receiver (not both external).
        dst: Client,
        /// Segment size, write size, windows, timers.
        tcp: TcpParams,
    },
    /// Open-loop traffic between addresses, routed by the VPC data plane
    /// (see [`FlowConfig::addr`]): who receives it is decided per packet.
    Addressed,
    /// Closed-loop ping-pong: the client sends a request, the server VM's
    /// application answers at once, the client sends the next one after
    /// `think`. Round-trip latency is measured at the client. Each request
    /// arms a timer: if its response has not come `timeout` after it was
    /// sent (lost, or just late), the client counts a timeout and sends the
    /// next request at once; a late response is then ignored.
    RequestResponse {
        /// Who sends requests.
        client: Client,
        /// The VM that answers.
        server: u32,
        /// Request frame size \[B\].
        request_bytes: u32,
        /// Response frame size \[B\].
        response_bytes: u32,
        /// Requests in flight at once (≥ 1).
        outstanding: u32,
        /// Pause between a response and the next request.
        think: SimDuration,
        /// Wait for a lost request's response before the next request.
        timeout: SimDuration,
        /// The server application's work per request, before it answers
        /// \[cycles\] (a guest that computes: a cache lookup, a page).
        server_cycles: u32,
        /// The server application's work per byte of response payload
        /// \[cycles × 1000 per B\].
        server_millicycles_per_byte: u32,
    },
}

impl FlowKind {
    /// Whether its packets are born at times its arrival process draws
    /// (open-loop), not by a closed loop (request/response, TCP).
    pub fn is_open_loop(&self) -> bool {
        !matches!(
            self,
            FlowKind::RequestResponse { .. } | FlowKind::TcpStream { .. }
        )
    }
}

/// One validated flow.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowConfig {
    /// Name for reports (unique within the experiment).
    pub name: String,
    /// Endpoints and pattern.
    pub kind: FlowKind,
    /// Arrival process (open-loop kinds; ignored by request/response).
    pub arrival: Arrival,
    /// Frame sizes (open-loop kinds; request/response has its own).
    pub sizes: SizeDist,
    /// Mean time between packets \[ps\] (open-loop kinds), at least 1 ps.
    pub mean_interval_ps: f64,
    /// Open-loop flows: the 5-tuples (source ports) its packets take in
    /// turn, as many clients would send them (≥ 1); RSS hashes each.
    pub streams: u32,
    /// Addresses, for a host with a VPC: the data plane then decides each
    /// packet's journey (and a request/response flow's `client` and `server`
    /// are not used).
    pub addr: Option<FlowAddr>,
}

/// A flow's endpoints as the VPC sees them. Addresses are written as an IP
/// or as a `$name` of the experiment's VPC actions (an instance or ENI:
/// its primary private IPv4; `$eip.ip`: an Elastic IP).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowAddr {
    /// The sending instance (`$name`), or `None` for a host on the internet.
    pub from: Option<String>,
    /// Source address; default: the sender's primary private IPv4, or
    /// 198.18.0.7 (RFC 2544's benchmarking range) for the internet.
    pub src: Option<String>,
    /// Destination address.
    pub dst: String,
    /// IP protocol number (6 TCP, 17 UDP, 1 ICMP).
    pub proto: u8,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Replies leave by the ENI that owns their source address (policy
    /// routing) instead of by the guest's main routing table (M2).
    pub via_source_eni: bool,
}

/// How long control-plane changes take on the simulated host before packets
/// follow them (assumptions: EC2 publishes no attach or propagation times).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControlTiming {
    /// AttachNetworkInterface: hot-plug of the backing device (a VF, a whole
    /// NIC, an emulated or virtio device) and the guest driver's bring-up.
    pub attach: SimDuration,
    /// DetachNetworkInterface: unplug.
    pub detach: SimDuration,
    /// A private address (and its Elastic IP) moving between ENIs.
    pub reassign: SimDuration,
    /// Instance state changes (launch, stop, start, terminate).
    pub instance: SimDuration,
}

/// A control-plane action on the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimedStep {
    /// The action's position in the script.
    pub step: usize,
    /// When it runs; `None`: when everything the previous timed action began
    /// has completed.
    pub at: Option<SimDuration>,
}

/// A route of a subnet's route table to an appliance's ENI, by `$name`s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteConfig {
    /// The subnet (`$name`).
    pub subnet: String,
    /// The destinations.
    pub destination: Ipv4Net,
    /// The appliance's ENI (`$name` or `$instance.eni0`).
    pub target: String,
}

/// The VPC of a host (issue 3): its control plane, which instances run on
/// the host, and what happens to it over time.
#[derive(Clone, Debug, PartialEq)]
pub struct VpcConfig {
    /// Every action, setup first.
    pub script: Script,
    /// Actions `0..setup` run (and complete) before any traffic.
    pub setup: usize,
    /// The rest, at their times.
    pub timeline: Vec<TimedStep>,
    /// Seed of the control plane's ids and MACs.
    pub seed: u64,
    /// Instances (`$name`) on the simulated host, as VM indices (in a
    /// rack: on their host, `places`).
    pub vms: Vec<(String, u32)>,
    /// In a rack: the host of each entry of `vms` (empty: every one on host
    /// 0).
    pub places: Vec<u32>,
    /// The host this configuration runs on (0 outside a rack): its
    /// instances are the `vms` placed on it; the others run on other hosts
    /// of the rack.
    pub host: u32,
    /// Routes to appliances.
    pub routes: Vec<RouteConfig>,
    /// Durations of control-plane changes on this host's I/O path.
    pub timing: ControlTiming,
    /// Each instance's packets-per-second allowance, if enforced (AWS
    /// publishes none: off unless the experiment sets one).
    pub pps_allowance: Option<u64>,
    /// Connections each instance may track (every addressed flow is one at
    /// each instance it crosses), if enforced (AWS publishes none: off unless
    /// the experiment sets one).
    pub conntrack_allowance: Option<u64>,
    /// How long an instance's burst credits last at its peak rate \[s\]
    /// before it falls to its baseline bandwidth (CALIBRATION "AWS enhanced
    /// networking": 5–60 minutes; the default takes 300 s, the low end).
    pub burst_s: f64,
}

/// Most VMs on a host whose experiment has a `[vpc]` (the data plane keeps
/// per-instance state in fixed arrays sized by it).
pub const MAX_VPC_VMS: u32 = 64;

/// Most devices (each VM's primary ENI and each further ENI its instance has
/// during the run) on a host whose experiment has a `[vpc]`: the routes
/// between them are made at the start, one per pair of devices (128² at
/// most, about what 64 VMs of one ENI each needed before devices were per
/// ENI).
pub const MAX_VPC_DEVICES: u32 = 128;

/// Everything one run of one I/O path needs.
#[derive(Clone, Debug, PartialEq)]
pub struct HostConfig {
    /// Costs.
    pub profile: Profile,
    /// The I/O path every VM uses.
    pub path: IoPath,
    /// Number of VMs on the host (≥ 1).
    pub vms: u32,
    /// vCPUs per VM (≥ 1), and queue pairs per device: one per vCPU (an
    /// emulated e1000 has one whatever the vCPUs).
    pub vcpus: u32,
    /// Every vCPU (bare metal: application core) also runs a CPU-bound
    /// background job at the lowest priority: it gets what the network work,
    /// exits and interrupts leave, and the vCPU never halts.
    pub background: bool,
    /// Passthrough only: give each VM its own physical NIC (true), or put
    /// every VM on one NIC (false, which fails with more than one VM).
    pub passthrough_nic_per_vm: bool,
    /// The traffic.
    pub flows: Vec<FlowConfig>,
    /// Traffic is generated during `[0, window)`; throughput counts
    /// deliveries within it.
    pub window: SimDuration,
    /// Stop generating once this many packets were generated (all flows).
    pub max_packets: Option<u64>,
    /// After the window, the run goes on at most this long for packets in
    /// flight to arrive; what is still in flight then is reported so.
    pub drain: SimDuration,
    /// Master seed.
    pub seed: u64,
    /// The VPC, if the experiment has one.
    pub vpc: Option<VpcConfig>,
    /// Segmentation and checksum offloads of every device on the host.
    pub offloads: Offloads,
    /// Which of the host's stages packets cross (`[host] stages`).
    pub stages: Stages,
    /// Several such hosts behind a top-of-rack switch (`[rack]`), or `None`
    /// for one host.
    pub rack: Option<RackConfig>,
}

/// A rack (`[rack]`): `hosts` copies of the experiment's host (each with
/// its own `vms` VMs, NICs, cores and profile), joined by one top-of-rack
/// switch. Hosts beyond the rack (external clients) sit beyond the switch
/// as they do for one host: a host's `rx` and `tx` flows are north-south,
/// and a `vm_to_vm` flow whose ends are on two hosts crosses the switch
/// (east-west). See [`crate::model::rack`].
#[derive(Clone, Debug, PartialEq)]
pub struct RackConfig {
    /// Hosts (≥ 2).
    pub hosts: u32,
    /// The top-of-rack switch.
    pub switch: SwitchConfig,
    /// Where the ends of each flow of [`HostConfig::flows`] sit, by index
    /// (same length): `rx` and `tx` flows and those with an end beyond the
    /// wire have their VM on `host` (`dst_host == host`); a `vm_to_vm` flow
    /// sends from VM `src` of `host` to VM `dst` of `dst_host`, a
    /// request/response flow's client VM is on `host` and its server on
    /// `dst_host`, a TCP stream between VMs sends from `host` to
    /// `dst_host`.
    pub places: Vec<Place>,
}

/// Where a flow's ends sit in a rack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    /// The host of the flow's VM (the sending VM of a `vm_to_vm` flow or
    /// TCP stream between VMs, a request/response flow's client VM).
    pub host: u32,
    /// The host of the receiving VM of a `vm_to_vm` flow or TCP stream
    /// between VMs, or of a request/response flow's server when its client
    /// is a VM; `host` for the others.
    pub dst_host: u32,
}

/// The top-of-rack switch (`[rack.switch]`): output-queued, one port per
/// host at the profile's link rate with `switch_buffer_frames` of buffer
/// (the port toward a host is that host's `wire_in`), behind cables of
/// `wire_propagation_ns` each way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwitchConfig {
    /// Port-to-port latency of the forwarding pipeline, on top of
    /// serialization (assumption, no CALIBRATION.md row: current
    /// data-centre top-of-rack switches quote a few hundred ns; the default
    /// takes 500 ns).
    pub latency: SimDuration,
    /// When forwarding may start.
    pub forwarding: Forwarding,
}

impl SwitchConfig {
    /// The default latency (see [`SwitchConfig::latency`]).
    pub const DEFAULT_LATENCY: SimDuration = SimDuration::from_ns(500);
}

/// When a switch starts sending a frame on its way out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Forwarding {
    /// Once the whole frame has arrived (every frame pays its serialization
    /// twice: into the switch, and out of it).
    StoreAndForward,
    /// Once its first 64 B have arrived (the headers that pick the port):
    /// the way out overlaps the way in. A frame whose port is busy waits in
    /// its buffer as with store-and-forward.
    #[default]
    CutThrough,
}

impl Forwarding {
    /// The name the experiment file uses.
    pub fn name(self) -> &'static str {
        match self {
            Forwarding::StoreAndForward => "store-and-forward",
            Forwarding::CutThrough => "cut-through",
        }
    }
}

/// Which of the host's stages packets cross (`[host] stages`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stages {
    /// Every stage of the I/O path: wire, NIC, PCIe, rings, interrupts,
    /// hypervisor and guest.
    #[default]
    All,
    /// The wire alone: a received packet's route is the hops and switch
    /// port queue in front of the NIC (`wire_hops`,
    /// `switch_buffer_frames`), their serialization and propagation, and it
    /// is delivered where the wire meets the NIC; a sent packet is born
    /// there and crosses the wire and hops outward. No VM, device or CPU
    /// takes part, so every I/O path gives the same result. For comparing
    /// the event core with a network simulator on its own scenario (ns-3's
    /// point-to-point link: experiments/peers/), and for isolating what the
    /// wire alone does to a load. Open-loop `rx` and `tx` flows only.
    Wire,
}

/// What a wire-only host carries, for the messages that refuse the rest.
pub const WIRE_ONLY_FLOWS: &str = "with host.stages = \"wire\" only the wire remains, which \
     carries open-loop rx and tx flows (no VM to send, answer or acknowledge)";

impl Stages {
    /// The name the experiment file uses.
    pub fn name(self) -> &'static str {
        match self {
            Stages::All => "all",
            Stages::Wire => "wire",
        }
    }
}

/// Segmentation, receive-aggregation and checksum offloads (`[host.offloads]`),
/// as a current Linux guest and host enable them by default (T2.13, T2.15).
/// Each path honours them as its real driver and device do; see the
/// offloads table in [`crate::model::virt`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offloads {
    /// TCP segmentation offload: the device (a NIC or VF; virtio's
    /// HOST_TSO4 feature; the emulated e1000's TSE) takes bursts of up to
    /// 64 KiB and cuts them into segments. Needs `csum`.
    pub tso: bool,
    /// Generic segmentation offload: without TSO, the stack still hands the
    /// driver layer a burst, cut into segments in software just before the
    /// driver.
    pub gso: bool,
    /// Generic receive offload: the receiving driver merges a burst's
    /// frames, and the stack above it sees one packet.
    pub gro: bool,
    /// Checksum offload, transmit and receive: without it the stack sums
    /// every payload byte.
    pub csum: bool,
}

impl Default for Offloads {
    fn default() -> Self {
        Offloads {
            tso: true,
            gso: true,
            gro: true,
            csum: true,
        }
    }
}

impl Offloads {
    /// True if the stack hands the driver layer bursts of several segments.
    pub fn bursts(&self) -> bool {
        self.tso || self.gso
    }
}
