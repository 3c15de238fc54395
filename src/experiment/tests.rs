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

/// experiments/ha-eni-failover.toml on one host: the active instance as VM
/// 0 and the standby as VM 1 (the shipped file puts them on two hosts of a
/// rack).
pub(crate) fn ha_one_host() -> String {
    let ha = include_str!("../../experiments/ha-eni-failover.toml");
    let mut text = ha.to_owned();
    for (old, new) in [
        ("[rack]\nhosts = 2\n", ""),
        ("[host]\nvms = 1 ", "[host]\nvms = 2 "),
        (
            "vms = { active = { host = 0, vm = 0 }, standby = { host = 1, vm = 0 } }",
            "vms = { active = 0, standby = 1 }",
        ),
    ] {
        assert!(
            text.contains(old),
            "ha-eni-failover.toml no longer has {old:?}"
        );
        text = text.replacen(old, new, 1);
    }
    text
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
    let exp = builtin_exp("compare");
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
    let ha = &ha_one_host();
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
    let ha = &ha_one_host();
    let over = format!("host.vms={}", crate::model::MAX_VPC_VMS + 1);
    let e = err_set(ha, &[&over]).to_string();
    assert!(
        e.contains("host.vms") && e.contains("at most 64 VMs on a host with a [vpc]"),
        "{e}"
    );
    let at = format!("host.vms={}", crate::model::MAX_VPC_VMS);
    ok_set(ha, &[&at]);
}

/// A rack of `hosts` hosts of 2 VMs, with `flows` (whole `[[flows]]`
/// entries) and any `extra` tables after them.
fn rack(hosts: u32, flows: &str) -> String {
    format!(
        "name = \"r\"\nprofile = \"kvm-modern-25g\"\n[host]\nvms = 2\n[rack]\nhosts = {hosts}\n\n{flows}"
    )
}

fn names_and_places(exp: &Experiment) -> Vec<(String, u32, u32)> {
    let rack = exp.base.rack.as_ref().expect("a rack");
    assert_eq!(rack.places.len(), exp.flows().len());
    exp.flows()
        .iter()
        .zip(&rack.places)
        .map(|(f, p)| (f.name.clone(), p.host, p.dst_host))
        .collect()
}

fn owned(v: &[(&str, u32, u32)]) -> Vec<(String, u32, u32)> {
    v.iter()
        .map(|(n, h, d)| ((*n).to_owned(), *h, *d))
        .collect()
}

#[test]
fn without_a_rack_the_experiment_has_one_host_as_before() {
    for exp in [
        Experiment::from_toml("full.toml", FULL, &[]).unwrap(),
        ok_set(&small(""), &[]),
        builtin_exp("compare"),
        builtin_exp("compare-stream"),
    ] {
        assert_eq!(exp.base.rack, None, "{}", exp.name);
        assert!(exp.host_configs().iter().all(|c| c.rack.is_none()));
    }
    // The flows are as they were: the names of FULL, unchanged.
    let exp = Experiment::from_toml("full.toml", FULL, &[]).unwrap();
    let names: Vec<&str> = exp.flows().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["in.vm0", "in.vm1", "out", "east", "ping"]);
}

