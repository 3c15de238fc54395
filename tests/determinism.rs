//! Same experiment, same seed, same bytes: the reference comparison run on
//! one thread and on two gives byte-identical JSON once the wall-clock fields
//! are zeroed, and its books balance on every path.

use enisim::experiment::{run_experiment, strip_timing, Experiment};
use enisim::report;
use std::path::Path;

fn compare() -> Experiment {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/compare.toml");
    Experiment::from_file(&file, &[]).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_reference_comparison_is_byte_identical_at_one_and_two_threads() {
    let exp = compare();
    let mut one = run_experiment(&exp, Some(1)).unwrap();
    let mut two = run_experiment(&exp, Some(2)).unwrap();
    strip_timing(&mut one);
    strip_timing(&mut two);
    let (a, b) = (report::json(&one), report::json(&two));
    assert_eq!(a, b);
    assert_eq!(report::csv(&one), report::csv(&two));
    // Not vacuous: every path delivered traffic, and the timing fields were
    // the only ones zeroed.
    for p in one.paths() {
        assert!(p.delivered > 10_000, "{}: {}", p.path, p.delivered);
        assert!(p.sim.events > 0);
        let dropped: u64 = p.dropped.values().sum();
        assert_eq!(
            p.generated,
            p.delivered + dropped + p.in_flight,
            "{}",
            p.path
        );
    }
}

#[test]
fn adding_a_vm_does_not_change_the_other_flows_traffic() {
    use enisim::experiment::Override;
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/compare.toml");
    let generated = |vms: &str| {
        let exp = Experiment::from_file(
            &file,
            &[
                Override::parse(&format!("host.vms={vms}")).unwrap(),
                Override::parse("paths=[\"sriov\"]").unwrap(),
            ],
        )
        .unwrap();
        let r = run_experiment(&exp, Some(1)).unwrap();
        r.paths()[0]
            .flows
            .iter()
            .map(|f| (f.name.clone(), f.generated))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let (four, five) = (generated("4"), generated("5"));
    assert!(five.contains_key("tx.vm4") && !four.contains_key("tx.vm4"));
    for (name, n) in &four {
        if name != "rr" {
            assert_eq!(five[name], *n, "{name}");
        }
    }
}

#[test]
fn the_summary_records_the_experiment_as_run_and_the_version() {
    use enisim::experiment::Override;
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/compare.toml");
    let exp = Experiment::from_file(
        &file,
        &[
            Override::parse("host.vms=3").unwrap(),
            Override::parse("paths=[\"sriov\"]").unwrap(),
        ],
    )
    .unwrap();
    let r = run_experiment(&exp, Some(1)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&report::json(&r)).unwrap();
    assert_eq!(v["enisim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["experiment_as_run"]["host"]["vms"], 3);
    assert_eq!(
        v["experiment_as_run"]["paths"],
        serde_json::json!(["sriov"])
    );
    assert_eq!(v["experiment_as_run"]["name"], "compare");
    assert_eq!(v["schema_version"], enisim::experiment::SCHEMA_VERSION);
}

/// A sweep (two axes, replications) run on one thread and on two: the same
/// bytes in summary.json and summary.csv once wall-clock fields are zeroed.
#[test]
fn a_sweep_is_byte_identical_at_one_and_two_threads() {
    let text = r#"
name = "det-sweep"
profile = "kvm-modern-25g"
paths = ["emulated", "virtio", "sriov"]
[run]
duration_us = 1000
[host]
vms = 2
[[flows]]
name = "rx"
kind = "rx"
vm = "all"
load = 0.1
[sweep]
replications = 2
[[sweep.axes]]
key = "flows.0.load"
values = [0.05, 0.3]
[[sweep.axes]]
key = "costs.interrupt_delivery"
values = ["injected", "posted"]
"#;
    let exp = Experiment::from_toml("det-sweep.toml", text, &[]).unwrap();
    let mut one = run_experiment(&exp, Some(1)).unwrap();
    let mut two = run_experiment(&exp, Some(2)).unwrap();
    assert_eq!(one.points.len(), 4);
    assert!(one
        .points
        .iter()
        .flat_map(|p| &p.paths)
        .all(|pp| pp.runs.len() == 2 && pp.runs.iter().all(|r| r.delivered > 0)));
    strip_timing(&mut one);
    strip_timing(&mut two);
    assert_eq!(report::json(&one), report::json(&two));
    assert_eq!(report::csv(&one), report::csv(&two));
    // The points differ: the sweep did something.
    let p50 = |i: usize| one.points[i].paths[0].stats["latency_p50_ns"].mean;
    assert_ne!(p50(0), p50(2));
}

/// `sim.events_per_packet` is events ÷ packets generated, the same for a
/// seed, and on the unloaded `sriov` bench (experiments/bench.toml) below
/// 4: a packet moves on into its next resource without an event when
/// nothing is due before it (4.50 per packet before it did).
#[test]
fn events_per_packet_is_reported_and_packets_move_on_without_events() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/bench.toml");
    let o = enisim::experiment::Override::parse("run.packets=100000").unwrap();
    let exp = Experiment::from_file(&file, &[o]).unwrap_or_else(|e| panic!("{e}"));
    let cfg = exp.host_config(enisim::model::IoPath::Sriov);
    let a = enisim::model::run(&cfg).unwrap();
    let b = enisim::model::run(&cfg).unwrap();
    assert_eq!(a.sim.events, b.sim.events);
    let per = a.sim.events as f64 / a.generated as f64;
    assert_eq!(a.sim.events_per_packet, per);
    assert!(per < 4.0, "{per} events per packet");
}
