//! Unit tests of experiment parsing, overrides and validation.

use super::*;
use crate::model::{Arrival, Client, FlowKind, SizeDist};
use crate::sim::SimDuration;

const FULL: &str = r#"
name = "t"
description = "every key"
seed = 7
profile = "kvm-2010-82599"
paths = ["sriov", "virtio"]

[run]
duration_us = 500
packets = 1000
drain_us = 0

[host]
vms = 2
passthrough_nic_per_vm = false

[costs]
exit_cycles = 3000
link_gbps = 25

[[flows]]
name = "in"
kind = "rx"
vm = "all"
arrival = "constant"
size = 64
load = 0.5

[[flows]]
name = "out"
kind = "tx"
vm = 1
arrival = "on_off"
on_us = 100
off_us = 900
size = { uniform = [64, 128] }
rate_gbps = 1.0

[[flows]]
name = "east"
kind = "vm_to_vm"
vm = 0
dst_vm = 1
rate_pps = 1000000

[[flows]]
name = "ping"
kind = "request_response"
vm = 1
client = 0
request_bytes = 100
response_bytes = 200
outstanding = 4
think_us = 2.5
"#;

/// A minimal valid experiment followed by `extra` lines (more flows or
/// tables).
fn small(extra: &str) -> String {
    format!(
        "name = \"s\"\nprofile = \"kvm-modern-25g\"\n[host]\nvms = 2\n\n[[flows]]\nname = \"a\"\nkind = \"rx\"\nvm = 0\nload = 0.1\n{extra}"
    )
}

fn err(text: &str) -> ExperimentError {
    Experiment::from_toml("exp.toml", text, &[]).expect_err("should be refused")
}

fn err_set(text: &str, sets: &[&str]) -> ExperimentError {
    let o: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    Experiment::from_toml("exp.toml", text, &o).expect_err("should be refused")
}

fn ok_set(text: &str, sets: &[&str]) -> Experiment {
    let o: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    Experiment::from_toml("exp.toml", text, &o).unwrap_or_else(|e| panic!("{e}"))
}

/// Asserts the error is about `key` and its message contains every one of
/// `words`.
fn assert_about(e: &ExperimentError, key: &str, words: &[&str]) {
    let msg = e.to_string();
    assert_eq!(e.key(), Some(key), "{msg}");
    assert!(msg.starts_with("exp.toml"), "{msg}");
    for w in words {
        assert!(msg.contains(w), "{msg:?} lacks {w:?}");
    }
}

