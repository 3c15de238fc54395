//! The `enisim` binary end to end: exit codes, messages and output files.
//!
//! Tests marked "needs the engine" run a simulation; the others stop at
//! validation.

use crate::common::{enisim as bin, output as run};
use std::fs;
use std::path::{Path, PathBuf};

/// A path under the system temp dir that nothing else uses.
fn unique(tag: &str) -> PathBuf {
    crate::common::unique_path(&format!("cli-{tag}"))
}

/// Writes `text` to a fresh `.toml` file and returns its path.
fn file_with(tag: &str, text: &str) -> PathBuf {
    let p = unique(tag).with_extension("toml");
    fs::write(&p, text).unwrap();
    p
}

const GOOD: &str = r#"
name = "tiny"
profile = "kvm-modern-25g"
paths = ["baremetal", "virtio", "sriov"]

[run]
duration_us = 300
drain_us = 300

[host]
vms = 2

[[flows]]
name = "rx"
kind = "rx"
vm = "all"
load = 0.05

[[flows]]
name = "rr"
kind = "request_response"
vm = 1
"#;

/// Asserts a clean refusal: exit 2, `error: ` first, every needle in
/// stderr, nothing on stdout, no panic.
fn assert_refused(out: &(Option<i32>, String, String), needles: &[&str]) {
    let (code, stdout, stderr) = out;
    assert_eq!(*code, Some(2), "stderr: {stderr}");
    assert!(stdout.is_empty(), "stdout: {stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.lines().any(|l| l.starts_with("error: ")), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{stderr:?} lacks {n:?}");
    }
}

#[test]
fn validate_accepts_a_good_file() {
    let f = file_with("good", GOOD);
    let (code, stdout, stderr) = run(bin().arg("validate").arg(&f));
    assert_eq!(code, Some(0), "{stderr}");
    // rx on each of two VMs, plus rr.
    assert_eq!(stdout, "ok: tiny: 3 paths, 3 flows\n");
    let (code, stdout, _) = run(bin().arg("validate").arg(&f).args([
        "--set",
        "host.vms=4",
        "--set",
        "paths=[\"sriov\"]",
    ]));
    assert_eq!(code, Some(0));
    assert_eq!(stdout, "ok: tiny: 1 path, 5 flows\n");
    fs::remove_file(f).unwrap();
}

#[test]
fn validate_refuses_bad_files_naming_the_file_and_the_key() {
    let cases: &[(&str, &[&str])] = &[
        ("name = \"x\"\nprofile = \n", &[":2:", "invalid TOML"]),
        (
            &GOOD.replace("vm = 1", "vm = 1\nspeed = 3"),
            &["flows.1.speed", "unknown key"],
        ),
        (
            &GOOD.replace("load = 0.05", "load = \"high\""),
            &["flows.0.load", "\"high\""],
        ),
        (
            &GOOD.replace("vms = 2", "vms = 0"),
            &["host.vms", "1..=4096"],
        ),
        (
            &GOOD.replace("\"virtio\"", "\"warp\""),
            &["paths.1", "warp", "baremetal"],
        ),
        (
            &GOOD.replace("load = 0.05", "rate_pps = 1e-9"),
            &["flows.0.rate_pps", "cannot be represented"],
        ),
        (
            &format!("{GOOD}[rack]\nhosts = 1\n"),
            &["rack.hosts = 1", "2..=1024"],
        ),
        (
            &GOOD.replace("vm = 1", "vm = 1\nhost = 0"),
            &["flows.1.host", "applies only with a [rack]"],
        ),
    ];
    for (text, needles) in cases {
        let f = file_with("bad", text);
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let out = run(bin().arg("validate").arg(&f));
        let mut all = needles.to_vec();
        all.push(&name);
        assert_refused(&out, &all);
        fs::remove_file(f).unwrap();
    }
}

