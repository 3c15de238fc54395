//! The report's charts, chosen from what the output directory holds and
//! built once, so the HTML page, the Markdown page and `plots/*.svg` show the
//! same pictures.
//!
//! Which charts appear:
//! - latency (and round-trip) percentile distributions from the `.hgrm`
//!   files — for a sweep at most [`MAX_PERCENTILE_POINTS`] points, evenly
//!   spaced from the first to the last;
//! - for a load axis (a key ending in `load`, `rate_gbps` or `rate_pps`):
//!   delivered throughput and p50/p99 latency against the offered load;
//! - CPU per packet (host and guest stacked), exits and interrupts per
//!   packet, and the per-stage latency breakdown, at the first point (the
//!   breakdown also at the last point of a sweep);
//! - for any other axis: each headline metric against it;
//! - for addressed (VPC) flows: deliveries per millisecond over time, with
//!   the timeline's actions shaded.
//!
//! With several axes, lines run along one axis (the load axis, else the
//! last) with the others fixed at their first value; captions say so.
//! Paths keep their [`plot::path_colour`] and stages their
//! [`stage_colour`] in every chart.

use super::load::Loaded;
use super::path_names;
use super::plot::{self, GroupedBars, LineChart, Scale, Series, StackedBars};
use super::summary_table::{self, num};
use crate::experiment::{value_text, Estimate, PathPoint, PointReport, RunReport};
use crate::metrics::{ControlRecord, FlowResult, Stage, StageGroup};

/// Most sweep points that get their own percentile chart.
pub const MAX_PERCENTILE_POINTS: usize = 4;

/// Most points of a time series line; longer series are summed into wider
/// buckets (the rate per millisecond stays right).
const MAX_SERIES_POINTS: usize = 2000;

/// Most paths that get their own time-series chart.
const MAX_PATH_TIME_CHARTS: usize = 6;

/// One chart of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// File stem, unique within a report (`[a-z0-9-]`): the SVG is
    /// `plots/<name>.svg`, the HTML figure's id is `<name>`.
    pub name: String,
    /// Title (also inside the SVG).
    pub title: String,
    /// How to read it, in a sentence or three (plain text).
    pub caption: String,
    /// The complete `<svg>` element.
    pub svg: String,
}

/// Every chart for the directory `l`, in report order. The same input gives
/// the same charts, byte for byte.
pub fn charts(l: &Loaded) -> Vec<Chart> {
    let r = &l.report;
    let mut out = Vec::new();
    if r.points.is_empty() {
        return out;
    }
    let n = r.points.len();
    let shown = spread(n, MAX_PERCENTILE_POINTS);
    for rtt in [false, true] {
        for &pi in &shown {
            out.extend(percentile_chart(l, pi, rtt, &shown));
        }
    }
    let x = sweep_x(r);
    if let Some(x) = &x {
        if x.load {
            out.extend(load_charts(r, x));
        }
    }
    out.push(cpu_chart(r, 0));
    out.push(exits_chart(r, 0));
    for pi in summary_table::stage_points(n) {
        out.extend(stage_chart(r, pi));
    }
    if let Some(x) = &x {
        out.extend(sweep_charts(r, x));
    }
    out.extend(time_charts(r, 0));
    // Names are unique by construction; make sure, since they are file names.
    let mut seen = std::collections::BTreeSet::new();
    for c in &mut out {
        let base = c.name.clone();
        let mut k = 2;
        while !seen.insert(c.name.clone()) {
            c.name = format!("{base}-{k}");
            k += 1;
        }
    }
    out
}

/// The colour of a latency stage in every chart: a fixed entry of Kelly's
/// 21 colours of maximum contrast per [`Stage`] (the 10 of
/// [`plot::palette`] are too few for 21 stages), in [`Stage::ALL`] order, so
/// neighbouring stages differ; a name this build does not know gets a
/// [`plot::palette`] colour by its length and first byte.
pub fn stage_colour(name: &str) -> &'static str {
    const KELLY: [&str; Stage::COUNT] = [
        "#848482", "#2B3D26", "#0067A5", "#A1CAF1", "#604E97", "#F3C300", "#F38400", "#882D17",
        "#BE0032", "#E25822", "#C2B280", "#654522", "#DCD300", "#8DB600", "#B3446C", "#F6A600",
        "#008856", "#E68FAC", "#875692", "#F99379", "#222222",
    ];
    match Stage::ALL.iter().position(|s| s.name() == name) {
        Some(i) => KELLY[i],
        None => plot::palette(name.len() + name.bytes().next().map_or(0, usize::from)),
    }
}

/// The colour of stage group `i` of [`StageGroup::ALL`] (Okabe and Ito's
/// colour-blind-safe palette; queueing in vermilion, so that waiting stands
/// out).
fn group_colour(i: usize) -> &'static str {
    const OKABE_ITO: [&str; 7] = [
        "#999999", "#56B4E9", "#0072B2", "#CC79A7", "#D55E00", "#009E73", "#E69F00",
    ];
    OKABE_ITO[i % OKABE_ITO.len()]
}

