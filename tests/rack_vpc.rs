//! ENIs and addresses that move between the hosts of a rack (issue 10,
//! point 3): every host runs the same VPC, a packet from beyond the rack is
//! taken by the host that runs its instance, and an ENI moved to an
//! instance on another host delivers there once the attach completes and
//! nothing before (ENI rule M1), with the same bytes on any thread count.

use crate::common::*;
use crate::vpc_failover::{
    failover_timeline, timing_us, to_eip, vpc, FAILOVER, SETUP, SETUP_STEPS,
};
use enisim::model::{
    ControlTiming, Forwarding, HostConfig, IoPath, Place, Profile, RackConfig, SwitchConfig,
};
use enisim::sim::SimDuration;

/// Two hosts of one VM each: `active` on host 0, `standby` on host 1; the
/// service ENI (with the Elastic IP) moves from one to the other at 20 ms.
/// Clients beyond the rack send to the Elastic IP at `pps`.
fn two_hosts(path: IoPath, timing: ControlTiming, pps: f64, window_us: u64) -> HostConfig {
    let timeline = failover_timeline(SimDuration::from_ms(20));
    let mut v = vpc(&format!("{SETUP}{FAILOVER}"), SETUP_STEPS, timeline, timing);
    v.vms = vec![("active".into(), 0), ("standby".into(), 0)];
    v.places = vec![0, 1];
    HostConfig {
        vpc: Some(v),
        rack: Some(RackConfig {
            hosts: 2,
            switch: SwitchConfig {
                latency: SwitchConfig::DEFAULT_LATENCY,
                forwarding: Forwarding::CutThrough,
            },
            places: vec![Place {
                host: 0,
                dst_host: 0,
            }],
        }),
        ..host(
            path,
            Profile::kvm_modern_25g(),
            1,
            vec![to_eip("clients", pps, 512, 40000)],
            window_us,
        )
    }
}

/// The guest receive ring of VM 0's device for device index 1 on `host`.
fn eth1_ring(path: IoPath, host: u32) -> String {
    match path {
        // VF 0 is the primary's, VF 1 the second ENI's.
        IoPath::Sriov => format!("host{host}.vf1.rx_ring"),
        IoPath::Virtio => format!("host{host}.vm0.eth1.virtio_rx"),
        IoPath::Emulated => format!("host{host}.vm0.eth1.e1000_rx"),
        IoPath::Baremetal | IoPath::Passthrough => format!("host{host}.vm0.eth1.nic_rx_ring"),
    }
}

#[test]
fn m1_an_eni_moved_between_hosts_delivers_on_the_new_host_after_the_attach_and_nothing_before() {
    // 20,000 packets/s (one every 50 µs); detach 1 ms, attach 2 ms: the
    // first host takes the packets born before 20 ms, the VPC drops the
    // 3 ms between (60 packets, within one), the second host the rest.
    for path in IoPath::ALL {
        let cfg = two_hosts(path, timing_us(2000, 1000, 0), 20_000.0, 60_000);
        let r = enisim::model::run_on(&cfg, 1).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_books(&r);
        let f = &r.flows[0];
        let (before, after) = (
            ring_packets(&r, &eth1_ring(path, 0)),
            ring_packets(&r, &eth1_ring(path, 1)),
        );
        let lost = f.lost.expect("an addressed flow");
        assert!((399..=401).contains(&before), "{path}: {before} on host 0");
        assert!((59..=61).contains(&lost), "{path}: {lost} lost");
        assert_eq!(before + after, f.delivered, "{path}: {:?}", r.rings);
        assert_eq!(f.generated, f.delivered + f.dropped + f.in_flight);
        assert_eq!(f.dropped_by.get("no_attachment"), Some(&lost), "{path}");
        // Nothing reached a primary device, on either host.
        for h in 0..2 {
            let primary = match path {
                IoPath::Sriov => format!("host{h}.vf0.rx_ring"),
                _ => eth1_ring(path, h).replace(".eth1", ""),
            };
            assert_eq!(ring_packets(&r, &primary), 0, "{path}: {primary}");
        }
        // Over time: host 0 delivers only before the detach (20 ms), host 1
        // only once the attach has completed (23 ms), and together they
        // make the flow's series.
        let series = f.delivered_series.as_ref().expect("an addressed flow");
        assert_eq!(series.by_host.len(), 2, "{path}");
        let bucket_us = series.bucket_us;
        for (i, n) in series.delivered.iter().enumerate() {
            assert_eq!(*n, series.by_host[0][i] + series.by_host[1][i], "{path}");
            let (start, end) = (i as f64 * bucket_us, (i + 1) as f64 * bucket_us);
            if series.by_host[0][i] > 0 {
                assert!(start < 20_000.0 + 100.0, "{path}: host 0 at {start} µs");
            }
            if series.by_host[1][i] > 0 {
                assert!(end > 23_000.0, "{path}: host 1 at {start} µs");
            }
        }
        assert_eq!(
            series.by_host[0].iter().map(|&n| n as u64).sum::<u64>(),
            before
        );
        assert_eq!(
            series.by_host[1].iter().map(|&n| n as u64).sum::<u64>(),
            after
        );
        // The service ENI ends on the standby, VM 0 of host 1.
        let service = r
            .enis
            .iter()
            .find(|e| e.addresses == ["10.0.1.100"])
            .unwrap();
        assert_eq!((service.host, service.vm), (Some(1), Some(0)), "{path}");
        // The outage is the detach plus the attach, plus one interval.
        let outage = f.outage_us.expect("it lost packets");
        assert!(
            (3000.0..=3051.0).contains(&outage),
            "{path}: outage {outage} µs"
        );
    }
}

