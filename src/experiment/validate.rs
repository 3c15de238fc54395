//! Spec → [`Experiment`]: every range check, every default, the expansion of
//! `vm = "all"`, and the conversion of loads into mean packet intervals. What
//! comes out can be handed to the engine without further checks.

use super::check::{check_range, check_us, num, tidy, val, Cx, MAX_US};
use super::error::ExperimentError;
use super::spec::{ArrivalSpec, ExperimentSpec, FlowKindSpec, FlowSpec};
use super::Experiment;
use crate::model::config::{Forwarding, Place, RackConfig, SwitchConfig};
use crate::model::{
    Arrival, BuildError, Client, FlowAddr, FlowConfig, FlowKind, HostConfig, IoPath, Offloads,
    Profile, SizeDist, Stages, TcpParams, WIRE_ONLY_FLOWS,
};
use crate::sim::{BitsPerSec, SimDuration};
use std::collections::BTreeMap;

/// Most VMs on one host.
const MAX_VMS: i64 = 4096;
/// Most requests in flight per request/response flow.
const MAX_OUTSTANDING: i64 = 1024;
/// Shortest and longest mean interval between packets \[ps\].
const MIN_INTERVAL_PS: f64 = 1.0;
const MAX_INTERVAL_PS: f64 = 1e18;
/// Largest `load` (fraction of line rate): enough to overload any path.
const MAX_LOAD: f64 = 10.0;
/// Fewest and most hosts in a `[rack]`.
const MIN_HOSTS: i64 = 2;
const MAX_HOSTS: i64 = 1024;
/// Largest port-to-port latency of a rack's switch \[ns\] (1 ms).
const MAX_SWITCH_NS: i64 = 1_000_000;
/// The wire a flow's `load` is a fraction of.
#[derive(Clone, Copy)]
struct Wire {
    /// Line rate.
    rate: BitsPerSec,
    /// Wire time per frame beyond the frame (`wire_framing_bytes`) \[B\].
    framing_bytes: u32,
}

/// [`check_range`] for a range within `u32`.
fn check_int(
    cx: &Cx,
    key: &str,
    v: i64,
    lo: i64,
    hi: i64,
    what: &str,
) -> Result<u32, ExperimentError> {
    debug_assert!(lo >= 0 && hi <= i64::from(u32::MAX));
    check_range(cx, key, v, lo, hi, what).map(|v| v as u32)
}

fn frame_bytes(cx: &Cx, key: &str, v: i64) -> Result<u32, ExperimentError> {
    check_int(
        cx,
        key,
        v,
        SizeDist::MIN_FRAME as i64,
        SizeDist::MAX_FRAME as i64,
        "[B, Ethernet frame with FCS]",
    )
}

/// A range rule for one profile key.
enum Rule {
    /// An integer in `lo..=hi`.
    Int(i64, i64),
    /// One of these integers.
    OneOf(&'static [i64]),
    /// A finite number `≥ 0` and `≤ MAX_US` \[µs\].
    Interval,
    /// A link rate that [`BitsPerSec::from_gbps`] accepts.
    LinkGbps,
    /// One of these strings.
    Word(&'static [&'static str]),
}

/// Largest CPU cost of one piece of work \[cycles\]: 10 million, 3.3 ms at
/// 3 GHz — far beyond any real per-packet cost, and small enough that no
/// route, backlog and clock the ranges allow can overflow simulated time.
const MAX_CYCLES: i64 = 10_000_000;
/// Largest fixed hardware latency \[ns\] (10 ms).
const MAX_NS: i64 = 10_000_000;

/// The range of every `[costs]` key (a test checks that every profile field
/// has one).
const RULES: &[(&str, Rule)] = &[
    ("cpu_mhz", Rule::Int(100, 10_000)),
    ("hv_io_cores", Rule::Int(1, 64)),
    ("link_gbps", Rule::LinkGbps),
    ("pcie_gen", Rule::Int(1, 5)),
    ("pcie_lanes", Rule::OneOf(&[1, 2, 4, 8, 16])),
    (
        "pcie_mps_bytes",
        Rule::OneOf(&[128, 256, 512, 1024, 2048, 4096]),
    ),
    ("nic_ring", Rule::Int(1, 65_536)),
    ("vf_ring", Rule::Int(1, 65_536)),
    ("emulated_ring", Rule::Int(1, 65_536)),
    ("virtio_ring", Rule::Int(1, 65_536)),
    ("hv_backlog", Rule::Int(1, 1 << 20)),
    ("socket_backlog", Rule::Int(1, 1 << 20)),
    ("switch_buffer_frames", Rule::Int(1, 1 << 20)),
    ("qdisc_frames", Rule::Int(0, 1 << 20)),
    ("max_vfs", Rule::Int(0, 4096)),
    ("iotlb_entries", Rule::Int(1, 65_536)),
    ("iommu_page_kib", Rule::OneOf(&[4, 2048, 1_048_576])),
    ("rx_buffer_bytes", Rule::Int(64, 65_536)),
    ("nic_irq_interval_us", Rule::Interval),
    ("nic_irq_delay_us", Rule::Interval),
    ("emulated_irq_interval_us", Rule::Interval),
    ("pcie_tlp_overhead_bytes", Rule::Int(0, 4096)),
    ("pcie_desc_bytes", Rule::Int(0, 4096)),
    ("nic_pipeline_ns", Rule::Int(0, MAX_NS)),
    ("eswitch_ns", Rule::Int(0, MAX_NS)),
    ("tor_latency_ns", Rule::Int(0, MAX_NS)),
    ("flow_limit_mbps", Rule::Int(0, 1_000_000)),
    ("wire_framing_bytes", Rule::Int(0, 1024)),
    ("wire_propagation_ns", Rule::Int(0, MAX_NS)),
    ("wire_hops", Rule::Int(1, 64)),
    ("iotlb_hit_ns", Rule::Int(0, MAX_NS)),
    ("iotlb_miss_ns", Rule::Int(0, MAX_NS)),
    ("doorbell_ns", Rule::Int(0, MAX_NS)),
    ("kick_wakeup_ns", Rule::Int(0, MAX_NS)),
    (
        "interrupt_delivery",
        Rule::Word(&["injected", "apicv", "posted"]),
    ),
    ("exit_cycles", Rule::Int(0, MAX_CYCLES)),
    ("io_exit_user_cycles", Rule::Int(0, MAX_CYCLES)),
    ("eoi_exit_cycles", Rule::Int(0, MAX_CYCLES)),
    ("inject_cycles", Rule::Int(0, MAX_CYCLES)),
    ("kick_cycles", Rule::Int(0, MAX_CYCLES)),
    ("device_model_cycles", Rule::Int(0, MAX_CYCLES)),
    ("soft_switch_cycles", Rule::Int(0, MAX_CYCLES)),
    ("vhost_cycles", Rule::Int(0, MAX_CYCLES)),
    ("host_driver_cycles", Rule::Int(0, MAX_CYCLES)),
    ("host_irq_cycles", Rule::Int(0, MAX_CYCLES)),
    ("guest_irq_cycles", Rule::Int(0, MAX_CYCLES)),
    ("guest_driver_cycles", Rule::Int(0, MAX_CYCLES)),
    ("guest_stack_cycles", Rule::Int(0, MAX_CYCLES)),
    ("app_cycles", Rule::Int(0, MAX_CYCLES)),
    // 1,000 cycles per byte at most.
    ("copy_millicycles_per_byte", Rule::Int(0, 1_000_000)),
    ("csum_millicycles_per_byte", Rule::Int(0, 1_000_000)),
    ("gso_segment_cycles", Rule::Int(0, MAX_CYCLES)),
    ("e1000_exits_per_irq", Rule::Int(0, 16)),
    ("guest_hz", Rule::Int(0, 10_000)),
    ("napi_budget", Rule::Int(1, 65_536)),
    ("irq_moderation", Rule::Word(&["static", "adaptive"])),
    ("idle_wakeups_per_s", Rule::Int(0, 100_000)),
    ("timer_tick_cycles", Rule::Int(0, MAX_CYCLES)),
];

