//! Sweeps across machines: `enisim run --shard I/N` then `enisim merge`
//! gives the results directory of one unsharded run; every way merging can
//! go wrong is refused, naming the file, with nothing written; the Slurm
//! script and the Kubernetes manifests drive the binary as documented.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::output as run_cmd;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_enisim"))
}

/// A fresh directory under the system temp dir.
fn scratch(tag: &str) -> PathBuf {
    let d = crate::common::unique_path(&format!("shard-{tag}"));
    fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    run_cmd(Command::new(bin()).args(args))
}

fn ok(out: (Option<i32>, String, String)) -> String {
    assert_eq!(out.0, Some(0), "stdout: {}\nstderr: {}", out.1, out.2);
    out.1
}

/// A sweep with everything a merge must carry: two points, replications,
/// a path infeasible at one point (more VMs than VFs), one-way and
/// round-trip histograms, a `--set` given on the command line.
const SWEEP: &str = r#"
name = "shard-sweep"
seed = 7
profile = "kvm-modern-25g"
paths = ["baremetal", "virtio", "sriov"]

[costs]
max_vfs = 2

[run]
duration_us = 400
drain_us = 400

[host]
vms = 1

[[flows]]
name = "rx"
kind = "rx"
vm = "all"
arrival = "poisson"
size = "imix"
load = 0.05

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
key = "host.vms"
values = [1, 3]
"#;

fn sweep_file(dir: &Path) -> PathBuf {
    let f = dir.join("sweep.toml");
    fs::write(&f, SWEEP).unwrap();
    f
}

/// Every file of a results directory, by name; summary.json without the
/// wall-clock fields (the only ones two runs of one seed differ in).
fn contents(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = fs::read_to_string(e.path()).unwrap();
            let text = if name == "summary.json" {
                crate::common::without_wall_clock(&text).join("\n")
            } else {
                text
            };
            (name, text)
        })
        .collect();
    out.sort();
    out
}

/// Runs `file` whole into `dir/full`, and as `n` shards merged (given in
/// reverse order) into `dir/merged`; returns both tables.
fn whole_and_merged(dir: &Path, file: &Path, n: u32, extra: &[&str]) -> (String, String) {
    let f = file.to_str().unwrap();
    let full = dir.join("full");
    let mut args = vec!["run", f, "--out", full.to_str().unwrap()];
    args.extend(extra);
    let table = ok(run(&args));
    let mut shards = Vec::new();
    for i in (0..n).rev() {
        let s = dir.join(format!("s{i}"));
        let spec = format!("{i}/{n}");
        let mut args = vec![
            "run",
            f,
            "--shard",
            &spec,
            "--out",
            s.to_str().unwrap(),
            "--threads",
            "1",
        ];
        args.extend(extra);
        let said = ok(run(&args));
        assert!(said.starts_with(&format!("shard {i}/{n}: ran ")), "{said}");
        shards.push(s);
    }
    let merged = dir.join("merged");
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(shards.iter().map(|s| s.to_str().unwrap()));
    args.extend(["--out", merged.to_str().unwrap()]);
    let merged_table = ok(run(&args));
    (table, merged_table)
}

#[test]
fn sharding_then_merging_equals_one_run() {
    let dir = scratch("equal");
    let f = sweep_file(&dir);
    // 2 points × 3 paths × 2 replications = 12 jobs; 5 shards split them
    // unevenly (3, 3, 2, 2, 2), with a --set carried by the shards.
    let (table, merged) = whole_and_merged(&dir, &f, 5, &["--set", "flows.1.think_us=30"]);
    assert_eq!(table, merged);
    let (a, b) = (contents(&dir.join("full")), contents(&dir.join("merged")));
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    // The sweep's files are all there: the infeasible sriov point has none.
    for want in [
        "summary.json",
        "summary.csv",
        "p00.r1.sriov.hgrm",
        "p01.r0.virtio.rtt.hgrm",
    ] {
        assert!(names.contains(&want), "{want} not in {names:?}");
    }
    assert!(!names.contains(&"p01.r0.sriov.hgrm"), "{names:?}");
    assert!(a[names.iter().position(|n| *n == "summary.json").unwrap()]
        .1
        .contains("infeasible"));
    assert_eq!(a.len(), b.len());
    for ((na, ta), (nb, tb)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        assert!(ta == tb, "{na} differs between the whole run and the merge");
    }
    // The merged directory is a results directory like any other.
    ok(run(&["report", dir.join("merged").to_str().unwrap()]));
}