#[test]
fn a_failover_across_hosts_gives_the_same_bytes_on_any_thread_count() {
    for (path, seed) in [
        (IoPath::Sriov, 1),
        (IoPath::Virtio, 2),
        (IoPath::Emulated, 3),
    ] {
        let cfg = HostConfig {
            seed,
            ..two_hosts(path, timing_us(2000, 1000, 0), 50_000.0, 40_000)
        };
        let one = serde_json::to_string(&enisim::model::run_on(&cfg, 1).unwrap()).unwrap();
        for threads in [2, 3, 8] {
            let r = serde_json::to_string(&enisim::model::run_on(&cfg, threads).unwrap()).unwrap();
            assert_eq!(one, r, "{path}: {threads} threads");
        }
    }
}

#[test]
fn the_outage_across_hosts_equals_the_one_host_outage() {
    // The same move between two VMs of one host: the same packets lost and
    // the same outage, since only the devices' hosts differ.
    for path in IoPath::ALL {
        let t = timing_us(2000, 1000, 0);
        let rack = enisim::model::run_on(&two_hosts(path, t, 20_000.0, 60_000), 2).unwrap();
        let one = crate::vpc_failover::failover(path, t, 20_000.0);
        let (a, b) = (&rack.flows[0], &one.flows[0]);
        assert_eq!(a.lost, b.lost, "{path}");
        assert_eq!(a.generated, b.generated, "{path}");
        let (x, y) = (a.outage_us.unwrap(), b.outage_us.unwrap());
        assert!((x - y).abs() < 1.0, "{path}: rack {x} µs, one host {y} µs");
    }
}

#[test]
fn a_rack_refuses_what_its_vpc_cannot_run_naming_the_key() {
    let mut cfg = two_hosts(IoPath::Sriov, timing_us(0, 0, 0), 1000.0, 1000);
    // An instance on a host the rack does not have.
    cfg.vpc.as_mut().unwrap().places = vec![0, 2];
    let e = enisim::model::run_on(&cfg, 1).unwrap_err().to_string();
    assert!(e.starts_with("vpc.vms:") && e.contains("host 2"), "{e}");
    // Hosts for some instances only.
    let mut cfg = two_hosts(IoPath::Sriov, timing_us(0, 0, 0), 1000.0, 1000);
    cfg.vpc.as_mut().unwrap().places = vec![1];
    let e = enisim::model::run_on(&cfg, 1)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("vpc.vms:") && e.contains("2 instances but 1 hosts"),
        "{e}"
    );
    // A flow from an instance that runs on no host of the rack.
    let mut cfg = two_hosts(IoPath::Sriov, timing_us(0, 0, 0), 1000.0, 1000);
    cfg.vpc.as_mut().unwrap().vms.truncate(1);
    cfg.vpc.as_mut().unwrap().places.truncate(1);
    cfg.flows[0].addr.as_mut().unwrap().from = Some("$standby".into());
    let e = enisim::model::run_on(&cfg, 1)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("flows (clients)") && e.contains("must be placed on a host"),
        "{e}"
    );
}