/// Up to `max` indices of `0..n`, evenly spaced, first and last included.
fn spread(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    let mut v: Vec<usize> = (0..max)
        .map(|i| (i * (n - 1) + (max - 1) / 2) / (max - 1))
        .collect();
    v.dedup();
    v
}

/// `(point label)` suffix for titles of a sweep; empty without one.
fn at_point(r: &RunReport, pi: usize) -> String {
    if r.axes.is_empty() {
        String::new()
    } else {
        format!(" at {}", r.points[pi].label)
    }
}

/// File name suffix for point `pi` of a sweep (`-p03`); empty without one.
fn point_suffix(r: &RunReport, pi: usize) -> String {
    if r.points.len() > 1 {
        format!("-p{pi:02}")
    } else {
        String::new()
    }
}

fn feasible_stat<'a>(pp: &'a PathPoint, metric: &str) -> Option<&'a Estimate> {
    if pp.infeasible.is_some() {
        return None;
    }
    pp.stats.get(metric)
}

/// Log y when positive values span more than a factor of 20.
fn y_scale_for(values: impl Iterator<Item = f64>) -> Scale {
    let (mut lo, mut hi) = (f64::INFINITY, 0.0_f64);
    for v in values.filter(|v| v.is_finite() && *v > 0.0) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi > 0.0 && hi / lo > 20.0 {
        Scale::Log10
    } else {
        Scale::Linear
    }
}

fn scale_words(s: Scale) -> &'static str {
    match s {
        Scale::Log10 => "The y axis is logarithmic.",
        _ => "The y axis is linear.",
    }
}

fn percentile_chart(l: &Loaded, pi: usize, rtt: bool, shown: &[usize]) -> Option<Chart> {
    let r = &l.report;
    let point = &r.points[pi];
    let mut series = Vec::new();
    for pp in &point.paths {
        let names = if rtt { &pp.rtt_hgrm } else { &pp.hgrm };
        let Some(lines) = names.first().and_then(|n| l.histograms.get(n)) else {
            continue;
        };
        // The 100% line (the maximum) has no place on a percentile axis:
        // the line ends at the highest percentile the sample resolves.
        let pts: Vec<(f64, f64)> = lines
            .iter()
            .filter(|ln| ln.quantile < 1.0)
            .map(|ln| (ln.quantile * 100.0, ln.value))
            .collect();
        series.push(Series::of_path(&pp.path, &pp.path, pts));
    }
    if series.is_empty() {
        return None;
    }
    let y_scale = y_scale_for(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    let (what, name) = if rtt {
        ("Round-trip time", "rtt-percentiles")
    } else {
        ("One-way latency", "latency-percentiles")
    };
    let title = format!("{what} by percentile{}", at_point(r, pi));
    let mut caption = format!(
        "Each line is one path's {} distribution from its .hgrm file: read across at a \
         percentile (90%, 99%, 99.9% …) to get the latency that fraction of packets stayed \
         under; a line that stays low further right has a shorter tail. The x axis stretches \
         the tail (HdrHistogram's percentile axis); each line ends at the highest percentile \
         its packet count resolves (the maximum is `max` in summary.json). {}",
        if rtt {
            "round-trip (request → response)"
        } else {
            "one-way latency"
        },
        scale_words(y_scale)
    );
    if r.replications > 1 {
        caption.push_str(" First replication of each path.");
    }
    if !rtt {
        caption.push_str(&saturated_caption(r, Some(pi)));
    }
    if r.points.len() > 1 {
        let labels: Vec<String> = shown
            .iter()
            .map(|&i| format!("{} ({})", i, r.points[i].label))
            .collect();
        caption.push_str(&format!(
            " Sweep: percentile charts are drawn for {} of the {} points: {}.",
            shown.len(),
            r.points.len(),
            labels.join("; ")
        ));
    }
    let svg = plot::line_chart(&LineChart {
        title: title.clone(),
        x_label: "percentile [%]".into(),
        y_label: format!(
            "{} [µs]",
            if rtt {
                "round-trip time"
            } else {
                "one-way latency"
            }
        ),
        x_scale: Scale::Percentile,
        y_scale,
        series,
        x_categories: None,
        bands: Vec::new(),
    });
    Some(Chart {
        name: format!("{name}{}", point_suffix(r, pi)),
        title,
        caption,
        svg,
    })
}

/// The axis sweep charts run along.
struct SweepX {
    /// Axis index.
    axis: usize,
    /// It sets an offered load.
    load: bool,
    /// Numeric values (None: categorical).
    numbers: Option<Vec<f64>>,
    /// The points along it (others fixed at their first value), in axis
    /// order: (point index, x).
    points: Vec<(usize, f64)>,
    /// Caption sentence on the fixed axes; empty with one axis.
    fixed: String,
}

/// Whether an axis over `key` sets an offered load: its last segment is
/// `load`, `rate_gbps` or `rate_pps` (the rule `explain` uses too).
pub(crate) fn is_load_key(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    last == "load" || last == "rate_gbps" || last == "rate_pps"
}

fn as_number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) if f.is_finite() => Some(*f),
        _ => None,
    }
}

