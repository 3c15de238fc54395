//! `[vpc]` and addressed flows: the experiment side of issue 3.
//!
//! ```toml
//! [vpc]
//! vms = { active = 0, standby = 1 }   # instances ($names) on the host → VM index
//! timing = { attach_us = { sriov = 200000, virtio = 100000 }, detach_us = 50000 }
//!
//! [[vpc.actions]]                    # setup: run before traffic, at once
//! action = "CreateVpc"
//! CidrBlock = "10.0.0.0/16"
//! name = "vpc"
//! # ...
//!
//! [[vpc.actions]]                    # the timeline
//! at_us = 20000
//! action = "DetachNetworkInterface"
//! AttachmentId = "$on-active"
//!
//! [[vpc.actions]]
//! after_previous = true              # when the detach has completed
//! action = "AttachNetworkInterface"
//! # ...
//!
//! [[flows]]
//! name = "clients"
//! kind = "rx"                        # rx: from the internet; tx, vm_to_vm: from an instance
//! dst = "$eip.ip"                    # an address makes the flow addressed
//! port = 443
//! rate_pps = 100000
//! ```
//!
//! Timing defaults are assumptions (EC2 publishes no attach or propagation
//! times): detach 50 ms on every path; attach 100 ms for emulated and virtio
//! devices (a device hot-plug and a driver probe), 200 ms for a VF and on bare
//! metal (PCI hot-plug, VF driver probe, link up), 500 ms for a whole NIC
//! (reset and firmware bring-up); a moved address propagates in 10 ms; an
//! instance changes state in 10 s.

use super::check::{check_range, check_us, Cx};
use super::spec::{FlowKindSpec, FlowSpec, TimingSpec, VpcSpec};
use super::ExperimentError;
use crate::model::{
    Arrival, ControlTiming, FlowAddr, FlowConfig, FlowKind, IoPath, RouteConfig, SizeDist,
    TimedStep, VpcConfig,
};
use crate::sim::SimDuration;
use crate::vpc::cidr::Ipv4Net;
use crate::vpc::Script;
use std::net::Ipv4Addr;

/// The keys an addressed flow may have.
pub(crate) const ADDRESSED_KEYS: &[&str] = &[
    "from",
    "src",
    "dst",
    "proto",
    "port",
    "src_port",
    "reply_via_source_eni",
];

pub(crate) fn default_timing(path: IoPath) -> ControlTiming {
    let attach_ms = match path {
        IoPath::Emulated | IoPath::Virtio => 100,
        IoPath::Sriov | IoPath::Baremetal => 200,
        IoPath::Passthrough => 500,
    };
    ControlTiming {
        attach: SimDuration::from_ms(attach_ms),
        detach: SimDuration::from_ms(50),
        reassign: SimDuration::from_ms(10),
        instance: SimDuration::from_ms(10_000),
    }
}

/// A time `≥ 0` \[µs\] given as an integer or a float; `expected` says
/// what else the key could have been.
fn us_value(
    cx: &Cx,
    key: &str,
    v: &toml::Value,
    expected: &str,
) -> Result<SimDuration, ExperimentError> {
    let x = match v {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        other => return Err(cx.invalid(key, Some(other.to_string()), expected)),
    };
    check_us(cx, key, x, true)
}

/// One `[vpc.timing]` entry: a number for every path or a table by path.
fn timing_entry(
    cx: &Cx,
    key: &str,
    v: Option<&toml::Value>,
    path: IoPath,
    default: SimDuration,
) -> Result<SimDuration, ExperimentError> {
    let num = |v: &toml::Value, k: &str| {
        us_value(
            cx,
            k,
            v,
            "expected a number of µs, or a table of them by path",
        )
    };
    match v {
        None => Ok(default),
        Some(toml::Value::Table(t)) => {
            for k in t.keys() {
                if IoPath::parse(k).is_none() {
                    return Err(cx.invalid(
                        &format!("{key}.{k}"),
                        None,
                        "unknown path; allowed: baremetal, emulated, virtio, passthrough, sriov",
                    ));
                }
            }
            match t.get(path.name()) {
                Some(x) => num(x, &format!("{key}.{}", path.name())),
                None => Ok(default),
            }
        }
        Some(x) => num(x, key),
    }
}

