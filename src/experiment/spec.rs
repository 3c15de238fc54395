//! The experiment file as plain, untrusted data (the "low-level arguments" of
//! ripgrep's two-phase design). Every table refuses unknown keys; nothing here
//! is range-checked — validation does that and produces an
//! [`super::Experiment`].
//!
//! Integers that have a range are read as `i64` (what TOML stores) so that a
//! negative or oversized value gets a message naming the allowed range rather
//! than serde's "expected u32". Values that may be of several shapes (`vm`,
//! `size`, `client`) are kept as [`toml::Value`] and sorted out in validation.

use serde::Deserialize;

/// The whole file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSpec {
    /// Experiment name (required).
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Master seed; default 1.
    #[serde(default)]
    pub seed: Option<i64>,
    /// A built-in profile name (required).
    pub profile: String,
    /// I/O paths to run; default all five.
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    /// `[run]`.
    #[serde(default)]
    pub run: RunSpec,
    /// `[host]`.
    #[serde(default)]
    pub host: HostSpec,
    /// `[costs]`: overrides of profile fields, checked against the profile.
    #[serde(default)]
    pub costs: toml::Table,
    /// `[[flows]]`.
    #[serde(default)]
    pub flows: Vec<FlowSpec>,
    /// The VPC: EC2 actions (setup, then a timeline), instances on the host,
    /// routes, control-plane timings.
    #[serde(default)]
    pub vpc: Option<VpcSpec>,
    /// `[rack]`: several copies of the host behind one top-of-rack switch;
    /// absent: one host.
    #[serde(default)]
    pub rack: Option<RackSpec>,
    /// `[sweep]`: axes over any key, and replications.
    #[serde(default)]
    pub sweep: Option<SweepSpec>,
}

/// `[sweep]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// Runs of every point with distinct seeds (`seed`, `seed + 1`, …);
    /// default 1.
    pub replications: Option<i64>,
    /// `[[sweep.axes]]`, in nesting order (the last varies fastest).
    #[serde(default)]
    pub axes: Vec<AxisSpec>,
}

/// One `[[sweep.axes]]`: a key (or several keys that take the same value)
/// and its values, listed or as a range.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisSpec {
    /// The dotted key the axis sets, as `--set` spells it.
    pub key: Option<String>,
    /// Several keys set to the same value at each point (instead of `key`).
    pub keys: Option<Vec<String>>,
    /// The values, in order.
    pub values: Option<Vec<toml::Value>>,
    /// First value of a range (instead of `values`).
    pub from: Option<f64>,
    /// Last value of a range (included when a whole number of steps away).
    pub to: Option<f64>,
    /// Step of a range (> 0).
    pub step: Option<f64>,
    /// Axis title in plots, with its unit; default from the key.
    pub label: Option<String>,
}

/// `[vpc]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcSpec {
    /// Seed of ids and MACs; default: the experiment's seed.
    pub seed: Option<i64>,
    /// Instances (`$name` of a RunInstances action, without `$`) on the
    /// simulated host → VM index.
    #[serde(default)]
    pub vms: toml::Table,
    /// Each instance's packets-per-second allowance \[packets/s\]; off if
    /// absent (AWS publishes none).
    pub pps_allowance: Option<i64>,
    /// Connections each instance may track; off if absent (AWS publishes
    /// none).
    pub conntrack_allowance: Option<i64>,
    /// How long burst credits last at the peak rate \[s\]; default 300.
    pub burst_s: Option<f64>,
    /// Routes to appliances.
    #[serde(default)]
    pub routes: Vec<RouteSpec>,
    /// Control-plane durations.
    #[serde(default)]
    pub timing: TimingSpec,
    /// EC2 actions: setup ones first, then timed ones (`at_us` or
    /// `after_previous = true`), each with EC2's parameters.
    #[serde(default)]
    pub actions: Vec<toml::Table>,
}

/// `[[vpc.routes]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// The subnet whose table holds the route (`$name`).
    pub subnet: String,
    /// Destination block, e.g. `0.0.0.0/0`.
    pub destination: String,
    /// The appliance's ENI (`$name` or `$instance.eni0`).
    pub target: String,
}

/// `[vpc.timing]`: each a number of µs for every path, or a table by path.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingSpec {
    /// AttachNetworkInterface \[µs\].
    pub attach_us: Option<toml::Value>,
    /// DetachNetworkInterface \[µs\].
    pub detach_us: Option<toml::Value>,
    /// A private address moving between ENIs \[µs\].
    pub reassign_us: Option<toml::Value>,
    /// Instance state changes \[µs\].
    pub instance_us: Option<toml::Value>,
}

/// `[rack]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RackSpec {
    /// Hosts in the rack, each a copy of `[host]` (required).
    pub hosts: Option<i64>,
    /// `[rack.switch]`.
    #[serde(default)]
    pub switch: SwitchSpec,
}