/// The axis to plot along: the first numeric load axis, else the last axis.
fn sweep_x(r: &RunReport) -> Option<SweepX> {
    if r.axes.is_empty() {
        return None;
    }
    let numbers =
        |i: usize| -> Option<Vec<f64>> { r.axes[i].values.iter().map(as_number).collect() };
    let load_axis = (0..r.axes.len())
        .find(|&i| r.axes[i].keys.iter().any(|k| is_load_key(k)) && numbers(i).is_some());
    let axis = load_axis.unwrap_or(r.axes.len() - 1);
    let nums = numbers(axis);
    let mut points = Vec::new();
    for (pi, p) in r.points.iter().enumerate() {
        if p.values.len() != r.axes.len() {
            continue;
        }
        let others_first = r
            .axes
            .iter()
            .enumerate()
            .all(|(j, a)| j == axis || a.values.first() == Some(&p.values[j]));
        if !others_first {
            continue;
        }
        let Some(pos) = r.axes[axis]
            .values
            .iter()
            .position(|v| *v == p.values[axis])
        else {
            continue;
        };
        let x = match &nums {
            Some(ns) => ns[pos],
            None => pos as f64,
        };
        points.push((pi, x));
    }
    if nums.is_some() {
        points.sort_by(|a, b| a.1.total_cmp(&b.1));
    }
    let fixed_parts: Vec<String> = r
        .axes
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != axis)
        .map(|(_, a)| {
            format!(
                "{} = {}",
                a.keys.join(", "),
                a.values.first().map(value_text).unwrap_or_default()
            )
        })
        .collect();
    let fixed = if fixed_parts.is_empty() {
        String::new()
    } else {
        format!(
            " Lines run along {}; the other axes are fixed at their first value ({}).",
            r.axes[axis].keys.join(", "),
            fixed_parts.join("; ")
        )
    };
    Some(SweepX {
        axis,
        load: load_axis.is_some(),
        numbers: nums,
        points,
        fixed,
    })
}

/// The line of `metric` ÷ `div` for `path` along `x`: NaN (a gap) where the
/// path is infeasible or lacks the metric; error bars from the 95% CI.
fn sweep_series(r: &RunReport, x: &SweepX, path: &str, metric: &str, div: f64) -> Series {
    let mut pts = Vec::with_capacity(x.points.len());
    let mut err = Vec::with_capacity(x.points.len());
    for &(pi, xv) in &x.points {
        let e = r.points[pi]
            .paths
            .iter()
            .find(|pp| pp.path == path)
            .and_then(|pp| feasible_stat(pp, metric));
        match e {
            Some(e) => {
                pts.push((xv, e.value / div));
                err.push(
                    e.ci95
                        .map_or((f64::NAN, f64::NAN), |[lo, hi]| (lo / div, hi / div)),
                );
            }
            None => {
                pts.push((xv, f64::NAN));
                err.push((f64::NAN, f64::NAN));
            }
        }
    }
    let mut s = Series::of_path(path, path, pts);
    s.err = Some(err);
    s
}

/// The x axis of a sweep chart: scale and categories.
fn x_axis_of(r: &RunReport, x: &SweepX) -> (Scale, Option<Vec<String>>) {
    match &x.numbers {
        Some(ns) => {
            let pos: Vec<f64> = ns.iter().copied().filter(|v| *v > 0.0).collect();
            let lo = pos.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = pos.iter().copied().fold(0.0, f64::max);
            let log = !x.load && pos.len() == ns.len() && hi / lo >= 50.0;
            (if log { Scale::Log10 } else { Scale::Linear }, None)
        }
        None => (
            Scale::Linear,
            Some(r.axes[x.axis].values.iter().map(value_text).collect()),
        ),
    }
}

fn ci_words(r: &RunReport) -> String {
    if r.replications > 1 {
        format!(
            " Points are means of {} replications (a percentile's or a maximum's: their median); \
             error bars are 95% confidence intervals, within what the metric can be (a \
             percentile gets one from 6 replications on).",
            r.replications
        )
    } else {
        String::new()
    }
}

fn gaps_words(r: &RunReport, x: &SweepX) -> &'static str {
    let any = x
        .points
        .iter()
        .any(|&(pi, _)| r.points[pi].paths.iter().any(|pp| pp.infeasible.is_some()));
    if any {
        " A gap is a point where the path is infeasible (see the summary table)."
    } else {
        ""
    }
}

/// A caption's words on the saturated paths (at point `only`, or along the
/// sweep): their latency is a lower bound.
fn saturated_caption(r: &RunReport, only: Option<usize>) -> String {
    super::table::saturated_words(&super::table::saturated_paths(r, only))
        .map_or_else(String::new, |w| format!(" {w}."))
}

