//! A path offered more than it serves is marked saturated (issue 11,
//! point 5), and the mark means what it says: its latency grows with the
//! run's length where an unsaturated path's does not.

use enisim::experiment::{run_experiment, Experiment, Override, RunReport};
use enisim::metrics::Backlog;
use std::path::Path;

/// experiments/load-sweep.toml without its sweep, one replication, load
/// `load` per VM and a `window_us` traffic window, on `paths`.
fn load(load: f64, window_us: u64, paths: &str) -> RunReport {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/load-sweep.toml");
    let text = std::fs::read_to_string(file).unwrap();
    let text = &text[..text.find("[sweep]").unwrap()];
    let sets: Vec<Override> = [
        format!("flows.0.load={load}"),
        format!("run.duration_us={window_us}"),
        format!("paths={paths}"),
    ]
    .iter()
    .map(|s| Override::parse(s).unwrap())
    .collect();
    let exp = Experiment::from_toml("load.toml", text, &sets).unwrap();
    run_experiment(&exp, Some(2)).unwrap()
}

fn p50_us(r: &RunReport, path: &str) -> f64 {
    let pp = r.points[0].paths.iter().find(|p| p.path == path).unwrap();
    pp.runs[0].latency_ns.p50 as f64 / 1e3
}

fn saturated(r: &RunReport, path: &str) -> Option<String> {
    let pp = r.points[0].paths.iter().find(|p| p.path == path).unwrap();
    pp.saturated.clone()
}

#[test]
fn a_saturated_paths_latency_grows_with_the_run_and_an_unsaturated_ones_does_not() {
    // 40% of line rate into 4 VMs: the emulated path serves about 27%
    // (results/load-sweep), so its backlog grows; SR-IOV keeps up.
    let paths = r#"["emulated","sriov"]"#;
    let (short, long) = (load(0.1, 2_000, paths), load(0.1, 8_000, paths));
    for r in [&short, &long] {
        saturated(r, "emulated").expect("emulated is saturated");
        assert_eq!(saturated(r, "sriov"), None);
    }
    // Four times the window: the saturated path's median latency at least
    // doubles, the other's stays within 10%.
    let (a, b) = (p50_us(&short, "emulated"), p50_us(&long, "emulated"));
    assert!(
        b > 2.0 * a,
        "emulated p50 {a} µs over 2 ms, {b} µs over 8 ms"
    );
    let (a, b) = (p50_us(&short, "sriov"), p50_us(&long, "sriov"));
    assert!(
        (b / a - 1.0).abs() < 0.1,
        "sriov p50 {a} µs over 2 ms, {b} µs over 8 ms"
    );
    // The table marks the saturated path's latency as a lower bound, and
    // says why beneath.
    let t = enisim::report::table(&long);
    let row = t.lines().find(|l| l.starts_with("emulated")).unwrap();
    assert!(row.contains('≥'), "{row}");
    let row = t.lines().find(|l| l.starts_with("sriov")).unwrap();
    assert!(!row.contains('≥'), "{row}");
    assert!(
        t.contains("≥ saturated, offered more than it serves"),
        "{t}"
    );
}

#[test]
fn a_light_load_is_never_marked_saturated() {
    let r = load(
        0.025,
        2_000,
        r#"["baremetal","emulated","virtio","passthrough","sriov"]"#,
    );
    for pp in &r.points[0].paths {
        assert_eq!(pp.saturated, None, "{}", pp.path);
        let b = pp.runs[0]
            .backlog
            .expect("a window without a packet cap has marks");
        assert_eq!(pp.runs[0].saturated, None, "{}: {b:?}", pp.path);
    }
}

#[test]
fn the_rule_needs_a_full_resource_overflow_or_growth_with_a_busy_resource() {
    use enisim::metrics::saturation;
    let b = |at_half, at_end, second| Backlog {
        at_half,
        at_end,
        arrived_second_half: second,
    };
    let grew = b(10, 110, 1_000);
    // A resource busy 99% of the window: saturated, whatever the backlog.
    let why = saturation(None, 2_000, 0, Some(("hv_io_cores", 0.995))).unwrap();
    assert!(why.contains("hv_io_cores was 99.5% busy"), "{why}");
    // Growth counts with the busiest resource at 90% or more only (bursts
    // or interrupt moderation make a stable backlog differ between two
    // instants).
    assert!(saturation(Some(&grew), 2_000, 0, Some(("vcpu0", 0.95))).is_some());
    assert!(saturation(Some(&grew), 2_000, 0, Some(("vcpu0", 0.45))).is_none());
    // Growth below 32 packets or 5% of arrivals does not count.
    assert!(!b(10, 41, 100).grew());
    assert!(!b(1_000, 1_040, 1_000).grew());
    // Full queues dropped 1% of the open-loop packets: saturated.
    let why = saturation(None, 2_000, 20, Some(("vcpu0", 0.3))).unwrap();
    assert!(why.contains("20 of 2000 packets (1.0%)"), "{why}");
    assert!(saturation(None, 2_000, 19, Some(("vcpu0", 0.3))).is_none());
    // Closed loops only: never.
    assert!(saturation(Some(&grew), 0, 0, Some(("vcpu0", 1.0))).is_none());
}