/// `[rack.switch]`: the top-of-rack switch.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchSpec {
    /// Port-to-port latency \[ns\]; default 500.
    pub latency_ns: Option<i64>,
    /// `"cut-through"` (the default) or `"store-and-forward"`.
    pub forwarding: Option<String>,
}

/// `[run]`: how long traffic flows.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Traffic window \[µs\]; default 10,000.
    pub duration_us: Option<f64>,
    /// Cap on packets generated per path.
    pub packets: Option<i64>,
    /// Time after the window for packets in flight to arrive \[µs\]; default 10,000.
    pub drain_us: Option<f64>,
}

/// `[host]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostSpec {
    /// VMs on the host; default 1.
    pub vms: Option<i64>,
    /// Passthrough: one physical NIC per VM; default true.
    pub passthrough_nic_per_vm: Option<bool>,
    /// vCPUs per VM, and queue pairs per device; default 1.
    pub vcpus: Option<i64>,
    /// A CPU-bound background job on every vCPU; default false.
    pub background: Option<bool>,
    /// Segmentation, aggregation and checksum offloads.
    pub offloads: Option<OffloadsSpec>,
    /// `"all"` (every stage of the path; the default) or `"wire"` (the
    /// wire alone).
    pub stages: Option<String>,
}

/// `[host.offloads]`: each on unless set false.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffloadsSpec {
    /// TCP segmentation offload.
    pub tso: Option<bool>,
    /// Generic segmentation offload.
    pub gso: Option<bool>,
    /// Generic receive offload.
    pub gro: Option<bool>,
    /// Checksum offload.
    pub csum: Option<bool>,
}

/// What a flow carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKindSpec {
    /// Wire → VM.
    Rx,
    /// VM → wire.
    Tx,
    /// VM → VM on the host.
    VmToVm,
    /// Closed-loop request/response.
    RequestResponse,
    /// A TCP bulk transfer.
    TcpStream,
}

impl FlowKindSpec {
    /// The kind as the file spells it.
    pub fn name(self) -> &'static str {
        match self {
            FlowKindSpec::Rx => "rx",
            FlowKindSpec::Tx => "tx",
            FlowKindSpec::VmToVm => "vm_to_vm",
            FlowKindSpec::RequestResponse => "request_response",
            FlowKindSpec::TcpStream => "tcp_stream",
        }
    }
}

/// How packets of an open-loop flow arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalSpec {
    /// Evenly spaced.
    Constant,
    /// Exponential gaps.
    Poisson,
    /// Bursts and silences (`on_us`, `off_us`).
    OnOff,
}

/// One `[[flows]]` entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowSpec {
    /// Unique name.
    pub name: String,
    /// What the flow carries.
    pub kind: FlowKindSpec,
    /// VM index or `"all"` (rx, tx, request_response server); the source VM
    /// (vm_to_vm).
    pub vm: Option<toml::Value>,
    /// Destination VM (vm_to_vm only).
    pub dst_vm: Option<toml::Value>,
    /// With a `[rack]`: the host of `vm`, an index or `"all"`; default 0.
    pub host: Option<toml::Value>,
    /// With a `[rack]`, for vm_to_vm, request_response from a VM client
    /// and tcp_stream with direction vm_to_vm: the host of `dst_vm` (of
    /// the server `vm`), an index, `"all"` (every other host) or `"next"`;
    /// default `host`.
    pub dst_host: Option<toml::Value>,
    /// Arrival process; default poisson.
    pub arrival: Option<ArrivalSpec>,
    /// Burst length \[µs\] (on_off only).
    pub on_us: Option<f64>,
    /// Silence length \[µs\] (on_off only).
    pub off_us: Option<f64>,
    /// `"imix"`, bytes, or `{ uniform = [lo, hi] }`; default imix.
    pub size: Option<toml::Value>,
    /// Fraction of the line rate on the wire.
    pub load: Option<f64>,
    /// Frame bits per second \[Gbit/s\].
    pub rate_gbps: Option<f64>,
    /// Packets per second \[1/s\].
    pub rate_pps: Option<f64>,
    /// Open-loop flows: 5-tuples (source ports) its packets take in turn.
    pub streams: Option<i64>,
    /// `"external"` or a VM index (request_response only).
    pub client: Option<toml::Value>,
    /// Request frame \[B\] (request_response only).
    pub request_bytes: Option<i64>,
    /// Response frame \[B\] (request_response only).
    pub response_bytes: Option<i64>,
    /// Requests in flight (request_response only).
    pub outstanding: Option<i64>,
    /// Pause before the next request \[µs\] (request_response only).
    pub think_us: Option<f64>,
    /// How long the client waits for a lost request's response before it
    /// sends the next request \[µs\] (request_response only).
    pub timeout_us: Option<f64>,
    /// The server application's work per request \[cycles\]
    /// (request_response only).
    pub server_cycles: Option<i64>,
    /// The server application's work per byte of response payload
    /// \[cycles × 1000\] (request_response only).
    pub server_millicycles_per_byte: Option<i64>,
    /// TCP streams: `"rx"` (a host beyond the wire sends to `vm`), `"tx"`
    /// (`vm` sends to it) or `"vm_to_vm"` (`vm` sends to `dst_vm`); default rx.
    pub direction: Option<String>,
    /// TCP streams: bytes the sender writes per call \[B\].
    pub message_bytes: Option<i64>,
    /// TCP streams: payload bytes per segment \[B\].
    pub mss: Option<i64>,
    /// TCP streams: the receiver's window \[B\].
    pub rwnd_bytes: Option<i64>,
    /// TCP streams: the sender's largest congestion window \[B\].
    pub max_cwnd_bytes: Option<i64>,
    /// TCP streams: initial congestion window \[segments\].
    pub init_cwnd: Option<i64>,
    /// TCP streams: selective acknowledgements.
    pub sack: Option<bool>,
    /// TCP streams: smallest retransmission timeout \[µs\].
    pub rto_min_us: Option<f64>,
    /// TCP streams: delayed-ACK timeout \[µs\].
    pub delack_us: Option<f64>,
    /// Addressed flows (with `[vpc]`): the sending instance (`$name`);
    /// absent: a host on the internet.
    pub from: Option<String>,
    /// Addressed flows: source address (IP or `$name`).
    pub src: Option<String>,
    /// Addressed flows: destination address (IP or `$name`); its presence
    /// makes the flow addressed.
    pub dst: Option<String>,
    /// Addressed flows: `tcp`, `udp` or `icmp`; default tcp.
    pub proto: Option<String>,
    /// Addressed flows: destination port; default 443.
    pub port: Option<i64>,
    /// Addressed flows: source port; default 40000.
    pub src_port: Option<i64>,
    /// Addressed flows: replies leave by the ENI owning their source address.
    pub reply_via_source_eni: Option<bool>,
}