fn load_charts(r: &RunReport, x: &SweepX) -> Vec<Chart> {
    let paths = path_names(r);
    let label = r.axes[x.axis].label.clone();
    let (x_scale, cats) = x_axis_of(r, x);
    let common = format!("{}{}{}", ci_words(r), gaps_words(r, x), x.fixed);

    let series: Vec<Series> = paths
        .iter()
        .map(|p| sweep_series(r, x, p, "delivered_gbps", 1.0))
        .collect();
    let title = "Delivered throughput vs offered load".to_owned();
    let tput = Chart {
        name: "load-throughput".into(),
        caption: format!(
            "Throughput delivered within the traffic window as the offered load rises, one line \
             per path. While a path keeps up its line rises with the load; where it flattens or \
             falls the path has saturated (its knee) and the excess is dropped or queued.{common}"
        ),
        svg: plot::line_chart(&LineChart {
            title: title.clone(),
            x_label: label.clone(),
            y_label: "delivered [Gbit/s]".into(),
            x_scale,
            y_scale: Scale::Linear,
            series,
            x_categories: cats.clone(),
            bands: Vec::new(),
        }),
        title,
    };

    let mut series = Vec::new();
    for p in &paths {
        let mut p99 = sweep_series(r, x, p, "latency_p99_ns", 1e3);
        p99.label = format!("{p} p99");
        let mut p50 = sweep_series(r, x, p, "latency_p50_ns", 1e3);
        p50.label = format!("{p} p50");
        p50.dashed = true;
        series.push(p99);
        series.push(p50);
    }
    let title = "p50 and p99 latency vs offered load".to_owned();
    let lat = Chart {
        name: "load-latency".into(),
        caption: format!(
            "One-way latency as the offered load rises: solid lines p99, dashed p50, one colour \
             per path, on a logarithmic y axis. Latency stays flat while a path's busiest \
             resource has headroom and climbs steeply at its knee, where queues build; the \
             path whose knee is furthest right carries the most load.{common}{}",
            saturated_caption(r, None)
        ),
        svg: plot::line_chart(&LineChart {
            title: title.clone(),
            x_label: label,
            y_label: "latency [µs]".into(),
            x_scale,
            y_scale: Scale::Log10,
            series,
            x_categories: cats,
            bands: Vec::new(),
        }),
        title,
    };
    vec![tput, lat]
}

/// A headline metric plotted against a sweep axis.
struct Headline {
    metric: &'static str,
    name: &'static str,
    title: &'static str,
    y_label: &'static str,
    div: f64,
    /// Also drawn by the load charts.
    in_load_charts: bool,
    read: &'static str,
}

const HEADLINES: [Headline; 6] = [
    Headline {
        metric: "latency_p50_ns",
        name: "sweep-latency-p50",
        title: "p50 latency",
        y_label: "p50 one-way latency [µs]",
        div: 1e3,
        in_load_charts: true,
        read: "the median packet's one-way latency",
    },
    Headline {
        metric: "latency_p99_ns",
        name: "sweep-latency-p99",
        title: "p99 latency",
        y_label: "p99 one-way latency [µs]",
        div: 1e3,
        in_load_charts: true,
        read: "the latency 99% of packets stayed under (the tail)",
    },
    Headline {
        metric: "rtt_p99_ns",
        name: "sweep-rtt-p99",
        title: "p99 round-trip time",
        y_label: "p99 round-trip time [µs]",
        div: 1e3,
        in_load_charts: false,
        read: "the round-trip time 99% of requests stayed under",
    },
    Headline {
        metric: "delivered_gbps",
        name: "sweep-throughput",
        title: "Delivered throughput",
        y_label: "delivered [Gbit/s]",
        div: 1.0,
        in_load_charts: true,
        read: "the throughput delivered within the traffic window",
    },
    Headline {
        metric: "cpu_ns_per_packet",
        name: "sweep-cpu",
        title: "CPU per packet (host + guest)",
        y_label: "CPU [ns/packet]",
        div: 1.0,
        in_load_charts: false,
        read: "host plus guest CPU time per delivered packet (lower is cheaper)",
    },
    Headline {
        metric: "exits_per_packet",
        name: "sweep-exits",
        title: "VM exits per packet",
        y_label: "exits [per packet]",
        div: 1.0,
        in_load_charts: false,
        read: "VM exits per delivered packet (each costs the exit's round trip)",
    },
];

