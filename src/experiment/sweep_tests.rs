//! Unit tests of `[sweep]`: axes, the cross product, errors, replications
//! and infeasible points.

use super::*;

const BASE: &str = r#"
name = "s"
profile = "kvm-modern-25g"
paths = ["virtio", "sriov"]
[run]
duration_us = 300
drain_us = 300
[host]
vms = 2
[[flows]]
name = "rx"
kind = "rx"
vm = "all"
size = 256
load = 0.05
"#;

fn with(sweep: &str) -> Result<Experiment, ExperimentError> {
    Experiment::from_toml("s.toml", &format!("{BASE}\n{sweep}"), &[])
}

fn err(sweep: &str) -> String {
    match with(sweep) {
        Ok(_) => panic!("accepted:\n{sweep}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn axes_make_a_cross_product_with_the_last_axis_fastest() {
    let exp = with(
        r#"
[sweep]
[[sweep.axes]]
key = "host.vms"
values = [1, 2]
[[sweep.axes]]
keys = ["flows.0.load"]
from = 0.1
to = 0.3
step = 0.1
"#,
    )
    .unwrap();
    let s = exp.sweep.as_ref().unwrap();
    assert_eq!(s.replications, 1);
    assert_eq!(s.axes.len(), 2);
    assert_eq!(s.axes[0].label, "host.vms [VMs]");
    assert_eq!(s.axes[1].label, "flows.0.load [fraction of line rate]");
    let labels: Vec<&str> = s.points.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "host.vms=1, flows.0.load=0.1",
            "host.vms=1, flows.0.load=0.2",
            "host.vms=1, flows.0.load=0.3",
            "host.vms=2, flows.0.load=0.1",
            "host.vms=2, flows.0.load=0.2",
            "host.vms=2, flows.0.load=0.3",
        ]
    );
    // Each point is the file with its values written in, validated.
    assert_eq!(s.points[4].exp.base.vms, 2);
    assert_eq!(s.points[0].exp.base.vms, 1);
    let interval = |p: &Point| p.exp.base.flows[0].mean_interval_ps;
    // Twice the load, half the interval.
    let ratio = interval(&s.points[0]) / interval(&s.points[1]);
    assert!((ratio - 2.0).abs() < 1e-9, "{ratio}");
    assert_eq!(
        s.points[5].exp.as_run["flows"][0]["load"],
        toml::Value::Float(0.3)
    );
    assert!(s.points[5].exp.as_run.get("sweep").is_none());
    // The experiment as run keeps the whole file, sweep included.
    assert!(exp.as_run.contains_key("sweep"));
}

#[test]
fn linked_keys_take_the_same_value_and_ranges_of_integers_stay_integers() {
    let exp = with(
        r#"
[[flows]]
name = "tx"
kind = "tx"
vm = 0
size = 256
load = 0.05
[sweep]
[[sweep.axes]]
keys = ["flows.0.size", "flows.1.size"]
values = [64, 1500, "imix"]
[[sweep.axes]]
key = "costs.exit_cycles"
from = 1000
to = 3000
step = 1000
"#,
    )
    .unwrap();
    let s = exp.sweep.unwrap();
    assert_eq!(
        s.axes[1].values,
        [1000, 2000, 3000].map(toml::Value::Integer)
    );
    let p = &s.points[3]; // size 1500, exit 1000
    assert_eq!(p.label, "flows.0.size=1500, costs.exit_cycles=1000");
    let tx: Vec<_> = p.exp.base.flows.iter().map(|f| f.sizes).collect();
    assert!(
        tx.iter().all(|z| *z == crate::model::SizeDist::Fixed(1500)),
        "{tx:?}"
    );
    assert_eq!(p.exp.base.profile.exit_cycles, 1000);
    assert!(s.points[6].label.starts_with("flows.0.size=imix"));
}

#[test]
fn replications_alone_make_one_point() {
    let exp = with("[sweep]\nreplications = 3\n").unwrap();
    let s = exp.sweep.unwrap();
    assert_eq!((s.replications, s.points.len()), (3, 1));
    assert_eq!(s.points[0].label, "all");
}