#[test]
fn more_shards_than_runs_leave_some_empty_and_still_merge() {
    let dir = scratch("many");
    let f = dir.join("one.toml");
    // No sweep: 2 jobs (one per path) over 3 shards.
    let text = SWEEP.split("[sweep]").next().unwrap().replace(
        r#"paths = ["baremetal", "virtio", "sriov"]"#,
        r#"paths = ["baremetal", "sriov"]"#,
    );
    fs::write(&f, text).unwrap();
    let (table, merged) = whole_and_merged(&dir, &f, 3, &[]);
    assert_eq!(table, merged);
    assert_eq!(contents(&dir.join("full")), contents(&dir.join("merged")));
    let said = ok(run(&[
        "run",
        f.to_str().unwrap(),
        "--shard",
        "2/3",
        "--out",
        dir.join("again").to_str().unwrap(),
    ]));
    assert!(said.contains("ran 0 of the 2 runs"), "{said}");
}

/// Three shards of the sweep, in `dir/s0`…`dir/s2`.
fn three_shards(dir: &Path, extra: &[&str]) -> Vec<PathBuf> {
    let f = sweep_file(dir);
    (0..3)
        .map(|i| {
            let s = dir.join(format!("s{i}"));
            let spec = format!("{i}/3");
            let mut args = vec![
                "run",
                f.to_str().unwrap(),
                "--shard",
                &spec,
                "--out",
                s.to_str().unwrap(),
            ];
            args.extend(extra);
            ok(run(&args));
            s
        })
        .collect()
}

/// `enisim merge dirs --out dir/out` must exit 2 with every needle in its
/// message and write nothing.
fn refused(dir: &Path, dirs: &[&Path], needles: &[&str]) {
    let out = dir.join("out");
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(dirs.iter().map(|d| d.to_str().unwrap()));
    args.extend(["--out", out.to_str().unwrap()]);
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, Some(2), "stdout: {stdout}\nstderr: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !out.exists(),
        "merge wrote {} although it failed",
        out.display()
    );
}

