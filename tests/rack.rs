//! A rack of hosts behind a top-of-rack switch, each host a logical process
//! of the parallel kernel (issue 10): the same result on any number of
//! threads, books that balance across hosts, flows that stay on one host
//! unchanged by the rack, and the switch's timing; and what a rack reports:
//! each flow's hosts and scope, each host's and switch port's figures, the
//! latency of each scope from its flows' histograms.

use crate::common;
use enisim::metrics::{PathResult, Scope};
use enisim::model::{
    Arrival, Client, FlowConfig, FlowKind, Forwarding, HostConfig, IoPath, Place, Profile,
    RackConfig, SizeDist, SwitchConfig, TcpParams,
};
use enisim::sim::SimDuration;

/// A rack of `hosts` hosts with `vms` VMs each on `path`: flows with
/// their places.
fn rack(
    path: IoPath,
    hosts: u32,
    vms: u32,
    flows: Vec<(FlowConfig, Place)>,
    window_us: u64,
) -> HostConfig {
    let (flows, places): (Vec<_>, Vec<_>) = flows.into_iter().unzip();
    HostConfig {
        rack: Some(RackConfig {
            hosts,
            switch: SwitchConfig {
                latency: SwitchConfig::DEFAULT_LATENCY,
                forwarding: Forwarding::CutThrough,
            },
            places,
        }),
        ..common::host(path, Profile::kvm_modern_25g(), vms, flows, window_us)
    }
}

fn place(host: u32, dst_host: u32) -> Place {
    Place { host, dst_host }
}

fn poisson(name: &str, kind: FlowKind, bytes: u32, load: f64) -> FlowConfig {
    common::flow(
        name,
        kind,
        Arrival::Poisson,
        SizeDist::Fixed(bytes),
        common::interval_for_load(25.0, load, bytes as f64),
    )
}

/// East-west all-to-all between `hosts` hosts (VM 0 of each to VM 1 of
/// every other), plus north-south into and out of each host.
fn mixed(path: IoPath, hosts: u32, load: f64) -> HostConfig {
    let mut flows = Vec::new();
    for h in 0..hosts {
        for d in (0..hosts).filter(|&d| d != h) {
            flows.push((
                poisson(
                    &format!("ew.h{h}-h{d}"),
                    FlowKind::VmToVm { src: 0, dst: 1 },
                    512,
                    load,
                ),
                place(h, d),
            ));
        }
        flows.push((
            poisson(&format!("rx.h{h}"), FlowKind::Rx { vm: 1 }, 1024, load),
            place(h, h),
        ));
        flows.push((
            poisson(&format!("tx.h{h}"), FlowKind::Tx { vm: 0 }, 256, load),
            place(h, h),
        ));
    }
    rack(path, hosts, 2, flows, 300)
}

fn json(r: &PathResult) -> String {
    // `run_on` leaves the wall-clock fields at 0.
    serde_json::to_string_pretty(r).expect("a result serializes")
}

#[test]
fn a_rack_gives_the_same_result_on_1_2_3_and_8_threads() {
    for (path, hosts, seed) in [
        (IoPath::Sriov, 2, 1),
        (IoPath::Virtio, 3, 2),
        (IoPath::Emulated, 4, 3),
        (IoPath::Passthrough, 3, 4),
        (IoPath::Baremetal, 2, 5),
    ] {
        let cfg = HostConfig {
            seed,
            ..mixed(path, hosts, 0.05)
        };
        let one = enisim::model::run_on(&cfg, 1).expect("runs");
        common::assert_books(&one);
        assert!(one.delivered > 100, "{path}: {} delivered", one.delivered);
        for threads in [2, 3, 8] {
            let r = enisim::model::run_on(&cfg, threads).expect("runs");
            assert_eq!(
                json(&one),
                json(&r),
                "{path}, {hosts} hosts, {threads} threads"
            );
        }
    }
}

#[test]
fn flows_that_stay_on_their_host_are_what_the_host_alone_gives() {
    // No flow crosses the switch: each host's flows are those of a host
    // alone, so each flow's result is too.
    let flows = |h: u32| {
        vec![
            poisson(&format!("rx.h{h}"), FlowKind::Rx { vm: 0 }, 1024, 0.2),
            poisson(
                &format!("v2v.h{h}"),
                FlowKind::VmToVm { src: 1, dst: 0 },
                256,
                0.1,
            ),
        ]
    };
    let placed: Vec<_> = (0..3)
        .flat_map(|h| flows(h).into_iter().map(move |f| (f, place(h, h))))
        .collect();
    let r = enisim::model::run_on(&rack(IoPath::Virtio, 3, 2, placed, 200), 2).expect("runs");
    for h in 0..3 {
        let alone = enisim::model::run(&common::host(
            IoPath::Virtio,
            Profile::kvm_modern_25g(),
            2,
            flows(h),
            200,
        ))
        .expect("runs");
        for f in &alone.flows {
            let in_rack = r.flows.iter().find(|g| g.name == f.name).expect("the flow");
            // The rack says where it ran; the rest is the host's alone.
            let scope = if f.name.starts_with("rx") {
                Scope::NorthSouth
            } else {
                Scope::Local
            };
            assert_eq!(in_rack.host, Some(h));
            assert_eq!(in_rack.scope, Some(scope));
            let unplaced = enisim::metrics::FlowResult {
                host: None,
                dst_host: None,
                scope: None,
                ..in_rack.clone()
            };
            assert_eq!(
                serde_json::to_string(f).unwrap(),
                serde_json::to_string(&unplaced).unwrap(),
                "{}",
                f.name
            );
        }
    }
}

