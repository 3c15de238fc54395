//! `enisim report DIR`: small experiments run through the library into a
//! scratch directory, then the HTML/Markdown/SVG report written from it and
//! checked — self-contained, every chart labelled, the expected charts for
//! each kind of experiment, table numbers equal to summary.json, Markdown
//! linking every SVG, clear errors that write nothing, and (when a Chromium
//! is installed) that a headless browser renders every chart offline.

use enisim::experiment::{run_experiment, Experiment, Override, RunReport};
use enisim::report::{self, write_dir, write_report, Loaded};
use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A fresh, empty scratch directory.
fn scratch(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let p = std::env::temp_dir().join(format!(
        "enisim-report-test-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&p);
    fs::create_dir_all(&p).unwrap();
    p
}

fn run(file: &str, text: &str, sets: &[&str]) -> RunReport {
    let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    let exp = Experiment::from_toml(file, text, &overrides).unwrap();
    run_experiment(&exp, Some(2)).unwrap()
}

fn read_experiment(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("experiments")
        .join(name);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs, writes the results and the report into a scratch dir; returns it.
fn report_dir(tag: &str, r: &RunReport) -> PathBuf {
    let out = scratch(tag).join("out");
    write_dir(&out, r).unwrap();
    let written = write_report(&out).unwrap();
    assert_eq!(written[0], out.join(report::HTML_FILE));
    assert_eq!(written[1], out.join(report::MARKDOWN_FILE));
    for p in &written {
        assert!(p.is_file(), "{}", p.display());
    }
    out
}

/// Every `<svg …>…</svg>` element of a page.
fn svgs(html: &str) -> Vec<&str> {
    let mut v = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<svg") {
        let tail = &rest[i..];
        let end = tail.find("</svg>").expect("every <svg> is closed") + "</svg>".len();
        v.push(&tail[..end]);
        rest = &tail[end..];
    }
    v
}

/// The ids of the figures (chart names) in page order.
fn figures(html: &str) -> Vec<String> {
    html.match_indices("<figure id=\"")
        .map(|(i, m)| {
            let s = &html[i + m.len()..];
            s[..s.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// The text of the element of `class` in an SVG.
fn label_text(svg: &str, class: &str) -> String {
    let at = svg
        .find(&format!("class=\"{class}\""))
        .unwrap_or_else(|| panic!("no {class}"));
    let start = at + svg[at..].find('>').unwrap() + 1;
    let end = start + svg[start..].find('<').unwrap();
    svg[start..end].replace("&amp;", "&")
}

/// The checks every report must pass.
fn common_checks(dir: &Path) -> (String, String) {
    let html = fs::read_to_string(dir.join(report::HTML_FILE)).unwrap();
    let md = fs::read_to_string(dir.join(report::MARKDOWN_FILE)).unwrap();
    // Self-contained: the only URL is the SVG namespace.
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for bad in [
        "http://", "https://", "<script", "<link", "@import", "url(", "<img", "<iframe",
    ] {
        assert!(!without_ns.contains(bad), "{}: {bad}", dir.display());
    }
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.trim_end().ends_with("</html>"));
    // Every chart has a title, both axis labels and a legend.
    let all = svgs(&html);
    assert!(!all.is_empty());
    for s in &all {
        for class in ["title", "x-label", "y-label", "legend"] {
            assert!(
                s.contains(&format!("class=\"{class}\"")),
                "chart without {class}: {}",
                &s[..s.len().min(300)]
            );
        }
        assert!(s.contains("<title>"), "accessible title");
        // Quantities carry their unit in brackets; the x axis too unless it
        // lists categories (paths, event kinds) or is a unitless sweep key.
        let y = label_text(s, "y-label");
        assert!(
            y.contains('[') && y.ends_with(']'),
            "y label without a unit: {y}"
        );
        let x = label_text(s, "x-label");
        assert!(
            (x.contains('[') && x.ends_with(']')) || ["I/O path", "event"].contains(&x.as_str()),
            "x label without a unit: {x}"
        );
        assert!(!s.contains("no data"), "an empty chart: {}", &s[..300]);
    }
    // One figure per SVG, each with a caption on how to read it.
    let figs = figures(&html);
    assert_eq!(figs.len(), all.len());
    assert_eq!(
        html.matches("<figcaption><strong>How to read:</strong>")
            .count(),
        all.len()
    );
    // The SVG files are exactly the charts, and the Markdown links each.
    let on_disk: BTreeSet<String> = fs::read_dir(dir.join(report::PLOTS_DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let expected: BTreeSet<String> = figs.iter().map(|f| format!("{f}.svg")).collect();
    assert_eq!(on_disk, expected);
    for f in &on_disk {
        assert!(md.contains(&format!("](plots/{f})")), "markdown misses {f}");
        let svg = fs::read_to_string(dir.join("plots").join(f)).unwrap();
        assert!(
            html.contains(svg.trim_end()),
            "{f} differs from the page's chart"
        );
    }
    assert_eq!(md.matches("](plots/").count(), on_disk.len());
    // Numbers in the summary table are summary.json's.
    let loaded = report::load(dir).unwrap();
    check_table_numbers(&html, &loaded);
    // Deterministic: the same directory gives the same bytes.
    assert_eq!(report::html(&loaded), html);
    assert_eq!(report::markdown(&loaded, Some("plots")), md);
    (html, md)
}

/// Every summary cell that carries a metric: its `data-value` is the mean
/// in summary.json, and the number shown is that mean in the column's unit.
fn check_table_numbers(html: &str, l: &Loaded) {
    let start = html.find("<h2 id=\"summary\">").unwrap();
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let rows: Vec<&str> = table.split("<tr").skip(2).collect(); // skip the header row
    let r = &l.report;
    let expected_rows: Vec<(usize, &str)> = r
        .points
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.paths.iter().map(move |pp| (i, pp.path.as_str())))
        .collect();
    assert_eq!(rows.len(), expected_rows.len(), "one row per point × path");
    let mut checked = 0;
    for (row, (pi, path)) in rows.iter().zip(expected_rows) {
        assert!(row.contains(&format!("<td>{path}</td>")), "{row}");
        let pp = r.points[pi]
            .paths
            .iter()
            .find(|pp| pp.path == path)
            .unwrap();
        if let Some(reason) = &pp.infeasible {
            assert!(row.contains("class=\"infeasible\""), "{row}");
            assert!(row.contains("infeasible: "), "{row}");
            assert!(!reason.is_empty());
            continue;
        }
        for (i, _) in row.match_indices("data-metric=\"") {
            let s = &row[i + 13..];
            let metric = &s[..s.find('"').unwrap()];
            let s = &s[s.find("data-value=\"").unwrap() + 12..];
            let value: f64 = s[..s.find('"').unwrap()].parse().unwrap();
            let shown = &s[s.find('>').unwrap() + 1..s.find("</td>").unwrap()];
            let est = &pp.stats[metric];
            assert_eq!(value, est.value, "{path} {metric}");
            let div = match metric {
                m if m.ends_with("_ns") => 1e3,
                "outage_us" => 1e3,
                "delivered_pps" => 1e6,
                _ => 1.0,
            };
            // A saturated path's latency is marked a lower bound.
            let marked = shown.starts_with('≥');
            assert_eq!(
                marked,
                pp.saturated.is_some() && metric.starts_with("latency_"),
                "{path} {metric}: {shown}"
            );
            let shown = shown.trim_start_matches('≥');
            let (value_shown, interval) = match shown.split_once(" (") {
                Some((v, rest)) => (v, Some(rest.trim_end_matches(')'))),
                None => (shown, None),
            };
            // The interval's ends are printed to the value's decimals.
            let decimals = value_shown.split_once('.').map_or(0, |(_, f)| f.len());
            let half_ulp = 0.5 * 10f64.powi(-(decimals as i32)) + 1e-9;
            let value_shown: f64 = value_shown.parse().unwrap();
            let want = est.value / div;
            let near = |a: f64, b: f64| (a - b).abs() <= 1e-3 * b.abs().max(1e-6) + 1e-9;
            assert!(
                near(value_shown, want),
                "{path} {metric}: shown {shown}, estimate {want}"
            );
            // An interval is shown when there is one, unless its ends print
            // alike (every run gave the same value).
            if interval.is_some() {
                assert!(est.ci95.is_some(), "{path} {metric}: {shown}");
            } else if let Some([lo, hi]) = est.ci95 {
                assert!(
                    (hi - lo) / div <= 2.0 * half_ulp,
                    "{path} {metric}: {shown}"
                );
            }
            if let (Some(i), Some([lo, hi])) = (interval, est.ci95) {
                // The interval shown is the estimate's, never below zero.
                let (a, b) = i.split_once('–').unwrap();
                let (a, b): (f64, f64) = (a.parse().unwrap(), b.parse().unwrap());
                assert!(
                    (a - lo / div).abs() <= half_ulp && (b - hi / div).abs() <= half_ulp,
                    "{path} {metric}: {shown}"
                );
                assert!(
                    a >= 0.0 && a <= value_shown && value_shown <= b,
                    "{path} {metric}: {shown}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 0);
}

/// Removes the scratch directory holding `out` (tests that passed).
fn cleanup(out: &Path) {
    if let Some(root) = out.parent() {
        let _ = fs::remove_dir_all(root);
    }
}

fn has(figs: &[String], prefix: &str) -> bool {
    figs.iter().any(|f| f.starts_with(prefix))
}

#[test]
fn a_comparison_has_percentiles_cpu_exits_and_stages() {
    let r = run(
        "experiments/compare.toml",
        &read_experiment("compare.toml"),
        &["run.duration_us=2000"],
    );
    let dir = report_dir("compare", &r);
    let (html, md) = common_checks(&dir);
    let figs = figures(&html);
    assert_eq!(
        figs,
        [
            "latency-percentiles",
            "rtt-percentiles",
            "cpu-per-packet",
            "exits-interrupts",
            "stage-breakdown"
        ]
    );
    // Every path has a line in the percentile chart, in its colour.
    let pct = svgs(&html)[0];
    for p in ["baremetal", "emulated", "virtio", "passthrough", "sriov"] {
        assert!(pct.contains(enisim::report::plot::path_colour(p)), "{p}");
    }
    assert!(
        pct.contains(">99%<") || pct.contains(">99.9%<"),
        "percentile ticks"
    );
    for want in [
        "<dt>experiment</dt><dd>compare</dd>",
        "<dt>profile</dt><dd>kvm-modern-25g</dd>",
        "<dt>seed</dt><dd>1</dd>",
        "<dt>replications</dt><dd>1</dd>",
        "<h2 id=\"notes\">Notes</h2>",
    ] {
        assert!(html.contains(want), "{want}");
    }
    assert!(md.starts_with("# enisim report: compare\n"));
    // The summary table's header starts with the path and the p50.
    assert!(md.contains("\n| path | p50 latency \\[µs\\] |"), "{md}");
    // Writing again changes nothing.
    let before = fs::read(dir.join(report::HTML_FILE)).unwrap();
    write_report(&dir).unwrap();
    assert_eq!(fs::read(dir.join(report::HTML_FILE)).unwrap(), before);
    cleanup(&dir);
}

const SWEEP_BASE: &str = r#"
name = "sweep"
profile = "kvm-modern-25g"
paths = ["virtio", "sriov"]
[run]
duration_us = 1500
drain_us = 500
[host]
vms = 1
[[flows]]
name = "rx"
kind = "rx"
vm = 0
size = 512
load = 0.05
[[flows]]
name = "tx"
kind = "tx"
vm = 0
size = 512
load = 0.02
"#;

#[test]
fn a_load_sweep_plots_throughput_and_latency_against_the_load() {
    let text = format!(
        "{SWEEP_BASE}\n[sweep]\nreplications = 2\n[[sweep.axes]]\nkey = \"flows.0.load\"\nvalues = [0.05, 0.3, 0.9]\n"
    );
    let r = run("load.toml", &text, &[]);
    let dir = report_dir("load", &r);
    let (html, _) = common_checks(&dir);
    let figs = figures(&html);
    for want in [
        "latency-percentiles-p00",
        "latency-percentiles-p02",
        "load-throughput",
        "load-latency",
        "cpu-per-packet-p00",
        "exits-interrupts-p00",
        "stage-breakdown-p00",
        "stage-breakdown-p02",
        "sweep-cpu",
        "sweep-exits",
    ] {
        assert!(figs.iter().any(|f| f == want), "{want} not in {figs:?}");
    }
    // p50/p99/throughput are in the load charts, not repeated.
    assert!(!has(&figs, "sweep-latency") && !has(&figs, "sweep-throughput"));
    let chart = |name: &str| {
        let i = html.find(&format!("<figure id=\"{name}\">")).unwrap();
        let s = &html[i..];
        s[..s.find("</figure>").unwrap()].to_owned()
    };
    let lat = chart("load-latency");
    assert!(
        lat.contains("flows.0.load [fraction of line rate]"),
        "axis label"
    );
    assert!(lat.contains("latency [µs]"));
    assert!(lat.contains("virtio p99") && lat.contains("sriov p50"));
    // Percentiles of 3 replications: their median, with no interval (one
    // needs 6 runs); throughput: the mean with its interval.
    assert!(
        !lat.contains("class=\"err\""),
        "no error bars on percentiles of 3 runs"
    );
    let thr = chart("load-throughput");
    assert!(thr.contains("delivered [Gbit/s]"));
    assert!(
        thr.contains("class=\"err\""),
        "error bars from the replications"
    );
    // Estimates (low–high) in the table, never a symmetric ±.
    assert!(html.contains("–") && !html.contains(" ± "));
    assert!(html.contains("<th>flows.0.load [fraction of line rate]</th><th>path</th>"));
    cleanup(&dir);
}

#[test]
fn a_frame_size_sweep_has_categorical_axis_charts() {
    let text = format!(
        "{SWEEP_BASE}\n[sweep]\n[[sweep.axes]]\nkeys = [\"flows.0.size\", \"flows.1.size\"]\nvalues = [64, 1500, \"imix\"]\n"
    );
    let r = run("sizes.toml", &text, &[]);
    let dir = report_dir("sizes", &r);
    let (html, _) = common_checks(&dir);
    let figs = figures(&html);
    for want in [
        "sweep-latency-p50",
        "sweep-latency-p99",
        "sweep-throughput",
        "sweep-cpu",
        "sweep-exits",
    ] {
        assert!(figs.iter().any(|f| f == want), "{want} not in {figs:?}");
    }
    assert!(!has(&figs, "load-"));
    let i = html.find("<figure id=\"sweep-throughput\">").unwrap();
    let fig = &html[i..i + html[i..].find("</figure>").unwrap()];
    for tick in [">64<", ">1500<", ">imix<"] {
        assert!(fig.contains(tick), "category {tick}");
    }
    assert!(fig.contains("flows.0.size [B]"), "axis label");
    assert!(
        fig.contains("categories"),
        "caption says the axis is categorical"
    );
    cleanup(&dir);
}

#[test]
fn infeasible_points_are_rows_and_gaps() {
    let text = format!(
        "{SWEEP_BASE}\n[costs]\nmax_vfs = 1\n[sweep]\n[[sweep.axes]]\nkey = \"host.vms\"\nvalues = [1, 2]\n[[sweep.axes]]\nkey = \"flows.1.load\"\nvalues = [0.01, 0.02]\n"
    );
    let text = text.replace("vm = 0", "vm = \"all\"");
    let r = run("vfs.toml", &text, &[]);
    assert!(r.points[2].paths[1].infeasible.is_some(), "sriov at vms=2");
    let dir = report_dir("infeasible", &r);
    let (html, md) = common_checks(&dir);
    assert!(html.contains("<tr class=\"infeasible\">"));
    assert!(md.contains("infeasible: "));
    let figs = figures(&html);
    // Two axes: lines along the load axis (flows.1.load), vms fixed at 1.
    assert!(has(&figs, "load-latency"), "{figs:?}");
    assert!(html.contains("the other axes are fixed at their first value (host.vms = 1)"));
    cleanup(&dir);
}

#[test]
fn a_failover_shows_the_outage_over_time() {
    let r = run(
        "experiments/ha-eni-failover.toml",
        &read_experiment("ha-eni-failover.toml"),
        &["run.duration_us=600000"],
    );
    let dir = report_dir("failover", &r);
    let (html, md) = common_checks(&dir);
    let figs = figures(&html);
    assert!(figs.iter().any(|f| f == "delivered-over-time"), "{figs:?}");
    // Attach times differ by path: one chart per path with its own bands,
    // and the ENI moves between the rack's two hosts: a line per host
    // where both took packets. Passthrough's attach ends at 750 ms, after
    // this 600 ms window: only host 0 delivered, so it keeps its own chart.
    for p in ["baremetal", "emulated", "virtio", "passthrough", "sriov"] {
        let moved = p != "passthrough";
        let by_host = figs.iter().any(|f| *f == format!("delivered-by-host-{p}"));
        let own = figs
            .iter()
            .any(|f| *f == format!("delivered-over-time-{p}"));
        assert_eq!((by_host, own), (moved, !moved), "{p}: {figs:?}");
    }
    let i = html
        .find("<figure id=\"delivered-by-host-virtio\">")
        .unwrap();
    let fig = &html[i..i + html[i..].find("</figure>").unwrap()];
    assert!(fig.contains("class=\"band\""));
    assert!(
        fig.contains("DetachNetworkInterface → AttachNetworkInterface 200–350 ms"),
        "{fig}"
    );
    assert!(fig.contains("time [ms]") && fig.contains("delivered [packets/ms]"));
    assert!(fig.contains("host 0") && fig.contains("host 1"), "{fig}");
    assert!(html.contains("<h2 id=\"vpc-flows\">Addressed flows</h2>"));
    assert!(html.contains("<h2 id=\"timeline\">VPC timeline</h2>"));
    assert!(md.contains("## Addressed flows"));
    cleanup(&dir);
}

/// A directory with results from a short run, for the error tests.
fn results(tag: &str) -> PathBuf {
    let r = run("small.toml", SWEEP_BASE, &[]);
    let out = scratch(tag).join("out");
    write_dir(&out, &r).unwrap();
    out
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `write_report` fails with a message containing every `want`, and the
/// directory is unchanged.
fn fails(dir: &Path, want: &[&str]) {
    let before = if dir.is_dir() {
        listing(dir)
    } else {
        Vec::new()
    };
    let e = write_report(dir).unwrap_err().to_string();
    eprintln!("{e}");
    for w in want {
        assert!(e.contains(w), "{e:?} lacks {w:?}");
    }
    let after = if dir.is_dir() {
        listing(dir)
    } else {
        Vec::new()
    };
    assert_eq!(before, after, "{e}");
    assert!(!after
        .iter()
        .any(|f| f.starts_with("report") || f == "plots"));
}

#[test]
fn bad_directories_give_clear_errors_and_write_nothing() {
    let root = scratch("errors");
    fails(&root.join("nope"), &["nope", "no such directory"]);
    fails(&root, &["summary.json", "not found"]);

    let dir = results("corrupt-json");
    let json = fs::read_to_string(dir.join("summary.json")).unwrap();
    fs::write(dir.join("summary.json"), &json[..json.len() / 2]).unwrap();
    fails(&dir, &["summary.json:", "not a valid enisim report"]);
    fs::write(
        dir.join("summary.json"),
        "{\n  \"schema_version\": 3,\n  oops\n}",
    )
    .unwrap();
    fails(
        &dir,
        &["summary.json:3:3: not a valid enisim report: key must be a string"],
    );
    fs::write(dir.join("summary.json"), "{\n  \"schema_version\": 3\n}").unwrap();
    fails(
        &dir,
        &["summary.json:3:1: not a valid enisim report: missing field"],
    );
    fs::write(
        dir.join("summary.json"),
        json.replacen("\"schema_version\": 3", "\"schema_version\": 1", 1),
    )
    .unwrap();
    fails(&dir, &["schema_version 1", "reads only schema_version 3"]);
    fs::write(
        dir.join("summary.json"),
        json.replacen("\"virtio.hgrm\"", "\"../virtio.hgrm\"", 1),
    )
    .unwrap();
    fails(&dir, &["\"../virtio.hgrm\"", "not a plain file name"]);

    cleanup(&dir);
    let dir = results("missing-hgrm");
    fs::remove_file(dir.join("sriov.hgrm")).unwrap();
    fails(&dir, &["sriov.hgrm", "not found"]);

    cleanup(&dir);
    let dir = results("corrupt-hgrm");
    let h = fs::read_to_string(dir.join("virtio.hgrm")).unwrap();
    fs::write(dir.join("virtio.hgrm"), h.replacen("0.5", "zero.5", 1)).unwrap();
    fails(
        &dir,
        &["virtio.hgrm:", "not a percentile-distribution line"],
    );

    // A file where plots/ should be: an error, and no report files.
    cleanup(&dir);
    let dir = results("plots-file");
    fs::write(dir.join("plots"), "in the way").unwrap();
    let e = write_report(&dir).unwrap_err().to_string();
    assert!(e.contains("plots") && e.contains("not a directory"), "{e}");
    assert!(!dir.join("report.html").exists() && !dir.join("report.md").exists());
    cleanup(&dir);
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn stale_plots_are_removed_and_other_files_kept() {
    let dir = results("stale");
    write_report(&dir).unwrap();
    fs::write(dir.join("plots/old-chart.svg"), "<svg/>").unwrap();
    fs::write(dir.join("plots/mine.txt"), "keep").unwrap();
    write_report(&dir).unwrap();
    assert!(!dir.join("plots/old-chart.svg").exists());
    assert_eq!(
        fs::read_to_string(dir.join("plots/mine.txt")).unwrap(),
        "keep"
    );
    cleanup(&dir);
}

/// The first Chromium-like browser on PATH.
fn browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for d in std::env::split_paths(&path) {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Runs `cmd`, killing it after `limit`; returns its stdout, or None if it
/// timed out or failed to start.
fn run_with_timeout(mut cmd: Command, limit: Duration) -> Option<(bool, String, String)> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut out = child.stdout.take()?;
    let mut err = child.stderr.take()?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(100)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stdout = reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    status.map(|st| (st.success(), stdout, stderr))
}

#[test]
fn a_headless_browser_renders_every_chart_offline() {
    let Some(browser) = browser() else {
        // CI installs chromium and sets this, so there the check cannot be
        // skipped silently.
        assert!(
            std::env::var_os("ENISIM_REQUIRE_BROWSER").is_none(),
            "ENISIM_REQUIRE_BROWSER is set but no chromium, chromium-browser or google-chrome \
             is on PATH"
        );
        eprintln!(
            "note: no chromium, chromium-browser or google-chrome on PATH; browser check skipped"
        );
        return;
    };
    let r = run(
        "experiments/compare.toml",
        &read_experiment("compare.toml"),
        &["run.duration_us=2000"],
    );
    let dir = report_dir("browser", &r);
    let page = dir.join(report::HTML_FILE).canonicalize().unwrap();
    let html = fs::read_to_string(&page).unwrap();
    let profile = scratch("browser-profile");
    let mut cmd = Command::new(&browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg("--dump-dom")
    .arg(format!("file://{}", page.display()));
    let Some((ok, dom, stderr)) = run_with_timeout(cmd, Duration::from_secs(60)) else {
        panic!("{} did not finish within 60 s", browser.display());
    };
    let _ = fs::remove_dir_all(&profile);
    assert!(ok, "{} failed: {stderr}", browser.display());
    let want = html.matches("<svg").count();
    assert!(want > 0);
    assert_eq!(
        dom.matches("<svg").count(),
        want,
        "every chart is in the DOM"
    );
    assert!(
        dom.contains("<title>enisim report: compare</title>"),
        "{}",
        &dom[..dom.len().min(500)]
    );
    for name in figures(&html) {
        assert!(dom.contains(&format!("id=\"{name}\"")), "{name}");
    }
    cleanup(&dir);
}