#[test]
fn a_full_file_becomes_the_configuration_it_describes() {
    let exp = Experiment::from_toml("full.toml", FULL, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exp.name, "t");
    assert_eq!(exp.description.as_deref(), Some("every key"));
    assert_eq!(exp.seed, 7);
    assert_eq!(exp.paths, [IoPath::Sriov, IoPath::Virtio]);
    assert_eq!(
        exp.cost_overrides,
        ["exit_cycles = 3000", "link_gbps = 25.0"]
    );
    let p = exp.profile();
    assert_eq!((p.name.as_str(), p.exit_cycles), ("kvm-2010-82599", 3000));
    assert_eq!(p.link_gbps, 25.0);
    let b = &exp.base;
    assert_eq!(b.vms, 2);
    assert!(!b.passthrough_nic_per_vm);
    assert_eq!(b.window, SimDuration::from_us(500));
    assert_eq!(b.drain, SimDuration::ZERO);
    assert_eq!(b.max_packets, Some(1000));
    assert_eq!(b.seed, 7);

    let names: Vec<&str> = b.flows.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["in.vm0", "in.vm1", "out", "east", "ping"]);
    // load 0.5 of 25 Gbit/s in 64 B frames (84 B on the wire).
    let pps = 0.5 * 25e9 / (84.0 * 8.0);
    assert!((b.flows[0].mean_interval_ps - 1e12 / pps).abs() < 1e-6);
    assert_eq!(b.flows[1].kind, FlowKind::Rx { vm: 1 });
    assert_eq!(b.flows[0].arrival, Arrival::Constant);
    assert_eq!(b.flows[0].sizes, SizeDist::Fixed(64));
    // 1 Gbit/s of 96 B mean frames.
    assert!((b.flows[2].mean_interval_ps - 96.0 * 8.0 * 1e3).abs() < 1e-6);
    assert_eq!(
        b.flows[2].arrival,
        Arrival::OnOff {
            on: SimDuration::from_us(100),
            off: SimDuration::from_us(900)
        }
    );
    assert_eq!(b.flows[2].sizes, SizeDist::Uniform { lo: 64, hi: 128 });
    assert_eq!(b.flows[3].kind, FlowKind::VmToVm { src: 0, dst: 1 });
    assert_eq!(b.flows[3].arrival, Arrival::Poisson);
    assert_eq!(b.flows[3].sizes, SizeDist::Imix);
    assert!((b.flows[3].mean_interval_ps - 1e6).abs() < 1e-9);
    assert_eq!(
        b.flows[4].kind,
        FlowKind::RequestResponse {
            client: Client::Vm(0),
            server: 1,
            request_bytes: 100,
            response_bytes: 200,
            outstanding: 4,
            think: SimDuration::from_ns(2500),
            timeout: SimDuration::from_us(1000),
            server_cycles: 0,
            server_millicycles_per_byte: 0,
        }
    );

    let cfgs = exp.host_configs();
    assert_eq!(cfgs.len(), 2);
    assert_eq!(cfgs[0].path, IoPath::Sriov);
    assert_eq!(cfgs[1].path, IoPath::Virtio);
    assert_eq!(cfgs[1].flows, cfgs[0].flows);
}

#[test]
fn defaults_fill_what_the_file_leaves_out() {
    let exp = Experiment::from_toml("s.toml", &small(""), &[]).unwrap();
    assert_eq!(exp.seed, 1);
    assert_eq!(exp.paths, IoPath::ALL);
    assert_eq!(exp.base.window, SimDuration::from_ms(10));
    assert_eq!(exp.base.drain, SimDuration::from_ms(10));
    assert_eq!(exp.base.max_packets, None);
    assert!(exp.base.passthrough_nic_per_vm);
    assert_eq!(exp.flows()[0].sizes, SizeDist::Imix);
    assert_eq!(exp.flows()[0].arrival, Arrival::Poisson);
    let rr = ok_set(
        &small("[[flows]]\nname = \"r\"\nkind = \"request_response\"\nvm = 1\n"),
        &[],
    );
    assert_eq!(
        rr.flows()[1].kind,
        FlowKind::RequestResponse {
            client: Client::External,
            server: 1,
            request_bytes: 128,
            response_bytes: 1024,
            outstanding: 1,
            think: SimDuration::ZERO,
            timeout: SimDuration::from_us(1000),
            server_cycles: 0,
            server_millicycles_per_byte: 0,
        }
    );
}

#[test]
fn the_embedded_compare_experiment_validates() {
    let exp = Experiment::from_toml(EMBEDDED_COMPARE_LABEL, EMBEDDED_COMPARE, &[])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exp.name, "compare");
    assert_eq!(exp.paths, IoPath::ALL);
    assert_eq!(exp.profile().name, "kvm-modern-25g");
    assert_eq!(exp.base.vms, 4);
    // rx and tx on each of 4 VMs, plus the request/response flow.
    assert_eq!(exp.flows().len(), 9);
}

