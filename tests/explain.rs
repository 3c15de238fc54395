//! `enisim::explain` on real runs: every number it prints is a number of the
//! report's JSON (the module's rule), errors name what is wrong, and the text
//! is deterministic.
//!
//! The checker reads the report as `summary.json` holds it
//! (`enisim::report::json`), collects every numeric leaf, and requires each
//! number token of the text to equal a leaf after one of the shifts the
//! module allows (×1, ÷10³, ×10³, ×100) and rounding to the token's decimals.

use enisim::experiment::{run_experiment, Experiment, Override, RunReport};
use enisim::explain::{default_pairs, explain, ExplainError};
use enisim::model::InterruptDelivery;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

/// experiments/compare.toml, 3 ms of traffic.
fn compare() -> &'static RunReport {
    static R: OnceLock<RunReport> = OnceLock::new();
    R.get_or_init(|| {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/compare.toml");
        let o = Override::parse("run.duration_us=3000").unwrap();
        let exp = Experiment::from_file(&file, &[o]).unwrap();
        run_experiment(&exp, None).unwrap()
    })
}

/// Three paths, three loads, two replications: the emulated path overflows
/// at the highest load.
const LOAD_SWEEP: &str = r#"
name = "load-sweep"
seed = 3
profile = "kvm-modern-25g"
paths = ["emulated", "virtio", "sriov"]
[run]
duration_us = 3000
drain_us = 2000
[host]
vms = 2
[[flows]]
name = "rx"
kind = "rx"
vm = "all"
size = "imix"
load = 0.01
[[flows]]
name = "rr"
kind = "request_response"
client = "external"
vm = 0
request_bytes = 128
response_bytes = 1024
outstanding = 1
think_us = 20
[sweep]
replications = 2
[[sweep.axes]]
key = "flows.0.load"
values = [0.01, 0.04, 0.12]
"#;

fn load_sweep() -> &'static RunReport {
    static R: OnceLock<RunReport> = OnceLock::new();
    R.get_or_init(|| run_toml("load-sweep.toml", LOAD_SWEEP))
}

fn run_toml(file: &str, text: &str) -> RunReport {
    let exp = Experiment::from_toml(file, text, &[]).unwrap();
    run_experiment(&exp, None).unwrap()
}

/// A sweep over VMs with one NIC shared by every VM: passthrough can be
/// built only with one VM.
fn shared_nic(vms: &str) -> String {
    format!(
        r#"
name = "shared-nic"
profile = "kvm-modern-25g"
paths = ["sriov", "passthrough"]
[run]
duration_us = 500
drain_us = 500
[host]
vms = 1
passthrough_nic_per_vm = false
[[flows]]
name = "rx"
kind = "rx"
vm = "all"
size = 512
load = 0.02
[sweep]
[[sweep.axes]]
key = "host.vms"
values = {vms}
"#
    )
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

// ---- the checker ----

/// Every numeric leaf of a JSON value.
fn leaves(v: &serde_json::Value, out: &mut Vec<f64>) {
    match v {
        serde_json::Value::Number(n) => out.extend(n.as_f64()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| leaves(x, out)),
        _ => {}
    }
}

/// True for a character that continues a word: letters, digits, `_`, `-`,
/// `.` (identifiers like `nic0.pcie_up`, `kvm-modern-25g`, `p99.9`).
fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-' || c == '.'
}

/// The number tokens of `text`: words made only of digits, `,` thousands
/// separators and one `.`, starting and ending with a digit. Words with a
/// letter in them (`vm0`, `p99`, `p99.9`, `nic0.pcie_up`) are identifiers,
/// not numbers; a trailing `.` (end of sentence) is not part of a word; a
/// `,` is a separator only between a digit and exactly three digits.
fn number_tokens(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !word_char(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() {
            let c = chars[i];
            let separator = c == ','
                && i > start
                && chars[i - 1].is_ascii_digit()
                && (1..=3).all(|k| chars.get(i + k).is_some_and(|d| d.is_ascii_digit()))
                && !chars.get(i + 4).is_some_and(|d| d.is_ascii_digit());
            if word_char(c) || separator {
                i += 1;
            } else {
                break;
            }
        }
        let word: String = chars[start..i].iter().collect();
        let word = word.trim_end_matches(['.', '-']);
        let numeric = word.starts_with(|c: char| c.is_ascii_digit())
            && word.ends_with(|c: char| c.is_ascii_digit())
            && word
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
            && word.matches('.').count() <= 1;
        if numeric {
            tokens.push(word.to_owned());
        }
    }
    tokens
}