fn sweep_charts(r: &RunReport, x: &SweepX) -> Vec<Chart> {
    let paths = path_names(r);
    let axis = &r.axes[x.axis];
    let (x_scale, cats) = x_axis_of(r, x);
    let mut out = Vec::new();
    for h in &HEADLINES {
        if x.load && h.in_load_charts {
            continue;
        }
        let any = r
            .points
            .iter()
            .flat_map(|p| &p.paths)
            .any(|pp| feasible_stat(pp, h.metric).is_some());
        if !any {
            continue;
        }
        let series: Vec<Series> = paths
            .iter()
            .map(|p| sweep_series(r, x, p, h.metric, h.div))
            .collect();
        let y_scale = y_scale_for(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
        let title = format!("{} vs {}", h.title, axis.keys.join(", "));
        let xwords = if cats.is_some() {
            " The axis values are categories, evenly spaced in the order swept."
        } else {
            ""
        };
        out.push(Chart {
            name: h.name.into(),
            caption: format!(
                "How {} changes along the sweep, one line per path. {}{xwords}{}{}{}{}",
                h.read,
                scale_words(y_scale),
                ci_words(r),
                gaps_words(r, x),
                x.fixed,
                if h.metric.starts_with("latency_") {
                    saturated_caption(r, None)
                } else {
                    String::new()
                }
            ),
            svg: plot::line_chart(&LineChart {
                title: title.clone(),
                x_label: axis.label.clone(),
                y_label: h.y_label.into(),
                x_scale,
                y_scale,
                series,
                x_categories: cats.clone(),
                bands: Vec::new(),
            }),
            title,
        });
    }
    out.extend(flow_charts(r, x));
    out
}

/// For runs with a few named open-loop flows, each flow's p99 latency and
/// drops along the sweep (a flood's neighbour, say, as the flood grows).
fn flow_charts(r: &RunReport, x: &SweepX) -> Vec<Chart> {
    let paths = path_names(r);
    let axis = &r.axes[x.axis];
    let (x_scale, cats) = x_axis_of(r, x);
    let names: Vec<String> = r
        .points
        .iter()
        .flat_map(|p| &p.paths)
        .find_map(|pp| pp.runs.first().and_then(|run| run.summarized_flows()))
        .unwrap_or_default()
        .iter()
        .map(|f| f.name.clone())
        .collect();
    let mut out = Vec::new();
    for name in &names {
        for (metric, what, y_label, div, read) in [
            (
                "latency_p99_ns",
                "p99 latency",
                "p99 one-way latency [µs]",
                1e3,
                "the latency 99% of its delivered packets stayed under",
            ),
            (
                "dropped",
                "drops",
                "dropped [packets]",
                1.0,
                "the packets it lost, all reasons",
            ),
        ] {
            let stat = format!("flow_{name}_{metric}");
            let series: Vec<Series> = paths
                .iter()
                .map(|p| sweep_series(r, x, p, &stat, div))
                .collect();
            if series.iter().all(|s| s.points.is_empty()) {
                continue;
            }
            // Drops stay linear: a path that lost nothing is a line at 0,
            // which a logarithmic axis could not draw.
            let y_scale = if metric == "dropped" {
                Scale::Linear
            } else {
                y_scale_for(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)))
            };
            let title = format!("Flow {name}: {what} vs {}", axis.keys.join(", "));
            out.push(Chart {
                name: format!("flow-{}-{}", file_safe(name), file_safe(what)),
                caption: format!(
                    "Flow {name} on its own: {read}, along the sweep, one line per path. {}{}{}{}",
                    scale_words(y_scale),
                    ci_words(r),
                    gaps_words(r, x),
                    x.fixed
                ),
                svg: plot::line_chart(&LineChart {
                    title: title.clone(),
                    x_label: axis.label.clone(),
                    y_label: y_label.into(),
                    x_scale,
                    y_scale,
                    series,
                    x_categories: cats.clone(),
                    bands: Vec::new(),
                }),
                title,
            });
        }
    }
    out
}

/// Bar labels (path names, marked when infeasible) and colours at a point.
fn bars_of(point: &PointReport) -> (Vec<String>, Vec<String>) {
    point
        .paths
        .iter()
        .map(|pp| {
            let label = if pp.infeasible.is_some() {
                format!("{} (infeasible)", pp.path)
            } else {
                pp.path.clone()
            };
            (label, plot::path_colour(&pp.path).to_owned())
        })
        .unzip()
}

fn mean_of(pp: &PathPoint, metric: &str, div: f64) -> f64 {
    feasible_stat(pp, metric).map_or(f64::NAN, |e| e.value / div)
}

fn point_words(r: &RunReport, pi: usize) -> String {
    if r.axes.is_empty() {
        String::new()
    } else {
        format!(
            " Shown at sweep point {pi} ({}) of {}.",
            r.points[pi].label,
            r.points.len()
        )
    }
}

fn mean_words(r: &RunReport) -> String {
    if r.replications > 1 {
        format!(" Means over {} replications.", r.replications)
    } else {
        String::new()
    }
}

fn cpu_chart(r: &RunReport, pi: usize) -> Chart {
    let point = &r.points[pi];
    let (bars, colours) = bars_of(point);
    let host: Vec<f64> = point
        .paths
        .iter()
        .map(|pp| mean_of(pp, "host_cpu_ns_per_packet", 1.0))
        .collect();
    let guest: Vec<f64> = point
        .paths
        .iter()
        .map(|pp| mean_of(pp, "guest_cpu_ns_per_packet", 1.0))
        .collect();
    let title = format!("CPU per packet{}", at_point(r, pi));
    Chart {
        name: format!("cpu-per-packet{}", point_suffix(r, pi)),
        caption: format!(
            "CPU time spent per delivered packet, one bar per path: the lower segment is the \
             host (hypervisor, host kernel, device model or virtio backend; zero on bare metal), \
             the upper the guest's own driver and stack. The bar's height is the total cost of a \
             packet; paths that bypass the hypervisor have almost no host segment.{}{}",
            point_words(r, pi),
            mean_words(r)
        ),
        svg: plot::stacked_bars(&StackedBars {
            title: title.clone(),
            y_label: "CPU [ns/packet]".into(),
            x_label: "I/O path".into(),
            bars,
            segments: vec![
                ("host".into(), plot::palette(0).into(), host),
                ("guest".into(), plot::palette(1).into(), guest),
            ],
            bar_colours: Some(colours),
        }),
        title,
    }
}

