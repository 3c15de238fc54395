//! The shipped VPC scenarios (issue 3, point 6) say what they claim, on every
//! I/O path: each experiment file in `experiments/` is loaded and run as
//! `enisim run` would, and its point is checked in the report.

use enisim::experiment::{run_experiment, Experiment, RunReport};
use enisim::metrics::{FlowResult, PathResult};
use std::path::Path;

const PATHS: [&str; 5] = ["baremetal", "emulated", "virtio", "passthrough", "sriov"];

fn run(file: &str) -> RunReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let exp = Experiment::from_file(&path, &[]).unwrap_or_else(|e| panic!("{file}: {e}"));
    let report = run_experiment(&exp, Some(1)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let names: Vec<&str> = report.paths().iter().map(|p| p.path.as_str()).collect();
    assert_eq!(names, PATHS, "{file}: every I/O path runs");
    report
}

fn flow<'a>(p: &'a PathResult, name: &str) -> &'a FlowResult {
    p.flows
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{}: no flow {name:?}", p.path))
}

/// Every drop reason of `p` is zero except those of `expected`, which have
/// exactly the counts given.
fn assert_drops(p: &PathResult, expected: &[(&str, u64)]) {
    for (reason, n) in expected {
        assert_eq!(
            p.dropped.get(*reason),
            Some(n),
            "{}: drops by {reason} (all: {:?})",
            p.path,
            p.dropped
        );
    }
    for (reason, n) in &p.dropped {
        if !expected.iter().any(|(r, _)| r == reason) {
            assert_eq!(*n, 0, "{}: unexpected drops by {reason}", p.path);
        }
    }
}

/// Every packet of `f` is accounted for once the run has drained.
fn assert_books_close(path: &str, f: &FlowResult) {
    assert_eq!(f.in_flight, 0, "{path}/{}: packets left in flight", f.name);
    assert_eq!(
        f.delivered + f.dropped,
        f.generated,
        "{path}/{}: delivered + dropped = generated",
        f.name
    );
}

/// In a two-host HA experiment, the active's host and the standby's both
/// took packets (their rings are named `host0.…` and `host1.…`).
fn assert_both_hosts_delivered(p: &PathResult) {
    for h in ["host0.", "host1."] {
        let n: u64 = p
            .rings
            .iter()
            .filter(|r| r.name.starts_with(h))
            .map(|r| r.packets)
            .sum();
        assert!(n > 0, "{}: no packets on {h}: {:?}", p.path, p.rings);
    }
}

fn within(x: f64, target: f64, tol: f64) -> bool {
    (x - target).abs() <= tol
}

/// NAT appliance: with source/destination check on, everything the private
/// instance sends through the NAT is dropped as `src_dst_check`; from the
/// moment the check is turned off (100 ms), everything gets through.
#[test]
fn nat_appliance_drops_forwarded_packets_until_the_check_is_off() {
    const RATE_PPS: f64 = 20_000.0;
    const WINDOW_S: f64 = 0.2;
    const CHECK_OFF_S: f64 = 0.1;
    let r = run("experiments/nat-appliance.toml");
    for p in r.paths() {
        let f = flow(p, "app-to-internet");
        assert_books_close(&p.path, f);
        assert!(
            within(f.generated as f64, RATE_PPS * WINDOW_S, 1.0),
            "{}: generated {}",
            p.path,
            f.generated
        );
        let lost = f.lost.expect("an addressed flow reports lost");
        assert!(
            within(lost as f64, RATE_PPS * CHECK_OFF_S, 1.0),
            "{}: lost {lost}, expected rate × 100 ms = {}",
            p.path,
            RATE_PPS * CHECK_OFF_S
        );
        assert_eq!(f.dropped, lost, "{}: every drop is the VPC's", p.path);
        assert_drops(p, &[("src_dst_check", lost)]);
        assert_eq!(f.delivered, f.generated - lost, "{}: the rest pass", p.path);
        let outage = f.outage_us.expect("dropped, then through again");
        assert!(
            within(outage, CHECK_OFF_S * 1e6, 1e6 / RATE_PPS),
            "{}: outage {outage} µs, expected 100 ms",
            p.path
        );
        let modify: Vec<_> = p
            .control
            .iter()
            .filter(|c| c.action == "ModifyNetworkInterfaceAttribute")
            .collect();
        assert_eq!(modify.len(), 1, "{}: the timeline ran once", p.path);
        assert_eq!(modify[0].result, "ok", "{}: {:?}", p.path, modify[0]);
        assert!(within(modify[0].at_us, CHECK_OFF_S * 1e6, 0.0));
    }
}