/// `two_hosts`, but the flow comes from the standby (host 1) to the service
/// ENI's address, which is on the active instance (host 0) until the move
/// and on the standby itself after it.
fn from_standby(path: IoPath, pps: f64, window_us: u64) -> HostConfig {
    let mut cfg = two_hosts(path, timing_us(2000, 1000, 0), pps, window_us);
    let a = cfg.flows[0].addr.as_mut().unwrap();
    a.from = Some("$standby".into());
    a.dst = "10.0.1.100".into();
    cfg
}

#[test]
fn an_instance_sends_across_the_switch_to_an_eni_on_another_host_until_it_moves() {
    // Before the move the standby's packets cross the switch to host 0's
    // second device; the VPC drops the 3 ms of the move; after it they stay
    // in the standby (its own ENI now).
    for path in IoPath::ALL {
        let r = enisim::model::run_on(&from_standby(path, 20_000.0, 60_000), 1)
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_books(&r);
        let f = &r.flows[0];
        assert_eq!(f.generated, f.delivered + f.dropped + f.in_flight, "{path}");
        let crossed = ring_packets(&r, &eth1_ring(path, 0));
        assert!(
            (399..=401).contains(&crossed),
            "{path}: {crossed} via host 0"
        );
        let lost = f.lost.unwrap_or(0);
        assert!((59..=61).contains(&lost), "{path}: {lost} lost");
        assert!(
            r.sim.crossings >= crossed,
            "{path}: {} crossings",
            r.sim.crossings
        );
        let outage = f.outage_us.unwrap_or(0.0);
        assert!(
            (3000.0..=3051.0).contains(&outage),
            "{path}: outage {outage} µs"
        );
        // Host 0 delivered what crossed; host 1 what stayed in the standby.
        let series = f.delivered_series.as_ref().expect("a series");
        let on = |h: usize| series.by_host[h].iter().map(|&n| n as u64).sum::<u64>();
        assert_eq!((on(0), on(0) + on(1)), (crossed, f.delivered), "{path}");
    }
}

#[test]
fn an_instance_across_the_switch_gives_the_same_bytes_on_any_thread_count() {
    for (path, seed) in [(IoPath::Sriov, 4), (IoPath::Virtio, 5)] {
        let cfg = HostConfig {
            seed,
            ..from_standby(path, 50_000.0, 40_000)
        };
        let json = |t| serde_json::to_string(&enisim::model::run_on(&cfg, t).unwrap()).unwrap();
        let one = json(1);
        for threads in [2, 3] {
            assert!(one == json(threads), "{path}: {threads} threads differ");
        }
    }
}

/// `enisim validate` on experiments/ha-eni-failover.toml with `old`
/// replaced by `new`: (exit code, stderr).
fn validate_variant(old: &str, new: &str) -> (Option<i32>, String) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/experiments/ha-eni-failover.toml"
    ))
    .unwrap();
    assert!(text.contains(old), "{old}");
    let p = unique_path("rack-vpc").with_extension("toml");
    std::fs::write(&p, text.replacen(old, new, 1)).unwrap();
    let (code, _, err) = output(enisim().arg("validate").arg(&p));
    let _ = std::fs::remove_file(&p);
    (code, err)
}