/// The leaves of `json` printed with `decimals` places after each allowed
/// shift.
fn printable(leaves: &[f64], decimals: usize) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for &x in leaves {
        for y in [x, x / 1e3, x * 1e-3, x * 1e3, x * 100.0] {
            if y.is_finite() {
                set.insert(format!("{y:.decimals$}"));
            }
        }
    }
    set
}

/// The number tokens of `text` that are not in `report`'s JSON, and how
/// many tokens it checked.
fn missing_numbers(report: &RunReport, text: &str) -> (Vec<String>, usize) {
    let json: serde_json::Value = serde_json::from_str(&enisim::report::json(report)).unwrap();
    let mut all = Vec::new();
    leaves(&json, &mut all);
    let mut by_decimals: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let tokens = number_tokens(text);
    let mut missing = Vec::new();
    for t in &tokens {
        let plain = t.replace(',', "");
        if t.contains(',') {
            // Separators every three digits of the integer part.
            let int = t.split('.').next().unwrap();
            let groups: Vec<&str> = int.split(',').collect();
            assert!(
                groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3),
                "badly grouped number {t}"
            );
        }
        let decimals = plain.split('.').nth(1).map_or(0, str::len);
        let set = by_decimals
            .entry(decimals)
            .or_insert_with(|| printable(&all, decimals));
        if !set.contains(&plain) {
            missing.push(t.clone());
        }
    }
    (missing, tokens.len())
}

/// Panics naming every number of `text` that is not in `report`'s JSON.
/// Returns how many number tokens it checked.
fn check_numbers(report: &RunReport, text: &str) -> usize {
    let (missing, n) = missing_numbers(report, text);
    assert!(
        missing.is_empty(),
        "numbers not in the report: {missing:?}\n---\n{text}"
    );
    n
}

// ---- tests ----

#[test]
fn the_tokenizer_skips_identifiers_and_keeps_separators() {
    let t = number_tokens(
        "vm0.vcpu at 86.3% busy, p99 9.27 µs vs 67.71 µs; p99.9 and nic0.pcie_up; \
         kvm-modern-25g; 5,627 ns, 1,164 ns. flows.0.load=0.04, headroom 1.19×; 12,345.67 µs; \
         1,2 and 127 VFs.",
    );
    assert_eq!(
        t,
        [
            "86.3",
            "9.27",
            "67.71",
            "5,627",
            "1,164",
            "0.04",
            "1.19",
            "12,345.67",
            "1",
            "2",
            "127"
        ]
    );
}

#[test]
fn the_checker_rejects_a_number_not_in_the_report() {
    let r = compare();
    let (missing, n) = missing_numbers(r, "sriov p50 123,456.79 µs vs p99 0.00 µs; 4,321.987 ns");
    assert_eq!(missing, ["123,456.79", "4,321.987"]);
    assert_eq!(n, 3);
}

#[test]
fn default_pair_is_sriov_against_emulated() {
    assert_eq!(default_pairs(), pairs(&[("sriov", "emulated")]));
}

#[test]
fn compare_is_explained_with_the_report_numbers_only() {
    let r = compare();
    let text = explain(r, &default_pairs()).unwrap();
    println!("{text}");
    let n = check_numbers(r, &text);
    assert!(n >= 30, "only {n} numbers checked:\n{text}");
    // What a reviewer needs to find, with the report's own numbers.
    let point = &r.points[0];
    let stat = |path: &str, m: &str| {
        point
            .paths
            .iter()
            .find(|p| p.path == path)
            .unwrap()
            .stats
            .get(m)
            .unwrap()
            .mean
    };
    let p50 = |path| format!("{:.2} µs", stat(path, "latency_p50_ns") / 1e3);
    assert!(
        text.contains(&format!(
            "sriov {} vs emulated {}",
            p50("sriov"),
            p50("emulated")
        )),
        "{text}"
    );
    for want in [
        "p99",
        "vm_exit:",
        "device_model",
        "VM exits per packet",
        "(exit_ns)",
        "io_exit_user_ns",
        "posted",
        "Interrupts per packet",
        "copy_ns_per_byte",
        "hv_io_cores at",
        "headroom",
        "host (hypervisor",
        "guest (driver",
        "RTT p50",
        "transactions per second",
        "127 VFs",
        "live migration",
        "ENI attach",
    ] {
        assert!(text.contains(want), "missing {want:?}:\n{text}");
    }
    let bn = point.paths[1].bottleneck.as_ref().unwrap();
    assert!(
        text.contains(&format!(
            "emulated: {} at {:.1}% busy",
            bn.resource,
            bn.utilization * 100.0
        )),
        "{text}"
    );
    // How much lower, as the report's own comparison says: emulated ÷
    // sriov and emulated − sriov.
    let cmp = point
        .comparisons
        .iter()
        .find(|c| c.a == "sriov" && c.b == "emulated")
        .unwrap();
    let p50 = &cmp.metrics["latency_p50_ns"];
    assert!(p50.ratio.unwrap() > 1.0);
    let want = format!(
        "sriov's p50 is {:.2}× lower than emulated's ({:.2} µs less)",
        p50.ratio.unwrap(),
        p50.diff / 1e3
    );
    assert!(text.contains(&want), "missing {want:?}:\n{text}");
    // Named the other way round, the same numbers say "higher".
    let back = explain(r, &pairs(&[("emulated", "sriov")])).unwrap();
    assert!(
        back.contains(
            &want
                .replace("sriov's p50", "emulated's p50")
                .replace("lower than emulated's", "higher than sriov's")
                .replace("less", "more")
        ),
        "{back}"
    );
    // One point, no sweep: no point named, no sweep section.
    assert!(!text.contains("At point"), "{text}");
    assert!(!text.contains("Across the"), "{text}");
}

