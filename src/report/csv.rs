//! A flat CSV summary, one row per path × point (RFC 4180: comma-separated,
//! fields quoted only when they contain a comma, quote or line break).

use crate::experiment::stats::metric_values;
use crate::experiment::{value_text, RunReport};

/// `field`, quoted if it needs to be.
pub(crate) fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The report as CSV: a header row, then one row per point × path with
/// `point`, one column per sweep axis (its first key), `path`, `infeasible`
/// (the reason, or empty), `replications`, then every metric of
/// [`metric_values`] (the union over all rows, in the order they first
/// appear; empty where a path has no such metric): its estimate over the
/// replications (the mean, or the median for a tail metric: see
/// [`crate::experiment::stats`]), followed by `<metric>_ci95_lo` and
/// `<metric>_ci95_hi` (the 95% confidence interval, within the metric's
/// range; empty where there is none) when there is more than one
/// replication. Values are in base units;
/// floats are written exactly (shortest round-trip form).
pub fn csv(report: &RunReport) -> String {
    let mut metrics: Vec<String> = Vec::new();
    for pp in report.points.iter().flat_map(|p| &p.paths) {
        for run in &pp.runs {
            for (k, _) in metric_values(run) {
                if !metrics.contains(&k) {
                    metrics.push(k);
                }
            }
        }
    }
    let ci = report.replications > 1;
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(report.axes.iter().map(|a| a.keys[0].clone()));
    header.extend(["path", "infeasible", "replications"].map(String::from));
    for m in &metrics {
        header.push(m.clone());
        if ci {
            header.push(format!("{m}_ci95_lo"));
            header.push(format!("{m}_ci95_hi"));
        }
    }
    let mut out = header
        .iter()
        .map(|h| field(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for p in &report.points {
        for pp in &p.paths {
            let mut row = vec![p.index.to_string()];
            row.extend(p.values.iter().map(|v| field(&value_text(v))));
            row.push(field(&pp.path));
            row.push(field(pp.infeasible.as_deref().unwrap_or("")));
            row.push(pp.runs.len().to_string());
            for m in &metrics {
                let e = pp.stats.get(m);
                row.push(e.map_or(String::new(), |e| e.value.to_string()));
                if ci {
                    let [lo, hi] = e
                        .and_then(|e| e.ci95)
                        .map_or([String::new(), String::new()], |c| c.map(|x| x.to_string()));
                    row.push(lo);
                    row.push(hi);
                }
            }
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::DropReason;
    use crate::report::tests::sample;

    #[test]
    fn one_header_then_one_row_per_path_with_every_drop_reason() {
        let text = csv(&sample(false));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(
            &header[..6],
            [
                "point",
                "path",
                "infeasible",
                "replications",
                "generated",
                "delivered"
            ]
        );
        for r in DropReason::ALL {
            assert!(header.contains(&format!("drop_{}", r.name()).as_str()));
        }
        assert!(
            !header.iter().any(|h| h.contains("_ci95")),
            "one replication"
        );
        for l in &lines[1..] {
            assert_eq!(l.split(',').count(), header.len(), "{l}");
        }
        let row: Vec<&str> = lines[2].split(',').collect();
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
        assert_eq!(row[col("path")], "passthrough");
        assert_eq!(row[col("point")], "0");
        assert_eq!(row[col("infeasible")], "");
        assert_eq!(row[col("replications")], "1");
        assert_eq!(row[col("drop_rx_ring_full")], "6");
        assert_eq!(row[col("drop_wire_queue_full")], "0");
        assert_eq!(row[col("latency_p50_ns")], "24690");
        assert_eq!(row[col("latency_mean_ns")], "13000.25");
        assert_eq!(row[col("delivered_gbps")], "1.75");
        assert_eq!(row[col("util_hv_io_cores")], "0.5");
    }

    #[test]
    fn replications_add_a_confidence_column_per_metric_and_axes_a_column_each() {
        let mut r = sample(false);
        let runs = r.points[0].paths[0].runs.clone();
        let mut second = runs[0].clone();
        second.delivered_gbps = 1.125;
        let both = vec![runs[0].clone(), second];
        r.points[0].paths[0] = crate::report::tests::path_point(both);
        r.replications = 2;
        r.axes = vec![crate::experiment::AxisReport {
            keys: vec!["host.vms".into()],
            label: "host.vms [VMs]".into(),
            values: vec![toml::Value::Integer(4)],
        }];
        r.points[0].values = vec![toml::Value::Integer(4)];
        let text = csv(&r);
        let lines: Vec<&str> = text.lines().collect();
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(&header[..3], ["point", "host.vms", "path"]);
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
        assert_eq!(col("delivered_gbps_ci95_lo"), col("delivered_gbps") + 1);
        assert_eq!(col("delivered_gbps_ci95_hi"), col("delivered_gbps") + 2);
        let row: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(row[col("host.vms")], "4");
        assert_eq!(row[col("replications")], "2");
        assert_eq!(row[col("delivered_gbps")], "1");
        // sd 0.176777, t(1) 12.706: 1 ± 12.706 × 0.125 = 1 ± 1.58825, cut
        // at 0 (a rate is not negative).
        let ci = |c: &str| -> f64 { row[col(c)].parse().unwrap() };
        assert_eq!(ci("delivered_gbps_ci95_lo"), 0.0);
        let hi = ci("delivered_gbps_ci95_hi");
        assert!((hi - 2.58825).abs() < 1e-9, "{hi}");
        // Identical replications: a zero-width interval, not an empty cell.
        let g = row[col("generated")];
        assert_eq!(
            (row[col("generated_ci95_lo")], row[col("generated_ci95_hi")]),
            (g, g)
        );
        // A tail metric with two runs: their median, and no interval.
        assert_eq!(row[col("latency_p50_ns_ci95_lo")], "");
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("virtio"), "virtio");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}
