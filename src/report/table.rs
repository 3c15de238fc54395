//! The terminal table: one row per path (per point and path for a sweep),
//! latencies in µs, throughput in Gb/s and Mpps, CPU in ns per packet.

use crate::experiment::{Estimate, RunReport};
use crate::metrics::{LatencySummary, PathResult};

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

/// Lays out `rows` (the first is the header) in columns two spaces apart.
fn layout(rows: &[Vec<String>], align: &[Align]) -> String {
    let cols = align.len();
    let mut width = vec![0usize; cols];
    for row in rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate().take(cols) {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = width[i] - cell.chars().count();
            match align[i] {
                Align::Left => {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                }
                Align::Right => {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `x` with `decimals` places, or `-` when it is not a number.
fn fixed(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{x:.decimals$}")
    } else {
        "-".to_owned()
    }
}

/// Nanoseconds as microseconds with two decimals.
fn us(ns: u64) -> String {
    format!("{:.2}", ns as f64 / 1e3)
}

/// A latency cell in µs; a dash when nothing was delivered (no latency,
/// not a misleading zero).
fn latency_cell(delivered: u64, ns: u64) -> String {
    if delivered == 0 {
        "-".to_owned()
    } else {
        us(ns)
    }
}

fn total_drops(p: &PathResult) -> u64 {
    p.dropped.values().fold(0u64, |a, &b| a.saturating_add(b))
}

/// The report as an aligned table for a terminal: a header line naming the
/// experiment, profile, seed and VMs; one row per path (latency percentiles
/// in µs, delivered Gb/s and Mpps, drops, host and guest CPU per packet,
/// exits and interrupts per packet); a round-trip table when any path has
/// request/response results; then the notes.
pub fn table(report: &RunReport) -> String {
    if !report.is_single() {
        return sweep_table(report);
    }
    let paths = report.paths();
    let vms = paths
        .first()
        .map_or_else(|| "?".to_owned(), |p| p.vms.to_string());
    let mut out = format!(
        "experiment {}: profile {}, seed {}, {} VM{}\n\n",
        report.experiment,
        report.profile,
        report.seed,
        vms,
        if vms == "1" { "" } else { "s" }
    );

    let header = [
        "path",
        "nics",
        "p50 µs",
        "p99 µs",
        "p99.9 µs",
        "max µs",
        "Gb/s",
        "Mpps",
        "drops",
        "host ns/pkt",
        "guest ns/pkt",
        "exits/pkt",
        "irqs/pkt",
    ];
    let mut align = vec![Align::Right; header.len()];
    align[0] = Align::Left;
    let mut rows = vec![header.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()];
    for &p in &paths {
        let l = &p.latency_ns;
        // No open-loop packet delivered: no one-way latency or throughput.
        let open = if l.max == 0 { 0 } else { p.delivered };
        // A saturated path's latency is a lower bound (see the note).
        let at_least = if p.saturated.is_some() {
            SATURATED_MARK
        } else {
            ""
        };
        let lat = |ns: u64| match latency_cell(open, ns) {
            c if c == "-" => c,
            c => format!("{at_least}{c}"),
        };
        let rate = |x: f64, d: usize| {
            if open == 0 {
                "-".to_owned()
            } else {
                fixed(x, d)
            }
        };
        rows.push(vec![
            p.path.clone(),
            p.nics.to_string(),
            lat(l.p50),
            lat(l.p99),
            lat(l.p999),
            lat(l.max),
            rate(p.delivered_gbps, 3),
            rate(p.delivered_pps / 1e6, 3),
            total_drops(p).to_string(),
            fixed(p.host_cpu_ns_per_packet, 0),
            fixed(p.guest_cpu_ns_per_packet, 0),
            fixed(p.exits_per_packet, 2),
            fixed(p.interrupts_per_packet, 2),
        ]);
    }
    out.push_str(&layout(&rows, &align));
    let saturated: Vec<(String, String)> = paths
        .iter()
        .filter_map(|p| Some((p.path.clone(), p.saturated.clone()?)))
        .collect();
    push_saturated(&mut out, &saturated);

    // A few named flows: each one's drops and latency (a flood and its
    // neighbour read apart).
    if paths.iter().any(|p| p.summarized_flows().is_some()) {
        out.push_str("\nflows (one-way)\n");
        let mut rows = vec![[
            "path",
            "flow",
            "generated",
            "delivered",
            "dropped",
            "p50 µs",
            "p99 µs",
        ]
        .map(str::to_owned)
        .to_vec()];
        for &p in &paths {
            for (i, f) in p.summarized_flows().unwrap_or_default().iter().enumerate() {
                let l = f.latency_ns.clone().unwrap_or_default();
                let lat = |ns: u64| latency_cell(f.delivered, ns);
                rows.push(vec![
                    if i == 0 {
                        p.path.clone()
                    } else {
                        String::new()
                    },
                    f.name.clone(),
                    f.generated.to_string(),
                    f.delivered.to_string(),
                    f.dropped.to_string(),
                    lat(l.p50),
                    lat(l.p99),
                ]);
            }
        }
        let mut align = vec![Align::Right; 7];
        align[0] = Align::Left;
        align[1] = Align::Left;
        out.push_str(&layout(&rows, &align));
    }

    // TCP streams, and CPU as netperf reports it.
    if paths.iter().any(|p| p.stream_goodput_gbps.is_some()) {
        out.push_str("\nTCP streams and CPU (netperf-style: utilization of the cores used, service demand)\n");
        let mut rows = vec![[
            "path",
            "goodput Gb/s",
            "frames/burst",
            "retrans",
            "host CPU %",
            "guest CPU %",
            "µs/KB",
        ]
        .map(str::to_owned)
        .to_vec()];
        for &p in &paths {
            let (mut segs, mut bursts, mut retx) = (0u64, 0u64, 0u64);
            for t in p.flows.iter().filter_map(|f| f.tcp.as_ref()) {
                segs += t.segments;
                bursts += t.bursts;
                retx += t.retransmitted_segments;
            }
            rows.push(vec![
                p.path.clone(),
                p.stream_goodput_gbps
                    .map_or("-".to_owned(), |g| fixed(g, 3)),
                if bursts == 0 {
                    "-".to_owned()
                } else {
                    fixed(segs as f64 / bursts as f64, 1)
                },
                retx.to_string(),
                fixed(p.cpu.host_pct, 1),
                fixed(p.cpu.guest_pct, 1),
                p.cpu
                    .service_demand_us_per_kb
                    .map_or("-".to_owned(), |x| fixed(x, 3)),
            ]);
        }
        let mut align = vec![Align::Right; 7];
        align[0] = Align::Left;
        out.push_str(&layout(&rows, &align));
    }

    let rtts: Vec<(&PathResult, &LatencySummary)> = paths
        .iter()
        .copied()
        .filter_map(|p| p.rtt_ns.as_ref().map(|r| (p, r)))
        .collect();
    if !rtts.is_empty() {
        out.push_str("\nround trip (request/response flows)\n");
        let mut rows = vec![vec![
            "path".to_owned(),
            "RTT p50 µs".to_owned(),
            "RTT p99 µs".to_owned(),
            "RTT max µs".to_owned(),
            "trans/s".to_owned(),
            "timeouts".to_owned(),
        ]];
        for (p, r) in rtts {
            let timeouts: u64 = p.flows.iter().filter_map(|f| f.timeouts).sum();
            let lat = |ns: u64| if r.max == 0 { "-".to_owned() } else { us(ns) };
            rows.push(vec![
                p.path.clone(),
                lat(r.p50),
                lat(r.p99),
                lat(r.max),
                fixed(p.transactions_per_s.unwrap_or(0.0), 0),
                timeouts.to_string(),
            ]);
        }
        let mut align = vec![Align::Right; 6];
        align[0] = Align::Left;
        out.push_str(&layout(&rows, &align));
    }

    // Addressed flows: what the VPC data plane dropped, and outages.
    let any_vpc = paths
        .iter()
        .any(|p| p.flows.iter().any(|f| f.lost.is_some()));
    if any_vpc {
        out.push_str("\nVPC (addressed flows)\n");
        let mut rows = vec![vec![
            "path".to_owned(),
            "flow".to_owned(),
            "delivered".to_owned(),
            "lost".to_owned(),
            "outage ms".to_owned(),
            "dropped by the VPC".to_owned(),
        ]];
        for &p in &paths {
            let reasons: Vec<String> = crate::metrics::DropReason::ALL
                .iter()
                .filter(|r| r.is_vpc())
                .filter_map(|r| {
                    let n = p.dropped.get(r.name()).copied().unwrap_or(0);
                    (n > 0).then(|| format!("{} {n}", r.name()))
                })
                .collect();
            for (i, f) in p.flows.iter().filter(|f| f.lost.is_some()).enumerate() {
                rows.push(vec![
                    if i == 0 {
                        p.path.clone()
                    } else {
                        String::new()
                    },
                    f.name.clone(),
                    f.delivered.to_string(),
                    f.lost.unwrap_or(0).to_string(),
                    f.outage_us.map_or("-".to_owned(), |u| fixed(u / 1000.0, 3)),
                    if i == 0 {
                        reasons.join(", ")
                    } else {
                        String::new()
                    },
                ]);
            }
        }
        let align = [
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Left,
        ];
        out.push_str(&layout(&rows, &align));
        for &p in &paths {
            if p.control.is_empty() {
                continue;
            }
            let steps: Vec<String> = p
                .control
                .iter()
                .map(|c| {
                    let done = c.completed_us.map_or(String::new(), |d| {
                        format!(", done {}", fixed(d / 1000.0, 3))
                    });
                    format!(
                        "{} {} at {} ms{done}",
                        c.action,
                        c.result,
                        fixed(c.at_us / 1000.0, 3)
                    )
                })
                .collect();
            out.push_str(&format!("  timeline ({}): {}\n", p.path, steps.join("; ")));
        }
    }

    push_rack(&mut out, &paths);
    push_notes(&mut out, &report.notes);
    out
}

/// A rack's sections: one-way latency by scope, then its hosts and switch
/// ports summarised over the rack (see [`super::rack`]).
fn push_rack(out: &mut String, paths: &[&PathResult]) {
    let racks: Vec<(&PathResult, &crate::metrics::RackUse)> = paths
        .iter()
        .filter_map(|p| p.rack.as_ref().map(|r| (*p, r)))
        .collect();
    if racks.is_empty() {
        return;
    }
    if racks.iter().any(|(_, r)| !r.latency.is_empty()) {
        out.push_str(
            "\nlatency by scope (one-way; each scope's flows' histograms added, 1% resolution)\n",
        );
        let mut rows = vec![[
            "path",
            "scope",
            "flows",
            "delivered",
            "p50 µs",
            "p99 µs",
            "p99.9 µs",
            "mean µs",
        ]
        .map(str::to_owned)
        .to_vec()];
        for (p, r) in &racks {
            // A saturated path's latency is a lower bound in every scope.
            let at_least = if p.saturated.is_some() {
                SATURATED_MARK
            } else {
                ""
            };
            for (i, s) in r.latency.iter().enumerate() {
                let l = &s.latency_ns;
                let lat = |ns: u64| match latency_cell(s.delivered, ns) {
                    c if c == "-" => c,
                    c => format!("{at_least}{c}"),
                };
                rows.push(vec![
                    if i == 0 {
                        p.path.clone()
                    } else {
                        String::new()
                    },
                    s.scope.name().to_owned(),
                    s.flows.to_string(),
                    s.delivered.to_string(),
                    lat(l.p50),
                    lat(l.p99),
                    lat(l.p999),
                    if s.delivered == 0 {
                        "-".to_owned()
                    } else {
                        format!("{at_least}{}", fixed(l.mean / 1e3, 2))
                    },
                ]);
            }
        }
        let mut align = vec![Align::Right; 8];
        align[..2].fill(Align::Left);
        out.push_str(&layout(&rows, &align));
        if racks.iter().any(|(p, _)| p.saturated.is_some()) {
            out.push_str(&format!(
                "  {SATURATED_MARK} the path is saturated (see the note above): a lower bound\n"
            ));
        }
    }
    for (title, spreads) in [
        (
            format!(
                "hosts ({} per path: min, median, max over the hosts, the host with the max, the sum)",
                racks[0].1.hosts.len()
            ),
            racks
                .iter()
                .map(|(p, r)| (*p, super::rack::host_spreads(r)))
                .collect::<Vec<_>>(),
        ),
        (
            "switch ports (toward each host's NIC, host<k>.nic<j>.wire_in: min, median, max over \
             the ports, the port with the max, the sum)"
                .to_owned(),
            racks
                .iter()
                .map(|(p, r)| (*p, super::rack::port_spreads(r)))
                .collect(),
        ),
    ] {
        out.push('\n');
        out.push_str(&title);
        out.push('\n');
        let mut rows = vec![["path", "measure", "min", "median", "max", "max at", "sum"]
            .map(str::to_owned)
            .to_vec()];
        for (p, spreads) in &spreads {
            for (i, s) in spreads.iter().enumerate() {
                let v = |x: f64| match s.kind {
                    super::rack::Kind::Count => fixed(x, 0),
                    super::rack::Kind::Percent => fixed(x, 2),
                };
                rows.push(vec![
                    if i == 0 {
                        p.path.clone()
                    } else {
                        String::new()
                    },
                    s.label.clone(),
                    v(s.min),
                    v(s.median),
                    v(s.max),
                    s.at.clone().unwrap_or_else(|| "-".to_owned()),
                    s.sum.map_or_else(String::new, v),
                ]);
            }
        }
        let mut align = vec![Align::Right; 7];
        align[..2].fill(Align::Left);
        align[5] = Align::Left;
        out.push_str(&layout(&rows, &align));
    }
}

/// What marks a saturated path's latency in a table: it is a lower bound.
pub(crate) const SATURATED_MARK: &str = "≥";

/// Words under a table for the saturated paths `(path, why)` (where their
/// latency is marked [`SATURATED_MARK`]).
pub(crate) fn saturated_words(saturated: &[(String, String)]) -> Option<String> {
    if saturated.is_empty() {
        return None;
    }
    let each: Vec<String> = saturated
        .iter()
        .map(|(path, why)| format!("{path}: {why}"))
        .collect();
    Some(format!(
        "{SATURATED_MARK} saturated, offered more than it serves (its busiest resource 99% busy \
         or more, full queues dropping 1% of its packets or more, or its backlog growing through \
         the window; {}): its latency grows with the run's length or its buffers, so the figure \
         is a lower bound, not a property of the path",
        each.join("; ")
    ))
}

/// Each saturated path of `report` (at point `only`, or at any): with one
/// point, why it is; in a sweep, the points where it is (each reason is
/// that path point's `saturated` in summary.json).
pub(crate) fn saturated_paths(report: &RunReport, only: Option<usize>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let points = report
        .points
        .iter()
        .enumerate()
        .filter(|(i, _)| only.is_none_or(|o| o == *i));
    for (_, p) in points {
        for pp in &p.paths {
            let Some(why) = &pp.saturated else { continue };
            let at = if report.points.len() == 1 || only.is_some() {
                why.clone()
            } else {
                format!("at {}", p.label)
            };
            match out.iter_mut().find(|(path, _)| *path == pp.path) {
                Some((_, all)) => {
                    all.push_str(", ");
                    all.push_str(at.trim_start_matches("at "));
                }
                None => out.push((pp.path.clone(), at)),
            }
        }
    }
    out
}

/// [`saturated_words`] as a note line under a table.
fn push_saturated(out: &mut String, saturated: &[(String, String)]) {
    if let Some(w) = saturated_words(saturated) {
        out.push_str("  ");
        out.push_str(&w);
        out.push('\n');
    }
}

fn push_notes(out: &mut String, notes: &[String]) {
    if !notes.is_empty() {
        out.push_str("\nnotes:\n");
        for n in notes {
            out.push_str("  - ");
            out.push_str(n);
            out.push('\n');
        }
    }
}

/// A sweep (or replications): one row per point × path with the headline
/// metrics, `value (low–high)` with its 95% interval when there are
/// replications (see [`crate::experiment::stats`]), `infeasible` where
/// the host could not be built.
fn sweep_table(report: &RunReport) -> String {
    let axes: Vec<&str> = report.axes.iter().map(|a| a.label.as_str()).collect();
    let mut out = format!(
        "experiment {}: profile {}, seed {}, {} point{} × {} replication{}{}\n\n",
        report.experiment,
        report.profile,
        report.seed,
        report.points.len(),
        if report.points.len() == 1 { "" } else { "s" },
        report.replications,
        if report.replications == 1 { "" } else { "s" },
        if axes.is_empty() {
            String::new()
        } else {
            format!("; axes: {}", axes.join(" × "))
        },
    );
    // (header, stat, divisor, decimals): values are divided, as `us` does
    // and `explain` does, so the same mean prints the same everywhere.
    let mut cols: Vec<(&str, &str, f64, usize)> = vec![
        ("p50 µs", "latency_p50_ns", 1e3, 2),
        ("p99 µs", "latency_p99_ns", 1e3, 2),
        ("Gb/s", "delivered_gbps", 1.0, 3),
        ("Mpps", "delivered_pps", 1e6, 3),
        ("drops", "dropped", 1.0, 0),
        ("host ns/pkt", "host_cpu_ns_per_packet", 1.0, 0),
        ("guest ns/pkt", "guest_cpu_ns_per_packet", 1.0, 0),
        ("exits/pkt", "exits_per_packet", 1.0, 2),
    ];
    let any = |key: &str| {
        report
            .points
            .iter()
            .flat_map(|p| &p.paths)
            .any(|pp| pp.stats.contains_key(key))
    };
    if any("rtt_p99_ns") {
        cols.push(("RTT p99 µs", "rtt_p99_ns", 1e3, 2));
        cols.push(("trans/s", "transactions_per_s", 1.0, 0));
    }
    let stream = any("stream_goodput_gbps");
    if stream {
        cols.extend([
            ("stream Gb/s", "stream_goodput_gbps", 1.0, 3),
            ("frames/burst", "tcp_frames_per_burst", 1.0, 1),
            ("retrans", "tcp_retransmitted_segments", 1.0, 0),
        ]);
    }
    // CPU utilization where it is the measure: streams (netperf's CPU
    // columns) and guests that compute (the background job's share).
    let background = any("background_pct");
    if stream || background {
        cols.extend([
            ("host CPU %", "host_cpu_pct", 1.0, 1),
            ("guest CPU %", "guest_cpu_pct", 1.0, 1),
        ]);
    }
    if background {
        cols.push(("background %", "background_pct", 1.0, 1));
    }
    if stream {
        cols.push(("µs/KB", "service_demand_us_per_kb", 1.0, 3));
    }
    // Without open-loop traffic (streams or round trips only), the one-way
    // latency and open-loop throughput columns would be empty.
    if !any("latency_p50_ns") {
        cols.retain(|c| {
            !matches!(
                c.1,
                "latency_p50_ns"
                    | "latency_p99_ns"
                    | "delivered_gbps"
                    | "delivered_pps"
                    | "host_cpu_ns_per_packet"
                    | "guest_cpu_ns_per_packet"
            )
        });
    }
    let cols = &cols[..];
    let mut header = vec!["point".to_owned(), "path".to_owned()];
    header.extend(cols.iter().map(|c| c.0.to_owned()));
    let mut rows = vec![header];
    let cell = |e: Option<&Estimate>, div: f64, d: usize| match e {
        None => "-".to_owned(),
        Some(e) => {
            let v = fixed(e.value / div, d);
            match e.ci95.map(|c| c.map(|x| fixed(x / div, d))) {
                // Zero width at the shown decimals: every run alike.
                Some([lo, hi]) if lo != hi => format!("{v} ({lo}–{hi})"),
                _ => v,
            }
        }
    };
    for p in &report.points {
        for (i, pp) in p.paths.iter().enumerate() {
            let mut row = vec![
                if i == 0 {
                    p.label.clone()
                } else {
                    String::new()
                },
                pp.path.clone(),
            ];
            if pp.infeasible.is_some() {
                row.push("infeasible".to_owned());
                row.extend(cols[1..].iter().map(|_| String::new()));
            } else {
                row.extend(cols.iter().map(|(_, k, div, d)| {
                    let c = cell(pp.stats.get(*k), *div, *d);
                    // A saturated path's latency is a lower bound.
                    if pp.saturated.is_some() && k.starts_with("latency_") && c != "-" {
                        format!("{SATURATED_MARK}{c}")
                    } else {
                        c
                    }
                }));
            }
            rows.push(row);
        }
    }
    let mut align = vec![Align::Right; 2 + cols.len()];
    align[0] = Align::Left;
    align[1] = Align::Left;
    out.push_str(&layout(&rows, &align));
    push_saturated(&mut out, &saturated_paths(report, None));
    push_flows(&mut out, report, &cell);
    push_notes(&mut out, &report.notes);
    out
}

/// A sweep's per-flow drops and latency (`flow_<name>_…` statistics), when
/// its runs have a few named flows.
fn push_flows(
    out: &mut String,
    report: &RunReport,
    cell: &dyn Fn(Option<&Estimate>, f64, usize) -> String,
) {
    let names = |pp: &crate::experiment::PathPoint| -> Vec<String> {
        pp.runs
            .first()
            .and_then(PathResult::summarized_flows)
            .unwrap_or_default()
            .iter()
            .map(|f| f.name.clone())
            .collect()
    };
    if !report
        .points
        .iter()
        .flat_map(|p| &p.paths)
        .any(|pp| !names(pp).is_empty())
    {
        return;
    }
    out.push_str("\nflows (one-way)\n");
    let mut rows = vec![["point", "path", "flow", "dropped", "p50 µs", "p99 µs"]
        .map(str::to_owned)
        .to_vec()];
    for p in &report.points {
        let mut first = true;
        for pp in &p.paths {
            for (j, name) in names(pp).iter().enumerate() {
                let stat = |m: &str| pp.stats.get(&format!("flow_{name}_{m}"));
                rows.push(vec![
                    if first {
                        p.label.clone()
                    } else {
                        String::new()
                    },
                    if j == 0 {
                        pp.path.clone()
                    } else {
                        String::new()
                    },
                    name.clone(),
                    cell(stat("dropped"), 1.0, 0),
                    cell(stat("latency_p50_ns"), 1e3, 2),
                    cell(stat("latency_p99_ns"), 1e3, 2),
                ]);
                first = false;
            }
        }
    }
    let mut align = vec![Align::Right; 6];
    align[..3].fill(Align::Left);
    out.push_str(&layout(&rows, &align));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    #[test]
    fn rows_are_aligned_and_values_scaled_for_print() {
        let t = table(&sample(false));
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "experiment demo: profile kvm-modern-25g, seed 9, 4 VMs"
        );
        let header = lines[2];
        let virtio = lines[3];
        let pt = lines[4];
        assert!(header.starts_with("path "), "{t}");
        // Right-aligned numeric columns end at the same character.
        let end = |line: &str, needle: &str| {
            line.char_indices()
                .find(|(i, _)| line[*i..].starts_with(needle))
                .map(|(i, _)| line[..i].chars().count() + needle.chars().count())
                .unwrap()
        };
        assert_eq!(end(header, "p50 µs"), end(virtio, "12.35"), "{t}");
        assert_eq!(end(header, "p50 µs"), end(pt, "24.69"), "{t}");
        // 123,456 packets/s is 0.123 Mpps; 1234.4 ns stays in ns.
        assert!(
            virtio.contains(" 0.123 ") && virtio.contains(" 1234 "),
            "{t}"
        );
        // drops: 3 + 1 per unit of scale.
        assert!(virtio.contains(" 4 ") && pt.contains(" 8 "), "{t}");
        let cells: Vec<&str> = virtio.split_whitespace().collect();
        assert_eq!(
            cells,
            [
                "virtio", "1", "12.35", "20.00", "30.00", "45.68", "0.875", "0.123", "4", "1234",
                "988", "0.25", "1.50"
            ],
            "{t}"
        );
        assert!(!t.contains("round trip"), "{t}");
        assert!(t.contains("notes:\n  - passthrough used 4"), "{t}");
    }

    #[test]
    fn request_response_results_get_their_own_table() {
        let t = table(&sample(true));
        let rt = t.split("round trip").nth(1).expect("an RTT table");
        assert!(
            rt.contains("RTT p50 µs") && rt.contains("RTT p99 µs"),
            "{t}"
        );
        let row = rt.lines().find(|l| l.starts_with("virtio")).unwrap();
        assert!(row.contains("25.00") && row.contains("40.50"), "{t}");
    }
}