#[test]
fn a_rack_copies_each_flow_over_its_hosts() {
    use crate::model::config::{Forwarding, SwitchConfig};
    // Every ordered pair of 3 hosts: 6 flows, one VM each; the same VM
    // index at both ends is fine on two hosts.
    let ew = "[[flows]]\nname = \"ew\"\nkind = \"vm_to_vm\"\nhost = \"all\"\ndst_host = \"all\"\nvm = 0\ndst_vm = 0\nload = 0.1\n";
    let exp = ok_set(&rack(3, ew), &[]);
    assert_eq!(
        names_and_places(&exp),
        owned(&[
            ("ew.h0-h1", 0, 1),
            ("ew.h0-h2", 0, 2),
            ("ew.h1-h0", 1, 0),
            ("ew.h1-h2", 1, 2),
            ("ew.h2-h0", 2, 0),
            ("ew.h2-h1", 2, 1),
        ])
    );
    assert!(exp
        .flows()
        .iter()
        .all(|f| f.kind == FlowKind::VmToVm { src: 0, dst: 0 }));
    let r = exp.base.rack.as_ref().unwrap();
    assert_eq!(r.hosts, 3);
    assert_eq!(
        r.switch,
        SwitchConfig {
            latency: SwitchConfig::DEFAULT_LATENCY,
            forwarding: Forwarding::CutThrough,
        }
    );
    // Every path's configuration carries the rack.
    assert!(exp
        .host_configs()
        .iter()
        .all(|c| c.rack.as_ref() == Some(r)));

    // "next": one flow per host, to its neighbour (wrapping); rx on every
    // host and VM: host copies first, then VMs.
    let text = rack(
        3,
        &format!(
            "{}[[flows]]\nname = \"in\"\nkind = \"rx\"\nhost = \"all\"\nvm = \"all\"\nload = 0.1\n",
            ew.replace("\"all\"\nvm = 0", "\"next\"\nvm = 0")
        ),
    );
    assert_eq!(
        names_and_places(&ok_set(&text, &[])),
        owned(&[
            ("ew.h0-h1", 0, 1),
            ("ew.h1-h2", 1, 2),
            ("ew.h2-h0", 2, 0),
            ("in.h0.vm0", 0, 0),
            ("in.h0.vm1", 0, 0),
            ("in.h1.vm0", 1, 1),
            ("in.h1.vm1", 1, 1),
            ("in.h2.vm0", 2, 2),
            ("in.h2.vm1", 2, 2),
        ])
    );

    // Indices: names unchanged; no host is host 0, no dst_host is host.
    let one = "[[flows]]\nname = \"x\"\nkind = \"vm_to_vm\"\nhost = 2\ndst_host = 0\nvm = 1\ndst_vm = 1\nload = 0.1\n\
               [[flows]]\nname = \"y\"\nkind = \"vm_to_vm\"\nvm = 0\ndst_vm = 1\nload = 0.1\n\
               [[flows]]\nname = \"z\"\nkind = \"tx\"\nhost = 1\nvm = 1\nload = 0.1\n\
               [[flows]]\nname = \"w\"\nkind = \"vm_to_vm\"\nhost = 1\ndst_host = 1\nvm = 0\ndst_vm = 1\nload = 0.1\n";
    let exp = ok_set(&rack(3, one), &[]);
    assert_eq!(
        names_and_places(&exp),
        owned(&[("x", 2, 0), ("y", 0, 0), ("z", 1, 1), ("w", 1, 1)])
    );
    // An index with dst_host = "all" names the pairs; host = "all" with a
    // dst_host index names the hosts (and includes the same-host pair).
    let text = rack(
        3,
        "[[flows]]\nname = \"f\"\nkind = \"vm_to_vm\"\nhost = 1\ndst_host = \"all\"\nvm = 0\ndst_vm = 1\nload = 0.1\n\
         [[flows]]\nname = \"g\"\nkind = \"vm_to_vm\"\nhost = \"all\"\ndst_host = 0\nvm = 0\ndst_vm = 1\nload = 0.1\n",
    );
    assert_eq!(
        names_and_places(&ok_set(&text, &[])),
        owned(&[
            ("f.h1-h0", 1, 0),
            ("f.h1-h2", 1, 2),
            ("g.h0", 0, 0),
            ("g.h1", 1, 0),
            ("g.h2", 2, 0),
        ])
    );

    // TCP streams and request/response flows stay on their host.
    let text = rack(
        2,
        "[[flows]]\nname = \"t\"\nkind = \"tcp_stream\"\nhost = \"all\"\nvm = 0\ndirection = \"vm_to_vm\"\ndst_vm = 1\n\
         [[flows]]\nname = \"rr\"\nkind = \"request_response\"\nhost = 1\nvm = \"all\"\n",
    );
    let exp = ok_set(&text, &[]);
    assert_eq!(
        names_and_places(&exp),
        owned(&[
            ("t.h0", 0, 0),
            ("t.h1", 1, 1),
            ("rr.vm0", 1, 1),
            ("rr.vm1", 1, 1),
        ])
    );

    // The switch's keys.
    let text = format!(
        "{}[rack.switch]\nlatency_ns = 0\nforwarding = \"store-and-forward\"\n[costs]\nwire_propagation_ns = 5\n",
        rack(2, "[[flows]]\nname = \"a\"\nkind = \"rx\"\nvm = 0\nload = 0.1\n")
    );
    let r = ok_set(&text, &[]).base.rack.unwrap();
    assert_eq!(
        r.switch,
        SwitchConfig {
            latency: SimDuration::ZERO,
            forwarding: Forwarding::StoreAndForward,
        }
    );
    let r = ok_set(&text, &["rack.switch.latency_ns=1000000"])
        .base
        .rack
        .unwrap();
    assert_eq!(r.switch.latency, SimDuration::from_ms(1));
}