#[test]
fn a_bad_set_is_refused_with_exit_2() {
    let f = file_with("set", GOOD);
    let out = run(bin()
        .arg("validate")
        .arg(&f)
        .args(["--set", "flows.7.load=1"]));
    assert_refused(&out, &["--set flows.7.load=1", "out of range"]);
    let out = run(bin().arg("validate").arg(&f).args(["--set", "novalue"]));
    assert_refused(&out, &["--set", "KEY=VALUE"]);
    let out = run(bin().arg("validate").arg(&f).args(["--set", "host.vms=-3"]));
    assert_refused(&out, &["host.vms = -3 (from --set)"]);
    fs::remove_file(f).unwrap();
}

#[test]
fn a_missing_file_is_refused() {
    let f = unique("missing").with_extension("toml");
    let out = run(bin().arg("validate").arg(&f));
    assert_refused(
        &out,
        &[&f.file_name().unwrap().to_string_lossy(), "cannot read"],
    );
}

#[test]
fn a_failed_run_creates_no_output_directory() {
    let f = file_with("noout", GOOD);
    let parent = unique("noout-parent");
    fs::create_dir_all(&parent).unwrap();
    let out_dir = parent.join("results");
    let out = run(bin()
        .arg("run")
        .arg(&f)
        .arg("--out")
        .arg(&out_dir)
        .args(["--set", "run.duration_us=-1"]));
    assert_refused(&out, &["run.duration_us"]);
    assert!(!out_dir.exists());
    // No temporary directory left behind either.
    assert_eq!(fs::read_dir(&parent).unwrap().count(), 0);
    fs::remove_dir_all(parent).unwrap();
    fs::remove_file(f).unwrap();
}

#[test]
fn compare_with_an_unknown_path_fails_cleanly() {
    let out = run(bin().args(["compare", "--set", "paths=[\"nope\"]"]));
    assert_refused(&out, &["paths.0", "nope", "unknown path"]);
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let out = run(bin().args(["compare", "--threads", "0"]));
    assert_eq!(out.0, Some(2), "{}", out.2);
    let out = run(bin().args(["compare", "--packets", "0"]));
    assert_eq!(out.0, Some(2), "{}", out.2);
    let out = run(bin().args(["profiles", "nope"]));
    assert_refused(&out, &["nope", "kvm-modern-25g"]);
    // Issue 12: negative and huge numbers are named as out of range, not
    // as unknown flags or strings.
    for (args, needle) in [
        (["--seed", "-1"], "-1 is not in 0..=9223372036854775807"),
        (["--threads", "-1"], "-1 is not in 1..=65535"),
        (["--packets", "-5"], "-5 is not in 1..=9223372036854775807"),
        (
            ["--set", "run.packets=99999999999999999999"],
            "99999999999999999999 is beyond the integers a key takes",
        ),
    ] {
        let out = run(bin().args(["run", "experiments/compare.toml"]).args(args));
        assert_eq!(out.0, Some(2), "{args:?}: {}", out.2);
        assert!(
            out.2.contains(needle),
            "{args:?}: {needle:?} not in {}",
            out.2
        );
    }
    // Replication r runs with seed + r: the last seed stays in range.
    let out = run(bin().args([
        "validate",
        "experiments/load-sweep.toml",
        "--seed",
        "9223372036854775806",
    ]));
    assert_refused(
        &out,
        &[
            "sweep.replications = 3",
            "seed 9223372036854775806 + 2 passes the largest seed",
        ],
    );
    let out = run(bin().args([
        "validate",
        "experiments/load-sweep.toml",
        "--seed",
        "9223372036854775805",
    ]));
    assert_eq!(out.0, Some(0), "{}", out.2);
}

#[test]
fn a_profile_printed_as_toml_pastes_back_as_costs() {
    let (code, listing, _) = run(bin().arg("profiles"));
    assert_eq!(code, Some(0));
    assert!(listing.contains("kvm-2010-82599") && listing.contains("kvm-modern-25g"));
    let (code, printed, stderr) = run(bin().args(["profiles", "kvm-2010-82599"]));
    assert_eq!(code, Some(0), "{stderr}");
    let costs = printed.split("[costs]\n").nth(1).expect("a [costs] table");
    assert!(costs.contains("cpu_mhz = 2930"), "{printed}");
    let text = format!("{}\n[costs]\n{costs}", GOOD.replace("vms = 2", "vms = 2\n"));
    let f = file_with("costs", &text);
    let (code, stdout, stderr) = run(bin().arg("validate").arg(&f));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with("ok: tiny"));
    fs::remove_file(f).unwrap();
}