#[test]
fn merging_refuses_what_is_not_one_whole_run() {
    let dir = scratch("refuse");
    let s = three_shards(&dir, &[]);
    let (s0, s1, s2) = (s[0].as_path(), s[1].as_path(), s[2].as_path());
    let file = |d: &Path| d.join("shard.json").display().to_string();

    refused(&dir, &[s0, s2], &["1 of 3 shards missing: 1/3"]);
    refused(
        &dir,
        &[s0, s1, s1, s2],
        &["shard 1/3 given twice", &file(s1)],
    );

    // A shard of the same file run with another --set.
    let other = scratch("refuse-other");
    let o = three_shards(&other, &["--set", "seed=8"]);
    refused(
        &dir,
        &[s0, &o[1], s2],
        &[
            "not shards of the same run",
            "experiments as run",
            &file(&o[1]),
        ],
    );

    // A results directory, not a shard; a directory that does not exist.
    let whole = dir.join("whole");
    ok(run(&[
        "run",
        dir.join("sweep.toml").to_str().unwrap(),
        "--out",
        whole.to_str().unwrap(),
    ]));
    refused(
        &dir,
        &[s0, &whole, s2],
        &["not a shard directory", &file(&whole)],
    );
    refused(
        &dir,
        &[s0, &dir.join("nowhere"), s2],
        &["nowhere: no such shard directory"],
    );

    // Damaged or foreign shard files, each in a copy of shard 1.
    let text = fs::read_to_string(s1.join("shard.json")).unwrap();
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "truncated",
            text[..text.len() / 2].to_owned(),
            vec!["not a shard", "invalid JSON"],
        ),
        (
            "foreign",
            r#"{"format": "something-else"}"#.to_owned(),
            vec!["not a shard", "something-else"],
        ),
        (
            "schema",
            text.replacen("\"schema_version\":1", "\"schema_version\":99", 1),
            vec!["schema_version is 99; this enisim reads 1"],
        ),
        (
            "version",
            text.replacen(
                &format!("\"enisim_version\":\"{}\"", env!("ENISIM_BUILD")),
                "\"enisim_version\":\"0.0.1\"",
                1,
            ),
            vec!["written by enisim 0.0.1"],
        ),
        (
            "index",
            text.replacen("\"index\":1", "\"index\":7", 1),
            vec!["7/3 is not a valid I/N"],
        ),
        (
            // A damaged count must be refused, not allocated (this aborted
            // the merge: "memory allocation of 64000000000 bytes failed").
            "count",
            text.replacen("\"count\":3", "\"count\":4000000000", 1),
            vec!["1/4000000000 is not a valid I/N"],
        ),
        (
            "count-differs",
            text.replacen("\"count\":3", "\"count\":2", 1),
            vec!["not shards of the same run", "the shard counts"],
        ),
        (
            "jobs-differ",
            text.replacen("\"jobs\":", "\"jobs\":1", 1),
            vec!["not shards of the same run", "the numbers of jobs"],
        ),
        (
            // Job 1 is replication 1 of point 0's first path.
            "replication",
            text.replacen("\"replication\":1", "\"replication\":0", 1),
            vec!["job 1 is point 0, path baremetal, replication 1 in the experiment"],
        ),
        (
            "both",
            text.replacen("\"job\":1,", "\"job\":1,\"infeasible\":\"x\",", 1),
            vec!["job 1 has both a result and a reason it is infeasible"],
        ),
        (
            "job",
            text.replacen("\"job\":1,", "\"job\":2,", 1),
            vec!["job 2 is not one shard 1/3 owns"],
        ),
        (
            "histogram",
            {
                let at = text.find("\"latency_histogram\":\"").unwrap() + 21;
                format!("{}!!{}", &text[..at], &text[at + 2..])
            },
            vec!["latency histogram: not base64"],
        ),
        (
            "no-histogram",
            text.replacen("\"latency_histogram\":", "\"latency_histogram_x\":", 1),
            vec!["no latency histogram"],
        ),
        (
            "no-rtt-histogram",
            text.replacen("\"rtt_histogram\":", "\"rtt_histogram_x\":", 1),
            vec!["a round-trip histogram missing for its round trips"],
        ),
    ];
    for (tag, body, needles) in cases {
        let d = dir.join(format!("bad-{tag}"));
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("shard.json"), &body).unwrap();
        assert_ne!(body, text, "case {tag} changed nothing");
        let mut n = needles.clone();
        let f = file(&d);
        n.push(&f);
        refused(&dir, &[s0, &d, s2], &n);
        // First, so that its count is the one merging goes by.
        refused(&dir, &[&d, s0, s2], &n);
    }

    // Every shard carries the same experiment, one this enisim refuses: the
    // message names the shard file it was read from.
    let bad: Vec<PathBuf> = [s0, s1, s2]
        .iter()
        .map(|s| {
            let d = dir.join(format!(
                "bad-exp-{}",
                s.file_name().unwrap().to_string_lossy()
            ));
            fs::create_dir_all(&d).unwrap();
            let t = fs::read_to_string(s.join("shard.json")).unwrap();
            let t2 = t.replacen("\"request_bytes\":128", "\"request_bytes\":1", 1);
            assert_ne!(t, t2);
            fs::write(d.join("shard.json"), t2).unwrap();
            d
        })
        .collect();
    let first = file(&bad[0]);
    refused(
        &dir,
        &[&bad[0], &bad[1], &bad[2]],
        &[&first, "experiment the shards carry", "request_bytes = 1"],
    );

    // --out is one of the shards.
    let (code, _, stderr) = run(&[
        "merge",
        s0.to_str().unwrap(),
        s1.to_str().unwrap(),
        s2.to_str().unwrap(),
        "--out",
        s1.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("is one of the shard directories"),
        "{stderr}"
    );
    assert_eq!(
        fs::read_dir(s1).unwrap().count(),
        1,
        "the shard directory gained files"
    );
    // And the good shards still merge.
    ok(run(&[
        "merge",
        s2.to_str().unwrap(),
        s1.to_str().unwrap(),
        s0.to_str().unwrap(),
        "--out",
        dir.join("good").to_str().unwrap(),
    ]));
}