/// Every refusal of `[rack]` and of a flow's `host` and `dst_host` names
/// its key, the value and what is allowed.
#[test]
fn rack_and_flow_host_errors_name_the_key() {
    let ew = "[[flows]]\nname = \"ew\"\nkind = \"vm_to_vm\"\nhost = 0\ndst_host = 1\nvm = 0\ndst_vm = 0\nload = 0.1\n\
              [[flows]]\nname = \"in\"\nkind = \"rx\"\nvm = 1\nload = 0.1\n\
              [[flows]]\nname = \"t\"\nkind = \"tcp_stream\"\nvm = 1\n\
              [[flows]]\nname = \"rr\"\nkind = \"request_response\"\nvm = 1\n";
    let text = rack(3, ew);
    ok_set(&text, &[]);
    let cases: &[(&str, &str, &[&str])] = &[
        ("rack.hosts=1", "rack.hosts", &["= 1", "2..=1024 hosts"]),
        ("rack.hosts=1025", "rack.hosts", &["= 1025", "2..=1024"]),
        ("rack.hosts=many", "rack.hosts", &["\"many\"", "an integer"]),
        ("rack.hosts=2.5", "rack.hosts", &["2.5", "an integer"]),
        (
            "rack.switch.latency_ns=-1",
            "rack.switch.latency_ns",
            &["= -1", "0..=1000000"],
        ),
        (
            "rack.switch.latency_ns=1000001",
            "rack.switch.latency_ns",
            &["0..=1000000"],
        ),
        (
            "rack.switch.latency_ns=0",
            "rack.switch.latency_ns",
            &[
                "= 0",
                "synchronization window (cable propagation + switch latency) must be > 0",
                "allowed ≥ 1 ns (or set costs.wire_propagation_ns)",
            ],
        ),
        (
            "rack.switch.forwarding=fast",
            "rack.switch.forwarding",
            &["\"fast\"", "\"cut-through\"", "\"store-and-forward\""],
        ),
        (
            "rack.switch.forwarding=1",
            "rack.switch.forwarding",
            &["invalid type"],
        ),
        ("rack.racks=2", "rack.racks", &["unknown key", "hosts"]),
        (
            "rack.switch.ports=2",
            "rack.switch.ports",
            &["unknown key", "latency_ns"],
        ),
        (
            "flows.0.host=3",
            "flows.0.host",
            &["= 3", "no such host; allowed 0..=2 (rack.hosts = 3)"],
        ),
        (
            "flows.0.host=-1",
            "flows.0.host",
            &["no such host; allowed 0..=2"],
        ),
        (
            "flows.0.host=next",
            "flows.0.host",
            &["\"next\"", "expected a host index (0..=2) or \"all\""],
        ),
        (
            "flows.0.dst_host=7",
            "flows.0.dst_host",
            &["= 7", "no such host; allowed 0..=2 (rack.hosts = 3)"],
        ),
        (
            "flows.0.dst_host=true",
            "flows.0.dst_host",
            &["true", "\"all\" (every other host)", "\"next\""],
        ),
        (
            "flows.1.dst_host=0",
            "flows.1.dst_host",
            &[
                "applies to kind = \"vm_to_vm\", \"request_response\" from a VM client and \"tcp_stream\" with direction = \"vm_to_vm\" only",
                "beyond the switch",
            ],
        ),
        (
            "flows.2.dst_host=0",
            "flows.2.dst_host",
            &[
                "applies to kind = \"vm_to_vm\", \"request_response\" from a VM client and \"tcp_stream\" with direction = \"vm_to_vm\" only",
                "its other end is beyond the switch",
            ],
        ),
        (
            "flows.3.dst_host=all",
            "flows.3.dst_host",
            &[
                "applies to kind = \"vm_to_vm\", \"request_response\" from a VM client and \"tcp_stream\" with direction = \"vm_to_vm\" only",
                "its client is beyond the switch",
            ],
        ),
        // A request/response flow from a VM: its client on `host`, its
        // server on `dst_host`, distinct VMs when both are on one host.
        (
            "flows.3.client=1",
            "flows.3.client",
            &["= 1", "the client must not be the server VM", "host 0"],
        ),
        // Both ends on one host: the VMs must differ, as without a rack.
        (
            "flows.0.dst_host=0",
            "flows.0.dst_vm",
            &["must differ from the source VM", "host 0"],
        ),
        (
            "flows.0.host=all",
            "flows.0.dst_vm",
            &["must differ from the source VM", "host 1"],
        ),
    ];
    for (set, key, words) in cases {
        let o = Override::parse(set).unwrap();
        let e = Experiment::from_toml("exp.toml", &text, &[o]).expect_err(set);
        assert_about(&e, key, words);
    }
    // VM 1 of host 0 asking VM 1 of host 2: two hosts, one index.
    let r = ok_set(&text, &["flows.3.client=1", "flows.3.dst_host=2"]);
    let placed = &r.base.rack.as_ref().unwrap().places[3];
    assert_eq!((placed.host, placed.dst_host), (0, 2));
    // A TCP stream from VM 1 of host 0 to VM 1 of host 1; on one host the
    // VMs must differ.
    let v2v = ["flows.2.direction=vm_to_vm", "flows.2.dst_vm=1"];
    let r = ok_set(&text, &[v2v[0], v2v[1], "flows.2.dst_host=1"]);
    let placed = &r.base.rack.as_ref().unwrap().places[2];
    assert_eq!((placed.host, placed.dst_host), (0, 1));
    let o: Vec<Override> = v2v.iter().map(|s| Override::parse(s).unwrap()).collect();
    let e = Experiment::from_toml("exp.toml", &text, &o).expect_err("same VM, same host");
    assert_about(
        &e,
        "flows.2.dst_vm",
        &["= 1", "must differ from the sending VM", "host 0"],
    );
    // In the file: the line of the key.
    let e = err(&text.replace("hosts = 3", "hosts = 0"));
    assert_about(&e, "rack.hosts", &["exp.toml:6:9:", "= 0", "2..=1024"]);
    let e = err(&text.replace("hosts = 3\n", ""));
    assert_about(&e, "rack.hosts", &["required key is missing", "2..=1024"]);
    // Without the cable's propagation, a switch of 0 ns is fine.
    ok_set(
        &text,
        &["rack.switch.latency_ns=0", "costs.wire_propagation_ns=1"],
    );
    // An explicit dst_host equal to host is a flow within one host.
    ok_set(&text, &["flows.0.dst_host=0", "flows.0.dst_vm=1"]);

    // host and dst_host need a [rack].
    let e = err_set(&small(""), &["flows.0.host=0"]);
    assert_about(
        &e,
        "flows.0.host",
        &["= 0 (from --set)", "applies only with a [rack]"],
    );
    let v2v = "[[flows]]\nname = \"e\"\nkind = \"vm_to_vm\"\nvm = 0\ndst_vm = 1\ndst_host = 1\nload = 0.1\n";
    let e = err(&small(v2v));
    assert_about(
        &e,
        "flows.1.dst_host",
        &["exp.toml:", "= 1", "applies only with a [rack]"],
    );

    // Names made by host copies must not collide with others.
    let e = err(&rack(
        2,
        "[[flows]]\nname = \"a.h1\"\nkind = \"rx\"\nvm = 0\nload = 0.1\n\
         [[flows]]\nname = \"a\"\nkind = \"rx\"\nhost = \"all\"\nvm = 0\nload = 0.1\n",
    ));
    assert_about(
        &e,
        "flows.1.name",
        &[
            "\"a.h1\"",
            "host = \"all\" names its flows <name>.h<h>",
            "unique",
        ],
    );

    // A [vpc] in a rack places its instances on hosts.
    let ha = &ha_one_host();
    let e = err_set(ha, &["rack.hosts=2"]);
    assert_about(
        &e,
        "vpc.vms.active",
        &["in a [rack], place each instance on a host: { host = H, vm = V }"],
    );
}