#[test]
fn an_empty_axis_is_an_error_naming_the_key_and_line() {
    let e = err("[sweep]\n[[sweep.axes]]\nkey = \"host.vms\"\nvalues = []\n");
    assert!(e.contains("sweep.axes.0.values"), "{e}");
    assert!(e.contains("at least one value"), "{e}");
    assert!(e.starts_with("s.toml:"), "{e}");
}

#[test]
fn malformed_axes_are_errors_naming_what_is_allowed() {
    for (sweep, want) in [
        ("[[sweep.axes]]\nvalues = [1]", "sweep.axes.0.key"),
        (
            "[[sweep.axes]]\nkey = \"a\"\nkeys = [\"b\"]\nvalues = [1]",
            "not both",
        ),
        ("[[sweep.axes]]\nkeys = []\nvalues = [1]", "at least one key"),
        ("[[sweep.axes]]\nkey = \"host.vms\"", "give `values"),
        (
            "[[sweep.axes]]\nkey = \"host.vms\"\nvalues = [1]\nfrom = 1\nto = 2\nstep = 1",
            "not both",
        ),
        (
            "[[sweep.axes]]\nkey = \"host.vms\"\nfrom = 1\nto = 2\nstep = 0",
            "greater than 0",
        ),
        (
            "[[sweep.axes]]\nkey = \"host.vms\"\nfrom = 3\nto = 2\nstep = 1",
            "at least `from`",
        ),
        ("[[sweep.axes]]\nkey = \"seed\"\nvalues = [1, 2]", "replications"),
        ("[[sweep.axes]]\nkey = \"paths\"\nvalues = [1]", "cannot be swept"),
        ("[[sweep.axes]]\nkey = \"host..vms\"\nvalues = [1]", "dotted"),
        (
            "[[sweep.axes]]\nkey = \"host.vms\"\nvalues = [1]\n[[sweep.axes]]\nkey = \"host.vms\"\nvalues = [2]",
            "one axis only",
        ),
        ("replications = 0", "1..=1000"),
        ("[[sweep.axes]]\nkey = \"host.vms\"\nvalues = [1]\nunit = \"x\"", "unit"),
        (
            "[[sweep.axes]]\nkey = \"host.vms\"\nfrom = 1\nto = 100000\nstep = 1",
            "at most",
        ),
    ] {
        let e = err(&format!("[sweep]\n{sweep}\n"));
        assert!(e.contains(want), "{sweep}\n→ {e}");
        assert!(e.starts_with("s.toml"), "{e}");
    }
}

#[test]
fn a_value_out_of_range_names_the_point_and_the_rule() {
    let e = err("[sweep]\n[[sweep.axes]]\nkey = \"flows.0.load\"\nvalues = [0.1, 20.0]\n");
    assert!(e.contains("flows.0.load = 20 (from [sweep])"), "{e}");
    assert!(e.contains("[at sweep point 1: flows.0.load=20.0]"), "{e}");
    let e = err("[sweep]\n[[sweep.axes]]\nkey = \"flows.0.size\"\nvalues = [\"huge\"]\n");
    assert!(e.contains("flows.0.size"), "{e}");
    assert!(e.contains("sweep point 0"), "{e}");
    // A key the file does not have and the spec does not know.
    let e = err("[sweep]\n[[sweep.axes]]\nkey = \"host.warp\"\nvalues = [1]\n");
    assert!(
        e.contains("host.warp") && e.contains("sweep point 0"),
        "{e}"
    );
}