#[test]
fn every_pair_of_compare_keeps_the_rule() {
    let r = compare();
    let names = ["baremetal", "emulated", "virtio", "passthrough", "sriov"];
    let all: Vec<(&str, &str)> = names
        .iter()
        .flat_map(|a| names.iter().map(move |b| (*a, *b)))
        .collect();
    let text = explain(r, &pairs(&all)).unwrap();
    check_numbers(r, &text);
    // One section per pair, in order.
    let heads: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" vs ") && l.contains(": experiment"))
        .collect();
    assert_eq!(heads.len(), all.len());
    assert!(heads[0].starts_with("baremetal vs baremetal:"));
    // virtio's exits are its kicks; passthrough's NIC is its own.
    let vp = explain(r, &pairs(&[("virtio", "passthrough")])).unwrap();
    assert!(vp.contains("kick_ns"), "{vp}");
    assert!(vp.contains("one VM per physical NIC"), "{vp}");
    assert!(vp.contains("virtio_backend stage"), "{vp}");
}

#[test]
fn a_load_sweep_names_the_point_and_where_each_path_stops_keeping_up() {
    let r = load_sweep();
    let text = explain(r, &pairs(&[("sriov", "emulated"), ("virtio", "emulated")])).unwrap();
    println!("{text}");
    check_numbers(r, &text);
    assert!(
        text.contains("At point flows.0.load=0.01, the first of the sweep"),
        "{text}"
    );
    assert!(text.contains("mean over the 2 runs"), "{text}");
    assert!(
        text.contains("Across the load sweep over flows.0.load"),
        "{text}"
    );
    // Every path gets a sentence: stops, or follows up to the last point.
    for path in ["sriov", "emulated", "virtio"] {
        let said = text.contains(&format!(
            "  {path} stops following the offered load at flows.0.load="
        )) || text.contains(&format!(
            "  {path} follows the offered load at every point up to flows.0.load=0.12"
        ));
        assert!(said, "no load sentence for {path}:\n{text}");
    }
    // The rule, checked from the report: the first load at which emulated
    // drops packets or its p99 passes ten times its lowest-load p99.
    let at = |i: usize, m: &str| {
        r.points[i]
            .paths
            .iter()
            .find(|p| p.path == "emulated")
            .unwrap()
            .stats[m]
            .mean
    };
    let base = at(0, "latency_p99_ns");
    let knee = (0..3).find(|&i| at(i, "dropped") > 0.0 || at(i, "latency_p99_ns") > 10.0 * base);
    match knee {
        Some(i) => assert!(
            text.contains(&format!(
                "emulated stops following the offered load at {}:",
                r.points[i].label
            )),
            "expected the knee at {}:\n{text}",
            r.points[i].label
        ),
        None => assert!(text.contains("emulated follows the offered load"), "{text}"),
    }
    assert!(
        knee.is_some(),
        "the sweep should overload emulated:\n{text}"
    );
}

