//! The validation suite end to end: the `[validation]` format and its
//! errors, the pass/fail arithmetic on a small synthetic suite, the results
//! directory, determinism, and the shipped suite against
//! `results/validation/`.

use crate::common::{enisim as bin, output as run};
use enisim::experiment::validation::{self, parse_case, SuiteReport};
use enisim::experiment::{run_experiment, Experiment, RunReport};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// A path under the system temp dir that nothing else uses.
fn unique(tag: &str) -> PathBuf {
    crate::common::unique_path(&format!("val-{tag}"))
}

/// A short experiment: 2 ms of a light receive flow and a ping-pong, on
/// bare metal and virtio. Line 17 is `load = 0.05`.
const EXP: &str = r#"name = "tiny"
profile = "kvm-modern-25g"
paths = ["baremetal", "virtio"]

[run]
duration_us = 2000
drain_us = 1000

[host]
vms = 1

[[flows]]
name = "rx"
kind = "rx"
vm = 0
size = 512
load = 0.05

[[flows]]
name = "rr"
kind = "request_response"
vm = 0
think_us = 5
"#;

/// The `[validation]` keys of a good row, as TOML values, in order.
fn base_row(id: &str) -> Vec<(String, String)> {
    [
        ("id", format!("{id:?}")),
        ("title", "\"a row\"".to_owned()),
        ("category", "\"rtt\"".to_owned()),
        ("source", "\"A. Author, A paper, A venue, 2020\"".to_owned()),
        ("where", "\"Table 1\"".to_owned()),
        ("published", "\"about 10 µs\"".to_owned()),
        ("target", "10".to_owned()),
        ("unit", "\"µs\"".to_owned()),
        ("tolerance", "0.5".to_owned()),
        ("tolerance_kind", "\"relative\"".to_owned()),
        ("why_tolerance", "\"a test\"".to_owned()),
        ("metric", "\"rtt_p50_ns\"".to_owned()),
        ("path", "\"virtio\"".to_owned()),
        ("scale", "1e-3".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Changes to a row: a value replaces or adds a key, `None` removes it.
type Changes<'a> = &'a [(&'a str, Option<&'a str>)];

/// A suite file: `exp`, then a `[validation]` table of `base_row(id)` with
/// `set` applied (a value replaces or adds a key, `None` removes it).
fn file_text(exp: &str, id: &str, set: Changes) -> String {
    let mut row = base_row(id);
    for (k, v) in set {
        row.retain(|(key, _)| key != k);
        if let Some(v) = v {
            row.push(((*k).to_owned(), (*v).to_owned()));
        }
    }
    let mut s = format!("{exp}\n[validation]\n");
    for (k, v) in row {
        s.push_str(&format!("{k} = {v}\n"));
    }
    s
}

/// A fresh directory holding `files`.
fn suite(tag: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = unique(tag);
    fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn validate_model(dir: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    run(bin()
        .arg("validate-model")
        .arg(dir)
        .arg("--out")
        .arg(out)
        .args(extra))
}

/// `a` and `b` equal but for the last bit or so: serde_json's default
/// float parser (without `float_roundtrip`) can read a number one ulp off
/// what was written.
fn same(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= 1e-12 * b.abs())
}

fn summary(out: &Path) -> SuiteReport {
    let text = fs::read_to_string(out.join(validation::JSON_FILE)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn format_errors_name_the_file_the_key_and_what_is_allowed() {
    // (the row's changes, what stderr must say)
    let cases: &[(Changes, &[&str])] = &[
        (
            &[("why_tolerance", None)],
            &["validation.why_tolerance", "required key is missing"],
        ),
        (
            &[("tolerance_kind", Some("\"percent\""))],
            &[
                "validation.tolerance_kind = \"percent\"",
                "\"relative\", \"absolute\"",
            ],
        ),
        (
            &[("tolerance", Some("-0.1"))],
            &["validation.tolerance = -0.1", "≥ 0"],
        ),
        (
            &[("path", Some("\"sriov\""))],
            &[
                "validation.path = \"sriov\"",
                "not one of the paths this experiment runs",
                "\"baremetal\", \"virtio\"",
            ],
        ),
        (
            &[("path", Some("\"warp\""))],
            &["validation.path = \"warp\"", "is not a path"],
        ),
        (
            &[("category", Some("\"latency\""))],
            &[
                "validation.category = \"latency\"",
                "\"sriov-scaling\"",
                "\"ec2\"",
            ],
        ),
        (
            &[("tolerence", Some("0.1"))],
            &["validation.tolerence", "unknown key", "`tolerance`"],
        ),
        (
            &[("relation", Some("\"ratio\""))],
            &["validation.relation", "needs `relative_to`"],
        ),
        (
            &[("relative_to", Some("{ path = \"baremetal\" }"))],
            &[
                "validation.relation",
                "required key is missing",
                "\"ratio\"",
            ],
        ),
        (
            &[
                ("relative_to", Some("{ metric = \"rtt_p50_ns\" }")),
                ("relation", Some("\"ratio\"")),
            ],
            &["validation.relative_to", "names the row's own value"],
        ),
        (
            &[("point", Some("3"))],
            &["validation.point = 3", "1 point", "\"all\""],
        ),
        (
            &[("point", Some("\"host.vms=2\""))],
            &["validation.point = \"host.vms=2\"", "\"all\""],
        ),
        (
            &[("target", Some("\"ten\""))],
            &["validation.target = \"ten\"", "must be a number"],
        ),
        (
            &[("target", Some("0"))],
            &["validation.tolerance_kind", "target is 0", "\"absolute\""],
        ),
        (
            &[("scale", Some("0"))],
            &["validation.scale = 0", "other than 0"],
        ),
        (
            &[("url", Some("\"example.org\""))],
            &["validation.url", "https://"],
        ),
        (
            &[("id", Some("\"V 1\""))],
            &["validation.id = \"V 1\"", "letters, digits"],
        ),
        (
            &[("lacks", Some("\" \""))],
            &["validation.lacks", "must not be empty"],
        ),
        (
            &[("lacks", Some("3"))],
            &["validation.lacks = 3", "must be a string"],
        ),
        (
            &[("target", Some("inf"))],
            &["validation.target", "must be a finite number"],
        ),
        (
            &[("title", Some("\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\""))],
            &["validation.title", "101 characters", "at most 100"],
        ),
        (
            &[("relative_to", Some("3")), ("relation", Some("\"ratio\""))],
            &["validation.relative_to = 3", "must be a table"],
        ),
        (
            &[
                ("relative_to", Some("{ pth = \"baremetal\" }")),
                ("relation", Some("\"ratio\"")),
            ],
            &["validation.relative_to.pth", "unknown key"],
        ),
    ];
    let out = unique("fmt-out");
    for (set, needles) in cases {
        let text = file_text(EXP, "V1", set);
        let dir = suite(
            "fmt",
            &[("good.toml", file_text(EXP, "V0", &[])), ("bad.toml", text)],
        );
        let (code, stdout, stderr) = validate_model(&dir, &out, &[]);
        assert_eq!(code, Some(2), "{set:?}: {stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let file = dir.join("bad.toml").display().to_string();
        assert!(stderr.contains(&format!("{file}:")), "{set:?}: {stderr}");
        // Only the bad file is named.
        assert!(!stderr.contains("good.toml"), "{stderr}");
        for n in *needles {
            assert!(stderr.contains(n), "{set:?}: {stderr:?} lacks {n:?}");
        }
        assert!(!out.exists(), "nothing is written");
        fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn errors_point_at_the_line_in_the_file_as_written() {
    // A bad key under [validation]: its own line.
    let text = file_text(EXP, "V1", &[("tolerance_kind", Some("\"percent\""))]);
    let line = text
        .lines()
        .position(|l| l.starts_with("tolerance_kind"))
        .unwrap()
        + 1;
    let e = parse_case("f.toml", &text).unwrap_err().to_string();
    assert!(e.starts_with(&format!("f.toml:{line}:")), "{e}");
    // A bad key of the experiment, below the [validation] table: the line
    // numbers of the file, not of a rewritten text.
    let (head, tail) = EXP.split_at(EXP.find("[run]").unwrap());
    let row = file_text("", "V1", &[]);
    let text = format!("{head}{row}\n{tail}").replace("load = 0.05", "load = -1");
    let line = text.lines().position(|l| l == "load = -1").unwrap() + 1;
    let e = parse_case("f.toml", &text).unwrap_err().to_string();
    assert!(e.starts_with(&format!("f.toml:{line}:")), "{e}");
    assert!(e.contains("flows.0.load"), "{e}");
    // A missing table, and a table split around another.
    let e = parse_case("f.toml", EXP).unwrap_err().to_string();
    assert!(
        e.contains("f.toml: validation: required table is missing"),
        "{e}"
    );
    let split = format!(
        "{}\n[host.offloads]\ntso = true\n[validation.relative_to]\npath = \"baremetal\"\n",
        file_text(EXP, "V1", &[("relation", Some("\"ratio\""))])
    );
    let e = parse_case("f.toml", &split).unwrap_err().to_string();
    assert!(e.contains("in one piece"), "{e}");
    // The table written with its relative_to as a sub-table right after it
    // is one piece.
    let sub = format!(
        "{}[validation.relative_to]\npath = \"baremetal\"\n",
        file_text(EXP, "V1", &[("relation", Some("\"ratio\""))])
    );
    let case = parse_case("f.toml", &sub).unwrap();
    assert_eq!(case.row.relative_to.unwrap().path, "baremetal");
}

#[test]
fn duplicate_ids_every_bad_file_and_unknown_only_ids_are_refused() {
    let out = unique("dup-out");
    let dir = suite(
        "dup",
        &[
            ("a.toml", file_text(EXP, "V1", &[])),
            ("b.toml", file_text(EXP, "V1", &[])),
            ("c.toml", file_text(EXP, "V3", &[("unit", None)])),
        ],
    );
    let (code, _, stderr) = validate_model(&dir, &out, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    let b = dir.join("b.toml").display().to_string();
    let a = dir.join("a.toml").display().to_string();
    assert!(
        stderr.contains(&format!("{b}:"))
            && stderr.contains("validation.id = \"V1\"")
            && stderr.contains(&format!("already used by {a}")),
        "{stderr}"
    );
    // Both bad files are reported, each on its own `error:` line.
    assert!(stderr.contains("validation.unit"), "{stderr}");
    assert_eq!(stderr.matches("error: ").count(), 2, "{stderr}");
    fs::remove_file(dir.join("b.toml")).unwrap();
    fs::remove_file(dir.join("c.toml")).unwrap();
    let (code, _, stderr) = validate_model(&dir, &out, &["--only", "V1,V9"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--only: no file of the suite has id V9"),
        "{stderr}"
    );
    assert!(!out.exists());
    // An empty or missing directory.
    let empty = unique("empty");
    fs::create_dir_all(&empty).unwrap();
    let (code, _, stderr) = validate_model(&empty, &out, &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("holds no .toml file"), "{stderr}");
    let (code, _, stderr) = validate_model(&empty.join("nope"), &out, &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("cannot list"), "{stderr}");
    fs::remove_dir_all(dir).unwrap();
    fs::remove_dir_all(empty).unwrap();
}

#[test]
fn an_unknown_metric_is_a_failing_row_with_a_note_not_a_crash() {
    let out = unique("metric-out");
    let dir = suite(
        "metric",
        &[(
            "m.toml",
            file_text(
                EXP,
                "M1",
                &[
                    ("metric", Some("\"rtt_p05_ns\"")),
                    ("lacks", Some("\"nothing, it is a test\"")),
                ],
            ),
        )],
    );
    let (code, stdout, stderr) = validate_model(&dir, &out, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("FAIL"), "{stdout}");
    assert!(stdout.trim_end().ends_with("0 of 1 pass (0%)"), "{stdout}");
    let s = summary(&out);
    let row = &s.rows[0];
    assert!(!row.pass);
    assert_eq!(row.measured, None);
    assert!(
        row.note.starts_with("metric missing: `rtt_p05_ns`"),
        "{}",
        row.note
    );
    assert!(
        row.note.contains("did you mean `rtt_p50_ns`?"),
        "{}",
        row.note
    );
    assert!(
        row.note.ends_with("; nothing, it is a test"),
        "{}",
        row.note
    );
    assert!(stdout.contains("metric missing"), "{stdout}");
    fs::remove_dir_all(dir).unwrap();
    fs::remove_dir_all(out).unwrap();
}

/// `stats[metric].mean` of `path` at point `p`.
fn stat(r: &RunReport, p: usize, path: &str, metric: &str) -> f64 {
    r.points[p]
        .paths
        .iter()
        .find(|pp| pp.path == path)
        .unwrap()
        .stats[metric]
        .mean
}

/// A row of the arithmetic test: its changes, and what the run must give.
struct Expect {
    id: &'static str,
    set: Vec<(&'static str, Option<String>)>,
    measured: f64,
    pass: bool,
}

#[test]
fn pass_and_fail_relative_absolute_ratio_and_difference() {
    // The values, from the library's own run of the same experiment.
    let exp = Experiment::from_toml("tiny", EXP, &[]).unwrap();
    let r = run_experiment(&exp, Some(1)).unwrap();
    let virtio_us = 1e-3 * stat(&r, 0, "virtio", "rtt_p50_ns");
    let ratio = stat(&r, 0, "virtio", "rtt_p50_ns") / stat(&r, 0, "baremetal", "rtt_p50_ns");
    let diff_us =
        1e-3 * (stat(&r, 0, "virtio", "rtt_p50_ns") - stat(&r, 0, "baremetal", "rtt_p50_ns"));
    let tail = stat(&r, 0, "virtio", "latency_p99_ns") / stat(&r, 0, "virtio", "latency_p50_ns");
    assert!(
        ratio > 1.0 && diff_us > 0.0 && tail >= 1.0,
        "{ratio} {diff_us} {tail}"
    );
    let n = |x: f64| format!("{x:?}");
    let ratio_of = |target: f64, tolerance: &str, relation: &str| -> Vec<(&str, Option<String>)> {
        vec![
            ("target", Some(n(target))),
            ("tolerance", Some(tolerance.to_owned())),
            ("tolerance_kind", Some("\"absolute\"".to_owned())),
            ("relative_to", Some("{ path = \"baremetal\" }".to_owned())),
            ("relation", Some(format!("{relation:?}"))),
        ]
    };
    let unitless = |mut v: Vec<(&'static str, Option<String>)>| {
        v.push(("unit", Some("\"×\"".to_owned())));
        v.push(("scale", None));
        v
    };
    let rows = vec![
        // Relative: 10% off, 20% allowed; then twice the target.
        Expect {
            id: "R1",
            set: vec![
                ("target", Some(n(virtio_us * 1.1))),
                ("tolerance", Some("0.2".into())),
            ],
            measured: virtio_us,
            pass: true,
        },
        Expect {
            id: "R2",
            set: vec![
                ("target", Some(n(virtio_us * 2.0))),
                ("tolerance", Some("0.2".into())),
            ],
            measured: virtio_us,
            pass: false,
        },
        // An absolute ratio: 0.05 off, 0.1 allowed; then 0.2 off.
        Expect {
            id: "A1",
            set: unitless(ratio_of(ratio + 0.05, "0.1", "ratio")),
            measured: ratio,
            pass: true,
        },
        Expect {
            id: "A2",
            set: unitless(ratio_of(ratio + 0.2, "0.1", "ratio")),
            measured: ratio,
            pass: false,
        },
        // A difference in µs: 0.5 off, 1 allowed; then 0.4 allowed.
        Expect {
            id: "D1",
            set: ratio_of(diff_us + 0.5, "1", "difference"),
            measured: diff_us,
            pass: true,
        },
        Expect {
            id: "D2",
            set: ratio_of(diff_us + 0.5, "0.4", "difference"),
            measured: diff_us,
            pass: false,
        },
        // Another metric of the same path, the point by label, exact.
        Expect {
            id: "T1",
            set: unitless(vec![
                ("target", Some(n(tail))),
                ("tolerance", Some("0".into())),
                ("metric", Some("\"latency_p99_ns\"".into())),
                ("point", Some("\"all\"".into())),
                (
                    "relative_to",
                    Some("{ metric = \"latency_p50_ns\", point = 0 }".into()),
                ),
                ("relation", Some("\"ratio\"".into())),
            ]),
            measured: tail,
            pass: true,
        },
    ];
    let files: Vec<(String, String)> = rows
        .iter()
        .map(|e| {
            let set: Vec<(&str, Option<&str>)> =
                e.set.iter().map(|(k, v)| (*k, v.as_deref())).collect();
            (
                format!("{}.toml", e.id.to_lowercase()),
                file_text(EXP, e.id, &set),
            )
        })
        .collect();
    let files: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let dir = suite("arith", &files);
    let out = unique("arith-out");
    let (code, stdout, stderr) = validate_model(&dir, &out, &["--threads", "2"]);
    assert_eq!(code, Some(0), "{stderr}");
    let s = summary(&out);
    assert_eq!(s.total, rows.len());
    assert_eq!(s.passed, 4);
    assert_eq!(s.schema, validation::SCHEMA);
    let ids: Vec<&str> = s.rows.iter().map(|r| r.spec.id.as_str()).collect();
    assert_eq!(
        ids,
        ["A1", "A2", "D1", "D2", "R1", "R2", "T1"],
        "sorted by id"
    );
    for Expect {
        id, measured, pass, ..
    } in &rows
    {
        let row = s.rows.iter().find(|r| r.spec.id == *id).unwrap();
        assert!(
            same(row.measured, *measured),
            "{id}: {:?}, the library's value {measured}",
            row.measured
        );
        assert_eq!(row.pass, *pass, "{id}: {row:?}");
        assert_eq!(row.result, if *pass { "PASS" } else { "FAIL" });
        assert!(
            row.note.is_empty(),
            "{id}: no lacks, no problem: {}",
            row.note
        );
        assert_eq!(row.point_label, "all");
    }
    // The terminal table, the Markdown table and the CSV agree.
    assert!(
        stdout.trim_end().ends_with("4 of 7 pass (57.1%)"),
        "{stdout}"
    );
    let md = fs::read_to_string(out.join(validation::TABLE_FILE)).unwrap();
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| ")).count(),
        1 + rows.len()
    );
    assert_eq!(md.matches("| PASS |").count(), 4, "{md}");
    assert_eq!(md.matches("| **FAIL** |").count(), 3, "{md}");
    assert!(md.trim_end().ends_with("4 of 7 pass (57.1%)"));
    let csv = fs::read_to_string(out.join(validation::CSV_FILE)).unwrap();
    assert_eq!(csv.lines().count(), 1 + rows.len());
    // One results directory per file, holding that run's report.
    for (name, _) in &files {
        let sub = out.join(name.trim_end_matches(".toml"));
        let run: RunReport =
            serde_json::from_str(&fs::read_to_string(sub.join("summary.json")).unwrap()).unwrap();
        assert_eq!(run.experiment, "tiny");
        assert!(run.experiment_as_run.get("validation").is_none());
        assert!(sub.join("table.txt").is_file() && sub.join("virtio.rtt.hgrm").is_file());
    }
    // --only keeps the rows named.
    let out2 = unique("arith-only");
    let (code, stdout, stderr) = validate_model(&dir, &out2, &["--only", "D1,R2"]);
    assert_eq!(code, Some(0), "{stderr}");
    let s = summary(&out2);
    assert_eq!(s.only, ["D1", "R2"]);
    assert_eq!((s.passed, s.total), (1, 2));
    assert!(stdout.trim_end().ends_with("1 of 2 pass (50%)"), "{stdout}");
    fs::remove_dir_all(dir).unwrap();
    fs::remove_dir_all(out).unwrap();
    fs::remove_dir_all(out2).unwrap();
}

#[test]
fn a_sweep_point_is_chosen_by_index_or_label() {
    let exp_text =
        format!("{EXP}\n[sweep]\n[[sweep.axes]]\nkey = \"flows.1.think_us\"\nvalues = [5, 50]\n");
    let exp = Experiment::from_toml("sweep", &exp_text, &[]).unwrap();
    let label = exp.sweep.as_ref().unwrap().points[1].label.clone();
    let r = run_experiment(&exp, Some(1)).unwrap();
    let at = |p: usize| 1e-3 * stat(&r, p, "virtio", "rtt_p50_ns");
    let by_label = file_text(
        &exp_text,
        "S1",
        &[
            ("point", Some(&format!("{label:?}"))),
            ("relative_to", Some("{ point = 0 }")),
            ("relation", Some("\"difference\"")),
            ("tolerance_kind", Some("\"absolute\"")),
        ],
    );
    let by_index = file_text(&exp_text, "S2", &[("point", Some("1"))]);
    let dir = suite("sweep", &[("s1.toml", by_label), ("s2.toml", by_index)]);
    let out = unique("sweep-out");
    let (code, _, stderr) = validate_model(&dir, &out, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let s = summary(&out);
    let diff = 1e-3 * (stat(&r, 1, "virtio", "rtt_p50_ns") - stat(&r, 0, "virtio", "rtt_p50_ns"));
    assert!(
        same(s.rows[0].measured, diff),
        "{:?} vs {diff}",
        s.rows[0].measured
    );
    assert_eq!(s.rows[0].point_label, label);
    assert!(same(s.rows[1].measured, at(1)), "{:?}", s.rows[1].measured);
    fs::remove_dir_all(dir).unwrap();
    fs::remove_dir_all(out).unwrap();
}

#[test]
fn two_runs_write_the_same_bytes_at_any_thread_count() {
    let dir = suite(
        "det",
        &[
            ("a.toml", file_text(EXP, "V1", &[])),
            (
                "b.toml",
                file_text(
                    EXP,
                    "V2",
                    &[
                        ("metric", Some("\"latency_p99_ns\"")),
                        ("relative_to", Some("{ path = \"baremetal\" }")),
                        ("relation", Some("\"ratio\"")),
                        ("scale", None),
                    ],
                ),
            ),
        ],
    );
    let (a, b) = (unique("det-a"), unique("det-b"));
    let (code, out_a, stderr) = validate_model(&dir, &a, &["--threads", "1"]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, out_b, stderr) = validate_model(&dir, &b, &["--threads", "2"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(out_a, out_b);
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    assert!(ta.contains_key("summary.json") && ta.contains_key("a/summary.json"));
    for (name, bytes) in &ta {
        assert!(bytes == &tb[name], "{name} differs between the two runs");
    }
    // Run summaries carry no wall-clock time.
    let run: serde_json::Value = serde_json::from_slice(&ta["a/summary.json"]).unwrap();
    assert_eq!(
        run["points"][0]["paths"][0]["runs"][0]["sim"]["wall_s"],
        0.0
    );
    fs::remove_dir_all(dir).unwrap();
    fs::remove_dir_all(a).unwrap();
    fs::remove_dir_all(b).unwrap();
}

#[test]
fn the_results_directory_is_replaced_whole_and_nothing_else_is() {
    let dir = suite(
        "out",
        &[
            ("a.toml", file_text(EXP, "V1", &[])),
            ("b.toml", file_text(EXP, "V2", &[])),
        ],
    );
    let parent = unique("out-parent");
    fs::create_dir_all(&parent).unwrap();
    let out = parent.join("validation");
    let (code, _, stderr) = validate_model(&dir, &out, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(out.join("b/summary.json").is_file());
    // A second run without b.toml: b's directory goes, no temporary is left.
    fs::remove_file(dir.join("b.toml")).unwrap();
    let (code, _, stderr) = validate_model(&dir, &out, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!out.join("b").exists());
    assert!(out.join("a/summary.json").is_file());
    let names: Vec<String> = fs::read_dir(&parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["validation"]);
    // A directory that is not a result, or a file, is not replaced.
    let mine = parent.join("mine");
    fs::create_dir_all(&mine).unwrap();
    fs::write(mine.join("notes.txt"), "keep").unwrap();
    let (code, _, stderr) = validate_model(&dir, &mine, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("not a validation results directory"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(mine.join("notes.txt")).unwrap(), "keep");
    let (code, _, stderr) = validate_model(&dir, &mine.join("notes.txt"), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a directory"), "{stderr}");
    fs::remove_dir_all(dir).unwrap();
    fs::remove_dir_all(parent).unwrap();
}

#[test]
fn the_guide_documents_every_validation_key_and_its_example_loads() {
    let guide = include_str!("../docs/experiments.md");
    let section = &guide[guide.find("## Validation suite").expect("the section")..];
    for k in validation::KEYS.iter().chain(&validation::RELATIVE_TO_KEYS) {
        assert!(
            section.contains(&format!("`{k}`")),
            "`{k}` is not documented"
        );
    }
    for c in validation::CATEGORIES {
        assert!(section.contains(&format!("`{c}`")), "category `{c}`");
    }
    // The example (fenced as `toml validation`, which the experiment-file
    // checks skip) is a valid suite file.
    let start = section.find("```toml validation\n").expect("an example") + 19;
    let body = &section[start..];
    let body = &body[..body.find("```").unwrap()];
    let case = parse_case("docs/experiments.md", body).unwrap_or_else(|e| panic!("{e}"));
    // It reads as it is written: the row, the relation and the experiment.
    assert_eq!(
        (
            case.row.id.as_str(),
            case.row.metric.as_str(),
            case.row.path.as_str(),
            case.row.target,
            case.row.tolerance
        ),
        ("X1", "rtt_p50_ns", "virtio", 30.0, 0.25)
    );
    assert_eq!(case.exp.flows().len(), 1);
    let readme = include_str!("../README.md");
    assert!(readme.contains("## Validation against published measurements"));
    assert!(readme.contains("-- validate-model"));
}

#[test]
fn the_shipped_suite_files_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(validation::DEFAULT_DIR);
    let suite = validation::load_suite(&dir, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(!suite.cases.is_empty());
}

/// Every row of the shipped suite ran (its value was read from its run) and
/// `results/validation/` is what a fresh run writes.
#[test]
fn the_shipped_suite_ran_every_row_and_its_results_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = unique("shipped");
    let (code, stdout, stderr) = run(bin()
        .current_dir(root)
        .arg("validate-model")
        .arg("--out")
        .arg(&out));
    assert_eq!(code, Some(0), "{stderr}");
    let s = summary(&out);
    let files = fs::read_dir(root.join(validation::DEFAULT_DIR))
        .unwrap()
        .filter(|e| {
            let p = e.as_ref().unwrap().path();
            p.extension().is_some_and(|x| x == "toml")
        })
        .count();
    assert_eq!(s.total, files, "one row per file");
    for row in &s.rows {
        assert!(
            row.value.is_some() && (row.spec.relative_to.is_none() || row.other_value.is_some()),
            "{}: its value was not read: {}",
            row.spec.id,
            row.note
        );
        assert!(
            row.pass || row.spec.lacks.is_some(),
            "{}: a failing row says what the model lacks",
            row.spec.id
        );
    }
    for file in [validation::TABLE_FILE, validation::TEXT_FILE] {
        let fresh = fs::read_to_string(out.join(file)).unwrap();
        let committed = fs::read_to_string(root.join(validation::DEFAULT_OUT).join(file))
            .unwrap_or_else(|e| panic!("results/validation/{file} is committed: {e}"));
        assert_eq!(
            fresh, committed,
            "results/validation/{file} is stale: regenerate it with `bash regenerate-results.sh`"
        );
    }
    assert!(stdout.contains(&enisim::report::validation::pass_line(&s)));
    fs::remove_dir_all(out).unwrap();
}