#[test]
fn set_reaches_nested_keys_array_elements_and_falls_back_to_strings() {
    let exp = ok_set(
        &small(""),
        &[
            "host.vms=3",
            "run.packets=50",
            "costs.exit_cycles=999",
            "flows.0.load=0.2",
            "flows.0.vm=all",
            "profile=kvm-2010-82599",
            "paths=[\"sriov\", \"baremetal\"]",
            "seed=42",
        ],
    );
    assert_eq!(exp.base.vms, 3);
    assert_eq!(exp.base.max_packets, Some(50));
    assert_eq!(exp.profile().exit_cycles, 999);
    assert_eq!(exp.profile().name, "kvm-2010-82599");
    assert_eq!(exp.paths, [IoPath::Sriov, IoPath::Baremetal]);
    assert_eq!(exp.seed, 42);
    assert_eq!(exp.flows().len(), 3);
    // 0.2 of 10 Gbit/s (the 2010 profile) in IMIX frames.
    let mean = SizeDist::Imix.mean_bytes();
    let pps = 0.2 * 10e9 / ((mean + 20.0) * 8.0);
    assert!((exp.flows()[0].mean_interval_ps - 1e12 / pps).abs() < 1e-3);
}

#[test]
fn set_errors_name_the_argument() {
    let e = err_set(&small(""), &["flows.4.load=0.1"]);
    let msg = e.to_string();
    assert!(matches!(e, ExperimentError::Set { .. }), "{msg}");
    assert!(
        msg.contains("--set flows.4.load=0.1") && msg.contains("out of range"),
        "{msg}"
    );
    // An override that creates an unknown key is caught like one in the file.
    let e = err_set(&small(""), &["run.bogus=1"]);
    assert_about(&e, "run.bogus", &["unknown key", "bogus", "(from --set)"]);
    // With overrides applied, errors in the file still point into the file.
    let e = err_set(
        &small("").replace("load = 0.1", "load = 0"),
        &["host.vms=3"],
    );
    assert_about(&e, "flows.0.load", &["exp.toml:10:8:", "= 0:"]);
    let e = err_set(&small("[run]\nbogus = 1\n"), &["host.vms=3"]);
    assert_about(&e, "run.bogus", &["exp.toml:12:1:", "unknown key"]);
    // A bad value from --set says so.
    let e = err_set(&small(""), &["host.vms=0"]);
    assert_about(&e, "host.vms", &["= 0 (from --set)", "1..=4096"]);
}

#[test]
fn bad_toml_syntax_gives_line_and_column() {
    let e = err("name = \"x\"\nprofile = \n");
    let msg = e.to_string();
    assert!(
        matches!(e, ExperimentError::Syntax { line: 2, .. }),
        "{msg}"
    );
    assert!(msg.starts_with("exp.toml:2:"), "{msg}");
    let e = err("name = \"x\"\n[run\n");
    assert!(
        e.to_string().starts_with("exp.toml:2:5: invalid TOML"),
        "{e}"
    );
}

#[test]
fn unknown_keys_are_named_wherever_they_are() {
    let e = err(&small("colour = 1\n"));
    assert_about(&e, "flows.0.colour", &["unknown key", "colour", ":11:1:"]);
    let e = err(&format!("bogus = 1\n{}", small("")));
    assert_about(&e, "bogus", &["unknown key", "exp.toml:1:1:"]);
    let e = err(&small("[run]\nduration = 5\n"));
    assert_about(&e, "run.duration", &["unknown key", "duration_us"]);
    let e = err(&small("[costs]\nexit_cylces = 5\n"));
    assert_about(&e, "costs.exit_cylces", &["unknown key", "exit_cycles"]);
    let e = err(&small("[costs]\nname = \"mine\"\n"));
    assert_about(&e, "costs.name", &["cannot be overridden"]);
}