#[test]
fn without_posted_interrupts_the_injection_and_eoi_costs_are_named() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/compare.toml");
    let set = |s: &str| Override::parse(s).unwrap();
    let exp = Experiment::from_file(
        &file,
        &[set("run.duration_us=2000"), set("profile=kvm-2010-82599")],
    )
    .unwrap();
    let r = run_experiment(&exp, None).unwrap();
    assert_eq!(
        r.points[0].unit_costs.interrupt_delivery,
        InterruptDelivery::Injected
    );
    let p = pairs(&[
        ("sriov", "emulated"),
        ("passthrough", "virtio"),
        ("baremetal", "sriov"),
    ]);
    let text = explain(&r, &p).unwrap();
    check_numbers(&r, &text);
    for want in [
        "inject_ns",
        "eoi_exit_ns",
        "each of sriov's interrupts takes an exit",
        "baremetal has no hypervisor",
        "63 VFs",
    ] {
        assert!(text.contains(want), "missing {want:?}:\n{text}");
    }
}

#[test]
fn a_sweep_over_load_and_vms_judges_each_vm_count_on_its_own() {
    let text = LOAD_SWEEP
        .replace(
            "paths = [\"emulated\", \"virtio\", \"sriov\"]",
            "paths = [\"emulated\", \"sriov\"]",
        )
        .replace("duration_us = 3000", "duration_us = 1000")
        .replace("replications = 2", "replications = 1")
        .replace(
            "[[sweep.axes]]\nkey = \"flows.0.load\"\nvalues = [0.01, 0.04, 0.12]",
            "[[sweep.axes]]\nkey = \"host.vms\"\nvalues = [1, 2]\n\
             [[sweep.axes]]\nkey = \"flows.0.load\"\nvalues = [0.2, 0.01]",
        );
    let r = run_toml("two-axes.toml", &text);
    assert_eq!(r.points.len(), 4);
    let out = explain(&r, &default_pairs()).unwrap();
    check_numbers(&r, &out);
    assert!(
        out.contains("At point host.vms=1, flows.0.load=0.2, the first"),
        "{out}"
    );
    // One sentence per path and VM count; the lowest load (listed last) is
    // the reference.
    for path in ["sriov", "emulated"] {
        for vms in [1, 2] {
            let n = out
                .lines()
                .filter(|l| {
                    l.starts_with(&format!("  {path} "))
                        && l.contains(&format!("host.vms={vms}, flows.0.load=0.2"))
                })
                .count();
            assert_eq!(n, 1, "{path} at host.vms={vms}:\n{out}");
        }
    }
    assert!(out.contains("at host.vms=2, flows.0.load=0.01"), "{out}");
}