/// Dual-homed instance: each ENI's own group decides, per ENI (G4).
#[test]
fn dual_homed_each_eni_obeys_its_own_group() {
    const PER_FLOW: u64 = 2_000; // 10 000 packets/s × 200 ms
    let r = run("experiments/dual-homed.toml");
    for p in r.paths() {
        for name in ["https-data", "ssh-data", "ssh-bastion", "ssh-mgmt-internet"] {
            let f = flow(p, name);
            assert_books_close(&p.path, f);
            assert_eq!(f.generated, PER_FLOW, "{}/{name}: generated", p.path);
        }
        // Delivered: https to the data ENI; ssh from the bastion to the
        // management ENI.
        for name in ["https-data", "ssh-bastion"] {
            let f = flow(p, name);
            assert_eq!(f.delivered, PER_FLOW, "{}/{name}: all delivered", p.path);
            assert_eq!(f.lost, Some(0), "{}/{name}: none lost", p.path);
        }
        // Denied: ssh to the data ENI (443 only) and ssh from the internet
        // to the management ENI (22 only from the management subnet).
        for name in ["ssh-data", "ssh-mgmt-internet"] {
            let f = flow(p, name);
            assert_eq!(f.delivered, 0, "{}/{name}: none delivered", p.path);
            assert_eq!(f.lost, Some(PER_FLOW), "{}/{name}: all lost", p.path);
        }
        assert_drops(p, &[("sg_denied", 2 * PER_FLOW)]);
    }
    assert!(
        r.notes
            .iter()
            .any(|n| n.starts_with("warning:") && n.contains("(M3)")),
        "two ENIs share one allowance: M3 warning in {:?}",
        r.notes
    );
    assert!(
        !r.notes.iter().any(|n| n.contains("(M2)")),
        "ENIs in different subnets: no asymmetric-routing warning in {:?}",
        r.notes
    );
}

const TWO_ENIS: &str = "experiments/two-enis-one-subnet.toml";
/// Requests the default-routing client sends: one per timeout (1 ms) in the
/// 100 ms window.
const TWO_ENIS_REQUESTS: u64 = 100;

/// Two ENIs in one subnet: the M2 warning, and replies to the second ENI's
/// Elastic IP that leave by the primary ENI are dropped by its
/// source/destination check, so the client only times out.
#[test]
fn two_enis_one_subnet_default_routing_replies_die_at_the_primary_eni() {
    let r = run(TWO_ENIS);
    assert!(
        r.notes.iter().any(|n| n.starts_with("warning:")
            && n.contains("(M2)")
            && n.contains("asymmetric routing")),
        "M2 warning in {:?}",
        r.notes
    );
    for p in r.paths() {
        let f = flow(p, "default-routing");
        assert_books_close(&p.path, f);
        assert_eq!(f.completed, Some(0), "{}: no round trip completes", p.path);
        assert_eq!(
            f.timeouts,
            Some(TWO_ENIS_REQUESTS),
            "{}: every request times out",
            p.path
        );
        // Requests arrive; every reply is dropped.
        assert_eq!(f.generated, 2 * TWO_ENIS_REQUESTS, "{}", p.path);
        assert_eq!(f.delivered, TWO_ENIS_REQUESTS, "{}: requests", p.path);
        assert_eq!(f.lost, Some(TWO_ENIS_REQUESTS), "{}: replies", p.path);
        let by_check = p.dropped.get("src_dst_check").copied().unwrap_or(0);
        assert!(
            by_check >= TWO_ENIS_REQUESTS,
            "{}: the replies die by src_dst_check ({:?})",
            p.path,
            p.dropped
        );
        // No other reason: the groups are stateful, the ENIs attached.
        let other: u64 = p
            .dropped
            .iter()
            .filter(|(k, _)| k.as_str() != "src_dst_check")
            .map(|(_, n)| n)
            .sum();
        assert_eq!(other, 0, "{}: {:?}", p.path, p.dropped);
    }
}