impl Rule {
    fn allowed(&self) -> String {
        match self {
            Rule::Int(lo, hi) => format!("allowed {lo}..={hi}"),
            Rule::OneOf(v) => format!(
                "allowed one of {}",
                v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            ),
            Rule::Interval => format!("allowed a number of µs ≥ 0 and ≤ {}", num(MAX_US)),
            Rule::LinkGbps => {
                "allowed a number of Gbit/s > 0 that is a whole number of bit/s (e.g. 10, 25, 2.5)"
                    .to_owned()
            }
            Rule::Word(w) => format!(
                "allowed one of {}",
                w.iter()
                    .map(|x| format!("{x:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn accepts(&self, v: &toml::Value) -> bool {
        match (self, v) {
            (Rule::Int(lo, hi), toml::Value::Integer(i)) => lo <= i && i <= hi,
            (Rule::OneOf(set), toml::Value::Integer(i)) => set.contains(i),
            (Rule::Interval, toml::Value::Float(x)) => x.is_finite() && *x >= 0.0 && *x <= MAX_US,
            (Rule::LinkGbps, toml::Value::Float(x)) => BitsPerSec::from_gbps(*x).is_some(),
            (Rule::Word(w), toml::Value::String(x)) => w.contains(&x.as_str()),
            _ => false,
        }
    }
}

fn rule(key: &str) -> Option<&'static Rule> {
    RULES.iter().find(|(k, _)| *k == key).map(|(_, r)| r)
}

/// The named profile with `[costs]` applied and every bounded key checked.
/// Returns the profile and the overrides as `key = value` texts.
fn build_profile(
    cx: &Cx,
    name: &str,
    costs: &toml::Table,
) -> Result<(Profile, Vec<String>), ExperimentError> {
    let Some(base) = Profile::builtin(name) else {
        return Err(cx.invalid(
            "profile",
            Some(format!("{name:?}")),
            format!("unknown profile; allowed: {}", Profile::NAMES.join(", ")),
        ));
    };
    let base_table = toml::Table::try_from(&base).map_err(|e| {
        cx.invalid(
            "profile",
            Some(format!("{name:?}")),
            format!("cannot be read: {e}"),
        )
    })?;
    let mut merged = base_table.clone();
    let mut applied = Vec::new();
    for (k, v) in costs {
        let key = format!("costs.{k}");
        if k == "name" || k == "summary" {
            return Err(cx.invalid(
                &key,
                Some(v.to_string()),
                "cannot be overridden; choose a profile with `profile = ...`",
            ));
        }
        if k == "posted_interrupts" {
            return Err(cx.invalid(
                &key,
                Some(v.to_string()),
                "was replaced by costs.interrupt_delivery: \"injected\" (no APICv), \"apicv\" \
                 (APICv without VT-d posted interrupts) or \"posted\" (APICv and VT-d posted \
                 interrupts; posted_interrupts = true)",
            ));
        }
        let Some(old) = base_table.get(k) else {
            let keys: Vec<&str> = base_table
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "name" && *k != "summary")
                .collect();
            return Err(cx.invalid(
                &key,
                Some(v.to_string()),
                format!("unknown key; allowed: {}", keys.join(", ")),
            ));
        };
        let v = match (old, v) {
            (toml::Value::Float(_), toml::Value::Integer(i)) => toml::Value::Float(*i as f64),
            _ => v.clone(),
        };
        if old.type_str() != v.type_str() {
            let what = match old {
                toml::Value::Integer(_) => "an integer",
                toml::Value::Float(_) => "a number",
                toml::Value::Boolean(_) => "a boolean (true or false)",
                _ => old.type_str(),
            };
            return Err(cx.invalid(
                &key,
                Some(v.to_string()),
                format!("expected {what}, like the profile's {old}"),
            ));
        }
        applied.push(format!("{k} = {v}"));
        merged.insert(k.clone(), v);
    }
    let profile: Profile = match toml::Value::Table(merged.clone()).try_into() {
        Ok(p) => p,
        Err(e) => {
            // Find the override that does not fit its field's integer type.
            for (k, v) in costs {
                let mut one = base_table.clone();
                one.insert(
                    k.clone(),
                    merged.get(k).cloned().unwrap_or_else(|| v.clone()),
                );
                if toml::Value::Table(one).try_into::<Profile>().is_err() {
                    let allowed = rule(k)
                        .map(Rule::allowed)
                        .unwrap_or_else(|| "allowed 0..=4294967295".to_owned());
                    let what = if v.is_str() {
                        "not one of the allowed values"
                    } else {
                        "out of range"
                    };
                    return Err(cx.invalid(
                        &format!("costs.{k}"),
                        Some(v.to_string()),
                        format!("{what}; {allowed}"),
                    ));
                }
            }
            return Err(cx.invalid("costs", None, tidy(e.message())));
        }
    };
    for (k, r) in RULES {
        if let Some(v) = merged.get(*k) {
            if !r.accepts(v) {
                return Err(cx.invalid(&format!("costs.{k}"), Some(v.to_string()), r.allowed()));
            }
        }
    }
    Ok((profile, applied))
}

/// A VM named by a flow: one index or every VM.
#[derive(Clone, Copy)]
enum VmSel {
    One(u32),
    All,
}

fn vm_index(cx: &Cx, key: &str, v: &toml::Value, vms: u32) -> Result<u32, ExperimentError> {
    match v {
        toml::Value::Integer(i) if (0..vms as i64).contains(i) => Ok(*i as u32),
        toml::Value::Integer(_) => Err(cx.invalid(
            key,
            Some(v.to_string()),
            format!("no such VM; allowed 0..={} (host.vms = {vms})", vms - 1),
        )),
        _ => Err(cx.invalid(
            key,
            Some(v.to_string()),
            format!("expected a VM index, 0..={}", vms - 1),
        )),
    }
}

fn vm_sel(
    cx: &Cx,
    key: &str,
    v: &toml::Value,
    vms: u32,
    all_ok: bool,
) -> Result<VmSel, ExperimentError> {
    match v {
        toml::Value::String(s) if s == "all" && all_ok => Ok(VmSel::All),
        toml::Value::Integer(_) => vm_index(cx, key, v, vms).map(VmSel::One),
        _ if all_ok => Err(cx.invalid(
            key,
            Some(v.to_string()),
            format!("expected a VM index (0..={}) or \"all\"", vms - 1),
        )),
        _ => vm_index(cx, key, v, vms).map(VmSel::One),
    }
}

fn size_dist(cx: &Cx, key: &str, v: Option<&toml::Value>) -> Result<SizeDist, ExperimentError> {
    let shape = || {
        format!(
            "expected \"imix\", a frame size in bytes ({}..={}) or {{ uniform = [lo, hi] }}",
            SizeDist::MIN_FRAME,
            SizeDist::MAX_FRAME
        )
    };
    let Some(v) = v else {
        return Ok(SizeDist::Imix);
    };
    match v {
        toml::Value::String(s) if s == "imix" => Ok(SizeDist::Imix),
        toml::Value::Integer(b) => frame_bytes(cx, key, *b).map(SizeDist::Fixed),
        toml::Value::Table(t) if t.len() == 1 && t.contains_key("uniform") => {
            let bounds = match &t["uniform"] {
                toml::Value::Array(a) if a.len() == 2 => match (&a[0], &a[1]) {
                    (toml::Value::Integer(lo), toml::Value::Integer(hi)) => Some((*lo, *hi)),
                    _ => None,
                },
                _ => None,
            };
            let Some((lo, hi)) = bounds else {
                return Err(cx.invalid(
                    &format!("{key}.uniform"),
                    Some(t["uniform"].to_string()),
                    "expected [lo, hi], two frame sizes in bytes",
                ));
            };
            let lo_b = frame_bytes(cx, &format!("{key}.uniform.0"), lo)?;
            let hi_b = frame_bytes(cx, &format!("{key}.uniform.1"), hi)?;
            if lo_b > hi_b {
                return Err(cx.invalid(
                    &format!("{key}.uniform"),
                    Some(t["uniform"].to_string()),
                    "lo must not exceed hi",
                ));
            }
            Ok(SizeDist::Uniform { lo: lo_b, hi: hi_b })
        }
        _ => Err(cx.invalid(key, Some(v.to_string()), shape())),
    }
}

/// `[host] stages`, and what a wire-only host cannot carry.
fn stages(cx: &Cx, spec: &ExperimentSpec) -> Result<Stages, ExperimentError> {
    let stages = match spec.host.stages.as_deref() {
        None | Some("all") => Stages::All,
        Some("wire") => Stages::Wire,
        Some(other) => {
            return Err(cx.invalid(
                "host.stages",
                Some(format!("{other:?}")),
                "allowed \"all\" (every stage of the I/O path, the default) or \"wire\" \
                 (the wire alone: hops, switch buffer, serialization and propagation)",
            ))
        }
    };
    if stages == Stages::Wire {
        if spec.vpc.is_some() {
            return Err(cx.invalid(
                "host.stages",
                Some("\"wire\"".into()),
                "a wire-only host has no instances for a [vpc]; remove one or the other",
            ));
        }
        for (i, f) in spec.flows.iter().enumerate() {
            if !matches!(f.kind, FlowKindSpec::Rx | FlowKindSpec::Tx) || f.dst.is_some() {
                return Err(cx.invalid(
                    &format!("flows.{i}.kind"),
                    Some(format!("{:?}", f.kind.name())),
                    WIRE_ONLY_FLOWS,
                ));
            }
        }
    }
    Ok(stages)
}

/// `[rack]`, checked: its hosts and switch (the flows' places are checked
/// with the flows). `None` without a `[rack]`.
fn rack(
    cx: &Cx,
    spec: &ExperimentSpec,
    profile: &Profile,
) -> Result<Option<(u32, SwitchConfig)>, ExperimentError> {
    let Some(r) = &spec.rack else {
        return Ok(None);
    };
    let Some(hosts) = r.hosts else {
        return Err(cx.invalid(
            "rack.hosts",
            None,
            format!(
                "required key is missing (the hosts in the rack, {MIN_HOSTS}..={MAX_HOSTS}; \
                 without a [rack] the experiment has one host)"
            ),
        ));
    };
    let hosts = check_int(cx, "rack.hosts", hosts, MIN_HOSTS, MAX_HOSTS, "hosts")?;
    let latency = match r.switch.latency_ns {
        None => SwitchConfig::DEFAULT_LATENCY,
        Some(ns) => {
            let ns = check_range(
                cx,
                "rack.switch.latency_ns",
                ns,
                0,
                MAX_SWITCH_NS,
                "[ns, port to port]",
            )?;
            SimDuration::from_ns(ns as u64)
        }
    };
    let forwarding = match r.switch.forwarding.as_deref() {
        None => Forwarding::default(),
        Some(s) if s == Forwarding::CutThrough.name() => Forwarding::CutThrough,
        Some(s) if s == Forwarding::StoreAndForward.name() => Forwarding::StoreAndForward,
        Some(other) => {
            return Err(cx.invalid(
                "rack.switch.forwarding",
                Some(format!("{other:?}")),
                "allowed \"cut-through\" (a frame leaves once its first 64 B have arrived; \
                 the default) or \"store-and-forward\" (once all of it has)",
            ))
        }
    };
    // The hosts run in parallel with a lookahead of wire_propagation_ns +
    // latency_ns: both 0 leave none.
    if latency == SimDuration::ZERO && profile.wire_propagation_ns == 0 {
        return Err(cx.invalid(
            "rack.switch.latency_ns",
            Some("0".into()),
            "the synchronization window (cable propagation + switch latency) must be > 0, and \
             costs.wire_propagation_ns is 0 too; allowed ≥ 1 ns (or set \
             costs.wire_propagation_ns)",
        ));
    }
    if let Some(vpc) = &spec.vpc {
        for (i, f) in spec
            .flows
            .iter()
            .enumerate()
            .filter(|(_, f)| f.dst.is_some())
        {
            // Request/response from beyond the rack (no `from`); TCP is
            // refused as addressed on any host (`addressed_flow`).
            if f.kind == FlowKindSpec::RequestResponse && f.from.is_none() {
                return Err(cx.invalid(
                    &format!("flows.{i}.from"),
                    None,
                    crate::model::rack::ADDRESSED_IN_A_RACK,
                ));
            }
            // A closed loop's requests and answers are decided on different
            // hosts: nothing else may read the allowances they charge.
            if f.kind == FlowKindSpec::RequestResponse {
                let limit = [
                    (
                        "vpc.pps_allowance",
                        vpc.pps_allowance.map(|v| v.to_string()),
                    ),
                    (
                        "vpc.conntrack_allowance",
                        vpc.conntrack_allowance.map(|v| v.to_string()),
                    ),
                ];
                if let Some((key, v)) = limit.into_iter().find(|(_, v)| v.is_some()) {
                    return Err(cx.invalid(key, v, crate::model::rack::RR_ALONE_IN_A_RACK));
                }
                if let Some(other) = spec
                    .flows
                    .iter()
                    .enumerate()
                    .find(|&(j, g)| j != i && g.dst.is_some())
                {
                    return Err(cx.invalid(
                        &format!("flows.{}.dst", other.0),
                        other.1.dst.as_ref().map(|d| format!("{d:?}")),
                        format!(
                            "{} (flows.{i}, {}, is one)",
                            crate::model::rack::RR_ALONE_IN_A_RACK,
                            f.name
                        ),
                    ));
                }
            }
            // One copy of the flow: every host takes the packets of its own
            // instances already.
            if let Some(h @ toml::Value::String(_)) = &f.host {
                return Err(cx.invalid(
                    &format!("flows.{i}.host"),
                    Some(h.to_string()),
                    "an addressed flow reaches whichever host runs its instance; `host` only \
                     names the host that books the VPC's drops of a flow from beyond the rack \
                     (an index; a flow from an instance is sent by that instance's host)",
                ));
            }
        }
    }
    Ok(Some((
        hosts,
        SwitchConfig {
            latency,
            forwarding,
        },
    )))
}

/// A host named by a flow's `host` key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HostSel {
    One(u32),
    All,
}

/// A vm_to_vm flow's `dst_host`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DstHostSel {
    /// Absent: the flow's own host.
    Same,
    One(u32),
    /// Every other host.
    All,
    /// `(host + 1) mod hosts`.
    Next,
}