/// `--set` and sweep axes reach `[rack]` keys as any other: the table is
/// edited first, then validated.
#[test]
fn set_and_sweep_axes_reach_the_rack() {
    // --set creates the [rack] table.
    let exp = ok_set(&small(""), &["rack.hosts=4"]);
    let r = exp.base.rack.as_ref().unwrap();
    assert_eq!((r.hosts, r.places.len()), (4, 1));
    let exp = ok_set(&small(""), &["rack.hosts=4", "flows.0.host=all"]);
    let names: Vec<&str> = exp.flows().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a.h0", "a.h1", "a.h2", "a.h3"]);

    let ew = "[[flows]]\nname = \"ew\"\nkind = \"vm_to_vm\"\nhost = \"all\"\ndst_host = \"all\"\nvm = 0\ndst_vm = 1\nload = 0.1\n";
    let sweep = "[sweep]\n[[sweep.axes]]\nkey = \"rack.hosts\"\nvalues = [2, 3, 4]\n";
    let exp = ok_set(&rack(2, &format!("{ew}{sweep}")), &[]);
    let points = &exp.sweep.as_ref().unwrap().points;
    let counts: Vec<(u32, usize)> = points
        .iter()
        .map(|p| {
            let r = p.exp.base.rack.as_ref().unwrap();
            assert_eq!(r.places.len(), p.exp.flows().len());
            (r.hosts, p.exp.flows().len())
        })
        .collect();
    assert_eq!(counts, [(2, 2), (3, 6), (4, 12)]);
    assert_eq!(points[1].label, "rack.hosts=3");
    // A point out of range names the axis's point and the rule.
    let bad = sweep.replace("[2, 3, 4]", "[2, 1]");
    let e = err(&rack(2, &format!("{ew}{bad}")));
    let ExperimentError::SweepPoint { index, error, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(*index, 1);
    assert_about(error, "rack.hosts", &["= 1 (from [sweep])", "2..=1024"]);
}

/// Every `[rack]` key the parser accepts is in docs/experiments.md (as
/// tests/docs.rs checks the other tables), with the flows' `host` and
/// `dst_host`.
#[test]
fn every_rack_key_is_in_the_experiment_guide() {
    let guide = include_str!("../../docs/experiments.md");
    for (set, expected) in [
        ("rack.bogus=1", &["hosts", "switch"][..]),
        ("rack.switch.bogus=1", &["latency_ns", "forwarding"][..]),
    ] {
        let e = err_set(&small(""), &["rack.hosts=2", set]).to_string();
        for k in expected {
            assert!(e.contains(&format!("`{k}`")), "{e}");
            assert!(guide.contains(&format!("| `{k}` |")), "`{k}` undocumented");
        }
    }
    for k in ["host", "dst_host"] {
        assert!(guide.contains(&format!("| `{k}` |")), "`{k}` undocumented");
    }
    assert!(guide.contains("## `[rack]`"));
}

/// The built-in experiment `name`, validated.
fn builtin_exp(name: &str) -> Experiment {
    let b = super::builtin::find(name).expect("a built-in experiment");
    Experiment::from_toml(&b.label(), b.text, &[]).unwrap_or_else(|e| panic!("{e}"))
}