#[test]
fn wrong_types_are_named() {
    let e = err(&small("[run]\nduration_us = \"long\"\n"));
    assert_about(
        &e,
        "run.duration_us",
        &["invalid type", "\"long\"", "a number"],
    );
    let e = err(&small(
        "[[flows]]\nname = \"b\"\nkind = \"rx\"\nvm = 0\nload = true\n",
    ));
    assert_about(&e, "flows.1.load", &["invalid type", "true"]);
    let e = err(&small("[costs]\ninterrupt_delivery = 1\n"));
    assert_about(&e, "costs.interrupt_delivery", &["expected", "\"posted\""]);
    let e = err(&small("[costs]\ninterrupt_delivery = \"exitless\"\n"));
    assert_about(
        &e,
        "costs.interrupt_delivery",
        &["\"exitless\"", "\"injected\", \"apicv\", \"posted\""],
    );
    // The key it replaced names its successor.
    let e = err(&small("[costs]\nposted_interrupts = true\n"));
    assert_about(
        &e,
        "costs.posted_interrupts",
        &["interrupt_delivery", "\"posted\""],
    );
    let e = err(&small("[costs]\ncpu_mhz = 2.5\n"));
    assert_about(&e, "costs.cpu_mhz", &["integer"]);
    let e = err(&small(
        "[[flows]]\nname = \"b\"\nkind = \"sideways\"\nvm = 0\n",
    ));
    assert_about(&e, "flows.1.kind", &["sideways", "request_response"]);
    let e = err("profile = \"kvm-modern-25g\"\n[[flows]]\nname = \"a\"\nkind = \"rx\"\nvm = 0\nload = 0.1\n");
    assert_about(&e, "name", &["required key is missing"]);
    let e = err(&small("[[flows]]\nkind = \"rx\"\nvm = 0\nload = 0.1\n"));
    assert_about(&e, "flows.1.name", &["required key is missing", ":11:"]);
}

#[test]
fn out_of_range_values_name_the_allowed_range() {
    let e = err(&small("[run]\nduration_us = 0\n"));
    assert_about(&e, "run.duration_us", &["= 0", "> 0"]);
    let e = err(&small("[run]\ndrain_us = -1\n"));
    assert_about(&e, "run.drain_us", &["= -1", "≥ 0"]);
    let e = err(&small("[run]\npackets = 0\n"));
    assert_about(&e, "run.packets", &["= 0", "1..="]);
    let e = err(&small("").replace("vms = 2", "vms = 5000"));
    assert_about(&e, "host.vms", &["= 5000", "1..=4096"]);
    let e = err(&small("[costs]\npcie_gen = 9\n"));
    assert_about(&e, "costs.pcie_gen", &["= 9", "1..=5"]);
    let e = err(&small("[costs]\npcie_gen = 300\n"));
    assert_about(&e, "costs.pcie_gen", &["= 300", "1..=5"]);
    let e = err(&small("[costs]\ncpu_mhz = -5\n"));
    assert_about(&e, "costs.cpu_mhz", &["= -5", "100..=10000"]);
    let e = err(&small("[costs]\npcie_lanes = 3\n"));
    assert_about(&e, "costs.pcie_lanes", &["= 3", "1, 2, 4, 8, 16"]);
    let e = err(&small("[costs]\nlink_gbps = 0\n"));
    assert_about(&e, "costs.link_gbps", &["Gbit/s > 0"]);
    let e = err(&small("[costs]\nnic_irq_interval_us = nan\n"));
    assert_about(&e, "costs.nic_irq_interval_us", &["nan", "≥ 0"]);
    let e = err(&small("[costs]\niommu_page_kib = 8\n"));
    assert_about(&e, "costs.iommu_page_kib", &["4, 2048, 1048576"]);
    let e = err(&small(
        "[[flows]]\nname = \"b\"\nkind = \"tx\"\nvm = 0\nsize = 10\nload = 0.1\n",
    ));
    assert_about(&e, "flows.1.size", &["= 10", "64..=9216"]);
    let e = err(&small(
        "[[flows]]\nname = \"b\"\nkind = \"tx\"\nvm = 0\nsize = { uniform = [200, 100] }\nload = 0.1\n",
    ));
    assert_about(&e, "flows.1.size.uniform", &["lo must not exceed hi"]);
    let e = err(&small(
        "[[flows]]\nname = \"b\"\nkind = \"request_response\"\nvm = 0\noutstanding = 0\n",
    ));
    assert_about(&e, "flows.1.outstanding", &["= 0", "1..=1024"]);
    let e = err(&small("").replace("load = 0.1", "load = 11"));
    assert_about(&e, "flows.0.load", &["= 11", "≤ 10"]);
    let e = err(&small("seed = -1\n")
        .replace("seed = -1\n", "")
        .replace("name = \"s\"\n", "name = \"s\"\nseed = -1\n"));
    assert_about(&e, "seed", &["= -1"]);
}