#[test]
fn placing_instances_on_hosts_is_validated_naming_the_key() {
    const VMS: &str = "vms = { active = { host = 0, vm = 0 }, standby = { host = 1, vm = 0 } }";
    let cases: [(&str, &str, &[&str]); 9] = [
        (
            VMS,
            "vms = { active = { host = 0, vm = 0 }, standby = { host = 2, vm = 0 } }",
            &["vpc.vms.standby.host", "no such host", "0..=1"],
        ),
        (
            VMS,
            "vms = { active = { host = 0, vm = 0 }, standby = { host = 1, vm = 1 } }",
            &["vpc.vms.standby.vm", "0..=0"],
        ),
        (
            VMS,
            "vms = { active = { host = 0, vm = 0 }, standby = 0 }",
            &["vpc.vms.standby", "{ host = H, vm = V }"],
        ),
        (
            VMS,
            "vms = { active = { host = 0, vm = 0 }, standby = { host = 0, vm = 0 } }",
            &["vpc.vms.standby", "already runs as this VM of this host"],
        ),
        (
            VMS,
            "vms = { active = { host = 0, vm = 0 }, standby = { host = 1, cpu = 0 } }",
            &["vpc.vms.standby.cpu", "allowed: host, vm"],
        ),
        (
            "[rack]\nhosts = 2\n",
            "",
            &["vpc.vms.active", "places an instance in a [rack]"],
        ),
        (
            "dst = \"$eip.ip\"",
            "dst = \"$eip.ip\"\nhost = \"all\"",
            &["flows.0.host", "reaches whichever host runs its instance"],
        ),
        (
            "kind = \"rx\"                      # from the internet",
            "kind = \"tcp_stream\"",
            &["flows.0.dst", "a tcp_stream flow cannot be addressed"],
        ),
        (
            "kind = \"rx\"                      # from the internet\n\
             dst = \"$eip.ip\"                  # the Elastic IP: translated at the VPC edge to \
             10.0.1.100\nproto = \"tcp\"\nport = 443\narrival = \"constant\"\n\
             size = 512                       # frame [B]\n\
             rate_pps = 20000                 # [packets/s]",
            "kind = \"request_response\"\ndst = \"$eip.ip\"\nproto = \"tcp\"\nport = 443",
            &[
                "flows.0.from",
                "request/response from beyond the rack to an address is not modelled in a rack",
                "client = \"external\", vm, host",
            ],
        ),
    ];
    for (old, new, needles) in cases {
        let (code, err) = validate_variant(old, new);
        assert_eq!(code, Some(2), "{new}: {err}");
        assert!(
            err.contains("ha-eni-failover") || err.contains(".toml"),
            "{err}"
        );
        for n in needles {
            assert!(err.contains(n), "{new}: {n:?} not in {err}");
        }
    }
    // As shipped, it is valid.
    let (code, err) = validate_variant("seed = 1", "seed = 1");
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn the_report_draws_a_failover_across_hosts_by_host() {
    let out = unique_path("rack-vpc-report");
    let (code, _, err) = output(
        enisim()
            .args([
                "run",
                "experiments/ha-ip-reassign.toml",
                "--set",
                "paths=[\"sriov\"]",
                "--out",
            ])
            .arg(&out),
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = output(enisim().arg("report").arg(&out));
    assert_eq!(code, Some(0), "{err}");
    let svg = std::fs::read_to_string(out.join("plots/delivered-by-host-sriov.svg")).unwrap();
    assert!(svg.contains("host 0") && svg.contains("host 1"), "{svg}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("Delivered packets by host, sriov"), "{md}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn replicas_stay_in_step_under_unequal_load_and_allowance_drops() {
    // The HA flow at 50,000 packets/s against a packet-rate allowance of
    // 30,000/s (so the VPC's decisions depend on every earlier packet),
    // plus east-west traffic from host 1 to host 0 and a flood into host 0
    // only: the hosts' own loads differ, their copies of the VPC must not.
    for path in [IoPath::Sriov, IoPath::Virtio] {
        let mut cfg = two_hosts(path, timing_us(2000, 1000, 0), 50_000.0, 30_000);
        cfg.vpc.as_mut().unwrap().pps_allowance = Some(30_000);
        let poisson = |name: &str, kind, load| {
            flow(
                name,
                kind,
                enisim::model::Arrival::Poisson,
                enisim::model::SizeDist::Fixed(1024),
                interval_for_load(25.0, load, 1024.0),
            )
        };
        cfg.flows.push(poisson(
            "ew",
            enisim::model::FlowKind::VmToVm { src: 0, dst: 0 },
            0.2,
        ));
        cfg.flows
            .push(poisson("flood", enisim::model::FlowKind::Rx { vm: 0 }, 0.3));
        let rack = cfg.rack.as_mut().unwrap();
        rack.places.push(Place {
            host: 1,
            dst_host: 0,
        });
        rack.places.push(Place {
            host: 0,
            dst_host: 0,
        });
        let one = enisim::model::run_on(&cfg, 1).unwrap();
        assert_books(&one);
        let f = &one.flows[0];
        let by_allowance = f
            .dropped_by
            .get("pps_allowance_exceeded")
            .copied()
            .unwrap_or(0);
        assert!(by_allowance > 0, "{path}: {:?}", f.dropped_by);
        // Every packet is booked once: by the host that took it, or (the
        // VPC's drops) by the flow's own.
        assert_eq!(
            f.lost,
            Some(by_allowance + f.dropped_by.get("no_attachment").copied().unwrap_or(0))
        );
        assert_eq!(f.generated, 1500, "{path}: 50,000/s for 30 ms");
        let json = serde_json::to_string(&one).unwrap();
        for threads in [2, 3] {
            let r = serde_json::to_string(&enisim::model::run_on(&cfg, threads).unwrap()).unwrap();
            assert!(json == r, "{path}: {threads} threads differ");
        }
    }
}

/// experiments/nat-appliance.toml on one host, or (`two`) with the NAT
/// instance on a host of its own, on `threads` threads.
fn nat_appliance(two: bool, threads: usize) -> enisim::experiment::RunReport {
    use enisim::experiment::{run_experiment, Experiment};
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/experiments/nat-appliance.toml"
    ))
    .unwrap();
    let text = if two {
        let placed = text
            .replacen("vms = 2 ", "vms = 1 ", 1)
            .replacen(
                "vms = { app = 0, nat = 1 }",
                "vms = { app = { host = 0, vm = 0 }, nat = { host = 1, vm = 0 } }",
                1,
            )
            .replacen("[vpc]\n", "[rack]\nhosts = 2\n\n[vpc]\n", 1);
        assert_ne!(placed, text);
        placed
    } else {
        text
    };
    let exp =
        Experiment::from_toml("nat-appliance.toml", &text, &[]).unwrap_or_else(|e| panic!("{e}"));
    run_experiment(&exp, Some(threads)).unwrap()
}

#[test]
fn g5_an_appliance_on_another_host_forwards_what_it_forwards_on_one_host() {
    // The private subnet's route to the NAT (ENI rule G5) reaches it across
    // the switch: the packets "app" sends before the source/destination
    // check is turned off die at the NAT (booked on app's host, which
    // decides each packet), the rest cross to the NAT's host and leave by
    // its NIC. Same counts as on one host, on every path; the same bytes on
    // 1 and 2 threads.
    let one = nat_appliance(false, 1);
    let two = nat_appliance(true, 1);
    assert_eq!(
        enisim::report::json(&{
            let mut r = nat_appliance(true, 2);
            enisim::experiment::strip_timing(&mut r);
            r
        }),
        enisim::report::json(&{
            let mut r = two.clone();
            enisim::experiment::strip_timing(&mut r);
            r
        })
    );
    for (a, b) in one.paths().iter().zip(two.paths()) {
        let path = &a.path;
        assert_books(b);
        assert_eq!(
            (a.generated, a.delivered),
            (b.generated, b.delivered),
            "{path}"
        );
        assert_eq!(b.delivered, 2000, "{path}");
        assert_eq!(a.dropped, b.dropped, "{path}");
        assert_eq!(b.dropped["src_dst_check"], 2000, "{path}");
        let hosts = &b.rack.as_ref().expect("a rack").hosts;
        // Delivered out of the NAT's host, dropped on app's.
        assert_eq!(hosts[1].delivered, 2000, "{path}");
        assert_eq!(hosts[0].dropped, 2000, "{path}");
        // Each delivered packet crossed the switch: at least its latency
        // more than within one host, except where one host's hairpin
        // already went through a ToR (passthrough).
        if path != "passthrough" {
            assert!(
                b.latency_ns.p50 > a.latency_ns.p50 + 500,
                "{path}: {} ns on two hosts, {} on one",
                b.latency_ns.p50,
                a.latency_ns.p50
            );
        }
    }
}

/// A fixture of tests/fixtures/rack/ on `threads` threads, with its
/// wall-clock fields zeroed.
fn fixture(name: &str, threads: usize) -> enisim::experiment::RunReport {
    use enisim::experiment::{run_experiment, strip_timing, Experiment};
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rack")
        .join(name);
    let exp = Experiment::from_file(&file, &[]).unwrap_or_else(|e| panic!("{e}"));
    let mut r = run_experiment(&exp, Some(threads)).unwrap();
    strip_timing(&mut r);
    r
}

#[test]
fn g5_appliance_routes_across_three_hosts_and_through_an_appliance_beyond_the_rack() {
    // app (host 0) → NAT (host 1) → srv (host 2): the packet crosses the
    // switch twice. And app (host 0) → srv (host 1) through a NAT placed on
    // no host: out of host 0's NIC, back in through the switch to host 1
    // (before, it was dropped as no_route). Either way: 2,000 packets die
    // at the NAT's source/destination check (booked on app's host, which
    // decides each), 2,000 reach srv's host; the same on 1 and 3 threads.
    for (name, srv_host) in [("appliance-three.toml", 2), ("appliance-unplaced.toml", 1)] {
        let one = fixture(name, 1);
        assert_eq!(
            enisim::report::json(&one),
            enisim::report::json(&fixture(name, 3)),
            "{name}"
        );
        for p in one.paths() {
            assert_books(p);
            assert_eq!(p.delivered, 2000, "{name} {}", p.path);
            assert_eq!(p.dropped["src_dst_check"], 2000, "{name} {}", p.path);
            assert_eq!(p.dropped["no_route"], 0, "{name} {}", p.path);
            let hosts = &p.rack.as_ref().expect("a rack").hosts;
            assert_eq!(hosts[srv_host].delivered, 2000, "{name} {}", p.path);
            assert_eq!(hosts[0].dropped, 2000, "{name} {}", p.path);
        }
    }
}

/// experiments/mac-licence.toml (three hosts: the old server, the new one
/// and the client, one instance each) with `sets` (`KEY=VALUE`), on
/// `threads` threads, its wall-clock fields zeroed.
fn licence(sets: &[&str], threads: usize) -> enisim::experiment::RunReport {
    use enisim::experiment::{run_experiment, strip_timing, Experiment, Override};
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/mac-licence.toml");
    let sets: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    let exp = Experiment::from_file(&file, &sets).unwrap_or_else(|e| panic!("{e}"));
    let mut r = run_experiment(&exp, Some(threads)).unwrap();
    strip_timing(&mut r);
    r
}

#[test]
fn m1_an_addressed_checkout_follows_its_eni_to_another_host_after_the_attach_and_not_before() {
    // A request/response flow from an instance to an ENI's address, across
    // the switch: the client runs on host 2; its requests reach the old
    // server on host 0 until the detach, none while the ENI is on no
    // instance, and the new server on host 1 once the attach has completed
    // (and not before); every answer comes back to host 2. The VPC's drops
    // are the requests sent while the ENI was away, each a timeout.
    let r = licence(&[], 1);
    for p in &r.points[0].paths {
        let run = &p.runs[0];
        assert_books(run);
        let f = &run.flows[0];
        let (detach, attach) = (
            &run.control[run.control.len() - 2],
            &run.control[run.control.len() - 1],
        );
        assert_eq!(
            (detach.action.as_str(), attach.action.as_str()),
            ("DetachNetworkInterface", "AttachNetworkInterface")
        );
        let done_ms = attach
            .completed_us
            .expect("the attach completes in the window")
            / 1000.0;
        let series = f.delivered_series.as_ref().expect("a series");
        let ms = series.bucket_us / 1000.0;
        let buckets = |h: usize| -> Vec<(f64, u32)> {
            series.by_host[h]
                .iter()
                .enumerate()
                .map(|(i, &n)| (i as f64 * ms, n))
                .filter(|&(_, n)| n > 0)
                .collect()
        };
        let (old, new, client) = (buckets(0), buckets(1), buckets(2));
        let path = &p.path;
        assert!(
            !old.is_empty() && !new.is_empty(),
            "{path}: requests on both servers' hosts"
        );
        // Host 0 answers nothing after the detach started; host 1 nothing
        // before the attach completed (1 ms buckets).
        assert!(
            old.last().unwrap().0 < detach.at_us / 1000.0,
            "{path}: host 0 at {:?}",
            old.last()
        );
        assert!(
            new[0].0 + ms > done_ms,
            "{path}: host 1 from {} ms, attach done at {done_ms}",
            new[0].0
        );
        let completed = f.completed.expect("a round-trip flow");
        let answers: u64 = client.iter().map(|&(_, n)| n as u64).sum();
        assert_eq!(answers, completed, "{path}: host 2 takes every answer");
        let requests: u64 = old.iter().chain(&new).map(|&(_, n)| n as u64).sum();
        assert_eq!(requests, completed, "{path}: each request answered once");
        assert_eq!(
            f.dropped,
            f.dropped_by.get("no_attachment").copied().unwrap_or(0),
            "{path}"
        );
        assert_eq!(
            f.timeouts,
            Some(f.dropped),
            "{path}: each request lost to the move times out"
        );
        // The outage is the move: from the detach to the attach's end, to
        // within one think time and a round trip.
        let outage_ms = f.outage_us.expect("an addressed flow") / 1000.0;
        let move_ms = done_ms - detach.at_us / 1000.0;
        assert!(
            (move_ms..=move_ms + 1.1).contains(&outage_ms),
            "{path}: outage {outage_ms} ms, move {move_ms} ms"
        );
    }
}

#[test]
fn an_addressed_checkout_across_hosts_gives_the_same_bytes_on_any_thread_count() {
    for sets in [
        &["run.duration_us=400000", "seed=2"][..],
        &[
            "run.duration_us=400000",
            "flows.0.think_us=0",
            "flows.0.outstanding=4",
            "flows.0.timeout_us=200",
        ][..],
    ] {
        let one = serde_json::to_string(&licence(sets, 1)).unwrap();
        for threads in [2, 3] {
            assert!(
                one == serde_json::to_string(&licence(sets, threads)).unwrap(),
                "{sets:?}: {threads} threads differ"
            );
        }
    }
}

#[test]
fn an_answer_the_vpc_drops_is_booked_on_the_host_that_answered() {
    // Without policy routing the new and old servers' answers leave by
    // eth0 with the licence ENI's address and fail eth0's source/
    // destination check (M2): every round trip fails. Each host that
    // answered books the drops of its answers; the client's host books none
    // of them (it books the requests the VPC dropped during the move).
    let r = licence(&["flows.0.reply_via_source_eni=false"], 1);
    for p in &r.points[0].paths {
        let run = &p.runs[0];
        assert_books(run);
        let f = &run.flows[0];
        assert_eq!(f.completed, Some(0), "{}", p.path);
        let checks = |h: usize| {
            let rack = run.rack.as_ref().expect("a rack");
            rack.hosts[h]
                .dropped_by
                .get("src_dst_check")
                .copied()
                .unwrap_or(0)
        };
        assert!(
            checks(0) > 0 && checks(1) > 0,
            "{}: {} and {}",
            p.path,
            checks(0),
            checks(1)
        );
        assert_eq!(checks(2), 0, "{}", p.path);
        assert_eq!(
            checks(0) + checks(1),
            f.dropped_by["src_dst_check"],
            "{}",
            p.path
        );
    }
}

#[test]
fn an_addressed_checkout_in_a_rack_must_be_the_only_addressed_flow_without_rate_limits() {
    // Its requests are charged to the instances' allowances on the client's
    // host and its answers on the server's: other addressed traffic, or a
    // packet-rate or connection limit, would be decided differently by the
    // hosts' copies of the VPC. Refused, naming the key (exit 2).
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/experiments/mac-licence.toml"
    ))
    .unwrap();
    let second = "\n[[flows]]\nname = \"probe\"\nkind = \"tx\"\nfrom = \"$client\"\n\
                  dst = \"$licence\"\nproto = \"udp\"\nport = 27000\nsize = 128\nrate_pps = 100\n";
    let cases: [(String, &[&str]); 3] = [
        (
            text.replacen("[vpc]\n", "[vpc]\npps_allowance = 20000\n", 1),
            &[
                "vpc.pps_allowance = 20000",
                "must be the only addressed flow",
            ],
        ),
        (
            text.replacen("[vpc]\n", "[vpc]\nconntrack_allowance = 4\n", 1),
            &["vpc.conntrack_allowance = 4", "without vpc.pps_allowance"],
        ),
        (
            format!("{text}{second}"),
            &["flows.1.dst", "(flows.0, checkouts, is one)"],
        ),
    ];
    for (variant, needles) in cases {
        assert_ne!(variant, text);
        let p = unique_path("licence-alone").with_extension("toml");
        std::fs::write(&p, &variant).unwrap();
        let (code, _, err) = output(enisim().arg("validate").arg(&p));
        let _ = std::fs::remove_file(&p);
        assert_eq!(code, Some(2), "{err}");
        for n in needles {
            assert!(err.contains(n), "{n:?} not in {err}");
        }
    }
}