#[test]
fn bad_shard_options_are_refused_before_anything_runs() {
    let dir = scratch("opts");
    let f = sweep_file(&dir);
    let f = f.to_str().unwrap();
    let out = dir.join("o");
    let o = out.to_str().unwrap();
    for (args, needle) in [
        (
            vec!["run", f, "--shard", "3/3", "--out", o],
            "allowed 0 to 2",
        ),
        (vec!["run", f, "--shard", "0/0", "--out", o], "allowed 1 to"),
        (vec!["run", f, "--shard", "1", "--out", o], "expected I/N"),
        (
            vec!["run", f, "--shard", "a/2", "--out", o],
            "not a whole number",
        ),
        (vec!["run", f, "--shard", "0/2"], "--out"),
        (
            vec!["run", f, "--shard", "0/2", "--out", o, "--json"],
            "--json",
        ),
    ] {
        let (code, _, stderr) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{args:?}: {needle:?} not in {stderr}"
        );
        assert!(!out.exists(), "{args:?} wrote {o}");
    }
    // A shard directory that cannot be created (under a file): exit 1, before
    // anything runs.
    let file = dir.join("a-file");
    fs::write(&file, "x").unwrap();
    let under = file.join("s");
    let (code, _, stderr) = run(&["run", f, "--shard", "0/2", "--out", under.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("cannot write the shard to"), "{stderr}");
    // A shard never lands beside a whole run's results.
    ok(run(&["run", f, "--out", o]));
    let (code, _, stderr) = run(&["run", f, "--shard", "0/2", "--out", o]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("holds other files (summary.json, "),
        "{stderr}"
    );
    assert!(!out.join("shard.json").exists());
    // Over an earlier shard is fine.
    let s = dir.join("s");
    let s = s.to_str().unwrap();
    ok(run(&["run", f, "--shard", "0/2", "--out", s]));
    // A retry after a writer was killed mid-way finds its temporary
    // directory beside the shard (as a preempted pod leaves it).
    fs::create_dir_all(Path::new(s).join(".enisim.tmp-1-2-3")).unwrap();
    ok(run(&["run", f, "--shard", "1/2", "--out", s]));
    let text = fs::read_to_string(Path::new(s).join("shard.json")).unwrap();
    assert!(
        text.contains("\"shard\":{\"index\":1,\"count\":2}"),
        "{text:.300}"
    );
}