#[test]
fn unknown_paths_and_profiles_list_the_choices() {
    let e = err(&small("").replace("profile = \"kvm-modern-25g\"", "profile = \"xen-1999\""));
    assert_about(
        &e,
        "profile",
        &["\"xen-1999\"", "unknown profile", "kvm-2010-82599"],
    );
    let e = err(&format!("paths = [\"virtio\", \"warp\"]\n{}", small("")));
    assert_about(
        &e,
        "paths.1",
        &["\"warp\"", "unknown path", "baremetal, emulated"],
    );
    let e = err(&format!("paths = [\"virtio\", \"virtio\"]\n{}", small("")));
    assert_about(&e, "paths.1", &["listed twice"]);
    let e = err(&format!("paths = []\n{}", small("")));
    assert_about(&e, "paths", &["at least one"]);
}

#[test]
fn zero_negative_and_nan_rates_are_refused() {
    for (key, v) in [
        ("load", "0"),
        ("load", "-0.5"),
        ("load", "nan"),
        ("rate_gbps", "0"),
        ("rate_gbps", "-1"),
        ("rate_pps", "0"),
        ("rate_pps", "-100"),
        ("rate_pps", "nan"),
    ] {
        let text = small("").replace("load = 0.1", &format!("{key} = {v}"));
        let e = err(&text);
        assert_about(&e, &format!("flows.0.{key}"), &["> 0"]);
    }
    let e = err(&small("").replace("load = 0.1\n", ""));
    assert_about(&e, "flows.0", &["needs one of load"]);
    let e = err(&small("").replace("load = 0.1", "load = 0.1\nrate_pps = 5"));
    assert_about(&e, "flows.0.rate_pps", &["only one of"]);
}

#[test]
fn loads_beyond_the_representable_interval_are_refused() {
    // 1e-9 packets/s is one packet every 1e21 ps.
    let e = err(&small("").replace("load = 0.1", "rate_pps = 1e-9"));
    assert_about(
        &e,
        "flows.0.rate_pps",
        &["cannot be represented", "1e-9", "1e-6..=1e12 packets/s"],
    );
    // 1e15 packets/s is a packet every 0.001 ps.
    let e = err(&small("").replace("load = 0.1", "rate_pps = 1e15"));
    assert_about(&e, "flows.0.rate_pps", &["cannot be represented", "1e15"]);
    let e = err(&small("").replace("load = 0.1", "rate_gbps = 1e9"));
    assert_about(
        &e,
        "flows.0.rate_gbps",
        &["cannot be represented", "Gbit/s"],
    );
    let e = err(&small("").replace("load = 0.1", "rate_gbps = inf"));
    assert_about(&e, "flows.0.rate_gbps", &["> 0"]);
}

#[test]
fn duplicate_flow_names_are_refused() {
    let e = err(&small(
        "[[flows]]\nname = \"a\"\nkind = \"tx\"\nvm = 1\nload = 0.1\n",
    ));
    assert_about(&e, "flows.1.name", &["\"a\"", "unique", "flows.0"]);
    // An expanded name colliding with a plain one.
    let e = err(&small(
        "[[flows]]\nname = \"b.vm1\"\nkind = \"tx\"\nvm = 1\nload = 0.1\n[[flows]]\nname = \"b\"\nkind = \"tx\"\nvm = \"all\"\nload = 0.1\n",
    ));
    assert_about(&e, "flows.2.name", &["\"b.vm1\"", "unique"]);
}