#[test]
fn replications_run_with_consecutive_seeds_and_give_intervals() {
    let exp = with("[sweep]\nreplications = 3\n").unwrap();
    let r = run_experiment(&exp, Some(2)).unwrap();
    assert_eq!(r.replications, 3);
    let pp = &r.points[0].paths[1];
    assert_eq!(pp.path, "sriov");
    assert_eq!(pp.seeds, [1, 2, 3]);
    assert_eq!(pp.runs.len(), 3);
    let gen: Vec<u64> = pp.runs.iter().map(|p| p.generated).collect();
    assert!(
        gen[0] != gen[1] || gen[1] != gen[2],
        "seeds differ: {gen:?}"
    );
    let e = &pp.stats["generated"];
    assert_eq!(e.n, 3);
    let mean = gen.iter().sum::<u64>() as f64 / 3.0;
    assert!((e.mean - mean).abs() < 1e-9);
    let [lo, hi] = e.ci95.unwrap();
    assert!(lo < e.mean && e.mean < hi && lo >= 0.0, "{e:?}");
    assert_eq!(pp.hgrm, ["r0.sriov.hgrm", "r1.sriov.hgrm", "r2.sriov.hgrm"]);
    // Replication 0 is the run without replications.
    let plain = Experiment::from_toml("s.toml", BASE, &[]).unwrap();
    let single = run_experiment(&plain, Some(1)).unwrap();
    assert_eq!(single.paths()[1].generated, gen[0]);
}

#[test]
fn sriov_past_the_vf_limit_is_an_infeasible_point_not_an_error() {
    let exp = with(
        "[costs]\nmax_vfs = 2\n[sweep]\n[[sweep.axes]]\nkey = \"host.vms\"\nvalues = [2, 3]\n",
    )
    .unwrap();
    let r = run_experiment(&exp, Some(1)).unwrap();
    let at = |i: usize, path: &str| {
        r.points[i]
            .paths
            .iter()
            .find(|p| p.path == path)
            .unwrap()
            .clone()
    };
    assert!(at(0, "sriov").infeasible.is_none());
    let bad = at(1, "sriov");
    assert!(bad
        .infeasible
        .as_ref()
        .unwrap()
        .contains("virtual functions"));
    assert!(bad.runs.is_empty() && bad.stats.is_empty() && bad.hgrm.is_empty());
    assert_eq!(at(1, "virtio").runs.len(), 1);
    // Comparisons: both orders where both paths ran, none with an
    // infeasible path; ratio and difference from the stats means.
    let pairs = |i: usize| -> Vec<(String, String)> {
        r.points[i]
            .comparisons
            .iter()
            .map(|c| (c.a.clone(), c.b.clone()))
            .collect()
    };
    assert_eq!(
        pairs(0),
        [
            ("virtio".into(), "sriov".into()),
            ("sriov".into(), "virtio".into())
        ]
    );
    assert!(pairs(1).is_empty());
    let c = &r.points[0].comparisons[0];
    let m = |p: &str| at(0, p).stats["latency_p99_ns"].value;
    let rel = &c.metrics["latency_p99_ns"];
    assert_eq!(rel.ratio, Some(m("sriov") / m("virtio")));
    assert_eq!(rel.diff, m("sriov") - m("virtio"));
    assert!(
        r.notes
            .iter()
            .any(|n| n.starts_with("sriov infeasible at host.vms=3")),
        "{:?}",
        r.notes
    );
    // Without a sweep the same configuration is an error, before any run.
    let e = Experiment::from_toml("s.toml", &format!("{BASE}\n[costs]\nmax_vfs = 1\n"), &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("host.vms") && e.contains("virtual functions"),
        "{e}"
    );
}

#[test]
fn keys_are_compared_as_set_reads_them_and_overlaps_are_refused() {
    for (sweep, want) in [
        (
            "[[sweep.axes]]\nkey = \"flows.0.load\"\nvalues = [0.1]\n[[sweep.axes]]\nkey = \"flows.0. load\"\nvalues = [0.2]",
            "axis 0 already sets \"flows.0.load\"",
        ),
        (
            "[[sweep.axes]]\nkey = \"host\"\nvalues = [{ vms = 2 }]\n[[sweep.axes]]\nkey = \"host.vms\"\nvalues = [1]",
            "axis 0 already sets \"host\"",
        ),
        (
            "[[sweep.axes]]\nkeys = [\"host.vms\", \"host\"]\nvalues = [1]",
            "this axis already sets \"host.vms\"",
        ),
    ] {
        let e = err(&format!("[sweep]\n{sweep}\n"));
        assert!(e.contains(want) && e.contains("sweep.axes"), "{sweep}\n→ {e}");
    }
    // A key with spaces is used, and shown, as `--set` would read it.
    let exp = with("[sweep]\n[[sweep.axes]]\nkey = \"flows.0. load\"\nvalues = [0.2]\n").unwrap();
    let s = exp.sweep.unwrap();
    assert_eq!(s.axes[0].keys, ["flows.0.load"]);
    assert_eq!(s.axes[0].label, "flows.0.load [fraction of line rate]");
}