/// deploy/slurm/enisim-sweep.sbatch as Slurm would run it: `submit` (with a
/// stand-in `sbatch` that records its arguments), each array task's `shard`,
/// then `merge` — and the result is the unsharded run's.
#[test]
fn the_slurm_script_runs_the_shards_and_merges_them() {
    let dir = scratch("slurm");
    let f = sweep_file(&dir);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/slurm/enisim-sweep.sbatch");
    let out = dir.join("res");
    // A stand-in sbatch: logs its arguments, answers a job id as --parsable.
    let fake = dir.join("bin");
    fs::create_dir_all(&fake).unwrap();
    let log = dir.join("sbatch.log");
    fs::write(
        fake.join("sbatch"),
        format!("#!/bin/sh\necho \"$@\" >> {}\necho 4242\n", log.display()),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(fake.join("sbatch"))
        .status()
        .unwrap();
    let path = format!(
        "{}:{}",
        fake.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script_cmd = |args: &[&str]| {
        let mut c = Command::new("bash");
        c.arg(&script)
            .args(args)
            .env("ENISIM", bin())
            .env("PATH", &path)
            .env_remove("SLURM_ARRAY_TASK_ID");
        c
    };
    let (f, o) = (f.to_str().unwrap(), out.to_str().unwrap());
    let said = ok(run_cmd(&mut script_cmd(&[
        "submit", f, o, "4", "--set", "seed=9",
    ])));
    assert!(said.contains("job 4242"), "{said}");
    let calls = fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls[0].starts_with("--parsable --array=0-3 ")
            && calls[0].ends_with(&format!("shard {f} {o} --set seed=9")),
        "{}",
        calls[0]
    );
    assert!(
        calls[1].contains("--dependency=afterok:4242")
            && calls[1].ends_with(&format!("merge {f} {o}")),
        "{}",
        calls[1]
    );
    // A bad experiment is refused at submission, before any job.
    let (code, _, stderr) = run_cmd(&mut script_cmd(&[
        "submit",
        f,
        o,
        "4",
        "--set",
        "host.vms=0",
    ]));
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(fs::read_to_string(&log).unwrap().lines().count(), 2);
    // A shard count that is not a positive number is refused before sbatch.
    for n in ["0", "x", "-2"] {
        let (code, _, stderr) = run_cmd(&mut script_cmd(&["submit", f, o, n]));
        assert_eq!(code, Some(2), "{n}: {stderr}");
        assert!(
            stderr.contains("N must be a positive whole number"),
            "{n}: {stderr}"
        );
    }
    assert_eq!(fs::read_to_string(&log).unwrap().lines().count(), 2);
    // The shards' threads come from --cpus-per-task, not from the options.
    let (code, _, stderr) = run_cmd(&mut script_cmd(&["submit", f, o, "4", "--threads", "2"]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("do not pass --threads"), "{stderr}");
    assert_eq!(fs::read_to_string(&log).unwrap().lines().count(), 2);
    // Outside an array task, `shard` says so.
    let (code, _, stderr) = run_cmd(&mut script_cmd(&["shard", f, o]));
    assert_ne!(code, Some(0));
    assert!(stderr.contains("not in a Slurm array task"), "{stderr}");
    // The array's tasks, then the merge job.
    for i in 0..4 {
        ok(run_cmd(
            script_cmd(&["shard", f, o, "--set", "seed=9"])
                .env("SLURM_ARRAY_TASK_ID", i.to_string())
                .env("SLURM_ARRAY_TASK_COUNT", "4")
                .env("SLURM_ARRAY_TASK_MIN", "0")
                .env("SLURM_CPUS_PER_TASK", "1"),
        ));
    }
    ok(run_cmd(&mut script_cmd(&["merge", f, o])));
    let whole = dir.join("whole");
    ok(run(&[
        "run",
        f,
        "--set",
        "seed=9",
        "--out",
        whole.to_str().unwrap(),
    ]));
    assert_eq!(contents(&out), contents(&whole));
}

/// The Indexed Job's shard count is its `completions`, and both manifests
/// name the same directories.
#[test]
fn the_kubernetes_manifests_agree_with_themselves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes");
    // The manifests without their comments.
    let read = |name: &str| -> String {
        fs::read_to_string(root.join(name))
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (job, merge) = (read("enisim-sweep-job.yaml"), read("enisim-merge-job.yaml"));
    let field = |text: &str, key: &str| -> String {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{key}:")))
            .unwrap_or_else(|| panic!("no {key}"))
            .trim()
            .to_owned()
    };
    assert_eq!(field(&job, "completionMode"), "Indexed");
    let completions = field(&job, "completions");
    let shard = job
        .split("--shard ${JOB_COMPLETION_INDEX}/")
        .nth(1)
        .expect("the job passes --shard ${JOB_COMPLETION_INDEX}/N");
    let n: String = shard.chars().take_while(char::is_ascii_digit).collect();
    assert_eq!(n, completions, "--shard's N and completions differ");
    let shards_dir = job
        .split("--out ")
        .nth(1)
        .and_then(|s| s.split("/${JOB_COMPLETION_INDEX}").next())
        .unwrap();
    assert!(
        merge.contains(&format!("enisim merge {shards_dir}/* --out ")),
        "the merge job does not read {shards_dir}"
    );
    // Every experiment the manifests name ships in the image.
    let names: BTreeSet<&str> = job
        .split("/experiments/")
        .skip(1)
        .filter_map(|s| s.split_whitespace().next())
        .collect();
    assert!(!names.is_empty());
    for n in names {
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("experiments")
                .join(n)
                .is_file(),
            "{n} is not in experiments/"
        );
    }
}