#[test]
fn vm_indices_must_exist_and_be_well_formed() {
    let e = err(&small("").replace("vm = 0", "vm = 2"));
    assert_about(&e, "flows.0.vm", &["= 2", "0..=1", "host.vms = 2"]);
    let e = err(&small("").replace("vm = 0", "vm = -1"));
    assert_about(&e, "flows.0.vm", &["= -1", "0..=1"]);
    let e = err(&small("").replace("vm = 0", "vm = \"some\""));
    assert_about(&e, "flows.0.vm", &["\"some\"", "\"all\""]);
    let e = err(&small("").replace("vm = 0\n", ""));
    assert_about(&e, "flows.0.vm", &["required"]);
    let v2v = "[[flows]]\nname = \"e\"\nkind = \"vm_to_vm\"\nvm = 0\ndst_vm = 0\nload = 0.1\n";
    let e = err(&small(v2v));
    assert_about(&e, "flows.1.dst_vm", &["must differ"]);
    let e = err(&small(&v2v.replace("vm = 0\n", "vm = \"all\"\n")));
    assert_about(&e, "flows.1.vm", &["\"all\"", "VM index"]);
    let e = err(&small(&v2v.replace("dst_vm = 0", "dst_vm = 7")));
    assert_about(&e, "flows.1.dst_vm", &["= 7", "0..=1"]);
    let rr = "[[flows]]\nname = \"r\"\nkind = \"request_response\"\nvm = 1\nclient = 1\n";
    let e = err(&small(rr));
    assert_about(&e, "flows.1.client", &["must not be the server"]);
    let e = err(&small(&rr.replace("client = 1", "client = \"inside\"")));
    assert_about(&e, "flows.1.client", &["\"inside\"", "external"]);
}

#[test]
fn keys_that_do_not_apply_to_the_kind_are_refused() {
    let e = err(&small(
        "[[flows]]\nname = \"r\"\nkind = \"request_response\"\nvm = 0\nload = 0.1\n",
    ));
    assert_about(&e, "flows.1.load", &["does not apply", "request_response"]);
    let e = err(&small(
        "[[flows]]\nname = \"r\"\nkind = \"request_response\"\nvm = 0\narrival = \"poisson\"\n",
    ));
    assert_about(&e, "flows.1.arrival", &["does not apply"]);
    let e = err(&small("").replace("vm = 0", "vm = 0\ndst_vm = 1"));
    assert_about(&e, "flows.0.dst_vm", &["does not apply", "rx"]);
    let e = err(&small("").replace("vm = 0", "vm = 0\nthink_us = 1"));
    assert_about(&e, "flows.0.think_us", &["does not apply"]);
    let e = err(&small("").replace("vm = 0", "vm = 0\non_us = 1"));
    assert_about(&e, "flows.0.on_us", &["only with arrival = \"on_off\""]);
    let e = err(&small("").replace("vm = 0", "vm = 0\narrival = \"on_off\"\non_us = 5"));
    assert_about(&e, "flows.0.off_us", &["required"]);
}

#[test]
fn what_the_engine_would_refuse_is_refused_early_with_the_key() {
    let e = err(&small("").replace(
        "[host]\nvms = 2\n",
        "[host]\nvms = 2\npassthrough_nic_per_vm = false\n",
    ));
    assert_about(&e, "host.passthrough_nic_per_vm", &["share one NIC"]);
    // Without passthrough among the paths, sharing is fine.
    ok_set(
        &format!("paths = [\"virtio\"]\n{}", small("")),
        &["host.passthrough_nic_per_vm=false"],
    );
    let e = err_set(&small(""), &["costs.max_vfs=1"]);
    assert_about(&e, "host.vms", &["virtual functions", "costs.max_vfs"]);
}