#[test]
fn books_balance_across_hosts_with_packets_between_them_at_the_end() {
    // No drain: the run stops with packets on both hosts' routes and handed
    // to the switch; all are in flight, none lost from the books.
    for path in IoPath::ALL {
        let cfg = HostConfig {
            drain: SimDuration::ZERO,
            ..mixed(path, 3, 0.3)
        };
        let r = enisim::model::run_on(&cfg, 2).expect("runs");
        common::assert_books(&r);
        let ew_in_flight: u64 = r
            .flows
            .iter()
            .filter(|f| f.name.starts_with("ew."))
            .map(|f| f.in_flight)
            .sum();
        assert!(ew_in_flight > 0, "{path}: nothing in flight between hosts");
    }
}

#[test]
fn an_east_west_frame_pays_the_switch_and_two_wires() {
    // One frame at a time (a slow constant flow): its latency across the
    // rack exceeds that within one host's NIC by at least the switch's
    // latency plus a second serialization (store-and-forward).
    let bytes = 1500u32;
    let mk = |forwarding| {
        let mut cfg = rack(
            IoPath::Sriov,
            2,
            2,
            vec![(
                common::flow(
                    "ew",
                    FlowKind::VmToVm { src: 0, dst: 1 },
                    Arrival::Constant,
                    SizeDist::Fixed(bytes),
                    1e8,
                ),
                place(0, 1),
            )],
            2000,
        );
        cfg.rack.as_mut().unwrap().switch.forwarding = forwarding;
        enisim::model::run(&cfg).expect("runs")
    };
    let sf = mk(Forwarding::StoreAndForward);
    let ct = mk(Forwarding::CutThrough);
    common::assert_books(&sf);
    assert_eq!(sf.delivered, sf.generated);
    let ser_ns = (bytes + 20) as f64 * 8.0 / 25.0;
    let gap = sf.latency_ns.mean - ct.latency_ns.mean;
    // Cut-through saves the frame's serialization after its first 64 B.
    let saved = (bytes - 64) as f64 * 8.0 / 25.0;
    assert!(
        (gap - saved).abs() < 1.0,
        "saved {gap} ns, expected {saved}"
    );
    let same_host = enisim::model::run(&common::host(
        IoPath::Sriov,
        Profile::kvm_modern_25g(),
        2,
        vec![common::flow(
            "v2v",
            FlowKind::VmToVm { src: 0, dst: 1 },
            Arrival::Constant,
            SizeDist::Fixed(bytes),
            1e8,
        )],
        2000,
    ))
    .expect("runs");
    assert!(
        sf.latency_ns.mean > same_host.latency_ns.mean + 500.0 + ser_ns,
        "rack {} ns, one host {} ns",
        sf.latency_ns.mean,
        same_host.latency_ns.mean
    );
}

#[test]
fn a_rack_without_a_window_is_refused() {
    let mut cfg = mixed(IoPath::Sriov, 2, 0.1);
    cfg.rack.as_mut().unwrap().switch.latency = SimDuration::ZERO;
    cfg.profile.wire_propagation_ns = 0;
    let e = enisim::model::run(&cfg).expect_err("no lookahead");
    assert!(e.to_string().contains("rack.switch.latency_ns"), "{e}");
}

#[test]
fn a_rack_the_model_cannot_run_is_refused_naming_the_key() {
    // Validation refuses these with file and line; a configuration built
    // by hand meets the model's own checks.
    let base = || mixed(IoPath::Sriov, 2, 0.1);
    let refused = |cfg: HostConfig, key: &str| {
        let e = enisim::model::run(&cfg).expect_err("refused");
        assert!(
            matches!(&e, enisim::model::BuildError::Rack { key: k, .. } if k.starts_with(key)),
            "{key}: {e}"
        );
    };
    let mut one = base();
    one.rack.as_mut().unwrap().hosts = 1;
    refused(one, "rack.hosts");
    let mut short = base();
    short.rack.as_mut().unwrap().places.pop();
    refused(short, "flows");
    let mut far = base();
    far.rack.as_mut().unwrap().places[0].dst_host = 7;
    refused(far, "flows (ew.h0-h1)");
    let mut rx_across = base();
    let i = rx_across
        .flows
        .iter()
        .position(|f| f.name == "rx.h0")
        .unwrap();
    rx_across.rack.as_mut().unwrap().places[i].dst_host = 1;
    refused(rx_across, "flows (rx.h0)");
}

/// The host whose VMs receive flow `i` of a rack: `dst_host` for
/// `vm_to_vm`, `host` for the others.
fn receiver(cfg: &HostConfig, i: usize) -> u32 {
    let place = cfg.rack.as_ref().unwrap().places[i];
    match cfg.flows[i].kind {
        FlowKind::VmToVm { .. } => place.dst_host,
        _ => place.host,
    }
}