#[test]
fn an_unknown_path_is_an_error_naming_the_allowed_paths() {
    let r = compare();
    let e = explain(r, &pairs(&[("sriov", "vmxnet3")])).unwrap_err();
    assert!(matches!(e, ExplainError::UnknownPath { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("\"vmxnet3\""), "{msg}");
    for p in ["baremetal", "emulated", "virtio", "passthrough", "sriov"] {
        assert!(msg.contains(p), "{msg}");
    }
    // Checked before anything is written, whatever the pair's position.
    let e = explain(r, &pairs(&[("sriov", "emulated"), ("virtio", "nope")])).unwrap_err();
    assert!(e.to_string().contains("\"nope\""), "{e}");
    assert_eq!(explain(r, &[]).unwrap_err(), ExplainError::NoPairs);
}

#[test]
fn a_path_infeasible_everywhere_is_an_error_saying_so() {
    let r = run_toml("shared-nic.toml", &shared_nic("[2, 3]"));
    let e = explain(&r, &pairs(&[("sriov", "passthrough")])).unwrap_err();
    assert!(
        matches!(&e, ExplainError::Infeasible { path, .. } if path == "passthrough"),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("passthrough is infeasible at every point"),
        "{msg}"
    );
}

#[test]
fn a_path_infeasible_at_some_points_is_compared_where_it_runs() {
    let r = run_toml("shared-nic.toml", &shared_nic("[2, 1]"));
    let text = explain(&r, &pairs(&[("sriov", "passthrough")])).unwrap();
    check_numbers(&r, &text);
    assert!(text.contains("At point host.vms=1, the first"), "{text}");
    assert!(
        text.contains("passthrough is infeasible (cannot be built on this host) at: host.vms=2."),
        "{text}"
    );
}

#[test]
fn paths_never_feasible_at_the_same_point_are_an_error() {
    // Two points: sriov ran only at the first, emulated only at the second.
    let mut r = compare().clone();
    let mut second = r.points[0].clone();
    second.index = 1;
    r.points.push(second);
    let mark = |r: &mut RunReport, pi: usize, path: &str| {
        let pp = r.points[pi]
            .paths
            .iter_mut()
            .find(|pp| pp.path == path)
            .unwrap();
        pp.infeasible = Some("test".into());
    };
    mark(&mut r, 1, "sriov");
    mark(&mut r, 0, "emulated");
    let e = explain(&r, &default_pairs()).unwrap_err();
    assert_eq!(
        e,
        ExplainError::NoCommonPoint {
            fast: "sriov".into(),
            slow: "emulated".into()
        }
    );
    assert!(
        e.to_string()
            .contains("sriov and emulated are never feasible at the same point"),
        "{e}"
    );
    // Each alone is fine against a path that runs at both points.
    assert!(explain(&r, &pairs(&[("sriov", "virtio"), ("virtio", "emulated")])).is_ok());
}

#[test]
fn an_empty_report_is_an_error() {
    let mut r = compare().clone();
    r.points.clear();
    let e = explain(&r, &default_pairs()).unwrap_err();
    assert_eq!(
        e,
        ExplainError::EmptyReport {
            experiment: "compare".into()
        }
    );
    assert!(e.to_string().contains("no results"), "{e}");
}

#[test]
fn the_text_is_deterministic() {
    let a = explain(compare(), &default_pairs()).unwrap();
    let b = explain(compare(), &default_pairs()).unwrap();
    assert_eq!(a, b);
    // A fresh run of the same experiment explains to the same bytes.
    let again = run_toml("load-sweep.toml", LOAD_SWEEP);
    let p = pairs(&[("sriov", "emulated")]);
    assert_eq!(
        explain(load_sweep(), &p).unwrap(),
        explain(&again, &p).unwrap()
    );
}

/// Issue 14: the noisy-neighbour experiment's contrast, stated by explain
/// from the run's numbers: on sriov the light flow loses nothing beside the
/// flood; on emulated (the host's shared receive queue and I/O cores) it
/// loses packets, and the text names the shared resource.
#[test]
fn explain_states_whether_a_flood_reaches_its_neighbour() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/noisy-neighbour.toml");
    let set = |s: &str| Override::parse(s).unwrap();
    let exp = Experiment::from_file(
        &file,
        &[set("run.duration_us=5000"), set("sweep.replications=1")],
    )
    .unwrap();
    let r = run_experiment(&exp, None).unwrap();
    let text = explain(&r, &pairs(&[("sriov", "emulated"), ("sriov", "virtio")])).unwrap();
    check_numbers(&r, &text);
    let section: Vec<&str> = text
        .split("\nNeighbours")
        .skip(1)
        .map(|s| s.split("\n\n").next().unwrap())
        .collect();
    assert_eq!(section.len(), 2, "{text}");
    for (s, slow) in section.iter().zip(["emulated", "virtio"]) {
        assert!(s.contains("flows.0.load=0.5"), "the heaviest flood: {s}");
        assert!(
            s.contains("light: dropped 0 on sriov vs "),
            "light loses nothing on sriov: {s}"
        );
        assert!(
            s.contains("sriov kept light apart from flood")
                && s.contains(&format!("On {slow} light lost packets"))
                && s.contains("hv_io_cores"),
            "{s}"
        );
    }
}

/// A rack (experiments/rack.toml on 3 hosts, a shallow switch buffer so
/// that ports drop): the east-west and north-south section keeps the rule,
/// every number a number of the report.
#[test]
fn a_rack_is_explained_by_scope_and_switch_port_with_the_report_numbers_only() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/rack.toml");
    let set = |s: &str| Override::parse(s).unwrap();
    let exp = Experiment::from_file(
        &file,
        &[
            set("rack.hosts=3"),
            set("run.duration_us=2000"),
            set("costs.switch_buffer_frames=1"),
            set("paths=[\"sriov\",\"emulated\"]"),
        ],
    )
    .unwrap();
    let r = run_experiment(&exp, None).unwrap();
    let text = explain(&r, &default_pairs()).unwrap();
    let n = check_numbers(&r, &text);
    let section = text
        .split("\nEast-west and north-south")
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .unwrap_or_else(|| panic!("no rack section: {text}"));
    assert!(n > 10 && section.lines().count() == 6, "{section}");
    for path in ["sriov", "emulated"] {
        assert!(
            section.contains(&format!("\n  {path}: east-west p50 ")),
            "{section}"
        );
        assert!(
            section.contains(&format!("\n  {path}: the busiest switch port is host")),
            "{section}"
        );
    }
    assert!(
        section.contains("the port that dropped most is host"),
        "{section}"
    );
}