/// A host index `v` of `key`; `words`: what else the key takes, for the
/// message if `v` is not an integer.
fn host_index(
    cx: &Cx,
    key: &str,
    v: &toml::Value,
    hosts: u32,
    words: &str,
) -> Result<u32, ExperimentError> {
    match v {
        toml::Value::Integer(i) if (0..hosts as i64).contains(i) => Ok(*i as u32),
        toml::Value::Integer(_) => Err(cx.invalid(
            key,
            Some(v.to_string()),
            format!(
                "no such host; allowed 0..={} (rack.hosts = {hosts})",
                hosts - 1
            ),
        )),
        _ => Err(cx.invalid(
            key,
            Some(v.to_string()),
            format!("expected a host index (0..={}){words}", hosts - 1),
        )),
    }
}

/// Where the copies of one `[[flows]]` entry sit: one [`Place`] per copy,
/// in order (hosts ascending, then destination hosts ascending), each with
/// the suffix its copy's name takes after the entry's name (empty when
/// neither `host` nor `dst_host` expands). Without a `[rack]`: one copy on
/// host 0, and `host` and `dst_host` are refused.
fn places(
    cx: &Cx,
    prefix: &str,
    f: &FlowSpec,
    hosts: Option<u32>,
) -> Result<Vec<(Place, String)>, ExperimentError> {
    let keys = [("host", &f.host), ("dst_host", &f.dst_host)];
    let Some(n) = hosts else {
        if let Some((k, Some(v))) = keys.iter().find(|(_, v)| v.is_some()) {
            return Err(cx.invalid(
                &format!("{prefix}.{k}"),
                Some(v.to_string()),
                "applies only with a [rack] (rack.hosts): without one the experiment has one \
                 host",
            ));
        }
        return Ok(vec![(
            Place {
                host: 0,
                dst_host: 0,
            },
            String::new(),
        )]);
    };
    // A request/response flow's client is on `host`, its server VM on
    // `dst_host`; a client beyond the switch has no host.
    let rr_from_vm = f.kind == FlowKindSpec::RequestResponse
        && !matches!(&f.client, None | Some(toml::Value::String(_)));
    // A TCP stream between VMs: its sender on `host`, its receiver on
    // `dst_host`.
    let tcp_v2v = f.kind == FlowKindSpec::TcpStream && f.direction.as_deref() == Some("vm_to_vm");
    if let (Some(v), false) = (
        &f.dst_host,
        f.kind == FlowKindSpec::VmToVm || rr_from_vm || tcp_v2v,
    ) {
        let why = match f.kind {
            FlowKindSpec::Rx | FlowKindSpec::Tx => {
                "its other end is a client beyond the switch".to_owned()
            }
            FlowKindSpec::RequestResponse => {
                "its client is beyond the switch: give client a VM index to place it on `host`"
                    .to_owned()
            }
            FlowKindSpec::TcpStream => {
                "its other end is beyond the switch: direction = \"vm_to_vm\" has a VM at both"
                    .to_owned()
            }
            FlowKindSpec::VmToVm => unreachable!("vm_to_vm flows take dst_host"),
        };
        return Err(cx.invalid(
            &format!("{prefix}.dst_host"),
            Some(v.to_string()),
            format!(
                "applies to kind = \"vm_to_vm\", \"request_response\" from a VM client and \
                 \"tcp_stream\" with direction = \"vm_to_vm\" only ({why})"
            ),
        ));
    }
    let host_key = format!("{prefix}.host");
    let host = match &f.host {
        None => HostSel::One(0),
        Some(toml::Value::String(s)) if s == "all" => HostSel::All,
        Some(v) => HostSel::One(host_index(cx, &host_key, v, n, " or \"all\"")?),
    };
    let dst_key = format!("{prefix}.dst_host");
    let dst = match &f.dst_host {
        None => DstHostSel::Same,
        Some(toml::Value::String(s)) if s == "all" => DstHostSel::All,
        Some(toml::Value::String(s)) if s == "next" => DstHostSel::Next,
        Some(v) => DstHostSel::One(host_index(
            cx,
            &dst_key,
            v,
            n,
            ", \"all\" (every other host) or \"next\" ((host + 1) mod rack.hosts)",
        )?),
    };
    let srcs: Vec<u32> = match host {
        HostSel::One(h) => vec![h],
        HostSel::All => (0..n).collect(),
    };
    let dst_expands = matches!(dst, DstHostSel::All | DstHostSel::Next);
    let host_expands = host == HostSel::All || dst_expands;
    let mut out = Vec::new();
    for h in srcs {
        let dsts: Vec<u32> = match dst {
            DstHostSel::Same => vec![h],
            DstHostSel::One(d) => vec![d],
            DstHostSel::All => (0..n).filter(|&d| d != h).collect(),
            DstHostSel::Next => vec![(h + 1) % n],
        };
        for d in dsts {
            let mut suffix = String::new();
            if host_expands {
                suffix.push_str(&format!(".h{h}"));
            }
            if dst_expands {
                suffix.push_str(&format!("-h{d}"));
            }
            out.push((
                Place {
                    host: h,
                    dst_host: d,
                },
                suffix,
            ));
        }
    }
    Ok(out)
}