#[test]
fn no_input_panics() {
    // A grab bag of odd documents and overrides: each must be an error or a
    // valid experiment, never a panic.
    let docs = [
        "",
        "=",
        "[[flows]]",
        "flows = 3",
        "flows = [1, 2]",
        "name = 1",
        "[run]\n[run]",
        "\u{feff}name = \"x\"",
        "name = \"é\"\nprofile = \"p\"",
    ];
    for d in docs {
        let _ = Experiment::from_toml("x", d, &[]);
    }
    for s in [
        "flows=3",
        "flows.0=3",
        "name.x.y=1",
        "host=[1]",
        "host.vms.x=1",
        "paths.0=1",
    ] {
        let _ = Experiment::from_toml("x", &small(""), &[Override::parse(s).unwrap()]);
    }
}

/// Needs the engine (`model::run`).
#[test]
fn results_are_identical_at_one_and_many_threads_but_for_timing() {
    let text = small(
        "[run]\nduration_us = 200\ndrain_us = 200\n[[flows]]\nname = \"r\"\nkind = \"request_response\"\nvm = 1\n",
    );
    let exp = Experiment::from_toml("t.toml", &text, &[]).unwrap();
    let mut one = run_experiment(&exp, Some(1)).unwrap_or_else(|e| panic!("{e}"));
    let mut many = run_experiment(&exp, Some(4)).unwrap_or_else(|e| panic!("{e}"));
    let order: Vec<&str> = one.paths().iter().map(|p| p.path.as_str()).collect();
    assert_eq!(order, IoPath::ALL.map(IoPath::name));
    assert!(one.paths().iter().all(|p| p.sim.wall_s > 0.0));
    strip_timing(&mut one);
    strip_timing(&mut many);
    // Compared as JSON (the report layer's `report::json` is this,
    // pretty-printed): floats that are not numbers compare equal there.
    let json = |r: &RunReport| serde_json::to_string(r).unwrap();
    assert_eq!(json(&one), json(&many));
    assert_eq!(one.schema_version, SCHEMA_VERSION);
    assert_eq!((one.experiment.as_str(), one.seed), ("s", 1));
    assert_eq!(one.profile, "kvm-modern-25g");
}

/// Every refusal of the `[vpc]` table and of addressed flows names its key
/// and what is allowed, before anything runs.
#[test]
fn vpc_and_addressed_flow_errors_name_the_key() {
    let ha = include_str!("../../experiments/ha-eni-failover.toml");
    ok_set(ha, &[]);
    let cases: &[(&str, &str, &[&str])] = &[
        ("vpc.seed=-1", "vpc.seed", &["= -1", "≥ 0"]),
        (
            "vpc.pps_allowance=0",
            "vpc.pps_allowance",
            &["≥ 1 packets/s"],
        ),
        (
            "vpc.conntrack_allowance=0",
            "vpc.conntrack_allowance",
            &["≥ 1 connections"],
        ),
        ("vpc.burst_s=-1", "vpc.burst_s", &["0..=1000000"]),
        (
            "vpc.timing.detach_us=soon",
            "vpc.timing.detach_us",
            &["\"soon\"", "table of them by path"],
        ),
        ("vpc.timing.detach_us=-5", "vpc.timing.detach_us", &["≥ 0"]),
        (
            "vpc.timing.attach_us.warp=1",
            "vpc.timing.attach_us.warp",
            &["unknown path", "sriov"],
        ),
        (
            "vpc.actions.10.at_us=later",
            "vpc.actions.10.at_us",
            &["\"later\"", "a number of µs"],
        ),
        (
            "vpc.actions.10.after_previous=true",
            "vpc.actions.10",
            &["not both"],
        ),
        (
            "vpc.actions.11.after_previous=false",
            "vpc.actions.11.after_previous",
            &["allowed: true"],
        ),
        (
            "vpc.routes=[{ subnet = \"$app\", destination = \"nowhere\", target = \"$service\" }]",
            "vpc.routes.0.destination",
            &["\"nowhere\"", "IPv4 block"],
        ),
        (
            "vpc.vms.standby=0",
            "vpc.vms.standby",
            &["another instance"],
        ),
        ("vpc.vms.standby=2", "vpc.vms.standby", &["0..=1"]),
        (
            "flows.0.port=70000",
            "flows.0.port",
            &["= 70000", "0..=65535"],
        ),
        ("flows.0.src_port=-1", "flows.0.src_port", &["0..=65535"]),
        ("flows.0.proto=sctp", "flows.0.proto", &["tcp, udp, icmp"]),
        (
            "flows.0.from=$active",
            "flows.0.from",
            &["from the internet"],
        ),
        (
            "flows.0.kind=tx",
            "flows.0.from",
            &["required key is missing"],
        ),
        ("flows.0.vm=0", "flows.0.vm", &["use from and dst"]),
        (
            "flows.0.outstanding=2",
            "flows.0.outstanding",
            &["request_response\" only"],
        ),
        (
            "flows.0.kind=request_response",
            "flows.0.arrival",
            &["does not apply"],
        ),
    ];
    for (set, key, words) in cases {
        let o = Override::parse(set).unwrap();
        let e = Experiment::from_toml("exp.toml", ha, &[o]).expect_err(set);
        assert_about(&e, key, words);
    }
    let e = err(&ha.replacen("at_us = 200000", "after_previous = true", 1));
    assert_about(&e, "vpc.actions.10.after_previous", &["needs at_us"]);
}