fn exits_chart(r: &RunReport, pi: usize) -> Chart {
    let point = &r.points[pi];
    let series: Vec<Series> = point
        .paths
        .iter()
        .map(|pp| {
            let metrics = ["exits_per_packet", "interrupts_per_packet"];
            let pts = metrics
                .iter()
                .enumerate()
                .map(|(g, m)| (g as f64, mean_of(pp, m, 1.0)))
                .collect();
            let err = metrics
                .iter()
                .map(|m| {
                    feasible_stat(pp, m)
                        .and_then(|e| e.ci95)
                        .map_or((f64::NAN, f64::NAN), |[lo, hi]| (lo, hi))
                })
                .collect();
            let mut s = Series::of_path(&pp.path, &pp.path, pts);
            s.err = Some(err);
            s
        })
        .collect();
    let title = format!("VM exits and interrupts per packet{}", at_point(r, pi));
    Chart {
        name: format!("exits-interrupts{}", point_suffix(r, pi)),
        caption: format!(
            "Events per delivered packet, one bar per path in each group. VM exits are what \
             makes emulated and virtio devices expensive (each is a guest → hypervisor → guest \
             round trip); interrupts count physical and virtual ones, so batching (interrupt \
             moderation, NAPI) shows as values below 1.{}{}{}",
            point_words(r, pi),
            mean_words(r),
            if r.replications > 1 {
                " Error bars are 95% confidence intervals."
            } else {
                ""
            }
        ),
        svg: plot::grouped_bars(&GroupedBars {
            title: title.clone(),
            y_label: "events [per packet]".into(),
            x_label: "event".into(),
            groups: vec!["VM exits".into(), "interrupts".into()],
            series,
        }),
        title,
    }
}

fn stage_chart(r: &RunReport, pi: usize) -> Option<Chart> {
    let point = &r.points[pi];
    let stages = summary_table::stages_at(point);
    if stages.is_empty() {
        return None;
    }
    let (bars, colours) = bars_of(point);
    // The stages in their groups (a stage the model does not know: its own
    // segment, after them).
    let group_of = |name: &str| {
        Stage::ALL
            .iter()
            .find(|s| s.name() == name)
            .map(|s| s.group())
    };
    let mut segments: Vec<(String, String, Vec<f64>)> = Vec::new();
    for (i, g) in StageGroup::ALL.iter().enumerate() {
        let members: Vec<&String> = stages.iter().filter(|s| group_of(s) == Some(*g)).collect();
        if members.is_empty() {
            continue;
        }
        let vals = point
            .paths
            .iter()
            .map(|pp| {
                members
                    .iter()
                    .map(|s| mean_of(pp, &format!("stage_{s}_ns"), 1e3))
                    .filter(|v| v.is_finite())
                    .sum()
            })
            .collect();
        segments.push((g.label().to_owned(), group_colour(i).to_owned(), vals));
    }
    for s in stages.iter().filter(|s| group_of(s).is_none()) {
        let metric = format!("stage_{s}_ns");
        let vals = point
            .paths
            .iter()
            .map(|pp| mean_of(pp, &metric, 1e3))
            .collect();
        segments.push((s.clone(), stage_colour(s).to_owned(), vals));
    }
    let title = format!("Where the latency goes{}", at_point(r, pi));
    Some(Chart {
        name: format!("stage-breakdown{}", point_suffix(r, pi)),
        caption: format!(
            "Mean one-way latency per packet split into where it went, bottom (wire) to top \
             (application), one bar per path; the bar's height is the mean latency. The 21 \
             stages are shown in seven groups: wire and NIC (wire, external switch, NIC), PCIe \
             and IOMMU, host CPU (host interrupt and driver, device model, virtio backend, \
             software switch), exits and injection (VM exits, doorbells), queueing (every _wait \
             stage: rings, hypervisor cores, transmit queues, vCPUs), guest driver and stack, \
             application; the table 'Where the latency goes, stage by stage' gives each stage. \
             A group keeps its colour in every chart.{}{}",
            point_words(r, pi),
            mean_words(r)
        ),
        svg: plot::stacked_bars(&StackedBars {
            title: title.clone(),
            y_label: "mean latency [µs]".into(),
            x_label: "I/O path".into(),
            bars,
            segments,
            bar_colours: Some(colours),
        }),
        title,
    })
}

/// A flow's deliveries as (time [ms], packets/ms) over the traffic window
/// (`window_us`; the drain after it would look like an outage), at most
/// [`MAX_SERIES_POINTS`] points (adjacent buckets summed).
fn rate_points(f: &FlowResult, window_us: f64) -> Vec<(f64, f64)> {
    match &f.delivered_series {
        Some(s) => bucket_rates(s.bucket_us, &s.delivered, window_us),
        None => Vec::new(),
    }
}

