//! The report's tables as plain data, built once and rendered by both the
//! HTML and the Markdown report: the summary (one row per point × path),
//! and for experiments with a VPC the addressed flows' losses and the
//! timeline.
//!
//! Values stay in base units in [`Cell::value`] (ns, Gbit/s, packets/s) and
//! are scaled only in [`Cell::text`], the way the column header says.

use super::load::Loaded;
use crate::experiment::PointReport;
use crate::experiment::{value_text, Estimate, PathPoint};
use crate::metrics::Stage;
use std::fmt::Write;

/// One table cell.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Cell {
    /// What a reader sees (scaled, rounded, `value (low–high)`).
    pub text: String,
    /// The metric ([`crate::experiment::stats::metric_values`] name) and its
    /// mean in base units, for cells that show one.
    pub value: Option<(&'static str, f64)>,
    /// A number without a metric of its own (a rack's smallest value over
    /// its hosts): set like one, right-aligned.
    pub numeric: bool,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            value: None,
            numeric: false,
        }
    }

    fn number(s: impl Into<String>) -> Cell {
        Cell {
            numeric: true,
            ..Cell::text(s)
        }
    }
}

/// One row: cells, or a path that could not run at a point.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Row {
    /// A row of cells, one per column.
    Cells(Vec<Cell>),
    /// The leading cells (point values, path), then why it is infeasible.
    Infeasible {
        /// Point values and path.
        lead: Vec<String>,
        /// The engine's reason.
        reason: String,
    },
}

/// A table with a title and a sentence on how to read it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Table {
    /// Anchor id (`[a-z-]`).
    pub id: &'static str,
    /// Heading.
    pub title: String,
    /// How to read it.
    pub note: String,
    /// Column headers, units in brackets.
    pub header: Vec<String>,
    /// Rows in report order.
    pub rows: Vec<Row>,
}

/// A summary column: metric, header, divisor from the base unit.
struct Column {
    metric: &'static str,
    header: &'static str,
    div: f64,
}

const COLUMNS: [Column; 19] = [
    Column {
        metric: "latency_p50_ns",
        header: "p50 latency [µs]",
        div: 1e3,
    },
    Column {
        metric: "latency_p99_ns",
        header: "p99 latency [µs]",
        div: 1e3,
    },
    Column {
        metric: "latency_p999_ns",
        header: "p99.9 latency [µs]",
        div: 1e3,
    },
    Column {
        metric: "rtt_p50_ns",
        header: "p50 RTT [µs]",
        div: 1e3,
    },
    Column {
        metric: "rtt_p99_ns",
        header: "p99 RTT [µs]",
        div: 1e3,
    },
    Column {
        metric: "delivered_gbps",
        header: "delivered [Gbit/s]",
        div: 1.0,
    },
    Column {
        metric: "delivered_pps",
        header: "delivered [Mpackets/s]",
        div: 1e6,
    },
    Column {
        metric: "host_cpu_ns_per_packet",
        header: "host CPU [ns/packet]",
        div: 1.0,
    },
    Column {
        metric: "guest_cpu_ns_per_packet",
        header: "guest CPU [ns/packet]",
        div: 1.0,
    },
    Column {
        metric: "exits_per_packet",
        header: "exits [/packet]",
        div: 1.0,
    },
    Column {
        metric: "interrupts_per_packet",
        header: "interrupts [/packet]",
        div: 1.0,
    },
    Column {
        metric: "dropped",
        header: "dropped [packets]",
        div: 1.0,
    },
    Column {
        metric: "outage_us",
        header: "outage [ms]",
        div: 1e3,
    },
    Column {
        metric: "stream_goodput_gbps",
        header: "TCP goodput [Gbit/s]",
        div: 1.0,
    },
    Column {
        metric: "tcp_frames_per_burst",
        header: "frames per burst",
        div: 1.0,
    },
    Column {
        metric: "host_cpu_pct",
        header: "host CPU [%]",
        div: 1.0,
    },
    Column {
        metric: "guest_cpu_pct",
        header: "guest CPU [%]",
        div: 1.0,
    },
    Column {
        metric: "service_demand_us_per_kb",
        header: "service demand [µs/KB]",
        div: 1.0,
    },
    Column {
        metric: "background_pct",
        header: "background work [% of a vCPU]",
        div: 1.0,
    },
];

/// Every table of the report, in order.
pub(crate) fn tables(l: &Loaded) -> Vec<Table> {
    let mut out = vec![summary(l)];
    out.extend(named_flows(l));
    out.extend(flows(l));
    out.extend(timeline(l));
    out.extend(rack_latency(l));
    out.extend(rack_spreads(l, false));
    out.extend(rack_spreads(l, true));
    out.extend(stage_detail(l));
    out
}

