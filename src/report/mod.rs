//! Reports: a [`RunReport`] as a terminal table, JSON or CSV, an output
//! directory holding the files and histograms, and from such a directory a
//! Markdown and a self-contained HTML report with SVG plots
//! ([`write_report`]); and the validation suite's results as tables, JSON,
//! CSV and a results directory ([`validation`]).
//!
//! Computation and presentation are separate (STYLE.md point 6, criterion's
//! `report.rs`): results arrive in base units (ns, packets/s, Gbit/s, counts)
//! and are scaled only here, when printed. JSON is the full record, CSV a flat
//! one-row-per-path summary for spreadsheets, the table what a person reads.

pub mod charts;
pub(crate) mod csv;
pub(crate) mod dir;
pub mod hgrm;
pub mod hlog;
mod html;
pub mod load;
mod markdown;
pub mod plot;
mod rack;
mod render;
mod summary_table;
mod table;
pub mod validation;

pub use csv::csv;
pub use dir::{check_dir, check_shard_dir, write_dir, write_shard, CSV_FILE, JSON_FILE};
pub use html::html;
pub use load::{load, LoadError, Loaded};
pub use markdown::markdown;
pub use render::{write_report, ReportError, HTML_FILE, MARKDOWN_FILE, PLOTS_DIR};
pub use table::table;

use crate::experiment::RunReport;

/// Every path name of the report, in order of first appearance (shared by
/// the charts, the HTML header and `explain`).
pub(crate) fn path_names(report: &RunReport) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for pp in report.points.iter().flat_map(|p| &p.paths) {
        if !names.contains(&pp.path) {
            names.push(pp.path.clone());
        }
    }
    names
}