/// What the engine refuses after validation (here: configurations edited
/// past it) is an error naming the file and the path, and in a sweep the
/// point; a hardware limit is an error only outside a sweep.
#[test]
fn a_configuration_the_engine_refuses_is_an_error_naming_the_path_and_point() {
    let text = format!("paths = [\"virtio\", \"sriov\"]\n{}", small(""));
    let mut exp = Experiment::from_toml("exp.toml", &text, &[]).unwrap();
    exp.base.profile.max_vfs = 1;
    let e = run_experiment(&exp, Some(1)).expect_err("2 VMs, 1 VF");
    assert!(
        matches!(
            e,
            ExperimentError::Build {
                path: IoPath::Sriov,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_input_error());
    let msg = e.to_string();
    assert!(msg.starts_with("exp.toml: path sriov: "), "{msg}");

    let sweep = "[sweep]\n[[sweep.axes]]\nkey = \"flows.0.load\"\nvalues = [0.1, 0.2]\n";
    let mut exp = Experiment::from_toml("exp.toml", &format!("{text}{sweep}"), &[]).unwrap();
    let point = &mut exp.sweep.as_mut().unwrap().points[1].exp;
    point.base.flows[0].kind = FlowKind::Rx { vm: 9 };
    let e = run_experiment(&exp, Some(1)).expect_err("no VM 9");
    let ExperimentError::SweepPoint { index, error, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(*index, 1);
    assert!(
        matches!(
            **error,
            ExperimentError::Build {
                path: IoPath::Virtio,
                ..
            }
        ),
        "{error:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with("exp.toml: path virtio: ")
            && msg.ends_with("[at sweep point 1: flows.0.load=0.2]"),
        "{msg}"
    );
}

/// The data plane's VM limit is refused by validation (so `enisim validate`
/// says it), not first by the engine when the run starts.
#[test]
fn a_vpc_host_with_more_vms_than_the_data_plane_holds_is_refused_by_validation() {
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/ha-eni-failover.toml");
    let over = format!("host.vms={}", crate::model::MAX_VPC_VMS + 1);
    let e = Experiment::from_file(&file, &[Override::parse(&over).unwrap()])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("host.vms") && e.contains("at most 64 VMs on a host with a [vpc]"),
        "{e}"
    );
    let at = format!("host.vms={}", crate::model::MAX_VPC_VMS);
    Experiment::from_file(&file, &[Override::parse(&at).unwrap()]).unwrap();
}