#[test]
fn ranges_keep_twelve_significant_digits_at_any_magnitude() {
    let exp = with(
        "[sweep]\n[[sweep.axes]]\nkey = \"flows.0.load\"\nfrom = 1e-4\nto = 5e-4\nstep = 1e-4\n",
    )
    .unwrap();
    let v: Vec<f64> = exp.sweep.unwrap().axes[0]
        .values
        .iter()
        .map(|v| v.as_float().unwrap())
        .collect();
    assert_eq!(v, [1e-4, 2e-4, 3e-4, 4e-4, 5e-4]);
    // Extreme values give a readable refusal, not an infinity or a
    // 300-digit number.
    let e =
        err("[sweep]\n[[sweep.axes]]\nkey = \"flows.0.load\"\nfrom = 0\nto = 1\nstep = 1e-300\n");
    assert!(
        e.contains("more than 10000 values") && e.contains("1e-300"),
        "{e}"
    );
    assert!(e.len() < 300, "{e}");
    let e = err(
        "[sweep]\n[[sweep.axes]]\nkey = \"flows.0.size\"\nfrom = 1e308\nto = 1e308\nstep = 1\n",
    );
    assert!(!e.contains("inf"), "{e}");
}

#[test]
fn a_set_of_a_swept_key_is_refused() {
    let sweep = "[sweep]\n[[sweep.axes]]\nkey = \"flows.0.load\"\nvalues = [0.1]\n";
    let text = format!("{BASE}\n{sweep}");
    for set in ["flows.0.load=0.5", "flows=[]"] {
        let e = Experiment::from_toml("s.toml", &text, &[Override::parse(set).unwrap()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("sweep axis 0 sets `flows.0.load`"), "{set}: {e}");
    }
    // Other keys may be set.
    Experiment::from_toml("s.toml", &text, &[Override::parse("host.vms=1").unwrap()]).unwrap();
}

#[test]
fn a_hardware_limit_no_axis_can_change_is_still_an_error() {
    // 2 VMs, 1 VF, a sweep over load only: every sriov point would be
    // infeasible, so the file is wrong, as without a sweep.
    let e = err("[costs]\nmax_vfs = 1\n[sweep]\n[[sweep.axes]]\nkey = \"flows.0.load\"\nvalues = [0.1, 0.2]\n");
    assert!(
        e.contains("host.vms") && e.contains("virtual functions"),
        "{e}"
    );
}

#[test]
fn an_axis_index_past_the_end_names_the_axis_not_a_set() {
    let e = err("[sweep]\n[[sweep.axes]]\nkey = \"flows.5.load\"\nvalues = [0.1]\n");
    assert!(
        e.contains("sweep.axes.0.key") && e.contains("flows.5.load"),
        "{e}"
    );
    assert!(!e.contains("--set"), "{e}");
}

#[test]
fn too_many_runs_are_refused_before_running() {
    let e = err("[sweep]\nreplications = 1000\n[[sweep.axes]]\nkey = \"flows.0.load\"\nfrom = 0.001\nto = 0.06\nstep = 0.001\n");
    assert!(e.contains("runs; allowed at most 100000"), "{e}");
}

#[test]
fn default_labels_find_the_unit_in_any_segment() {
    assert_eq!(
        default_label("vpc.timing.attach_us.sriov"),
        "vpc.timing.attach_us.sriov [µs]"
    );
    assert_eq!(
        default_label("costs.exit_cycles"),
        "costs.exit_cycles [cycles]"
    );
    assert_eq!(default_label("profile"), "profile");
}