/// The mean interval between packets \[ps\] of an open-loop flow, from its
/// one rate key.
fn mean_interval_ps(
    cx: &Cx,
    prefix: &str,
    f: &FlowSpec,
    sizes: SizeDist,
    link: Wire,
) -> Result<f64, ExperimentError> {
    let given: Vec<(&str, f64)> = [
        ("load", f.load),
        ("rate_gbps", f.rate_gbps),
        ("rate_pps", f.rate_pps),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let (name, value) = match given.as_slice() {
        [] => return Err(cx.invalid(
            prefix,
            None,
            "needs one of load (fraction of line rate), rate_gbps [Gbit/s] or rate_pps [packets/s]",
        )),
        [one] => *one,
        [first, second, ..] => {
            return Err(cx.invalid(
                &format!("{prefix}.{}", second.0),
                Some(val(second.1)),
                format!(
                    "give only one of load, rate_gbps, rate_pps ({} is given too)",
                    first.0
                ),
            ))
        }
    };
    let key = format!("{prefix}.{name}");
    let mean = sizes.mean_bytes();
    // pps = value / per; `per` converts packets/s into the key's unit.
    let (per, unit) = match name {
        "load" => {
            if !(value.is_finite() && value > 0.0 && value <= MAX_LOAD) {
                return Err(cx.invalid(
                    &key,
                    Some(val(value)),
                    format!(
                        "allowed a fraction of the line rate > 0 and ≤ {}",
                        num(MAX_LOAD)
                    ),
                ));
            }
            (
                (mean + link.framing_bytes as f64) * 8.0 / link.rate.bps() as f64,
                "of the line rate".to_owned(),
            )
        }
        "rate_gbps" => (
            mean * 8.0 / 1e9,
            format!("Gbit/s at a mean frame of {} B", num(mean)),
        ),
        _ => (1.0, "packets/s".to_owned()),
    };
    if !(value.is_finite() && value > 0.0) {
        return Err(cx.invalid(
            &key,
            Some(val(value)),
            format!("must be a finite number > 0 [{unit}]"),
        ));
    }
    let pps = value / per;
    let interval = 1e12 / pps;
    if !(interval.is_finite() && (MIN_INTERVAL_PS..=MAX_INTERVAL_PS).contains(&interval)) {
        let lo = 1e12 / MAX_INTERVAL_PS * per;
        let mut hi = 1e12 / MIN_INTERVAL_PS * per;
        if name == "load" {
            hi = hi.min(MAX_LOAD);
        }
        return Err(cx.invalid(
            &key,
            Some(val(value)),
            format!(
                "this load cannot be represented: it means a packet every {} ps, but the \
                 model's mean interval must be 1..=1e18 ps; allowed {}..={} {unit}",
                num(interval),
                num(lo),
                num(hi)
            ),
        ));
    }
    Ok(interval)
}

const OPEN_KEYS: &[&str] = &[
    "arrival",
    "streams",
    "on_us",
    "off_us",
    "size",
    "load",
    "rate_gbps",
    "rate_pps",
];
const TCP_KEYS: &[&str] = &[
    "direction",
    "dst_vm",
    "message_bytes",
    "mss",
    "rwnd_bytes",
    "max_cwnd_bytes",
    "init_cwnd",
    "sack",
    "rto_min_us",
    "delack_us",
];
const RR_KEYS: &[&str] = &[
    "client",
    "server_cycles",
    "server_millicycles_per_byte",
    "request_bytes",
    "response_bytes",
    "outstanding",
    "think_us",
    "timeout_us",
];

fn check_keys_apply(cx: &Cx, prefix: &str, f: &FlowSpec) -> Result<(), ExperimentError> {
    let allowed: Vec<&str> = match f.kind {
        FlowKindSpec::Rx | FlowKindSpec::Tx => OPEN_KEYS.to_vec(),
        FlowKindSpec::VmToVm => {
            let mut v = OPEN_KEYS.to_vec();
            v.push("dst_vm");
            v
        }
        FlowKindSpec::RequestResponse => RR_KEYS.to_vec(),
        FlowKindSpec::TcpStream => TCP_KEYS.to_vec(),
    };
    for (k, v) in f.present_keys() {
        if k != "vm" && !allowed.contains(&k) {
            return Err(cx.invalid(
                &format!("{prefix}.{k}"),
                Some(v),
                format!(
                    "does not apply to kind = \"{}\"; its keys are name, kind, vm, {}",
                    f.kind.name(),
                    allowed.join(", ")
                ),
            ));
        }
    }
    let on_off = f.arrival == Some(ArrivalSpec::OnOff);
    for (k, v) in [("on_us", f.on_us), ("off_us", f.off_us)] {
        if let (Some(v), false) = (v, on_off) {
            return Err(cx.invalid(
                &format!("{prefix}.{k}"),
                Some(val(v)),
                "applies only with arrival = \"on_off\"",
            ));
        }
    }
    Ok(())
}

fn arrival(cx: &Cx, prefix: &str, f: &FlowSpec) -> Result<Arrival, ExperimentError> {
    Ok(match f.arrival.unwrap_or(ArrivalSpec::Poisson) {
        ArrivalSpec::Constant => Arrival::Constant,
        ArrivalSpec::Poisson => Arrival::Poisson,
        ArrivalSpec::OnOff => {
            let get = |k: &str, v: Option<f64>| match v {
                Some(v) => check_us(cx, &format!("{prefix}.{k}"), v, false),
                None => Err(cx.invalid(
                    &format!("{prefix}.{k}"),
                    None,
                    "required with arrival = \"on_off\" (a number of µs > 0)",
                )),
            };
            let on = get("on_us", f.on_us)?;
            let off = get("off_us", f.off_us)?;
            Arrival::OnOff { on, off }
        }
    })
}

/// The flows of one `[[flows]]` entry on one host (several with
/// `vm = "all"`). `same_host`: whether a vm_to_vm or request/response flow
/// may have its two ends on one host, and if so what the refusal of
/// `vm == dst_vm` (`client == vm`) adds to its message (`None`: every copy
/// of the entry runs between two hosts, whose VMs may share an index).
fn expand_flow(
    cx: &Cx,
    i: usize,
    f: &FlowSpec,
    vms: u32,
    link: Wire,
    same_host: Option<&str>,
) -> Result<Vec<FlowConfig>, ExperimentError> {
    let prefix = format!("flows.{i}");
    if f.name.trim().is_empty() {
        return Err(cx.invalid(
            &format!("{prefix}.name"),
            Some(format!("{:?}", f.name)),
            "must not be empty",
        ));
    }
    if f.dst.is_some() {
        return addressed_flow(cx, &prefix, f, link);
    }
    for (k, v) in f.present_keys() {
        if super::vpc::ADDRESSED_KEYS.contains(&k) {
            return Err(cx.invalid(
                &format!("{prefix}.{k}"),
                Some(v),
                "belongs to addressed flows: give dst (and a [vpc])",
            ));
        }
    }
    check_keys_apply(cx, &prefix, f)?;
    let vm_key = format!("{prefix}.vm");
    let Some(vm) = &f.vm else {
        return Err(cx.invalid(&vm_key, None, "required key is missing (a VM index)"));
    };
    let name_for = |sel: VmSel, v: u32| match sel {
        VmSel::All => format!("{}.vm{v}", f.name),
        VmSel::One(_) => f.name.clone(),
    };
    let targets = |sel: VmSel| match sel {
        VmSel::All => (0..vms).collect::<Vec<u32>>(),
        VmSel::One(v) => vec![v],
    };
    let mut out = Vec::new();
    match f.kind {
        FlowKindSpec::Rx | FlowKindSpec::Tx | FlowKindSpec::VmToVm => {
            let sizes = size_dist(cx, &format!("{prefix}.size"), f.size.as_ref())?;
            let arrival = arrival(cx, &prefix, f)?;
            let interval = mean_interval_ps(cx, &prefix, f, sizes, link)?;
            let streams = check_int(
                cx,
                &format!("{prefix}.streams"),
                f.streams.unwrap_or(1),
                1,
                4096,
                "5-tuples the flow's packets take in turn",
            )?;
            let is_v2v = f.kind == FlowKindSpec::VmToVm;
            let sel = vm_sel(cx, &vm_key, vm, vms, !is_v2v)?;
            let dst = if is_v2v {
                let key = format!("{prefix}.dst_vm");
                let Some(d) = &f.dst_vm else {
                    return Err(cx.invalid(&key, None, "required key is missing (a VM index)"));
                };
                let d = vm_index(cx, &key, d, vms)?;
                if let (VmSel::One(src), Some(note)) = (sel, same_host) {
                    if src == d {
                        return Err(cx.invalid(
                            &key,
                            Some(d.to_string()),
                            format!("must differ from the source VM ({prefix}.vm = {src}){note}"),
                        ));
                    }
                }
                Some(d)
            } else {
                None
            };
            for v in targets(sel) {
                let kind = match (f.kind, dst) {
                    (FlowKindSpec::Rx, _) => FlowKind::Rx { vm: v },
                    (FlowKindSpec::Tx, _) => FlowKind::Tx { vm: v },
                    (_, Some(dst)) => FlowKind::VmToVm { src: v, dst },
                    (_, None) => unreachable!("vm_to_vm always has a destination here"),
                };
                out.push(FlowConfig {
                    name: name_for(sel, v),
                    kind,
                    arrival,
                    sizes,
                    mean_interval_ps: interval,
                    streams,
                    addr: None,
                });
            }
        }
        FlowKindSpec::TcpStream => {
            let tcp = tcp_params(cx, &prefix, f)?;
            let dir_key = format!("{prefix}.direction");
            let dir = f.direction.as_deref().unwrap_or("rx");
            if !["rx", "tx", "vm_to_vm"].contains(&dir) {
                return Err(cx.invalid(
                    &dir_key,
                    Some(format!("{dir:?}")),
                    "allowed \"rx\" (a host beyond the wire sends to vm), \"tx\" (vm sends to it) \
                     or \"vm_to_vm\" (vm sends to dst_vm)",
                ));
            }
            let is_v2v = dir == "vm_to_vm";
            let dst_key = format!("{prefix}.dst_vm");
            let sel = vm_sel(cx, &vm_key, vm, vms, !is_v2v)?;
            let dst = match (&f.dst_vm, is_v2v) {
                (Some(d), true) => Some(vm_index(cx, &dst_key, d, vms)?),
                (None, true) => {
                    return Err(cx.invalid(
                        &dst_key,
                        None,
                        "required with direction = \"vm_to_vm\" (a VM index)",
                    ))
                }
                (Some(d), false) => {
                    return Err(cx.invalid(
                        &dst_key,
                        Some(d.to_string()),
                        "applies only with direction = \"vm_to_vm\"",
                    ))
                }
                (None, false) => None,
            };
            for v in targets(sel) {
                let (src, to) = match (dir, dst) {
                    ("rx", _) => (Client::External, Client::Vm(v)),
                    ("tx", _) => (Client::Vm(v), Client::External),
                    (_, Some(d)) if d == v && same_host.is_some() => {
                        return Err(cx.invalid(
                            &dst_key,
                            Some(d.to_string()),
                            format!(
                                "must differ from the sending VM ({prefix}.vm = {v}){}",
                                same_host.unwrap_or_default()
                            ),
                        ))
                    }
                    (_, Some(d)) => (Client::Vm(v), Client::Vm(d)),
                    (_, None) => unreachable!("vm_to_vm always has a destination here"),
                };
                out.push(FlowConfig {
                    name: name_for(sel, v),
                    kind: FlowKind::TcpStream { src, dst: to, tcp },
                    arrival: Arrival::Poisson,
                    sizes: SizeDist::Fixed(tcp.mss + crate::model::tcp::FRAME_OVERHEAD),
                    // Unused by a stream; kept ≥ 1 ps as the field promises.
                    mean_interval_ps: MIN_INTERVAL_PS,
                    streams: 1,
                    addr: None,
                });
            }
        }
        FlowKindSpec::RequestResponse => {
            let sel = vm_sel(cx, &vm_key, vm, vms, true)?;
            let client_key = format!("{prefix}.client");
            let client = match &f.client {
                None => Client::External,
                Some(toml::Value::String(s)) if s == "external" => Client::External,
                Some(c @ toml::Value::Integer(_)) => Client::Vm(vm_index(cx, &client_key, c, vms)?),
                Some(c) => {
                    return Err(cx.invalid(
                        &client_key,
                        Some(c.to_string()),
                        format!("expected \"external\" or a VM index (0..={})", vms - 1),
                    ))
                }
            };
            let rr = rr_params(cx, &prefix, f)?;
            for server in targets(sel) {
                if let (true, Some(note)) = (client == Client::Vm(server), same_host) {
                    let why = match sel {
                        VmSel::All => " (vm = \"all\" makes every VM a server)",
                        VmSel::One(_) => "",
                    };
                    return Err(cx.invalid(
                        &client_key,
                        Some(server.to_string()),
                        format!("the client must not be the server VM{why}{note}"),
                    ));
                }
                out.push(rr.flow(name_for(sel, server), client, server, None));
            }
        }
    }
    Ok(out)
}

/// A TCP stream's keys, checked, with Linux's defaults
/// ([`TcpParams::linux`]).
fn tcp_params(cx: &Cx, prefix: &str, f: &FlowSpec) -> Result<TcpParams, ExperimentError> {
    let d = TcpParams::linux();
    let key = |k: &str| format!("{prefix}.{k}");
    let mss = check_int(
        cx,
        &key("mss"),
        f.mss.unwrap_or(d.mss as i64),
        88,
        9000,
        "bytes of payload per segment (TCP_MIN_MSS 88 to a 9,000 B jumbo MTU's)",
    )?;
    let bytes = |k: &str, v: Option<i64>, dflt: u64, lo: i64, what: &str| {
        check_int(cx, &key(k), v.unwrap_or(dflt as i64), lo, 1 << 30, what)
    };
    let message_bytes = bytes(
        "message_bytes",
        f.message_bytes,
        d.message_bytes as u64,
        1,
        "bytes per send call",
    )?;
    let rwnd = bytes(
        "rwnd_bytes",
        f.rwnd_bytes,
        d.rwnd_bytes,
        mss as i64,
        "bytes of receive window (at least one segment)",
    )?;
    let max_cwnd = bytes(
        "max_cwnd_bytes",
        f.max_cwnd_bytes,
        d.max_cwnd_bytes,
        mss as i64,
        "bytes of congestion window (at least one segment)",
    )?;
    let init_cwnd = check_int(
        cx,
        &key("init_cwnd"),
        f.init_cwnd.unwrap_or(d.init_cwnd as i64),
        1,
        1000,
        "segments",
    )?;
    let rto_min = match f.rto_min_us {
        Some(us) => check_us(cx, &key("rto_min_us"), us, false)?,
        None => d.rto_min,
    };
    let delack = match f.delack_us {
        Some(us) => check_us(cx, &key("delack_us"), us, false)?,
        None => d.delack,
    };
    Ok(TcpParams {
        mss,
        message_bytes,
        rwnd_bytes: rwnd as u64,
        max_cwnd_bytes: max_cwnd as u64,
        init_cwnd,
        rto_min,
        rto_init: d.rto_init.max(rto_min),
        delack,
        gso_max_bytes: d.gso_max_bytes,
        tsq_bytes: d.tsq_bytes,
        sack: f.sack.unwrap_or(d.sack),
    })
}

/// `[host.offloads]`, checked: TSO needs checksum offload.
fn offloads(
    cx: &Cx,
    spec: Option<&super::spec::OffloadsSpec>,
) -> Result<Offloads, ExperimentError> {
    let d = Offloads::default();
    let Some(o) = spec else { return Ok(d) };
    let out = Offloads {
        tso: o.tso.unwrap_or(d.tso),
        gso: o.gso.unwrap_or(d.gso),
        gro: o.gro.unwrap_or(d.gro),
        csum: o.csum.unwrap_or(d.csum),
    };
    if out.tso && !out.csum {
        return Err(cx.invalid(
            "host.offloads.tso",
            Some("true".into()),
            "needs host.offloads.csum = true: a device that cuts segments must checksum each \
             one (Linux turns TSO off with transmit checksumming); set tso = false too",
        ));
    }
    Ok(out)
}

/// A request/response flow's own keys, checked.
struct RrParams {
    request_bytes: u32,
    response_bytes: u32,
    outstanding: u32,
    think: SimDuration,
    timeout: SimDuration,
    server_cycles: u32,
    server_millicycles_per_byte: u32,
}

impl RrParams {
    /// The flow `name` of `client` asking `server` with these parameters.
    fn flow(
        &self,
        name: String,
        client: Client,
        server: u32,
        addr: Option<FlowAddr>,
    ) -> FlowConfig {
        FlowConfig {
            name,
            kind: FlowKind::RequestResponse {
                client,
                server,
                request_bytes: self.request_bytes,
                response_bytes: self.response_bytes,
                outstanding: self.outstanding,
                think: self.think,
                timeout: self.timeout,
                server_cycles: self.server_cycles,
                server_millicycles_per_byte: self.server_millicycles_per_byte,
            },
            arrival: Arrival::Poisson,
            sizes: SizeDist::Fixed(self.request_bytes),
            // Unused by request/response; kept ≥ 1 ps as the field promises.
            mean_interval_ps: (self.think.as_ps() as f64).max(MIN_INTERVAL_PS),
            streams: 1,
            addr,
        }
    }
}

fn rr_params(cx: &Cx, prefix: &str, f: &FlowSpec) -> Result<RrParams, ExperimentError> {
    let bytes = |k: &str, d| frame_bytes(cx, &format!("{prefix}.{k}"), d);
    Ok(RrParams {
        request_bytes: bytes("request_bytes", f.request_bytes.unwrap_or(128))?,
        response_bytes: bytes("response_bytes", f.response_bytes.unwrap_or(1024))?,
        outstanding: check_int(
            cx,
            &format!("{prefix}.outstanding"),
            f.outstanding.unwrap_or(1),
            1,
            MAX_OUTSTANDING,
            "requests in flight",
        )?,
        think: check_us(
            cx,
            &format!("{prefix}.think_us"),
            f.think_us.unwrap_or(0.0),
            true,
        )?,
        // Assumption: a client that retries a lost request after 1 ms
        // (ping-pong tools such as netperf's UDP_RR would stall for good).
        timeout: check_us(
            cx,
            &format!("{prefix}.timeout_us"),
            f.timeout_us.unwrap_or(1000.0),
            false,
        )?,
        server_cycles: check_int(
            cx,
            &format!("{prefix}.server_cycles"),
            f.server_cycles.unwrap_or(0),
            0,
            100_000_000,
            "cycles of application work per request",
        )?,
        server_millicycles_per_byte: check_int(
            cx,
            &format!("{prefix}.server_millicycles_per_byte"),
            f.server_millicycles_per_byte.unwrap_or(0),
            0,
            1_000_000,
            "cycles × 1000 of application work per byte of response payload",
        )?,
    })
}

/// An addressed flow (one with `dst`): routed by the VPC data plane.
fn addressed_flow(
    cx: &Cx,
    prefix: &str,
    f: &FlowSpec,
    link: Wire,
) -> Result<Vec<FlowConfig>, ExperimentError> {
    for (k, v) in f.present_keys() {
        if matches!(k, "vm" | "dst_vm" | "client") {
            return Err(cx.invalid(
                &format!("{prefix}.{k}"),
                Some(v),
                "an addressed flow (with dst) is routed by the VPC: use from and dst instead",
            ));
        }
    }
    if f.kind == FlowKindSpec::TcpStream {
        return Err(cx.invalid(
            &format!("{prefix}.dst"),
            f.dst.as_ref().map(|d| format!("{d:?}")),
            "a tcp_stream flow cannot be addressed (routed by the VPC) yet: give vm and \
             direction instead of from and dst",
        ));
    }
    let addr = super::vpc::flow_addr(cx, prefix, f)?;
    match f.kind {
        FlowKindSpec::TcpStream => unreachable!("refused above"),
        FlowKindSpec::Rx | FlowKindSpec::Tx | FlowKindSpec::VmToVm => {
            for (k, v) in f.present_keys() {
                if k == "streams" {
                    return Err(cx.invalid(
                        &format!("{prefix}.{k}"),
                        Some(v),
                        "applies to flows without dst (an addressed flow is one 5-tuple)",
                    ));
                }
                if RR_KEYS.contains(&k) || TCP_KEYS.contains(&k) {
                    return Err(cx.invalid(
                        &format!("{prefix}.{k}"),
                        Some(v),
                        "applies to kind = \"request_response\" only",
                    ));
                }
            }
            let sizes = size_dist(cx, &format!("{prefix}.size"), f.size.as_ref())?;
            let arrival = arrival(cx, prefix, f)?;
            let interval = mean_interval_ps(cx, prefix, f, sizes, link)?;
            Ok(vec![super::vpc::addressed(
                f.name.clone(),
                arrival,
                sizes,
                interval,
                addr,
            )])
        }
        FlowKindSpec::RequestResponse => {
            for (k, v) in f.present_keys() {
                if matches!(k, "server_cycles" | "server_millicycles_per_byte") {
                    return Err(cx.invalid(
                        &format!("{prefix}.{k}"),
                        Some(v),
                        "applies to request_response flows without dst for now (an addressed \
                         flow's answer is routed by the VPC per packet)",
                    ));
                }
                if OPEN_KEYS.contains(&k) || TCP_KEYS.contains(&k) {
                    return Err(cx.invalid(
                        &format!("{prefix}.{k}"),
                        Some(v),
                        "does not apply to kind = \"request_response\"",
                    ));
                }
            }
            let rr = rr_params(cx, prefix, f)?;
            Ok(vec![rr.flow(
                f.name.clone(),
                Client::External,
                0,
                Some(addr),
            )])
        }
    }
}

/// Checks `spec` and builds the experiment.
pub(crate) fn validate(spec: ExperimentSpec, cx: &Cx) -> Result<Experiment, ExperimentError> {
    if spec.name.trim().is_empty() {
        return Err(cx.invalid(
            "name",
            Some(format!("{:?}", spec.name)),
            "must not be empty",
        ));
    }
    let seed = check_range(cx, "seed", spec.seed.unwrap_or(1), 0, i64::MAX, "")? as u64;
    let (profile, cost_overrides) = build_profile(cx, &spec.profile, &spec.costs)?;
    let rate = BitsPerSec::from_gbps(profile.link_gbps).ok_or_else(|| {
        cx.invalid(
            "costs.link_gbps",
            Some(val(profile.link_gbps)),
            Rule::LinkGbps.allowed(),
        )
    })?;
    let link = Wire {
        rate,
        framing_bytes: profile.wire_framing_bytes,
    };
    // Each hop buffers up to switch_buffer_frames: bound the sum as one
    // buffer is bounded (the engine sizes its packet store by it).
    let hop_frames = profile.wire_hops as u64 * profile.switch_buffer_frames as u64;
    if hop_frames > 1 << 20 {
        return Err(cx.invalid(
            "costs.wire_hops",
            Some(profile.wire_hops.to_string()),
            format!(
                "wire_hops × switch_buffer_frames may buffer at most 1048576 frames in all \
                 (here {} × {} = {hop_frames}); lower one of them",
                profile.wire_hops, profile.switch_buffer_frames
            ),
        ));
    }

    let all_paths = IoPath::ALL.map(IoPath::name).join(", ");
    let paths = match &spec.paths {
        None => IoPath::ALL.to_vec(),
        Some(names) if names.is_empty() => {
            return Err(cx.invalid(
                "paths",
                Some("[]".into()),
                format!("name at least one path; allowed: {all_paths}"),
            ))
        }
        Some(names) => {
            let mut paths = Vec::new();
            for (i, n) in names.iter().enumerate() {
                let key = format!("paths.{i}");
                let Some(p) = IoPath::parse(n) else {
                    return Err(cx.invalid(
                        &key,
                        Some(format!("{n:?}")),
                        format!("unknown path; allowed: {all_paths}"),
                    ));
                };
                if paths.contains(&p) {
                    return Err(cx.invalid(&key, Some(format!("{n:?}")), "listed twice"));
                }
                paths.push(p);
            }
            paths
        }
    };

    let window = check_us(
        cx,
        "run.duration_us",
        spec.run.duration_us.unwrap_or(10_000.0),
        false,
    )?;
    let drain = check_us(
        cx,
        "run.drain_us",
        spec.run.drain_us.unwrap_or(10_000.0),
        true,
    )?;
    let max_packets = match spec.run.packets {
        None => None,
        Some(n) => Some(check_range(cx, "run.packets", n, 1, i64::MAX, "packets")? as u64),
    };
    let vms = check_int(
        cx,
        "host.vms",
        spec.host.vms.unwrap_or(1),
        1,
        MAX_VMS,
        "VMs",
    )?;
    let nic_per_vm = spec.host.passthrough_nic_per_vm.unwrap_or(true);
    let vcpus = check_int(
        cx,
        "host.vcpus",
        spec.host.vcpus.unwrap_or(1),
        1,
        64,
        "vCPUs per VM (and queue pairs per device)",
    )?;

    let rack = rack(cx, &spec, &profile)?;
    let hosts = rack.map(|(n, _)| n);

    if spec.flows.is_empty() {
        return Err(cx.invalid("flows", None, "at least one [[flows]] entry is needed"));
    }
    let mut flows = Vec::new();
    let mut flow_places = Vec::new();
    let mut raw_names: BTreeMap<&str, usize> = BTreeMap::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for (i, f) in spec.flows.iter().enumerate() {
        let name_key = format!("flows.{i}.name");
        if let Some(j) = raw_names.insert(&f.name, i) {
            return Err(cx.invalid(
                &name_key,
                Some(format!("{:?}", f.name)),
                format!("flow names must be unique; flows.{j} has this name"),
            ));
        }
        let copies = places(cx, &format!("flows.{i}"), f, hosts)?;
        // vm == dst_vm is refused where a copy has both ends on one host.
        let same_host = match (hosts, copies.iter().find(|(p, _)| p.host == p.dst_host)) {
            (None, _) => Some(String::new()),
            (Some(_), Some((p, _))) => Some(format!(
                " when both ends are on one host (here host {}); VMs of two hosts may share an \
                 index",
                p.host
            )),
            (Some(_), None) => None,
        };
        let one_host = expand_flow(cx, i, f, vms, link, same_host.as_deref())?;
        for (place, suffix) in &copies {
            for fc in &one_host {
                let mut fc = fc.clone();
                if !suffix.is_empty() {
                    // `<name>.vm<i>` becomes `<name><suffix>.vm<i>`.
                    debug_assert!(fc.name.starts_with(&f.name));
                    fc.name = format!("{}{suffix}{}", f.name, &fc.name[f.name.len()..]);
                }
                if let Some(j) = names.insert(fc.name.clone(), i) {
                    let how = if hosts.is_some() {
                        "host = \"all\" names its flows <name>.h<h>, dst_host = \"all\" or \
                         \"next\" <name>.h<h>-h<d>, vm = \"all\" <name>.vm<i>"
                    } else {
                        "vm = \"all\" names its flows <name>.vm<i>"
                    };
                    return Err(cx.invalid(
                        &name_key,
                        Some(format!("{:?}", f.name)),
                        format!(
                            "the flow name {:?} is also made by flows.{j} ({how}); flow names \
                             must be unique",
                            fc.name
                        ),
                    ));
                }
                flows.push(fc);
                flow_places.push(*place);
            }
        }
    }

    // Refuse early what the engine would refuse, with the key to change. At
    // a point of a sweep over the VMs, VFs, NICs or profile these are the
    // limits the sweep explores: the runner records the path as infeasible
    // there instead.
    let stages = stages(cx, &spec)?;
    // A wire-only host has no devices to run out of.
    let sweep_point = cx.hardware_swept || stages == Stages::Wire;
    if paths.contains(&IoPath::Passthrough) && vms > 1 && !nic_per_vm && !sweep_point {
        return Err(cx.invalid(
            "host.passthrough_nic_per_vm",
            Some("false".into()),
            BuildError::PassthroughShared { vms, devices: vms }.to_string(),
        ));
    }
    if paths.contains(&IoPath::Sriov) && vms > profile.max_vfs && !sweep_point {
        return Err(cx.invalid(
            "host.vms",
            Some(vms.to_string()),
            BuildError::TooManyVfs {
                needed: vms,
                vms,
                max_vfs: profile.max_vfs,
            }
            .to_string(),
        ));
    }

    let mut base = HostConfig {
        profile,
        path: paths[0],
        vms,
        vcpus,
        background: spec.host.background.unwrap_or(false),
        passthrough_nic_per_vm: nic_per_vm,
        flows,
        window,
        max_packets,
        drain,
        seed,
        vpc: None,
        offloads: offloads(cx, spec.host.offloads.as_ref())?,
        stages,
        rack: rack.map(|(hosts, switch)| RackConfig {
            hosts,
            switch,
            places: flow_places,
        }),
    };
    let mut vpc_timing = Vec::new();
    match &spec.vpc {
        Some(v) => {
            let mut cfg = super::vpc::build(cx, v, seed, vms, base.rack.as_ref().map(|r| r.hosts))?;
            for &p in &paths {
                vpc_timing.push((p, super::vpc::timing(cx, &v.timing, p)?));
            }
            cfg.timing = vpc_timing[0].1;
            // Run the setup and resolve every name now, so that `validate`
            // reports what the run would refuse.
            let addrs: Vec<_> = base.flows.iter().map(|f| f.addr.as_ref()).collect();
            // Each host with instances (one outside a rack) runs the setup.
            let mut hosts: Vec<u32> = cfg.places.clone();
            hosts.push(0);
            hosts.sort_unstable();
            hosts.dedup();
            let (mut devices, mut busiest) = (0, 0);
            for host in hosts {
                let on_host = crate::model::VpcConfig {
                    host,
                    ..cfg.clone()
                };
                let rt =
                    crate::model::vpc_rt::VpcRt::build(&on_host, &addrs).map_err(|e| match e {
                        crate::model::BuildError::Vpc { key, message } => {
                            cx.invalid(&key, None, message)
                        }
                        other => cx.invalid("vpc", None, other.to_string()),
                    })?;
                let n = rt.devices(vms).len() as u32;
                if n > devices {
                    (devices, busiest) = (n, host);
                }
            }
            // In a rack, which host the numbers below are for.
            let on = |msg: String| match base.rack {
                Some(_) => format!("host {busiest} of the rack: {msg}"),
                None => msg,
            };
            if devices > crate::model::MAX_VPC_DEVICES {
                return Err(cx.invalid(
                    "vpc.actions",
                    None,
                    on(crate::model::error::too_many_devices(devices, vms)),
                ));
            }
            // Each attached ENI is its own device: a VF under SR-IOV, a NIC
            // under passthrough (on the host that needs the most).
            if devices > vms && !sweep_point {
                if paths.contains(&IoPath::Sriov) && devices > base.profile.max_vfs {
                    return Err(cx.invalid(
                        "vpc.actions",
                        None,
                        on(BuildError::TooManyVfs {
                            needed: devices,
                            vms,
                            max_vfs: base.profile.max_vfs,
                        }
                        .to_string()),
                    ));
                }
                if paths.contains(&IoPath::Passthrough) && !nic_per_vm {
                    return Err(cx.invalid(
                        "host.passthrough_nic_per_vm",
                        Some("false".into()),
                        on(BuildError::PassthroughShared { vms, devices }.to_string()),
                    ));
                }
            }
            base.vpc = Some(cfg);
        }
        None => {
            if let Some(i) = spec.flows.iter().position(|f| f.dst.is_some()) {
                return Err(cx.invalid(
                    &format!("flows.{i}.dst"),
                    None,
                    "an addressed flow needs a [vpc] section",
                ));
            }
        }
    }
    Ok(Experiment {
        source: cx.file.to_owned(),
        name: spec.name,
        description: spec.description,
        seed,
        paths,
        base,
        vpc_timing,
        as_run: toml::Table::new(),
        sweep: None,
        cost_overrides,
    })
}

#[cfg(test)]
mod rule_tests {
    use super::*;

    #[test]
    fn every_profile_field_has_a_range_and_the_builtin_profiles_are_inside_it() {
        for name in Profile::NAMES {
            let table = toml::Table::try_from(Profile::builtin(name).unwrap()).unwrap();
            for (k, v) in &table {
                if k == "name" || k == "summary" {
                    continue;
                }
                let r = rule(k).unwrap_or_else(|| panic!("costs.{k} has no range rule"));
                assert!(
                    r.accepts(v),
                    "{name}: costs.{k} = {v} is outside its own rule"
                );
            }
        }
    }
}