/// Deliveries per bucket of `bucket_us` as (time [ms], packets/ms) over
/// the traffic window, as [`rate_points`] gives them.
fn bucket_rates(bucket_us: f64, delivered: &[u32], window_us: f64) -> Vec<(f64, f64)> {
    if !(bucket_us.is_finite() && bucket_us > 0.0) {
        return Vec::new();
    }
    let in_window = if window_us.is_finite() && window_us > 0.0 {
        ((window_us / bucket_us).ceil() as usize).min(delivered.len())
    } else {
        delivered.len()
    };
    let buckets = &delivered[..in_window];
    let k = buckets.len().div_ceil(MAX_SERIES_POINTS).max(1);
    let bucket_ms = bucket_us / 1e3;
    buckets
        .chunks(k)
        .enumerate()
        .map(|(i, c)| {
            let sum: u64 = c.iter().map(|&n| u64::from(n)).sum();
            // A short last chunk covers less time.
            let w = bucket_ms * c.len() as f64;
            ((i * k) as f64 * bucket_ms + w / 2.0, sum as f64 / w)
        })
        .collect()
}

/// A chart of delivery rates over time (packets/ms against ms) with the
/// control-plane actions as shaded `bands`.
fn rate_chart(title: &str, series: Vec<Series>, bands: Vec<(f64, f64, String)>) -> String {
    plot::line_chart(&LineChart {
        title: title.to_owned(),
        x_label: "time [ms]".into(),
        y_label: "delivered [packets/ms]".into(),
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        series,
        x_categories: None,
        bands,
    })
}

/// The timeline's actions as shaded bands [ms]: actions that overlap or
/// follow on (an attach issued when the detach completed) merge into one
/// band labelled with each action; one never completed reaches the end.
fn bands_of(control: &[ControlRecord]) -> Vec<(f64, f64, String)> {
    struct Band {
        start: f64,
        end: f64,
        actions: Vec<String>,
        open: bool,
    }
    let mut bands: Vec<Band> = Vec::new();
    let mut recs: Vec<&ControlRecord> = control.iter().filter(|c| c.at_us.is_finite()).collect();
    recs.sort_by(|a, b| a.at_us.total_cmp(&b.at_us));
    for c in recs {
        let ok = c.result == "ok";
        let (end, open) = match c.completed_us {
            Some(t) if t.is_finite() => (t.max(c.at_us), false),
            _ if ok => (f64::INFINITY, true),
            _ => (c.at_us, false),
        };
        let name = if ok {
            c.action.clone()
        } else {
            format!("{} ({})", c.action, c.result)
        };
        match bands.last_mut() {
            Some(b) if c.at_us <= b.end => {
                b.end = b.end.max(end);
                b.open |= open;
                b.actions.push(name);
            }
            _ => bands.push(Band {
                start: c.at_us,
                end,
                actions: vec![name],
                open,
            }),
        }
    }
    bands
        .into_iter()
        .map(|b| {
            let span = if b.open {
                format!("from {} ms, not completed", short(b.start / 1e3))
            } else {
                format!("{}–{} ms", short(b.start / 1e3), short(b.end / 1e3))
            };
            (
                b.start / 1e3,
                b.end / 1e3,
                format!("{} {span}", b.actions.join(" → ")),
            )
        })
        .collect()
}