/// The control-plane durations for `path`.
pub(crate) fn timing(
    cx: &Cx,
    t: &TimingSpec,
    path: IoPath,
) -> Result<ControlTiming, ExperimentError> {
    let d = default_timing(path);
    let entry = |name: &str, v: &Option<toml::Value>, default| {
        timing_entry(cx, &format!("vpc.timing.{name}"), v.as_ref(), path, default)
    };
    Ok(ControlTiming {
        attach: entry("attach_us", &t.attach_us, d.attach)?,
        detach: entry("detach_us", &t.detach_us, d.detach)?,
        reassign: entry("reassign_us", &t.reassign_us, d.reassign)?,
        instance: entry("instance_us", &t.instance_us, d.instance)?,
    })
}

/// Builds the VPC configuration (its timing for `paths[0]`; see
/// [`timing`] for the others).
pub(crate) fn build(
    cx: &Cx,
    spec: &VpcSpec,
    seed: u64,
    vms: u32,
    rack_hosts: Option<u32>,
) -> Result<VpcConfig, ExperimentError> {
    if vms > crate::model::MAX_VPC_VMS {
        return Err(cx.invalid(
            "host.vms",
            Some(vms.to_string()),
            format!(
                "at most {} VMs on a host with a [vpc]",
                crate::model::MAX_VPC_VMS
            ),
        ));
    }
    let seed = match spec.seed {
        None => seed,
        Some(s) if s >= 0 => s as u64,
        Some(s) => return Err(cx.invalid("vpc.seed", Some(s.to_string()), "allowed ≥ 0")),
    };
    // Split the actions: setup first, then timed ones.
    let mut plain = Vec::with_capacity(spec.actions.len());
    let mut timeline = Vec::new();
    for (i, a) in spec.actions.iter().enumerate() {
        let key = format!("vpc.actions.{i}");
        let mut a = a.clone();
        let at = a.remove("at_us");
        let after = a.remove("after_previous");
        let when = match (at, after) {
            (None, None) => None,
            (Some(_), Some(_)) => {
                return Err(cx.invalid(&key, None, "give at_us or after_previous, not both"))
            }
            (Some(v), None) => Some(Some(us_value(
                cx,
                &format!("{key}.at_us"),
                &v,
                "expected a number of µs",
            )?)),
            (None, Some(toml::Value::Boolean(true))) => {
                if timeline.is_empty() {
                    return Err(cx.invalid(
                        &format!("{key}.after_previous"),
                        Some("true".into()),
                        "the first timed action needs at_us",
                    ));
                }
                Some(None)
            }
            (None, Some(other)) => {
                return Err(cx.invalid(
                    &format!("{key}.after_previous"),
                    Some(other.to_string()),
                    "allowed: true (or leave it out)",
                ))
            }
        };
        match when {
            None if !timeline.is_empty() => {
                return Err(cx.invalid(
                    &key,
                    None,
                    "a setup action (no at_us, no after_previous) after a timed one; put the setup first",
                ))
            }
            None => {}
            Some(at) => timeline.push(TimedStep { step: i, at }),
        }
        plain.push(toml::Value::Table(a));
    }
    // Timed actions must not go back in time.
    let mut last = SimDuration::ZERO;
    for t in &timeline {
        if let Some(at) = t.at {
            if at < last {
                return Err(cx.invalid(
                    &format!("vpc.actions.{}.at_us", t.step),
                    Some(format!("{}", at.as_ps() as f64 / 1e6)),
                    "timed actions must be in time order",
                ));
            }
            last = at;
        }
    }
    let setup = timeline.first().map_or(plain.len(), |t| t.step);
    let mut doc = toml::Table::new();
    doc.insert("actions".into(), toml::Value::Array(plain));
    let text = toml::to_string(&doc).map_err(|e| cx.invalid("vpc.actions", None, e.to_string()))?;
    let script = Script::parse(&format!("{} [vpc.actions]", cx.file), &text)
        .map_err(|e| cx.invalid("vpc.actions", None, e.to_string()))?;
    let mut vm_list = Vec::new();
    let mut places = Vec::new();
    let vm_index = |key: &str, v: &toml::Value| match v {
        toml::Value::Integer(i) if (0..vms as i64).contains(i) => Ok(*i as u32),
        other => Err(cx.invalid(
            key,
            Some(other.to_string()),
            format!("a VM index 0..={} (host.vms = {vms})", vms - 1),
        )),
    };
    for (name, v) in &spec.vms {
        let key = format!("vpc.vms.{name}");
        match (v, rack_hosts) {
            (toml::Value::Table(t), Some(hosts)) => {
                if let Some(k) = t.keys().find(|k| *k != "host" && *k != "vm") {
                    return Err(cx.invalid(
                        &format!("{key}.{k}"),
                        None,
                        "unknown key; allowed: host, vm",
                    ));
                }
                let (Some(h), Some(vm)) = (t.get("host"), t.get("vm")) else {
                    return Err(cx.invalid(
                        &key,
                        Some(v.to_string()),
                        "give both: { host = H, vm = V }",
                    ));
                };
                let host = match h {
                    toml::Value::Integer(i) if (0..hosts as i64).contains(i) => *i as u32,
                    other => {
                        return Err(cx.invalid(
                            &format!("{key}.host"),
                            Some(other.to_string()),
                            format!(
                                "no such host; allowed 0..={} (rack.hosts = {hosts})",
                                hosts - 1
                            ),
                        ))
                    }
                };
                vm_list.push((name.clone(), vm_index(&format!("{key}.vm"), vm)?));
                places.push(host);
            }
            (_, Some(hosts)) => {
                return Err(cx.invalid(
                    &key,
                    Some(v.to_string()),
                    format!(
                        "in a [rack], place each instance on a host: {{ host = H, vm = V }} \
                         (host 0..={}, vm 0..={})",
                        hosts - 1,
                        vms - 1
                    ),
                ))
            }
            (toml::Value::Table(_), None) => {
                return Err(cx.invalid(
                    &key,
                    Some(v.to_string()),
                    format!(
                        "a VM index 0..={} (host.vms = {vms}); {{ host, vm }} places an \
                         instance in a [rack]",
                        vms - 1
                    ),
                ))
            }
            (other, None) => {
                vm_list.push((name.clone(), vm_index(&key, other)?));
                places.push(0);
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for ((name, vm), host) in vm_list.iter().zip(&places) {
        if !seen.insert((*host, *vm)) {
            return Err(cx.invalid(
                &format!("vpc.vms.{name}"),
                spec.vms.get(name).map(|v| v.to_string()),
                if rack_hosts.is_some() {
                    "another instance already runs as this VM of this host"
                } else {
                    "another instance already runs as this VM"
                },
            ));
        }
    }
    if rack_hosts.is_none() {
        places.clear();
    }
    let mut routes = Vec::new();
    for (i, r) in spec.routes.iter().enumerate() {
        let key = format!("vpc.routes.{i}.destination");
        let destination = parse_v4_net(&r.destination).ok_or_else(|| {
            cx.invalid(
                &key,
                Some(format!("{:?}", r.destination)),
                "an IPv4 block like 0.0.0.0/0",
            )
        })?;
        routes.push(RouteConfig {
            subnet: r.subnet.clone(),
            destination,
            target: r.target.clone(),
        });
    }
    let pps_allowance = match spec.pps_allowance {
        None => None,
        Some(p) if p >= 1 => Some(p as u64),
        Some(p) => {
            return Err(cx.invalid(
                "vpc.pps_allowance",
                Some(p.to_string()),
                "allowed ≥ 1 packets/s",
            ))
        }
    };
    let conntrack_allowance = match spec.conntrack_allowance {
        None => None,
        Some(p) if p >= 1 => Some(p as u64),
        Some(p) => {
            return Err(cx.invalid(
                "vpc.conntrack_allowance",
                Some(p.to_string()),
                "allowed ≥ 1 connections",
            ))
        }
    };
    let burst_s = match spec.burst_s {
        None => 300.0,
        Some(b) if b.is_finite() && (0.0..=1e6).contains(&b) => b,
        Some(b) => {
            return Err(cx.invalid(
                "vpc.burst_s",
                Some(b.to_string()),
                "allowed a number of seconds 0..=1000000",
            ))
        }
    };
    Ok(VpcConfig {
        script,
        setup,
        timeline,
        seed,
        vms: vm_list,
        places,
        host: 0,
        routes,
        timing: ControlTiming {
            attach: SimDuration::ZERO,
            detach: SimDuration::ZERO,
            reassign: SimDuration::ZERO,
            instance: SimDuration::ZERO,
        },
        pps_allowance,
        conntrack_allowance,
        burst_s,
    })
}

fn parse_v4_net(s: &str) -> Option<Ipv4Net> {
    let (a, l) = s.split_once('/')?;
    Ipv4Net::new(a.parse::<Ipv4Addr>().ok()?, l.parse().ok()?).ok()
}

/// The addresses of an addressed flow (one with `dst`).
pub(crate) fn flow_addr(cx: &Cx, prefix: &str, f: &FlowSpec) -> Result<FlowAddr, ExperimentError> {
    let dst = f.dst.clone().expect("called for addressed flows");
    let proto = match f.proto.as_deref().unwrap_or("tcp") {
        "tcp" => 6,
        "udp" => 17,
        "icmp" => 1,
        other => {
            return Err(cx.invalid(
                &format!("{prefix}.proto"),
                Some(format!("{other:?}")),
                "allowed: tcp, udp, icmp",
            ))
        }
    };
    let port = |k: &str, v: Option<i64>, default: u16| -> Result<u16, ExperimentError> {
        let p = check_range(
            cx,
            &format!("{prefix}.{k}"),
            v.unwrap_or(default.into()),
            0,
            65535,
            "",
        )?;
        Ok(p as u16)
    };
    match (f.kind, &f.from) {
        (FlowKindSpec::Rx, Some(_)) => {
            return Err(cx.invalid(
                &format!("{prefix}.from"),
                None,
                "kind = \"rx\" comes from the internet; use kind = \"tx\" or \"vm_to_vm\" for an instance's traffic",
            ))
        }
        (FlowKindSpec::Tx | FlowKindSpec::VmToVm, None) => {
            return Err(cx.invalid(
                &format!("{prefix}.from"),
                None,
                "required key is missing (the sending instance, as $name)",
            ))
        }
        _ => {}
    }
    Ok(FlowAddr {
        from: f.from.clone(),
        src: f.src.clone(),
        dst,
        proto,
        src_port: port("src_port", f.src_port, 40000)?,
        dst_port: port("port", f.port, 443)?,
        via_source_eni: f.reply_via_source_eni.unwrap_or(false),
    })
}

/// Turns an open-loop flow config into an addressed one.
pub(crate) fn addressed(
    name: String,
    arrival: Arrival,
    sizes: SizeDist,
    mean_interval_ps: f64,
    addr: FlowAddr,
) -> FlowConfig {
    FlowConfig {
        name,
        kind: FlowKind::Addressed,
        arrival,
        sizes,
        mean_interval_ps,
        streams: 1,
        addr: Some(addr),
    }
}