impl FlowSpec {
    /// The optional keys that are present, with their values as TOML text.
    pub fn present_keys(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        let mut add = |k: &'static str, s: Option<String>| {
            if let Some(s) = s {
                v.push((k, s));
            }
        };
        add("vm", self.vm.as_ref().map(ToString::to_string));
        add("dst_vm", self.dst_vm.as_ref().map(ToString::to_string));
        add(
            "arrival",
            self.arrival.map(|a| {
                match a {
                    ArrivalSpec::Constant => "\"constant\"",
                    ArrivalSpec::Poisson => "\"poisson\"",
                    ArrivalSpec::OnOff => "\"on_off\"",
                }
                .to_owned()
            }),
        );
        add("on_us", self.on_us.map(|x| x.to_string()));
        add("off_us", self.off_us.map(|x| x.to_string()));
        add("size", self.size.as_ref().map(ToString::to_string));
        add("load", self.load.map(|x| x.to_string()));
        add("rate_gbps", self.rate_gbps.map(|x| x.to_string()));
        add("rate_pps", self.rate_pps.map(|x| x.to_string()));
        add("streams", self.streams.map(|x| x.to_string()));
        add("client", self.client.as_ref().map(ToString::to_string));
        add("request_bytes", self.request_bytes.map(|x| x.to_string()));
        add("response_bytes", self.response_bytes.map(|x| x.to_string()));
        add("outstanding", self.outstanding.map(|x| x.to_string()));
        add("think_us", self.think_us.map(|x| x.to_string()));
        add("timeout_us", self.timeout_us.map(|x| x.to_string()));
        add("server_cycles", self.server_cycles.map(|x| x.to_string()));
        add(
            "server_millicycles_per_byte",
            self.server_millicycles_per_byte.map(|x| x.to_string()),
        );
        add(
            "direction",
            self.direction.as_ref().map(|x| format!("{x:?}")),
        );
        add("message_bytes", self.message_bytes.map(|x| x.to_string()));
        add("mss", self.mss.map(|x| x.to_string()));
        add("rwnd_bytes", self.rwnd_bytes.map(|x| x.to_string()));
        add("max_cwnd_bytes", self.max_cwnd_bytes.map(|x| x.to_string()));
        add("init_cwnd", self.init_cwnd.map(|x| x.to_string()));
        add("sack", self.sack.map(|x| x.to_string()));
        add("rto_min_us", self.rto_min_us.map(|x| x.to_string()));
        add("delack_us", self.delack_us.map(|x| x.to_string()));
        add("from", self.from.as_ref().map(|x| format!("{x:?}")));
        add("src", self.src.as_ref().map(|x| format!("{x:?}")));
        add("dst", self.dst.as_ref().map(|x| format!("{x:?}")));
        add("proto", self.proto.as_ref().map(|x| format!("{x:?}")));
        add("port", self.port.map(|x| x.to_string()));
        add("src_port", self.src_port.map(|x| x.to_string()));
        add(
            "reply_via_source_eni",
            self.reply_via_source_eni.map(|x| x.to_string()),
        );
        v
    }
}