/// The points that get a stage chart (and a stage-by-stage table): the
/// first, and the last of a sweep.
pub(crate) fn stage_points(n: usize) -> Vec<usize> {
    let mut v = vec![0];
    if n > 1 {
        v.push(n - 1);
    }
    v
}

/// Stage names present at a point, in [`Stage::ALL`] order, unknown names
/// after them alphabetically.
pub(crate) fn stages_at(point: &PointReport) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for pp in point.paths.iter().filter(|pp| pp.infeasible.is_none()) {
        for k in pp.stats.keys() {
            if let Some(s) = k.strip_prefix("stage_").and_then(|s| s.strip_suffix("_ns")) {
                if !names.iter().any(|n| n == s) {
                    names.push(s.to_owned());
                }
            }
        }
    }
    let rank = |n: &str| {
        Stage::ALL
            .iter()
            .position(|s| s.name() == n)
            .unwrap_or(Stage::COUNT)
    };
    names.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    names
}

/// The stage-by-stage detail of the stage charts (which show the stages in
/// groups): at the points that have one, one row per stage with its group,
/// one column per path, each the stage's mean time per packet (estimate
/// and interval over the replications, as in the summary).
fn stage_detail(l: &Loaded) -> Option<Table> {
    let r = &l.report;
    let points = stage_points(r.points.len());
    let paths: Vec<&str> = r.points[0]
        .paths
        .iter()
        .map(|pp| pp.path.as_str())
        .collect();
    let sweep = r.points.len() > 1;
    let mut header: Vec<String> = Vec::new();
    if sweep {
        header.push("point".into());
    }
    header.extend(["stage", "group"].map(str::to_owned));
    header.extend(paths.iter().map(|p| format!("{p} [µs]")));
    let mut rows = Vec::new();
    for &pi in &points {
        let point = &r.points[pi];
        for name in stages_at(point) {
            let group = Stage::ALL
                .iter()
                .find(|s| s.name() == name)
                .map_or("-", |s| s.group().label());
            let metric = format!("stage_{name}_ns");
            let mut cells = Vec::new();
            if sweep {
                cells.push(Cell::text(point.label.clone()));
            }
            cells.push(Cell::text(name.clone()));
            cells.push(Cell::text(group));
            for pp in &point.paths {
                cells.push(
                    match pp.stats.get(&metric).filter(|_| pp.infeasible.is_none()) {
                        Some(e) => Cell {
                            text: estimate_text(e, 1e3),
                            value: None,
                            numeric: true,
                        },
                        None => Cell::number("-"),
                    },
                );
            }
            rows.push(Row::Cells(cells));
        }
    }
    (!rows.is_empty()).then(|| Table {
        id: "stages",
        title: "Where the latency goes, stage by stage".into(),
        note: "The stage charts' detail: each stage's mean time per packet (one-way, open-loop \
               packets), with the group the charts show it in; `-`: the path has no such stage. \
               Stages ending in _wait are queueing, the others work."
            .into(),
        header,
        rows,
    })
}

/// `v` rounded for a table: about four significant digits, no exponent for
/// ordinary magnitudes; `-` for a value that is not finite.
pub(crate) fn num(v: f64) -> String {
    num_with(v, decimals(v))
}

/// Decimals that show `v` with about four significant digits.
fn decimals(v: f64) -> usize {
    let a = v.abs();
    if a == 0.0 || a >= 1000.0 {
        0
    } else if a >= 100.0 {
        1
    } else if a >= 10.0 {
        2
    } else if a >= 1.0 {
        3
    } else {
        // 0.01234 → 5 decimals; at most 9.
        let lead = (-a.log10()).floor() as usize;
        (lead + 4).min(9)
    }
}

fn num_with(v: f64, d: usize) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let s = format!("{v:.d$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        // No "-0.000".
        return s.trim_start_matches('-').to_owned();
    }
    s
}

/// `value (low–high)` of `e` ÷ `div`: its estimate and 95% confidence
/// interval, all to the value's decimals (the interval only when there is
/// one and its ends differ at those decimals; see
/// [`crate::experiment::stats`]).
pub(crate) fn estimate_text(e: &Estimate, div: f64) -> String {
    let v = e.value / div;
    let d = decimals(v);
    let shown = num_with(v, d);
    match e.ci95.filter(|c| c.iter().all(|x| x.is_finite())) {
        Some([lo, hi]) => {
            let (lo, hi) = (num_with(lo / div, d), num_with(hi / div, d));
            // Zero width at the shown decimals: every run alike.
            if lo == hi {
                shown
            } else {
                format!("{shown} ({lo}–{hi})")
            }
        }
        None => shown,
    }
}