#[test]
fn each_flow_of_a_rack_says_its_hosts_and_scope() {
    let mut cfg = mixed(IoPath::Sriov, 3, 0.05);
    let local = poisson("v2v.h2", FlowKind::VmToVm { src: 1, dst: 0 }, 256, 0.05);
    let rr_out = common::rr("rr.h1", 0, 20);
    let rr_in = FlowConfig {
        kind: FlowKind::RequestResponse {
            client: Client::Vm(1),
            server: 0,
            request_bytes: 128,
            response_bytes: 512,
            outstanding: 1,
            think: SimDuration::from_us(20),
            timeout: SimDuration::from_us(1000),
            server_cycles: 0,
            server_millicycles_per_byte: 0,
        },
        ..common::rr("rr.h0", 0, 20)
    };
    let rr_across = FlowConfig {
        name: "rr.h0-h2".into(),
        ..rr_in.clone()
    };
    for (f, p) in [
        (local, place(2, 2)),
        (rr_out, place(1, 1)),
        (rr_in, place(0, 0)),
        (rr_across, place(0, 2)),
    ] {
        cfg.flows.push(f);
        cfg.rack.as_mut().unwrap().places.push(p);
    }
    let r = enisim::model::run_on(&cfg, 2).expect("runs");
    let want = |name: &str| -> (Option<u32>, Option<u32>, Option<Scope>) {
        let ew = |s: &str| -> Option<(u32, u32)> {
            let (a, b) = s.strip_prefix("ew.h")?.split_once("-h")?;
            Some((a.parse().ok()?, b.parse().ok()?))
        };
        let h = |s: &str| s.rsplit(".h").next().unwrap().parse::<u32>().unwrap();
        match name {
            n if ew(n).is_some() => {
                let (a, b) = ew(n).unwrap();
                (Some(a), Some(b), Some(Scope::EastWest))
            }
            n if n.starts_with("rx.") || n.starts_with("tx.") => {
                (Some(h(n)), None, Some(Scope::NorthSouth))
            }
            "v2v.h2" => (Some(2), Some(2), Some(Scope::Local)),
            "rr.h1" => (Some(1), None, Some(Scope::NorthSouth)),
            "rr.h0" => (Some(0), Some(0), Some(Scope::Local)),
            "rr.h0-h2" => (Some(0), Some(2), Some(Scope::EastWest)),
            n => panic!("unexpected flow {n}"),
        }
    };
    assert_eq!(r.flows.len(), 3 * 2 + 3 * 2 + 4);
    for f in &r.flows {
        assert_eq!((f.host, f.dst_host, f.scope), want(&f.name), "{}", f.name);
    }
    // The JSON names them as reports read them.
    let v: serde_json::Value = serde_json::to_value(&r).unwrap();
    let first = &v["flows"][0];
    assert_eq!(first["name"], "ew.h0-h1");
    assert_eq!(
        (&first["host"], &first["dst_host"], &first["scope"]),
        (
            &serde_json::json!(0),
            &serde_json::json!(1),
            &serde_json::json!("east-west")
        )
    );
    let rx = v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "rx.h1")
        .unwrap();
    assert_eq!(rx["scope"], "north-south");
    assert!(rx.get("dst_host").is_none(), "{rx}");
    // The round trips have no one-way latency: no class of their own.
    let scopes: Vec<Scope> = r
        .rack
        .as_ref()
        .unwrap()
        .latency
        .iter()
        .map(|s| s.scope)
        .collect();
    assert_eq!(scopes, [Scope::EastWest, Scope::NorthSouth, Scope::Local]);
}

#[test]
fn one_host_results_carry_nothing_of_a_rack() {
    let r = enisim::model::run(&common::host(
        IoPath::Virtio,
        Profile::kvm_modern_25g(),
        2,
        vec![
            poisson("rx", FlowKind::Rx { vm: 0 }, 512, 0.1),
            poisson("v2v", FlowKind::VmToVm { src: 1, dst: 0 }, 512, 0.05),
        ],
        200,
    ))
    .expect("runs");
    assert!(r.rack.is_none());
    let text = serde_json::to_string(&r).unwrap();
    for key in [
        "\"rack\"",
        "\"scope\"",
        "\"host\"",
        "\"dst_host\"",
        "east_west",
    ] {
        assert!(!text.contains(key), "{key} in a one-host result");
    }
    let stats = enisim::experiment::stats::metric_values(&r);
    assert!(
        !stats
            .iter()
            .any(|(k, _)| k.starts_with("host0_") || k.starts_with("port_") || k.contains("west")),
        "{stats:?}"
    );
}