/// Needs the engine.
#[test]
fn run_prints_json_and_writes_the_same_report_to_the_output_directory() {
    let f = file_with("e2e", GOOD);
    let out_dir = unique("e2e-out");
    let (code, stdout, stderr) = run(bin()
        .arg("run")
        .arg(&f)
        .args(["--json", "--threads", "2", "--seed", "5", "--out"])
        .arg(&out_dir));
    assert_eq!(code, Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON only");
    assert_eq!(v["experiment"], "tiny");
    assert_eq!(v["seed"], 5);
    let paths: Vec<&str> = v["points"][0]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["baremetal", "virtio", "sriov"]);
    assert_eq!(
        fs::read_to_string(out_dir.join("summary.json")).unwrap(),
        stdout
    );
    let csv = fs::read_to_string(out_dir.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.starts_with("point,path,infeasible,replications,generated,"));
    fs::remove_dir_all(out_dir).unwrap();
    fs::remove_file(f).unwrap();
}

/// Needs the engine.
#[test]
fn compare_falls_back_to_the_built_in_experiment() {
    let dir = unique("cwd");
    fs::create_dir_all(&dir).unwrap();
    let (code, stdout, stderr) = run(bin().current_dir(&dir).args([
        "compare",
        "--set",
        "run.duration_us=200",
        "--set",
        "run.drain_us=200",
    ]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("built into enisim"), "{stderr}");
    assert!(
        stdout.starts_with("experiment compare: profile kvm-modern-25g"),
        "{stdout}"
    );
    for p in ["baremetal", "emulated", "virtio", "passthrough", "sriov"] {
        assert!(stdout.lines().any(|l| l.starts_with(p)), "{stdout}");
    }
    assert!(stdout.contains("RTT p50 µs"), "{stdout}");
    // The second table: the TCP streams of the built-in compare-stream.
    let streams = stdout
        .split("\nTCP streams (experiments/compare-stream.toml)\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no stream table: {stdout}"));
    assert!(
        streams.starts_with("experiment compare-stream:"),
        "{streams}"
    );
    assert!(streams.contains("stream Gb/s"), "{streams}");
    fs::remove_dir_all(&dir).unwrap();
}

/// Needs the engine: `compare --json --out DIR` prints the reference's
/// JSON and writes the streams' results in DIR/streams.
#[test]
fn compare_json_writes_the_streams_beside_the_reference() {
    let dir = unique("cmp-json");
    fs::create_dir_all(&dir).unwrap();
    let out = dir.join("out");
    let (code, stdout, stderr) = run(bin().current_dir(&dir).args([
        "compare",
        "--json",
        "--out",
        out.to_str().unwrap(),
        "--set",
        "run.duration_us=200",
        "--set",
        "run.drain_us=200",
    ]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("\"experiment\": \"compare\""), "{stdout}");
    assert!(out.join("summary.json").is_file());
    let streams = fs::read_to_string(out.join("streams/summary.json")).unwrap();
    assert!(
        streams.contains("\"experiment\": \"compare-stream\""),
        "{streams}"
    );
    fs::remove_dir_all(&dir).unwrap();
}

/// Needs the engine: the shipped file in the repository runs from the
/// repository root.
#[test]
fn compare_reads_the_experiments_file_in_the_current_directory() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, stderr) = run(bin().current_dir(root).args([
        "compare",
        "--json",
        "--set",
        "run.duration_us=200",
        "--set",
        "run.drain_us=200",
    ]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("built into"), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["points"][0]["paths"].as_array().unwrap().len(), 5);
}