/// The leading column headers: one per sweep axis (its label), then `path`.
fn lead_header(l: &Loaded) -> Vec<String> {
    let mut h: Vec<String> = l.report.axes.iter().map(|a| a.label.clone()).collect();
    h.push("path".into());
    h
}

fn summary(l: &Loaded) -> Table {
    let r = &l.report;
    let all = || r.points.iter().flat_map(|p| &p.paths);
    let cols: Vec<&Column> = COLUMNS
        .iter()
        .filter(|c| all().any(|pp| pp.stats.contains_key(c.metric)))
        .collect();
    let mut header = lead_header(l);
    header.extend(cols.iter().map(|c| c.header.to_owned()));
    header.push("busiest resource [utilization]".into());
    let mut rows = Vec::new();
    for p in &r.points {
        for pp in &p.paths {
            let mut lead: Vec<String> = p.values.iter().map(value_text).collect();
            lead.push(pp.path.clone());
            if let Some(reason) = &pp.infeasible {
                rows.push(Row::Infeasible {
                    lead,
                    reason: reason.clone(),
                });
                continue;
            }
            let mut cells: Vec<Cell> = lead.into_iter().map(Cell::text).collect();
            for c in &cols {
                cells.push(match pp.stats.get(c.metric) {
                    Some(e) => {
                        let mut text = estimate_text(e, c.div);
                        // A saturated path's latency is a lower bound.
                        if pp.saturated.is_some() && c.metric.starts_with("latency_") {
                            text.insert_str(0, super::table::SATURATED_MARK);
                        }
                        Cell {
                            text,
                            value: Some((c.metric, e.value)),
                            numeric: true,
                        }
                    }
                    None => Cell::text("-"),
                });
            }
            cells.push(Cell::text(bottleneck_text(pp)));
            rows.push(Row::Cells(cells));
        }
    }
    let saturated = super::table::saturated_paths(r, None);
    let mut note = String::from("One row per path");
    if !r.axes.is_empty() {
        note.push_str(" at each point of the sweep");
    }
    if r.replications > 1 {
        let _ = write!(
            note,
            "; each number is the mean of {} replications (a percentile's or a maximum's: their \
             median), with its 95% confidence interval in brackets (low–high; a percentile gets \
             one from 6 replications on)",
            r.replications
        );
    }
    note.push_str(
        ". Latency is one-way from the wire or the sending application to the receiving one; \
         CPU, exits and interrupts are per delivered packet; the busiest resource is the one that \
         saturates first as the load grows.",
    );
    if let Some(w) = super::table::saturated_words(&saturated) {
        note.push(' ');
        note.push_str(&w);
        note.push('.');
    }
    Table {
        id: "summary",
        title: "Summary".into(),
        note,
        header,
        rows,
    }
}

fn bottleneck_text(pp: &PathPoint) -> String {
    match &pp.bottleneck {
        Some(b) => format!("{} [{}%]", b.resource, num_with(b.utilization * 100.0, 1)),
        None => "-".into(),
    }
}

/// A few named open-loop flows (2 to [`crate::metrics::FLOWS_SUMMARIZED`]):
/// each flow's books, drops by reason and one-way latency per path, from
/// the first replication — a flood and its neighbour read apart.
fn named_flows(l: &Loaded) -> Option<Table> {
    let r = &l.report;
    let mut header = lead_header(l);
    header.extend(
        [
            "flow",
            "generated [packets]",
            "delivered [packets]",
            "dropped [packets]",
            "dropped where",
            "p50 [µs]",
            "p99 [µs]",
        ]
        .map(str::to_owned),
    );
    let mut rows = Vec::new();
    for p in &r.points {
        for pp in &p.paths {
            let Some(run) = pp.runs.first() else { continue };
            for f in run.summarized_flows().unwrap_or_default() {
                let mut cells: Vec<Cell> =
                    p.values.iter().map(value_text).map(Cell::text).collect();
                cells.push(Cell::text(pp.path.clone()));
                cells.push(Cell::text(f.name.clone()));
                cells.push(Cell::text(f.generated.to_string()));
                cells.push(Cell::text(f.delivered.to_string()));
                cells.push(Cell::text(f.dropped.to_string()));
                let by: Vec<String> = crate::metrics::DropReason::ALL
                    .iter()
                    .filter_map(|r| {
                        let n = f.dropped_by.get(r.name())?;
                        Some(format!("{} {n}", r.name()))
                    })
                    .collect();
                cells.push(Cell::text(if by.is_empty() {
                    "-".to_owned()
                } else {
                    by.join(", ")
                }));
                let l = f.latency_ns.clone().unwrap_or_default();
                let lat = |ns: u64| {
                    if f.delivered == 0 {
                        "-".to_owned()
                    } else {
                        num(ns as f64 / 1e3)
                    }
                };
                cells.push(Cell::text(lat(l.p50)));
                cells.push(Cell::text(lat(l.p99)));
                rows.push(Row::Cells(cells));
            }
        }
    }
    (!rows.is_empty()).then(|| Table {
        id: "named-flows",
        title: "Flows".into(),
        note: "Each open-loop flow on its own, first replication: what it generated, what \
               reached its application, what was dropped and where (by reason), and its one-way \
               latency (its histogram resolves 1%). Shown when a run has two or three open-loop flows."
            .into(),
        header,
        rows,
    })
}