#[test]
fn the_switch_ports_and_hosts_agree_with_the_resources_and_the_flows() {
    for (path, hosts, vms) in [(IoPath::Sriov, 3, 2), (IoPath::Passthrough, 2, 2)] {
        let cfg = mixed(path, hosts, 0.05);
        let r = enisim::model::run_on(&cfg, 2).expect("runs");
        common::assert_books(&r);
        let rack = r.rack.as_ref().expect("a rack's figures");
        // A port toward each NIC of each host: one per host, or one per VM
        // with a NIC per VM; each the resource of that name.
        let nics = if path == IoPath::Passthrough { vms } else { 1 };
        assert_eq!(rack.ports.len() as u32, hosts * nics, "{path}");
        for (i, port) in rack.ports.iter().enumerate() {
            let (h, j) = (i as u32 / nics, i as u32 % nics);
            assert_eq!(port.name, format!("host{h}.nic{j}.wire_in"));
            assert_eq!(port.host, h);
            let res = r.resources.iter().find(|u| u.name == port.name).unwrap();
            assert_eq!(port.utilization, res.utilization, "{}", port.name);
            // Only the ports toward a receiving VM carry anything (with a
            // NIC per VM, VM 0's only sends).
            let busy = path == IoPath::Sriov || j == 1;
            assert_eq!(port.utilization > 0.0, busy, "{}", port.name);
            assert_eq!(port.frames > 0, busy, "{}", port.name);
        }
        // Light load, a drain: everything delivered, nothing dropped, so a
        // host's ports carried exactly the frames its VMs received (one
        // frame a packet here).
        assert_eq!((r.in_flight, r.dropped.values().sum::<u64>()), (0, 0));
        for h in 0..hosts {
            let received: u64 = (0..cfg.flows.len())
                .filter(|&i| receiver(&cfg, i) == h)
                .filter(|&i| !matches!(cfg.flows[i].kind, FlowKind::Tx { .. }))
                .map(|i| r.flows[i].delivered)
                .sum();
            let frames: u64 = rack
                .ports
                .iter()
                .filter(|p| p.host == h)
                .map(|p| p.frames)
                .sum();
            assert!(received > 0);
            assert_eq!(frames, received, "{path} host {h}");
        }
        // The hosts' books add up to the rack's; each one's uplink is its
        // busiest wire out.
        assert_eq!(rack.hosts.len() as u32, hosts);
        assert_eq!(
            rack.hosts.iter().map(|h| h.delivered).sum::<u64>(),
            r.delivered
        );
        for h in &rack.hosts {
            let busiest = r
                .resources
                .iter()
                .filter(|u| {
                    u.name.starts_with(&format!("host{}.nic", h.host))
                        && u.name.ends_with(".wire_out")
                })
                .map(|u| u.utilization)
                .fold(0.0, f64::max);
            assert_eq!(h.uplink_utilization, busiest, "host {}", h.host);
            assert!(h.guest_cpu_pct > 0.0 && h.guest_cpu_pct < 100.0);
            assert!(h.pcie_utilization.is_some_and(|u| u > 0.0));
        }
    }
}

#[test]
fn a_port_in_front_of_an_overloaded_host_drops_and_counts_it() {
    // Hosts 1, 2 and 3 each send VM 1 of host 0 half the link in jumbo
    // frames (few enough for a vCPU to keep up with): its port, with a
    // shallow buffer, is offered 1.5 times what it carries; no other port
    // is loaded past a fraction.
    let mut flows = Vec::new();
    for h in 1..4 {
        flows.push((
            poisson(
                &format!("ew.h{h}-h0"),
                FlowKind::VmToVm { src: 0, dst: 1 },
                9000,
                0.5,
            ),
            place(h, 0),
        ));
        flows.push((
            poisson(&format!("rx.h{h}"), FlowKind::Rx { vm: 0 }, 512, 0.05),
            place(h, h),
        ));
    }
    let mut cfg = rack(IoPath::Sriov, 4, 2, flows, 1000);
    // A shallow buffer, soon full.
    cfg.profile.switch_buffer_frames = 8;
    let r = enisim::model::run_on(&cfg, 2).expect("runs");
    common::assert_books(&r);
    let rack = r.rack.as_ref().unwrap();
    let wire = r.dropped["wire_queue_full"];
    assert!(wire > 0, "the port toward host 0 overflowed");
    let port = |h: u32| rack.ports.iter().find(|p| p.host == h).unwrap();
    assert_eq!(port(0).dropped, wire);
    assert_eq!(port(0).dropped_by.get("wire_queue_full"), Some(&wire));
    assert_eq!(port(0).dropped_by.len(), 1);
    for h in 1..4 {
        assert_eq!(port(h).dropped, 0, "host {h}");
    }
    // The port's drops are its host's, and the east-west flows' into it.
    assert_eq!(rack.hosts[0].dropped_by.get("wire_queue_full"), Some(&wire));
    let flows_wire: u64 = r
        .flows
        .iter()
        .filter(|f| f.scope == Some(Scope::EastWest))
        .filter_map(|f| f.dropped_by.get("wire_queue_full"))
        .sum();
    assert_eq!(flows_wire, wire);
    assert!(port(0).utilization > 0.95, "{}", port(0).utilization);
}

#[test]
fn each_scope_adds_its_flows_histograms() {
    let cfg = mixed(IoPath::Virtio, 3, 0.1);
    let r = enisim::model::run_on(&cfg, 2).expect("runs");
    let rack = r.rack.as_ref().unwrap();
    let mut in_scopes = 0;
    for s in &rack.latency {
        let flows: Vec<_> = r
            .flows
            .iter()
            .filter(|f| f.scope == Some(s.scope) && f.latency_ns.is_some())
            .collect();
        assert_eq!(s.flows as usize, flows.len(), "{:?}", s.scope);
        // Every delivered packet of the scope's flows is in its histogram.
        assert_eq!(
            s.delivered,
            flows.iter().map(|f| f.delivered).sum::<u64>(),
            "{:?}",
            s.scope
        );
        in_scopes += s.delivered;
        // A percentile of a mixture lies within its parts' percentiles.
        let l = &s.latency_ns;
        for (q, of) in [
            (
                l.p50,
                (|x: &enisim::metrics::LatencySummary| x.p50) as fn(&_) -> u64,
            ),
            (l.p99, |x| x.p99),
        ] {
            let parts: Vec<u64> = flows
                .iter()
                .map(|f| of(f.latency_ns.as_ref().unwrap()))
                .collect();
            assert!(
                *parts.iter().min().unwrap() <= q && q <= *parts.iter().max().unwrap(),
                "{:?}: {q} outside {parts:?}",
                s.scope
            );
        }
        assert!(l.p50 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max);
    }
    // Every open-loop delivery of the rack is in one scope.
    assert_eq!(in_scopes, r.latency_histogram.as_ref().unwrap().len());
    // An east-west packet crosses two hosts and the switch; a north-south
    // one, one host.
    let p50 = |scope| {
        rack.latency
            .iter()
            .find(|s| s.scope == scope)
            .unwrap()
            .latency_ns
            .p50
    };
    assert!(p50(Scope::EastWest) > p50(Scope::NorthSouth));
}