/// Two ENIs in one subnet, with policy routing (the reply leaves by the ENI
/// that owns its source): round trips complete.
/// (Replies leave from the private address the Elastic IP was translated
/// to; the guest never sees the public one.)
#[test]
fn two_enis_one_subnet_policy_routing_replies_get_home() {
    let r = run(TWO_ENIS);
    for p in r.paths() {
        let f = flow(p, "policy-routing");
        assert_books_close(&p.path, f);
        assert_eq!(f.timeouts, Some(0), "{}: no timeouts", p.path);
        assert_eq!(f.lost, Some(0), "{}: nothing lost", p.path);
        let done = f.completed.expect("a request/response flow");
        // Faster than one per timeout: each takes an RTT + 100 µs think.
        assert!(
            done > TWO_ENIS_REQUESTS,
            "{}: {done} round trips completed",
            p.path
        );
        let d = flow(p, "default-routing");
        assert_drops(p, &[("src_dst_check", d.dropped)]);
    }
}

/// Low-budget HA: a constant-rate flow loses rate × (detach + attach) of the
/// path, within one packet, all as `no_attachment`.
#[test]
fn ha_eni_failover_loses_rate_times_detach_plus_attach() {
    const RATE_PPS: f64 = 20_000.0;
    const DETACH_US: f64 = 50_000.0;
    let attach_us = |path: &str| match path {
        "baremetal" | "sriov" => 200_000.0,
        "emulated" | "virtio" => 100_000.0,
        "passthrough" => 500_000.0,
        other => panic!("unknown path {other}"),
    };
    let r = run("experiments/ha-eni-failover.toml");
    for p in r.paths() {
        let f = flow(p, "clients");
        assert_books_close(&p.path, f);
        assert_both_hosts_delivered(p);
        let outage_us = DETACH_US + attach_us(&p.path);
        let expected = RATE_PPS * outage_us / 1e6;
        let lost = f.lost.expect("an addressed flow reports lost");
        assert!(
            within(lost as f64, expected, 1.0),
            "{}: lost {lost}, expected rate × (detach + attach) = {expected}",
            p.path
        );
        assert_drops(p, &[("no_attachment", lost)]);
        // The longest gap in deliveries: n lost packets in a row leave
        // n + 1 packet intervals between the deliveries around them.
        let measured = f.outage_us.expect("the flow lost packets");
        let gap = outage_us + 1e6 / RATE_PPS;
        assert!(
            within(measured, gap, 1e6 / RATE_PPS),
            "{}: outage {measured} µs, expected {gap}",
            p.path
        );
    }
}

#[test]
fn ha_ip_reassign_moves_the_address_to_the_other_host_losing_rate_times_reassignment() {
    // 20,000 packets/s; the address and its Elastic IP are in transit for
    // reassign_us = 10 ms, then the standby's host takes them.
    let r = run("experiments/ha-ip-reassign.toml");
    for p in r.paths() {
        let f = flow(p, "clients");
        assert_books_close(&p.path, f);
        assert_both_hosts_delivered(p);
        let lost = f.lost.expect("an addressed flow reports lost");
        assert!(within(lost as f64, 200.0, 1.0), "{}: lost {lost}", p.path);
        assert_drops(p, &[("address_in_transit", lost)]);
    }
}