/// Addressed flows (with a VPC): losses and outage per path and flow, from
/// the first replication.
fn flows(l: &Loaded) -> Option<Table> {
    let r = &l.report;
    let mut header = lead_header(l);
    header.extend(
        [
            "flow",
            "generated [packets]",
            "delivered [packets]",
            "lost in the VPC [packets]",
            "outage [ms]",
        ]
        .map(str::to_owned),
    );
    let mut rows = Vec::new();
    for p in &r.points {
        for pp in &p.paths {
            let Some(run) = pp.runs.first() else { continue };
            for f in run.flows.iter().filter(|f| f.lost.is_some()) {
                let mut cells: Vec<Cell> =
                    p.values.iter().map(value_text).map(Cell::text).collect();
                cells.push(Cell::text(pp.path.clone()));
                cells.push(Cell::text(f.name.clone()));
                cells.push(Cell::text(f.generated.to_string()));
                cells.push(Cell::text(f.delivered.to_string()));
                cells.push(Cell::text(f.lost.unwrap_or(0).to_string()));
                cells.push(Cell::text(
                    f.outage_us.map_or_else(|| "-".to_owned(), |o| num(o / 1e3)),
                ));
                rows.push(Row::Cells(cells));
            }
        }
    }
    (!rows.is_empty()).then(|| Table {
        id: "vpc-flows",
        title: "Addressed flows".into(),
        note: "Flows sent to VPC addresses, first replication: packets the VPC data plane dropped \
               (no attachment, address in transit, security groups…) and the outage, the \
               longest time the flow went without a delivery (to the end of the traffic window \
               if it was still losing packets then; `-`: it dropped nothing)."
            .into(),
        header,
        rows,
    })
}

/// The VPC timeline as each path ran it (first replication).
fn timeline(l: &Loaded) -> Option<Table> {
    let r = &l.report;
    let mut header = lead_header(l);
    header.extend(["action", "at [ms]", "completed [ms]", "result"].map(str::to_owned));
    let mut rows = Vec::new();
    for p in &r.points {
        for pp in &p.paths {
            let Some(run) = pp.runs.first() else { continue };
            for c in &run.control {
                let mut cells: Vec<Cell> =
                    p.values.iter().map(value_text).map(Cell::text).collect();
                cells.push(Cell::text(pp.path.clone()));
                cells.push(Cell::text(c.action.clone()));
                cells.push(Cell::text(num(c.at_us / 1e3)));
                cells.push(Cell::text(c.completed_us.map_or_else(
                    || "not by the end of the run".to_owned(),
                    |t| num(t / 1e3),
                )));
                let result = match &c.message {
                    Some(m) => format!("{}: {m}", c.result),
                    None => c.result.clone(),
                };
                cells.push(Cell::text(result));
                rows.push(Row::Cells(cells));
            }
        }
    }
    (!rows.is_empty()).then(|| Table {
        id: "timeline",
        title: "VPC timeline".into(),
        note: "The timeline's control-plane actions as each path ran them (first replication): \
               when each was issued and when everything it began had completed; attach and \
               detach times depend on the I/O path."
            .into(),
        header,
        rows,
    })
}