#[test]
fn a_scope_of_one_flow_is_that_flow() {
    // Merging is exact: a scope with a single flow has that flow's
    // percentiles, max and mean.
    let r = enisim::model::run_on(
        &rack(
            IoPath::Sriov,
            2,
            2,
            vec![
                (
                    poisson("ew", FlowKind::VmToVm { src: 0, dst: 1 }, 1024, 0.3),
                    place(0, 1),
                ),
                (poisson("rx", FlowKind::Rx { vm: 0 }, 256, 0.2), place(1, 1)),
            ],
            300,
        ),
        1,
    )
    .expect("runs");
    let rack = r.rack.as_ref().unwrap();
    for (name, scope) in [("ew", Scope::EastWest), ("rx", Scope::NorthSouth)] {
        let f = r.flows.iter().find(|f| f.name == name).unwrap();
        let s = rack.latency.iter().find(|s| s.scope == scope).unwrap();
        assert_eq!((s.flows, s.delivered), (1, f.delivered));
        assert_eq!(Some(&s.latency_ns), f.latency_ns.as_ref(), "{name}");
    }
}

#[test]
fn a_scope_with_every_flow_has_the_paths_latency() {
    // Only east-west flows, of unlike sizes and loads: the scope's
    // histogram holds every packet the path's does, so its percentiles
    // are the path's to its 1% resolution (an average of the flows'
    // percentiles would not be), and its mean is the path's.
    let mut flows = Vec::new();
    for (h, d, bytes, load) in [
        (0, 1, 64, 0.02),
        (1, 2, 1500, 0.3),
        (2, 0, 512, 0.1),
        (1, 0, 9000, 0.2),
    ] {
        flows.push((
            poisson(
                &format!("ew.h{h}-h{d}"),
                FlowKind::VmToVm { src: 0, dst: 1 },
                bytes,
                load,
            ),
            place(h, d),
        ));
    }
    let r = enisim::model::run_on(&rack(IoPath::Virtio, 3, 2, flows, 300), 2).expect("runs");
    let rack = r.rack.as_ref().unwrap();
    assert_eq!(rack.latency.len(), 1);
    let s = &rack.latency[0];
    assert_eq!((s.scope, s.flows), (Scope::EastWest, 4));
    let path = &r.latency_ns;
    for (got, want) in [(s.latency_ns.p50, path.p50), (s.latency_ns.p99, path.p99)] {
        let tol = want as f64 * 0.01 + 1.0;
        assert!(
            (got as f64 - want as f64).abs() <= tol,
            "scope {got} ns, path {want} ns"
        );
    }
    assert!((s.latency_ns.mean - path.mean).abs() < 1e-6 * path.mean);
    // The flows differ: their medians spread wider than the resolution.
    let p50s: Vec<u64> = r
        .flows
        .iter()
        .map(|f| f.latency_ns.as_ref().unwrap().p50)
        .collect();
    let (lo, hi) = (*p50s.iter().min().unwrap(), *p50s.iter().max().unwrap());
    assert!(hi as f64 > lo as f64 * 1.1, "{p50s:?}");
}

/// experiments/rack.toml on 3 hosts for 1 ms, two paths, and its
/// directory with the report written.
fn small_rack_report(
    tag: &str,
    sets: &[&str],
) -> (enisim::experiment::RunReport, std::path::PathBuf) {
    use enisim::experiment::{run_experiment, Experiment, Override};
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/rack.toml");
    let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    let exp = Experiment::from_file(&file, &overrides).unwrap();
    let r = run_experiment(&exp, Some(2)).unwrap();
    let dir = common::unique_path(tag);
    enisim::report::write_dir(&dir, &r).unwrap();
    enisim::report::write_report(&dir).unwrap();
    (r, dir)
}