fn time_charts(r: &RunReport, pi: usize) -> Vec<Chart> {
    let point = &r.points[pi];
    // (path, its first run) for paths with a delivery series.
    let runs: Vec<(&str, &crate::metrics::PathResult)> = point
        .paths
        .iter()
        .filter_map(|pp| pp.runs.first().map(|run| (pp.path.as_str(), run)))
        .filter(|(_, run)| run.flows.iter().any(|f| f.delivered_series.is_some()))
        .collect();
    if runs.is_empty() {
        return Vec::new();
    }
    let lines_of = |path: &str, run: &crate::metrics::PathResult| -> Vec<Series> {
        let flows: Vec<&FlowResult> = run
            .flows
            .iter()
            .filter(|f| f.delivered_series.is_some())
            .collect();
        flows
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let label = if flows.len() > 1 {
                    format!("{path}: {}", f.name)
                } else {
                    path.to_owned()
                };
                let mut s = Series::of_path(path, label, rate_points(f, run.window_us));
                // Several flows of one path: alternate solid and dashed.
                s.dashed = i % 2 == 1;
                s
            })
            .collect()
    };
    let all_bands: Vec<Vec<(f64, f64, String)>> =
        runs.iter().map(|(_, run)| bands_of(&run.control)).collect();
    let same = all_bands.windows(2).all(|w| w[0] == w[1]);
    let extra = format!(
        "{}{}",
        point_words(r, pi),
        if r.replications > 1 {
            " First replication of each path."
        } else {
            ""
        }
    );
    let mut out = Vec::new();
    let title = format!("Delivered packets over time{}", at_point(r, pi));
    let (bands, band_words) = if same {
        (
            all_bands[0].clone(),
            "Shaded: the timeline's control-plane actions, from when they were issued to when \
             they completed (the same on every path).",
        )
    } else {
        (
            all_bands
                .iter()
                .flatten()
                .map(|(a, b, _)| (*a, *b, String::new()))
                .collect(),
            "Shaded: each path's control-plane actions in progress, darker where several \
             paths' overlap; they differ by path, so each path has its own chart below with \
             its actions labelled.",
        )
    };
    out.push(Chart {
        name: "delivered-over-time".into(),
        caption: format!(
            "Packets delivered per millisecond to addressed (VPC) flows over the traffic window, \
             one line per path. A drop to zero is an outage: packets sent then were dropped by the VPC \
             (no attachment, address in transit) until the control plane finished; its width \
             is the outage the summary table gives. {band_words}{extra}"
        ),
        svg: rate_chart(&title, runs.iter().flat_map(|(p, run)| lines_of(p, run)).collect(), bands),
        title,
    });
    // A rack whose flows several hosts took (an ENI or address moved
    // between them): each path's deliveries by host, with its actions
    // labelled (it takes the place of the path's own chart below).
    let mut by_host = Vec::new();
    for ((path, run), bands) in runs.iter().zip(&all_bands) {
        let mut series = Vec::new();
        for f in &run.flows {
            let Some(s) = &f.delivered_series else {
                continue;
            };
            let took: Vec<usize> = (0..s.by_host.len())
                .filter(|&h| s.by_host[h].iter().any(|&n| n > 0))
                .collect();
            if took.len() < 2 {
                continue;
            }
            for (i, &h) in took.iter().enumerate() {
                let mut line = Series::new(
                    format!(
                        "{}host {h}",
                        if run.flows.len() > 1 {
                            format!("{}: ", f.name)
                        } else {
                            String::new()
                        }
                    ),
                    plot::palette(i),
                    bucket_rates(s.bucket_us, &s.by_host[h], run.window_us),
                );
                line.dashed = i % 2 == 1;
                series.push(line);
            }
        }
        if series.is_empty() {
            continue;
        }
        by_host.push(*path);
        let title = format!("Delivered packets by host, {path}{}", at_point(r, pi));
        out.push(Chart {
            name: format!("delivered-by-host-{}", file_safe(path)),
            caption: format!(
                "{path}: packets delivered per millisecond to addressed flows, one line per \
                 host of the rack that took them. The traffic leaves one host when the \
                 control plane cuts it off and appears on the other once the move completes \
                 (shaded: this path's control-plane actions, issued → completed).{extra}"
            ),
            svg: rate_chart(&title, series, bands.clone()),
            title,
        });
    }
    if !same && runs.len() <= MAX_PATH_TIME_CHARTS {
        for ((path, run), bands) in runs.iter().zip(all_bands) {
            if by_host.contains(path) {
                continue;
            }
            let title = format!("Delivered packets over time, {path}{}", at_point(r, pi));
            out.push(Chart {
                name: format!("delivered-over-time-{}", file_safe(path)),
                caption: format!(
                    "{path} alone: packets delivered per millisecond to its addressed flows, \
                     with its control-plane actions shaded and labelled (issued → completed). \
                     The outage starts when the first action cuts the flow off and ends when \
                     deliveries resume.{extra}"
                ),
                svg: rate_chart(&title, lines_of(path, run), bands),
                title,
            });
        }
    }
    out
}

/// `v` as [`num`] prints it, without trailing zeros after the point.
fn short(v: f64) -> String {
    let s = num(v);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// `s` with everything but ASCII letters and digits turned into `-`,
/// lowercase.
fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_keeps_the_ends() {
        assert_eq!(spread(3, 4), [0, 1, 2]);
        assert_eq!(spread(10, 4), [0, 3, 6, 9]);
        assert_eq!(spread(5, 4), [0, 1, 3, 4]);
        assert_eq!(spread(1, 4), [0]);
    }

    #[test]
    fn stages_have_distinct_fixed_colours() {
        let mut cs: Vec<&str> = Stage::ALL.iter().map(|s| stage_colour(s.name())).collect();
        assert_eq!(stage_colour("wire"), stage_colour("wire"));
        cs.sort();
        cs.dedup();
        assert_eq!(cs.len(), Stage::COUNT);
    }

    #[test]
    fn follow_on_actions_merge_into_one_band() {
        let rec = |action: &str, at: f64, done: Option<f64>| ControlRecord {
            action: action.into(),
            at_us: at,
            result: "ok".into(),
            message: None,
            completed_us: done,
        };
        let b = bands_of(&[
            rec("Detach", 200_000.0, Some(250_000.0)),
            rec("Attach", 250_000.0, Some(350_000.0)),
            rec("Assign", 600_000.0, None),
        ]);
        assert_eq!(
            b,
            [
                (200.0, 350.0, "Detach → Attach 200–350 ms".into()),
                (
                    600.0,
                    f64::INFINITY,
                    "Assign from 600 ms, not completed".into()
                ),
            ]
        );
    }
}