/// A rack's one-way latency by scope per path: the statistics of each
/// scope ([`crate::metrics::Scope::stat_names`]), estimate and interval over
/// the replications as in the summary; the flows counted in the first.
fn rack_latency(l: &Loaded) -> Option<Table> {
    use crate::metrics::Scope;
    let r = &l.report;
    let mut header = lead_header(l);
    header.extend(
        [
            "scope",
            "flows",
            "delivered [packets]",
            "p50 latency [µs]",
            "p99 latency [µs]",
            "p99.9 latency [µs]",
            "mean latency [µs]",
        ]
        .map(str::to_owned),
    );
    let mut rows = Vec::new();
    for p in &r.points {
        for pp in &p.paths {
            let Some(rack) = pp.runs.first().and_then(|run| run.rack.as_ref()) else {
                continue;
            };
            for scope in Scope::ALL {
                let Some(s) = rack.latency.iter().find(|s| s.scope == scope) else {
                    continue;
                };
                let mut cells: Vec<Cell> =
                    p.values.iter().map(value_text).map(Cell::text).collect();
                cells.push(Cell::text(pp.path.clone()));
                cells.push(Cell::text(scope.name()));
                cells.push(Cell::number(s.flows.to_string()));
                let [delivered, p50, p99, p999, _max, mean] = scope.stat_names();
                for (metric, div) in [
                    (delivered, 1.0),
                    (p50, 1e3),
                    (p99, 1e3),
                    (p999, 1e3),
                    (mean, 1e3),
                ] {
                    cells.push(match pp.stats.get(metric) {
                        Some(e) => {
                            let mut text = estimate_text(e, div);
                            // A saturated path's latency is a lower bound.
                            if pp.saturated.is_some() && metric != delivered {
                                text.insert_str(0, super::table::SATURATED_MARK);
                            }
                            Cell {
                                text,
                                value: Some((metric, e.value)),
                                numeric: true,
                            }
                        }
                        None => Cell::text("-"),
                    });
                }
                rows.push(Row::Cells(cells));
            }
        }
    }
    (!rows.is_empty()).then(|| Table {
        id: "rack-latency",
        title: "Latency by scope: east-west and north-south".into(),
        note: super::rack::SCOPES_NOTE.into(),
        header,
        rows,
    })
}

/// A rack's hosts (or, with `ports`, its switch ports) per path, first
/// replication, summarised over the rack ([`super::rack`]).
fn rack_spreads(l: &Loaded, ports: bool) -> Option<Table> {
    use super::rack::{host_spreads, port_spreads, Kind};
    let r = &l.report;
    let mut header = lead_header(l);
    header.extend(
        [
            "measure",
            "min",
            "median",
            "max",
            if ports {
                "port with the max"
            } else {
                "host with the max"
            },
            "sum",
        ]
        .map(str::to_owned),
    );
    let mut rows = Vec::new();
    for p in &r.points {
        for pp in &p.paths {
            let Some(rack) = pp.runs.first().and_then(|run| run.rack.as_ref()) else {
                continue;
            };
            let spreads = if ports {
                port_spreads(rack)
            } else {
                host_spreads(rack)
            };
            for s in spreads {
                let v = |x: f64| {
                    Cell::number(match s.kind {
                        Kind::Count => num_with(x, 0),
                        Kind::Percent => num(x),
                    })
                };
                let mut cells: Vec<Cell> =
                    p.values.iter().map(value_text).map(Cell::text).collect();
                cells.push(Cell::text(pp.path.clone()));
                cells.push(Cell::text(s.label.clone()));
                cells.extend([v(s.min), v(s.median), v(s.max)]);
                cells.push(Cell::text(s.at.clone().unwrap_or_else(|| "-".to_owned())));
                cells.push(s.sum.map_or_else(|| Cell::text(""), v));
                rows.push(Row::Cells(cells));
            }
        }
    }
    let first = if r.replications > 1 {
        " First replication."
    } else {
        ""
    };
    (!rows.is_empty()).then(|| {
        if ports {
            Table {
                id: "rack-ports",
                title: "Switch ports".into(),
                note: format!("{}{first}", super::rack::PORTS_NOTE),
                header,
                rows,
            }
        } else {
            Table {
                id: "rack-hosts",
                title: "Hosts".into(),
                note: format!("{}{first}", super::rack::HOSTS_NOTE),
                header,
                rows,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_about_four_significant_digits() {
        assert_eq!(num(12345.6), "12346");
        assert_eq!(num(123.456), "123.5");
        assert_eq!(num(12.3456), "12.35");
        assert_eq!(num(1.23456), "1.235");
        assert_eq!(num(0.0123456), "0.01235");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(f64::NAN), "-");
        let e = Estimate {
            value: 12_345.0,
            center: crate::experiment::stats::Center::Mean,
            mean: 12_345.0,
            ci95: Some([12_095.0, 12_595.0]),
            min: 0.0,
            max: 0.0,
            n: 2,
        };
        assert_eq!(estimate_text(&e, 1e3), "12.35 (12.10–12.60)");
    }
}