#[test]
fn vpc_apply_prints_results_and_final_state_and_exits_by_outcome() {
    let root = env!("CARGO_MANIFEST_DIR");
    // Every action succeeds: exit 0, EC2-shaped JSON on stdout.
    let ok = run(bin().args([
        "vpc",
        "apply",
        &format!("{root}/experiments/vpc/ha-eni-failover.toml"),
    ]));
    assert_eq!(ok.0, Some(0), "{}", ok.2);
    let v: serde_json::Value = serde_json::from_str(&ok.1).unwrap();
    assert!(v["final"]["NetworkInterfaces"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
    assert!(v["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r.get("ok").is_some()));
    // Same file, same seed: same bytes.
    let again = run(bin().args([
        "vpc",
        "apply",
        &format!("{root}/experiments/vpc/ha-eni-failover.toml"),
    ]));
    assert_eq!(ok.1, again.1);
    // Some actions break rules: their EC2 errors are results, exit 3.
    let bad = run(bin().args([
        "vpc",
        "apply",
        &format!("{root}/experiments/vpc/rule-violations.json"),
    ]));
    assert_eq!(bad.0, Some(3), "{}", bad.2);
    let v: serde_json::Value = serde_json::from_str(&bad.1).unwrap();
    assert!(v["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["error"]["code"] == "OperationNotPermitted"));
}

#[test]
fn vpc_apply_refuses_a_malformed_file_naming_the_action_position() {
    let f = file_with(
        "vpc-bad",
        "[[actions]]\naction = \"CreateVpc\"\nCidrBlock = \"10.0.0.0/16\"\n\n[[actions]]\naction = \"CreateSubnet\"\nVpcId = \"$nope\"\nCidrBlock = \"10.0.1.0/24\"\n",
    );
    let out = run(bin().args(["vpc", "apply"]).arg(&f));
    assert_refused(&out, &["action 2", "VpcId", "nope"]);
}

/// `experiments/ha-eni-failover.toml` with `old` replaced by `new`.
fn ha_variant(tag: &str, old: &str, new: &str) -> PathBuf {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/experiments/ha-eni-failover.toml"
    ))
    .unwrap();
    assert!(text.contains(old), "{old}");
    file_with(tag, &text.replacen(old, new, 1))
}

#[test]
fn vpc_experiment_errors_name_the_key_and_action_before_running() {
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            "AttachmentId = \"$on-active\"",
            "AttachmentId = \"$nope\"",
            &["vpc.actions", "action 11", "AttachmentId", "nope"],
        ),
        (
            "PrivateIpAddress = \"10.0.1.100\"",
            "PrivateIpAddress = \"10.0.9.100\"",
            &[
                "vpc.actions.6",
                "CreateNetworkInterface",
                "InvalidParameterValue",
            ],
        ),
        (
            "dst = \"$eip.ip\"",
            "dst = \"$ghost\"",
            &["flows.0.dst", "ghost"],
        ),
        (
            "standby = { host = 1, vm = 0 }",
            "standby = { host = 1, vm = 5 }",
            &["vpc.vms.standby.vm", "0..=0"],
        ),
        (
            "after_previous = true ",
            "at_us = 100 ",
            &["vpc.actions.11.at_us", "time order"],
        ),
    ];
    for (i, (old, new, needles)) in cases.into_iter().enumerate() {
        let f = ha_variant(&format!("vpc-bad-{i}"), old, new);
        assert_refused(&run(bin().arg("validate").arg(&f)), needles);
    }
}

#[test]
fn a_setup_action_after_a_timed_one_is_refused() {
    let f = ha_variant(
        "vpc-order",
        "[[flows]]",
        "[[vpc.actions]]\naction = \"CreateVpc\"\nCidrBlock = \"10.1.0.0/16\"\n\n[[flows]]",
    );
    assert_refused(
        &run(bin().arg("validate").arg(&f)),
        &["vpc.actions.12", "setup first"],
    );
}

#[test]
fn an_addressed_flow_needs_a_vpc() {
    let f = file_with(
        "no-vpc",
        "name = \"x\"\nprofile = \"kvm-modern-25g\"\n[[flows]]\nname = \"a\"\nkind = \"rx\"\ndst = \"10.0.0.1\"\nrate_pps = 1000\n",
    );
    assert_refused(
        &run(bin().arg("validate").arg(&f)),
        &["flows.0.dst", "[vpc]"],
    );
}

/// Each kind of malformed experiment — bad TOML, an unknown key, a wrong
/// type, a value out of range, an empty sweep axis, a sweep point out of
/// range — is refused with exit 2, a message naming the file and key, and no
/// results directory (nor a temporary one) left behind.
#[test]
fn every_kind_of_malformed_experiment_is_refused_without_a_results_directory() {
    let sweep = "[sweep]\n[[sweep.axes]]\nkey = \"flows.0.load\"\n";
    let cases: [(&str, String, &[&str]); 6] = [
        (
            "badtoml",
            format!("{GOOD}\n[host\n"),
            &["invalid TOML", ":24:6:", "expected `]`"],
        ),
        (
            "unknown",
            GOOD.replace("vms = 2", "vms = 2\nwarp = 9"),
            &["host.warp", "unknown key"],
        ),
        (
            "type",
            GOOD.replace("vms = 2", "vms = \"two\""),
            &["host.vms", "\"two\""],
        ),
        (
            "range",
            GOOD.replace("load = 0.05", "load = 50"),
            &["flows.0.load = 50", "≤ 10"],
        ),
        (
            "emptyaxis",
            format!("{GOOD}\n{sweep}values = []\n"),
            &["sweep.axes.0.values", "at least one value"],
        ),
        (
            "sweeprange",
            format!("{GOOD}\n{sweep}values = [0.1, -1]\n"),
            &["flows.0.load = -1 (from [sweep])", "sweep point 1"],
        ),
    ];
    for (tag, text, needles) in cases {
        let f = file_with(tag, &text);
        let parent = unique(&format!("{tag}-parent"));
        fs::create_dir_all(&parent).unwrap();
        let out_dir = parent.join("results");
        for cmd in ["run", "validate"] {
            let mut c = bin();
            c.arg(cmd).arg(&f);
            if cmd == "run" {
                c.arg("--out").arg(&out_dir);
            }
            let out = run(&mut c);
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let mut all = vec![name.as_str()];
            all.extend_from_slice(needles);
            assert_refused(&out, &all);
        }
        assert!(!out_dir.exists(), "{tag}");
        assert_eq!(fs::read_dir(&parent).unwrap().count(), 0, "{tag}");
        fs::remove_dir_all(parent).unwrap();
        fs::remove_file(f).unwrap();
    }
}

/// A sweep through the CLI: one CSV row per point × path, one histogram per
/// point × path, the table shows every point.
#[test]
fn a_sweep_writes_a_row_and_a_histogram_per_point_and_path() {
    let text = format!(
        "{}\n[sweep]\n[[sweep.axes]]\nkey = \"flows.0.load\"\nvalues = [0.02, 0.05]\n",
        GOOD.replace(
            "paths = [\"baremetal\", \"virtio\", \"sriov\"]",
            "paths = [\"virtio\", \"sriov\"]"
        )
    );
    let f = file_with("sweepcli", &text);
    let out_dir = unique("sweepcli-out");
    let (code, stdout, stderr) = run(bin()
        .arg("run")
        .arg(&f)
        .args(["--threads", "2", "--out"])
        .arg(&out_dir));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !stderr.contains('\r'),
        "no progress bar on a pipe: {stderr:?}"
    );
    assert!(stdout.contains("2 points × 1 replication"), "{stdout}");
    assert!(stdout.contains("flows.0.load=0.05"), "{stdout}");
    let csv = fs::read_to_string(out_dir.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 2, "{csv}");
    assert!(csv.starts_with("point,flows.0.load,path,"), "{csv}");
    for p in ["p00.virtio", "p00.sriov", "p01.virtio", "p01.sriov"] {
        assert!(out_dir.join(format!("{p}.hgrm")).exists(), "{p}");
        assert!(out_dir.join(format!("{p}.rtt.hgrm")).exists(), "{p}");
    }
    fs::remove_dir_all(out_dir).unwrap();
    fs::remove_file(f).unwrap();
}

/// `report` and `explain` on a results directory the CLI wrote; their
/// refusals are input errors (exit 2) naming what is wrong.
#[test]
fn report_and_explain_read_a_results_directory() {
    let f = file_with("repexp", GOOD);
    let out_dir = unique("repexp-out");
    let (code, _, stderr) = run(bin().arg("run").arg(&f).arg("--out").arg(&out_dir));
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stdout, stderr) = run(bin().arg("report").arg(&out_dir));
    assert_eq!(code, Some(0), "{stderr}");
    for name in ["report.html", "report.md", "latency-percentiles.svg"] {
        assert!(stdout.contains(name), "{stdout}");
    }
    let html = fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.contains("<svg"), "the page has plots");
    assert!(out_dir.join("plots").join("stage-breakdown.svg").exists());

    let (code, stdout, stderr) = run(bin()
        .arg("explain")
        .arg(&out_dir)
        .args(["--pair", "sriov,virtio"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with("sriov vs virtio"), "{stdout}");
    assert!(stdout.contains("Flexibility"), "{stdout}");
    // emulated is not in this run: refused, naming the paths it has.
    let out = run(bin().arg("explain").arg(&out_dir));
    assert_refused(&out, &["emulated", "baremetal, virtio, sriov"]);
    let out = run(bin().arg("explain").arg(&out_dir).args(["--pair", "sriov"]));
    assert_eq!(out.0, Some(2), "{}", out.2);
    assert!(out.2.contains("separated by a comma"), "{}", out.2);

    let missing = out_dir.join("nope");
    assert_refused(&run(bin().arg("report").arg(&missing)), &["nope"]);
    assert_refused(&run(bin().arg("explain").arg(&missing)), &["nope"]);
    assert!(!missing.exists());
    fs::remove_dir_all(out_dir).unwrap();
    fs::remove_file(f).unwrap();
}

/// A pair of one path with itself is a usage error.
#[test]
fn a_pair_of_one_path_with_itself_is_refused() {
    let (code, _, stderr) = run(bin().args(["explain", "--pair", "sriov,sriov"]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("two different paths"), "{stderr}");
}

/// Running again into a results directory removes what described the old
/// summary (histograms it does not name, the report) and nothing else.
#[test]
fn a_new_run_into_an_old_results_directory_leaves_nothing_stale() {
    let sweep =
        format!("{GOOD}\n[sweep]\n[[sweep.axes]]\nkey = \"flows.0.load\"\nvalues = [0.02, 0.05]\n");
    let f = file_with("stale", &sweep);
    let out_dir = unique("stale-out");
    let go = |args: &[&str]| {
        let (code, _, stderr) = run(bin().args(args));
        assert_eq!(code, Some(0), "{stderr}");
    };
    let (fs_, od) = (f.to_str().unwrap(), out_dir.to_str().unwrap());
    go(&["run", fs_, "--out", od]);
    go(&["report", od]);
    fs::write(out_dir.join("notes.txt"), "mine").unwrap();
    assert!(out_dir.join("p01.sriov.hgrm").exists());
    assert!(out_dir.join("p01.sriov.hlog").exists());
    // The same experiment without its sweep: one point, other names.
    let plain = file_with("stale-plain", GOOD);
    go(&["run", plain.to_str().unwrap(), "--out", od]);
    let names: Vec<String> = fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("p0")), "{names:?}");
    assert!(names.contains(&"sriov.hgrm".to_owned()), "{names:?}");
    assert!(names.contains(&"sriov.hlog".to_owned()), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("report.")), "{names:?}");
    assert!(!out_dir.join("plots").exists(), "{names:?}");
    assert!(names.contains(&"notes.txt".to_owned()), "{names:?}");
    fs::remove_dir_all(out_dir).unwrap();
    fs::remove_file(f).unwrap();
    fs::remove_file(plain).unwrap();
}