#[test]
fn a_racks_reports_show_its_scopes_hosts_and_ports() {
    let (r, dir) = small_rack_report(
        "rack-report",
        &[
            "rack.hosts=3",
            "run.duration_us=1000",
            "paths=[\"sriov\",\"emulated\"]",
        ],
    );
    let t = enisim::report::table(&r);
    let section = |title: &str| -> Vec<&str> {
        let start = t.find(title).unwrap_or_else(|| panic!("{title}: {t}"));
        t[start..]
            .lines()
            .skip(1)
            .take_while(|l| !l.is_empty())
            .collect()
    };
    let paths = r.paths();
    // The hosts' sums are the path's books; the ports' frames are what
    // the runs' ports carried.
    let hosts = section("hosts (3 per path");
    let ports = section("switch ports (");
    let scopes = section("latency by scope");
    for p in &paths {
        let rack = p.rack.as_ref().unwrap();
        let row = |rows: &[&str], measure: &str| -> Vec<String> {
            let i = rows.iter().position(|l| l.starts_with(&p.path)).unwrap();
            rows[i..]
                .iter()
                .find(|l| l.contains(measure))
                .unwrap_or_else(|| panic!("{} {measure}", p.path))
                .split_whitespace()
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(
            row(&hosts, "delivered [packets]").last().unwrap(),
            &p.delivered.to_string()
        );
        let dropped: u64 = p.dropped.values().sum();
        assert_eq!(
            row(&hosts, "dropped [packets]").last().unwrap(),
            &dropped.to_string()
        );
        let frames: u64 = rack.ports.iter().map(|x| x.frames).sum();
        assert_eq!(row(&ports, "frames").last().unwrap(), &frames.to_string());
        let ew = rack
            .latency
            .iter()
            .find(|s| s.scope == Scope::EastWest)
            .unwrap();
        let cells = row(&scopes, "east-west");
        assert!(cells.contains(&ew.delivered.to_string()), "{cells:?}");
        // A saturated path's latency is marked a lower bound.
        let mark = if p.saturated.is_some() { "≥" } else { "" };
        assert!(
            cells.contains(&format!("{mark}{:.2}", ew.latency_ns.p50 as f64 / 1e3)),
            "{cells:?}"
        );
    }
    // The Markdown and HTML reports have the same three tables; the HTML
    // latency cells carry summary.json's statistics.
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    for title in ["Latency by scope", "Hosts", "Switch ports"] {
        assert!(md.contains(&format!("\n## {title}")), "{title}");
    }
    for id in ["rack-latency", "rack-hosts", "rack-ports"] {
        assert!(html.contains(&format!("<h2 id=\"{id}\">")), "{id}");
    }
    let sriov = &r.points[0].paths[0];
    let p50 = sriov.stats["east_west_latency_p50_ns"].value;
    assert!(
        html.contains(&format!(
            "data-metric=\"east_west_latency_p50_ns\" data-value=\"{p50}\""
        )),
        "{p50}"
    );
    // The CSV has a column per scope statistic, host and port.
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    for col in [
        "east_west_latency_p99_ns",
        "north_south_delivered",
        "host2_guest_cpu_pct",
        "port_host1.nic0.wire_in_frames",
        "port_host1.nic0.wire_in_dropped",
    ] {
        assert!(header.split(',').any(|c| c == col), "{col}");
    }
    // explain says how east-west compares with north-south, in the run's
    // numbers.
    let text = enisim::explain::explain(&r, &enisim::explain::default_pairs()).unwrap();
    let ns_p50 = sriov.stats["north_south_latency_p50_ns"].mean;
    let want = format!(
        "sriov: east-west p50 {:.2} µs, p99 {:.2} µs",
        p50 / 1e3,
        sriov.stats["east_west_latency_p99_ns"].mean / 1e3
    );
    assert!(text.contains(&want), "{want}\n{text}");
    let word = if p50 > ns_p50 { "above" } else { "below" };
    assert!(
        text.contains(&format!(
            "Its east-west median is {word} its north-south one"
        )),
        "{text}"
    );
    assert!(text.contains("the busiest switch port is host"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_host_reports_have_no_rack_tables() {
    let (r, dir) = {
        use enisim::experiment::{run_experiment, Experiment, Override};
        let file =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/compare.toml");
        let o = Override::parse("run.duration_us=500").unwrap();
        let r = run_experiment(&Experiment::from_file(&file, &[o]).unwrap(), Some(2)).unwrap();
        let dir = common::unique_path("one-host-report");
        enisim::report::write_dir(&dir, &r).unwrap();
        enisim::report::write_report(&dir).unwrap();
        (r, dir)
    };
    let t = enisim::report::table(&r);
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let json = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let text = enisim::explain::explain(&r, &enisim::explain::default_pairs()).unwrap();
    for (what, s, bad) in [
        ("table", &t, "latency by scope"),
        ("table", &t, "switch ports"),
        ("markdown", &md, "## Hosts"),
        ("html", &html, "id=\"rack-"),
        ("csv", &csv, "east_west"),
        ("csv", &csv, "host0_"),
        ("json", &json, "\"scope\""),
        ("json", &json, "\"rack\""),
        ("explain", &text, "East-west"),
    ] {
        assert!(!s.contains(bad), "{what} has {bad}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A ping-pong from VM `client` to VM `server` (on the hosts its place
/// says), `outstanding` requests at a time.
fn rr_between(name: &str, client: u32, server: u32, outstanding: u32) -> FlowConfig {
    let mut f = common::rr(name, server, 2);
    if let FlowKind::RequestResponse {
        client: c,
        outstanding: o,
        ..
    } = &mut f.kind
    {
        *c = Client::Vm(client);
        *o = outstanding;
    }
    f
}

/// A TCP stream from VM `src` to VM `dst` (on the hosts its place says)
/// with a receive window of `rwnd` bytes.
fn tcp_between(name: &str, src: u32, dst: u32, rwnd: u64) -> FlowConfig {
    FlowConfig {
        name: name.into(),
        kind: FlowKind::TcpStream {
            src: Client::Vm(src),
            dst: Client::Vm(dst),
            tcp: TcpParams {
                rwnd_bytes: rwnd,
                ..TcpParams::linux()
            },
        },
        arrival: Arrival::Poisson,
        sizes: SizeDist::Fixed(1518),
        mean_interval_ps: 1.0,
        streams: 1,
        addr: None,
    }
}

/// [`mixed`] with closed-loop flows between hosts: a ping-pong from VM 0
/// of each host to VM 1 of the next (VM 0 of the last to VM 0 of the
/// first: VMs of two hosts may share an index) and a TCP stream from VM 1
/// of each host to VM 1 of the next (`rwnd` bytes of window); and one of
/// each within host 0.
fn mixed_closed_loop(
    path: IoPath,
    hosts: u32,
    load: f64,
    outstanding: u32,
    rwnd: u64,
) -> HostConfig {
    let mut cfg = mixed(path, hosts, load);
    let rack = cfg.rack.as_mut().expect("a rack");
    for h in 0..hosts {
        let server = if h + 1 == hosts { 0 } else { 1 };
        cfg.flows
            .push(rr_between(&format!("rr.h{h}"), 0, server, outstanding));
        rack.places.push(place(h, (h + 1) % hosts));
        cfg.flows.push(tcp_between(&format!("st.h{h}"), 1, 1, rwnd));
        rack.places.push(place(h, (h + 1) % hosts));
    }
    cfg.flows.push(rr_between("rr.local", 1, 0, outstanding));
    rack.places.push(place(0, 0));
    cfg.flows.push(tcp_between("st.local", 0, 1, rwnd));
    rack.places.push(place(0, 0));
    cfg
}

#[test]
fn request_response_and_tcp_between_hosts_are_the_same_on_1_2_3_and_8_threads() {
    for (k, path) in IoPath::ALL.into_iter().enumerate() {
        let cfg = HostConfig {
            seed: 10 + k as u64,
            window: SimDuration::from_us(1000),
            ..mixed_closed_loop(path, 3, 0.005, 2, 64 << 10)
        };
        let one = enisim::model::run_on(&cfg, 1).expect("runs");
        common::assert_books(&one);
        for f in one.flows.iter().filter(|f| f.name.starts_with("rr.h")) {
            assert!(
                f.completed.unwrap_or(0) > 5,
                "{path} {}: {:?} round trips",
                f.name,
                f.completed
            );
            assert_eq!(f.timeouts, Some(0), "{path} {}", f.name);
            assert_eq!(f.scope, Some(Scope::EastWest), "{path} {}", f.name);
        }
        for f in one.flows.iter().filter(|f| f.name.starts_with("st.h")) {
            let t = f.tcp.as_ref().expect("a TCP stream");
            assert!(
                t.delivered_bytes > 64 << 10 && t.acks_delivered > 10,
                "{path} {}: {t:?}",
                f.name
            );
            assert_eq!(f.scope, Some(Scope::EastWest), "{path} {}", f.name);
        }
        for threads in [2, 3, 8] {
            let r = enisim::model::run_on(&cfg, threads).expect("runs");
            assert_eq!(json(&one), json(&r), "{path}, {threads} threads");
        }
    }
}

#[test]
fn books_balance_with_requests_segments_and_answers_between_hosts_at_the_end() {
    // No drain, many requests out, a wide window: the run stops with
    // requests, answers, segments and ACKs on both hosts and in the
    // switch; all are in flight.
    for path in IoPath::ALL {
        let cfg = HostConfig {
            drain: SimDuration::ZERO,
            ..mixed_closed_loop(path, 2, 0.05, 16, 4 << 20)
        };
        let r = enisim::model::run_on(&cfg, 2).expect("runs");
        common::assert_books(&r);
        let rr: Vec<_> = r
            .flows
            .iter()
            .filter(|f| f.name.starts_with("rr.h"))
            .collect();
        assert!(
            rr.iter().any(|f| f.in_flight > 0),
            "{path}: no request or answer in flight between hosts"
        );
        for f in rr {
            balanced(
                [f.generated, f.delivered, f.dropped, f.in_flight],
                &format!("{path} {}", f.name),
            );
            // Each completed round trip delivered a request and its answer.
            assert!(
                f.delivered >= 2 * f.completed.unwrap_or(0),
                "{path} {}",
                f.name
            );
        }
        let st: Vec<_> = r
            .flows
            .iter()
            .filter(|f| f.name.starts_with("st.h"))
            .collect();
        for f in &st {
            let t = f.tcp.as_ref().expect("a TCP stream");
            let what = format!("{path} {}: {t:?}", f.name);
            balanced(
                [
                    t.segments,
                    t.segments_delivered,
                    t.segments_dropped,
                    t.segments_in_flight,
                ],
                &what,
            );
            balanced(
                [t.acks, t.acks_delivered, t.acks_dropped, t.acks_in_flight],
                &what,
            );
        }
        assert!(
            st.iter()
                .any(|f| f.tcp.as_ref().unwrap().segments_in_flight > 0),
            "{path}: no segment in flight between hosts"
        );
    }
}

#[test]
fn a_tcp_stream_between_hosts_sends_segments_through_the_switch_and_acks_back() {
    // One stream, host 0 → host 1, a window that fits the switch's buffer,
    // a drain: every segment crosses the port toward host 1 and every ACK
    // the port toward host 0, frame for frame.
    for path in [IoPath::Sriov, IoPath::Virtio, IoPath::Baremetal] {
        let cfg = rack(
            path,
            2,
            2,
            vec![(tcp_between("st", 0, 1, 256 << 10), place(0, 1))],
            5000,
        );
        let r = enisim::model::run(&cfg).expect("runs");
        common::assert_books(&r);
        let t = r.flows[0].tcp.as_ref().expect("a TCP stream");
        assert_eq!(
            (t.segments_dropped, t.acks_dropped),
            (0, 0),
            "{path}: {t:?}"
        );
        assert_eq!((t.segments_in_flight, t.acks_in_flight), (0, 0), "{path}");
        let port = |h: u32| {
            let rack = r.rack.as_ref().unwrap();
            rack.ports.iter().find(|p| p.host == h).unwrap().frames
        };
        assert_eq!(port(1), t.segments_delivered, "{path}");
        assert_eq!(port(0), t.acks_delivered, "{path}");
        // Within the 25 GbE line rate times the payload's share of the
        // wire (1448 of 1538 B), and most of it.
        let line = 25.0 * 1448.0 / 1538.0;
        assert!(
            t.goodput_gbps < line && t.goodput_gbps > 0.5 * line,
            "{path}: {} Gb/s",
            t.goodput_gbps
        );
    }
}

#[test]
fn a_round_trip_between_hosts_crosses_the_switch_both_ways() {
    // One request at a time, interrupts at once: raising the switch's
    // latency by d lengthens every round trip by 2 d (the request crosses
    // it, then the answer), on every path.
    for path in IoPath::ALL {
        let rtt = |latency_ns: u64| {
            let mut cfg = rack(
                path,
                2,
                2,
                vec![(rr_between("rr", 0, 1, 1), place(0, 1))],
                5000,
            );
            cfg.profile.irq_moderation = enisim::model::IrqModeration::Static;
            cfg.profile.nic_irq_interval_us = 0.0;
            cfg.profile.emulated_irq_interval_us = 0.0;
            cfg.rack.as_mut().unwrap().switch.latency = SimDuration::from_ns(latency_ns);
            let r = enisim::model::run(&cfg).expect("runs");
            common::assert_books(&r);
            let f = &r.flows[0];
            assert!(f.completed.unwrap_or(0) > 40, "{path}: {:?}", f.completed);
            f.rtt_ns.as_ref().expect("round trips").mean
        };
        let (near, far) = (rtt(500), rtt(5500));
        assert!(
            ((far - near) - 10_000.0).abs() < 200.0,
            "{path}: round trip {near} ns with a 0.5 µs switch, {far} ns with 5.5 µs"
        );
    }
}

#[test]
fn a_packet_cap_ends_a_racks_window_at_its_nth_birth_on_any_thread_count() {
    // The rack's open-loop flows together give birth to exactly n packets
    // (each host draws its own: the n-th of all of them ends the window),
    // request/response and TCP between hosts run on beside them; the same
    // on 1, 2 and 3 threads.
    // About 1,240 open-loop births in the 300 µs window.
    let n = 600;
    for path in [IoPath::Sriov, IoPath::Virtio] {
        let cfg = HostConfig {
            max_packets: Some(n),
            ..mixed_closed_loop(path, 3, 0.05, 2, 64 << 10)
        };
        let one = enisim::model::run_on(&cfg, 1).expect("runs");
        common::assert_books(&one);
        let open_loop: u64 = one
            .flows
            .iter()
            .filter(|f| f.tcp.is_none() && f.rtt_ns.is_none())
            .map(|f| f.generated)
            .sum();
        assert_eq!(open_loop, n, "{path}");
        assert!(
            one.window_us > 100.0 && one.window_us < 200.0,
            "{path}: window {} µs",
            one.window_us
        );
        for threads in [2, 3] {
            let r = enisim::model::run_on(&cfg, threads).expect("runs");
            assert_eq!(json(&one), json(&r), "{path}, {threads} threads");
        }
        // A cap beyond what the window offers leaves the window whole.
        let all = HostConfig {
            max_packets: Some(10 * n),
            ..cfg.clone()
        };
        let r = enisim::model::run_on(&all, 2).expect("runs");
        assert_eq!(r.window_us, 300.0, "{path}");
    }
}

/// Asserts `[generated, delivered, dropped, in flight]` balance.
fn balanced([generated, delivered, dropped, in_flight]: [u64; 4], what: &str) {
    assert_eq!(generated, delivered + dropped + in_flight, "{what}");
}

#[test]
fn an_east_west_flow_over_several_5_tuples_keeps_each_ones_queue_across_the_switch() {
    // 16 source ports into a VM with 4 queues: on the receiving host each
    // packet takes its own 5-tuple's route (the sending host says which),
    // so RSS spreads them over the queues; were every packet taken as the
    // first 5-tuple's, one queue would get them all.
    let mut f = poisson("ew", FlowKind::VmToVm { src: 0, dst: 1 }, 512, 0.05);
    f.streams = 16;
    let mut cfg = rack(IoPath::Sriov, 2, 2, vec![(f, place(0, 1))], 300);
    cfg.vcpus = 4;
    let r = enisim::model::run_on(&cfg, 2).expect("runs");
    common::assert_books(&r);
    let queues: Vec<u64> = r
        .rings
        .iter()
        .filter(|g| g.name.starts_with("host1.") && g.name.contains("rx"))
        .map(|g| g.packets)
        .collect();
    assert!(
        queues.iter().filter(|&&n| n > 0).count() >= 3,
        "{:?}",
        r.rings
            .iter()
            .map(|g| (&g.name, g.packets))
            .collect::<Vec<_>>()
    );
    assert_eq!(queues.iter().sum::<u64>(), r.flows[0].delivered);
}