/// The whole report as pretty-printed JSON (with a final newline): top-level
/// `schema_version`, `experiment`, `seed`, `profile`, `enisim_version`,
/// `axes`, `replications`, `points` (each with `paths`, each with `stats`
/// and one [`crate::metrics::PathResult`] per run in `runs`), `notes` and
/// `experiment_as_run`. Floats that are not finite become `null`.
pub fn json(report: &RunReport) -> String {
    let mut s = serde_json::to_string_pretty(report)
        .expect("a RunReport has only string map keys and always serializes");
    s.push('\n');
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::experiment::{Flexibility, PathPoint, PointReport, UnitCosts, SCHEMA_VERSION};
    use crate::metrics::{
        DropReason, FlowResult, LatencySummary, PathResult, ResourceUse, SimSpeed, StageMean,
    };
    use std::collections::BTreeMap;

    fn path(name: &str, scale: u64, rr: bool) -> PathResult {
        let mut dropped: BTreeMap<String, u64> = DropReason::ALL
            .iter()
            .map(|r| (r.name().to_owned(), 0))
            .collect();
        dropped.insert("rx_ring_full".into(), 3 * scale);
        dropped.insert("vring_full".into(), scale);
        let rtt = rr.then(|| LatencySummary {
            p50: 25_000 * scale,
            p99: 40_500 * scale,
            p999: 50_000 * scale,
            max: 60_000 * scale,
            mean: 26_000.5,
        });
        PathResult {
            path: name.into(),
            nics: if name == "passthrough" { 4 } else { 1 },
            vms: 4,
            window_us: 10_000.0,
            generated: 1000 * scale,
            delivered: 990 * scale,
            delivered_in_window: 980 * scale,
            dropped,
            in_flight: 6 * scale,
            latency_ns: LatencySummary {
                p50: 12_345 * scale,
                p99: 20_000 * scale,
                p999: 30_000 * scale,
                max: 45_678 * scale,
                mean: 13_000.25,
            },
            stream_goodput_gbps: None,
            transactions_per_s: rr.then_some(38_000.0),
            rtt_ns: rtt,
            delivered_pps: 123_456.0 * scale as f64,
            delivered_gbps: 0.875 * scale as f64,
            host_cpu_ns_per_packet: 1234.4,
            guest_cpu_ns_per_packet: 987.6,
            exits_per_packet: 0.25,
            interrupts_per_packet: 1.5,
            stages: vec![StageMean {
                name: "wire".into(),
                mean_ns: 100.0,
            }],
            flows: vec![FlowResult {
                name: "rx, \"quoted\"".into(),
                host: None,
                dst_host: None,
                scope: None,
                generated: 1000 * scale,
                delivered: 990 * scale,
                dropped: 4 * scale,
                dropped_by: BTreeMap::new(),
                in_flight: 6 * scale,
                completed: None,
                timeouts: None,
                rtt_ns: None,
                lost: None,
                outage_us: None,
                latency_ns: None,
                tcp: None,
                delivered_series: None,
            }],
            resources: vec![ResourceUse {
                name: "hv_io_cores".into(),
                servers: 2,
                utilization: 0.5,
            }],
            cpu: Default::default(),
            rings: Vec::new(),
            iotlb: None,
            control: Vec::new(),
            enis: Vec::new(),
            warnings: Vec::new(),
            rack: None,
            backlog: None,
            saturated: None,
            sim: SimSpeed {
                wall_s: 0.25,
                packets_per_s: 4000.0,
                events_per_s: 40_000.0,
                events: 10_000,
                events_per_packet: 10.0,
                peak_events_pending: 12,
                ..SimSpeed::default()
            },
            latency_histogram: None,
            rtt_histogram: None,
        }
    }

    /// `runs` of one path as the runner reports them.
    pub(crate) fn path_point(runs: Vec<PathResult>) -> PathPoint {
        use crate::model::{virt, IoPath};
        let path = IoPath::parse(&runs[0].path).unwrap_or(IoPath::Virtio);
        PathPoint {
            path: runs[0].path.clone(),
            infeasible: None,
            flexibility: Flexibility {
                capabilities: virt::model(path).capabilities(),
                eni_attach_us: 100_000.0,
                eni_detach_us: 50_000.0,
            },
            seeds: (0..runs.len() as u64).map(|r| 9 + r).collect(),
            stats: crate::experiment::stats_of(&runs),
            bottleneck: crate::experiment::bottleneck(&runs),
            saturated: crate::experiment::saturated(&runs),
            hgrm: Vec::new(),
            rtt_hgrm: Vec::new(),
            runs,
        }
    }

    /// A report with two paths, the second with request/response results.
    pub(crate) fn sample(rr: bool) -> RunReport {
        let profile = crate::model::Profile::builtin("kvm-modern-25g").unwrap();
        RunReport {
            schema_version: SCHEMA_VERSION,
            experiment: "demo".into(),
            seed: 9,
            profile: "kvm-modern-25g".into(),
            enisim_version: "0.0.0".into(),
            axes: Vec::new(),
            replications: 1,
            points: vec![PointReport {
                index: 0,
                label: "all".into(),
                values: Vec::new(),
                unit_costs: UnitCosts::of(&profile),
                comparisons: Vec::new(),
                paths: vec![
                    path_point(vec![path("virtio", 1, rr)]),
                    path_point(vec![path("passthrough", 2, rr)]),
                ],
            }],
            notes: vec![
                "passthrough used 4 physical NICs (one per VM); the other paths share one".into(),
            ],
            experiment_as_run: toml::Table::new(),
        }
    }

    #[test]
    fn json_has_every_required_key_and_round_trips() {
        let r = sample(true);
        let text = json(&r);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for k in [
            "schema_version",
            "experiment",
            "seed",
            "enisim_version",
            "axes",
            "replications",
            "points",
            "experiment_as_run",
        ] {
            assert!(v.get(k).is_some(), "top-level {k}");
        }
        assert_eq!(v["schema_version"], SCHEMA_VERSION);
        let pp = &v["points"][0]["paths"][0];
        for k in ["path", "flexibility", "seeds", "stats", "hgrm", "runs"] {
            assert!(pp.get(k).is_some(), "path point key {k}");
        }
        assert_eq!(pp["stats"]["latency_p50_ns"]["mean"], 12_345.0);
        assert_eq!(pp["bottleneck"]["resource"], "hv_io_cores");
        assert_eq!(pp["flexibility"]["live_migration"], true);
        let p = &pp["runs"][0];
        for k in [
            "path",
            "generated",
            "delivered",
            "dropped",
            "in_flight",
            "latency_ns",
            "delivered_pps",
            "delivered_gbps",
            "host_cpu_ns_per_packet",
            "guest_cpu_ns_per_packet",
            "exits_per_packet",
            "interrupts_per_packet",
            "stages",
            "sim",
        ] {
            assert!(p.get(k).is_some(), "path key {k}");
        }
        for k in ["p50", "p99", "p999", "max", "mean"] {
            assert!(p["latency_ns"].get(k).is_some(), "latency_ns.{k}");
        }
        for k in ["wall_s", "packets_per_s", "events_per_s"] {
            assert!(p["sim"].get(k).is_some(), "sim.{k}");
        }
        assert_eq!(p["dropped"]["rx_ring_full"], 3);
        assert_eq!(p["stages"][0]["name"], "wire");
        assert!(p["stages"][0].get("mean_ns").is_some());
        let back: RunReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
        assert!(text.ends_with("}\n"));
    }
}