/// Results that cannot be written are a failure of the machine, not of the
/// input: exit 1, before anything runs.
#[test]
fn an_output_directory_that_cannot_be_written_exits_1() {
    let f = file_with("out-is-file", GOOD);
    let not_a_dir = unique("out-is-file").with_extension("txt");
    fs::write(&not_a_dir, "mine").unwrap();
    let (code, stdout, stderr) = run(bin().arg("run").arg(&f).arg("--out").arg(&not_a_dir));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.starts_with("error: cannot write results to"),
        "{stderr}"
    );
    assert!(stderr.contains("not a directory"), "{stderr}");
    assert_eq!(fs::read_to_string(&not_a_dir).unwrap(), "mine");
    fs::remove_file(not_a_dir).unwrap();
    fs::remove_file(f).unwrap();
}

/// Issue 11, point 7: from a directory outside the clone, a built-in
/// experiment runs by name and gives what its file in the clone gives; a
/// file of that name in the current directory wins; an unknown name lists
/// the built-in ones.
#[test]
fn built_in_experiments_run_by_name_from_any_directory() {
    let cwd = unique("anywhere");
    fs::create_dir_all(&cwd).unwrap();
    let (code, out, _) = run(bin().current_dir(&cwd).arg("experiments"));
    assert_eq!(code, Some(0));
    for name in ["compare", "load-sweep", "peers/ns3-p2p"] {
        assert!(out.lines().any(|l| l.starts_with(name)), "{name}: {out}");
    }
    let sets = [
        "--set",
        "run.duration_us=300",
        "--set",
        "run.drain_us=300",
        "--set",
        "sweep.replications=1",
        "--set",
        r#"paths=["virtio","sriov"]"#,
    ];
    let (code, by_name, stderr) = run(bin()
        .current_dir(&cwd)
        .args(["run", "load-sweep", "--json"])
        .args(sets));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("using the built-in experiments/load-sweep.toml"),
        "{stderr}"
    );
    let repo_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/load-sweep.toml");
    let (code, by_file, stderr) = run(bin()
        .args(["run", repo_file.to_str().unwrap(), "--json"])
        .args(sets));
    assert_eq!(code, Some(0), "{stderr}");
    let strip = crate::common::without_wall_clock;
    assert!(
        by_name.contains("\"experiment\": \"load-sweep\""),
        "{by_name:.200}"
    );
    assert_eq!(strip(&by_name), strip(&by_file));
    // A local file of that name wins.
    fs::write(cwd.join("load-sweep.toml"), GOOD).unwrap();
    let (code, out, stderr) = run(bin()
        .current_dir(&cwd)
        .args(["validate", "load-sweep.toml"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(out.starts_with("ok: tiny:"), "{out}");
    assert!(!stderr.contains("built-in"), "{stderr}");
    // So it does when named without .toml: the local file, not the copy
    // built into the binary (which would silently ignore an edited file).
    let (code, out, stderr) = run(bin().current_dir(&cwd).args(["validate", "load-sweep"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(out.starts_with("ok: tiny:"), "{out}\n{stderr}");
    assert!(stderr.contains("using load-sweep.toml"), "{stderr}");
    // A directory of that name (the results of `run NAME --out NAME`) is
    // not an experiment file: the built-in one still runs.
    fs::create_dir_all(cwd.join("compare")).unwrap();
    let (code, out, stderr) = run(bin().current_dir(&cwd).args(["validate", "compare"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(out.starts_with("ok: compare:"), "{out}");
    assert!(
        stderr.contains("compare is a directory; using the built-in"),
        "{stderr}"
    );
    let (code, _, stderr) = run(bin().current_dir(&cwd).args(["run", "no-such-experiment"]));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no-such-experiment: cannot read")
            && stderr.contains("nor is it a built-in experiment (compare, "),
        "{stderr}"
    );
}
